//! # payquery-uniffi
//!
//! The native library Kotlin and Swift load (`libpayquery_uniffi`): payquery-core's UniFFI
//! component (`payquery_core::uniffi_api`, feature `uniffi`), linked into a cdylib (Kotlin, via
//! JNA) and a staticlib (Swift). Why the component is in the core crate, not here: see
//! `payquery_core::uniffi_api`. What is hand-written for each language sits beside the
//! generated code: `kotlin/src/main/kotlin/payquery/` and `swift/Sources/Payquery/`.

// References the core's scaffolding from this crate, so that every linker keeps the core's
// exported FFI functions in the library it builds.
payquery_core::uniffi_reexport_scaffolding!();
