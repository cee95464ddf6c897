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
