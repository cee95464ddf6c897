//! WeChat Pay Global: Pay Score oversea partner service-order query.
//!
//! `GET /v3/payscore/oversea/partner/serviceorder?service_id=…&sub_mchid=…&out_order_no=…`
//! (or `&query_id=…`) on `https://apihk.mch.weixin.qq.com` (configurable: the Global guide
//! also names apius/apieu). The official page's curl example shows the domestic host, but the
//! Global guide says not to use it; we default to apihk.
//!
//! Decisions where the doc is loose: the doc says "fill one of" `out_order_no` / `query_id`
//! and its curl example sends both; we require exactly one (as WeChat's domestic twin does), so
//! it is never ambiguous which order an answer is for.
//!
//! Optional fields follow the reference (PROVIDERS.md §5; the seed doc's field list has no
//! "required" column): `total_amount`, `need_collection` and `currency` may be absent (an order
//! in `CREATED`/`EXPIRED`/`REVOKED` may not have them yet), as may every amount inside
//! `collection` and `goods_detail`. The normalized `amount` is stated only when both
//! `total_amount` and `currency` are: Pay Score oversea settles in HKD and others, so a guessed
//! currency (or a guessed 0) would be a wrong amount. The status is reported either way.

use crate::open_enum::open_enum;
use serde::{Deserialize, Serialize};

use super::api_v3::{require_backend, WechatPayCore};
use super::auth::PendingRequest;
use super::certificates::GLOBAL_PATH;
use super::config::{WechatPayConfig, GLOBAL_HK_HOST};
use super::edu_papay::WechatPayPromotion;
use super::notification::{self, OpenedNotification};
use crate::context::{RequestContext, ResponseContext};
use crate::crypto::SharedBackend;
use crate::document::{self, DocumentKind};
use crate::error::{Error, Result};
use crate::hosts::Hosts;
use crate::http::{encode_component, HttpRequest, HttpResponse};
use crate::money::{Currency, Money};
use crate::notification_request::{NotificationReply, NotificationRequest};
use crate::order::{timestamp_from_rfc3339, Order, OrderStatus};
use crate::provider::ProviderId;
use crate::provider_client::{check_answers, Answer, CertificateSource, Notice, ProviderClient};
use crate::secret::Secret;
use crate::validate::{input_id, Charset};

/// The query: `service_id`, `sub_mchid`, and exactly one of `out_order_no` / `query_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
// The "exactly one of" rule as a schema marker: TypeScript's type refuses both and neither.
#[cfg_attr(
    feature = "schema",
    schemars(extend("x-exactly-one-of" = ["out_order_no", "query_id"]))
)]
#[serde(deny_unknown_fields)]
pub struct PayscoreOverseaQuery {
    /// Service id (1–32).
    pub service_id: String,
    /// Sub-merchant id (1–32 digits).
    pub sub_mchid: String,
    /// Merchant service-order number (1–32 of `[0-9A-Za-z_\-|*]`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_order_no: Option<String>,
    /// Query id handed back by WeChat after user confirmation (1–512).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_id: Option<String>,
}

/// One post-payment item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PayscorePostPayment {
    /// Item name.
    pub name: String,
    /// Amount, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

/// One merchant discount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PayscorePostDiscount {
    /// Discount name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Amount, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

/// `risk_fund`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PayscoreRiskFund {
    /// e.g. `DEPOSIT`.
    pub name: String,
    /// Amount, minor units.
    pub amount: i64,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One collection detail (a payment towards the order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PayscoreCollectionDetail {
    /// Sequence number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    /// Amount, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// `NEWTON` (Pay Score deduction) or `MCH` (merchant collected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_type: Option<String>,
    /// Payment time, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_time: Option<String>,
    /// WeChat Pay transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Promotions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_detail: Option<Vec<WechatPayPromotion>>,
}

open_enum! {
    /// `collection.state`.
    pub enum PayscoreCollectionState {
        /// Payment in progress.
        UserPaying = "USER_PAYING",
        /// Paid.
        UserPaid = "USER_PAID",
    }
}

/// `collection`: present once collection started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PayscoreCollection {
    /// Collection state.
    pub state: PayscoreCollectionState,
    /// Total to collect, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<i64>,
    /// Still being paid, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paying_amount: Option<i64>,
    /// Paid so far, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<i64>,
    /// Paying bank type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_type: Option<String>,
    /// Individual payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<PayscoreCollectionDetail>>,
}

/// `time_range`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PayscoreTimeRange {
    /// Service start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// Service end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Start remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time_remark: Option<String>,
    /// End remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time_remark: Option<String>,
}

/// `location`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PayscoreLocation {
    /// Start location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_location: Option<String>,
    /// End location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_location: Option<String>,
}

open_enum! {
    /// `state`.
    pub enum PayscoreServiceOrderState {
        /// Created.
        Created = "CREATED",
        /// In progress.
        Doing = "DOING",
        /// Done.
        Done = "DONE",
        /// Revoked by the merchant.
        Revoked = "REVOKED",
        /// Expired (CREATED for over an hour).
        Expired = "EXPIRED",
    }
}

/// The 200 response, every documented field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PayscoreServiceOrder {
    /// Merchant service-order number.
    pub out_order_no: String,
    /// Service id.
    pub service_id: String,
    /// Service provider app id.
    pub appid: String,
    /// Service provider merchant id.
    pub mchid: String,
    /// Sub-merchant app id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// Sub-merchant id.
    pub sub_mchid: String,
    /// Service description.
    pub service_introduction: String,
    /// State.
    pub state: PayscoreServiceOrderState,
    /// `USER_CONFIRM` / `MCH_COMPLETE`, while DOING.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_description: Option<String>,
    /// Post-payment items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_payments: Option<Vec<PayscorePostPayment>>,
    /// Merchant discounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_discounts: Option<Vec<PayscorePostDiscount>>,
    /// Risk fund.
    pub risk_fund: PayscoreRiskFund,
    /// Total amount, minor units of `currency` (may be absent before the order is confirmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<i64>,
    /// Whether Pay Score collects the money.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need_collection: Option<bool>,
    /// Collection info.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<PayscoreCollection>,
    /// Service time range (the object is required; every field in it is optional).
    pub time_range: PayscoreTimeRange,
    /// Service location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<PayscoreLocation>,
    /// Merchant data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// Notification URL.
    pub notify_url: String,
    /// User openid under appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// User openid under sub_appid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
    /// WeChat Pay service-order id.
    pub order_id: String,
    /// Settlement currency (e.g. HKD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Locked exchange rate × 10^8 (90000000 ↔ 1 HKD = 0.90 CNY).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_price: Option<i64>,
    /// The locked rate as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_rate_info: Option<String>,
}

impl PayscoreServiceOrder {
    /// The normalized order: CREATED→PENDING; DOING→PENDING (PAYING while collection is
    /// USER_PAYING); DONE→PAID with collection USER_PAID, PAYING with USER_PAYING, CLOSED when
    /// `need_collection` is false; REVOKED→CANCELLED; EXPIRED→EXPIRED; anything else (including
    /// DONE with collection needed, or not stated, but no collection info) → UNKNOWN, never a
    /// guess. `amount` needs both `total_amount` and `currency`; `paid_amount` is
    /// `collection.paid_amount` once the order is PAID.
    pub fn to_order(&self) -> Result<Order> {
        let collection_state = self.collection.as_ref().map(|c| &c.state);
        let status = match (&self.state, collection_state) {
            (PayscoreServiceOrderState::Created, _) => OrderStatus::Pending,
            (PayscoreServiceOrderState::Doing, Some(PayscoreCollectionState::UserPaying)) => {
                OrderStatus::Paying
            }
            (PayscoreServiceOrderState::Doing, _) => OrderStatus::Pending,
            (PayscoreServiceOrderState::Done, Some(PayscoreCollectionState::UserPaid)) => {
                OrderStatus::Paid
            }
            (PayscoreServiceOrderState::Done, Some(PayscoreCollectionState::UserPaying)) => {
                OrderStatus::Paying
            }
            (PayscoreServiceOrderState::Done, None) if self.need_collection == Some(false) => {
                OrderStatus::Closed
            }
            (PayscoreServiceOrderState::Revoked, _) => OrderStatus::Cancelled,
            (PayscoreServiceOrderState::Expired, _) => OrderStatus::Expired,
            _ => OrderStatus::Unknown,
        };
        let currency = self
            .currency
            .as_deref()
            .map(|c| Currency::parse(c).map_err(|e| e.with_field("currency")))
            .transpose()?;
        let money = |field: &str, minor: Option<i64>| -> Result<Option<Money>> {
            match (minor, &currency) {
                (Some(v), _) if v < 0 => {
                    Err(Error::decode(format!("`{field}` is negative")).with_field(field))
                }
                (Some(v), Some(c)) => Ok(Some(Money::new(v, c.clone()))),
                _ => Ok(None),
            }
        };
        let amount = money("total_amount", self.total_amount)?;
        let paid_amount = money(
            "collection.paid_amount",
            self.collection.as_ref().and_then(|c| c.paid_amount),
        )?;
        let paid_at = match status {
            OrderStatus::Paid => self
                .collection
                .as_ref()
                .and_then(|c| c.details.as_ref())
                .and_then(|d| d.iter().filter_map(|x| x.paid_time.as_deref()).next_back())
                .map(|t| timestamp_from_rfc3339("collection.details.paid_time", t))
                .transpose()?,
            _ => None,
        };
        Ok(Order {
            provider: ProviderId::WechatpayPayscoreOversea,
            provider_order_id: Some(self.order_id.clone()),
            merchant_order_no: Some(self.out_order_no.clone()),
            status,
            raw_status: self.state.as_str().to_owned(),
            amount,
            paid_amount: Order::paid_amount_for(status, paid_amount),
            paid_at,
            created_at: None,
            flags: Vec::new(),
        })
    }
}

/// What a Pay Score notification carries, typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PayscoreNotice {
    /// A service-order event (`PAYSCORE.USER_CONFIRM`, `PAYSCORE.USER_PAID`, …): the service
    /// order, as the query returns it.
    ServiceOrder {
        /// The service order.
        service_order: Box<PayscoreServiceOrder>,
    },
    /// Any other event (an authorisation such as `PAYSCORE.USER_OPEN_SERVICE`): its
    /// decrypted resource, as JSON text.
    Other {
        /// The decrypted resource.
        json: String,
    },
}

impl PayscoreOverseaClient {
    /// A resource with `out_order_no` is a service order (USER_CONFIRM and USER_PAID carry
    /// the query's object); authorisation events carry none and are kept as JSON.
    fn notice(&self, opened: OpenedNotification) -> Result<Notice<PayscoreNotice>> {
        let OpenedNotification {
            id,
            event_type,
            resource,
            resource_text,
            serial,
            ..
        } = opened;
        let (order, detail) = if resource.get("out_order_no").is_some() {
            let service_order: PayscoreServiceOrder = serde_json::from_str(&resource_text)
                .map_err(|e| {
                    Error::decode(format!("the decrypted service order does not decode: {e}"))
                        .with_field("resource.ciphertext")
                })?;
            self.core.check_merchant("mchid", &service_order.mchid)?;
            (
                Some(service_order.to_order()?),
                PayscoreNotice::ServiceOrder {
                    service_order: Box::new(service_order),
                },
            )
        } else {
            // Authorisation events name the merchant too: checked where they do.
            for key in ["mchid", "sp_mchid"] {
                if let Some(mchid) = resource.get(key).and_then(serde_json::Value::as_str) {
                    self.core.check_merchant(key, mchid)?;
                }
            }
            (
                None,
                PayscoreNotice::Other {
                    json: resource_text,
                },
            )
        };
        Ok(notification::verified_notice(
            id, event_type, serial, order, detail,
        ))
    }
}

/// Client for the Pay Score oversea query.
#[derive(Debug)]
pub struct PayscoreOverseaClient {
    core: WechatPayCore,
}

impl PayscoreOverseaClient {
    /// Validates the config and loads its keys into `backend`, once.
    pub fn new(config: &WechatPayConfig, backend: &SharedBackend) -> Result<Self> {
        Ok(PayscoreOverseaClient {
            core: WechatPayCore::new(config, GLOBAL_HK_HOST, None, GLOBAL_PATH, backend)?,
        })
    }

    fn path(query: &PayscoreOverseaQuery) -> Result<String> {
        input_id("service_id", &query.service_id, 32, Charset::Alphanumeric)?;
        input_id("sub_mchid", &query.sub_mchid, 32, Charset::Digits)?;
        let (key, value) = match (&query.out_order_no, &query.query_id) {
            (Some(no), None) => {
                input_id("out_order_no", no, 32, Charset::WechatOrderNo)?;
                ("out_order_no", no)
            }
            (None, Some(id)) => {
                input_id("query_id", id, 512, Charset::VisibleAscii)?;
                ("query_id", id)
            }
            _ => {
                return Err(Error::invalid_input(
                    "out_order_no",
                    "give exactly one of `out_order_no` and `query_id`",
                ))
            }
        };
        Ok(format!(
            "/v3/payscore/oversea/partner/serviceorder?service_id={}&sub_mchid={}&{key}={}",
            encode_component(&query.service_id),
            encode_component(&query.sub_mchid),
            encode_component(value)
        ))
    }

    /// Phase one of two-phase signing.
    pub fn prepare_query_request(
        &self,
        query: &PayscoreOverseaQuery,
        ctx: &RequestContext,
    ) -> Result<PendingRequest> {
        self.core.prepare_get(&Self::path(query)?, ctx)
    }

    /// The signed request (requires the merchant private key in the config).
    pub fn query_request(
        &self,
        query: &PayscoreOverseaQuery,
        ctx: &RequestContext,
    ) -> Result<HttpRequest> {
        self.core.sign(self.prepare_query_request(query, ctx)?)
    }

    /// Verifies and decodes the response.
    pub(crate) fn parse_query_response(
        &self,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<Answer<PayscoreServiceOrder>> {
        let (detail, serial): (PayscoreServiceOrder, String) =
            self.core
                .parse("WeChat Pay Pay Score service order", response, ctx)?;
        Ok(Answer {
            order: detail.to_order()?,
            detail,
            signature_serial: Some(serial),
        })
    }
}

impl ProviderClient for PayscoreOverseaClient {
    const ID: ProviderId = ProviderId::WechatpayPayscoreOversea;
    type Config = WechatPayConfig;
    type Query = PayscoreOverseaQuery;
    type Detail = PayscoreServiceOrder;
    type Notice = PayscoreNotice;
    type Pending = PendingRequest;

    fn from_config(config: &WechatPayConfig, backend: Option<&SharedBackend>) -> Result<Self> {
        PayscoreOverseaClient::new(config, require_backend(backend)?)
    }

    fn check_config(config: &WechatPayConfig) -> Result<()> {
        WechatPayCore::check_settings(config, GLOBAL_HK_HOST, None).map(drop)
    }

    fn query_from_json(json: &str) -> Result<PayscoreOverseaQuery> {
        document::typed_from_text(DocumentKind::Query, json)
    }

    fn hosts(&self) -> &Hosts {
        self.core.hosts()
    }

    fn max_body_bytes(&self) -> usize {
        self.core.max_body_bytes()
    }

    fn certificates(&self) -> Option<&dyn CertificateSource> {
        self.core.certificates()
    }

    fn notification(
        &self,
        request: &NotificationRequest,
        ctx: &ResponseContext,
    ) -> Result<Notice<PayscoreNotice>> {
        self.notice(self.core.open_notification(request, ctx)?)
    }

    fn notification_reply(&self, outcome: std::result::Result<(), &Error>) -> NotificationReply {
        notification::reply(outcome)
    }

    fn build_query(
        &self,
        query: &PayscoreOverseaQuery,
        ctx: &RequestContext,
        _token: Option<&Secret>,
    ) -> Result<HttpRequest> {
        self.query_request(query, ctx)
    }

    fn prepare_query(
        &self,
        query: &PayscoreOverseaQuery,
        ctx: &RequestContext,
    ) -> Result<PendingRequest> {
        self.prepare_query_request(query, ctx)
    }

    fn parse_query(
        &self,
        query: Option<&PayscoreOverseaQuery>,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<Answer<PayscoreServiceOrder>> {
        let result = self.parse_query_response(response, ctx)?;
        // `query_id` is not echoed in the answer; `out_order_no` is.
        if let Some(no) = query.and_then(|q| q.out_order_no.as_ref()) {
            check_answers(
                "out_order_no",
                no,
                result.order.merchant_order_no.as_deref(),
            )?;
        }
        Ok(result)
    }
}
