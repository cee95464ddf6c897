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
    /// Accepts a string only. A number is refused like in every other string setting (a
    /// numeric merchant id used as a key must be written as text, so that `0012` stays
    /// `0012`); the error never echoes the value.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A secret: never shown by payquery, in any language.",
            "x-secret": true,
        })
    }

    fn inline_schema() -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_strings_are_secrets() {
        let s: Secret = serde_json::from_str("\"100001\"").unwrap();
        assert_eq!(s.expose(), "100001");
        for other in ["100001", "true", "[\"s\"]", "null"] {
            assert!(serde_json::from_str::<Secret>(other).is_err(), "{other}");
        }
    }

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("hunter2-app-secret");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(s.expose(), "hunter2-app-secret");
    }
}
