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
mod notify;
pub mod seed;
mod wechatpay;
mod wire;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use configs::{
    auto_config, client_configs, failover_config, fault_queries, fault_query, settling_query,
    write_configs, ProviderSetup,
};
pub use fault::{Fault, FAULT_HEADER, RETRY_AFTER_SECS, SLOW_DELAY, UNKNOWN_SERIAL_ORDER_ID};
use payquery_core::ProviderId;

/// Largest request body the sandbox reads.
const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// The sandbox's state: issued access tokens, token-endpoint calls, how often each settling
/// order was asked for, whether the platform certificates were rotated and how often they were
/// downloaded (the rest is fixed seed data). Shared by its main and backup hosts.
#[derive(Debug)]
pub(crate) struct SandboxState {
    /// WeChat access tokens: (token, expires_at).
    pub(crate) tokens: Mutex<Vec<(String, i64)>>,
    /// Calls to the token endpoints (stable and classic), for `/__sandbox/stats`.
    token_requests: AtomicU64,
    /// Queries per settling order id.
    settling: Mutex<HashMap<(ProviderId, String), u32>>,
    /// Set by `POST /__sandbox/rotate`: the certificate endpoints list the next platform
    /// certificate beside the current one, and the auto merchant's answers are signed with it.
    rotated: AtomicBool,
    /// Calls to the certificate endpoints (domestic and Global, whatever the answer), for
    /// `/__sandbox/stats`.
    certificate_requests: AtomicU64,
    /// Where a settling order's change to PAID is notified (`--notify-url`).
    notify_url: Option<String>,
    /// Notification POSTs tried (every try and re-send), for `/__sandbox/stats`; shared with
    /// the threads that re-send.
    pub(crate) notifications_sent: Arc<AtomicU64>,
}

impl SandboxState {
    fn new(options: SandboxOptions) -> Self {
        SandboxState {
            tokens: Mutex::new(vec![
                (seed::MINI_ACCESS_TOKEN.to_owned(), i64::MAX),
                (seed::MINI_EXPIRED_ACCESS_TOKEN.to_owned(), 0),
            ]),
            token_requests: AtomicU64::new(0),
            settling: Mutex::new(HashMap::new()),
            rotated: AtomicBool::new(false),
            certificate_requests: AtomicU64::new(0),
            notify_url: options.notify_url,
            notifications_sent: Arc::new(AtomicU64::new(0)),
        }
    }

    pub(crate) fn count_certificate_request(&self) {
        self.certificate_requests.fetch_add(1, Ordering::Relaxed);
    }

    /// True once `POST /__sandbox/rotate` was called (it is never undone: the sandbox has no
    /// reset).
    pub(crate) fn rotated(&self) -> bool {
        self.rotated.load(Ordering::Relaxed)
    }

    pub(crate) fn count_token_request(&self) {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
    }

    /// For a settling order id ([`seed::SETTLING`]): the seeded order to answer with — the
    /// pending one for its first two queries, the paid one from the third. The query that
    /// settles it also notifies `--notify-url`, as the provider would, for the WeChat Pay
    /// merchant `mchid` that asked.
    pub(crate) fn settle(
        &self,
        provider: ProviderId,
        id: &str,
        mchid: Option<&str>,
    ) -> Option<&'static str> {
        let (_, _, pending, paid) = seed::SETTLING
            .iter()
            .find(|(p, settling, _, _)| *p == provider && *settling == id)?;
        let n = {
            let mut counts = self.settling.lock().unwrap_or_else(|e| e.into_inner());
            let n = counts.entry((provider, id.to_owned())).or_insert(0);
            *n += 1;
            *n
        };
        if n == 3 {
            self.notify_paid(provider, id, mchid.unwrap_or(seed::MCHID));
        }
        Some(if n <= 2 { pending } else { paid })
    }

    /// For a settling order id: the seeded order it stands for now, without counting a query.
    pub(crate) fn settled_now(&self, provider: ProviderId, id: &str) -> Option<&'static str> {
        let (_, _, pending, paid) = seed::SETTLING
            .iter()
            .find(|(p, settling, _, _)| *p == provider && *settling == id)?;
        let counts = self.settling.lock().unwrap_or_else(|e| e.into_inner());
        let n = counts.get(&(provider, id.to_owned())).copied().unwrap_or(0);
        Some(if n <= 2 { pending } else { paid })
    }

    /// Notifies `--notify-url` (if set) that `id` is paid, re-sending in the background.
    fn notify_paid(&self, provider: ProviderId, id: &str, mchid: &str) {
        let Some(url) = &self.notify_url else {
            return;
        };
        match notify::build(self, provider, mchid, id, notify::NotifyKind::Ok) {
            Some(Ok(out)) => notify::send_with_retries(
                provider,
                url.clone(),
                out,
                Arc::clone(&self.notifications_sent),
            ),
            Some(Err(e)) => eprintln!("payquery sandbox: cannot notify {id}: {e}"),
            // The Mini Program sends no order notifications.
            None => {}
        }
    }
}

/// Which of the sandbox's hosts a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The main host.
    Main,
    /// The backup host: the same API and data, but healthy when the main host is
    /// `unavailable`.
    Backup,
}

#[derive(Debug)]
struct Host {
    state: Arc<SandboxState>,
    role: Role,
}

/// A running sandbox; dropping it (or calling [`RunningSandbox::shutdown`]) stops the server.
#[derive(Debug)]
pub struct RunningSandbox {
    addr: SocketAddr,
    backup_addr: SocketAddr,
    dead_addr: SocketAddr,
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

    /// The backup host: the same provider APIs on another port, healthy when the main host
    /// answers `unavailable` (what every written config names as `backup_base_url`).
    pub fn backup_base_url(&self) -> String {
        format!("http://{}", self.backup_addr)
    }

    /// A host that accepts connections and closes them without an answer: a main host that
    /// always fails at the transport level (the `*.failover.json` configs).
    pub fn dead_base_url(&self) -> String {
        format!("http://{}", self.dead_addr)
    }

    /// All three base URLs, for [`write_configs`].
    pub fn urls(&self) -> SandboxUrls {
        SandboxUrls {
            main: self.base_url(),
            backup: self.backup_base_url(),
            dead: self.dead_base_url(),
        }
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

/// The sandbox's three base URLs: main, backup and the host that always fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxUrls {
    /// The main host.
    pub main: String,
    /// The backup host.
    pub backup: String,
    /// The host that closes every connection without an answer.
    pub dead: String,
}

/// What a sandbox can be started with beside its port.
#[derive(Debug, Clone, Default)]
pub struct SandboxOptions {
    /// `http://host:port/path` to notify when a settling order changes to PAID (the third
    /// query of it), re-sent on the provider's schedule divided by 60 until it is accepted,
    /// at most five times, from a thread that never holds up an answer.
    pub notify_url: Option<String>,
}

/// Starts the sandbox on 127.0.0.1:`port` (0 picks a free port), with its backup host and its
/// always-failing host on free ports beside it.
pub async fn start(port: u16) -> std::io::Result<RunningSandbox> {
    start_with(port, SandboxOptions::default()).await
}

/// [`start`] with `options`; a `notify_url` that is not `http://host…` is refused
/// (`InvalidInput`).
pub async fn start_with(port: u16, options: SandboxOptions) -> std::io::Result<RunningSandbox> {
    if let Some(url) = &options.notify_url {
        notify::check_url(url)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let backup = TcpListener::bind(("127.0.0.1", 0)).await?;
    let dead = TcpListener::bind(("127.0.0.1", 0)).await?;
    let (addr, backup_addr, dead_addr) = (
        listener.local_addr()?,
        backup.local_addr()?,
        dead.local_addr()?,
    );
    let state = Arc::new(SandboxState::new(options));
    let app = |role| {
        Router::new().fallback(dispatch).with_state(Arc::new(Host {
            state: Arc::clone(&state),
            role,
        }))
    };
    let (main_app, backup_app) = (app(Role::Main), app(Role::Backup));
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let backup_task = tokio::spawn(wire::serve(backup, backup_app, std::future::pending()));
        let dead_task = tokio::spawn(async move {
            // Accept, then drop: the client sees the connection closed without an answer.
            while let Ok(accepted) = dead.accept().await {
                drop(accepted);
            }
        });
        wire::serve(listener, main_app, async {
            let _ = rx.await;
        })
        .await;
        backup_task.abort();
        dead_task.abort();
    });
    Ok(RunningSandbox {
        addr,
        backup_addr,
        dead_addr,
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

async fn dispatch(State(host): State<Arc<Host>>, request: Request) -> Response {
    let state = host.state.as_ref();
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
        wechatpay::handle(state, &received)
    } else if path.starts_with("/wxa/") || path.starts_with("/cgi-bin/") {
        mini::handle(state, &received)
    } else if path == "/gateway" {
        fubei::handle(state, &received)
    } else if path.starts_with("/api/openapi/v1/orders/") {
        dingshang::handle(state, &received)
    } else if path == "/__sandbox/stats" {
        Routed::plain(Answer::json(
            200,
            &serde_json::json!({
                "token_requests": state.token_requests.load(Ordering::Relaxed),
                "certificate_requests": state.certificate_requests.load(Ordering::Relaxed),
                "notifications_sent": state.notifications_sent.load(Ordering::Relaxed),
            }),
        ))
    } else if path == "/__sandbox/notify" {
        // It waits for the receiver's reply: off the provider handlers' synchronous path.
        Routed::plain(notify::endpoint(state, &received).await)
    } else if path == "/__sandbox/rotate" {
        Routed::plain(if received.method == "POST" {
            // Idempotent: a second rotation keeps the same two certificates.
            state.rotated.store(true, Ordering::Relaxed);
            Answer::json(
                200,
                &serde_json::json!({"rotated": true, "serial_no": seed::NEXT_PLATFORM_CERT_SERIAL}),
            )
        } else {
            Answer::json(405, &serde_json::json!({"message": "POST only"}))
        })
    } else {
        Routed::plain(Answer::json(
            404,
            &serde_json::json!({"message": "no such sandbox endpoint"}),
        ))
    };
    // What every provider's faults have in common, applied here once.
    let mut answer = route.answer;
    match route.fault {
        Some(Fault::Slow) => tokio::time::sleep(SLOW_DELAY).await,
        Some(Fault::RateLimit) => answer
            .headers
            .push(("Retry-After".to_owned(), RETRY_AFTER_SECS.to_string())),
        Some(Fault::Unavailable) if host.role == Role::Main => {
            answer = Answer {
                status: 503,
                headers: vec![("Content-Type".to_owned(), "text/html".to_owned())],
                body: b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
                    .to_vec(),
            };
        }
        _ => {}
    }
    to_response(answer)
}

/// A handler's result: the answer, and the fault that was asked for (the dispatcher applies
/// the parts every provider shares: the `slow` delay, `Retry-After`, `unavailable`).
#[derive(Debug)]
pub(crate) struct Routed {
    pub(crate) answer: Answer,
    pub(crate) fault: Option<Fault>,
}

impl Routed {
    pub(crate) fn plain(answer: Answer) -> Self {
        Routed {
            answer,
            fault: None,
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
