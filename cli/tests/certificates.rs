//! `payquery certificates` (QUERY-FLOW.md §7's interface): the binary against the sandbox's
//! certificate endpoints — a download with `--write-dir`, both APIs, a saved answer checked
//! with `--response`, and the failures that print the error JSON and exit 1.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use payquery_cli::transport::HttpTransport;
use payquery_core::{Client, HttpRequest, Method, Nonce, RequestContext};
use serde_json::{json, Value};

const SERIAL_A: &str = "7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92";

fn run(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_payquery"))
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (out.status.code().unwrap(), json)
}

fn certificate_requests(base: &str) -> u64 {
    let transport = HttpTransport::new(Duration::from_secs(5));
    let request = HttpRequest {
        method: Method::Get,
        url: format!("{base}/__sandbox/stats"),
        headers: Vec::new(),
        body: None,
    };
    let stats: Value =
        serde_json::from_slice(&transport.send(&request, &[]).unwrap().body).unwrap();
    stats["certificate_requests"].as_u64().unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn downloads_writes_pem_files_and_checks_saved_answers() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime.block_on(payquery_sandbox::start(0)).unwrap();
    let base = sandbox.base_url();
    let dir = std::env::temp_dir().join(format!("payquery-certificates-{}", std::process::id()));
    payquery_sandbox::write_configs(&dir, &sandbox.urls()).unwrap();
    let expected_pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/keys/platform_certificate.pem"
    ))
    .unwrap();

    // Both APIs: the domestic and the Global endpoint.
    for (provider, written) in [
        ("wechatpay_edu_papay", "edu"),
        ("wechatpay_payscore_oversea", "global"),
    ] {
        let config = dir.join(format!("{provider}.auto.json"));
        let out = dir.join(format!("pem-{written}"));
        let before = certificate_requests(&base);
        let (code, json) = run(&[
            "certificates",
            "--config",
            path(&config),
            "--write-dir",
            path(&out),
        ]);
        assert_eq!(code, 0, "{json}");
        assert_eq!(json["certificates"][0]["serial_no"], SERIAL_A, "{json}");
        assert_eq!(
            json["certificates"][0]["certificate_pem"],
            expected_pem.as_str()
        );
        assert_eq!(json["attempts"][0]["purpose"], "certificates");
        assert_eq!(certificate_requests(&base), before + 1);
        let written = std::fs::read_to_string(out.join(format!("{SERIAL_A}.pem"))).unwrap();
        assert_eq!(written, expected_pem);
    }

    // A saved answer, checked without sending anything (and the same with a stale `--now`).
    let config_path = dir.join("wechatpay_edu_papay.auto.json");
    let config = std::fs::read_to_string(&config_path).unwrap();
    let client = Client::from_config_json(&config).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let now = i64::try_from(now).unwrap();
    let ctx = RequestContext::new(now, Nonce::new("N0NCE0123456789").unwrap());
    let request = client.certificates_request(&ctx).unwrap();
    let answer = HttpTransport::new(Duration::from_secs(5))
        .send(&request, &[])
        .unwrap();
    let saved = dir.join("saved.json");
    let headers: Vec<[&str; 2]> = answer
        .headers
        .iter()
        .map(|(n, v)| [n.as_str(), v.as_str()])
        .collect();
    std::fs::write(
        &saved,
        json!({"status": answer.status, "headers": headers, "body": String::from_utf8(answer.body.clone()).unwrap()}).to_string(),
    )
    .unwrap();
    let before = certificate_requests(&base);
    let (code, json) = run(&[
        "certificates",
        "--config",
        path(&config_path),
        "--response",
        path(&saved),
    ]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["certificates"][0]["serial_no"], SERIAL_A);
    assert_eq!(
        certificate_requests(&base),
        before,
        "--response sends nothing"
    );
    let stale = (now + 3600).to_string();
    let (code, json) = run(&[
        "certificates",
        "--config",
        path(&config_path),
        "--response",
        path(&saved),
        "--now",
        &stale,
    ]);
    assert_eq!(
        (code, json["error"]["code"].as_str()),
        (1, Some("TIMESTAMP_SKEW")),
        "{json}"
    );

    // A reader that goes away (`| head`): no panic (exit 101), the output is just dropped.
    let mut child = Command::new(env!("CARGO_BIN_EXE_payquery"))
        .args(["certificates", "--config", path(&config_path)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A config without `api_v3_key`: the error JSON, exit 1.
    let (code, json) = run(&[
        "certificates",
        "--config",
        path(&dir.join("wechatpay_edu_papay.json")),
    ]);
    assert_eq!(code, 1);
    assert_eq!(json["error"]["code"], "INVALID_CONFIG", "{json}");
    assert_eq!(json["error"]["field"], "api_v3_key");

    runtime.block_on(sandbox.shutdown());
    std::fs::remove_dir_all(&dir).ok();
}

/// The keeper's rows over real HTTP, as every language's suite runs them: first download,
/// reuse, a forged serial (one download, then none within the minute), a failing download
/// (the query goes on), a public-key-only merchant, and a rotation picked up (last: a sandbox
/// stays rotated).
#[test]
fn the_keeper_rows_against_the_sandbox() {
    use payquery_core::{AttemptPurpose as P, ErrorCode, ProviderId, QueryOptions};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime.block_on(payquery_sandbox::start(0)).unwrap();
    let base = sandbox.base_url();
    let transport = HttpTransport::new(Duration::from_secs(30));
    let options = QueryOptions::default();
    let setups = payquery_sandbox::client_configs(&sandbox.urls());
    for provider in [
        ProviderId::WechatpayEduPapay,
        ProviderId::WechatpayPayscoreOversea,
    ] {
        let setup = setups.iter().find(|s| s.provider == provider).unwrap();
        let auto = payquery_sandbox::auto_config(setup).unwrap();
        let client = Client::from_config_json(&auto.to_string()).unwrap();
        let query = |doc: &Value| client.query_from_json(&doc.to_string()).unwrap();
        let purposes = |r: &payquery_core::QueryResult| {
            r.attempts.iter().map(|a| a.purpose).collect::<Vec<_>>()
        };

        let before = certificate_requests(&base);
        let first =
            payquery_cli::query::run(&client, query(&setup.query), &options, &transport, &[])
                .unwrap();
        assert_eq!(purposes(&first), [P::Certificates, P::Query], "{provider}");
        assert_eq!(first.signature_serial.as_deref(), Some(SERIAL_A));
        let again =
            payquery_cli::query::run(&client, query(&setup.query), &options, &transport, &[])
                .unwrap();
        assert_eq!(
            purposes(&again),
            [P::Query],
            "{provider}: certificates reused"
        );
        assert_eq!(certificate_requests(&base), before + 1);

        // A forged serial: one download, then SIGNATURE_INVALID; again within the minute, none.
        let mut forged = setup.query.clone();
        let id_key = if provider == ProviderId::WechatpayEduPapay {
            "out_trade_no"
        } else {
            "out_order_no"
        };
        forged[id_key] = json!(payquery_sandbox::UNKNOWN_SERIAL_ORDER_ID);
        for downloads in [1, 0] {
            let before = certificate_requests(&base);
            let e = payquery_cli::query::run(&client, query(&forged), &options, &transport, &[])
                .unwrap_err();
            assert_eq!(e.code(), ErrorCode::SignatureInvalid, "{e}");
            assert_eq!(
                certificate_requests(&base),
                before + downloads,
                "{provider}"
            );
        }

        // A failing download: the held set (here the configured public key) serves the query.
        let mut failing = setup.config.clone();
        failing["mchid"] = json!("1900000500");
        failing["api_v3_key"] = auto["api_v3_key"].clone();
        let failing = Client::from_config_json(&failing.to_string()).unwrap();
        let answer = payquery_cli::query::run(
            &failing,
            failing.query_from_json(&setup.query.to_string()).unwrap(),
            &options,
            &transport,
            &[],
        )
        .unwrap();
        assert_eq!(purposes(&answer), [P::Certificates, P::Query], "{provider}");
        assert!(answer.attempts[0].error.is_some() && answer.attempts[1].error.is_none());

        // A public-key-only merchant (the ordinary config plus an APIv3 key): no failure.
        let mut public_key_only = setup.config.clone();
        public_key_only["api_v3_key"] = auto["api_v3_key"].clone();
        let public_key_only = Client::from_config_json(&public_key_only.to_string()).unwrap();
        let answer = payquery_cli::query::run(
            &public_key_only,
            public_key_only
                .query_from_json(&setup.query.to_string())
                .unwrap(),
            &options,
            &transport,
            &[],
        )
        .unwrap();
        assert_eq!(purposes(&answer), [P::Certificates, P::Query], "{provider}");
        assert!(
            answer.attempts.iter().all(|a| a.error.is_none()),
            "{:?}",
            answer.attempts
        );
    }

    // A rotation: the same client verifies the next answer after one download, no second query.
    let setup = setups
        .iter()
        .find(|s| s.provider == ProviderId::WechatpayEduPapay)
        .unwrap();
    let client =
        Client::from_config_json(&payquery_sandbox::auto_config(setup).unwrap().to_string())
            .unwrap();
    let query = || client.query_from_json(&setup.query.to_string()).unwrap();
    payquery_cli::query::run(&client, query(), &options, &transport, &[]).unwrap();
    let rotate = HttpRequest {
        method: Method::Post,
        url: format!("{base}/__sandbox/rotate"),
        headers: Vec::new(),
        body: Some(Vec::new()),
    };
    assert_eq!(transport.send(&rotate, &[]).unwrap().status, 200);
    let rotated = payquery_cli::query::run(&client, query(), &options, &transport, &[]).unwrap();
    let purposes: Vec<_> = rotated.attempts.iter().map(|a| a.purpose).collect();
    assert_eq!(purposes, [P::Query, P::Certificates]);
    assert_eq!(
        rotated.signature_serial.as_deref(),
        Some("3D1A6C2F7B5E4A09C8D2E1F0A3B4C5D6E7F80912")
    );
    runtime.block_on(sandbox.shutdown());
}
