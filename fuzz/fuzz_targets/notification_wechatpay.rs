//! WeChat Pay notifications through `check_notification`: arbitrary method, headers and body,
//! optionally signed with the configured key and with the body sealed as the resource.
#![no_main]

use payquery_fuzz_harness::Target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| Target::NotificationWechatpay.run(data));
