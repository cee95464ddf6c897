//! Provider identities.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The five supported provider APIs (ids as used in config documents and vectors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ProviderId {
    /// WeChat Mini Program service-provider charge `getOrder`.
    WechatMiniCharge,
    /// Fubei (付呗) `openapi.payment.order.query`.
    Fubei,
    /// WeChat Pay APIv3 education fee (edu-papay) query by `out_trade_no`.
    WechatpayEduPapay,
    /// Vending-machine vendor 广州鼎商 (dsjsdz) order query.
    DingshangVending,
    /// WeChat Pay Global Pay Score oversea partner service-order query.
    WechatpayPayscoreOversea,
}

impl ProviderId {
    /// Every provider.
    pub const ALL: [ProviderId; 5] = [
        ProviderId::WechatMiniCharge,
        ProviderId::Fubei,
        ProviderId::WechatpayEduPapay,
        ProviderId::DingshangVending,
        ProviderId::WechatpayPayscoreOversea,
    ];

    /// The id string, e.g. `"wechatpay_edu_papay"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderId::WechatMiniCharge => "wechat_mini_charge",
            ProviderId::Fubei => "fubei",
            ProviderId::WechatpayEduPapay => "wechatpay_edu_papay",
            ProviderId::DingshangVending => "dingshang_vending",
            ProviderId::WechatpayPayscoreOversea => "wechatpay_payscore_oversea",
        }
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON Schema of a type that is one thing per provider ([`crate::Config`],
/// [`crate::Query`], [`crate::ProviderDetail`]): `anyOf` the providers' schemas, each marked
/// with `x-provider`, the id it belongs to. tools/typegen turns it into a discriminated union
/// (TypeScript, Python) keyed by that id.
#[cfg(feature = "schema")]
pub(crate) fn per_provider_schema(
    description: &str,
    alternatives: Vec<(ProviderId, schemars::Schema)>,
) -> schemars::Schema {
    let alternatives: Vec<serde_json::Value> = alternatives
        .into_iter()
        .map(|(provider, schema)| {
            serde_json::json!({ "allOf": [schema.to_value()], "x-provider": provider.as_str() })
        })
        .collect();
    schemars::json_schema!({ "description": description, "anyOf": alternatives })
}
