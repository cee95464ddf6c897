//! Notifications the sandbox sends (NOTIFICATIONS.md §7), over real HTTP on 127.0.0.1: each
//! kind of `POST /__sandbox/notify` to a receiver here that checks it with the core's
//! sans-IO `Client::check_notification` and answers the core's reply, and `--notify-url`
//! re-sending a settling order's change to PAID until the receiver accepts it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use payquery_core::{Client, NotificationReply, NotificationRequest, ProviderId, RequestContext};
use payquery_sandbox::{client_configs, seed, RunningSandbox, SandboxOptions};
use serde_json::{json, Value};

type Handler = dyn Fn(&NotificationRequest) -> NotificationReply + Send + Sync;

/// A notify URL: every request it gets is recorded and answered by the handler.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<NotificationRequest>>>,
}

impl Receiver {
    fn start(handler: Box<Handler>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/notify", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let stream = stream.unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let method = line.split(' ').next().unwrap().to_owned();
                let (mut headers, mut length) = (Vec::new(), 0);
                loop {
                    line.clear();
                    reader.read_line(&mut line).unwrap();
                    let Some((name, value)) = line.trim_end().split_once(':') else {
                        break;
                    };
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap();
                    }
                    headers.push((name.to_owned(), value.trim().to_owned()));
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let request = NotificationRequest {
                    method,
                    headers,
                    body,
                };
                let reply = handler(&request);
                log.lock().unwrap().push(request);
                let mut out = stream;
                let mut head = format!("HTTP/1.1 {} X\r\n", reply.status);
                for (n, v) in &reply.headers {
                    head.push_str(&format!("{n}: {v}\r\n"));
                }
                head.push_str(&format!(
                    "Content-Length: {}\r\nConnection: close\r\n\r\n{}",
                    reply.body.len(),
                    reply.body
                ));
                out.write_all(head.as_bytes()).unwrap();
            }
        });
        Receiver { url, seen }
    }

    /// A receiver that checks with `client` (no I/O) and answers its reply.
    fn checking(client: Client) -> Self {
        Receiver::start(Box::new(move |request| {
            match client.check_notification(request, now()) {
                Ok(handled) => handled.reply,
                Err(rejected) => rejected.reply,
            }
        }))
    }

    fn seen(&self) -> Vec<NotificationRequest> {
        self.seen.lock().unwrap().clone()
    }
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

struct Sandbox {
    runtime: tokio::runtime::Runtime,
    sandbox: Option<RunningSandbox>,
    agent: ureq::Agent,
}

impl Sandbox {
    fn start(options: SandboxOptions) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime
            .block_on(payquery_sandbox::start_with(0, options))
            .unwrap();
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

    fn base(&self) -> String {
        self.sandbox.as_ref().unwrap().base_url()
    }

    /// `POST /__sandbox/notify`: (status, answer).
    fn notify(&self, ask: &Value) -> (u16, Value) {
        let mut answer = self
            .agent
            .post(format!("{}/__sandbox/notify", self.base()))
            .header("Content-Type", "application/json")
            .send(ask.to_string())
            .unwrap();
        let status = answer.status().as_u16();
        let body = answer.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&body).unwrap())
    }

    fn notifications_sent(&self) -> u64 {
        let mut answer = self
            .agent
            .get(format!("{}/__sandbox/stats", self.base()))
            .call()
            .unwrap();
        let stats: Value =
            serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap();
        stats["notifications_sent"].as_u64().unwrap()
    }

    /// The client config of `provider` against this sandbox; WeChat Pay's with the sandbox
    /// APIv3 key added (notifications need it; its answers stay signed with the public key).
    fn config(&self, provider: ProviderId) -> Value {
        let urls = self.sandbox.as_ref().unwrap().urls();
        let mut config = client_configs(&urls)
            .into_iter()
            .find(|s| s.provider == provider)
            .unwrap()
            .config;
        if matches!(
            provider,
            ProviderId::WechatpayEduPapay | ProviderId::WechatpayPayscoreOversea
        ) {
            config["api_v3_key"] = json!(seed::API_V3_KEY);
        }
        config
    }

    fn client(&self, provider: ProviderId) -> Client {
        Client::from_config_json(&self.config(provider).to_string()).unwrap()
    }

    /// Queries `query` once through `client` (its one-call flow, no retries needed here).
    fn query(&self, client: &Client, query: &Value) {
        let query = client.query_from_json(&query.to_string()).unwrap();
        let ctx = RequestContext::from_host(now(), Some("NotifyTest0123456789abcdefghijk"), None)
            .unwrap();
        let request = client.build_request(&query, &ctx).unwrap();
        let mut call = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(&request.url);
        for (n, v) in &request.headers {
            call = call.header(n, v);
        }
        let answer = self
            .agent
            .run(call.body(request.body.clone().unwrap_or_default()).unwrap())
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200);
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.runtime.block_on(sandbox.shutdown());
        }
    }
}

/// Sends one notification of `kind` for `order` to a receiver checking with `provider`'s
/// client, and returns the sandbox's answer and what the receiver decided.
fn send(
    config: &str,
    provider: ProviderId,
    order: &str,
    kind: &str,
) -> (Value, NotificationReply, Result<Value, Value>) {
    let sandbox = Sandbox::start(SandboxOptions::default());
    let client = sandbox.client(provider);
    let receiver = Receiver::checking(sandbox.client(provider));
    let (status, answer) = sandbox.notify(&json!({
        "config": config, "order": order, "to": receiver.url, "kind": kind,
    }));
    assert_eq!(status, 200, "{answer}");
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    // What the sandbox says it sent is what arrived.
    assert_eq!(
        answer["sent"]["body"],
        json!(String::from_utf8_lossy(&seen[0].body))
    );
    assert_eq!(answer["sent"]["url"], json!(receiver.url));
    assert_eq!(sandbox.notifications_sent(), 1);
    let outcome = match client.check_notification(&seen[0], now()) {
        Ok(handled) => Ok(serde_json::to_value(&handled.notification).unwrap()),
        Err(rejected) => Err(serde_json::to_value(&rejected.error).unwrap()),
    };
    let reply = NotificationReply {
        status: u16::try_from(answer["reply_status"].as_u64().unwrap()).unwrap(),
        headers: Vec::new(),
        body: answer["reply_body"].as_str().unwrap().to_owned(),
    };
    (answer, reply, outcome)
}

fn header<'a>(answer: &'a Value, name: &str) -> Option<&'a str> {
    answer["sent"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0].as_str().unwrap().eq_ignore_ascii_case(name))
        .and_then(|h| h[1].as_str())
}

const EDU: ProviderId = ProviderId::WechatpayEduPapay;

#[test]
fn wechatpay_ok_is_accepted_with_204_and_decrypts_to_the_queried_order() {
    let (answer, reply, outcome) = send("wechatpay_edu_papay", EDU, "EDU_PAID_001", "ok");
    assert_eq!((reply.status, reply.body.as_str()), (204, ""));
    let notification = outcome.unwrap();
    assert_eq!(notification["verified"], json!(true));
    assert_eq!(notification["event_type"], json!("TRANSACTION.SUCCESS"));
    assert_eq!(notification["order"]["status"], json!("PAID"));
    assert_eq!(notification["order"]["amount"]["minor"], json!(888));
    assert_eq!(notification["signature_serial"], json!(seed::PUB_KEY_ID));
    let envelope: Value = serde_json::from_str(answer["sent"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(envelope["resource_type"], json!("encrypt-resource"));
    assert_eq!(envelope["resource"]["algorithm"], json!("AEAD_AES_256_GCM"));
    assert_eq!(
        envelope["resource"]["associated_data"],
        json!("transaction")
    );
    assert_eq!(envelope["resource"]["original_type"], json!("transaction"));
    assert_eq!(envelope["resource"]["nonce"].as_str().unwrap().len(), 12);
    assert_eq!(envelope["id"].as_str().unwrap().len(), 36);
    assert_eq!(notification["id"], envelope["id"]);
    assert!(envelope["create_time"]
        .as_str()
        .unwrap()
        .ends_with("+08:00"));
    for name in [
        "Wechatpay-Serial",
        "Wechatpay-Signature",
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Signature-Type",
    ] {
        assert!(header(&answer, name).is_some(), "{name}");
    }
}

#[test]
fn wechatpay_probe_stale_and_tampered_get_401() {
    for kind in ["probe", "stale", "tampered"] {
        let (answer, reply, outcome) = send("wechatpay_edu_papay", EDU, "EDU_PAID_001", kind);
        assert_eq!(reply.status, 401, "{kind}: {answer}");
        assert_eq!(
            serde_json::from_str::<Value>(&reply.body).unwrap()["code"],
            json!("FAIL")
        );
        let error = outcome.unwrap_err();
        let expected = if kind == "stale" {
            "TIMESTAMP_SKEW"
        } else {
            "SIGNATURE_INVALID"
        };
        assert_eq!(error["code"], json!(expected), "{kind}");
        if kind == "probe" {
            assert!(header(&answer, "Wechatpay-Signature")
                .unwrap()
                .starts_with("WECHATPAY/SIGNTEST/"));
        }
    }
}

#[test]
fn wechatpay_unknown_serial_gets_500_without_a_download() {
    let (answer, reply, outcome) =
        send("wechatpay_edu_papay", EDU, "EDU_PAID_001", "unknown_serial");
    assert_eq!(reply.status, 500);
    assert_eq!(
        header(&answer, "Wechatpay-Serial"),
        Some(seed::UNKNOWN_PLATFORM_SERIAL)
    );
    let error = outcome.unwrap_err();
    assert_eq!(error["code"], json!("SIGNATURE_INVALID"));
    assert_eq!(error["field"], json!("Wechatpay-Serial"));
}

#[test]
fn wechatpay_wrong_key_gets_400_decrypt_error() {
    let (_, reply, outcome) = send("wechatpay_edu_papay", EDU, "EDU_PAID_001", "wrong_key");
    assert_eq!(reply.status, 400);
    assert_eq!(outcome.unwrap_err()["code"], json!("DECRYPT_ERROR"));
}

#[test]
fn payscore_ok_is_the_service_order_paid() {
    let (answer, reply, outcome) = send(
        "wechatpay_payscore_oversea",
        ProviderId::WechatpayPayscoreOversea,
        "PS_DONE_PAID_001",
        "ok",
    );
    assert_eq!(reply.status, 204, "{answer}");
    let notification = outcome.unwrap();
    assert_eq!(notification["event_type"], json!("PAYSCORE.USER_PAID"));
    assert_eq!(notification["order"]["status"], json!("PAID"));
    let (_, _, outcome) = send(
        "wechatpay_payscore_oversea",
        ProviderId::WechatpayPayscoreOversea,
        "PS_DOING_001",
        "ok",
    );
    assert_eq!(
        outcome.unwrap()["event_type"],
        json!("PAYSCORE.USER_CONFIRM")
    );
}

#[test]
fn fubei_ok_succeeds_and_tampered_or_wrong_secret_fails() {
    let (answer, reply, outcome) = send("fubei", ProviderId::Fubei, "FB_PAID_001", "ok");
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, "SUCCESS"),
        "{answer}"
    );
    let notification = outcome.unwrap();
    assert_eq!(notification["order"]["status"], json!("PAID"));
    assert_eq!(notification["order"]["amount"]["minor"], json!(29));
    assert_eq!(
        notification["order"]["merchant_order_no"],
        json!("FB_PAID_001")
    );
    assert!(header(&answer, "Content-Type")
        .unwrap()
        .starts_with("application/x-www-form-urlencoded"));
    for kind in ["tampered", "wrong_key"] {
        let (_, reply, outcome) = send("fubei", ProviderId::Fubei, "FB_PAID_001", kind);
        assert_eq!((reply.status, reply.body.as_str()), (401, "FAIL"), "{kind}");
        assert_eq!(outcome.unwrap_err()["code"], json!("SIGNATURE_INVALID"));
    }
}

#[test]
fn vending_callback_is_unsigned_and_accepted_unverified() {
    let (_, reply, outcome) = send(
        "dingshang_vending",
        ProviderId::DingshangVending,
        "1001",
        "ok",
    );
    assert_eq!(reply.status, 200);
    let notification = outcome.unwrap();
    assert_eq!(notification["verified"], json!(false));
    assert_eq!(
        notification["event_type"],
        json!("device.delivery.response")
    );
    assert_eq!(notification["detail"]["deliver_status"], json!("1"));
}

#[test]
fn asks_that_make_no_sense_are_refused() {
    let sandbox = Sandbox::start(SandboxOptions::default());
    let to = "http://127.0.0.1:9/notify";
    for (ask, status) in [
        (
            json!({"config": "wechat_mini_charge", "order": "DD_PAID_001", "to": to}),
            400,
        ),
        (
            json!({"config": "fubei", "order": "FB_PAID_001", "to": to, "kind": "probe"}),
            400,
        ),
        (
            json!({"config": "dingshang_vending", "order": "1001", "to": to, "kind": "tampered"}),
            400,
        ),
        (
            json!({"config": "fubei", "order": "FB_PAID_001", "to": to, "kind": "loud"}),
            400,
        ),
        (
            json!({"config": "fubei", "order": "FB_PAID_001", "to": "https://x/"}),
            400,
        ),
        (
            json!({"config": "fubei.nothing", "order": "FB_PAID_001", "to": to}),
            400,
        ),
        (
            json!({"config": "fubei", "order": "NO_SUCH_ORDER", "to": to}),
            404,
        ),
        (json!({"config": "fubei", "to": to}), 400),
    ] {
        assert_eq!(sandbox.notify(&ask).0, status, "{ask}");
    }
    // Nothing was sent.
    assert_eq!(sandbox.notifications_sent(), 0);
}

#[test]
fn an_unreachable_receiver_is_a_502_that_still_shows_what_was_sent() {
    let sandbox = Sandbox::start(SandboxOptions::default());
    // A port nobody listens on: bound, then closed.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (status, answer) = sandbox.notify(&json!({
        "config": "fubei", "order": "FB_PAID_001", "to": format!("http://127.0.0.1:{port}/n"),
    }));
    assert_eq!(status, 502, "{answer}");
    assert!(answer["sent"]["body"].as_str().unwrap().contains("sign="));
    assert_eq!(sandbox.notifications_sent(), 1);
}

#[test]
fn a_settling_order_paid_is_notified_and_resent_until_accepted() {
    let tries = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&tries);
    // The client has no host: the receiver only checks (sans-IO).
    let urls = payquery_sandbox::SandboxUrls {
        main: "http://127.0.0.1:9".to_owned(),
        backup: "http://127.0.0.1:10".to_owned(),
        dead: "http://127.0.0.1:11".to_owned(),
    };
    let fubei_config = client_configs(&urls)
        .into_iter()
        .find(|s| s.provider == ProviderId::Fubei)
        .unwrap()
        .config;
    let checker = Client::from_config_json(&fubei_config.to_string()).unwrap();
    let receiver = Receiver::start(Box::new(move |request| {
        // The receiver's own storing fails twice: it asks for the notification again.
        if counted.fetch_add(1, Ordering::SeqCst) < 2 {
            return checker.notification_retry_reply();
        }
        match checker.check_notification(request, now()) {
            Ok(handled) => handled.reply,
            Err(rejected) => rejected.reply,
        }
    }));
    let sandbox = Sandbox::start(SandboxOptions {
        notify_url: Some(receiver.url.clone()),
    });
    let client = sandbox.client(ProviderId::Fubei);
    let query = payquery_sandbox::settling_query(ProviderId::Fubei).unwrap();
    // Pending, pending: nothing is notified.
    sandbox.query(&client, &query);
    sandbox.query(&client, &query);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sandbox.notifications_sent(), 0);
    // Paid: notified, refused twice, then accepted (0.25 s and 0.25 s apart).
    sandbox.query(&client, &query);
    let started = Instant::now();
    while receiver.seen().len() < 3 && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    // No fourth try comes once it is accepted.
    std::thread::sleep(Duration::from_millis(800));
    let seen = receiver.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(sandbox.notifications_sent(), 3);
    // A re-send is the same notification.
    assert!(seen.iter().all(|r| r.body == seen[0].body));
    let notification = client
        .check_notification(&seen[0], now())
        .unwrap()
        .notification;
    assert_eq!(notification.id, "fubei:pay:20240520000000000001:SUCCESS");
    // Under the id the merchant asked about.
    let order = notification.order.unwrap();
    assert_eq!(order.merchant_order_no.as_deref(), Some("FB_SETTLING_001"));
    assert_eq!(order.status.as_str(), "PAID");
    // A fourth query of the paid order notifies nothing more.
    sandbox.query(&client, &query);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sandbox.notifications_sent(), 3);
}

#[test]
fn the_auto_merchant_is_notified_under_the_current_platform_certificate() {
    let sandbox = Sandbox::start(SandboxOptions::default());
    let receiver = Receiver::start(Box::new(|_| NotificationReply {
        status: 204,
        headers: Vec::new(),
        body: String::new(),
    }));
    let ask =
        json!({"config": "wechatpay_edu_papay.auto", "order": "EDU_PAID_001", "to": receiver.url});
    let (_, answer) = sandbox.notify(&ask);
    assert_eq!(
        header(&answer, "Wechatpay-Serial"),
        Some(seed::PLATFORM_CERT_SERIAL)
    );
    assert_eq!(answer["reply_status"], json!(204));
    sandbox
        .agent
        .post(format!("{}/__sandbox/rotate", sandbox.base()))
        .send_empty()
        .unwrap();
    let (_, answer) = sandbox.notify(&ask);
    assert_eq!(
        header(&answer, "Wechatpay-Serial"),
        Some(seed::NEXT_PLATFORM_CERT_SERIAL)
    );
}
