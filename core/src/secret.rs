//! A wrapper that keeps secrets out of logs.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// A secret string (app secret, access token, AppSecret header, signing key). Its `Debug` and
/// `Display` print `[redacted]`; the value is reachable only through [`Secret::expose`], which
/// makes every place that handles the raw secret easy to find.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The raw secret. Use it only to build the bytes that go on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    /// Accepts a string, or a JSON integer taken as its decimal text (a numeric merchant id used
    /// as a signing key is common). Any other type is refused without echoing the value.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecretVisitor;
        impl serde::de::Visitor<'_> for SecretVisitor {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a secret string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Secret, E> {
                Ok(Secret(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Secret, E> {
                Ok(Secret(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Secret, E> {
                Err(E::custom("a secret must be a string (value hidden)"))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Secret, E> {
                Err(E::custom("a secret must be a string (value hidden)"))
            }
        }
        deserializer.deserialize_any(SecretVisitor)
    }
}

/// Rewrites a serde message so that it never quotes the offending value: "invalid type:
/// string \"s3cr3t\", expected u16 at line 1 column 9" becomes "invalid type or value (hidden),
/// expected u16 at line 1 column 9". Used for config documents, which hold secrets.
pub(crate) fn hide_values_in_serde_message(message: &str) -> String {
    if message.starts_with("invalid type") || message.starts_with("invalid value") {
        match message.split_once(", expected ") {
            Some((_, rest)) => format!("invalid type or value (hidden), expected {rest}"),
            None => "invalid type or value (hidden)".to_owned(),
        }
    } else {
        message.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_accepted_and_other_types_refused_without_the_value() {
        let s: Secret = serde_json::from_str("100001").unwrap();
        assert_eq!(s.expose(), "100001");
        let err = serde_json::from_str::<Secret>("true")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("true"), "{err}");
        let msg = hide_values_in_serde_message(
            "invalid type: string \"s3cr3t\", expected u16 at line 1 column 9",
        );
        assert_eq!(
            msg,
            "invalid type or value (hidden), expected u16 at line 1 column 9"
        );
        assert_eq!(
            hide_values_in_serde_message("unknown field `x`"),
            "unknown field `x`"
        );
    }

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("hunter2-app-secret");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(s.expose(), "hunter2-app-secret");
    }
}
