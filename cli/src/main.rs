//! `payquery`: the command-line host of payquery-core.
//!
//! It is a host like any other: it reads config/query/response documents, fills in the clock
//! and a CSPRNG nonce unless pinned, and prints JSON. Failures print
//! `{"error": {"code": …, "message": …, …}}` on stdout and exit 1; usage errors exit 2.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use payquery_core::PendingRequest;
use payquery_core::{
    Error, ErrorCode, HttpRequest, Nonce, QueryOptions, RequestContext, ResponseContext,
};
use serde_json::json;

use payquery_cli::documents::{
    load_client, load_notification_request, load_query, load_response, now_unix, random_nonce,
};
use payquery_cli::transport::HttpTransport;

#[derive(Parser, Debug)]
#[command(
    name = "payquery",
    version,
    about = "Ask Chinese payment providers what happened to an order (sans-IO core + CLI host)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Debug)]
struct BuildArgs {
    /// Client config document (JSON; `*_path` keys are read relative to it).
    #[arg(long)]
    config: PathBuf,
    /// Query document (JSON).
    #[arg(long)]
    query: PathBuf,
    /// Unix time to sign with (default: now).
    #[arg(long)]
    timestamp: Option<i64>,
    /// Nonce (default: 32 random [0-9A-Za-z] from the OS CSPRNG).
    #[arg(long)]
    nonce: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the signed request descriptor as JSON.
    Build(BuildArgs),
    /// Print a ready-to-run curl command for the signed request.
    Curl(BuildArgs),
    /// Two-phase signing, phase one (WeChat Pay): print `{"string_to_sign", "pending"}` for a
    /// key held elsewhere (KMS, HSM). No private key is needed in the config.
    Prepare(BuildArgs),
    /// Two-phase signing, phase two: attach a base64 RSA-SHA256 signature of `string_to_sign`
    /// to the pending request from `prepare` and print the descriptor (as `build` does).
    Finish {
        /// The JSON document `prepare` printed (or just its `pending` member).
        #[arg(long)]
        pending: PathBuf,
        /// The standard-base64 signature.
        #[arg(long)]
        signature: String,
    },
    /// Verify and parse a response document; print the order (or token) as JSON.
    Parse {
        /// Client config document (JSON).
        #[arg(long)]
        config: PathBuf,
        /// Response document `{"status": N, "headers": {...} or [[name, value], ...], "body":
        /// "<raw text>"}`.
        #[arg(long)]
        response: PathBuf,
        /// The query the response answers (needed for access-token responses).
        #[arg(long)]
        query: Option<PathBuf>,
        /// Current Unix time for freshness checks (default: now).
        #[arg(long)]
        now: Option<i64>,
    },
    /// The one-call query: send, verify and parse, failing over, retrying and (Mini Program)
    /// fetching a token as the policy says; print the result with every attempt.
    Query {
        /// Client config document (JSON; `*_path` keys are read relative to it).
        #[arg(long)]
        config: PathBuf,
        /// Query document (JSON).
        #[arg(long)]
        query: PathBuf,
        /// Query again until the order's status is final (or the deadline).
        #[arg(long)]
        poll: bool,
        /// The whole query's deadline in seconds (default 30; with --poll 600). May be
        /// fractional, e.g. 0.3.
        #[arg(long, value_parser = seconds)]
        deadline: Option<i64>,
        /// Per-request timeout in seconds (default 10); may be fractional.
        #[arg(long, value_parser = seconds)]
        timeout: Option<i64>,
        /// With --poll: the wait between polls in seconds (default 5, 10, 20, 30, then 60).
        #[arg(long, value_parser = seconds)]
        poll_interval: Option<i64>,
    },
    /// WeChat Pay platform certificates (a config with `api_v3_key`): download, decrypt and
    /// check them and print `{"certificates": [{serial_no, not_before, not_after,
    /// certificate_pem}, …], "attempts": […]}`, newest first; or, with --response, check a
    /// saved download answer without sending anything.
    Certificates {
        /// Client config document (JSON; `*_path` keys are read relative to it).
        #[arg(long)]
        config: PathBuf,
        /// Also write each certificate to `DIR/<serial_no>.pem` (for a config's
        /// `platform_certificates[].certificate_path`).
        #[arg(long)]
        write_dir: Option<PathBuf>,
        /// A saved download answer (a response document, as for `parse`) to check instead.
        #[arg(long)]
        response: Option<PathBuf>,
        /// With --response: the current Unix time for validity and freshness (default: now).
        #[arg(long)]
        now: Option<i64>,
        /// Per-request timeout in seconds (default 10); may be fractional.
        #[arg(long, value_parser = seconds)]
        timeout: Option<i64>,
    },
    /// Check a provider's notification (callback) as a web server received it; print the
    /// notification and the reply to send.
    ///
    /// Prints `{"notification": {…}, "reply": {status, headers, body}}`, or `{"error": {…},
    /// "reply": {…}}` and exit 1 — a refused notification has a reply to send too. WeChat Pay
    /// signed by a certificate the config does not hold gets one certificate download (with
    /// `--now`: none, the check is offline).
    Notify {
        /// Client config document (JSON; `*_path` keys are read relative to it).
        #[arg(long)]
        config: PathBuf,
        /// The notification: `{"method": "POST", "headers": [[name, value], …] or {name:
        /// value}, "body": "<raw text>"}` (or `"body_base64"` for bytes that are not UTF-8).
        #[arg(long)]
        request: PathBuf,
        /// Check a saved notification at this Unix time, sending nothing (no certificate
        /// download).
        #[arg(long)]
        now: Option<i64>,
        /// Per-request timeout of a certificate download in seconds (default 10); may be
        /// fractional.
        #[arg(long, value_parser = seconds)]
        timeout: Option<i64>,
    },
    /// Run the local fake of all five provider APIs on 127.0.0.1.
    Sandbox {
        /// Port to listen on (0 = pick a free one; it is printed).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Notify this `http://host:port/path` when a settling order changes to PAID (its
        /// third query), re-sent on the provider's schedule divided by 60 until accepted, at
        /// most 5 times.
        #[arg(long)]
        notify_url: Option<String>,
        /// Write `<provider>.json` configs, `<provider>.query.json` queries and the fault,
        /// failover, settling and token configs for it here.
        #[arg(long)]
        write_configs: Option<PathBuf>,
    },
    /// Start the sandbox in-process and query all five providers through real HTTP.
    Demo,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Demo => match payquery_cli::demo::run() {
            Ok(table) => {
                print_line(&table);
                ExitCode::SUCCESS
            }
            Err(report) => {
                print_line(&report);
                ExitCode::from(1)
            }
        },
        Command::Sandbox {
            port,
            notify_url,
            write_configs,
        } => run_sandbox(port, notify_url, write_configs),
        Command::Notify {
            config,
            request,
            now,
            timeout,
        } => notify(&config, &request, now, timeout),
        Command::Build(args) => {
            print_json_result(build(&args).map(|r| descriptor_json(&r).to_string()))
        }
        Command::Curl(args) => print_json_result(build(&args).map(|r| curl_command(&r))),
        Command::Prepare(args) => print_json_result(prepare(&args)),
        Command::Finish { pending, signature } => print_json_result(finish(&pending, &signature)),
        Command::Parse {
            config,
            response,
            query,
            now,
        } => print_json_result(parse(&config, &response, query.as_deref(), now)),
        Command::Certificates {
            config,
            write_dir,
            response,
            now,
            timeout,
        } => print_json_result(certificates(
            &config,
            write_dir.as_deref(),
            response.as_deref(),
            now,
            timeout,
        )),
        Command::Query {
            config,
            query,
            poll,
            deadline,
            timeout,
            poll_interval,
        } => {
            let options = QueryOptions {
                timeout_ms: timeout,
                deadline_ms: deadline,
                poll,
                poll_intervals_ms: poll_interval.map(|i| vec![i]),
                ..QueryOptions::default()
            };
            print_json_result(one_call_query(&config, &query, &options))
        }
    }
}

/// `SECS` (e.g. `10`, `0.3`) as whole milliseconds, at least 1.
fn seconds(text: &str) -> Result<i64, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 {
        return Err(format!(
            "`{text}` is not a number of seconds from 0.001 to 86400"
        ));
    }
    // At most 86 400 000 ms, well inside i64; the cast only drops the fraction of a ms.
    #[allow(clippy::cast_possible_truncation)]
    Ok(((secs * 1000.0).round() as i64).max(1))
}

fn one_call_query(
    config: &std::path::Path,
    query: &std::path::Path,
    options: &QueryOptions,
) -> Result<String, Error> {
    let client = load_client(config)?;
    let query = load_query(&client, query)?;
    let transport = HttpTransport::new(std::time::Duration::from_secs(600));
    let result = payquery_cli::query::run(&client, query, options, &transport, &[])?;
    serde_json::to_string_pretty(&result)
        .map_err(|e| Error::new(ErrorCode::DecodeError, format!("cannot print result: {e}")))
}

fn certificates(
    config: &std::path::Path,
    write_dir: Option<&std::path::Path>,
    response: Option<&std::path::Path>,
    now: Option<i64>,
    timeout: Option<i64>,
) -> Result<String, Error> {
    let client = load_client(config)?;
    let download = match response {
        Some(path) => {
            let response = load_response(path)?;
            let ctx = ResponseContext::from_host(now.unwrap_or_else(now_unix))?;
            client.parse_certificates_response(&response, &ctx)?
        }
        None => {
            let options = QueryOptions {
                timeout_ms: timeout,
                ..QueryOptions::default()
            };
            let transport = HttpTransport::new(std::time::Duration::from_secs(600));
            payquery_cli::query::download_certificates(&client, &options, &transport)?
        }
    };
    if let Some(dir) = write_dir {
        let io_error = |what: &std::path::Path, e: std::io::Error| {
            Error::invalid_input("write_dir", format!("cannot write {}: {e}", what.display()))
        };
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        for certificate in &download.certificates {
            // The serial is checked hexadecimal: a safe file name.
            let path = dir.join(format!("{}.pem", certificate.serial_no));
            std::fs::write(&path, &certificate.certificate_pem).map_err(|e| io_error(&path, e))?;
        }
    }
    serde_json::to_string_pretty(&download)
        .map_err(|e| Error::new(ErrorCode::DecodeError, format!("cannot print result: {e}")))
}

/// Writes `text` and a newline to stdout. A reader that went away (`| head`) is no error of
/// ours: the rest is dropped, where `println!` would panic on the broken pipe.
fn print_line(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
}

/// Prints the output, or `{"error": …}` and exit status 1.
fn print_json_result(result: Result<String, Error>) -> ExitCode {
    match result {
        Ok(output) => {
            print_line(&output);
            ExitCode::SUCCESS
        }
        Err(err) => {
            print_line(&json!({ "error": err }).to_string());
            ExitCode::from(1)
        }
    }
}

/// `payquery notify`: one line, `{"notification", "reply"[, "attempts"]}` and exit 0, or
/// `{"error", "reply"}` and exit 1. A request document the CLI cannot read reaches no
/// provider check, so its reply is the provider's "send it again" one; a config that does not
/// load has no provider to reply for, and prints the error alone.
fn notify(
    config: &std::path::Path,
    request: &std::path::Path,
    now: Option<i64>,
    timeout: Option<i64>,
) -> ExitCode {
    let client = match load_client(config) {
        Ok(client) => client,
        Err(e) => return print_json_result(Err(e)),
    };
    let outcome = load_notification_request(request).and_then(|request| match now {
        Some(now) => Ok((client.check_notification(&request, now), Vec::new())),
        None => {
            let options = QueryOptions {
                timeout_ms: timeout,
                ..QueryOptions::default()
            };
            let transport = HttpTransport::new(std::time::Duration::from_secs(600));
            payquery_cli::query::handle_notification(&client, request, &options, &transport)
        }
    });
    let (line, code) = match outcome {
        Ok((Ok(handled), attempts)) if attempts.is_empty() => (
            json!({"notification": handled.notification, "reply": handled.reply}),
            ExitCode::SUCCESS,
        ),
        Ok((Ok(handled), attempts)) => (
            json!({"notification": handled.notification, "reply": handled.reply, "attempts": attempts}),
            ExitCode::SUCCESS,
        ),
        Ok((Err(rejected), _)) => (
            json!({"error": rejected.error, "reply": rejected.reply}),
            ExitCode::from(1),
        ),
        Err(error) => (
            json!({"error": error, "reply": client.notification_retry_reply()}),
            ExitCode::from(1),
        ),
    };
    print_line(&line.to_string());
    code
}

fn run_sandbox(port: u16, notify_url: Option<String>, write_configs: Option<PathBuf>) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("payquery sandbox: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async {
        let options = payquery_sandbox::SandboxOptions { notify_url };
        let sandbox = match payquery_sandbox::start_with(port, options).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("payquery sandbox: cannot start on 127.0.0.1:{port}: {e}");
                return ExitCode::from(1);
            }
        };
        if let Some(dir) = write_configs {
            if let Err(e) = payquery_sandbox::write_configs(&dir, &sandbox.urls()) {
                eprintln!(
                    "payquery sandbox: cannot write configs to {}: {e}",
                    dir.display()
                );
                return ExitCode::from(1);
            }
            eprintln!(
                "payquery sandbox: wrote configs to {} (sandbox test credentials; nothing in them is real)",
                dir.display()
            );
        }
        print_line(&format!("payquery sandbox listening on {}", sandbox.base_url()));
        sandbox.wait().await;
        ExitCode::SUCCESS
    })
}

fn parse(
    config: &std::path::Path,
    response: &std::path::Path,
    query: Option<&std::path::Path>,
    now: Option<i64>,
) -> Result<String, Error> {
    let client = load_client(config)?;
    let query = query.map(|q| load_query(&client, q)).transpose()?;
    let response = load_response(response)?;
    let ctx = ResponseContext::from_host(now.unwrap_or_else(now_unix))?;
    let parsed = client.parse_response(query.as_ref(), &response, &ctx)?;
    serde_json::to_string_pretty(&parsed)
        .map_err(|e| Error::new(ErrorCode::DecodeError, format!("cannot print result: {e}")))
}

fn prepare(args: &BuildArgs) -> Result<String, Error> {
    let (client, query, ctx) = load_build_inputs(args)?;
    let pending = client.prepare_request(&query, &ctx)?;
    Ok(json!({ "string_to_sign": pending.string_to_sign(), "pending": pending }).to_string())
}

fn finish(pending: &std::path::Path, signature: &str) -> Result<String, Error> {
    let text = std::fs::read_to_string(pending).map_err(|e| {
        Error::new(
            ErrorCode::InvalidInput,
            format!("cannot read {}: {e}", pending.display()),
        )
    })?;
    let mut doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::new(
            ErrorCode::InvalidInput,
            format!("pending document is not JSON: {e}"),
        )
    })?;
    if let Some(inner) = doc.get_mut("pending") {
        doc = inner.take();
    }
    let pending = PendingRequest::from_json(&doc.to_string())?;
    Ok(descriptor_json(&pending.finish(signature)?).to_string())
}

fn load_build_inputs(
    args: &BuildArgs,
) -> Result<(payquery_core::Client, payquery_core::Query, RequestContext), Error> {
    let client = load_client(&args.config)?;
    let query = load_query(&client, &args.query)?;
    let nonce = match &args.nonce {
        Some(n) => Nonce::new(n.clone())?,
        None => random_nonce()?,
    };
    let ctx = RequestContext::from_host(
        args.timestamp.unwrap_or_else(now_unix),
        Some(nonce.as_str()),
        None,
    )?;
    Ok((client, query, ctx))
}

fn build(args: &BuildArgs) -> Result<HttpRequest, Error> {
    let (client, query, ctx) = load_build_inputs(args)?;
    client.build_request(&query, &ctx)
}

/// The CLI's descriptor shape: `{"method","url","headers":[[name,value],…],"body":string|null}`.
fn descriptor_json(request: &HttpRequest) -> serde_json::Value {
    json!({
        "method": request.method.as_str(),
        "url": request.url,
        "headers": request.headers.iter().map(|(n, v)| [n, v]).collect::<Vec<_>>(),
        "body": request.body_text(),
    })
}

/// Single-quotes a word for POSIX shells.
fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

fn curl_command(request: &HttpRequest) -> String {
    let mut parts = vec![
        "curl".to_owned(),
        "-sS".to_owned(),
        "-X".to_owned(),
        request.method.as_str().to_owned(),
        shell_quote(&request.url),
    ];
    for (name, value) in &request.headers {
        parts.push("-H".to_owned());
        parts.push(shell_quote(&format!("{name}: {value}")));
    }
    if let Some(body) = request.body_text() {
        parts.push("--data-binary".to_owned());
        parts.push(shell_quote(body));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting_survives_single_quotes() {
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
    }
}
