//! The normalized order every provider's answer is mapped to.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::money::Money;
use crate::provider::ProviderId;

/// The unified order status: one set of states for every provider.
// Each provider's own states map onto it as PROVIDERS.md §6 says. Serialized as `as_str`; the
// schema's names come from `rename_all`, and tools/typegen checks that the two agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(rename_all = "SCREAMING_SNAKE_CASE")
)]
pub enum OrderStatus {
    /// Created, not paid yet.
    Pending,
    /// Payment in progress (e.g. the payer is entering a password).
    Paying,
    /// Paid.
    Paid,
    /// A refund was started and is in progress.
    Refunding,
    /// Refunded.
    Refunded,
    /// Closed without payment.
    Closed,
    /// Revoked or cancelled.
    Cancelled,
    /// Payment failed.
    Failed,
    /// Expired before payment.
    Expired,
    /// A value the provider does not document: see `raw_status`; payquery never guesses.
    Unknown,
}

impl OrderStatus {
    /// The stable string form, e.g. `"PAID"`.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "PENDING",
            OrderStatus::Paying => "PAYING",
            OrderStatus::Paid => "PAID",
            OrderStatus::Refunding => "REFUNDING",
            OrderStatus::Refunded => "REFUNDED",
            OrderStatus::Closed => "CLOSED",
            OrderStatus::Cancelled => "CANCELLED",
            OrderStatus::Failed => "FAILED",
            OrderStatus::Expired => "EXPIRED",
            OrderStatus::Unknown => "UNKNOWN",
        }
    }

    /// Every status, in declaration order.
    pub const ALL: [OrderStatus; 10] = [
        OrderStatus::Pending,
        OrderStatus::Paying,
        OrderStatus::Paid,
        OrderStatus::Refunding,
        OrderStatus::Refunded,
        OrderStatus::Closed,
        OrderStatus::Cancelled,
        OrderStatus::Failed,
        OrderStatus::Expired,
        OrderStatus::Unknown,
    ];

    /// True for the states in which the merchant received the payer's money (`PAID`, and the
    /// refund states that follow it). `Order::paid_amount` is reported only in these states: a
    /// provider's "paid" figure on an unpaid, closed or cancelled order (a pre-filled
    /// `total_fee`, a `payer_total` on a failed payment) is not money anyone received.
    pub fn money_received(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid | OrderStatus::Refunding | OrderStatus::Refunded
        )
    }
}

/// Facts that qualify a status without being one.
// Serialized as `as_str`; tools/typegen checks that the schema's names agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(rename_all = "snake_case")
)]
pub enum OrderFlag {
    /// Paid, and a refund was attempted and failed (Mini Program charge status 7).
    RefundFailed,
    /// Paid through a pickup code (vending `PICKUPCODE`).
    PickupCode,
    /// A test order, not real money (vending `TESTPAY`).
    TestOrder,
}

impl OrderFlag {
    /// The stable string form, e.g. `"refund_failed"`.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderFlag::RefundFailed => "refund_failed",
            OrderFlag::PickupCode => "pickup_code",
            OrderFlag::TestOrder => "test_order",
        }
    }

    /// Every flag, in declaration order.
    pub const ALL: [OrderFlag; 3] = [
        OrderFlag::RefundFailed,
        OrderFlag::PickupCode,
        OrderFlag::TestOrder,
    ];
}

impl Serialize for OrderStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for OrderFlag {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The normalized view of one provider order.
///
/// Times are instants in UTC (RFC 3339 text in JSON, `2020-03-26T02:43:39Z`); the provider's
/// own form (epoch seconds/ms, local offsets) stays in the detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Order {
    /// Which provider answered.
    pub provider: ProviderId,
    /// The provider's id for the order (transaction id, order_sn, orderId, order_id).
    pub provider_order_id: Option<String>,
    /// The merchant's own order number, when the provider echoes one.
    pub merchant_order_no: Option<String>,
    /// The unified status.
    pub status: OrderStatus,
    /// The provider's status value, verbatim (numbers as their decimal text).
    pub raw_status: String,
    /// The order's total price, when the provider stated both the amount and its currency.
    /// Never a guessed 0 or a guessed currency: a Pay Score order in `CREATED` may come without
    /// `total_amount`, a vending answer may omit its `amount` (protobuf drops empty strings).
    pub amount: Option<Money>,
    /// What the payer actually paid, when the provider says so and the status is one in which
    /// money was received: `PAID`, `REFUNDING` or `REFUNDED`.
    pub paid_amount: Option<Money>,
    /// When payment completed.
    pub paid_at: Option<Timestamp>,
    /// When the order was created.
    pub created_at: Option<Timestamp>,
    /// Qualifiers of the status.
    pub flags: Vec<OrderFlag>,
}

impl Order {
    /// `paid` when `status` is one in which money was received, else `None`.
    pub(crate) fn paid_amount_for(status: OrderStatus, paid: Option<Money>) -> Option<Money> {
        paid.filter(|_| status.money_received())
    }
}

/// A point in time from a provider answer, in UTC. Serializes as RFC 3339
/// (`2020-03-26T02:43:39Z`, a fraction only when there is one); bindings take
/// [`Timestamp::unix_seconds`] and [`Timestamp::nanos`] to build their own date types.
/// Always within the years 0001–9999, which every host's date type can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    fn new(field: &str, t: OffsetDateTime) -> Result<Self> {
        if (1..=9999).contains(&t.year()) {
            Ok(Timestamp(t.to_offset(time::UtcOffset::UTC)))
        } else {
            Err(
                Error::decode(format!("`{field}` is outside the years 0001 to 9999"))
                    .with_field(field),
            )
        }
    }

    /// The timestamp `secs` seconds after 1970-01-01T00:00:00Z, when it is within the years
    /// 0001–9999 (bindings render token times with it).
    pub fn from_unix_seconds(secs: i64) -> Option<Self> {
        timestamp_from_unix_seconds("time", secs).ok()
    }

    /// Whole seconds since 1970-01-01T00:00:00Z (negative before).
    pub fn unix_seconds(&self) -> i64 {
        self.0.unix_timestamp()
    }

    /// Nanoseconds after [`Timestamp::unix_seconds`] (0 to 999 999 999).
    pub fn nanos(&self) -> u32 {
        self.0.nanosecond()
    }

    /// The same instant as a [`std::time::SystemTime`] (what UniFFI hands Kotlin as an
    /// `Instant` and Swift as a `Date`). A pure conversion: no clock is read.
    pub fn to_system_time(&self) -> std::time::SystemTime {
        let (seconds, nanos) = (self.unix_seconds(), self.nanos());
        let whole = std::time::Duration::new(seconds.unsigned_abs(), 0);
        let at = if seconds >= 0 {
            std::time::UNIX_EPOCH.checked_add(whole)
        } else {
            std::time::UNIX_EPOCH.checked_sub(whole)
        };
        // Years 0001-9999 always fit in a SystemTime.
        at.and_then(|t| t.checked_add(std::time::Duration::new(0, nanos)))
            .unwrap_or(std::time::UNIX_EPOCH)
    }

    /// The timestamp of a [`std::time::SystemTime`], when it is within the years 0001–9999.
    pub fn from_system_time(t: std::time::SystemTime) -> Option<Self> {
        let nanos: i128 = match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(after) => i128::try_from(after.as_nanos()).ok()?,
            Err(before) => -i128::try_from(before.duration().as_nanos()).ok()?,
        };
        let t = OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?;
        Timestamp::new("time", t).ok()
    }

    /// RFC 3339 in UTC.
    pub fn to_rfc3339(&self) -> String {
        self.0.format(&Rfc3339).unwrap_or_default()
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl Timestamp {
    /// Serializes as whole Unix seconds (an integer), for the few times the wire shape states
    /// that way (access-token expiry): `#[serde(serialize_with = "Timestamp::serialize_unix_seconds")]`.
    pub(crate) fn serialize_unix_seconds<S: serde::Serializer>(
        t: &Timestamp,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i64(t.unix_seconds())
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "A point in time in UTC, RFC 3339 (`2020-03-26T02:43:39Z`).",
        })
    }

    fn inline_schema() -> bool {
        true
    }
}

/// The schema of a [`Timestamp`] written as whole Unix seconds (`format: unix-time`: an int64
/// on the wire, a date type in every host that has one).
#[cfg(feature = "schema")]
pub(crate) struct UnixSecondsSchema;

#[cfg(feature = "schema")]
impl schemars::JsonSchema for UnixSecondsSchema {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "UnixSeconds".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "integer",
            "format": "unix-time",
            "description": "A point in time, as whole Unix seconds.",
        })
    }

    fn inline_schema() -> bool {
        true
    }
}

/// Unix seconds → a timestamp.
pub(crate) fn timestamp_from_unix_seconds(field: &str, secs: i64) -> Result<Timestamp> {
    let t = OffsetDateTime::from_unix_timestamp(secs).map_err(|_| {
        Error::decode(format!("`{field}` is not a valid Unix time: {secs}")).with_field(field)
    })?;
    Timestamp::new(field, t)
}

/// Unix milliseconds → a timestamp.
pub(crate) fn timestamp_from_unix_millis(field: &str, millis: i64) -> Result<Timestamp> {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).map_err(
        |_| {
            Error::decode(format!(
                "`{field}` is not a valid Unix time in ms: {millis}"
            ))
            .with_field(field)
        },
    )?;
    Timestamp::new(field, t)
}

/// An RFC 3339 timestamp from a provider (any offset) → a timestamp in UTC.
pub(crate) fn timestamp_from_rfc3339(field: &str, value: &str) -> Result<Timestamp> {
    let t = OffsetDateTime::parse(value, &Rfc3339).map_err(|_| {
        Error::decode(format!(
            "`{field}` is not an RFC 3339 timestamp: `{}`",
            value.escape_debug()
        ))
        .with_field(field)
    })?;
    Timestamp::new(field, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_normalize_to_utc() {
        let text = |t: Result<Timestamp>| t.unwrap().to_string();
        assert_eq!(
            text(timestamp_from_unix_seconds("t", 1_496_325_236)),
            "2017-06-01T13:53:56Z"
        );
        assert_eq!(
            text(timestamp_from_unix_millis("t", 1_687_265_841_964)),
            "2023-06-20T12:57:21.964Z"
        );
        assert_eq!(
            text(timestamp_from_unix_millis("t", 1_687_265_841_000)),
            "2023-06-20T12:57:21Z"
        );
        assert_eq!(
            text(timestamp_from_rfc3339("t", "2020-03-26T10:43:39+08:00")),
            "2020-03-26T02:43:39Z"
        );
        let t = timestamp_from_rfc3339("t", "2020-03-26T10:43:39.123456789+08:00").unwrap();
        assert_eq!((t.unix_seconds(), t.nanos()), (1_585_190_619, 123_456_789));
        assert!(timestamp_from_rfc3339("t", "2020-03-26 10:43:39").is_err());
        assert!(timestamp_from_unix_seconds("t", i64::MAX).is_err());
        assert!(timestamp_from_unix_millis("t", i64::MIN).is_err());
        // Year 0 parses as RFC 3339 but no host date type holds it.
        assert!(timestamp_from_rfc3339("t", "0000-06-01T00:00:00Z").is_err());
        assert!(timestamp_from_rfc3339("t", "0001-01-01T00:00:00Z").is_ok());
        for t in [
            timestamp_from_rfc3339("t", "2020-03-26T10:43:39.123456789+08:00").unwrap(),
            timestamp_from_rfc3339("t", "0001-01-01T00:00:00Z").unwrap(),
            timestamp_from_rfc3339("t", "9999-12-31T23:59:59.999999999Z").unwrap(),
        ] {
            assert_eq!(Timestamp::from_system_time(t.to_system_time()), Some(t));
        }
    }
}
