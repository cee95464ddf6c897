//! What a parsed answer is: the normalized [`Order`], the provider's own typed answer
//! ([`ProviderDetail`], expanded from the one list) and which key verified it. Floor 3, above
//! the providers: each parses into its own types, and the dispatch (`registry`) puts them here.

use serde::Serialize;

use crate::access_token::AccessToken;
use crate::error::Attempt;
use crate::order::Order;
use crate::provider::ProviderId;
use crate::provider_list::each_provider;

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

macro_rules! detail_union {
    (
        ids: [$($ids:tt)*],
        // One tuple per provider: see provider_list.rs.
        entries: [$(($variant:ident, $client:ty, ($config:ty, $config_doc:literal), ($query:ty, $query_doc:literal),
            ($field:ident, $detail:ty, $detail_doc:literal, $field_doc:literal),
            ($notice:ty, $notice_doc:literal),),)+],
    ) => {
        /// The provider's own typed response. Serializes as the provider's object alone (untagged: the
        /// provider is in `order.provider`); each host's type is a union (TypeScript, Python) or a
        /// sealed class (Kotlin, Swift) over the five.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        #[non_exhaustive]
        pub enum ProviderDetail {
            $(
                #[doc = $detail_doc]
                $variant {
                    #[doc = $field_doc]
                    $field: Box<$detail>,
                },
            )+
        }

        impl ProviderDetail {
            /// The provider whose answer this is.
            pub fn provider(&self) -> ProviderId {
                match self {
                    $(ProviderDetail::$variant { .. } => ProviderId::$variant,)+
                }
            }
        }

        impl Serialize for ProviderDetail {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                match self {
                    $(ProviderDetail::$variant { $field } => $field.serialize(s),)+
                }
            }
        }

        crate::provider::impl_per_provider_schema!(
            ProviderDetail,
            "The provider's own typed response; `order.provider` says which.",
            [$(($variant, $detail)),+]
        );
    };
}
each_provider!(detail_union);

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
