//! Sends request descriptors with an ordinary HTTP client (ureq), exactly as built: the URL as
//! is, headers in order, the body bytes unchanged. Plain HTTP only — this host exists for the
//! local sandbox and demos; production hosts use their own client with TLS.

use std::time::Duration;

use payquery_core::{HttpRequest, HttpResponse, TransportFailure};

/// Largest response body read.
const MAX_RESPONSE_BYTES: u64 = 2 * 1024 * 1024;

/// A small blocking HTTP client.
#[derive(Debug)]
pub struct HttpTransport {
    agent: ureq::Agent,
}

impl HttpTransport {
    /// A client whose whole exchange must finish within `timeout`.
    pub fn new(timeout: Duration) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout))
            .build();
        HttpTransport {
            agent: ureq::Agent::new_with_config(config),
        }
    }

    /// Sends `request` (plus `extra_headers`, e.g. a sandbox fault selector) and returns the
    /// response as received. Transport failures (connect, timeout) are `Err(text)`.
    pub fn send(
        &self,
        request: &HttpRequest,
        extra_headers: &[(&str, &str)],
    ) -> Result<HttpResponse, String> {
        self.send_within(request, extra_headers, None)
            .map_err(|(_, text)| text)
    }

    /// [`HttpTransport::send`] with this request's own timeout; a failure to complete it is
    /// classified as the query flow wants it (connect, DNS, TLS, timeout, reset, other).
    pub fn send_within(
        &self,
        request: &HttpRequest,
        extra_headers: &[(&str, &str)],
        timeout: Option<Duration>,
    ) -> Result<HttpResponse, (TransportFailure, String)> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(&request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        for (name, value) in extra_headers {
            builder = builder.header(*name, *value);
        }
        let http_request = builder
            .body(request.body.clone().unwrap_or_default())
            .map_err(|e| {
                (
                    TransportFailure::Other,
                    format!("cannot build HTTP request: {e}"),
                )
            })?;
        let http_request = match timeout {
            Some(t) => self
                .agent
                .configure_request(http_request)
                .timeout_global(Some(t))
                .build(),
            None => http_request,
        };
        let mut response = self
            .agent
            .run(http_request)
            .map_err(|e| (classify(&e), format!("HTTP exchange failed: {e}")))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
            .map_err(|e| {
                (
                    classify(&e),
                    format!("reading the response body failed: {e}"),
                )
            })?;
        Ok(HttpResponse::new(status, headers, body))
    }
}

/// How ureq failed, in the flow's words.
fn classify(error: &ureq::Error) -> TransportFailure {
    use std::io::ErrorKind;
    match error {
        ureq::Error::Timeout(_) => TransportFailure::Timeout,
        ureq::Error::HostNotFound => TransportFailure::Dns,
        ureq::Error::ConnectionFailed => TransportFailure::Connect,
        ureq::Error::Tls(_) | ureq::Error::TlsRequired => TransportFailure::Tls,
        ureq::Error::Io(e) => match e.kind() {
            ErrorKind::ConnectionRefused | ErrorKind::AddrNotAvailable => TransportFailure::Connect,
            ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportFailure::Timeout,
            ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof => TransportFailure::Reset,
            _ => TransportFailure::Other,
        },
        ureq::Error::Protocol(_) => TransportFailure::Reset,
        _ => TransportFailure::Other,
    }
}
