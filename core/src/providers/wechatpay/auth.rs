//! `WECHATPAY2-SHA256-RSA2048`: request signing and response verification.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::WechatPayConfig;
use crate::context::{RequestContext, ResponseContext};
use crate::crypto::{RsaPrivateKey, RsaPublicKey};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{check_header_value, HttpRequest, HttpResponse, Method};
use crate::secret::Secret;
use crate::validate::{config_id, Charset};
use crate::USER_AGENT;

/// The scheme name used in `Authorization` and `Wechatpay-Signature-Type`.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// Responses whose `Wechatpay-Timestamp` is further than this from `now` are rejected
/// (`|now − ts| > 300`; exactly 300 s passes, as our spec says — WeChat Pay's Go SDK rejects
/// at `>= 300`, the Python `wechatpayv3` SDK checks no freshness at all). The window applies
/// both ways: a timestamp from the future is as suspect as a stale one.
pub const FRESHNESS_WINDOW_SECS: u64 = 300;

/// Signs WeChat Pay APIv3 requests with the merchant API key.
///
/// Signing is two-phase so that keys which never enter the process (KMS, HSM, node:crypto)
/// work: [`WechatPayV3Signer::prepare`] returns a [`PendingRequest`] holding the exact string
/// to sign, and [`PendingRequest::finish`] takes the base64 signature. With an in-process key,
/// [`WechatPayV3Signer::sign`] does both.
#[derive(Debug)]
pub struct WechatPayV3Signer {
    mchid: String,
    serial_no: String,
    private_key: Option<RsaPrivateKey>,
}

impl WechatPayV3Signer {
    /// A signer for merchant `mchid` whose API certificate has serial `serial_no`.
    pub fn new(mchid: &str, serial_no: &str, private_key_pem: Option<&Secret>) -> Result<Self> {
        config_id("mchid", mchid, 32, Charset::Digits)?;
        config_id("merchant_serial_no", serial_no, 64, Charset::Hex)?;
        let private_key = private_key_pem
            .map(|pem| RsaPrivateKey::from_pem("merchant_private_key_pem", pem.expose()))
            .transpose()?;
        Ok(WechatPayV3Signer {
            mchid: mchid.to_owned(),
            serial_no: serial_no.to_owned(),
            private_key,
        })
    }

    /// Phase one: fixes everything about the request and computes the string to sign,
    /// `METHOD\nCANONICAL_URL\nTIMESTAMP\nNONCE\nBODY\n`. `canonical_url` must be the
    /// request-target exactly as sent (path and query, percent-encoded).
    pub fn prepare(
        &self,
        method: Method,
        url: String,
        canonical_url: String,
        body: Option<Vec<u8>>,
        extra_headers: Vec<(String, String)>,
        ctx: &RequestContext,
    ) -> Result<PendingRequest> {
        if ctx.timestamp < 0 {
            return Err(Error::invalid_input(
                "timestamp",
                "timestamp must be a non-negative Unix time",
            ));
        }
        let body_text = match &body {
            Some(b) => std::str::from_utf8(b)
                .map_err(|_| Error::invalid_input("body", "request body must be UTF-8"))?,
            None => "",
        };
        check_header_value("url", &canonical_url)?;
        let string_to_sign = format!(
            "{method}\n{canonical_url}\n{}\n{}\n{body_text}\n",
            ctx.timestamp,
            ctx.nonce.as_str()
        );
        Ok(PendingRequest {
            method,
            url,
            headers: extra_headers,
            body,
            mchid: self.mchid.clone(),
            serial_no: self.serial_no.clone(),
            timestamp: ctx.timestamp,
            nonce: ctx.nonce.as_str().to_owned(),
            string_to_sign,
        })
    }

    /// Phase two with the in-process key.
    pub fn sign(&self, pending: PendingRequest) -> Result<HttpRequest> {
        let key = self.private_key.as_ref().ok_or_else(|| {
            Error::invalid_config(
                "merchant_private_key_pem",
                "no merchant private key is configured: sign `string_to_sign` yourself and call finish",
            )
        })?;
        let signature = key.sign_sha256_base64(pending.string_to_sign.as_bytes())?;
        pending.finish(&signature)
    }
}

/// A request waiting for its signature (phase one of two-phase signing). It serializes, so a
/// host may keep it while an external signer works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRequest {
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    mchid: String,
    serial_no: String,
    timestamp: i64,
    nonce: String,
    string_to_sign: String,
}

impl PendingRequest {
    /// The exact message to sign with RSASSA-PKCS1-v1_5 / SHA-256 (UTF-8 bytes).
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// Phase two: attaches the standard-base64 signature and returns the request to send.
    pub fn finish(self, signature_base64: &str) -> Result<HttpRequest> {
        let signature = signature_base64.trim();
        let decoded = BASE64
            .decode(signature)
            .map_err(|_| Error::invalid_input("signature", "signature must be standard base64"))?;
        if decoded.len() < 256 {
            return Err(Error::invalid_input(
                "signature",
                format!(
                    "signature is {} bytes; an RSA-2048 (or larger) signature has at least 256",
                    decoded.len()
                ),
            ));
        }
        let authorization = format!(
            "{SCHEME} mchid=\"{}\",nonce_str=\"{}\",timestamp=\"{}\",serial_no=\"{}\",signature=\"{signature}\"",
            self.mchid, self.nonce, self.timestamp, self.serial_no
        );
        let mut headers = vec![
            ("Authorization".to_owned(), authorization),
            ("Accept".to_owned(), "application/json".to_owned()),
            ("User-Agent".to_owned(), USER_AGENT.to_owned()),
        ];
        if self.body.is_some() {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        headers.extend(self.headers);
        for (name, value) in &headers {
            check_header_value(name, value)?;
        }
        Ok(HttpRequest {
            method: self.method,
            url: self.url,
            headers,
            body: self.body,
        })
    }
}

/// Verifies WeChat Pay response signatures with the key selected by `Wechatpay-Serial`.
#[derive(Debug)]
pub struct WechatPayVerifier {
    public_key_id: Option<String>,
    keys: Vec<VerificationKey>,
}

/// A key registered under a serial; certificates also bound when it may be used.
#[derive(Debug)]
struct VerificationKey {
    serial: String,
    key: RsaPublicKey,
    /// `(not_before, not_after)` of a platform certificate, Unix seconds.
    validity: Option<(i64, i64)>,
}

impl WechatPayVerifier {
    /// Builds the key set from the config: the `PUB_KEY_ID_…` public key and/or platform
    /// certificates. At least one key is required: a client that cannot verify responses
    /// would have to trust them, which payquery never does.
    pub fn from_config(config: &WechatPayConfig) -> Result<Self> {
        let mut keys = Vec::new();
        let public_key_id = match (
            &config.wechatpay_public_key_id,
            &config.wechatpay_public_key_pem,
        ) {
            (Some(id), Some(pem)) => {
                config_id("wechatpay_public_key_id", id, 128, Charset::Token)?;
                keys.push(VerificationKey {
                    serial: id.clone(),
                    key: RsaPublicKey::from_pem("wechatpay_public_key_pem", pem)?,
                    validity: None,
                });
                Some(id.clone())
            }
            (None, None) => None,
            _ => return Err(Error::invalid_config(
                "wechatpay_public_key_id",
                "`wechatpay_public_key_id` and `wechatpay_public_key_pem` must be given together",
            )),
        };
        for (i, cert) in config.platform_certificates.iter().enumerate() {
            let field = format!("platform_certificates[{i}]");
            config_id(
                &format!("{field}.serial_no"),
                &cert.serial_no,
                128,
                Charset::Token,
            )?;
            let (key, validity) = match (&cert.public_key_pem, &cert.certificate_pem) {
                (Some(pem), None) => (
                    RsaPublicKey::from_pem(&format!("{field}.public_key_pem"), pem)?,
                    None,
                ),
                (None, Some(pem)) => {
                    let pem_field = format!("{field}.certificate_pem");
                    let (key, info) = RsaPublicKey::from_certificate_pem(&pem_field, pem)?;
                    // A certificate filed under another serial is a configuration mistake that
                    // would otherwise surface as "signature invalid" on every response.
                    if !info.has_serial(&cert.serial_no) {
                        return Err(Error::invalid_config(
                            &format!("{field}.serial_no"),
                            format!(
                                "`{field}.serial_no` is {} but the certificate's serial is {}",
                                cert.serial_no, info.serial_hex
                            ),
                        ));
                    }
                    (key, Some((info.not_before, info.not_after)))
                }
                _ => {
                    return Err(Error::invalid_config(
                        &field,
                        format!(
                            "`{field}` needs exactly one of `public_key_pem` and `certificate_pem`"
                        ),
                    ))
                }
            };
            keys.push(VerificationKey {
                serial: cert.serial_no.clone(),
                key,
                validity,
            });
        }
        if keys.is_empty() {
            return Err(Error::invalid_config(
                "wechatpay_public_key_pem",
                "no WeChat Pay public key or platform certificate is configured, so responses could not be verified",
            ));
        }
        Ok(WechatPayVerifier {
            public_key_id,
            keys,
        })
    }

    /// The `PUB_KEY_ID_…` in public-key mode (sent as the `Wechatpay-Serial` request header).
    pub fn public_key_id(&self) -> Option<&str> {
        self.public_key_id.as_deref()
    }

    /// Verifies a 2xx response: the four `Wechatpay-*` headers must be present, the signature
    /// must verify over `TIMESTAMP\nNONCE\nRAW_BODY\n` with the key registered under
    /// `Wechatpay-Serial` (a platform certificate only within its validity period), and the
    /// timestamp must be within 300 s of `now`. The signature is
    /// checked first, so `TIMESTAMP_SKEW` always means "authentic but stale or from the
    /// future" (a replay, or a wrong local clock). Probe signatures starting with
    /// `WECHATPAY/SIGNTEST/` simply fail verification.
    /// Returns the serial of the key that verified the response.
    pub fn verify(&self, response: &HttpResponse, ctx: &ResponseContext) -> Result<String> {
        let header = |name: &str| -> Result<&str> {
            match response.header(name).map(str::trim) {
                Some(v) if !v.is_empty() => Ok(v),
                _ => Err(Error::signature(format!(
                    "response lacks the `{name}` header, so it cannot be verified"
                ))
                .with_field(name)),
            }
        };
        let serial = header("Wechatpay-Serial")?;
        let signature_b64 = header("Wechatpay-Signature")?;
        let timestamp_text = header("Wechatpay-Timestamp")?;
        let nonce = header("Wechatpay-Nonce")?;
        if let Some(kind) = response.header("Wechatpay-Signature-Type") {
            if kind.trim() != SCHEME {
                return Err(Error::signature(format!(
                    "unsupported Wechatpay-Signature-Type `{}`",
                    kind.escape_debug()
                )));
            }
        }
        let timestamp: i64 = timestamp_text.parse().map_err(|_| {
            Error::signature("`Wechatpay-Timestamp` is not an integer")
                .with_field("Wechatpay-Timestamp")
        })?;
        let registered = self
            .keys
            .iter()
            .find(|k| k.serial == serial)
            .ok_or_else(|| {
                Error::signature(format!(
                    "response is signed with unknown key serial `{}`; download the current WeChat Pay platform certificate or public key",
                    serial.escape_debug()
                ))
                .with_field("Wechatpay-Serial")
            })?;
        let signature = BASE64.decode(signature_b64).map_err(|_| {
            Error::signature("`Wechatpay-Signature` is not base64")
                .with_field("Wechatpay-Signature")
        })?;
        let mut message =
            Vec::with_capacity(timestamp_text.len() + nonce.len() + response.body.len() + 3);
        message.extend_from_slice(timestamp_text.as_bytes());
        message.push(b'\n');
        message.extend_from_slice(nonce.as_bytes());
        message.push(b'\n');
        message.extend_from_slice(&response.body);
        message.push(b'\n');
        if !registered.key.verify_sha256(&message, &signature) {
            return Err(Error::signature("response signature does not verify")
                .with_field("Wechatpay-Signature"));
        }
        if let Some((not_before, not_after)) = registered.validity {
            if ctx.now < not_before || ctx.now > not_after {
                return Err(Error::signature(format!(
                    "platform certificate `{serial}` is not valid now (valid from {not_before} to {not_after}, Unix time); download the current one"
                ))
                .with_field("Wechatpay-Serial"));
            }
        }
        let skew = ctx.now.abs_diff(timestamp);
        if skew > FRESHNESS_WINDOW_SECS {
            return Err(Error::new(
                ErrorCode::TimestampSkew,
                format!("response timestamp is {skew} s away from now, over the {FRESHNESS_WINDOW_SECS} s window (replayed response or wrong clock)"),
            )
            .with_field("Wechatpay-Timestamp"));
        }
        Ok(registered.serial.clone())
    }
}
