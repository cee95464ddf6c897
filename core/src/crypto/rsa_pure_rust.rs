//! Pure-Rust `rsa` crate backend (feature `pure-rust-rsa`): for hosts with no other RSA.
//!
//! Its private-key operations are not constant-time (RUSTSEC-2023-0071, the Marvin attack):
//! acceptable for *verifying* (public data only), not recommended for signing where an
//! attacker can time many signatures. Native builds default to aws-lc-rs; the npm package
//! signs and verifies with node:crypto.

use rsa::pkcs1v15::{Signature, SigningKey as Pkcs1SigningKey, VerifyingKey as Pkcs1VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use sha2::Sha256;

use super::backend::{Aes256GcmKey, BackendError, RsaBackend, RsaSigningKey, RsaVerifyingKey};

/// RSA on the RustCrypto `rsa` crate.
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCryptoRsaBackend;

struct SigningKey(Pkcs1SigningKey<Sha256>);
struct VerifyingKey(Pkcs1VerifyingKey<Sha256>);
struct GcmKey(aes_gcm::Aes256Gcm);

impl RsaBackend for RustCryptoRsaBackend {
    fn name(&self) -> &'static str {
        "rsa"
    }

    fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn RsaSigningKey>, BackendError> {
        rsa::RsaPrivateKey::from_pkcs8_der(pkcs8_der)
            .map(|k| Box::new(SigningKey(Pkcs1SigningKey::new(k))) as Box<dyn RsaSigningKey>)
            .map_err(|e| BackendError(e.to_string()))
    }

    fn load_verifying_key(
        &self,
        spki_der: &[u8],
    ) -> Result<Box<dyn RsaVerifyingKey>, BackendError> {
        rsa::RsaPublicKey::from_public_key_der(spki_der)
            .map(|k| Box::new(VerifyingKey(Pkcs1VerifyingKey::new(k))) as Box<dyn RsaVerifyingKey>)
            .map_err(|e| BackendError(e.to_string()))
    }

    /// RustCrypto `aes-gcm` (the `aes` crate: AES-NI where the CPU has it, else its
    /// constant-time fixsliced software implementation).
    fn load_aes_256_gcm_key(&self, key: &[u8; 32]) -> Result<Box<dyn Aes256GcmKey>, BackendError> {
        use aes_gcm::aead::KeyInit;
        Ok(Box::new(GcmKey(aes_gcm::Aes256Gcm::new(key.into()))))
    }
}

impl RsaSigningKey for SigningKey {
    fn sign_pkcs1_sha256(&self, message: &[u8]) -> Result<Vec<u8>, BackendError> {
        self.0
            .try_sign(message)
            .map(|s| s.to_vec())
            .map_err(|_| BackendError("the rsa crate could not sign".to_owned()))
    }
}

impl RsaVerifyingKey for VerifyingKey {
    fn verify_pkcs1_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        Signature::try_from(signature).is_ok_and(|s| self.0.verify(message, &s).is_ok())
    }
}

impl Aes256GcmKey for GcmKey {
    fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        ciphertext_and_tag: &[u8],
    ) -> Result<Vec<u8>, BackendError> {
        use aes_gcm::aead::{Aead, Payload};
        self.0
            .decrypt(
                nonce.into(),
                Payload {
                    msg: ciphertext_and_tag,
                    aad,
                },
            )
            .map_err(|_| BackendError("the authentication tag does not match".to_owned()))
    }
}
