//! Which backends this build compiled in, and the default one.

use super::backend::RsaBackend;
#[cfg(feature = "aws-lc-rs")]
use super::rsa_aws_lc::AwsLcRsBackend;
#[cfg(feature = "pure-rust-rsa")]
use super::rsa_pure_rust::RustCryptoRsaBackend;

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
