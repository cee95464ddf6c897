//! The RSA backend contract: what the core asks of whichever RSA implementation it is given
//! (see the crypto module's doc). Backends and the key types implement and use these traits.

use std::fmt;

/// `Send + Sync` everywhere but on wasm32, where host objects (JavaScript `KeyObject`s) are
/// neither and there is only one thread. Native bindings share one client across threads.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSendSync: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync + ?Sized> MaybeSendSync for T {}
/// `Send + Sync` everywhere but on wasm32 (see the native definition).
#[cfg(target_arch = "wasm32")]
pub trait MaybeSendSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSendSync for T {}

/// Why a backend refused a key or failed an operation. Never contains key material: backends
/// describe the problem ("not an RSA key", "KeyObject creation failed"), not the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendError(pub String);

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BackendError {}

/// The RSA arithmetic payquery needs, supplied by a backend.
pub trait RsaBackend: MaybeSendSync + fmt::Debug {
    /// A short name for diagnostics and benchmarks (`"aws-lc-rs"`, `"rsa"`, `"node:crypto"`).
    fn name(&self) -> &'static str;

    /// Loads an RSA private key from PKCS#8 `PrivateKeyInfo` DER (already checked by the core
    /// to be an `rsaEncryption` key of 2048–8192 bits).
    fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn RsaSigningKey>, BackendError>;

    /// Loads an RSA public key from `SubjectPublicKeyInfo` DER (already checked by the core to
    /// be an `rsaEncryption` key of 2048–8192 bits).
    fn load_verifying_key(&self, spki_der: &[u8])
        -> Result<Box<dyn RsaVerifyingKey>, BackendError>;

    /// Loads an AES-256-GCM key (WeChat Pay's APIv3 key: `AEAD_AES_256_GCM` carries
    /// downloaded platform certificates). Loaded once, when a client is configured, like the
    /// RSA keys. The default refuses: a backend written before payquery needed AES still
    /// builds, and a client that needs it says which backend lacks it. (The trait keeps its
    /// RSA name: it is the backend of the asymmetric providers, and AES arrived with them.)
    fn load_aes_256_gcm_key(&self, key: &[u8; 32]) -> Result<Box<dyn Aes256GcmKey>, BackendError> {
        let _ = key;
        Err(BackendError(format!(
            "the `{}` crypto backend has no AES-256-GCM",
            self.name()
        )))
    }
}

/// A backend a client keeps (WeChat Pay loads downloaded certificates into it long after the
/// client was made): shared, so the host's backend object lives as long as any client using it.
pub type SharedBackend = std::sync::Arc<dyn RsaBackend>;

/// A backend that lives for the whole program (the compiled-in ones) is one by reference too,
/// so `Arc::new(default_rsa_backend())` is a [`SharedBackend`].
impl<T: RsaBackend + ?Sized> RsaBackend for &'static T {
    fn name(&self) -> &'static str {
        (**self).name()
    }

    fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn RsaSigningKey>, BackendError> {
        (**self).load_signing_key(pkcs8_der)
    }

    fn load_verifying_key(
        &self,
        spki_der: &[u8],
    ) -> Result<Box<dyn RsaVerifyingKey>, BackendError> {
        (**self).load_verifying_key(spki_der)
    }

    fn load_aes_256_gcm_key(&self, key: &[u8; 32]) -> Result<Box<dyn Aes256GcmKey>, BackendError> {
        (**self).load_aes_256_gcm_key(key)
    }
}

/// A loaded private key.
pub trait RsaSigningKey: MaybeSendSync {
    /// The RSASSA-PKCS1-v1_5 / SHA-256 signature of `message` (deterministic).
    fn sign_pkcs1_sha256(&self, message: &[u8]) -> Result<Vec<u8>, BackendError>;
}

/// A loaded public key.
pub trait RsaVerifyingKey: MaybeSendSync {
    /// True when `signature` is a valid RSASSA-PKCS1-v1_5 / SHA-256 signature of `message`.
    fn verify_pkcs1_sha256(&self, message: &[u8], signature: &[u8]) -> bool;
}

/// A loaded AES-256-GCM key.
pub trait Aes256GcmKey: MaybeSendSync {
    /// Opens `ciphertext_and_tag` (the 16-byte tag appended) with `nonce` and `aad`; an error
    /// when the tag does not match. The core has checked every size.
    fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        ciphertext_and_tag: &[u8],
    ) -> Result<Vec<u8>, BackendError>;
}
