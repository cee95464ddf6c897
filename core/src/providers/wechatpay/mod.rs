//! WeChat Pay APIv3: shared request signing, response verification, error mapping and the
//! two query APIs built on them.

mod auth;
pub mod edu_papay;
pub mod payscore_oversea;

pub use auth::{PendingRequest, WechatPayV3Signer, WechatPayVerifier};

use serde::Deserialize;

use crate::context::{RequestContext, ResponseContext};
use crate::crypto::RsaBackend;
use crate::error::{Error, ErrorCode, Result};
use crate::hosts::{BackupHost, Hosts};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::json::{self, ResponseLimits};
use crate::secret::Secret;
use crate::validate::{config_id, Charset};

/// The WeChat Pay main API host (domestic).
pub const MAIN_HOST: &str = "https://api.mch.weixin.qq.com";
/// The WeChat Pay backup API host: same API, another data centre, no re-signing needed because
/// the host is not part of the signed message.
pub const BACKUP_HOST: &str = "https://api2.mch.weixin.qq.com";
/// The WeChat Pay Global (Hong Kong) API host.
pub const GLOBAL_HK_HOST: &str = "https://apihk.mch.weixin.qq.com";

/// A platform certificate or public key registered under a serial, for response verification.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct PlatformCertificateConfig {
    /// The serial WeChat Pay sends in `Wechatpay-Serial` for responses signed with this key.
    pub serial_no: String,
    /// The public key as PEM (`PUBLIC KEY`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub public_key_pem: Option<String>,
    /// Or the whole platform certificate as PEM (`CERTIFICATE`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub certificate_pem: Option<String>,
}

/// The config of both WeChat Pay providers (`provider` says which).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct WechatPayConfig {
    /// The merchant (or service provider) id, `mchid`.
    pub mchid: String,
    /// The serial number of the merchant API certificate whose private key signs requests.
    pub merchant_serial_no: String,
    /// The merchant API private key (PKCS#8 or PKCS#1 PEM). Optional: without it, only the
    /// two-phase `prepare` / `finish` signing path (KMS, HSM, host crypto) is available.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub merchant_private_key_pem: Option<Secret>,
    /// The WeChat Pay public key id (`PUB_KEY_ID_…`), in public-key mode.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub wechatpay_public_key_id: Option<String>,
    /// The WeChat Pay public key (PEM), in public-key mode.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub wechatpay_public_key_pem: Option<String>,
    /// Platform certificates / keys by serial, in certificate mode (may be combined with the
    /// public key, as WeChat Pay does while merchants migrate).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub platform_certificates: Vec<PlatformCertificateConfig>,
    /// Override of the API host (e.g. the backup host, a regional Global host, or the sandbox).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub base_url: Option<String>,
    /// The backup host the one-call query fails over to: absent for the provider's documented
    /// backup (kept only while `base_url` is the default), `null` for none, or a base URL.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    // `null` means something here (no backup), so the generated types offer it.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<String>", extend("x-null-allowed" = true))
    )]
    #[serde(default, deserialize_with = "crate::hosts::de_backup_host")]
    pub backup_base_url: Option<BackupHost>,
    /// Largest accepted response body in bytes (default 1 MiB).
    // Signed for Kotlin and Swift (Java has no unsigned types); a document still holds a
    // non-negative integer, and the schema says so.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "schema", schemars(with = "Option<u64>"))]
    #[serde(default, deserialize_with = "crate::json::non_negative")]
    pub max_response_bytes: Option<i64>,
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
