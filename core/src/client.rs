//! The provider-agnostic entry point: one config document in, one [`Client`] out; typed
//! queries, request descriptors and parsed responses for whichever provider it names.
//!
//! This is the surface every binding wraps, so that a config document, a query document and a
//! response mean the same thing in Rust, the CLI, Node, Python and Kotlin.

use crate::config::Config;
use crate::context::{RequestContext, ResponseContext};
use crate::crypto::{default_rsa_backend, RsaBackend};
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::provider::ProviderId;
use crate::providers::dingshang_vending::DingshangClient;
use crate::providers::fubei::FubeiClient;
use crate::providers::wechat_mini_charge::{
    AccessToken, MiniChargeClient, MiniChargeQuery, TokenKind,
};
use crate::providers::wechatpay::edu_papay::EduPapayClient;
use crate::providers::wechatpay::payscore_oversea::PayscoreOverseaClient;
use crate::providers::wechatpay::PendingRequest;
use crate::query::Query;
use crate::result::{ParsedResponse, QueryResult};

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
    pub fn new(config: &Config) -> Result<Self> {
        match default_rsa_backend() {
            Some(backend) => Client::with_rsa_backend(config, backend),
            None => match config {
                Config::WechatpayEduPapay { .. } | Config::WechatpayPayscoreOversea { .. } => {
                    Err(no_backend())
                }
                other => Client::build(other, None),
            },
        }
    }

    /// Builds a client whose WeChat Pay keys are loaded into `backend` (e.g. the host's own
    /// crypto). Providers signed with MD5 ignore it.
    pub fn with_rsa_backend(config: &Config, backend: &dyn RsaBackend) -> Result<Self> {
        Client::build(config, Some(backend))
    }

    fn build(config: &Config, backend: Option<&dyn RsaBackend>) -> Result<Self> {
        Ok(match config {
            Config::WechatpayEduPapay { config: c } => {
                Client::WechatpayEduPapay(EduPapayClient::new(c, backend.ok_or_else(no_backend)?)?)
            }
            Config::WechatpayPayscoreOversea { config: c } => Client::WechatpayPayscoreOversea(
                PayscoreOverseaClient::new(c, backend.ok_or_else(no_backend)?)?,
            ),
            Config::WechatMiniCharge { config: c } => {
                Client::WechatMiniCharge(MiniChargeClient::new(c)?)
            }
            Config::Fubei { config: c } => Client::Fubei(FubeiClient::new(c)?),
            Config::DingshangVending { config: c } => {
                Client::DingshangVending(DingshangClient::new(c)?)
            }
        })
    }

    /// Builds a client from a config document (JSON text).
    pub fn from_config_json(json: &str) -> Result<Self> {
        Client::new(&Config::from_json(json)?)
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

    /// Builds the signed request for `query`.
    pub fn build_request(&self, query: &Query, ctx: &RequestContext) -> Result<HttpRequest> {
        match (self, query) {
            (Client::WechatpayEduPapay(c), Query::WechatpayEduPapay { query: q }) => {
                c.query_request(q, ctx)
            }
            (Client::WechatpayPayscoreOversea(c), Query::WechatpayPayscoreOversea { query: q }) => {
                c.query_request(q, ctx)
            }
            (Client::WechatMiniCharge(c), Query::WechatMiniCharge { query: q }) => match q {
                MiniChargeQuery::Order { order_id } => c.query_request(order_id),
                MiniChargeQuery::Token {
                    token,
                    force_refresh,
                } => c.token_request(*token, *force_refresh),
            },
            (Client::Fubei(c), Query::Fubei { query: q }) => c.query_request(q, ctx),
            (Client::DingshangVending(c), Query::DingshangVending { query: q }) => {
                c.query_request(q, ctx)
            }
            _ => Err(wrong_query(self.provider())),
        }
    }

    /// Phase one of two-phase signing, for providers signed with an asymmetric key (WeChat Pay):
    /// the caller signs `string_to_sign()` with RSASSA-PKCS1-v1_5/SHA-256 and calls `finish`.
    /// Providers signed with a shared secret (MD5) answer `INVALID_CONFIG`: their signature
    /// cannot be produced outside the process that holds the secret anyway.
    pub fn prepare_request(&self, query: &Query, ctx: &RequestContext) -> Result<PendingRequest> {
        match (self, query) {
            (Client::WechatpayEduPapay(c), Query::WechatpayEduPapay { query: q }) => {
                c.prepare_query_request(q, ctx)
            }
            (Client::WechatpayPayscoreOversea(c), Query::WechatpayPayscoreOversea { query: q }) => {
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
                Some(Query::WechatMiniCharge {
                    query: MiniChargeQuery::Token { .. },
                }),
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
        Query::WechatpayEduPapay { query: q } => {
            ("out_trade_no", q.out_trade_no.as_str(), merchant)
        }
        Query::WechatpayPayscoreOversea { query: q } => match &q.out_order_no {
            Some(no) => ("out_order_no", no.as_str(), merchant),
            None => return Ok(()),
        },
        Query::WechatMiniCharge {
            query: MiniChargeQuery::Order { order_id },
        } => ("order_id", order_id.as_str(), provider),
        Query::WechatMiniCharge {
            query: MiniChargeQuery::Token { .. },
        } => return Ok(()),
        Query::Fubei { query: q } => match (&q.merchant_order_sn, &q.order_sn) {
            (Some(sn), _) => ("merchant_order_sn", sn.as_str(), merchant),
            (None, Some(sn)) => ("order_sn", sn.as_str(), provider),
            (None, None) => return Ok(()),
        },
        Query::DingshangVending { query: q } => ("order_id", q.order_id.as_str(), provider),
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
