//! Config documents holding arbitrary PEM or DER where a key or certificate goes.
#![no_main]

use payquery_fuzz_harness::Target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| Target::Keys.run(data));
