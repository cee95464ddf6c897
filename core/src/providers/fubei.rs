//! Fubei (付呗) open platform 1.0: `openapi.payment.order.query`.
//!
//! `POST https://shq-api.51fubei.com/gateway` with a JSON envelope whose `biz_content` is a
//! JSON *string*, signed with MD5: every non-empty top-level parameter except `sign`, sorted by
//! key, joined as `k=v` with `&`, **the app secret appended directly** (no `&key=`), upper-case
//! hex. Synchronous responses are not signed (no Fubei SDK verifies them); the asynchronous
//! notification is, with the same scheme — see [`FubeiClient::verify_notification`].
//!
//! Decisions where the docs are silent: the nonce is 32 [0-9A-Za-z] from the context (the
//! official Java SDK's choice); `version` is not sent (and so not signed), as in the doc's
//! example; PHP clients that treat `"0"` as empty are not emulated — we never send `"0"`.
//! Order ids (`merchant_order_sn`, `order_sn`; `device_no` likewise) are documented only as
//! `string(32)` (`string(18)`) and travel inside the JSON `biz_content`, so any Unicode text of
//! up to 32 (18) characters without control characters is accepted — merchants do use UTF-8
//! order numbers — and the MD5 covers its UTF-8 bytes exactly as JSON-encoded
//! (`serde_json`: no `\uXXXX` escapes for non-ASCII, `"` and `\` escaped).

use crate::open_enum::open_enum;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::shared::{decode_envelope, http_status_error, notice_id, sorted_sign_string};
use crate::context::{RequestContext, ResponseContext};
use crate::crypto::SharedBackend;
use crate::crypto::{md5_upper_hex, secure_eq};
use crate::document::{self, DocumentKind};
use crate::error::{Error, ErrorCode, Result};
use crate::hosts::{BackupHost, Hosts};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::json::{self, de_opt_i64_lenient, de_opt_id, de_opt_yuan, ResponseLimits};
use crate::json_object::JsonObject;
use crate::money::Money;
use crate::notification_request::{NotificationReply, NotificationRequest};
use crate::order::{timestamp_from_unix_seconds, Order, OrderStatus};
use crate::provider::ProviderId;
use crate::provider_client::{check_answers, Answer, NoTwoPhaseSigning, Notice, ProviderClient};
use crate::secret::Secret;
use crate::validate::{config_id, input_text_id, Charset};

/// The production gateway.
pub const DEFAULT_BASE_URL: &str = "https://shq-api.51fubei.com/gateway";
/// The API method name.
pub const METHOD: &str = "openapi.payment.order.query";

/// Config document for `fubei`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct FubeiConfig {
    /// The open-platform app id.
    pub app_id: String,
    /// The app secret (MD5 signing key).
    pub app_secret: Secret,
    /// Gateway URL override (the test gateway is `https://shq-api-test.51fubei.com/gateway`).
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

/// The query: exactly one of `merchant_order_sn` / `order_sn`, and optionally `device_no`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
// The "exactly one of" rule as a schema marker: TypeScript's type refuses both and neither.
#[cfg_attr(
    feature = "schema",
    schemars(extend("x-exactly-one-of" = ["merchant_order_sn", "order_sn"]))
)]
#[serde(deny_unknown_fields)]
pub struct FubeiQuery {
    /// The merchant's (third-party) order number.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_order_sn: Option<String>,
    /// Fubei's order number.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_sn: Option<String>,
    /// Device terminal number.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_no: Option<String>,
}

open_enum! {
    /// `trade_state`.
    pub enum FubeiTradeState {
        /// Awaiting payment.
        UserPaying = "USERPAYING",
        /// Paid.
        Success = "SUCCESS",
        /// Revoked.
        Revoked = "REVOKED",
        /// Being revoked.
        Revoking = "REVOKING",
        /// Revocation failed.
        RevokedError = "REVOKED_ERROR",
        /// Closed.
        Closed = "CLOSED",
    }
}

fn de_opt_cny<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Money>, D::Error> {
    de_opt_yuan(d).map(|v| v.map(Money::cny))
}

/// `data` of a successful query. Money fields arrive as yuan (JSON numbers like `80`/`0.01` or
/// strings like `"20.00"`) and are held here as exact [`Money`] in fen. Ids arrive as numbers
/// or strings and are kept as their exact text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FubeiOrder {
    /// Merchant order number.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub merchant_order_sn: Option<String>,
    /// Fubei order number.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub order_sn: Option<String>,
    /// Merchant transaction number.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub trade_no: Option<String>,
    /// Channel (WeChat/Alipay/UnionPay) order number.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub platform_order_no: Option<String>,
    /// Trade state.
    pub trade_state: FubeiTradeState,
    /// Amount received (实收金额).
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_fee: Option<Money>,
    /// Order amount.
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub order_price: Option<Money>,
    /// Fee.
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub fee: Option<Money>,
    /// Net amount (total_fee − fee).
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub net_money: Option<Money>,
    /// Payment time, Unix seconds.
    #[serde(
        default,
        deserialize_with = "de_opt_i64_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub pay_time: Option<i64>,
    /// Store id ("0" = none); documented as int, sent as a string.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub store_id: Option<String>,
    /// Cashier id ("0" = none).
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub cashier_id: Option<String>,
    /// Device terminal number.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub device_no: Option<String>,
    /// Goods description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Channel: 1 WeChat Pay, 2 Alipay, 5 UnionPay.
    #[serde(
        default,
        rename = "type",
        deserialize_with = "de_opt_i64_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub pay_type: Option<i64>,
    /// Merchant discount.
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub discount_money: Option<Money>,
    /// What the buyer paid.
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub buyer_pay_amount: Option<Money>,
    /// Merchant data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// Payer id (WeChat openid / Alipay buyer_user_id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Alipay account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_logon_id: Option<String>,
    /// Pre-funded coupon amount.
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub cash_coupon_fee: Option<Money>,
    /// Non-pre-funded coupon amount.
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub no_cash_coupon_fee: Option<Money>,
}

impl FubeiOrder {
    /// The normalized order (USERPAYING→PAYING, SUCCESS→PAID, REVOKING→REFUNDING,
    /// REVOKED→CANCELLED, REVOKED_ERROR→UNKNOWN, CLOSED→CLOSED). `amount` is `order_price`,
    /// else `total_fee` (absent when neither is sent); `paid_amount` is `buyer_pay_amount`, else
    /// `total_fee`, and only once money was received (SUCCESS, REVOKING): a `USERPAYING` or
    /// `CLOSED` order's `total_fee` is what was asked, not what was paid.
    pub fn to_order(&self) -> Result<Order> {
        let status = match self.trade_state {
            FubeiTradeState::UserPaying => OrderStatus::Paying,
            FubeiTradeState::Success => OrderStatus::Paid,
            FubeiTradeState::Revoking => OrderStatus::Refunding,
            FubeiTradeState::Revoked => OrderStatus::Cancelled,
            FubeiTradeState::Closed => OrderStatus::Closed,
            FubeiTradeState::RevokedError | FubeiTradeState::Other { .. } => OrderStatus::Unknown,
        };
        let amount = self.order_price.clone().or_else(|| self.total_fee.clone());
        let paid = self
            .buyer_pay_amount
            .clone()
            .or_else(|| self.total_fee.clone());
        Ok(Order {
            provider: ProviderId::Fubei,
            provider_order_id: self.order_sn.clone(),
            merchant_order_no: self.merchant_order_sn.clone(),
            status,
            raw_status: self.trade_state.as_str().to_owned(),
            amount,
            paid_amount: Order::paid_amount_for(status, paid),
            paid_at: self
                .pay_time
                .filter(|t| *t > 0)
                .map(|t| timestamp_from_unix_seconds("data.pay_time", t))
                .transpose()?,
            created_at: None,
            flags: Vec::new(),
        })
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, deserialize_with = "de_opt_id")]
    result_code: Option<String>,
    #[serde(default)]
    result_message: Option<String>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "de_opt_id")]
    sub_code: Option<String>,
}

/// Fubei's MD5 signature over `params` (every non-empty parameter except `sign`, sorted, `k=v`
/// joined by `&`, the secret appended directly), upper-case hex.
pub fn fubei_sign(params: &[(&str, &str)], app_secret: &Secret) -> String {
    let mut text = sorted_sign_string(params);
    text.push_str(app_secret.expose());
    md5_upper_hex(text.as_bytes())
}

/// Client for the Fubei order query.
#[derive(Debug)]
pub struct FubeiClient {
    app_id: String,
    app_secret: Secret,
    hosts: Hosts,
    limits: ResponseLimits,
}

impl FubeiClient {
    /// Validates the config.
    pub fn new(config: &FubeiConfig) -> Result<Self> {
        config_id("app_id", &config.app_id, 64, Charset::Alphanumeric)?;
        config_id(
            "app_secret",
            config.app_secret.expose(),
            256,
            Charset::VisibleAscii,
        )?;
        let limits = ResponseLimits::with_max_body(config.max_response_bytes)?;
        Ok(FubeiClient {
            app_id: config.app_id.clone(),
            app_secret: config.app_secret.clone(),
            // Fubei documents no backup host; MD5 signs the parameters, not the URL.
            hosts: Hosts::resolve(
                config.base_url.as_deref(),
                config.backup_base_url.as_ref(),
                DEFAULT_BASE_URL,
                None,
                false,
            )?,
            limits,
        })
    }

    /// Builds the signed POST.
    pub fn query_request(&self, query: &FubeiQuery, ctx: &RequestContext) -> Result<HttpRequest> {
        match (&query.merchant_order_sn, &query.order_sn) {
            (Some(sn), None) => input_text_id("merchant_order_sn", sn, 32)?,
            (None, Some(sn)) => input_text_id("order_sn", sn, 32)?,
            _ => {
                return Err(Error::invalid_input(
                    "merchant_order_sn",
                    "give exactly one of `merchant_order_sn` and `order_sn`",
                ))
            }
        }
        if let Some(d) = &query.device_no {
            input_text_id("device_no", d, 18)?;
        }
        let biz_content = JsonObject::with_capacity(64)
            .optional_member("merchant_order_sn", query.merchant_order_sn.as_deref())
            .optional_member("order_sn", query.order_sn.as_deref())
            .optional_member("device_no", query.device_no.as_deref())
            .finish();
        let nonce = ctx.nonce.as_str();
        let params = [
            ("app_id", self.app_id.as_str()),
            ("method", METHOD),
            ("format", "json"),
            ("sign_method", "md5"),
            ("nonce", nonce),
            ("biz_content", biz_content.as_str()),
        ];
        let sign = fubei_sign(&params, &self.app_secret);
        // The envelope, its members in a fixed order (the vectors pin the exact bytes).
        let body = JsonObject::with_capacity(
            self.app_id.len() + nonce.len() + 2 * biz_content.len() + METHOD.len() + 128,
        )
        .member("app_id", &self.app_id)
        .member("method", METHOD)
        .member("format", "json")
        .member("sign_method", "md5")
        .member("nonce", nonce)
        .member("biz_content", &biz_content)
        .member("sign", &sign)
        .finish()
        .into_bytes();
        Ok(HttpRequest {
            method: Method::Post,
            url: self.hosts.main().as_str().to_owned(),
            headers: vec![
                (
                    "Content-Type".to_owned(),
                    "application/json; charset=utf-8".to_owned(),
                ),
                ("Accept".to_owned(), "application/json".to_owned()),
                ("User-Agent".to_owned(), crate::http::USER_AGENT.to_owned()),
            ],
            body: Some(body),
        })
    }

    /// Decodes the response envelope and the order.
    pub(crate) fn parse_query_response(
        &self,
        response: &HttpResponse,
    ) -> Result<Answer<FubeiOrder>> {
        let envelope: Envelope<'_> =
            decode_envelope("Fubei", "Fubei response", response, self.limits)?;
        let Some(result_code) = envelope.result_code else {
            if !response.is_success() {
                return Err(http_status_error("Fubei", response.status));
            }
            return Err(Error::decode("Fubei response lacks `result_code`"));
        };
        if result_code != "200" {
            let provider_code = envelope
                .sub_code
                .clone()
                .unwrap_or_else(|| result_code.clone());
            let code = match provider_code.as_str() {
                "ORDER_NOT_EXIST" | "ORDERNOTEXIST" | "ORDER_NOT_FOUND" => ErrorCode::OrderNotFound,
                "RATE_LIMITED" | "FREQUENCY_LIMITED" => ErrorCode::RateLimited,
                _ => ErrorCode::ProviderError,
            };
            let retryable = code == ErrorCode::RateLimited
                || result_code.starts_with('5')
                || matches!(provider_code.as_str(), "SYSTEM_ERROR" | "SYSTEMERROR");
            return Err(Error::new(
                code,
                format!(
                    "Fubei answered result_code {result_code}{}: {}",
                    envelope
                        .sub_code
                        .as_deref()
                        .map(|s| format!(" / {s}"))
                        .unwrap_or_default(),
                    envelope.result_message.as_deref().unwrap_or("(no message)")
                ),
            )
            .with_provider(Some(provider_code), envelope.result_message)
            .with_http_status(response.status)
            .retryable(retryable));
        }
        if !response.is_success() {
            // A success envelope under an error status is not a trustworthy answer.
            return Err(http_status_error("Fubei", response.status));
        }
        let data = envelope.data.ok_or_else(|| {
            Error::decode("Fubei answered result_code 200 without `data`").with_field("data")
        })?;
        let order: FubeiOrder = json::decode_raw("Fubei order", data)?;
        Ok(Answer {
            order: order.to_order()?,
            detail: order,
            signature_serial: None,
        })
    }

    /// Verifies the MD5 `sign` of an asynchronous notification's form fields
    /// (`result_code`, `result_message`, `data`, `sign`, …), in constant time. Unlike a
    /// request's, a notification's sign string keeps empty values (NOTIFICATIONS.md §2: the
    /// .NET and PHP SDKs sign every posted field but `sign`), and the comparison ignores case
    /// (the .NET SDK's). The SDKs differ on extra fields: PHP signs every posted field, .NET
    /// only the three it maps; both are accepted (only those three are read).
    pub fn verify_notification(&self, fields: &[(String, String)]) -> Result<()> {
        let given = fields
            .iter()
            .find(|(k, _)| k == "sign")
            .map(|(_, v)| v.to_ascii_uppercase())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                Error::signature("notification has no `sign` field").with_field("sign")
            })?;
        let matches = |keep: &dyn Fn(&str) -> bool| {
            let mut signed: Vec<&(String, String)> =
                fields.iter().filter(|(k, _)| keep(k)).collect();
            signed.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            let mut text = String::with_capacity(256);
            for (i, (k, v)) in signed.iter().enumerate() {
                if i > 0 {
                    text.push('&');
                }
                text.push_str(k);
                text.push('=');
                text.push_str(v);
            }
            text.push_str(self.app_secret.expose());
            secure_eq(md5_upper_hex(text.as_bytes()).as_bytes(), given.as_bytes())
        };
        let standard = |k: &str| matches!(k, "data" | "result_code" | "result_message");
        let extra = fields.iter().any(|(k, _)| k != "sign" && !standard(k));
        if matches(&|k| k != "sign") || (extra && matches(&standard)) {
            Ok(())
        } else {
            Err(Error::signature("notification signature does not verify").with_field("sign"))
        }
    }

    /// Checks and decodes a notification: the form, its signature, then `data`.
    fn notice(&self, request: &NotificationRequest) -> Result<Notice<FubeiPaymentNotice>> {
        request.check_post()?;
        let fields = request.form_fields()?;
        self.verify_notification(&fields)?;
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let data = field("data")
            .filter(|d| !d.is_empty())
            .ok_or_else(|| Error::decode("the notification has no `data`").with_field("data"))?;
        let mut notice: FubeiPaymentNotice = serde_json::from_str(data).map_err(|e| {
            Error::decode(format!("the notification's `data` does not decode: {e}"))
                .with_field("data")
        })?;
        notice.result_code = field("result_code").map(str::to_owned);
        notice.result_message = field("result_message").map(str::to_owned);
        notice.data = data.to_owned();
        // Empty ids are absent: an id made of empty parts would make two notifications one.
        let present = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let refund_key = present(&notice.refund_sn).or_else(|| present(&notice.merchant_refund_sn));
        let (event_type, id, order) =
            if refund_key.is_some() || present(&notice.refund_status).is_some() {
                let key = refund_key.ok_or_else(|| {
                    Error::decode(
                        "the refund notification names no `refund_sn` or `merchant_refund_sn`",
                    )
                    .with_field("data.refund_sn")
                })?;
                let status = present(&notice.refund_status).unwrap_or_default();
                (
                    "refund",
                    notice_id(&["fubei", "refund", &key, &status]),
                    None,
                )
            } else {
                let key = present(&notice.order_sn)
                    .or_else(|| present(&notice.merchant_order_sn))
                    .ok_or_else(|| {
                        Error::decode("the notification names no `order_sn` or `merchant_order_sn`")
                            .with_field("data.order_sn")
                    })?;
                let order = notice.to_order();
                let status = order.raw_status.clone();
                (
                    "pay",
                    notice_id(&["fubei", "pay", &key, &status]),
                    Some(order),
                )
            };
        Ok(Notice {
            verified: true,
            id,
            event_type: event_type.to_owned(),
            order,
            detail: notice,
            signature_serial: None,
            confirm_query: None,
        })
    }
}

/// A Fubei pay or refund result notification's `data`, read leniently: no schema is
/// published for open platform 1.0 (whose merchants sign with the AppSecret, as this client
/// does), so both fbpay 2.0's PayCallBackData names (`order_status`, `total_amount`,
/// `finish_time`) and the 1.0 query's (`trade_state`, `total_fee`, `order_price`, `pay_time`)
/// are read, and `data` is kept as received. `result_code`/`result_message` come from the
/// form. Money arrives as yuan and is held as exact fen, read from the JSON text itself.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FubeiPaymentNotice {
    /// The form's `result_code`.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub result_code: Option<String>,
    /// The form's `result_message`.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub result_message: Option<String>,
    /// The form's `data`, exactly as received (for fields payquery does not read).
    #[serde(default, skip_deserializing)]
    pub data: String,
    /// Fubei order number.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub order_sn: Option<String>,
    /// Merchant order number.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub merchant_order_sn: Option<String>,
    /// Institution order number.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub ins_order_sn: Option<String>,
    /// Channel (WeChat/Alipay/UnionPay) order number.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub channel_order_sn: Option<String>,
    /// `SUCCESS` for a paid order (fbpay 2.0).
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub order_status: Option<String>,
    /// The order state in the 1.0 query's words (`SUCCESS`, `USERPAYING`, `CLOSED`, …).
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub trade_state: Option<String>,
    /// Order amount (2.0).
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_amount: Option<Money>,
    /// Order amount (1.0).
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub order_price: Option<Money>,
    /// Amount received (1.0).
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_fee: Option<Money>,
    /// Net amount.
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub net_amount: Option<Money>,
    /// What the buyer paid.
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub buyer_pay_amount: Option<Money>,
    /// Fee.
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub fee: Option<Money>,
    /// `wxpay`, `alipay`, `unionpay`, `bankcardpay`.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub pay_type: Option<String>,
    /// Payer id.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_id: Option<String>,
    /// When it was paid, `yyyyMMddHHmmss` China time (2.0; as sent).
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub finish_time: Option<String>,
    /// When it was paid, Unix seconds (1.0; as sent).
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub pay_time: Option<String>,
    /// Device terminal number.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub device_no: Option<String>,
    /// Merchant data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// Store id.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub store_id: Option<String>,
    /// Cashier id.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub cashier_id: Option<String>,
    /// Refund number (refund results).
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub refund_sn: Option<String>,
    /// Merchant refund number (refund results).
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub merchant_refund_sn: Option<String>,
    /// Refund status (refund results).
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub refund_status: Option<String>,
    /// Refund amount (refund results).
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub refund_amount: Option<Money>,
}

impl FubeiPaymentNotice {
    /// The normalized order: `SUCCESS` → PAID with `buyer_pay_amount` (else the amount
    /// received) paid; `USERPAYING`/`PAYING` → PAYING; `CLOSED` → CLOSED; `REVOKED` →
    /// CANCELLED; `FAIL`/`FAILED` → FAILED; anything else UNKNOWN (re-query for the
    /// authoritative state). A payment time that does not read is left out rather than
    /// refusing a verified notification (the text stays in the notice): refused, Fubei would
    /// send it again until it gives up, and the payment would be lost.
    pub fn to_order(&self) -> Order {
        let present = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let raw = present(&self.order_status)
            .or_else(|| present(&self.trade_state))
            .unwrap_or_default();
        let status = match raw.as_str() {
            "SUCCESS" => OrderStatus::Paid,
            "USERPAYING" | "PAYING" => OrderStatus::Paying,
            "CLOSED" => OrderStatus::Closed,
            "REVOKED" => OrderStatus::Cancelled,
            "FAIL" | "FAILED" => OrderStatus::Failed,
            _ => OrderStatus::Unknown,
        };
        let amount = self
            .total_amount
            .clone()
            .or_else(|| self.order_price.clone())
            .or_else(|| self.total_fee.clone());
        let paid = self
            .buyer_pay_amount
            .clone()
            .or_else(|| self.total_fee.clone())
            .or_else(|| self.total_amount.clone());
        let paid_at = match (self.finish_time.as_deref(), self.pay_time.as_deref()) {
            (Some(t), _) if !t.is_empty() => china_compact_time("data.finish_time", t).ok(),
            (_, Some(t)) => t
                .parse::<i64>()
                .ok()
                .filter(|t| *t > 0)
                .and_then(|t| timestamp_from_unix_seconds("data.pay_time", t).ok()),
            _ => None,
        };
        Order {
            provider: ProviderId::Fubei,
            provider_order_id: present(&self.order_sn),
            merchant_order_no: present(&self.merchant_order_sn),
            status,
            raw_status: raw,
            amount,
            paid_amount: Order::paid_amount_for(status, paid),
            paid_at,
            created_at: None,
            flags: Vec::new(),
        }
    }
}

/// `yyyyMMddHHmmss` in China time (UTC+8, no daylight saving) → a timestamp.
fn china_compact_time(field: &str, text: &str) -> Result<crate::order::Timestamp> {
    let bad = || {
        Error::decode(format!(
            "`{field}` is not yyyyMMddHHmmss: `{}`",
            text.escape_debug()
        ))
        .with_field(field)
    };
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| text[r].parse::<i64>().map_err(|_| bad());
    let (y, mo, d, h, mi, s) = (
        n(0..4)?,
        n(4..6)?,
        n(6..8)?,
        n(8..10)?,
        n(10..12)?,
        n(12..14)?,
    );
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match mo {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=12).contains(&mo) || !(1..=days_in_month).contains(&d) || h > 23 || mi > 59 || s > 59 {
        return Err(bad());
    }
    // Days from the civil date (Howard Hinnant's algorithm), then UTC+8 → UTC.
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    timestamp_from_unix_seconds(field, days * 86_400 + h * 3600 + mi * 60 + s - 8 * 3600)
}

impl ProviderClient for FubeiClient {
    const ID: ProviderId = ProviderId::Fubei;
    type Config = FubeiConfig;
    type Query = FubeiQuery;
    type Detail = FubeiOrder;
    type Notice = FubeiPaymentNotice;
    type Pending = NoTwoPhaseSigning;

    fn from_config(config: &FubeiConfig, _backend: Option<&SharedBackend>) -> Result<Self> {
        FubeiClient::new(config)
    }

    fn notification(
        &self,
        request: &NotificationRequest,
        _ctx: &ResponseContext,
    ) -> Result<Notice<FubeiPaymentNotice>> {
        self.notice(request)
    }

    /// `SUCCESS` as text/plain; anything else makes Fubei send it again, so a refused one is
    /// `FAIL` under a status that says why (400 malformed, 401 bad signature, 500 otherwise).
    fn notification_reply(&self, outcome: std::result::Result<(), &Error>) -> NotificationReply {
        match outcome {
            Ok(()) => NotificationReply::text(200, "SUCCESS"),
            Err(e) => NotificationReply::text(
                match e.code() {
                    ErrorCode::SignatureInvalid => 401,
                    ErrorCode::DecodeError | ErrorCode::InvalidInput => 400,
                    _ => 500,
                },
                "FAIL",
            ),
        }
    }

    fn query_from_json(json: &str) -> Result<FubeiQuery> {
        document::typed_from_text(DocumentKind::Query, json)
    }

    fn hosts(&self) -> &Hosts {
        &self.hosts
    }

    fn max_body_bytes(&self) -> usize {
        self.limits.max_body_bytes
    }

    fn build_query(
        &self,
        query: &FubeiQuery,
        ctx: &RequestContext,
        _token: Option<&Secret>,
    ) -> Result<HttpRequest> {
        self.query_request(query, ctx)
    }

    fn parse_query(
        &self,
        query: Option<&FubeiQuery>,
        response: &HttpResponse,
        _ctx: &ResponseContext,
    ) -> Result<Answer<FubeiOrder>> {
        let result = self.parse_query_response(response)?;
        if let Some(query) = query {
            let order = &result.order;
            match (&query.merchant_order_sn, &query.order_sn) {
                (Some(sn), _) => {
                    check_answers("merchant_order_sn", sn, order.merchant_order_no.as_deref())?
                }
                (None, Some(sn)) => {
                    check_answers("order_sn", sn, order.provider_order_id.as_deref())?
                }
                (None, None) => {}
            }
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> FubeiClient {
        FubeiClient::new(&FubeiConfig {
            app_id: "20160922135339595387".into(),
            app_secret: Secret::new("secret"),
            base_url: None,
            backup_base_url: None,
            max_response_bytes: None,
        })
        .unwrap()
    }

    #[test]
    fn sign_appends_the_secret_without_a_separator() {
        let expected = md5_upper_hex(b"a=1&b=2secret");
        assert_eq!(
            fubei_sign(
                &[("b", "2"), ("a", "1"), ("sign", "x")],
                &Secret::new("secret")
            ),
            expected
        );
    }

    #[test]
    fn notifications_verify_and_tampering_is_caught() {
        let data = r#"{"merchant_order_sn":"1","total_fee":0.29}"#;
        let sign = md5_upper_hex(
            format!("data={data}&result_code=200&result_message=成功secret").as_bytes(),
        );
        let mut fields = vec![
            ("result_code".to_owned(), "200".to_owned()),
            ("result_message".to_owned(), "成功".to_owned()),
            ("data".to_owned(), data.to_owned()),
            ("sign".to_owned(), sign),
        ];
        assert!(client().verify_notification(&fields).is_ok());
        fields[2].1 = data.replace("0.29", "290");
        assert_eq!(
            client().verify_notification(&fields).unwrap_err().code(),
            ErrorCode::SignatureInvalid
        );
        fields.pop();
        assert_eq!(
            client().verify_notification(&fields).unwrap_err().field(),
            Some("sign")
        );
    }
}
