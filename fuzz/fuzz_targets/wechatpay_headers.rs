//! WeChat Pay signature headers on any answer.
#![no_main]

use payquery_fuzz_harness::Target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| Target::WechatpayHeaders.run(data));
