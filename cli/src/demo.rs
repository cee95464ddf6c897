//! `payquery demo`: the sandbox in-process, then one real HTTP round trip per provider —
//! build and sign with the core, send with a real client, verify and parse the answer.

use std::time::Duration;

use payquery_core::{Client, OrderStatus, ProviderId, RequestContext, ResponseContext};
use payquery_sandbox::{client_configs, ProviderSetup};

use crate::documents::{now_unix, random_nonce};
use crate::transport::HttpTransport;

/// One demo row.
#[derive(Debug)]
pub struct DemoRow {
    /// Provider.
    pub provider: ProviderId,
    /// Order id shown (provider's, else merchant's).
    pub order_id: String,
    /// Unified status.
    pub status: OrderStatus,
    /// Amount with currency.
    pub amount: String,
    /// Paid time.
    pub paid_at: String,
    /// What was verified about the response.
    pub verification: String,
}

/// Queries one provider's showcase order through the sandbox at `setup`.
pub fn query_one(setup: &ProviderSetup, transport: &HttpTransport) -> Result<DemoRow, String> {
    let fail = |step: &str, e: payquery_core::Error| format!("{}: {step}: {e}", setup.provider);
    let client =
        Client::from_config_json(&setup.config.to_string()).map_err(|e| fail("config", e))?;
    let query = client
        .query_from_json(&setup.query.to_string())
        .map_err(|e| fail("query", e))?;
    let ctx = RequestContext::new(now_unix(), random_nonce().map_err(|e| fail("nonce", e))?);
    let request = client
        .build_request(&query, &ctx)
        .map_err(|e| fail("build", e))?;
    let response = transport
        .send(&request, &[])
        .map_err(|e| format!("{}: send: {e}", setup.provider))?;
    let parsed = client
        .parse_response(Some(&query), &response, &ResponseContext::new(now_unix()))
        .map_err(|e| fail("parse", e))?;
    let payquery_core::ParsedResponse::Order(result) = parsed else {
        return Err(format!("{}: expected an order", setup.provider));
    };
    let order = result.order;
    let verification = match result.signature_serial {
        Some(serial) => format!("RSA signature verified ({serial})"),
        None => "provider signs no response".to_owned(),
    };
    Ok(DemoRow {
        provider: order.provider,
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
        paid_at: order
            .paid_at
            .map_or_else(|| "-".to_owned(), |t| t.to_string()),
        verification,
    })
}

/// Runs the demo and returns the printed table, or the first failure.
pub fn run() -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let sandbox = runtime
        .block_on(payquery_sandbox::start(0))
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    let transport = HttpTransport::new(Duration::from_secs(10));
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for setup in client_configs(&sandbox.base_url()) {
        match query_one(&setup, &transport) {
            Ok(row) => rows.push(row),
            Err(e) => failures.push(e),
        }
    }
    let mut out = format!(
        "payquery demo — sandbox at {} (test credentials, nothing real)\n\n",
        sandbox.base_url()
    );
    out.push_str(&format!(
        "{:<28} {:<32} {:<9} {:>14} {:<26} {}\n",
        "PROVIDER", "ORDER ID", "STATUS", "AMOUNT", "PAID AT (UTC)", "RESPONSE"
    ));
    for r in &rows {
        out.push_str(&format!(
            "{:<28} {:<32} {:<9} {:>14} {:<26} {}\n",
            r.provider.as_str(),
            r.order_id,
            r.status.as_str(),
            r.amount,
            r.paid_at,
            r.verification
        ));
    }
    runtime.block_on(sandbox.shutdown());
    if failures.is_empty() && rows.len() == 5 && rows.iter().all(|r| r.status == OrderStatus::Paid)
    {
        out.push_str(&format!(
            "\n{} of 5 providers queried, all PAID.",
            rows.len()
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
