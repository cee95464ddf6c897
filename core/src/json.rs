//! Defensive JSON decoding of provider responses.
//!
//! Before serde sees a byte, [`check_body`] bounds the body's size and nesting depth, so a
//! hostile or broken response cannot make parsing expensive. The `de_*` helpers read numbers
//! from their exact JSON text (via `RawValue`) so money and 64-bit ids are never rounded, and
//! accept the "number or string" looseness that the providers' own SDKs accept.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::error::{Error, Result};
use crate::money::{minor_text_to_i64, yuan_text_to_fen};

/// Bounds applied to every response body before it is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseLimits {
    /// Largest accepted body, in bytes (default 1 MiB; query answers are a few KiB).
    pub max_body_bytes: usize,
    /// Deepest accepted nesting of JSON arrays/objects (default 32; the deepest documented
    /// response nests 6 levels).
    pub max_depth: usize,
}

impl Default for ResponseLimits {
    fn default() -> Self {
        ResponseLimits {
            max_body_bytes: 1024 * 1024,
            max_depth: 32,
        }
    }
}

impl ResponseLimits {
    /// The defaults, with the body limit replaced when a config sets `max_response_bytes`.
    /// `0` is refused: no answer fits in it, so every query would fail with a decoding error
    /// that hides the config's mistake.
    pub(crate) fn with_max_body(max_response_bytes: Option<i64>) -> Result<Self> {
        let mut limits = ResponseLimits::default();
        if let Some(max) = max_response_bytes {
            if max < 1 {
                return Err(Error::invalid_config(
                    "max_response_bytes",
                    "`max_response_bytes` must be at least 1 byte (leave it out for 1 MiB)",
                ));
            }
            // Beyond the address space is "no limit this machine could reach": saturate.
            limits.max_body_bytes = usize::try_from(max).unwrap_or(usize::MAX);
        }
        Ok(limits)
    }
}

/// A config's `max_response_bytes` as a document holds it: a non-negative integer (a `-1` is a
/// type error naming the key, as before the field became signed for Java), saturated to `i64`.
pub(crate) fn non_negative<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<i64>, D::Error> {
    let value = <Option<u64> as serde::Deserialize>::deserialize(deserializer)?;
    Ok(value.map(|v| i64::try_from(v).unwrap_or(i64::MAX)))
}

/// Rejects bodies over the size limit or nested deeper than the depth limit. Runs in one pass
/// over the bytes and allocates nothing.
pub(crate) fn check_body(body: &[u8], limits: ResponseLimits) -> Result<()> {
    if body.len() > limits.max_body_bytes {
        return Err(Error::decode(format!(
            "response body is {} bytes, over the {}-byte limit",
            body.len(),
            limits.max_body_bytes
        )));
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limits.max_depth {
                    return Err(Error::decode(format!(
                        "response JSON is nested deeper than {} levels",
                        limits.max_depth
                    )));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Decodes a body that already passed [`check_body`] as `T`. Any failure is `DECODE_ERROR`
/// naming what was wrong (`what` says which document, e.g. "WeChat Pay order"). Every
/// provider's parse entry point runs `check_body` first, once, before any other work.
pub(crate) fn decode<T: DeserializeOwned>(what: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| decode_error(what, &e))
}

/// A response body that is not the JSON expected, in the words a config document's error uses
/// (a lone UTF-16 surrogate is named as such, not as serde_json's "end of hex escape").
pub(crate) fn decode_error(what: &str, e: &serde_json::Error) -> Error {
    Error::decode(format!(
        "invalid {what} JSON: {}",
        crate::document::describe_syntax(&e.to_string())
    ))
}

/// Decodes an already size-checked JSON fragment (e.g. Fubei's `data` object).
pub(crate) fn decode_raw<T: DeserializeOwned>(what: &str, raw: &RawValue) -> Result<T> {
    serde_json::from_slice(raw.get().as_bytes()).map_err(|e| decode_error(what, &e))
}

/// The text of a JSON scalar: a number's exact digits, or a string's contents. `None` for null.
fn scalar_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let raw: &RawValue = Deserialize::deserialize(d)?;
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text)
            .map(Some)
            .map_err(D::Error::custom),
        Some(b'-' | b'0'..=b'9') => Ok(Some(text.to_owned())),
        _ if text == "null" => Ok(None),
        _ => Err(D::Error::custom(format!(
            "expected a number or a string, found `{}`",
            text.chars().take(40).collect::<String>()
        ))),
    }
}

/// Optional yuan (number or string, `null` or `""` = absent) → fen, exactly.
pub(crate) fn de_opt_yuan<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match scalar_text(d)? {
        Some(t) if t.is_empty() => Ok(None),
        Some(t) => yuan_text_to_fen("yuan amount", &t)
            .map(Some)
            .map_err(|e| D::Error::custom(e.message())),
        None => Ok(None),
    }
}

/// A non-negative 64-bit integer given as a number or as a string of digits. Required.
pub(crate) fn de_i64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match scalar_text(d)? {
        Some(t) => minor_text_to_i64("integer", &t).map_err(|e| D::Error::custom(e.message())),
        None => Err(D::Error::custom("integer is null")),
    }
}

/// Optional variant of [`de_i64_lenient`] (`null` or `""` = absent).
pub(crate) fn de_opt_i64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match scalar_text(d)? {
        Some(t) if t.is_empty() => Ok(None),
        Some(t) => minor_text_to_i64("integer", &t)
            .map(Some)
            .map_err(|e| D::Error::custom(e.message())),
        None => Ok(None),
    }
}

/// An identifier that may arrive as a string or a number; kept as its exact text.
pub(crate) fn de_opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    scalar_text(d)
}

/// A required identifier that may arrive as a string or a number.
pub(crate) fn de_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    scalar_text(d)?.ok_or_else(|| D::Error::custom("identifier is null"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_surrogate_in_a_response_is_named_as_in_a_config() {
        let body = br#"{"code":"0","msg":"\ud800"}"#;
        let e = decode::<serde_json::Value>("Fubei", body).unwrap_err();
        assert!(e.message().contains("lone UTF-16 surrogate"), "{e}");
    }

    #[test]
    fn size_and_depth_are_bounded() {
        let limits = ResponseLimits {
            max_body_bytes: 64,
            max_depth: 3,
        };
        assert!(check_body(br#"{"a":[{"b":1}]}"#, limits).is_ok());
        assert!(check_body(br#"{"a":[{"b":[1]}]}"#, limits).is_err());
        assert!(check_body(br#"{"a":"[[[[[[[[[[\"[[["}"#, limits).is_ok());
        assert!(check_body(&[b' '; 65], limits).is_err());
        let deep = "[".repeat(100_000);
        assert!(check_body(deep.as_bytes(), ResponseLimits::default()).is_err());
    }

    #[derive(Deserialize, Debug)]
    struct Sample {
        #[serde(deserialize_with = "de_opt_yuan")]
        price: Option<i64>,
        #[serde(default, deserialize_with = "de_opt_yuan")]
        fee: Option<i64>,
        #[serde(default, deserialize_with = "de_opt_id")]
        store: Option<String>,
        #[serde(deserialize_with = "de_i64_lenient")]
        big: i64,
    }

    #[test]
    fn numbers_are_read_from_their_exact_text() {
        let s: Sample = serde_json::from_str(
            r#"{"price":0.29,"fee":"20.00","store":25249,"big":"9007199254740993"}"#,
        )
        .unwrap();
        assert_eq!(
            (s.price, s.fee, s.store.as_deref(), s.big),
            (Some(29), Some(2000), Some("25249"), 9_007_199_254_740_993)
        );
        let s: Sample =
            serde_json::from_str(r#"{"price":"80","fee":null,"big":9007199254740993}"#).unwrap();
        assert_eq!(
            (s.price, s.fee, s.store, s.big),
            (Some(8000), None, None, 9_007_199_254_740_993)
        );
        assert!(serde_json::from_str::<Sample>(r#"{"price":0.291,"big":1}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"price":true,"big":1}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"price":[1],"big":1}"#).is_err());
    }
}
