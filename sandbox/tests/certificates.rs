//! WeChat Pay platform-certificate downloads, over real HTTP on 127.0.0.1 (QUERY-FLOW.md §7,
//! NOTIFICATIONS.md §1.7): what the certificate endpoints list and how, rotation, the stats
//! count, the 404 and 500 merchants, and the `FAULT_UNKNOWN_SERIAL` order.
//!
//! Requests are signed here by hand from the test keys, as a merchant would, and answers are
//! checked with the certificates and keys from `tests/vectors/keys/` (decrypted with aws-lc-rs),
//! not with the core's provider code — that code is what these answers will test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use payquery_core::crypto::{RsaPrivateKey, RsaPublicKey};
use payquery_core::ProviderId;
use payquery_sandbox::{client_configs, seed, RunningSandbox, UNKNOWN_SERIAL_ORDER_ID};
use serde_json::{json, Value};

const CERT_A: &str = include_str!("../../tests/vectors/keys/platform_certificate.pem");
const CERT_B: &str = include_str!("../../tests/vectors/keys/platform_certificate_next.pem");
const SERIAL_A: &str = "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92";
const SERIAL_B: &str = "3D1A6C2F7B5E4A09C8D2E1F0A3B4C5D6E7F80912";
const FORGED_SERIAL: &str = "5E7A1D00000000000000000000000000000B4D00";
const API_V3_KEY: &str = "PayquerySandboxApiV3Key000000001";
const AUTO: &str = "1900000109";
const FAILING: &str = "1900000500";
const PUBLIC_KEY_ONLY: &str = "1900000001";
const EDU_PAID: &str = "/v3/edu-papay/transactions/out-trade-no/EDU_PAID_001";
const PAYSCORE_PAID: &str = "/v3/payscore/oversea/partner/serviceorder?service_id=2002000000000558128851361561536&sub_mchid=1900000109&out_order_no=PS_DONE_PAID_001";
const ENDPOINTS: [&str; 2] = ["/v3/certificates", "/v3/global/certificates"];

struct Sandbox {
    runtime: tokio::runtime::Runtime,
    sandbox: Option<RunningSandbox>,
    agent: ureq::Agent,
}

/// An answer as received.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    /// True when the answer's `Wechatpay-Signature` over `TS\nNONCE\nBODY\n` verifies with
    /// `key`.
    fn verifies_with(&self, key: &RsaPublicKey) -> bool {
        let signature = BASE64
            .decode(self.header("Wechatpay-Signature").unwrap())
            .unwrap();
        key.verify_sha256(self.signed_message().as_bytes(), &signature)
    }

    fn signed_message(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.header("Wechatpay-Timestamp").unwrap(),
            self.header("Wechatpay-Nonce").unwrap(),
            self.body
        )
    }
}

impl Sandbox {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime.block_on(payquery_sandbox::start(0)).unwrap();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        Sandbox {
            runtime,
            sandbox: Some(sandbox),
            agent,
        }
    }

    fn url(&self, target: &str) -> String {
        format!("{}{target}", self.sandbox.as_ref().unwrap().base_url())
    }

    /// A `GET` signed as merchant `mchid` would sign it (`WECHATPAY2-SHA256-RSA2048` over
    /// `GET\nTARGET\nTS\nNONCE\n\n`), with `extra` headers.
    fn get_as(&self, mchid: &str, target: &str, extra: &[(&str, &str)]) -> Reply {
        let key = RsaPrivateKey::from_pem("merchant", seed::MERCHANT_PRIVATE_KEY_PEM).unwrap();
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let nonce = "CertificateTest0123456789abcdef0";
        let signature = key
            .sign_sha256_base64(format!("GET\n{target}\n{timestamp}\n{nonce}\n\n").as_bytes())
            .unwrap();
        let authorization = format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{mchid}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{}\",signature=\"{signature}\"",
            seed::MERCHANT_SERIAL
        );
        let mut request = self
            .agent
            .get(self.url(target))
            .header("Authorization", authorization)
            .header("Accept", "application/json");
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        reply(request.call().unwrap())
    }

    fn get_unsigned(&self, target: &str) -> Reply {
        reply(self.agent.get(self.url(target)).call().unwrap())
    }

    fn post(&self, target: &str) -> Reply {
        reply(self.agent.post(self.url(target)).send_empty().unwrap())
    }

    fn certificate_requests(&self) -> u64 {
        let stats = self.get_unsigned("/__sandbox/stats").json();
        stats["certificate_requests"].as_u64().unwrap()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.runtime.block_on(sandbox.shutdown());
        }
    }
}

fn reply(mut response: ureq::http::Response<ureq::Body>) -> Reply {
    Reply {
        status: response.status().as_u16(),
        headers: response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect(),
        body: response.body_mut().read_to_string().unwrap(),
    }
}

fn certificate_key(pem: &str) -> RsaPublicKey {
    RsaPublicKey::from_certificate_pem("certificate", pem)
        .unwrap()
        .0
}

fn public_key() -> RsaPublicKey {
    RsaPublicKey::from_pem("wechatpay", seed::WECHATPAY_PUBLIC_KEY_PEM).unwrap()
}

/// Decrypts one `encrypt_certificate` as a client does: AES-256-GCM with the APIv3 key's 32
/// bytes, the nonce's 12 bytes, AAD `associated_data`, tag at the end of the ciphertext.
fn decrypt(entry: &Value) -> String {
    let encrypted = &entry["encrypt_certificate"];
    assert_eq!(encrypted["algorithm"], "AEAD_AES_256_GCM");
    assert_eq!(encrypted["associated_data"], "certificate");
    let nonce = encrypted["nonce"].as_str().unwrap();
    assert_eq!(nonce.len(), 12, "{nonce}");
    assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric()), "{nonce}");
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, API_V3_KEY.as_bytes()).unwrap());
    let mut sealed = BASE64
        .decode(encrypted["ciphertext"].as_str().unwrap())
        .unwrap();
    let plain = key
        .open_in_place(
            Nonce::try_assume_unique_for_key(nonce.as_bytes()).unwrap(),
            Aad::from(b"certificate"),
            &mut sealed,
        )
        .unwrap();
    String::from_utf8(plain.to_vec()).unwrap()
}

/// The `data` entries' serials, and each entry's certificate, checked against its serial and
/// validity.
fn listed(reply: &Reply) -> Vec<(String, String)> {
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            assert_eq!(entry["effective_time"], "2020-01-01T08:00:00+08:00");
            assert_eq!(entry["expire_time"], "2120-01-01T08:00:00+08:00");
            let serial = entry["serial_no"].as_str().unwrap().to_owned();
            let pem = decrypt(entry);
            let (_, info) = RsaPublicKey::from_certificate_pem("certificate", &pem).unwrap();
            assert_eq!(info.serial_hex, serial);
            (serial, pem)
        })
        .collect()
}

#[test]
fn the_api_v3_key_is_32_bytes() {
    assert_eq!(seed::API_V3_KEY, API_V3_KEY);
    assert_eq!(API_V3_KEY.len(), 32);
    assert_eq!(seed::AUTO_MCHID, AUTO);
    assert_eq!(seed::FAILING_DOWNLOAD_MCHID, FAILING);
}

#[test]
fn both_endpoints_list_the_current_certificate_encrypted_with_the_api_v3_key() {
    let s = Sandbox::start();
    for endpoint in ENDPOINTS {
        let reply = s.get_as(AUTO, endpoint, &[]);
        assert_eq!(
            listed(&reply),
            vec![(SERIAL_A.to_owned(), CERT_A.to_owned())],
            "{endpoint}"
        );
        // Signed like every other answer, with the certificate it hands out.
        assert_eq!(reply.header("Wechatpay-Serial"), Some(SERIAL_A));
        assert_eq!(
            reply.header("Wechatpay-Signature-Type"),
            Some("WECHATPAY2-SHA256-RSA2048")
        );
        assert!(reply.header("Request-ID").unwrap().starts_with("SANDBOX-"));
        assert!(reply.verifies_with(&certificate_key(CERT_A)), "{endpoint}");
        // A fresh nonce per download.
        let again = s.get_as(AUTO, endpoint, &[]);
        assert_ne!(
            reply.json()["data"][0]["encrypt_certificate"]["nonce"],
            again.json()["data"][0]["encrypt_certificate"]["nonce"]
        );
    }
}

#[test]
fn the_auto_merchants_answers_are_signed_with_the_current_certificate() {
    let s = Sandbox::start();
    // Whatever serial the request names: WeChat Pay signs with the certificate it uses now.
    for extra in [&[][..], &[("Wechatpay-Serial", seed::PUB_KEY_ID)][..]] {
        for target in [EDU_PAID, PAYSCORE_PAID] {
            let reply = s.get_as(AUTO, target, extra);
            assert_eq!(reply.status, 200, "{target}: {}", reply.body);
            assert_eq!(reply.header("Wechatpay-Serial"), Some(SERIAL_A), "{target}");
            assert!(reply.verifies_with(&certificate_key(CERT_A)), "{target}");
        }
    }
    let unknown = s.get_as(AUTO, "/v3/edu-papay/transactions/out-trade-no/NO_SUCH", &[]);
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.header("Wechatpay-Serial"), Some(SERIAL_A));
    assert!(unknown.verifies_with(&certificate_key(CERT_A)));
    // The answer names the merchant asked.
    assert_eq!(s.get_as(AUTO, EDU_PAID, &[]).json()["sp_mchid"], AUTO);
    // Other merchants keep public-key mode.
    let public = s.get_as(PUBLIC_KEY_ONLY, EDU_PAID, &[]);
    assert_eq!(public.header("Wechatpay-Serial"), Some(seed::PUB_KEY_ID));
    assert!(public.verifies_with(&public_key()));
    assert_eq!(public.json()["sp_mchid"], PUBLIC_KEY_ONLY);
}

#[test]
fn rotation_lists_the_next_certificate_first_and_signs_with_it() {
    let s = Sandbox::start();
    for _ in 0..2 {
        // Idempotent.
        let rotated = s.post("/__sandbox/rotate");
        assert_eq!(rotated.status, 200);
        assert_eq!(
            rotated.json(),
            json!({"rotated": true, "serial_no": SERIAL_B})
        );
    }
    for endpoint in ENDPOINTS {
        let reply = s.get_as(AUTO, endpoint, &[]);
        assert_eq!(
            listed(&reply),
            vec![
                (SERIAL_B.to_owned(), CERT_B.to_owned()),
                (SERIAL_A.to_owned(), CERT_A.to_owned()),
            ],
            "{endpoint}"
        );
        assert_eq!(reply.header("Wechatpay-Serial"), Some(SERIAL_B));
        assert!(reply.verifies_with(&certificate_key(CERT_B)));
    }
    for target in [EDU_PAID, PAYSCORE_PAID] {
        let reply = s.get_as(AUTO, target, &[("Wechatpay-Serial", SERIAL_A)]);
        assert_eq!(reply.status, 200, "{target}: {}", reply.body);
        assert_eq!(reply.header("Wechatpay-Serial"), Some(SERIAL_B), "{target}");
        assert!(reply.verifies_with(&certificate_key(CERT_B)), "{target}");
        assert!(!reply.verifies_with(&certificate_key(CERT_A)), "{target}");
    }
    let public = s.get_as(PUBLIC_KEY_ONLY, EDU_PAID, &[]);
    assert_eq!(public.header("Wechatpay-Serial"), Some(seed::PUB_KEY_ID));
    // Rotation is POST only.
    assert_eq!(s.get_unsigned("/__sandbox/rotate").status, 405);
}

#[test]
fn a_public_key_merchant_gets_a_signed_404_and_the_failing_merchant_a_500() {
    let s = Sandbox::start();
    for endpoint in ENDPOINTS {
        let missing = s.get_as(PUBLIC_KEY_ONLY, endpoint, &[]);
        assert_eq!(missing.status, 404);
        assert_eq!(
            missing.json(),
            json!({"code": "RESOURCE_NOT_EXISTS", "message": "无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥"})
        );
        assert_eq!(missing.header("Wechatpay-Serial"), Some(seed::PUB_KEY_ID));
        assert!(missing.verifies_with(&public_key()));

        let failing = s.get_as(FAILING, endpoint, &[]);
        assert_eq!(failing.status, 500);
        assert_eq!(
            failing.json(),
            json!({"code": "SYSTEM_ERROR", "message": "系统错误"})
        );
        // Its queries answer in public-key mode, as the usual merchant's do.
        let query = s.get_as(FAILING, EDU_PAID, &[]);
        assert_eq!(query.status, 200);
        assert!(query.verifies_with(&public_key()));
    }
    // Downloads are checked like every request: unsigned, an unknown merchant.
    assert_eq!(s.get_unsigned(ENDPOINTS[0]).status, 401);
    let stranger = s.get_as("1234567890", ENDPOINTS[0], &[]);
    assert_eq!(stranger.status, 400);
    assert_eq!(stranger.header("Wechatpay-Serial"), None);
}

#[test]
fn stats_count_every_certificate_request() {
    let s = Sandbox::start();
    assert_eq!(s.certificate_requests(), 0);
    s.get_as(AUTO, ENDPOINTS[0], &[]);
    s.get_as(AUTO, ENDPOINTS[1], &[]);
    s.get_as(PUBLIC_KEY_ONLY, ENDPOINTS[0], &[]);
    s.get_as(FAILING, ENDPOINTS[1], &[]);
    s.get_unsigned(ENDPOINTS[0]);
    s.post(ENDPOINTS[1]);
    // Queries are not downloads.
    s.get_as(AUTO, EDU_PAID, &[]);
    assert_eq!(s.certificate_requests(), 6);
    let stats = s.get_unsigned("/__sandbox/stats").json();
    assert_eq!(stats["token_requests"], 0);
}

#[test]
fn fault_unknown_serial_is_signed_with_a_certificate_no_endpoint_lists() {
    let s = Sandbox::start();
    let attacker = RsaPrivateKey::from_pem("attacker", seed::ATTACKER_PRIVATE_KEY_PEM).unwrap();
    let edu = format!("/v3/edu-papay/transactions/out-trade-no/{UNKNOWN_SERIAL_ORDER_ID}");
    let payscore = PAYSCORE_PAID.replace("PS_DONE_PAID_001", UNKNOWN_SERIAL_ORDER_ID);
    for rotate in [false, true] {
        if rotate {
            s.post("/__sandbox/rotate");
        }
        let listed: Vec<String> = listed(&s.get_as(AUTO, ENDPOINTS[0], &[]))
            .into_iter()
            .map(|(serial, _)| serial)
            .collect();
        assert!(!listed.iter().any(|serial| serial == FORGED_SERIAL));
        for mchid in [AUTO, PUBLIC_KEY_ONLY] {
            for (target, id_key, paid) in [
                (edu.as_str(), "out_trade_no", ("trade_state", "SUCCESS")),
                (payscore.as_str(), "out_order_no", ("state", "DONE")),
            ] {
                let reply = s.get_as(mchid, target, &[]);
                assert_eq!(reply.status, 200, "{target}: {}", reply.body);
                let body = reply.json();
                assert_eq!(body[id_key], UNKNOWN_SERIAL_ORDER_ID);
                assert_eq!(body[paid.0], paid.1);
                assert_eq!(reply.header("Wechatpay-Serial"), Some(FORGED_SERIAL));
                // PKCS#1 v1.5 is deterministic: the attacker key's signature, byte for byte.
                assert_eq!(
                    reply.header("Wechatpay-Signature").unwrap(),
                    attacker
                        .sign_sha256_base64(reply.signed_message().as_bytes())
                        .unwrap()
                );
                for key in [
                    certificate_key(CERT_A),
                    certificate_key(CERT_B),
                    public_key(),
                ] {
                    assert!(!reply.verifies_with(&key));
                }
            }
        }
    }
}

#[test]
fn write_configs_adds_the_auto_configs_and_keeps_the_others() {
    let s = Sandbox::start();
    let urls = s.sandbox.as_ref().unwrap().urls();
    let dir = std::env::temp_dir().join(format!(
        "payquery-sandbox-certificates-{}",
        std::process::id()
    ));
    payquery_sandbox::write_configs(&dir, &urls).unwrap();
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    for provider in [
        ProviderId::WechatpayEduPapay,
        ProviderId::WechatpayPayscoreOversea,
    ] {
        let usual = read(&format!("{provider}.json"));
        let auto = read(&format!("{provider}.auto.json"));
        assert_eq!(auto["provider"], provider.to_string());
        assert_eq!(auto["mchid"], AUTO);
        assert_eq!(auto["api_v3_key"], API_V3_KEY);
        for absent in [
            "platform_certificates",
            "wechatpay_public_key_id",
            "wechatpay_public_key_pem",
        ] {
            assert!(auto.get(absent).is_none(), "{provider}: {absent}");
        }
        for same in [
            "$schema",
            "merchant_serial_no",
            "merchant_private_key_pem",
            "base_url",
            "backup_base_url",
        ] {
            assert_eq!(auto[same], usual[same], "{provider}: {same}");
        }
        assert_eq!(auto["base_url"], urls.main);
        // The usual config is unchanged: public-key mode for the usual merchant.
        let setup = client_configs(&urls)
            .into_iter()
            .find(|setup| setup.provider == provider)
            .unwrap();
        let mut expected = setup.config;
        expected["$schema"] = usual["$schema"].clone();
        assert_eq!(usual, expected);
        assert_eq!(usual["mchid"], PUBLIC_KEY_ONLY);
    }
    assert!(!dir.join("fubei.auto.json").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
