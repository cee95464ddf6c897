//! RSASSA-PKCS1-v1_5 / SHA-256 keys (WeChat Pay's `WECHATPAY2-SHA256-RSA2048`).
//!
//! Everything but the arithmetic happens here, identically for every backend: PEM decoding,
//! PKCS#1 → PKCS#8 / SPKI conversion, the `rsaEncryption` algorithm check, X.509 parsing and
//! the 2048–8192-bit size rule. A backend sees only DER the core has already accepted, so two
//! backends can never disagree about which keys are usable.

use std::fmt;
use std::ops::RangeInclusive;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use super::backend::{RsaBackend, RsaSigningKey, RsaVerifyingKey};
use super::default_backend::default_rsa_backend;
use super::der;
use crate::error::{Error, Result};

/// Accepted RSA modulus sizes, in bits. WeChat Pay uses 2048; smaller keys are breakable, and
/// larger ones than 8192 are refused by aws-lc-rs's verifier (and would make a hostile config
/// expensive).
pub const RSA_KEY_BITS: RangeInclusive<usize> = 2048..=8192;

/// Bit length of a big-endian unsigned integer.
fn bit_len(uint: &[u8]) -> usize {
    let first = uint.iter().position(|b| *b != 0);
    match first.and_then(|i| uint.get(i..)) {
        Some(rest) => rest.len() * 8 - rest.first().map_or(8, |b| b.leading_zeros() as usize),
        None => 0,
    }
}

fn check_size(modulus: &[u8]) -> Result<(), String> {
    let bits = bit_len(modulus);
    if RSA_KEY_BITS.contains(&bits) {
        Ok(())
    } else {
        Err(format!(
            "{bits}-bit keys are not accepted; {} to {} bits are",
            RSA_KEY_BITS.start(),
            RSA_KEY_BITS.end()
        ))
    }
}

/// Checks an `RSAPublicKey` (PKCS#1) structure: a usable exponent and an accepted size.
fn check_pkcs1_public(der: &[u8]) -> Result<(), String> {
    let key = der::pkcs1_public_key(der)?;
    if bit_len(key.exponent) < 2 {
        return Err("the public exponent is not usable".to_owned());
    }
    check_size(key.modulus)
}

/// Checks `SubjectPublicKeyInfo` DER: an `rsaEncryption` key of an accepted size.
fn check_spki(spki_der: &[u8]) -> Result<(), String> {
    check_pkcs1_public(der::spki_rsa_public_key(spki_der)?)
}

/// Checks a PKCS#1 `RSAPrivateKey` and wraps it into PKCS#8 `PrivateKeyInfo` DER.
fn pkcs1_private_to_pkcs8(pkcs1_der: &[u8]) -> Result<Vec<u8>, String> {
    check_size(der::pkcs1_private_key_modulus(pkcs1_der)?)?;
    Ok(der::pkcs8_from_pkcs1_private_key(pkcs1_der))
}

/// Checks PKCS#8 `PrivateKeyInfo` DER: an `rsaEncryption` key of an accepted size.
fn check_pkcs8_private(pkcs8_der: &[u8]) -> Result<(), String> {
    let pkcs1 = der::pkcs8_rsa_private_key(pkcs8_der)?;
    check_size(der::pkcs1_private_key_modulus(pkcs1)?)
}

fn decode_pem(field: &str, pem: &str) -> Result<(String, Vec<u8>)> {
    pem_rfc7468::decode_vec(pem.trim().as_bytes())
        .map(|(label, der)| (label.to_owned(), der))
        .map_err(|_| {
            // The commonest broken PEM: one copied out of a JSON or .env file with its line
            // breaks still written as the two characters `\` `n`.
            let hint = if pem.contains("\\n") {
                ": it contains backslash-n sequences (\\n) where its line breaks should be; replace each with a real line break"
            } else {
                ""
            };
            Error::invalid_config(field, format!("`{field}` is not a PEM document{hint}"))
        })
}

fn backend_or_error(field: &str) -> Result<&'static dyn RsaBackend> {
    default_rsa_backend().ok_or_else(|| {
        Error::invalid_config(
            field,
            "this build has no RSA backend compiled in; construct the client with one",
        )
    })
}

/// An RSA private key for RSASSA-PKCS1-v1_5 / SHA-256 signing (PKCS#8 `PRIVATE KEY` or PKCS#1
/// `RSA PRIVATE KEY` PEM, 2048–8192 bits), loaded into a backend. `Debug` never shows key
/// material.
pub struct RsaPrivateKey {
    key: Box<dyn RsaSigningKey>,
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaPrivateKey([redacted])")
    }
}

impl RsaPrivateKey {
    /// Parses a PEM private key into the default backend. `field` names the config setting in
    /// error messages (which never include the PEM itself).
    pub fn from_pem(field: &str, pem: &str) -> Result<Self> {
        Self::from_pem_with(field, pem, backend_or_error(field)?)
    }

    /// Parses a PEM private key into `backend`.
    pub fn from_pem_with(field: &str, pem: &str, backend: &dyn RsaBackend) -> Result<Self> {
        let (label, der) = decode_pem(field, pem)?;
        let pkcs8 = match label.as_str() {
            "PRIVATE KEY" => check_pkcs8_private(&der).map(|()| der),
            "RSA PRIVATE KEY" => pkcs1_private_to_pkcs8(&der),
            "ENCRYPTED PRIVATE KEY" => Err(
                "encrypted keys are not supported; decrypt the PEM (openssl pkcs8) first"
                    .to_owned(),
            ),
            other => Err(format!(
                "PEM `{other}`, expected `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1)"
            )),
        }
        .map_err(|why| {
            Error::invalid_config(
                field,
                format!("`{field}` is not a usable RSA private key ({why})"),
            )
        })?;
        let key = backend.load_signing_key(&pkcs8).map_err(|why| {
            Error::invalid_config(
                field,
                format!(
                    "`{field}` was refused by the {} RSA backend ({why})",
                    backend.name()
                ),
            )
        })?;
        Ok(RsaPrivateKey { key })
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 / SHA-256 and returns the standard base64
    /// signature. PKCS#1 v1.5 is deterministic: the same key and message always give the same
    /// signature, whichever backend computes it.
    pub fn sign_sha256_base64(&self, message: &[u8]) -> Result<String> {
        let signature = self.key.sign_pkcs1_sha256(message).map_err(|why| {
            Error::invalid_config(
                "merchant_private_key",
                format!("RSA signing failed ({why})"),
            )
        })?;
        Ok(BASE64.encode(signature))
    }
}

/// What a certificate says about itself, beyond its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The serial number as upper-case hex without leading zeros (WeChat Pay's
    /// `Wechatpay-Serial` form).
    pub serial_hex: String,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
    /// End of validity, Unix seconds.
    pub not_after: i64,
}

impl CertificateInfo {
    /// True when `serial` (hex, any case, leading zeros optional) is this certificate's serial.
    pub fn has_serial(&self, serial: &str) -> bool {
        normalize_serial(&self.serial_hex) == normalize_serial(serial)
    }
}

/// The canonical form of a key serial, so that a serial written in a config and one received
/// in a `Wechatpay-Serial` header compare equal whenever they name the same key: a hexadecimal
/// certificate serial becomes upper case without leading zeros (`00ab12` → `AB12`; an all-zero
/// serial stays `0`); anything else (a `PUB_KEY_ID_…`) is kept exactly as written.
pub fn normalize_serial(serial: &str) -> String {
    if serial.is_empty() || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
        return serial.to_owned();
    }
    let trimmed = serial.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_ascii_uppercase()
    }
}

/// An RSA public key for verifying RSASSA-PKCS1-v1_5 / SHA-256 signatures (2048–8192 bits),
/// loaded into a backend.
pub struct RsaPublicKey {
    key: Box<dyn RsaVerifyingKey>,
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaPublicKey")
    }
}

impl RsaPublicKey {
    /// Parses a PEM `PUBLIC KEY` (SPKI), `RSA PUBLIC KEY` (PKCS#1) or `CERTIFICATE` (X.509; its
    /// subject public key is used — validity is the caller's business, see
    /// [`RsaPublicKey::from_certificate_pem`]) into the default backend.
    pub fn from_pem(field: &str, pem: &str) -> Result<Self> {
        Self::from_pem_with(field, pem, backend_or_error(field)?)
    }

    /// [`RsaPublicKey::from_pem`] into `backend`.
    pub fn from_pem_with(field: &str, pem: &str, backend: &dyn RsaBackend) -> Result<Self> {
        let (label, der) = decode_pem(field, pem)?;
        let spki = match label.as_str() {
            "PUBLIC KEY" => Ok(der),
            "RSA PUBLIC KEY" => {
                check_pkcs1_public(&der).map(|()| der::spki_from_pkcs1_public_key(&der))
            }
            "CERTIFICATE" => der::certificate(&der)
                .map(|c| c.spki.to_vec())
                .map_err(|e| format!("not a valid X.509 certificate: {e}")),
            other => Err(format!(
                "PEM `{other}`, expected `PUBLIC KEY`, `RSA PUBLIC KEY` or `CERTIFICATE`"
            )),
        }
        .map_err(|why| {
            Error::invalid_config(
                field,
                format!("`{field}` is not a usable RSA public key ({why})"),
            )
        })?;
        Self::from_spki(field, &spki, backend)
    }

    fn from_spki(field: &str, spki: &[u8], backend: &dyn RsaBackend) -> Result<Self> {
        check_spki(spki).map_err(|why| {
            Error::invalid_config(
                field,
                format!("`{field}` is not a usable RSA public key ({why})"),
            )
        })?;
        let key = backend.load_verifying_key(spki).map_err(|why| {
            Error::invalid_config(
                field,
                format!(
                    "`{field}` was refused by the {} RSA backend ({why})",
                    backend.name()
                ),
            )
        })?;
        Ok(RsaPublicKey { key })
    }

    /// Parses a PEM `CERTIFICATE` into the default backend and returns its public key with the
    /// facts a verifier must check: the certificate's serial and validity period.
    pub fn from_certificate_pem(field: &str, pem: &str) -> Result<(Self, CertificateInfo)> {
        Self::from_certificate_pem_with(field, pem, backend_or_error(field)?)
    }

    /// [`RsaPublicKey::from_certificate_pem`] into `backend`.
    pub fn from_certificate_pem_with(
        field: &str,
        pem: &str,
        backend: &dyn RsaBackend,
    ) -> Result<(Self, CertificateInfo)> {
        let bad = |why: String| {
            Error::invalid_config(
                field,
                format!("`{field}` is not a usable certificate ({why})"),
            )
        };
        let (label, der) = decode_pem(field, pem)?;
        if label != "CERTIFICATE" {
            return Err(bad(format!("PEM `{label}`, expected `CERTIFICATE`")));
        }
        let cert = der::certificate(&der).map_err(bad)?;
        let info = CertificateInfo {
            serial_hex: normalize_serial(
                &cert
                    .serial
                    .iter()
                    .map(|b| format!("{b:02X}"))
                    .collect::<String>(),
            ),
            not_before: cert.not_before,
            not_after: cert.not_after,
        };
        let spki = cert.spki;
        Ok((Self::from_spki(field, spki, backend)?, info))
    }

    /// True when `signature` is a valid RSASSA-PKCS1-v1_5 / SHA-256 signature of `message`.
    pub fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify_pkcs1_sha256(message, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::compiled_rsa_backends;

    const MERCHANT_KEY: &str = include_str!("../../../tests/vectors/keys/merchant_private_key.pem");
    const MERCHANT_KEY_PKCS1: &str =
        include_str!("../../../tests/vectors/keys/merchant_private_key_pkcs1.pem");
    const MERCHANT_PUB: &str = include_str!("../../../tests/vectors/keys/merchant_public_key.pem");
    const OTHER_PUB: &str = include_str!("../../../tests/vectors/keys/wechatpay_public_key.pem");
    const CERT: &str = include_str!("../../../tests/vectors/keys/platform_certificate.pem");

    #[test]
    fn pkcs8_and_pkcs1_keys_sign_identically_and_verify_on_every_backend() {
        let mut signatures = Vec::new();
        for backend in compiled_rsa_backends() {
            let a = RsaPrivateKey::from_pem_with("k", MERCHANT_KEY, backend).unwrap();
            let b = RsaPrivateKey::from_pem_with("k", MERCHANT_KEY_PKCS1, backend).unwrap();
            let sa = a.sign_sha256_base64(b"hello").unwrap();
            assert_eq!(sa, b.sign_sha256_base64(b"hello").unwrap());
            let sig = BASE64.decode(&sa).unwrap();
            let public = RsaPublicKey::from_pem_with("p", MERCHANT_PUB, backend).unwrap();
            assert!(public.verify_sha256(b"hello", &sig));
            assert!(!public.verify_sha256(b"hellO", &sig));
            assert!(!public.verify_sha256(b"hello", &sig[1..]));
            let other = RsaPublicKey::from_pem_with("p", OTHER_PUB, backend).unwrap();
            assert!(!other.verify_sha256(b"hello", &sig));
            signatures.push(sa);
        }
        assert!(!signatures.is_empty());
        assert!(
            signatures.windows(2).all(|w| w[0] == w[1]),
            "backends disagree"
        );
    }

    #[test]
    fn certificates_yield_their_public_key_serial_and_validity() {
        assert!(RsaPublicKey::from_pem("c", CERT).is_ok());
        let (_, info) = RsaPublicKey::from_certificate_pem("c", CERT).unwrap();
        assert_eq!(info.serial_hex, "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92");
        assert!(info.has_serial("7132d72a03e93cddf8c03bbd1f37eedf7c8d7f92"));
        assert!(info.has_serial("007132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92"));
        assert!(!info.has_serial("7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F93"));
        assert_eq!(
            (info.not_before, info.not_after),
            (1_577_836_800, 4_733_510_400)
        );
        assert!(RsaPublicKey::from_certificate_pem("c", MERCHANT_PUB).is_err());
    }

    #[test]
    fn serials_normalize_to_upper_hex_without_leading_zeros() {
        assert_eq!(normalize_serial("00ab12"), "AB12");
        assert_eq!(normalize_serial("AB12"), "AB12");
        assert_eq!(normalize_serial("000"), "0");
        assert_eq!(
            normalize_serial("PUB_KEY_ID_0119000000012025"),
            "PUB_KEY_ID_0119000000012025"
        );
        assert_eq!(normalize_serial("pub_key_id_01"), "pub_key_id_01");
        assert_eq!(normalize_serial(""), "");
    }

    #[test]
    fn bad_pem_is_invalid_config_without_echoing_the_input() {
        let err =
            RsaPrivateKey::from_pem("merchant_private_key_pem", "SECRET-GARBAGE").unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InvalidConfig);
        assert!(!err.to_string().contains("SECRET"));
        let err = RsaPrivateKey::from_pem("k", MERCHANT_PUB).unwrap_err();
        assert!(err.message().contains("PUBLIC KEY"));
        assert!(RsaPublicKey::from_pem("k", MERCHANT_KEY).is_err());
        let escaped = MERCHANT_KEY.replace('\n', "\\n");
        let err = RsaPrivateKey::from_pem("merchant_private_key_pem", &escaped).unwrap_err();
        assert!(err.message().contains("backslash-n"), "{err}");
        assert!(!err.message().contains("MII"), "{err}");
    }

    #[test]
    fn keys_outside_2048_to_8192_bits_are_refused_by_every_backend() {
        let weak = include_str!("../../../tests/vectors/keys/weak_1024_public_key.pem");
        let weak_private = include_str!("../../../tests/vectors/keys/weak_1024_private_key.pem");
        for backend in compiled_rsa_backends() {
            let err =
                RsaPublicKey::from_pem_with("wechatpay_public_key_pem", weak, backend).unwrap_err();
            assert!(err.message().contains("1024-bit"), "{err}");
            let err = RsaPrivateKey::from_pem_with("k", weak_private, backend).unwrap_err();
            assert!(err.message().contains("1024-bit"), "{err}");
        }
    }

    #[test]
    fn bit_lengths_ignore_leading_zero_bytes() {
        assert_eq!(bit_len(&[0, 0x80, 0]), 16);
        assert_eq!(bit_len(&[0x01]), 1);
        assert_eq!(bit_len(&[]), 0);
        assert_eq!(bit_len(&[0, 0]), 0);
    }
}
