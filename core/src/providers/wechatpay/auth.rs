//! `WECHATPAY2-SHA256-RSA2048`: request signing and response verification.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::certificates::{CertificateSet, HeldCertificate};
use super::config::WechatPayConfig;
use crate::context::{Nonce, RequestContext, ResponseContext};
use crate::crypto::{normalize_serial, RsaBackend, RsaPrivateKey, RsaPublicKey};
use crate::error::{Error, ErrorCode, Result};
use crate::http::USER_AGENT;
use crate::http::{
    check_header_name, check_header_value, check_request_url, request_target, HttpRequest,
    HttpResponse, Method,
};
use crate::secret::Secret;
use crate::validate::{config_id, input_id, Charset};

/// The scheme name used in `Authorization` and `Wechatpay-Signature-Type`.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// Responses whose `Wechatpay-Timestamp` is further than this from `now` are rejected
/// (`|now − ts| > 300`; exactly 300 s passes, as our spec says — WeChat Pay's Go SDK rejects
/// at `>= 300`, the Python `wechatpayv3` SDK checks no freshness at all). The window applies
/// both ways: a timestamp from the future is as suspect as a stale one.
pub const FRESHNESS_WINDOW_SECS: u64 = 300;

/// The response headers that make up a WeChat Pay signature. A response carrying any of them
/// claims to be signed, and is verified (or refused) as a whole.
pub const SIGNATURE_HEADERS: [&str; 4] = [
    "Wechatpay-Serial",
    "Wechatpay-Signature",
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
];

/// Headers `finish` writes itself; a pending request must not bring its own.
const FINISH_HEADERS: [&str; 4] = ["Authorization", "Accept", "User-Agent", "Content-Type"];

/// Signs WeChat Pay APIv3 requests with the merchant API key.
///
/// Signing is two-phase so that keys which never enter the process (KMS, HSM, Android
/// Keystore) work: [`WechatPayV3Signer::prepare`] returns a [`PendingRequest`] holding the
/// exact string to sign, and [`PendingRequest::finish`] takes the base64 signature. With an
/// in-process key, [`WechatPayV3Signer::sign`] does both.
#[derive(Debug)]
pub struct WechatPayV3Signer {
    mchid: String,
    serial_no: String,
    private_key: Option<RsaPrivateKey>,
}

impl WechatPayV3Signer {
    /// The merchant id requests are signed for.
    pub(crate) fn mchid(&self) -> &str {
        &self.mchid
    }

    /// A signer for merchant `mchid` whose API certificate has serial `serial_no`; the private
    /// key, when given, is loaded into `backend`.
    pub fn new(
        mchid: &str,
        serial_no: &str,
        private_key_pem: Option<&Secret>,
        backend: &dyn RsaBackend,
    ) -> Result<Self> {
        config_id("mchid", mchid, 32, Charset::Digits)?;
        config_id("merchant_serial_no", serial_no, 64, Charset::Hex)?;
        let private_key = private_key_pem
            .map(|pem| {
                RsaPrivateKey::from_pem_with("merchant_private_key_pem", pem.expose(), backend)
            })
            .transpose()?;
        Ok(WechatPayV3Signer {
            mchid: mchid.to_owned(),
            serial_no: serial_no.to_owned(),
            private_key,
        })
    }

    /// Phase one: fixes everything about the request and computes the string to sign,
    /// `METHOD\nCANONICAL_URL\nTIMESTAMP\nNONCE\nBODY\n`, where the canonical URL is the
    /// request-target of `url` exactly as it will be sent (path and query, percent-encoded).
    pub fn prepare(
        &self,
        method: Method,
        url: String,
        body: Option<Vec<u8>>,
        extra_headers: Vec<(String, String)>,
        ctx: &RequestContext,
    ) -> Result<PendingRequest> {
        PendingRequest::from_parts(PendingParts {
            method,
            url,
            headers: extra_headers,
            body,
            mchid: self.mchid.clone(),
            serial_no: self.serial_no.clone(),
            timestamp: ctx.timestamp,
            nonce: ctx.nonce.as_str().to_owned(),
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

/// Everything a pending request is made of, before validation.
#[derive(Debug)]
struct PendingParts {
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    mchid: String,
    serial_no: String,
    timestamp: i64,
    nonce: String,
}

/// The serialized form: the parts plus the string to sign they produce.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PendingDocument {
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

/// A request waiting for its signature (phase one of two-phase signing).
///
/// Every `PendingRequest` is valid by construction — whether built by `prepare` or read back
/// with [`PendingRequest::from_json`] / serde after a host parked it while a KMS signed: the
/// URL, headers, nonce, ids and timestamp pass the same checks `build` applies, and the stored
/// `string_to_sign` is recomputed from them and must match. A stored document whose `url`
/// smuggles CR/LF, whose `nonce` would inject a second `signature=` into `Authorization`, or
/// whose `url`/`timestamp`/`body` was changed after signing, is refused with `INVALID_INPUT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PendingDocument")]
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

impl TryFrom<PendingDocument> for PendingRequest {
    type Error = Error;

    fn try_from(doc: PendingDocument) -> Result<Self> {
        let pending = PendingRequest::from_parts(PendingParts {
            method: doc.method,
            url: doc.url,
            headers: doc.headers,
            body: doc.body,
            mchid: doc.mchid,
            serial_no: doc.serial_no,
            timestamp: doc.timestamp,
            nonce: doc.nonce,
        })?;
        if pending.string_to_sign != doc.string_to_sign {
            return Err(Error::invalid_input(
                "string_to_sign",
                "`string_to_sign` does not match the request it describes (its url, timestamp, nonce or body changed)",
            ));
        }
        Ok(pending)
    }
}

impl PendingRequest {
    fn from_parts(parts: PendingParts) -> Result<Self> {
        input_id("mchid", &parts.mchid, 32, Charset::Digits)?;
        input_id("serial_no", &parts.serial_no, 64, Charset::Hex)?;
        let nonce = Nonce::new(parts.nonce)?;
        crate::context::check_unix_seconds("timestamp", parts.timestamp)?;
        check_request_url("url", &parts.url)?;
        for (i, (name, value)) in parts.headers.iter().enumerate() {
            check_header_name(name)?;
            check_header_value(name, value)?;
            let reserved = FINISH_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name));
            let repeated = parts
                .headers
                .iter()
                .take(i)
                .any(|(n, _)| n.eq_ignore_ascii_case(name));
            if reserved || repeated {
                return Err(Error::invalid_input(
                    "headers",
                    format!("header `{name}` is repeated or is one payquery sets itself"),
                ));
            }
        }
        let body_text = match &parts.body {
            Some(b) => std::str::from_utf8(b)
                .map_err(|_| Error::invalid_input("body", "request body must be UTF-8"))?,
            None => "",
        };
        let string_to_sign = format!(
            "{}\n{}\n{}\n{}\n{body_text}\n",
            parts.method,
            request_target(&parts.url),
            parts.timestamp,
            nonce.as_str()
        );
        Ok(PendingRequest {
            method: parts.method,
            url: parts.url,
            headers: parts.headers,
            body: parts.body,
            mchid: parts.mchid,
            serial_no: parts.serial_no,
            timestamp: parts.timestamp,
            nonce: nonce.as_str().to_owned(),
            string_to_sign,
        })
    }

    /// Reads a pending request a host parked as JSON (the output of `to_json`, or the CLI's
    /// `prepare`), validating it as described on the type.
    pub fn from_json(json: &str) -> Result<Self> {
        let doc: PendingDocument = serde_json::from_slice(json.as_bytes()).map_err(|e| {
            Error::invalid_input("pending", format!("invalid pending request: {e}"))
        })?;
        PendingRequest::try_from(doc)
    }

    /// The pending request as JSON, to park while an external signer works.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The exact message to sign with RSASSA-PKCS1-v1_5 / SHA-256 (UTF-8 bytes).
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The Unix time the request is signed for.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The nonce the request is signed with.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// The URL the request will go to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Phase two: attaches the standard-base64 RSASSA-PKCS1-v1_5 / SHA-256 signature of
    /// [`string_to_sign`](Self::string_to_sign) and returns the request to send.
    pub fn finish(self, signature_base64: &str) -> Result<HttpRequest> {
        let signature = signature_base64.trim();
        let decoded = BASE64
            .decode(signature)
            .map_err(|_| Error::invalid_input("signature", "signature must be standard base64"))?;
        if !(256..=1024).contains(&decoded.len()) {
            return Err(Error::invalid_input(
                "signature",
                format!(
                    "signature is {} bytes; an RSA-2048 to RSA-8192 signature has 256 to 1024",
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
    /// The certificates downloaded with the APIv3 key (`None` without one: then the
    /// configured keys are all there is).
    downloaded: Option<CertificateSet>,
}

/// A key registered under a serial; certificates also bound when it may be used.
#[derive(Debug)]
struct VerificationKey {
    /// The serial in canonical form ([`normalize_serial`]).
    serial: String,
    key: RsaPublicKey,
    /// `(not_before, not_after)` of a platform certificate, Unix seconds.
    validity: Option<(i64, i64)>,
}

impl WechatPayVerifier {
    /// Builds the key set from the config: the `PUB_KEY_ID_…` public key and/or platform
    /// certificates, loaded into `backend`. At least one key is required: a client that cannot
    /// verify responses would have to trust them, which payquery never does. Serials are kept
    /// in canonical form, so a lower-case or zero-padded serial in the config matches what
    /// WeChat Pay sends.
    pub fn from_config(config: &WechatPayConfig, backend: &dyn RsaBackend) -> Result<Self> {
        let mut keys: Vec<VerificationKey> = Vec::new();
        let public_key_id = match (
            &config.wechatpay_public_key_id,
            &config.wechatpay_public_key_pem,
        ) {
            (Some(id), Some(pem)) => {
                config_id("wechatpay_public_key_id", id, 128, Charset::Token)?;
                keys.push(VerificationKey {
                    serial: normalize_serial(id),
                    key: RsaPublicKey::from_pem_with("wechatpay_public_key_pem", pem, backend)?,
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
            let serial_field = format!("{field}.serial_no");
            config_id(&serial_field, &cert.serial_no, 128, Charset::Token)?;
            let (key, validity) = match (&cert.public_key_pem, &cert.certificate_pem) {
                (Some(pem), None) => (
                    RsaPublicKey::from_pem_with(&format!("{field}.public_key_pem"), pem, backend)?,
                    None,
                ),
                (None, Some(pem)) => {
                    let pem_field = format!("{field}.certificate_pem");
                    let (key, info) =
                        RsaPublicKey::from_certificate_pem_with(&pem_field, pem, backend)?;
                    // A certificate filed under another serial is a configuration mistake that
                    // would otherwise surface as "signature invalid" on every response.
                    if !info.has_serial(&cert.serial_no) {
                        return Err(Error::invalid_config(
                            &serial_field,
                            format!(
                                "`{serial_field}` is {} but the certificate's serial is {}",
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
            let serial = normalize_serial(&cert.serial_no);
            if keys.iter().any(|k| k.serial == serial) {
                return Err(Error::invalid_config(
                    &serial_field,
                    format!("serial {serial} is configured twice"),
                ));
            }
            keys.push(VerificationKey {
                serial,
                key,
                validity,
            });
        }
        // With an APIv3 key, certificates can be downloaded: no configured key is needed (the
        // flow downloads before the first query). Without one, a client that cannot verify
        // responses would have to trust them, which payquery never does.
        let downloads = config.api_v3_key.is_some();
        if keys.is_empty() && !downloads {
            return Err(Error::invalid_config(
                "wechatpay_public_key_pem",
                "no WeChat Pay public key or platform certificate is configured, so responses could not be verified; configure one, or `api_v3_key` to download the platform certificates",
            ));
        }
        Ok(WechatPayVerifier {
            public_key_id,
            keys,
            downloaded: downloads.then(CertificateSet::default),
        })
    }

    /// The `PUB_KEY_ID_…` in public-key mode (sent as the `Wechatpay-Serial` request header).
    pub fn public_key_id(&self) -> Option<&str> {
        self.public_key_id.as_deref()
    }

    /// True when `response` carries any of the four `Wechatpay-*` signature headers, i.e. claims to be signed.
    pub fn claims_signature(response: &HttpResponse) -> bool {
        SIGNATURE_HEADERS
            .iter()
            .any(|name| response.header(name).is_some())
    }

    /// Verifies a response: the four `Wechatpay-*` headers must each be present exactly once
    /// and non-empty, the signature must verify over `TIMESTAMP\nNONCE\nRAW_BODY\n` with the key
    /// registered under `Wechatpay-Serial` (a platform certificate only within its validity
    /// period), and the timestamp must be within 300 s of `now`. The signature is checked
    /// first, so `TIMESTAMP_SKEW` always means "authentic but stale or from the future" (a
    /// replay, or a wrong local clock). Probe signatures starting with `WECHATPAY/SIGNTEST/`
    /// simply fail verification. Returns the serial of the key that verified the response.
    pub fn verify(&self, response: &HttpResponse, ctx: &ResponseContext) -> Result<String> {
        self.verify_with(response, ctx, &[])
    }

    /// The certificates this verifier downloads into (with an APIv3 key).
    pub(crate) fn downloaded(&self) -> Option<&CertificateSet> {
        self.downloaded.as_ref()
    }

    /// True when a configured public key can verify answers (a public-key-only merchant's
    /// empty listing is then no failure).
    pub(crate) fn has_public_key(&self) -> bool {
        self.public_key_id.is_some()
    }

    /// True when the key `response`'s `Wechatpay-Serial` names is one this verifier holds
    /// (configured, downloaded) or one of `carried`, or when the header is missing.
    pub(crate) fn knows_signer(
        &self,
        response: &HttpResponse,
        carried: &[HeldCertificate],
    ) -> bool {
        // A missing serial is not an unknown signer: verifying reports the missing header,
        // as for any answer that claims a signature.
        let Some(serial) = response.header("Wechatpay-Serial") else {
            return true;
        };
        let wanted = normalize_serial(serial.trim());
        self.keys.iter().any(|k| k.serial == wanted)
            || self
                .downloaded
                .as_ref()
                .is_some_and(|set| set.find(&wanted).is_some())
            || carried.iter().any(|c| c.public.serial_no == wanted)
    }

    /// [`WechatPayVerifier::verify`], also trying `carried`: the certificates a download answer
    /// carries may sign that answer.
    pub(crate) fn verify_with(
        &self,
        response: &HttpResponse,
        ctx: &ResponseContext,
        carried: &[HeldCertificate],
    ) -> Result<String> {
        self.verify_signed("response", &response.headers, &response.body, ctx, carried)
    }

    /// Verifies a notification exactly as an answer: WeChat Pay signs both the same way, over
    /// `TIMESTAMP\nNONCE\nRAW_BODY\n` with the same four headers. A probe
    /// (`WECHATPAY/SIGNTEST/…`, WeChat Pay checking that the merchant verifies) is refused
    /// before its serial is looked up, so probes never cause a certificate download.
    pub(crate) fn verify_notification(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        ctx: &ResponseContext,
    ) -> Result<String> {
        let probe = headers
            .iter()
            .filter(|(n, _)| n.trim().eq_ignore_ascii_case("Wechatpay-Signature"))
            .any(|(_, v)| v.trim().starts_with("WECHATPAY/SIGNTEST/"));
        if probe {
            return Err(Error::signature(
                "the notification is WeChat Pay's signature probe (`WECHATPAY/SIGNTEST/`): it carries no valid signature and is answered as a failure",
            )
            .with_field("Wechatpay-Signature"));
        }
        self.verify_signed("notification", headers, body, ctx, &[])
    }

    /// Verifies `headers` and `body` (an answer's or a notification's: `subject` says which,
    /// for the messages).
    fn verify_signed(
        &self,
        subject: &str,
        headers: &[(String, String)],
        body: &[u8],
        ctx: &ResponseContext,
        carried: &[HeldCertificate],
    ) -> Result<String> {
        // Each header at most once (two values for one field are ambiguous: a verifier must
        // not pick one), names and values trimmed.
        let optional_header = |name: &str| -> Result<Option<&str>> {
            let mut values = headers
                .iter()
                .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim());
            match (values.next(), values.next()) {
                (Some(_), Some(_)) => Err(Error::signature(format!(
                    "{subject} carries the `{name}` header more than once, so it cannot be verified"
                ))
                .with_field(name)),
                (first, _) => Ok(first),
            }
        };
        let header = |name: &str| -> Result<&str> {
            let mut values = headers
                .iter()
                .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim());
            match (values.next(), values.next()) {
                (Some(v), None) if !v.is_empty() => Ok(v),
                (Some(_), Some(_)) => Err(Error::signature(format!(
                    "{subject} carries the `{name}` header more than once, so it cannot be verified"
                ))
                .with_field(name)),
                _ => Err(Error::signature(format!(
                    "{subject} lacks the `{name}` header, so it cannot be verified"
                ))
                .with_field(name)),
            }
        };
        // The signed message joins timestamp, nonce and body with line feeds, so a nonce holding
        // one could move bytes between the nonce and the body under the same signature: every
        // value that enters the message must be visible ASCII.
        let visible = |name: &str, value: &str| -> Result<()> {
            if value.bytes().all(|b| b.is_ascii_graphic()) {
                Ok(())
            } else {
                Err(Error::signature(format!(
                    "`{name}` holds spaces or control characters, so it cannot be verified"
                ))
                .with_field(name))
            }
        };
        let serial = header("Wechatpay-Serial")?;
        let signature_b64 = header("Wechatpay-Signature")?;
        let timestamp_text = header("Wechatpay-Timestamp")?;
        let nonce = header("Wechatpay-Nonce")?;
        visible("Wechatpay-Serial", serial)?;
        visible("Wechatpay-Nonce", nonce)?;
        if let Some(kind) = optional_header("Wechatpay-Signature-Type")? {
            if kind.trim() != SCHEME {
                return Err(Error::signature(format!(
                    "unsupported Wechatpay-Signature-Type `{}`",
                    kind.escape_debug()
                ))
                .with_field("Wechatpay-Signature-Type"));
            }
        }
        // Unix seconds as WeChat Pay writes them: digits only. `i64::from_str` would also take a
        // sign (`+1700000000`), a form WeChat Pay never sends and no verifier should accept.
        let timestamp: i64 = timestamp_text
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| timestamp_text.parse().ok())
            .flatten()
            .ok_or_else(|| {
                Error::signature("`Wechatpay-Timestamp` is not Unix seconds (digits only)")
                    .with_field("Wechatpay-Timestamp")
            })?;
        let wanted = normalize_serial(serial);
        let held = self.downloaded.as_ref().and_then(|set| set.find(&wanted));
        let (key, validity, key_serial) =
            if let Some(k) = self.keys.iter().find(|k| k.serial == wanted) {
                (&k.key, k.validity, &k.serial)
            } else if let Some(c) = held
                .as_deref()
                .or_else(|| carried.iter().find(|c| c.public.serial_no == wanted))
            {
                (
                    &c.key,
                    Some((c.public.not_before, c.public.not_after)),
                    &c.public.serial_no,
                )
            } else {
                let advice = if self.downloaded.is_some() {
                    "no certificate payquery downloaded with `api_v3_key` has it"
                } else {
                    "download the current WeChat Pay platform certificate or public key"
                };
                let error = Error::signature(format!(
                    "{subject} is signed with unknown key serial `{}`; {advice}",
                    serial.escape_debug()
                ))
                .with_field("Wechatpay-Serial");
                // A `PUB_KEY_ID_…` is never a certificate: no download can supply it. Nor is
                // one worth downloading for when the rest could not verify anyway (a
                // signature that is not base64 of an RSA size, a timestamp outside the
                // window): junk must not spend the client's one download a minute.
                let certificate_serial = !wanted.is_empty()
                    && wanted.len() <= 64
                    && wanted.bytes().all(|b| b.is_ascii_hexdigit());
                let plausible = BASE64
                    .decode(signature_b64)
                    .is_ok_and(|s| (256..=1024).contains(&s.len()))
                    && ctx.now.abs_diff(timestamp) <= FRESHNESS_WINDOW_SECS;
                return Err(
                    if self.downloaded.is_some() && certificate_serial && plausible {
                        error.with_unknown_certificate()
                    } else {
                        error
                    },
                );
            };
        let signature = BASE64.decode(signature_b64).map_err(|_| {
            Error::signature("`Wechatpay-Signature` is not base64")
                .with_field("Wechatpay-Signature")
        })?;
        let mut message = Vec::with_capacity(timestamp_text.len() + nonce.len() + body.len() + 3);
        message.extend_from_slice(timestamp_text.as_bytes());
        message.push(b'\n');
        message.extend_from_slice(nonce.as_bytes());
        message.push(b'\n');
        message.extend_from_slice(body);
        message.push(b'\n');
        if !key.verify_sha256(&message, &signature) {
            return Err(
                Error::signature(format!("{subject} signature does not verify"))
                    .with_field("Wechatpay-Signature"),
            );
        }
        if let Some((not_before, not_after)) = validity {
            if ctx.now < not_before || ctx.now > not_after {
                return Err(Error::signature(format!(
                    "platform certificate `{key_serial}` is not valid now (valid from {not_before} to {not_after}, Unix time); download the current one"
                ))
                .with_field("Wechatpay-Serial"));
            }
        }
        let skew = ctx.now.abs_diff(timestamp);
        if skew > FRESHNESS_WINDOW_SECS {
            return Err(Error::new(
                ErrorCode::TimestampSkew,
                format!("{subject} timestamp is {skew} s away from now, over the {FRESHNESS_WINDOW_SECS} s window (replayed {subject} or wrong clock)"),
            )
            .with_field("Wechatpay-Timestamp"));
        }
        Ok(key_serial.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending() -> PendingRequest {
        PendingRequest::from_parts(PendingParts {
            method: Method::Get,
            url: "https://api.mch.weixin.qq.com/v3/edu-papay/transactions/out-trade-no/A%7CB"
                .to_owned(),
            headers: vec![("Wechatpay-Serial".to_owned(), "PUB_KEY_ID_01".to_owned())],
            body: None,
            mchid: "1900000001".to_owned(),
            serial_no: "5157F09E".to_owned(),
            timestamp: 1_700_000_000,
            nonce: "abc".to_owned(),
        })
        .unwrap()
    }

    type Edit = Box<dyn Fn(&mut serde_json::Value)>;

    fn tampered(edit: impl Fn(&mut serde_json::Value)) -> Result<PendingRequest> {
        let mut doc: serde_json::Value = serde_json::from_str(&pending().to_json()).unwrap();
        edit(&mut doc);
        PendingRequest::from_json(&doc.to_string())
    }

    #[test]
    fn a_parked_request_round_trips_unchanged() {
        let p = pending();
        assert_eq!(PendingRequest::from_json(&p.to_json()).unwrap(), p);
        let via_serde: PendingRequest = serde_json::from_str(&p.to_json()).unwrap();
        assert_eq!(via_serde, p);
    }

    #[test]
    fn tampered_parked_requests_are_refused() {
        let cases: Vec<(&str, Edit)> = vec![
            (
                "url",
                Box::new(|d| d["url"] = "https://x/a\r\nX-Evil: 1".into()),
            ),
            (
                "nonce",
                Box::new(|d| d["nonce"] = "abc\",signature=\"X".into()),
            ),
            (
                "string_to_sign",
                Box::new(|d| d["url"] = "https://api.mch.weixin.qq.com/v3/other".into()),
            ),
            (
                "string_to_sign",
                Box::new(|d| d["timestamp"] = 1_700_000_001.into()),
            ),
            (
                "string_to_sign",
                Box::new(|d| d["string_to_sign"] = "GET\n/\n1\nabc\n\n".into()),
            ),
            ("timestamp", Box::new(|d| d["timestamp"] = (-1).into())),
            ("mchid", Box::new(|d| d["mchid"] = "19\"x".into())),
            ("serial_no", Box::new(|d| d["serial_no"] = "XYZ\r\n".into())),
            (
                "headers",
                Box::new(|d| d["headers"] = serde_json::json!([["Authorization", "x"]])),
            ),
            (
                "headers",
                Box::new(|d| d["headers"] = serde_json::json!([["X-A", "1"], ["x-a", "2"]])),
            ),
            (
                "headers",
                Box::new(|d| d["headers"] = serde_json::json!([["Bad Name", "1"]])),
            ),
            (
                "X-A",
                Box::new(|d| d["headers"] = serde_json::json!([["X-A", "1\r\n2"]])),
            ),
            ("pending", Box::new(|d| d["extra"] = 1.into())),
        ];
        for (field, edit) in cases {
            let err = tampered(edit).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
            assert_eq!(err.field(), Some(field), "{err}");
        }
    }

    #[test]
    fn signatures_outside_rsa_sizes_are_refused() {
        for sig in [BASE64.encode([1u8; 255]), BASE64.encode([1u8; 1025])] {
            let err = pending().finish(&sig).unwrap_err();
            assert_eq!(err.field(), Some("signature"));
        }
        assert!(pending().finish(&BASE64.encode([1u8; 256])).is_ok());
    }
}
