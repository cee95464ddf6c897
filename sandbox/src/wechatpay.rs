//! WeChat Pay APIv3, provider side: verifies `WECHATPAY2-SHA256-RSA2048` request signatures
//! from the raw request, answers like WeChat Pay, signs every answer, and serves
//! platform-certificate downloads (`/v3/certificates`, Global `/v3/global/certificates`).
//!
//! Merchants ([`KNOWN_MERCHANTS`]): [`seed::MCHID`] and [`seed::FAILING_DOWNLOAD_MCHID`] get
//! answers signed in public-key mode (`PUB_KEY_ID_…`); [`seed::AUTO_MCHID`] gets answers signed
//! with the current platform certificate, which only the certificate endpoints hand out, so a
//! client configured with just its APIv3 key must download it (QUERY-FLOW.md §7).

// `order["key"] = …` only indexes objects built by `seed`, so it cannot panic.
#![allow(clippy::indexing_slicing)]

use std::sync::OnceLock;

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use payquery_core::crypto::{RsaPrivateKey, RsaPublicKey};
use payquery_core::ProviderId;
use serde_json::{json, Value};

use crate::fault::{truncate, Fault, UNKNOWN_SERIAL_ORDER_ID};
use crate::notify::{NotifyKind, Outgoing};
use crate::{now_unix, random_alphanumeric, seed, Answer, Received, Routed, SandboxState};

/// The merchants whose requests the sandbox accepts (all sign with the same merchant key).
const KNOWN_MERCHANTS: [&str; 3] = [seed::MCHID, seed::AUTO_MCHID, seed::FAILING_DOWNLOAD_MCHID];

/// Both sandbox platform certificates are valid 2020-01-01 to 2120-01-01 UTC; WeChat Pay
/// writes these times in China Standard Time.
const CERTIFICATE_VALIDITY: (&str, &str) =
    ("2020-01-01T08:00:00+08:00", "2120-01-01T08:00:00+08:00");

/// The associated data WeChat Pay encrypts certificates under.
const CERTIFICATE_AAD: &str = "certificate";

fn merchant_public_key() -> Option<&'static RsaPublicKey> {
    static KEY: OnceLock<Option<RsaPublicKey>> = OnceLock::new();
    KEY.get_or_init(|| RsaPublicKey::from_pem("merchant", seed::MERCHANT_PUBLIC_KEY_PEM).ok())
        .as_ref()
}

/// A key WeChat Pay signs its answers with, and the `Wechatpay-Serial` that names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SigningKey {
    /// Public-key mode: the key the usual configs carry (`wechatpay_public_key_pem`).
    PublicKey,
    /// Platform certificate A, listed from start-up.
    Platform,
    /// Platform certificate B, which a rotation brings in.
    NextPlatform,
    /// A key whose certificate no endpoint lists ([`UNKNOWN_SERIAL_ORDER_ID`]).
    Unknown,
}

impl SigningKey {
    /// The key `mchid`'s answers are signed with: for the auto merchant the current platform
    /// certificate (B once `rotated`), whatever `Wechatpay-Serial` the request named, because
    /// WeChat Pay signs with the certificate it currently uses; for the others the public key.
    fn for_merchant(mchid: &str, rotated: bool) -> Self {
        match (mchid == seed::AUTO_MCHID, rotated) {
            (false, _) => SigningKey::PublicKey,
            (true, false) => SigningKey::Platform,
            (true, true) => SigningKey::NextPlatform,
        }
    }

    fn serial(self) -> &'static str {
        match self {
            SigningKey::PublicKey => seed::PUB_KEY_ID,
            SigningKey::Platform => seed::PLATFORM_CERT_SERIAL,
            SigningKey::NextPlatform => seed::NEXT_PLATFORM_CERT_SERIAL,
            SigningKey::Unknown => seed::UNKNOWN_PLATFORM_SERIAL,
        }
    }

    /// The private key, parsed once per process.
    fn private_key(self) -> Option<&'static RsaPrivateKey> {
        static PUBLIC_KEY: OnceLock<Option<RsaPrivateKey>> = OnceLock::new();
        static PLATFORM: OnceLock<Option<RsaPrivateKey>> = OnceLock::new();
        static NEXT_PLATFORM: OnceLock<Option<RsaPrivateKey>> = OnceLock::new();
        static UNKNOWN: OnceLock<Option<RsaPrivateKey>> = OnceLock::new();
        let (cell, pem) = match self {
            SigningKey::PublicKey => (&PUBLIC_KEY, seed::WECHATPAY_PRIVATE_KEY_PEM),
            SigningKey::Platform => (&PLATFORM, seed::PLATFORM_CERT_PRIVATE_KEY_PEM),
            SigningKey::NextPlatform => (&NEXT_PLATFORM, seed::NEXT_PLATFORM_CERT_PRIVATE_KEY_PEM),
            SigningKey::Unknown => (&UNKNOWN, seed::ATTACKER_PRIVATE_KEY_PEM),
        };
        cell.get_or_init(|| RsaPrivateKey::from_pem("platform", pem).ok())
            .as_ref()
    }
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
/// Returns the merchant's id.
fn check_signature(r: &Received) -> Result<&'static str, Answer> {
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
    let Some(mchid) = KNOWN_MERCHANTS.into_iter().find(|known| *known == mchid) else {
        return Err(error(
            400,
            "INVALID_REQUEST",
            "商户号不存在 (unknown mchid)",
        ));
    };
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
    Ok(mchid)
}

/// Adds `Wechatpay-*` headers: the signature over `TS\nNONCE\nBODY\n` with `key`, as WeChat
/// Pay does.
fn sign(mut answer: Answer, fault: Option<Fault>, key: SigningKey) -> Answer {
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
    let Some(signature) = key
        .private_key()
        .and_then(|k| k.sign_sha256_base64(&message).ok())
    else {
        return error(500, "SYSTEM_ERROR", "sandbox signing key missing");
    };
    answer.headers.extend([
        (
            "Request-ID".to_owned(),
            format!("SANDBOX-{}", random_alphanumeric(16)),
        ),
        ("Wechatpay-Nonce".to_owned(), nonce),
        ("Wechatpay-Serial".to_owned(), key.serial().to_owned()),
        ("Wechatpay-Signature".to_owned(), signature),
        (
            "Wechatpay-Signature-Type".to_owned(),
            "WECHATPAY2-SHA256-RSA2048".to_owned(),
        ),
        ("Wechatpay-Timestamp".to_owned(), timestamp.to_string()),
    ]);
    answer
}

/// `AEAD_AES_256_GCM` as WeChat Pay encrypts a downloaded certificate (NOTIFICATIONS.md §1.3,
/// §1.7): the APIv3 key's 32 bytes, a fresh nonce of 12 ASCII characters, AAD `certificate`,
/// the ciphertext with the 16-byte tag appended in standard base64. `None` only if the AEAD
/// refuses its inputs, which fixed-size ones never make it do.
fn encrypt_certificate(pem: &str) -> Option<Value> {
    seal(pem.as_bytes(), CERTIFICATE_AAD, seed::API_V3_KEY.as_bytes())
}

/// Seals `plain` as WeChat Pay seals certificates and notification resources: AES-256-GCM
/// under `key` (32 bytes), a fresh 12-character nonce, `aad`; the resource object's
/// `algorithm`, `nonce`, `associated_data` and `ciphertext` (tag appended, standard base64).
fn seal(plain: &[u8], aad: &str, key: &[u8]) -> Option<Value> {
    let nonce = random_alphanumeric(12);
    let nonce_bytes: [u8; 12] = nonce.as_bytes().try_into().ok()?;
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).ok()?);
    let mut sealed = plain.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce_bytes),
        Aad::from(aad.as_bytes()),
        &mut sealed,
    )
    .ok()?;
    Some(json!({
        "algorithm": "AEAD_AES_256_GCM",
        "nonce": nonce,
        "associated_data": aad,
        "ciphertext": BASE64.encode(sealed),
    }))
}

/// The certificate endpoints' answer for `mchid`, whose answers are signed with `key`: the
/// auto merchant gets the platform certificates (newest first: B then A once `rotated`); the
/// failing-download merchant a 500, as an unhealthy WeChat Pay sends it (unsigned); any other
/// merchant the 404 WeChat Pay gives a merchant that only has a WeChat Pay public key.
fn certificates_answer(mchid: &str, key: SigningKey, rotated: bool) -> Answer {
    if mchid == seed::FAILING_DOWNLOAD_MCHID {
        return error(500, "SYSTEM_ERROR", "系统错误");
    }
    if mchid != seed::AUTO_MCHID {
        return sign(
            error(
                404,
                "RESOURCE_NOT_EXISTS",
                "无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥",
            ),
            None,
            key,
        );
    }
    let current = (seed::PLATFORM_CERT_SERIAL, seed::PLATFORM_CERT_PEM);
    let next = (
        seed::NEXT_PLATFORM_CERT_SERIAL,
        seed::NEXT_PLATFORM_CERT_PEM,
    );
    let listed: &[(&str, &str)] = if rotated {
        &[next, current]
    } else {
        &[current]
    };
    let data: Option<Vec<Value>> = listed
        .iter()
        .map(|(serial, pem)| {
            Some(json!({
                "serial_no": serial,
                "effective_time": CERTIFICATE_VALIDITY.0,
                "expire_time": CERTIFICATE_VALIDITY.1,
                "encrypt_certificate": encrypt_certificate(pem)?,
            }))
        })
        .collect();
    match data {
        Some(data) => sign(Answer::json(200, &json!({ "data": data })), None, key),
        None => error(
            500,
            "SYSTEM_ERROR",
            "sandbox could not encrypt a certificate",
        ),
    }
}

pub(crate) fn handle(state: &SandboxState, r: &Received) -> Routed {
    let certificates = matches!(
        r.path.as_str(),
        "/v3/certificates" | "/v3/global/certificates"
    );
    if certificates {
        // Every request counts, whatever the answer: a client's download attempts are what
        // the stats are for.
        state.count_certificate_request();
    }
    // WeChat Pay signs its answers to requests it could authenticate; a request it could not
    // (wrong method, bad or missing signature, unknown merchant) gets an unsigned answer.
    if r.method != "GET" {
        return Routed::plain(error(405, "INVALID_REQUEST", "method not allowed"));
    }
    let mchid = match check_signature(r) {
        Ok(mchid) => mchid,
        Err(answer) => return Routed::plain(answer),
    };
    // Read once, so the certificates listed and the key signing them agree.
    let rotated = state.rotated();
    let merchant_key = SigningKey::for_merchant(mchid, rotated);
    if certificates {
        return Routed::plain(certificates_answer(mchid, merchant_key, rotated));
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
                Fault::is_showcase_id(provider, &no),
                state.settle(provider, &no, Some(mchid)),
            ) {
                // A fault id stands for the PAID showcase order, answered under the requested id.
                (true, _) => seed::edu_order(seed::EDU_SHOWCASE_ORDER_NO, sub.as_deref())
                    .map(|o| seed::answered_as(o, "out_trade_no", json!(no))),
                (false, Some(seeded)) => seed::edu_order(seeded, sub.as_deref())
                    .map(|o| seed::answered_as(o, "out_trade_no", json!(no))),
                (false, None) => seed::edu_order(&no, sub.as_deref()),
            };
            // The service provider asked is the one that answers.
            let order = order.map(|o| seed::answered_as(o, "sp_mchid", json!(mchid)));
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
                    merchant_key,
                ));
            }
            let order = match (&out_order_no, &query_id) {
                (Some(no), _) => {
                    let provider = ProviderId::WechatpayPayscoreOversea;
                    let shown = if Fault::is_showcase_id(provider, no) {
                        Some(seed::PAYSCORE_SHOWCASE_ORDER_NO)
                    } else {
                        state.settle(provider, no, Some(mchid))
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
            // The partner merchant asked is the one that answers.
            let order = order.map(|o| seed::answered_as(o, "mchid", json!(mchid)));
            (ProviderId::WechatpayPayscoreOversea, order, out_order_no)
        } else {
            return Routed::plain(sign(
                error(404, "NOT_FOUND", "请求的资源不存在 (no such API)"),
                None,
                merchant_key,
            ));
        };
    let fault = Fault::requested(
        provider,
        r.header(crate::FAULT_HEADER),
        order_key.as_deref(),
    );
    let key = if order_key.as_deref() == Some(UNKNOWN_SERIAL_ORDER_ID) {
        SigningKey::Unknown
    } else {
        merchant_key
    };
    let answer = match (fault, order) {
        (Some(Fault::RateLimit), _) => error(429, "RATELIMIT_EXCEEDED", "频率限制 (rate limited)"),
        (Some(Fault::SystemError), _) => error(500, "SYSTEM_ERROR", "系统异常，请稍后重试"),
        (_, None) => error(404, "NOT_FOUND", "订单不存在 (order not found)"),
        (_, Some(order)) => Answer::json(200, &order),
    };
    Routed {
        answer: sign(answer, fault, key),
        fault,
    }
}

/// An APIv3 key no sandbox config holds (32 bytes, as a real key): a notification sealed
/// with it cannot be opened (`wrong_key`).
const WRONG_API_V3_KEY: &str = "NotTheSandboxApiV3Key00000000000";

/// The notification WeChat Pay would send now about `resource` (the order or service order
/// exactly as the query answers it) for the merchant `mchid` (NOTIFICATIONS.md §1): the
/// envelope with a fresh `id`, the resource sealed with the APIv3 key under AAD
/// `original_type`, signed like an answer — with the key WeChat Pay signs that merchant's
/// answers with, or as `kind` asks: a probe's `WECHATPAY/SIGNTEST/` signature, a timestamp
/// ten minutes old, a body changed after signing, a key nobody lists, another APIv3 key.
pub(crate) fn notification(
    provider: ProviderId,
    mchid: &str,
    rotated: bool,
    resource: &Value,
    kind: NotifyKind,
) -> Result<Outgoing, String> {
    let (event_type, summary, original_type) = match provider {
        ProviderId::WechatpayPayscoreOversea => {
            let paid =
                resource["state"] == "DONE" && resource["collection"]["state"] == "USER_PAID";
            if paid {
                ("PAYSCORE.USER_PAID", "用户支付成功", "payscore")
            } else {
                ("PAYSCORE.USER_CONFIRM", "用户确认订单", "payscore")
            }
        }
        _ if resource["trade_state"] == "SUCCESS" => {
            ("TRANSACTION.SUCCESS", "支付成功", "transaction")
        }
        _ => ("TRANSACTION.FAIL", "支付失败", "transaction"),
    };
    let key = match kind {
        NotifyKind::WrongKey => WRONG_API_V3_KEY,
        _ => seed::API_V3_KEY,
    };
    let mut sealed = seal(
        resource.to_string().as_bytes(),
        original_type,
        key.as_bytes(),
    )
    .ok_or("the sandbox could not encrypt the resource")?;
    sealed["original_type"] = json!(original_type);
    let envelope = json!({
        "id": crate::notify::event_id(),
        "create_time": crate::notify::china_time(now_unix()),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": sealed,
    });
    let signer = match kind {
        NotifyKind::UnknownSerial => SigningKey::Unknown,
        _ => SigningKey::for_merchant(mchid, rotated),
    };
    let fault = match kind {
        NotifyKind::Stale => Some(Fault::StaleTimestamp),
        // The signature covers another body than the one sent.
        NotifyKind::Tampered => Some(Fault::BadSignature),
        _ => None,
    };
    let signed = sign(Answer::json(200, &envelope), fault, signer);
    if signed.status != 200 {
        return Err("the sandbox could not sign the notification".to_owned());
    }
    let mut headers = signed.headers;
    if kind == NotifyKind::Probe {
        // WeChat Pay's probe traffic: a signature that is no base64 RSA signature at all.
        for (name, value) in &mut headers {
            if name == "Wechatpay-Signature" {
                *value = format!("WECHATPAY/SIGNTEST/{value}");
            }
        }
    }
    Ok(Outgoing {
        headers,
        body: signed.body,
    })
}
