//! The wechatpay_payscore_oversea request builder: any config or query document.
#![no_main]

use payquery_core::ProviderId;
use payquery_fuzz_harness::Target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| Target::Build(ProviderId::WechatpayPayscoreOversea).run(data));
