//! What a parsed answer is: the normalized [`Order`], the provider's own typed answer
//! ([`ProviderDetail`]) and which key verified it. Below the providers (each builds a
//! [`QueryResult`]) and above nothing: the registry and the bindings read it from the crate root.

use serde::Serialize;

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
