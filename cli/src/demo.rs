//! `payquery demo`: the sandbox in-process, then the one-call query (the same driver as
//! `payquery query`) over real HTTP: every provider's paid showcase order, then what the flow
//! does for the host — a failover, a Mini Program token fetch, a poll that settles, and WeChat
//! Pay platform certificates downloaded by the flow, then a rotation picked up — and last two
//! notifications the sandbox sends to a receiver here, which hands each to the core's
//! notification flow on the same driver and answers the core's reply.

use std::time::Duration;

use std::sync::{Arc, Mutex};

use payquery_core::{
    Attempt, AttemptPurpose, Client, HostRole, HttpRequest, Method, NotificationRequest, Order,
    OrderStatus, ProviderId, QueryOptions, QueryResult,
};
use payquery_sandbox::{
    auto_config, client_configs, failover_config, settling_query, ProviderSetup, SandboxUrls,
};
use serde_json::Value;

use crate::query::NotificationOutcome;
use crate::receiver::Receiver;
use crate::transport::HttpTransport;

/// One demo row.
#[derive(Debug)]
pub struct DemoRow {
    /// What the row shows.
    pub label: String,
    /// Provider.
    pub provider: ProviderId,
    /// Order id shown (provider's, else merchant's).
    pub order_id: String,
    /// Unified status.
    pub status: OrderStatus,
    /// Amount with currency.
    pub amount: String,
    /// What was verified about the response.
    pub verification: String,
    /// The requests the query made.
    pub attempts: Vec<Attempt>,
    /// What the row shows after its requests (a notification's event and reply).
    pub then: Option<String>,
}

impl DemoRow {
    /// The row for `order`: its id (the provider's, else the merchant's) and amount as shown.
    fn for_order(
        label: &str,
        provider: ProviderId,
        order: &Order,
        verification: String,
        attempts: Vec<Attempt>,
        then: Option<String>,
    ) -> Self {
        DemoRow {
            label: label.to_owned(),
            provider,
            order_id: order
                .provider_order_id
                .clone()
                .or(order.merchant_order_no.clone())
                .unwrap_or_else(|| "-".to_owned()),
            status: order.status,
            amount: order
                .amount
                .as_ref()
                .map_or_else(|| "(not stated)".to_owned(), ToString::to_string),
            verification,
            attempts,
            then,
        }
    }
}

/// A row's check on its attempts: what it is meant to show.
type Expect = fn(&[Attempt]) -> bool;

fn one_query(attempts: &[Attempt]) -> bool {
    attempts.len() == 1
}

fn failed_over(attempts: &[Attempt]) -> bool {
    matches!(attempts, [main, backup] if main.transport.is_some() && backup.host == HostRole::Backup && backup.error.is_none())
}

fn fetched_a_token(attempts: &[Attempt]) -> bool {
    matches!(attempts, [token, query] if token.purpose == AttemptPurpose::Token && query.purpose == AttemptPurpose::Query)
}

fn settled_on_the_third(attempts: &[Attempt]) -> bool {
    attempts.len() == 3 && attempts.iter().all(|a| a.error.is_none())
}

fn downloaded_certificates(attempts: &[Attempt]) -> bool {
    matches!(attempts, [c, q] if c.purpose == AttemptPurpose::Certificates && q.purpose == AttemptPurpose::Query && c.error.is_none())
}

fn picked_up_a_rotation(attempts: &[Attempt]) -> bool {
    matches!(attempts, [q, c] if q.purpose == AttemptPurpose::Query && c.purpose == AttemptPurpose::Certificates && c.error.is_none())
}

/// Runs one query through the sandbox with a new client for `config`.
fn run_row(
    label: &str,
    provider: ProviderId,
    config: &Value,
    query: &Value,
    options: &QueryOptions,
    transport: &HttpTransport,
) -> Result<DemoRow, String> {
    let client = Client::from_config_json(&config.to_string())
        .map_err(|e| format!("{label}: config: {e}"))?;
    run_row_with(&client, label, provider, query, options, transport)
}

/// Runs one query through the sandbox with `client` (which keeps what it learnt: tokens,
/// certificates).
fn run_row_with(
    client: &Client,
    label: &str,
    provider: ProviderId,
    query: &Value,
    options: &QueryOptions,
    transport: &HttpTransport,
) -> Result<DemoRow, String> {
    let fail = |step: &str, e: payquery_core::Error| format!("{label}: {step}: {e}");
    let query = client
        .query_from_json(&query.to_string())
        .map_err(|e| fail("query", e))?;
    let result: QueryResult =
        crate::query::run(client, query, options, transport, &[]).map_err(|e| fail("query", e))?;
    let verification = match result.signature_serial {
        Some(serial) => format!("RSA-verified ({serial})"),
        None => "provider signs none".to_owned(),
    };
    Ok(DemoRow::for_order(
        label,
        provider,
        &result.order,
        verification,
        result.attempts,
        None,
    ))
}

/// `main 200`, `main ✗ reset → backup 200`, `token 200 → main 200`.
fn attempts_text(attempts: &[Attempt]) -> String {
    attempts
        .iter()
        .map(|a| {
            let place = match (a.purpose, a.host) {
                (AttemptPurpose::Token, HostRole::Main) => "token",
                (AttemptPurpose::Token, HostRole::Backup) => "token@backup",
                (AttemptPurpose::Query, HostRole::Main) => "main",
                (AttemptPurpose::Query, HostRole::Backup) => "backup",
                (AttemptPurpose::Certificates, HostRole::Main) => "certificates",
                (AttemptPurpose::Certificates, HostRole::Backup) => "certificates@backup",
                (AttemptPurpose::Store, _) | (_, HostRole::TokenStore) => "token store",
            };
            match (a.http_status, a.transport) {
                (_, Some(kind)) => format!("{place} ✗ {}", kind.as_str()),
                (Some(status), None) => format!("{place} {status}"),
                (None, None) => place.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The rows: every provider's paid order, then failover, token and poll.
fn rows(urls: &SandboxUrls) -> Vec<(String, ProviderSetup, Value, Value, QueryOptions, Expect)> {
    let setups = client_configs(urls);
    let mut rows: Vec<(String, ProviderSetup, Value, Value, QueryOptions, Expect)> = setups
        .iter()
        .map(|s| {
            (
                s.provider.to_string(),
                s.clone(),
                s.config.clone(),
                s.query.clone(),
                QueryOptions::default(),
                one_query as Expect,
            )
        })
        .collect();
    let find = |p: ProviderId| setups.iter().find(|s| s.provider == p).cloned();
    if let Some(edu) = find(ProviderId::WechatpayEduPapay) {
        let config = failover_config(urls, &edu);
        let query = edu.query.clone();
        rows.push((
            "failover: main host down".to_owned(),
            edu,
            config,
            query,
            QueryOptions::default(),
            failed_over,
        ));
    }
    if let Some(mini) = find(ProviderId::WechatMiniCharge) {
        let mut config = mini.config.clone();
        if let Some(object) = config.as_object_mut() {
            object.remove("access_token");
        }
        let query = mini.query.clone();
        rows.push((
            "token: fetched by the flow".to_owned(),
            mini,
            config,
            query,
            QueryOptions::default(),
            fetched_a_token,
        ));
    }
    if let (Some(fubei), Some(query)) = (find(ProviderId::Fubei), settling_query(ProviderId::Fubei))
    {
        let options = QueryOptions {
            poll: true,
            poll_intervals_ms: Some(vec![300]),
            deadline_ms: Some(10_000),
            ..QueryOptions::default()
        };
        let config = fubei.config.clone();
        rows.push((
            "poll: settles on the 3rd query".to_owned(),
            fubei,
            config,
            query,
            options,
            settled_on_the_third,
        ));
    }
    rows
}

/// Runs the demo and returns the printed table, or the failures.
pub fn run() -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let sandbox = runtime
        .block_on(payquery_sandbox::start(0))
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    let transport = HttpTransport::new(Duration::from_secs(30));
    let mut out = format!(
        "payquery demo — the one-call query against the sandbox at {} (test credentials, nothing real)\n\n",
        sandbox.base_url()
    );
    out.push_str(&format!(
        "{:<32} {:<32} {:<9} {:>12} {:<24} {}\n",
        "QUERY", "ORDER ID", "STATUS", "AMOUNT", "RESPONSE", "ATTEMPTS"
    ));
    let mut failures = Vec::new();
    let planned = rows(&sandbox.urls());
    let total = planned.len();
    for (label, setup, config, query, options, expect) in planned {
        let row = run_row(
            &label,
            setup.provider,
            &config,
            &query,
            &options,
            &transport,
        );
        report(row, expect, &mut out, &mut failures);
    }
    let total = total + certificate_rows(&sandbox, &transport, &mut out, &mut failures);
    let notified = notification_rows(&sandbox, &transport, &mut out, &mut failures);
    runtime.block_on(sandbox.shutdown());
    if failures.is_empty() {
        out.push_str(&format!(
            "\n{total} queries, all PAID: 5 providers, one failover, one token fetch, one poll that settled, certificates downloaded by the flow and a rotation picked up; {notified} notifications received, verified and answered."
        ));
        Ok(out)
    } else {
        out.push_str("\nFAILED:\n");
        for f in failures {
            out.push_str(&format!("  {f}\n"));
        }
        Err(out)
    }
}

/// Prints a row, and records it as failed unless it is PAID and shows what it is meant to.
fn report(
    row: Result<DemoRow, String>,
    expect: Expect,
    out: &mut String,
    failures: &mut Vec<String>,
) {
    match row {
        Ok(row) => {
            out.push_str(&format!(
                "{:<32} {:<32} {:<9} {:>12} {:<24} {}\n",
                row.label,
                row.order_id,
                row.status.as_str(),
                row.amount,
                truncated(&row.verification, 24),
                [
                    attempts_text(&row.attempts),
                    row.then.clone().unwrap_or_default()
                ]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" → ")
            ));
            if row.status != OrderStatus::Paid || !expect(&row.attempts) {
                failures.push(format!(
                    "{}: {} after {}",
                    row.label,
                    row.status.as_str(),
                    attempts_text(&row.attempts)
                ));
            }
        }
        Err(e) => failures.push(e),
    }
}

/// WeChat Pay platform certificates: one client on a config with only `api_v3_key` queries
/// (the flow downloads the certificates first), the sandbox rotates its certificate, and the
/// same client queries again (an answer signed by the new certificate: one download, the same
/// answer verified again). Returns the number of rows.
fn certificate_rows(
    sandbox: &payquery_sandbox::RunningSandbox,
    transport: &HttpTransport,
    out: &mut String,
    failures: &mut Vec<String>,
) -> usize {
    let setups = client_configs(&sandbox.urls());
    let Some((edu, config)) = setups
        .iter()
        .find(|s| s.provider == ProviderId::WechatpayEduPapay)
        .and_then(|s| Some((s, auto_config(s)?)))
    else {
        failures.push("certificates: no auto config for WeChat Pay edu-papay".to_owned());
        return 0;
    };
    let client = match Client::from_config_json(&config.to_string()) {
        Ok(client) => client,
        Err(e) => {
            failures.push(format!("certificates: config: {e}"));
            return 0;
        }
    };
    let options = QueryOptions::default();
    let first = run_row_with(
        &client,
        "certificates: downloaded",
        edu.provider,
        &edu.query,
        &options,
        transport,
    );
    report(first, downloaded_certificates, out, failures);
    let rotate = HttpRequest {
        method: Method::Post,
        url: format!("{}/__sandbox/rotate", sandbox.base_url()),
        headers: Vec::new(),
        body: Some(Vec::new()),
    };
    match transport.send_within(&rotate, &[], Some(Duration::from_secs(5))) {
        Ok(answer) if answer.status == 200 => {}
        Ok(answer) => failures.push(format!("certificates: rotate answered {}", answer.status)),
        Err((_, e)) => failures.push(format!("certificates: rotate: {e}")),
    }
    let second = run_row_with(
        &client,
        "certificates: rotation picked up",
        edu.provider,
        &edu.query,
        &options,
        transport,
    );
    report(second, picked_up_a_rotation, out, failures);
    2
}

/// A notification row: the sandbox sends one notification of `config`'s provider about
/// `order` to `receiver`, whose handler (the core's notification flow on the demo's driver)
/// recorded what it made of it in `outcomes`.
struct NotificationRow<'a> {
    label: &'a str,
    config: &'a str,
    order: &'a str,
    /// The reply status that says "received".
    accepted: u16,
    /// What the row's requests must be (a fresh WeChat Pay client downloads certificates).
    expect: Expect,
}

fn no_request(attempts: &[Attempt]) -> bool {
    attempts.is_empty()
}

fn downloaded_for_the_notification(attempts: &[Attempt]) -> bool {
    matches!(attempts, [c] if c.purpose == AttemptPurpose::Certificates && c.error.is_none())
}

type Outcomes = Arc<Mutex<Vec<(NotificationOutcome, Vec<Attempt>)>>>;

/// Two notifications, each to a receiver of its own on 127.0.0.1: WeChat Pay edu-papay for
/// the auto merchant (a client with only its APIv3 key, so the flow downloads the platform
/// certificates the notification is signed with, then verifies and decrypts it) and Fubei
/// (an MD5-signed form). Returns the number of rows.
fn notification_rows(
    sandbox: &payquery_sandbox::RunningSandbox,
    transport: &HttpTransport,
    out: &mut String,
    failures: &mut Vec<String>,
) -> usize {
    let setups = client_configs(&sandbox.urls());
    let config_of = |provider: ProviderId| {
        let setup = setups.iter().find(|s| s.provider == provider)?;
        match provider {
            ProviderId::WechatpayEduPapay => auto_config(setup),
            _ => Some(setup.config.clone()),
        }
    };
    let rows = [
        (
            ProviderId::WechatpayEduPapay,
            NotificationRow {
                label: "notification: WeChat Pay",
                config: "wechatpay_edu_papay.auto",
                order: "EDU_PAID_001",
                accepted: 204,
                expect: downloaded_for_the_notification,
            },
        ),
        (
            ProviderId::Fubei,
            NotificationRow {
                label: "notification: Fubei",
                config: "fubei",
                order: "FB_PAID_001",
                accepted: 200,
                expect: no_request,
            },
        ),
    ];
    for (provider, row) in &rows {
        let result = config_of(*provider)
            .ok_or_else(|| format!("{}: no sandbox config", row.label))
            .and_then(|config| {
                Client::from_config_json(&config.to_string())
                    .map_err(|e| format!("{}: config: {e}", row.label))
            })
            .and_then(|client| notification_row(sandbox, transport, client, *provider, row));
        report(result, row.expect, out, failures);
    }
    rows.len()
}

fn notification_row(
    sandbox: &payquery_sandbox::RunningSandbox,
    transport: &HttpTransport,
    client: Client,
    provider: ProviderId,
    row: &NotificationRow<'_>,
) -> Result<DemoRow, String> {
    let label = row.label;
    let outcomes: Outcomes = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&outcomes);
    // The receiver's driver: its own HTTP client, and a deadline under WeChat Pay's 5 s.
    let options = QueryOptions {
        deadline_ms: Some(4_000),
        ..QueryOptions::default()
    };
    let driver = HttpTransport::new(Duration::from_secs(5));
    let receiver = Receiver::start(Box::new(move |request: &NotificationRequest| {
        let outcome =
            crate::query::handle_notification(&client, request.clone(), &options, &driver);
        let reply = match &outcome {
            Ok((Ok(handled), _)) => handled.reply.clone(),
            Ok((Err(rejected), _)) => rejected.reply.clone(),
            Err(_) => client.notification_retry_reply(),
        };
        if let Ok(outcome) = outcome {
            recorded
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(outcome);
        }
        reply
    }))
    .map_err(|e| format!("{label}: cannot start the receiver: {e}"))?;
    let ask = serde_json::json!({
        "config": row.config, "order": row.order, "to": receiver.url(), "kind": "ok",
    });
    let send = HttpRequest {
        method: Method::Post,
        url: format!("{}/__sandbox/notify", sandbox.base_url()),
        headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
        body: Some(ask.to_string().into_bytes()),
    };
    let answer = transport
        .send_within(&send, &[], Some(Duration::from_secs(10)))
        .map_err(|(_, e)| format!("{label}: asking the sandbox to notify: {e}"))?;
    let answer: Value = serde_json::from_slice(&answer.body)
        .map_err(|e| format!("{label}: the sandbox answered {}: {e}", answer.status))?;
    let reply_status = answer.get("reply_status").and_then(Value::as_u64);
    let (outcome, attempts) = outcomes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop()
        .ok_or_else(|| format!("{label}: the receiver got no notification ({answer})"))?;
    let handled = outcome.map_err(|rejected| {
        format!(
            "{label}: refused with {} ({})",
            rejected.reply.status, rejected.error
        )
    })?;
    if reply_status != Some(u64::from(row.accepted)) {
        return Err(format!(
            "{label}: the sandbox saw reply {reply_status:?}, not {}",
            row.accepted
        ));
    }
    let notification = handled.notification;
    let order = notification
        .order
        .ok_or_else(|| format!("{label}: the notification is about no order"))?;
    let decrypted = matches!(
        provider,
        ProviderId::WechatpayEduPapay | ProviderId::WechatpayPayscoreOversea
    );
    let verification = match (notification.verified, decrypted) {
        (false, _) => "unsigned (a hint)",
        (true, true) => "RSA-verified, decrypted",
        (true, false) => "MD5-verified",
    };
    let then = format!(
        "{} → reply {}",
        notification.event_type, handled.reply.status
    );
    Ok(DemoRow::for_order(
        label,
        provider,
        &order,
        verification.to_owned(),
        attempts,
        Some(then),
    ))
}

fn truncated(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let kept: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{kept}…")
}
