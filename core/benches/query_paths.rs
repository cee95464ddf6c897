//! `make bench`: what one query costs in the core, per provider path, measured in one run so
//! the ratios are comparable (absolute numbers move with the machine's load).
//!
//! The interesting ratio is the core's overhead over the raw RSA primitive it cannot avoid:
//! a WeChat Pay build is one RSA-2048 signature plus canonicalization; a parse is one
//! verification plus JSON decoding and normalization.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use payquery_core::crypto::{compiled_rsa_backends, RsaBackend, RsaPrivateKey, RsaPublicKey};
use payquery_core::{Client, Nonce, RequestContext, ResponseContext};
use serde_json::Value;

/// Median time per iteration over `rounds` rounds of `iters` iterations.
fn measure(iters: u32, rounds: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..iters.min(100) {
        f();
    }
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            start.elapsed() / iters
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

/// A named vector case with the client its config builds on `backend`.
fn vector_case(file: &str, name_prefix: &str, backend: &dyn RsaBackend) -> (Client, Value) {
    let doc = support::vector_file(file);
    let case = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str().unwrap().starts_with(name_prefix))
        .unwrap()
        .clone();
    let config = &doc["configs"][case["config"].as_str().unwrap()];
    (support::client_with_backend(config, backend).unwrap(), case)
}

fn main() {
    for backend in compiled_rsa_backends() {
        run(backend);
        println!();
    }
}

fn run(backend: &dyn RsaBackend) {
    let key =
        RsaPrivateKey::from_pem_with("k", &support::key_pem("merchant_private_key.pem"), backend)
            .unwrap();
    let public =
        RsaPublicKey::from_pem_with("p", &support::key_pem("merchant_public_key.pem"), backend)
            .unwrap();
    let message = b"GET\n/v3/edu-papay/transactions/out-trade-no/201407033233368018\n1700000000\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n\n";
    let signature = base64_decode(&key.sign_sha256_base64(message).unwrap());

    let ctx = RequestContext::new(
        1_700_000_000,
        Nonce::new("5K8264ILTKCH16CQ2502SI8ZNMTM67VS").unwrap(),
    );
    let now = ResponseContext::new(1_700_000_000);
    let (edu, edu_build) = vector_case("wechatpay_edu_papay.json", "build: seed example", backend);
    let edu_query = edu
        .query_from_json(&edu_build["build"]["query"].to_string())
        .unwrap();
    let (_, edu_parse) = vector_case("wechatpay_edu_papay.json", "parse: seed example", backend);
    let edu_response = support::response_from(&edu_parse["parse"]["response"]);
    let (fubei, fubei_build) = vector_case("fubei.json", "build: seed request", backend);
    let fubei_query = fubei
        .query_from_json(&fubei_build["build"]["query"].to_string())
        .unwrap();
    let (_, fubei_parse) = vector_case("fubei.json", "parse: seed example", backend);
    let fubei_response = support::response_from(&fubei_parse["parse"]["response"]);

    let rows = [
        (
            "RSA-2048 sign (raw)",
            measure(200, 15, || {
                black_box(key.sign_sha256_base64(black_box(message)).unwrap());
            }),
        ),
        (
            "RSA-2048 verify (raw)",
            measure(2000, 15, || {
                black_box(public.verify_sha256(black_box(message), &signature));
            }),
        ),
        (
            "wechatpay_edu_papay build_request",
            measure(200, 15, || {
                black_box(edu.build_request(&edu_query, &ctx).unwrap());
            }),
        ),
        (
            "wechatpay_edu_papay parse_response",
            measure(2000, 15, || {
                black_box(edu.parse_response(None, &edu_response, &now).unwrap());
            }),
        ),
        (
            "fubei build_request (MD5)",
            measure(20000, 15, || {
                black_box(fubei.build_request(&fubei_query, &ctx).unwrap());
            }),
        ),
        (
            "fubei parse_response (yuan -> fen)",
            measure(20000, 15, || {
                black_box(fubei.parse_response(None, &fubei_response, &now).unwrap());
            }),
        ),
    ];
    println!(
        "payquery-core query paths, RSA backend `{}` (median of 15 rounds, one process, {} cores)",
        backend.name(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!("{:<40} {:>12}", "path", "µs/op");
    for (name, t) in &rows {
        println!("{name:<40} {:>12.2}", t.as_secs_f64() * 1e6);
    }
    let ratio = |a: usize, b: usize| rows[a].1.as_secs_f64() / rows[b].1.as_secs_f64();
    println!();
    println!("edu build / raw RSA sign       = {:.2}x", ratio(2, 0));
    println!("edu parse / raw RSA verify     = {:.2}x", ratio(3, 1));
    println!("fubei parse / edu parse        = {:.2}x", ratio(5, 3));
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}
