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

mod der;
mod md5;
mod rsa;
#[cfg(feature = "aws-lc-rs")]
mod rsa_aws_lc;
#[cfg(feature = "pure-rust-rsa")]
mod rsa_pure_rust;

use std::fmt;

pub(crate) use self::md5::hex_digit;
pub use self::md5::{md5_upper_hex, secure_eq};
pub use self::rsa::{normalize_serial, CertificateInfo, RsaPrivateKey, RsaPublicKey, RSA_KEY_BITS};
#[cfg(feature = "aws-lc-rs")]
pub use self::rsa_aws_lc::AwsLcRsBackend;
#[cfg(feature = "pure-rust-rsa")]
pub use self::rsa_pure_rust::RustCryptoRsaBackend;

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

/// The backend compiled in as the default: aws-lc-rs when the `aws-lc-rs` feature is on (the
/// default on native targets), else the `rsa` crate when `pure-rust-rsa` is on, else none — a
/// build for a host that brings its own (the npm package), which must then pass one to
/// `Client::with_rsa_backend`.
pub fn default_rsa_backend() -> Option<&'static dyn RsaBackend> {
    #[cfg(feature = "aws-lc-rs")]
    {
        Some(&AwsLcRsBackend)
    }
    #[cfg(all(not(feature = "aws-lc-rs"), feature = "pure-rust-rsa"))]
    {
        Some(&RustCryptoRsaBackend)
    }
    #[cfg(not(any(feature = "aws-lc-rs", feature = "pure-rust-rsa")))]
    {
        None
    }
}

/// Every backend compiled into this build (for tests and benchmarks that compare them).
pub fn compiled_rsa_backends() -> Vec<&'static dyn RsaBackend> {
    let all: [Option<&'static dyn RsaBackend>; 2] = [
        #[cfg(feature = "aws-lc-rs")]
        Some(&AwsLcRsBackend),
        #[cfg(not(feature = "aws-lc-rs"))]
        None,
        #[cfg(feature = "pure-rust-rsa")]
        Some(&RustCryptoRsaBackend),
        #[cfg(not(feature = "pure-rust-rsa"))]
        None,
    ];
    all.into_iter().flatten().collect()
}
