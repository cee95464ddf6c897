//! # payquery-typegen
//!
//! One model, every language: reads the JSON Schemas of payquery-core's public types (feature
//! `schema`, schemars derives beside each type) and writes the host types that are not derived
//! directly (Kotlin and Swift are: UniFFI derives on the same types):
//!
//! - `bindings-wasm/npm/models.d.ts`: the TypeScript declarations;
//! - `bindings-wasm/npm/models.cjs`: the shapes the npm package converts answers with;
//! - `bindings-python/python/payquery/_models.py`: TypedDicts, dataclasses, enums, exceptions;
//! - `bindings-python/stubtest-literals.txt`: the `Literal` aliases stubtest is told about;
//! - `schemas/*.config.schema.json` (and the same files in the Python package, which ships
//!   them; the npm package copies them from `schemas/`): JSON Schemas for config documents.
//!
//! `payquery-typegen` writes them (`make types`); `payquery-typegen --check` fails when a
//! committed file differs from what it would write (`make types-check`, part of `make test`).

mod ir;
mod json_schema;
mod py;
mod ts;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use payquery_core::{
    AccessToken, CertificateDownload, Config, ErrorCode, Notification, NotificationReply,
    OrderFlag, OrderStatus, Query, QueryResult,
};
use schemars::generate::SchemaSettings;

/// payquery's own types: their members follow each language's naming (camelCase in
/// JavaScript), where configs, queries and provider details keep the wire's names.
pub const HOST_NAMED: &[&str] = &[
    "Order",
    "Money",
    "QueryResult",
    "AccessToken",
    "Attempt",
    "CertificateDownload",
    "PlatformCertificate",
    "Notification",
    "NotificationReply",
];

/// The input models (what users write: deserialize contracts) and the output models (what
/// payquery returns: serialize contracts).
#[derive(Debug)]
pub struct Models {
    /// Configs and queries.
    pub input: ir::Model,
    /// Results, tokens and error codes.
    pub output: ir::Model,
    /// The input definitions as schemars wrote them (the config documents' JSON Schemas are
    /// made from these, not from the reduced model).
    pub input_schemas: serde_json::Map<String, serde_json::Value>,
}

fn models() -> Result<Models, String> {
    let mut input = SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator();
    input.subschema_for::<Config>();
    input.subschema_for::<Query>();
    let mut output = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    output.subschema_for::<QueryResult>();
    output.subschema_for::<AccessToken>();
    output.subschema_for::<CertificateDownload>();
    output.subschema_for::<Notification>();
    output.subschema_for::<NotificationReply>();
    output.subschema_for::<ErrorCode>();
    let input_schemas = input.take_definitions(true);
    let output_schemas = output.take_definitions(true);
    let models = Models {
        input: ir::Model::read(&input_schemas)?,
        output: ir::Model::read(&output_schemas)?,
        input_schemas,
    };
    // These serialize through `as_str`, not serde's derive: their schema names must agree.
    let names = |all: &[&'static str]| all.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    same_names(
        &models.output,
        "OrderStatus",
        names(&OrderStatus::ALL.map(OrderStatus::as_str)),
    )?;
    same_names(
        &models.output,
        "OrderFlag",
        names(&OrderFlag::ALL.map(OrderFlag::as_str)),
    )?;
    same_names(
        &models.output,
        "ErrorCode",
        names(&ErrorCode::ALL.map(ErrorCode::as_str)),
    )?;
    Ok(models)
}

fn same_names(model: &ir::Model, name: &str, serialized: Vec<String>) -> Result<(), String> {
    match model.get(name) {
        Some(ir::Def::Enum { values, .. }) => {
            let schema: Vec<String> = values.iter().map(|(v, _)| v.clone()).collect();
            if schema == serialized {
                Ok(())
            } else {
                Err(format!(
                    "{name}: the schema says {schema:?}, serialization {serialized:?}"
                ))
            }
        }
        _ => Err(format!("{name}: not a closed enum in the schema")),
    }
}

/// Where the config schemas are written: the repository's `schemas/` (what the npm package,
/// `dist/` and the sandbox take) and the Python package (which ships them).
const SCHEMA_DIRS: [&str; 2] = ["schemas", "bindings-python/python/payquery/schemas"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let files = models().and_then(|m| {
        let mut files = vec![
            (
                "bindings-wasm/npm/models.d.ts".to_owned(),
                ts::declarations(&m)?,
            ),
            ("bindings-wasm/npm/models.cjs".to_owned(), ts::shapes(&m)?),
            (
                "bindings-python/python/payquery/_models.py".to_owned(),
                py::module(&m)?,
            ),
            (
                "bindings-python/stubtest-literals.txt".to_owned(),
                py::stubtest_literals(&m),
            ),
        ];
        for (name, text) in json_schema::config_schemas(&m.input_schemas)? {
            for dir in SCHEMA_DIRS {
                files.push((format!("{dir}/{name}"), text.clone()));
            }
        }
        Ok(files)
    });
    let files = match files {
        Ok(files) => files,
        Err(e) => {
            eprintln!("payquery-typegen: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stale = Vec::new();
    for (path, text) in &files {
        let full = root().join(path);
        if check {
            if std::fs::read_to_string(&full).ok().as_deref() != Some(text.as_str()) {
                stale.push(path.as_str());
            }
        } else if let Err(e) = full
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&full, text))
        {
            eprintln!("payquery-typegen: cannot write {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    if !stale.is_empty() {
        eprintln!(
            "payquery-typegen: stale generated files (run `make types`): {}",
            stale.join(", ")
        );
        return ExitCode::FAILURE;
    }
    println!(
        "payquery-typegen: {} files {}",
        files.len(),
        if check { "up to date" } else { "written" }
    );
    ExitCode::SUCCESS
}
