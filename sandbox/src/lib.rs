//! # payquery-sandbox
//!
//! A local fake of the five provider APIs payquery speaks, in the spirit of stripe-mock: the
//! same paths, the same checks, the same answers and error shapes as the real providers, with
//! seeded orders in every status and per-request fault injection. The CLI's `payquery sandbox`
//! and `payquery demo`, and every binding's tests, talk to it over real HTTP on 127.0.0.1.
//!
//! It is the **provider's side**: it rebuilds every signed message from the bytes it actually
//! received (method, raw request-target, headers, body), following each provider's spec, and
//! never calls the client-side request builders — otherwise a client bug would be mirrored here
//! and every round trip would pass. It shares only low-level primitives (RSA, MD5) with the core.
//!
//! Nothing in it is secret: its keys are the test keys in `tests/vectors/keys/`, its app
//! secrets and tokens are made up, and it binds to 127.0.0.1 only.

#![forbid(unsafe_code)]

mod configs;
mod dingshang;
mod fault;
mod fubei;
mod mini;
pub mod seed;
mod wechatpay;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use configs::{client_configs, fault_queries, fault_query, write_configs, ProviderSetup};
pub use fault::{Fault, FAULT_HEADER, SLOW_DELAY};

/// Largest request body the sandbox reads.
const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// The sandbox's state: issued access tokens (the rest is fixed seed data).
#[derive(Debug)]
pub(crate) struct SandboxState {
    /// WeChat access tokens: (token, expires_at).
    pub(crate) tokens: Mutex<Vec<(String, i64)>>,
}

/// A running sandbox; dropping it (or calling [`RunningSandbox::shutdown`]) stops the server.
#[derive(Debug)]
pub struct RunningSandbox {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningSandbox {
    /// The bound address (127.0.0.1:port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:port`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Waits until the server stops (e.g. forever, for `payquery sandbox`).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts the sandbox on 127.0.0.1:`port` (0 picks a free port).
pub async fn start(port: u16) -> std::io::Result<RunningSandbox> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(SandboxState {
        tokens: Mutex::new(vec![
            (seed::MINI_ACCESS_TOKEN.to_owned(), i64::MAX),
            (seed::MINI_EXPIRED_ACCESS_TOKEN.to_owned(), 0),
        ]),
    });
    let app = Router::new().fallback(dispatch).with_state(state);
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(RunningSandbox {
        addr,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// What a provider handler sees of a request: everything as received.
#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) method: String,
    /// The raw request-target (path and query, still percent-encoded).
    pub(crate) target: String,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Decoded query parameters.
    pub(crate) fn query_params(&self) -> Vec<(String, String)> {
        self.query
            .as_deref()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect()
    }

    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        self.query_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// The `k=v&…` string both MD5 providers sign, rebuilt on the provider side from the JSON
/// object received: every member but `sign` (strings as their text, other values as JSON),
/// minus those `skip` rejects, sorted by key, joined by `&`.
pub(crate) fn sorted_sign_string(
    params: &serde_json::Map<String, serde_json::Value>,
    skip: impl Fn(&str) -> bool,
) -> String {
    let mut pairs: Vec<(&str, String)> = params
        .iter()
        .filter(|(k, _)| k.as_str() != "sign")
        .map(|(k, v)| {
            (
                k.as_str(),
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string()),
            )
        })
        .filter(|(_, v)| !skip(v))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// An answer before fault injection: status, headers, body.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn json(status: u16, value: &serde_json::Value) -> Self {
        Answer {
            status,
            headers: vec![(
                "Content-Type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            )],
            body: value.to_string().into_bytes(),
        }
    }
}

pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub(crate) fn random_alphanumeric(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    if getrandom::fill(&mut bytes).is_err() {
        // Nonces only need uniqueness here; fall back to the clock.
        return format!("{:0>len$}", now_unix(), len = len);
    }
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    bytes
        .iter()
        .map(|b| {
            char::from(
                ALPHABET
                    .get(usize::from(*b) % ALPHABET.len())
                    .copied()
                    .unwrap_or(b'0'),
            )
        })
        .collect()
}

async fn dispatch(State(state): State<Arc<SandboxState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_REQUEST_BYTES).await {
        Ok(b) => b.to_vec(),
        Err(_) => {
            return to_response(Answer::json(
                413,
                &serde_json::json!({"message": "request body too large"}),
            ))
        }
    };
    let target = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let received = Received {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        target,
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    let path = received.path.clone();
    let route = if path.starts_with("/v3/") {
        wechatpay::handle(&received)
    } else if path.starts_with("/wxa/") || path.starts_with("/cgi-bin/") {
        mini::handle(&state, &received)
    } else if path == "/gateway" {
        fubei::handle(&received)
    } else if path.starts_with("/api/openapi/v1/orders/") {
        dingshang::handle(&received)
    } else {
        Routed::plain(Answer::json(
            404,
            &serde_json::json!({"message": "no such sandbox endpoint"}),
        ))
    };
    if let Some(delay) = route.delay {
        tokio::time::sleep(delay).await;
    }
    to_response(route.answer)
}

/// A handler's result: the answer, and a delay when the `slow` fault was asked for.
#[derive(Debug)]
pub(crate) struct Routed {
    pub(crate) answer: Answer,
    pub(crate) delay: Option<std::time::Duration>,
}

impl Routed {
    pub(crate) fn plain(answer: Answer) -> Self {
        Routed {
            answer,
            delay: None,
        }
    }
}

fn to_response(answer: Answer) -> Response {
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}
