//! WeChat Pay APIv3: shared request signing, response verification, error mapping and the
//! two query APIs built on them.

mod auth;
pub mod edu_papay;
pub mod payscore_oversea;

pub use auth::{PendingRequest, WechatPayV3Signer, WechatPayVerifier};

use serde::Deserialize;

use crate::context::{RequestContext, ResponseContext};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{BaseUrl, HttpRequest, HttpResponse, Method};
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformCertificateConfig {
    /// The serial WeChat Pay sends in `Wechatpay-Serial` for responses signed with this key.
    pub serial_no: String,
    /// The public key as PEM (`PUBLIC KEY`).
    #[serde(default)]
    pub public_key_pem: Option<String>,
    /// Or the whole platform certificate as PEM (`CERTIFICATE`).
    #[serde(default)]
    pub certificate_pem: Option<String>,
}

/// Configuration shared by both WeChat Pay providers (the JSON config document minus
/// `provider`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatPayConfig {
    /// The merchant (or service provider) id, `mchid`.
    pub mchid: String,
    /// The serial number of the merchant API certificate whose private key signs requests.
    pub merchant_serial_no: String,
    /// The merchant API private key (PKCS#8 or PKCS#1 PEM). Optional: without it, only the
    /// two-phase `prepare` / `finish` signing path (KMS, HSM, host crypto) is available.
    #[serde(default)]
    pub merchant_private_key_pem: Option<Secret>,
    /// The WeChat Pay public key id (`PUB_KEY_ID_…`), in public-key mode.
    #[serde(default)]
    pub wechatpay_public_key_id: Option<String>,
    /// The WeChat Pay public key (PEM), in public-key mode.
    #[serde(default)]
    pub wechatpay_public_key_pem: Option<String>,
    /// Platform certificates / keys by serial, in certificate mode (may be combined with the
    /// public key, as WeChat Pay does while merchants migrate).
    #[serde(default)]
    pub platform_certificates: Vec<PlatformCertificateConfig>,
    /// Override of the API host (e.g. the backup host, a regional Global host, or the sandbox).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Largest accepted response body in bytes (default 1 MiB).
    #[serde(default)]
    pub max_response_bytes: Option<usize>,
}

/// The parts common to both WeChat Pay clients: base URL, signer, verifier, limits.
#[derive(Debug)]
pub(crate) struct WechatPayCore {
    base_url: BaseUrl,
    signer: WechatPayV3Signer,
    verifier: WechatPayVerifier,
    limits: ResponseLimits,
}

impl WechatPayCore {
    pub(crate) fn new(config: &WechatPayConfig, default_host: &str) -> Result<Self> {
        config_id("mchid", &config.mchid, 32, Charset::Digits)?;
        config_id(
            "merchant_serial_no",
            &config.merchant_serial_no,
            64,
            Charset::Hex,
        )?;
        let base_url = BaseUrl::parse(
            "base_url",
            config.base_url.as_deref().unwrap_or(default_host),
        )?;
        let signer = WechatPayV3Signer::new(
            &config.mchid,
            &config.merchant_serial_no,
            config.merchant_private_key_pem.as_ref(),
        )?;
        let verifier = WechatPayVerifier::from_config(config)?;
        let limits = ResponseLimits::with_max_body(config.max_response_bytes);
        Ok(WechatPayCore {
            base_url,
            signer,
            verifier,
            limits,
        })
    }

    /// Starts a signed GET of `path_and_query` (already percent-encoded).
    pub(crate) fn prepare_get(
        &self,
        path_and_query: &str,
        ctx: &RequestContext,
    ) -> Result<PendingRequest> {
        let url = format!("{}{path_and_query}", self.base_url.as_str());
        let mut headers = Vec::new();
        if let Some(id) = self.verifier.public_key_id() {
            headers.push(("Wechatpay-Serial".to_owned(), id.to_owned()));
        }
        let canonical = self.base_url.request_target(&url).to_owned();
        self.signer
            .prepare(Method::Get, url, canonical, None, headers, ctx)
    }

    pub(crate) fn sign(&self, pending: PendingRequest) -> Result<HttpRequest> {
        self.signer.sign(pending)
    }

    /// The same request sent to the backup host, when this client talks to the main host.
    pub(crate) fn failover_request(&self, request: &HttpRequest) -> Option<HttpRequest> {
        if self.base_url.as_str() != MAIN_HOST {
            return None;
        }
        let rest = request.url.strip_prefix(MAIN_HOST)?;
        Some(HttpRequest {
            url: format!("{BACKUP_HOST}{rest}"),
            ..request.clone()
        })
    }

    /// Verifies (2xx) or maps to an error (non-2xx), then decodes the body as `T`. Returns it
    /// with the serial of the key that verified the signature.
    pub(crate) fn parse<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<(T, String)> {
        json::check_body(&response.body, self.limits)?;
        if !response.is_success() {
            return Err(error_from_response(response));
        }
        let serial = self.verifier.verify(response, ctx)?;
        Ok((json::decode(what, &response.body)?, serial))
    }
}

/// WeChat Pay's error body: `{code, message, detail?}`.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    detail: Option<ErrorDetail>,
}

/// `detail` of a WeChat Pay error: which request field was wrong and why.
#[derive(Debug, Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    issue: Option<String>,
}

/// Maps a non-2xx WeChat Pay response to an error.
///
/// Error responses are **not** signature-checked (WeChat Pay's own Go SDK checks only 2xx
/// responses): nothing in them is trusted beyond "this request did not succeed", and no order
/// state is ever derived from them.
pub(crate) fn error_from_response(response: &HttpResponse) -> Error {
    let status = response.status;
    let body: Option<ErrorBody> = serde_json::from_slice(&response.body).ok();
    let (provider_code, provider_message, detail) = match body {
        Some(b) => (Some(b.code), b.message, b.detail),
        None => (None, None, None),
    };
    let server_side = status >= 500 || provider_code.as_deref() == Some("SYSTEM_ERROR");
    // ORDER_NOT_FOUND only when WeChat Pay itself says so: a bare 404 (a wrong base_url, a
    // proxy) must never read as "this order does not exist", which a merchant could take for
    // "never paid".
    let code = match (status, provider_code.as_deref()) {
        (429, _) | (_, Some("RATELIMIT_EXCEEDED" | "FREQUENCY_LIMITED")) => ErrorCode::RateLimited,
        (_, Some("NOT_FOUND" | "ORDER_NOT_EXIST" | "ORDERNOTEXIST")) => ErrorCode::OrderNotFound,
        _ => ErrorCode::ProviderError,
    };
    let mut message = match (&provider_code, &provider_message) {
        (Some(c), Some(m)) => format!("WeChat Pay answered HTTP {status} {c}: {m}"),
        (Some(c), None) => format!("WeChat Pay answered HTTP {status} {c}"),
        _ => format!("WeChat Pay answered HTTP {status} without a JSON error body"),
    };
    let detail_field = detail.as_ref().and_then(|d| d.field.clone());
    if let Some(issue) = detail.and_then(|d| d.issue) {
        message.push_str(&format!(" ({issue})"));
    }
    let error = match detail_field {
        Some(field) => Error::new(code, message).with_field(field),
        None => Error::new(code, message),
    };
    error
        .with_http_status(status)
        .with_provider(provider_code, provider_message)
        .retryable(code == ErrorCode::RateLimited || server_side)
        .backup_host(server_side)
}
