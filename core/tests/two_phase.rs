//! Two-phase signing (KMS / HSM / host crypto): prepare → sign elsewhere → finish gives the
//! same request as the one-call path, and works with no private key in the config at all.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use payquery_core::crypto::RsaPrivateKey;
use payquery_core::{Client, ErrorCode, Nonce, RequestContext};
use serde_json::Value;
use support::key_pem;

fn config(with_key: bool) -> Value {
    let mut config = serde_json::json!({
        "provider": "wechatpay_payscore_oversea",
        "mchid": "1900000001",
        "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "wechatpay_public_key_id": "PUB_KEY_ID_0119000000012025010100000000000001",
        "wechatpay_public_key_pem": key_pem("wechatpay_public_key.pem"),
    });
    if with_key {
        config["merchant_private_key_pem"] = Value::String(key_pem("merchant_private_key.pem"));
    }
    config
}

fn external_signer() -> RsaPrivateKey {
    RsaPrivateKey::from_pem("kms", &key_pem("merchant_private_key.pem")).unwrap()
}

#[test]
fn prepare_then_finish_equals_the_one_call_path() {
    let query = r#"{"service_id":"500001","sub_mchid":"1900000109","out_order_no":"A|B*C"}"#;
    let ctx = RequestContext::new(1_700_000_123, Nonce::new("abcDEF123").unwrap());
    let with_key = Client::from_config_json(&config(true).to_string()).unwrap();
    let one_call = with_key
        .build_request(&with_key.query_from_json(query).unwrap(), &ctx)
        .unwrap();

    let keyless = Client::from_config_json(&config(false).to_string()).unwrap();
    let q = keyless.query_from_json(query).unwrap();
    let err = keyless.build_request(&q, &ctx).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig);

    let pending = keyless.prepare_request(&q, &ctx).unwrap();
    assert!(pending.string_to_sign().starts_with(
        "GET\n/v3/payscore/oversea/partner/serviceorder?service_id=500001&sub_mchid=1900000109&out_order_no=A%7CB%2AC\n1700000123\nabcDEF123\n\n"
    ));
    // The pending request survives a trip through JSON (a host may park it while a KMS signs).
    let parked = serde_json::to_string(&pending).unwrap();
    let pending: payquery_core::PendingRequest = serde_json::from_str(&parked).unwrap();
    let signature = external_signer()
        .sign_sha256_base64(pending.string_to_sign().as_bytes())
        .unwrap();
    assert_eq!(pending.finish(&signature).unwrap(), one_call);
}

#[test]
fn finish_rejects_signatures_that_cannot_be_rsa() {
    let client = Client::from_config_json(&config(false).to_string()).unwrap();
    let q = client
        .query_from_json(r#"{"service_id":"1","sub_mchid":"2","query_id":"3"}"#)
        .unwrap();
    let ctx = RequestContext::new(1, Nonce::new("n").unwrap());
    for bad in ["", "not base64!", "AAAA", "abc\r\nX-Evil: 1"] {
        let err = client
            .prepare_request(&q, &ctx)
            .unwrap()
            .finish(bad)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{bad:?}");
    }
}

#[test]
fn md5_providers_have_no_two_phase_path() {
    let client =
        Client::from_config_json(r#"{"provider":"fubei","app_id":"1","app_secret":"s"}"#).unwrap();
    let q = client.query_from_json(r#"{"order_sn":"1"}"#).unwrap();
    let err = client
        .prepare_request(&q, &RequestContext::new(1, Nonce::new("n").unwrap()))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
}
