//! `payquery demo`: the sandbox in-process, then the one-call query (the same driver as
//! `payquery query`) over real HTTP: every provider's paid showcase order, then what the flow
//! does for the host — a failover, a Mini Program token fetch, a poll that settles, and WeChat
//! Pay platform certificates downloaded by the flow, then a rotation picked up.

use std::time::Duration;

use payquery_core::{
    Attempt, AttemptPurpose, Client, HostRole, HttpRequest, Method, OrderStatus, ProviderId,
    QueryOptions, QueryResult,
};
use payquery_sandbox::{
    auto_config, client_configs, failover_config, settling_query, ProviderSetup, SandboxUrls,
};
use serde_json::Value;

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
    let order = result.order;
    Ok(DemoRow {
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
        verification: match result.signature_serial {
            Some(serial) => format!("RSA-verified ({serial})"),
            None => "provider signs none".to_owned(),
        },
        attempts: result.attempts,
    })
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
    runtime.block_on(sandbox.shutdown());
    if failures.is_empty() {
        out.push_str(&format!(
            "\n{total} queries, all PAID: 5 providers, one failover, one token fetch, one poll that settled, certificates downloaded by the flow and a rotation picked up."
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
                attempts_text(&row.attempts)
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

fn truncated(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let kept: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{kept}…")
}
