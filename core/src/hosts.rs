//! Where a provider's requests go: its main host and the backup host the query flow fails over
//! to (QUERY-FLOW.md §4).
//!
//! Failover sends *the same request* to the backup: the URL's base is swapped and nothing else
//! changes, so a signed request stays valid where the provider does not sign the host (WeChat
//! Pay signs the path, not the host; the MD5 providers sign parameters only). That is why a
//! backup must have the same path as the main base URL where the path is signed: it is checked
//! when the client is configured.

use serde::Deserialize;

use crate::error::Result;
use crate::http::{BaseUrl, HttpRequest};

/// A config's `backup_base_url`: absent (the provider's documented backup, while `base_url`
/// is the default), `null` (no backup: never fail over), or a base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum BackupHost {
    /// No backup host: the flow never fails over (JSON `null`).
    Disabled,
    /// Fail over to this base URL (`http(s)://host[:port][/path]`).
    Url {
        /// The base URL.
        url: String,
    },
}

/// `backup_base_url` as a config document gives it: `null` is [`BackupHost::Disabled`], a
/// string a [`BackupHost::Url`]; an absent key stays `None` (the field's `serde(default)`).
pub(crate) fn de_backup_host<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<BackupHost>, D::Error> {
    Ok(Some(match Option::<String>::deserialize(d)? {
        None => BackupHost::Disabled,
        Some(url) => BackupHost::Url { url },
    }))
}

/// A provider client's hosts, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hosts {
    main: BaseUrl,
    backup: Option<BaseUrl>,
}

impl Hosts {
    /// Resolves a config's `base_url` / `backup_base_url` against the provider's defaults: the
    /// default backup applies only to the default main host (a custom `base_url` keeps it only
    /// if `backup_base_url` names one). `same_path`: the provider signs the path, so a backup
    /// must keep the main base URL's path (only scheme, host and port may differ).
    pub(crate) fn resolve(
        base_url: Option<&str>,
        backup: Option<&BackupHost>,
        default_main: &str,
        default_backup: Option<&str>,
        same_path: bool,
    ) -> Result<Self> {
        let main = BaseUrl::parse("base_url", base_url.unwrap_or(default_main))?;
        let backup = match backup {
            Some(BackupHost::Disabled) => None,
            Some(BackupHost::Url { url }) => Some(BaseUrl::parse("backup_base_url", url)?),
            None if base_url.is_none() => default_backup
                .map(|b| BaseUrl::parse("backup_base_url", b))
                .transpose()?,
            None => None,
        };
        if let Some(backup) = &backup {
            if backup == &main {
                return Err(crate::Error::invalid_config(
                    "backup_base_url",
                    "`backup_base_url` is the same as `base_url`: a backup must be another host",
                ));
            }
            if same_path && backup.path() != main.path() {
                return Err(crate::Error::invalid_config(
                    "backup_base_url",
                    format!(
                        "`backup_base_url` must have the same path as `base_url` (`{}`): this provider signs the path, and failover sends the same signed request",
                        main.path()
                    ),
                ));
            }
        }
        Ok(Hosts { main, backup })
    }

    /// The main base URL.
    pub(crate) fn main(&self) -> &BaseUrl {
        &self.main
    }

    /// True when there is a backup host to fail over to.
    pub(crate) fn has_backup(&self) -> bool {
        self.backup.is_some()
    }

    /// `request` (built for the main host) sent to the backup host instead, or `None` when
    /// there is no backup or the request is not for the main host.
    pub(crate) fn to_backup(&self, request: &HttpRequest) -> Option<HttpRequest> {
        let backup = self.backup.as_ref()?;
        let rest = request.url.strip_prefix(self.main.as_str())?;
        (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')).then(|| HttpRequest {
            url: format!("{}{rest}", backup.as_str()),
            ..request.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;

    fn request(url: &str) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            url: url.to_owned(),
            headers: vec![("A".to_owned(), "b".to_owned())],
            body: None,
        }
    }

    #[test]
    fn the_default_backup_belongs_to_the_default_host() {
        let default = Hosts::resolve(
            None,
            None,
            "https://a.example",
            Some("https://b.example"),
            true,
        )
        .unwrap();
        let swapped = default
            .to_backup(&request("https://a.example/v3/x?y=1"))
            .unwrap();
        assert_eq!(swapped.url, "https://b.example/v3/x?y=1");
        assert_eq!(swapped.headers, request("").headers);
        let custom = Hosts::resolve(
            Some("https://c.example"),
            None,
            "https://a.example",
            Some("https://b.example"),
            true,
        )
        .unwrap();
        assert!(!custom.has_backup());
        let disabled = Hosts::resolve(
            None,
            Some(&BackupHost::Disabled),
            "https://a.example",
            Some("https://b.example"),
            true,
        )
        .unwrap();
        assert!(!disabled.has_backup());
        let named = BackupHost::Url {
            url: "http://127.0.0.1:9/".to_owned(),
        };
        let both = Hosts::resolve(
            Some("http://127.0.0.1:8"),
            Some(&named),
            "https://a.example",
            None,
            true,
        )
        .unwrap();
        assert_eq!(
            both.to_backup(&request("http://127.0.0.1:8/v3/x"))
                .unwrap()
                .url,
            "http://127.0.0.1:9/v3/x"
        );
        // A request for another host is not this client's to fail over.
        assert!(both
            .to_backup(&request("http://127.0.0.1:80/v3/x"))
            .is_none());
    }

    #[test]
    fn a_signed_path_must_survive_failover() {
        let other_path = BackupHost::Url {
            url: "https://b.example/other".to_owned(),
        };
        let e = Hosts::resolve(
            Some("https://a.example/gateway"),
            Some(&other_path),
            "https://x",
            None,
            true,
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("backup_base_url"));
        assert!(Hosts::resolve(
            Some("https://a.example/gateway"),
            Some(&other_path),
            "https://x",
            None,
            false
        )
        .is_ok());
        let same = BackupHost::Url {
            url: "https://a.example/gateway/".to_owned(),
        };
        assert!(Hosts::resolve(
            Some("https://a.example/gateway"),
            Some(&same),
            "https://x",
            None,
            false
        )
        .is_err());
        let bad = BackupHost::Url {
            url: "ftp://b".to_owned(),
        };
        assert_eq!(
            Hosts::resolve(None, Some(&bad), "https://x", None, false)
                .unwrap_err()
                .field(),
            Some("backup_base_url")
        );
    }
}
