//! Exact yuan to fen on any text.
#![no_main]

use payquery_fuzz_harness::Target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| Target::Money.run(data));
