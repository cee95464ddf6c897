//! Reading the shared vectors (`tests/vectors/`): one loader for the vector runner, the
//! robustness test, the two-phase test and the benchmark.

// Each test crate that includes this module uses a different subset of it.
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use payquery_core::{Client, Error, HttpResponse};
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
    let mut config = config.clone();
    let dir = vectors_dir();
    payquery_core::resolve_pem_paths(&mut config, &mut |p| {
        std::fs::read_to_string(dir.join(p)).map_err(|e| e.to_string())
    })?;
    Client::from_config_json(&config.to_string())
}

/// A vector's `{"status", "headers", "body"}` response document.
pub fn response_from(doc: &Value) -> HttpResponse {
    let headers = doc["headers"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    HttpResponse::new(
        u16::try_from(doc["status"].as_u64().unwrap()).unwrap(),
        headers,
        doc["body"].as_str().unwrap().as_bytes().to_vec(),
    )
}
