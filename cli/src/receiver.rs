//! A tiny notify URL for the demo and the tests: a std `TcpListener` on 127.0.0.1 and a
//! thread that reads each POST whole (method, every header as received, the raw body), hands
//! it to a handler, and writes the handler's reply back exactly. One exchange per
//! connection, plain HTTP/1.1 — a stand-in for a host's web server, not one.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use payquery_core::{NotificationReply, NotificationRequest, MAX_NOTIFICATION_BYTES};

/// What the receiver does with a request: the reply to send.
pub type Handler = dyn Fn(&NotificationRequest) -> NotificationReply + Send + Sync;

/// One exchange the receiver had.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request as received.
    pub request: NotificationRequest,
    /// The reply sent.
    pub reply: NotificationReply,
}

/// A running receiver; dropping it stops it.
#[derive(Debug)]
pub struct Receiver {
    addr: SocketAddr,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
    stop: Arc<AtomicBool>,
}

impl Receiver {
    /// Listens on 127.0.0.1 (a free port) and answers every request with `handler`.
    pub fn start(handler: Box<Handler>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let exchanges = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, stopped) = (Arc::clone(&exchanges), Arc::clone(&stop));
        std::thread::Builder::new()
            .name("notify-receiver".to_owned())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopped.load(Ordering::Relaxed) {
                        return;
                    }
                    // A connection that sends no request is dropped; the next is served.
                    if let Ok(stream) = stream {
                        serve(stream, handler.as_ref(), &log);
                    }
                }
            })?;
        Ok(Receiver {
            addr,
            exchanges,
            stop,
        })
    }

    /// `http://127.0.0.1:PORT/notify`
    pub fn url(&self) -> String {
        format!("http://{}/notify", self.addr)
    }

    /// Every exchange so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// Reads one request from `stream`, answers it with `handler`, and logs the exchange before
/// the reply is written (so whoever waits for the reply finds it logged).
fn serve(stream: TcpStream, handler: &Handler, log: &Mutex<Vec<Exchange>>) -> Option<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let method = line.split(' ').next()?.to_owned();
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
        if name.eq_ignore_ascii_case("Content-Length") {
            length = value.parse().ok()?;
        }
        headers.push((name, value));
    }
    // One byte over the core's cap is enough for it to refuse the body.
    let mut body = Vec::new();
    reader
        .take(u64::try_from(length.min(MAX_NOTIFICATION_BYTES + 1)).ok()?)
        .read_to_end(&mut body)
        .ok()?;
    let request = NotificationRequest {
        method,
        headers,
        body,
    };
    let reply = handler(&request);
    let mut head = format!("HTTP/1.1 {} Reply\r\n", reply.status);
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        reply.body.len()
    ));
    let body = reply.body.clone();
    log.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Exchange { request, reply });
    let mut out = stream;
    let _ = out
        .write_all(head.as_bytes())
        .and_then(|()| out.write_all(body.as_bytes()))
        .and_then(|()| out.flush());
    Some(())
}
