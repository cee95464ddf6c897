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
//!
//! The attempt record ([`Attempt`], [`TransportFailure`]) lives here too: an error carries the
//! attempts that led to it, so the record stands on the error's floor (0, the ground: this
//! module imports nothing of the crate), not beside the answers a floor above the providers.

use std::fmt;

use serde::Serialize;

/// Declares [`ErrorCode`] from one list of codes, and (feature `uniffi`) the flat error enum
/// Kotlin and Swift see, one variant per code with the same facts in each: one list, so a code
/// added here is a new `PayqueryException` subclass and a new Swift case without another edit.
macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $text:literal, )*) => {
        /// Stable, machine-readable error codes. A code's `SCREAMING_SNAKE_CASE` text never
        /// changes meaning between releases.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl ErrorCode {
            /// The stable string form, e.g. `"SIGNATURE_INVALID"`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( ErrorCode::$variant => $text, )*
                }
            }

            /// Every code, for bindings that generate one exception class per code.
            pub const ALL: [ErrorCode; [$($text),*].len()] = [$(ErrorCode::$variant),*];
        }

        /// Every failure payquery reports, as Kotlin and Swift see it: one variant per stable
        /// code (Kotlin: `PayqueryException` subclasses; Swift: `PayqueryError` cases), every
        /// variant carrying the same facts. (The explanation is `reason`: a field named
        /// `message` does not compile in Kotlin.)
        #[cfg(feature = "uniffi")]
        #[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
        pub enum PayqueryError {
            $(
                $(#[doc = $doc])*
                $variant {
                    /// The stable code, e.g. `INVALID_INPUT`.
                    code: String,
                    /// A human-readable explanation (never contains a secret).
                    reason: String,
                    /// The input or response field concerned.
                    field: Option<String>,
                    /// The provider's own code.
                    provider_code: Option<String>,
                    /// The provider's own message.
                    provider_message: Option<String>,
                    /// The HTTP status of the answer.
                    http_status: Option<i32>,
                    /// Sending the same request again later is safe and may succeed.
                    retryable: bool,
                    /// The provider's backup host may answer.
                    backup_host_applies: bool,
                    /// The requests the one-call query made before it gave up.
                    attempts: Vec<Attempt>,
                },
            )*
        }

        #[cfg(feature = "uniffi")]
        impl PayqueryError {
            /// The code and the explanation, whatever the variant.
            pub fn code_and_reason(&self) -> (&str, &str) {
                match self {
                    $(PayqueryError::$variant { code, reason, .. })|* => (code, reason),
                }
            }
        }

        #[cfg(feature = "uniffi")]
        impl From<Error> for PayqueryError {
            fn from(e: Error) -> Self {
                let code = e.code().as_str().to_owned();
                let reason = e.message().to_owned();
                let field = e.field().map(str::to_owned);
                let provider_code = e.provider_code().map(str::to_owned);
                let provider_message = e.provider_message().map(str::to_owned);
                let http_status = e.http_status().map(i32::from);
                let retryable = e.is_retryable();
                let backup_host_applies = e.backup_host_applies();
                let attempts = e.attempts().to_vec();
                match e.code() {
                    $(ErrorCode::$variant => PayqueryError::$variant {
                        code,
                        reason,
                        field,
                        provider_code,
                        provider_message,
                        http_status,
                        retryable,
                        backup_host_applies,
                        attempts,
                    },)*
                }
            }
        }
    };
}

error_codes! {
    /// A query parameter the caller supplied is malformed (charset, length, missing, both given).
    InvalidInput = "INVALID_INPUT",
    /// The client configuration is unusable (bad key, bad URL, missing credential).
    InvalidConfig = "INVALID_CONFIG",
    /// A response signature the provider defines is missing, malformed or does not verify.
    SignatureInvalid = "SIGNATURE_INVALID",
    /// A signed response's timestamp is outside the freshness window.
    TimestampSkew = "TIMESTAMP_SKEW",
    /// The provider answered with an error of its own (see `provider_code`).
    ProviderError = "PROVIDER_ERROR",
    /// The provider asked us to slow down (HTTP 429 / a quota error code). Retry later.
    RateLimited = "RATE_LIMITED",
    /// The access token was rejected as expired or invalid: fetch a new one and retry once.
    TokenExpired = "TOKEN_EXPIRED",
    /// The provider says the order does not exist.
    OrderNotFound = "ORDER_NOT_FOUND",
    /// The response could not be decoded: malformed JSON, wrong types, missing required fields,
    /// money that is not an exact amount, a body that is too large or nested too deeply.
    DecodeError = "DECODE_ERROR",
    /// The request could not be completed: no connection, no answer within the timeout, a
    /// reset. The host's own error is the cause. Retrying later may succeed.
    NetworkError = "NETWORK_ERROR",
    /// An encrypted resource did not decrypt (AES-256-GCM): a wrong `api_v3_key`, or a
    /// ciphertext, nonce or associated data changed on the way.
    DecryptError = "DECRYPT_ERROR",
}

#[cfg(feature = "uniffi")]
impl fmt::Display for PayqueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (code, reason) = self.code_and_reason();
        write!(f, "{code}: {reason}")
    }
}

#[cfg(feature = "uniffi")]
impl std::error::Error for PayqueryError {}

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
    /// The requests the one-call query made before it gave up (empty elsewhere).
    // A boxed slice, not a Vec: `Error` travels in every `Result` and stays small.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    attempts: Box<[Attempt]>,
    /// An answer signed with a platform-certificate serial the client does not hold, by a
    /// client that can download certificates: the flow's certificate keeper reads it to fetch
    /// them once and verify the same answer again. Not printed: the message names the serial.
    #[serde(skip)]
    unknown_certificate: bool,
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
            attempts: Box::default(),
            unknown_certificate: false,
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

    /// Marks a `SIGNATURE_INVALID` as "signed by a certificate serial a download may supply"
    /// (see the field; the message names the serial).
    pub(crate) fn with_unknown_certificate(mut self) -> Self {
        self.unknown_certificate = true;
        self
    }

    /// The same error, its message extended (context the flow learnt, e.g. why a download
    /// failed).
    pub(crate) fn with_message_suffix(mut self, suffix: &str) -> Self {
        self.message.push_str(suffix);
        self
    }

    /// True for an answer signed by a certificate a download may supply.
    pub(crate) fn unknown_certificate(&self) -> bool {
        self.unknown_certificate
    }

    pub(crate) fn with_attempts(mut self, attempts: Vec<Attempt>) -> Self {
        self.attempts = attempts.into_boxed_slice();
        self
    }

    /// `NETWORK_ERROR`: a request that could not be completed (`kind`, as the host classified
    /// its own error, and the host's message).
    pub(crate) fn network(kind: TransportFailure, detail: &str) -> Self {
        Error::new(
            ErrorCode::NetworkError,
            format!(
                "the request could not be completed ({}): {detail}",
                kind.as_str()
            ),
        )
        .retryable(true)
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
    /// The requests the one-call query made before it gave up (empty for other errors).
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
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

/// One request the one-call query sent, and what came of it. The URL is redacted (a Mini
/// Program access token travels in it), so attempts may be logged as they are.
///
/// A token-store operation that failed is an attempt too (`purpose` [`AttemptPurpose::Store`],
/// `host` [`HostRole::TokenStore`]): the query carries on without the store, but a fleet whose
/// store is down would otherwise fetch a token per process without anyone seeing why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Attempt {
    /// What the request was for.
    pub purpose: AttemptPurpose,
    /// Which host it went to.
    pub host: HostRole,
    /// The request URL, credentials replaced by `[redacted]`.
    pub url: String,
    /// The HTTP status of the answer, when one came.
    pub http_status: Option<i32>,
    /// The error the attempt ended in; `None` when it succeeded.
    pub error: Option<ErrorCode>,
    /// How the request failed to complete, for a `NETWORK_ERROR`.
    pub transport: Option<TransportFailure>,
    /// How long the attempt took, in milliseconds (host clock; at most a query's deadline).
    pub duration_ms: i32,
    /// A `store` attempt's failure: the kind of error the token store raised (the host's
    /// exception class name, such as `ConnectionError`), never its message, which may quote a
    /// key or a token. `None` for every other attempt.
    pub store_error: Option<String>,
}

/// What a request was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AttemptPurpose {
    /// The order query.
    Query,
    /// A Mini Program access token.
    Token,
    /// A token-store operation that failed (`url` names it: `token-store:get <key>`; the
    /// certificate keeper's keys start `payquery:wechatpay_certificates:`).
    Store,
    /// A platform-certificate download (WeChat Pay with `api_v3_key`): before the first query,
    /// on the refresh schedule, or once for an answer signed by an unknown certificate. A
    /// failed one leaves the held certificates in place and the query goes on.
    Certificates,
}

/// Which of a provider's hosts a request went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum HostRole {
    /// The main host (`base_url`).
    Main,
    /// The backup host (`backup_base_url`), after a failover.
    Backup,
    /// The host's token store (a `store` attempt), not an HTTP host.
    TokenStore,
}

/// How a request failed to complete, as the host's HTTP client reported it (the host
/// classifies its own errors; payquery never sees a socket).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TransportFailure {
    /// The connection could not be made (refused, unreachable).
    Connect,
    /// The host name did not resolve.
    Dns,
    /// The TLS handshake failed.
    Tls,
    /// No complete answer within the request's timeout.
    Timeout,
    /// The connection was closed or reset before a complete answer.
    Reset,
    /// Any other failure to complete the request.
    Other,
}

impl TransportFailure {
    /// The stable string form, e.g. `"timeout"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportFailure::Connect => "connect",
            TransportFailure::Dns => "dns",
            TransportFailure::Tls => "tls",
            TransportFailure::Timeout => "timeout",
            TransportFailure::Reset => "reset",
            TransportFailure::Other => "other",
        }
    }

    /// Parses the string form; anything else is `Other`.
    pub fn from_name(name: &str) -> TransportFailure {
        [
            TransportFailure::Connect,
            TransportFailure::Dns,
            TransportFailure::Tls,
            TransportFailure::Timeout,
            TransportFailure::Reset,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
        .unwrap_or(TransportFailure::Other)
    }
}

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
