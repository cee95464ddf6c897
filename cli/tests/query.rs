//! The one-call query over real HTTP against the sandbox, every provider, every policy row the
//! sandbox can show (QUERY-FLOW.md, "Tests that prove it"): the same scenarios every language's
//! driver runs. Providers run side by side, each on its own thread.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use payquery_cli::transport::HttpTransport;
use payquery_core::{
    AttemptPurpose, Client, ErrorCode, HostRole, ProviderId, QueryOptions, QueryResult,
    TransportFailure,
};
use payquery_sandbox::{
    client_configs, failover_config, settling_query, SandboxUrls, FAULT_HEADER,
};
use serde_json::Value;

fn sandbox() -> (tokio::runtime::Runtime, payquery_sandbox::RunningSandbox) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime.block_on(payquery_sandbox::start(0)).unwrap();
    (runtime, sandbox)
}

fn client(config: &Value) -> Client {
    Client::from_config_json(&config.to_string()).unwrap()
}

fn query(
    config: &Value,
    query: &Value,
    options: &QueryOptions,
    fault: Option<&str>,
) -> Result<QueryResult, payquery_core::Error> {
    let client = client(config);
    let query = client.query_from_json(&query.to_string()).unwrap();
    let headers: Vec<(&str, &str)> = fault.map(|f| (FAULT_HEADER, f)).into_iter().collect();
    let transport = HttpTransport::new(Duration::from_secs(60));
    payquery_cli::query::run(&client, query, options, &transport, &headers)
}

fn token_requests(urls: &SandboxUrls) -> u64 {
    let transport = HttpTransport::new(Duration::from_secs(5));
    let request = payquery_core::HttpRequest {
        method: payquery_core::Method::Get,
        url: format!("{}/__sandbox/stats", urls.main),
        headers: Vec::new(),
        body: None,
    };
    let response = transport.send(&request, &[]).unwrap();
    let stats: Value = serde_json::from_slice(&response.body).unwrap();
    stats["token_requests"].as_u64().unwrap()
}

fn scenarios(urls: &SandboxUrls, provider: ProviderId) {
    let setup = client_configs(urls)
        .into_iter()
        .find(|s| s.provider == provider)
        .unwrap();
    let (config, paid) = (&setup.config, &setup.query);
    let defaults = QueryOptions::default();
    let signs = matches!(
        provider,
        ProviderId::WechatpayEduPapay | ProviderId::WechatpayPayscoreOversea
    );

    // A plain query: one attempt.
    let result = query(config, paid, &defaults, None).unwrap();
    assert_eq!(result.order.status.as_str(), "PAID", "{provider}");
    assert_eq!(result.attempts.len(), 1, "{provider}");

    // The main host fails at the transport level: the answer comes from the backup.
    let result = query(&failover_config(urls, &setup), paid, &defaults, None).unwrap();
    assert_eq!(result.order.status.as_str(), "PAID", "{provider}");
    let a = &result.attempts;
    assert_eq!(a.len(), 2, "{provider}: {a:?}");
    assert_eq!(
        (a[0].host, a[0].error),
        (HostRole::Main, Some(ErrorCode::NetworkError)),
        "{provider}"
    );
    assert!(a[0].transport.is_some(), "{provider}");
    assert_eq!(
        (a[1].host, a[1].error),
        (HostRole::Backup, None),
        "{provider}"
    );

    // The main host's load balancer answers 503: the backup answers.
    let result = query(config, paid, &defaults, Some("unavailable")).unwrap();
    let a = &result.attempts;
    assert_eq!(
        (a[0].http_status, a[0].host, a[1].host),
        (Some(503), HostRole::Main, HostRole::Backup),
        "{provider}"
    );

    // Rate limited: retried after Retry-After (1 s), never on the backup, RATE_LIMITED at the
    // 3 s deadline with every attempt listed.
    let started = Instant::now();
    let three_seconds = QueryOptions {
        deadline_ms: Some(3_000),
        ..QueryOptions::default()
    };
    let e = query(config, paid, &three_seconds, Some("rate_limit")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::RateLimited, "{provider}: {e}");
    assert!(e.attempts().len() >= 2, "{provider}: {:?}", e.attempts());
    assert!(
        e.attempts().iter().all(|a| a.host == HostRole::Main),
        "{provider}: never failed over"
    );
    assert!(
        started.elapsed() < Duration::from_millis(3_500),
        "{provider}: the deadline holds"
    );

    // A system error: failed over, backed off, PROVIDER_ERROR and still retryable.
    let e = query(config, paid, &defaults, Some("system_error")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::ProviderError, "{provider}: {e}");
    assert!(e.is_retryable());
    assert_eq!(e.attempts().len(), 3, "{provider}");
    assert_eq!(e.attempts()[1].host, HostRole::Backup, "{provider}");

    // Slow, with a 0.5 s timeout: NETWORK_ERROR after a failover attempt.
    let impatient = QueryOptions {
        timeout_ms: Some(500),
        ..QueryOptions::default()
    };
    let e = query(config, paid, &impatient, Some("slow")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NetworkError, "{provider}: {e}");
    assert_eq!(
        e.attempts()[0].transport,
        Some(TransportFailure::Timeout),
        "{provider}"
    );
    assert_eq!(e.attempts()[1].host, HostRole::Backup, "{provider}");

    // A forged or stale answer: the error after exactly one attempt.
    if signs {
        for (fault, code) in [
            ("bad_signature", ErrorCode::SignatureInvalid),
            ("stale_timestamp", ErrorCode::TimestampSkew),
        ] {
            let e = query(config, paid, &defaults, Some(fault)).unwrap_err();
            assert_eq!(e.code(), code, "{provider} {fault}");
            assert_eq!(
                e.attempts().len(),
                1,
                "{provider} {fault}: never retried, never failed over"
            );
        }
    }

    // An order that settles, in poll mode: PAID after three queries.
    let polling = QueryOptions {
        poll: true,
        poll_intervals_ms: Some(vec![100]),
        ..QueryOptions::default()
    };
    let result = query(config, &settling_query(provider).unwrap(), &polling, None).unwrap();
    assert_eq!(result.order.status.as_str(), "PAID", "{provider}");
    assert_eq!(result.attempts.len(), 3, "{provider}");
    assert!(result.settled);
}

#[test]
fn every_provider_through_every_policy_row() {
    let (_runtime, sandbox) = sandbox();
    let urls = sandbox.urls();
    std::thread::scope(|s| {
        for provider in ProviderId::ALL {
            let urls = &urls;
            s.spawn(move || scenarios(urls, provider));
        }
    });
}

#[test]
fn mini_program_tokens_single_flight_and_refresh() {
    let (_runtime, sandbox) = sandbox();
    let urls = sandbox.urls();
    let setup = client_configs(&urls)
        .into_iter()
        .find(|s| s.provider == ProviderId::WechatMiniCharge)
        .unwrap();
    // 200 concurrent cold queries on one client without access_token: one token request.
    let mut no_token = setup.config.clone();
    no_token.as_object_mut().unwrap().remove("access_token");
    let shared = client(&no_token);
    let before = token_requests(&urls);
    std::thread::scope(|s| {
        for _ in 0..200 {
            let (shared, paid) = (&shared, &setup.query);
            s.spawn(move || {
                let query = shared.query_from_json(&paid.to_string()).unwrap();
                let transport = HttpTransport::new(Duration::from_secs(30));
                let result = payquery_cli::query::run(
                    shared,
                    query,
                    &QueryOptions::default(),
                    &transport,
                    &[],
                )
                .unwrap();
                assert_eq!(result.order.status.as_str(), "PAID");
            });
        }
    });
    assert_eq!(
        token_requests(&urls) - before,
        1,
        "one token for 200 cold queries"
    );

    // The expired token: one refresh, one retry, PAID.
    let mut expired = setup.config.clone();
    expired["access_token"] =
        Value::String(payquery_sandbox::seed::MINI_EXPIRED_ACCESS_TOKEN.to_owned());
    let before = token_requests(&urls);
    let result = query(&expired, &setup.query, &QueryOptions::default(), None).unwrap();
    assert_eq!(result.order.status.as_str(), "PAID");
    let purposes: Vec<_> = result
        .attempts
        .iter()
        .map(|a| (a.purpose, a.error))
        .collect();
    assert_eq!(
        purposes,
        [
            (AttemptPurpose::Query, Some(ErrorCode::TokenExpired)),
            (AttemptPurpose::Token, None),
            (AttemptPurpose::Query, None),
        ]
    );
    assert_eq!(token_requests(&urls) - before, 1);
}

#[test]
fn the_query_command_prints_the_result_or_the_error_with_attempts() {
    let (_runtime, sandbox) = sandbox();
    let dir = std::env::temp_dir().join(format!("payquery-query-{}", std::process::id()));
    payquery_sandbox::write_configs(&dir, &sandbox.urls()).unwrap();
    let bin = env!("CARGO_BIN_EXE_payquery");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .arg("query")
            .args(args)
            .output()
            .unwrap();
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), json)
    };
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let (code, out) = run(&[
        "--config",
        &path("fubei.failover.json"),
        "--query",
        &path("fubei.query.json"),
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out["order"]["status"], "PAID");
    assert_eq!(out["attempts"][1]["host"], "backup");
    assert_eq!(out["settled"], true);
    let (code, out) = run(&[
        "--config",
        &path("fubei.json"),
        "--query",
        &path("fubei.settling.query.json"),
        "--poll",
        "--poll-interval",
        "0.1",
        "--deadline",
        "5",
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out["attempts"].as_array().unwrap().len(), 3);
    let (code, out) = run(&[
        "--config",
        &path("fubei.failover.json"),
        "--query",
        &path("fubei.query.json"),
        "--timeout",
        "0.3",
    ]);
    assert_eq!(code, Some(0), "{out}");
    // No backup and a dead host: NETWORK_ERROR with every attempt, exit 1.
    let mut dead_only: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("fubei.failover.json")).unwrap())
            .unwrap();
    dead_only["backup_base_url"] = Value::Null;
    std::fs::write(dir.join("dead.json"), dead_only.to_string()).unwrap();
    let (code, out) = run(&[
        "--config",
        &path("dead.json"),
        "--query",
        &path("fubei.query.json"),
        "--deadline",
        "0.4",
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(out["error"]["code"], "NETWORK_ERROR");
    assert!(!out["error"]["attempts"].as_array().unwrap().is_empty());
    let usage = std::process::Command::new(bin)
        .args(["query", "--config", "x", "--query", "y", "--timeout", "-1"])
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}
