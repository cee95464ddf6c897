//! Queries: which order (or, for the Mini Program, which access token) to ask a provider for.
//!
//! One [`Query`] variant per provider, each holding that provider's query type: the same type
//! every language's query type is generated from.

use crate::access_token::TokenKind;
use crate::error::Result;
use crate::provider::ProviderId;
use crate::provider_client::ProviderClient;
use crate::provider_list::each_provider;

macro_rules! query_union {
    (
        ids: [$($ids:tt)*],
        // One tuple per provider: see provider_list.rs.
        entries: [$(($variant:ident, $client:ty, ($config:ty, $config_doc:literal), ($query:ty, $query_doc:literal),
            ($field:ident, $detail:ty, $detail_doc:literal, $field_doc:literal),
            ($notice:ty, $notice_doc:literal),),)+],
    ) => {
        /// A typed query for one provider.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        pub enum Query {
            $(
                #[doc = $query_doc]
                $variant {
                    /// The query.
                    query: $query,
                },
            )+
        }

        impl Query {
            /// Parses a query document (JSON text) for `provider`: an order query, or (Mini
            /// Program) an access-token query `{"token": "stable" | "classic"}`. Unknown keys, a
            /// key given twice and a value of the wrong type are refused, naming the key.
            pub fn from_json(provider: ProviderId, json: &str) -> Result<Query> {
                Ok(match provider {
                    $(ProviderId::$variant => Query::$variant {
                        query: <$client as ProviderClient>::query_from_json(json)?,
                    },)+
                })
            }

            /// The provider this query is for.
            pub fn provider(&self) -> ProviderId {
                match self {
                    $(Query::$variant { .. } => ProviderId::$variant,)+
                }
            }

            /// The kind and `force_refresh` of a Mini Program access-token query.
            pub fn token_query(&self) -> Option<(TokenKind, bool)> {
                match self {
                    $(Query::$variant { query } => {
                        <$client as ProviderClient>::token_query(query)
                    })+
                }
            }
        }

        crate::provider::impl_per_provider_schema!(
            Query,
            "A query document for one provider.",
            [$(($variant, $query)),+]
        );
    };
}
each_provider!(query_union);

impl Query {
    /// True for a Mini Program access-token query.
    pub fn is_token_query(&self) -> bool {
        self.token_query().is_some()
    }
}
