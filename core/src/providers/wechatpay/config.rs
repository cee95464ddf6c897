//! The WeChat Pay settings both APIs share (a config document's keys) and their hosts.

use serde::Deserialize;

use crate::hosts::BackupHost;
use crate::secret::Secret;

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
    /// The APIv3 key (exactly 32 characters, set in the merchant platform's API security
    /// page). With it, payquery downloads the platform certificates itself and keeps them
    /// current (`platform_certificates` becomes optional). A secret: never printed.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[serde(default)]
    pub api_v3_key: Option<Secret>,
    /// With `api_v3_key`: refresh the downloaded certificates when the last download is older
    /// than this many seconds (default 43 200 = 12 h, WeChat Pay's guidance; at least 60).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "schema", schemars(with = "Option<std::num::NonZeroU64>"))]
    #[serde(default, deserialize_with = "crate::json::non_negative")]
    pub certificate_refresh_s: Option<i64>,
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
    // positive integer (0 is refused), and the schema says so.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    #[cfg_attr(feature = "schema", schemars(with = "Option<std::num::NonZeroU64>"))]
    #[serde(default, deserialize_with = "crate::json::non_negative")]
    pub max_response_bytes: Option<i64>,
}
