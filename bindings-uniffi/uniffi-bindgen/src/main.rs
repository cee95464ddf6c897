//! `uniffi-bindgen`: generates the Kotlin and Swift bindings of `payquery-uniffi`, from the
//! same UniFFI version as its scaffolding.

fn main() {
    uniffi::uniffi_bindgen_main();
}
