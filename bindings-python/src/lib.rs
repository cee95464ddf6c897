//! # payquery-python
//!
//! `payquery._native`, the compiled half of the Python package: `NativeClient` wraps one
//! `payquery_core::Client` and converts types and errors, nothing else. The Python half
//! (`python/payquery/__init__.py`) checks argument types, fills in `time.time()` and
//! `secrets.token_bytes(32)`, decodes answers into the models generated from the core's types
//! (`payquery._models`, tools/typegen), and raises the exception class of each error's code.
//!
//! Signing and verification (RSA on aws-lc-rs) run with the GIL released (`Python::detach`),
//! so threads sharing one client sign in parallel.
//!
//! Boundary conventions: documents (config, query) cross as JSON text or as a `dict`, which
//! `document_json` writes as JSON text here (2 µs less than `json.dumps` per call); a request
//! is `(method, url, [(name, value)], body: bytes | None)`; an answer (a query result, a token,
//! a certificate download) is the core's JSON text; a notification's outcome is the JSON text
//! `{"notification": …, "reply": …}` or `{"error": …, "reply": …}` (a rejected notification
//! has a reply too, so it is an answer, not a raised error); errors are `NativeError(code, message,
//! field, provider_code, provider_message, http_status, retryable, backup_host_applies)`.

use payquery_core::{
    read_limited, ApiNaming, Attempt, Client, Config, Error, ErrorCode, HandledNotification,
    HttpRequest, HttpResponse, Method, NotificationRejected, NotificationRequest, PendingRequest,
    Query, QueryFlow, QueryOptions, Reply, RequestContext, ResponseContext, Secret, Step,
    StoreReply, StoreRequest, TokenKind, TransportFailure,
};
use pyo3::create_exception;
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

create_exception!(
    _native,
    NativeError,
    pyo3::exceptions::PyException,
    "A core error; payquery re-raises it as the PayqueryError subclass of its code."
);

fn py_err(error: Error) -> PyErr {
    // The attempts of a one-call query, as the core's JSON (decoded like a result's).
    let attempts = (!error.attempts().is_empty())
        .then(|| serde_json::to_string(error.attempts()).ok())
        .flatten();
    NativeError::new_err((
        error.code().as_str(),
        error.message().to_owned(),
        error.field().map(str::to_owned),
        error.provider_code().map(str::to_owned),
        error.provider_message().map(str::to_owned),
        error.http_status(),
        error.is_retryable(),
        error.backup_host_applies(),
        attempts,
    ))
}

/// `(method, url, [(name, value)], body)`.
type RequestOut<'py> = (
    &'static str,
    String,
    Vec<(String, String)>,
    Option<Bound<'py, PyBytes>>,
);

fn request_out(py: Python<'_>, request: HttpRequest) -> RequestOut<'_> {
    (
        request.method.as_str(),
        request.url,
        request.headers,
        request.body.map(|b| PyBytes::new(py, &b)),
    )
}

/// A result as the JSON text the Python layer decodes (`payquery._models`, generated from the
/// same types): one string crosses, the models are built in Python.
fn json_out<T: serde::Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value)
        .map_err(|e| py_err(Error::new(ErrorCode::DecodeError, e.to_string())))
}

/// A notification's outcome as JSON text, the CLI's `payquery notify` shape: `{"notification",
/// "reply", "attempts"}` (the requests its flow made: a certificate download for an unknown
/// WeChat Pay serial, or none) or `{"error", "reply"}`. The error is the core's JSON (code,
/// message, field, attempts …: never a secret), which the Python half raises as its class
/// with `.reply`.
fn notification_out(
    outcome: Result<HandledNotification, Box<NotificationRejected>>,
    attempts: &[Attempt],
) -> PyResult<String> {
    #[derive(serde::Serialize)]
    struct Handled<'a> {
        notification: &'a payquery_core::Notification,
        reply: &'a payquery_core::NotificationReply,
        attempts: &'a [Attempt],
    }
    #[derive(serde::Serialize)]
    struct Rejected<'a> {
        error: &'a Error,
        reply: &'a payquery_core::NotificationReply,
    }
    match outcome {
        Ok(handled) => json_out(&Handled {
            notification: &handled.notification,
            reply: &handled.reply,
            attempts,
        }),
        Err(rejected) => json_out(&Rejected {
            error: &rejected.error,
            reply: &rejected.reply,
        }),
    }
}

/// A notification as the host received it. `body` is copied once here; the core refuses one
/// over `MAX_NOTIFICATION_BYTES` (naming `body`) before reading any of it.
fn notification_request(
    method: String,
    headers: Vec<(String, String)>,
    body: &[u8],
) -> NotificationRequest {
    NotificationRequest {
        method,
        headers,
        body: body.to_vec(),
    }
}

/// What a Python `str` that cannot become UTF-8 holds (`"A\ud800"` is a valid `str`).
macro_rules! lone_surrogate {
    () => {
        "a lone UTF-16 surrogate (\\ud800-\\udfff), which is not Unicode text"
    };
}
const LONE_SURROGATE: &str = lone_surrogate!();

/// How deep a document given as a `dict` may nest (the core refuses deeper JSON anyway; this
/// bound only keeps a self-referencing dict from recursing forever).
const MAX_DOCUMENT_DEPTH: usize = 64;

/// A document argument (`config`, `query`) as JSON text: `str` as given; a `dict` (the Python
/// half sends every other Mapping through `json.dumps`) written as compact JSON, with the same
/// rules as `json.dumps(..., ensure_ascii=False, allow_nan=False)` for the JSON types, string
/// keys only. Anything else inside it (bytes, a set, NaN …) is refused with `error`'s code.
fn document_json(
    value: &Bound<'_, PyAny>,
    field: &str,
    error: fn(&str, String) -> Error,
) -> PyResult<String> {
    if let Ok(text) = value.cast::<PyString>() {
        return text.to_cow().map(|t| t.into_owned()).map_err(|_| {
            py_err(error(
                field,
                format!("`{field}` is a str that holds {LONE_SURROGATE}"),
            ))
        });
    }
    let mut out = Vec::with_capacity(128);
    write_json(value, &mut out, 0)
        .and_then(|()| String::from_utf8(out).map_err(|_| "text that is not UTF-8"))
        .map_err(|why| {
            py_err(error(
                field,
                format!("`{field}` holds a value that is not JSON ({why})"),
            ))
        })
}

fn write_json(
    value: &Bound<'_, PyAny>,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), &'static str> {
    use std::io::Write as _;
    if depth > MAX_DOCUMENT_DEPTH {
        return Err("nested too deeply");
    }
    if value.is_none() {
        out.extend_from_slice(b"null");
    } else if let Ok(b) = value.cast::<PyBool>() {
        out.extend_from_slice(if b.is_true() { b"true" } else { b"false" });
    } else if let Ok(text) = value.cast::<PyString>() {
        let text = text
            .to_cow()
            .map_err(|_| concat!("a str that holds ", lone_surrogate!()))?;
        serde_json::to_writer(&mut *out, &*text).map_err(|_| "a str")?;
    } else if let Ok(int) = value.cast::<PyInt>() {
        match int.extract::<i64>() {
            Ok(n) => write!(out, "{n}").map_err(|_| "an int")?,
            // Python's own decimal text for ints beyond 64 bits (the core refuses them with
            // a clear message where a number is allowed at all).
            Err(_) => out.extend_from_slice(
                int.str()
                    .map_err(|_| "an int")?
                    .to_string_lossy()
                    .as_bytes(),
            ),
        }
    } else if let Ok(float) = value.cast::<PyFloat>() {
        let x = float.value();
        if !x.is_finite() {
            return Err("NaN or Infinity");
        }
        serde_json::to_writer(&mut *out, &x).map_err(|_| "a float")?;
    } else if let Ok(dict) = value.cast::<PyDict>() {
        out.push(b'{');
        for (i, (key, item)) in dict.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let key = key
                .cast::<PyString>()
                .map_err(|_| "a key that is not a str")?;
            let key = key
                .to_cow()
                .map_err(|_| concat!("a key that holds ", lone_surrogate!()))?;
            serde_json::to_writer(&mut *out, &*key).map_err(|_| "a key")?;
            out.push(b':');
            write_json(&item, out, depth + 1)?;
        }
        out.push(b'}');
    } else if let Ok(list) = value.cast::<PyList>() {
        write_array(list.iter(), out, depth)?;
    } else if let Ok(tuple) = value.cast::<PyTuple>() {
        write_array(tuple.iter(), out, depth)?;
    } else {
        return Err("bytes, a set, an object …");
    }
    Ok(())
}

fn write_array<'py>(
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), &'static str> {
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json(&item, out, depth + 1)?;
    }
    out.push(b']');
    Ok(())
}

fn response(status: u16, headers: Vec<(String, String)>, body: &[u8]) -> HttpResponse {
    HttpResponse::new(status, headers, body.to_vec())
}

/// The core's stable error codes, in its order.
#[pyfunction]
fn error_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}

/// The unified order statuses, in the core's order.
#[pyfunction]
fn order_statuses() -> Vec<&'static str> {
    payquery_core::OrderStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .collect()
}

/// What may be shown of a request, credentials replaced by `[redacted]` by the core
/// (`HttpRequest::redacted`): `(method, url, headers, body_length)`, what `repr()` shows.
#[pyfunction]
fn redact_request(
    method: &str,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
) -> (&'static str, String, Vec<(String, String)>, Option<usize>) {
    let shown = HttpRequest {
        method: Method::parse(method).unwrap_or(Method::Get),
        url,
        headers,
        body,
    }
    .redacted();
    (
        shown.method.as_str(),
        shown.url,
        shown.headers,
        shown.body_len,
    )
}

/// One configured provider client.
#[pyclass(frozen, module = "payquery._native")]
struct NativeClient {
    client: Client,
}

impl NativeClient {
    /// The query argument (JSON text or a dict) as the core's typed query.
    fn order_query(&self, query: &Bound<'_, PyAny>) -> PyResult<Query> {
        let json = document_json(query, "query", Error::invalid_input)?;
        self.client
            .order_query_from_json(&json, ApiNaming::SnakeCase)
            .map_err(py_err)
    }
}

#[pymethods]
impl NativeClient {
    /// `config` (JSON text or a dict) may hold `*_path` keys, read relative to `base_dir`.
    #[new]
    fn new(config: &Bound<'_, PyAny>, base_dir: std::path::PathBuf) -> PyResult<Self> {
        let config_json = document_json(config, "config", Error::invalid_config)?;
        let config = Config::from_json_with_files(&config_json, &mut |path| {
            let full = base_dir.join(path);
            // A FIFO would block the open (and the read) forever; a device or a directory is
            // no key file either.
            if !std::fs::metadata(&full)
                .map_err(|e| e.to_string())?
                .is_file()
            {
                return Err("it is not a regular file (a FIFO, a device or a directory)".to_owned());
            }
            let mut file = std::fs::File::open(full).map_err(|e| e.to_string())?;
            read_limited(&mut file, "path").map_err(|e| e.message().to_owned())
        })
        .map_err(py_err)?;
        let client = Client::new(&config).map_err(py_err)?;
        Ok(NativeClient { client })
    }

    #[getter]
    fn provider(&self) -> &'static str {
        self.client.provider().as_str()
    }

    /// The signed request for an order query (RSA signing runs without the GIL).
    #[pyo3(signature = (query, timestamp, nonce, random))]
    fn build_query<'py>(
        &self,
        py: Python<'py>,
        query: &Bound<'py, PyAny>,
        timestamp: i64,
        nonce: Option<PyBackedStr>,
        random: Option<PyBackedBytes>,
    ) -> PyResult<RequestOut<'py>> {
        let query = self.order_query(query)?;
        let ctx = RequestContext::from_host(timestamp, nonce.as_deref(), random.as_deref())
            .map_err(py_err)?;
        let request = py
            .detach(|| self.client.build_request(&query, &ctx))
            .map_err(py_err)?;
        Ok(request_out(py, request))
    }

    /// Phase one of two-phase signing (WeChat Pay).
    #[pyo3(signature = (query, timestamp, nonce, random))]
    fn prepare_query(
        &self,
        query: &Bound<'_, PyAny>,
        timestamp: i64,
        nonce: Option<PyBackedStr>,
        random: Option<PyBackedBytes>,
    ) -> PyResult<NativePending> {
        let query = self.order_query(query)?;
        let ctx = RequestContext::from_host(timestamp, nonce.as_deref(), random.as_deref())
            .map_err(py_err)?;
        let pending = self.client.prepare_request(&query, &ctx).map_err(py_err)?;
        Ok(NativePending { pending })
    }

    /// Verifies (without the GIL) and parses the answer to `query`.
    fn parse_query(
        &self,
        py: Python<'_>,
        status: u16,
        headers: Vec<(String, String)>,
        body: PyBackedBytes,
        query: &Bound<'_, PyAny>,
        now: i64,
    ) -> PyResult<String> {
        let query = self.order_query(query)?;
        let response = response(status, headers, &body);
        let ctx = ResponseContext::from_host(now).map_err(py_err)?;
        let result = py
            .detach(|| {
                self.client
                    .parse_query_response(Some(&query), &response, &ctx)
            })
            .map_err(py_err)?;
        json_out(&result)
    }

    /// The same request for the backup host, or `None`.
    fn failover_request<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        url: String,
        headers: Vec<(String, String)>,
        body: Option<Vec<u8>>,
    ) -> PyResult<Option<RequestOut<'py>>> {
        let request = HttpRequest {
            method: Method::parse(method).map_err(py_err)?,
            url,
            headers,
            body,
        };
        Ok(self
            .client
            .failover_request(&request)
            .map(|r| request_out(py, r)))
    }

    /// A Mini Program access-token request.
    fn build_token_request<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        force_refresh: bool,
    ) -> PyResult<RequestOut<'py>> {
        let kind = TokenKind::parse(kind).map_err(py_err)?;
        let request = self
            .client
            .token_request(kind, force_refresh)
            .map_err(py_err)?;
        Ok(request_out(py, request))
    }

    /// Starts the one-call query (the Python driver in `payquery/_query.py` runs it).
    /// `options`: the core's `QueryOptions` as JSON text.
    fn start_query(
        &self,
        query: &Bound<'_, PyAny>,
        options: &str,
        now_ms: i64,
    ) -> PyResult<NativeQueryFlow> {
        let query = self.order_query(query)?;
        let options: QueryOptions = serde_json::from_str(options)
            .map_err(|e| py_err(Error::invalid_input("options", e.to_string())))?;
        let flow = self
            .client
            .start_query(query, &options, now_ms)
            .map_err(py_err)?;
        Ok(NativeQueryFlow {
            flow: std::sync::Mutex::new(flow),
        })
    }

    /// Starts an explicit platform-certificate download (a WeChat Pay config with
    /// `api_v3_key`): the same driver as a query runs it (`payquery/_query.py`), then reads
    /// `certificates_result`. `options`: the core's `QueryOptions` as JSON text.
    fn start_certificate_download(&self, options: &str, now_ms: i64) -> PyResult<NativeQueryFlow> {
        let options: QueryOptions = serde_json::from_str(options)
            .map_err(|e| py_err(Error::invalid_input("options", e.to_string())))?;
        let flow = self
            .client
            .start_certificate_download(&options, now_ms)
            .map_err(py_err)?;
        Ok(NativeQueryFlow {
            flow: std::sync::Mutex::new(flow),
        })
    }

    /// Checks a saved certificate-download answer (AES-GCM and, when signed, RSA, without the
    /// GIL) and merges its certificates into this client's; the `CertificateDownload` as JSON
    /// text.
    fn parse_certificates(
        &self,
        py: Python<'_>,
        status: u16,
        headers: Vec<(String, String)>,
        body: PyBackedBytes,
        now: i64,
    ) -> PyResult<String> {
        let response = response(status, headers, &body);
        let ctx = ResponseContext::from_host(now).map_err(py_err)?;
        let download = py
            .detach(|| self.client.parse_certificates_response(&response, &ctx))
            .map_err(py_err)?;
        json_out(&download)
    }

    /// Starts handling one notification as the host's web server received it (method, every
    /// header in order, the raw body): the query's driver runs it (`payquery/_query.py`) and
    /// reads `notification_result`. It sends nothing unless WeChat Pay signed with a
    /// certificate serial this client does not hold (then one certificate download, at most
    /// one per client per minute). `options`: the core's `QueryOptions` as JSON text.
    fn start_notification(
        &self,
        method: String,
        headers: Vec<(String, String)>,
        body: PyBackedBytes,
        options: &str,
        now_ms: i64,
    ) -> PyResult<NativeQueryFlow> {
        let options: QueryOptions = serde_json::from_str(options)
            .map_err(|e| py_err(Error::invalid_input("options", e.to_string())))?;
        let request = notification_request(method, headers, &body);
        let flow = self
            .client
            .start_notification(request, &options, now_ms)
            .map_err(py_err)?;
        Ok(NativeQueryFlow {
            flow: std::sync::Mutex::new(flow),
        })
    }

    /// Checks one notification at `now` (Unix seconds) with the keys held, sans-IO (RSA and
    /// AES-GCM without the GIL): the outcome as `notification_result`'s JSON text. An unknown
    /// certificate serial is refused with a 500 reply (the provider sends it again).
    fn check_notification(
        &self,
        py: Python<'_>,
        method: String,
        headers: Vec<(String, String)>,
        body: PyBackedBytes,
        now: i64,
    ) -> PyResult<String> {
        let request = notification_request(method, headers, &body);
        let outcome = py.detach(|| self.client.check_notification(&request, now));
        notification_out(outcome, &[])
    }

    /// The reply that makes the provider send a notification again (for a host whose own
    /// storing failed), as JSON text.
    fn notification_retry_reply(&self) -> PyResult<String> {
        json_out(&self.client.notification_retry_reply())
    }

    /// The token as JSON text (the CLI's shape: times in Unix seconds).
    fn parse_token_response(
        &self,
        status: u16,
        headers: Vec<(String, String)>,
        body: PyBackedBytes,
        now: i64,
    ) -> PyResult<String> {
        let ctx = ResponseContext::from_host(now).map_err(py_err)?;
        let token = self
            .client
            .parse_token_response(&response(status, headers, &body), &ctx)
            .map_err(py_err)?;
        json_out(&token)
    }
}

/// One query in progress. Its steps are tuples: `("send", timeout_ms, max_body_bytes, request)`,
/// `("sleep", until_ms)`, `("store", op, key, value, ttl_ms)`, `("done",)`. Signing and
/// verifying run without the GIL; the lock serializes a flow driven from two threads at once
/// (a driver bug, reported as INVALID_INPUT rather than a data race).
#[pyclass(frozen, module = "payquery._native")]
struct NativeQueryFlow {
    flow: std::sync::Mutex<QueryFlow>,
}

impl NativeQueryFlow {
    fn with<T>(&self, f: impl FnOnce(&mut QueryFlow) -> PyResult<T>) -> PyResult<T> {
        let mut flow = self.flow.try_lock().map_err(|_| {
            py_err(Error::invalid_input(
                "flow",
                "this query is already being driven by another thread",
            ))
        })?;
        f(&mut flow)
    }
}

#[pymethods]
impl NativeQueryFlow {
    /// The next step at `now_ms`; `random`: 32 bytes from `secrets.token_bytes`.
    fn next<'py>(
        &self,
        py: Python<'py>,
        now_ms: i64,
        random: PyBackedBytes,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let random: [u8; 32] = random
            .as_ref()
            .try_into()
            .map_err(|_| py_err(Error::invalid_input("random", "32 random bytes are needed")))?;
        let step = self.with(|flow| Ok(py.detach(|| flow.next(now_ms, &random))))?;
        match step {
            Step::Send {
                request,
                timeout_ms,
                max_body_bytes,
            } => ("send", timeout_ms, max_body_bytes, request_out(py, request)).into_pyobject(py),
            Step::Sleep { until_ms } => ("sleep", until_ms).into_pyobject(py),
            // `timeout_ms`: how long the driver waits for the store before it replies
            // `failed` with the kind `Timeout`.
            Step::Store {
                request,
                timeout_ms,
            } => match request {
                StoreRequest::Load { key } => (
                    "store",
                    "load",
                    key,
                    None::<String>,
                    None::<u64>,
                    timeout_ms,
                )
                    .into_pyobject(py),
                StoreRequest::Lock { key, ttl_ms } => (
                    "store",
                    "lock",
                    key,
                    None::<String>,
                    Some(ttl_ms),
                    timeout_ms,
                )
                    .into_pyobject(py),
                StoreRequest::Save { key, value, ttl_ms } => (
                    "store",
                    "save",
                    key,
                    Some(value.expose().to_owned()),
                    Some(ttl_ms),
                    timeout_ms,
                )
                    .into_pyobject(py),
                StoreRequest::Invalidate { key, value } => (
                    "store",
                    "invalidate",
                    key,
                    Some(value.expose().to_owned()),
                    None::<u64>,
                    timeout_ms,
                )
                    .into_pyobject(py),
            },
            Step::Done => ("done",).into_pyobject(py),
        }
    }

    /// The answer to the last `send` (verified without the GIL).
    fn receive(
        &self,
        py: Python<'_>,
        status: u16,
        headers: Vec<(String, String)>,
        body: PyBackedBytes,
        now_ms: i64,
    ) -> PyResult<()> {
        let reply = Reply::Response(response(status, headers, &body));
        self.with(|flow| py.detach(|| flow.receive(reply, now_ms)).map_err(py_err))
    }

    /// The last `send` did not complete: `kind` as the driver classified the error.
    fn receive_failure(&self, kind: &str, detail: String, now_ms: i64) -> PyResult<()> {
        let reply = Reply::Failed {
            kind: TransportFailure::from_name(kind),
            detail,
        };
        self.with(|flow| flow.receive(reply, now_ms).map_err(py_err))
    }

    /// The store's answer: `loaded` (with the value or `None`), `locked`, `busy`, `done` or
    /// `failed` (with the error's kind, its class name, as `value`).
    #[pyo3(signature = (kind, value, now_ms))]
    fn store_reply(&self, kind: &str, value: Option<String>, now_ms: i64) -> PyResult<()> {
        let reply = match kind {
            "loaded" => StoreReply::Loaded(value.map(Secret::new)),
            "locked" => StoreReply::Locked(true),
            "busy" => StoreReply::Locked(false),
            "done" => StoreReply::Done,
            // `failed`: `value` is the error's kind (its class name), never its message.
            _ => StoreReply::Failed {
                kind: value.unwrap_or_default(),
            },
        };
        self.with(|flow| flow.store_reply(reply, now_ms).map_err(py_err))
    }

    /// `text` with the credentials this flow knows replaced by `[redacted]`.
    fn redact(&self, text: &str) -> PyResult<String> {
        self.with(|flow| Ok(flow.redact(text)))
    }

    /// The answer as JSON text, or the error (with its attempts).
    fn result(&self) -> PyResult<String> {
        let result = self.with(|flow| flow.result().map_err(py_err))?;
        json_out(&result)
    }

    /// A certificate download's answer (`start_certificate_download`) as JSON text, or the
    /// error (with its attempts).
    fn certificates_result(&self) -> PyResult<String> {
        let download = self.with(|flow| flow.certificates_result().map_err(py_err))?;
        json_out(&download)
    }

    /// A notification flow's outcome (`start_notification`) as JSON text: `{"notification",
    /// "reply"}` or `{"error", "reply"}` — never raised, since a rejected notification still
    /// has the reply the host must send.
    fn notification_result(&self) -> PyResult<String> {
        self.with(|flow| {
            let outcome = flow.notification_result();
            notification_out(outcome, flow.attempts())
        })
    }
}

/// A WeChat Pay request waiting for its signature.
#[pyclass(frozen, module = "payquery._native")]
struct NativePending {
    pending: PendingRequest,
}

#[pymethods]
impl NativePending {
    /// Reads a parked pending request back (re-validated by the core).
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        Ok(NativePending {
            pending: PendingRequest::from_json(json).map_err(py_err)?,
        })
    }

    #[getter]
    fn string_to_sign(&self) -> &str {
        self.pending.string_to_sign()
    }

    #[getter]
    fn timestamp(&self) -> i64 {
        self.pending.timestamp()
    }

    #[getter]
    fn nonce(&self) -> &str {
        self.pending.nonce()
    }

    fn to_json(&self) -> String {
        self.pending.to_json()
    }

    /// Phase two: the request with the base64 signature attached.
    fn finish<'py>(&self, py: Python<'py>, signature_base64: &str) -> PyResult<RequestOut<'py>> {
        let request = self
            .pending
            .clone()
            .finish(signature_base64)
            .map_err(py_err)?;
        Ok(request_out(py, request))
    }
}

/// payquery's compiled core.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    m.add_class::<NativeClient>()?;
    m.add_class::<NativePending>()?;
    m.add_class::<NativeQueryFlow>()?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(order_statuses, m)?)?;
    m.add_function(wrap_pyfunction!(redact_request, m)?)?;
    m.add("USER_AGENT", payquery_core::USER_AGENT)?;
    m.add("VERSION", payquery_core::VERSION)?;
    m.add("MAX_DOCUMENT_BYTES", payquery_core::MAX_DOCUMENT_BYTES)?;
    m.add(
        "MAX_NOTIFICATION_BYTES",
        payquery_core::MAX_NOTIFICATION_BYTES,
    )?;
    Ok(())
}
