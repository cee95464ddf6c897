//! Notifications, provider side (NOTIFICATIONS.md §7): the callbacks the providers POST to a
//! merchant's notify URL, built for a sandbox order as the provider would build them now, and
//! sent over plain HTTP.
//!
//! - `POST /__sandbox/notify` `{"config", "order", "to", "kind"}` sends one and answers what
//!   was sent and what the receiver replied;
//! - `payquery sandbox --notify-url URL` notifies a settling order's change to PAID there, in
//!   a thread of its own, retried on the provider's schedule divided by 60.
//!
//! The HTTP client is a few lines over `std::net::TcpStream` (HTTP/1.1, `Connection: close`):
//! the sandbox has no other use for one, and its receivers are on 127.0.0.1.

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use payquery_core::ProviderId;
use serde_json::{json, Value};

use crate::fault::Fault;
use crate::{seed, Answer, Received, SandboxState};

/// What a notification is made to test, beside the plain `ok`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotifyKind {
    /// As the provider sends it.
    Ok,
    /// WeChat Pay's probe traffic: `Wechatpay-Signature: WECHATPAY/SIGNTEST/…`.
    Probe,
    /// Signed ten minutes ago (WeChat Pay).
    Stale,
    /// The body changed after signing.
    Tampered,
    /// Signed with a key whose certificate no endpoint lists (WeChat Pay).
    UnknownSerial,
    /// Sealed with another APIv3 key (WeChat Pay), or signed with another app secret (Fubei).
    WrongKey,
}

impl NotifyKind {
    const ALL: [(NotifyKind, &'static str); 6] = [
        (NotifyKind::Ok, "ok"),
        (NotifyKind::Probe, "probe"),
        (NotifyKind::Stale, "stale"),
        (NotifyKind::Tampered, "tampered"),
        (NotifyKind::UnknownSerial, "unknown_serial"),
        (NotifyKind::WrongKey, "wrong_key"),
    ];

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
    }

    /// The kinds that mean something for `provider`: WeChat Pay all, Fubei what an MD5 form
    /// can show, the unsigned vending callback only `ok`.
    fn applies_to(self, provider: ProviderId) -> bool {
        match provider {
            ProviderId::WechatpayEduPapay | ProviderId::WechatpayPayscoreOversea => true,
            ProviderId::Fubei => matches!(
                self,
                NotifyKind::Ok | NotifyKind::Tampered | NotifyKind::WrongKey
            ),
            ProviderId::DingshangVending => self == NotifyKind::Ok,
            ProviderId::WechatMiniCharge => false,
        }
    }
}

/// One notification, ready to POST (the same bytes for each re-send, as the providers keep an
/// event's `id`).
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    /// Headers, in order.
    pub(crate) headers: Vec<(String, String)>,
    /// The body.
    pub(crate) body: Vec<u8>,
}

/// A fresh WeChat Pay event id, shaped like theirs (a UUID).
pub(crate) fn event_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // Uniqueness is all it needs; fall back to the clock and a counter.
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        bytes = (u128::from(crate::now_unix().unsigned_abs()) << 64 | u128::from(n)).to_be_bytes();
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let part = |from: usize, to: usize| hex.get(from..to).unwrap_or_default().to_owned();
    format!(
        "{}-{}-{}-{}-{}",
        part(0, 8),
        part(8, 12),
        part(12, 16),
        part(16, 20),
        part(20, 32)
    )
}

/// `secs` as WeChat Pay writes times: RFC 3339 in China Standard Time
/// (`2024-05-20T13:14:15+08:00`).
pub(crate) fn china_time(secs: i64) -> String {
    let local = secs + 8 * 3600;
    let (days, rest) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+08:00",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// `<provider>[.<variant>]`, as `--write-configs` names the config files: the provider, and
/// for WeChat Pay the merchant (`.auto` is [`seed::AUTO_MCHID`], signed with the platform
/// certificate; the plain config's merchant is signed with the public key).
fn parse_config(name: &str) -> Result<(ProviderId, &'static str), String> {
    let (provider, variant) = name.split_once('.').unwrap_or((name, ""));
    let provider = ProviderId::ALL
        .into_iter()
        .find(|p| p.as_str() == provider)
        .ok_or_else(|| format!("unknown provider in config `{name}`"))?;
    match (provider, variant) {
        (ProviderId::WechatMiniCharge, _) => Err(
            "the Mini Program charge API sends no order notifications (NOTIFICATIONS.md §3)"
                .to_owned(),
        ),
        (ProviderId::WechatpayEduPapay | ProviderId::WechatpayPayscoreOversea, "auto") => {
            Ok((provider, seed::AUTO_MCHID))
        }
        (_, "" | "failover") => Ok((provider, seed::MCHID)),
        _ => Err(format!(
            "config `{name}`: the variants that notify are the plain config, `.failover` and, for WeChat Pay, `.auto`"
        )),
    }
}

/// The notification `provider` would send now about the order `id` (the id the merchant
/// knows it by; a settling order as it stands, a fault id as the showcase order), for the
/// WeChat Pay merchant `mchid`. `None` for an order the sandbox does not have.
pub(crate) fn build(
    state: &SandboxState,
    provider: ProviderId,
    mchid: &str,
    id: &str,
    kind: NotifyKind,
) -> Option<Result<Outgoing, String>> {
    let seeded = if Fault::is_showcase_id(provider, id) {
        match provider {
            ProviderId::WechatpayEduPapay => seed::EDU_SHOWCASE_ORDER_NO,
            ProviderId::WechatpayPayscoreOversea => seed::PAYSCORE_SHOWCASE_ORDER_NO,
            ProviderId::Fubei => seed::FUBEI_SHOWCASE_ORDER_SN,
            ProviderId::DingshangVending => seed::DS_SHOWCASE_ORDER_ID,
            ProviderId::WechatMiniCharge => seed::MINI_SHOWCASE_ORDER_ID,
        }
    } else {
        state.settled_now(provider, id).unwrap_or(id)
    };
    let wechat = |resource: Option<Value>| {
        resource.map(|r| crate::wechatpay::notification(provider, mchid, state.rotated(), &r, kind))
    };
    match provider {
        ProviderId::WechatpayEduPapay => wechat(
            seed::edu_order(seeded, None)
                .map(|o| seed::answered_as(o, "out_trade_no", json!(id)))
                .map(|o| seed::answered_as(o, "sp_mchid", json!(mchid))),
        ),
        ProviderId::WechatpayPayscoreOversea => wechat(
            seed::payscore_order(seeded)
                .map(|o| seed::answered_as(o, "out_order_no", json!(id)))
                .map(|o| seed::answered_as(o, "mchid", json!(mchid))),
        ),
        ProviderId::Fubei => crate::fubei::notification(seeded, id, kind).map(Ok),
        ProviderId::DingshangVending => crate::dingshang::notification(seeded, id).map(Ok),
        ProviderId::WechatMiniCharge => None,
    }
}

/// How long a receiver has to answer (WeChat Pay's limit).
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// The most of a reply read.
const MAX_REPLY_BYTES: u64 = 64 * 1024;

/// A receiver's reply.
#[derive(Debug, Clone)]
pub(crate) struct Delivered {
    pub(crate) status: u16,
    pub(crate) body: String,
}

/// Checks `url` is one [`post`] can send to: `http://host:port/path`.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("`{url}` is not an http:// URL (the sandbox speaks plain HTTP)"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(format!("`{url}` names no host"));
    }
    Ok(())
}

/// POSTs `out` to `url` and reads the reply (HTTP/1.1, one exchange per connection).
pub(crate) fn post(url: &str, out: &Outgoing) -> Result<Delivered, String> {
    check_url(url)?;
    let rest = url.strip_prefix("http://").unwrap_or(url);
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let addr = with_port
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {authority}: {e}"))?
        .next()
        .ok_or_else(|| format!("{authority} resolves to no address"))?;
    let io = |what: &'static str| move |e: std::io::Error| format!("{what} {url}: {e}");
    let mut stream =
        TcpStream::connect_timeout(&addr, REPLY_TIMEOUT).map_err(io("connecting to"))?;
    stream
        .set_read_timeout(Some(REPLY_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(REPLY_TIMEOUT)))
        .map_err(io("configuring the connection to"))?;
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {authority}\r\n");
    for (name, value) in &out.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "User-Agent: payquery-sandbox\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        out.body.len()
    ));
    let mut request = head.into_bytes();
    request.extend_from_slice(&out.body);
    stream.write_all(&request).map_err(io("sending to"))?;
    let mut reply = Vec::new();
    let mut chunk = [0u8; 8192];
    // Until the reply is whole: a receiver that keeps the connection open despite
    // `Connection: close` is not waited for past its reply.
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                reply.extend_from_slice(chunk.get(..n).unwrap_or_default());
                if complete(&reply) || reply.len() as u64 >= MAX_REPLY_BYTES {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io("reading the reply of")(e)),
        }
    }
    parse_reply(&reply).ok_or_else(|| format!("{url} answered no HTTP/1.x reply"))
}

/// Whether `reply` holds a whole HTTP/1.x reply: its head, and the body its
/// `Content-Length` or last chunk says (a reply with neither ends when the connection does).
fn complete(reply: &[u8]) -> bool {
    let Some(split) = reply.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let (head, body) = reply.split_at(split + 4);
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let header = |name: &str| {
        head.split("\r\n")
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.trim() == name)
            .map(|(_, v)| v.trim().to_owned())
    };
    // A 204 or 304 has no body whatever its head says.
    let status = head.split(' ').nth(1).unwrap_or_default();
    if status == "204" || status == "304" {
        return true;
    }
    if header("transfer-encoding").is_some_and(|t| t == "chunked") {
        return body.ends_with(b"0\r\n\r\n");
    }
    match header("content-length").and_then(|n| n.parse::<usize>().ok()) {
        Some(n) => body.len() >= n,
        None => false,
    }
}

/// Status and body of an HTTP/1.x reply read to its end (a chunked body is unchunked).
fn parse_reply(reply: &[u8]) -> Option<Delivered> {
    let split = reply.windows(4).position(|w| w == b"\r\n\r\n")?;
    let (head, body) = reply.split_at(split);
    let head = std::str::from_utf8(head).ok()?;
    let body = body.get(4..).unwrap_or_default();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()?
        .strip_prefix("HTTP/1.")?
        .split(' ')
        .nth(1)?
        .parse()
        .ok()?;
    let header = |name: &str| {
        head.split("\r\n")
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    let body = if header("Transfer-Encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        unchunk(body)?
    } else {
        match header("Content-Length").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => body.get(..n).unwrap_or(body).to_vec(),
            None => body.to_vec(),
        }
    };
    Some(Delivered {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn unchunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let (size, after) = rest.split_at(line_end);
        let size = std::str::from_utf8(size).ok()?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        let after = after.get(2..)?;
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(after.get(..size)?);
        rest = after.get(size + 2..)?;
    }
}

/// Whether the provider takes `reply` as received: WeChat Pay any 2xx, Fubei the text
/// `SUCCESS` (any case), the vending vendor a 200.
pub(crate) fn accepted(provider: ProviderId, reply: &Delivered) -> bool {
    match provider {
        ProviderId::Fubei => reply.body.trim().eq_ignore_ascii_case("SUCCESS"),
        ProviderId::DingshangVending => reply.status == 200,
        _ => (200..300).contains(&reply.status),
    }
}

/// The waits before each re-send: WeChat Pay's 15/15/30/180 s (NOTIFICATIONS.md §1.6, the
/// same start for Pay Score) divided by 60. Fubei publishes no schedule and the vending
/// vendor documents no re-sends: they get the same one, so a sandbox host sees retries alike.
const RETRY_WAITS: [Duration; 4] = [
    Duration::from_millis(250),
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(3),
];

/// Sends `out` to `url` in a thread of its own until the receiver accepts it, at most five
/// times; every try counts in `sent`.
pub(crate) fn send_with_retries(
    provider: ProviderId,
    url: String,
    out: Outgoing,
    sent: Arc<AtomicU64>,
) {
    let spawned = std::thread::Builder::new()
        .name("sandbox-notify".to_owned())
        .spawn(move || {
            for wait in RETRY_WAITS.iter().map(Some).chain([None]) {
                sent.fetch_add(1, Ordering::Relaxed);
                if post(&url, &out).is_ok_and(|reply| accepted(provider, &reply)) {
                    return;
                }
                match wait {
                    Some(wait) => std::thread::sleep(*wait),
                    None => return,
                }
            }
        });
    if let Err(e) = spawned {
        eprintln!("payquery sandbox: cannot start a notification thread: {e}");
    }
}

/// `POST /__sandbox/notify`: builds the notification asked for, sends it once, and answers
/// `{"sent": {method, url, headers, body}, "reply_status", "reply_body"}` (502 with `error`
/// when the receiver could not be reached).
pub(crate) async fn endpoint(state: &SandboxState, r: &Received) -> Answer {
    let bad = |message: String| Answer::json(400, &json!({ "message": message }));
    if r.method != "POST" {
        return Answer::json(405, &json!({"message": "POST only"}));
    }
    let Ok(Value::Object(ask)) = serde_json::from_slice::<Value>(&r.body) else {
        return bad("the body must be a JSON object {config, order, to, kind}".to_owned());
    };
    let text = |key: &str| ask.get(key).and_then(Value::as_str);
    let (Some(config), Some(order), Some(to)) = (text("config"), text("order"), text("to")) else {
        return bad("`config`, `order` and `to` are required strings".to_owned());
    };
    let kind_name = text("kind").unwrap_or("ok");
    let Some(kind) = NotifyKind::from_name(kind_name) else {
        return bad(format!(
            "`kind` must be one of {}",
            NotifyKind::ALL.map(|(_, n)| n).join(", ")
        ));
    };
    let (provider, mchid) = match parse_config(config) {
        Ok(target) => target,
        Err(e) => return bad(e),
    };
    if !kind.applies_to(provider) {
        return bad(format!("kind `{kind_name}` means nothing for {provider}"));
    }
    if let Err(e) = check_url(to) {
        return bad(e);
    }
    let out = match build(state, provider, mchid, order, kind) {
        None => {
            return Answer::json(
                404,
                &json!({"message": format!("the sandbox has no {provider} order `{order}`")}),
            )
        }
        Some(Err(e)) => return Answer::json(500, &json!({ "message": e })),
        Some(Ok(out)) => out,
    };
    state.notifications_sent.fetch_add(1, Ordering::Relaxed);
    let sent = json!({
        "method": "POST",
        "url": to,
        "headers": out.headers.iter().map(|(n, v)| [n, v]).collect::<Vec<_>>(),
        "body": String::from_utf8_lossy(&out.body),
    });
    let url = to.to_owned();
    let delivered = tokio::task::spawn_blocking(move || post(&url, &out))
        .await
        .unwrap_or_else(|e| Err(format!("the sending task failed: {e}")));
    match delivered {
        Ok(reply) => Answer::json(
            200,
            &json!({"sent": sent, "reply_status": reply.status, "reply_body": reply.body}),
        ),
        Err(e) => Answer::json(
            502,
            &json!({"sent": sent, "reply_status": null, "error": e}),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_time_is_utc_plus_eight() {
        assert_eq!(china_time(1_716_181_234), "2024-05-20T13:00:34+08:00");
        assert_eq!(china_time(0), "1970-01-01T08:00:00+08:00");
        // Across a leap day and a year end in China.
        assert_eq!(china_time(1_709_222_399), "2024-02-29T23:59:59+08:00");
        assert_eq!(china_time(1_704_038_400), "2024-01-01T00:00:00+08:00");
    }

    #[test]
    fn replies_parse_with_length_or_chunks() {
        let r = parse_reply(b"HTTP/1.1 204 No Content\r\nX: y\r\n\r\n").unwrap();
        assert_eq!((r.status, r.body.as_str()), (204, ""));
        let r = parse_reply(
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nSUC\r\n4\r\nCESS\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!((r.status, r.body.as_str()), (200, "SUCCESS"));
        let r = parse_reply(b"HTTP/1.0 500 X\r\nContent-Length: 4\r\n\r\nFAILjunk").unwrap();
        assert_eq!((r.status, r.body.as_str()), (500, "FAIL"));
        assert!(parse_reply(b"garbage").is_none());
        assert!(complete(
            b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
        ));
        assert!(!complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nSUCC"
        ));
        assert!(complete(
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nS\r\n0\r\n\r\n"
        ));
    }

    #[test]
    fn event_ids_are_uuid_shaped_and_fresh() {
        let (a, b) = (event_id(), event_id());
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
        assert_ne!(a, b);
    }
}
