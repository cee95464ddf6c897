//! Two-phase signing: any parked pending request, then finish.
#![no_main]

use payquery_fuzz_harness::Target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| Target::Finish.run(data));
