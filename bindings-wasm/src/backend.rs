//! The RSA backend the npm package plugs into the core: node:crypto, reached through a small
//! JavaScript object (`nodeCryptoBackend` in `js/index.cjs`) whose methods wrap
//! `crypto.createPrivateKey` / `createPublicKey` (keys parsed once, into cached `KeyObject`s)
//! and `crypto.sign` / `crypto.verify` (RSASSA-PKCS1-v1_5, SHA-256).
//!
//! The core keeps every rule — PEM and certificate parsing, key sizes, serials, validity, the
//! exact signed bytes, the freshness window — and hands this backend only DER it has checked.
//! RSA compiled to wasm would cost ~5–6 ms a signature; node:crypto costs ~0.2 ms.

use payquery_core::crypto::{
    Aes256GcmKey, BackendError, RsaBackend, RsaSigningKey, RsaVerifyingKey,
};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `{ name, loadSigningKey(der), sign(key, message), loadVerifyingKey(der),
    /// verify(key, message, signature) }`, implemented with node:crypto.
    #[derive(Debug, Clone)]
    pub type JsRsaBackend;

    #[wasm_bindgen(method, catch, js_name = loadSigningKey)]
    fn load_signing_key(this: &JsRsaBackend, pkcs8_der: &[u8]) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn sign(this: &JsRsaBackend, key: &JsValue, message: &[u8]) -> Result<Vec<u8>, JsValue>;

    #[wasm_bindgen(method, catch, js_name = loadVerifyingKey)]
    fn load_verifying_key(this: &JsRsaBackend, spki_der: &[u8]) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = loadAesKey)]
    fn load_aes_key(this: &JsRsaBackend, key: &[u8]) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = openAesGcm)]
    fn open_aes_gcm(
        this: &JsRsaBackend,
        key: &JsValue,
        nonce: &[u8],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn verify(
        this: &JsRsaBackend,
        key: &JsValue,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, JsValue>;
}

/// What a JavaScript exception says, for a [`BackendError`]. node:crypto's messages describe
/// the failure ("unsupported key format"), never the key.
fn describe(error: &JsValue) -> BackendError {
    let text = js_sys::Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "node:crypto failed".to_owned());
    BackendError(text)
}

impl RsaBackend for JsRsaBackend {
    fn name(&self) -> &'static str {
        "node:crypto"
    }

    fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn RsaSigningKey>, BackendError> {
        let key = JsRsaBackend::load_signing_key(self, pkcs8_der).map_err(|e| describe(&e))?;
        Ok(Box::new(JsKey {
            backend: self.clone(),
            key,
        }))
    }

    fn load_verifying_key(
        &self,
        spki_der: &[u8],
    ) -> Result<Box<dyn RsaVerifyingKey>, BackendError> {
        let key = JsRsaBackend::load_verifying_key(self, spki_der).map_err(|e| describe(&e))?;
        Ok(Box::new(JsKey {
            backend: self.clone(),
            key,
        }))
    }

    /// AES-256-GCM in node:crypto too: the .wasm carries no AES of its own.
    fn load_aes_256_gcm_key(&self, key: &[u8; 32]) -> Result<Box<dyn Aes256GcmKey>, BackendError> {
        let key = JsRsaBackend::load_aes_key(self, key).map_err(|e| describe(&e))?;
        Ok(Box::new(JsKey {
            backend: self.clone(),
            key,
        }))
    }
}

impl Aes256GcmKey for JsKey {
    fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        ciphertext_and_tag: &[u8],
    ) -> Result<Vec<u8>, BackendError> {
        self.backend
            .open_aes_gcm(&self.key, nonce, aad, ciphertext_and_tag)
            .map_err(|e| describe(&e))
    }
}

/// A node:crypto `KeyObject` and the backend that made it.
struct JsKey {
    backend: JsRsaBackend,
    key: JsValue,
}

impl RsaSigningKey for JsKey {
    fn sign_pkcs1_sha256(&self, message: &[u8]) -> Result<Vec<u8>, BackendError> {
        self.backend
            .sign(&self.key, message)
            .map_err(|e| describe(&e))
    }
}

impl RsaVerifyingKey for JsKey {
    fn verify_pkcs1_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        // A verifier that throws (a malformed signature length, say) has not verified anything.
        self.backend
            .verify(&self.key, message, signature)
            .unwrap_or(false)
    }
}
