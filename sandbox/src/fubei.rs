//! Fubei gateway, provider side: checks the MD5 `sign` by rebuilding the canonical string from
//! the JSON it received, then answers `{result_code, result_message, data}`.

use payquery_core::crypto::{md5_upper_hex, secure_eq};
use payquery_core::ProviderId;
use serde_json::{json, Value};

use crate::fault::{truncate, Fault};
use crate::notify::{NotifyKind, Outgoing};
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
        Some(sn) => state.settle(ProviderId::Fubei, sn, None).or(Some(sn)),
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

/// What an HTML form encodes (`application/x-www-form-urlencoded`): all but ASCII letters,
/// digits and `*-._` (a space as `%20`, which every form decoder reads too).
const FORM: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// A secret other than the sandbox's: a notification signed with it does not verify
/// (`wrong_key`).
const WRONG_APP_SECRET: &str = "not-the-sandbox-fubei-app-secret";

/// The pay-result notification Fubei would send now for the seeded order `seeded` (a
/// merchant order number in [`seed::FUBEI_ORDERS`]), under the merchant order number `echo`
/// (NOTIFICATIONS.md §2): the form `data` (JSON text, money in yuan), `result_code`,
/// `result_message`, `sign` = UPPER(MD5 of every other field, sorted, empty values kept, then
/// the app secret). `tampered` changes `data` after signing; `wrong_key` signs with another
/// secret. `None` for an order the sandbox does not have.
pub(crate) fn notification(seeded: &str, echo: &str, kind: NotifyKind) -> Option<Outgoing> {
    let (_, order_sn, state, _, fen) = seed::FUBEI_ORDERS.iter().find(|o| o.0 == seeded)?;
    let yuan = format!("{}.{:02}", fen / 100, fen % 100);
    let paid = *state == "SUCCESS";
    // 2024-05-20 13:00:34 in China: the query's `pay_time` (1716181234).
    let finish_time = if paid { "20240520130034" } else { "" };
    // Written as text, so the amounts are yuan numbers exactly as Fubei writes them.
    let data = format!(
        concat!(
            r#"{{"order_sn":"{osn}","merchant_order_sn":{msn},"ins_order_sn":"I{osn}","#,
            r#""channel_order_sn":"4200{osn}","order_status":"{state}","total_amount":{yuan},"#,
            r#""net_amount":{yuan},"buyer_pay_amount":{yuan},"fee":0,"pay_type":"wxpay","#,
            r#""user_id":"oUpF8uMuAJOM2pxb1Q","finish_time":"{finish_time}","store_id":25249,"#,
            r#""cashier_id":0,"attach":""}}"#
        ),
        osn = order_sn,
        msn = Value::String(echo.to_owned()),
        state = state,
        yuan = yuan,
        finish_time = finish_time,
    );
    let (result_code, result_message) = ("200", "成功");
    let secret = match kind {
        NotifyKind::WrongKey => WRONG_APP_SECRET,
        _ => seed::FUBEI_APP_SECRET,
    };
    let sign = md5_upper_hex(
        format!("data={data}&result_code={result_code}&result_message={result_message}{secret}")
            .as_bytes(),
    );
    let sent_data = match kind {
        // The amount raised after signing.
        NotifyKind::Tampered => data.replacen(
            &format!("\"total_amount\":{yuan}"),
            &format!("\"total_amount\":1{yuan}"),
            1,
        ),
        _ => data,
    };
    let encode = |v: &str| percent_encoding::utf8_percent_encode(v, FORM).to_string();
    let body = format!(
        "result_code={}&result_message={}&data={}&sign={}",
        encode(result_code),
        encode(result_message),
        encode(&sent_data),
        encode(&sign)
    );
    Some(Outgoing {
        headers: vec![(
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
        )],
        body: body.into_bytes(),
    })
}
