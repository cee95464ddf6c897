//! How the sandbox puts its answers on the wire: HTTP/1.1 with header names spelt as the
//! providers spell them (`Wechatpay-Timestamp`, `Wechatpay-Signature`, `Request-ID`).
//!
//! Header names are case-insensitive, and hyper (under axum) writes them in lower case, which
//! is legal. But the official wechatpay-java SDK copies response headers into a plain map and
//! looks them up by WeChat Pay's spelling, so it rejected every sandbox answer: a user
//! migrating from it could not point it at the sandbox. hyper's title case gets every name
//! right but one (`Request-Id`); [`ProviderSpelling`] mends that one in the response head, in
//! place (the same length, so hyper's byte counts stay true).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Serves `app` on `listener` until `shutdown` completes, one task per connection.
pub(crate) async fn serve(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // A transient accept error (e.g. out of file descriptors): keep serving.
                Err(_) => continue,
            },
            () = &mut shutdown => return,
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .title_case_headers(true)
                .serve_connection(TokioIo::new(ProviderSpelling(stream)), service)
                .await;
        });
    }
}

/// The header names hyper's title case spells differently from the provider.
const RESPELT: [(&[u8], &[u8]); 1] = [(b"\r\nRequest-Id: ", b"\r\nRequest-ID: ")];

/// A connection whose written response heads use [`RESPELT`]'s spellings. Writes are not
/// vectored, so hyper hands each head over whole, in one buffer.
struct ProviderSpelling(TcpStream);

/// `buf` with every [`RESPELT`] name replaced (same length), or `None` when it has none.
fn respell(buf: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    for (from, to) in RESPELT {
        let mut start = 0;
        while let Some(at) = buf
            .get(start..)
            .and_then(|rest| rest.windows(from.len()).position(|w| w == from))
        {
            let at = start + at;
            let bytes = out.get_or_insert_with(|| buf.to_vec());
            if let Some(slot) = bytes.get_mut(at..at + to.len()) {
                slot.copy_from_slice(to);
            }
            start = at + from.len();
        }
    }
    out
}

impl AsyncRead for ProviderSpelling {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for ProviderSpelling {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match respell(buf) {
            Some(respelt) => Pin::new(&mut self.0).poll_write(cx, &respelt),
            None => Pin::new(&mut self.0).poll_write(cx, buf),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_id_is_respelt_in_place() {
        let head = b"HTTP/1.1 200 OK\r\nRequest-Id: 08F7\r\nWechatpay-Serial: X\r\n\r\n";
        let out = respell(head).unwrap();
        assert_eq!(out.len(), head.len());
        assert_eq!(
            out,
            b"HTTP/1.1 200 OK\r\nRequest-ID: 08F7\r\nWechatpay-Serial: X\r\n\r\n".to_vec()
        );
        assert_eq!(respell(b"{\"code\":\"SUCCESS\"}"), None);
    }
}
