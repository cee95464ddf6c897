//! Vending vendor, provider side: checks the `Appid`/`AppSecret` headers and the payload sign
//! (decoded from the base64 it received), then answers `{code, message, data}`.
//!
//! Assumption: the vendor documents no "order not found" code; the sandbox answers 40004
//! (neighbouring the documented 40005 "order expired").

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use payquery_core::crypto::{md5_upper_hex, secure_eq};
use payquery_core::ProviderId;
use serde_json::{json, Value};

use crate::fault::{truncate, Fault};
use crate::notify::Outgoing;
use crate::{seed, Answer, Received, Routed, SandboxState};

const PROVIDER: ProviderId = ProviderId::DingshangVending;

fn failure(status: u16, code: i64, message: &str) -> Answer {
    Answer::json(
        status,
        &json!({"code": code, "message": message, "data": {}}),
    )
}

/// The vendor's sign: sorted non-empty, non-"NULL" pairs but `sign`, `&key=` + key, MD5 upper.
fn expected_sign(payload: &serde_json::Map<String, Value>) -> String {
    let text = crate::sorted_sign_string(payload, |v| v.is_empty() || v == "NULL");
    md5_upper_hex(format!("{text}&key={}", seed::DS_SIGN_KEY).as_bytes())
}

pub(crate) fn handle(state: &SandboxState, r: &Received) -> Routed {
    let (Some(appid), Some(secret)) = (r.header("Appid"), r.header("AppSecret")) else {
        return Routed::plain(failure(401, 10008, "Appid or AppSecret is missing"));
    };
    if appid != seed::DS_APPID || !secure_eq(secret.as_bytes(), seed::DS_APP_SECRET.as_bytes()) {
        return Routed::plain(failure(401, 10014, "invalid appid"));
    }
    if r.method != "POST" {
        return Routed::plain(failure(405, 10005, "method not allowed"));
    }
    let payload = serde_json::from_slice::<Value>(&r.body)
        .ok()
        .and_then(|b| b.get("payload").and_then(Value::as_str).map(str::to_owned))
        .and_then(|p| BASE64.decode(p).ok())
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
    let Some(Value::Object(payload)) = payload else {
        return Routed::plain(failure(400, 4001, "payload is invalid"));
    };
    let given = payload
        .get("sign")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !secure_eq(given.as_bytes(), expected_sign(&payload).as_bytes()) {
        return Routed::plain(failure(400, 4006, "payload sign invalid"));
    }
    if payload.get("machine_no").and_then(Value::as_str) != Some(seed::DS_MACHINE_NO) {
        return Routed::plain(failure(400, 4007, "machine not found"));
    }
    let order_id = crate::percent_decode(r.path.trim_start_matches("/api/openapi/v1/orders/"));
    let fault = Fault::requested(PROVIDER, r.header(crate::FAULT_HEADER), Some(&order_id));
    let shown = match Fault::from_order_id(PROVIDER, &order_id) {
        // A fault id stands for the PAID showcase order, answered under the requested id.
        Some(_) => Some(seed::DS_SHOWCASE_ORDER_ID),
        None => state.settle(PROVIDER, &order_id, None),
    };
    let order = match shown {
        Some(seeded) => seed::ds_order(seeded).map(|data| {
            let id = order_id
                .parse::<i64>()
                .map_or_else(|_| json!(order_id), |n| json!(n));
            seed::answered_as(data, "order_id", id)
        }),
        None => seed::ds_order(&order_id),
    };
    let mut answer = match (fault, order) {
        (Some(Fault::RateLimit), _) => failure(429, 429, "too many requests"),
        (Some(Fault::SystemError), _) => failure(500, 500, "system error"),
        (_, None) => failure(200, 40004, "订单不存在"),
        (_, Some(data)) => Answer::json(200, &json!({"code": 0, "message": "ok", "data": data})),
    };
    if fault == Some(Fault::Truncated) {
        answer.body = truncate(&answer.body);
    }
    Routed { answer, fault }
}

/// The delivery (出货) callback the vendor would POST now for the seeded order `seeded`,
/// under the order id `echo` (NOTIFICATIONS.md §3, `device.delivery.response`): unsigned
/// JSON, delivered (`"1"`) when the order's first line was dispensed, else `"0"` with why.
/// `None` for an order the sandbox does not have or an id that is not an integer.
pub(crate) fn notification(seeded: &str, echo: &str) -> Option<Outgoing> {
    let order = seed::ds_order(seeded)?;
    let order_id: i64 = echo.parse().ok()?;
    let record = order.get("records").and_then(|r| r.get(0));
    let record_id = record
        .and_then(|r| r.get("id"))
        .cloned()
        .unwrap_or(json!(0));
    let delivered = record.and_then(|r| r.get("status")) == Some(&json!("IS_SUCCESS"));
    let mut body = json!({
        "method": "device.delivery.response",
        "order_id": order_id,
        "record_id": record_id,
        "deliver_status": if delivered { "1" } else { "0" },
        "floor_status": "0",
    });
    if let (false, Some(object)) = (delivered, body.as_object_mut()) {
        object.insert("error_msg".to_owned(), json!("出货失败 (not delivered)"));
    }
    Some(Outgoing {
        headers: vec![(
            "Content-Type".to_owned(),
            "application/json; charset=utf-8".to_owned(),
        )],
        body: body.to_string().into_bytes(),
    })
}
