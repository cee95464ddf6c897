//! `payquery query`: the one-call query, driven by the CLI's own blocking HTTP client. Like
//! every host's driver it is a short loop with no provider branch and no policy: the core's
//! flow says what to send, when to wait and when it is done.

use std::time::Duration;

use payquery_core::{
    Attempt, CertificateDownload, Client, Error, HandledNotification, NotificationRejected,
    NotificationRequest, Query, QueryFlow, QueryOptions, QueryResult, Reply, Step, StoreReply,
};

use crate::documents::{now_unix_ms, random_bytes};
use crate::transport::HttpTransport;

/// Runs `query` on `client` to its end: the answer or the error, with every attempt.
pub fn run(
    client: &Client,
    query: Query,
    options: &QueryOptions,
    transport: &HttpTransport,
    extra_headers: &[(&str, &str)],
) -> Result<QueryResult, Error> {
    let mut flow = client.start_query(query, options, now_unix_ms())?;
    drive(&mut flow, transport, extra_headers)?;
    flow.result()
}

/// `payquery certificates`: an explicit WeChat Pay platform-certificate download, driven by
/// the same loop as a query.
pub fn download_certificates(
    client: &Client,
    options: &QueryOptions,
    transport: &HttpTransport,
) -> Result<CertificateDownload, Error> {
    let mut flow = client.start_certificate_download(options, now_unix_ms())?;
    drive(&mut flow, transport, &[])?;
    flow.certificates_result()
}

/// The outcome of one notification: accepted or refused, each with the reply to send.
pub type NotificationOutcome = Result<HandledNotification, Box<NotificationRejected>>;

/// `payquery notify` (and the demo's receiver): one notification as received, driven by the
/// same loop as a query — WeChat Pay signed with a serial the client does not hold gets one
/// certificate download, then the same notification is checked again. Returns the outcome
/// and the requests made; `Err` only when the flow could not run at all.
pub fn handle_notification(
    client: &Client,
    request: NotificationRequest,
    options: &QueryOptions,
    transport: &HttpTransport,
) -> Result<(NotificationOutcome, Vec<Attempt>), Error> {
    let mut flow = client.start_notification(request, options, now_unix_ms())?;
    drive(&mut flow, transport, &[])?;
    let attempts = flow.attempts().to_vec();
    Ok((flow.notification_result(), attempts))
}

/// Runs `flow` until it says Done.
fn drive(
    flow: &mut QueryFlow,
    transport: &HttpTransport,
    extra_headers: &[(&str, &str)],
) -> Result<(), Error> {
    loop {
        match flow.next(now_unix_ms(), &random_bytes()?) {
            Step::Send {
                request,
                timeout_ms,
                // ureq's own body limit (HttpTransport) is above every client's cap.
                max_body_bytes: _,
            } => {
                let timeout = Duration::from_millis(timeout_ms);
                let reply = match transport.send_within(&request, extra_headers, Some(timeout)) {
                    Ok(response) => Reply::Response(response),
                    Err((kind, detail)) => Reply::Failed { kind, detail },
                };
                flow.receive(reply, now_unix_ms())?;
            }
            Step::Sleep { until_ms } => {
                let wait = until_ms.saturating_sub(now_unix_ms());
                std::thread::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(0)));
            }
            // The CLI plugs in no token store (options.token_store is false): never asked.
            Step::Store { .. } => flow.store_reply(
                StoreReply::Failed {
                    kind: "NoTokenStore".to_owned(),
                },
                now_unix_ms(),
            )?,
            Step::Done => return Ok(()),
        }
    }
}
