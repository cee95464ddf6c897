//! WeChat Pay platform certificates that payquery downloads itself (a config with
//! `api_v3_key`): the download request, the checks on its answer, and the set a client holds.
//! Wire facts and what the peer SDKs get wrong: NOTIFICATIONS.md §1.7 and §8; the schedule
//! (when to download) is the flow's certificate keeper, not this module's business.
//!
//! What an answer must pass before a certificate is held:
//! - each entry's `encrypt_certificate` is `AEAD_AES_256_GCM` (nothing else is accepted) and
//!   opens with the APIv3 key, its nonce and associated data as given, the tag last;
//! - the decrypted certificate parses, its key is RSA of 2048–8192 bits, and its own serial is
//!   the `serial_no` the entry declares (no peer SDK checks this: a listing could otherwise
//!   file a key under another certificate's serial);
//! - an expired certificate is dropped; a not-yet-valid one is kept for later (a rotation
//!   lists the new one before it signs anything);
//! - when the answer carries signature headers signed by a key the client knows — the public
//!   key, a held certificate, or one the answer itself carries — they must verify. Without
//!   them (WeChat Pay's published test answers have none, a stored answer has none, and a
//!   listing signed by a `PUB_KEY_ID_…` the client was not given is the same case) trust rests
//!   on the AEAD: only the holder of the APIv3 key — WeChat Pay and the merchant — can produce
//!   an entry that opens.
//!
//! The set is merged, never replaced: a certificate still within its validity stays until it
//! expires, so a listing that has already dropped the old certificate cannot strand answers
//! still signed with it. An empty set verifies nothing: an answer whose key is not held is
//! refused, never waved through.

use std::sync::{Arc, RwLock};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::Value;

use crate::crypto::{normalize_serial, AeadError, AeadKey, RsaBackend, RsaPublicKey};
use crate::error::{Error, ErrorCode, Result};
use crate::json::{self, ResponseLimits};
use crate::platform_certificate::PlatformCertificate;

/// The domestic download endpoint (`api.mch.weixin.qq.com`).
pub(crate) const DOMESTIC_PATH: &str = "/v3/certificates";
/// The Global endpoint (`apihk.mch.weixin.qq.com`), for Pay Score oversea: its own key set.
pub(crate) const GLOBAL_PATH: &str = "/v3/global/certificates";
/// The only algorithm WeChat Pay uses, and the only one accepted.
const ALGORITHM: &str = "AEAD_AES_256_GCM";
/// WeChat Pay lists the current certificate and, during a rotation, the next: a handful. A
/// listing longer than this is refused before anything is decrypted.
pub(crate) const MAX_LISTED: usize = 64;
/// Default refresh interval: WeChat Pay asks for a download at least every 12 h.
pub(crate) const DEFAULT_REFRESH_S: i64 = 43_200;
/// The shortest refresh interval a config may set.
pub(crate) const MIN_REFRESH_S: i64 = 60;

/// The text of `object[key]`, a string, or a `DECODE_ERROR` naming `field`. (The listing is
/// read through `serde_json::Value`, which the crate has anyway, rather than derived structs:
/// in the npm package's .wasm every derived decoder costs its own code.)
fn text<'a>(object: &'a Value, key: &str, field: &str) -> Result<&'a str> {
    object.get(key).and_then(Value::as_str).ok_or_else(|| {
        Error::decode(format!("`{field}` is missing or not a string")).with_field(field)
    })
}

/// A certificate a client holds: what it reports, and its key.
#[derive(Debug)]
pub(crate) struct HeldCertificate {
    pub(crate) public: PlatformCertificate,
    pub(crate) key: RsaPublicKey,
}

impl HeldCertificate {
    pub(crate) fn valid_at(&self, now: i64) -> bool {
        (self.public.not_before..=self.public.not_after).contains(&now)
    }
}

/// What a download answer said.
#[derive(Debug)]
pub(crate) enum Listed {
    /// Certificates, checked (expired ones already dropped).
    Certificates(Vec<HeldCertificate>),
    /// WeChat Pay has no platform certificate for this merchant (404 `RESOURCE_NOT_EXISTS`,
    /// 403, or an empty `data`): it is on WeChat Pay public keys only.
    PublicKeyOnly,
}

/// The downloaded certificates one client holds, shared by all its queries (and, through the
/// client's clones, its threads). Interior mutability because the client is shared: a download
/// by one query serves every other at once.
#[derive(Debug, Default)]
pub(crate) struct CertificateSet {
    held: RwLock<Vec<Arc<HeldCertificate>>>,
}

impl CertificateSet {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Arc<HeldCertificate>>> {
        // Every change is one assignment of a whole vector: a poisoned lock holds a good one.
        self.held.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The held certificate with this (canonical) serial.
    pub(crate) fn find(&self, serial: &str) -> Option<Arc<HeldCertificate>> {
        self.read()
            .iter()
            .find(|c| c.public.serial_no == serial)
            .cloned()
    }

    /// True when a certificate valid at `now` is held.
    pub(crate) fn holds_valid(&self, now: i64) -> bool {
        self.read().iter().any(|c| c.valid_at(now))
    }

    /// Merges `fresh` in: a serial already held is replaced by its fresh copy, the others are
    /// added, expired ones dropped. Returns what is held now, newest first.
    pub(crate) fn merge(&self, fresh: Vec<HeldCertificate>, now: i64) -> Vec<PlatformCertificate> {
        let mut held = self.held.write().unwrap_or_else(|p| p.into_inner());
        let mut next: Vec<Arc<HeldCertificate>> = held
            .iter()
            .filter(|c| c.public.not_after >= now)
            .filter(|c| {
                !fresh
                    .iter()
                    .any(|f| f.public.serial_no == c.public.serial_no)
            })
            .cloned()
            .collect();
        next.extend(fresh.into_iter().map(Arc::new));
        // Newest valid first; equals keep their order. An insertion sort: a handful of entries, and
        // in the .wasm it costs a fraction of the standard library's stable sort.
        // Valid now before not-yet-valid (the one answers are signed with comes first).
        let newer = |a: &HeldCertificate, b: &HeldCertificate| {
            (a.valid_at(now), a.public.not_after, a.public.not_before)
                > (b.valid_at(now), b.public.not_after, b.public.not_before)
        };
        for i in 1..next.len() {
            let mut j = i;
            while j > 0 {
                match (next.get(j), next.get(j - 1)) {
                    (Some(a), Some(b)) if newer(a, b) => next.swap(j, j - 1),
                    _ => break,
                }
                j -= 1;
            }
        }
        // A bound on what a sequence of listings can make a client hold.
        next.truncate(MAX_LISTED);
        *held = next;
        held.iter().map(|c| c.public.clone()).collect()
    }

    /// What is held, newest first, expired ones left out.
    pub(crate) fn list(&self, now: i64) -> Vec<PlatformCertificate> {
        self.read()
            .iter()
            .filter(|c| c.public.not_after >= now)
            .map(|c| c.public.clone())
            .collect()
    }
}

/// Decrypts and checks a listing's body (a 2xx answer's, or one a certificate store kept).
/// Signature headers are the caller's business (see the module doc).
pub(crate) fn parse_listing(
    body: &[u8],
    limits: ResponseLimits,
    key: &AeadKey,
    backend: &dyn RsaBackend,
    now: i64,
) -> Result<Listed> {
    json::check_body(body, limits)?;
    let listing: Value = json::decode("certificate listing", body)?;
    let data = listing
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::decode("`data` is missing or not a list").with_field("data"))?;
    if data.is_empty() {
        return Ok(Listed::PublicKeyOnly);
    }
    if data.len() > MAX_LISTED {
        return Err(Error::decode(format!(
            "the listing holds {} certificates; payquery accepts at most {MAX_LISTED}",
            data.len()
        ))
        .with_field("data"));
    }
    let mut out: Vec<HeldCertificate> = Vec::with_capacity(data.len());
    let mut seen: Vec<String> = Vec::with_capacity(data.len());
    for (i, entry) in data.iter().enumerate() {
        let field = format!("data[{i}]");
        let serial = normalize_serial(text(entry, "serial_no", &format!("{field}.serial_no"))?);
        let serial_ok = !serial.is_empty()
            && serial.len() <= 64
            && serial.bytes().all(|b| b.is_ascii_hexdigit());
        if !serial_ok {
            return Err(Error::decode(format!(
                "`{field}.serial_no` is not a certificate serial (1 to 64 hexadecimal digits)"
            ))
            .with_field(format!("{field}.serial_no")));
        }
        if seen.contains(&serial) {
            return Err(Error::decode(format!(
                "`{field}.serial_no` lists certificate {serial} a second time"
            ))
            .with_field(format!("{field}.serial_no")));
        }
        seen.push(serial.clone());
        // `effective_time` / `expire_time` are WeChat Pay's summary of the certificate: the
        // validity checked is the certificate's own, so they are read past.
        let pem = open_entry(&field, entry.get("encrypt_certificate"), key)?;
        let pem_field = format!("{field}.encrypt_certificate.ciphertext");
        let (public_key, info) = RsaPublicKey::from_certificate_pem_with(&pem_field, &pem, backend)
            .map_err(|e| Error::decode(e.message().to_owned()).with_field(&pem_field))?;
        if !info.has_serial(&serial) {
            return Err(Error::decode(format!(
                "`{field}.serial_no` is {serial} but the certificate it carries has serial {}",
                info.serial_hex
            ))
            .with_field(format!("{field}.serial_no")));
        }
        if info.not_after < now {
            continue;
        }
        out.push(HeldCertificate {
            public: PlatformCertificate {
                serial_no: serial,
                not_before: info.not_before,
                not_after: info.not_after,
                certificate_pem: pem,
            },
            key: public_key,
        });
    }
    // A listing whose every certificate has expired is no refresh at all: say so (a wrong
    // clock, or a stale copy replayed), rather than report an empty success.
    if out.is_empty() {
        return Err(Error::decode(format!(
            "every certificate listed has expired (now is {now}, Unix time): a replayed listing or a wrong clock"
        ))
        .with_field("data"));
    }
    Ok(Listed::Certificates(out))
}

/// Opens one entry's `encrypt_certificate` into the certificate's PEM text. A wrong tag is
/// `SIGNATURE_INVALID` here: the listing's AEAD is what authenticates it.
fn open_entry(field: &str, sealed: Option<&Value>, key: &AeadKey) -> Result<String> {
    let field = format!("{field}.encrypt_certificate");
    let plain = open_sealed(&field, sealed, key, ErrorCode::SignatureInvalid)?;
    String::from_utf8(plain).map_err(|_| {
        Error::decode(format!("`{field}.ciphertext` does not decrypt to PEM text"))
            .with_field(format!("{field}.ciphertext"))
    })
}

/// Opens WeChat Pay's sealed object `{algorithm, nonce, associated_data?, ciphertext}` at
/// `field` (a listing entry's `encrypt_certificate`, a notification's `resource`): only
/// `AEAD_AES_256_GCM`; nonce and associated data as UTF-8 text, absent or null associated
/// data meaning none; the tag last in the ciphertext. A tag that does not match is `rejected`
/// (the caller's code); malformed parts (a ciphertext cut to its tag included) are
/// `DECODE_ERROR`, each naming its field.
pub(crate) fn open_sealed(
    field: &str,
    sealed: Option<&Value>,
    key: &AeadKey,
    rejected: ErrorCode,
) -> Result<Vec<u8>> {
    let sealed = sealed.filter(|v| v.is_object()).ok_or_else(|| {
        Error::decode(format!("`{field}` is missing or not an object")).with_field(field)
    })?;
    let algorithm = text(sealed, "algorithm", &format!("{field}.algorithm"))?;
    if algorithm != ALGORITHM {
        return Err(Error::decode(format!(
            "`{field}.algorithm` is `{}`; only {ALGORITHM} is accepted",
            algorithm.escape_debug()
        ))
        .with_field(format!("{field}.algorithm")));
    }
    let nonce = text(sealed, "nonce", &format!("{field}.nonce"))?;
    let ciphertext_field = format!("{field}.ciphertext");
    let input = BASE64
        .decode(text(sealed, "ciphertext", &ciphertext_field)?)
        .map_err(|_| {
            Error::decode(format!("`{ciphertext_field}` is not base64"))
                .with_field(&ciphertext_field)
        })?;
    let aad = match sealed.get("associated_data") {
        None | Some(Value::Null) => "",
        Some(_) => text(
            sealed,
            "associated_data",
            &format!("{field}.associated_data"),
        )?,
    };
    key.open(nonce.as_bytes(), aad.as_bytes(), &input)
        .map_err(|e| match e {
            AeadError::NonceLength(_) => {
                Error::decode(format!("`{field}.nonce`: {e}")).with_field(format!("{field}.nonce"))
            }
            AeadError::Rejected => Error::new(
                rejected,
                format!("`{ciphertext_field}` does not open with the configured `api_v3_key`: {e}"),
            )
            .with_field(&ciphertext_field),
            _ => Error::decode(format!("`{ciphertext_field}`: {e}")).with_field(&ciphertext_field),
        })
}
