//! # payquery-fuzz-harness
//!
//! The entry points of payquery's fuzz targets, one per [`Target`]. `cargo fuzz` (nightly,
//! `make fuzz`) drives them with libFuzzer from `fuzz/fuzz_targets/`; `make test` replays every
//! committed corpus file and every past crash through the same functions on stable Rust
//! (`tests/replay.rs`), so a finding stays fixed.
//!
//! Each entry point must return normally for every input — a panic is a finding — and checks
//! what must hold whenever the core *accepts* an input: a built request never carries CR/LF or
//! a control byte in a header and never an unencoded space, `#` or control byte in its URL; a
//! verified WeChat Pay answer really is signed by the configured key over the exact bytes; an
//! accepted yuan amount is the fen it claims to be.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::OnceLock;

use base64::Engine as _;
use payquery_core::crypto::{RsaPrivateKey, RsaPublicKey};
use payquery_core::PendingRequest;
use payquery_core::{
    yuan_text_to_fen, Client, Config, HttpRequest, HttpResponse, Nonce, ProviderId, RequestContext,
    ResponseContext,
};

const MERCHANT_KEY: &str = include_str!("../../tests/vectors/keys/merchant_private_key.pem");
const WECHATPAY_KEY: &str = include_str!("../../tests/vectors/keys/wechatpay_private_key.pem");
const WECHATPAY_PUBLIC_KEY: &str =
    include_str!("../../tests/vectors/keys/wechatpay_public_key.pem");
const PUB_KEY_ID: &str = "PUB_KEY_ID_0119000000012025010100000000000001";
const NOW: i64 = 1_700_000_000;

/// Every fuzz target, by the name of its `fuzz/fuzz_targets/<name>.rs` and corpus directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A provider's answer: arbitrary status, headers and body (WeChat Pay ones optionally
    /// signed correctly, so the decoder behind the verifier is fuzzed too).
    Parse(ProviderId),
    /// A provider's request builder: an arbitrary config document or query document.
    Build(ProviderId),
    /// `PendingRequest::from_json` + `finish` on arbitrary parked documents.
    Finish,
    /// The exact yuan → fen conversion.
    Money,
    /// The `Wechatpay-*` signature headers on an arbitrary answer.
    WechatpayHeaders,
    /// Config documents holding arbitrary PEM or DER where a key or certificate goes: the
    /// core's own DER reader (`core/src/crypto/der.rs`) on input from outside.
    Keys,
    /// A WeChat Pay platform-certificate download: an arbitrary listing body, or arbitrary
    /// certificate bytes sealed correctly with the APIv3 key (so the X.509 reader behind the
    /// AEAD is fuzzed too), checked against RustCrypto `x509-cert` whenever the core accepts.
    Certificates,
    /// A WeChat Pay notification through `check_notification`: arbitrary method, headers and
    /// body, optionally signed correctly and with the body's bytes sealed as the resource (so
    /// the envelope, the AEAD and the typed resources behind the verifier are fuzzed too).
    NotificationWechatpay,
    /// A Fubei notification form (raw, or arbitrary `data` correctly signed, so the decoder
    /// behind the MD5 check is fuzzed too) or a vending delivery callback.
    NotificationForm,
}

impl Target {
    /// Every target.
    pub fn all() -> Vec<Target> {
        let mut all: Vec<Target> = ProviderId::ALL.iter().map(|p| Target::Parse(*p)).collect();
        all.extend(ProviderId::ALL.iter().map(|p| Target::Build(*p)));
        all.extend([
            Target::Finish,
            Target::Money,
            Target::WechatpayHeaders,
            Target::Keys,
            Target::Certificates,
            Target::NotificationWechatpay,
            Target::NotificationForm,
        ]);
        all
    }

    /// The target's name (its fuzz binary and corpus directory).
    pub fn name(self) -> String {
        match self {
            Target::Parse(p) => format!("parse_{p}"),
            Target::Build(p) => format!("build_{p}"),
            Target::Finish => "finish".to_owned(),
            Target::Money => "money".to_owned(),
            Target::WechatpayHeaders => "wechatpay_headers".to_owned(),
            Target::Keys => "keys".to_owned(),
            Target::Certificates => "certificates".to_owned(),
            Target::NotificationWechatpay => "notification_wechatpay".to_owned(),
            Target::NotificationForm => "notification_form".to_owned(),
        }
    }

    /// Runs one input.
    pub fn run(self, data: &[u8]) {
        match self {
            Target::Parse(p) => parse(p, data),
            Target::Build(p) => build(p, data),
            Target::Finish => finish(data),
            Target::Money => money(data),
            Target::WechatpayHeaders => wechatpay_headers(data),
            Target::Keys => keys(data),
            Target::Certificates => certificates(data),
            Target::NotificationWechatpay => {
                notification_wechatpay(data);
            }
            Target::NotificationForm => {
                notification_form(data);
            }
        }
    }
}

/// A config document for `provider` that builds (PEMs inline, no I/O per input).
pub fn config(provider: ProviderId) -> serde_json::Value {
    match provider {
        ProviderId::WechatpayEduPapay | ProviderId::WechatpayPayscoreOversea => serde_json::json!({
            "provider": provider.as_str(), "mchid": "1900000001",
            "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
            "merchant_private_key_pem": MERCHANT_KEY,
            "wechatpay_public_key_id": PUB_KEY_ID,
            "wechatpay_public_key_pem": WECHATPAY_PUBLIC_KEY,
        }),
        ProviderId::WechatMiniCharge => serde_json::json!({
            "provider": "wechat_mini_charge", "access_token": "T", "appid": "wx1", "app_secret": "s"}),
        ProviderId::Fubei => {
            serde_json::json!({"provider": "fubei", "app_id": "1", "app_secret": "s"})
        }
        ProviderId::DingshangVending => serde_json::json!({
            "provider": "dingshang_vending", "base_url": "https://vending.example", "appid": "ds1",
            "app_secret": "s", "sign_key": "k"}),
    }
}

fn client(provider: ProviderId) -> &'static Client {
    static CLIENTS: OnceLock<Vec<(ProviderId, Client)>> = OnceLock::new();
    let clients = CLIENTS.get_or_init(|| {
        ProviderId::ALL
            .iter()
            .map(|p| {
                (
                    *p,
                    Client::from_config_json(&config(*p).to_string()).unwrap(),
                )
            })
            .collect()
    });
    &clients.iter().find(|(p, _)| *p == provider).unwrap().1
}

fn signing_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::from_pem("wechatpay", WECHATPAY_KEY).unwrap())
}

fn verifying_key() -> &'static RsaPublicKey {
    static KEY: OnceLock<RsaPublicKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPublicKey::from_pem("wechatpay", WECHATPAY_PUBLIC_KEY).unwrap())
}

/// An answer as the parse targets read it from raw bytes, in a layout simple enough to seed
/// from the shared vectors (`fuzz/seed_corpus.py`): status (2 bytes, little-endian), flags (bit
/// 0: sign the body correctly with the configured key), clock skew in seconds (i16), the number
/// of headers, then per header a name selector, a value length and the value; the rest is the
/// body.
#[derive(Debug, Default)]
struct Answer {
    status: u16,
    sign: bool,
    skew: i16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Header names the parsers look at; selectors past the list name a header by its own bytes.
const HEADER_NAMES: [&str; 7] = [
    "Wechatpay-Serial",
    "Wechatpay-Signature",
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "wechatpay-signature-type",
    "Content-Type",
    "WECHATPAY-SERIAL",
];

impl Answer {
    fn decode(data: &[u8]) -> Answer {
        let mut rest = data;
        let mut take = |n: usize| -> &[u8] {
            let (head, tail) = rest.split_at(n.min(rest.len()));
            rest = tail;
            head
        };
        let u16le = |b: &[u8]| {
            u16::from_le_bytes([
                b.first().copied().unwrap_or(0),
                b.get(1).copied().unwrap_or(0),
            ])
        };
        let status = u16le(take(2));
        let flags = take(1).first().copied().unwrap_or(0);
        let skew = u16le(take(2)) as i16;
        let count = take(1).first().copied().unwrap_or(0) % 16;
        let mut headers = Vec::new();
        for _ in 0..count {
            let selector = usize::from(take(1).first().copied().unwrap_or(0));
            let len = usize::from(take(1).first().copied().unwrap_or(0));
            let value = String::from_utf8_lossy(take(len)).into_owned();
            let name = match HEADER_NAMES.get(selector % 8) {
                Some(name) => (*name).to_owned(),
                None => value.clone(),
            };
            headers.push((name, value));
        }
        Answer {
            status,
            sign: flags & 1 == 1,
            skew,
            headers,
            body: take(usize::MAX).to_vec(),
        }
    }
}

fn signed_headers(body: &[u8], timestamp: i64, nonce: &str) -> Vec<(String, String)> {
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    vec![
        ("Wechatpay-Serial".to_owned(), PUB_KEY_ID.to_owned()),
        (
            "Wechatpay-Signature".to_owned(),
            signing_key().sign_sha256_base64(&message).unwrap(),
        ),
        ("Wechatpay-Timestamp".to_owned(), timestamp.to_string()),
        ("Wechatpay-Nonce".to_owned(), nonce.to_owned()),
    ]
}

fn parse(provider: ProviderId, data: &[u8]) {
    let answer = Answer::decode(data);
    let signs = matches!(
        provider,
        ProviderId::WechatpayEduPapay | ProviderId::WechatpayPayscoreOversea
    );
    let mut headers = answer.headers;
    if signs && answer.sign {
        headers = signed_headers(&answer.body, NOW + i64::from(answer.skew), "fuzz");
    }
    let response = HttpResponse::new(answer.status % 1000, headers, answer.body);
    let result = client(provider).parse_response(None, &response, &ResponseContext::new(NOW));
    if let Ok(payquery_core::ParsedResponse::Order(result)) = result {
        // Whatever decodes must serialize (the CLI prints it) and keep money non-negative.
        serde_json::to_string(&result).unwrap();
        for money in [&result.order.amount, &result.order.paid_amount]
            .into_iter()
            .flatten()
        {
            assert!(money.minor >= 0, "negative money accepted: {money:?}");
        }
        if signs {
            assert!(
                result.signature_serial.is_some(),
                "a WeChat Pay answer was accepted unverified"
            );
        }
    }
}

/// A request the core built must be safe to put on the wire as is.
fn check_request(request: &HttpRequest) {
    for (name, value) in &request.headers {
        assert!(
            value
                .bytes()
                .all(|b| b == b'\t' || (0x20..0x7f).contains(&b)),
            "unsafe header {name}: {value:?}"
        );
    }
    assert!(
        request
            .url
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'#' && b != b'"'),
        "unsafe URL {:?}",
        request.url
    );
    if let Some(body) = &request.body {
        serde_json::from_slice::<serde_json::Value>(body).expect("the body is JSON");
    }
}

fn build(provider: ProviderId, data: &[u8]) {
    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let ctx = RequestContext::new(NOW, Nonce::new("fuzz").unwrap());
    if selector & 1 == 0 {
        // An arbitrary query document for a working client.
        let client = client(provider);
        if let Ok(query) = client.query_from_json(text) {
            if let Ok(request) = client.build_request(&query, &ctx) {
                check_request(&request);
            }
        }
        return;
    }
    // An arbitrary config document (the provider's own members spliced in, so fuzzing reaches
    // past the `provider` check), then a fixed query.
    let mut document: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => return,
    };
    if selector & 2 == 0 {
        if let (Some(doc), Some(base)) = (document.as_object_mut(), config(provider).as_object()) {
            for (k, v) in base {
                doc.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    let Ok(config) = Config::from_json(&document.to_string()) else {
        return;
    };
    let Ok(client) = Client::new(&config) else {
        return;
    };
    let query = match provider {
        ProviderId::WechatpayEduPapay => r#"{"out_trade_no":"A1"}"#,
        ProviderId::WechatpayPayscoreOversea => {
            r#"{"service_id":"1","sub_mchid":"2","out_order_no":"A1"}"#
        }
        ProviderId::WechatMiniCharge => r#"{"order_id":"A1"}"#,
        ProviderId::Fubei => r#"{"merchant_order_sn":"A1"}"#,
        ProviderId::DingshangVending => r#"{"order_id":"1","machine_no":"12345678"}"#,
    };
    if let Ok(query) = client.query_from_json(query) {
        if let Ok(request) = client.build_request(&query, &ctx) {
            check_request(&request);
        }
    }
}

fn finish(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(pending) = PendingRequest::from_json(text) else {
        return;
    };
    // Whatever is accepted re-serializes to a document that is accepted again, unchanged.
    assert_eq!(
        PendingRequest::from_json(&pending.to_json()).unwrap(),
        pending
    );
    let signature = base64::engine::general_purpose::STANDARD.encode([7u8; 256]);
    let request = pending.finish(&signature).unwrap();
    check_request(&request);
    let authorization = request.header("Authorization").unwrap();
    assert_eq!(
        authorization.matches("signature=").count(),
        1,
        "{authorization}"
    );
}

fn money(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(fen) = yuan_text_to_fen("amount", text) else {
        return;
    };
    // Accepted: plain digits with at most one decimal point, and the value within 1e-9 yuan of
    // `fen` fen (checked digit by digit on the text).
    assert!(fen >= 0);
    let (int_part, frac) = text.split_once('.').unwrap_or((text, ""));
    assert!(!int_part.is_empty() && int_part.bytes().all(|b| b.is_ascii_digit()));
    assert!(frac.bytes().all(|b| b.is_ascii_digit()));
    let whole = i128::from(fen / 100);
    let cents = i128::from(fen % 100);
    // value − fen/100, in units of 1e-20 yuan, from the first 20 fractional digits.
    let int_value: i128 = int_part.trim_start_matches('0').parse().unwrap_or(0);
    let frac20: i128 = format!("{frac:0<20}").get(..20).unwrap().parse().unwrap();
    let value = (int_value - whole) * 10i128.pow(20) + frac20 - cents * 10i128.pow(18);
    assert!(
        value.abs() <= 10i128.pow(11),
        "{text} accepted as {fen} fen, off by {value}e-20 yuan"
    );
}

fn wechatpay_headers(data: &[u8]) {
    let answer = Answer::decode(data);
    let mut headers = answer.headers;
    if answer.sign {
        // Correct signature headers, then the fuzzed ones after them (repeats, odd casing).
        let mut signed = signed_headers(&answer.body, NOW + i64::from(answer.skew), "n");
        signed.append(&mut headers);
        headers = signed;
    }
    let response = HttpResponse::new(200, headers.clone(), answer.body.clone());
    let result = client(ProviderId::WechatpayEduPapay).parse_response(
        None,
        &response,
        &ResponseContext::new(NOW),
    );
    let Ok(_) = result else {
        return;
    };
    // Accepted: exactly one of each signature header, and the signature verifies over them.
    let one = |name: &str| {
        let values: Vec<&String> = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .collect();
        assert_eq!(values.len(), 1, "{name} accepted {} times", values.len());
        values[0].trim().to_owned()
    };
    let (ts, nonce, sig) = (
        one("Wechatpay-Timestamp"),
        one("Wechatpay-Nonce"),
        one("Wechatpay-Signature"),
    );
    let mut message = format!("{ts}\n{nonce}\n").into_bytes();
    message.extend_from_slice(&answer.body);
    message.push(b'\n');
    let signature = base64::engine::general_purpose::STANDARD
        .decode(sig)
        .unwrap();
    assert!(verifying_key().verify_sha256(&message, &signature));
    let ts: i64 = ts.parse().unwrap();
    assert!(NOW.abs_diff(ts) <= 300);
}

/// PEM labels a raw-DER `keys` input is wrapped in.
const PEM_LABELS: [&str; 4] = [
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "PUBLIC KEY",
    "CERTIFICATE",
];

/// The `keys` target's layout: byte 0 picks the slot of an edu-papay config the material goes
/// into (bits 0-1: `merchant_private_key_pem`, `wechatpay_public_key_pem`,
/// `platform_certificates[0].certificate_pem`, `platform_certificates[0].public_key_pem`), whether the rest
/// is raw DER (bit 2) to be wrapped in PEM under a label (bits 3-4, [`PEM_LABELS`]) or PEM text
/// as it is; the rest is the key material.
fn keys(data: &[u8]) {
    let Some((selector, material)) = data.split_first() else {
        return;
    };
    let slot = usize::from(selector & 3);
    let pem = if selector & 4 != 0 {
        let label = PEM_LABELS[usize::from((selector >> 3) & 3)];
        match pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, material) {
            Ok(pem) => pem,
            Err(_) => return,
        }
    } else {
        String::from_utf8_lossy(material).into_owned()
    };
    check_key_material(slot, &pem);
    // The same text inside a whole config document, as users give it.
    let mut config = config(ProviderId::WechatpayEduPapay);
    match slot {
        0 => config["merchant_private_key_pem"] = pem.clone().into(),
        1 => config["wechatpay_public_key_pem"] = pem.clone().into(),
        _ => {
            let member = if slot == 2 {
                "certificate_pem"
            } else {
                "public_key_pem"
            };
            config["platform_certificates"] = serde_json::json!([{ "serial_no": "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92", member: pem }]);
        }
    }
    let Ok(client) = Client::from_config_json(&config.to_string()) else {
        return;
    };
    // An accepted config builds a signed request that is wire-safe.
    let query = client.query_from_json(r#"{"out_trade_no":"A1"}"#).unwrap();
    let ctx = RequestContext::new(NOW, Nonce::new("fuzz").unwrap());
    check_request(&client.build_request(&query, &ctx).unwrap());
}

/// What must hold for key material the core accepts: RustCrypto's independent parsers accept
/// it as a key of 2048 to 8192 bits too, and an accepted private key's signature verifies
/// under the public key RustCrypto derives from the same bytes.
fn check_key_material(slot: usize, pem: &str) {
    use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
    use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
    use rsa::traits::PublicKeyParts;
    let bits_ok = |key: &rsa::RsaPublicKey| (2048..=8192).contains(&(key.n().bits()));
    match slot {
        0 => {
            let Ok(key) = RsaPrivateKey::from_pem("k", pem) else {
                return;
            };
            let (label, der) = pem_rfc7468::decode_vec(pem.trim().as_bytes()).unwrap();
            let theirs = match label {
                "RSA PRIVATE KEY" => rsa::RsaPrivateKey::from_pkcs1_der(&der).ok(),
                _ => rsa::RsaPrivateKey::from_pkcs8_der(&der).ok(),
            }
            .expect("the core accepted a private key RustCrypto refuses");
            let public = theirs.to_public_key();
            assert!(bits_ok(&public), "accepted a {}-bit key", public.n().bits());
            let signature = base64::engine::general_purpose::STANDARD
                .decode(key.sign_sha256_base64(b"payquery").unwrap())
                .unwrap();
            let verifier = rsa::pkcs1v15::VerifyingKey::<rsa::sha2::Sha256>::new(public);
            let signature = rsa::pkcs1v15::Signature::try_from(signature.as_slice()).unwrap();
            use rsa::signature::Verifier as _;
            verifier
                .verify(b"payquery", &signature)
                .expect("the core's signature does not verify under RustCrypto's view of the key");
        }
        1 | 3 => {
            let Ok(key) = RsaPublicKey::from_pem("k", pem) else {
                return;
            };
            let (label, der) = pem_rfc7468::decode_vec(pem.trim().as_bytes()).unwrap();
            let theirs = match label {
                "RSA PUBLIC KEY" => rsa::RsaPublicKey::from_pkcs1_der(&der).ok(),
                // A certificate's key: the certificate path must agree (RustCrypto has no X.509
                // reader here; slot 2 checks what can be checked of certificates).
                "CERTIFICATE" => {
                    assert!(RsaPublicKey::from_certificate_pem("k", pem).is_ok());
                    return;
                }
                _ => rsa::RsaPublicKey::from_public_key_der(&der).ok(),
            }
            .expect("the core accepted a public key RustCrypto refuses");
            assert!(bits_ok(&theirs), "accepted a {}-bit key", theirs.n().bits());
            assert!(!key.verify_sha256(b"payquery", &[0u8; 256]));
        }
        _ => {
            let Ok((_, info)) = RsaPublicKey::from_certificate_pem("k", pem) else {
                return;
            };
            assert!(
                !info.serial_hex.is_empty()
                    && info
                        .serial_hex
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase()),
                "serial {:?}",
                info.serial_hex
            );
        }
    }
}

/// The APIv3 key of the `certificates` target's client.
const API_V3_KEY: &str = "PayqueryFuzzApiV3Key000000000001";

fn certificates_client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let mut config = config(ProviderId::WechatpayEduPapay);
        config["api_v3_key"] = API_V3_KEY.into();
        config["mchid"] = "1900000109".into();
        Client::from_config_json(&config.to_string()).unwrap()
    })
}

/// Selector bit 0 clear: `rest` is a listing body as received. Set: `rest` is a certificate
/// (DER, or PEM text with bit 1), sealed as WeChat Pay seals it under a declared serial that
/// RustCrypto reads from it (bit 2: a wrong one). Whatever the core accepts must be what
/// `x509-cert` reads: the same serial and validity, an RSA key, the declared serial.
fn certificates(data: &[u8]) {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use x509_cert::der::Decode;

    let Some((selector, rest)) = data.split_first() else {
        return;
    };
    let client = certificates_client();
    let ctx = ResponseContext::new(NOW);
    let body = if selector & 1 == 0 {
        rest.to_vec()
    } else {
        let pem = if selector & 2 != 0 {
            String::from_utf8_lossy(rest).into_owned()
        } else {
            match pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, rest) {
                Ok(pem) => pem,
                Err(_) => return,
            }
        };
        let serial = pem_rfc7468::decode_vec(pem.as_bytes())
            .ok()
            .and_then(|(_, der)| x509_cert::Certificate::from_der(&der).ok())
            .map(|c| hex_upper(c.tbs_certificate.serial_number.as_bytes()))
            .unwrap_or_else(|| "01".to_owned());
        let serial = if selector & 4 != 0 {
            format!("{serial}0")
        } else {
            serial
        };
        let cipher = aes_gcm::Aes256Gcm::new_from_slice(API_V3_KEY.as_bytes()).unwrap();
        let sealed = cipher
            .encrypt(
                b"0123456789ab".into(),
                Payload {
                    msg: pem.as_bytes(),
                    aad: b"certificate",
                },
            )
            .unwrap();
        serde_json::json!({"data": [{
            "serial_no": serial,
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM", "nonce": "0123456789ab",
                "associated_data": "certificate",
                "ciphertext": base64::engine::general_purpose::STANDARD.encode(sealed),
            }
        }]})
        .to_string()
        .into_bytes()
    };
    let response = HttpResponse {
        status: 200,
        headers: Vec::new(),
        body,
    };
    let Ok(download) = client.parse_certificates_response(&response, &ctx) else {
        return;
    };
    for certificate in &download.certificates {
        let (_, der) = pem_rfc7468::decode_vec(certificate.certificate_pem.as_bytes())
            .expect("an accepted certificate is PEM");
        let parsed = x509_cert::Certificate::from_der(&der)
            .expect("an accepted certificate is X.509 to RustCrypto too");
        let tbs = &parsed.tbs_certificate;
        let serial = hex_upper(tbs.serial_number.as_bytes());
        assert_eq!(
            certificate.serial_no,
            serial.trim_start_matches('0'),
            "the serial the core read"
        );
        let secs =
            |t: x509_cert::time::Time| i64::try_from(t.to_unix_duration().as_secs()).unwrap();
        assert_eq!(certificate.not_before, secs(tbs.validity.not_before));
        assert_eq!(certificate.not_after, secs(tbs.validity.not_after));
        assert!(
            certificate.not_after >= NOW,
            "expired certificates are dropped"
        );
        assert_eq!(
            tbs.subject_public_key_info.algorithm.oid.to_string(),
            "1.2.840.113549.1.1.1",
            "only RSA keys are accepted"
        );
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The APIv3 key of the notification targets' WeChat Pay clients: the shared vectors' (their
/// `*_notify` configs are these clients), so the notification vectors seed the corpus as
/// received and still open. It must never show in a reply or an error.
const NOTIFY_API_V3_KEY: &str = "PayqueryVectorApiV3Key0000000001";
/// The merchant the notification targets' WeChat Pay clients are configured for.
const NOTIFY_MCHID: &str = "1900000001";
/// The Fubei app secret of the `notification_form` target: it must never show in an error.
const NOTIFY_FUBEI_SECRET: &str = "payquery-fuzz-fubei-app-secret-01";

/// Events a sealed `notification_wechatpay` input is sent as (byte 1 picks one), each with the
/// `original_type` WeChat Pay gives it.
const NOTIFY_EVENTS: [(&str, &str); 8] = [
    ("TRANSACTION.SUCCESS", "transaction"),
    ("TRANSACTION.FAIL", "transaction"),
    ("ENTRUST.SIGNING", "entrust"),
    ("ENTRUST.RELEASE", "entrust"),
    ("PAYSCORE.USER_PAID", "payscore"),
    ("PAYSCORE.USER_CONFIRM", "payscore"),
    ("PAYSCORE.USER_OPEN_SERVICE", "payscore"),
    ("OTHER.EVENT", ""),
];

fn notify_client(provider: ProviderId) -> &'static Client {
    static CLIENTS: OnceLock<[Client; 2]> = OnceLock::new();
    let clients = CLIENTS.get_or_init(|| {
        [
            ProviderId::WechatpayEduPapay,
            ProviderId::WechatpayPayscoreOversea,
        ]
        .map(|p| {
            let mut config = config(p);
            config["api_v3_key"] = NOTIFY_API_V3_KEY.into();
            Client::from_config_json(&config.to_string()).unwrap()
        })
    });
    &clients[usize::from(provider == ProviderId::WechatpayPayscoreOversea)]
}

/// AES-256-GCM as WeChat Pay seals a resource: base64(ciphertext || tag).
fn seal(key: &str, nonce: &[u8; 12], aad: &[u8], plain: &[u8]) -> String {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let cipher = aes_gcm::Aes256Gcm::new_from_slice(key.as_bytes()).unwrap();
    let sealed = cipher
        .encrypt(nonce.into(), Payload { msg: plain, aad })
        .unwrap();
    base64::engine::general_purpose::STANDARD.encode(sealed)
}

/// A `notification_wechatpay` input: byte 0 flags (bit 0: sign the body correctly with the
/// PUB_KEY_ID key; bit 1: the rest is a resource's plaintext, sealed under the client's APIv3
/// key into an envelope for the event byte 1 picks; bit 2: the Pay Score client, else
/// edu-papay; bit 3: the fuzzed headers come after correct signature headers rather than alone;
/// bit 4: method `GET`), byte 1 the event, bytes 2-3 the clock skew (i16 LE), then the headers
/// as the parse targets lay them out, then the body.
#[derive(Debug)]
struct Callback {
    flags: u8,
    event: u8,
    skew: i16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Callback {
    fn decode(data: &[u8]) -> Callback {
        let flags = data.first().copied().unwrap_or(0);
        let event = data.get(1).copied().unwrap_or(0);
        // The parse targets' layout from the skew on: reuse its decoder (status and flag
        // bytes zeroed in front).
        let mut rest = vec![0, 0, 0];
        rest.extend_from_slice(data.get(2..).unwrap_or_default());
        let answer = Answer::decode(&rest);
        Callback {
            flags,
            event,
            skew: answer.skew,
            headers: answer.headers,
            body: answer.body,
        }
    }
}

/// Checks one WeChat Pay notification; returns whether it was accepted (a test asserts the
/// well-formed seed is). Whatever the outcome, the reply must be the one §7 of
/// NOTIFICATIONS.md gives for it, and the APIv3 key must never show; an accepted one must
/// really be signed by the configured key over the exact body, within ±300 s, POSTed, and
/// for this merchant.
pub fn notification_wechatpay(data: &[u8]) -> bool {
    use payquery_core::{ErrorCode, NotificationRequest};

    let input = Callback::decode(data);
    let provider = if input.flags & 4 != 0 {
        ProviderId::WechatpayPayscoreOversea
    } else {
        ProviderId::WechatpayEduPapay
    };
    let body = if input.flags & 2 != 0 {
        let (event, original_type) = NOTIFY_EVENTS[usize::from(input.event % 8)];
        let aad = if input.event & 8 != 0 {
            ""
        } else {
            original_type
        };
        let ciphertext = seal(
            NOTIFY_API_V3_KEY,
            b"0123456789ab",
            aad.as_bytes(),
            &input.body,
        );
        serde_json::json!({
            "id": "EV-fuzz", "create_time": "2015-05-20T13:29:35+08:00",
            "resource_type": "encrypt-resource", "event_type": event, "summary": "fuzz",
            "resource": {"original_type": original_type, "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext, "associated_data": aad, "nonce": "0123456789ab"},
        })
        .to_string()
        .into_bytes()
    } else {
        input.body
    };
    let mut headers = input.headers;
    if input.flags & 1 != 0 {
        let mut signed = signed_headers(&body, NOW + i64::from(input.skew), "fuzz-nonce");
        if input.flags & 8 != 0 {
            signed.append(&mut headers);
        }
        headers = signed;
    }
    let request = NotificationRequest {
        method: if input.flags & 16 != 0 { "GET" } else { "POST" }.to_owned(),
        headers,
        body,
    };
    let outcome = notify_client(provider).check_notification(&request, NOW);
    let handled = match outcome {
        Ok(handled) => handled,
        Err(rejected) => {
            let (error, reply) = (rejected.error, rejected.reply);
            assert!(
                !error.message().contains(NOTIFY_API_V3_KEY),
                "key in {error}"
            );
            assert!(!reply.body.contains(NOTIFY_API_V3_KEY), "key in the reply");
            // 500 makes WeChat Pay send it again: only for what a later try can resolve (a
            // certificate serial a download may supply, a configuration).
            let statuses: &[u16] = match error.code() {
                ErrorCode::SignatureInvalid if error.field() == Some("Wechatpay-Serial") => {
                    &[401, 500]
                }
                ErrorCode::SignatureInvalid | ErrorCode::TimestampSkew => &[401],
                ErrorCode::DecodeError | ErrorCode::InvalidInput | ErrorCode::DecryptError => {
                    &[400]
                }
                _ => &[500],
            };
            assert!(
                statuses.contains(&reply.status),
                "reply status {} for {error}",
                reply.status
            );
            assert_eq!(
                reply.headers,
                [(
                    "Content-Type".to_owned(),
                    "application/json; charset=utf-8".to_owned()
                )]
            );
            // The code alone: anyone can POST to a notify URL, the reason is for the host's log;
            // a 500 says only `SYSTEM_ERROR` ("try later"), whatever its cause.
            let message = if reply.status == 500 {
                "SYSTEM_ERROR"
            } else {
                error.code().as_str()
            };
            let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
            assert_eq!(
                body,
                serde_json::json!({"code": "FAIL", "message": message}),
                "{error}"
            );
            return false;
        }
    };
    assert_eq!(handled.reply.status, 204);
    assert!(handled.reply.headers.is_empty() && handled.reply.body.is_empty());
    assert!(request.method == "POST");
    assert!(request.body.len() <= payquery_core::MAX_NOTIFICATION_BYTES);
    let notification = handled.notification;
    assert!(notification.verified);
    assert_eq!(notification.signature_serial.as_deref(), Some(PUB_KEY_ID));
    // Accepted: exactly one of each signature header, verifying over the exact body.
    let one = |name: &str| {
        let values: Vec<&String> = request
            .headers
            .iter()
            .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .collect();
        assert_eq!(values.len(), 1, "{name} accepted {} times", values.len());
        values[0].trim().to_owned()
    };
    let (ts, nonce, sig) = (
        one("Wechatpay-Timestamp"),
        one("Wechatpay-Nonce"),
        one("Wechatpay-Signature"),
    );
    let mut message = format!("{ts}\n{nonce}\n").into_bytes();
    message.extend_from_slice(&request.body);
    message.push(b'\n');
    let signature = base64::engine::general_purpose::STANDARD
        .decode(sig)
        .unwrap();
    assert!(verifying_key().verify_sha256(&message, &signature));
    assert!(NOW.abs_diff(ts.parse::<i64>().unwrap()) <= 300);
    // What it says serializes (the CLI prints it), its money is never negative, and an order
    // is this merchant's.
    let json = serde_json::to_value(&notification).unwrap();
    if let Some(order) = &notification.order {
        for money in [&order.amount, &order.paid_amount].into_iter().flatten() {
            assert!(money.minor >= 0, "negative money accepted: {money:?}");
        }
        let detail = &json["detail"];
        let merchant = detail["transaction"]["sp_mchid"]
            .as_str()
            .or_else(|| detail["service_order"]["mchid"].as_str());
        assert_eq!(
            merchant,
            Some(NOTIFY_MCHID),
            "another merchant's order: {json}"
        );
    }
    true
}

/// `application/x-www-form-urlencoded` as the harness writes it: every byte but the unreserved
/// ones as `%XX`.
fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The harness's own reading of a form, to re-check a signature the core accepted: `None`
/// for anything the core must refuse (a bad escape, non-UTF-8, a doubled name).
fn form_decode(body: &[u8]) -> Option<Vec<(String, String)>> {
    fn component(raw: &[u8]) -> Option<String> {
        let mut out = Vec::new();
        let mut bytes = raw.iter();
        while let Some(&b) = bytes.next() {
            out.push(match b {
                b'+' => b' ',
                b'%' => {
                    let hex = [*bytes.next()?, *bytes.next()?];
                    u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?
                }
                b => b,
            });
        }
        String::from_utf8(out).ok()
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &pair[..0]),
        };
        let (name, value) = (component(name)?, component(value)?);
        if fields.iter().any(|(n, _)| *n == name) {
            return None;
        }
        fields.push((name, value));
    }
    Some(fields)
}

fn fubei_notify_client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let config = serde_json::json!({"provider": "fubei", "app_id": "1", "app_secret": NOTIFY_FUBEI_SECRET});
        Client::from_config_json(&config.to_string()).unwrap()
    })
}

/// The Fubei sign of a form's fields: every field but `sign`, names in byte order, empty
/// values kept, `name=value` joined with `&`, the app secret appended, MD5 in upper-case hex.
fn fubei_notify_sign(fields: &[(String, String)]) -> String {
    let mut signed: Vec<&(String, String)> = fields.iter().filter(|(k, _)| k != "sign").collect();
    signed.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let text = signed
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    payquery_core::crypto::md5_upper_hex(format!("{text}{NOTIFY_FUBEI_SECRET}").as_bytes())
}

/// A `notification_form` input: byte 0 (bit 0: a vending delivery callback whose body is the
/// rest; else Fubei: bit 1: the rest is `data`, put in a form the harness signs correctly —
/// bit 2 writes the sign in lower case, bit 3 leaves `result_message` empty — else the rest
/// is the form body as received). Returns whether it was accepted.
pub fn notification_form(data: &[u8]) -> bool {
    use payquery_core::{ErrorCode, NotificationRequest};

    let Some((selector, rest)) = data.split_first() else {
        return false;
    };
    if selector & 1 != 0 {
        return vending_callback(rest);
    }
    let signed_here = selector & 2 != 0;
    let body = if signed_here {
        let message = if selector & 8 != 0 { "" } else { "成功" };
        let fields = vec![
            ("result_code".to_owned(), "200".to_owned()),
            ("result_message".to_owned(), message.to_owned()),
            (
                "data".to_owned(),
                String::from_utf8_lossy(rest).into_owned(),
            ),
        ];
        let mut sign = fubei_notify_sign(&fields);
        if selector & 4 != 0 {
            sign = sign.to_ascii_lowercase();
        }
        let mut form: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect();
        form.push(format!("sign={sign}"));
        form.join("&").into_bytes()
    } else {
        rest.to_vec()
    };
    let request = NotificationRequest {
        method: "POST".to_owned(),
        headers: vec![(
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        )],
        body,
    };
    let text_reply = |status: u16, body: &str| payquery_core::NotificationReply {
        status,
        headers: vec![(
            "Content-Type".to_owned(),
            "text/plain; charset=utf-8".to_owned(),
        )],
        body: body.to_owned(),
    };
    let handled = match fubei_notify_client().check_notification(&request, NOW) {
        Ok(handled) => handled,
        Err(rejected) => {
            let error = rejected.error;
            assert!(
                !error.message().contains(NOTIFY_FUBEI_SECRET),
                "secret in {error}"
            );
            // A form signed correctly here never fails its signature.
            assert!(
                !(signed_here && error.code() == ErrorCode::SignatureInvalid),
                "a correct sign refused: {error}"
            );
            let status = match error.code() {
                ErrorCode::SignatureInvalid => 401,
                ErrorCode::DecodeError | ErrorCode::InvalidInput => 400,
                _ => 500,
            };
            assert_eq!(rejected.reply, text_reply(status, "FAIL"), "{error}");
            return false;
        }
    };
    assert_eq!(handled.reply, text_reply(200, "SUCCESS"));
    // Accepted: the form reads the same to the harness, and its sign is the one computed here.
    let fields = form_decode(&request.body).expect("an accepted form is well-formed");
    let sign = fields
        .iter()
        .find(|(k, _)| k == "sign")
        .map(|(_, v)| v.clone())
        .expect("an accepted form is signed");
    assert!(
        sign.eq_ignore_ascii_case(&fubei_notify_sign(&fields)),
        "sign {sign} accepted"
    );
    let notification = handled.notification;
    serde_json::to_string(&notification).unwrap();
    assert!(notification.verified);
    let prefix = format!("fubei:{}:", notification.event_type);
    assert!(
        notification.id.starts_with(&prefix),
        "id {}",
        notification.id
    );
    match notification.event_type.as_str() {
        "pay" => {
            let order = notification
                .order
                .as_ref()
                .expect("a pay result has its order");
            for money in [&order.amount, &order.paid_amount].into_iter().flatten() {
                assert!(money.minor >= 0, "negative money accepted: {money:?}");
            }
        }
        "refund" => assert!(notification.order.is_none()),
        other => panic!("event type {other}"),
    }
    true
}

/// A vending delivery callback: unsigned, so accepted only as a hint whose confirming query
/// names the same order.
fn vending_callback(body: &[u8]) -> bool {
    use payquery_core::NotificationRequest;

    let request = NotificationRequest {
        method: "POST".to_owned(),
        headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
        body: body.to_vec(),
    };
    let handled = match client(ProviderId::DingshangVending).check_notification(&request, NOW) {
        Ok(handled) => handled,
        Err(rejected) => {
            assert_eq!(rejected.reply.body, "FAIL");
            assert_eq!(
                rejected.reply.status,
                if matches!(
                    rejected.error.code(),
                    payquery_core::ErrorCode::DecodeError | payquery_core::ErrorCode::InvalidInput
                ) {
                    400
                } else {
                    500
                }
            );
            return false;
        }
    };
    assert_eq!(
        (handled.reply.status, handled.reply.body.as_str()),
        (200, "OK")
    );
    let notification = handled.notification;
    assert!(!notification.verified && notification.order.is_none());
    let json = serde_json::to_value(&notification).unwrap();
    let order_id = json["detail"]["order_id"].as_str().unwrap().to_owned();
    assert!(
        !order_id.is_empty() && order_id.bytes().all(|b| b.is_ascii_digit()),
        "order_id {order_id}"
    );
    let confirm: serde_json::Value =
        serde_json::from_str(notification.confirm_query.as_deref().unwrap()).unwrap();
    assert_eq!(confirm, serde_json::json!({ "order_id": order_id }));
    assert!(notification
        .id
        .starts_with(&format!("dingshang:delivery:{order_id}:")));
    true
}
