//! Cryptographic primitives: MD5 signing (Fubei, the vending vendor) and RSA-SHA256 (WeChat Pay).
//!
//! ## RSA backends
//!
//! RSA arithmetic is pluggable at run time, in the spirit of rustls's `CryptoProvider`: the
//! core keeps every rule — PEM, PKCS#1/PKCS#8/SPKI/X.509 parsing, key sizes, serials,
//! certificate validity, the exact signed bytes, the freshness window — and hands an
//! [`RsaBackend`] only DER it has already checked, asking for two operations:
//! RSASSA-PKCS1-v1_5/SHA-256 signing with a PKCS#8 private key, and verification with an SPKI
//! public key. Keys are loaded once, when a client is configured.
//!
//! Backends: `AwsLcRsBackend` (feature `aws-lc-rs`, the native default; constant-time,
//! ~211 µs per RSA-2048 signature here), `RustCryptoRsaBackend` (feature `pure-rust-rsa`,
//! the `rsa` crate, for hosts where nothing else exists; 14–19× slower and not constant-time,
//! RUSTSEC-2023-0071), or one the host supplies (the npm package plugs in node:crypto). See
//! [`default_rsa_backend`].

mod aead;
mod backend;
mod default_backend;
mod der;
mod md5;
mod rsa;
#[cfg(feature = "aws-lc-rs")]
mod rsa_aws_lc;
#[cfg(feature = "pure-rust-rsa")]
mod rsa_pure_rust;

pub use self::aead::{AeadError, AeadKey, AES_256_KEY_BYTES, GCM_NONCE_BYTES, GCM_TAG_BYTES};
pub use self::backend::{
    Aes256GcmKey, BackendError, MaybeSendSync, RsaBackend, RsaSigningKey, RsaVerifyingKey,
    SharedBackend,
};
pub use self::default_backend::{compiled_rsa_backends, default_rsa_backend};
pub(crate) use self::md5::hex_digit;
pub use self::md5::{md5_upper_hex, secure_eq};
pub use self::rsa::{normalize_serial, CertificateInfo, RsaPrivateKey, RsaPublicKey, RSA_KEY_BITS};
#[cfg(feature = "aws-lc-rs")]
pub use self::rsa_aws_lc::AwsLcRsBackend;
#[cfg(feature = "pure-rust-rsa")]
pub use self::rsa_pure_rust::RustCryptoRsaBackend;
