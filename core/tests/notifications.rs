//! Notifications (NOTIFICATIONS.md §1–§3, §7): WeChat Pay's signed and encrypted callbacks
//! built here as WeChat Pay builds them (RSA over `TS\nNONCE\nBODY\n`, the resource sealed
//! with RustCrypto `aes-gcm`, independently of the backend that opens it), Fubei's signed
//! forms, the vendor's unsigned callback, and the flow's on-demand certificate download for
//! an unknown serial, on a fake clock.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::Engine as _;
use payquery_core::crypto::{md5_upper_hex, RsaPrivateKey};
use payquery_core::{
    AttemptPurpose, Client, ErrorCode, HttpRequest, HttpResponse, NotificationRejected,
    NotificationRequest, OrderStatus, QueryOptions, Reply, Step,
};
use serde_json::{json, Value};
use support::{client_for, key_pem};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const KEY: &str = "PayqueryTestApiV3Key000000000001";
const SERIAL_A: &str = "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92";
const SERIAL_B: &str = "3D1A6C2F7B5E4A09C8D2E1F0A3B4C5D6E7F80912";
const NOW: i64 = 1_700_000_000;
const FUBEI_SECRET: &str = "fubei-test-secret-not-real";

fn wechat_config(extra: Value) -> Value {
    let mut c = json!({
        "provider": "wechatpay_edu_papay",
        "mchid": "1900000109",
        "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "merchant_private_key_path": "keys/merchant_private_key.pem",
        "api_v3_key": KEY,
    });
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

/// A client holding certificate A (configured), with the APIv3 key.
fn wechat_client() -> Client {
    client_for(&wechat_config(json!({
        "platform_certificates": [{"serial_no": SERIAL_A, "certificate_path": "keys/platform_certificate.pem"}],
    })))
    .unwrap()
}

fn seal(key: &str, nonce: &str, aad: &str, plain: &str) -> String {
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(key.as_bytes()).unwrap();
    let sealed = cipher
        .encrypt(
            nonce.as_bytes().into(),
            Payload {
                msg: plain.as_bytes(),
                aad: aad.as_bytes(),
            },
        )
        .unwrap();
    B64.encode(sealed)
}

fn transaction(state: &str) -> Value {
    json!({
        "sp_mchid": "1900000109", "appid": "wx8888888888888888", "out_trade_no": "T1",
        "transaction_id": "4200001", "trade_state": state, "trade_state_description": "ok",
        "success_time": "2023-11-14T22:13:20+08:00",
        "amount": {"total": 100, "payer_total": 100, "currency": "CNY"}
    })
}

fn envelope(event_type: &str, resource: &Value, key: &str) -> Vec<u8> {
    json!({
        "id": "EV-2018-0001",
        "create_time": "2023-11-14T22:13:21+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "支付成功",
        "resource": {
            "original_type": "transaction",
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": seal(key, "fdasflkja484", "transaction", &resource.to_string()),
            "associated_data": "transaction",
            "nonce": "fdasflkja484",
        }
    })
    .to_string()
    .into_bytes()
}

/// A notification signed as WeChat Pay signs one, with `key` under `serial`, at `ts`.
fn signed(body: &[u8], key: &str, serial: &str, ts: i64) -> NotificationRequest {
    let key = RsaPrivateKey::from_pem("k", &key_pem(key)).unwrap();
    let nonce = "n0nce";
    let mut message = format!("{ts}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    NotificationRequest {
        method: "POST".into(),
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("Wechatpay-Serial".into(), serial.into()),
            (
                "Wechatpay-Signature".into(),
                key.sign_sha256_base64(&message).unwrap(),
            ),
            ("Wechatpay-Timestamp".into(), ts.to_string()),
            ("Wechatpay-Nonce".into(), nonce.into()),
            (
                "Wechatpay-Signature-Type".into(),
                "WECHATPAY2-SHA256-RSA2048".into(),
            ),
        ],
        body: body.to_vec(),
    }
}

fn success() -> NotificationRequest {
    let body = envelope("TRANSACTION.SUCCESS", &transaction("SUCCESS"), KEY);
    signed(&body, "platform_cert_private_key.pem", SERIAL_A, NOW)
}

fn rejected(client: &Client, request: &NotificationRequest) -> NotificationRejected {
    *client.check_notification(request, NOW).unwrap_err()
}

#[test]
fn a_wechatpay_transaction_is_verified_decrypted_typed_and_answered_204() {
    let handled = wechat_client().check_notification(&success(), NOW).unwrap();
    let n = &handled.notification;
    assert!(n.verified);
    assert_eq!(n.id, "EV-2018-0001");
    assert_eq!(n.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(n.signature_serial.as_deref(), Some(SERIAL_A));
    let order = n.order.as_ref().unwrap();
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(order.amount.as_ref().unwrap().minor, 100);
    assert_eq!(
        (handled.reply.status, handled.reply.body.as_str()),
        (204, "")
    );
    let printed = serde_json::to_value(n).unwrap();
    assert_eq!(printed["detail"]["kind"], "transaction");
    assert_eq!(printed["detail"]["transaction"]["out_trade_no"], "T1");
}

#[test]
fn the_notification_field_mchid_names_the_merchant_too_and_another_merchant_is_refused() {
    let mut t = transaction("SUCCESS");
    t.as_object_mut().unwrap().remove("sp_mchid");
    t["mchid"] = json!("1900000109");
    let body = envelope("TRANSACTION.SUCCESS", &t, KEY);
    let request = signed(&body, "platform_cert_private_key.pem", SERIAL_A, NOW);
    assert!(wechat_client().check_notification(&request, NOW).is_ok());
    t["mchid"] = json!("1900000999");
    let body = envelope("TRANSACTION.SUCCESS", &t, KEY);
    let request = signed(&body, "platform_cert_private_key.pem", SERIAL_A, NOW);
    let r = rejected(&wechat_client(), &request);
    assert_eq!(
        (r.error.code(), r.reply.status),
        (ErrorCode::InvalidInput, 400)
    );
}

#[test]
fn contracts_and_unknown_events_are_kept_typed_and_as_json() {
    let contract = json!({"appid": "wx1", "openid": "o1", "plan_id": "p1",
        "contract_information": {"contract_id": "c1", "contract_status": "ADD", "create_time": "2023"}});
    let body = envelope("ENTRUST.SIGNING", &contract, KEY);
    let request = signed(&body, "platform_cert_private_key.pem", SERIAL_A, NOW);
    let n = wechat_client()
        .check_notification(&request, NOW)
        .unwrap()
        .notification;
    assert!(n.order.is_none());
    let printed = serde_json::to_value(&n).unwrap();
    assert_eq!(printed["detail"]["contract"]["contract_status"], "ADD");
    let body = envelope("REFUND.SUCCESS", &json!({"refund_id": "r1"}), KEY);
    let request = signed(&body, "platform_cert_private_key.pem", SERIAL_A, NOW);
    let n = wechat_client()
        .check_notification(&request, NOW)
        .unwrap()
        .notification;
    let printed = serde_json::to_value(&n).unwrap();
    assert_eq!(printed["detail"]["kind"], "other");
    assert_eq!(printed["detail"]["json"], r#"{"refund_id":"r1"}"#);
}

#[test]
fn every_bad_wechatpay_notification_is_a_typed_error_with_its_reply() {
    let client = wechat_client();
    let ok = success();
    let with = |edit: &dyn Fn(&mut NotificationRequest)| {
        let mut r = ok.clone();
        edit(&mut r);
        r
    };
    let header = |r: &mut NotificationRequest, name: &str, value: &str| {
        for (n, v) in r.headers.iter_mut() {
            if n == name {
                *v = value.to_owned();
            }
        }
    };
    let reordered = {
        let v: Value = serde_json::from_slice(&ok.body).unwrap();
        let mut pairs: Vec<(String, Value)> = v.as_object().unwrap().clone().into_iter().collect();
        pairs.reverse();
        let text = format!(
            "{{{}}}",
            pairs
                .iter()
                .map(|(k, v)| format!("{}:{v}", json!(k)))
                .collect::<Vec<_>>()
                .join(",")
        );
        with(&|r| r.body = text.clone().into_bytes())
    };
    let cases: Vec<(&str, NotificationRequest, ErrorCode, u16)> = vec![
        (
            "tampered",
            with(&|r| r.body[10] ^= 1),
            ErrorCode::SignatureInvalid,
            401,
        ),
        ("reordered", reordered, ErrorCode::SignatureInvalid, 401),
        (
            "missing nonce",
            with(&|r| r.headers.retain(|(n, _)| n != "Wechatpay-Nonce")),
            ErrorCode::SignatureInvalid,
            401,
        ),
        (
            "doubled serial",
            with(&|r| r.headers.push(("wechatpay-serial".into(), SERIAL_A.into()))),
            ErrorCode::SignatureInvalid,
            401,
        ),
        (
            "probe",
            with(&|r| header(r, "Wechatpay-Signature", "WECHATPAY/SIGNTEST/abc")),
            ErrorCode::SignatureInvalid,
            401,
        ),
        (
            "other scheme",
            with(&|r| header(r, "Wechatpay-Signature-Type", "WECHATPAY2-SM2-WITH-SM3")),
            ErrorCode::SignatureInvalid,
            401,
        ),
        (
            "stale",
            signed(
                &ok.body,
                "platform_cert_private_key.pem",
                SERIAL_A,
                NOW - 301,
            ),
            ErrorCode::TimestampSkew,
            401,
        ),
        (
            "future",
            signed(
                &ok.body,
                "platform_cert_private_key.pem",
                SERIAL_A,
                NOW + 301,
            ),
            ErrorCode::TimestampSkew,
            401,
        ),
        (
            "unknown serial",
            signed(
                &ok.body,
                "platform_cert_next_private_key.pem",
                SERIAL_B,
                NOW,
            ),
            ErrorCode::SignatureInvalid,
            500,
        ),
        (
            "wrong key",
            {
                let body = envelope(
                    "TRANSACTION.SUCCESS",
                    &transaction("SUCCESS"),
                    "AnotherApiV3Key00000000000000001",
                );
                signed(&body, "platform_cert_private_key.pem", SERIAL_A, NOW)
            },
            ErrorCode::DecryptError,
            400,
        ),
        (
            "GET",
            with(&|r| r.method = "GET".into()),
            ErrorCode::InvalidInput,
            400,
        ),
        (
            "10 MB",
            with(&|r| r.body = vec![b' '; 10 * 1024 * 1024]),
            ErrorCode::InvalidInput,
            400,
        ),
    ];
    for (name, request, code, status) in cases {
        let r = rejected(&client, &request);
        assert_eq!(
            (r.error.code(), r.reply.status),
            (code, status),
            "{name}: {}",
            r.error
        );
        assert!(!r.error.message().contains(KEY), "{name}");
        let body: Value = serde_json::from_str(&r.reply.body).unwrap();
        assert_eq!(body["code"], "FAIL", "{name}");
    }
    // Exactly 300 s away still verifies.
    let edge = signed(
        &ok.body,
        "platform_cert_private_key.pem",
        SERIAL_A,
        NOW - 300,
    );
    assert!(client.check_notification(&edge, NOW).is_ok());
}

/// The resource's own faults, each after a good signature: re-signed bodies.
#[test]
fn a_resource_that_does_not_open_is_refused_400() {
    let client = wechat_client();
    let mut v: Value = serde_json::from_slice(&success().body).unwrap();
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit, ErrorCode)> = vec![
        (
            "truncated",
            Box::new(|v| v["resource"]["ciphertext"] = json!("AAAA")),
            ErrorCode::DecodeError,
        ),
        (
            "other algorithm",
            Box::new(|v| v["resource"]["algorithm"] = json!("AEAD_SM4_GCM")),
            ErrorCode::DecodeError,
        ),
        (
            "changed aad",
            Box::new(|v| v["resource"]["associated_data"] = json!("other")),
            ErrorCode::DecryptError,
        ),
        (
            "no id",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("id");
            }),
            ErrorCode::DecodeError,
        ),
    ];
    for (name, edit, code) in cases {
        let mut changed = v.clone();
        edit(&mut changed);
        let body = changed.to_string().into_bytes();
        let request = signed(&body, "platform_cert_private_key.pem", SERIAL_A, NOW);
        let r = rejected(&client, &request);
        assert_eq!(
            (r.error.code(), r.reply.status),
            (code, 400),
            "{name}: {}",
            r.error
        );
    }
    v["resource"]["nonce"] = json!("short");
    let request = signed(
        &v.to_string().into_bytes(),
        "platform_cert_private_key.pem",
        SERIAL_A,
        NOW,
    );
    assert_eq!(rejected(&client, &request).reply.status, 400);
}

#[test]
fn without_an_api_v3_key_notifications_cannot_be_opened() {
    let mut config = wechat_config(json!({
        "platform_certificates": [{"serial_no": SERIAL_A, "certificate_path": "keys/platform_certificate.pem"}],
    }));
    config.as_object_mut().unwrap().remove("api_v3_key");
    let client = client_for(&config).unwrap();
    let r = rejected(&client, &success());
    assert_eq!(
        (r.error.code(), r.error.field(), r.reply.status),
        (ErrorCode::InvalidConfig, Some("api_v3_key"), 500)
    );
}

/// A fake WeChat Pay for the certificate download the flow makes.
fn listing(serials: &[(&str, &str)]) -> Vec<u8> {
    let entries: Vec<Value> = serials
        .iter()
        .map(|(serial, pem)| {
            json!({
                "serial_no": serial,
                "effective_time": "2020-01-01T08:00:00+08:00",
                "expire_time": "2120-01-01T08:00:00+08:00",
                "encrypt_certificate": {
                    "algorithm": "AEAD_AES_256_GCM", "nonce": "0123456789ab", "associated_data": "certificate",
                    "ciphertext": seal(KEY, "0123456789ab", "certificate", &key_pem(pem)),
                }
            })
        })
        .collect();
    json!({ "data": entries }).to_string().into_bytes()
}

/// Drives a notification flow; every download is answered with `listing`.
fn drive(
    client: &Client,
    request: NotificationRequest,
    now_ms: i64,
    listing: &[u8],
) -> (
    Result<payquery_core::HandledNotification, Box<NotificationRejected>>,
    Vec<HttpRequest>,
) {
    let mut flow = client
        .start_notification(request, &QueryOptions::default(), now_ms)
        .unwrap();
    let mut sent = Vec::new();
    let mut now = now_ms;
    for i in 0..50u8 {
        match flow.next(now, &[i; 32]) {
            Step::Send { request, .. } => {
                sent.push(request);
                now += 5;
                let reply = Reply::Response(HttpResponse {
                    status: 200,
                    headers: vec![],
                    body: listing.to_vec(),
                });
                flow.receive(reply, now).unwrap();
            }
            Step::Sleep { until_ms } => now = until_ms,
            Step::Store { .. } => panic!("no store was configured"),
            Step::Done => break,
        }
    }
    (flow.notification_result(), sent)
}

#[test]
fn an_unknown_serial_downloads_certificates_once_then_the_same_notification_verifies() {
    // Holds nothing yet: every certificate comes from downloads.
    let client = client_for(&wechat_config(json!({}))).unwrap();
    let both = listing(&[
        (SERIAL_A, "platform_certificate.pem"),
        (SERIAL_B, "platform_certificate_next.pem"),
    ]);
    let body = envelope("TRANSACTION.SUCCESS", &transaction("SUCCESS"), KEY);
    let request = signed(&body, "platform_cert_next_private_key.pem", SERIAL_B, NOW);
    let (outcome, sent) = drive(&client, request.clone(), NOW * 1000, &both);
    let handled = outcome.unwrap();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].url.ends_with("/v3/certificates"));
    assert_eq!(handled.reply.status, 204);
    assert_eq!(
        handled.notification.signature_serial.as_deref(),
        Some(SERIAL_B)
    );
    // Held now: the next one downloads nothing.
    let (outcome, sent) = drive(&client, request, NOW * 1000 + 1000, &both);
    assert!(outcome.is_ok());
    assert!(sent.is_empty());
}

#[test]
fn an_unresolved_serial_is_500_and_downloads_at_most_once_a_minute() {
    let client = wechat_client();
    let only_a = listing(&[(SERIAL_A, "platform_certificate.pem")]);
    let body = envelope("TRANSACTION.SUCCESS", &transaction("SUCCESS"), KEY);
    let request = signed(&body, "platform_cert_next_private_key.pem", SERIAL_B, NOW);
    let (outcome, sent) = drive(&client, request.clone(), NOW * 1000, &only_a);
    let r = outcome.unwrap_err();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (r.error.code(), r.reply.status),
        (ErrorCode::SignatureInvalid, 500)
    );
    assert_eq!(r.error.attempts()[0].purpose, AttemptPurpose::Certificates);
    // Within the minute: no second download, the same 500 (WeChat Pay sends it again later).
    let (outcome, sent) = drive(&client, request, NOW * 1000 + 10_000, &only_a);
    assert!(sent.is_empty());
    assert_eq!(outcome.unwrap_err().reply.status, 500);
}

#[test]
fn probes_and_forgeries_never_cause_a_download() {
    let client = client_for(&wechat_config(json!({}))).unwrap();
    let mut probe = success();
    for (n, v) in probe.headers.iter_mut() {
        if n == "Wechatpay-Signature" {
            *v = "WECHATPAY/SIGNTEST/xyz".into();
        }
    }
    let (outcome, sent) = drive(&client, probe, NOW * 1000, b"{}");
    assert!(sent.is_empty());
    assert_eq!(outcome.unwrap_err().reply.status, 401);
    // A PUB_KEY_ID serial is never a certificate: no download can supply it.
    let mut forged = success();
    for (n, v) in forged.headers.iter_mut() {
        if n == "Wechatpay-Serial" {
            *v = "PUB_KEY_ID_0000".into();
        }
    }
    let (outcome, sent) = drive(&client, forged, NOW * 1000, b"{}");
    assert!(sent.is_empty());
    assert_eq!(
        outcome.unwrap_err().error.code(),
        ErrorCode::SignatureInvalid
    );
}

fn fubei_form(fields: &[(&str, &str)], secret: &str) -> Vec<u8> {
    let mut sorted: Vec<&(&str, &str)> = fields.iter().collect();
    sorted.sort();
    let text: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let sign = md5_upper_hex(format!("{}{secret}", text.join("&")).as_bytes());
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let mut body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    body.push(format!("sign={}", sign.to_ascii_lowercase()));
    body.join("&").into_bytes()
}

fn form_request(body: Vec<u8>) -> NotificationRequest {
    NotificationRequest {
        method: "POST".into(),
        headers: vec![(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body,
    }
}

fn fubei_client() -> Client {
    client_for(
        &json!({"provider": "fubei", "app_id": "20160922135339595387", "app_secret": FUBEI_SECRET}),
    )
    .unwrap()
}

#[test]
fn fubei_forms_verify_with_empty_values_kept_and_money_exact() {
    let data = r#"{"order_sn":"2021001","merchant_order_sn":"M1","order_status":"SUCCESS","total_amount":"20.10","buyer_pay_amount":0.01,"finish_time":"20231114221320"}"#;
    let body = fubei_form(
        &[
            ("result_code", "200"),
            ("result_message", ""),
            ("data", data),
        ],
        FUBEI_SECRET,
    );
    let handled = fubei_client()
        .check_notification(&form_request(body), NOW)
        .unwrap();
    let n = handled.notification;
    assert_eq!(
        (handled.reply.status, handled.reply.body.as_str()),
        (200, "SUCCESS")
    );
    assert_eq!(n.id, "fubei:pay:2021001:SUCCESS");
    let order = n.order.unwrap();
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(order.amount.unwrap().minor, 2010);
    assert_eq!(order.paid_amount.unwrap().minor, 1);
    assert_eq!(order.paid_at.unwrap().unix_seconds(), 1_699_971_200);
    // Dropping the empty field from the sign string (a request's rule) does not verify.
    let dropped = md5_upper_hex(format!("data={data}&result_code=200{FUBEI_SECRET}").as_bytes());
    let body = format!(
        "result_code=200&result_message=&data={}&sign={dropped}",
        data.replace('"', "%22")
            .replace('{', "%7B")
            .replace('}', "%7D")
            .replace(',', "%2C")
            .replace(':', "%3A")
    );
    let r = fubei_client()
        .check_notification(&form_request(body.into_bytes()), NOW)
        .unwrap_err();
    assert_eq!(
        (r.error.code(), r.reply.status, r.reply.body.as_str()),
        (ErrorCode::SignatureInvalid, 401, "FAIL")
    );
}

#[test]
fn bad_fubei_forms_are_refused_with_fail() {
    let data = r#"{"order_sn":"1","order_status":"SUCCESS","total_amount":1}"#;
    let good = fubei_form(
        &[
            ("result_code", "200"),
            ("result_message", "ok"),
            ("data", data),
        ],
        FUBEI_SECRET,
    );
    let mut doubled = good.clone();
    doubled.extend_from_slice(b"&result_code=500");
    let wrong = fubei_form(
        &[
            ("result_code", "200"),
            ("result_message", "ok"),
            ("data", data),
        ],
        "another-secret",
    );
    let cases: Vec<(&str, Vec<u8>, ErrorCode, u16)> = vec![
        ("doubled", doubled, ErrorCode::InvalidInput, 400),
        ("wrong secret", wrong, ErrorCode::SignatureInvalid, 401),
        (
            "bad escape",
            b"data=%ZZ&sign=x".to_vec(),
            ErrorCode::InvalidInput,
            400,
        ),
        (
            "non-UTF-8",
            b"data=%FF%FE&sign=x".to_vec(),
            ErrorCode::InvalidInput,
            400,
        ),
        (
            "no sign",
            b"data=1&result_code=200".to_vec(),
            ErrorCode::SignatureInvalid,
            401,
        ),
    ];
    for (name, body, code, status) in cases {
        let r = fubei_client()
            .check_notification(&form_request(body), NOW)
            .unwrap_err();
        assert_eq!(
            (r.error.code(), r.reply.status, r.reply.body.as_str()),
            (code, status, "FAIL"),
            "{name}: {}",
            r.error
        );
        assert!(!r.error.message().contains(FUBEI_SECRET));
    }
}

#[test]
fn the_vending_callback_is_an_unverified_hint_with_the_query_that_confirms_it() {
    let client = client_for(
        &json!({"provider": "dingshang_vending", "base_url": "https://www.awish.vip", "appid": "ds069ed4223ac1660f",
        "app_secret": "dingshang-app-secret-not-real", "sign_key": "1000123"}),
    )
    .unwrap();
    let body = br#"{"method":"device.delivery.response","order_id":54,"record_id":7,"deliver_status":"1","floor_status":"0"}"#;
    let handled = client
        .check_notification(&form_request(body.to_vec()), NOW)
        .unwrap();
    assert!(!handled.notification.verified);
    assert_eq!(
        handled.notification.confirm_query.as_deref(),
        Some(r#"{"order_id":"54"}"#)
    );
    assert_eq!(handled.notification.id, "dingshang:delivery:54:7:1");
    assert_eq!(handled.reply.status, 200);
    let r = client
        .check_notification(&form_request(b"{\"order_id\": -1}".to_vec()), NOW)
        .unwrap_err();
    assert_eq!(r.reply.status, 400);
}

#[test]
fn the_mini_program_sends_no_notifications() {
    let client = client_for(&json!({"provider": "wechat_mini_charge", "appid": "wx1234567890abcdef", "access_token": "t0ken"})).unwrap();
    let r = client
        .check_notification(&form_request(b"{}".to_vec()), NOW)
        .unwrap_err();
    assert_eq!(
        (r.error.code(), r.reply.status),
        (ErrorCode::InvalidInput, 400)
    );
    assert!(r.error.message().contains("no order notifications"));
}

// Review findings (an independent review of the first version), each a row.

#[test]
fn a_form_with_more_fields_than_any_provider_posts_is_refused_before_its_signature() {
    let body: Vec<String> = (0..65).map(|i| format!("f{i}=")).collect();
    let r = fubei_client()
        .check_notification(&form_request(body.join("&").into_bytes()), NOW)
        .unwrap_err();
    assert_eq!(
        (r.error.code(), r.error.field(), r.reply.status),
        (ErrorCode::InvalidInput, Some("body"), 400)
    );
}

#[test]
fn fubei_ids_never_collide_and_a_payment_without_an_order_is_refused() {
    let id_of = |data: &str| {
        let body = fubei_form(
            &[
                ("result_code", "200"),
                ("result_message", "ok"),
                ("data", data),
            ],
            FUBEI_SECRET,
        );
        fubei_client()
            .check_notification(&form_request(body), NOW)
            .map(|h| h.notification.id)
    };
    // An empty order_sn is absent: the merchant order number names the payment.
    let m1 = id_of(r#"{"order_sn":"","merchant_order_sn":"M1","order_status":"SUCCESS"}"#).unwrap();
    let m2 = id_of(r#"{"order_sn":"","merchant_order_sn":"M2","order_status":"SUCCESS"}"#).unwrap();
    assert_ne!(m1, m2);
    assert_eq!(m1, "fubei:pay:M1:SUCCESS");
    // Parts are escaped: `A:B` + `C` is not `A` + `B:C`.
    let a = id_of(r#"{"order_sn":"A:B","order_status":"C"}"#).unwrap();
    let b = id_of(r#"{"order_sn":"A","order_status":"B:C"}"#).unwrap();
    assert_ne!(a, b);
    // Nothing names the order: refused (400 FAIL, Fubei sends it again), never acknowledged.
    let e = *id_of("{}").unwrap_err();
    assert_eq!(
        (e.error.code(), e.reply.status),
        (ErrorCode::DecodeError, 400)
    );
    // An empty refund_sn does not turn a payment into a refund.
    let pay = id_of(r#"{"order_sn":"1","refund_sn":"","order_status":"SUCCESS"}"#).unwrap();
    assert!(pay.starts_with("fubei:pay:"));
}

#[test]
fn fubei_open_platform_1_0_names_are_read_and_an_odd_time_does_not_lose_the_payment() {
    let data = r#"{"merchant_order_sn":"M1","order_sn":"F1","trade_state":"SUCCESS","total_fee":"20.10","order_price":"20.10","pay_time":1700000000}"#;
    let body = fubei_form(
        &[
            ("result_code", "200"),
            ("result_message", "ok"),
            ("data", data),
        ],
        FUBEI_SECRET,
    );
    let handled = fubei_client()
        .check_notification(&form_request(body), NOW)
        .unwrap();
    let order = handled.notification.order.unwrap();
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(order.amount.unwrap().minor, 2010);
    assert_eq!(order.paid_at.unwrap().unix_seconds(), 1_700_000_000);
    let printed = serde_json::to_value(&handled.notification.detail).unwrap();
    assert_eq!(printed["data"], data);
    for odd in ["2023-11-14 22:13:20", "20230231000000", "20231114225960"] {
        let data = format!(
            r#"{{"order_sn":"F1","order_status":"SUCCESS","total_amount":1,"finish_time":"{odd}"}}"#
        );
        let body = fubei_form(
            &[
                ("result_code", "200"),
                ("result_message", "ok"),
                ("data", &data),
            ],
            FUBEI_SECRET,
        );
        let handled = fubei_client()
            .check_notification(&form_request(body), NOW)
            .unwrap();
        assert!(
            handled.notification.order.unwrap().paid_at.is_none(),
            "{odd}"
        );
        assert_eq!(handled.reply.body, "SUCCESS");
    }
}

#[test]
fn a_fubei_form_signed_over_its_three_fields_verifies_beside_an_extra_field() {
    let data = r#"{"order_sn":"1","order_status":"SUCCESS"}"#;
    let three = fubei_form(
        &[
            ("result_code", "200"),
            ("result_message", "ok"),
            ("data", data),
        ],
        FUBEI_SECRET,
    );
    let mut body = three.clone();
    body.extend_from_slice(b"&app_id=123");
    assert!(fubei_client()
        .check_notification(&form_request(body), NOW)
        .is_ok());
    // Signed over all four, as the PHP SDK does: verifies too.
    let four = fubei_form(
        &[
            ("result_code", "200"),
            ("result_message", "ok"),
            ("data", data),
            ("app_id", "123"),
        ],
        FUBEI_SECRET,
    );
    assert!(fubei_client()
        .check_notification(&form_request(four), NOW)
        .is_ok());
}

#[test]
fn a_doubled_signature_type_is_refused_whichever_comes_first() {
    for first in [true, false] {
        let mut r = success();
        let other = (
            "Wechatpay-Signature-Type".to_owned(),
            "WECHATPAY2-SM2-WITH-SM3".to_owned(),
        );
        if first {
            r.headers.insert(0, other);
        } else {
            r.headers.push(other);
        }
        let e = rejected(&wechat_client(), &r);
        assert_eq!(
            (e.error.code(), e.reply.status),
            (ErrorCode::SignatureInvalid, 401)
        );
    }
    // Names are trimmed alike everywhere.
    let mut r = success();
    for (n, _) in r.headers.iter_mut() {
        if n == "Wechatpay-Nonce" {
            *n = " Wechatpay-Nonce ".into();
        }
    }
    assert!(wechat_client().check_notification(&r, NOW).is_ok());
}

#[test]
fn replies_carry_the_code_only_and_an_empty_id_is_refused() {
    let body = envelope("TRANSACTION.SUCCESS", &transaction("SUCCESS"), KEY);
    let stale = signed(&body, "platform_cert_private_key.pem", SERIAL_A, NOW - 400);
    let r = rejected(&wechat_client(), &stale);
    assert_eq!(
        r.reply.body,
        r#"{"code":"FAIL","message":"TIMESTAMP_SKEW"}"#
    );
    let mut v: Value = serde_json::from_slice(&body).unwrap();
    v["id"] = json!("");
    let request = signed(
        v.to_string().as_bytes(),
        "platform_cert_private_key.pem",
        SERIAL_A,
        NOW,
    );
    let r = rejected(&wechat_client(), &request);
    assert_eq!(
        (r.error.code(), r.error.field()),
        (ErrorCode::DecodeError, Some("id"))
    );
}

#[test]
fn junk_signed_with_an_unknown_serial_spends_no_download() {
    let client = client_for(&wechat_config(json!({}))).unwrap();
    let body = envelope("TRANSACTION.SUCCESS", &transaction("SUCCESS"), KEY);
    let mut junk = signed(&body, "platform_cert_next_private_key.pem", SERIAL_B, NOW);
    for (n, v) in junk.headers.iter_mut() {
        if n == "Wechatpay-Signature" {
            *v = "!!!not base64!!!".into();
        }
    }
    let stale = signed(
        &body,
        "platform_cert_next_private_key.pem",
        SERIAL_B,
        NOW - 3 * 365 * 86_400,
    );
    for request in [junk, stale] {
        let (outcome, sent) = drive(&client, request, NOW * 1000, b"{}");
        assert!(sent.is_empty());
        assert_eq!(outcome.unwrap_err().reply.status, 401);
    }
}

#[test]
fn a_query_flow_and_a_notification_flow_each_keep_their_own_answer() {
    let client = wechat_client();
    let mut flow = client
        .start_notification(success(), &QueryOptions::default(), NOW * 1000)
        .unwrap();
    assert_eq!(flow.next(NOW * 1000, &[0; 32]), Step::Done);
    assert_eq!(flow.result().unwrap_err().code(), ErrorCode::InvalidInput);
    assert!(flow.notification_result().is_ok());
    let query = client.query_from_json(r#"{"out_trade_no": "T1"}"#).unwrap();
    let mut flow = client
        .start_query(query, &QueryOptions::default(), NOW * 1000)
        .unwrap();
    let e = flow.notification_result().unwrap_err();
    assert_eq!(e.error.code(), ErrorCode::InvalidInput);
}

#[test]
fn the_vending_callback_names_its_method_and_its_ids_do_not_collide() {
    let client = client_for(&json!({"provider": "dingshang_vending", "base_url": "https://www.awish.vip", "appid": "ds069ed4223ac1660f",
        "app_secret": "dingshang-app-secret-not-real", "sign_key": "1000123"})).unwrap();
    let id = |body: &str| {
        client
            .check_notification(&form_request(body.as_bytes().to_vec()), NOW)
            .map(|h| h.notification.id)
    };
    assert_ne!(
        id(r#"{"order_id":123,"record_id":"1:1","deliver_status":"1"}"#).unwrap(),
        id(r#"{"order_id":123,"record_id":"1","deliver_status":"1:1"}"#).unwrap()
    );
    let e = id(r#"{"method":"<script>","order_id":1}"#).unwrap_err();
    assert_eq!((e.error.field(), e.reply.status), (Some("method"), 400));
}
