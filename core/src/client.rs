//! The provider-agnostic entry point: one config document in, one [`Client`] out; typed
//! queries, request descriptors and parsed responses for whichever provider it names.
//!
//! This is the surface every binding wraps, so that a config document, a query document and a
//! response mean the same thing in Rust, the CLI, Node, Python and Kotlin.

use serde::Serialize;

use crate::context::{RequestContext, ResponseContext};
use crate::crypto::{default_rsa_backend, RsaBackend};
use crate::document::{self, DocumentKind};
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::provider::ProviderId;
use crate::providers::dingshang_vending::{DingshangClient, DingshangConfig, DingshangQuery};
use crate::providers::fubei::{FubeiClient, FubeiConfig, FubeiQuery};
use crate::providers::wechat_mini_charge::{
    AccessToken, MiniChargeClient, MiniChargeConfig, MiniChargeQuery, TokenKind,
};
use crate::providers::wechatpay::edu_papay::{EduPapayClient, EduPapayQuery};
use crate::providers::wechatpay::payscore_oversea::{PayscoreOverseaClient, PayscoreOverseaQuery};
use crate::providers::wechatpay::{PendingRequest, WechatPayConfig};
use crate::QueryResult;

/// A client configuration document: `{"provider": "<id>", …provider settings}`.
#[derive(Debug, Clone)]
pub enum ClientConfig {
    /// `wechatpay_edu_papay`
    WechatpayEduPapay(WechatPayConfig),
    /// `wechatpay_payscore_oversea`
    WechatpayPayscoreOversea(WechatPayConfig),
    /// `wechat_mini_charge`
    WechatMiniCharge(MiniChargeConfig),
    /// `fubei`
    Fubei(FubeiConfig),
    /// `dingshang_vending`
    DingshangVending(DingshangConfig),
}

impl ClientConfig {
    /// Parses a config document. `*_path` keys must already have been replaced by `*_pem`
    /// (see [`resolve_pem_paths`]). Unknown keys are rejected: a typo in a payment config
    /// should fail loudly, not fall back to a default.
    pub fn from_json(json: &str) -> Result<Self> {
        ClientConfig::from_document(document::parse(DocumentKind::Config, json)?)
    }

    /// Reads the `provider` member, then the rest as that provider's settings (unknown keys
    /// refused by each settings type).
    fn from_document(mut document: serde_json::Value) -> Result<Self> {
        let provider = match document.as_object_mut().map(|o| o.remove("provider")) {
            Some(Some(serde_json::Value::String(p))) => p,
            Some(_) => {
                return Err(Error::invalid_config(
                    "provider",
                    "the config document needs a `provider` string",
                ))
            }
            None => {
                return Err(Error::invalid_config(
                    "provider",
                    "the config document must be a JSON object",
                ))
            }
        };
        fn settings<T: serde::de::DeserializeOwned>(document: serde_json::Value) -> Result<T> {
            document::typed(DocumentKind::Config, document)
        }
        Ok(match provider.as_str() {
            "wechatpay_edu_papay" => ClientConfig::WechatpayEduPapay(settings(document)?),
            "wechatpay_payscore_oversea" => {
                ClientConfig::WechatpayPayscoreOversea(settings(document)?)
            }
            "wechat_mini_charge" => ClientConfig::WechatMiniCharge(settings(document)?),
            "fubei" => ClientConfig::Fubei(settings(document)?),
            "dingshang_vending" => ClientConfig::DingshangVending(settings(document)?),
            _ => {
                return Err(Error::invalid_config(
                    "provider",
                    format!(
                        "unknown provider; expected one of {}",
                        ProviderId::ALL.map(ProviderId::as_str).join(", ")
                    ),
                ))
            }
        })
    }

    /// Parses a config document that may still hold `*_path` keys: each is replaced by the
    /// `*_pem` text `load` returns for its path. The host decides what a path is relative to
    /// (the CLI and the bindings' `from_config_file` use the config file's directory).
    pub fn from_json_with_files(
        json: &str,
        load: &mut dyn FnMut(&str) -> std::result::Result<String, String>,
    ) -> Result<Self> {
        let mut document = document::parse(DocumentKind::Config, json)?;
        resolve_pem_paths(&mut document, load)?;
        ClientConfig::from_document(document)
    }
}

/// A typed query for one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Query {
    /// edu-papay order query.
    WechatpayEduPapay(EduPapayQuery),
    /// Pay Score oversea service-order query.
    WechatpayPayscoreOversea(PayscoreOverseaQuery),
    /// Mini Program charge order or access-token query.
    WechatMiniCharge(MiniChargeQuery),
    /// Fubei order query.
    Fubei(FubeiQuery),
    /// Vending order query.
    DingshangVending(DingshangQuery),
}

/// What a response turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ParsedResponse {
    /// An order: `{"order": …, "detail": …}`.
    Order(QueryResult),
    /// A WeChat access token: `{"access_token": {…}}`.
    AccessToken {
        /// The token and its computed lifetime.
        access_token: AccessToken,
    },
}

/// A configured client for one provider. Keys are parsed once, here.
#[derive(Debug)]
pub enum Client {
    /// edu-papay.
    WechatpayEduPapay(EduPapayClient),
    /// Pay Score oversea.
    WechatpayPayscoreOversea(PayscoreOverseaClient),
    /// Mini Program charge.
    WechatMiniCharge(MiniChargeClient),
    /// Fubei.
    Fubei(FubeiClient),
    /// Vending vendor.
    DingshangVending(DingshangClient),
}

fn wrong_query(provider: ProviderId) -> Error {
    Error::invalid_input("query", format!("this query is not a `{provider}` query"))
}

fn no_backend() -> Error {
    Error::invalid_config(
        "provider",
        "WeChat Pay needs an RSA backend and this build has none compiled in; use Client::with_rsa_backend",
    )
}

impl Client {
    /// Builds a client from a parsed config, with the default RSA backend (aws-lc-rs on
    /// native targets; see [`crate::crypto::default_rsa_backend`]).
    pub fn new(config: &ClientConfig) -> Result<Self> {
        match default_rsa_backend() {
            Some(backend) => Client::with_rsa_backend(config, backend),
            None => match config {
                ClientConfig::WechatpayEduPapay(_) | ClientConfig::WechatpayPayscoreOversea(_) => {
                    Err(no_backend())
                }
                other => Client::build(other, None),
            },
        }
    }

    /// Builds a client whose WeChat Pay keys are loaded into `backend` (e.g. the host's own
    /// crypto). Providers signed with MD5 ignore it.
    pub fn with_rsa_backend(config: &ClientConfig, backend: &dyn RsaBackend) -> Result<Self> {
        Client::build(config, Some(backend))
    }

    fn build(config: &ClientConfig, backend: Option<&dyn RsaBackend>) -> Result<Self> {
        Ok(match config {
            ClientConfig::WechatpayEduPapay(c) => {
                Client::WechatpayEduPapay(EduPapayClient::new(c, backend.ok_or_else(no_backend)?)?)
            }
            ClientConfig::WechatpayPayscoreOversea(c) => Client::WechatpayPayscoreOversea(
                PayscoreOverseaClient::new(c, backend.ok_or_else(no_backend)?)?,
            ),
            ClientConfig::WechatMiniCharge(c) => {
                Client::WechatMiniCharge(MiniChargeClient::new(c)?)
            }
            ClientConfig::Fubei(c) => Client::Fubei(FubeiClient::new(c)?),
            ClientConfig::DingshangVending(c) => Client::DingshangVending(DingshangClient::new(c)?),
        })
    }

    /// Builds a client from a config document (JSON text).
    pub fn from_config_json(json: &str) -> Result<Self> {
        Client::new(&ClientConfig::from_json(json)?)
    }

    /// Which provider this client talks to.
    pub fn provider(&self) -> ProviderId {
        match self {
            Client::WechatpayEduPapay(_) => ProviderId::WechatpayEduPapay,
            Client::WechatpayPayscoreOversea(_) => ProviderId::WechatpayPayscoreOversea,
            Client::WechatMiniCharge(_) => ProviderId::WechatMiniCharge,
            Client::Fubei(_) => ProviderId::Fubei,
            Client::DingshangVending(_) => ProviderId::DingshangVending,
        }
    }

    /// Parses a query document (JSON text) for this client's provider: an order query, or
    /// (Mini Program) an access-token query `{"token": "stable" | "classic"}`.
    pub fn query_from_json(&self, json: &str) -> Result<Query> {
        fn typed<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
            document::typed_from_text(DocumentKind::Query, json)
        }
        Ok(match self {
            Client::WechatpayEduPapay(_) => Query::WechatpayEduPapay(typed(json)?),
            Client::WechatpayPayscoreOversea(_) => Query::WechatpayPayscoreOversea(typed(json)?),
            Client::WechatMiniCharge(_) => {
                Query::WechatMiniCharge(MiniChargeQuery::from_json(json)?)
            }
            Client::Fubei(_) => Query::Fubei(typed(json)?),
            Client::DingshangVending(_) => Query::DingshangVending(typed(json)?),
        })
    }

    /// Parses an *order* query document: like [`Client::query_from_json`], but a token query
    /// is refused (`INVALID_INPUT`), since it has its own pair, [`Client::token_request`] and
    /// [`Client::parse_token_response`]. This is what the bindings' `build_query` takes.
    /// `naming` is how the calling language spells the token methods the refusal points to.
    pub fn order_query_from_json(&self, json: &str, naming: ApiNaming) -> Result<Query> {
        let query = self.query_from_json(json)?;
        if query.is_token_query() {
            return Err(token_query_refused(naming));
        }
        Ok(query)
    }

    /// Builds the signed request for `query`.
    pub fn build_request(&self, query: &Query, ctx: &RequestContext) -> Result<HttpRequest> {
        match (self, query) {
            (Client::WechatpayEduPapay(c), Query::WechatpayEduPapay(q)) => c.query_request(q, ctx),
            (Client::WechatpayPayscoreOversea(c), Query::WechatpayPayscoreOversea(q)) => {
                c.query_request(q, ctx)
            }
            (Client::WechatMiniCharge(c), Query::WechatMiniCharge(q)) => match q {
                MiniChargeQuery::Order { order_id } => c.query_request(order_id),
                MiniChargeQuery::Token {
                    token,
                    force_refresh,
                } => c.token_request(*token, *force_refresh),
            },
            (Client::Fubei(c), Query::Fubei(q)) => c.query_request(q, ctx),
            (Client::DingshangVending(c), Query::DingshangVending(q)) => c.query_request(q, ctx),
            _ => Err(wrong_query(self.provider())),
        }
    }

    /// Phase one of two-phase signing, for providers signed with an asymmetric key (WeChat Pay):
    /// the caller signs `string_to_sign()` with RSASSA-PKCS1-v1_5/SHA-256 and calls `finish`.
    /// Providers signed with a shared secret (MD5) answer `INVALID_CONFIG`: their signature
    /// cannot be produced outside the process that holds the secret anyway.
    pub fn prepare_request(&self, query: &Query, ctx: &RequestContext) -> Result<PendingRequest> {
        match (self, query) {
            (Client::WechatpayEduPapay(c), Query::WechatpayEduPapay(q)) => {
                c.prepare_query_request(q, ctx)
            }
            (Client::WechatpayPayscoreOversea(c), Query::WechatpayPayscoreOversea(q)) => {
                c.prepare_query_request(q, ctx)
            }
            (Client::WechatpayEduPapay(_) | Client::WechatpayPayscoreOversea(_), _) => {
                Err(wrong_query(self.provider()))
            }
            _ => Err(Error::invalid_config(
                "provider",
                format!(
                    "`{}` signs with a shared secret; two-phase signing applies to WeChat Pay only",
                    self.provider()
                ),
            )),
        }
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
        match self.parse_response(query, response, ctx)? {
            ParsedResponse::Order(result) => Ok(result),
            ParsedResponse::AccessToken { .. } => Err(token_query_refused(ApiNaming::SnakeCase)),
        }
    }

    /// Builds a Mini Program access-token request (`stable` is recommended). Other providers
    /// have no tokens: `INVALID_CONFIG`.
    pub fn token_request(&self, kind: TokenKind, force_refresh: bool) -> Result<HttpRequest> {
        match self {
            Client::WechatMiniCharge(c) => {
                MiniChargeQuery::token(kind, force_refresh)?;
                c.token_request(kind, force_refresh)
            }
            _ => Err(no_tokens(self.provider())),
        }
    }

    /// Parses a Mini Program access-token answer; `expires_at`/`refresh_at` are computed from
    /// `ctx.now`. Other providers have no tokens: `INVALID_CONFIG`.
    pub fn parse_token_response(
        &self,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<AccessToken> {
        match self {
            Client::WechatMiniCharge(c) => c.parse_token_response(response, ctx),
            _ => Err(no_tokens(self.provider())),
        }
    }

    /// Parses and verifies a response to a request this client built. `query` is needed only
    /// where the response alone cannot say what it answers (access-token responses).
    pub fn parse_response(
        &self,
        query: Option<&Query>,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<ParsedResponse> {
        let parsed = self.parse_unchecked(query, response, ctx)?;
        if let (Some(query), ParsedResponse::Order(result)) = (query, &parsed) {
            check_answers_query(query, &result.order)?;
        }
        Ok(parsed)
    }

    fn parse_unchecked(
        &self,
        query: Option<&Query>,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<ParsedResponse> {
        Ok(match (self, query) {
            (Client::WechatpayEduPapay(c), _) => {
                ParsedResponse::Order(c.parse_query_response(response, ctx)?)
            }
            (Client::WechatpayPayscoreOversea(c), _) => {
                ParsedResponse::Order(c.parse_query_response(response, ctx)?)
            }
            (
                Client::WechatMiniCharge(c),
                Some(Query::WechatMiniCharge(MiniChargeQuery::Token { .. })),
            ) => ParsedResponse::AccessToken {
                access_token: c.parse_token_response(response, ctx)?,
            },
            (Client::WechatMiniCharge(c), _) => {
                ParsedResponse::Order(c.parse_query_response(response)?)
            }
            (Client::Fubei(c), _) => ParsedResponse::Order(c.parse_query_response(response)?),
            (Client::DingshangVending(c), _) => {
                ParsedResponse::Order(c.parse_query_response(response)?)
            }
        })
    }

    /// The same request for the provider's backup host, when this client has one (WeChat Pay
    /// domestic `api2.mch.weixin.qq.com`, while the client uses the main host). Use it after a
    /// network failure or an error whose `backup_host_applies()` is true; the backup host has
    /// no backup of its own, so failover happens once.
    pub fn failover_request(&self, request: &HttpRequest) -> Option<HttpRequest> {
        match self {
            Client::WechatpayEduPapay(c) => c.failover_request(request),
            Client::WechatpayPayscoreOversea(c) => c.failover_request(request),
            _ => None,
        }
    }
}

impl Query {
    /// True for a Mini Program access-token query.
    pub fn is_token_query(&self) -> bool {
        matches!(self, Query::WechatMiniCharge(MiniChargeQuery::Token { .. }))
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
        format!("`{provider}` has no access tokens; they belong to `wechat_mini_charge`"),
    )
}

/// When the caller says which query a response answers, the order in it must be that order:
/// a response for another order (a mixed-up exchange, a misrouted reply) is refused with
/// `DECODE_ERROR` rather than reported as the queried order's state. Ids the provider does not
/// echo (Pay Score `query_id`, Fubei ids absent from `data`) cannot be checked.
fn check_answers_query(query: &Query, order: &crate::Order) -> Result<()> {
    let merchant = order.merchant_order_no.as_deref();
    let provider = order.provider_order_id.as_deref();
    let (field, wanted, got) = match query {
        Query::WechatpayEduPapay(q) => ("out_trade_no", q.out_trade_no.as_str(), merchant),
        Query::WechatpayPayscoreOversea(q) => match &q.out_order_no {
            Some(no) => ("out_order_no", no.as_str(), merchant),
            None => return Ok(()),
        },
        Query::WechatMiniCharge(MiniChargeQuery::Order { order_id }) => {
            ("order_id", order_id.as_str(), provider)
        }
        Query::WechatMiniCharge(MiniChargeQuery::Token { .. }) => return Ok(()),
        Query::Fubei(q) => match (&q.merchant_order_sn, &q.order_sn) {
            (Some(sn), _) => ("merchant_order_sn", sn.as_str(), merchant),
            (None, Some(sn)) => ("order_sn", sn.as_str(), provider),
            (None, None) => return Ok(()),
        },
        Query::DingshangVending(q) => ("order_id", q.order_id.as_str(), provider),
    };
    match got {
        Some(got) if got != wanted => Err(Error::decode(format!(
            "the response is for order `{}`, not the queried `{wanted}`",
            got.escape_debug()
        ))
        .with_field(field)),
        _ => Ok(()),
    }
}

/// Replaces every `X_path` key of a config document (at any depth) by `X_pem`, with the file's
/// contents as returned by `load`. The core does no I/O: the host supplies `load` (the CLI reads
/// the file system; tests read the vector directory).
pub fn resolve_pem_paths(
    document: &mut serde_json::Value,
    load: &mut dyn FnMut(&str) -> std::result::Result<String, String>,
) -> Result<()> {
    match document {
        serde_json::Value::Object(map) => {
            let path_keys: Vec<String> = map
                .keys()
                .filter(|k| k.ends_with("_path"))
                .cloned()
                .collect();
            for key in path_keys {
                let stem = key.trim_end_matches("_path");
                let pem_key = format!("{stem}_pem");
                if map.contains_key(&pem_key) {
                    return Err(Error::invalid_config(
                        &key,
                        format!("give `{key}` or `{pem_key}`, not both"),
                    ));
                }
                let path = match map.remove(&key) {
                    Some(serde_json::Value::String(p)) => p,
                    _ => {
                        return Err(Error::invalid_config(
                            &key,
                            format!("`{key}` must be a string"),
                        ))
                    }
                };
                let contents = load(&path).map_err(|e| {
                    Error::invalid_config(&key, format!("cannot read `{key}` ({path}): {e}"))
                })?;
                document::check_size(DocumentKind::Config, &key, &contents)?;
                map.insert(pem_key, serde_json::Value::String(contents));
            }
            for value in map.values_mut() {
                resolve_pem_paths(value, load)?;
            }
        }
        serde_json::Value::Array(items) => {
            for value in items {
                resolve_pem_paths(value, load)?;
            }
        }
        _ => {}
    }
    Ok(())
}
