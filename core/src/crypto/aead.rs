//! AES-256-GCM with the sizes checked before any backend sees the bytes: WeChat Pay's
//! `AEAD_AES_256_GCM` (platform-certificate downloads, notifications). The arithmetic is the
//! backend's ([`RsaBackend::load_aes_256_gcm_key`]): aws-lc-rs natively, RustCrypto `aes-gcm`
//! beside the pure-Rust RSA, node:crypto in the npm package, so the .wasm carries no AES.

use std::fmt;

use super::backend::{Aes256GcmKey, RsaBackend};

/// An AES-256 key is 32 bytes. WeChat Pay's APIv3 key is 32 ASCII characters used as they are;
/// a 16-byte key would silently select AES-128 in some libraries (Go's `aes.NewCipher`), so
/// payquery refuses every other length where the key is configured.
pub const AES_256_KEY_BYTES: usize = 32;
/// The GCM nonce WeChat Pay sends: 12 ASCII characters, used as 12 bytes (GCM's 96-bit IV).
/// Other lengths are refused (some test suites use 16-byte IVs; WeChat Pay never does).
pub const GCM_NONCE_BYTES: usize = 12;
/// The authentication tag appended to every ciphertext.
pub const GCM_TAG_BYTES: usize = 16;

/// Why a key did not load or a ciphertext did not open. Never holds key or plaintext bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AeadError {
    /// The key is not 32 bytes.
    KeyLength(usize),
    /// The nonce is not 12 bytes (GCM with another IV length is not WeChat Pay's scheme).
    NonceLength(usize),
    /// The input is no longer than the tag: there is nothing to decrypt, or the tag is cut.
    TooShort(usize),
    /// The tag does not match: another key, or changed ciphertext, nonce or associated data.
    Rejected,
    /// The backend cannot do AES-256-GCM, or refused the key.
    Backend(String),
}

impl fmt::Display for AeadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AeadError::KeyLength(n) => write!(f, "the key is {n} bytes; AES-256 needs exactly 32"),
            AeadError::NonceLength(n) => {
                write!(f, "the nonce is {n} bytes; AEAD_AES_256_GCM uses exactly 12")
            }
            AeadError::TooShort(n) => write!(
                f,
                "the ciphertext is {n} bytes, not longer than its 16-byte tag (truncated)"
            ),
            AeadError::Rejected => f.write_str(
                "the authentication tag does not match (a wrong APIv3 key, or changed ciphertext, nonce or associated data)",
            ),
            AeadError::Backend(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for AeadError {}

/// An AES-256-GCM key loaded into a backend. Prints as `[redacted]`.
pub struct AeadKey {
    key: Box<dyn Aes256GcmKey>,
}

impl fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AeadKey([redacted])")
    }
}

impl AeadKey {
    /// Loads `key` (exactly 32 bytes) into `backend`.
    pub fn load(backend: &dyn RsaBackend, key: &[u8]) -> Result<Self, AeadError> {
        let key: &[u8; AES_256_KEY_BYTES] = key
            .try_into()
            .map_err(|_| AeadError::KeyLength(key.len()))?;
        let key = backend
            .load_aes_256_gcm_key(key)
            .map_err(|e| AeadError::Backend(e.0))?;
        Ok(AeadKey { key })
    }

    /// Opens `ciphertext_and_tag` (the tag last).
    pub fn open(
        &self,
        nonce: &[u8],
        aad: &[u8],
        ciphertext_and_tag: &[u8],
    ) -> Result<Vec<u8>, AeadError> {
        let nonce: &[u8; GCM_NONCE_BYTES] = nonce
            .try_into()
            .map_err(|_| AeadError::NonceLength(nonce.len()))?;
        if ciphertext_and_tag.len() <= GCM_TAG_BYTES {
            return Err(AeadError::TooShort(ciphertext_and_tag.len()));
        }
        self.key
            .open(nonce, aad, ciphertext_and_tag)
            .map_err(|_| AeadError::Rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::compiled_rsa_backends;
    use base64::Engine as _;

    /// Computed with Python `cryptography`'s AESGCM (the key of wechatpay-axios-plugin's AES
    /// test, NOTIFICATIONS.md §4 item 4, with a 12-byte nonce): nonce `0123456789ab`, AAD
    /// `world`, plaintext `hello`.
    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
    const SEALED: &str = "8cyLViyNtc/bBmbxDwyAVLDTpT+o";

    #[test]
    fn every_backend_opens_an_independent_vector() {
        let input = base64::engine::general_purpose::STANDARD
            .decode(SEALED)
            .unwrap();
        for backend in compiled_rsa_backends() {
            let key = AeadKey::load(backend, KEY).unwrap();
            let plain = key.open(b"0123456789ab", b"world", &input);
            assert_eq!(plain.as_deref(), Ok(&b"hello"[..]), "{}", backend.name());
            assert_eq!(
                key.open(b"0123456789ab", b"World", &input),
                Err(AeadError::Rejected)
            );
            let mut flipped = input.clone();
            flipped[0] ^= 1;
            assert_eq!(
                key.open(b"0123456789ab", b"world", &flipped),
                Err(AeadError::Rejected)
            );
            assert!(!format!("{key:?}").contains("0123"));
        }
    }

    #[test]
    fn sizes_are_checked_before_the_backend() {
        for backend in compiled_rsa_backends() {
            assert_eq!(
                AeadKey::load(backend, &KEY[..16]).map(drop),
                Err(AeadError::KeyLength(16))
            );
            let key = AeadKey::load(backend, KEY).unwrap();
            assert_eq!(
                key.open(b"0123456789abcdef", b"", &[0; 32]),
                Err(AeadError::NonceLength(16))
            );
            assert_eq!(
                key.open(b"0123456789ab", b"", &[0; 16]),
                Err(AeadError::TooShort(16))
            );
            assert_eq!(
                key.open(b"0123456789ab", b"", &[0; 40]),
                Err(AeadError::Rejected)
            );
        }
    }
}
