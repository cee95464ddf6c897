//! Cryptographic primitives: MD5 signing (Fubei, the vending vendor) and RSA-SHA256 (WeChat Pay).
//!
//! RSA runs on aws-lc-rs natively and on the pure-Rust `rsa` crate where aws-lc-rs cannot build
//! (see [`RSA_BACKEND`]). Keys are parsed once, when a client is configured.

mod md5;
mod rsa;

pub use self::md5::{md5_upper_hex, secure_eq};
pub use self::rsa::{CertificateInfo, RsaPrivateKey, RsaPublicKey, RSA_BACKEND};
