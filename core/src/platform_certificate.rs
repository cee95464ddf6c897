//! The platform certificates payquery holds for a provider that signs its answers with them
//! (WeChat Pay), and what a download reports. Floor 0: the provider parses into these, the
//! flow's certificate keeper reports them, and every binding shows them.

use serde::Serialize;

use crate::error::Attempt;

/// A platform certificate: downloaded and checked (the decrypted certificate's own serial is
/// the declared `serial_no`, its RSA key is 2048–8192 bits, it has not expired), or
/// configured. Public data: a certificate holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PlatformCertificate {
    /// The serial, upper-case hex without leading zeros (what `Wechatpay-Serial` names).
    pub serial_no: String,
    /// Start of validity, Unix seconds (from the certificate, not the listing).
    pub not_before: i64,
    /// End of validity, Unix seconds (from the certificate, not the listing).
    pub not_after: i64,
    /// The certificate as PEM, ready for a config's `platform_certificates[].certificate_pem`.
    pub certificate_pem: String,
}

/// What an explicit certificate download returns: every certificate now held, the newest
/// (latest `not_after`) first, and the requests made for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CertificateDownload {
    /// The certificates held after the download (downloaded ones merged with those still
    /// valid), newest first. Empty for a merchant WeChat Pay gives no platform certificate
    /// (public-key mode only).
    pub certificates: Vec<PlatformCertificate>,
    /// The requests made (empty for an answer parsed by hand).
    pub attempts: Vec<Attempt>,
}
