//! Reading the JSON documents the CLI takes, and the host duties the core leaves to it
//! (clock, CSPRNG, file system).

use std::path::Path;

use payquery_core::{
    read_limited, Client, Config, Error, ErrorCode, HttpResponse, Nonce, NotificationRequest, Query,
};
use serde::Deserialize;

fn read_text(path: &Path, what: &str) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| {
        Error::new(
            ErrorCode::InvalidInput,
            format!("cannot read {what} {}: {e}", path.display()),
        )
    })
}

/// Opens a file a config document is or names, if it is a regular file. A FIFO would block
/// the open (and the read) forever; a device or a directory is no key file either. Checked
/// before opening, so nothing blocks.
fn open_regular(path: &Path) -> Result<std::fs::File, String> {
    if !std::fs::metadata(path)
        .map_err(|e| e.to_string())?
        .is_file()
    {
        return Err("it is not a regular file (a FIFO, a device or a directory)".to_owned());
    }
    std::fs::File::open(path).map_err(|e| e.to_string())
}

/// Reads a config file, or a file a config names, through the core's size cap
/// ([`payquery_core::MAX_DOCUMENT_BYTES`]): a 100 MiB file is refused, not read whole, and
/// `/dev/zero` or a FIFO is refused as not a regular file.
pub fn read_config_file(path: &Path, field: &str) -> Result<String, Error> {
    let read = open_regular(path)
        .map_err(|e| Error::invalid_config(field, e))
        .and_then(|mut file| read_limited(&mut file, field));
    read.map_err(|e| {
        Error::invalid_config(
            field,
            format!("cannot read {}: {}", path.display(), e.message()),
        )
    })
}

/// Loads a config document, resolving `*_path` keys relative to the document's directory.
pub fn load_client(path: &Path) -> Result<Client, Error> {
    let text = read_config_file(path, "config")?;
    let base = path.parent().unwrap_or(Path::new("."));
    let config = Config::from_json_with_files(&text, &mut |p| {
        let mut file = open_regular(&base.join(p))?;
        read_limited(&mut file, "path").map_err(|e| e.message().to_owned())
    })?;
    Client::new(&config)
}

/// Loads a query document for `client`'s provider.
pub fn load_query(client: &Client, path: &Path) -> Result<Query, Error> {
    client.query_from_json(&read_text(path, "query")?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseDocument {
    status: u16,
    #[serde(default)]
    headers: HeaderDocument,
    #[serde(default)]
    body: String,
}

/// Response headers as an object `{"Name": "value"}`, or as a list of `[name, value]` pairs
/// (the shape `build` prints; repeated names are kept, so a response that repeats a signature
/// header can be fed as received).
#[derive(Deserialize)]
#[serde(untagged)]
enum HeaderDocument {
    Pairs(Vec<(String, String)>),
    Object(serde_json::Map<String, serde_json::Value>),
}

impl HeaderDocument {
    /// The pairs in order. An object's non-string values are their JSON text, unless
    /// `strings_only` (a notification's headers are what was received: text).
    fn into_pairs(self, strings_only: bool) -> Result<Vec<(String, String)>, Error> {
        match self {
            HeaderDocument::Pairs(pairs) => Ok(pairs),
            HeaderDocument::Object(map) => map
                .into_iter()
                .map(|(name, value)| match value {
                    serde_json::Value::String(s) => Ok((name, s)),
                    _ if strings_only => Err(Error::invalid_input(
                        "headers",
                        format!("header `{}` is not a string", name.escape_debug()),
                    )),
                    other => Ok((name, other.to_string())),
                })
                .collect(),
        }
    }
}

impl Default for HeaderDocument {
    fn default() -> Self {
        HeaderDocument::Pairs(Vec::new())
    }
}

/// Loads `{"status": N, "headers": {"Name": "value"} | [["Name", "value"], …], "body": "<raw
/// text>"}`.
pub fn load_response(path: &Path) -> Result<HttpResponse, Error> {
    let doc: ResponseDocument =
        serde_json::from_str(&read_text(path, "response")?).map_err(|e| {
            Error::new(
                ErrorCode::InvalidInput,
                format!("invalid response document: {e}"),
            )
        })?;
    let headers = doc.headers.into_pairs(false)?;
    Ok(HttpResponse::new(
        doc.status,
        headers,
        doc.body.into_bytes(),
    ))
}

/// Loads a saved notification, `{"method": "POST", "headers": [["Name", "value"], …] |
/// {"Name": "value"}, "body": "<raw text>"}` or with `"body_base64"` instead of `"body"` for
/// bytes that are not UTF-8 (exactly one of them). The file is read through the core's size
/// cap like every other document; a bad document is `INVALID_INPUT` naming the member (or
/// `request` for the file itself). The body is kept byte for byte: it is what was signed.
pub fn load_notification_request(path: &Path) -> Result<NotificationRequest, Error> {
    use base64::Engine as _;
    let invalid = |field: &str, why: String| Error::invalid_input(field, why);
    let text = open_regular(path)
        .map_err(|e| Error::invalid_input("request", e))
        .and_then(|mut file| read_limited(&mut file, "request"))
        .map_err(|e| {
            invalid(
                "request",
                format!("cannot read {}: {}", path.display(), e.message()),
            )
        })?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| invalid("request", format!("the request document is not JSON: {e}")))?;
    let serde_json::Value::Object(doc) = doc else {
        return Err(invalid(
            "request",
            "the request document is not a JSON object".to_owned(),
        ));
    };
    if let Some(unknown) = doc
        .keys()
        .find(|k| !matches!(k.as_str(), "method" | "headers" | "body" | "body_base64"))
    {
        return Err(invalid(
            unknown,
            format!(
                "unknown member `{}` (a request has method, headers and body or body_base64)",
                unknown.escape_debug()
            ),
        ));
    }
    let method = match doc.get("method") {
        Some(serde_json::Value::String(m)) => m.clone(),
        _ => {
            return Err(invalid(
                "method",
                "`method` is required, a string (\"POST\")".to_owned(),
            ))
        }
    };
    let headers = match doc.get("headers") {
        None => Vec::new(),
        Some(headers) => serde_json::from_value::<HeaderDocument>(headers.clone())
            .map_err(|_| {
                invalid(
                    "headers",
                    "`headers` must be [[name, value], …] or {name: value} with string values"
                        .to_owned(),
                )
            })
            .and_then(|h| h.into_pairs(true))?,
    };
    let body = match (doc.get("body"), doc.get("body_base64")) {
        (Some(serde_json::Value::String(text)), None) => text.clone().into_bytes(),
        (None, Some(serde_json::Value::String(encoded))) => {
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|e| invalid("body_base64", format!("`body_base64` is not base64: {e}")))?
        }
        (Some(_), Some(_)) => {
            return Err(invalid(
                "body",
                "give `body` or `body_base64`, not both".to_owned(),
            ))
        }
        (None, None) => {
            return Err(invalid(
                "body",
                "`body` (the raw text) or `body_base64` is required".to_owned(),
            ))
        }
        (Some(_), None) => return Err(invalid("body", "`body` must be a string".to_owned())),
        (None, Some(_)) => {
            return Err(invalid(
                "body_base64",
                "`body_base64` must be a string".to_owned(),
            ))
        }
    };
    Ok(NotificationRequest {
        method,
        headers,
        body,
    })
}

/// The current Unix time in seconds.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The current Unix time in milliseconds.
pub fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// 32 bytes from the OS CSPRNG.
pub fn random_bytes() -> Result<[u8; 32], Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        Error::new(
            ErrorCode::InvalidConfig,
            format!("the OS random number generator failed: {e}"),
        )
    })?;
    Ok(bytes)
}

/// A fresh 32-character nonce from the OS CSPRNG.
pub fn random_nonce() -> Result<Nonce, Error> {
    Ok(Nonce::from_random_bytes(&random_bytes()?))
}

#[cfg(test)]
mod fifo_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// Runs `f` on a thread, so a regression that blocks on a FIFO fails instead of hanging.
    fn within_a_minute<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(f()));
        rx.recv_timeout(std::time::Duration::from_secs(60))
            .expect("reading a FIFO blocked")
    }

    #[test]
    fn a_fifo_is_refused_naming_the_key_not_read() {
        let dir = std::env::temp_dir().join(format!("payquery-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("key.pem");
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let config = dir.join("config.json");
        std::fs::write(
            &config,
            r#"{"provider":"wechatpay_edu_papay","mchid":"1900000001","merchant_serial_no":"AB",
               "merchant_private_key_path":"key.pem","wechatpay_public_key_id":"PUB_KEY_ID_1",
               "wechatpay_public_key_pem":"x"}"#,
        )
        .unwrap();
        let e = within_a_minute(move || load_client(&config).unwrap_err());
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
        assert_eq!(e.field(), Some("merchant_private_key_path"));
        assert!(e.message().contains("not a regular file"), "{e}");
        // The config document itself.
        let e = within_a_minute({
            let fifo = fifo.clone();
            move || read_config_file(&fifo, "config").unwrap_err()
        });
        assert_eq!(
            (e.code(), e.field()),
            (ErrorCode::InvalidConfig, Some("config"))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
