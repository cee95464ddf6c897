//! Reading the shared vectors (`tests/vectors/`): one loader for the vector runner, the
//! robustness test, the two-phase test and the benchmark.

// Each test crate that includes this module uses a different subset of it.
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use payquery_core::crypto::RsaBackend;
use payquery_core::{Client, Config, Error, HttpResponse};
use serde_json::Value;

/// The shared vector directory.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

/// A vector file (`wechatpay_edu_papay.json`, …) as JSON.
pub fn vector_file(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(vectors_dir().join(name)).unwrap()).unwrap()
}

/// A test key's PEM text (`merchant_private_key.pem`, …).
pub fn key_pem(name: &str) -> String {
    std::fs::read_to_string(vectors_dir().join("keys").join(name)).unwrap()
}

/// A client from a vector config, its `*_path` keys read relative to the vector directory.
pub fn client_for(config: &Value) -> Result<Client, Error> {
    Client::new(&config_for(config)?)
}

/// [`client_for`] with the given RSA backend.
pub fn client_with_backend(
    config: &Value,
    backend: &'static dyn RsaBackend,
) -> Result<Client, Error> {
    Client::with_rsa_backend(&config_for(config)?, std::sync::Arc::new(backend))
}

fn config_for(config: &Value) -> Result<Config, Error> {
    let dir = vectors_dir();
    Config::from_json_with_files(&document_text(config), &mut |p| {
        std::fs::read_to_string(dir.join(p)).map_err(|e| e.to_string())
    })
}

/// A vector's config or query document as the JSON text a host passes: an object is
/// serialized; a string already is JSON text (for what an object cannot hold: a key given
/// twice, a lone surrogate escape).
pub fn document_text(document: &Value) -> String {
    match document {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A vector's `{"status", "headers", "body"}` response document; `headers` is an object or a
/// list of `[name, value]` pairs (repeated names kept).
pub fn response_from(doc: &Value) -> HttpResponse {
    let headers = match &doc["headers"] {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect(),
        Value::Array(pairs) => pairs
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_owned(),
                    p[1].as_str().unwrap().to_owned(),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    // `body` is text; `body_base64` carries bytes that are not UTF-8.
    let body = match doc.get("body_base64").and_then(Value::as_str) {
        Some(b64) => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap()
        }
        None => doc["body"].as_str().unwrap().as_bytes().to_vec(),
    };
    HttpResponse::new(
        u16::try_from(doc["status"].as_u64().unwrap()).unwrap(),
        headers,
        body,
    )
}
