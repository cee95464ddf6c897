//! aws-lc-rs backend (native targets).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};

pub(super) const NAME: &str = "aws-lc-rs";

pub(super) struct PrivateKey(KeyPair);

impl PrivateKey {
    fn new(key: KeyPair) -> Result<Self, String> {
        let bits = key.public_modulus_len() * 8;
        if super::KEY_BITS.contains(&bits) {
            Ok(PrivateKey(key))
        } else {
            Err(format!("{bits}-bit keys are not accepted"))
        }
    }

    pub(super) fn from_pkcs8_der(der: &[u8]) -> Result<Self, String> {
        Self::new(KeyPair::from_pkcs8(der).map_err(|e| e.to_string())?)
    }

    pub(super) fn from_pkcs1_der(der: &[u8]) -> Result<Self, String> {
        Self::new(KeyPair::from_der(der).map_err(|e| e.to_string())?)
    }

    pub(super) fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, ()> {
        let mut signature = vec![0u8; self.0.public_modulus_len()];
        self.0
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| ())?;
        Ok(signature)
    }
}

pub(super) struct PublicKey(ParsedPublicKey);

impl PublicKey {
    /// aws-lc-rs parses both SPKI and PKCS#1 `RSAPublicKey`.
    pub(super) fn from_spki_der(der: &[u8]) -> Result<Self, String> {
        ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der)
            .map(PublicKey)
            .map_err(|e| e.to_string())
    }

    pub(super) fn from_pkcs1_der(der: &[u8]) -> Result<Self, String> {
        Self::from_spki_der(der)
    }

    pub(super) fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.verify_sig(message, signature).is_ok()
    }
}
