//! Fault injection, chosen per request: the `X-Payquery-Sandbox-Fault` header, or a fault
//! order id (for clients that cannot add headers; see [`Fault::order_id`]).

use std::time::Duration;

use payquery_core::ProviderId;

/// The request header that selects a fault.
pub const FAULT_HEADER: &str = "X-Payquery-Sandbox-Fault";

/// How long the `slow` fault waits before answering.
pub const SLOW_DELAY: Duration = Duration::from_millis(1500);

/// The `Retry-After` (seconds) sent with a `rate_limit` fault's answer.
pub const RETRY_AFTER_SECS: u64 = 1;

/// The WeChat Pay order id (edu-papay `out_trade_no`, Pay Score `out_order_no`) answered as the
/// PAID showcase order, signed with a key whose certificate neither certificate endpoint lists
/// (`Wechatpay-Serial` [`crate::seed::UNKNOWN_PLATFORM_SERIAL`]): a forged serial, which a client
/// holding platform certificates must refuse after at most one download.
///
/// It is an order id only, not one of [`Fault::ALL`]: that list, the `X-Payquery-Sandbox-Fault`
/// names and `<provider>.faults.json` are a contract every binding's tests hold to a fixed set
/// of faults with one expected error each, while what this one yields depends on the config
/// (a download first, with `api_v3_key`).
pub const UNKNOWN_SERIAL_ORDER_ID: &str = "FAULT_UNKNOWN_SERIAL";

/// A fault the sandbox can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 in the provider's rate-limit shape.
    RateLimit,
    /// The provider's "system error, retry later" answer.
    SystemError,
    /// Answer normally after [`SLOW_DELAY`].
    Slow,
    /// A body cut in half (for WeChat Pay: cut, then signed, i.e. broken JSON from the server).
    Truncated,
    /// WeChat Pay: a response signature that does not verify.
    BadSignature,
    /// WeChat Pay: a correctly signed response with a `Wechatpay-Timestamp` 10 minutes old.
    StaleTimestamp,
    /// An unsigned HTTP 503 with an HTML body, as a load balancer sends it, from the main host
    /// only: the backup host answers normally (it is another data centre).
    Unavailable,
}

impl Fault {
    /// Every fault with its wire name.
    pub const ALL: [(Fault, &'static str); 7] = [
        (Fault::RateLimit, "rate_limit"),
        (Fault::SystemError, "system_error"),
        (Fault::Slow, "slow"),
        (Fault::Truncated, "truncated"),
        (Fault::BadSignature, "bad_signature"),
        (Fault::StaleTimestamp, "stale_timestamp"),
        (Fault::Unavailable, "unavailable"),
    ];

    /// The wire name, e.g. `"rate_limit"`.
    pub fn name(self) -> &'static str {
        Fault::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, n)| *n)
            .unwrap_or("none")
    }

    fn from_name(name: &str) -> Option<Fault> {
        Fault::ALL
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name.trim()))
            .map(|(f, _)| *f)
    }

    /// True when the fault means something for `provider`: the signature faults only for the
    /// providers that sign their answers (WeChat Pay).
    pub fn applies_to(self, provider: ProviderId) -> bool {
        signs_answers(provider) || !matches!(self, Fault::BadSignature | Fault::StaleTimestamp)
    }

    /// The order id that selects this fault for `provider` (for clients that cannot add a
    /// header): `FAULT_RATE_LIMIT`, `FAULT_SYSTEM_ERROR`, …; the vending vendor's ids are
    /// integers, so there `9001` to `9007` in [`Fault::ALL`] order. The sandbox answers it as the
    /// provider's PAID showcase order, echoing the requested id, plus the fault. `None` where
    /// the fault does not apply to the provider.
    pub fn order_id(self, provider: ProviderId) -> Option<String> {
        if !self.applies_to(provider) {
            return None;
        }
        let index = Fault::ALL.iter().position(|(f, _)| *f == self)?;
        Some(match provider {
            ProviderId::DingshangVending => format!("{}", 9001 + index),
            _ => format!("FAULT_{}", self.name().to_ascii_uppercase()),
        })
    }

    /// The fault an order id selects for `provider`, if it is one of the fault ids.
    pub(crate) fn from_order_id(provider: ProviderId, order_id: &str) -> Option<Fault> {
        Fault::ALL
            .iter()
            .map(|(f, _)| *f)
            .find(|f| f.order_id(provider).as_deref() == Some(order_id))
    }

    /// True when `order_id` stands for `provider`'s PAID showcase order: one of its fault ids,
    /// or for WeChat Pay [`UNKNOWN_SERIAL_ORDER_ID`].
    pub(crate) fn is_showcase_id(provider: ProviderId, order_id: &str) -> bool {
        Fault::from_order_id(provider, order_id).is_some()
            || (signs_answers(provider) && order_id == UNKNOWN_SERIAL_ORDER_ID)
    }

    /// The fault a request asks for, from the header or the order id.
    pub(crate) fn requested(
        provider: ProviderId,
        header: Option<&str>,
        order_id: Option<&str>,
    ) -> Option<Fault> {
        if let Some(f) = header.and_then(Fault::from_name) {
            return Some(f).filter(|f| f.applies_to(provider));
        }
        Fault::from_order_id(provider, order_id?)
    }
}

/// True for the providers that sign their answers (WeChat Pay), the only ones a signature
/// fault means something for.
fn signs_answers(provider: ProviderId) -> bool {
    matches!(
        provider,
        ProviderId::WechatpayEduPapay | ProviderId::WechatpayPayscoreOversea
    )
}

/// Cuts a body in half (at least one byte removed).
pub(crate) fn truncate(body: &[u8]) -> Vec<u8> {
    body.get(..body.len() / 2).unwrap_or_default().to_vec()
}
