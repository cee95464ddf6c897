//! `payquery notify` (NOTIFICATIONS.md §7): the binary on saved notifications with `--now`
//! (no I/O) for every provider — accepted, refused for each reason WeChat Pay and Fubei can
//! give, the unsigned vending callback, the Mini Program that sends none, bad request
//! documents — and live against the sandbox, where a certificate the config does not hold is
//! downloaded for the notification. Every run prints one JSON line; a refused notification
//! prints a typed error and the reply to send, and exits 1 (never a panic).
//!
//! The notifications come from the sandbox's `POST /__sandbox/notify`, caught by a receiver
//! here; the ones no sandbox kind makes are re-signed here with the sandbox's public-key-mode
//! signing key (`tests/vectors/keys/wechatpay_private_key.pem`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use payquery_cli::receiver::Receiver;
use payquery_cli::transport::HttpTransport;
use payquery_core::crypto::RsaPrivateKey;
use payquery_core::{HttpRequest, Method, NotificationReply, NotificationRequest};
use payquery_sandbox::{seed, RunningSandbox};
use serde_json::{json, Value};

/// Runs the binary: exit code, the one line it printed as JSON.
fn run(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_payquery"))
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let code = out.status.code().unwrap();
    // Never a panic (101): a result, or a typed error with the reply to send.
    assert!(code == 0 || code == 1, "exit {code}: {text}");
    (code, json)
}

struct Fixture {
    runtime: tokio::runtime::Runtime,
    sandbox: Option<RunningSandbox>,
    dir: PathBuf,
    transport: HttpTransport,
    receiver: Receiver,
}

impl Fixture {
    fn start(name: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime.block_on(payquery_sandbox::start(0)).unwrap();
        let dir =
            std::env::temp_dir().join(format!("payquery-notify-{name}-{}", std::process::id()));
        payquery_sandbox::write_configs(&dir, &sandbox.urls()).unwrap();
        // The public-key merchant's config with the APIv3 key notifications need.
        for provider in ["wechatpay_edu_papay", "wechatpay_payscore_oversea"] {
            let text = std::fs::read_to_string(dir.join(format!("{provider}.json"))).unwrap();
            let mut config: Value = serde_json::from_str(&text).unwrap();
            config["api_v3_key"] = json!(seed::API_V3_KEY);
            std::fs::write(
                dir.join(format!("{provider}.notify.json")),
                config.to_string(),
            )
            .unwrap();
        }
        // A notify URL that takes everything; the tests only want what was sent.
        let receiver = Receiver::start(Box::new(|_| NotificationReply {
            status: 204,
            headers: Vec::new(),
            body: String::new(),
        }))
        .unwrap();
        Fixture {
            runtime,
            sandbox: Some(sandbox),
            dir,
            transport: HttpTransport::new(Duration::from_secs(10)),
            receiver,
        }
    }

    fn base(&self) -> String {
        self.sandbox.as_ref().unwrap().base_url()
    }

    fn post(&self, path: &str, body: &Value) -> Value {
        let request = HttpRequest {
            method: Method::Post,
            url: format!("{}{path}", self.base()),
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: Some(body.to_string().into_bytes()),
        };
        let answer = self.transport.send(&request, &[]).unwrap();
        serde_json::from_slice(&answer.body).unwrap()
    }

    fn certificate_requests(&self) -> u64 {
        let request = HttpRequest {
            method: Method::Get,
            url: format!("{}/__sandbox/stats", self.base()),
            headers: Vec::new(),
            body: None,
        };
        let stats: Value =
            serde_json::from_slice(&self.transport.send(&request, &[]).unwrap().body).unwrap();
        stats["certificate_requests"].as_u64().unwrap()
    }

    /// The notification the sandbox sends for `config`/`order`/`kind`, as received.
    fn capture(&self, config: &str, order: &str, kind: &str) -> NotificationRequest {
        let before = self.receiver.exchanges().len();
        let answer = self.post(
            "/__sandbox/notify",
            &json!({"config": config, "order": order, "to": self.receiver.url(), "kind": kind}),
        );
        assert_eq!(answer["reply_status"], json!(204), "{answer}");
        let exchanges = self.receiver.exchanges();
        assert_eq!(exchanges.len(), before + 1);
        exchanges.last().unwrap().request.clone()
    }

    fn config(&self, name: &str) -> String {
        self.dir
            .join(format!("{name}.json"))
            .to_str()
            .unwrap()
            .to_owned()
    }

    /// Writes a request document (`body` as text, else `body_base64`).
    fn save(&self, name: &str, request: &NotificationRequest) -> String {
        let mut doc = json!({"method": request.method, "headers": request.headers});
        match std::str::from_utf8(&request.body) {
            Ok(text) => doc["body"] = json!(text),
            Err(_) => {
                doc["body_base64"] =
                    json!(base64::engine::general_purpose::STANDARD.encode(&request.body));
            }
        }
        self.save_doc(name, &doc.to_string())
    }

    fn save_doc(&self, name: &str, text: &str) -> String {
        let path = self.dir.join(format!("{name}.request.json"));
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    }

    /// `payquery notify --config <config> --request <saved> [--now <now>]`.
    fn notify(&self, config: &str, request: &str, now: Option<i64>) -> (i32, Value) {
        let config = self.config(config);
        let now = now.map(|n| n.to_string());
        let mut args = vec!["notify", "--config", &config, "--request", request];
        if let Some(now) = &now {
            args.extend(["--now", now]);
        }
        run(&args)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.runtime.block_on(sandbox.shutdown());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn header<'a>(request: &'a NotificationRequest, name: &str) -> &'a str {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .unwrap()
}

fn timestamp(request: &NotificationRequest) -> i64 {
    header(request, "Wechatpay-Timestamp").parse().unwrap()
}

/// `request` with `body` signed again as the sandbox signs the public-key merchant's
/// notifications (a valid signature over whatever the test made of the body).
fn resigned(request: &NotificationRequest, body: Vec<u8>) -> NotificationRequest {
    let key = RsaPrivateKey::from_pem("wechatpay", seed::WECHATPAY_PRIVATE_KEY_PEM).unwrap();
    let mut message = format!(
        "{}\n{}\n",
        header(request, "Wechatpay-Timestamp"),
        header(request, "Wechatpay-Nonce")
    )
    .into_bytes();
    message.extend_from_slice(&body);
    message.push(b'\n');
    let signature = key.sign_sha256_base64(&message).unwrap();
    let mut out = request.clone();
    for (name, value) in &mut out.headers {
        if name.eq_ignore_ascii_case("Wechatpay-Signature") {
            value.clone_from(&signature);
        }
    }
    out.body = body;
    out
}

/// `request` with its envelope changed by `edit`, signed again.
fn with_envelope(request: &NotificationRequest, edit: impl Fn(&mut Value)) -> NotificationRequest {
    let mut envelope: Value = serde_json::from_slice(&request.body).unwrap();
    edit(&mut envelope);
    resigned(request, envelope.to_string().into_bytes())
}

/// Asserts a refusal: exit 1, the error code (and field), the reply status.
fn refused(out: &(i32, Value), code: &str, status: u64) {
    let (exit, json) = out;
    assert_eq!(*exit, 1, "{json}");
    assert_eq!(json["error"]["code"], json!(code), "{json}");
    assert_eq!(json["reply"]["status"], json!(status), "{json}");
    assert!(json.get("notification").is_none());
}

#[test]
fn wechatpay_saved_notifications_with_now() {
    let f = Fixture::start("wechatpay");
    let config = "wechatpay_edu_papay.notify";
    let ok = f.capture("wechatpay_edu_papay", "EDU_PAID_001", "ok");
    let now = timestamp(&ok);
    let ok_path = f.save("ok", &ok);

    let (code, json) = f.notify(config, &ok_path, Some(now));
    assert_eq!(code, 0, "{json}");
    assert_eq!(
        json["reply"],
        json!({"status": 204, "headers": [], "body": ""})
    );
    let notification = &json["notification"];
    assert_eq!(notification["verified"], json!(true));
    assert_eq!(notification["event_type"], json!("TRANSACTION.SUCCESS"));
    assert_eq!(notification["order"]["status"], json!("PAID"));
    assert_eq!(
        notification["order"]["amount"],
        json!({"minor": 888, "currency": "CNY"})
    );
    assert_eq!(notification["signature_serial"], json!(seed::PUB_KEY_ID));
    assert_eq!(notification["detail"]["kind"], json!("transaction"));
    assert!(json.get("attempts").is_none(), "--now sends nothing");

    // The same bytes as body_base64, and headers as an object.
    let mut doc = json!({"method": "POST"});
    doc["headers"] = Value::Object(
        ok.headers
            .iter()
            .map(|(n, v)| (n.clone(), json!(v)))
            .collect(),
    );
    doc["body_base64"] = json!(base64::engine::general_purpose::STANDARD.encode(&ok.body));
    let (code, json) = f.notify(config, &f.save_doc("b64", &doc.to_string()), Some(now));
    assert_eq!(code, 0, "{json}");

    // The body re-serialised (reordered, spaced) no longer verifies: 401.
    let envelope: Value = serde_json::from_slice(&ok.body).unwrap();
    let mut reordered = ok.clone();
    reordered.body = serde_json::to_vec_pretty(&envelope).unwrap();
    let out = f.notify(config, &f.save("reordered", &reordered), Some(now));
    refused(&out, "SIGNATURE_INVALID", 401);
    assert_eq!(
        serde_json::from_str::<Value>(out.1["reply"]["body"].as_str().unwrap()).unwrap()["code"],
        json!("FAIL")
    );

    // Probe traffic, a stale notification, the clock off either way: 401.
    let probe = f.capture("wechatpay_edu_papay", "EDU_PAID_001", "probe");
    refused(
        &f.notify(config, &f.save("probe", &probe), Some(now)),
        "SIGNATURE_INVALID",
        401,
    );
    let stale = f.capture("wechatpay_edu_papay", "EDU_PAID_001", "stale");
    refused(
        &f.notify(config, &f.save("stale", &stale), Some(now)),
        "TIMESTAMP_SKEW",
        401,
    );
    refused(
        &f.notify(config, &ok_path, Some(now + 301)),
        "TIMESTAMP_SKEW",
        401,
    );
    refused(
        &f.notify(config, &ok_path, Some(now - 301)),
        "TIMESTAMP_SKEW",
        401,
    );
    let tampered = f.capture("wechatpay_edu_papay", "EDU_PAID_001", "tampered");
    refused(
        &f.notify(config, &f.save("tampered", &tampered), Some(now)),
        "SIGNATURE_INVALID",
        401,
    );

    // Sealed with another APIv3 key: 400 DECRYPT_ERROR.
    let wrong = f.capture("wechatpay_edu_papay", "EDU_PAID_001", "wrong_key");
    refused(
        &f.notify(config, &f.save("wrong", &wrong), Some(now)),
        "DECRYPT_ERROR",
        400,
    );

    // Signed correctly, but the resource cannot be opened: a truncated ciphertext, another
    // algorithm. 400, never a panic.
    let truncated = with_envelope(&ok, |e| {
        let ciphertext = e["resource"]["ciphertext"].as_str().unwrap().to_owned();
        e["resource"]["ciphertext"] = json!(ciphertext[..ciphertext.len() / 2]);
    });
    let out = f.notify(config, &f.save("truncated", &truncated), Some(now));
    eprintln!("DBG truncated {}", out.1);
    assert_eq!(
        (out.0, &out.1["reply"]["status"]),
        (1, &json!(400)),
        "{}",
        out.1
    );
    let other = with_envelope(&ok, |e| {
        e["resource"]["algorithm"] = json!("AEAD_AES_128_GCM")
    });
    let out = f.notify(config, &f.save("algorithm", &other), Some(now));
    eprintln!("DBG algorithm {}", out.1);
    assert_eq!(
        (out.0, &out.1["reply"]["status"]),
        (1, &json!(400)),
        "{}",
        out.1
    );
    // Re-signing alone changes nothing: the control passes.
    let control = with_envelope(&ok, |_| {});
    assert_eq!(
        f.notify(config, &f.save("control", &control), Some(now)).0,
        0
    );

    // A header missing, a header doubled: refused as unsigned or ambiguous.
    let mut missing = ok.clone();
    missing.headers.retain(|(n, _)| n != "Wechatpay-Nonce");
    refused(
        &f.notify(config, &f.save("missing", &missing), Some(now)),
        "SIGNATURE_INVALID",
        401,
    );
    let mut doubled = ok.clone();
    doubled.headers.push((
        "wechatpay-signature".to_owned(),
        header(&ok, "Wechatpay-Signature").to_owned(),
    ));
    refused(
        &f.notify(config, &f.save("doubled", &doubled), Some(now)),
        "SIGNATURE_INVALID",
        401,
    );

    // Bytes that are not UTF-8 (body_base64), signed: verified, then not JSON: 400.
    let binary = resigned(&ok, vec![0xff, 0xfe, b'{', 0x80]);
    assert!(f.save("binary", &binary).ends_with(".request.json"));
    let out = f.notify(config, &f.save("binary", &binary), Some(now));
    eprintln!("DBG binary {}", out.1);
    assert_eq!(
        (out.0, &out.1["reply"]["status"]),
        (1, &json!(400)),
        "{}",
        out.1
    );

    // A config without api_v3_key cannot open any notification: INVALID_CONFIG, 500.
    refused(
        &f.notify("wechatpay_edu_papay", &ok_path, Some(now)),
        "INVALID_CONFIG",
        500,
    );
}

#[test]
fn bad_request_documents_are_typed_errors_naming_the_member() {
    let f = Fixture::start("documents");
    let config = "wechatpay_edu_papay.notify";
    let cases: [(&str, &str); 9] = [
        (
            r#"{"method":"POST","headers":[],"body":"{}","body_base64":"e30="}"#,
            "body",
        ),
        (r#"{"method":"POST","headers":[]}"#, "body"),
        (
            r#"{"method":"POST","headers":[],"body_base64":"***"}"#,
            "body_base64",
        ),
        (r#"{"method":"POST","headers":[],"body":5}"#, "body"),
        (
            r#"{"method":"POST","headers":[["a"]],"body":""}"#,
            "headers",
        ),
        (
            r#"{"method":"POST","headers":{"a":1},"body":""}"#,
            "headers",
        ),
        (r#"{"headers":[],"body":""}"#, "method"),
        (r#"{"method":"POST","body":"","status":200}"#, "status"),
        (r#"["POST"]"#, "request"),
    ];
    for (i, (doc, field)) in cases.iter().enumerate() {
        let (code, json) = f.notify(config, &f.save_doc(&format!("bad{i}"), doc), Some(1));
        assert_eq!(code, 1, "{doc}: {json}");
        assert_eq!(
            json["error"]["code"],
            json!("INVALID_INPUT"),
            "{doc}: {json}"
        );
        assert_eq!(json["error"]["field"], json!(field), "{doc}: {json}");
        // No provider check ran: the reply asks WeChat Pay to send it again.
        assert_eq!(json["reply"]["status"], json!(500), "{doc}: {json}");
    }
    // A 10 MB body is refused unread (the document cap), naming the request.
    let big = format!(
        r#"{{"method":"POST","headers":[],"body":"{}"}}"#,
        "a".repeat(10 * 1024 * 1024)
    );
    let (code, json) = f.notify(config, &f.save_doc("big", &big), Some(1));
    assert_eq!(code, 1);
    assert_eq!(json["error"]["field"], json!("request"), "{json}");
    // A body over the core's notification cap but inside the document cap: the core's `body`.
    let large = format!(
        r#"{{"method":"POST","headers":[],"body":"{}"}}"#,
        "a".repeat(300 * 1024)
    );
    let out = f.notify(config, &f.save_doc("large", &large), Some(1));
    assert_eq!(out.1["error"]["field"], json!("body"), "{}", out.1);
    assert_eq!(out.1["reply"]["status"], json!(400));
    // A request file that is not there.
    let missing = f.dir.join("nothing.json");
    let (code, json) = f.notify(config, missing.to_str().unwrap(), Some(1));
    assert_eq!((code, &json["error"]["field"]), (1, &json!("request")));
    // A config that does not load: the error alone (no provider to reply for).
    let (code, json) = run(&[
        "notify",
        "--config",
        "/nonexistent.json",
        "--request",
        &f.save_doc("x", "{}"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(json["error"]["code"], json!("INVALID_CONFIG"));
    assert!(json.get("reply").is_none());
}

#[test]
fn fubei_vending_and_mini_program() {
    let f = Fixture::start("others");
    let ok = f.capture("fubei", "FB_PAID_001", "ok");
    let (code, json) = f.notify("fubei", &f.save("fubei-ok", &ok), Some(1_700_000_000));
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["reply"]["status"], json!(200));
    assert_eq!(json["reply"]["body"], json!("SUCCESS"));
    assert_eq!(
        json["notification"]["id"],
        json!("fubei:pay:20240520000000000001:SUCCESS")
    );
    assert_eq!(json["notification"]["order"]["amount"]["minor"], json!(29));

    // A field given twice: which one did the signature cover? Refused naming it.
    let mut doubled = ok.clone();
    doubled.body.extend_from_slice(b"&result_code=500");
    let out = f.notify("fubei", &f.save("fubei-doubled", &doubled), Some(1));
    refused(&out, "INVALID_INPUT", 400);
    assert_eq!(out.1["error"]["field"], json!("result_code"));
    assert_eq!(out.1["reply"]["body"], json!("FAIL"));

    for kind in ["tampered", "wrong_key"] {
        let bad = f.capture("fubei", "FB_PAID_001", kind);
        let out = f.notify("fubei", &f.save(kind, &bad), Some(1));
        refused(&out, "SIGNATURE_INVALID", 401);
        assert_eq!(out.1["reply"]["body"], json!("FAIL"));
    }

    // The vending callback is unsigned: accepted as a hint, with the query that confirms it.
    let delivery = f.capture("dingshang_vending", "1001", "ok");
    let (code, json) = f.notify("dingshang_vending", &f.save("vending", &delivery), Some(1));
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["notification"]["verified"], json!(false));
    assert_eq!(
        json["notification"]["confirm_query"],
        json!(r#"{"order_id":"1001"}"#)
    );
    assert_eq!(json["reply"]["status"], json!(200));

    // The Mini Program charge API sends no notifications: whatever comes is refused.
    let out = f.notify("wechat_mini_charge", &f.save("mini", &delivery), Some(1));
    refused(&out, "INVALID_INPUT", 400);
}

#[test]
fn live_an_unknown_certificate_is_downloaded_for_the_notification() {
    let f = Fixture::start("live");
    // After a rotation the auto merchant's notifications are signed with certificate B,
    // which a fresh client does not hold.
    f.post("/__sandbox/rotate", &json!({}));
    let rotated = f.capture("wechatpay_edu_papay.auto", "EDU_PAID_001", "ok");
    assert_eq!(
        header(&rotated, "Wechatpay-Serial"),
        seed::NEXT_PLATFORM_CERT_SERIAL
    );
    let saved = f.save("rotated", &rotated);

    // With --now: nothing is sent, the serial stays unknown, WeChat Pay is asked to re-send.
    let before = f.certificate_requests();
    let out = f.notify(
        "wechatpay_edu_papay.auto",
        &saved,
        Some(timestamp(&rotated)),
    );
    refused(&out, "SIGNATURE_INVALID", 500);
    assert_eq!(out.1["error"]["field"], json!("Wechatpay-Serial"));
    assert_eq!(f.certificate_requests(), before);

    // Without --now: one download on the notification's own flow, then it verifies.
    let (code, json) = f.notify("wechatpay_edu_papay.auto", &saved, None);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["attempts"][0]["purpose"], json!("certificates"));
    assert_eq!(json["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(
        json["notification"]["signature_serial"],
        json!(seed::NEXT_PLATFORM_CERT_SERIAL)
    );
    assert_eq!(json["reply"]["status"], json!(204));
    assert_eq!(f.certificate_requests(), before + 1);

    // Signed by a key nobody lists: the download does not help, 500 with its attempt.
    let unknown = f.capture("wechatpay_edu_papay.auto", "EDU_PAID_001", "unknown_serial");
    let out = f.notify(
        "wechatpay_edu_papay.auto",
        &f.save("unknown", &unknown),
        None,
    );
    refused(&out, "SIGNATURE_INVALID", 500);
    assert_eq!(
        out.1["error"]["attempts"][0]["purpose"],
        json!("certificates")
    );
}
