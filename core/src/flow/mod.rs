//! The one-call query (QUERY-FLOW.md): a synchronous, owned-data step machine that decides
//! what to send, when to wait and when to stop; the host only does the I/O.
//!
//! ```text
//! let mut flow = client.start_query(query, &options, now_ms)?;
//! loop {
//!     match flow.next(now_ms, random_32_bytes) {
//!         Step::Send { request, timeout_ms } => flow.receive(send(request, timeout_ms), now_ms)?,
//!         Step::Sleep { until_ms } => sleep_until(until_ms),
//!         Step::Store { request, timeout_ms } => flow.store_reply(store(request, timeout_ms), now_ms)?,
//!         Step::Done => return flow.result(),
//!     }
//! }
//! ```
//!
//! Why a step machine and not an async function across the FFI: nothing async crosses the
//! boundary (wasm-bindgen futures and UniFFI async have open cancellation and re-entrancy
//! bugs), time and randomness stay parameters (the core reads no clock, draws nothing), and
//! cancelling is dropping the flow. Each host's driver is a short loop with no provider branch
//! and no policy of its own: every decision below is made once, here, for every language.
//!
//! The policy (QUERY-FLOW.md §3), per attempt:
//! - a transport failure: once to the backup host if there is one (the same request: the host
//!   is not signed), then re-signed with a fresh nonce after a back-off, at most 2 retries;
//! - a server-side provider error (`backup_host_applies`): once to the backup, then back off
//!   1 s · 2ⁿ, at most 3 attempts in all;
//! - `RATE_LIMITED`: wait `Retry-After` (else 1 s, 2 s, 4 s with jitter), never fail over;
//! - `TOKEN_EXPIRED`: invalidate the token if it is still the one rejected, fetch one, retry
//!   once (`force_refresh` only if the same token comes back and the budget allows);
//! - `SIGNATURE_INVALID`, `TIMESTAMP_SKEW`, `DECODE_ERROR`, `INVALID_*`: stop at once. A forged
//!   or stale answer never buys a second try elsewhere;
//! - `ORDER_NOT_FOUND`: done (poll mode: polled again within a grace window);
//! - poll mode: a non-final status is queried again on the poll schedule until it is final or
//!   the deadline comes, which returns the last order with `settled = false`.

mod certificates;
mod tokens;

pub(crate) use certificates::CertificateKeeper;
pub(crate) use tokens::TokenKeeper;

use std::sync::Arc;

use serde::Deserialize;

use crate::access_token::{AccessToken, TokenKind, ACCESS_TOKEN_MAX_LEN};
use crate::context::{Nonce, RequestContext, ResponseContext};
use crate::error::{Attempt, AttemptPurpose, HostRole, TransportFailure};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::notification::{HandledNotification, Notification, NotificationRejected};
use crate::notification_request::NotificationRequest;
use crate::order::OrderStatus;
use crate::platform_certificate::{CertificateDownload, PlatformCertificate};
use crate::provider_client::CertificatesAnswer;
use crate::query::Query;
use crate::registry::ProviderApi;
use crate::result::QueryResult;
use crate::secret::Secret;
use tokens::HeldToken;

/// Every flow's id, for the keepers' single-flight claims.
static NEXT_FLOW_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
/// A listing as a store keeps it: `{"downloaded_at_ms": N, "listing": "<WeChat Pay's body as
/// received>"}` (written and read through `serde_json::Value`: no derived code in the .wasm).
fn stored_listing(downloaded_at_ms: i64, listing: &[u8]) -> String {
    serde_json::json!({
        "downloaded_at_ms": downloaded_at_ms,
        "listing": String::from_utf8_lossy(listing),
    })
    .to_string()
}

/// Defaults (QUERY-FLOW.md §3): every one is an option.
const DEFAULT_TIMEOUT_MS: u64 = 10_000;
const DEFAULT_DEADLINE_MS: u64 = 30_000;
const DEFAULT_POLL_DEADLINE_MS: u64 = 600_000;
const DEFAULT_MAX_ATTEMPTS: u32 = 4;
const DEFAULT_NOT_FOUND_GRACE_MS: u64 = 30_000;
/// WeChat's guidance for an unknown outcome: query within the first minute, then keep going.
const DEFAULT_POLL_INTERVALS_MS: [u64; 5] = [5_000, 10_000, 20_000, 30_000, 60_000];
/// How often a flow waiting for another flow's token fetch or certificate download looks again.
const KEEPER_WAIT_MS: i64 = 20;
/// How long a process waits for another process's certificate download (the store's lock is
/// taken) before it reads the store again.
const FLEET_DOWNLOAD_WAIT_MS: i64 = 500;
/// Transport failures: at most this many retries (the failover counts as one).
const MAX_TRANSPORT_RETRIES: u32 = 2;
/// Server-side errors: at most this many attempts in all.
const MAX_SERVER_ATTEMPTS: u32 = 3;
/// The kind a driver replies for a store step that outlived its timeout.
const STORE_TIMEOUT: &str = "Timeout";
/// The longest `Retry-After` honoured; a longer one is a reason to stop, not to wait.
const MAX_RETRY_AFTER_MS: i64 = 60_000;

/// A notification flow's request timeout and deadline unless the options set them
/// (milliseconds): WeChat Pay waits 5 s for the reply.
pub(crate) const NOTIFICATION_TIMEOUT_MS: i64 = 3_000;
/// See [`NOTIFICATION_TIMEOUT_MS`].
pub(crate) const NOTIFICATION_DEADLINE_MS: i64 = 4_000;

/// How one query runs. Every field is optional; `None` is the documented default. (It reads
/// from JSON too, `{"timeout_ms": 500, "poll": true, …}`, for hosts that pass it as text.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct QueryOptions {
    /// Per-request timeout in milliseconds (default 10 000).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub timeout_ms: Option<i64>,
    /// The whole query's deadline in milliseconds from its start (default 30 000; poll mode
    /// 600 000).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub deadline_ms: Option<i64>,
    /// At most this many requests per query (poll mode: per poll; default 4).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub max_attempts: Option<i32>,
    /// Query again until the order's status is final (not `PENDING`, `PAYING`, `REFUNDING`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub poll: bool,
    /// Waits between polls in milliseconds, the last repeated (default 5 s, 10 s, 20 s, 30 s,
    /// then every 60 s).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub poll_intervals_ms: Option<Vec<i64>>,
    /// Poll mode: how long `ORDER_NOT_FOUND` is polled again, from the start (default 30 000;
    /// an order can appear late).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub not_found_grace_ms: Option<i64>,
    /// The host plugs in a token store (Mini Program tokens shared across processes): the
    /// flow then also emits `Store` steps.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub token_store: bool,
}

#[derive(Debug, Clone)]
struct Resolved {
    timeout_ms: u64,
    max_attempts: u32,
    poll: bool,
    poll_intervals_ms: Vec<u64>,
    not_found_grace_ms: u64,
    token_store: bool,
}

impl QueryOptions {
    fn resolve(&self) -> Result<(Resolved, u64)> {
        // Signed (Java has no unsigned types): a negative value is refused like a zero.
        let ms = |field: &str, value: Option<i64>, default: u64, max: u64| {
            let v = value.map_or(Ok(default), u64::try_from).unwrap_or(0);
            if v == 0 || v > max {
                return Err(Error::invalid_input(
                    field,
                    format!("`{field}` must be from 1 to {max} milliseconds"),
                ));
            }
            Ok(v)
        };
        let day = 86_400_000;
        let timeout_ms = ms("timeout_ms", self.timeout_ms, DEFAULT_TIMEOUT_MS, 600_000)?;
        let default_deadline = if self.poll {
            DEFAULT_POLL_DEADLINE_MS
        } else {
            DEFAULT_DEADLINE_MS
        };
        let deadline_ms = ms("deadline_ms", self.deadline_ms, default_deadline, day)?;
        let max_attempts = self
            .max_attempts
            .map_or(Ok(DEFAULT_MAX_ATTEMPTS), u32::try_from)
            .unwrap_or(0);
        if !(1..=20).contains(&max_attempts) {
            return Err(Error::invalid_input(
                "max_attempts",
                "`max_attempts` must be from 1 to 20",
            ));
        }
        let poll_intervals_ms = match &self.poll_intervals_ms {
            None => DEFAULT_POLL_INTERVALS_MS.to_vec(),
            Some(v) if v.is_empty() || v.len() > 32 => {
                return Err(Error::invalid_input(
                    "poll_intervals_ms",
                    "`poll_intervals_ms` must hold 1 to 32 waits",
                ))
            }
            Some(v) => v
                .iter()
                .map(|i| ms("poll_intervals_ms", Some(*i), 0, day))
                .collect::<Result<_>>()?,
        };
        let not_found_grace_ms = match self.not_found_grace_ms {
            Some(0) => 0,
            other => ms("not_found_grace_ms", other, DEFAULT_NOT_FOUND_GRACE_MS, day)?,
        };
        Ok((
            Resolved {
                timeout_ms,
                max_attempts,
                poll: self.poll,
                poll_intervals_ms,
                not_found_grace_ms,
                token_store: self.token_store,
            },
            deadline_ms,
        ))
    }
}

/// What the host does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send `request` with this timeout, then report with [`QueryFlow::receive`].
    Send {
        /// The request, exactly as it is to be sent.
        request: HttpRequest,
        /// Give up on it after this many milliseconds (already capped by the deadline).
        timeout_ms: u64,
        /// Read at most this many bytes of the answer's body, plus one: the core refuses a
        /// larger body anyway, so a host need not buffer more.
        max_body_bytes: usize,
    },
    /// Wait until this Unix time in milliseconds, then call [`QueryFlow::next`] again.
    Sleep {
        /// When to call `next` again.
        until_ms: i64,
    },
    /// Ask the host's token store, then report with [`QueryFlow::store_reply`].
    Store {
        /// What to do.
        request: StoreRequest,
        /// Give up on the store after this many milliseconds and reply
        /// [`StoreReply::Failed`] (kind `Timeout`): a store that hangs (Redis down, a client
        /// retrying its connection) must not hold the query past its request timeout or its
        /// deadline, whichever comes first.
        timeout_ms: u64,
    },
    /// Finished: [`QueryFlow::result`] has the answer or the error.
    Done,
}

/// A token-store operation (QUERY-FLOW.md §5), for tokens shared across processes. Values are
/// opaque text to the store (they hold the token: keep them as secret as the token).
#[derive(Clone, PartialEq, Eq)]
pub enum StoreRequest {
    /// Read `key`: reply `Loaded`.
    Load {
        /// The key.
        key: String,
    },
    /// Take a short lock on `key` (e.g. Redis `SET key:lock NX PX ttl`), so that one process
    /// of a fleet fetches the token: reply `Locked`. A store without locks replies `true`.
    Lock {
        /// The key.
        key: String,
        /// How long the lock may live, in milliseconds.
        ttl_ms: u64,
    },
    /// Write `value` under `key`, to live `ttl_ms`: reply `Done`.
    Save {
        /// The key.
        key: String,
        /// The value.
        value: Secret,
        /// Its lifetime in milliseconds.
        ttl_ms: u64,
    },
    /// Delete `key` if it still holds exactly `value` (compare-and-delete): reply `Done`.
    Invalidate {
        /// The key.
        key: String,
        /// The value to compare with.
        value: Secret,
    },
}

impl std::fmt::Debug for StoreRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreRequest::Load { key } => write!(f, "Load({key})"),
            StoreRequest::Lock { key, ttl_ms } => write!(f, "Lock({key}, {ttl_ms} ms)"),
            StoreRequest::Save { key, ttl_ms, .. } => {
                write!(f, "Save({key}, [redacted], {ttl_ms} ms)")
            }
            StoreRequest::Invalidate { key, .. } => write!(f, "Invalidate({key}, [redacted])"),
        }
    }
}

/// The host's answer to a [`StoreRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreReply {
    /// `Load`'s answer: the value, or none.
    Loaded(Option<Secret>),
    /// `Lock`'s answer: whether this process holds the lock.
    Locked(bool),
    /// `Save` / `Invalidate` done.
    Done,
    /// The store failed: the flow carries on without it for this step, and records a `store`
    /// attempt so that the failure is seen.
    Failed {
        /// The kind of error the store raised: the host's exception class name (`TypeError`,
        /// `ConnectionError`, `RedisException`). Never its message, which may quote a value;
        /// the core keeps at most 64 characters of `[A-Za-z0-9_.:$-]` of it.
        kind: String,
    },
}

/// The host's answer to a `Send` step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// An HTTP answer, whatever its status.
    Response(HttpResponse),
    /// No complete answer: how it failed, and the host's description (credentials in it are
    /// redacted before it goes into an error message).
    Failed {
        /// The host's classification of its own error.
        kind: TransportFailure,
        /// The host's error message.
        detail: String,
    },
}

#[derive(Debug, Clone)]
enum Next {
    /// Build the query (fresh time and nonce) and send it to the current host.
    Query,
    /// Send this request as it is (a failover).
    Resend(HttpRequest, SendPurpose),
    /// Get a token: from the keeper, the store, or a fetch.
    Token { force: bool },
    /// Save the token just fetched to the store, then query.
    SaveToken(Secret, u64),
    /// Delete a rejected token from the store, then get another.
    InvalidateStored(Secret),
    /// Download platform certificates (`on_demand`: for an answer signed by an unknown
    /// certificate, which is verified again afterwards).
    Certificates { on_demand: bool },
    /// Save a downloaded listing to the store, then do `then`.
    SaveCertificates(Secret, u64, Box<Next>),
    /// Verify the held query answer again (after certificates came, or while another flow
    /// downloads them).
    Reverify { allow_on_demand: bool },
    /// Check the notification this flow handles (again after certificates came, or while
    /// another flow downloads them).
    Notification { allow_on_demand: bool },
    /// Wait, then do `then`.
    Wait { until_ms: i64, then: Box<Next> },
    /// The outcome is set.
    Finish,
}

/// What a request is for: an [`AttemptPurpose`] that an HTTP request can have (a `store`
/// attempt is no request), so the flow cannot send one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SendPurpose {
    Query,
    Token,
    Certificates { on_demand: bool },
}

impl From<SendPurpose> for AttemptPurpose {
    fn from(purpose: SendPurpose) -> Self {
        match purpose {
            SendPurpose::Query => AttemptPurpose::Query,
            SendPurpose::Token => AttemptPurpose::Token,
            SendPurpose::Certificates { .. } => AttemptPurpose::Certificates,
        }
    }
}

#[derive(Debug)]
struct Pending {
    purpose: SendPurpose,
    host: HostRole,
    request: HttpRequest,
    started_ms: i64,
    /// The limit the host was given: a timeout's message says it, in every language alike.
    timeout_ms: u64,
    forced: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoreWait {
    Load,
    LoadCertificates,
    Lock,
    LockCertificates,
    Write,
}

/// The store operation awaiting its reply: which reply it takes, when it was asked and what
/// (`get <key>`), for the attempt a failure records.
#[derive(Debug)]
struct StoreAsked {
    wait: StoreWait,
    asked_ms: i64,
    operation: String,
}

/// One query in progress. Drop it to cancel: it holds nothing but memory.
#[derive(Debug)]
pub struct QueryFlow {
    /// The client's provider, shared with it (keys parsed once).
    api: Arc<dyn ProviderApi>,
    /// The client's access tokens, shared by all its queries (providers with tokens only).
    tokens: Option<Arc<TokenKeeper>>,
    /// The client's certificate schedule (a client that downloads certificates only).
    certificates: Option<Arc<CertificateKeeper>>,
    /// An explicit download (`Client::start_certificate_download`), not a query: its answer
    /// is `download`.
    download_only: bool,
    download: Option<CertificateDownload>,
    /// The scheduled certificate check ran (once per flow).
    certificates_checked: bool,
    /// The store was asked for a listing (again after a refused lock).
    certificates_store_checked: bool,
    /// The store was asked for the download lock (once per flow).
    certificates_store_locked: bool,
    /// Why this flow's certificate download failed, for the message of an answer that then
    /// could not be verified (a wrong `api_v3_key` shows here, not as "unknown serial").
    certificate_failure: Option<Error>,
    /// A query answer held while certificates are fetched for it, with the index of its
    /// attempt (amended if it verifies after all).
    held_answer: Option<(Pending, HttpResponse, usize)>,
    id: u64,
    /// The order asked for (`None` for an explicit certificate download or a notification).
    query: Option<Query>,
    /// The notification this flow handles (`Client::start_notification`), and its outcome.
    notification: Option<NotificationRequest>,
    notification_outcome: Option<Result<Notification>>,
    opts: Resolved,
    started_ms: i64,
    deadline_ms: i64,
    attempts: Vec<Attempt>,
    next: Next,
    pending: Option<Pending>,
    store_wait: Option<StoreAsked>,
    failed_over: bool,
    round_sends: u32,
    transport_retries: u32,
    server_errors: u32,
    rate_waits: u32,
    token: Option<HeldToken>,
    rejected_token: Option<Secret>,
    token_retried: bool,
    store_checked: bool,
    store_locked: bool,
    last_error: Option<Error>,
    last_result: Option<QueryResult>,
    poll_round: usize,
    jitter: u8,
    outcome: Option<Result<QueryResult>>,
    /// Every credential the flow has put into a request (URL token, `AppSecret`,
    /// `Authorization`, a token request's secret), longest first, for [`QueryFlow::redact`].
    sent_credentials: Vec<Secret>,
}

impl Drop for QueryFlow {
    fn drop(&mut self) {
        // A flow dropped while fetching a token or certificates must not keep the others
        // waiting.
        if let Some(keeper) = self.tokens.as_deref() {
            keeper.release(self.id);
        }
        if let Some(keeper) = self.certificates.as_deref() {
            keeper.release(self.id);
        }
    }
}

impl QueryFlow {
    pub(crate) fn start(
        api: Arc<dyn ProviderApi>,
        keepers: (Option<Arc<TokenKeeper>>, Option<Arc<CertificateKeeper>>),
        query: Option<Query>,
        options: &QueryOptions,
        now_ms: i64,
    ) -> Result<QueryFlow> {
        check_now_ms(now_ms)?;
        let (opts, deadline) = options.resolve()?;
        let (tokens, certificates) = keepers;
        let id = NEXT_FLOW_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // `None`: an explicit certificate download (the client checked it has a source).
        let download_only = query.is_none();
        Ok(QueryFlow {
            api,
            tokens,
            certificates,
            download_only,
            download: None,
            certificates_checked: download_only,
            certificates_store_checked: download_only,
            certificates_store_locked: download_only,
            held_answer: None,
            certificate_failure: None,
            id,
            query,
            notification: None,
            notification_outcome: None,
            opts,
            started_ms: now_ms,
            deadline_ms: now_ms.saturating_add(i64::try_from(deadline).unwrap_or(i64::MAX)),
            attempts: Vec::new(),
            next: if download_only {
                Next::Certificates { on_demand: false }
            } else {
                Next::Query
            },
            pending: None,
            store_wait: None,
            failed_over: false,
            round_sends: 0,
            transport_retries: 0,
            server_errors: 0,
            rate_waits: 0,
            token: None,
            rejected_token: None,
            token_retried: false,
            store_checked: false,
            store_locked: false,
            last_error: None,
            last_result: None,
            poll_round: 0,
            jitter: 0,
            outcome: None,
            sent_credentials: Vec::new(),
        })
    }

    /// A flow that handles one notification: it checks it, and when WeChat Pay signed it
    /// with a certificate the client does not hold, downloads certificates (the keeper's
    /// on-demand download: once per client per minute) and checks the same notification
    /// again. Nothing else is sent.
    pub(crate) fn start_notification(
        api: Arc<dyn ProviderApi>,
        certificates: Option<Arc<CertificateKeeper>>,
        request: NotificationRequest,
        options: &QueryOptions,
        now_ms: i64,
    ) -> Result<QueryFlow> {
        // WeChat Pay waits 5 s for the reply: unless the host says otherwise, a download for
        // an unknown serial gets 3 s and the whole notification 4 s, leaving the host time to
        // store it and answer.
        let options = QueryOptions {
            timeout_ms: options.timeout_ms.or(Some(NOTIFICATION_TIMEOUT_MS)),
            deadline_ms: options.deadline_ms.or(Some(NOTIFICATION_DEADLINE_MS)),
            ..options.clone()
        };
        let mut flow = QueryFlow::start(api, (None, certificates), None, &options, now_ms)?;
        flow.download_only = false;
        flow.notification = Some(request);
        flow.next = Next::Notification {
            allow_on_demand: true,
        };
        Ok(flow)
    }

    /// The requests made so far.
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// True once the flow has finished (`next` returns `Done`).
    pub fn is_done(&self) -> bool {
        matches!(self.next, Next::Finish)
    }

    /// What to do next, at `now_ms` (Unix milliseconds, the host's clock). `random`: 32 bytes
    /// of the host's CSPRNG, used for a new request's nonce and for back-off jitter.
    pub fn next(&mut self, now_ms: i64, random: &[u8; 32]) -> Step {
        if self.pending.is_some() || self.store_wait.is_some() {
            return self.fail(Error::invalid_input(
                "flow",
                "the flow is waiting for the reply to its last step (receive / store_reply), not for next",
            ));
        }
        if let Err(e) = check_now_ms(now_ms) {
            return self.fail(e);
        }
        self.jitter = random[0];
        loop {
            match std::mem::replace(&mut self.next, Next::Finish) {
                Next::Finish => {
                    self.next = Next::Finish;
                    return Step::Done;
                }
                Next::Wait { until_ms, then } => {
                    if now_ms < until_ms {
                        self.next = Next::Wait { until_ms, then };
                        return Step::Sleep { until_ms };
                    }
                    self.next = *then;
                }
                // Before the deadline check: verifying an answer already in hand needs no I/O,
                // and one whose certificates came (or did not) at the deadline must end as what
                // it is — the order, or `SIGNATURE_INVALID` — never as a retryable timeout.
                Next::Reverify { allow_on_demand } => match self.held_answer.take() {
                    Some((pending, response, index)) => {
                        self.on_query_answer(pending, response, index, allow_on_demand, now_ms);
                    }
                    None => self.finish(Err(Error::invalid_input(
                        "flow",
                        "no answer is held to verify again",
                    ))),
                },
                // Before the deadline check too, for the same reason.
                Next::Notification { allow_on_demand } => {
                    self.on_notification(allow_on_demand, now_ms);
                }
                _ if now_ms >= self.deadline_ms => self.stop_at_deadline(),
                Next::Query => {
                    if self.tokens.as_deref().is_some() && self.token.is_none() {
                        self.next = Next::Token { force: false };
                        continue;
                    }
                    if !self.certificates_checked {
                        if let Some(next) = self.scheduled_certificates(now_ms) {
                            self.next = next;
                            continue;
                        }
                    }
                    let ctx = RequestContext::new(now_ms / 1000, Nonce::from_random_bytes(random));
                    let token = self.token.as_ref().map(|t| &t.token.access_token);
                    let Some(query) = self.query.as_ref() else {
                        self.finish(Err(Error::invalid_input("query", "this flow has no query")));
                        continue;
                    };
                    match self.api.build_query(query, &ctx, token) {
                        Ok(request) => {
                            let request = self.on_current_host(request);
                            return self.send(request, SendPurpose::Query, false, now_ms);
                        }
                        Err(e) => self.finish(Err(e)),
                    }
                }
                Next::Resend(request, purpose) => {
                    return self.send(request, purpose, false, now_ms);
                }
                Next::Token { force } => {
                    if let Some(step) = self.next_for_token(force, now_ms) {
                        return step;
                    }
                }
                Next::SaveToken(value, ttl_ms) => {
                    self.next = Next::Query;
                    let key = self.store_key();
                    return self.ask_store(StoreRequest::Save { key, value, ttl_ms }, now_ms);
                }
                Next::Certificates { on_demand } => {
                    if let Some(step) = self.next_for_certificates(on_demand, now_ms, random) {
                        return step;
                    }
                }
                Next::SaveCertificates(value, ttl_ms, then) => {
                    self.next = *then;
                    let key = self
                        .api
                        .certificates()
                        .map(|s| s.store_key())
                        .unwrap_or_default();
                    return self.ask_store(StoreRequest::Save { key, value, ttl_ms }, now_ms);
                }
                Next::InvalidateStored(value) => {
                    self.next = Next::Token { force: false };
                    let key = self.store_key();
                    return self.ask_store(StoreRequest::Invalidate { key, value }, now_ms);
                }
            }
        }
    }

    /// The token step: the keeper's fresh token, else the store's, else one fetch for the
    /// whole client (the others wait). `None`: `self.next` was set, go round again.
    fn next_for_token(&mut self, force: bool, now_ms: i64) -> Option<Step> {
        let Some(keeper) = self.tokens.as_deref() else {
            self.finish(Err(Error::invalid_config(
                "provider",
                "this provider has no access tokens",
            )));
            return None;
        };
        if !force {
            if let Some(held) = keeper.fresh(now_ms / 1000) {
                self.token = Some(held);
                self.next = Next::Query;
                return None;
            }
        }
        let Some(source) = self.api.tokens().filter(|s| s.can_fetch()) else {
            // A fixed token that was rejected, or none at all, and no credentials to get one.
            let e = self.last_error.take().unwrap_or_else(|| {
                Error::invalid_config(
                    "access_token",
                    "this config has no `access_token` and no `appid` + `app_secret` to fetch one",
                )
            });
            self.finish(Err(e));
            return None;
        };
        if self.opts.token_store && !force && !self.store_checked {
            self.store_checked = true;
            self.next = Next::Token { force };
            let key = self.store_key();
            return Some(self.ask_store(StoreRequest::Load { key }, now_ms));
        }
        let stale = self.claim_stale_ms();
        if !keeper.claim(self.id, now_ms, stale) {
            self.wait_then(now_ms.saturating_add(KEEPER_WAIT_MS), Next::Token { force });
            return None;
        }
        if self.opts.token_store && !self.store_locked {
            self.store_locked = true;
            self.next = Next::Token { force };
            let (key, ttl_ms) = (self.store_key(), u64::try_from(stale).unwrap_or(u64::MAX));
            return Some(self.ask_store(StoreRequest::Lock { key, ttl_ms }, now_ms));
        }
        match source.token_request(TokenKind::Stable, force) {
            Ok(request) => {
                let request = self.on_current_host(request);
                Some(self.send(request, SendPurpose::Token, force, now_ms))
            }
            Err(e) => {
                keeper.release(self.id);
                self.finish(Err(e));
                None
            }
        }
    }

    /// Reports the answer to the last `Send` (or that none came), at `now_ms`.
    pub fn receive(&mut self, reply: Reply, now_ms: i64) -> Result<()> {
        let Some(pending) = self.pending.take() else {
            return Err(Error::invalid_input(
                "reply",
                "no request is waiting for a reply: call next first",
            ));
        };
        check_now_ms(now_ms)?;
        match reply {
            Reply::Failed { kind, detail } => {
                let detail = self.redact(&detail);
                let error = if kind == TransportFailure::Timeout {
                    let limit = pending.timeout_ms;
                    Error::network(
                        kind,
                        &format!("no complete answer within {limit} ms ({detail})"),
                    )
                } else {
                    Error::network(kind, &detail)
                };
                self.record(&pending, None, Some(&error), Some(kind), now_ms);
                if pending.purpose == SendPurpose::Token {
                    self.release_token_claim();
                }
                if let SendPurpose::Certificates { on_demand } = pending.purpose {
                    self.on_certificates_failure(error, on_demand, now_ms);
                    return Ok(());
                }
                self.last_error = Some(error);
                self.on_transport_failure(pending, now_ms);
            }
            Reply::Response(response) => match pending.purpose {
                SendPurpose::Token => self.on_token_answer(pending, &response, now_ms),
                SendPurpose::Query => {
                    self.record(&pending, Some(response.status), None, None, now_ms);
                    let index = self.attempts.len().saturating_sub(1);
                    self.on_query_answer(pending, response, index, true, now_ms);
                }
                SendPurpose::Certificates { on_demand } => {
                    self.on_certificates_answer(&pending, &response, on_demand, now_ms);
                }
            },
        }
        Ok(())
    }

    /// Reports the store's answer to the last `Store` step.
    pub fn store_reply(&mut self, reply: StoreReply, now_ms: i64) -> Result<()> {
        let Some(StoreAsked {
            wait,
            asked_ms,
            operation,
        }) = self.store_wait.take()
        else {
            return Err(Error::invalid_input(
                "reply",
                "no store operation is waiting for a reply: call next first",
            ));
        };
        check_now_ms(now_ms)?;
        match (wait, reply) {
            (StoreWait::Load, StoreReply::Loaded(Some(value))) => {
                if let (Some(token), Some(keeper)) =
                    (token_from_store(&value), self.tokens.as_deref())
                {
                    let held = HeldToken {
                        token,
                        stored: Some(value),
                    };
                    let rejected = self
                        .rejected_token
                        .as_ref()
                        .is_some_and(|r| r.expose() == held.token.access_token.expose());
                    if held.fresh(now_ms / 1000) && !rejected {
                        keeper.put(self.id, held);
                    }
                }
            }
            (StoreWait::LoadCertificates, StoreReply::Loaded(Some(value))) => {
                self.accept_stored_certificates(&value, now_ms);
            }
            (StoreWait::LockCertificates, StoreReply::Locked(false)) => {
                // Another process of the fleet is downloading: wait a moment, read the store
                // again, and download only if it still has nothing (one wait, never a queue).
                self.certificates_store_checked = false;
                let then = std::mem::replace(&mut self.next, Next::Finish);
                self.wait_then(now_ms.saturating_add(FLEET_DOWNLOAD_WAIT_MS), then);
            }
            (StoreWait::Lock, StoreReply::Locked(false)) => {
                // Another process is fetching: wait, then read the store again.
                self.release_token_claim();
                self.store_checked = false;
                self.store_locked = false;
                let then = std::mem::replace(&mut self.next, Next::Finish);
                self.wait_then(now_ms.saturating_add(KEEPER_WAIT_MS * 5), then);
            }
            (_, StoreReply::Failed { kind }) => {
                // A store that did not answer in time is given up for the rest of this query:
                // each further step would cost another timeout, and three of them use up the
                // deadline before the query is sent. (One that fails fast is asked again.)
                if kind == STORE_TIMEOUT {
                    self.opts.token_store = false;
                }
                self.attempts.push(Attempt {
                    purpose: AttemptPurpose::Store,
                    host: HostRole::TokenStore,
                    url: format!("token-store:{operation}"),
                    http_status: None,
                    error: None,
                    transport: None,
                    duration_ms: elapsed_ms(asked_ms, now_ms),
                    store_error: Some(store_error_kind(&kind)),
                });
            }
            (StoreWait::Load | StoreWait::LoadCertificates, StoreReply::Loaded(None))
            | (StoreWait::Lock | StoreWait::LockCertificates, StoreReply::Locked(true))
            | (StoreWait::Write, StoreReply::Done) => {}
            (wait, reply) => {
                return Err(Error::invalid_input(
                    "reply",
                    format!("{reply:?} does not answer the store's {wait:?} step"),
                ))
            }
        }
        Ok(())
    }

    /// The answer (with its attempts), or the error (with its attempts). Once.
    pub fn result(&mut self) -> Result<QueryResult> {
        if self.notification.is_some() {
            return Err(Error::invalid_input(
                "flow",
                "this flow handles a notification: its answer is `notification_result`",
            ));
        }
        self.outcome.take().unwrap_or_else(|| {
            Err(Error::invalid_input(
                "flow",
                if self.is_done() {
                    "the result was already taken"
                } else {
                    "the flow has not finished: call next until it says Done"
                },
            ))
        })
    }

    /// `text` (a host's error message, before it is logged or chained as a cause) with every
    /// credential this flow has sent replaced by `[redacted]`: an HTTP client that quotes the
    /// URL it failed on quotes a Mini Program's access token, one that quotes its request's
    /// headers the vending `AppSecret` or WeChat Pay's `Authorization`, one that quotes a token
    /// request's body the `app_secret`. Unchanged when it holds none.
    pub fn redact(&self, text: &str) -> String {
        // A URL's `access_token` / `secret` value is among the credentials sent, so a quoted
        // URL comes out as its redacted form (`access_token=[redacted]`).
        let mut out = text.to_owned();
        if let Some(t) = &self.token {
            let token = t.token.access_token.expose();
            if !token.is_empty() {
                out = out.replace(token, "[redacted]");
            }
        }
        for credential in &self.sent_credentials {
            out = out.replace(credential.expose(), "[redacted]");
        }
        out
    }

    fn store_key(&self) -> String {
        self.api.tokens().map(|s| s.store_key()).unwrap_or_default()
    }

    fn release_token_claim(&self) {
        if let Some(keeper) = self.tokens.as_deref() {
            keeper.release(self.id);
        }
    }

    fn on_current_host(&self, request: HttpRequest) -> HttpRequest {
        if self.failed_over {
            if let Some(backup) = self.api.hosts().to_backup(&request) {
                return backup;
            }
        }
        request
    }

    fn host(&self) -> HostRole {
        if self.failed_over {
            HostRole::Backup
        } else {
            HostRole::Main
        }
    }

    fn send(
        &mut self,
        request: HttpRequest,
        purpose: SendPurpose,
        forced: bool,
        now_ms: i64,
    ) -> Step {
        // A certificate download is not one of the query's attempts: `max_attempts: 1` still
        // sends the query after the first download.
        let counted = !matches!(purpose, SendPurpose::Certificates { .. });
        if counted && self.round_sends >= self.opts.max_attempts {
            let e = self
                .last_error
                .take()
                .unwrap_or_else(|| Error::invalid_input("max_attempts", "no attempt was allowed"));
            self.finish(Err(e));
            return Step::Done;
        }
        if counted {
            self.round_sends += 1;
        }
        let timeout_ms = self.request_timeout_ms(now_ms);
        for credential in request.credentials() {
            if !self
                .sent_credentials
                .iter()
                .any(|c| c.expose() == credential)
            {
                self.sent_credentials.push(Secret::new(credential));
            }
        }
        // Longest first: a credential that contains another is replaced whole.
        self.sent_credentials
            .sort_by_key(|c| std::cmp::Reverse(c.expose().len()));
        self.pending = Some(Pending {
            purpose,
            host: self.host(),
            request: request.clone(),
            started_ms: now_ms,
            timeout_ms,
            forced,
        });
        Step::Send {
            request,
            timeout_ms,
            max_body_bytes: self.api.max_body_bytes(),
        }
    }

    fn record(
        &mut self,
        pending: &Pending,
        http_status: Option<u16>,
        error: Option<&Error>,
        transport: Option<TransportFailure>,
        now_ms: i64,
    ) {
        self.attempts.push(Attempt {
            purpose: pending.purpose.into(),
            host: pending.host,
            url: pending.request.redacted().url,
            http_status: http_status.map(i32::from),
            error: error.map(Error::code),
            transport,
            duration_ms: elapsed_ms(pending.started_ms, now_ms),
            store_error: None,
        });
    }

    /// How long the host may take for the next step's I/O: the request timeout, capped by what
    /// is left of the deadline (at least 1 ms).
    fn request_timeout_ms(&self, now_ms: i64) -> u64 {
        let left = u64::try_from(self.deadline_ms.saturating_sub(now_ms)).unwrap_or(0);
        self.opts.timeout_ms.min(left.max(1))
    }

    /// Emits a `Store` step and remembers what it asked, for the attempt a failure records.
    /// A store step (the token's).
    fn ask_store(&mut self, request: StoreRequest, now_ms: i64) -> Step {
        self.ask_store_for(request, false, now_ms)
    }

    /// A store step; `certificates`: a certificate listing's Load or Lock, whose replies are
    /// handled apart from the token's.
    fn ask_store_for(&mut self, request: StoreRequest, certificates: bool, now_ms: i64) -> Step {
        let (wait, operation) = match &request {
            StoreRequest::Load { key } if certificates => {
                (StoreWait::LoadCertificates, format!("get {key}"))
            }
            StoreRequest::Lock { key, .. } if certificates => {
                (StoreWait::LockCertificates, format!("lock {key}"))
            }
            StoreRequest::Load { key } => (StoreWait::Load, format!("get {key}")),
            StoreRequest::Lock { key, .. } => (StoreWait::Lock, format!("lock {key}")),
            StoreRequest::Save { key, .. } => (StoreWait::Write, format!("put {key}")),
            StoreRequest::Invalidate { key, .. } => (StoreWait::Write, format!("invalidate {key}")),
        };
        self.store_wait = Some(StoreAsked {
            wait,
            asked_ms: now_ms,
            operation,
        });
        Step::Store {
            request,
            timeout_ms: self.request_timeout_ms(now_ms),
        }
    }

    fn finish(&mut self, outcome: Result<QueryResult>) {
        let attempts = self.attempts.clone();
        self.outcome = Some(match outcome {
            Ok(mut result) => {
                result.attempts = attempts;
                Ok(result)
            }
            Err(e) => Err(e.with_attempts(attempts)),
        });
        self.next = Next::Finish;
        self.release_token_claim();
        if let Some(keeper) = self.certificates.as_deref() {
            keeper.release(self.id);
        }
    }

    fn fail(&mut self, error: Error) -> Step {
        self.pending = None;
        self.store_wait = None;
        self.finish(Err(error));
        Step::Done
    }

    /// The deadline came: poll mode returns the last order, unsettled; otherwise the last
    /// error (a transport failure is already a `NETWORK_ERROR`).
    fn stop_at_deadline(&mut self) {
        if let Some(mut last) = self.last_result.take() {
            last.settled = false;
            return self.finish(Ok(last));
        }
        let e = self.last_error.take().unwrap_or_else(|| {
            Error::network(
                TransportFailure::Timeout,
                "the query's deadline passed before an answer came",
            )
        });
        self.finish(Err(e));
    }

    /// Schedules `then` at `until_ms`; a wait that would end past the deadline is not worth
    /// starting, so the flow stops now instead.
    fn wait_then(&mut self, until_ms: i64, then: Next) {
        if until_ms >= self.deadline_ms {
            return self.stop_at_deadline();
        }
        if self.round_sends >= self.opts.max_attempts {
            // No attempt is left to wait for.
            let e = self
                .last_error
                .take()
                .unwrap_or_else(|| Error::invalid_input("max_attempts", "no attempt was allowed"));
            return self.finish(Err(e));
        }
        self.next = Next::Wait {
            until_ms,
            then: Box::new(then),
        };
    }

    /// `base · 2ⁿ`, plus up to a quarter more from the host's random byte.
    fn backoff(&self, base_ms: i64, n: u32) -> i64 {
        let delay = base_ms.saturating_mul(1_i64 << n.min(16));
        delay.saturating_add(delay / 4 * i64::from(self.jitter) / 255)
    }

    fn retry_of(purpose: SendPurpose) -> Next {
        match purpose {
            SendPurpose::Query => Next::Query,
            SendPurpose::Token => Next::Token { force: false },
            SendPurpose::Certificates { on_demand } => Next::Certificates { on_demand },
        }
    }

    fn failover(&mut self, pending: Pending) -> bool {
        if self.failed_over {
            return false;
        }
        let Some(backup) = self.api.hosts().to_backup(&pending.request) else {
            return false;
        };
        self.failed_over = true;
        self.next = Next::Resend(backup, pending.purpose);
        true
    }

    fn on_transport_failure(&mut self, pending: Pending, now_ms: i64) {
        if self.transport_retries >= MAX_TRANSPORT_RETRIES {
            let e = self.last_error.take();
            return self.finish(Err(
                e.unwrap_or_else(|| Error::network(TransportFailure::Other, "no answer"))
            ));
        }
        self.transport_retries += 1;
        let purpose = pending.purpose;
        if !self.failover(pending) {
            let wait = self.backoff(500, self.transport_retries - 1);
            self.wait_then(now_ms.saturating_add(wait), Self::retry_of(purpose));
        }
    }

    fn on_result(&mut self, result: QueryResult, now_ms: i64) {
        let pending = matches!(
            result.order.status,
            OrderStatus::Pending | OrderStatus::Paying | OrderStatus::Refunding
        );
        if self.opts.poll && pending {
            self.last_result = Some(result);
            self.last_error = None;
            self.schedule_poll(now_ms);
        } else {
            self.finish(Ok(result));
        }
    }

    /// When the next poll would be.
    fn next_poll_at(&self, now_ms: i64) -> i64 {
        let intervals = &self.opts.poll_intervals_ms;
        let wait = intervals
            .get(self.poll_round.min(intervals.len().saturating_sub(1)))
            .copied()
            .unwrap_or(DEFAULT_POLL_INTERVALS_MS[0]);
        now_ms.saturating_add(i64::try_from(wait).unwrap_or(i64::MAX))
    }

    fn schedule_poll(&mut self, now_ms: i64) {
        let until = self.next_poll_at(now_ms);
        self.poll_round += 1;
        self.round_sends = 0;
        self.transport_retries = 0;
        self.server_errors = 0;
        self.rate_waits = 0;
        self.wait_then(until, Next::Query);
    }

    fn on_token_answer(&mut self, pending: Pending, response: &HttpResponse, now_ms: i64) {
        let Some(source) = self.api.tokens() else {
            return self.finish(Err(Error::invalid_config("provider", "no tokens")));
        };
        let ctx = ResponseContext::new(now_ms / 1000);
        let token = match source.parse_token_response(response, &ctx) {
            Ok(token) => token,
            Err(e) => {
                self.record(&pending, Some(response.status), Some(&e), None, now_ms);
                self.release_token_claim();
                return self.on_error(e, pending, response, now_ms);
            }
        };
        self.record(&pending, Some(response.status), None, None, now_ms);
        let same_as_rejected = self
            .rejected_token
            .as_ref()
            .is_some_and(|r| r.expose() == token.access_token.expose());
        if same_as_rejected {
            // WeChat hands back the same stable token until it expires: only a forced refresh
            // replaces a token it rejected, and that budget is small.
            let keeper = self.tokens.as_deref();
            if !pending.forced && keeper.is_some_and(|k| k.spend_force_refresh(now_ms)) {
                self.next = Next::Token { force: true };
                return;
            }
            self.release_token_claim();
            let e = self.last_error.take().unwrap_or_else(|| {
                Error::new(ErrorCode::TokenExpired, "the access token was rejected")
            });
            return self.finish(Err(e));
        }
        let stored = self.opts.token_store.then(|| token_for_store(&token));
        let ttl_ms =
            u64::try_from((token.expires_at.unix_seconds() - now_ms / 1000).saturating_mul(1000))
                .unwrap_or(0);
        let held = HeldToken {
            token,
            stored: stored.clone(),
        };
        if let Some(keeper) = self.tokens.as_deref() {
            keeper.put(self.id, held.clone());
        }
        self.token = Some(held);
        self.next = match stored {
            Some(value) => Next::SaveToken(value, ttl_ms),
            None => Next::Query,
        };
    }

    fn on_error(&mut self, e: Error, pending: Pending, response: &HttpResponse, now_ms: i64) {
        self.last_error = Some(e.clone());
        match e.code() {
            // Polled again only if the next poll falls within the grace window.
            ErrorCode::OrderNotFound
                if self.opts.poll
                    && self.next_poll_at(now_ms).saturating_sub(self.started_ms)
                        < i64::try_from(self.opts.not_found_grace_ms).unwrap_or(i64::MAX) =>
            {
                self.schedule_poll(now_ms);
            }
            ErrorCode::TokenExpired => self.on_token_rejected(e),
            ErrorCode::RateLimited if e.is_retryable() => {
                let advised = retry_after_ms(response);
                if advised.is_some_and(|ms| ms > MAX_RETRY_AFTER_MS) {
                    return self.finish(Err(e));
                }
                let wait = advised.unwrap_or_else(|| self.backoff(1000, self.rate_waits));
                self.rate_waits += 1;
                self.wait_then(now_ms.saturating_add(wait), Self::retry_of(pending.purpose));
            }
            ErrorCode::ProviderError if e.is_retryable() => {
                self.server_errors += 1;
                if self.server_errors >= MAX_SERVER_ATTEMPTS {
                    return self.finish(Err(e));
                }
                if e.backup_host_applies() && self.failover(pending) {
                    return;
                }
                let wait = self.backoff(1000, self.server_errors - 1);
                self.wait_then(now_ms.saturating_add(wait), Next::Query);
            }
            // Never retried, never failed over: a forged or stale answer (signature,
            // timestamp), one that does not decode, a bad input or config, a provider's
            // definite "no", a daily quota, not found outside the grace window.
            _ => self.finish(Err(e)),
        }
    }

    /// The answer of an explicit certificate download ([`crate::Client::start_certificate_download`]).
    pub fn certificates_result(&mut self) -> Result<CertificateDownload> {
        if let Some(download) = self.download.take() {
            return Ok(download);
        }
        match self.outcome.take() {
            Some(Err(e)) => Err(e),
            Some(Ok(_)) => Err(Error::invalid_input(
                "flow",
                "this flow is a query: its answer is `result`",
            )),
            None => Err(Error::invalid_input(
                "flow",
                if self.is_done() {
                    "the result was already taken"
                } else {
                    "the flow has not finished: call next until it says Done"
                },
            )),
        }
    }

    /// How long a download may claim the keeper before another flow takes over.
    fn claim_stale_ms(&self) -> i64 {
        i64::try_from(self.opts.timeout_ms)
            .unwrap_or(i64::MAX)
            .saturating_add(1000)
    }

    /// Before the query (once per flow): a download when one is due and this flow gets the
    /// claim; a short wait when another flow is making the first download (nothing is held
    /// yet to verify with); else nothing.
    fn scheduled_certificates(&mut self, now_ms: i64) -> Option<Next> {
        let (Some(source), Some(keeper)) = (self.api.certificates(), self.certificates.clone())
        else {
            self.certificates_checked = true;
            return None;
        };
        if !keeper.due(now_ms, source.refresh_ms()) {
            self.certificates_checked = true;
            return None;
        }
        let stale = self.claim_stale_ms();
        if keeper.claim(self.id, now_ms, stale) {
            self.certificates_checked = true;
            return Some(Next::Certificates { on_demand: false });
        }
        if source.holds_valid(now_ms / 1000) {
            // A refresh is under way elsewhere; the held set verifies meanwhile.
            self.certificates_checked = true;
            return None;
        }
        let until = now_ms.saturating_add(KEEPER_WAIT_MS);
        if until >= self.deadline_ms {
            self.certificates_checked = true;
            return None;
        }
        Some(Next::Wait {
            until_ms: until,
            then: Box::new(Next::Query),
        })
    }

    fn next_for_certificates(
        &mut self,
        on_demand: bool,
        now_ms: i64,
        random: &[u8; 32],
    ) -> Option<Step> {
        let Some(source) = self.api.certificates() else {
            self.finish(Err(Error::invalid_config(
                "api_v3_key",
                "this client downloads no platform certificates",
            )));
            return None;
        };
        // A fleet shares downloads through the store: a listing another process saved less
        // than a refresh interval ago is used instead of downloading (scheduled downloads
        // only; an unknown serial means the stored listing is not enough).
        if self.opts.token_store && !on_demand && !self.certificates_store_checked {
            self.certificates_store_checked = true;
            self.next = Next::Certificates { on_demand };
            let key = source.store_key();
            return Some(self.ask_store_for(StoreRequest::Load { key }, true, now_ms));
        }
        // And one process of the fleet downloads: the others wait for its listing (see
        // `store_reply`). Explicit downloads (a central job) always download.
        if self.opts.token_store && !on_demand && !self.certificates_store_locked {
            self.certificates_store_locked = true;
            self.next = Next::Certificates { on_demand };
            let (key, ttl_ms) = (
                source.store_key(),
                u64::try_from(self.claim_stale_ms()).unwrap_or(u64::MAX),
            );
            return Some(self.ask_store_for(StoreRequest::Lock { key, ttl_ms }, true, now_ms));
        }
        if self.download_only {
            if let Some(keeper) = self.certificates.as_deref() {
                keeper.claim(self.id, now_ms, i64::MAX);
            }
        }
        let ctx = RequestContext::new(now_ms / 1000, Nonce::from_random_bytes(random));
        match source.request(&ctx) {
            Ok(request) => {
                let request = self.on_current_host(request);
                Some(self.send(
                    request,
                    SendPurpose::Certificates { on_demand },
                    false,
                    now_ms,
                ))
            }
            Err(e) => {
                self.on_certificates_failure(e, on_demand, now_ms);
                None
            }
        }
    }

    /// What comes after a download, whatever its outcome: the query, or the held answer
    /// verified again.
    fn after_certificates(&self, on_demand: bool) -> Next {
        if self.notification.is_some() {
            Next::Notification {
                allow_on_demand: false,
            }
        } else if self.download_only {
            Next::Finish
        } else if on_demand {
            Next::Reverify {
                allow_on_demand: false,
            }
        } else {
            Next::Query
        }
    }

    fn on_certificates_answer(
        &mut self,
        pending: &Pending,
        response: &HttpResponse,
        on_demand: bool,
        now_ms: i64,
    ) {
        let api = self.api.clone();
        let Some(source) = api.certificates() else {
            return;
        };
        let ctx = ResponseContext::new(now_ms / 1000);
        match source.parse(response, &ctx) {
            Ok(answer) => {
                self.record(pending, Some(response.status), None, None, now_ms);
                let keeper = self.certificates.as_deref();
                let (held, save) = match answer {
                    CertificatesAnswer::Held(held) => {
                        if let Some(keeper) = keeper {
                            keeper.refreshed(self.id, now_ms);
                        }
                        (held, self.opts.token_store)
                    }
                    CertificatesAnswer::PublicKeyOnly => {
                        if let Some(keeper) = keeper {
                            keeper.public_key_only(self.id, now_ms);
                        }
                        (Vec::new(), false)
                    }
                };
                let then = self.after_certificates(on_demand);
                if self.download_only {
                    self.finish_download(held);
                }
                // What WeChat Pay sent, as received: every process that loads it decrypts and
                // checks it with its own APIv3 key.
                self.next = if save {
                    let value = stored_listing(now_ms, &response.body);
                    let ttl = u64::try_from(source.refresh_ms()).unwrap_or(u64::MAX);
                    Next::SaveCertificates(Secret::new(value), ttl, Box::new(then))
                } else {
                    then
                };
            }
            Err(e) => {
                self.record(pending, Some(response.status), Some(&e), None, now_ms);
                self.on_certificates_failure(e, on_demand, now_ms);
            }
        }
    }

    /// A download failed: the held set stays, and the query goes on (an explicit
    /// download reports the error).
    fn on_certificates_failure(&mut self, e: Error, on_demand: bool, now_ms: i64) {
        if let Some(keeper) = self.certificates.as_deref() {
            keeper.failed(self.id, now_ms);
        }
        if self.download_only {
            return self.finish(Err(e));
        }
        self.certificate_failure = Some(e);
        self.next = self.after_certificates(on_demand);
    }

    fn finish_download(&mut self, certificates: Vec<PlatformCertificate>) {
        self.download = Some(CertificateDownload {
            certificates,
            attempts: self.attempts.clone(),
        });
        self.next = Next::Finish;
        if let Some(keeper) = self.certificates.as_deref() {
            keeper.release(self.id);
        }
    }

    /// A listing from the shared store: used when it is recent enough and checks out.
    fn accept_stored_certificates(&mut self, value: &Secret, now_ms: i64) {
        let (Some(source), Some(keeper)) = (self.api.certificates(), self.certificates.clone())
        else {
            return;
        };
        let Ok(stored) = serde_json::from_str::<serde_json::Value>(value.expose()) else {
            return;
        };
        let (Some(at_ms), Some(listing)) = (
            stored
                .get("downloaded_at_ms")
                .and_then(serde_json::Value::as_i64),
            stored.get("listing").and_then(serde_json::Value::as_str),
        ) else {
            return;
        };
        let fresh = now_ms.saturating_sub(at_ms) < source.refresh_ms() && at_ms <= now_ms;
        if !fresh {
            return;
        }
        let ctx = ResponseContext::new(now_ms / 1000);
        // A tampered or foreign entry fails its AEAD or its checks and is simply not used.
        if let Ok(CertificatesAnswer::Held(_)) = source.accept_stored(listing.as_bytes(), &ctx) {
            keeper.refreshed(self.id, at_ms);
            self.next = self.after_certificates(false);
        }
    }

    /// Checks the notification; an unknown certificate serial gets the on-demand download
    /// a query answer would (then this runs again), anything else is the outcome.
    fn on_notification(&mut self, allow_on_demand: bool, now_ms: i64) {
        let Some(request) = self.notification.as_ref() else {
            return self.finish(Err(Error::invalid_input(
                "flow",
                "this flow handles no notification",
            )));
        };
        let ctx = ResponseContext::new(now_ms / 1000);
        match self.api.notification(request, &ctx) {
            Ok(notification) => self.finish_notification(Ok(notification)),
            Err(e) => {
                if let Err(e) = self.certificates_for(
                    e,
                    allow_on_demand,
                    Next::Notification { allow_on_demand },
                    now_ms,
                ) {
                    self.finish_notification(Err(e));
                }
            }
        }
    }

    fn finish_notification(&mut self, outcome: Result<Notification>) {
        let attempts = self.attempts.clone();
        self.notification_outcome = Some(outcome.map_err(|e| e.with_attempts(attempts)));
        self.next = Next::Finish;
        if let Some(keeper) = self.certificates.as_deref() {
            keeper.release(self.id);
        }
    }

    /// The outcome of a notification flow ([`crate::Client::start_notification`]), with the
    /// exact reply to send either way.
    pub fn notification_result(
        &mut self,
    ) -> std::result::Result<HandledNotification, Box<NotificationRejected>> {
        let outcome = if self.notification.is_none() {
            // A query's (or a download's) answer stays for its own method.
            Err(Error::invalid_input(
                "flow",
                "this flow is not a notification's: its answer is `result`",
            ))
        } else {
            match (self.notification_outcome.take(), self.outcome.take()) {
                (Some(outcome), _) => outcome,
                (None, Some(Err(e))) => Err(e),
                (None, Some(Ok(_))) => Err(Error::invalid_input(
                    "flow",
                    "a notification flow ended with a query's answer",
                )),
                (None, None) => Err(Error::invalid_input(
                    "flow",
                    if self.is_done() {
                        "the result was already taken"
                    } else {
                        "the flow has not finished: call next until it says Done"
                    },
                )),
            }
        };
        self.api.answer_notification(outcome)
    }

    /// A query answer: parsed, and when it is signed by a certificate the client does not
    /// hold but could download, held while the certificates are fetched (once per client per
    /// minute), then verified again — the order is not queried twice.
    fn on_query_answer(
        &mut self,
        pending: Pending,
        response: HttpResponse,
        index: usize,
        allow_on_demand: bool,
        now_ms: i64,
    ) {
        let ctx = ResponseContext::new(now_ms / 1000);
        let parsed = self.api.parse_order(self.query.as_ref(), &response, &ctx);
        let error = parsed.as_ref().err().map(Error::code);
        if let Some(attempt) = self.attempts.get_mut(index) {
            attempt.error = error;
        }
        match parsed {
            Ok(result) => self.on_result(result, now_ms),
            Err(e) => {
                let again = Next::Reverify { allow_on_demand };
                match self.certificates_for(e, allow_on_demand, again, now_ms) {
                    Ok(()) => self.held_answer = Some((pending, response, index)),
                    Err(e) => self.on_error(e, pending, &response, now_ms),
                }
            }
        }
    }

    /// An answer or a notification signed by a certificate this client does not hold, but
    /// could download: wait for another flow's download and then do `again`, or download
    /// (once per client per minute) and verify again — `Ok`, `self.next` is set. `Err`: the
    /// error stands, with the reason this flow's download failed, if it did (a wrong
    /// `api_v3_key` shows there, not as "unknown serial").
    fn certificates_for(
        &mut self,
        e: Error,
        allow_on_demand: bool,
        again: Next,
        now_ms: i64,
    ) -> std::result::Result<(), Error> {
        if let (true, Some(keeper)) = (e.unknown_certificate(), self.certificates.clone()) {
            let stale = self.claim_stale_ms();
            if keeper.busy(self.id, now_ms, stale) {
                // Another flow is downloading: look again when it is done.
                let until = now_ms.saturating_add(KEEPER_WAIT_MS);
                if until < self.deadline_ms {
                    self.next = Next::Wait {
                        until_ms: until,
                        then: Box::new(again),
                    };
                    return Ok(());
                }
            } else if allow_on_demand
                && keeper.spend_on_demand(now_ms)
                && keeper.claim(self.id, now_ms, stale)
            {
                self.next = Next::Certificates { on_demand: true };
                return Ok(());
            }
        }
        Err(match &self.certificate_failure {
            Some(why) if e.unknown_certificate() => e.with_message_suffix(&format!(
                "; the certificate download for it failed: {}",
                why.message()
            )),
            _ => e,
        })
    }

    fn on_token_rejected(&mut self, e: Error) {
        let can_fetch = self.api.tokens().is_some_and(|s| s.can_fetch());
        match self.token.take() {
            Some(held) if can_fetch && !self.token_retried => {
                self.token_retried = true;
                if let Some(keeper) = self.tokens.as_deref() {
                    keeper.invalidate(&held.token.access_token);
                }
                self.rejected_token = Some(held.token.access_token.clone());
                self.store_checked = false;
                self.store_locked = false;
                self.next = match held.stored.filter(|_| self.opts.token_store) {
                    Some(value) => Next::InvalidateStored(value),
                    None => Next::Token { force: false },
                };
            }
            _ => self.finish(Err(e)),
        }
    }
}

/// Milliseconds from `started_ms` to `now_ms`, as an attempt records them (0 if the host's
/// clock went back).
fn elapsed_ms(started_ms: i64, now_ms: i64) -> i32 {
    i32::try_from(now_ms.saturating_sub(started_ms).max(0)).unwrap_or(i32::MAX)
}

/// What of a store's error kind goes into an attempt: a class name, not free text. Anything
/// else (a host that passed a message by mistake) becomes `Error`, so neither a value nor a
/// line break can reach a log through it.
fn store_error_kind(kind: &str) -> String {
    let class_name = (1..=64).contains(&kind.len())
        && kind
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '$' | '-'));
    if class_name {
        kind.to_owned()
    } else {
        "Error".to_owned()
    }
}

fn check_now_ms(now_ms: i64) -> Result<()> {
    if !(0..=crate::MAX_UNIX_SECONDS.saturating_mul(1000)).contains(&now_ms) {
        return Err(Error::invalid_input(
            "now_ms",
            "`now_ms` must be a Unix time in milliseconds, from 1970 to the end of the year 9999",
        ));
    }
    Ok(())
}

/// `Retry-After` in whole seconds (the HTTP-date form needs a calendar the core does not
/// carry; the back-off schedule applies then).
fn retry_after_ms(response: &HttpResponse) -> Option<i64> {
    let value = response.header("retry-after")?;
    let secs: i64 = value
        .trim()
        .parse()
        .ok()
        .filter(|s| (0..=86_400).contains(s))?;
    Some(secs * 1000)
}

/// A token as the shared store holds it: JSON with the times as Unix seconds.
fn token_for_store(token: &AccessToken) -> Secret {
    Secret::new(serde_json::to_string(token).unwrap_or_default())
}

fn token_from_store(value: &Secret) -> Option<AccessToken> {
    #[derive(Deserialize)]
    struct Stored {
        access_token: String,
        expires_in: i64,
        expires_at: i64,
        refresh_at: i64,
    }
    let stored: Stored = serde_json::from_str(value.expose()).ok()?;
    crate::validate::response_id(
        "access_token",
        &stored.access_token,
        ACCESS_TOKEN_MAX_LEN,
        crate::validate::Charset::VisibleAscii,
    )
    .ok()?;
    Some(AccessToken {
        access_token: Secret::new(stored.access_token),
        expires_in: stored.expires_in,
        expires_at: crate::order::Timestamp::from_unix_seconds(stored.expires_at)?,
        refresh_at: crate::order::Timestamp::from_unix_seconds(stored.refresh_at)?,
    })
}
