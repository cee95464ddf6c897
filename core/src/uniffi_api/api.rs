//! The objects and functions Kotlin and Swift call. The model types they take and return
//! (`Config`, `Query`, `QueryResult`, `AccessToken`, …) are the core's own, derived; what is
//! declared here is the transport (requests and responses in the shapes those languages'
//! HTTP clients use: a `String` method, an `Int` status, `Header` records) and the entry points.
//! Time, randomness and file contents come in as arguments (see the module docs).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::PayqueryError;
use crate::{
    ApiNaming, Config, Method, ProviderId, Query, QueryResult, RequestContext, ResponseContext,
    Secret, TokenKind,
};

type Result<T, E = PayqueryError> = std::result::Result<T, E>;

/// The core's stable error codes, in its order.
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    crate::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect()
}

/// The largest config document or key file, in bytes: the Kotlin and Swift file reads stop there.
#[uniffi::export]
pub fn max_document_bytes() -> i64 {
    i64::try_from(crate::MAX_DOCUMENT_BYTES).unwrap_or(i64::MAX)
}

/// A file a config document names: its `*_path` key and the path as written.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConfigFile {
    /// The key, e.g. `merchant_private_key_path`.
    pub key: String,
    /// The path, as written (relative to the config file).
    pub path: String,
}

/// The files a config document's `*_path` keys name, in document order: what the host reads
/// (relative to the config file) before `Client.fromJson`.
#[uniffi::export]
pub fn config_file_paths(config_json: String) -> Result<Vec<ConfigFile>> {
    Ok(Config::file_paths(&config_json)?
        .into_iter()
        .map(|(key, path)| ConfigFile { key, path })
        .collect())
}

/// A config document (JSON text, the CLI's format) as the typed config. `files` holds the text
/// of every file its `*_path` keys name (`configFilePaths`), keyed by the path as written; the
/// host reads them, so the core opens no file. `Client.fromJson` in Kotlin and Swift goes
/// through here, so every config, file or literal, reaches `Client(config)` as the same type.
#[uniffi::export]
pub fn config_from_json(config_json: String, files: HashMap<String, String>) -> Result<Config> {
    Ok(Config::from_json_with_files(&config_json, &mut |path| {
        files
            .get(path)
            .cloned()
            .ok_or_else(|| "the file was not read".to_owned())
    })?)
}

/// A query document (JSON text, as the CLI takes it) as the typed query for `provider`.
#[uniffi::export]
pub fn query_from_json(provider: ProviderId, query_json: String) -> Result<Query> {
    Ok(crate::query::Query::from_json(provider, &query_json)?)
}

/// A result in the CLI's JSON shape (`{"order", "detail", "signature_serial"}`), for storing or
/// logging it as text.
#[uniffi::export]
pub fn query_result_json(result: QueryResult) -> Result<String> {
    serde_json::to_string(&result)
        .map_err(|e| crate::Error::new(crate::ErrorCode::DecodeError, e.to_string()).into())
}

/// A notification in the CLI's JSON shape (`payquery notify`'s `notification`), for storing it
/// as text before answering (the `id` is the key to deduplicate on).
#[uniffi::export]
pub fn notification_json(notification: crate::Notification) -> Result<String> {
    serde_json::to_string(&notification)
        .map_err(|e| crate::Error::new(crate::ErrorCode::DecodeError, e.to_string()).into())
}

/// One HTTP header. Its `toString()` / `description` redacts a credential's value
/// (`Authorization`, `AppSecret`), so printing `request.headers` never leaks one; `value` itself
/// is what is sent.
#[derive(Clone, PartialEq, Eq, Hash, uniffi::Record)]
#[uniffi::export(Display, Eq, Hash)]
pub struct Header {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

impl std::fmt::Display for Header {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = if crate::is_sensitive_header(&self.name) {
            "[redacted]"
        } else {
            &self.value
        };
        write!(f, "Header(name={}, value={value})", self.name)
    }
}

impl std::fmt::Debug for Header {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

fn headers_out(headers: Vec<(String, String)>) -> Vec<Header> {
    headers
        .into_iter()
        .map(|(name, value)| Header { name, value })
        .collect()
}

fn headers_in(headers: Vec<Header>) -> Vec<(String, String)> {
    headers.into_iter().map(|h| (h.name, h.value)).collect()
}

/// A signed request to send unchanged. Its `toString()` / `description` is the core's redacted
/// form (credentials replaced by `[redacted]`), so logging one never leaks a secret.
#[derive(Clone, PartialEq, Eq, Hash, uniffi::Record)]
#[uniffi::export(Display, Eq, Hash)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// The absolute URL, already percent-encoded: send it as is.
    pub url: String,
    /// Headers in send order.
    pub headers: Vec<Header>,
    /// The body (UTF-8 JSON), when the request has one.
    pub body: Option<Vec<u8>>,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::fmt::Display for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = crate::HttpRequest {
            method: Method::parse(&self.method).unwrap_or(Method::Get),
            url: self.url.clone(),
            headers: self
                .headers
                .iter()
                .map(|h| (h.name.clone(), h.value.clone()))
                .collect(),
            body: self.body.clone(),
        }
        .redacted();
        let headers: Vec<String> = shown
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}"))
            .collect();
        let body = shown
            .body_len
            .map_or_else(|| "null".to_owned(), |n| format!("<{n} bytes>"));
        write!(
            f,
            "HttpRequest(method={}, url={}, headers=[{}], body={body})",
            shown.method,
            shown.url,
            headers.join(", ")
        )
    }
}

impl From<crate::HttpRequest> for HttpRequest {
    fn from(r: crate::HttpRequest) -> Self {
        HttpRequest {
            method: r.method.as_str().to_owned(),
            url: r.url,
            headers: headers_out(r.headers),
            body: r.body,
        }
    }
}

impl TryFrom<HttpRequest> for crate::HttpRequest {
    type Error = PayqueryError;

    fn try_from(r: HttpRequest) -> Result<Self> {
        Ok(crate::HttpRequest {
            method: Method::parse(&r.method)?,
            url: r.url,
            headers: headers_in(r.headers),
            body: r.body,
        })
    }
}

/// A response as received.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpResponse {
    /// HTTP status code (0 to 999).
    pub status: i32,
    /// Headers as received (repeats kept; lookups are case-insensitive).
    pub headers: Vec<Header>,
    /// The raw body bytes.
    pub body: Vec<u8>,
}

impl TryFrom<HttpResponse> for crate::HttpResponse {
    type Error = PayqueryError;

    fn try_from(r: HttpResponse) -> Result<Self> {
        let status = u16::try_from(r.status)
            .ok()
            .filter(|s| *s <= 999)
            .ok_or_else(|| {
                crate::Error::invalid_input("status", "`status` must be an HTTP status")
            })?;
        Ok(crate::HttpResponse::new(
            status,
            headers_in(r.headers),
            r.body,
        ))
    }
}

/// A provider's callback as the host's web server received it: the method, every header in
/// order (a repeated name kept: two values for one signature header are refused, never
/// picked from), and the body's raw bytes. Never a re-serialised JSON body: WeChat Pay signs
/// the exact bytes it sent. Its `toString()` / `description` shows the body's length only.
#[derive(Clone, PartialEq, Eq, Hash, uniffi::Record)]
#[uniffi::export(Display, Eq, Hash)]
pub struct NotificationRequest {
    /// The HTTP method (`POST`).
    pub method: String,
    /// The headers as received, in order, repeated names kept.
    pub headers: Vec<Header>,
    /// The body exactly as received (read at most `maxNotificationBytes()` + 1 bytes).
    pub body: Vec<u8>,
}

impl std::fmt::Display for NotificationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<String> = self.headers.iter().map(ToString::to_string).collect();
        write!(
            f,
            "NotificationRequest(method={}, headers=[{}], body=<{} bytes>)",
            self.method,
            headers.join(", "),
            self.body.len()
        )
    }
}

impl std::fmt::Debug for NotificationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl From<NotificationRequest> for crate::NotificationRequest {
    fn from(r: NotificationRequest) -> Self {
        crate::NotificationRequest {
            method: r.method,
            headers: headers_in(r.headers),
            body: r.body,
        }
    }
}

/// The HTTP reply to send for a notification, exactly (status, headers, body): the provider
/// reads it to decide whether to send the notification again.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NotificationReply {
    /// The HTTP status.
    pub status: i32,
    /// Headers to set (`Content-Type` when there is a body).
    pub headers: Vec<Header>,
    /// The body (empty for WeChat Pay's 204).
    pub body: String,
}

impl From<crate::NotificationReply> for NotificationReply {
    fn from(r: crate::NotificationReply) -> Self {
        NotificationReply {
            status: i32::from(r.status),
            headers: headers_out(r.headers),
            body: r.body,
        }
    }
}

/// An accepted notification and the reply that tells the provider so (send it once the
/// notification is stored; `Client.notificationRetryReply()` instead when storing fails).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HandledNotification {
    /// The notification.
    pub notification: crate::Notification,
    /// The reply to send.
    pub reply: NotificationReply,
    /// The requests made for it, oldest first: a certificate download (purpose `certificates`)
    /// when its WeChat Pay serial was unknown; empty otherwise and from `checkNotification`.
    pub attempts: Vec<crate::Attempt>,
}

/// What `Client.checkNotification` found: the notification or the error, and always the reply
/// to send. A record, not a throwing call, because a rejected notification has a reply too
/// (its status tells the provider whether to send it again) and an exception cannot carry it
/// across UniFFI.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NotificationOutcome {
    /// The notification, when it was accepted.
    pub notification: Option<crate::Notification>,
    /// Why it was refused, when it was.
    pub error: Option<PayqueryError>,
    /// The reply to send either way.
    pub reply: NotificationReply,
}

type CoreNotificationOutcome =
    std::result::Result<crate::HandledNotification, Box<crate::NotificationRejected>>;

impl From<CoreNotificationOutcome> for NotificationOutcome {
    fn from(outcome: CoreNotificationOutcome) -> Self {
        match outcome {
            Ok(handled) => NotificationOutcome {
                notification: Some(handled.notification),
                error: None,
                reply: handled.reply.into(),
            },
            Err(rejected) => NotificationOutcome {
                notification: None,
                error: Some(rejected.error.into()),
                reply: rejected.reply.into(),
            },
        }
    }
}

/// The largest notification body the core reads, in bytes: a host stops reading one byte past
/// it (a bigger body is refused naming `body`, without being buffered whole).
#[uniffi::export]
pub fn max_notification_bytes() -> i64 {
    i64::try_from(crate::MAX_NOTIFICATION_BYTES).unwrap_or(i64::MAX)
}

/// One configured provider client. Keys are parsed once; share it across threads.
/// `toString()` / `description` shows the provider only.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Display)]
pub struct Client {
    client: crate::Client,
}

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Client(provider={})", self.client.provider())
    }
}

/// The request context from the host's clock and CSPRNG: `nonce` when the caller pinned one,
/// else one derived from `random` (32 bytes).
fn request_context(
    timestamp: i64,
    nonce: Option<String>,
    random: Vec<u8>,
) -> Result<RequestContext> {
    let random = nonce.is_none().then_some(random.as_slice());
    Ok(RequestContext::from_host(
        timestamp,
        nonce.as_deref(),
        random,
    )?)
}

#[uniffi::export]
impl Client {
    /// A client from a typed config.
    #[uniffi::constructor]
    pub fn new(config: Config) -> Result<Arc<Self>> {
        Ok(Arc::new(Client {
            client: crate::Client::new(&config)?,
        }))
    }

    /// The provider.
    pub fn provider(&self) -> ProviderId {
        self.client.provider()
    }

    /// The signed request for an order query, at Unix time `timestamp` with `nonce`, or with a
    /// nonce derived from `random` (32 CSPRNG bytes).
    pub fn build_query(
        &self,
        query: Query,
        timestamp: i64,
        nonce: Option<String>,
        random: Vec<u8>,
    ) -> Result<HttpRequest> {
        let query = self.order_query(query)?;
        let ctx = request_context(timestamp, nonce, random)?;
        Ok(self.client.build_request(&query, &ctx)?.into())
    }

    /// Two-phase signing, phase one (WeChat Pay): sign `stringToSign()` elsewhere (Android
    /// Keystore, a KMS), then `finish`.
    pub fn prepare_query(
        &self,
        query: Query,
        timestamp: i64,
        nonce: Option<String>,
        random: Vec<u8>,
    ) -> Result<Arc<PendingRequest>> {
        let query = self.order_query(query)?;
        let ctx = request_context(timestamp, nonce, random)?;
        Ok(Arc::new(PendingRequest {
            pending: self.client.prepare_request(&query, &ctx)?,
        }))
    }

    /// Verifies and parses the answer to `query` at Unix time `now`; an answer for another
    /// order is refused.
    pub fn parse_query(
        &self,
        response: HttpResponse,
        query: Query,
        now: i64,
    ) -> Result<QueryResult> {
        let query = self.order_query(query)?;
        let ctx = ResponseContext::from_host(now)?;
        Ok(self
            .client
            .parse_query_response(Some(&query), &response.try_into()?, &ctx)?)
    }

    /// The same request for the provider's backup host, or null when this client has none.
    pub fn failover_request(&self, request: HttpRequest) -> Result<Option<HttpRequest>> {
        let request = crate::HttpRequest::try_from(request)?;
        Ok(self
            .client
            .failover_request(&request)
            .map(HttpRequest::from))
    }

    /// A Mini Program access-token request.
    #[uniffi::method(default(force_refresh = false))]
    pub fn build_token_request(&self, kind: TokenKind, force_refresh: bool) -> Result<HttpRequest> {
        Ok(self.client.token_request(kind, force_refresh)?.into())
    }

    /// Starts the one-call query at Unix time `now_ms` (milliseconds): the Kotlin and Swift
    /// drivers (`client.query(query)`) run the flow it returns.
    pub fn start_query(
        &self,
        query: Query,
        options: crate::QueryOptions,
        now_ms: i64,
    ) -> Result<Arc<QueryFlow>> {
        let query = self.order_query(query)?;
        Ok(Arc::new(QueryFlow::new(
            self.client.start_query(query, &options, now_ms)?,
        )))
    }

    /// Starts an explicit platform-certificate download (a WeChat Pay config with
    /// `api_v3_key`) at Unix time `now_ms`: the Kotlin and Swift drivers
    /// (`client.downloadCertificates()`) run the flow it returns and read
    /// `QueryFlow.certificates_result`.
    pub fn start_certificate_download(
        &self,
        options: crate::QueryOptions,
        now_ms: i64,
    ) -> Result<Arc<QueryFlow>> {
        Ok(Arc::new(QueryFlow::new(
            self.client.start_certificate_download(&options, now_ms)?,
        )))
    }

    /// Checks a platform-certificate download answer at Unix time `now`, merges its
    /// certificates into those this client holds, and returns what is held.
    pub fn parse_certificates(
        &self,
        response: HttpResponse,
        now: i64,
    ) -> Result<crate::CertificateDownload> {
        let ctx = ResponseContext::from_host(now)?;
        Ok(self
            .client
            .parse_certificates_response(&response.try_into()?, &ctx)?)
    }

    /// The platform certificates this client has downloaded and still holds at Unix time
    /// `now`, newest first.
    pub fn downloaded_certificates(&self, now: i64) -> Vec<crate::PlatformCertificate> {
        self.client.downloaded_certificates(now)
    }

    /// Starts handling one notification at Unix time `now_ms` (milliseconds): the Kotlin and
    /// Swift drivers (`client.handleNotification(request)`) run the flow it returns, which
    /// downloads platform certificates only for a WeChat Pay signature by a serial this client
    /// does not hold (once per client per minute), then read `QueryFlow.notificationResult`
    /// and `QueryFlow.notificationReply`.
    pub fn start_notification(
        &self,
        request: NotificationRequest,
        options: crate::QueryOptions,
        now_ms: i64,
    ) -> Result<Arc<QueryFlow>> {
        Ok(Arc::new(QueryFlow {
            handles_notification: true,
            ..QueryFlow::new(
                self.client
                    .start_notification(request.into(), &options, now_ms)?,
            )
        }))
    }

    /// Checks one notification at Unix time `now` (seconds) with the keys held, sending
    /// nothing: an unknown certificate serial is refused with a 500 reply, so WeChat Pay sends
    /// it again. The outcome always has the reply to send.
    pub fn check_notification(
        &self,
        request: NotificationRequest,
        now: i64,
    ) -> NotificationOutcome {
        self.client.check_notification(&request.into(), now).into()
    }

    /// The reply that makes this client's provider send a notification again: for a host that
    /// accepted one but could not store it. Never answer success for one not stored.
    pub fn notification_retry_reply(&self) -> NotificationReply {
        self.client.notification_retry_reply().into()
    }

    /// The signed order query that confirms an unsigned notification (`verified` false): its
    /// `confirmQuery` document with `extra`'s members added (what the callback does not carry,
    /// such as the vending `machine_no`; a member in both takes `extra`'s value, as in the
    /// Node and Python packages), typed for this client's provider. Merged here, not in Kotlin
    /// or Swift, so the two share one JSON merge and neither names a provider's keys.
    pub fn confirm_query(
        &self,
        notification: crate::Notification,
        extra: HashMap<String, String>,
    ) -> Result<Query> {
        let provider = self.client.provider();
        if notification.provider != provider {
            return Err(crate::Error::invalid_input(
                "notification",
                format!(
                    "the notification is from {}, this client queries {}",
                    notification.provider.as_str(),
                    provider.as_str()
                ),
            )
            .into());
        }
        let Some(document) = notification.confirm_query else {
            return Err(crate::Error::invalid_input(
                "notification",
                "this notification is verified (signed by its provider): it needs no confirming query",
            )
            .into());
        };
        let mut members: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&document).map_err(|_| {
                crate::Error::invalid_input("confirmQuery", "`confirmQuery` is not a JSON object")
            })?;
        members.extend(
            extra
                .into_iter()
                .map(|(key, value)| (key, serde_json::Value::String(value))),
        );
        Ok(crate::query::Query::from_json(
            provider,
            &serde_json::Value::Object(members).to_string(),
        )?)
    }

    /// Parses an access-token answer at Unix time `now`.
    pub fn parse_token_response(
        &self,
        response: HttpResponse,
        now: i64,
    ) -> Result<crate::AccessToken> {
        let ctx = ResponseContext::from_host(now)?;
        Ok(self
            .client
            .parse_token_response(&response.try_into()?, &ctx)?)
    }
}

impl Client {
    /// The query, for this client's provider, as an order query.
    fn order_query(&self, query: Query) -> Result<Query> {
        Ok(self.client.order_query(query, ApiNaming::CamelCase)?)
    }
}

/// What the driver does next (see `QueryFlow`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum QueryStep {
    /// Send `request`, giving up after `timeout_ms`; read at most `max_body_bytes` + 1 bytes of
    /// the answer's body; then `receive` (or `receiveFailure`).
    Send {
        /// The request, exactly as it is to be sent.
        request: HttpRequest,
        /// Its timeout in milliseconds.
        timeout_ms: i64,
        /// The largest body the client accepts.
        max_body_bytes: i64,
    },
    /// Wait until Unix time `until_ms` (milliseconds), then `next` again.
    Sleep {
        /// When to call `next` again.
        until_ms: i64,
    },
    /// Ask the token store, then `storeReply`.
    Store {
        /// What to do.
        request: TokenStoreRequest,
        /// Give up on the store after this many milliseconds and reply `Failed` (kind
        /// `Timeout`): a hanging store must not hold the query past its deadline.
        timeout_ms: i64,
    },
    /// Finished: `result()` has the answer or throws the error.
    Done,
}

/// A token-store operation (Mini Program tokens shared across processes). Values hold the
/// token: they print as `[redacted]`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum TokenStoreRequest {
    /// Read `key`; reply `Loaded`.
    Load {
        /// The key.
        key: String,
    },
    /// Take a short lock on `key` so that one process fetches; reply `Locked`.
    Lock {
        /// The key.
        key: String,
        /// The lock's lifetime in milliseconds.
        ttl_ms: i64,
    },
    /// Store `value` under `key` for `ttl_ms`; reply `Done`.
    Save {
        /// The key.
        key: String,
        /// The value.
        value: Secret,
        /// Its lifetime in milliseconds.
        ttl_ms: i64,
    },
    /// Delete `key` if it still holds exactly `value`; reply `Done`.
    Invalidate {
        /// The key.
        key: String,
        /// The value to compare with.
        value: Secret,
    },
}

/// The token store's answer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum TokenStoreReply {
    /// `Load`'s answer.
    Loaded {
        /// The stored value, if any.
        value: Option<Secret>,
    },
    /// `Lock`'s answer.
    Locked {
        /// True when this process holds the lock.
        acquired: bool,
    },
    /// `Save` / `Invalidate` done.
    Done,
    /// The store failed: the query carries on without it and records a `store` attempt.
    Failed {
        /// The error's kind: its simple class name (`ConnectException`), never its message.
        kind: String,
    },
}

/// One query in progress (`Client.startQuery`): the host's driver calls `next` with its clock
/// and 32 CSPRNG bytes, does what the step says, and reports back, until `Done`. Drop it to
/// cancel. The lock only guards against a driver bug (two threads on one flow).
#[derive(Debug, uniffi::Object)]
pub struct QueryFlow {
    flow: Mutex<crate::QueryFlow>,
    /// A notification flow's outcome, taken from the core once the flow is done: the reply
    /// stays readable after `notificationResult` has taken the notification or thrown.
    notification: Mutex<Option<NotificationOutcome>>,
    /// True for a notification flow: only its outcome is taken as a notification's (a query's
    /// answer stays for `result`).
    handles_notification: bool,
}

impl QueryFlow {
    fn new(flow: crate::QueryFlow) -> Self {
        QueryFlow {
            flow: Mutex::new(flow),
            notification: Mutex::new(None),
            handles_notification: false,
        }
    }

    /// Runs `f` on the notification outcome, taking it from the core first once the flow is
    /// done; `None` before.
    fn with_notification<T>(
        &self,
        f: impl FnOnce(&mut NotificationOutcome) -> T,
    ) -> Result<Option<T>> {
        self.with(|flow| {
            let mut held = self
                .notification
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if !self.handles_notification {
                return Err(crate::Error::invalid_input(
                    "flow",
                    "this flow handles no notification (Client.startNotification starts one)",
                )
                .into());
            }
            if held.is_none() && flow.is_done() {
                *held = Some(flow.notification_result().into());
            }
            Ok(held.as_mut().map(f))
        })
    }
    fn with<T>(&self, f: impl FnOnce(&mut crate::QueryFlow) -> Result<T>) -> Result<T> {
        let mut flow = self.flow.try_lock().map_err(|_| {
            crate::Error::invalid_input(
                "flow",
                "this query is already being driven by another thread",
            )
        })?;
        f(&mut flow)
    }
}

#[uniffi::export]
impl QueryFlow {
    /// The next step at Unix time `now_ms`; `random`: 32 bytes of the host's CSPRNG.
    pub fn next(&self, now_ms: i64, random: Vec<u8>) -> Result<QueryStep> {
        let random: [u8; 32] = random
            .try_into()
            .map_err(|_| crate::Error::invalid_input("random", "32 random bytes are needed"))?;
        self.with(|flow| {
            Ok(match flow.next(now_ms, &random) {
                crate::Step::Send {
                    request,
                    timeout_ms,
                    max_body_bytes,
                } => QueryStep::Send {
                    request: request.into(),
                    timeout_ms: i64::try_from(timeout_ms).unwrap_or(i64::MAX),
                    max_body_bytes: i64::try_from(max_body_bytes).unwrap_or(i64::MAX),
                },
                crate::Step::Sleep { until_ms } => QueryStep::Sleep { until_ms },
                crate::Step::Store {
                    request,
                    timeout_ms,
                } => QueryStep::Store {
                    timeout_ms: i64::try_from(timeout_ms).unwrap_or(i64::MAX),
                    request: match request {
                        crate::StoreRequest::Load { key } => TokenStoreRequest::Load { key },
                        crate::StoreRequest::Lock { key, ttl_ms } => TokenStoreRequest::Lock {
                            key,
                            ttl_ms: i64::try_from(ttl_ms).unwrap_or(i64::MAX),
                        },
                        crate::StoreRequest::Save { key, value, ttl_ms } => {
                            TokenStoreRequest::Save {
                                key,
                                value,
                                ttl_ms: i64::try_from(ttl_ms).unwrap_or(i64::MAX),
                            }
                        }
                        crate::StoreRequest::Invalidate { key, value } => {
                            TokenStoreRequest::Invalidate { key, value }
                        }
                    },
                },
                crate::Step::Done => QueryStep::Done,
            })
        })
    }

    /// The answer to the last `Send`, at `now_ms`.
    pub fn receive(&self, response: HttpResponse, now_ms: i64) -> Result<()> {
        let response = crate::HttpResponse::try_from(response)?;
        self.with(|flow| Ok(flow.receive(crate::Reply::Response(response), now_ms)?))
    }

    /// The last `Send` did not complete: `kind` as the driver classified its HTTP client's
    /// error, `detail` its message.
    pub fn receive_failure(
        &self,
        kind: crate::TransportFailure,
        detail: String,
        now_ms: i64,
    ) -> Result<()> {
        self.with(|flow| Ok(flow.receive(crate::Reply::Failed { kind, detail }, now_ms)?))
    }

    /// The token store's answer to the last `Store` step.
    pub fn store_reply(&self, reply: TokenStoreReply, now_ms: i64) -> Result<()> {
        let reply = match reply {
            TokenStoreReply::Loaded { value } => crate::StoreReply::Loaded(value),
            TokenStoreReply::Locked { acquired } => crate::StoreReply::Locked(acquired),
            TokenStoreReply::Done => crate::StoreReply::Done,
            TokenStoreReply::Failed { kind } => crate::StoreReply::Failed { kind },
        };
        self.with(|flow| Ok(flow.store_reply(reply, now_ms)?))
    }

    /// `text` with the credentials this flow knows replaced by `[redacted]` (an HTTP client's
    /// message may quote the URL, and so a Mini Program access token).
    pub fn redact(&self, text: String) -> String {
        self.with(|flow| Ok(flow.redact(&text))).unwrap_or(text)
    }

    /// The answer, with every attempt; or throws the error, with them.
    pub fn result(&self) -> Result<QueryResult> {
        self.with(|flow| Ok(flow.result()?))
    }

    /// The answer of a certificate download (`Client.start_certificate_download`); or throws
    /// the error, with its attempts.
    pub fn certificates_result(&self) -> Result<crate::CertificateDownload> {
        self.with(|flow| Ok(flow.certificates_result()?))
    }

    /// The notification a notification flow (`Client.start_notification`) accepted; or throws
    /// why it was refused, with its attempts. Either way `notificationReply` has the reply.
    pub fn notification_result(&self) -> Result<crate::Notification> {
        let taken = self.with_notification(|outcome| match outcome.notification.take() {
            Some(notification) => Ok(notification),
            None => Err(outcome.error.clone().unwrap_or_else(|| {
                crate::Error::invalid_input("flow", "the notification was already taken").into()
            })),
        })?;
        taken.unwrap_or_else(|| {
            Err(crate::Error::invalid_input(
                "flow",
                "the flow has not finished: call next until it says Done",
            )
            .into())
        })
    }

    /// The requests this flow has made so far, oldest first (a notification flow's certificate
    /// download; a query's are in its result or error).
    pub fn attempts(&self) -> Result<Vec<crate::Attempt>> {
        self.with(|flow| Ok(flow.attempts().to_vec()))
    }

    /// The exact reply to send for a notification flow's notification, accepted or refused;
    /// null until the flow is done.
    pub fn notification_reply(&self) -> Result<Option<NotificationReply>> {
        self.with_notification(|outcome| outcome.reply.clone())
    }
}

/// A WeChat Pay request waiting for its signature. Its `toString()` / `description` shows what
/// it is for (the URL, the time and nonce it is signed with), never a credential: a pending
/// request holds none.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Display)]
pub struct PendingRequest {
    pending: crate::PendingRequest,
}

impl std::fmt::Display for PendingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PendingRequest(url={}, timestamp={}, nonce={})",
            self.pending.url(),
            self.pending.timestamp(),
            self.pending.nonce()
        )
    }
}

#[uniffi::export]
impl PendingRequest {
    /// Reads a parked pending request (the output of `toJson()`); it is validated again.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        Ok(Arc::new(PendingRequest {
            pending: crate::PendingRequest::from_json(&json)?,
        }))
    }

    /// The exact UTF-8 message to sign with RSASSA-PKCS1-v1_5 / SHA-256.
    pub fn string_to_sign(&self) -> String {
        self.pending.string_to_sign().to_owned()
    }

    /// The Unix time (seconds) the request is signed for.
    pub fn timestamp(&self) -> i64 {
        self.pending.timestamp()
    }

    /// The nonce the request is signed with.
    pub fn nonce(&self) -> String {
        self.pending.nonce().to_owned()
    }

    /// The pending request as JSON, to park while an external signer works.
    pub fn to_json(&self) -> String {
        self.pending.to_json()
    }

    /// Attaches the standard-base64 signature of `stringToSign()`.
    pub fn finish(&self, signature_base64: String) -> Result<HttpRequest> {
        Ok(self.pending.clone().finish(&signature_base64)?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_code_has_its_own_variant() {
        for code in crate::ErrorCode::ALL {
            let error = PayqueryError::from(crate::Error::new(code, "x"));
            assert_eq!(error.code_and_reason().0, code.as_str());
            let variant = format!("{error:?}");
            let expected: String = code
                .as_str()
                .split('_')
                .map(|w| {
                    w.get(..1).unwrap_or_default().to_owned()
                        + &w.get(1..).unwrap_or_default().to_lowercase()
                })
                .collect();
            assert!(variant.starts_with(&expected), "{variant} for {code}");
        }
    }

    #[test]
    fn requests_and_headers_print_redacted() {
        let request = HttpRequest {
            method: "POST".into(),
            url: "https://x/y?access_token=SECRET1".into(),
            headers: vec![Header {
                name: "AppSecret".into(),
                value: "SECRET2".into(),
            }],
            body: Some(b"{\"secret\":\"SECRET3\"}".to_vec()),
        };
        let shown = format!("{request} {request:?} {:?}", request.headers);
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
