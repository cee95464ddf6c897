//! The Kotlin and Swift surface, through UniFFI (feature `uniffi`; `bindings-uniffi` builds the
//! library from it).
//!
//! Why it lives in the core crate: the host types are *derived* on the core's own model types
//! (`cfg_attr(feature = "uniffi", derive(uniffi::Record))` beside each), so that Kotlin's and
//! Swift's `Config`, `Query`, `Order`, `QueryResult`, provider details and errors are generated
//! from the one definition. UniFFI 0.32 makes each crate that has scaffolding a component with
//! its own copy of the Kotlin runtime helpers (`FfiConverterString`, `UniffiLib`, …); two in one
//! Kotlin package do not compile, and two Swift components of one module overwrite each other.
//! One component — this crate — keeps every type in the one Kotlin package `payquery` and the
//! one Swift module `Payquery`.
//!
//! It stays sans-IO like the rest of the core: it never reads the clock, draws randomness or
//! opens a file. The Kotlin and Swift layers beside the generated code (in `bindings-uniffi/`)
//! pass the time, 32 CSPRNG bytes and the text of the files a config names, as the Node and
//! Python bindings do. Everything crossing is a plain value; the custom types below lift
//! without panicking (a failed lift is a typed `PayqueryException.InvalidInput`).

// The error crosses UniFFI by value (a boxed error is not an FFI type), so its size is the
// price of one flat enum with the same facts in every variant.
#![allow(clippy::result_large_err)]

mod api;

pub use api::{
    config_file_paths, error_codes, max_document_bytes, max_notification_bytes, notification_json,
    query_from_json, query_result_json, Client, ConfigFile, HandledNotification, Header,
    HttpRequest, HttpResponse, NotificationOutcome, NotificationReply, NotificationRequest,
    PendingRequest,
};

pub use crate::error::PayqueryError;
use crate::money::Currency;
use crate::order::Timestamp;
use crate::secret::Secret;

/// A value handed in from Kotlin or Swift that cannot be what it claims (a currency code that
/// is not three capitals, a time outside the years 0001–9999): an `INVALID_INPUT`, never a
/// panic or an `InternalException`.
fn lift_error(field: &str, why: &str) -> uniffi::deps::anyhow::Error {
    PayqueryError::from(crate::Error::invalid_input(field, why.to_owned())).into()
}

uniffi::custom_type!(Secret, String, {
    lower: |secret| secret.expose().to_owned(),
    try_lift: |text| Ok(Secret::new(text)),
});

uniffi::custom_type!(Currency, String, {
    lower: |currency| currency.as_str().to_owned(),
    try_lift: |text| Currency::parse(&text)
        .map_err(|_| lift_error("currency", "a currency is three upper-case letters (ISO 4217)")),
});

uniffi::custom_type!(Timestamp, std::time::SystemTime, {
    lower: |t| t.to_system_time(),
    try_lift: |t| Timestamp::from_system_time(t)
        .ok_or_else(|| lift_error("time", "a time must be within the years 0001 to 9999")),
});
