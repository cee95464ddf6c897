//! Any status, headers and body, for every provider: parse must return, never panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use payquery_core::{Client, HttpResponse, ResponseContext};

#[path = "common.rs"]
mod common;

static CLIENTS: OnceLock<Vec<Client>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let clients = CLIENTS.get_or_init(common::clients);
    if data.len() < 3 {
        return;
    }
    let client = &clients[usize::from(data[0]) % clients.len()];
    let status = u16::from_le_bytes([data[1], data[2]]) % 600;
    let body = &data[3..];
    // Signed-looking headers so WeChat Pay parsing gets past the header checks sometimes.
    let headers = vec![
        (
            "Wechatpay-Serial".to_owned(),
            "PUB_KEY_ID_0119000000012025010100000000000001".to_owned(),
        ),
        ("Wechatpay-Signature".to_owned(), "AAAA".to_owned()),
        ("Wechatpay-Timestamp".to_owned(), "1700000000".to_owned()),
        ("Wechatpay-Nonce".to_owned(), "n".to_owned()),
    ];
    let response = HttpResponse::new(status, headers, body.to_vec());
    let _ = client.parse_response(None, &response, &ResponseContext::new(1_700_000_000));
});
