use std::fmt;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use der::{Decode, Encode};

use crate::error::{Error, Result};

/// An RSA private key for RSASSA-PKCS1-v1_5 / SHA-256 signing (PKCS#8 `PRIVATE KEY` or PKCS#1
/// `RSA PRIVATE KEY` PEM, at least 2048 bits). `Debug` never shows key material.
pub struct RsaPrivateKey {
    key: KeyPair,
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
            "PRIVATE KEY" => KeyPair::from_pkcs8(&der),
            "RSA PRIVATE KEY" => KeyPair::from_der(&der),
            other => {
                return Err(Error::invalid_config(
                    field,
                    format!("`{field}` is a PEM `{other}`, expected `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1)"),
                ))
            }
        }
        .map_err(|e| {
            Error::invalid_config(field, format!("`{field}` is not a usable RSA private key ({e})"))
        })?;
        Ok(RsaPrivateKey { key })
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 / SHA-256 and returns the standard base64 signature.
    /// PKCS#1 v1.5 is deterministic, so the same key and message always give the same signature.
    pub fn sign_sha256_base64(&self, message: &[u8]) -> Result<String> {
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
            .map_err(|_| Error::invalid_config("merchant_private_key", "RSA signing failed"))?;
        Ok(BASE64.encode(sig))
    }
}

/// An RSA public key for verifying RSASSA-PKCS1-v1_5 / SHA-256 signatures (2048–8192 bits).
pub struct RsaPublicKey {
    key: ParsedPublicKey,
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
        let spki_der = match label {
            "PUBLIC KEY" | "RSA PUBLIC KEY" => der,
            "CERTIFICATE" => x509_cert::Certificate::from_der(&der)
                .and_then(|c| c.tbs_certificate.subject_public_key_info.to_der())
                .map_err(|e| {
                    Error::invalid_config(
                        field,
                        format!("`{field}` is not a valid X.509 certificate ({e})"),
                    )
                })?,
            other => {
                return Err(Error::invalid_config(
                    field,
                    format!("`{field}` is a PEM `{other}`, expected `PUBLIC KEY` or `CERTIFICATE`"),
                ))
            }
        };
        let key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &spki_der).map_err(|e| {
            Error::invalid_config(
                field,
                format!("`{field}` is not a usable RSA public key ({e})"),
            )
        })?;
        Ok(RsaPublicKey { key })
    }

    /// True when `signature` is a valid RSASSA-PKCS1-v1_5 / SHA-256 signature of `message`.
    pub fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify_sig(message, signature).is_ok()
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
        let other = RsaPublicKey::from_pem("p", OTHER_PUB).unwrap();
        assert!(!other.verify_sha256(b"hello", &sig));
    }

    #[test]
    fn certificates_yield_their_public_key() {
        assert!(RsaPublicKey::from_pem("c", CERT).is_ok());
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
}
