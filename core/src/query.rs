//! Queries: which order (or, for the Mini Program, which access token) to ask a provider for.
//!
//! One [`Query`] variant per provider, each holding that provider's query type: the same type
//! every language's query type is generated from.

use crate::document::{self, DocumentKind};
use crate::error::Result;
use crate::providers::dingshang_vending::DingshangQuery;
use crate::providers::fubei::FubeiQuery;
use crate::providers::wechat_mini_charge::MiniChargeQuery;
use crate::providers::wechatpay::edu_papay::EduPapayQuery;
use crate::providers::wechatpay::payscore_oversea::PayscoreOverseaQuery;
use crate::ProviderId;

/// A typed query for one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Query {
    /// edu-papay order query.
    WechatpayEduPapay {
        /// The query.
        query: EduPapayQuery,
    },
    /// Pay Score oversea service-order query.
    WechatpayPayscoreOversea {
        /// The query.
        query: PayscoreOverseaQuery,
    },
    /// Mini Program charge order or access-token query.
    WechatMiniCharge {
        /// The query.
        query: MiniChargeQuery,
    },
    /// Fubei order query.
    Fubei {
        /// The query.
        query: FubeiQuery,
    },
    /// Vending order query.
    DingshangVending {
        /// The query.
        query: DingshangQuery,
    },
}

impl Query {
    /// Parses a query document (JSON text) for `provider`: an order query, or (Mini Program) an
    /// access-token query `{"token": "stable" | "classic"}`. Unknown keys, a key given twice
    /// and a value of the wrong type are refused, naming the key.
    pub fn from_json(provider: ProviderId, json: &str) -> Result<Query> {
        fn typed<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
            document::typed_from_text(DocumentKind::Query, json)
        }
        Ok(match provider {
            ProviderId::WechatpayEduPapay => Query::WechatpayEduPapay {
                query: typed(json)?,
            },
            ProviderId::WechatpayPayscoreOversea => Query::WechatpayPayscoreOversea {
                query: typed(json)?,
            },
            ProviderId::WechatMiniCharge => Query::WechatMiniCharge {
                query: MiniChargeQuery::from_json(json)?,
            },
            ProviderId::Fubei => Query::Fubei {
                query: typed(json)?,
            },
            ProviderId::DingshangVending => Query::DingshangVending {
                query: typed(json)?,
            },
        })
    }

    /// The provider this query is for.
    pub fn provider(&self) -> ProviderId {
        match self {
            Query::WechatpayEduPapay { .. } => ProviderId::WechatpayEduPapay,
            Query::WechatpayPayscoreOversea { .. } => ProviderId::WechatpayPayscoreOversea,
            Query::WechatMiniCharge { .. } => ProviderId::WechatMiniCharge,
            Query::Fubei { .. } => ProviderId::Fubei,
            Query::DingshangVending { .. } => ProviderId::DingshangVending,
        }
    }

    /// True for a Mini Program access-token query.
    pub fn is_token_query(&self) -> bool {
        self.token_query().is_some()
    }

    /// The kind and `force_refresh` of a Mini Program access-token query.
    pub fn token_query(&self) -> Option<(crate::TokenKind, bool)> {
        match self {
            Query::WechatMiniCharge {
                query:
                    MiniChargeQuery::Token {
                        token,
                        force_refresh,
                    },
            } => Some((*token, *force_refresh)),
            _ => None,
        }
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Query {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Query".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        crate::provider::per_provider_schema(
            "A query document for one provider.",
            vec![
                (
                    ProviderId::WechatpayEduPapay,
                    generator.subschema_for::<EduPapayQuery>(),
                ),
                (
                    ProviderId::WechatpayPayscoreOversea,
                    generator.subschema_for::<PayscoreOverseaQuery>(),
                ),
                (
                    ProviderId::WechatMiniCharge,
                    generator.subschema_for::<MiniChargeQuery>(),
                ),
                (ProviderId::Fubei, generator.subschema_for::<FubeiQuery>()),
                (
                    ProviderId::DingshangVending,
                    generator.subschema_for::<DingshangQuery>(),
                ),
            ],
        )
    }
}
