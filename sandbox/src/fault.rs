//! Fault injection, chosen per request: the `X-Payquery-Sandbox-Fault` header, or an order id
//! that starts with `fault_<name>_` (for clients that cannot add headers).

use std::time::Duration;

/// The request header that selects a fault.
pub const FAULT_HEADER: &str = "X-Payquery-Sandbox-Fault";

/// How long the `slow` fault waits before answering.
pub const SLOW_DELAY: Duration = Duration::from_millis(1500);

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
}

impl Fault {
    /// Every fault with its wire name.
    pub const ALL: [(Fault, &'static str); 6] = [
        (Fault::RateLimit, "rate_limit"),
        (Fault::SystemError, "system_error"),
        (Fault::Slow, "slow"),
        (Fault::Truncated, "truncated"),
        (Fault::BadSignature, "bad_signature"),
        (Fault::StaleTimestamp, "stale_timestamp"),
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

    /// The fault a request asks for, from the header or the order-id prefix.
    pub(crate) fn requested(header: Option<&str>, order_id: Option<&str>) -> Option<Fault> {
        if let Some(f) = header.and_then(Fault::from_name) {
            return Some(f);
        }
        let rest = order_id?.strip_prefix("fault_")?;
        Fault::ALL
            .iter()
            .find(|(_, n)| rest.starts_with(&format!("{n}_")))
            .map(|(f, _)| *f)
    }

    /// For order-id-selected faults: the seeded order id the request stands for
    /// (`fault_slow_EDU_PAID_001` → `EDU_PAID_001`).
    pub(crate) fn strip_prefix(order_id: &str) -> &str {
        for (_, name) in Fault::ALL {
            if let Some(rest) = order_id
                .strip_prefix("fault_")
                .and_then(|r| r.strip_prefix(name))
                .and_then(|r| r.strip_prefix('_'))
            {
                return rest;
            }
        }
        order_id
    }
}

/// Cuts a body in half (at least one byte removed).
pub(crate) fn truncate(body: &[u8]) -> Vec<u8> {
    body.get(..body.len() / 2).unwrap_or_default().to_vec()
}
