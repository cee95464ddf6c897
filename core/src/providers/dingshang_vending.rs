//! Vending-machine vendor 广州鼎商 (dsjsdz): query an order.
//!
//! `POST {base_url}/api/openapi/v1/orders/{order_id}` with plain `Appid` / `AppSecret` headers
//! and the body `{"payload": "<base64 of JSON {machine_no, sign, timestamp}>"}`. The payload
//! `sign` is MD5 (upper-case hex) of the sorted non-empty `k=v` pairs joined by `&`, plus
//! `&key=<sign_key>`.
//!
//! Decisions where the vendor's docs are ambiguous: the vendor's `signatory.md` says the key is
//! the merchant id, while its client libraries call it APP_KEY and test with an Appid-shaped
//! value, so `sign_key` is its own setting and nothing is inferred. Values are not URL-encoded
//! before signing (PHP/Rust clients); the Go client's encoding agrees for the digits we send.
//! The response is not signed. Its `data` is protobuf-backed JSON, so absent fields mean
//! zero/empty/false — except `order_id` and `status`, without which there is no order, and
//! money: `amount` and `price` are yuan *strings*, which protobuf omits when empty, so an
//! absent amount is "not stated" (never a guessed 0 fen on a paid order).

use crate::open_enum::open_enum;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::shared::{decode_envelope, http_status_error, notice_id, sorted_sign_string};
use crate::context::{RequestContext, ResponseContext};
use crate::crypto::md5_upper_hex;
use crate::crypto::SharedBackend;
use crate::document::{self, DocumentKind};
use crate::error::{Error, ErrorCode, Result};
use crate::hosts::{BackupHost, Hosts};
use crate::http::{check_header_value, encode_component, HttpRequest, HttpResponse, Method};
use crate::json::{self, de_id, de_opt_i64_lenient, de_opt_id, ResponseLimits};
use crate::json_object::JsonObject;
use crate::money::Money;
use crate::notification_request::{NotificationReply, NotificationRequest};
use crate::order::{Order, OrderFlag, OrderStatus};
use crate::provider::ProviderId;
use crate::provider_client::{check_answers, Answer, NoTwoPhaseSigning, Notice, ProviderClient};
use crate::secret::Secret;
use crate::validate::{config_id, input_positive_int_id, Charset};

/// Config document for `dingshang_vending`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct DingshangConfig {
    /// The vendor's service URL, e.g. `https://www.awish.vip` (no default: it is per deployment).
    pub base_url: String,
    /// The `Appid` header value (`ds…`).
    pub appid: String,
    /// The `AppSecret` header value.
    pub app_secret: Secret,
    /// The payload signing key (the vendor's docs say: your merchant id).
    pub sign_key: Secret,
    /// The backup host the one-call query fails over to (the vendor documents none): absent
    /// or `null` for none, or a base URL.
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

/// The query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct DingshangQuery {
    /// The order id from order creation: documented as an integer, so a positive 64-bit
    /// integer in decimal (`"54"`), kept as text so that no host rounds it.
    pub order_id: String,
    /// The machine number: exactly 8 digits.
    pub machine_no: String,
}

open_enum! {
    /// Order `status`.
    pub enum DingshangOrderStatus {
        /// Paid.
        Success = "SUCCESS",
        /// Transferred to refund.
        Refund = "REFUND",
        /// Closed.
        Closed = "CLOSED",
        /// Revoked (payment-code payments).
        Revoked = "REVOKED",
        /// Paying (payment-code payments).
        UserPaying = "USERPAYING",
        /// Payment failed.
        PayError = "PAYERROR",
        /// Pickup-code order.
        PickupCode = "PICKUPCODE",
        /// Not paid.
        NotPay = "NOTPAY",
        /// Test order.
        TestPay = "TESTPAY",
    }
}

open_enum! {
    /// Delivery status of one order record.
    pub enum DingshangDeliveryStatus {
        /// Waiting to be dispensed.
        WaitingPickedUp = "WAITING_PICKED_UP",
        /// Dispensing.
        IsDelivering = "IS_DELIVERING",
        /// Dispensed.
        IsSuccess = "IS_SUCCESS",
        /// Picked up.
        IsPickedUp = "IS_PICKED_UP",
        /// Dispensing failed.
        IsFailed = "IS_FAILED",
        /// Dispensing timed out.
        IsTimeout = "IS_TIMEOUT",
        /// Cancelled and refunded.
        IsRefund = "IS_REFUND",
    }
}

fn de_opt_cny<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Money>, D::Error> {
    crate::json::de_opt_yuan(d).map(|fen| fen.map(Money::cny))
}

fn de_flag_string<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    use serde::de::Error as _;
    match de_opt_id(d)?.as_deref() {
        None | Some("" | "0" | "false") => Ok(false),
        Some("1" | "true") => Ok(true),
        Some(other) => Err(D::Error::custom(format!(
            "expected \"0\" or \"1\", found `{other}`"
        ))),
    }
}

/// One line of the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DingshangRecord {
    /// Record id.
    #[serde(default, deserialize_with = "de_opt_i64_lenient")]
    pub id: Option<i64>,
    /// Product id.
    #[serde(default, deserialize_with = "de_opt_i64_lenient")]
    pub product_id: Option<i64>,
    /// Quantity (absent = 0).
    #[serde(default, deserialize_with = "de_opt_i64_lenient")]
    pub quantity: Option<i64>,
    /// Line total (yuan text → exact fen; absent when not stated).
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub price: Option<Money>,
    /// Delivery status (shown once paid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DingshangDeliveryStatus>,
    /// Whether the dispensing notification was sent (`"1"`).
    #[serde(default, deserialize_with = "de_flag_string")]
    pub notify_sent: bool,
}

/// `data` of a successful query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DingshangOrder {
    /// The vendor's order id (an integer, kept as its exact text).
    #[serde(deserialize_with = "de_id")]
    pub order_id: String,
    /// The merchant's own order number (`trade_id`).
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub trade_id: Option<String>,
    /// Order date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Order total (yuan text → exact fen; absent when not stated).
    #[serde(
        default,
        deserialize_with = "de_opt_cny",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Money>,
    /// Order status.
    pub status: DingshangOrderStatus,
    /// Number of dispensing notifications sent.
    #[serde(
        default,
        deserialize_with = "de_opt_i64_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub notify_send_count: Option<i64>,
    /// Pickup code id.
    #[serde(
        default,
        deserialize_with = "de_opt_i64_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub pickup_code_id: Option<i64>,
    /// Order lines.
    #[serde(default)]
    pub records: Vec<DingshangRecord>,
}

impl DingshangOrder {
    /// The normalized order (NOTPAY→PENDING, USERPAYING→PAYING, SUCCESS→PAID,
    /// REFUND→REFUNDING, CLOSED→CLOSED, REVOKED→CANCELLED, PAYERROR→FAILED, PICKUPCODE→PAID
    /// with `pickup_code`, TESTPAY→PAID with `test_order`, other→UNKNOWN).
    pub fn to_order(&self) -> Result<Order> {
        use DingshangOrderStatus as S;
        if self.order_id.is_empty() || self.order_id == "0" {
            return Err(
                Error::decode("vending order has no `order_id`; not an order")
                    .with_field("data.order_id"),
            );
        }
        let (status, flags) = match self.status {
            S::NotPay => (OrderStatus::Pending, vec![]),
            S::UserPaying => (OrderStatus::Paying, vec![]),
            S::Success => (OrderStatus::Paid, vec![]),
            S::Refund => (OrderStatus::Refunding, vec![]),
            S::Closed => (OrderStatus::Closed, vec![]),
            S::Revoked => (OrderStatus::Cancelled, vec![]),
            S::PayError => (OrderStatus::Failed, vec![]),
            S::PickupCode => (OrderStatus::Paid, vec![OrderFlag::PickupCode]),
            S::TestPay => (OrderStatus::Paid, vec![OrderFlag::TestOrder]),
            S::Other { .. } => (OrderStatus::Unknown, vec![]),
        };
        Ok(Order {
            provider: ProviderId::DingshangVending,
            provider_order_id: Some(self.order_id.clone()),
            merchant_order_no: self.trade_id.clone().filter(|t| !t.is_empty()),
            status,
            raw_status: self.status.as_str().to_owned(),
            amount: self.amount.clone(),
            paid_amount: None,
            paid_at: None,
            created_at: None,
            flags,
        })
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, deserialize_with = "de_opt_id")]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
}

/// The vendor's payload signature: MD5 (upper-case hex) of the sorted non-empty `k=v` pairs
/// (excluding `sign` and `"NULL"` values) joined by `&`, plus `&key=<sign_key>`.
pub fn dingshang_sign(params: &[(&str, &str)], sign_key: &Secret) -> String {
    let kept: Vec<(&str, &str)> = params
        .iter()
        .copied()
        .filter(|(_, v)| *v != "NULL")
        .collect();
    let mut text = sorted_sign_string(&kept);
    text.push_str("&key=");
    text.push_str(sign_key.expose());
    md5_upper_hex(text.as_bytes())
}

/// The delivery callback's `method`.
const DELIVERY_METHOD: &str = "device.delivery.response";

/// The vendor's delivery (出货) callback, `device.delivery.response` (NOTIFICATIONS.md §3):
/// a delivery succeeded, failed or timed out. It is **not signed**, so it is only a hint:
/// confirm it with the signed order query (`confirm_query` of the notification) before
/// acting on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DingshangDeliveryNotice {
    /// `device.delivery.response`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The order id (an integer, kept as its exact text).
    #[serde(deserialize_with = "de_id")]
    pub order_id: String,
    /// The delivery record id.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub record_id: Option<String>,
    /// `"1"` delivered, `"0"` not.
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub deliver_status: Option<String>,
    /// The machine's floor status code (`0|1|2|3|47`).
    #[serde(
        default,
        deserialize_with = "de_opt_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub floor_status: Option<String>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
    /// Why it failed (the other spelling the docs use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_reason: Option<String>,
}

impl DingshangDeliveryNotice {
    fn from_request(request: &NotificationRequest) -> Result<Notice<DingshangDeliveryNotice>> {
        request.check_post()?;
        let notice: DingshangDeliveryNotice =
            serde_json::from_slice(&request.body).map_err(|e| {
                Error::decode(format!("the delivery callback does not decode: {e}"))
                    .with_field("body")
            })?;
        input_positive_int_id("order_id", &notice.order_id)?;
        if notice
            .method
            .as_deref()
            .is_some_and(|m| m != DELIVERY_METHOD)
        {
            return Err(Error::decode(format!(
                "the callback's `method` is not `{DELIVERY_METHOD}`"
            ))
            .with_field("method"));
        }
        // Unsigned: anyone can send one, this id included. Mark it handled only once the
        // signed query (`confirm_query`) agrees.
        let id = notice_id(&[
            "dingshang",
            "delivery",
            &notice.order_id,
            notice.record_id.as_deref().unwrap_or_default(),
            notice.deliver_status.as_deref().unwrap_or_default(),
        ]);
        Ok(Notice {
            verified: false,
            id,
            event_type: DELIVERY_METHOD.to_owned(),
            order: None,
            // The order id is digits (checked above): the query needs the machine number
            // too, which the callback does not carry.
            confirm_query: Some(format!("{{\"order_id\":\"{}\"}}", notice.order_id)),
            detail: notice,
            signature_serial: None,
        })
    }
}

/// Client for the vending order query.
#[derive(Debug)]
pub struct DingshangClient {
    hosts: Hosts,
    appid: String,
    app_secret: Secret,
    sign_key: Secret,
    limits: ResponseLimits,
}

impl DingshangClient {
    /// Validates the config (the credentials travel as header values, so CR/LF are refused).
    pub fn new(config: &DingshangConfig) -> Result<Self> {
        config_id("appid", &config.appid, 64, Charset::Token)?;
        config_id(
            "app_secret",
            config.app_secret.expose(),
            256,
            Charset::VisibleAscii,
        )?;
        config_id(
            "sign_key",
            config.sign_key.expose(),
            256,
            Charset::VisibleAscii,
        )?;
        let limits = ResponseLimits::with_max_body(config.max_response_bytes)?;
        Ok(DingshangClient {
            // The vendor documents no backup host; the MD5 covers the payload, not the URL.
            hosts: Hosts::resolve(
                Some(&config.base_url),
                config.backup_base_url.as_ref(),
                &config.base_url,
                None,
                false,
            )?,
            appid: config.appid.clone(),
            app_secret: config.app_secret.clone(),
            sign_key: config.sign_key.clone(),
            limits,
        })
    }

    /// Builds the signed POST. The payload timestamp comes from the context.
    pub fn query_request(
        &self,
        query: &DingshangQuery,
        ctx: &RequestContext,
    ) -> Result<HttpRequest> {
        input_positive_int_id("order_id", &query.order_id)?;
        if query.machine_no.len() != 8 || !query.machine_no.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid_input(
                "machine_no",
                "`machine_no` must be exactly 8 digits",
            ));
        }
        if ctx.timestamp < 0 {
            return Err(Error::invalid_input(
                "timestamp",
                "timestamp must be a non-negative Unix time",
            ));
        }
        let timestamp = ctx.timestamp.to_string();
        let sign = dingshang_sign(
            &[("machine_no", &query.machine_no), ("timestamp", &timestamp)],
            &self.sign_key,
        );
        let payload = JsonObject::with_capacity(64 + sign.len())
            .member("machine_no", &query.machine_no)
            .member("sign", &sign)
            .member("timestamp", &timestamp)
            .finish();
        let body = JsonObject::with_capacity(payload.len() * 4 / 3 + 16)
            .member("payload", &BASE64.encode(payload))
            .finish();
        let headers = vec![
            ("Appid".to_owned(), self.appid.clone()),
            ("AppSecret".to_owned(), self.app_secret.expose().to_owned()),
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Accept".to_owned(), "application/json".to_owned()),
            ("User-Agent".to_owned(), crate::http::USER_AGENT.to_owned()),
        ];
        for (name, value) in &headers {
            check_header_value(name, value)?;
        }
        Ok(HttpRequest {
            method: Method::Post,
            url: format!(
                "{}/api/openapi/v1/orders/{}",
                self.hosts.main().as_str(),
                encode_component(&query.order_id)
            ),
            headers,
            body: Some(body.into_bytes()),
        })
    }

    /// Decodes the response. Provider errors come as `{code ≠ 0, message, data: {}}`, possibly
    /// with a non-2xx status (10008, missing credentials, arrives with HTTP 401).
    pub(crate) fn parse_query_response(
        &self,
        response: &HttpResponse,
    ) -> Result<Answer<DingshangOrder>> {
        let envelope: Envelope<'_> = decode_envelope(
            "The vending vendor",
            "vending vendor response",
            response,
            self.limits,
        )?;
        let Some(code) = envelope.code else {
            if !response.is_success() {
                return Err(http_status_error("The vending vendor", response.status));
            }
            return Err(
                Error::decode("vending vendor response lacks `code`; not a vendor answer")
                    .with_field("code"),
            );
        };
        if code != "0" {
            let server_side = crate::http::is_transient_server_status(response.status);
            return Err(Error::new(
                if response.status == 429 {
                    ErrorCode::RateLimited
                } else {
                    ErrorCode::ProviderError
                },
                format!(
                    "vending vendor answered code {code}: {}",
                    envelope.message.as_deref().unwrap_or("(no message)")
                ),
            )
            .with_provider(Some(code), envelope.message)
            .with_http_status(response.status)
            .retryable(server_side || response.status == 429));
        }
        if !response.is_success() {
            return Err(http_status_error("The vending vendor", response.status));
        }
        let data = envelope.data.ok_or_else(|| {
            Error::decode("vending vendor answered code 0 without `data`").with_field("data")
        })?;
        let order: DingshangOrder = json::decode_raw("vending order", data)?;
        Ok(Answer {
            order: order.to_order()?,
            detail: order,
            signature_serial: None,
        })
    }
}

impl ProviderClient for DingshangClient {
    const ID: ProviderId = ProviderId::DingshangVending;
    type Config = DingshangConfig;
    type Query = DingshangQuery;
    type Detail = DingshangOrder;
    type Notice = DingshangDeliveryNotice;
    type Pending = NoTwoPhaseSigning;

    fn from_config(config: &DingshangConfig, _backend: Option<&SharedBackend>) -> Result<Self> {
        DingshangClient::new(config)
    }

    fn notification(
        &self,
        request: &NotificationRequest,
        _ctx: &ResponseContext,
    ) -> Result<Notice<DingshangDeliveryNotice>> {
        DingshangDeliveryNotice::from_request(request)
    }

    /// HTTP 200 is all the vendor reads; a callback that does not decode is 400.
    fn notification_reply(&self, outcome: std::result::Result<(), &Error>) -> NotificationReply {
        match outcome {
            Ok(()) => NotificationReply::text(200, "OK"),
            Err(e) if matches!(e.code(), ErrorCode::DecodeError | ErrorCode::InvalidInput) => {
                NotificationReply::text(400, "FAIL")
            }
            Err(_) => NotificationReply::text(500, "FAIL"),
        }
    }

    fn query_from_json(json: &str) -> Result<DingshangQuery> {
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
        query: &DingshangQuery,
        ctx: &RequestContext,
        _token: Option<&Secret>,
    ) -> Result<HttpRequest> {
        self.query_request(query, ctx)
    }

    fn parse_query(
        &self,
        query: Option<&DingshangQuery>,
        response: &HttpResponse,
        _ctx: &ResponseContext,
    ) -> Result<Answer<DingshangOrder>> {
        let result = self.parse_query_response(response)?;
        if let Some(query) = query {
            let got = result.order.provider_order_id.as_deref();
            check_answers("order_id", &query.order_id, got)?;
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vendor's Rust client library publishes this vector (key `ds069ed4223ac1660f`).
    #[test]
    fn sign_matches_the_vendor_library_vector() {
        let sign = dingshang_sign(
            &[
                ("client_id", "16327128"),
                ("method", "android.shutdown"),
                ("timestamp", "1727494645"),
            ],
            &Secret::new("ds069ed4223ac1660f"),
        );
        assert_eq!(sign, "4D49FFFDE0DA4537160CFC258356277B");
    }

    #[test]
    fn null_and_empty_values_are_not_signed() {
        let key = Secret::new("k");
        assert_eq!(
            dingshang_sign(&[("a", "1"), ("b", "NULL"), ("c", "")], &key),
            dingshang_sign(&[("a", "1")], &key)
        );
    }
}
