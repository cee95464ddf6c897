//! WeChat Mini Program service-provider charge: `getOrder`, and the access tokens it needs.
//!
//! `GET https://api.weixin.qq.com/wxa/charge/service-provider/order/get?access_token=…&orderId=…`.
//! The response is not signed (WeChat defines no signature for it); it is trusted as far as
//! TLS to api.weixin.qq.com is.
//!
//! Access tokens, sans-IO like everything else: [`MiniChargeClient::token_request`] builds the
//! `cgi-bin/stable_token` POST (preferred: the same token comes back until it expires, so
//! several processes don't invalidate each other's) or the classic `cgi-bin/token` GET, and
//! [`MiniChargeClient::parse_token_response`] computes the expiry from the injected `now`.
//!
//! Decisions: an answer with an `order` but no `errcode` is accepted as success (other WeChat
//! APIs omit `errcode: 0`; nothing is signed either way), but `errcode: 0` without an `order` is
//! `DECODE_ERROR`. Errcodes 40001/40014/42001 on `getOrder` are `TOKEN_EXPIRED` (refresh the
//! token, retry once); on the token endpoints 40001 means a wrong AppSecret and stays a
//! `PROVIDER_ERROR`. `refresh_at` is `expires_at − 300 s`, or halfway for lifetimes under 10
//! minutes, so a short-lived token is never "due" the moment it arrives. `paid_amount` stays
//! empty: the API reports a price, not what was paid.

use serde::{Deserialize, Serialize};

// Where these lived before the access-token types moved below the providers: the old paths
// still work.
pub use crate::access_token::{AccessToken, TokenKind, ACCESS_TOKEN_MAX_LEN};
use crate::context::{RequestContext, ResponseContext};
use crate::crypto::SharedBackend;
use crate::error::{Error, ErrorCode, Result};
use crate::hosts::{BackupHost, Hosts};
use crate::http::{encode_component, HttpRequest, HttpResponse, Method};
use crate::json::{de_i64_lenient, ResponseLimits};
use crate::money::Money;
use crate::notification_request::{NotificationReply, NotificationRequest};
use crate::open_enum::open_int_enum;
use crate::order::{
    timestamp_from_unix_millis, timestamp_from_unix_seconds, Order, OrderFlag, OrderStatus,
};
use crate::provider::ProviderId;
use crate::provider_client::{
    check_answers, Answer, NoTwoPhaseSigning, Notice, ProviderClient, TokenSource,
};
use crate::secret::Secret;
use crate::validate::{config_id, input_id, response_id, Charset};

/// The default API host.
pub const DEFAULT_BASE_URL: &str = "https://api.weixin.qq.com";
/// WeChat's documented disaster-recovery host for the same APIs (orders and tokens).
pub const BACKUP_BASE_URL: &str = "https://api2.weixin.qq.com";

/// Refresh a token this many seconds before it expires (WeChat renews stable tokens 5 min early).
pub const TOKEN_REFRESH_MARGIN_SECS: i64 = 300;

/// Config document for `wechat_mini_charge`.
// The schema says what `MiniChargeClient::new` checks across keys: a token, or the
// credentials to fetch one (`appid` with `app_secret`), so an editor flags a config that
// would fail at read time.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schema",
    schemars(extend("allOf" = [
        { "anyOf": [{ "required": ["access_token"] }, { "required": ["appid", "app_secret"] }] },
        { "dependentRequired": { "app_secret": ["appid"] } },
    ]))
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct MiniChargeConfig {
    /// The access token for `getOrder` (from a token query, or your token service).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub access_token: Option<Secret>,
    /// The Mini Program app id (for token queries).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub appid: Option<String>,
    /// The Mini Program AppSecret (for token queries).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub app_secret: Option<Secret>,
    /// API host override.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub base_url: Option<String>,
    /// The backup host the one-call query fails over to: absent for the provider's documented
    /// backup (kept only while `base_url` is the default), `null` for none, or a base URL.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    // `null` means something here (no backup), so the generated types offer it.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<String>", extend("x-null-allowed" = true))
    )]
    #[serde(default, deserialize_with = "crate::hosts::de_backup_host")]
    pub backup_base_url: Option<BackupHost>,
    /// Largest accepted response body in bytes (default 1 MiB).
    // Signed for Kotlin and Swift (Java has no unsigned types); a document still holds a
    // positive integer (0 is refused), and the schema says so.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "schema", schemars(with = "Option<std::num::NonZeroU64>"))]
    #[serde(default, deserialize_with = "crate::json::non_negative")]
    pub max_response_bytes: Option<i64>,
}

/// A query for this provider: an order, or an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(untagged)]
pub enum MiniChargeQuery {
    /// `{"order_id": "DD…"}`
    Order {
        /// The service-provider order id.
        order_id: String,
    },
    /// `{"token": "stable" | "classic", "force_refresh": false}`
    Token {
        /// Which endpoint.
        token: TokenKind,
        /// Stable tokens only: invalidate the current token (20 calls a day).
        force_refresh: bool,
    },
}

/// The query document's shape (what [`MiniChargeQuery::from_json`] reads), for the generated
/// host types: an order id, or a token kind with an optional `force_refresh`.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for MiniChargeQuery {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MiniChargeQuery".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let token = generator.subschema_for::<TokenKind>();
        schemars::json_schema!({
            "description": "An order query, or an access-token query.",
            "anyOf": [
                {
                    "type": "object",
                    "properties": { "order_id": { "type": "string", "description": "The service-provider order id." } },
                    "required": ["order_id"],
                    "additionalProperties": false,
                },
                {
                    "type": "object",
                    "properties": {
                        "token": token,
                        "force_refresh": { "type": "boolean", "description": "Stable tokens only: invalidate the current token (20 calls a day)." },
                    },
                    "required": ["token"],
                    "additionalProperties": false,
                    "x-token-query": true,
                },
            ],
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryDocument {
    #[serde(default)]
    order_id: Option<String>,
    #[serde(default)]
    token: Option<TokenKind>,
    #[serde(default)]
    force_refresh: Option<bool>,
}

impl MiniChargeQuery {
    /// A token query; `force_refresh` applies to stable tokens only.
    pub fn token(token: TokenKind, force_refresh: bool) -> Result<Self> {
        token.check_force_refresh(force_refresh)?;
        Ok(MiniChargeQuery::Token {
            token,
            force_refresh,
        })
    }

    /// Parses `{"order_id": …}` or `{"token": "stable"|"classic", "force_refresh"?: bool}`.
    pub fn from_json(json: &str) -> Result<Self> {
        let doc: QueryDocument =
            crate::document::typed_from_text(crate::document::DocumentKind::Query, json)?;
        match (doc.order_id, doc.token) {
            (Some(order_id), None) if doc.force_refresh.is_none() => Ok(MiniChargeQuery::Order { order_id }),
            (None, Some(token)) => MiniChargeQuery::token(token, doc.force_refresh.unwrap_or(false)),
            _ => Err(Error::invalid_input(
                "query",
                "give either `order_id`, or `token` (\"stable\" or \"classic\") with an optional `force_refresh`",
            )),
        }
    }
}

open_int_enum! {
    /// Order status (`status`): 1 awaiting payment, 2 paid, 3 timed out, 5 refunding, 6
    /// refunded, 7 refund failed, 9 cancelled; 4 and 8 are undefined.
    pub enum MiniChargeOrderStatus {
        /// 1
        AwaitingPayment = 1,
        /// 2
        Paid = 2,
        /// 3
        TimedOut = 3,
        /// 5
        Refunding = 5,
        /// 6
        Refunded = 6,
        /// 7
        RefundFailed = 7,
        /// 9
        Cancelled = 9,
    }
}

open_int_enum! {
    /// Invoice status: 1 issuing, 2 issued, 3 cancelled, 4 failed.
    pub enum MiniChargeInvoiceStatus {
        /// 1
        Issuing = 1,
        /// 2
        Issued = 2,
        /// 3
        Cancelled = 3,
        /// 4
        Failed = 4,
    }
}

/// `payInfo` (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct MiniChargePayInfo {
    /// When payment was requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_pay_time: Option<i64>,
    /// When payment completed (absent until paid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_pay_time: Option<i64>,
}

/// `orderProductInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct MiniChargeProductInfo {
    /// Wholesale SPU id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_spu_id: Option<String>,
    /// Wholesale SKU id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_sku_id: Option<String>,
    /// Business id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_biz_id: Option<i64>,
    /// SPU name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spu_name: Option<String>,
    /// SKU name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_name: Option<String>,
    /// SKU count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_cnt: Option<i64>,
    /// Validity start, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_begin_time: Option<i64>,
    /// Validity end, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_end_time: Option<i64>,
}

/// `invoiceInfo` (absent when no invoice was requested).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct MiniChargeInvoiceInfo {
    /// When the invoice was requested, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_apply_time: Option<i64>,
    /// Invoice status.
    pub invoice_status: MiniChargeInvoiceStatus,
}

/// `usage`: resource-pack usage, int64 values sent as strings (absent until paid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MiniChargeUsage {
    /// Used.
    #[serde(deserialize_with = "de_i64_lenient")]
    pub used: i64,
    /// Total.
    #[serde(deserialize_with = "de_i64_lenient")]
    pub all: i64,
}

/// `order`: every documented field. `orderPrice` is int64 fen sent as a string; it is kept
/// exact (a price of "9007199254740993" stays that integer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct MiniChargeOrder {
    /// Order id.
    pub order_id: String,
    /// Status.
    pub status: MiniChargeOrderStatus,
    /// Created, Unix **milliseconds**.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<i64>,
    /// Updated, Unix **milliseconds**.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_time: Option<i64>,
    /// Price in fen.
    #[serde(deserialize_with = "de_i64_lenient")]
    pub order_price: i64,
    /// Payment info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_info: Option<MiniChargePayInfo>,
    /// Product info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_product_info: Option<MiniChargeProductInfo>,
    /// Invoice info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_info: Option<MiniChargeInvoiceInfo>,
    /// Usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<MiniChargeUsage>,
}

impl MiniChargeOrder {
    /// The normalized order (1→PENDING, 2→PAID, 3→EXPIRED, 5→REFUNDING, 6→REFUNDED, 7→PAID
    /// with `refund_failed`, 9→CANCELLED, other→UNKNOWN).
    pub fn to_order(&self) -> Result<Order> {
        use MiniChargeOrderStatus as S;
        let (status, flags) = match self.status {
            S::AwaitingPayment => (OrderStatus::Pending, vec![]),
            S::Paid => (OrderStatus::Paid, vec![]),
            S::TimedOut => (OrderStatus::Expired, vec![]),
            S::Refunding => (OrderStatus::Refunding, vec![]),
            S::Refunded => (OrderStatus::Refunded, vec![]),
            S::RefundFailed => (OrderStatus::Paid, vec![OrderFlag::RefundFailed]),
            S::Cancelled => (OrderStatus::Cancelled, vec![]),
            S::Other { .. } => (OrderStatus::Unknown, vec![]),
        };
        Ok(Order {
            provider: ProviderId::WechatMiniCharge,
            provider_order_id: Some(self.order_id.clone()),
            merchant_order_no: None,
            status,
            raw_status: self.status.code().to_string(),
            amount: Some(Money::cny(self.order_price)),
            paid_amount: None,
            paid_at: self
                .pay_info
                .as_ref()
                .and_then(|p| p.finish_pay_time)
                .filter(|t| *t > 0)
                .map(|t| timestamp_from_unix_seconds("order.payInfo.finishPayTime", t))
                .transpose()?,
            created_at: self
                .create_time
                .map(|t| timestamp_from_unix_millis("order.createTime", t))
                .transpose()?,
            flags,
        })
    }
}

/// The `getOrder` envelope.
#[derive(Debug, Deserialize)]
struct OrderEnvelope {
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: Option<String>,
    #[serde(default)]
    order: Option<MiniChargeOrder>,
}

#[derive(Deserialize)]
struct TokenEnvelope {
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
}

pub use no_notifications::MiniChargeNotice;

mod no_notifications {
    // UniFFI's derive matches on the (empty) enum, then goes on: unreachable by design.
    #![cfg_attr(feature = "uniffi", allow(unreachable_code))]
    use serde::Serialize;

    /// The Mini Program charge API sends no order notifications: this type has no values (a
    /// notification handed to this provider's client is refused, `INVALID_INPUT`).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
    #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    pub enum MiniChargeNotice {}
}

/// Client for `getOrder` and the token endpoints.
#[derive(Debug)]
pub struct MiniChargeClient {
    hosts: Hosts,
    access_token: Option<Secret>,
    appid: Option<String>,
    app_secret: Option<Secret>,
    limits: ResponseLimits,
}

impl MiniChargeClient {
    /// Validates the config. `access_token` is needed for order queries, `appid` +
    /// `app_secret` for token queries; each is checked when first needed.
    pub fn new(config: &MiniChargeConfig) -> Result<Self> {
        let hosts = Hosts::resolve(
            config.base_url.as_deref(),
            config.backup_base_url.as_ref(),
            DEFAULT_BASE_URL,
            Some(BACKUP_BASE_URL),
            false,
        )?;
        if let Some(t) = &config.access_token {
            config_id(
                "access_token",
                t.expose(),
                ACCESS_TOKEN_MAX_LEN,
                Charset::VisibleAscii,
            )?;
        }
        if let Some(a) = &config.appid {
            config_id("appid", a, 64, Charset::Token)?;
        }
        if let Some(s) = &config.app_secret {
            config_id("app_secret", s.expose(), 256, Charset::VisibleAscii)?;
        }
        match (&config.access_token, &config.appid, &config.app_secret) {
            (_, None, Some(_)) => {
                return Err(Error::invalid_config(
                    "appid",
                    "`app_secret` needs its `appid`: tokens are fetched for the pair",
                ))
            }
            (None, _, None) => {
                return Err(Error::invalid_config(
                    "access_token",
                    "give `access_token`, or `appid` + `app_secret` so that queries fetch one: with neither, no order query can be sent",
                ))
            }
            _ => {}
        }
        let limits = ResponseLimits::with_max_body(config.max_response_bytes)?;
        Ok(MiniChargeClient {
            hosts,
            access_token: config.access_token.clone(),
            appid: config.appid.clone(),
            app_secret: config.app_secret.clone(),
            limits,
        })
    }

    /// Builds `GET …/wxa/charge/service-provider/order/get?access_token=…&orderId=…` with the
    /// config's `access_token`.
    pub fn query_request(&self, order_id: &str) -> Result<HttpRequest> {
        self.query_request_with(order_id, None)
    }

    /// The same with `token` (one the query flow fetched) in place of the config's.
    fn query_request_with(&self, order_id: &str, token: Option<&Secret>) -> Result<HttpRequest> {
        input_id("order_id", order_id, 64, Charset::Token)?;
        let token = token.or(self.access_token.as_ref()).ok_or_else(|| {
            Error::invalid_config(
                "access_token",
                "`access_token` is required for order queries sent by hand (get one with a token query; the one-call query fetches one itself)",
            )
        })?;
        Ok(HttpRequest {
            method: Method::Get,
            url: format!(
                "{}/wxa/charge/service-provider/order/get?access_token={}&orderId={}",
                self.hosts.main().as_str(),
                encode_component(token.expose()),
                encode_component(order_id)
            ),
            headers: vec![
                ("Accept".to_owned(), "application/json".to_owned()),
                ("User-Agent".to_owned(), crate::http::USER_AGENT.to_owned()),
            ],
            body: None,
        })
    }

    /// Decodes a `getOrder` response.
    pub(crate) fn parse_query_response(
        &self,
        response: &HttpResponse,
    ) -> Result<Answer<MiniChargeOrder>> {
        let envelope: OrderEnvelope =
            super::shared::decode_envelope("WeChat", "getOrder", response, self.limits)?;
        match (envelope.errcode.unwrap_or(0), envelope.order) {
            (0, Some(order)) if response.is_success() => Ok(Answer {
                order: order.to_order()?,
                detail: order,
                signature_serial: None,
            }),
            (0, _) if !response.is_success() => {
                Err(super::shared::http_status_error("WeChat", response.status))
            }
            (0, None) => Err(Error::decode(
                "getOrder answered errcode 0 without an `order`",
            )),
            (code, _) => {
                Err(errcode_error(code, envelope.errmsg, false).with_http_status(response.status))
            }
        }
    }

    fn credentials(&self) -> Result<(&str, &Secret)> {
        match (&self.appid, &self.app_secret) {
            (Some(a), Some(s)) => Ok((a, s)),
            _ => Err(Error::invalid_config(
                "appid",
                "token queries need `appid` and `app_secret`",
            )),
        }
    }

    /// Builds the token request.
    pub fn token_request(&self, kind: TokenKind, force_refresh: bool) -> Result<HttpRequest> {
        let (appid, secret) = self.credentials()?;
        let headers = vec![
            ("Accept".to_owned(), "application/json".to_owned()),
            ("User-Agent".to_owned(), crate::http::USER_AGENT.to_owned()),
        ];
        Ok(match kind {
            TokenKind::Stable => {
                let body = serde_json::json!({
                    "grant_type": "client_credential",
                    "appid": appid,
                    "secret": secret.expose(),
                    "force_refresh": force_refresh,
                });
                let mut headers = headers;
                headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
                HttpRequest {
                    method: Method::Post,
                    url: format!("{}/cgi-bin/stable_token", self.hosts.main().as_str()),
                    headers,
                    body: Some(body.to_string().into_bytes()),
                }
            }
            TokenKind::Classic => HttpRequest {
                method: Method::Get,
                url: format!(
                    "{}/cgi-bin/token?grant_type=client_credential&appid={}&secret={}",
                    self.hosts.main().as_str(),
                    encode_component(appid),
                    encode_component(secret.expose())
                ),
                headers,
                body: None,
            },
        })
    }

    /// Decodes a token response; expiry times are computed from `ctx.now`.
    pub fn parse_token_response(
        &self,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<AccessToken> {
        let envelope: TokenEnvelope =
            super::shared::decode_envelope("WeChat", "access token", response, self.limits)?;
        if let Some(code) = envelope.errcode.filter(|c| *c != 0) {
            return Err(
                errcode_error(code, envelope.errmsg, true).with_http_status(response.status)
            );
        }
        let (Some(token), Some(expires_in)) = (envelope.access_token, envelope.expires_in) else {
            return Err(Error::decode(
                "token response lacks `access_token` or `expires_in`",
            ));
        };
        if expires_in <= 0 {
            return Err(
                Error::decode("token response has a non-positive `expires_in`")
                    .with_field("expires_in"),
            );
        }
        // The same rule as a configured `access_token`: the token goes into URLs, so CR/LF,
        // spaces or non-ASCII in it are refused here rather than when it is next used.
        response_id(
            "access_token",
            &token,
            ACCESS_TOKEN_MAX_LEN,
            Charset::VisibleAscii,
        )?;
        let margin = TOKEN_REFRESH_MARGIN_SECS.min(expires_in / 2);
        let expires_at = ctx.now.saturating_add(expires_in);
        // Both times must be ones every host's date type can hold (years 0001-9999), as order
        // times are; only an absurd `now` or `expires_in` can break that.
        Ok(AccessToken {
            access_token: Secret::new(token),
            expires_in,
            expires_at: timestamp_from_unix_seconds("expires_in", expires_at)?,
            refresh_at: timestamp_from_unix_seconds(
                "expires_in",
                expires_at.saturating_sub(margin),
            )?,
        })
    }
}

impl ProviderClient for MiniChargeClient {
    const ID: ProviderId = ProviderId::WechatMiniCharge;
    type Config = MiniChargeConfig;
    type Query = MiniChargeQuery;
    type Detail = MiniChargeOrder;
    type Notice = MiniChargeNotice;
    type Pending = NoTwoPhaseSigning;
    const HAS_TOKENS: bool = true;

    fn from_config(config: &MiniChargeConfig, _backend: Option<&SharedBackend>) -> Result<Self> {
        MiniChargeClient::new(config)
    }

    /// The charge API sends no order notifications (only quota and validity alerts, by
    /// message push, which are not about orders): every request is refused, naming why.
    fn notification(
        &self,
        _request: &NotificationRequest,
        _ctx: &ResponseContext,
    ) -> Result<Notice<MiniChargeNotice>> {
        Err(Error::invalid_input(
            "provider",
            "the Mini Program charge API sends no order notifications (its only pushes are quota and validity alerts, not about orders): poll the order with `query` instead",
        ))
    }

    fn notification_reply(&self, _outcome: std::result::Result<(), &Error>) -> NotificationReply {
        NotificationReply::text(400, "FAIL")
    }

    fn query_from_json(json: &str) -> Result<MiniChargeQuery> {
        MiniChargeQuery::from_json(json)
    }

    fn token_query(query: &MiniChargeQuery) -> Option<(TokenKind, bool)> {
        match query {
            MiniChargeQuery::Token {
                token,
                force_refresh,
            } => Some((*token, *force_refresh)),
            MiniChargeQuery::Order { .. } => None,
        }
    }

    fn hosts(&self) -> &Hosts {
        &self.hosts
    }

    fn max_body_bytes(&self) -> usize {
        self.limits.max_body_bytes
    }

    fn build_query(
        &self,
        query: &MiniChargeQuery,
        _ctx: &RequestContext,
        token: Option<&Secret>,
    ) -> Result<HttpRequest> {
        match query {
            MiniChargeQuery::Order { order_id } => self.query_request_with(order_id, token),
            MiniChargeQuery::Token {
                token,
                force_refresh,
            } => self.token_request(*token, *force_refresh),
        }
    }

    fn parse_query(
        &self,
        query: Option<&MiniChargeQuery>,
        response: &HttpResponse,
        _ctx: &ResponseContext,
    ) -> Result<Answer<MiniChargeOrder>> {
        let result = self.parse_query_response(response)?;
        if let Some(MiniChargeQuery::Order { order_id }) = query {
            check_answers(
                "order_id",
                order_id,
                result.order.provider_order_id.as_deref(),
            )?;
        }
        Ok(result)
    }

    fn tokens(&self) -> Option<&dyn TokenSource> {
        Some(self)
    }
}

impl TokenSource for MiniChargeClient {
    fn fixed_token(&self) -> Option<&Secret> {
        self.access_token.as_ref()
    }

    fn can_fetch(&self) -> bool {
        self.appid.is_some() && self.app_secret.is_some()
    }

    fn store_key(&self) -> String {
        format!(
            "payquery:wechat_access_token:{}",
            self.appid.as_deref().unwrap_or("-")
        )
    }

    fn token_request(&self, kind: TokenKind, force_refresh: bool) -> Result<HttpRequest> {
        MiniChargeClient::token_request(self, kind, force_refresh)
    }

    fn parse_token_response(
        &self,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<AccessToken> {
        MiniChargeClient::parse_token_response(self, response, ctx)
    }
}

/// Maps a WeChat `errcode`. For token endpoints, 40001 means a bad AppSecret (a config
/// problem), not an expired token.
fn errcode_error(code: i64, errmsg: Option<String>, token_endpoint: bool) -> Error {
    let (kind, retryable) = match code {
        40001 | 40014 | 42001 if !token_endpoint => (ErrorCode::TokenExpired, false),
        -1 => (ErrorCode::ProviderError, true),
        // 45011: the per-minute quota, worth waiting for; 45009: the daily quota, which no
        // retry today can help.
        45011 => (ErrorCode::RateLimited, true),
        45009 => (ErrorCode::RateLimited, false),
        _ => (ErrorCode::ProviderError, false),
    };
    let hint = match kind {
        ErrorCode::TokenExpired => " (fetch a new access token and retry once)",
        _ => "",
    };
    Error::new(
        kind,
        format!(
            "WeChat answered errcode {code}: {}{hint}",
            errmsg.as_deref().unwrap_or("(no errmsg)")
        ),
    )
    .with_provider(Some(code.to_string()), errmsg)
    .retryable(retryable)
}
