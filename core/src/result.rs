//! What a parsed answer is: the normalized [`Order`], the provider's own typed answer
//! ([`ProviderDetail`]) and which key verified it. Below the providers (each builds a
//! [`QueryResult`]) and above nothing: the registry and the bindings read it from the crate root.

use serde::Serialize;

use crate::error::ErrorCode;
use crate::order::Order;
use crate::providers::dingshang_vending::DingshangOrder;
use crate::providers::fubei::FubeiOrder;
use crate::providers::wechat_mini_charge::{AccessToken, MiniChargeOrder};
use crate::providers::wechatpay::edu_papay::EduPapayTransaction;
use crate::providers::wechatpay::payscore_oversea::PayscoreServiceOrder;
use crate::ProviderId;

/// A parsed order answer: the normalized order and the provider's full typed response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct QueryResult {
    /// The normalized order.
    pub order: Order,
    /// Everything the provider said, typed.
    pub detail: ProviderDetail,
    /// The serial (`PUB_KEY_ID_…` or platform certificate serial) of the key whose signature
    /// over this response was verified; `None` for providers that define no response signature
    /// (their answers are trusted only as far as TLS to the provider's host).
    pub signature_serial: Option<String>,
    /// The requests the one-call query made for this answer, in order (empty for an answer
    /// parsed by hand: payquery made no request).
    pub attempts: Vec<Attempt>,
    /// False only when a polling query reached its deadline on a status that is not final:
    /// `order` is then the last answer, still pending.
    pub settled: bool,
}

impl QueryResult {
    /// One answer, as a provider's parser makes it: no attempts yet, settled.
    pub(crate) fn answered(
        order: Order,
        detail: ProviderDetail,
        signature_serial: Option<String>,
    ) -> Self {
        QueryResult {
            order,
            detail,
            signature_serial,
            attempts: Vec::new(),
            settled: true,
        }
    }
}

/// One request the one-call query sent, and what came of it. The URL is redacted (a Mini
/// Program access token travels in it), so attempts may be logged as they are.
///
/// A token-store operation that failed is an attempt too (`purpose` [`AttemptPurpose::Store`],
/// `host` [`HostRole::TokenStore`]): the query carries on without the store, but a fleet whose
/// store is down would otherwise fetch a token per process without anyone seeing why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Attempt {
    /// What the request was for.
    pub purpose: AttemptPurpose,
    /// Which host it went to.
    pub host: HostRole,
    /// The request URL, credentials replaced by `[redacted]`.
    pub url: String,
    /// The HTTP status of the answer, when one came.
    pub http_status: Option<i32>,
    /// The error the attempt ended in; `None` when it succeeded.
    pub error: Option<ErrorCode>,
    /// How the request failed to complete, for a `NETWORK_ERROR`.
    pub transport: Option<TransportFailure>,
    /// How long the attempt took, in milliseconds (host clock; at most a query's deadline).
    pub duration_ms: i32,
    /// A `store` attempt's failure: the kind of error the token store raised (the host's
    /// exception class name, such as `ConnectionError`), never its message, which may quote a
    /// key or a token. `None` for every other attempt.
    pub store_error: Option<String>,
}

/// What a request was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AttemptPurpose {
    /// The order query.
    Query,
    /// A Mini Program access token.
    Token,
    /// A token-store operation that failed (`url` names it: `token-store:get <key>`).
    Store,
}

/// Which of a provider's hosts a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum HostRole {
    /// The main host (`base_url`).
    Main,
    /// The backup host (`backup_base_url`), after a failover.
    Backup,
    /// The host's token store (a `store` attempt), not an HTTP host.
    TokenStore,
}

/// How a request failed to complete, as the host's HTTP client reported it (the host
/// classifies its own errors; payquery never sees a socket).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TransportFailure {
    /// The connection could not be made (refused, unreachable).
    Connect,
    /// The host name did not resolve.
    Dns,
    /// The TLS handshake failed.
    Tls,
    /// No complete answer within the request's timeout.
    Timeout,
    /// The connection was closed or reset before a complete answer.
    Reset,
    /// Any other failure to complete the request.
    Other,
}

impl TransportFailure {
    /// The stable string form, e.g. `"timeout"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportFailure::Connect => "connect",
            TransportFailure::Dns => "dns",
            TransportFailure::Tls => "tls",
            TransportFailure::Timeout => "timeout",
            TransportFailure::Reset => "reset",
            TransportFailure::Other => "other",
        }
    }

    /// Parses the string form; anything else is `Other`.
    pub fn from_name(name: &str) -> TransportFailure {
        [
            TransportFailure::Connect,
            TransportFailure::Dns,
            TransportFailure::Tls,
            TransportFailure::Timeout,
            TransportFailure::Reset,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
        .unwrap_or(TransportFailure::Other)
    }
}

/// When the caller says which query a response answers, the order in it must be that order:
/// a response for another order (a mixed-up exchange, a misrouted reply) is refused with
/// `DECODE_ERROR` rather than reported as the queried order's state. `got` is `None` where the
/// provider does not echo the id (it cannot be checked then).
pub(crate) fn check_answers(field: &str, wanted: &str, got: Option<&str>) -> crate::Result<()> {
    match got {
        Some(got) if got != wanted => Err(crate::Error::decode(format!(
            "the response is for order `{}`, not the queried `{wanted}`",
            got.escape_debug()
        ))
        .with_field(field)),
        _ => Ok(()),
    }
}

/// The provider's own typed response. Serializes as the provider's object alone (untagged: the
/// provider is in `order.provider`); each host's type is a union (TypeScript, Python) or a
/// sealed class (Kotlin, Swift) over the five.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[non_exhaustive]
pub enum ProviderDetail {
    /// edu-papay transaction.
    WechatpayEduPapay {
        /// The transaction.
        transaction: Box<EduPapayTransaction>,
    },
    /// Pay Score service order.
    WechatpayPayscoreOversea {
        /// The service order.
        service_order: Box<PayscoreServiceOrder>,
    },
    /// Mini Program charge order.
    WechatMiniCharge {
        /// The order.
        order: Box<MiniChargeOrder>,
    },
    /// Fubei order.
    Fubei {
        /// The order.
        order: Box<FubeiOrder>,
    },
    /// Vending order.
    DingshangVending {
        /// The order.
        order: Box<DingshangOrder>,
    },
}

impl ProviderDetail {
    /// The provider whose answer this is.
    pub fn provider(&self) -> ProviderId {
        match self {
            ProviderDetail::WechatpayEduPapay { .. } => ProviderId::WechatpayEduPapay,
            ProviderDetail::WechatpayPayscoreOversea { .. } => ProviderId::WechatpayPayscoreOversea,
            ProviderDetail::WechatMiniCharge { .. } => ProviderId::WechatMiniCharge,
            ProviderDetail::Fubei { .. } => ProviderId::Fubei,
            ProviderDetail::DingshangVending { .. } => ProviderId::DingshangVending,
        }
    }
}

impl Serialize for ProviderDetail {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            ProviderDetail::WechatpayEduPapay { transaction } => transaction.serialize(s),
            ProviderDetail::WechatpayPayscoreOversea { service_order } => {
                service_order.serialize(s)
            }
            ProviderDetail::WechatMiniCharge { order } => order.serialize(s),
            ProviderDetail::Fubei { order } => order.serialize(s),
            ProviderDetail::DingshangVending { order } => order.serialize(s),
        }
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for ProviderDetail {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ProviderDetail".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        crate::provider::per_provider_schema(
            "The provider's own typed response; `order.provider` says which.",
            vec![
                (
                    ProviderId::WechatpayEduPapay,
                    generator.subschema_for::<EduPapayTransaction>(),
                ),
                (
                    ProviderId::WechatpayPayscoreOversea,
                    generator.subschema_for::<PayscoreServiceOrder>(),
                ),
                (
                    ProviderId::WechatMiniCharge,
                    generator.subschema_for::<MiniChargeOrder>(),
                ),
                (ProviderId::Fubei, generator.subschema_for::<FubeiOrder>()),
                (
                    ProviderId::DingshangVending,
                    generator.subschema_for::<DingshangOrder>(),
                ),
            ],
        )
    }
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
