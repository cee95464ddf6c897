//! WeChat Pay platform-certificate downloads: listings, and certificates sealed with the APIv3
//! key, checked against RustCrypto `x509-cert` whenever the core accepts one.
#![no_main]

use payquery_fuzz_harness::Target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| Target::Certificates.run(data));
