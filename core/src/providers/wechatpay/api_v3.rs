//! What both WeChat Pay clients share: one APIv3 request signer, response verifier, limits and
//! error mapping, over the settings in `config`.

use super::auth::{PendingRequest, WechatPayV3Signer, WechatPayVerifier};
use super::certificates::{self, Listed, DEFAULT_REFRESH_S, MIN_REFRESH_S};
use super::config::WechatPayConfig;

use crate::context::{RequestContext, ResponseContext};
use crate::crypto::{AeadError, AeadKey, SharedBackend, AES_256_KEY_BYTES};
use crate::error::{Error, ErrorCode, Result};
use crate::hosts::Hosts;
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::json::{self, ResponseLimits};
use crate::platform_certificate::PlatformCertificate;
use crate::provider_client::{CertificateSource, CertificatesAnswer};
use crate::validate::{config_id, Charset};

/// The RSA backend a WeChat Pay client loads its keys into: one must be compiled in or given.
pub(crate) fn require_backend(backend: Option<&SharedBackend>) -> Result<&SharedBackend> {
    backend.ok_or_else(|| {
        Error::invalid_config(
            "provider",
            "WeChat Pay needs an RSA backend and this build has none compiled in: pass one to Client::with_rsa_backend",
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
    /// Platform-certificate downloads, with an `api_v3_key`.
    downloads: Option<Downloads>,
}

/// What a client that downloads its platform certificates keeps: the APIv3 key (loaded into
/// the backend), the backend (downloaded certificates are loaded into it later), where to
/// download from, how often, and the key a shared store keeps the listing under.
#[derive(Debug)]
struct Downloads {
    key: AeadKey,
    backend: SharedBackend,
    path: &'static str,
    refresh_s: i64,
    store_key: String,
}

impl WechatPayCore {
    /// `default_host` is used unless the config sets `base_url`; `backup` applies only while
    /// the client talks to `default_host`, unless the config names `backup_base_url`.
    /// `certificates_path`: this API's platform-certificate endpoint (domestic or Global).
    pub(crate) fn new(
        config: &WechatPayConfig,
        default_host: &str,
        backup: Option<&'static str>,
        certificates_path: &'static str,
        backend: &SharedBackend,
    ) -> Result<Self> {
        let (hosts, limits) = Self::check_settings(config, default_host, backup)?;
        let signer = WechatPayV3Signer::new(
            &config.mchid,
            &config.merchant_serial_no,
            config.merchant_private_key_pem.as_ref(),
            backend.as_ref(),
        )?;
        let verifier = WechatPayVerifier::from_config(config, backend.as_ref())?;
        let downloads = match &config.api_v3_key {
            Some(key) => Some(Downloads {
                key: AeadKey::load(backend.as_ref(), key.expose().as_bytes()).map_err(|e| {
                    let why = match e {
                        AeadError::Backend(why) => why,
                        other => other.to_string(),
                    };
                    Error::invalid_config(
                        "api_v3_key",
                        format!("`api_v3_key` cannot be used: {why}"),
                    )
                })?,
                backend: backend.clone(),
                path: certificates_path,
                refresh_s: config.certificate_refresh_s.unwrap_or(DEFAULT_REFRESH_S),
                store_key: format!(
                    "payquery:wechatpay_certificates:{}:{}{certificates_path}",
                    config.mchid,
                    hosts.main().as_str()
                ),
            }),
            None => None,
        };
        Ok(WechatPayCore {
            hosts,
            signer,
            verifier,
            limits,
            downloads,
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
        if let Some(key) = &config.api_v3_key {
            // Never echoed: only its length is said.
            let len = key.expose().len();
            if len != AES_256_KEY_BYTES {
                return Err(Error::invalid_config(
                    "api_v3_key",
                    format!("`api_v3_key` is {len} bytes; the APIv3 key is exactly {AES_256_KEY_BYTES} (a shorter key would silently select AES-128 in some libraries, and WeChat Pay never issues one)"),
                ));
            }
        }
        match (config.certificate_refresh_s, &config.api_v3_key) {
            (Some(_), None) => return Err(Error::invalid_config(
                "certificate_refresh_s",
                "`certificate_refresh_s` applies to downloaded certificates: it needs `api_v3_key`",
            )),
            (Some(s), Some(_)) if s < MIN_REFRESH_S => {
                return Err(Error::invalid_config(
                    "certificate_refresh_s",
                    format!("`certificate_refresh_s` must be at least {MIN_REFRESH_S} seconds"),
                ))
            }
            _ => {}
        }
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

    /// An error answer's signature: verified when it claims one (WeChat Pay signs its answers
    /// to correctly signed requests, errors included), else `false`: reported, but never
    /// trusted to say more than "this request failed".
    fn verify_if_signed(&self, response: &HttpResponse, ctx: &ResponseContext) -> Result<bool> {
        if WechatPayVerifier::claims_signature(response) {
            self.verifier.verify(response, ctx)?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    pub(crate) fn hosts(&self) -> &Hosts {
        &self.hosts
    }

    /// The merchant this client is (`mchid`).
    pub(crate) fn mchid(&self) -> &str {
        self.signer.mchid()
    }

    /// The response and notification verifier.
    pub(crate) fn verifier(&self) -> &WechatPayVerifier {
        &self.verifier
    }

    /// The APIv3 key, with downloads configured (`api_v3_key`).
    pub(crate) fn aead_key(&self) -> Option<&AeadKey> {
        self.downloads.as_ref().map(|d| &d.key)
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
            let verified = self.verify_if_signed(response, ctx)?;
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

impl CertificateSource for WechatPayCore {
    fn store_key(&self) -> String {
        self.downloads
            .as_ref()
            .map(|d| d.store_key.clone())
            .unwrap_or_default()
    }

    fn refresh_ms(&self) -> i64 {
        self.downloads
            .as_ref()
            .map_or(DEFAULT_REFRESH_S, |d| d.refresh_s)
            .saturating_mul(1000)
    }

    fn holds_valid(&self, now: i64) -> bool {
        self.verifier
            .downloaded()
            .is_some_and(|set| set.holds_valid(now))
    }

    fn request(&self, ctx: &RequestContext) -> Result<HttpRequest> {
        let downloads = self.require_downloads()?;
        self.sign(self.prepare_get(downloads.path, ctx)?)
    }

    fn parse(&self, response: &HttpResponse, ctx: &ResponseContext) -> Result<CertificatesAnswer> {
        let downloads = self.require_downloads()?;
        json::check_body(&response.body, self.limits)?;
        if !response.is_success() {
            let verified = self.verify_if_signed(response, ctx)?;
            let code = ErrorBody::from_bytes(&response.body).and_then(|b| b.code);
            let no_certificates = response.status == 403
                || (response.status == 404
                    && matches!(code.as_deref(), Some("RESOURCE_NOT_EXISTS" | "NOT_FOUND")));
            // A public-key-only merchant. Accepted unsigned too: all it does is pause
            // downloads, which anyone on the path could do by dropping them, and it can add no
            // key. Answers are still verified with the keys held.
            if no_certificates && self.verifier.has_public_key() {
                return Ok(CertificatesAnswer::PublicKeyOnly);
            }
            let error = error_from_response(response, verified, self.hosts.has_backup());
            return Err(if no_certificates {
                let message = format!(
                    "{}; this merchant has no platform certificate (WeChat Pay public keys only): configure `wechatpay_public_key_id` and `wechatpay_public_key_pem`",
                    error.message()
                );
                Error::new(ErrorCode::InvalidConfig, message)
                    .with_field("wechatpay_public_key_pem")
                    .with_http_status(response.status)
            } else {
                error
            });
        }
        let listed = certificates::parse_listing(
            &response.body,
            self.limits,
            &downloads.key,
            downloads.backend.as_ref(),
            ctx.now,
        )?;
        let carried = match &listed {
            Listed::Certificates(c) => c.as_slice(),
            Listed::PublicKeyOnly => &[],
        };
        // Signature headers are verified when their signer is known (the public key, a held
        // certificate, or one the answer carries); a listing signed by a key this client cannot
        // know yet (a `PUB_KEY_ID_…` it was not given, during WeChat Pay's migration) rests on
        // the AEAD alone, as an unsigned one does. Refusing it would leave such a merchant with
        // no certificate, ever (NOTIFICATIONS.md §8.6, §8.8). A known signer must verify.
        if WechatPayVerifier::claims_signature(response)
            && self.verifier.knows_signer(response, carried)
        {
            self.verifier.verify_with(response, ctx, carried)?;
        }
        self.accept(listed, ctx.now)
    }

    fn accept_stored(&self, listing: &[u8], ctx: &ResponseContext) -> Result<CertificatesAnswer> {
        let downloads = self.require_downloads()?;
        let listed = certificates::parse_listing(
            listing,
            self.limits,
            &downloads.key,
            downloads.backend.as_ref(),
            ctx.now,
        )?;
        self.accept(listed, ctx.now)
    }

    fn held(&self, now: i64) -> Vec<PlatformCertificate> {
        self.verifier
            .downloaded()
            .map(|set| set.list(now))
            .unwrap_or_default()
    }
}

impl WechatPayCore {
    /// The certificate source, for a client configured with `api_v3_key`.
    pub(crate) fn certificates(&self) -> Option<&dyn CertificateSource> {
        self.downloads
            .is_some()
            .then_some(self as &dyn CertificateSource)
    }

    fn require_downloads(&self) -> Result<&Downloads> {
        self.downloads.as_ref().ok_or_else(|| {
            Error::invalid_config(
                "api_v3_key",
                "downloading platform certificates needs `api_v3_key` in the config",
            )
        })
    }

    fn accept(&self, listed: Listed, now: i64) -> Result<CertificatesAnswer> {
        match listed {
            Listed::PublicKeyOnly if self.verifier.has_public_key() => {
                Ok(CertificatesAnswer::PublicKeyOnly)
            }
            Listed::PublicKeyOnly => Err(Error::invalid_config(
                "wechatpay_public_key_pem",
                "WeChat Pay listed no platform certificate for this merchant (WeChat Pay public keys only): configure `wechatpay_public_key_id` and `wechatpay_public_key_pem`",
            )),
            Listed::Certificates(fresh) => {
                let set = self.verifier.downloaded().ok_or_else(|| {
                    Error::invalid_config("api_v3_key", "no certificate set without `api_v3_key`")
                })?;
                Ok(CertificatesAnswer::Held(set.merge(fresh, now)))
            }
        }
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
