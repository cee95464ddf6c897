//! WeChat Mini Program charge `getOrder` and the two access-token endpoints, provider side.
//! Errors are HTTP 200 with `{errcode, errmsg}`, as WeChat answers them.

use payquery_core::ProviderId;
use serde_json::{json, Value};

use crate::fault::{truncate, Fault};
use crate::{now_unix, random_alphanumeric, seed, Answer, Received, Routed, SandboxState};

/// Lifetime of issued tokens.
const TOKEN_LIFETIME: i64 = 7200;

fn errcode(code: i64, message: &str) -> Answer {
    Answer::json(200, &json!({"errcode": code, "errmsg": message}))
}

/// Which token endpoint is issuing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenEndpoint {
    /// `cgi-bin/stable_token`: the same token until it nears expiry, unless `force_refresh`,
    /// which invalidates it.
    Stable { force_refresh: bool },
    /// `cgi-bin/token`: a new token every call.
    Classic,
}

fn issue(state: &SandboxState, endpoint: TokenEndpoint) -> Answer {
    const STABLE_PREFIX: &str = "SANDBOX_STABLE_";
    let now = now_unix();
    let Ok(mut tokens) = state.tokens.lock() else {
        return errcode(-1, "system error");
    };
    let prefix = match endpoint {
        TokenEndpoint::Stable {
            force_refresh: false,
        } => {
            if let Some((token, exp)) = tokens
                .iter()
                .find(|(t, exp)| t.starts_with(STABLE_PREFIX) && *exp > now + 300)
            {
                return Answer::json(
                    200,
                    &json!({"access_token": token, "expires_in": exp - now}),
                );
            }
            STABLE_PREFIX
        }
        TokenEndpoint::Stable {
            force_refresh: true,
        } => {
            tokens.retain(|(t, _)| !t.starts_with(STABLE_PREFIX));
            STABLE_PREFIX
        }
        TokenEndpoint::Classic => "SANDBOX_CLASSIC_",
    };
    let token = format!("{prefix}{}", random_alphanumeric(24));
    tokens.push((token.clone(), now + TOKEN_LIFETIME));
    Answer::json(
        200,
        &json!({"access_token": token, "expires_in": TOKEN_LIFETIME}),
    )
}

fn check_credentials(
    grant_type: Option<&str>,
    appid: Option<&str>,
    secret: Option<&str>,
) -> Result<(), Answer> {
    if grant_type != Some("client_credential") {
        return Err(errcode(40002, "invalid grant_type"));
    }
    if appid != Some(seed::MINI_APPID) {
        return Err(errcode(40013, "invalid appid"));
    }
    if secret != Some(seed::MINI_APP_SECRET) {
        return Err(errcode(
            40001,
            "invalid credential, access_token is invalid or not latest",
        ));
    }
    Ok(())
}

pub(crate) fn handle(state: &SandboxState, r: &Received) -> Routed {
    match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/cgi-bin/stable_token") => {
            state.count_token_request();
            let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            let s = |k: &str| body.get(k).and_then(Value::as_str);
            if let Err(a) = check_credentials(s("grant_type"), s("appid"), s("secret")) {
                return Routed::plain(a);
            }
            let force = body
                .get("force_refresh")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            Routed::plain(issue(
                state,
                TokenEndpoint::Stable {
                    force_refresh: force,
                },
            ))
        }
        ("GET", "/cgi-bin/token") => {
            state.count_token_request();
            let q = |k: &str| r.query_param(k);
            if let Err(a) = check_credentials(
                q("grant_type").as_deref(),
                q("appid").as_deref(),
                q("secret").as_deref(),
            ) {
                return Routed::plain(a);
            }
            Routed::plain(issue(state, TokenEndpoint::Classic))
        }
        ("GET", "/wxa/charge/service-provider/order/get") => get_order(state, r),
        (_, "/wxa/charge/service-provider/order/get") => {
            Routed::plain(errcode(10120405, "method not allowed"))
        }
        _ => Routed::plain(errcode(40066, "invalid url")),
    }
}

fn get_order(state: &SandboxState, r: &Received) -> Routed {
    let Some(token) = r.query_param("access_token") else {
        return Routed::plain(errcode(41001, "access_token missing"));
    };
    let expiry = state
        .tokens
        .lock()
        .ok()
        .and_then(|t| t.iter().find(|(tok, _)| *tok == token).map(|(_, exp)| *exp));
    match expiry {
        None => {
            return Routed::plain(errcode(
                40001,
                "invalid credential, access_token is invalid or not latest",
            ))
        }
        Some(exp) if exp <= now_unix() => {
            return Routed::plain(errcode(42001, "access_token expired"))
        }
        Some(_) => {}
    }
    let order_id = r.query_param("orderId").unwrap_or_default();
    let fault = Fault::requested(
        ProviderId::WechatMiniCharge,
        r.header(crate::FAULT_HEADER),
        Some(&order_id),
    );
    let provider = ProviderId::WechatMiniCharge;
    let shown = match Fault::from_order_id(provider, &order_id) {
        // A fault id stands for the PAID showcase order, answered under the requested id.
        Some(_) => Some(seed::MINI_SHOWCASE_ORDER_ID),
        None => state.settle(provider, &order_id, None),
    };
    let order = match shown {
        Some(seeded) => seed::mini_order(seeded)
            .map(|order| seed::answered_as(order, "orderId", json!(order_id))),
        None => seed::mini_order(&order_id),
    };
    let mut answer = match (fault, order) {
        (Some(Fault::RateLimit), _) => errcode(45011, "api minute-quota reach limit"),
        (Some(Fault::SystemError), _) => errcode(-1, "system error"),
        (_, None) => errcode(10120002, "参数错误 (order not found)"),
        (_, Some(order)) => {
            Answer::json(200, &json!({"errcode": 0, "errmsg": "ok", "order": order}))
        }
    };
    if fault == Some(Fault::Truncated) {
        answer.body = truncate(&answer.body);
    }
    Routed { answer, fault }
}
