//! Access tokens, for a provider whose order queries need one (today the Mini Program's: WeChat
//! issues them from two endpoints, [`TokenKind`]). Floor 0: the token and its kind are plain
//! values the provider parses, the flow keeps and a token store holds, so they sit below all
//! three rather than inside the provider that fetches them.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::order::Timestamp;
use crate::secret::Secret;

/// Longest access token accepted (WeChat says to reserve at least 512 characters).
pub const ACCESS_TOKEN_MAX_LEN: usize = 2048;

/// Which token endpoint to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// `POST /cgi-bin/stable_token` (recommended).
    Stable,
    /// `GET /cgi-bin/token` (every call invalidates the previous token after 5 minutes).
    Classic,
}

impl TokenKind {
    /// `"stable"` or `"classic"`, as in query documents and the bindings' `kind` argument.
    pub fn parse(kind: &str) -> Result<Self> {
        match kind {
            "stable" => Ok(TokenKind::Stable),
            "classic" => Ok(TokenKind::Classic),
            _ => Err(Error::invalid_input(
                "kind",
                "token kind must be \"stable\" or \"classic\"",
            )),
        }
    }

    /// A token request's `force_refresh` applies to stable tokens only: a classic token cannot
    /// be forced (every classic request already replaces the token).
    pub fn check_force_refresh(self, force_refresh: bool) -> Result<()> {
        if force_refresh && self == TokenKind::Classic {
            return Err(Error::invalid_input(
                "force_refresh",
                "`force_refresh` applies to stable tokens only",
            ));
        }
        Ok(())
    }

    /// `"stable"` or `"classic"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Stable => "stable",
            TokenKind::Classic => "classic",
        }
    }
}

/// A WeChat access token with its computed lifetime. Printed, logged or turned into JSON by a
/// binding, it hides the token; the CLI's token output (and a token store's value) holds it,
/// on purpose, with the times as Unix seconds.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record), uniffi::export(Display))]
pub struct AccessToken {
    /// The token.
    #[serde(serialize_with = "expose_secret")]
    pub access_token: Secret,
    /// Lifetime in seconds, as WeChat said.
    pub expires_in: i64,
    /// `now + expires_in`.
    #[serde(serialize_with = "Timestamp::serialize_unix_seconds")]
    #[cfg_attr(feature = "schema", schemars(with = "crate::order::UnixSecondsSchema"))]
    pub expires_at: Timestamp,
    /// When to fetch a new one: `expires_at - 300` (or halfway, for lifetimes under 10 min).
    #[serde(serialize_with = "Timestamp::serialize_unix_seconds")]
    #[cfg_attr(feature = "schema", schemars(with = "crate::order::UnixSecondsSchema"))]
    pub refresh_at: Timestamp,
}

fn expose_secret<S: Serializer>(secret: &Secret, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose())
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AccessToken(access_token=[redacted], expires_in={}, expires_at={}, refresh_at={})",
            self.expires_in, self.expires_at, self.refresh_at
        )
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
