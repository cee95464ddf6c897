//! What both WeChat Pay clients share: one APIv3 request signer, response verifier, limits and
//! error mapping, over the settings in `config`.

use super::auth::{PendingRequest, WechatPayV3Signer, WechatPayVerifier};
use super::config::WechatPayConfig;

use crate::context::{RequestContext, ResponseContext};
use crate::crypto::RsaBackend;
use crate::error::{Error, ErrorCode, Result};
use crate::hosts::Hosts;
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::json::{self, ResponseLimits};
use crate::validate::{config_id, Charset};

/// The RSA backend a WeChat Pay client loads its keys into: one must be compiled in or given.
pub(crate) fn require_backend(backend: Option<&dyn RsaBackend>) -> Result<&dyn RsaBackend> {
    backend.ok_or_else(|| {
        Error::invalid_config(
            "provider",
            "WeChat Pay needs an RSA backend and this build has none compiled in; use Client::with_rsa_backend",
        )
    })
}

/// The parts common to both WeChat Pay clients: base URL, backup host, signer, verifier,
/// limits.
#[derive(Debug)]
pub(crate) struct WechatPayCore {
    /// The main host and the backup, if any (a backup keeps the main host's path: WeChat Pay
    /// signs the path).
    hosts: Hosts,
    signer: WechatPayV3Signer,
    verifier: WechatPayVerifier,
    limits: ResponseLimits,
}

impl WechatPayCore {
    /// `default_host` is used unless the config sets `base_url`; `backup` applies only while
    /// the client talks to `default_host`, unless the config names `backup_base_url`.
    pub(crate) fn new(
        config: &WechatPayConfig,
        default_host: &str,
        backup: Option<&'static str>,
        backend: &dyn RsaBackend,
    ) -> Result<Self> {
        let (hosts, limits) = Self::check_settings(config, default_host, backup)?;
        let signer = WechatPayV3Signer::new(
            &config.mchid,
            &config.merchant_serial_no,
            config.merchant_private_key_pem.as_ref(),
            backend,
        )?;
        let verifier = WechatPayVerifier::from_config(config, backend)?;
        Ok(WechatPayCore {
            hosts,
            signer,
            verifier,
            limits,
        })
    }

    /// Everything about `config` but its keys (which need the RSA backend): the ids, the hosts,
    /// the response limit. What a config document is checked against when it is read.
    pub(crate) fn check_settings(
        config: &WechatPayConfig,
        default_host: &str,
        backup: Option<&'static str>,
    ) -> Result<(Hosts, ResponseLimits)> {
        config_id("mchid", &config.mchid, 32, Charset::Digits)?;
        config_id(
            "merchant_serial_no",
            &config.merchant_serial_no,
            64,
            Charset::Hex,
        )?;
        let hosts = Hosts::resolve(
            config.base_url.as_deref(),
            config.backup_base_url.as_ref(),
            default_host,
            backup,
            true,
        )?;
        Ok((
            hosts,
            ResponseLimits::with_max_body(config.max_response_bytes)?,
        ))
    }

    /// Starts a signed GET of `path_and_query` (already percent-encoded).
    pub(crate) fn prepare_get(
        &self,
        path_and_query: &str,
        ctx: &RequestContext,
    ) -> Result<PendingRequest> {
        let url = format!("{}{path_and_query}", self.hosts.main().as_str());
        let mut headers = Vec::new();
        if let Some(id) = self.verifier.public_key_id() {
            headers.push(("Wechatpay-Serial".to_owned(), id.to_owned()));
        }
        self.signer.prepare(Method::Get, url, None, headers, ctx)
    }

    pub(crate) fn sign(&self, pending: PendingRequest) -> Result<HttpRequest> {
        self.signer.sign(pending)
    }

    pub(crate) fn hosts(&self) -> &Hosts {
        &self.hosts
    }

    pub(crate) fn max_body_bytes(&self) -> usize {
        self.limits.max_body_bytes
    }

    /// Verifies the signature, then decodes a 2xx body as `T` (returned with the serial of the
    /// key that verified it) or maps a non-2xx answer to an error. Error answers that carry
    /// signature headers are verified too (WeChat Pay signs its answers to correctly signed
    /// requests, errors included); unsigned ones are reported, but never trusted to say more
    /// than "this request failed".
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<(T, String)> {
        json::check_body(&response.body, self.limits)?;
        if !response.is_success() {
            let verified = if WechatPayVerifier::claims_signature(response) {
                self.verifier.verify(response, ctx)?;
                true
            } else {
                false
            };
            return Err(error_from_response(
                response,
                verified,
                self.hosts.has_backup(),
            ));
        }
        let serial = self.verifier.verify(response, ctx)?;
        Ok((json::decode(what, &response.body)?, serial))
    }
}

/// The fields of WeChat Pay's error body `{code, message, detail?{field, value, issue,
/// location}}` that decode; an odd field (a numeric `code`, a string `detail`) loses only
/// itself, never the rest.
#[derive(Debug, Default)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    field: Option<String>,
    issue: Option<String>,
}

impl ErrorBody {
    fn from_bytes(body: &[u8]) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let object = value.as_object()?;
        let text = |v: Option<&serde_json::Value>| match v {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let detail = object.get("detail").and_then(serde_json::Value::as_object);
        let body = ErrorBody {
            code: text(object.get("code")),
            message: text(object.get("message")),
            field: detail.and_then(|d| text(d.get("field"))),
            issue: detail.and_then(|d| text(d.get("issue"))),
        };
        (body.code.is_some() || body.message.is_some()).then_some(body)
    }
}

/// Maps a non-2xx WeChat Pay response to an error.
///
/// `verified` says whether the answer's signature was checked: `ORDER_NOT_FOUND` is reported
/// only from a verified answer, since an unsigned 404 (a proxy, a wrong `base_url`, an
/// attacker) must never read as "this order does not exist", which a merchant could take for
/// "never paid". `has_backup` says whether this client has a backup host to try.
pub(crate) fn error_from_response(
    response: &HttpResponse,
    verified: bool,
    has_backup: bool,
) -> Error {
    let status = response.status;
    let body = ErrorBody::from_bytes(&response.body);
    let found = body.is_some();
    let ErrorBody {
        code: provider_code,
        message: provider_message,
        field,
        issue,
    } = body.unwrap_or_default();
    // A body's `SYSTEM_ERROR` counts only when the answer is verified: an unsigned one could be
    // anyone's, and a forged answer must never buy a retry or a failover.
    let server_side = crate::http::is_transient_server_status(status)
        || (verified && provider_code.as_deref() == Some("SYSTEM_ERROR"));
    let says_not_found = matches!(
        provider_code.as_deref(),
        Some("NOT_FOUND" | "ORDER_NOT_EXIST" | "ORDERNOTEXIST")
    );
    let code = match (status, provider_code.as_deref()) {
        (429, _) | (_, Some("RATELIMIT_EXCEEDED" | "FREQUENCY_LIMITED")) => ErrorCode::RateLimited,
        _ if says_not_found && verified => ErrorCode::OrderNotFound,
        _ => ErrorCode::ProviderError,
    };
    let mut message = match (&provider_code, &provider_message) {
        (Some(c), Some(m)) => format!("WeChat Pay answered HTTP {status} {c}: {m}"),
        (Some(c), None) => format!("WeChat Pay answered HTTP {status} {c}"),
        (None, Some(m)) => format!("WeChat Pay answered HTTP {status}: {m}"),
        (None, None) if found => format!("WeChat Pay answered HTTP {status}"),
        (None, None) => format!("WeChat Pay answered HTTP {status} without a JSON error body"),
    };
    if let Some(issue) = issue {
        message.push_str(&format!(" ({issue})"));
    }
    if says_not_found && !verified {
        message.push_str(
            " — the answer is not signed, so it is not taken as proof that the order does not exist",
        );
    }
    let error = match field {
        Some(field) => Error::new(code, message).with_field(field),
        None => Error::new(code, message),
    };
    error
        .with_http_status(status)
        .with_provider(provider_code, provider_message)
        .retryable(code == ErrorCode::RateLimited || server_side)
        .backup_host(server_side && has_backup)
}
