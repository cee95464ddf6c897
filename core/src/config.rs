//! Config documents: `{"provider": "<id>", …that provider's settings}`.
//!
//! One [`Config`] per provider, each variant holding that provider's settings type (which
//! refuses unknown keys). The same type is what every language's config type is generated
//! from (TypeScript's discriminated union on `provider`, Python's `TypedDict`s, Kotlin's and
//! Swift's sealed `Config`), so a config means the same thing everywhere.

use crate::document::{self, DocumentKind};
use crate::error::{Error, Result};
use crate::provider::ProviderId;
use crate::provider_client::ProviderClient;
use crate::provider_list::each_provider;

macro_rules! config_union {
    (
        ids: [$($ids:tt)*],
        // One tuple per provider: see provider_list.rs.
        entries: [$(($variant:ident, $client:ty, ($config:ty, $config_doc:literal), ($query:ty, $query_doc:literal),
            ($field:ident, $detail:ty, $detail_doc:literal, $field_doc:literal),
            ($notice:ty, $notice_doc:literal),),)+],
    ) => {
        /// A client configuration, for one provider.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        pub enum Config {
            $(
                #[doc = $config_doc]
                $variant {
                    /// The settings.
                    config: $config,
                },
            )+
        }

        impl Config {
            /// The provider this config is for.
            pub fn provider(&self) -> ProviderId {
                match self {
                    $(Config::$variant { .. } => ProviderId::$variant,)+
                }
            }

            /// The rest of a config document, after its `provider` member, as that provider's
            /// settings (unknown keys refused by each settings type).
            fn from_settings(provider: &str, settings: serde_json::Value) -> Result<Self> {
                $(if provider == ProviderId::$variant.as_str() {
                    return Ok(Config::$variant {
                        config: document::typed(DocumentKind::Config, settings)?,
                    });
                })+
                Err(Error::invalid_config(
                    "provider",
                    format!(
                        "unknown provider; expected one of {}",
                        ProviderId::ALL.map(ProviderId::as_str).join(", ")
                    ),
                ))
            }

            /// Everything a client checks but the keys (they need the host's RSA backend, so they are
            /// checked when the client is made): the base URLs, `max_response_bytes`, the ids, a Mini
            /// Program's way to a token. A config document is checked when it is read, so a mistake
            /// fails there (Kotlin's `configFromJson`, Python's and Node's config readers), not at the
            /// first query; a config built from typed values is checked when its client is made.
            fn check(&self) -> Result<()> {
                match self {
                    $(Config::$variant { config } => {
                        <$client as ProviderClient>::check_config(config)
                    })+
                }
            }
        }

        // The document's shape: the settings of the provider `provider` names (tools/typegen
        // adds the `provider` member and the `*_path` alternatives to `*_pem` keys).
        crate::provider::impl_per_provider_schema!(
            Config,
            "A client config document: `provider` and that provider's settings.",
            [$(($variant, $config)),+]
        );
    };
}
each_provider!(config_union);

impl Config {
    /// Parses a config document. `*_path` keys must already have been replaced by `*_pem`
    /// (see [`resolve_pem_paths`]). Unknown keys are rejected: a typo in a payment config
    /// should fail loudly, not fall back to a default.
    pub fn from_json(json: &str) -> Result<Self> {
        Config::from_document(document::parse(DocumentKind::Config, json)?)
    }

    /// Parses a config document that may still hold `*_path` keys: each is replaced by the
    /// `*_pem` text `load` returns for its path. The host decides what a path is relative to
    /// (the CLI and the bindings' `from_config_file` use the config file's directory).
    pub fn from_json_with_files(
        json: &str,
        load: &mut dyn FnMut(&str) -> std::result::Result<String, String>,
    ) -> Result<Self> {
        let mut document = document::parse(DocumentKind::Config, json)?;
        resolve_pem_paths(&mut document, load)?;
        Config::from_document(document)
    }

    /// The `(key, path)` of every `*_path` key of a config document, in document order: what
    /// a host that reads files itself (Kotlin, Swift) reads before
    /// [`Config::from_json_with_files`], naming the key when a file cannot be read.
    pub fn file_paths(json: &str) -> Result<Vec<(String, String)>> {
        let mut document = document::parse(DocumentKind::Config, json)?;
        let mut paths = Vec::new();
        resolve_paths(&mut document, &mut |key, path| {
            paths.push((key.to_owned(), path.to_owned()));
            Ok(String::new())
        })?;
        Ok(paths)
    }

    /// Reads the `provider` member, then the rest as that provider's settings (unknown keys
    /// refused by each settings type).
    fn from_document(mut document: serde_json::Value) -> Result<Self> {
        let provider = match document.as_object_mut().map(|o| o.remove("provider")) {
            Some(Some(serde_json::Value::String(p))) => p,
            Some(_) => {
                return Err(Error::invalid_config(
                    "provider",
                    "the config document needs a `provider` string",
                ))
            }
            None => {
                return Err(Error::invalid_config(
                    "provider",
                    "the config document must be a JSON object",
                ))
            }
        };
        // `$schema` names the JSON Schema an editor validates the file with (the configs
        // `payquery sandbox --write-configs` writes carry one); it is no setting.
        match document.as_object_mut().and_then(|o| o.remove("$schema")) {
            None | Some(serde_json::Value::String(_)) => {}
            Some(_) => {
                return Err(Error::invalid_config(
                    "$schema",
                    "`$schema` must be a string: the JSON Schema an editor checks this file with",
                ))
            }
        }
        let config = Config::from_settings(&provider, document)?;
        config.check()?;
        Ok(config)
    }
}

/// Replaces every `X_path` key of a config document (at any depth) by `X_pem`, with the file's
/// contents as returned by `load`. The core does no I/O: the host supplies `load` (the CLI reads
/// the file system; tests read the vector directory).
pub fn resolve_pem_paths(
    document: &mut serde_json::Value,
    load: &mut dyn FnMut(&str) -> std::result::Result<String, String>,
) -> Result<()> {
    resolve_paths(document, &mut |_, path| load(path))
}

/// [`resolve_pem_paths`], telling `load` the key as well as the path.
fn resolve_paths(
    document: &mut serde_json::Value,
    load: &mut dyn FnMut(&str, &str) -> std::result::Result<String, String>,
) -> Result<()> {
    match document {
        serde_json::Value::Object(map) => {
            let path_keys: Vec<String> = map
                .keys()
                .filter(|k| k.ends_with("_path"))
                .cloned()
                .collect();
            for key in path_keys {
                let stem = key.trim_end_matches("_path");
                let pem_key = format!("{stem}_pem");
                if map.contains_key(&pem_key) {
                    return Err(Error::invalid_config(
                        &key,
                        format!("give `{key}` or `{pem_key}`, not both"),
                    ));
                }
                let path = match map.remove(&key) {
                    Some(serde_json::Value::String(p)) => p,
                    _ => {
                        return Err(Error::invalid_config(
                            &key,
                            format!("`{key}` must be a string"),
                        ))
                    }
                };
                let contents = load(&key, &path).map_err(|e| {
                    Error::invalid_config(&key, format!("cannot read `{key}` ({path}): {e}"))
                })?;
                document::check_size(DocumentKind::Config, &key, &contents)?;
                map.insert(pem_key, serde_json::Value::String(contents));
            }
            for value in map.values_mut() {
                resolve_paths(value, load)?;
            }
        }
        serde_json::Value::Array(items) => {
            for value in items {
                resolve_paths(value, load)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_document_is_checked_when_it_is_read_not_at_the_first_query() {
        let refused = |json: &str, field: &str| {
            let e = Config::from_json(json).unwrap_err();
            assert_eq!(
                (e.code(), e.field()),
                (crate::ErrorCode::InvalidConfig, Some(field)),
                "{json}: {e}"
            );
            e.to_string()
        };
        refused(r#"{"provider":"wechat_mini_charge"}"#, "access_token");
        refused(
            r#"{"provider":"wechat_mini_charge","appid":"wx1"}"#,
            "access_token",
        );
        refused(
            r#"{"provider":"wechat_mini_charge","access_token":"T","app_secret":"S"}"#,
            "appid",
        );
        refused(
            r#"{"provider":"fubei","app_id":"1","app_secret":"s","max_response_bytes":0}"#,
            "max_response_bytes",
        );
        refused(
            r#"{"provider":"fubei","app_id":"1","app_secret":"s","base_url":"http://[::1"}"#,
            "base_url",
        );
        let shown = refused(
            r#"{"provider":"dingshang_vending","base_url":"https://user:hunter2@vending.example","appid":"a","app_secret":"s","sign_key":"k"}"#,
            "base_url",
        );
        assert!(!shown.contains("hunter2"), "{shown}");
        refused(
            r#"{"provider":"wechatpay_payscore_oversea","mchid":"1900000001","merchant_serial_no":"AB","wechatpay_public_key_id":"PUB_KEY_ID_1","wechatpay_public_key_pem":"x","backup_base_url":"ftp://x"}"#,
            "backup_base_url",
        );
        // Each way to a Mini Program token is fine.
        for ok in [
            r#"{"provider":"wechat_mini_charge","access_token":"T"}"#,
            r#"{"provider":"wechat_mini_charge","appid":"wx1","app_secret":"S"}"#,
            r#"{"provider":"fubei","app_id":"1","app_secret":"s","max_response_bytes":1}"#,
        ] {
            Config::from_json(ok).unwrap();
        }
    }

    #[test]
    fn a_schema_reference_is_no_setting_and_must_be_text() {
        let config = |schema: &str| {
            Config::from_json(&format!(
                r#"{{"$schema": {schema}, "provider": "fubei", "app_id": "20160922135339595387", "app_secret": "s"}}"#
            ))
        };
        assert_eq!(
            config(r#""./schemas/fubei.config.schema.json""#)
                .unwrap()
                .provider(),
            ProviderId::Fubei
        );
        let e = config("1").unwrap_err();
        assert_eq!(e.field(), Some("$schema"));
    }

    #[test]
    fn file_paths_lists_every_path_key_in_order() {
        let json = r#"{"provider":"wechatpay_edu_papay","merchant_private_key_path":"a.pem",
            "platform_certificates":[{"serial_no":"1","certificate_path":"b.pem"}]}"#;
        let paths = Config::file_paths(json).unwrap();
        assert_eq!(
            paths,
            [
                ("merchant_private_key_path".to_owned(), "a.pem".to_owned()),
                ("certificate_path".to_owned(), "b.pem".to_owned())
            ]
        );
        assert!(Config::file_paths("[").is_err());
    }
}
