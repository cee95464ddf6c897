//! WeChat Pay APIv3 education fee (edu-papay): query a transaction by `out_trade_no`.
//!
//! `GET /v3/edu-papay/transactions/out-trade-no/{out_trade_no}[?sub_mchid=…]` on
//! `https://api.mch.weixin.qq.com` (backup `https://api2.mch.weixin.qq.com`).
//!
//! Decisions: `device_information`, required by the reference, is tolerated when absent (it
//! says nothing about the money); `amount.currency` absent means CNY, the only currency this
//! domestic API settles in. Negative amounts are refused.

use crate::open_enum::open_enum;
use serde::{Deserialize, Serialize};

use super::api_v3::{require_backend, WechatPayCore};
use super::auth::PendingRequest;
use super::certificates::DOMESTIC_PATH;
use super::config::{WechatPayConfig, BACKUP_HOST, MAIN_HOST};
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

/// The query: the merchant order number, and `sub_mchid` in partner (service provider) mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct EduPapayQuery {
    /// The merchant order number: 1–32 of `[0-9A-Za-z_\-|*]`.
    pub out_trade_no: String,
    /// The sub-merchant id (partner mode only).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
}

/// `payer`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EduPapayPayer {
    /// The payer's openid under `appid`.
    pub openid: String,
    /// The payer's openid under `sub_appid` (partner mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
}

/// `amount` (all integers in fen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EduPapayAmount {
    /// Order total, fen.
    pub total: i64,
    /// What the payer paid, fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    /// Total discount, fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_total: Option<i64>,
    /// Currency (CNY when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// `device_information`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EduPapayDeviceInformation {
    /// Device id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Device IP.
    pub device_ip: String,
}

/// One `promotion_detail` entry. `scope` and `type` stay open strings: the doc's example uses
/// `"DISCOUNT"` where the reference says `CASH|NOCASH`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WechatPayPromotion {
    /// Coupon id.
    pub coupon_id: String,
    /// Coupon name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `GLOBAL` or `SINGLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Coupon type (`CASH`, `NOCASH`, `DISCOUNT`, …).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Coupon amount, minor units.
    pub amount: i64,
    /// Stock (campaign) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_id: Option<String>,
    /// WeChat Pay's contribution, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechatpay_contribute: Option<i64>,
    /// The merchant's contribution, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_contribute: Option<i64>,
    /// Other contributions, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_contribute: Option<i64>,
    /// Currency of the amounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Goods-level detail (Pay Score).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_detail: Option<Vec<WechatPayGoodsDetail>>,
}

/// One `goods_detail` entry of a promotion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WechatPayGoodsDetail {
    /// Goods id.
    pub goods_id: String,
    /// Quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    /// Unit price, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<i64>,
    /// Discount, minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<i64>,
    /// Remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goods_remark: Option<String>,
}

open_enum! {
    /// `trade_state`.
    pub enum EduPapayTradeState {
        /// Paid.
        Success = "SUCCESS",
        /// Transferred to refund.
        Refund = "REFUND",
        /// Accepted, not paid yet.
        Accepted = "ACCEPTED",
        /// Payment failed (e.g. the bank declined).
        PayFail = "PAY_FAIL",
    }
}

/// The 200 response of the edu-papay query, every documented field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EduPapayTransaction {
    /// Service provider / merchant id.
    pub sp_mchid: String,
    /// Sub-merchant id (partner mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// App id.
    pub appid: String,
    /// Sub app id (partner mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// Merchant order number.
    pub out_trade_no: String,
    /// WeChat Pay transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Merchant data echoed back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// Paying bank type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_type: Option<String>,
    /// Payment time, RFC 3339 (as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// Trade state.
    pub trade_state: EduPapayTradeState,
    /// Human-readable state description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_state_description: Option<String>,
    /// Payer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<EduPapayPayer>,
    /// Amounts.
    pub amount: EduPapayAmount,
    /// Device information (required by the reference; tolerated when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_information: Option<EduPapayDeviceInformation>,
    /// Promotions applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_detail: Option<Vec<WechatPayPromotion>>,
}

impl EduPapayTransaction {
    /// The normalized order (`ACCEPTED`→PENDING, `SUCCESS`→PAID, `PAY_FAIL`→FAILED,
    /// `REFUND`→REFUNDING, other→UNKNOWN).
    pub fn to_order(&self) -> Result<Order> {
        let (status, raw) = match &self.trade_state {
            EduPapayTradeState::Success => (OrderStatus::Paid, "SUCCESS"),
            EduPapayTradeState::Refund => (OrderStatus::Refunding, "REFUND"),
            EduPapayTradeState::Accepted => (OrderStatus::Pending, "ACCEPTED"),
            EduPapayTradeState::PayFail => (OrderStatus::Failed, "PAY_FAIL"),
            EduPapayTradeState::Other { value } => (OrderStatus::Unknown, value.as_str()),
        };
        let currency = match &self.amount.currency {
            Some(c) => Currency::parse(c).map_err(|e| e.with_field("amount.currency"))?,
            None => Currency::CNY,
        };
        let non_negative = |field: &str, v: i64| {
            if v < 0 {
                Err(crate::Error::decode(format!("`{field}` is negative: {v}")).with_field(field))
            } else {
                Ok(v)
            }
        };
        let paid_amount = self
            .amount
            .payer_total
            .map(|v| non_negative("amount.payer_total", v).map(|v| Money::new(v, currency.clone())))
            .transpose()?;
        Ok(Order {
            provider: ProviderId::WechatpayEduPapay,
            provider_order_id: self.transaction_id.clone(),
            merchant_order_no: Some(self.out_trade_no.clone()),
            status,
            raw_status: raw.to_owned(),
            amount: Some(Money::new(
                non_negative("amount.total", self.amount.total)?,
                currency,
            )),
            paid_amount: Order::paid_amount_for(status, paid_amount),
            paid_at: self
                .success_time
                .as_deref()
                .map(|t| timestamp_from_rfc3339("success_time", t))
                .transpose()?,
            created_at: None,
            flags: Vec::new(),
        })
    }
}

/// `ENTRUST.SIGNING` / `ENTRUST.RELEASE`: a payment contract signed or released (a contract,
/// not an order; NOTIFICATIONS.md §1.4). Every member is optional: WeChat Pay's pages and
/// the SDKs disagree on which are always sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EduPapayContractEvent {
    /// App id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// The payer's openid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The payment plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    /// Contract id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
    /// `ADD` (signed) or `DELETE` (released).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_status: Option<String>,
    /// When it changed, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
}

/// What an edu-papay notification carries, typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EduPapayNotice {
    /// `TRANSACTION.*`: the transaction, as the query returns it.
    Transaction {
        /// The transaction.
        transaction: Box<EduPapayTransaction>,
    },
    /// `ENTRUST.*`: a contract event.
    Contract {
        /// The contract event.
        contract: EduPapayContractEvent,
    },
    /// Any other event: its decrypted resource, as JSON text.
    Other {
        /// The decrypted resource.
        json: String,
    },
}

impl EduPapayClient {
    fn notice(&self, opened: OpenedNotification) -> Result<Notice<EduPapayNotice>> {
        let OpenedNotification {
            id,
            event_type,
            mut resource,
            resource_text,
            serial,
        } = opened;
        // Dispatched on `event_type` (the documented list: TRANSACTION.SUCCESS/FAIL,
        // ENTRUST.SIGNING/RELEASE); an unknown event keeps its JSON, whatever its resource's
        // `original_type` says.
        let (order, detail) = if event_type.starts_with("TRANSACTION.") {
            // The query's docs say `sp_mchid`, the notification's `mchid` (SKIT's
            // EducationTransactionResource): either names the merchant. Decoded from text, as
            // answers are (in the npm package's .wasm, a decoder from `Value` would be a second
            // copy of every derived decoder: 15 KB gzipped).
            let renamed;
            let text = match resource.as_object_mut() {
                Some(object) if !object.contains_key("sp_mchid") => {
                    if let Some(mchid) = object.remove("mchid") {
                        object.insert("sp_mchid".to_owned(), mchid);
                    }
                    renamed = resource.to_string();
                    renamed.as_str()
                }
                _ => resource_text.as_str(),
            };
            let transaction: EduPapayTransaction = serde_json::from_str(text).map_err(|e| {
                Error::decode(format!("the decrypted transaction does not decode: {e}"))
                    .with_field("resource.ciphertext")
            })?;
            self.core
                .check_merchant("sp_mchid", &transaction.sp_mchid)?;
            (
                Some(transaction.to_order()?),
                EduPapayNotice::Transaction {
                    transaction: Box::new(transaction),
                },
            )
        } else if event_type.starts_with("ENTRUST.") {
            let contract = resource.get("contract_information").cloned();
            let text = |v: Option<&serde_json::Value>| {
                v.and_then(serde_json::Value::as_str).map(str::to_owned)
            };
            let inner = |key: &str| text(contract.as_ref().and_then(|c| c.get(key)));
            (
                None,
                EduPapayNotice::Contract {
                    contract: EduPapayContractEvent {
                        appid: text(resource.get("appid")),
                        openid: text(resource.get("openid")),
                        plan_id: text(resource.get("plan_id")),
                        contract_id: inner("contract_id"),
                        contract_status: inner("contract_status"),
                        create_time: inner("create_time"),
                    },
                },
            )
        } else {
            (
                None,
                EduPapayNotice::Other {
                    json: resource_text,
                },
            )
        };
        Ok(notification::verified_notice(
            id, event_type, serial, order, detail,
        ))
    }
}

/// Client for the edu-papay query.
#[derive(Debug)]
pub struct EduPapayClient {
    core: WechatPayCore,
}

impl EduPapayClient {
    /// Validates the config and loads its keys into `backend`, once.
    pub fn new(config: &WechatPayConfig, backend: &SharedBackend) -> Result<Self> {
        Ok(EduPapayClient {
            core: WechatPayCore::new(config, MAIN_HOST, Some(BACKUP_HOST), DOMESTIC_PATH, backend)?,
        })
    }

    fn path(query: &EduPapayQuery) -> Result<String> {
        input_id(
            "out_trade_no",
            &query.out_trade_no,
            32,
            Charset::WechatOrderNo,
        )?;
        let mut path = format!(
            "/v3/edu-papay/transactions/out-trade-no/{}",
            encode_component(&query.out_trade_no)
        );
        if let Some(sub) = &query.sub_mchid {
            input_id("sub_mchid", sub, 32, Charset::Digits)?;
            path.push_str("?sub_mchid=");
            path.push_str(sub);
        }
        Ok(path)
    }

    /// Phase one of two-phase signing: the request with its string to sign.
    pub fn prepare_query_request(
        &self,
        query: &EduPapayQuery,
        ctx: &RequestContext,
    ) -> Result<PendingRequest> {
        self.core.prepare_get(&Self::path(query)?, ctx)
    }

    /// The signed request (requires the merchant private key in the config).
    pub fn query_request(
        &self,
        query: &EduPapayQuery,
        ctx: &RequestContext,
    ) -> Result<HttpRequest> {
        self.core.sign(self.prepare_query_request(query, ctx)?)
    }

    /// Verifies and decodes the response.
    pub(crate) fn parse_query_response(
        &self,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<Answer<EduPapayTransaction>> {
        let (detail, serial): (EduPapayTransaction, String) =
            self.core
                .parse("WeChat Pay edu-papay transaction", response, ctx)?;
        Ok(Answer {
            order: detail.to_order()?,
            detail,
            signature_serial: Some(serial),
        })
    }
}

impl ProviderClient for EduPapayClient {
    const ID: ProviderId = ProviderId::WechatpayEduPapay;
    type Config = WechatPayConfig;
    type Query = EduPapayQuery;
    type Detail = EduPapayTransaction;
    type Notice = EduPapayNotice;
    type Pending = PendingRequest;

    fn from_config(config: &WechatPayConfig, backend: Option<&SharedBackend>) -> Result<Self> {
        EduPapayClient::new(config, require_backend(backend)?)
    }

    fn check_config(config: &WechatPayConfig) -> Result<()> {
        WechatPayCore::check_settings(config, MAIN_HOST, Some(BACKUP_HOST)).map(drop)
    }

    fn query_from_json(json: &str) -> Result<EduPapayQuery> {
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
    ) -> Result<Notice<EduPapayNotice>> {
        self.notice(self.core.open_notification(request, ctx)?)
    }

    fn notification_reply(&self, outcome: std::result::Result<(), &Error>) -> NotificationReply {
        notification::reply(outcome)
    }

    fn build_query(
        &self,
        query: &EduPapayQuery,
        ctx: &RequestContext,
        _token: Option<&Secret>,
    ) -> Result<HttpRequest> {
        self.query_request(query, ctx)
    }

    fn prepare_query(&self, query: &EduPapayQuery, ctx: &RequestContext) -> Result<PendingRequest> {
        self.prepare_query_request(query, ctx)
    }

    fn parse_query(
        &self,
        query: Option<&EduPapayQuery>,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<Answer<EduPapayTransaction>> {
        let result = self.parse_query_response(response, ctx)?;
        if let Some(query) = query {
            check_answers(
                "out_trade_no",
                &query.out_trade_no,
                result.order.merchant_order_no.as_deref(),
            )?;
        }
        Ok(result)
    }
}
