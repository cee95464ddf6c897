//! Real HTTP round trips on 127.0.0.1: core-built requests, sent with an ordinary client to the
//! sandbox (which re-verifies them from the raw bytes), answers parsed and verified by the core.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use payquery_cli::transport::HttpTransport;
use payquery_core::{
    Client, Error, HttpRequest, Nonce, ParsedResponse, ProviderId, QueryResult, RequestContext,
    ResponseContext,
};
use payquery_sandbox::{client_configs, fault_query, seed, Fault, RunningSandbox, FAULT_HEADER};
use serde_json::{json, Value};

struct Harness {
    runtime: tokio::runtime::Runtime,
    sandbox: Option<RunningSandbox>,
    transport: HttpTransport,
}

impl Harness {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime.block_on(payquery_sandbox::start(0)).unwrap();
        Harness {
            runtime,
            sandbox: Some(sandbox),
            transport: HttpTransport::new(Duration::from_secs(10)),
        }
    }

    fn config(&self, provider: ProviderId) -> Value {
        client_configs(&self.sandbox.as_ref().unwrap().urls())
            .into_iter()
            .find(|s| s.provider == provider)
            .unwrap()
            .config
    }

    fn paid_query(&self, provider: ProviderId) -> Value {
        client_configs(&self.sandbox.as_ref().unwrap().urls())
            .into_iter()
            .find(|s| s.provider == provider)
            .unwrap()
            .query
    }

    fn build(&self, config: &Value, query: &Value) -> (Client, payquery_core::Query, HttpRequest) {
        let client = Client::from_config_json(&config.to_string()).unwrap();
        let q = client.query_from_json(&query.to_string()).unwrap();
        let ctx = RequestContext::new(
            now(),
            Nonce::new("RoundTrip0123456789abcdefghijKLM").unwrap(),
        );
        let request = client.build_request(&q, &ctx).unwrap();
        (client, q, request)
    }

    fn exchange_with(
        &self,
        config: &Value,
        query: &Value,
        headers: &[(&str, &str)],
    ) -> Result<ParsedResponse, Error> {
        let (client, q, request) = self.build(config, query);
        let response = self.transport.send(&request, headers).unwrap();
        client.parse_response(Some(&q), &response, &ResponseContext::new(now()))
    }

    fn order(&self, config: &Value, query: &Value) -> Result<QueryResult, Error> {
        match self.exchange_with(config, query, &[])? {
            ParsedResponse::Order(r) => Ok(r),
            other => panic!("expected an order, got {other:?}"),
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(s) = self.sandbox.take() {
            self.runtime.block_on(s.shutdown());
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn every_seeded_order_of_every_provider_round_trips() {
    let h = Harness::start();
    let seeded = seed::seeded_orders();
    assert!(seeded.len() >= 35, "{} seeded orders", seeded.len());
    for provider in ProviderId::ALL {
        assert!(
            seeded.iter().any(|o| o.provider == provider),
            "{provider} has no seeded orders"
        );
    }
    let mut delivery_statuses = std::collections::BTreeSet::new();
    let mut invoice_statuses = std::collections::BTreeSet::new();
    for s in seeded {
        let result = h
            .order(&h.config(s.provider), &s.query)
            .unwrap_or_else(|e| panic!("{} {}: {e}", s.provider, s.query));
        let order = serde_json::to_value(&result.order).unwrap();
        assert_eq!(
            order["status"], s.expected_status,
            "{} {}",
            s.provider, s.query
        );
        assert_eq!(
            order["amount"],
            json!({"minor": s.expected_amount_minor, "currency": s.expected_currency}),
            "{}",
            s.query
        );
        assert_eq!(order["flags"], json!(s.expected_flags), "{}", s.query);
        assert_eq!(order["provider"], s.provider.as_str());
        let detail = serde_json::to_value(&result.detail).unwrap();
        for record in detail["records"].as_array().into_iter().flatten() {
            if let Some(status) = record["status"].as_str() {
                delivery_statuses.insert(status.to_owned());
            }
        }
        if let Some(status) = detail["invoiceInfo"]["invoiceStatus"].as_i64() {
            invoice_statuses.insert(status);
        }
    }
    // Every documented vending delivery status and Mini Program invoice status went through.
    let all_deliveries = [
        "IS_DELIVERING",
        "IS_FAILED",
        "IS_PICKED_UP",
        "IS_REFUND",
        "IS_SUCCESS",
        "IS_TIMEOUT",
        "WAITING_PICKED_UP",
    ];
    assert_eq!(
        delivery_statuses
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        all_deliveries
    );
    assert_eq!(
        invoice_statuses.into_iter().collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
}

#[test]
fn faults_become_the_right_typed_errors() {
    let h = Harness::start();
    for provider in ProviderId::ALL {
        let config = h.config(provider);
        let query = h.paid_query(provider);
        let fault = |name: &str| {
            h.exchange_with(&config, &query, &[(FAULT_HEADER, name)])
                .unwrap_err()
        };

        let e = fault("rate_limit");
        assert_eq!(e.code().as_str(), "RATE_LIMITED", "{provider}: {e}");
        assert!(e.is_retryable(), "{provider}");

        let e = fault("system_error");
        assert_eq!(e.code().as_str(), "PROVIDER_ERROR", "{provider}: {e}");
        assert!(e.is_retryable(), "{provider}: {e}");
        let expected_code = match provider {
            ProviderId::WechatMiniCharge => "-1",
            ProviderId::DingshangVending => "500",
            _ => "SYSTEM_ERROR",
        };
        assert_eq!(e.provider_code(), Some(expected_code), "{provider}");

        let e = fault("truncated");
        assert_eq!(e.code().as_str(), "DECODE_ERROR", "{provider}: {e}");

        let is_wechatpay = matches!(
            provider,
            ProviderId::WechatpayEduPapay | ProviderId::WechatpayPayscoreOversea
        );
        if is_wechatpay {
            assert_eq!(
                fault("bad_signature").code().as_str(),
                "SIGNATURE_INVALID",
                "{provider}"
            );
            assert_eq!(
                fault("stale_timestamp").code().as_str(),
                "TIMESTAMP_SKEW",
                "{provider}"
            );
        }
    }
}

#[test]
fn faults_can_be_selected_by_order_id_for_every_provider() {
    let h = Harness::start();
    let mut checked = 0;
    for provider in ProviderId::ALL {
        let config = h.config(provider);
        for (fault, name) in Fault::ALL {
            let Some(query) = fault_query(provider, fault) else {
                assert!(!fault.applies_to(provider));
                continue;
            };
            let expected = match fault {
                Fault::RateLimit => "RATE_LIMITED",
                Fault::SystemError => "PROVIDER_ERROR",
                Fault::Truncated => "DECODE_ERROR",
                Fault::BadSignature => "SIGNATURE_INVALID",
                Fault::StaleTimestamp => "TIMESTAMP_SKEW",
                // The main host's load balancer answers 503 (sent by hand: no failover).
                Fault::Unavailable => "PROVIDER_ERROR",
                // Slow answers arrive, as the PAID showcase order under the requested id.
                Fault::Slow => {
                    let result = h.order(&config, &query).unwrap();
                    assert_eq!(result.order.status.as_str(), "PAID", "{provider}");
                    checked += 1;
                    continue;
                }
            };
            let e = h.order(&config, &query).unwrap_err();
            assert_eq!(e.code().as_str(), expected, "{provider} {name}: {e}");
            checked += 1;
        }
    }
    // Seven faults for the two WeChat Pay APIs, five for the three unsigned providers.
    assert_eq!(checked, 2 * 7 + 3 * 5);
}

#[test]
fn slow_answers_trip_a_client_timeout_and_otherwise_arrive() {
    let h = Harness::start();
    let config = h.config(ProviderId::DingshangVending);
    let (_, _, request) = h.build(&config, &h.paid_query(ProviderId::DingshangVending));
    let impatient = HttpTransport::new(Duration::from_millis(300));
    assert!(impatient.send(&request, &[(FAULT_HEADER, "slow")]).is_err());
    let patient = h
        .transport
        .send(&request, &[(FAULT_HEADER, "slow")])
        .unwrap();
    assert_eq!(patient.status, 200);
}

#[test]
fn requests_signed_with_the_wrong_key_are_refused_like_the_provider_does() {
    let h = Harness::start();
    for provider in [
        ProviderId::WechatpayEduPapay,
        ProviderId::WechatpayPayscoreOversea,
    ] {
        let mut config = h.config(provider);
        config["merchant_private_key_pem"] = json!(seed::ATTACKER_PRIVATE_KEY_PEM);
        let e = h.order(&config, &h.paid_query(provider)).unwrap_err();
        assert_eq!(
            (e.code().as_str(), e.provider_code(), e.http_status()),
            ("PROVIDER_ERROR", Some("SIGN_ERROR"), Some(401)),
            "{provider}"
        );
    }
    let mut config = h.config(ProviderId::Fubei);
    config["app_secret"] = json!("wrong-secret");
    let e = h
        .order(&config, &h.paid_query(ProviderId::Fubei))
        .unwrap_err();
    assert_eq!(e.provider_code(), Some("INVALID_SIGN"));

    let mut config = h.config(ProviderId::DingshangVending);
    config["sign_key"] = json!("999999");
    let e = h
        .order(&config, &h.paid_query(ProviderId::DingshangVending))
        .unwrap_err();
    assert_eq!(e.provider_code(), Some("4006"));
    let mut config = h.config(ProviderId::DingshangVending);
    config["app_secret"] = json!("wrong");
    let e = h
        .order(&config, &h.paid_query(ProviderId::DingshangVending))
        .unwrap_err();
    assert_eq!(
        (e.provider_code(), e.http_status()),
        (Some("10014"), Some(401))
    );
}

#[test]
fn unknown_orders_get_each_providers_not_found_shape() {
    let h = Harness::start();
    let cases = [
        (
            ProviderId::WechatpayEduPapay,
            json!({"out_trade_no": "NO_SUCH_ORDER|*x"}),
            "ORDER_NOT_FOUND",
            "NOT_FOUND",
        ),
        (
            ProviderId::WechatpayPayscoreOversea,
            json!({"service_id": "2002000000000558128851361561536", "sub_mchid": "1900000109", "query_id": "no-such/q=1&x+y"}),
            "ORDER_NOT_FOUND",
            "NOT_FOUND",
        ),
        (
            ProviderId::WechatMiniCharge,
            json!({"order_id": "DD_NO_SUCH"}),
            "PROVIDER_ERROR",
            "10120002",
        ),
        (
            ProviderId::Fubei,
            json!({"merchant_order_sn": "NO_SUCH"}),
            "ORDER_NOT_FOUND",
            "ORDER_NOT_EXIST",
        ),
        (
            ProviderId::DingshangVending,
            json!({"order_id": "9999", "machine_no": seed::DS_MACHINE_NO}),
            "PROVIDER_ERROR",
            "40004",
        ),
    ];
    for (provider, query, code, provider_code) in cases {
        // Odd characters (| * / = & space) in the ids prove the sandbox verified a signature over
        // the percent-encoded request-target exactly as sent: otherwise this would be SIGN_ERROR.
        let e = h.order(&h.config(provider), &query).unwrap_err();
        assert_eq!(
            (e.code().as_str(), e.provider_code()),
            (code, Some(provider_code)),
            "{provider}: {e}"
        );
    }
}

#[test]
fn access_tokens_are_issued_expire_and_work() {
    let h = Harness::start();
    let config = h.config(ProviderId::WechatMiniCharge);
    for kind in ["stable", "classic"] {
        let parsed = h
            .exchange_with(&config, &json!({"token": kind}), &[])
            .unwrap();
        let ParsedResponse::AccessToken { access_token } = parsed else {
            panic!("{parsed:?}")
        };
        assert_eq!(access_token.expires_in, 7200);
        assert!(access_token.refresh_at < access_token.expires_at);
        let mut with_token = config.clone();
        with_token["access_token"] = json!(access_token.access_token.expose());
        let order = h
            .order(&with_token, &json!({"order_id": "DD_PAID_001"}))
            .unwrap();
        assert_eq!(order.order.status.as_str(), "PAID");
    }
    // Stable tokens are stable; force_refresh replaces the token and invalidates the old one.
    let stable = |query: Value| match h.exchange_with(&config, &query, &[]).unwrap() {
        ParsedResponse::AccessToken { access_token } => {
            access_token.access_token.expose().to_owned()
        }
        other => panic!("{other:?}"),
    };
    let first = stable(json!({"token": "stable"}));
    assert_eq!(stable(json!({"token": "stable"})), first);
    let refreshed = stable(json!({"token": "stable", "force_refresh": true}));
    assert_ne!(refreshed, first);
    let mut old = config.clone();
    old["access_token"] = json!(first);
    let e = h
        .order(&old, &json!({"order_id": "DD_PAID_001"}))
        .unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.provider_code()),
        ("TOKEN_EXPIRED", Some("40001"))
    );

    let mut expired = config.clone();
    expired["access_token"] = json!(seed::MINI_EXPIRED_ACCESS_TOKEN);
    let e = h
        .order(&expired, &json!({"order_id": "DD_PAID_001"}))
        .unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.provider_code()),
        ("TOKEN_EXPIRED", Some("42001"))
    );
    let mut bad_secret = config.clone();
    bad_secret["app_secret"] = json!("nope");
    let e = h
        .exchange_with(&bad_secret, &json!({"token": "stable"}), &[])
        .unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.provider_code()),
        ("PROVIDER_ERROR", Some("40001"))
    );
}

#[test]
fn failover_request_targets_the_backup_host_without_resigning() {
    let h = Harness::start();
    let mut config = h.config(ProviderId::WechatpayEduPapay);
    config.as_object_mut().unwrap().remove("base_url");
    config.as_object_mut().unwrap().remove("backup_base_url");
    let (client, _, request) = h.build(&config, &json!({"out_trade_no": "EDU_PAID_001"}));
    let backup = client.failover_request(&request).unwrap();
    assert_eq!(
        backup.url,
        "https://api2.mch.weixin.qq.com/v3/edu-papay/transactions/out-trade-no/EDU_PAID_001"
    );
    assert_eq!(backup.headers, request.headers);
    // Failover happens once: the backup host has no backup of its own.
    assert!(client.failover_request(&backup).is_none());
    // A client on a custom host has no backup unless it names one, as the sandbox's do.
    let mut custom = h.config(ProviderId::WechatpayEduPapay);
    custom.as_object_mut().unwrap().remove("backup_base_url");
    let (custom_client, _, custom_request) =
        h.build(&custom, &json!({"out_trade_no": "EDU_PAID_001"}));
    assert!(custom_client.failover_request(&custom_request).is_none());
    let (sandbox_client, _, sandbox_request) = h.build(
        &h.config(ProviderId::WechatpayEduPapay),
        &json!({"out_trade_no": "EDU_PAID_001"}),
    );
    let to_backup = sandbox_client.failover_request(&sandbox_request).unwrap();
    assert_eq!(
        to_backup.url,
        sandbox_request.url.replace(
            &h.sandbox.as_ref().unwrap().base_url(),
            &h.sandbox.as_ref().unwrap().backup_base_url()
        )
    );
}

#[test]
fn wechatpay_answers_spell_header_names_as_wechatpay_does() {
    // wechatpay-java looks response headers up by WeChat Pay's spelling, case-sensitively: a
    // migrating user points it at the sandbox, so the raw bytes must carry that spelling.
    use std::io::{Read, Write};
    let h = Harness::start();
    for provider in [
        ProviderId::WechatpayEduPapay,
        ProviderId::WechatpayPayscoreOversea,
    ] {
        let (_, _, request) = h.build(&h.config(provider), &h.paid_query(provider));
        let url = request.url.strip_prefix("http://").unwrap();
        let (authority, target) = url.split_at(url.find('/').unwrap());
        let mut stream = std::net::TcpStream::connect(authority).unwrap();
        let mut head =
            format!("GET {target} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
        for (name, value) in &request.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        stream.write_all(format!("{head}\r\n").as_bytes()).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        let answer = String::from_utf8_lossy(&answer);
        let (head, _) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        for name in [
            "Wechatpay-Timestamp",
            "Wechatpay-Nonce",
            "Wechatpay-Signature",
            "Wechatpay-Serial",
            "Request-ID",
        ] {
            assert!(head.contains(&format!("\r\n{name}: ")), "{name} in {head}");
        }
    }
}
