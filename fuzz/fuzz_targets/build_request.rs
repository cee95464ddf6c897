//! Any query document, for every provider: build must return a request or a typed error, and a
//! built request never carries CR/LF in a header.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use payquery_core::{Client, Nonce, RequestContext};

#[path = "common.rs"]
mod common;

static CLIENTS: OnceLock<Vec<Client>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let clients = CLIENTS.get_or_init(common::clients);
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let client = &clients[usize::from(*selector) % clients.len()];
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let Ok(query) = client.query_from_json(text) else {
        return;
    };
    let ctx = RequestContext::new(1_700_000_000, Nonce::new("fuzz").expect("valid nonce"));
    if let Ok(request) = client.build_request(&query, &ctx) {
        for (name, value) in &request.headers {
            assert!(!value.contains(['\r', '\n']), "CR/LF in header {name}");
        }
        assert!(
            !request.url.contains(['\r', '\n', ' ', '#']),
            "unsafe URL {}",
            request.url
        );
    }
});
