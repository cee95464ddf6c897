//! Provider identities, expanded from the one list (`provider_list`). Floor 0: an [`Order`]
//! names its provider, so the id sits below everything that makes or reads one. (What a
//! provider's client does is `provider_client`, a floor up.)
//!
//! [`Order`]: crate::Order

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::provider_list::each_provider;

macro_rules! provider_id_enum {
    (
        ids: [$($(#[doc = $doc:literal])* $id:ident = $text:literal,)+],
        entries: [$($entries:tt)*],
    ) => {
        /// The five supported provider APIs (ids as used in config documents and vectors).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        pub enum ProviderId {
            $($(#[doc = $doc])* $id,)+
        }

        impl ProviderId {
            /// Every provider.
            pub const ALL: [ProviderId; [$(ProviderId::$id),+].len()] = [$(ProviderId::$id),+];

            /// The id string, e.g. `"wechatpay_edu_papay"`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ProviderId::$id => $text,)+
                }
            }
        }
    };
}
each_provider!(provider_id_enum);

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON Schema of a type that is one thing per provider (`Config`, `Query`,
/// `ProviderDetail`): `anyOf` the providers' schemas, each marked with `x-provider`, the id it
/// belongs to. tools/typegen turns it into a discriminated union (TypeScript, Python) keyed by
/// that id.
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

/// Implements `schemars::JsonSchema` for a union over the providers (`Config`, `Query`,
/// `ProviderDetail`) with [`per_provider_schema`], from the one list's entries.
macro_rules! impl_per_provider_schema {
    ($union:ident, $description:literal, [$(($variant:ident, $alternative:ty)),+ $(,)?]) => {
        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $union {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($union).into()
            }

            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                $crate::provider::per_provider_schema(
                    $description,
                    vec![$(
                        ($crate::ProviderId::$variant, generator.subschema_for::<$alternative>()),
                    )+],
                )
            }
        }
    };
}
pub(crate) use impl_per_provider_schema;

#[cfg(test)]
mod tests {
    use super::*;

    /// The list's wire strings are serde's (the config's `provider` member, the vectors).
    #[test]
    fn every_id_is_its_serde_string() {
        for id in ProviderId::ALL {
            let text = serde_json::to_value(id).unwrap();
            assert_eq!(text, id.as_str());
            assert_eq!(serde_json::from_value::<ProviderId>(text).unwrap(), id);
        }
        let mut texts: Vec<&str> = ProviderId::ALL.iter().map(|id| id.as_str()).collect();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(
            texts.len(),
            ProviderId::ALL.len(),
            "two providers share an id string"
        );
    }
}
