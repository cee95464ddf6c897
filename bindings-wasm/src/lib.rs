//! # payquery-wasm
//!
//! The native half of the npm package `payquery`: [`WasmClient`] wraps one
//! `payquery_core::Client` for wasm-bindgen. It converts types and errors and nothing else —
//! every provider rule lives in the core. The hand-written JavaScript layer (`npm/index.cjs`)
//! turns these plain values into the package's public API: argument checks and defaults (clock,
//! CSPRNG bytes), `PayqueryError`, and the node:crypto RSA backend ([`JsRsaBackend`]).
//!
//! Conventions at this boundary: documents cross as JSON text both ways; answers are the core's
//! own serialized types with every 64-bit integer as decimal text, which the JS layer turns
//! into `BigInt`s and camelCase names with the shapes generated from the same types
//! (`npm/models.cjs`, tools/typegen); HTTP statuses are numbers; errors are thrown as plain
//! objects `{ code, message, field, providerCode, providerMessage, httpStatus, retryable,
//! backupHostApplies }` that the JS layer re-throws as `PayqueryError`.

#![forbid(unsafe_code)]

mod backend;

use js_sys::{Object, Reflect};
use payquery_core::PendingRequest;
use payquery_core::TokenKind;
use payquery_core::{
    ApiNaming, Attempt, Client, Config, Error, ErrorCode, HandledNotification, HttpRequest,
    HttpResponse, Method, Notification, NotificationRejected, NotificationReply,
    NotificationRequest, Query, QueryFlow, QueryOptions, Reply, RequestContext, ResponseContext,
    Step, StoreReply, StoreRequest, TransportFailure,
};
use serde::Serialize;
use wasm_bindgen::prelude::*;

pub use backend::JsRsaBackend;

fn set(object: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

fn opt_str(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_str)
}

/// A core error as the plain object the JS layer turns into a `PayqueryError`.
fn js_err(error: Error) -> JsValue {
    let object = Object::new();
    set(&object, "code", &JsValue::from_str(error.code().as_str()));
    set(&object, "message", &JsValue::from_str(error.message()));
    set(&object, "field", &opt_str(error.field()));
    set(&object, "providerCode", &opt_str(error.provider_code()));
    set(
        &object,
        "providerMessage",
        &opt_str(error.provider_message()),
    );
    set(
        &object,
        "httpStatus",
        &error
            .http_status()
            .map_or(JsValue::NULL, |s| JsValue::from_f64(f64::from(s))),
    );
    set(
        &object,
        "retryable",
        &JsValue::from_bool(error.is_retryable()),
    );
    set(
        &object,
        "backupHostApplies",
        &JsValue::from_bool(error.backup_host_applies()),
    );
    if !error.attempts().is_empty() {
        // The attempts a one-call query made, for `error.attempts` (converted like a result's).
        if let Ok(text) = to_json_text(error.attempts()) {
            set(&object, "attemptsJson", &JsValue::from_str(&text));
        }
    }
    set(&object, "payqueryError", &JsValue::TRUE);
    object.into()
}

/// A request in one string, for the JS layer to split (`request` in `npm/index.cjs`):
/// `METHOD\nURL\nCOUNT\nname₁\nvalue₁…\n` then `-` (no body) or `+` and the body's UTF-8
/// text. One string crosses the boundary instead of a dozen values, which roughly halves the
/// cost of a build; it is unambiguous because the core never puts CR or LF in a method, URL,
/// header name or value, and the body comes last.
fn request_to_js(request: &HttpRequest) -> JsValue {
    JsValue::from_str(&request_text(request))
}

/// [`request_to_js`]'s encoding, as text.
fn request_text(request: &HttpRequest) -> String {
    let mut out = String::with_capacity(
        request.url.len()
            + 64
            + request
                .headers
                .iter()
                .map(|(n, v)| n.len() + v.len() + 2)
                .sum::<usize>()
            + request.body.as_ref().map_or(0, Vec::len),
    );
    out.push_str(request.method.as_str());
    out.push('\n');
    out.push_str(&request.url);
    out.push('\n');
    out.push_str(&request.headers.len().to_string());
    out.push('\n');
    for (name, value) in &request.headers {
        out.push_str(name);
        out.push('\n');
        out.push_str(value);
        out.push('\n');
    }
    match request.body.as_deref().map(std::str::from_utf8) {
        Some(Ok(text)) => {
            out.push('+');
            out.push_str(text);
        }
        // Every body payquery builds is UTF-8 JSON; anything else would be a core bug.
        Some(Err(_)) | None => out.push('-'),
    }
    out
}

/// Writes every 64-bit integer as decimal text (`"9007199254740993"`): a JSON number above
/// 2^53 loses digits in `JSON.parse`. The JS layer turns exactly those members back into
/// `BigInt`s with the shapes generated from the same types (`npm/models.cjs`).
struct Int64AsText;

impl serde_json::ser::Formatter for Int64AsText {
    fn write_i64<W: ?Sized + std::io::Write>(&mut self, w: &mut W, v: i64) -> std::io::Result<()> {
        write!(w, "\"{v}\"")
    }

    fn write_u64<W: ?Sized + std::io::Write>(&mut self, w: &mut W, v: u64) -> std::io::Result<()> {
        write!(w, "\"{v}\"")
    }
}

/// A value as the JSON text the JS layer reads (64-bit integers as text). Everything is copied
/// out at once: a wasm-side value kept alive until a JS finalizer ran would grow wasm memory
/// without bound in a synchronous loop (finalizers never run inside one), and wasm memory never
/// shrinks.
fn to_json_text<T: Serialize + ?Sized>(value: &T) -> Result<String, JsValue> {
    // Sized once: a parsed answer is a few hundred bytes to a few KiB.
    let mut out = Vec::with_capacity(1024);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, Int64AsText);
    value
        .serialize(&mut serializer)
        .map_err(|e| js_err(Error::new(ErrorCode::DecodeError, e.to_string())))?;
    String::from_utf8(out).map_err(|e| js_err(Error::new(ErrorCode::DecodeError, e.to_string())))
}

/// Headers from the JS layer's one-string encoding: `count` pairs joined as
/// `name\nvalue\nname\nvalue…`, each part with `\` written `\\` and a line feed written `\n`
/// (`escapeHeaderText` in `npm/index.cjs`). One string crosses the boundary instead of two
/// per header; a line feed inside a value (never valid in HTTP, but the core must be the one to
/// judge it) arrives intact.
fn headers(joined: &str, count: u32) -> Result<Vec<(String, String)>, JsValue> {
    if count == 0 {
        return if joined.is_empty() {
            Ok(Vec::new())
        } else {
            Err(bad_headers())
        };
    }
    let mut parts = joined.split('\n').map(unescape);
    // `count` comes from the caller: bounded by the text's length before it sizes an allocation.
    let mut pairs = Vec::with_capacity((count as usize).min(joined.len()));
    while let Some(name) = parts.next() {
        let value = parts.next().ok_or_else(bad_headers)?;
        pairs.push((name, value));
    }
    if pairs.len() == count as usize {
        Ok(pairs)
    } else {
        Err(bad_headers())
    }
}

/// Reverses the JS layer's escaping of one header part.
fn unescape(part: &str) -> String {
    if !part.contains('\\') {
        return part.to_owned();
    }
    let mut out = String::with_capacity(part.len());
    let mut chars = part.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn bad_headers() -> JsValue {
    js_err(Error::invalid_input(
        "headers",
        "the header list is malformed (the JS layer's encoding was not followed)",
    ))
}

/// A response from the parts the JS layer normalized. The body is taken by value: wasm-bindgen
/// has already copied it into wasm memory, and that copy becomes the response's body.
fn response(
    status: u16,
    joined_headers: &str,
    header_count: u32,
    body: Vec<u8>,
) -> Result<HttpResponse, JsValue> {
    Ok(HttpResponse::new(
        status,
        headers(joined_headers, header_count)?,
        body,
    ))
}

/// The request context: the caller's nonce, else one the core derives from the 32 CSPRNG
/// bytes the JS layer drew (`crypto.getRandomValues`).
fn request_context(
    timestamp: i64,
    nonce: Option<String>,
    random: Option<Vec<u8>>,
) -> Result<RequestContext, JsValue> {
    RequestContext::from_host(timestamp, nonce.as_deref(), random.as_deref()).map_err(js_err)
}

/// What may be shown of a request, credentials replaced by `[redacted]` by the core
/// (`HttpRequest::redacted`): `util.inspect` and `console.log` print this, so logging a
/// request never leaks a secret. Encoded like a request, with the body's length as its text.
#[wasm_bindgen(js_name = redactRequest)]
pub fn redact_request(
    method: &str,
    url: String,
    headers: &str,
    header_count: u32,
    body: Option<Vec<u8>>,
) -> Result<JsValue, JsValue> {
    let shown = HttpRequest {
        method: Method::parse(method).unwrap_or(Method::Get),
        url,
        headers: self::headers(headers, header_count)?,
        body,
    }
    .redacted();
    Ok(request_to_js(&HttpRequest {
        method: shown.method,
        url: shown.url,
        headers: shown.headers,
        body: shown.body_len.map(|n| format!("<{n} bytes>").into_bytes()),
    }))
}

/// The largest config document or key file, in bytes (the JS layer's file reads stop there).
#[wasm_bindgen(js_name = maxDocumentBytes)]
pub fn max_document_bytes() -> u32 {
    u32::try_from(payquery_core::MAX_DOCUMENT_BYTES).unwrap_or(u32::MAX)
}

/// The largest notification body the core reads, in bytes (the JS layer passes no more of a
/// bigger one into wasm memory, which never shrinks).
#[wasm_bindgen(js_name = maxNotificationBytes)]
pub fn max_notification_bytes() -> u32 {
    u32::try_from(payquery_core::MAX_NOTIFICATION_BYTES).unwrap_or(u32::MAX)
}

/// The size of this module's linear memory in bytes, for the package's leak test (wasm memory
/// only ever grows, so a value kept alive between calls shows here).
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    #[cfg(target_arch = "wasm32")]
    let pages = core::arch::wasm32::memory_size::<0>();
    #[cfg(not(target_arch = "wasm32"))]
    let pages = 0usize;
    // Pages of 64 KiB; an f64 holds any wasm32 memory size exactly.
    pages as f64 * 65_536.0
}

/// The core's stable error codes, for the JS layer's checks and the package's tests.
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> Vec<String> {
    ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect()
}

/// One configured client (keys loaded once, into node:crypto `KeyObject`s).
#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmClient {
    client: Client,
}

#[wasm_bindgen]
impl WasmClient {
    /// `config_json` may hold `*_path` keys; `load_file(path)` returns each file's text (the JS
    /// layer resolves the path against the config's directory and reads it with node:fs).
    #[wasm_bindgen(constructor)]
    // One thread: the Arc only shares the node:crypto backend with the client.
    #[allow(clippy::arc_with_non_send_sync)]
    pub fn new(
        config_json: &str,
        load_file: &js_sys::Function,
        backend: JsRsaBackend,
    ) -> Result<WasmClient, JsValue> {
        let mut load = |path: &str| -> Result<String, String> {
            match load_file.call1(&JsValue::NULL, &JsValue::from_str(path)) {
                Ok(text) => text
                    .as_string()
                    .ok_or_else(|| "the file loader returned no text".to_owned()),
                Err(e) => Err(Reflect::get(&e, &JsValue::from_str("message"))
                    .ok()
                    .and_then(|m| m.as_string())
                    .unwrap_or_else(|| "unreadable".to_owned())),
            }
        };
        let config = Config::from_json_with_files(config_json, &mut load).map_err(js_err)?;
        let client =
            Client::with_rsa_backend(&config, std::sync::Arc::new(backend)).map_err(js_err)?;
        Ok(WasmClient { client })
    }

    /// The provider id, e.g. `"fubei"`.
    #[wasm_bindgen(getter)]
    pub fn provider(&self) -> String {
        self.client.provider().as_str().to_owned()
    }

    fn order_query(&self, query_json: &str) -> Result<Query, JsValue> {
        self.client
            .order_query_from_json(query_json, ApiNaming::CamelCase)
            .map_err(js_err)
    }

    /// The signed request for an order query.
    #[wasm_bindgen(js_name = buildQuery)]
    pub fn build_query(
        &self,
        query_json: &str,
        timestamp: i64,
        nonce: Option<String>,
        random: Option<Vec<u8>>,
    ) -> Result<JsValue, JsValue> {
        let query = self.order_query(query_json)?;
        let ctx = request_context(timestamp, nonce, random)?;
        let request = self.client.build_request(&query, &ctx).map_err(js_err)?;
        Ok(request_to_js(&request))
    }

    /// Phase one of two-phase signing (WeChat Pay).
    #[wasm_bindgen(js_name = prepareQuery)]
    pub fn prepare_query(
        &self,
        query_json: &str,
        timestamp: i64,
        nonce: Option<String>,
        random: Option<Vec<u8>>,
    ) -> Result<WasmPending, JsValue> {
        let query = self.order_query(query_json)?;
        let ctx = request_context(timestamp, nonce, random)?;
        let pending = self.client.prepare_request(&query, &ctx).map_err(js_err)?;
        Ok(WasmPending { pending })
    }

    /// Verifies and parses the answer to `query_json`.
    #[wasm_bindgen(js_name = parseQuery)]
    pub fn parse_query(
        &self,
        status: u16,
        headers: &str,
        header_count: u32,
        body: Vec<u8>,
        query_json: &str,
        now: i64,
    ) -> Result<String, JsValue> {
        let query = self.order_query(query_json)?;
        let response = response(status, headers, header_count, body)?;
        let ctx = ResponseContext::from_host(now).map_err(js_err)?;
        let result = self
            .client
            .parse_query_response(Some(&query), &response, &ctx)
            .map_err(js_err)?;
        to_json_text(&result)
    }

    /// The same request for the backup host, or `null`.
    #[wasm_bindgen(js_name = failoverRequest)]
    pub fn failover_request(
        &self,
        method: &str,
        url: String,
        headers: &str,
        header_count: u32,
        body: Option<Vec<u8>>,
    ) -> Result<JsValue, JsValue> {
        let request = HttpRequest {
            method: Method::parse(method).map_err(js_err)?,
            url,
            headers: self::headers(headers, header_count)?,
            body,
        };
        Ok(self
            .client
            .failover_request(&request)
            .map_or(JsValue::NULL, |r| request_to_js(&r)))
    }

    /// A Mini Program access-token request.
    #[wasm_bindgen(js_name = buildTokenRequest)]
    pub fn build_token_request(&self, kind: &str, force_refresh: bool) -> Result<JsValue, JsValue> {
        let kind = TokenKind::parse(kind).map_err(js_err)?;
        let request = self
            .client
            .token_request(kind, force_refresh)
            .map_err(js_err)?;
        Ok(request_to_js(&request))
    }

    /// Starts the one-call query (`Client.query` in `npm/index.cjs` drives it): `options_json`
    /// is the core's `QueryOptions` as JSON, `now_ms` the host's clock.
    #[wasm_bindgen(js_name = startQuery)]
    pub fn start_query(
        &self,
        query_json: &str,
        options_json: &str,
        now_ms: f64,
    ) -> Result<WasmQueryFlow, JsValue> {
        let query = self.order_query(query_json)?;
        let options: QueryOptions = serde_json::from_str(options_json)
            .map_err(|e| js_err(Error::invalid_input("options", e.to_string())))?;
        let flow = self
            .client
            .start_query(query, &options, unix_ms(now_ms)?)
            .map_err(js_err)?;
        Ok(WasmQueryFlow { flow })
    }

    /// Starts an explicit platform-certificate download (`Client.downloadCertificates` in
    /// `npm/layer.cjs` drives it like a query and reads `certificatesResult`).
    #[wasm_bindgen(js_name = startCertificateDownload)]
    pub fn start_certificate_download(
        &self,
        options_json: &str,
        now_ms: f64,
    ) -> Result<WasmQueryFlow, JsValue> {
        let options: QueryOptions = serde_json::from_str(options_json)
            .map_err(|e| js_err(Error::invalid_input("options", e.to_string())))?;
        let flow = self
            .client
            .start_certificate_download(&options, unix_ms(now_ms)?)
            .map_err(js_err)?;
        Ok(WasmQueryFlow { flow })
    }

    /// A checked certificate-download answer as JSON text (`CertificateDownload`, 64-bit
    /// integers as text); its certificates are merged into those this client holds.
    #[wasm_bindgen(js_name = parseCertificates)]
    pub fn parse_certificates(
        &self,
        status: u16,
        headers: &str,
        header_count: u32,
        body: Vec<u8>,
        now: i64,
    ) -> Result<String, JsValue> {
        parsed_json(status, headers, header_count, body, now, |response, ctx| {
            self.client.parse_certificates_response(response, ctx)
        })
    }

    /// Starts handling one notification (`Client.handleNotification` in `npm/layer.cjs` drives
    /// it like a query and reads `notificationResult`): the request as received, `options_json`
    /// the core's `QueryOptions` (for the certificate download an unknown WeChat Pay serial
    /// triggers), `now_ms` the host's clock.
    #[wasm_bindgen(js_name = startNotification)]
    pub fn start_notification(
        &self,
        method: String,
        headers: &str,
        header_count: u32,
        body: Vec<u8>,
        options_json: &str,
        now_ms: f64,
    ) -> Result<WasmQueryFlow, JsValue> {
        let request = notification_request(method, headers, header_count, body)?;
        let options: QueryOptions = serde_json::from_str(options_json)
            .map_err(|e| js_err(Error::invalid_input("options", e.to_string())))?;
        let flow = self
            .client
            .start_notification(request, &options, unix_ms(now_ms)?)
            .map_err(js_err)?;
        Ok(WasmQueryFlow { flow })
    }

    /// Checks one notification at Unix time `now` with the keys held, sending nothing: the
    /// outcome as `notificationResult` gives it (an unknown serial is refused, reply 500).
    #[wasm_bindgen(js_name = checkNotification)]
    pub fn check_notification(
        &self,
        method: String,
        headers: &str,
        header_count: u32,
        body: Vec<u8>,
        now: i64,
    ) -> Result<String, JsValue> {
        let request = notification_request(method, headers, header_count, body)?;
        notification_outcome(&self.client.check_notification(&request, now), &[])
    }

    /// The reply that makes this client's provider send a notification again (JSON text), for
    /// a host that could not store one.
    #[wasm_bindgen(js_name = notificationRetryReply)]
    pub fn notification_retry_reply(&self) -> Result<String, JsValue> {
        to_json_text(&self.client.notification_retry_reply())
    }

    /// A parsed access token as JSON text (the CLI's shape, 64-bit integers as text).
    #[wasm_bindgen(js_name = parseTokenResponse)]
    pub fn parse_token_response(
        &self,
        status: u16,
        headers: &str,
        header_count: u32,
        body: Vec<u8>,
        now: i64,
    ) -> Result<String, JsValue> {
        parsed_json(status, headers, header_count, body, now, |response, ctx| {
            self.client.parse_token_response(response, ctx)
        })
    }
}

/// A response from the JS layer's parts, parsed at Unix time `now` by `parse`, as JSON text.
fn parsed_json<T: Serialize>(
    status: u16,
    headers: &str,
    header_count: u32,
    body: Vec<u8>,
    now: i64,
    parse: impl FnOnce(&HttpResponse, &ResponseContext) -> payquery_core::Result<T>,
) -> Result<String, JsValue> {
    let response = response(status, headers, header_count, body)?;
    let ctx = ResponseContext::from_host(now).map_err(js_err)?;
    to_json_text(&parse(&response, &ctx).map_err(js_err)?)
}

/// A notification as the host's web server received it, from the JS layer's parts (the
/// headers in its one-string encoding, repeated names kept; the body's raw bytes).
fn notification_request(
    method: String,
    joined_headers: &str,
    header_count: u32,
    body: Vec<u8>,
) -> Result<NotificationRequest, JsValue> {
    Ok(NotificationRequest {
        method,
        headers: headers(joined_headers, header_count)?,
        body,
    })
}

/// A refused notification's error, with the same members as [`js_err`]'s object (the JS
/// layer makes the same `PayqueryError` of it); its attempts travel beside it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorFields<'a> {
    code: &'a str,
    message: &'a str,
    field: Option<&'a str>,
    provider_code: Option<&'a str>,
    provider_message: Option<&'a str>,
    http_status: Option<u16>,
    retryable: bool,
    backup_host_applies: bool,
}

/// A notification's outcome in one JSON text: `notification` or `error`, and either way the
/// `reply` to send (a refused notification has one too) and the requests made for it.
#[derive(Serialize)]
struct NotificationOutcome<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    notification: Option<&'a Notification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorFields<'a>>,
    reply: &'a NotificationReply,
    attempts: &'a [Attempt],
}

/// [`NotificationOutcome`] as JSON text (64-bit integers as text). `attempts`: those of the
/// flow for an accepted notification (a refused one carries its own).
fn notification_outcome(
    outcome: &Result<HandledNotification, Box<NotificationRejected>>,
    attempts: &[Attempt],
) -> Result<String, JsValue> {
    to_json_text(&match outcome {
        Ok(handled) => NotificationOutcome {
            notification: Some(&handled.notification),
            error: None,
            reply: &handled.reply,
            attempts,
        },
        Err(rejected) => {
            let e = &rejected.error;
            NotificationOutcome {
                notification: None,
                error: Some(ErrorFields {
                    code: e.code().as_str(),
                    message: e.message(),
                    field: e.field(),
                    provider_code: e.provider_code(),
                    provider_message: e.provider_message(),
                    http_status: e.http_status(),
                    retryable: e.is_retryable(),
                    backup_host_applies: e.backup_host_applies(),
                }),
                reply: &rejected.reply,
                attempts: e.attempts(),
            }
        }
    })
}

/// A Unix time in milliseconds from JavaScript (`Date.now()`): a whole, non-negative number.
fn unix_ms(value: f64) -> Result<i64, JsValue> {
    if !(value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value < 9.0e15) {
        return Err(js_err(Error::invalid_input(
            "now",
            "the clock must be whole Unix milliseconds (Date.now())",
        )));
    }
    // Checked above: a whole number below 2^53.
    #[allow(clippy::cast_possible_truncation)]
    Ok(value as i64)
}

/// One query in progress; the JS driver (`Client.query`) runs it to `done` and frees it.
/// Steps cross as one line of text each: `send\n<timeout ms>\n<max body bytes>\n<request>`,
/// `sleep\n<until ms>`, `store\n<JSON>` or `done`.
#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmQueryFlow {
    flow: QueryFlow,
}

#[wasm_bindgen]
impl WasmQueryFlow {
    /// The next step at `now_ms`; `random`: 32 CSPRNG bytes (a nonce, back-off jitter).
    pub fn next(&mut self, now_ms: f64, random: Vec<u8>) -> Result<String, JsValue> {
        let random: [u8; 32] = random
            .try_into()
            .map_err(|_| js_err(Error::invalid_input("random", "32 random bytes are needed")))?;
        Ok(match self.flow.next(unix_ms(now_ms)?, &random) {
            Step::Send {
                request,
                timeout_ms,
                max_body_bytes,
            } => format!(
                "send\n{timeout_ms}\n{max_body_bytes}\n{}",
                request_text(&request)
            ),
            Step::Sleep { until_ms } => format!("sleep\n{until_ms}"),
            Step::Store {
                request,
                timeout_ms,
            } => {
                let mut json = match &request {
                    StoreRequest::Load { key } => serde_json::json!({"op": "load", "key": key}),
                    StoreRequest::Lock { key, ttl_ms } => {
                        serde_json::json!({"op": "lock", "key": key, "ttlMs": ttl_ms})
                    }
                    StoreRequest::Save { key, value, ttl_ms } => serde_json::json!({
                        "op": "save", "key": key, "value": value.expose(), "ttlMs": ttl_ms,
                    }),
                    StoreRequest::Invalidate { key, value } => serde_json::json!({
                        "op": "invalidate", "key": key, "value": value.expose(),
                    }),
                };
                // How long the store may take before the driver replies `failed` (`Timeout`).
                if let Some(object) = json.as_object_mut() {
                    object.insert("timeoutMs".to_owned(), serde_json::json!(timeout_ms));
                }
                format!("store\n{json}")
            }
            Step::Done => "done".to_owned(),
        })
    }

    /// The answer to the last `send`.
    pub fn receive(
        &mut self,
        status: u16,
        headers: &str,
        header_count: u32,
        body: Vec<u8>,
        now_ms: f64,
    ) -> Result<(), JsValue> {
        let response = response(status, headers, header_count, body)?;
        self.flow
            .receive(Reply::Response(response), unix_ms(now_ms)?)
            .map_err(js_err)
    }

    /// The last `send` did not complete: `kind` as the driver classified the error.
    #[wasm_bindgen(js_name = receiveFailure)]
    pub fn receive_failure(
        &mut self,
        kind: &str,
        detail: &str,
        now_ms: f64,
    ) -> Result<(), JsValue> {
        let reply = Reply::Failed {
            kind: TransportFailure::from_name(kind),
            detail: detail.to_owned(),
        };
        self.flow.receive(reply, unix_ms(now_ms)?).map_err(js_err)
    }

    /// The store's answer: `loaded` (with the value or `undefined`), `locked`, `busy` (the
    /// lock is another process's), `done`, or `failed` (with the error's kind as `value`).
    #[wasm_bindgen(js_name = storeReply)]
    pub fn store_reply(
        &mut self,
        kind: &str,
        value: Option<String>,
        now_ms: f64,
    ) -> Result<(), JsValue> {
        let reply = match kind {
            "loaded" => StoreReply::Loaded(value.map(payquery_core::Secret::new)),
            "locked" => StoreReply::Locked(true),
            "busy" => StoreReply::Locked(false),
            "done" => StoreReply::Done,
            // `failed`: `value` is the error's kind (its class name), never its message.
            _ => StoreReply::Failed {
                kind: value.unwrap_or_default(),
            },
        };
        self.flow
            .store_reply(reply, unix_ms(now_ms)?)
            .map_err(js_err)
    }

    /// `text` with the credentials this flow knows replaced by `[redacted]`.
    pub fn redact(&self, text: &str) -> String {
        self.flow.redact(text)
    }

    /// The answer as JSON text (64-bit integers as text), or the error with its attempts.
    pub fn result(&mut self) -> Result<String, JsValue> {
        let result = self.flow.result().map_err(js_err)?;
        to_json_text(&result)
    }

    /// A notification flow's outcome as JSON text: `{"notification" | "error", "reply",
    /// "attempts"}` — a refused notification is an answer too (its reply must be sent), so it
    /// is returned, not thrown. Other misuse (a query flow, asked twice) throws.
    #[wasm_bindgen(js_name = notificationResult)]
    pub fn notification_result(&mut self) -> Result<String, JsValue> {
        let outcome = self.flow.notification_result();
        if let Err(rejected) = &outcome {
            if rejected.error.field() == Some("flow") {
                return Err(js_err(rejected.error.clone()));
            }
        }
        notification_outcome(&outcome, self.flow.attempts())
    }

    /// A certificate download's answer as JSON text (`CertificateDownload`), or the error.
    #[wasm_bindgen(js_name = certificatesResult)]
    pub fn certificates_result(&mut self) -> Result<String, JsValue> {
        let download = self.flow.certificates_result().map_err(js_err)?;
        to_json_text(&download)
    }
}

/// A WeChat Pay request waiting for its signature.
#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmPending {
    pending: PendingRequest,
}

#[wasm_bindgen]
impl WasmPending {
    /// The exact message to sign (RSASSA-PKCS1-v1_5, SHA-256).
    #[wasm_bindgen(getter, js_name = stringToSign)]
    pub fn string_to_sign(&self) -> String {
        self.pending.string_to_sign().to_owned()
    }

    /// The Unix time the request is signed for.
    #[wasm_bindgen(getter)]
    pub fn timestamp(&self) -> i64 {
        self.pending.timestamp()
    }

    /// The nonce the request is signed with.
    #[wasm_bindgen(getter)]
    pub fn nonce(&self) -> String {
        self.pending.nonce().to_owned()
    }

    /// The pending request as JSON, to park while an external signer works.
    #[wasm_bindgen(js_name = toJson)]
    pub fn to_json(&self) -> String {
        self.pending.to_json()
    }

    /// Reads a parked pending request back (re-validated by the core).
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(json: &str) -> Result<WasmPending, JsValue> {
        Ok(WasmPending {
            pending: PendingRequest::from_json(json).map_err(js_err)?,
        })
    }

    /// Phase two: the request, with the base64 signature of `stringToSign` attached.
    pub fn finish(&self, signature_base64: &str) -> Result<JsValue, JsValue> {
        let request = self
            .pending
            .clone()
            .finish(signature_base64)
            .map_err(js_err)?;
        Ok(request_to_js(&request))
    }
}
