//! aws-lc-rs backend (the native default).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};

use super::backend::{Aes256GcmKey, BackendError, RsaBackend, RsaSigningKey, RsaVerifyingKey};

/// RSA on aws-lc-rs: constant-time, FIPS-validated lineage, as fast as the C library.
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsLcRsBackend;

struct SigningKey(KeyPair);
struct VerifyingKey(ParsedPublicKey);
struct GcmKey(LessSafeKey);

impl RsaBackend for AwsLcRsBackend {
    fn name(&self) -> &'static str {
        "aws-lc-rs"
    }

    fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn RsaSigningKey>, BackendError> {
        KeyPair::from_pkcs8(pkcs8_der)
            .map(|k| Box::new(SigningKey(k)) as Box<dyn RsaSigningKey>)
            .map_err(|e| BackendError(e.to_string()))
    }

    fn load_verifying_key(
        &self,
        spki_der: &[u8],
    ) -> Result<Box<dyn RsaVerifyingKey>, BackendError> {
        ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki_der)
            .map(|k| Box::new(VerifyingKey(k)) as Box<dyn RsaVerifyingKey>)
            .map_err(|e| BackendError(e.to_string()))
    }

    fn load_aes_256_gcm_key(&self, key: &[u8; 32]) -> Result<Box<dyn Aes256GcmKey>, BackendError> {
        UnboundKey::new(&AES_256_GCM, key)
            .map(|k| Box::new(GcmKey(LessSafeKey::new(k))) as Box<dyn Aes256GcmKey>)
            .map_err(|_| BackendError("AES-256-GCM refused the key".to_owned()))
    }
}

impl RsaSigningKey for SigningKey {
    fn sign_pkcs1_sha256(&self, message: &[u8]) -> Result<Vec<u8>, BackendError> {
        let mut signature = vec![0u8; self.0.public_modulus_len()];
        self.0
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| BackendError("aws-lc-rs could not sign".to_owned()))?;
        Ok(signature)
    }
}

impl RsaVerifyingKey for VerifyingKey {
    fn verify_pkcs1_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.verify_sig(message, signature).is_ok()
    }
}

impl Aes256GcmKey for GcmKey {
    fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        ciphertext_and_tag: &[u8],
    ) -> Result<Vec<u8>, BackendError> {
        let mut in_out = ciphertext_and_tag.to_vec();
        let plain_len = self
            .0
            .open_in_place(
                Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                &mut in_out,
            )
            .map_err(|_| BackendError("the authentication tag does not match".to_owned()))?
            .len();
        in_out.truncate(plain_len);
        Ok(in_out)
    }
}
