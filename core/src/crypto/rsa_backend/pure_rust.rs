//! Pure-Rust `rsa` crate backend (wasm32, or the `pure-rust-rsa` feature). Same key-size
//! bounds as aws-lc-rs (2048–8192 bits), so both backends accept and refuse the same keys.

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::traits::PublicKeyParts;
use sha2::Sha256;

pub(super) const NAME: &str = "rsa";

fn check_size(bits: usize) -> Result<(), String> {
    if super::KEY_BITS.contains(&bits) {
        Ok(())
    } else {
        Err(format!(
            "{bits}-bit keys are not accepted; 2048 to 8192 bits are"
        ))
    }
}

pub(super) struct PrivateKey(SigningKey<Sha256>);

impl PrivateKey {
    fn new(key: rsa::RsaPrivateKey) -> Result<Self, String> {
        check_size(key.size() * 8)?;
        Ok(PrivateKey(SigningKey::<Sha256>::new(key)))
    }

    pub(super) fn from_pkcs8_der(der: &[u8]) -> Result<Self, String> {
        Self::new(rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(|e| e.to_string())?)
    }

    pub(super) fn from_pkcs1_der(der: &[u8]) -> Result<Self, String> {
        Self::new(rsa::RsaPrivateKey::from_pkcs1_der(der).map_err(|e| e.to_string())?)
    }

    pub(super) fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, ()> {
        self.0.try_sign(message).map(|s| s.to_vec()).map_err(|_| ())
    }
}

pub(super) struct PublicKey(VerifyingKey<Sha256>);

impl PublicKey {
    fn new(key: rsa::RsaPublicKey) -> Result<Self, String> {
        check_size(key.size() * 8)?;
        Ok(PublicKey(VerifyingKey::<Sha256>::new(key)))
    }

    pub(super) fn from_spki_der(der: &[u8]) -> Result<Self, String> {
        let key = rsa::RsaPublicKey::from_public_key_der(der)
            .or_else(|_| rsa::RsaPublicKey::from_pkcs1_der(der))
            .map_err(|e| e.to_string())?;
        Self::new(key)
    }

    pub(super) fn from_pkcs1_der(der: &[u8]) -> Result<Self, String> {
        Self::new(rsa::RsaPublicKey::from_pkcs1_der(der).map_err(|e| e.to_string())?)
    }

    pub(super) fn verify_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        Signature::try_from(signature).is_ok_and(|s| self.0.verify(message, &s).is_ok())
    }
}
