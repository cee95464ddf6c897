//! The one-call query flow, driven through every row of its policy table (QUERY-FLOW.md §3)
//! by a scripted fake transport on a fake clock: no socket, no sleep, the same steps every run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::HashMap;

use payquery_core::crypto::RsaPrivateKey;
use payquery_core::{
    AttemptPurpose, Client, ErrorCode, HostRole, HttpRequest, HttpResponse, OrderStatus, QueryFlow,
    QueryOptions, QueryResult, Reply, Step, StoreReply, StoreRequest, TransportFailure,
};
use serde_json::{json, Value};
use support::{client_for, key_pem};

const T0: i64 = 1_700_000_000_000;
/// Every request takes this long on the fake network.
const LATENCY_MS: i64 = 7;

/// The fake world a flow runs in: a clock, the requests it sent, a token store.
struct World {
    now: i64,
    sent: Vec<(HttpRequest, u64)>,
    slept_until: Vec<i64>,
    store: HashMap<String, String>,
    store_ops: Vec<String>,
    lock_free: bool,
    step: u8,
}

impl World {
    fn new() -> Self {
        World {
            now: T0,
            sent: Vec::new(),
            slept_until: Vec::new(),
            store: HashMap::new(),
            store_ops: Vec::new(),
            lock_free: true,
            step: 0,
        }
    }

    fn random(&mut self) -> [u8; 32] {
        self.step = self.step.wrapping_add(1);
        [self.step; 32]
    }

    /// Runs `flow` to its end, answering each request with `server`.
    fn run(
        &mut self,
        flow: &mut QueryFlow,
        mut server: impl FnMut(&HttpRequest, &mut World) -> Reply,
    ) -> Result<QueryResult, payquery_core::Error> {
        for _ in 0..500 {
            let random = self.random();
            match flow.next(self.now, &random) {
                Step::Send {
                    request,
                    timeout_ms,
                    max_body_bytes,
                } => {
                    assert_eq!(max_body_bytes, 1024 * 1024, "the default response cap");
                    self.sent.push((request.clone(), timeout_ms));
                    let reply = server(&request, self);
                    self.now += match &reply {
                        Reply::Failed {
                            kind: TransportFailure::Timeout,
                            ..
                        } => i64::try_from(timeout_ms).unwrap(),
                        _ => LATENCY_MS,
                    };
                    flow.receive(reply, self.now).unwrap();
                }
                Step::Sleep { until_ms } => {
                    assert!(until_ms > self.now, "a sleep into the past");
                    self.slept_until.push(until_ms);
                    self.now = until_ms;
                }
                Step::Store {
                    request,
                    timeout_ms,
                } => {
                    assert!((1..=10_000).contains(&timeout_ms), "{timeout_ms}");
                    let reply = self.store(&request);
                    flow.store_reply(reply, self.now).unwrap();
                }
                Step::Done => return flow.result(),
            }
        }
        panic!("the flow did not finish in 500 steps");
    }

    fn store(&mut self, request: &StoreRequest) -> StoreReply {
        match request {
            StoreRequest::Load { key } => {
                self.store_ops.push(format!("load {key}"));
                StoreReply::Loaded(
                    self.store
                        .get(key)
                        .map(|v| payquery_core::Secret::new(v.clone())),
                )
            }
            StoreRequest::Lock { key, .. } => {
                self.store_ops.push(format!("lock {key}"));
                StoreReply::Locked(self.lock_free)
            }
            StoreRequest::Save { key, value, .. } => {
                self.store_ops.push(format!("save {key}"));
                self.store.insert(key.clone(), value.expose().to_owned());
                StoreReply::Done
            }
            StoreRequest::Invalidate { key, value } => {
                self.store_ops.push(format!("invalidate {key}"));
                if self.store.get(key).map(String::as_str) == Some(value.expose()) {
                    self.store.remove(key);
                }
                StoreReply::Done
            }
        }
    }

    fn urls(&self) -> Vec<String> {
        self.sent.iter().map(|(r, _)| r.url.clone()).collect()
    }
}

fn ok_json(body: &Value) -> Reply {
    response(200, &[], &body.to_string())
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut all = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    all.extend(
        headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
    );
    Reply::Response(HttpResponse {
        status,
        headers: all,
        body: body.as_bytes().to_vec(),
    })
}

fn transport(kind: TransportFailure) -> Reply {
    Reply::Failed {
        kind,
        detail: "connect ECONNREFUSED".to_owned(),
    }
}

// ---- providers ----------------------------------------------------------------------------

fn fubei(extra: Value) -> Client {
    let mut config = json!({"provider": "fubei", "app_id": "20160922135339595387", "app_secret": "fubei-test-secret-not-real"});
    config
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    client_for(&config).unwrap()
}

fn fubei_query(client: &Client) -> payquery_core::Query {
    client
        .query_from_json(r#"{"merchant_order_sn":"A1"}"#)
        .unwrap()
}

fn fubei_paid() -> Reply {
    fubei_in("SUCCESS")
}

fn fubei_in(state: &str) -> Reply {
    ok_json(
        &json!({"result_code": 200, "result_message": "ok", "data": {
        "merchant_order_sn": "A1", "order_sn": "F1", "trade_state": state, "total_fee": 80}}),
    )
}

fn fubei_error(sub_code: &str) -> Reply {
    ok_json(&json!({"result_code": 400, "result_message": "x", "sub_code": sub_code}))
}

fn edu() -> Client {
    client_for(&json!({
        "provider": "wechatpay_edu_papay",
        "mchid": "1900000001",
        "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        "merchant_private_key_pem": key_pem("merchant_private_key.pem"),
        "wechatpay_public_key_id": "PUB_KEY_ID_0119000000012025010100000000000001",
        "wechatpay_public_key_pem": key_pem("wechatpay_public_key.pem"),
    }))
    .unwrap()
}

fn edu_query(client: &Client) -> payquery_core::Query {
    client.query_from_json(r#"{"out_trade_no":"A1"}"#).unwrap()
}

/// A WeChat Pay answer signed with the platform key, at `now_ms`; `bad` breaks the signature.
fn wechat_signed(status: u16, body: &Value, now_ms: i64, bad: bool) -> Reply {
    let body = body.to_string();
    let ts = (now_ms / 1000).to_string();
    let key = RsaPrivateKey::from_pem("k", &key_pem("wechatpay_private_key.pem")).unwrap();
    let message = format!("{ts}\nNONCE1\n{body}\n");
    let mut signature = key.sign_sha256_base64(message.as_bytes()).unwrap();
    if bad {
        signature = key.sign_sha256_base64(b"something else").unwrap();
    }
    response(
        status,
        &[
            ("Wechatpay-Timestamp", &ts),
            ("Wechatpay-Nonce", "NONCE1"),
            (
                "Wechatpay-Serial",
                "PUB_KEY_ID_0119000000012025010100000000000001",
            ),
            ("Wechatpay-Signature", &signature),
        ],
        &body,
    )
}

fn edu_paid(now_ms: i64) -> Reply {
    wechat_signed(
        200,
        &json!({"sp_mchid": "1900000001", "appid": "wx1", "out_trade_no": "A1",
            "transaction_id": "T1", "trade_state": "SUCCESS", "trade_state_description": "ok",
            "success_time": "2020-03-26T10:43:39+08:00",
            "amount": {"total": 888, "payer_total": 888, "currency": "CNY"}}),
        now_ms,
        false,
    )
}

fn mini(config: Value) -> Client {
    client_for(&config).unwrap()
}

fn mini_credentials() -> Value {
    json!({"provider": "wechat_mini_charge", "appid": "wx1234567890abcdef", "app_secret": "test-app-secret"})
}

fn mini_paid() -> Reply {
    ok_json(
        &json!({"errcode": 0, "order": {"orderId": "DD1", "status": 2, "createTime": 1_687_265_841_964_i64, "orderPrice": 1}}),
    )
}

fn mini_token(token: &str) -> Reply {
    ok_json(&json!({"access_token": token, "expires_in": 7200}))
}

fn mini_errcode(code: i64) -> Reply {
    ok_json(&json!({"errcode": code, "errmsg": "x"}))
}

fn mini_query(client: &Client) -> payquery_core::Query {
    client.query_from_json(r#"{"order_id":"DD1"}"#).unwrap()
}

fn start(client: &Client, query: payquery_core::Query, options: QueryOptions) -> QueryFlow {
    client.start_query(query, &options, T0).unwrap()
}

fn purposes(
    result: &[payquery_core::Attempt],
) -> Vec<(AttemptPurpose, HostRole, Option<ErrorCode>)> {
    result
        .iter()
        .map(|a| (a.purpose, a.host, a.error))
        .collect()
}

// ---- the policy table, row by row ---------------------------------------------------------

#[test]
fn a_plain_answer_is_one_attempt() {
    let client = fubei(json!({}));
    let mut flow = start(&client, fubei_query(&client), QueryOptions::default());
    let mut world = World::new();
    let result = world.run(&mut flow, |_, _| fubei_paid()).unwrap();
    assert_eq!(result.order.status, OrderStatus::Paid);
    assert!(result.settled);
    assert_eq!(result.attempts.len(), 1);
    assert_eq!(result.attempts[0].http_status, Some(200));
    assert_eq!(result.attempts[0].duration_ms, 7);
    assert_eq!(world.sent[0].1, 10_000, "the default timeout");
}

#[test]
fn transport_failure_with_a_backup_sends_the_same_request_to_the_backup() {
    let client = edu();
    let mut flow = start(&client, edu_query(&client), QueryOptions::default());
    let mut world = World::new();
    let result = world
        .run(&mut flow, |r, w| {
            if r.url.starts_with("https://api.mch.weixin.qq.com/") {
                transport(TransportFailure::Connect)
            } else {
                edu_paid(w.now)
            }
        })
        .unwrap();
    assert_eq!(result.order.status, OrderStatus::Paid);
    let (main, backup) = (&world.sent[0].0, &world.sent[1].0);
    assert_eq!(
        backup.url,
        main.url.replace(
            "https://api.mch.weixin.qq.com",
            "https://api2.mch.weixin.qq.com"
        )
    );
    assert_eq!(
        backup.headers, main.headers,
        "no re-signing: the host is not signed"
    );
    assert_eq!(
        purposes(&result.attempts),
        [
            (
                AttemptPurpose::Query,
                HostRole::Main,
                Some(ErrorCode::NetworkError)
            ),
            (AttemptPurpose::Query, HostRole::Backup, None)
        ]
    );
    assert_eq!(
        result.attempts[0].transport,
        Some(TransportFailure::Connect)
    );
    assert!(world.slept_until.is_empty(), "failover does not wait");
}

#[test]
fn an_unsigned_503_or_a_verified_system_error_fails_over_once() {
    for verified in [false, true] {
        let client = edu();
        let mut flow = start(&client, edu_query(&client), QueryOptions::default());
        let mut world = World::new();
        let result = world
            .run(&mut flow, |r, w| {
                if r.url.starts_with("https://api.mch.weixin.qq.com/") {
                    if verified {
                        wechat_signed(
                            500,
                            &json!({"code": "SYSTEM_ERROR", "message": "busy"}),
                            w.now,
                            false,
                        )
                    } else {
                        response(503, &[("Content-Type", "text/html")], "<html>503</html>")
                    }
                } else {
                    edu_paid(w.now)
                }
            })
            .unwrap();
        assert_eq!(result.order.status, OrderStatus::Paid);
        assert_eq!(world.sent.len(), 2);
        assert_eq!(result.attempts[0].error, Some(ErrorCode::ProviderError));
        assert_eq!(result.attempts[1].host, HostRole::Backup);
    }
}

#[test]
fn unsigned_500_to_504_fail_over_but_501_and_505_stop() {
    // 500 is what WeChat Pay answers for SYSTEM_ERROR and a gateway for a passing fault; 501
    // and 505 say the request or the setup is wrong, which no second host changes.
    for (status, retried) in [
        (500, true),
        (502, true),
        (503, true),
        (504, true),
        (501, false),
        (505, false),
    ] {
        let client = edu();
        let mut flow = start(&client, edu_query(&client), QueryOptions::default());
        let mut world = World::new();
        let outcome = world.run(&mut flow, |r, w| {
            if r.url.starts_with("https://api.mch.weixin.qq.com/") {
                response(
                    status,
                    &[("Content-Type", "text/html")],
                    "<html>error</html>",
                )
            } else {
                edu_paid(w.now)
            }
        });
        assert_eq!(
            world.sent.len(),
            if retried { 2 } else { 1 },
            "HTTP {status}"
        );
        match outcome {
            Ok(result) => assert!(retried && result.order.status == OrderStatus::Paid),
            Err(e) => {
                assert!(!retried, "HTTP {status}");
                assert_eq!(
                    (e.code(), e.is_retryable()),
                    (ErrorCode::ProviderError, false)
                );
            }
        }
    }
}

#[test]
fn transport_failure_without_a_backup_is_re_signed_after_a_back_off_at_most_twice() {
    let client = fubei(json!({}));
    let mut flow = start(&client, fubei_query(&client), QueryOptions::default());
    let mut world = World::new();
    let e = world
        .run(&mut flow, |_, _| transport(TransportFailure::Reset))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NetworkError);
    assert!(e.is_retryable());
    assert_eq!(e.attempts().len(), 3, "one try and 2 retries");
    assert!(e
        .attempts()
        .iter()
        .all(|a| a.transport == Some(TransportFailure::Reset) && a.host == HostRole::Main));
    let bodies: Vec<_> = world.sent.iter().map(|(r, _)| r.body.clone()).collect();
    assert_ne!(bodies[0], bodies[1], "re-signed with a fresh nonce");
    // 500 ms, then 1 s, each with up to a quarter of jitter.
    let waits: Vec<i64> = world.slept_until.windows(1).map(|w| w[0]).collect();
    assert_eq!(waits.len(), 2);
    assert!(e.message().contains("reset"), "{}", e.message());
}

#[test]
fn a_configured_backup_is_used_for_any_provider() {
    let client = fubei(
        json!({"base_url": "http://127.0.0.1:1/gateway", "backup_base_url": "http://127.0.0.1:2/gateway"}),
    );
    let mut flow = start(&client, fubei_query(&client), QueryOptions::default());
    let mut world = World::new();
    let result = world
        .run(&mut flow, |r, _| {
            if r.url.starts_with("http://127.0.0.1:1/") {
                transport(TransportFailure::Connect)
            } else {
                fubei_paid()
            }
        })
        .unwrap();
    assert_eq!(
        world.urls(),
        ["http://127.0.0.1:1/gateway", "http://127.0.0.1:2/gateway"]
    );
    assert_eq!(result.attempts[1].host, HostRole::Backup);
    // `null` disables the default backup.
    let disabled = client_for(
        &json!({"provider": "wechat_mini_charge", "access_token": "T", "backup_base_url": null}),
    )
    .unwrap();
    assert!(disabled.failover_request(&world.sent[0].0).is_none());
}

#[test]
fn rate_limited_waits_retry_after_never_fails_over_and_stops_at_the_deadline() {
    let client = edu();
    let options = QueryOptions {
        deadline_ms: Some(3_000),
        ..QueryOptions::default()
    };
    let mut flow = start(&client, edu_query(&client), options);
    let mut world = World::new();
    let e = world
        .run(&mut flow, |_, w| {
            let Reply::Response(mut r) = wechat_signed(
                429,
                &json!({"code": "RATELIMIT_EXCEEDED", "message": "slow down"}),
                w.now,
                false,
            ) else {
                unreachable!()
            };
            r.headers.push(("Retry-After".to_owned(), "1".to_owned()));
            Reply::Response(r)
        })
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::RateLimited);
    assert!(
        world
            .urls()
            .iter()
            .all(|u| u.starts_with("https://api.mch.weixin.qq.com/")),
        "never the backup"
    );
    assert_eq!(
        e.attempts().len(),
        3,
        "at 0, 1 and 2 s; the next wait would pass the deadline"
    );
    assert_eq!(world.slept_until, [T0 + 7 + 1000, T0 + 2 * (7 + 1000)]);
}

#[test]
fn rate_limited_without_retry_after_backs_off_1_2_4_seconds() {
    let client = fubei(json!({}));
    let mut flow = start(
        &client,
        fubei_query(&client),
        QueryOptions {
            max_attempts: Some(4),
            ..QueryOptions::default()
        },
    );
    let mut world = World::new();
    let e = world
        .run(&mut flow, |_, _| fubei_error("FREQUENCY_LIMITED"))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::RateLimited);
    assert_eq!(e.attempts().len(), 4, "max_attempts");
    let mut at = T0;
    for (i, until) in world.slept_until.iter().enumerate() {
        let base = 1000 << i;
        let wait = until - (at + 7);
        assert!(
            (base..=base + base / 4).contains(&wait),
            "wait {i}: {wait} ms"
        );
        at = *until;
    }
    assert_eq!(world.slept_until.len(), 3);
}

#[test]
fn a_system_error_after_failover_backs_off_for_at_most_three_attempts() {
    let client = fubei(
        json!({"base_url": "http://127.0.0.1:1/gateway", "backup_base_url": "http://127.0.0.1:2/gateway"}),
    );
    let mut flow = start(&client, fubei_query(&client), QueryOptions::default());
    let mut world = World::new();
    let e = world
        .run(&mut flow, |_, _| fubei_error("SYSTEM_ERROR"))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::ProviderError);
    assert!(e.is_retryable());
    assert_eq!(
        purposes(e.attempts())
            .iter()
            .map(|p| p.1)
            .collect::<Vec<_>>(),
        [HostRole::Main, HostRole::Backup, HostRole::Backup]
    );
    assert_eq!(
        world.slept_until.len(),
        1,
        "failover at once, then one back-off"
    );
}

#[test]
fn forged_stale_or_undecodable_answers_stop_at_once_even_with_a_backup() {
    for case in ["bad_signature", "stale", "truncated"] {
        let client = edu();
        let mut flow = start(&client, edu_query(&client), QueryOptions::default());
        let mut world = World::new();
        let e = world
            .run(&mut flow, |_, w| match case {
                "bad_signature" => wechat_signed(200, &json!({"out_trade_no": "A1"}), w.now, true),
                "stale" => {
                    wechat_signed(200, &json!({"out_trade_no": "A1"}), w.now - 600_000, false)
                }
                _ => wechat_signed(200, &json!({"out_trade_no": 5}), w.now, false),
            })
            .unwrap_err();
        let want = match case {
            "bad_signature" => ErrorCode::SignatureInvalid,
            "stale" => ErrorCode::TimestampSkew,
            _ => ErrorCode::DecodeError,
        };
        assert_eq!(e.code(), want, "{case}: {e}");
        assert_eq!(
            world.sent.len(),
            1,
            "{case}: never retried, never failed over"
        );
        assert_eq!(e.attempts().len(), 1);
    }
}

#[test]
fn not_found_is_done_but_polled_within_the_grace_window() {
    let client = fubei(json!({}));
    let mut flow = start(&client, fubei_query(&client), QueryOptions::default());
    let mut world = World::new();
    let e = world
        .run(&mut flow, |_, _| fubei_error("ORDER_NOT_EXIST"))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::OrderNotFound);
    assert_eq!(world.sent.len(), 1);

    let options = QueryOptions {
        poll: true,
        poll_intervals_ms: Some(vec![1_000]),
        not_found_grace_ms: Some(2_500),
        ..QueryOptions::default()
    };
    let mut flow = start(&client, fubei_query(&client), options);
    let mut world = World::new();
    let mut n = 0;
    let result = world
        .run(&mut flow, |_, _| {
            n += 1;
            if n < 3 {
                fubei_error("ORDER_NOT_EXIST")
            } else {
                fubei_paid()
            }
        })
        .unwrap();
    assert_eq!(
        result.order.status,
        OrderStatus::Paid,
        "the order appeared late"
    );
    let mut flow = start(
        &client,
        fubei_query(&client),
        QueryOptions {
            not_found_grace_ms: Some(1_500),
            ..QueryOptions {
                poll: true,
                poll_intervals_ms: Some(vec![1_000]),
                ..QueryOptions::default()
            }
        },
    );
    let e = World::new()
        .run(&mut flow, |_, _| fubei_error("ORDER_NOT_EXIST"))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::OrderNotFound);
    assert_eq!(
        e.attempts().len(),
        2,
        "polled again within 1.5 s, then done"
    );
}

#[test]
fn poll_mode_queries_a_pending_order_until_it_settles_or_the_deadline() {
    let client = fubei(json!({}));
    let options = QueryOptions {
        poll: true,
        poll_intervals_ms: Some(vec![100, 200]),
        ..QueryOptions::default()
    };
    let mut flow = start(&client, fubei_query(&client), options.clone());
    let mut world = World::new();
    let mut n = 0;
    let result = world
        .run(&mut flow, |_, _| {
            n += 1;
            if n < 3 {
                fubei_in("USERPAYING")
            } else {
                fubei_paid()
            }
        })
        .unwrap();
    assert_eq!(result.order.status, OrderStatus::Paid);
    assert!(result.settled);
    assert_eq!(result.attempts.len(), 3);
    assert_eq!(world.slept_until, [T0 + 7 + 100, T0 + 7 + 100 + 7 + 200]);

    // The default schedule: 5 s, 10 s, 20 s, 30 s, then every 60 s.
    let mut flow = start(
        &client,
        fubei_query(&client),
        QueryOptions {
            poll: true,
            deadline_ms: Some(130_000),
            ..QueryOptions::default()
        },
    );
    let mut world = World::new();
    let result = world.run(&mut flow, |_, _| fubei_in("USERPAYING")).unwrap();
    assert!(!result.settled, "the deadline came on a pending order");
    assert_eq!(result.order.status, OrderStatus::Paying);
    let gaps: Vec<i64> = std::iter::once(T0)
        .chain(world.slept_until.iter().copied())
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| w[1] - w[0] - 7)
        .collect();
    assert_eq!(gaps, [5_000, 10_000, 20_000, 30_000, 60_000]);
}

#[test]
fn attempts_and_the_deadline_bound_every_query() {
    let client = fubei(json!({}));
    let mut flow = start(
        &client,
        fubei_query(&client),
        QueryOptions {
            timeout_ms: Some(400),
            deadline_ms: Some(1_000),
            ..QueryOptions::default()
        },
    );
    let mut world = World::new();
    let e = world
        .run(&mut flow, |_, _| transport(TransportFailure::Timeout))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NetworkError);
    // The message says the limit the host was given (every language alike).
    assert!(
        e.message()
            .contains("(timeout): no complete answer within ")
            && e.message().contains(" ms ("),
        "{}",
        e.message()
    );
    assert!(world.now - T0 <= 1_000 + 400, "stopped by the deadline");
    assert!(world.sent.iter().all(|(_, t)| *t <= 400));
    assert!(world.sent.len() >= 2);
}

// ---- access tokens ------------------------------------------------------------------------

#[test]
fn a_client_without_a_token_fetches_one_stable_token_and_shares_it() {
    let client = mini(mini_credentials());
    let mut world = World::new();
    for _ in 0..3 {
        let mut flow = start(&client, mini_query(&client), QueryOptions::default());
        let result = world
            .run(&mut flow, |r, _| {
                if r.url.contains("/cgi-bin/stable_token") {
                    mini_token("TOKEN1")
                } else {
                    mini_paid()
                }
            })
            .unwrap();
        assert_eq!(result.order.status, OrderStatus::Paid);
    }
    let tokens = world
        .urls()
        .iter()
        .filter(|u| u.contains("stable_token"))
        .count();
    assert_eq!(tokens, 1, "one token for every query of the client");
    assert!(world.urls()[1].contains("access_token=TOKEN1"));
    let body = String::from_utf8(world.sent[0].0.body.clone().unwrap()).unwrap();
    assert!(body.contains(r#""force_refresh":false"#), "{body}");
    // The attempt's URL is redacted: it may be logged.
    let mut flow = start(&client, mini_query(&client), QueryOptions::default());
    let result = world.run(&mut flow, |_, _| mini_paid()).unwrap();
    assert!(
        !result.attempts[0].url.contains("TOKEN1"),
        "{}",
        result.attempts[0].url
    );
}

#[test]
fn concurrent_cold_queries_make_one_token_request() {
    let client = mini(mini_credentials());
    let mut flows: Vec<QueryFlow> = (0..20)
        .map(|_| start(&client, mini_query(&client), QueryOptions::default()))
        .collect();
    let mut now = T0;
    let mut token_requests = 0;
    let mut in_flight: Vec<Option<(HttpRequest, i64)>> = vec![None; flows.len()];
    let mut done = 0;
    let mut finished = vec![false; flows.len()];
    for round in 0..1000 {
        for (i, flow) in flows.iter_mut().enumerate() {
            if finished[i] {
                continue;
            }
            if let Some((request, at)) = in_flight[i].take() {
                // Token answers take 50 ms, so every flow asks while the first one waits.
                if now < at {
                    in_flight[i] = Some((request, at));
                    continue;
                }
                let reply = if request.url.contains("stable_token") {
                    mini_token("TOKEN1")
                } else {
                    mini_paid()
                };
                flow.receive(reply, now).unwrap();
                continue;
            }
            match flow.next(now, &[round as u8; 32]) {
                Step::Send { request, .. } => {
                    if request.url.contains("stable_token") {
                        token_requests += 1;
                    }
                    in_flight[i] = Some((request, now + 50));
                }
                Step::Sleep { .. } => {}
                Step::Store { .. } => panic!("no store was configured"),
                Step::Done => {
                    assert_eq!(flow.result().unwrap().order.status, OrderStatus::Paid);
                    finished[i] = true;
                    done += 1;
                }
            }
        }
        if done == flows.len() {
            break;
        }
        now += 5;
    }
    assert_eq!(done, flows.len());
    assert_eq!(token_requests, 1);
}

#[test]
fn an_expired_token_is_invalidated_refetched_and_the_query_retried_once() {
    // A fixed token in the config, and the credentials to replace it when WeChat rejects it.
    let mut config = mini_credentials();
    config["access_token"] = json!("EXPIRED");
    let client = mini(config);
    let mut flow = start(&client, mini_query(&client), QueryOptions::default());
    let mut world = World::new();
    let result = world
        .run(&mut flow, |r, _| {
            if r.url.contains("stable_token") {
                mini_token("FRESH")
            } else if r.url.contains("access_token=EXPIRED") {
                mini_errcode(42001)
            } else {
                mini_paid()
            }
        })
        .unwrap();
    assert_eq!(result.order.status, OrderStatus::Paid);
    assert_eq!(
        purposes(&result.attempts),
        [
            (
                AttemptPurpose::Query,
                HostRole::Main,
                Some(ErrorCode::TokenExpired)
            ),
            (AttemptPurpose::Token, HostRole::Main, None),
            (AttemptPurpose::Query, HostRole::Main, None),
        ]
    );
    // Retried once only: a token rejected again is the answer.
    let mut flow = start(&client, mini_query(&client), QueryOptions::default());
    let mut world = World::new();
    let e = world
        .run(&mut flow, |r, _| {
            if r.url.contains("stable_token") {
                mini_token("FRESH2")
            } else {
                mini_errcode(40001)
            }
        })
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::TokenExpired);
    // Without credentials, the host owns the token: the rejection is the answer.
    let fixed = mini(json!({"provider": "wechat_mini_charge", "access_token": "EXPIRED"}));
    let mut flow = start(&fixed, mini_query(&fixed), QueryOptions::default());
    let e = World::new()
        .run(&mut flow, |_, _| mini_errcode(42001))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::TokenExpired);
    assert_eq!(e.attempts().len(), 1);
}

#[test]
fn the_same_token_back_is_force_refreshed_within_the_budget() {
    let mut config = mini_credentials();
    config["access_token"] = json!("STALE");
    let client = mini(config);
    let mut flow = start(&client, mini_query(&client), QueryOptions::default());
    let mut world = World::new();
    let result = world
        .run(&mut flow, |r, _| {
            let body = r
                .body
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            if body.contains(r#""force_refresh":true"#) {
                mini_token("NEW")
            } else if r.url.contains("stable_token") {
                mini_token("STALE")
            } else if r.url.contains("access_token=STALE") {
                mini_errcode(40001)
            } else {
                mini_paid()
            }
        })
        .unwrap();
    assert_eq!(result.order.status, OrderStatus::Paid);
    assert_eq!(
        result.attempts.len(),
        4,
        "query, token, forced token, query"
    );
}

#[test]
fn the_daily_quota_and_a_bad_app_secret_give_up() {
    let client = mini(json!({"provider": "wechat_mini_charge", "access_token": "T"}));
    let mut flow = start(&client, mini_query(&client), QueryOptions::default());
    let e = World::new()
        .run(&mut flow, |_, _| mini_errcode(45009))
        .unwrap_err();
    assert_eq!((e.code(), e.attempts().len()), (ErrorCode::RateLimited, 1));
    let client = mini(mini_credentials());
    let mut flow = start(&client, mini_query(&client), QueryOptions::default());
    let e = World::new()
        .run(&mut flow, |_, _| mini_errcode(40013))
        .unwrap_err();
    assert_eq!(
        (e.code(), e.attempts().len()),
        (ErrorCode::ProviderError, 1)
    );
    assert_eq!(e.attempts()[0].purpose, AttemptPurpose::Token);
}

#[test]
fn a_token_store_shares_tokens_across_processes() {
    // Process A fetches and saves; process B (another client) loads it and fetches nothing.
    let mut world = World::new();
    let options = QueryOptions {
        token_store: true,
        ..QueryOptions::default()
    };
    let a = mini(mini_credentials());
    let mut flow = start(&a, mini_query(&a), options.clone());
    world
        .run(&mut flow, |r, _| {
            if r.url.contains("stable_token") {
                mini_token("SHARED")
            } else {
                mini_paid()
            }
        })
        .unwrap();
    let key = "payquery:wechat_access_token:wx1234567890abcdef";
    assert_eq!(
        world.store_ops,
        [
            format!("load {key}"),
            format!("lock {key}"),
            format!("save {key}")
        ]
    );
    let b = mini(mini_credentials());
    let mut flow = start(&b, mini_query(&b), options.clone());
    world.run(&mut flow, |_, _| mini_paid()).unwrap();
    assert_eq!(
        world
            .urls()
            .iter()
            .filter(|u| u.contains("stable_token"))
            .count(),
        1
    );
    assert!(world.urls().last().unwrap().contains("access_token=SHARED"));
    // Another process holds the lock: wait, read the store again.
    let mut world = World::new();
    world.lock_free = false;
    let c = mini(mini_credentials());
    let mut flow = start(&c, mini_query(&c), options.clone());
    let mut loads = 0;
    let mut steps = 0;
    let e = loop {
        steps += 1;
        assert!(steps < 200);
        match flow.next(world.now, &[1; 32]) {
            Step::Store {
                request: StoreRequest::Load { key },
                ..
            } => {
                loads += 1;
                let value = (loads == 3).then(|| world.store.get(&key).cloned().unwrap_or_else(|| {
                    r#"{"access_token":"FROMPEER","expires_in":7200,"expires_at":1700007200,"refresh_at":1700006900}"#.to_owned()
                }));
                flow.store_reply(
                    StoreReply::Loaded(value.map(payquery_core::Secret::new)),
                    world.now,
                )
                .unwrap();
            }
            Step::Store { request, .. } => {
                let reply = world.store(&request);
                flow.store_reply(reply, world.now).unwrap();
            }
            Step::Sleep { until_ms } => world.now = until_ms,
            Step::Send { request, .. } => {
                assert!(
                    request.url.contains("access_token=FROMPEER"),
                    "{}",
                    request.url
                );
                flow.receive(mini_paid(), world.now).unwrap();
            }
            Step::Done => break flow.result(),
        }
    };
    assert_eq!(e.unwrap().order.status, OrderStatus::Paid);
    assert_eq!(loads, 3);
}

/// Runs a Mini Program flow whose token store fails every operation: `fail` gets the step's
/// timeout and says how long the operation took and the error's kind. Token and order requests
/// are answered. Returns each store step's timeout, and the outcome.
fn run_with_failing_store(
    flow: &mut QueryFlow,
    mut fail: impl FnMut(u64) -> (i64, String),
) -> (Vec<u64>, Result<QueryResult, payquery_core::Error>) {
    let mut world = World::new();
    let mut store_timeouts = Vec::new();
    loop {
        match flow.next(world.now, &[2; 32]) {
            Step::Store { timeout_ms, .. } => {
                store_timeouts.push(timeout_ms);
                let (took_ms, kind) = fail(timeout_ms);
                world.now += took_ms;
                flow.store_reply(StoreReply::Failed { kind }, world.now)
                    .unwrap();
            }
            Step::Send { request, .. } => {
                world.now += LATENCY_MS;
                let reply = if request.url.contains("stable_token") {
                    mini_token("FETCHED")
                } else {
                    mini_paid()
                };
                flow.receive(reply, world.now).unwrap();
            }
            Step::Sleep { until_ms } => world.now = until_ms,
            Step::Done => return (store_timeouts, flow.result()),
        }
    }
}

#[test]
fn a_failing_token_store_is_recorded_as_an_attempt_and_the_query_goes_on() {
    let options = QueryOptions {
        token_store: true,
        ..QueryOptions::default()
    };
    let client = mini(mini_credentials());
    let mut flow = start(&client, mini_query(&client), options);
    let mut kinds = [
        "ConnectionError",
        "Connection refused: key=SECRET",
        "TimeoutError",
    ]
    .iter();
    let (_, result) = run_with_failing_store(&mut flow, |_| {
        (
            3,
            (*kinds.next().expect("three store operations")).to_owned(),
        )
    });
    let result = result.unwrap();
    assert_eq!(result.order.status, OrderStatus::Paid);
    let key = "payquery:wechat_access_token:wx1234567890abcdef";
    let stores: Vec<_> = result
        .attempts
        .iter()
        .filter(|a| a.purpose == AttemptPurpose::Store)
        .map(|a| {
            assert_eq!(a.host, payquery_core::HostRole::TokenStore);
            assert_eq!(
                (a.http_status, a.error, a.transport, a.duration_ms),
                (None, None, None, 3)
            );
            (a.url.as_str(), a.store_error.as_deref().unwrap())
        })
        .collect();
    assert_eq!(
        stores,
        [
            (format!("token-store:get {key}").as_str(), "ConnectionError"),
            // A message passed for a kind never reaches the attempt.
            (format!("token-store:lock {key}").as_str(), "Error"),
            (format!("token-store:put {key}").as_str(), "TimeoutError"),
        ]
    );
    let purposes: Vec<_> = result.attempts.iter().map(|a| a.purpose).collect();
    assert_eq!(
        purposes,
        [
            AttemptPurpose::Store,
            AttemptPurpose::Store,
            AttemptPurpose::Token,
            AttemptPurpose::Store,
            AttemptPurpose::Query
        ]
    );
    assert!(result
        .attempts
        .iter()
        .all(|a| a.purpose == AttemptPurpose::Store || a.store_error.is_none()));
}

#[test]
fn misuse_is_an_error_never_a_panic() {
    let client = fubei(json!({}));
    let mut flow = start(&client, fubei_query(&client), QueryOptions::default());
    assert_eq!(
        flow.receive(fubei_paid(), T0).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        flow.store_reply(StoreReply::Done, T0).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    assert!(matches!(flow.next(T0, &[0; 32]), Step::Send { .. }));
    // `next` again without a reply ends the flow with INVALID_INPUT.
    assert_eq!(flow.next(T0, &[0; 32]), Step::Done);
    assert_eq!(flow.result().unwrap_err().code(), ErrorCode::InvalidInput);
    assert_eq!(
        flow.result().unwrap_err().code(),
        ErrorCode::InvalidInput,
        "taken once"
    );
    let e = client
        .start_query(
            fubei_query(&client),
            &QueryOptions {
                timeout_ms: Some(0),
                ..QueryOptions::default()
            },
            T0,
        )
        .unwrap_err();
    assert_eq!(e.field(), Some("timeout_ms"));
    let e = client
        .start_query(
            fubei_query(&client),
            &QueryOptions::default(),
            1_700_000_000,
        )
        .err();
    assert!(e.is_none(), "seconds are a valid (early) time in ms");
    let e = client
        .start_query(fubei_query(&client), &QueryOptions::default(), -1)
        .unwrap_err();
    assert_eq!(e.field(), Some("now_ms"));
    let mini = mini(mini_credentials());
    let e = mini
        .start_query(fubei_query(&client), &QueryOptions::default(), T0)
        .unwrap_err();
    assert_eq!(e.field(), Some("query"));
    // A dropped flow holding the token claim lets the next one fetch.
    let mut first = start(&mini, mini_query(&mini), QueryOptions::default());
    assert!(matches!(first.next(T0, &[0; 32]), Step::Send { .. }));
    drop(first);
    let mut second = start(&mini, mini_query(&mini), QueryOptions::default());
    assert!(matches!(second.next(T0, &[0; 32]), Step::Send { .. }));
}

#[test]
fn a_network_error_message_never_carries_the_token() {
    let client = mini(json!({"provider": "wechat_mini_charge", "access_token": "SECRET-TOKEN-1"}));
    let mut flow = start(&client, mini_query(&client), QueryOptions::default());
    let mut world = World::new();
    let e = world
        .run(&mut flow, |r, _| Reply::Failed {
            kind: TransportFailure::Other,
            detail: format!("Max retries exceeded with url: {} (SECRET-TOKEN-1)", r.url),
        })
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NetworkError);
    assert!(!e.to_string().contains("SECRET-TOKEN-1"), "{e}");
    assert!(!format!("{e:?}").contains("SECRET-TOKEN-1"));
    assert!(!serde_json::to_string(&e)
        .unwrap()
        .contains("SECRET-TOKEN-1"));
    assert_eq!(
        e.attempts()[1].host,
        HostRole::Backup,
        "the Mini Program fails over to api2.weixin.qq.com"
    );
}

#[test]
fn a_network_error_message_never_carries_a_credential_the_flow_sent() {
    // A host's error that quotes the whole request (headers, body) quotes every credential.
    let quote = |r: &HttpRequest| Reply::Failed {
        kind: TransportFailure::Reset,
        detail: format!(
            "socket hang up: {} {:?} {}",
            r.url,
            r.headers,
            r.body_text().unwrap_or_default()
        ),
    };
    // The vending vendor's AppSecret header.
    let vending = client_for(&json!({
        "provider": "dingshang_vending", "base_url": "https://vending.example",
        "appid": "ds1", "app_secret": "VENDING-APP-SECRET", "sign_key": "VENDING-SIGN-KEY"
    }))
    .unwrap();
    let query = payquery_core::Query::from_json(
        payquery_core::ProviderId::DingshangVending,
        r#"{"order_id": "1001", "machine_no": "16327129"}"#,
    )
    .unwrap();
    let mut flow = start(&vending, query, QueryOptions::default());
    let e = World::new().run(&mut flow, |r, _| quote(r)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NetworkError);
    assert!(!e.to_string().contains("VENDING-APP-SECRET"), "{e}");
    // WeChat Pay's Authorization (its signature too, should a host quote it alone).
    let client = edu();
    let mut flow = start(&client, edu_query(&client), QueryOptions::default());
    let mut signatures = Vec::new();
    let e = World::new()
        .run(&mut flow, |r, _| {
            let auth = r.header("Authorization").unwrap();
            let signature = auth
                .split("signature=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            signatures.push(signature.to_owned());
            Reply::Failed {
                kind: TransportFailure::Reset,
                detail: format!("{auth} / {signature}"),
            }
        })
        .unwrap_err();
    assert!(!signatures.is_empty());
    for s in &signatures {
        assert!(!e.to_string().contains(s.as_str()), "{e}");
        assert!(!flow.redact(s).contains(s.as_str()));
    }
    // A Mini Program token request's JSON body carries the app_secret.
    let client = mini(mini_credentials());
    let mut flow = start(&client, mini_query(&client), QueryOptions::default());
    let e = World::new().run(&mut flow, |r, _| quote(r)).unwrap_err();
    assert_eq!(e.attempts()[0].purpose, AttemptPurpose::Token);
    assert!(!e.to_string().contains("test-app-secret"), "{e}");
    assert_eq!(flow.redact("x test-app-secret y"), "x [redacted] y");
}

#[test]
fn a_store_step_is_bounded_by_the_request_timeout_and_the_deadline() {
    // A hanging store (Redis down) must not hold the query past its deadline: the step says
    // how long the host may wait before it replies Failed { kind: "Timeout" }, and a store
    // that timed out is not asked again in this query (three timeouts would use the deadline).
    let run = |timeout_ms: i64, deadline_ms: i64| {
        let options = QueryOptions {
            token_store: true,
            timeout_ms: Some(timeout_ms),
            deadline_ms: Some(deadline_ms),
            ..QueryOptions::default()
        };
        let client = mini(mini_credentials());
        let mut flow = start(&client, mini_query(&client), options);
        run_with_failing_store(&mut flow, |timeout_ms| {
            (i64::try_from(timeout_ms).unwrap(), "Timeout".to_owned())
        })
    };
    let (timeouts, result) = run(2_000, 30_000);
    let result = result.unwrap();
    assert_eq!(
        timeouts,
        [2_000],
        "the request timeout, and the store asked once"
    );
    assert_eq!(result.order.status, OrderStatus::Paid);
    let purposes: Vec<_> = result.attempts.iter().map(|a| a.purpose).collect();
    assert_eq!(
        purposes,
        [
            AttemptPurpose::Store,
            AttemptPurpose::Token,
            AttemptPurpose::Query
        ]
    );
    assert_eq!(result.attempts[0].store_error.as_deref(), Some("Timeout"));
    let (timeouts, outcome) = run(2_000, 1_500);
    assert_eq!(timeouts, [1_500], "capped by what is left of the deadline");
    assert_eq!(outcome.unwrap_err().code(), ErrorCode::NetworkError);
}

#[test]
fn an_unsigned_system_error_body_buys_no_retry() {
    // SYSTEM_ERROR in a body counts only when the answer is verified: an unsigned one at a
    // status that is no passing fault could be anyone's.
    let client = edu();
    let mut flow = start(&client, edu_query(&client), QueryOptions::default());
    let mut world = World::new();
    let e = world
        .run(&mut flow, |_, _| {
            response(
                400,
                &[("Content-Type", "application/json")],
                r#"{"code":"SYSTEM_ERROR","message":"x"}"#,
            )
        })
        .unwrap_err();
    assert_eq!(world.sent.len(), 1);
    assert!(!e.is_retryable() && !e.backup_host_applies(), "{e}");
}

#[test]
fn an_app_secret_quoted_json_escaped_is_redacted_too() {
    let client = mini(
        json!({"provider": "wechat_mini_charge", "appid": "wx1234567890abcdef", "app_secret": "se\"cr\\et-9"}),
    );
    let mut flow = start(&client, mini_query(&client), QueryOptions::default());
    let e = World::new()
        .run(&mut flow, |r, _| Reply::Failed {
            kind: TransportFailure::Reset,
            detail: format!("body was {}", r.body_text().unwrap_or_default()),
        })
        .unwrap_err();
    assert!(
        !e.to_string().contains("cr\\\\et-9") && !e.to_string().contains("cr\\et-9"),
        "{e}"
    );
}
