//! # payquery-uniffi
//!
//! payquery for Kotlin (JVM, Android) and Swift through UniFFI. [`Client`] wraps one
//! `payquery_core::Client`; this crate converts types and errors, and fills in the two defaults
//! the core leaves to its host (the system clock, 32 bytes from the OS CSPRNG) — nothing else.
//!
//! Everything crossing the boundary is a plain value that cannot fail to lift on the other side
//! (no custom types: UniFFI custom-type lift failures panic): strings, integers, byte arrays,
//! flat records, enums. Times are `SystemTime` (Kotlin `java.time.Instant`, Swift `Date`);
//! the core keeps every one within the years 0001–9999, which both can hold.

// The error crosses UniFFI by value (a boxed error is not an FFI type), so its size is the
// price of one flat enum with the same facts in every variant.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use payquery_core::providers::wechat_mini_charge::TokenKind as CoreTokenKind;
use payquery_core::providers::wechatpay::PendingRequest as CorePendingRequest;
use payquery_core::{
    read_limited, ApiNaming, ClientConfig, ErrorCode, Method, Query, RequestContext,
    ResponseContext,
};

uniffi::setup_scaffolding!();

// ------------------------------------------------------------------------------------ errors

/// Declares [`PayqueryError`] with one variant per stable code, every variant carrying the same
/// facts, and its conversion from the core's error. A UniFFI error with fields is a flat enum;
/// one macro keeps the nine variants' fields from drifting apart (a shared record instead
/// would make Kotlin and Swift users write `e.details.code`).
macro_rules! payquery_error {
    ($($(#[doc = $doc:literal])* $variant:ident,)*) => {
        /// Every failure payquery reports: one variant per stable code (Kotlin: `PayqueryException`
        /// subclasses; Swift: `PayqueryError` cases). Every variant carries the same facts. (The
        /// explanation is `reason`: a field named `message` does not compile in Kotlin.)
        #[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
        pub enum PayqueryError {
            $(
                $(#[doc = $doc])*
                $variant {
                    /// The stable code: the variant's name in upper snake case
                    /// (`InvalidInput`: `INVALID_INPUT`).
                    code: String,
                    /// A human-readable explanation (never contains a secret).
                    reason: String,
                    /// The input or response field concerned.
                    field: Option<String>,
                    /// The provider's own code.
                    provider_code: Option<String>,
                    /// The provider's own message.
                    provider_message: Option<String>,
                    /// The HTTP status of the answer.
                    http_status: Option<i32>,
                    /// Sending the same request again later is safe and may succeed.
                    retryable: bool,
                    /// The provider's backup host may answer (`Client.failoverRequest`).
                    backup_host_applies: bool,
                },
            )*
        }

        impl PayqueryError {
            fn code_and_reason(&self) -> (&str, &str) {
                match self {
                    $(PayqueryError::$variant { code, reason, .. })|* => (code, reason),
                }
            }
        }

        impl From<payquery_core::Error> for PayqueryError {
            fn from(e: payquery_core::Error) -> Self {
                let code = e.code().as_str().to_owned();
                let reason = e.message().to_owned();
                let field = e.field().map(str::to_owned);
                let provider_code = e.provider_code().map(str::to_owned);
                let provider_message = e.provider_message().map(str::to_owned);
                let http_status = e.http_status().map(i32::from);
                let retryable = e.is_retryable();
                let backup_host_applies = e.backup_host_applies();
                macro_rules! variant {
                    ($v:ident) => {
                        PayqueryError::$v {
                            code,
                            reason,
                            field,
                            provider_code,
                            provider_message,
                            http_status,
                            retryable,
                            backup_host_applies,
                        }
                    };
                }
                match e.code() {
                    $(ErrorCode::$variant => variant!($variant),)*
                    // A code added to the core without a variant here surfaces as a decode error
                    // with its own code string; the test below fails until the variant exists.
                    _ => variant!(DecodeError),
                }
            }
        }
    };
}

payquery_error! {
    /// A query parameter or argument is malformed.
    InvalidInput,
    /// The configuration is unusable.
    InvalidConfig,
    /// A response signature is missing, malformed or does not verify.
    SignatureInvalid,
    /// A signed response is outside the freshness window.
    TimestampSkew,
    /// The provider answered with an error of its own.
    ProviderError,
    /// The provider asked to slow down.
    RateLimited,
    /// The access token was rejected: fetch a new one and retry once.
    TokenExpired,
    /// The provider says (in a verified answer) that the order does not exist.
    OrderNotFound,
    /// The response could not be decoded.
    DecodeError,
}

impl std::fmt::Display for PayqueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (code, reason) = self.code_and_reason();
        write!(f, "{code}: {reason}")
    }
}

impl std::error::Error for PayqueryError {}

type Result<T, E = PayqueryError> = std::result::Result<T, E>;

/// The core's stable error codes, in its order.
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect()
}

// ------------------------------------------------------------------------------------ values

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
        let value = if payquery_core::is_sensitive_header(&self.name) {
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
        let shown = payquery_core::HttpRequest {
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

impl From<payquery_core::HttpRequest> for HttpRequest {
    fn from(r: payquery_core::HttpRequest) -> Self {
        HttpRequest {
            method: r.method.as_str().to_owned(),
            url: r.url,
            headers: headers_out(r.headers),
            body: r.body,
        }
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

impl TryFrom<HttpResponse> for payquery_core::HttpResponse {
    type Error = PayqueryError;

    fn try_from(r: HttpResponse) -> Result<Self> {
        let status = u16::try_from(r.status)
            .ok()
            .filter(|s| *s <= 999)
            .ok_or_else(|| {
                payquery_core::Error::invalid_input("status", "`status` must be an HTTP status")
            })?;
        Ok(payquery_core::HttpResponse::new(
            status,
            headers_in(r.headers),
            r.body,
        ))
    }
}

/// An exact amount: integer minor units (fen, cents) of an ISO 4217 currency.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Money {
    /// Minor units.
    pub minor: i64,
    /// Currency code, e.g. `CNY`.
    pub currency: String,
}

impl From<&payquery_core::Money> for Money {
    fn from(m: &payquery_core::Money) -> Self {
        Money {
            minor: m.minor,
            currency: m.currency.as_str().to_owned(),
        }
    }
}

/// The unified order status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum OrderStatus {
    /// Created, not paid yet.
    Pending,
    /// Payment in progress.
    Paying,
    /// Paid.
    Paid,
    /// A refund is in progress.
    Refunding,
    /// Refunded.
    Refunded,
    /// Closed without payment.
    Closed,
    /// Revoked or cancelled.
    Cancelled,
    /// Payment failed.
    Failed,
    /// Expired before payment.
    Expired,
    /// A value the provider does not document (see `rawStatus`).
    Unknown,
}

impl From<payquery_core::OrderStatus> for OrderStatus {
    fn from(s: payquery_core::OrderStatus) -> Self {
        use payquery_core::OrderStatus as S;
        match s {
            S::Pending => OrderStatus::Pending,
            S::Paying => OrderStatus::Paying,
            S::Paid => OrderStatus::Paid,
            S::Refunding => OrderStatus::Refunding,
            S::Refunded => OrderStatus::Refunded,
            S::Closed => OrderStatus::Closed,
            S::Cancelled => OrderStatus::Cancelled,
            S::Failed => OrderStatus::Failed,
            S::Expired => OrderStatus::Expired,
            S::Unknown => OrderStatus::Unknown,
        }
    }
}

/// Qualifiers of a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum OrderFlag {
    /// Paid, and a refund attempt failed.
    RefundFailed,
    /// Paid through a pickup code.
    PickupCode,
    /// A test order, not real money.
    TestOrder,
}

impl From<payquery_core::OrderFlag> for OrderFlag {
    fn from(f: payquery_core::OrderFlag) -> Self {
        match f {
            payquery_core::OrderFlag::RefundFailed => OrderFlag::RefundFailed,
            payquery_core::OrderFlag::PickupCode => OrderFlag::PickupCode,
            payquery_core::OrderFlag::TestOrder => OrderFlag::TestOrder,
        }
    }
}

fn system_time(t: payquery_core::Timestamp) -> SystemTime {
    let (seconds, nanos) = (t.unix_seconds(), t.nanos());
    let offset = Duration::new(seconds.unsigned_abs(), 0);
    let whole = if seconds >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    };
    // Years 0001-9999 always fit in a SystemTime.
    whole
        .and_then(|w| w.checked_add(Duration::new(0, nanos)))
        .unwrap_or(UNIX_EPOCH)
}

/// The normalized view of one provider order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Order {
    /// The provider id, e.g. `wechatpay_edu_papay`.
    pub provider: String,
    /// The provider's id for the order.
    pub provider_order_id: Option<String>,
    /// The merchant's own order number, when the provider echoes it.
    pub merchant_order_no: Option<String>,
    /// The unified status.
    pub status: OrderStatus,
    /// The provider's status value, verbatim.
    pub raw_status: String,
    /// The total price; null when the provider did not state the amount and its currency.
    pub amount: Option<Money>,
    /// What the payer paid; only in PAID, REFUNDING and REFUNDED.
    pub paid_amount: Option<Money>,
    /// When payment completed.
    pub paid_at: Option<SystemTime>,
    /// When the order was created.
    pub created_at: Option<SystemTime>,
    /// Qualifiers of the status.
    pub flags: Vec<OrderFlag>,
}

/// A parsed, verified order answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct QueryResult {
    /// The normalized order.
    pub order: Order,
    /// The provider's full typed response as JSON text (field names as the provider sends them;
    /// integers exact).
    pub detail_json: String,
    /// The serial of the key that verified the answer (WeChat Pay), else null.
    pub signature_serial: Option<String>,
    /// The whole result in the CLI's JSON shape (`{"order", "detail", "signature_serial"}`).
    pub json: String,
}

impl TryFrom<payquery_core::QueryResult> for QueryResult {
    type Error = PayqueryError;

    fn try_from(r: payquery_core::QueryResult) -> Result<Self> {
        let json_error =
            |e: serde_json::Error| payquery_core::Error::new(ErrorCode::DecodeError, e.to_string());
        let json = serde_json::to_string(&r).map_err(json_error)?;
        let detail_json = serde_json::to_string(&r.detail).map_err(json_error)?;
        let o = r.order;
        Ok(QueryResult {
            order: Order {
                provider: o.provider.as_str().to_owned(),
                provider_order_id: o.provider_order_id,
                merchant_order_no: o.merchant_order_no,
                status: o.status.into(),
                raw_status: o.raw_status,
                amount: o.amount.as_ref().map(Money::from),
                paid_amount: o.paid_amount.as_ref().map(Money::from),
                paid_at: o.paid_at.map(system_time),
                created_at: o.created_at.map(system_time),
                flags: o.flags.into_iter().map(OrderFlag::from).collect(),
            },
            detail_json,
            signature_serial: r.signature_serial,
            json,
        })
    }
}

/// Which Mini Program token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TokenKind {
    /// `cgi-bin/stable_token` (recommended).
    Stable,
    /// `cgi-bin/token`.
    Classic,
}

/// A WeChat Mini Program access token. Its `toString()` / `description` hides the token.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Display)]
pub struct AccessToken {
    /// The token (a credential).
    pub access_token: String,
    /// Lifetime in seconds, as WeChat said.
    pub expires_in: i64,
    /// When it expires.
    pub expires_at: SystemTime,
    /// When to fetch a new one.
    pub refresh_at: SystemTime,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::fmt::Display for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // As the instants Kotlin and Swift print (`2024-05-20T05:14:15Z`), not epoch seconds.
        let shown = |t: &SystemTime| {
            let secs = t
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            payquery_core::Timestamp::from_unix_seconds(secs)
                .map_or_else(|| secs.to_string(), |t| t.to_rfc3339())
        };
        write!(
            f,
            "AccessToken(accessToken=[redacted], expiresIn={}, expiresAt={}, refreshAt={})",
            self.expires_in,
            shown(&self.expires_at),
            shown(&self.refresh_at)
        )
    }
}

// ------------------------------------------------------------------------------------ client

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The request context: the given time and nonce, else the system clock and a nonce the core
/// derives from 32 bytes of the OS CSPRNG.
fn request_context(timestamp: Option<i64>, nonce: Option<String>) -> Result<RequestContext> {
    let mut random = [0u8; 32];
    let random = match nonce {
        Some(_) => None,
        None => {
            getrandom::fill(&mut random).map_err(|e| {
                payquery_core::Error::new(
                    ErrorCode::InvalidConfig,
                    format!("the OS random number generator failed: {e}"),
                )
            })?;
            Some(&random[..])
        }
    };
    Ok(RequestContext::from_host(
        timestamp.unwrap_or_else(now_unix),
        nonce.as_deref(),
        random,
    )?)
}

/// One configured provider client. Keys are parsed once; share it across threads.
/// `toString()` / `description` shows the provider only.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Display)]
pub struct Client {
    client: payquery_core::Client,
}

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Client(provider={})", self.client.provider())
    }
}

#[uniffi::export]
impl Client {
    /// A client from a config document (JSON text, the CLI's format); `*_path` keys are read
    /// relative to `base_dir` (default: the working directory).
    #[uniffi::constructor(default(base_dir = None))]
    pub fn new(config_json: String, base_dir: Option<String>) -> Result<Arc<Self>> {
        let base = std::path::PathBuf::from(base_dir.unwrap_or_else(|| ".".to_owned()));
        let config = ClientConfig::from_json_with_files(&config_json, &mut |path| {
            let mut file = std::fs::File::open(base.join(path)).map_err(|e| e.to_string())?;
            read_limited(&mut file, "path").map_err(|e| e.message().to_owned())
        })?;
        Ok(Arc::new(Client {
            client: payquery_core::Client::new(&config)?,
        }))
    }

    /// Reads a config file; its `*_path` keys are relative to the file, as the CLI does.
    #[uniffi::constructor]
    pub fn from_config_file(path: String) -> Result<Arc<Self>> {
        let text = std::fs::File::open(&path)
            .map_err(|e| payquery_core::Error::invalid_config("path", e.to_string()))
            .and_then(|mut file| read_limited(&mut file, "path"))
            .map_err(|e| {
                payquery_core::Error::invalid_config(
                    "path",
                    format!("cannot read {path}: {}", e.message()),
                )
            })?;
        let base = std::path::Path::new(&path)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .filter(|p| !p.is_empty());
        Client::new(text, base)
    }

    /// The provider id, e.g. `wechatpay_edu_papay`.
    pub fn provider(&self) -> String {
        self.client.provider().as_str().to_owned()
    }

    /// The signed request for an order query (now, with a fresh nonce, by default).
    #[uniffi::method(default(timestamp = None, nonce = None))]
    pub fn build_query(
        &self,
        query_json: String,
        timestamp: Option<i64>,
        nonce: Option<String>,
    ) -> Result<HttpRequest> {
        let query = self.order_query(&query_json)?;
        let ctx = request_context(timestamp, nonce)?;
        Ok(self.client.build_request(&query, &ctx)?.into())
    }

    /// Two-phase signing, phase one (WeChat Pay): sign `stringToSign()` elsewhere (Android
    /// Keystore, a KMS), then `finish`.
    #[uniffi::method(default(timestamp = None, nonce = None))]
    pub fn prepare_query(
        &self,
        query_json: String,
        timestamp: Option<i64>,
        nonce: Option<String>,
    ) -> Result<Arc<PendingRequest>> {
        let query = self.order_query(&query_json)?;
        let ctx = request_context(timestamp, nonce)?;
        Ok(Arc::new(PendingRequest {
            pending: self.client.prepare_request(&query, &ctx)?,
        }))
    }

    /// Verifies and parses the answer to `query_json`; an answer for another order is refused.
    #[uniffi::method(default(now = None))]
    pub fn parse_query(
        &self,
        response: HttpResponse,
        query_json: String,
        now: Option<i64>,
    ) -> Result<QueryResult> {
        let query = self.order_query(&query_json)?;
        let ctx = ResponseContext::from_host(now.unwrap_or_else(now_unix))?;
        self.client
            .parse_query_response(Some(&query), &response.try_into()?, &ctx)?
            .try_into()
    }

    /// The same request for the provider's backup host, or null when this client has none.
    pub fn failover_request(&self, request: HttpRequest) -> Result<Option<HttpRequest>> {
        let request = payquery_core::HttpRequest {
            method: Method::parse(&request.method)?,
            url: request.url,
            headers: headers_in(request.headers),
            body: request.body,
        };
        Ok(self
            .client
            .failover_request(&request)
            .map(HttpRequest::from))
    }

    /// A Mini Program access-token request.
    #[uniffi::method(default(force_refresh = false))]
    pub fn build_token_request(&self, kind: TokenKind, force_refresh: bool) -> Result<HttpRequest> {
        let kind = match kind {
            TokenKind::Stable => CoreTokenKind::Stable,
            TokenKind::Classic => CoreTokenKind::Classic,
        };
        Ok(self.client.token_request(kind, force_refresh)?.into())
    }

    /// Parses an access-token answer.
    #[uniffi::method(default(now = None))]
    pub fn parse_token_response(
        &self,
        response: HttpResponse,
        now: Option<i64>,
    ) -> Result<AccessToken> {
        let ctx = ResponseContext::from_host(now.unwrap_or_else(now_unix))?;
        let token = self
            .client
            .parse_token_response(&response.try_into()?, &ctx)?;
        let at = |secs: i64| {
            let offset = Duration::from_secs(secs.unsigned_abs());
            // The core keeps both times within the years 0001-9999.
            if secs >= 0 {
                UNIX_EPOCH.checked_add(offset)
            } else {
                UNIX_EPOCH.checked_sub(offset)
            }
            .unwrap_or(UNIX_EPOCH)
        };
        Ok(AccessToken {
            access_token: token.access_token.expose().to_owned(),
            expires_in: token.expires_in,
            expires_at: at(token.expires_at),
            refresh_at: at(token.refresh_at),
        })
    }
}

impl Client {
    fn order_query(&self, query_json: &str) -> Result<Query> {
        Ok(self
            .client
            .order_query_from_json(query_json, ApiNaming::CamelCase)?)
    }
}

/// A WeChat Pay request waiting for its signature. Its `toString()` / `description` shows what
/// it is for (the URL, the time and nonce it is signed with), never a credential: a pending
/// request holds none.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Display)]
pub struct PendingRequest {
    pending: CorePendingRequest,
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
            pending: CorePendingRequest::from_json(&json)?,
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
        for code in ErrorCode::ALL {
            let error = PayqueryError::from(payquery_core::Error::new(code, "x"));
            assert_eq!(error.code_and_reason().0, code.as_str());
            let variant = format!("{error:?}");
            let expected: String = code
                .as_str()
                .split('_')
                .map(|w| w[..1].to_owned() + &w[1..].to_lowercase())
                .collect();
            assert!(variant.starts_with(&expected), "{variant} for {code}");
        }
    }

    #[test]
    fn requests_and_tokens_print_redacted() {
        let request = HttpRequest {
            method: "POST".into(),
            url: "https://x/y?access_token=SECRET1".into(),
            headers: vec![Header {
                name: "AppSecret".into(),
                value: "SECRET2".into(),
            }],
            body: Some(b"{\"secret\":\"SECRET3\"}".to_vec()),
        };
        let token = AccessToken {
            access_token: "SECRET4".into(),
            expires_in: 7200,
            expires_at: UNIX_EPOCH,
            refresh_at: UNIX_EPOCH,
        };
        let shown = format!("{request} {request:?} {token} {token:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
