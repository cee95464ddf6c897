//! WeChat Pay APIv3, provider side: verifies `WECHATPAY2-SHA256-RSA2048` request signatures
//! from the raw request, answers like WeChat Pay, signs every answer (public-key mode).

// `order["key"] = …` only indexes objects built by `seed`, so it cannot panic.
#![allow(clippy::indexing_slicing)]

use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use payquery_core::crypto::{RsaPrivateKey, RsaPublicKey};
use payquery_core::ProviderId;
use serde_json::{json, Value};

use crate::fault::{truncate, Fault};
use crate::{now_unix, random_alphanumeric, seed, Answer, Received, Routed, SandboxState};

fn merchant_public_key() -> Option<&'static RsaPublicKey> {
    static KEY: OnceLock<Option<RsaPublicKey>> = OnceLock::new();
    KEY.get_or_init(|| RsaPublicKey::from_pem("merchant", seed::MERCHANT_PUBLIC_KEY_PEM).ok())
        .as_ref()
}

fn platform_private_key() -> Option<&'static RsaPrivateKey> {
    static KEY: OnceLock<Option<RsaPrivateKey>> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::from_pem("platform", seed::WECHATPAY_PRIVATE_KEY_PEM).ok())
        .as_ref()
}

fn error(status: u16, code: &str, message: &str) -> Answer {
    Answer::json(status, &json!({"code": code, "message": message}))
}

/// Parses `WECHATPAY2-SHA256-RSA2048 k="v",k="v",…`.
fn authorization_params(header: &str) -> Option<Vec<(String, String)>> {
    let rest = header.strip_prefix("WECHATPAY2-SHA256-RSA2048 ")?;
    rest.split(',')
        .map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            let v = v.strip_prefix('"')?.strip_suffix('"')?;
            Some((k.to_owned(), v.to_owned()))
        })
        .collect()
}

/// What WeChat Pay checks before it looks at the request: a well-formed Authorization from a
/// known merchant certificate, fresh, and a signature over the request exactly as received.
fn check_signature(r: &Received) -> Result<(), Answer> {
    let sign_error = |why: &str| error(401, "SIGN_ERROR", why);
    let header = r
        .header("Authorization")
        .ok_or_else(|| sign_error("缺少Authorization头 (missing Authorization)"))?;
    let params = authorization_params(header)
        .ok_or_else(|| sign_error("Authorization格式错误 (malformed Authorization)"))?;
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let (Some(mchid), Some(nonce), Some(ts), Some(serial), Some(signature)) = (
        get("mchid"),
        get("nonce_str"),
        get("timestamp"),
        get("serial_no"),
        get("signature"),
    ) else {
        return Err(sign_error(
            "Authorization缺少字段 (missing Authorization fields)",
        ));
    };
    if mchid != seed::MCHID {
        return Err(error(
            400,
            "INVALID_REQUEST",
            "商户号不存在 (unknown mchid)",
        ));
    }
    if serial != seed::MERCHANT_SERIAL {
        return Err(sign_error(
            "商户证书序列号有误 (unknown merchant certificate serial)",
        ));
    }
    let ts_value: i64 = ts.parse().map_err(|_| sign_error("timestamp格式错误"))?;
    if now_unix().abs_diff(ts_value) > 300 {
        return Err(sign_error(
            "请求时间戳已过期 (request timestamp outside 5 minutes)",
        ));
    }
    let body = std::str::from_utf8(&r.body).map_err(|_| sign_error("body is not UTF-8"))?;
    let message = format!("{}\n{}\n{ts}\n{nonce}\n{body}\n", r.method, r.target);
    let signature = BASE64
        .decode(signature)
        .map_err(|_| sign_error("signature不是base64"))?;
    let key =
        merchant_public_key().ok_or_else(|| error(500, "SYSTEM_ERROR", "sandbox key missing"))?;
    if !key.verify_sha256(message.as_bytes(), &signature) {
        return Err(sign_error("签名错误 (signature does not verify)"));
    }
    Ok(())
}

/// Adds `Wechatpay-*` headers: the signature over `TS\nNONCE\nBODY\n`, as WeChat Pay does.
fn sign(mut answer: Answer, fault: Option<Fault>) -> Answer {
    if fault == Some(Fault::Truncated) {
        answer.body = truncate(&answer.body);
    }
    let timestamp = match fault {
        Some(Fault::StaleTimestamp) => now_unix() - 600,
        _ => now_unix(),
    };
    let nonce = random_alphanumeric(32);
    let signed_body = match fault {
        Some(Fault::BadSignature) => b"{\"tampered\":true}".to_vec(),
        _ => answer.body.clone(),
    };
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(&signed_body);
    message.push(b'\n');
    let Some(signature) = platform_private_key().and_then(|k| k.sign_sha256_base64(&message).ok())
    else {
        return error(500, "SYSTEM_ERROR", "sandbox signing key missing");
    };
    answer.headers.extend([
        (
            "Request-ID".to_owned(),
            format!("SANDBOX-{}", random_alphanumeric(16)),
        ),
        ("Wechatpay-Nonce".to_owned(), nonce),
        ("Wechatpay-Serial".to_owned(), seed::PUB_KEY_ID.to_owned()),
        ("Wechatpay-Signature".to_owned(), signature),
        (
            "Wechatpay-Signature-Type".to_owned(),
            "WECHATPAY2-SHA256-RSA2048".to_owned(),
        ),
        ("Wechatpay-Timestamp".to_owned(), timestamp.to_string()),
    ]);
    answer
}

pub(crate) fn handle(state: &SandboxState, r: &Received) -> Routed {
    // WeChat Pay signs its answers to requests it could authenticate; a request it could not
    // (wrong method, bad or missing signature, unknown merchant) gets an unsigned answer.
    if r.method != "GET" {
        return Routed::plain(error(405, "INVALID_REQUEST", "method not allowed"));
    }
    if let Err(answer) = check_signature(r) {
        return Routed::plain(answer);
    }
    let (provider, order, order_key): (ProviderId, Option<Value>, Option<String>) =
        if let Some(segment) = r
            .path
            .strip_prefix("/v3/edu-papay/transactions/out-trade-no/")
        {
            let no = crate::percent_decode(segment);
            let sub = r.query_param("sub_mchid");
            let provider = ProviderId::WechatpayEduPapay;
            let order = match (
                Fault::from_order_id(provider, &no),
                state.settle(provider, &no),
            ) {
                // A fault id stands for the PAID showcase order, answered under the requested id.
                (Some(_), _) => seed::edu_order(seed::EDU_SHOWCASE_ORDER_NO, sub.as_deref())
                    .map(|o| seed::answered_as(o, "out_trade_no", json!(no))),
                (None, Some(seeded)) => seed::edu_order(seeded, sub.as_deref())
                    .map(|o| seed::answered_as(o, "out_trade_no", json!(no))),
                (None, None) => seed::edu_order(&no, sub.as_deref()),
            };
            (ProviderId::WechatpayEduPapay, order, Some(no))
        } else if r.path == "/v3/payscore/oversea/partner/serviceorder" {
            let (service_id, sub_mchid) = (r.query_param("service_id"), r.query_param("sub_mchid"));
            let (out_order_no, query_id) =
                (r.query_param("out_order_no"), r.query_param("query_id"));
            if service_id.as_deref() != Some(seed::PAYSCORE_SERVICE_ID)
                || sub_mchid.as_deref() != Some(seed::PAYSCORE_SUB_MCHID)
                || out_order_no.is_some() == query_id.is_some()
            {
                return Routed::plain(sign(
                    error(
                        400,
                        "PARAM_ERROR",
                        "参数错误 (service_id, sub_mchid, and one of out_order_no/query_id)",
                    ),
                    None,
                ));
            }
            let order = match (&out_order_no, &query_id) {
                (Some(no), _) => {
                    let provider = ProviderId::WechatpayPayscoreOversea;
                    let shown = match Fault::from_order_id(provider, no) {
                        Some(_) => Some(seed::PAYSCORE_SHOWCASE_ORDER_NO),
                        None => state.settle(provider, no),
                    };
                    match shown {
                        Some(seeded) => seed::payscore_order(seeded)
                            .map(|o| seed::answered_as(o, "out_order_no", json!(no))),
                        None => seed::payscore_order(no),
                    }
                }
                (_, Some(q)) if q == seed::PAYSCORE_QUERY_ID => {
                    seed::payscore_order(seed::PAYSCORE_SHOWCASE_ORDER_NO)
                }
                _ => None,
            };
            (ProviderId::WechatpayPayscoreOversea, order, out_order_no)
        } else {
            return Routed::plain(sign(
                error(404, "NOT_FOUND", "请求的资源不存在 (no such API)"),
                None,
            ));
        };
    let fault = Fault::requested(
        provider,
        r.header(crate::FAULT_HEADER),
        order_key.as_deref(),
    );
    let answer = match (fault, order) {
        (Some(Fault::RateLimit), _) => error(429, "RATELIMIT_EXCEEDED", "频率限制 (rate limited)"),
        (Some(Fault::SystemError), _) => error(500, "SYSTEM_ERROR", "系统异常，请稍后重试"),
        (_, None) => error(404, "NOT_FOUND", "订单不存在 (order not found)"),
        (_, Some(order)) => Answer::json(200, &order),
    };
    Routed {
        answer: sign(answer, fault),
        fault,
    }
}
