//! Fubei notification forms (raw, or arbitrary `data` signed correctly) and vending delivery
//! callbacks through `check_notification`.
#![no_main]

use payquery_fuzz_harness::Target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| Target::NotificationForm.run(data));
