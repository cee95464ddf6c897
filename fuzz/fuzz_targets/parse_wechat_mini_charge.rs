//! The wechat_mini_charge answer parser: any status, headers and body.
#![no_main]

use payquery_core::ProviderId;
use payquery_fuzz_harness::Target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| Target::Parse(ProviderId::WechatMiniCharge).run(data));
