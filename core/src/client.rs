//! The provider-agnostic entry point: one config document in, one [`Client`] out; typed
//! queries, request descriptors and parsed responses for whichever provider it names.
//!
//! This is the surface every binding wraps, so that a config document, a query document and a
//! response mean the same thing in Rust, the CLI, Node, Python and Kotlin.

use std::sync::Arc;

use crate::access_token::{AccessToken, TokenKind};
use crate::config::Config;
use crate::context::{check_unix_seconds, RequestContext, ResponseContext};
use crate::crypto::{default_rsa_backend, SharedBackend};
use crate::error::{Error, ErrorCode, Result};
use crate::flow::{CertificateKeeper, QueryFlow, QueryOptions, TokenKeeper};
use crate::http::{HttpRequest, HttpResponse};
use crate::notification::{HandledNotification, NotificationRejected};
use crate::notification_request::{NotificationReply, NotificationRequest};
use crate::platform_certificate::{CertificateDownload, PlatformCertificate};
use crate::provider::ProviderId;
use crate::provider_client::{wrong_query, CertificateSource, CertificatesAnswer};
use crate::providers::wechatpay::PendingRequest;
use crate::query::Query;
use crate::registry::{client_for, token_providers, ProviderApi};
use crate::result::{ParsedResponse, QueryResult};

/// A configured client for one provider. Keys are parsed once, here; a clone shares them (and
/// a Mini Program client's access token) with the original.
#[derive(Debug, Clone)]
pub struct Client {
    api: Arc<dyn ProviderApi>,
    /// The access tokens every query of this client shares (providers with tokens only).
    tokens: Option<Arc<TokenKeeper>>,
    /// The certificate schedule every query of this client shares (WeChat Pay with an
    /// `api_v3_key` only).
    certificates: Option<Arc<CertificateKeeper>>,
}

impl Client {
    /// Builds a client from a parsed config, with the default RSA backend (aws-lc-rs on
    /// native targets; see [`crate::crypto::default_rsa_backend`]).
    // On wasm32 backends are JavaScript objects (neither Send nor Sync) on one thread.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub fn new(config: &Config) -> Result<Self> {
        let backend = default_rsa_backend().map(|b| Arc::new(b) as SharedBackend);
        Client::from_api(client_for(config, backend.as_ref())?)
    }

    /// Builds a client whose WeChat Pay keys are loaded into `backend` (e.g. the host's own
    /// crypto). Providers signed with MD5 ignore it. The client keeps it (certificates it
    /// downloads are loaded into it later).
    pub fn with_rsa_backend(config: &Config, backend: SharedBackend) -> Result<Self> {
        Client::from_api(client_for(config, Some(&backend))?)
    }

    fn from_api(api: Arc<dyn ProviderApi>) -> Result<Self> {
        let tokens = api
            .tokens()
            .map(|source| Arc::new(TokenKeeper::new(source.fixed_token())));
        let certificates = api
            .certificates()
            .map(|_| Arc::new(CertificateKeeper::default()));
        Ok(Client {
            api,
            tokens,
            certificates,
        })
    }

    /// Builds a client from a config document (JSON text).
    pub fn from_config_json(json: &str) -> Result<Self> {
        Client::new(&Config::from_json(json)?)
    }

    /// Which provider this client talks to.
    pub fn provider(&self) -> ProviderId {
        self.api.id()
    }

    /// Parses a query document (JSON text) for this client's provider: an order query, or
    /// (Mini Program) an access-token query `{"token": "stable" | "classic"}`.
    pub fn query_from_json(&self, json: &str) -> Result<Query> {
        Query::from_json(self.provider(), json)
    }

    /// A typed query as an *order* query for this client: a query for another provider, or an
    /// access-token query (it has its own pair, [`Client::token_request`] and
    /// [`Client::parse_token_response`]), is refused (`INVALID_INPUT`). `naming` is how the
    /// calling language spells the token methods the refusal points to.
    pub fn order_query(&self, query: Query, naming: ApiNaming) -> Result<Query> {
        if query.provider() != self.provider() {
            return Err(wrong_query(self.provider()));
        }
        if query.is_token_query() {
            return Err(token_query_refused(naming));
        }
        Ok(query)
    }

    /// Parses an *order* query document: like [`Client::query_from_json`], but a token query
    /// is refused (`INVALID_INPUT`), since it has its own pair, [`Client::token_request`] and
    /// [`Client::parse_token_response`]. This is what the bindings' `build_query` takes.
    /// `naming` is how the calling language spells the token methods the refusal points to.
    pub fn order_query_from_json(&self, json: &str, naming: ApiNaming) -> Result<Query> {
        self.order_query(self.query_from_json(json)?, naming)
    }

    /// Builds the signed request for `query` (an order query, or a Mini Program token query).
    pub fn build_request(&self, query: &Query, ctx: &RequestContext) -> Result<HttpRequest> {
        if query.provider() != self.provider() {
            return Err(wrong_query(self.provider()));
        }
        if let Some((kind, force_refresh)) = query.token_query() {
            return self.token_request(kind, force_refresh);
        }
        self.api.build_query(query, ctx, None)
    }

    /// Phase one of two-phase signing, for providers signed with an asymmetric key (WeChat Pay):
    /// the caller signs `string_to_sign()` with RSASSA-PKCS1-v1_5/SHA-256 and calls `finish`.
    /// Providers signed with a shared secret (MD5) answer `INVALID_CONFIG`: their signature
    /// cannot be produced outside the process that holds the secret anyway.
    pub fn prepare_request(&self, query: &Query, ctx: &RequestContext) -> Result<PendingRequest> {
        self.api.prepare_query(query, ctx)
    }

    /// Parses and verifies the answer to an order query. With `query`, an answer for another
    /// order is refused (`DECODE_ERROR`): bindings always pass it.
    pub fn parse_query_response(
        &self,
        query: Option<&Query>,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<QueryResult> {
        if query.is_some_and(Query::is_token_query) {
            return Err(token_query_refused(ApiNaming::SnakeCase));
        }
        self.api.parse_order(query, response, ctx)
    }

    /// Builds a Mini Program access-token request (`stable` is recommended). Other providers
    /// have no tokens: `INVALID_CONFIG`.
    pub fn token_request(&self, kind: TokenKind, force_refresh: bool) -> Result<HttpRequest> {
        let source = self
            .api
            .tokens()
            .ok_or_else(|| no_tokens(self.provider()))?;
        kind.check_force_refresh(force_refresh)?;
        source.token_request(kind, force_refresh)
    }

    /// Parses a Mini Program access-token answer; `expires_at`/`refresh_at` are computed from
    /// `ctx.now`. Other providers have no tokens: `INVALID_CONFIG`.
    pub fn parse_token_response(
        &self,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<AccessToken> {
        let source = self
            .api
            .tokens()
            .ok_or_else(|| no_tokens(self.provider()))?;
        source.parse_token_response(response, ctx)
    }

    /// Parses and verifies a response to a request this client built. `query` is needed only
    /// where the response alone cannot say what it answers (access-token responses).
    pub fn parse_response(
        &self,
        query: Option<&Query>,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<ParsedResponse> {
        if query.is_some_and(Query::is_token_query) {
            return Ok(ParsedResponse::AccessToken {
                access_token: self.parse_token_response(response, ctx)?,
            });
        }
        Ok(ParsedResponse::Order(
            self.api.parse_order(query, response, ctx)?,
        ))
    }

    /// The same request for the provider's backup host, when this client has one (WeChat Pay
    /// domestic `api2.mch.weixin.qq.com`, the Mini Program's `api2.weixin.qq.com`, or the
    /// config's `backup_base_url`), while the request is for the main host. The one-call query
    /// ([`Client::start_query`]) fails over by itself; this is for hosts that send by hand.
    pub fn failover_request(&self, request: &HttpRequest) -> Option<HttpRequest> {
        self.api.hosts().to_backup(request)
    }

    /// Starts the one-call query for `query` (an order query) at `now_ms` (Unix milliseconds):
    /// see [`QueryFlow`]. The flow shares this client's keys and tokens.
    pub fn start_query(
        &self,
        query: Query,
        options: &QueryOptions,
        now_ms: i64,
    ) -> Result<QueryFlow> {
        let query = self.order_query(query, ApiNaming::SnakeCase)?;
        QueryFlow::start(
            self.api.clone(),
            (self.tokens.clone(), self.certificates.clone()),
            Some(query),
            options,
            now_ms,
        )
    }

    /// Starts an explicit platform-certificate download (a WeChat Pay config with
    /// `api_v3_key`), for a central job or the CLI: driven like a query, answered by
    /// [`QueryFlow::certificates_result`]. With `options.token_store`, the listing is saved for
    /// the fleet. A failure is the answer's error (a query's own download never fails it).
    pub fn start_certificate_download(
        &self,
        options: &QueryOptions,
        now_ms: i64,
    ) -> Result<QueryFlow> {
        self.require_certificates()?;
        QueryFlow::start(
            self.api.clone(),
            (self.tokens.clone(), self.certificates.clone()),
            None,
            options,
            now_ms,
        )
    }

    /// Starts handling one notification as the host's web server received it (method, every
    /// header, the raw body) at `now_ms`: driven like a query, answered by
    /// [`QueryFlow::notification_result`] with the exact reply to send. For WeChat Pay signed
    /// with a certificate this client does not hold yet, the flow downloads certificates
    /// once (at most once per client per minute) and checks the same notification again;
    /// otherwise it sends nothing. WeChat Pay waits 5 s for the reply: unless `options` say
    /// otherwise, the download gets 3 s and the whole notification 4 s.
    pub fn start_notification(
        &self,
        request: NotificationRequest,
        options: &QueryOptions,
        now_ms: i64,
    ) -> Result<QueryFlow> {
        QueryFlow::start_notification(
            self.api.clone(),
            self.certificates.clone(),
            request,
            options,
            now_ms,
        )
    }

    /// Checks one notification at `now` (Unix seconds) with the keys held, sending nothing
    /// (sans-IO): an unknown certificate serial is refused with a 500 reply, so WeChat Pay
    /// sends it again. [`Client::start_notification`] downloads certificates for it instead.
    pub fn check_notification(
        &self,
        request: &NotificationRequest,
        now: i64,
    ) -> std::result::Result<HandledNotification, Box<NotificationRejected>> {
        let outcome = check_unix_seconds("now", now)
            .and_then(|()| self.api.notification(request, &ResponseContext::new(now)));
        self.api.answer_notification(outcome)
    }

    /// The reply that makes this client's provider send a notification again: for a host
    /// that verified one but could not store it (a database down). Never answer success for
    /// a notification that is not stored.
    pub fn notification_retry_reply(&self) -> NotificationReply {
        self.api.notification_reply(Err(&Error::new(
            ErrorCode::NetworkError,
            "the merchant could not store the notification; send it again",
        )))
    }

    /// The signed certificate-download request (sans-IO, for hosts that drive it themselves).
    pub fn certificates_request(&self, ctx: &RequestContext) -> Result<HttpRequest> {
        self.require_certificates()?.request(ctx)
    }

    /// Checks a certificate-download answer, merges its certificates into those this client
    /// holds (every later answer is verified with them too), and returns what is held.
    pub fn parse_certificates_response(
        &self,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<CertificateDownload> {
        let source = self.require_certificates()?;
        let certificates = match source.parse(response, ctx)? {
            CertificatesAnswer::Held(held) => held,
            CertificatesAnswer::PublicKeyOnly => Vec::new(),
        };
        Ok(CertificateDownload {
            certificates,
            attempts: Vec::new(),
        })
    }

    /// The platform certificates this client has downloaded and still holds at `now` (Unix
    /// seconds), newest first.
    pub fn downloaded_certificates(&self, now: i64) -> Vec<PlatformCertificate> {
        self.api
            .certificates()
            .map(|s| s.held(now))
            .unwrap_or_default()
    }

    fn require_certificates(&self) -> Result<&dyn CertificateSource> {
        self.api.certificates().ok_or_else(|| {
            Error::invalid_config(
                "api_v3_key",
                "this client downloads no platform certificates: it needs a WeChat Pay config with `api_v3_key`",
            )
        })
    }
}

/// How a host language spells payquery's method names, for the few errors that point to a
/// method: a Python user must read `build_token_request`, a Node or Kotlin user
/// `buildTokenRequest`, never the name of a Rust function they cannot call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiNaming {
    /// `build_token_request` (Rust, Python).
    SnakeCase,
    /// `buildTokenRequest` (JavaScript, Kotlin, Swift).
    CamelCase,
}

impl ApiNaming {
    /// `snake_name` (a method name in snake case) as this language spells it.
    pub fn method(self, snake_name: &str) -> String {
        match self {
            ApiNaming::SnakeCase => snake_name.to_owned(),
            ApiNaming::CamelCase => {
                let mut out = String::with_capacity(snake_name.len());
                let mut upper = false;
                for c in snake_name.chars() {
                    if c == '_' {
                        upper = true;
                    } else if upper {
                        out.extend(c.to_uppercase());
                        upper = false;
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }
}

fn token_query_refused(naming: ApiNaming) -> Error {
    Error::invalid_input(
        "token",
        format!(
            "an access-token query is not an order query: get tokens with {} and {}",
            naming.method("build_token_request"),
            naming.method("parse_token_response")
        ),
    )
}

fn no_tokens(provider: ProviderId) -> Error {
    Error::invalid_config(
        "provider",
        format!(
            "`{provider}` has no access tokens; they belong to {}",
            token_providers()
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}
