//! No input may panic: hostile and broken responses and queries all end in a typed error.
//! (A panic across FFI would crash the host process.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use payquery_core::{Client, HttpResponse, ResponseContext};

fn clients_and_bodies() -> Vec<(Client, Vec<HttpResponse>)> {
    [
        "wechatpay_edu_papay",
        "wechatpay_payscore_oversea",
        "wechat_mini_charge",
        "fubei",
        "dingshang_vending",
    ]
    .into_iter()
    .map(|name| {
        let doc = support::vector_file(&format!("{name}.json"));
        let (_, config) = doc["configs"].as_object().unwrap().iter().next().unwrap();
        let client = support::client_for(config).unwrap();
        let responses = doc["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c.get("parse"))
            .map(|p| support::response_from(&p["response"]))
            .collect();
        (client, responses)
    })
    .collect()
}

/// A tiny deterministic generator (no RNG dependency; reproducible failures).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn truncated_mutated_and_random_bodies_never_panic() {
    let ctx = ResponseContext::new(1_700_000_000);
    let mut rng = Lcg(42);
    let mut checked = 0usize;
    for (client, responses) in clients_and_bodies() {
        for response in &responses {
            // Every prefix of every body.
            for cut in 0..=response.body.len() {
                let mut r = response.clone();
                r.body.truncate(cut);
                let _ = client.parse_response(None, &r, &ctx);
                checked += 1;
            }
            // Random byte flips, including invalid UTF-8.
            for _ in 0..200 {
                let mut r = response.clone();
                if r.body.is_empty() {
                    break;
                }
                for _ in 0..(1 + rng.next() % 4) {
                    let i = (rng.next() as usize) % r.body.len();
                    r.body[i] = (rng.next() & 0xff) as u8;
                }
                let _ = client.parse_response(None, &r, &ctx);
                checked += 1;
            }
        }
        for len in [0usize, 1, 7, 64, 4096] {
            let body: Vec<u8> = (0..len).map(|_| (rng.next() & 0xff) as u8).collect();
            for status in [200u16, 204, 301, 400, 401, 404, 429, 500, 502, 599, 0, 999] {
                let r = HttpResponse::new(status, vec![], body.clone());
                let _ = client.parse_response(None, &r, &ctx);
                checked += 1;
            }
        }
        for hostile in [
            "[".repeat(200_000),
            "{\"a\":".repeat(50_000),
            format!(
                "{{\"order\":{{\"orderPrice\":\"{}\"}}}}",
                "9".repeat(10_000)
            ),
            "1e999999".to_owned(),
            "-0".to_owned(),
            "\"\\ud800\"".to_owned(),
            "null".to_owned(),
        ] {
            let r = HttpResponse::new(200, vec![], hostile.into_bytes());
            let err = client
                .parse_response(None, &r, &ctx)
                .expect_err("hostile body must not parse");
            assert!(!err.message().is_empty());
            checked += 1;
        }
    }
    assert!(checked > 10_000, "only {checked} inputs checked");
}

#[test]
fn hostile_queries_never_panic() {
    let ctx =
        payquery_core::RequestContext::new(1_700_000_000, payquery_core::Nonce::new("n").unwrap());
    for (client, _) in clients_and_bodies() {
        for doc in [
            "",
            "null",
            "[]",
            "{}",
            "{\"order_id\": 1}",
            "{\"out_trade_no\": null}",
            "{\"out_trade_no\": \"\\u0000\"}",
            "{\"token\": \"other\"}",
            "{\"order_id\": \"a\", \"machine_no\": \"\u{202e}\"}",
        ] {
            if let Ok(q) = client.query_from_json(doc) {
                let _ = client.build_request(&q, &ctx);
            }
        }
    }
}

#[test]
fn secrets_never_reach_debug_output_or_errors() {
    let key = support::key_pem("merchant_private_key.pem");
    let key_body_line = key.lines().nth(1).unwrap().to_owned();
    for (client, _) in clients_and_bodies() {
        let shown = format!("{client:?}");
        for secret in [
            key_body_line.as_str(),
            "ACCESS_TOKEN_TEST_0001",
            "test-app-secret-not-real",
            "fubei-test-secret-not-real",
            "dingshang-app-secret-not-real",
        ] {
            assert!(!shown.contains(secret), "secret leaked in Debug: {shown}");
        }
    }
    let bad = serde_json::json!({"provider": "fubei", "app_id": "1", "app_secret": "s3cr3t\u{7}"});
    let err = Client::from_config_json(&bad.to_string()).unwrap_err();
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
    // A secret of the wrong type is refused without quoting it.
    for bad in [
        serde_json::json!({"provider": "fubei", "app_id": "1", "app_secret": ["s3cr3t-in-a-list"]}),
        serde_json::json!({"provider": "dingshang_vending", "base_url": "https://x", "appid": "ds1",
                           "app_secret": {"v": "s3cr3t-in-a-map"}, "sign_key": "k"}),
        serde_json::json!({"provider": "wechat_mini_charge", "access_token": 1.5e300}),
    ] {
        let err = Client::from_config_json(&bad.to_string()).unwrap_err();
        assert_eq!(err.code(), payquery_core::ErrorCode::InvalidConfig);
        assert!(
            !err.to_string().contains("s3cr3t") && !err.to_string().contains("1.5e300"),
            "{err}"
        );
    }
    let bad_key = serde_json::json!({
        "provider": "wechatpay_edu_papay", "mchid": "1", "merchant_serial_no": "AB",
        "merchant_private_key_pem": "-----BEGIN PRIVATE KEY-----\nTOPSECRETKEYMATERIAL\n-----END PRIVATE KEY-----",
        "wechatpay_public_key_id": "PUB_KEY_ID_1", "wechatpay_public_key_pem": "x"});
    let err = Client::from_config_json(&bad_key.to_string()).unwrap_err();
    assert!(!err.to_string().contains("TOPSECRET"), "{err}");
}
