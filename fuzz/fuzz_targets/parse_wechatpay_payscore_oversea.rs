//! The wechatpay_payscore_oversea answer parser: any status, headers and body.
#![no_main]

use payquery_core::ProviderId;
use payquery_fuzz_harness::Target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| Target::Parse(ProviderId::WechatpayPayscoreOversea).run(data));
