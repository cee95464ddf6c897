//! One error type for every failure payquery can report.
//!
//! Every error carries a stable machine [`ErrorCode`] (the string form is part of the public
//! contract: bindings and scripts match on it), a human message, and the facts a caller needs to
//! decide what to do next: whether retrying the *same* request is safe (`retryable`), whether the
//! provider's backup host may be tried, and, for provider-reported failures, the provider's own
//! code, message and HTTP status.
//!
//! Messages never contain secrets: they are built only from field names, lengths, provider
//! replies and public identifiers, never from keys, app secrets or access tokens.

use std::fmt;

use serde::Serialize;

/// Stable, machine-readable error codes. The `SCREAMING_SNAKE_CASE` string form (see
/// [`ErrorCode::as_str`]) never changes meaning between releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ErrorCode {
    /// A query parameter the caller supplied is malformed (charset, length, missing, both given).
    InvalidInput,
    /// The client configuration is unusable (bad key, bad URL, missing credential).
    InvalidConfig,
    /// A response signature the provider defines is missing, malformed or does not verify.
    SignatureInvalid,
    /// A signed response's timestamp is outside the freshness window.
    TimestampSkew,
    /// The provider answered with an error of its own (see `provider_code`).
    ProviderError,
    /// The provider asked us to slow down (HTTP 429 / a quota error code). Retry later.
    RateLimited,
    /// The access token was rejected as expired or invalid: fetch a new one and retry once.
    TokenExpired,
    /// The provider says the order does not exist.
    OrderNotFound,
    /// The response could not be decoded: malformed JSON, wrong types, missing required fields,
    /// money that is not an exact amount, a body that is too large or nested too deeply.
    DecodeError,
}

impl ErrorCode {
    /// The stable string form, e.g. `"SIGNATURE_INVALID"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "INVALID_INPUT",
            ErrorCode::InvalidConfig => "INVALID_CONFIG",
            ErrorCode::SignatureInvalid => "SIGNATURE_INVALID",
            ErrorCode::TimestampSkew => "TIMESTAMP_SKEW",
            ErrorCode::ProviderError => "PROVIDER_ERROR",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::TokenExpired => "TOKEN_EXPIRED",
            ErrorCode::OrderNotFound => "ORDER_NOT_FOUND",
            ErrorCode::DecodeError => "DECODE_ERROR",
        }
    }

    /// Every code, for bindings that generate one exception class per code.
    pub const ALL: [ErrorCode; 9] = [
        ErrorCode::InvalidInput,
        ErrorCode::InvalidConfig,
        ErrorCode::SignatureInvalid,
        ErrorCode::TimestampSkew,
        ErrorCode::ProviderError,
        ErrorCode::RateLimited,
        ErrorCode::TokenExpired,
        ErrorCode::OrderNotFound,
        ErrorCode::DecodeError,
    ];
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A payquery error. Construct with the `Error::invalid_input(..)`-style helpers; read with the
/// accessors. Serializes to the JSON shape the CLI prints under `"error"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Error {
    code: ErrorCode,
    message: String,
    /// The input or response field the error is about, as a dotted path (`amount.total`).
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_status: Option<u16>,
    retryable: bool,
    backup_host_applies: bool,
}

/// `Result` with payquery's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error with the given code and message, not retryable.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            field: None,
            provider_code: None,
            provider_message: None,
            http_status: None,
            retryable: false,
            backup_host_applies: false,
        }
    }

    /// `INVALID_INPUT` about `field` (bindings use it for host values of the wrong shape).
    pub fn invalid_input(field: &str, message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidInput, message).with_field(field)
    }

    /// `INVALID_CONFIG` about `field`.
    pub fn invalid_config(field: &str, message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidConfig, message).with_field(field)
    }

    pub(crate) fn decode(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::DecodeError, message)
    }

    pub(crate) fn signature(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::SignatureInvalid, message)
    }

    pub(crate) fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub(crate) fn with_provider(
        mut self,
        provider_code: Option<String>,
        provider_message: Option<String>,
    ) -> Self {
        self.provider_code = provider_code;
        self.provider_message = provider_message;
        self
    }

    pub(crate) fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = Some(status);
        self
    }

    pub(crate) fn retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    pub(crate) fn backup_host(mut self, applies: bool) -> Self {
        self.backup_host_applies = applies;
        self
    }

    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }
    /// A human-readable explanation (never contains secrets).
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The offending input or response field, when there is one.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }
    /// The provider's own error code (`SYSTEM_ERROR`, `42001`, `40005`, …).
    pub fn provider_code(&self) -> Option<&str> {
        self.provider_code.as_deref()
    }
    /// The provider's own error message, verbatim.
    pub fn provider_message(&self) -> Option<&str> {
        self.provider_message.as_deref()
    }
    /// The HTTP status of the response that carried the error.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }
    /// True when sending the same request again later is safe and may succeed.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }
    /// True when the provider documents a backup host that may answer instead (WeChat Pay
    /// `api2.mch.weixin.qq.com`); see `Client::failover_request`.
    pub fn backup_host_applies(&self) -> bool {
        self.backup_host_applies
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(field) = &self.field {
            write!(f, " (field `{field}`)")?;
        }
        if let Some(code) = &self.provider_code {
            write!(f, " [provider code {code}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_includes_code_field_and_provider_code() {
        let err = Error::new(ErrorCode::ProviderError, "order expired")
            .with_field("order_id")
            .with_provider(Some("40005".into()), Some("订单已过期".into()));
        assert_eq!(
            err.to_string(),
            "PROVIDER_ERROR: order expired (field `order_id`) [provider code 40005]"
        );
    }

    #[test]
    fn codes_serialize_to_their_stable_strings() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
