//! WeChat Pay platform certificates (QUERY-FLOW.md §7): the download answer's checks, with
//! wechatpay-java's published vector and listings sealed here with RustCrypto `aes-gcm`
//! (independently of the backend that opens them), and the certificate keeper's rows driven
//! through the one-call query on a fake clock.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::Engine as _;
use payquery_core::crypto::RsaPrivateKey;
use payquery_core::{
    AttemptPurpose, Client, ErrorCode, HttpRequest, HttpResponse, QueryOptions, Reply,
    ResponseContext, Step, StoreReply, StoreRequest,
};
use serde_json::{json, Value};
use support::{client_for, key_pem};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const KEY: &str = "PayqueryTestApiV3Key000000000001";
const SERIAL_A: &str = "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92";
const SERIAL_B: &str = "3D1A6C2F7B5E4A09C8D2E1F0A3B4C5D6E7F80912";
const NOW: i64 = 1_700_000_000;

/// wechatpay-java core/src/test/java/com/wechat/pay/java/core/model/TestConfig.java:
/// API_V3_KEY and DOWNLOAD_CERTIFICATE_RESPONSE (NOTIFICATIONS.md §4 item 3).
const JAVA_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
const JAVA_SERIAL: &str = "5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC";
const JAVA_NONCE: &str = "14b16c03dc1b";
const JAVA_CIPHERTEXT: &str = include_str!("certificates/wechatpay_java_ciphertext.txt");

fn config(api_v3_key: &str, extra: Value) -> Value {
    let mut c = json!({
        "provider": "wechatpay_edu_papay",
        "mchid": "1900000109",
        "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "merchant_private_key_path": "keys/merchant_private_key.pem",
        "api_v3_key": api_v3_key,
        "max_response_bytes": 4_194_304,
    });
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
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

fn entry(serial: &str, pem: &str, nonce: &str) -> Value {
    json!({
        "serial_no": serial,
        "effective_time": "2020-01-01T08:00:00+08:00",
        "expire_time": "2120-01-01T08:00:00+08:00",
        "encrypt_certificate": {
            "algorithm": "AEAD_AES_256_GCM",
            "nonce": nonce,
            "associated_data": "certificate",
            "ciphertext": seal(KEY, nonce, "certificate", pem),
        }
    })
}

fn listing(entries: Vec<Value>) -> Vec<u8> {
    json!({ "data": entries }).to_string().into_bytes()
}

fn cert_a() -> String {
    key_pem("platform_certificate.pem")
}

fn cert_b() -> String {
    key_pem("platform_certificate_next.pem")
}

/// An answer signed as WeChat Pay signs: `TS\nNONCE\nBODY\n` with `key`, under `serial`.
fn signed(status: u16, body: &[u8], key: &str, serial: &str, ts: i64) -> HttpResponse {
    let key = RsaPrivateKey::from_pem("k", &key_pem(key)).unwrap();
    let nonce = "n0nce";
    let mut message = format!("{ts}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let signature = key.sign_sha256_base64(&message).unwrap();
    HttpResponse {
        status,
        headers: vec![
            ("Wechatpay-Serial".into(), serial.into()),
            ("Wechatpay-Signature".into(), signature),
            ("Wechatpay-Timestamp".into(), ts.to_string()),
            ("Wechatpay-Nonce".into(), nonce.into()),
        ],
        body: body.to_vec(),
    }
}

fn unsigned(status: u16, body: Vec<u8>) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![],
        body,
    }
}

fn parse_err(client: &Client, response: &HttpResponse) -> payquery_core::Error {
    client
        .parse_certificates_response(response, &ResponseContext::new(NOW))
        .unwrap_err()
}

#[test]
fn wechatpay_javas_published_download_decrypts_to_its_declared_serial() {
    let body = json!({"data": [{
        "effective_time": "2023-09-19T23:15:58+08:00",
        "encrypt_certificate": {
            "algorithm": "AEAD_AES_256_GCM",
            "associated_data": "certificate",
            "ciphertext": JAVA_CIPHERTEXT.trim(),
            "nonce": JAVA_NONCE,
        },
        "expire_time": "2028-09-17T23:15:58+08:00",
        "serial_no": JAVA_SERIAL,
    }]});
    let client = client_for(&config(JAVA_KEY, json!({}))).unwrap();
    let got = client
        .parse_certificates_response(
            &unsigned(200, body.to_string().into_bytes()),
            &ResponseContext::new(NOW),
        )
        .unwrap();
    assert_eq!(got.certificates.len(), 1);
    assert_eq!(got.certificates[0].serial_no, JAVA_SERIAL);
    assert!(got.certificates[0]
        .certificate_pem
        .starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(client.downloaded_certificates(NOW).len(), 1);
    // Another 32-byte key: the tag does not match.
    let other = client_for(&config(KEY, json!({}))).unwrap();
    let e = parse_err(&other, &unsigned(200, body.to_string().into_bytes()));
    assert_eq!(e.code(), ErrorCode::SignatureInvalid, "{e}");
    assert_eq!(e.field(), Some("data[0].encrypt_certificate.ciphertext"));
}

#[test]
fn the_api_v3_key_must_be_32_bytes_and_is_never_echoed() {
    let e = client_for(&config("testMchAPIv3Key0", json!({}))).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidConfig);
    assert_eq!(e.field(), Some("api_v3_key"));
    assert!(!e.to_string().contains("testMchAPIv3Key0"), "{e}");
    let e = client_for(&config(KEY, json!({"certificate_refresh_s": 59}))).unwrap_err();
    assert_eq!(e.field(), Some("certificate_refresh_s"));
    let printed = format!("{:?}", client_for(&config(KEY, json!({}))).unwrap());
    assert!(!printed.contains(KEY), "{printed}");
}

#[test]
fn bad_listings_are_typed_errors_naming_the_field() {
    let client = client_for(&config(KEY, json!({}))).unwrap();
    let mut other_algorithm = entry(SERIAL_A, &cert_a(), "0123456789ab");
    other_algorithm["encrypt_certificate"]["algorithm"] = json!("AEAD_AES_128_GCM");
    let mut truncated = entry(SERIAL_A, &cert_a(), "0123456789ab");
    truncated["encrypt_certificate"]["ciphertext"] = json!(B64.encode([7u8; 16]));
    let mut wrong_tag = entry(SERIAL_A, &cert_a(), "0123456789ab");
    let mut sealed = B64
        .decode(
            wrong_tag["encrypt_certificate"]["ciphertext"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
    *sealed.last_mut().unwrap() ^= 1;
    wrong_tag["encrypt_certificate"]["ciphertext"] = json!(B64.encode(sealed));
    let mut long_nonce = entry(SERIAL_A, &cert_a(), "0123456789ab");
    long_nonce["encrypt_certificate"]["nonce"] = json!("0123456789abcdef");
    let weak = key_pem("weak_1024_public_key.pem");
    let small = entry(SERIAL_A, &weak, "0123456789ab");
    let cases: Vec<(&str, Vec<Value>, ErrorCode, &str)> = vec![
        (
            "other algorithm",
            vec![other_algorithm],
            ErrorCode::DecodeError,
            "data[0].encrypt_certificate.algorithm",
        ),
        (
            "truncated",
            vec![truncated],
            ErrorCode::DecodeError,
            "data[0].encrypt_certificate.ciphertext",
        ),
        (
            "wrong tag",
            vec![wrong_tag],
            ErrorCode::SignatureInvalid,
            "data[0].encrypt_certificate.ciphertext",
        ),
        (
            "12-byte nonce only",
            vec![long_nonce],
            ErrorCode::DecodeError,
            "data[0].encrypt_certificate.nonce",
        ),
        (
            "serial mismatch",
            vec![entry(SERIAL_B, &cert_a(), "0123456789ab")],
            ErrorCode::DecodeError,
            "data[0].serial_no",
        ),
        (
            "duplicate serials",
            vec![
                entry(SERIAL_A, &cert_a(), "0123456789ab"),
                entry(SERIAL_A, &cert_a(), "ba9876543210"),
            ],
            ErrorCode::DecodeError,
            "data[1].serial_no",
        ),
        (
            "not a certificate",
            vec![small],
            ErrorCode::DecodeError,
            "data[0].encrypt_certificate.ciphertext",
        ),
    ];
    for (name, entries, code, field) in cases {
        let e = parse_err(&client, &unsigned(200, listing(entries)));
        assert_eq!((e.code(), e.field()), (code, Some(field)), "{name}: {e}");
        assert!(!e.to_string().contains(KEY), "{name}: {e}");
    }
    // 10,000 entries: refused before anything is decrypted.
    let tiny = json!({"serial_no": "1", "encrypt_certificate": {"algorithm": "x", "nonce": "x", "ciphertext": "x"}});
    let e = parse_err(&client, &unsigned(200, listing(vec![tiny; 10_000])));
    assert_eq!(
        (e.code(), e.field()),
        (ErrorCode::DecodeError, Some("data")),
        "{e}"
    );
    // Every certificate expired (a replayed listing, or a wrong clock).
    let later = ResponseContext::new(4_800_000_000);
    let e = client
        .parse_certificates_response(
            &unsigned(
                200,
                listing(vec![entry(SERIAL_A, &cert_a(), "0123456789ab")]),
            ),
            &later,
        )
        .unwrap_err();
    assert_eq!(e.field(), Some("data"), "{e}");
    // Malformed JSON and wrong types.
    for body in [
        &b"{"[..],
        b"{\"data\": 1}",
        b"[]",
        b"{\"data\": [{\"serial_no\": 5}]}",
    ] {
        let e = parse_err(&client, &unsigned(200, body.to_vec()));
        assert_eq!(e.code(), ErrorCode::DecodeError, "{e}");
    }
}

#[test]
fn signature_headers_on_a_download_must_verify_with_a_carried_or_held_key() {
    let client = client_for(&config(KEY, json!({}))).unwrap();
    let body = listing(vec![entry(SERIAL_A, &cert_a(), "0123456789ab")]);
    // Signed by the certificate it carries: accepted.
    let ok = signed(200, &body, "platform_cert_private_key.pem", SERIAL_A, NOW);
    let got = client
        .parse_certificates_response(&ok, &ResponseContext::new(NOW))
        .unwrap();
    assert_eq!(got.certificates[0].serial_no, SERIAL_A);
    // Signed by a key nobody lists: refused, and nothing is added.
    let fresh = client_for(&config(KEY, json!({}))).unwrap();
    let forged = signed(200, &body, "attacker_private_key.pem", SERIAL_A, NOW);
    let e = parse_err(&fresh, &forged);
    assert_eq!(e.code(), ErrorCode::SignatureInvalid, "{e}");
    assert!(fresh.downloaded_certificates(NOW).is_empty());
}

#[test]
fn the_set_is_merged_and_public_key_only_merchants_are_no_failure() {
    let client = client_for(&config(KEY, json!({}))).unwrap();
    let ctx = ResponseContext::new(NOW);
    client
        .parse_certificates_response(
            &unsigned(
                200,
                listing(vec![entry(SERIAL_A, &cert_a(), "0123456789ab")]),
            ),
            &ctx,
        )
        .unwrap();
    // A later listing without A keeps A (still valid): merged, never replaced.
    let got = client
        .parse_certificates_response(
            &unsigned(
                200,
                listing(vec![entry(SERIAL_B, &cert_b(), "0123456789ab")]),
            ),
            &ctx,
        )
        .unwrap();
    let serials: Vec<_> = got
        .certificates
        .iter()
        .map(|c| c.serial_no.as_str())
        .collect();
    assert_eq!(serials.len(), 2, "{serials:?}");
    assert!(serials.contains(&SERIAL_A) && serials.contains(&SERIAL_B));
    // Public-key-only answers: with a public key configured they are no failure...
    let with_key = client_for(&config(
        KEY,
        json!({
            "wechatpay_public_key_id": "PUB_KEY_ID_0119000000012025010100000000000001",
            "wechatpay_public_key_path": "keys/wechatpay_public_key.pem",
        }),
    ))
    .unwrap();
    let not_found = br#"{"code":"RESOURCE_NOT_EXISTS","message":"no certificate"}"#.to_vec();
    for response in [
        unsigned(404, not_found.clone()),
        unsigned(403, b"{}".to_vec()),
        unsigned(200, listing(vec![])),
    ] {
        let got = with_key
            .parse_certificates_response(&response, &ctx)
            .unwrap();
        assert!(got.certificates.is_empty());
    }
    // ...without one they say what to configure.
    let e = parse_err(&client, &unsigned(404, not_found));
    assert_eq!(e.code(), ErrorCode::InvalidConfig, "{e}");
    assert_eq!(e.field(), Some("wechatpay_public_key_pem"));
    let e = parse_err(
        &client,
        &unsigned(500, b"{\"code\":\"SYSTEM_ERROR\"}".to_vec()),
    );
    assert_eq!(e.code(), ErrorCode::ProviderError, "{e}");
}

// -- The keeper, through the one-call query --------------------------------------------------

const T0: i64 = NOW * 1000;

/// A fake WeChat Pay: lists `listed`, signs order answers with `signer` (key file, serial).
struct Fake {
    listed: Vec<(&'static str, String)>,
    signer: (&'static str, &'static str),
    fail_downloads: bool,
    /// Each download takes this long (ms).
    download_ms: i64,
    /// Sign listings with (key file, serial).
    listing_signer: Option<(&'static str, &'static str)>,
    downloads: usize,
    queries: usize,
    now: i64,
}

impl Fake {
    fn new() -> Self {
        Fake {
            listed: vec![(SERIAL_A, cert_a())],
            signer: ("platform_cert_private_key.pem", SERIAL_A),
            fail_downloads: false,
            download_ms: 0,
            listing_signer: None,
            downloads: 0,
            queries: 0,
            now: T0,
        }
    }

    fn answer(&mut self, request: &HttpRequest) -> Reply {
        let ts = self.now / 1000;
        if request.url.ends_with("/v3/certificates") {
            self.downloads += 1;
            self.now += self.download_ms;
            if self.fail_downloads {
                return Reply::Response(unsigned(503, b"{\"code\":\"SYSTEM_ERROR\"}".to_vec()));
            }
            let entries = self
                .listed
                .iter()
                .map(|(serial, pem)| entry(serial, pem, "0123456789ab"))
                .collect();
            let body = listing(entries);
            return Reply::Response(match self.listing_signer {
                Some((key, serial)) => signed(200, &body, key, serial, self.now / 1000),
                None => unsigned(200, body),
            });
        }
        self.queries += 1;
        let body = json!({
            "sp_mchid": "1900000109", "appid": "wx8888888888888888", "out_trade_no": "T1", "transaction_id": "4200001",
            "trade_state": "SUCCESS", "trade_state_description": "ok",
            "success_time": "2023-11-14T22:13:20+08:00",
            "amount": {"total": 100, "payer_total": 100, "currency": "CNY"}
        })
        .to_string();
        Reply::Response(signed(
            200,
            body.as_bytes(),
            self.signer.0,
            self.signer.1,
            ts,
        ))
    }

    /// Drives an already started query flow to its end.
    fn run_flow(
        &mut self,
        flow: &mut payquery_core::QueryFlow,
        store: &mut Vec<(String, String)>,
    ) -> Result<payquery_core::QueryResult, payquery_core::Error> {
        for i in 0..200u8 {
            match flow.next(self.now, &[i; 32]) {
                Step::Send { request, .. } => {
                    let reply = self.answer(&request);
                    self.now += 5;
                    flow.receive(reply, self.now).unwrap();
                }
                Step::Sleep { until_ms } => self.now = until_ms,
                Step::Store { request, .. } => {
                    flow.store_reply(store_answer(store, request), self.now)
                        .unwrap();
                }
                Step::Done => break,
            }
        }
        flow.result()
    }

    /// Runs one query (or a download, with `query: None`) to its end.
    fn run(
        &mut self,
        client: &Client,
        query: Option<&str>,
        options: &QueryOptions,
        store: &mut Vec<(String, String)>,
    ) -> Result<Vec<AttemptPurpose>, payquery_core::Error> {
        let mut flow = match query {
            Some(q) => client
                .start_query(client.query_from_json(q).unwrap(), options, self.now)
                .unwrap(),
            None => client
                .start_certificate_download(options, self.now)
                .unwrap(),
        };
        for i in 0..200u8 {
            match flow.next(self.now, &[i; 32]) {
                Step::Send { request, .. } => {
                    let reply = self.answer(&request);
                    self.now += 5;
                    flow.receive(reply, self.now).unwrap();
                }
                Step::Sleep { until_ms } => self.now = until_ms,
                Step::Store { request, .. } => {
                    flow.store_reply(store_answer(store, request), self.now)
                        .unwrap();
                }
                Step::Done => break,
            }
        }
        let purposes =
            |a: &[payquery_core::Attempt]| a.iter().map(|a| a.purpose).collect::<Vec<_>>();
        match query {
            Some(_) => flow.result().map(|r| purposes(&r.attempts)),
            None => flow.certificates_result().map(|r| purposes(&r.attempts)),
        }
    }
}

/// A store's answer, as a Redis-backed one gives it (a lock is `key:lock`, taken once).
fn store_answer(store: &mut Vec<(String, String)>, request: StoreRequest) -> StoreReply {
    match request {
        StoreRequest::Load { key } => StoreReply::Loaded(
            store
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| payquery_core::Secret::new(v.clone())),
        ),
        StoreRequest::Save { key, value, .. } => {
            store.retain(|(k, _)| *k != key);
            store.push((key, value.expose().to_owned()));
            StoreReply::Done
        }
        StoreRequest::Lock { key, .. } => {
            let lock = format!("{key}:lock");
            let free = !store.iter().any(|(k, _)| *k == lock);
            if free {
                store.push((lock, "1".to_owned()));
            }
            StoreReply::Locked(free)
        }
        StoreRequest::Invalidate { .. } => StoreReply::Done,
    }
}

const QUERY: &str = r#"{"out_trade_no": "T1"}"#;
use AttemptPurpose::{Certificates as C, Query as Q};

#[test]
fn the_first_query_downloads_first_and_later_ones_reuse_until_the_refresh() {
    let client = client_for(&config(KEY, json!({"certificate_refresh_s": 60}))).unwrap();
    let mut fake = Fake::new();
    let opts = QueryOptions::default();
    assert_eq!(
        fake.run(&client, Some(QUERY), &opts, &mut vec![]).unwrap(),
        vec![C, Q]
    );
    assert_eq!(
        fake.run(&client, Some(QUERY), &opts, &mut vec![]).unwrap(),
        vec![Q]
    );
    fake.now += 60_000;
    assert_eq!(
        fake.run(&client, Some(QUERY), &opts, &mut vec![]).unwrap(),
        vec![C, Q]
    );
    assert_eq!(fake.downloads, 2);
}

#[test]
fn a_rotation_is_picked_up_by_verifying_the_same_answer_again() {
    let client = client_for(&config(KEY, json!({}))).unwrap();
    let mut fake = Fake::new();
    let opts = QueryOptions::default();
    fake.run(&client, Some(QUERY), &opts, &mut vec![]).unwrap();
    fake.listed.insert(0, (SERIAL_B, cert_b()));
    fake.signer = ("platform_cert_next_private_key.pem", SERIAL_B);
    let queries = fake.queries;
    assert_eq!(
        fake.run(&client, Some(QUERY), &opts, &mut vec![]).unwrap(),
        vec![Q, C]
    );
    assert_eq!(fake.queries, queries + 1, "the order is not queried twice");
}

#[test]
fn forged_serials_cost_at_most_one_download_a_minute() {
    let client = client_for(&config(KEY, json!({}))).unwrap();
    let mut fake = Fake::new();
    let opts = QueryOptions::default();
    fake.run(&client, Some(QUERY), &opts, &mut vec![]).unwrap();
    fake.signer = (
        "attacker_private_key.pem",
        "5E7A1D00000000000000000000000000000B4D00",
    );
    let before = fake.downloads;
    for _ in 0..5 {
        let e = fake
            .run(&client, Some(QUERY), &opts, &mut vec![])
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::SignatureInvalid, "{e}");
        assert!(e.message().contains("5E7A1D"), "{e}");
    }
    assert_eq!(
        fake.downloads,
        before + 1,
        "one on-demand download in the minute"
    );
    fake.now += 60_000;
    fake.run(&client, Some(QUERY), &opts, &mut vec![])
        .unwrap_err();
    assert_eq!(fake.downloads, before + 2);
}

#[test]
fn a_failed_download_keeps_the_held_set_and_the_query_goes_on() {
    let client = client_for(&config(KEY, json!({"certificate_refresh_s": 60}))).unwrap();
    let mut fake = Fake::new();
    let opts = QueryOptions::default();
    fake.run(&client, Some(QUERY), &opts, &mut vec![]).unwrap();
    fake.now += 61_000;
    fake.fail_downloads = true;
    assert_eq!(
        fake.run(&client, Some(QUERY), &opts, &mut vec![]).unwrap(),
        vec![C, Q]
    );
    assert_eq!(
        fake.run(&client, Some(QUERY), &opts, &mut vec![]).unwrap(),
        vec![Q],
        "a minute's pause"
    );
    // An explicit download reports the failure.
    let e = fake.run(&client, None, &opts, &mut vec![]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ProviderError, "{e}");
}

#[test]
fn a_fleet_shares_the_listing_through_the_store() {
    let opts = QueryOptions {
        token_store: true,
        ..QueryOptions::default()
    };
    let mut store = Vec::new();
    let mut fake = Fake::new();
    let first = client_for(&config(KEY, json!({}))).unwrap();
    assert_eq!(
        fake.run(&first, Some(QUERY), &opts, &mut store).unwrap(),
        vec![C, Q]
    );
    // The listing, and the lock the download held (a real store lets it expire).
    store.retain(|(k, _)| !k.ends_with(":lock"));
    assert_eq!(store.len(), 1);
    assert!(store[0].0.contains("1900000109"), "{:?}", store[0].0);
    // Another process: loads the listing, decrypts and checks it itself, downloads nothing.
    let second = client_for(&config(KEY, json!({}))).unwrap();
    assert_eq!(
        fake.run(&second, Some(QUERY), &opts, &mut store).unwrap(),
        vec![Q]
    );
    assert_eq!(fake.downloads, 1);
    // A process with another APIv3 key cannot use a stored entry: it downloads (and fails).
    let mut tampered = store.clone();
    tampered[0].1 = tampered[0].1.replace("certificate", "certificatE");
    let third = client_for(&config(KEY, json!({}))).unwrap();
    assert_eq!(
        fake.run(&third, Some(QUERY), &opts, &mut tampered).unwrap(),
        vec![C, Q]
    );
}

#[test]
fn an_explicit_download_lists_what_is_held_newest_first() {
    let client = client_for(&config(KEY, json!({}))).unwrap();
    let mut fake = Fake::new();
    fake.listed.insert(0, (SERIAL_B, cert_b()));
    let opts = QueryOptions::default();
    assert_eq!(
        fake.run(&client, None, &opts, &mut vec![]).unwrap(),
        vec![C]
    );
    assert_eq!(client.downloaded_certificates(NOW).len(), 2);
    let fixed = client_for(&json!({
        "provider": "wechatpay_edu_papay", "mchid": "1900000001",
        "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "merchant_private_key_path": "keys/merchant_private_key.pem",
        "wechatpay_public_key_id": "PUB_KEY_ID_0119000000012025010100000000000001",
        "wechatpay_public_key_path": "keys/wechatpay_public_key.pem",
    }))
    .unwrap();
    let e = fixed.start_certificate_download(&opts, T0).unwrap_err();
    assert_eq!(e.field(), Some("api_v3_key"));
}

#[test]
fn concurrent_cold_queries_make_one_download() {
    let client = client_for(&config(KEY, json!({}))).unwrap();
    let mut fake = Fake::new();
    let opts = QueryOptions::default();
    let query = || client.query_from_json(QUERY).unwrap();
    let mut flows: Vec<_> = (0..50)
        .map(|_| client.start_query(query(), &opts, fake.now).unwrap())
        .collect();
    let mut done = vec![false; flows.len()];
    let mut in_flight: Vec<Option<Reply>> = (0..flows.len()).map(|_| None).collect();
    let mut results = Vec::new();
    // Round-robin: every flow takes one step at a time, as concurrent tasks would, and an
    // answer arrives only in the next round (every flow has started meanwhile).
    for round in 0..400u32 {
        for (i, flow) in flows.iter_mut().enumerate() {
            if done[i] {
                continue;
            }
            if let Some(reply) = in_flight[i].take() {
                flow.receive(reply, fake.now).unwrap();
                continue;
            }
            match flow.next(fake.now, &[u8::try_from(round % 200).unwrap(); 32]) {
                Step::Send { request, .. } => in_flight[i] = Some(fake.answer(&request)),
                Step::Sleep { until_ms } => fake.now = fake.now.max(until_ms),
                Step::Store { .. } => unreachable!("no token store"),
                Step::Done => {
                    done[i] = true;
                    results.push(flow.result());
                }
            }
        }
        fake.now += 1;
        if done.iter().all(|d| *d) {
            break;
        }
    }
    assert_eq!(results.len(), 50);
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    assert_eq!(
        fake.downloads, 1,
        "single-flight across the client's queries"
    );
    assert_eq!(fake.queries, 50);
}

#[test]
fn a_download_that_ends_at_the_deadline_still_settles_the_answer_in_hand() {
    let opts = QueryOptions {
        deadline_ms: Some(1_000),
        ..QueryOptions::default()
    };
    // A rotation: the answer is genuine, the download lands at the deadline: PAID.
    let client = client_for(&config(KEY, json!({}))).unwrap();
    let mut fake = Fake::new();
    fake.run(&client, Some(QUERY), &QueryOptions::default(), &mut vec![])
        .unwrap();
    fake.listed.insert(0, (SERIAL_B, cert_b()));
    fake.signer = ("platform_cert_next_private_key.pem", SERIAL_B);
    fake.download_ms = 5_000;
    assert_eq!(
        fake.run(&client, Some(QUERY), &opts, &mut vec![]).unwrap(),
        vec![Q, C]
    );
    // A forged serial, the download late: SIGNATURE_INVALID, never a retryable timeout.
    fake.now += 61_000;
    fake.signer = (
        "attacker_private_key.pem",
        "5E7A1D00000000000000000000000000000B4D00",
    );
    let e = fake
        .run(&client, Some(QUERY), &opts, &mut vec![])
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::SignatureInvalid, "{e}");
    assert!(!e.is_retryable());
}

#[test]
fn a_listing_signed_by_a_key_the_client_cannot_know_rests_on_the_aead() {
    // WeChat Pay may sign the download with its public key during the migration; a client
    // configured with certificates only has no way to know it yet.
    let client = client_for(&config(KEY, json!({}))).unwrap();
    let mut fake = Fake::new();
    fake.listing_signer = Some((
        "wechatpay_private_key.pem",
        "PUB_KEY_ID_0119000000012025010100000000000001",
    ));
    assert_eq!(
        fake.run(&client, Some(QUERY), &QueryOptions::default(), &mut vec![])
            .unwrap(),
        vec![C, Q]
    );
    // A signer the client knows (the certificate listed) must verify: a forged signature under
    // its serial is refused.
    let client = client_for(&config(KEY, json!({}))).unwrap();
    let mut fake = Fake::new();
    fake.listing_signer = Some(("attacker_private_key.pem", SERIAL_A));
    let purposes = fake.run(&client, Some(QUERY), &QueryOptions::default(), &mut vec![]);
    assert!(purposes.is_err(), "{purposes:?}");
    assert!(client.downloaded_certificates(NOW).is_empty());
}

#[test]
fn a_public_key_only_merchant_is_not_asked_again_even_for_forged_serials() {
    let with_key = client_for(&config(
        KEY,
        json!({
            "wechatpay_public_key_id": "PUB_KEY_ID_0119000000012025010100000000000001",
            "wechatpay_public_key_path": "keys/wechatpay_public_key.pem",
        }),
    ))
    .unwrap();
    let mut fake = Fake::new();
    fake.listed.clear();
    fake.signer = (
        "wechatpay_private_key.pem",
        "PUB_KEY_ID_0119000000012025010100000000000001",
    );
    let opts = QueryOptions::default();
    assert_eq!(
        fake.run(&with_key, Some(QUERY), &opts, &mut vec![])
            .unwrap(),
        vec![C, Q]
    );
    fake.signer = (
        "attacker_private_key.pem",
        "5E7A1D00000000000000000000000000000B4D00",
    );
    for _ in 0..3 {
        fake.now += 61_000;
        fake.run(&with_key, Some(QUERY), &opts, &mut vec![])
            .unwrap_err();
    }
    assert_eq!(fake.downloads, 1, "12 h without asking");
}

#[test]
fn threads_racing_for_the_first_download_make_one() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};
    for _ in 0..100 {
        let client = client_for(&config(KEY, json!({}))).unwrap();
        let downloads = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(Barrier::new(8));
        let threads: Vec<_> = (0..8u8)
            .map(|i| {
                let (client, downloads, barrier) =
                    (client.clone(), downloads.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let query = client.query_from_json(QUERY).unwrap();
                    let mut flow = client
                        .start_query(query, &QueryOptions::default(), T0)
                        .unwrap();
                    barrier.wait();
                    if let Step::Send { request, .. } = flow.next(T0, &[i; 32]) {
                        if request.url.ends_with("/v3/certificates") {
                            downloads.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    // Every flow lives until all took their first step (a dropped flow gives
                    // its claim back, rightly).
                    barrier.wait();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(
            downloads.load(Ordering::SeqCst),
            1,
            "the claim is checked and taken at once"
        );
    }
}

#[test]
fn processes_starting_together_make_one_download_through_the_stores_lock() {
    let opts = QueryOptions {
        token_store: true,
        ..QueryOptions::default()
    };
    let mut store = Vec::new();
    let mut fake = Fake::new();
    let (a, b) = (
        client_for(&config(KEY, json!({}))).unwrap(),
        client_for(&config(KEY, json!({}))).unwrap(),
    );
    let query = |c: &Client| c.query_from_json(QUERY).unwrap();
    let mut flow_a = a.start_query(query(&a), &opts, fake.now).unwrap();
    let mut flow_b = b.start_query(query(&b), &opts, fake.now).unwrap();
    // A: load (nothing), lock (taken), then its download is in flight.
    let a_download = loop {
        match flow_a.next(fake.now, &[1; 32]) {
            Step::Store { request, .. } => flow_a
                .store_reply(store_answer(&mut store, request), fake.now)
                .unwrap(),
            Step::Send { request, .. } => break request,
            other => panic!("{other:?}"),
        }
    };
    // B meanwhile: load (nothing), lock (refused): it waits instead of downloading.
    let until = loop {
        match flow_b.next(fake.now, &[2; 32]) {
            Step::Store { request, .. } => flow_b
                .store_reply(store_answer(&mut store, request), fake.now)
                .unwrap(),
            Step::Sleep { until_ms } => break until_ms,
            other => panic!("B must wait for A's download, not {other:?}"),
        }
    };
    // A's download lands and is saved; A queries.
    let reply = fake.answer(&a_download);
    flow_a.receive(reply, fake.now).unwrap();
    assert!(fake.run_flow(&mut flow_a, &mut store).is_ok());
    // B wakes, reads the listing A saved, and queries without downloading.
    fake.now = until;
    assert!(fake.run_flow(&mut flow_b, &mut store).is_ok());
    assert_eq!(fake.downloads, 1, "one download for the fleet");
    assert_eq!(fake.queries, 2);
}

#[test]
fn a_wrong_api_v3_key_is_named_in_the_querys_error() {
    let client = client_for(&config("ThisIsNotTheKeyTheListingUses012", json!({}))).unwrap();
    let mut fake = Fake::new();
    let e = fake
        .run(&client, Some(QUERY), &QueryOptions::default(), &mut vec![])
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::SignatureInvalid, "{e}");
    assert!(
        e.message()
            .contains("does not open with the configured `api_v3_key`"),
        "{e}"
    );
    assert_eq!(
        fake.downloads, 1,
        "the failed download is not repeated for the answer"
    );
}
