//! The provider-agnostic entry point: one config document in, one [`Client`] out; typed
//! queries, request descriptors and parsed responses for whichever provider it names.
//!
//! This is the surface every binding wraps, so that a config document, a query document and a
//! response mean the same thing in Rust, the CLI, Node, Python and Kotlin.

use serde::{Deserialize, Serialize};

use crate::context::{RequestContext, ResponseContext};
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::provider::ProviderId;
use crate::providers::dingshang_vending::{DingshangClient, DingshangConfig, DingshangQuery};
use crate::providers::fubei::{FubeiClient, FubeiConfig, FubeiQuery};
use crate::providers::wechat_mini_charge::{
    AccessToken, MiniChargeClient, MiniChargeConfig, MiniChargeQuery,
};
use crate::providers::wechatpay::edu_papay::{EduPapayClient, EduPapayQuery};
use crate::providers::wechatpay::payscore_oversea::{PayscoreOverseaClient, PayscoreOverseaQuery};
use crate::providers::wechatpay::{PendingRequest, WechatPayConfig};
use crate::QueryResult;

/// A client configuration document: `{"provider": "<id>", …provider settings}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case")]
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
        serde_json::from_str(json).map_err(|e| {
            Error::new(
                crate::ErrorCode::InvalidConfig,
                format!(
                    "invalid config document: {}",
                    crate::secret::hide_values_in_serde_message(&e.to_string())
                ),
            )
        })
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

impl Client {
    /// Builds a client from a parsed config.
    pub fn new(config: &ClientConfig) -> Result<Self> {
        Ok(match config {
            ClientConfig::WechatpayEduPapay(c) => {
                Client::WechatpayEduPapay(EduPapayClient::new(c)?)
            }
            ClientConfig::WechatpayPayscoreOversea(c) => {
                Client::WechatpayPayscoreOversea(PayscoreOverseaClient::new(c)?)
            }
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

    /// Parses a query document (JSON text) for this client's provider.
    pub fn query_from_json(&self, json: &str) -> Result<Query> {
        fn typed<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
            serde_json::from_str(json)
                .map_err(|e| Error::invalid_input("query", format!("invalid query document: {e}")))
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

    /// The same request for the provider's backup host, when there is one (WeChat Pay domestic
    /// `api2.mch.weixin.qq.com`). Use it after a network failure or an error whose
    /// `backup_host_applies()` is true.
    pub fn failover_request(&self, request: &HttpRequest) -> Option<HttpRequest> {
        match self {
            Client::WechatpayEduPapay(c) => c.failover_request(request),
            _ => None,
        }
    }
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
