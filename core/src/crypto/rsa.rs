//! RSASSA-PKCS1-v1_5 / SHA-256 keys (WeChat Pay's `WECHATPAY2-SHA256-RSA2048`).
//!
//! PEM handling lives here; the arithmetic comes from one of two backends:
//! - **aws-lc-rs** on native targets (measured here: ~211 µs per RSA-2048 signature, 5× the
//!   pure-Rust crate's speed, constant-time, FIPS-validated lineage);
//! - the pure-Rust **`rsa`** crate where aws-lc-rs cannot build (wasm32), or natively with the
//!   `pure-rust-rsa` feature so CI runs every vector through it too. Its private-key
//!   operations are not constant-time (RUSTSEC-2023-0071): hosts that hold the key in
//!   JavaScript should sign with node:crypto through the two-phase API instead.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use der::{Decode, Encode};

use crate::error::{Error, Result};

#[cfg(not(any(target_arch = "wasm32", feature = "pure-rust-rsa")))]
#[path = "rsa_backend/aws_lc.rs"]
mod backend;
#[cfg(any(target_arch = "wasm32", feature = "pure-rust-rsa"))]
#[path = "rsa_backend/pure_rust.rs"]
mod backend;

/// Accepted RSA modulus sizes, in bits (WeChat Pay uses 2048; aws-lc-rs verifies up to 8192).
const KEY_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017).
#[derive(der::Sequence)]
struct RsaPublicKeyAsn1<'a> {
    modulus: der::asn1::UintRef<'a>,
    public_exponent: der::asn1::UintRef<'a>,
}

/// Checks the modulus size of an SPKI or PKCS#1 public key against [`KEY_BITS`], for both
/// backends alike, so a weak key is refused when the client is configured instead of making
/// every later verification fail.
fn check_public_key_size(der: &[u8]) -> Result<(), String> {
    let pkcs1 = match spki::SubjectPublicKeyInfoRef::from_der(der) {
        Ok(info) => info.subject_public_key.raw_bytes().to_vec(),
        Err(_) => der.to_vec(),
    };
    let key =
        RsaPublicKeyAsn1::from_der(&pkcs1).map_err(|e| format!("not an RSA public key: {e}"))?;
    if key.public_exponent.as_bytes().is_empty() {
        return Err("the public exponent is empty".to_owned());
    }
    let modulus = key.modulus.as_bytes();
    let bits = modulus.len() * 8 - modulus.first().map_or(8, |b| b.leading_zeros() as usize);
    if KEY_BITS.contains(&bits) {
        Ok(())
    } else {
        Err(format!(
            "{bits}-bit keys are not accepted; {} to {} bits are",
            KEY_BITS.start(),
            KEY_BITS.end()
        ))
    }
}

/// The backend in use, for diagnostics and benchmarks: `"aws-lc-rs"` or `"rsa"`.
pub const RSA_BACKEND: &str = backend::NAME;

/// An RSA private key for RSASSA-PKCS1-v1_5 / SHA-256 signing (PKCS#8 `PRIVATE KEY` or PKCS#1
/// `RSA PRIVATE KEY` PEM, 2048–8192 bits). `Debug` never shows key material.
pub struct RsaPrivateKey {
    key: backend::PrivateKey,
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaPrivateKey([redacted])")
    }
}

impl RsaPrivateKey {
    /// Parses a PEM private key. `field` names the config setting in error messages (which
    /// never include the PEM itself).
    pub fn from_pem(field: &str, pem: &str) -> Result<Self> {
        let (label, der) = pem_rfc7468::decode_vec(pem.trim().as_bytes()).map_err(|_| {
            Error::invalid_config(field, format!("`{field}` is not a PEM document"))
        })?;
        let key = match label {
            "PRIVATE KEY" => backend::PrivateKey::from_pkcs8_der(&der),
            "RSA PRIVATE KEY" => backend::PrivateKey::from_pkcs1_der(&der),
            other => {
                return Err(Error::invalid_config(
                    field,
                    format!("`{field}` is a PEM `{other}`, expected `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1)"),
                ))
            }
        }
        .map_err(|why| {
            Error::invalid_config(field, format!("`{field}` is not a usable RSA private key ({why})"))
        })?;
        Ok(RsaPrivateKey { key })
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 / SHA-256 and returns the standard base64 signature.
    /// PKCS#1 v1.5 is deterministic, so the same key and message always give the same signature.
    pub fn sign_sha256_base64(&self, message: &[u8]) -> Result<String> {
        let signature = self
            .key
            .sign_sha256(message)
            .map_err(|_| Error::invalid_config("merchant_private_key", "RSA signing failed"))?;
        Ok(BASE64.encode(signature))
    }
}

/// What a certificate says about itself, beyond its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The serial number as upper-case hex (WeChat Pay's `Wechatpay-Serial` form).
    pub serial_hex: String,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
    /// End of validity, Unix seconds.
    pub not_after: i64,
}

impl CertificateInfo {
    /// True when `serial` (hex, any case, leading zeros optional) is this certificate's serial.
    pub fn has_serial(&self, serial: &str) -> bool {
        let normalize = |s: &str| s.trim_start_matches('0').to_ascii_uppercase();
        normalize(&self.serial_hex) == normalize(serial)
    }
}

/// An RSA public key for verifying RSASSA-PKCS1-v1_5 / SHA-256 signatures (2048–8192 bits).
pub struct RsaPublicKey {
    key: backend::PublicKey,
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaPublicKey")
    }
}

impl RsaPublicKey {
    /// Parses a PEM `PUBLIC KEY` (SPKI), `RSA PUBLIC KEY` (PKCS#1) or `CERTIFICATE` (X.509; its
    /// subject public key is used — expiry is the caller's business, as the serial selects it).
    pub fn from_pem(field: &str, pem: &str) -> Result<Self> {
        let (label, der) = pem_rfc7468::decode_vec(pem.trim().as_bytes()).map_err(|_| {
            Error::invalid_config(field, format!("`{field}` is not a PEM document"))
        })?;
        let key = match label {
            "PUBLIC KEY" => {
                check_public_key_size(&der).and_then(|()| backend::PublicKey::from_spki_der(&der))
            }
            "RSA PUBLIC KEY" => {
                check_public_key_size(&der).and_then(|()| backend::PublicKey::from_pkcs1_der(&der))
            }
            "CERTIFICATE" => {
                let spki = x509_cert::Certificate::from_der(&der)
                    .and_then(|c| c.tbs_certificate.subject_public_key_info.to_der())
                    .map_err(|e| {
                        Error::invalid_config(
                            field,
                            format!("`{field}` is not a valid X.509 certificate ({e})"),
                        )
                    })?;
                check_public_key_size(&spki).and_then(|()| backend::PublicKey::from_spki_der(&spki))
            }
            other => {
                return Err(Error::invalid_config(
                    field,
                    format!("`{field}` is a PEM `{other}`, expected `PUBLIC KEY` or `CERTIFICATE`"),
                ))
            }
        }
        .map_err(|why| {
            Error::invalid_config(
                field,
                format!("`{field}` is not a usable RSA public key ({why})"),
            )
        })?;
        Ok(RsaPublicKey { key })
    }

    /// Parses a PEM `CERTIFICATE` and returns its public key with the facts a verifier must
    /// check: the certificate's serial and validity period.
    pub fn from_certificate_pem(field: &str, pem: &str) -> Result<(Self, CertificateInfo)> {
        let bad = |why: String| {
            Error::invalid_config(
                field,
                format!("`{field}` is not a usable certificate ({why})"),
            )
        };
        let (label, der) = pem_rfc7468::decode_vec(pem.trim().as_bytes()).map_err(|_| {
            Error::invalid_config(field, format!("`{field}` is not a PEM document"))
        })?;
        if label != "CERTIFICATE" {
            return Err(bad(format!("PEM `{label}`, expected `CERTIFICATE`")));
        }
        let cert = x509_cert::Certificate::from_der(&der).map_err(|e| bad(e.to_string()))?;
        let tbs = &cert.tbs_certificate;
        let unix = |t: &x509_cert::time::Time| {
            i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
        };
        let info = CertificateInfo {
            serial_hex: tbs
                .serial_number
                .as_bytes()
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect(),
            not_before: unix(&tbs.validity.not_before),
            not_after: unix(&tbs.validity.not_after),
        };
        let spki = tbs
            .subject_public_key_info
            .to_der()
            .map_err(|e| bad(e.to_string()))?;
        let key = check_public_key_size(&spki)
            .and_then(|()| backend::PublicKey::from_spki_der(&spki))
            .map_err(bad)?;
        Ok((RsaPublicKey { key }, info))
    }

    /// True when `signature` is a valid RSASSA-PKCS1-v1_5 / SHA-256 signature of `message`.
    pub fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify_sha256(message, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MERCHANT_KEY: &str = include_str!("../../../tests/vectors/keys/merchant_private_key.pem");
    const MERCHANT_KEY_PKCS1: &str =
        include_str!("../../../tests/vectors/keys/merchant_private_key_pkcs1.pem");
    const MERCHANT_PUB: &str = include_str!("../../../tests/vectors/keys/merchant_public_key.pem");
    const OTHER_PUB: &str = include_str!("../../../tests/vectors/keys/wechatpay_public_key.pem");
    const CERT: &str = include_str!("../../../tests/vectors/keys/platform_certificate.pem");

    #[test]
    fn pkcs8_and_pkcs1_keys_sign_identically_and_verify() {
        let a = RsaPrivateKey::from_pem("k", MERCHANT_KEY).unwrap();
        let b = RsaPrivateKey::from_pem("k", MERCHANT_KEY_PKCS1).unwrap();
        let sa = a.sign_sha256_base64(b"hello").unwrap();
        assert_eq!(sa, b.sign_sha256_base64(b"hello").unwrap());
        let sig = BASE64.decode(sa).unwrap();
        let public = RsaPublicKey::from_pem("p", MERCHANT_PUB).unwrap();
        assert!(public.verify_sha256(b"hello", &sig));
        assert!(!public.verify_sha256(b"hellO", &sig));
        assert!(!public.verify_sha256(b"hello", &sig[1..]));
        let other = RsaPublicKey::from_pem("p", OTHER_PUB).unwrap();
        assert!(!other.verify_sha256(b"hello", &sig));
    }

    #[test]
    fn certificates_yield_their_public_key_serial_and_validity() {
        assert!(RsaPublicKey::from_pem("c", CERT).is_ok());
        let (_, info) = RsaPublicKey::from_certificate_pem("c", CERT).unwrap();
        assert_eq!(info.serial_hex, "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92");
        assert!(info.has_serial("7132d72a03e93cddf8c03bbd1f37eedf7c8d7f92"));
        assert!(!info.has_serial("7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F93"));
        assert_eq!(
            (info.not_before, info.not_after),
            (1_577_836_800, 4_733_510_400)
        );
        assert!(RsaPublicKey::from_certificate_pem("c", MERCHANT_PUB).is_err());
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
    }

    #[test]
    fn keys_under_2048_bits_are_refused() {
        let weak = include_str!("../../../tests/vectors/keys/weak_1024_public_key.pem");
        let err = RsaPublicKey::from_pem("wechatpay_public_key_pem", weak).unwrap_err();
        assert!(err.message().contains("1024-bit"), "{err}");
        let weak_private = include_str!("../../../tests/vectors/keys/weak_1024_private_key.pem");
        assert!(RsaPrivateKey::from_pem("k", weak_private).is_err());
    }
}
