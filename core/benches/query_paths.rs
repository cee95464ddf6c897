//! `make bench` (Rust part): what one query costs in the core, per provider path, against the
//! floor it cannot go below, measured in one process so the ratios are comparable (absolute
//! numbers move with the shared machine's load; the ratios, taken round by round, do not).
//!
//! - A WeChat Pay build is one RSA-2048 signature plus canonicalization: floor = the bare sign.
//! - A parse is JSON decoding (+ one RSA verification for WeChat Pay) plus validation and
//!   normalization: floor = `serde_json::from_slice::<Value>` of the same body (+ the bare verify).
//! - Growth: signed edu-papay answers of 10 KiB, 100 KiB and 1 MiB (hundreds of promotion
//!   details) must cost time linear in their size.
//! - A WeChat Pay notification is one RSA verification, one AES-256-GCM open and two JSON
//!   decodes: floor = those four done by hand with the same crypto (aws-lc-rs).
//!
//! Prints a table; with `PAYQUERY_BENCH_JSON=<file>` also writes the rows (every round's time)
//! for `bench/report.py`, which computes the ratios and writes BENCHMARKS.md.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::Instant;

use payquery_core::crypto::{
    compiled_rsa_backends, default_rsa_backend, RsaBackend, RsaPrivateKey, RsaPublicKey,
};
use payquery_core::{
    Client, HttpResponse, Nonce, NotificationRequest, Query, RequestContext, ResponseContext,
};
use serde_json::{json, Value};

const ROUNDS: usize = 15;

/// One measured path: its id (stable, used by the report), label and per-round µs/op.
struct Row {
    id: String,
    label: String,
    rounds_us: Vec<f64>,
}

impl Row {
    fn median(&self) -> f64 {
        let mut v = self.rounds_us.clone();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }
}

/// A path to measure: an id, a label and the work of one iteration.
struct Path<'a> {
    id: String,
    label: String,
    run: Box<dyn FnMut() + 'a>,
}

fn path<'a>(id: impl Into<String>, label: impl Into<String>, run: impl FnMut() + 'a) -> Path<'a> {
    Path {
        id: id.into(),
        label: label.into(),
        run: Box::new(run),
    }
}

/// Measures the paths of one group round-robin: round r times every path once (`iters`
/// iterations each), so a ratio between two paths of a group can be taken round by round.
fn group(iters: u32, mut paths: Vec<Path<'_>>) -> Vec<Row> {
    for p in &mut paths {
        for _ in 0..iters.clamp(1, 100) {
            (p.run)();
        }
    }
    let mut rows: Vec<Row> = paths
        .iter()
        .map(|p| Row {
            id: p.id.clone(),
            label: p.label.clone(),
            rounds_us: Vec::with_capacity(ROUNDS),
        })
        .collect();
    for _ in 0..ROUNDS {
        for (row, p) in rows.iter_mut().zip(&mut paths) {
            let start = Instant::now();
            for _ in 0..iters {
                (p.run)();
            }
            row.rounds_us
                .push(start.elapsed().as_secs_f64() * 1e6 / f64::from(iters));
        }
    }
    rows
}

/// A named vector case (`prefix` of its name) of `file`, with the client its config builds.
fn vector_case(file: &str, prefix: &str, backend: &'static dyn RsaBackend) -> (Client, Value) {
    let doc = support::vector_file(file);
    let case = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str().unwrap().starts_with(prefix))
        .unwrap_or_else(|| panic!("{file}: no case {prefix}"))
        .clone();
    let config = &doc["configs"][case["config"].as_str().unwrap()];
    (support::client_with_backend(config, backend).unwrap(), case)
}

/// The build step of a vector: its client, query and context.
fn build_case(
    file: &str,
    prefix: &str,
    backend: &'static dyn RsaBackend,
) -> (Client, Query, RequestContext) {
    let (client, case) = vector_case(file, prefix, backend);
    let step = &case["build"];
    let query = client.query_from_json(&step["query"].to_string()).unwrap();
    let ctx = RequestContext::new(
        step["timestamp"].as_i64().unwrap(),
        Nonce::new(step["nonce"].as_str().unwrap()).unwrap(),
    );
    client.build_request(&query, &ctx).unwrap();
    (client, query, ctx)
}

/// The parse step of a vector: its client, query, response and clock.
fn parse_case(
    file: &str,
    prefix: &str,
    backend: &'static dyn RsaBackend,
) -> (Client, Option<Query>, HttpResponse, ResponseContext) {
    let (client, case) = vector_case(file, prefix, backend);
    let step = &case["parse"];
    let query = step
        .get("query")
        .map(|q| client.query_from_json(&q.to_string()).unwrap());
    let response = support::response_from(&step["response"]);
    let ctx = ResponseContext::new(step["now"].as_i64().unwrap());
    client
        .parse_response(query.as_ref(), &response, &ctx)
        .unwrap();
    (client, query, response, ctx)
}

/// The WeChat Pay message a response signature covers.
fn signed_message(response: &HttpResponse) -> Vec<u8> {
    let mut message = format!(
        "{}\n{}\n",
        response.header("Wechatpay-Timestamp").unwrap(),
        response.header("Wechatpay-Nonce").unwrap()
    )
    .into_bytes();
    message.extend_from_slice(&response.body);
    message.push(b'\n');
    message
}

fn main() {
    // `PAYQUERY_BENCH_ONLY=notification` (a comma-separated list of group names: core, parse,
    // md5, growth, notification) runs only those groups: for a profiler (`perf record`), not
    // for `make bench`, whose report needs every row.
    let only = std::env::var("PAYQUERY_BENCH_ONLY").ok();
    let wanted = |name: &str| {
        only.as_deref()
            .is_none_or(|list| list.split(',').any(|n| n == name))
    };
    let mut rows = Vec::new();
    let backends = compiled_rsa_backends();
    let native = default_rsa_backend().unwrap();
    if wanted("core") {
        for backend in &backends {
            rows.extend(core_paths(*backend));
        }
    }
    if wanted("parse") {
        rows.extend(parse_floors(native));
    }
    if wanted("md5") {
        rows.extend(md5_builds(native));
    }
    if wanted("growth") {
        rows.extend(growth(native));
    }
    #[cfg(feature = "aws-lc-rs")]
    if wanted("notification") {
        rows.extend(notification(native));
    }

    println!(
        "payquery-core ({} backend(s); median of {ROUNDS} rounds; {} cores)",
        backends.len(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("{:<34} {:<64} {:>11}", "id", "path", "µs/op");
    for row in &rows {
        println!("{:<34} {:<64} {:>11.2}", row.id, row.label, row.median());
    }
    if let Ok(path) = std::env::var("PAYQUERY_BENCH_JSON") {
        let doc = json!({
            "language": "rust",
            "runtime": format!("rustc release profile, RSA backends: {}",
                backends.iter().map(|b| b.name()).collect::<Vec<_>>().join(", ")),
            "rows": rows.iter().map(|r| json!({"id": r.id, "label": r.label, "rounds_us": r.rounds_us})).collect::<Vec<_>>(),
        });
        std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
}

/// Build and parse for edu-papay and Fubei against the bare RSA primitives, per backend.
fn core_paths(backend: &'static dyn RsaBackend) -> Vec<Row> {
    let name = backend.name();
    let key =
        RsaPrivateKey::from_pem_with("k", &support::key_pem("merchant_private_key.pem"), backend)
            .unwrap();
    let (edu, edu_query, edu_ctx) =
        build_case("wechatpay_edu_papay.json", "build: seed example", backend);
    let message = edu
        .prepare_request(&edu_query, &edu_ctx)
        .unwrap()
        .string_to_sign()
        .as_bytes()
        .to_vec();
    let (edu_p, edu_pq, edu_response, edu_now) =
        parse_case("wechatpay_edu_papay.json", "parse: seed example", backend);
    let public =
        RsaPublicKey::from_pem_with("p", &support::key_pem("wechatpay_public_key.pem"), backend)
            .unwrap();
    let signed = signed_message(&edu_response);
    let signature = base64_decode(edu_response.header("Wechatpay-Signature").unwrap());
    assert!(public.verify_sha256(&signed, &signature));

    let slow = name != "aws-lc-rs";
    let (sign_iters, verify_iters) = if slow { (10, 40) } else { (100, 1000) };
    let id = |s: &str| format!("{name}.{s}");
    let label = |s: &str| format!("{s} [{name}]");
    let mut rows = group(
        sign_iters,
        vec![
            path(
                id("rsa_sign"),
                label("RSA-2048 PKCS#1 v1.5 SHA-256 sign (bare)"),
                || {
                    black_box(key.sign_sha256_base64(black_box(&message)).unwrap());
                },
            ),
            path(
                id("edu_build"),
                label("edu-papay build_request (canonicalize, sign, headers)"),
                || {
                    black_box(edu.build_request(&edu_query, &edu_ctx).unwrap());
                },
            ),
        ],
    );
    rows.extend(group(
        verify_iters,
        vec![
            path(id("rsa_verify"), label("RSA-2048 verify (bare)"), || {
                black_box(public.verify_sha256(black_box(&signed), &signature));
            }),
            path(
                id("edu_parse"),
                label("edu-papay parse_response (limits, verify, decode, normalize)"),
                || {
                    black_box(
                        edu_p
                            .parse_response(edu_pq.as_ref(), &edu_response, &edu_now)
                            .unwrap(),
                    );
                },
            ),
        ],
    ));
    rows
}

/// Each provider's seed answer: parse_response vs serde_json's `Value` decode of the same body
/// (+ the bare RSA verify where the provider signs its answers).
fn parse_floors(backend: &'static dyn RsaBackend) -> Vec<Row> {
    let public =
        RsaPublicKey::from_pem_with("p", &support::key_pem("wechatpay_public_key.pem"), backend)
            .unwrap();
    let providers = [
        ("edu", "wechatpay_edu_papay.json", true),
        ("payscore", "wechatpay_payscore_oversea.json", true),
        ("mini", "wechat_mini_charge.json", false),
        ("fubei", "fubei.json", false),
        ("ds", "dingshang_vending.json", false),
    ];
    let mut rows = Vec::new();
    for (short, file, signed) in providers {
        let (client, query, response, now) = parse_case(file, "parse: seed example", backend);
        let message = signed_message_if(&response, signed);
        let signature = if signed {
            base64_decode(response.header("Wechatpay-Signature").unwrap())
        } else {
            Vec::new()
        };
        if signed {
            assert!(public.verify_sha256(&message, &signature), "{file}");
        }
        let floor_label = if signed {
            "serde_json::from_slice::<Value> + bare RSA verify"
        } else {
            "serde_json::from_slice::<Value>"
        };
        let iters = if signed { 1000 } else { 20_000 };
        let body = response.body.clone();
        rows.extend(group(
            iters,
            vec![
                path(
                    format!("floor_parse.{short}"),
                    format!("{short}: {floor_label}"),
                    || {
                        black_box(serde_json::from_slice::<Value>(black_box(&body)).unwrap());
                        if signed {
                            black_box(public.verify_sha256(&message, &signature));
                        }
                    },
                ),
                path(
                    format!("parse.{short}"),
                    format!("{short}: parse_response (verify, decode, normalize)"),
                    || {
                        black_box(
                            client
                                .parse_response(query.as_ref(), &response, &now)
                                .unwrap(),
                        );
                    },
                ),
            ],
        ));
    }
    rows
}

fn signed_message_if(response: &HttpResponse, signed: bool) -> Vec<u8> {
    if signed {
        signed_message(response)
    } else {
        Vec::new()
    }
}

/// The MD5 providers' builds (and the access-token provider's): no RSA, so this is the core's
/// own cost — canonical strings, MD5, JSON envelope — and the boundary cost baseline.
fn md5_builds(backend: &'static dyn RsaBackend) -> Vec<Row> {
    let (fubei, fq, fctx) = build_case("fubei.json", "build: seed request", backend);
    let (ds, dq, dctx) = build_case("dingshang_vending.json", "build: seed machine", backend);
    let (mini, mq, mctx) = build_case("wechat_mini_charge.json", "build: seed example", backend);
    group(
        20_000,
        vec![
            path(
                "build.fubei",
                "fubei build_request (biz_content, MD5 sign, envelope)",
                || {
                    black_box(fubei.build_request(&fq, &fctx).unwrap());
                },
            ),
            path(
                "build.ds",
                "dingshang_vending build_request (sorted form, MD5 sign)",
                || {
                    black_box(ds.build_request(&dq, &dctx).unwrap());
                },
            ),
            path(
                "build.mini",
                "wechat_mini_charge build_request (access token, JSON body)",
                || {
                    black_box(mini.build_request(&mq, &mctx).unwrap());
                },
            ),
        ],
    )
}

/// Signed edu-papay answers of about 10 KiB, 100 KiB and 1 MiB: the seed answer with enough
/// promotion details, signed with the test platform key, parsed by a client whose body limit
/// is 2 MiB. Floor: serde_json's `Value` decode + the bare verify of the same bytes.
fn growth(backend: &'static dyn RsaBackend) -> Vec<Row> {
    let doc = support::vector_file("wechatpay_edu_papay.json");
    let mut config = doc["configs"]["edu"].clone();
    config["max_response_bytes"] = json!(2 * 1024 * 1024);
    let client = support::client_with_backend(&config, backend).unwrap();
    let (_, seed) = vector_case("wechatpay_edu_papay.json", "parse: seed example", backend);
    let seed_body: Value =
        serde_json::from_str(seed["parse"]["response"]["body"].as_str().unwrap()).unwrap();
    let promotion = seed_body["promotion_detail"][0].clone();
    let platform =
        RsaPrivateKey::from_pem_with("k", &support::key_pem("wechatpay_private_key.pem"), backend)
            .unwrap();
    let public =
        RsaPublicKey::from_pem_with("p", &support::key_pem("wechatpay_public_key.pem"), backend)
            .unwrap();
    let query = client
        .query_from_json(r#"{"out_trade_no":"201407033233368018"}"#)
        .unwrap();
    let now = ResponseContext::new(1_700_000_000);
    let mut rows = Vec::new();
    for (kib, label) in [(10, "10 KiB"), (100, "100 KiB"), (1024, "1 MiB")] {
        let mut body = seed_body.clone();
        let one = serde_json::to_vec(&promotion).unwrap().len() + 1;
        let count = (kib * 1024 - 700) / one;
        body["promotion_detail"] = Value::Array(
            (0..count)
                .map(|i| {
                    let mut p = promotion.clone();
                    p["coupon_id"] = json!(format!("{}", 100_000 + i));
                    p
                })
                .collect(),
        );
        let body = serde_json::to_vec(&body).unwrap();
        let (timestamp, nonce) = ("1700000000", "growthbench");
        let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
        message.extend_from_slice(&body);
        message.push(b'\n');
        let signature_b64 = platform.sign_sha256_base64(&message).unwrap();
        let signature = base64_decode(&signature_b64);
        let response = HttpResponse::new(
            200,
            vec![
                ("Content-Type".into(), "application/json".into()),
                ("Wechatpay-Nonce".into(), nonce.into()),
                ("Wechatpay-Timestamp".into(), timestamp.into()),
                (
                    "Wechatpay-Serial".into(),
                    "PUB_KEY_ID_0119000000012025010100000000000001".into(),
                ),
                ("Wechatpay-Signature".into(), signature_b64),
            ],
            body.clone(),
        );
        client
            .parse_response(Some(&query), &response, &now)
            .unwrap();
        let iters = (2_000 / kib).max(5) as u32;
        rows.extend(group(
            iters,
            vec![
                path(
                    format!("growth_floor.{kib}k"),
                    format!(
                        "{label} ({} B, {count} promotions): Value decode + verify",
                        body.len()
                    ),
                    || {
                        black_box(serde_json::from_slice::<Value>(black_box(&body)).unwrap());
                        black_box(public.verify_sha256(&message, &signature));
                    },
                ),
                path(
                    format!("growth.{kib}k"),
                    format!("{label} ({} B): edu-papay parse_response", body.len()),
                    || {
                        black_box(
                            client
                                .parse_response(Some(&query), &response, &now)
                                .unwrap(),
                        );
                    },
                ),
            ],
        ));
    }
    rows
}

/// A WeChat Pay edu-papay `TRANSACTION.SUCCESS` notification built as WeChat Pay builds one
/// (RSA over `TS\nNONCE\nBODY\n` with the platform certificate's key, the resource sealed with
/// RustCrypto `aes-gcm` under the APIv3 key), checked by `Client::check_notification` with a
/// client holding that certificate, against the floor a hand-written handler cannot go below:
/// `serde_json` decode of the envelope, the signed message built and its signature verified,
/// the ciphertext base64-decoded and opened, and the plaintext decoded. The floor uses the
/// crypto the client uses in this build: aws-lc-rs (`default_rsa_backend` when the `aws-lc-rs`
/// feature is on, as under `--features pure-rust-rsa`), the RSA through the same one-call
/// wrapper as every other floor here, AES-256-GCM through aws-lc-rs's `LessSafeKey` directly.
#[cfg(feature = "aws-lc-rs")]
fn notification(backend: &'static dyn RsaBackend) -> Vec<Row> {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce as GcmNonce, UnboundKey, AES_256_GCM};
    use base64::Engine as _;

    const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
    const API_V3_KEY: &str = "PayqueryBenchApiV3Key00000000001";
    const SERIAL: &str = "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92";
    const NOW: i64 = 1_700_000_000;
    assert_eq!(backend.name(), "aws-lc-rs", "the floor below is aws-lc-rs");

    let client = support::client_with_backend(
        &json!({
            "provider": "wechatpay_edu_papay",
            "mchid": "1900000109",
            "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
            "merchant_private_key_path": "keys/merchant_private_key.pem",
            "platform_certificates": [
                {"serial_no": SERIAL, "certificate_path": "keys/platform_certificate.pem"}
            ],
            "api_v3_key": API_V3_KEY,
        }),
        backend,
    )
    .unwrap();
    // The resource: the documented transaction of the seed answer (a promotion detail, the
    // payer, the device), for this client's merchant.
    let (_, seed) = vector_case("wechatpay_edu_papay.json", "parse: seed example", backend);
    let mut transaction: Value =
        serde_json::from_str(seed["parse"]["response"]["body"].as_str().unwrap()).unwrap();
    transaction["sp_mchid"] = json!("1900000109");
    let transaction = transaction.to_string();
    let (gcm_nonce, aad) = ("fdasflkja484", "transaction");
    let sealed = aes_gcm::Aes256Gcm::new_from_slice(API_V3_KEY.as_bytes())
        .unwrap()
        .encrypt(
            gcm_nonce.as_bytes().into(),
            Payload {
                msg: transaction.as_bytes(),
                aad: aad.as_bytes(),
            },
        )
        .unwrap();
    let body = json!({
        "id": "EV-2018022511223320873",
        "create_time": "2023-11-14T22:13:21+08:00",
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": {
            "original_type": "transaction",
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": B64.encode(sealed),
            "associated_data": aad,
            "nonce": gcm_nonce,
        },
    })
    .to_string()
    .into_bytes();
    let (timestamp, nonce) = (NOW.to_string(), "5K8264ILTKCH16CQ2502SI8ZNMTM67VS");
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(&body);
    message.push(b'\n');
    let platform = RsaPrivateKey::from_pem_with(
        "k",
        &support::key_pem("platform_cert_private_key.pem"),
        backend,
    )
    .unwrap();
    let signature = platform.sign_sha256_base64(&message).unwrap();
    let request = NotificationRequest {
        method: "POST".into(),
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("Wechatpay-Nonce".into(), nonce.into()),
            ("Wechatpay-Signature".into(), signature.clone()),
            ("Wechatpay-Timestamp".into(), timestamp.clone()),
            ("Wechatpay-Serial".into(), SERIAL.into()),
            (
                "Wechatpay-Signature-Type".into(),
                "WECHATPAY2-SHA256-RSA2048".into(),
            ),
        ],
        body: body.clone(),
    };
    let handled = client.check_notification(&request, NOW).unwrap();
    assert_eq!(handled.reply.status, 204);
    assert!(handled.notification.order.is_some());

    let (public, _) = RsaPublicKey::from_certificate_pem_with(
        "p",
        &support::key_pem("platform_certificate.pem"),
        backend,
    )
    .unwrap();
    let aead = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, API_V3_KEY.as_bytes()).unwrap());
    let floor = || -> Value {
        let envelope: Value = serde_json::from_slice(&body).unwrap();
        let mut signed = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
        signed.extend_from_slice(timestamp.as_bytes());
        signed.push(b'\n');
        signed.extend_from_slice(nonce.as_bytes());
        signed.push(b'\n');
        signed.extend_from_slice(&body);
        signed.push(b'\n');
        assert!(public.verify_sha256(&signed, &B64.decode(&signature).unwrap()));
        let resource = &envelope["resource"];
        let text = |key: &str| resource[key].as_str().unwrap().as_bytes();
        let mut in_out = B64.decode(text("ciphertext")).unwrap();
        let plain = aead
            .open_in_place(
                GcmNonce::try_assume_unique_for_key(text("nonce")).unwrap(),
                Aad::from(text("associated_data")),
                &mut in_out,
            )
            .unwrap();
        serde_json::from_slice(plain).unwrap()
    };
    assert_eq!(floor()["out_trade_no"], "201407033233368018");
    group(
        1000,
        vec![
            path(
                "notify_floor.edu",
                "edu-papay notification: Value decode + verify + AES-256-GCM open + Value decode (aws-lc-rs)",
                || {
                    black_box(floor());
                },
            ),
            path(
                "notify.edu",
                "edu-papay notification: Client::check_notification (verify, decrypt, type, reply)",
                || {
                    black_box(client.check_notification(black_box(&request), NOW).unwrap());
                },
            ),
        ],
    )
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}
