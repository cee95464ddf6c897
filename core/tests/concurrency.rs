//! One `Client` shared by 8 threads × 10,000 mixed builds and parses gives exactly what one
//! thread gives: the client holds no per-call state (keys are immutable, nonces and clocks are
//! the caller's), so sharing it behind an `Arc` is the intended use.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use payquery_core::{Client, HttpResponse, Nonce, Query, RequestContext, ResponseContext};
use serde_json::Value;
use support::{client_for, response_from, vector_file};

const JOBS: usize = 10_000;
const THREADS: usize = 8;

/// Every parse vector of the edu-papay file made with its main config: signed answers, forged
/// ones, stale ones, errors. Job `i` parses vector `i % len`.
fn parse_jobs(client: &Client) -> Vec<(Option<Query>, HttpResponse, i64)> {
    let doc = vector_file("wechatpay_edu_papay.json");
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["config"] == "edu")
        .filter_map(|c| c.get("parse"))
        .map(|p| {
            let query = p
                .get("query")
                .map(|q| client.query_from_json(&q.to_string()).unwrap());
            (
                query,
                response_from(&p["response"]),
                p["now"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Job `i`: build a signed query (id, timestamp and nonce vary), then parse a vector answer;
/// both outcomes, errors included, as one comparable string.
fn job(client: &Client, parses: &[(Option<Query>, HttpResponse, i64)], i: usize) -> String {
    let query = client
        .query_from_json(&format!(r#"{{"out_trade_no":"ORDER_{}"}}"#, i % 97))
        .unwrap();
    let ctx = RequestContext::new(
        1_700_000_000 + i64::try_from(i).unwrap(),
        Nonce::new(format!("n{i}")).unwrap(),
    );
    // The whole request, signature included (Debug would redact the Authorization header).
    let built = client
        .build_request(&query, &ctx)
        .map(|r| (r.method, r.url, r.headers, r.body));
    let (query, response, now) = &parses[i % parses.len()];
    let parsed = client
        .parse_response(query.as_ref(), response, &ResponseContext::new(*now))
        .map(|p| serde_json::to_string(&p).unwrap());
    format!("{built:?}\n{parsed:?}")
}

#[test]
fn one_client_shared_by_8_threads_matches_one_thread() {
    let config: Value = vector_file("wechatpay_edu_papay.json")["configs"]["edu"].clone();
    let client = client_for(&config).unwrap();
    let parses = parse_jobs(&client);
    assert!(parses.len() >= 40, "{} parse vectors", parses.len());

    let single: Vec<String> = (0..JOBS).map(|i| job(&client, &parses, i)).collect();

    let next = AtomicUsize::new(0);
    let threaded = Mutex::new(vec![String::new(); JOBS]);
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= JOBS {
                    break;
                }
                let out = job(&client, &parses, i);
                threaded.lock().unwrap()[i] = out;
            });
        }
    });
    let threaded = threaded.into_inner().unwrap();
    for (i, (a, b)) in single.iter().zip(&threaded).enumerate() {
        assert_eq!(a, b, "job {i} differs between one thread and eight");
    }
    // The work was real: every build signed something different, and parses both succeeded and failed.
    let distinct: HashSet<&str> = single
        .iter()
        .map(|s| s.split('\n').next().unwrap())
        .collect();
    assert_eq!(distinct.len(), JOBS);
    assert!(single.iter().any(|s| s.contains("\nOk(")));
    assert!(single.iter().any(|s| s.contains("\nErr(")));
}
