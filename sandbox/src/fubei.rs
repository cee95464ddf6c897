//! Fubei gateway, provider side: checks the MD5 `sign` by rebuilding the canonical string from
//! the JSON it received, then answers `{result_code, result_message, data}`.

use payquery_core::crypto::{md5_upper_hex, secure_eq};
use payquery_core::ProviderId;
use serde_json::{json, Value};

use crate::fault::{truncate, Fault};
use crate::{seed, Answer, Received, Routed, SandboxState};

fn failure(code: i64, message: &str, sub_code: Option<&str>) -> Answer {
    let v = match sub_code {
        Some(s) => json!({"result_code": code, "result_message": message, "sub_code": s}),
        None => json!({"result_code": code, "result_message": message}),
    };
    Answer::json(200, &v)
}

/// Fubei's sign: all top-level parameters but `sign`, empty ones dropped, sorted, `k=v` joined
/// by `&`, the secret appended directly; MD5 upper-case hex.
fn expected_sign(params: &serde_json::Map<String, Value>) -> String {
    let mut text = crate::sorted_sign_string(params, |v| v.is_empty());
    text.push_str(seed::FUBEI_APP_SECRET);
    md5_upper_hex(text.as_bytes())
}

pub(crate) fn handle(state: &SandboxState, r: &Received) -> Routed {
    if r.method != "POST" {
        return Routed::plain(failure(400, "请求方式错误", Some("METHOD_NOT_ALLOWED")));
    }
    let Ok(Value::Object(params)) = serde_json::from_slice::<Value>(&r.body) else {
        return Routed::plain(failure(
            400,
            "参数格式错误 (body is not a JSON object)",
            Some("INVALID_PARAMETER"),
        ));
    };
    if params.get("app_id").and_then(Value::as_str) != Some(seed::FUBEI_APP_ID) {
        return Routed::plain(failure(400, "app_id不存在", Some("INVALID_APP_ID")));
    }
    let given = params
        .get("sign")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !secure_eq(given.as_bytes(), expected_sign(&params).as_bytes()) {
        return Routed::plain(failure(400, "签名错误", Some("INVALID_SIGN")));
    }
    if params.get("method").and_then(Value::as_str) != Some("openapi.payment.order.query") {
        return Routed::plain(failure(400, "method不存在", Some("INVALID_METHOD")));
    }
    let biz: Value = params
        .get("biz_content")
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null);
    let msn = biz.get("merchant_order_sn").and_then(Value::as_str);
    let osn = biz.get("order_sn").and_then(Value::as_str);
    if msn.is_some() == osn.is_some() {
        return Routed::plain(failure(
            400,
            "merchant_order_sn与order_sn必须二选一",
            Some("INVALID_PARAMETER"),
        ));
    }
    // Fault ids are merchant order numbers; one stands for the PAID showcase order, answered
    // under the requested id.
    let fault = Fault::requested(ProviderId::Fubei, r.header(crate::FAULT_HEADER), msn);
    let lookup = match msn {
        Some(sn) if Fault::from_order_id(ProviderId::Fubei, sn).is_some() => {
            Some(seed::FUBEI_SHOWCASE_ORDER_SN)
        }
        Some(sn) => state.settle(ProviderId::Fubei, sn).or(Some(sn)),
        None => None,
    };
    let data = seed::fubei_order_json(lookup, osn, msn);
    let mut answer = match (fault, data) {
        (Some(Fault::RateLimit), _) => Answer {
            status: 429,
            headers: vec![],
            body: Vec::new(),
        },
        (Some(Fault::SystemError), _) => failure(500, "系统繁忙，请稍后重试", Some("SYSTEM_ERROR")),
        (_, None) => failure(400, "订单不存在", Some("ORDER_NOT_EXIST")),
        (_, Some(data)) => Answer {
            status: 200,
            headers: vec![(
                "Content-Type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            )],
            body: format!(r#"{{"result_code":200,"result_message":"成功","data":{data}}}"#)
                .into_bytes(),
        },
    };
    if fault == Some(Fault::Truncated) {
        answer.body = truncate(&answer.body);
    }
    Routed { answer, fault }
}
