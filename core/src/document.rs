//! Reading the JSON documents a host hands in: config documents (and the PEM files they name)
//! and query documents.
//!
//! Why a module of its own: these documents are typed by people, so their errors must say
//! exactly which key is wrong and what it should be — in words, not in Rust type names — while
//! never quoting a value (a config holds secrets, and a secret pasted into the wrong key is
//! still a secret). Three rules hold for every document:
//! - at most [`MAX_DOCUMENT_BYTES`], and so is every file a config names (`*_path` keys), read
//!   through [`read_limited`] so that `/dev/zero` or a 100 MiB file is refused without being
//!   read whole;
//! - a key given twice is refused, naming the key (serde_json would keep the last one
//!   silently — a second `app_secret` further down a config must not win unnoticed);
//! - a value of the wrong type names its key as `field` (`platform_certificates[0].serial_no`),
//!   says what was expected ("a string", "a non-negative integer") and what was found ("a
//!   number"), and nothing more.

use std::fmt;

use serde::de::{DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};

/// The largest config or query document, and the largest file a config names, in bytes. A
/// config with inline keys and certificates is a few KiB.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// Which document is being read: it decides the error code and the wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocumentKind {
    /// A config document (`INVALID_CONFIG`).
    Config,
    /// A query document (`INVALID_INPUT`).
    Query,
}

impl DocumentKind {
    fn code(self) -> ErrorCode {
        match self {
            DocumentKind::Config => ErrorCode::InvalidConfig,
            DocumentKind::Query => ErrorCode::InvalidInput,
        }
    }

    fn name(self) -> &'static str {
        match self {
            DocumentKind::Config => "config",
            DocumentKind::Query => "query",
        }
    }

    fn error(self, field: Option<&str>, message: String) -> Error {
        let error = Error::new(self.code(), message);
        match field {
            Some(field) => error.with_field(field),
            None => error.with_field(self.name()),
        }
    }
}

/// Reads at most [`MAX_DOCUMENT_BYTES`] of UTF-8 text from `reader` (a file a host opened for
/// `field`): a longer source is refused after reading one byte more than the limit, never read
/// whole. The core opens nothing itself; every host (the CLI, the Python and UniFFI bindings)
/// opens the file and reads it through here, so the cap is the same everywhere.
pub fn read_limited(reader: &mut dyn std::io::Read, field: &str) -> Result<String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_DOCUMENT_BYTES).unwrap_or(u64::MAX);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::invalid_config(field, format!("it cannot be read: {e}")))?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(too_large(field));
    }
    String::from_utf8(bytes)
        .map_err(|_| Error::invalid_config(field, "it is not UTF-8 text".to_owned()))
}

/// The messages name no field (the caller's message does); `field` is the error's field.
fn too_large(field: &str) -> Error {
    Error::invalid_config(
        field,
        format!("it is larger than {MAX_DOCUMENT_BYTES} bytes, which no config or key file is"),
    )
}

/// Refuses a document (or a file's text) over [`MAX_DOCUMENT_BYTES`].
pub(crate) fn check_size(kind: DocumentKind, field: &str, text: &str) -> Result<()> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(match kind {
            DocumentKind::Config if field == kind.name() => kind.error(
                None,
                format!("the config document is larger than {MAX_DOCUMENT_BYTES} bytes"),
            ),
            DocumentKind::Config => {
                let e = too_large(field);
                Error::invalid_config(field, format!("`{field}`: {}", e.message()))
            }
            DocumentKind::Query => kind.error(
                None,
                format!("the query document is larger than {MAX_DOCUMENT_BYTES} bytes"),
            ),
        });
    }
    Ok(())
}

/// Parses a document into a JSON value, refusing duplicate keys at any depth.
pub(crate) fn parse(kind: DocumentKind, text: &str) -> Result<Value> {
    check_size(kind, kind.name(), text)?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = UniqueKeys::deserialize(&mut deserializer)
        .and_then(|v| deserializer.end().map(|()| v.0))
        .map_err(|e| syntax_error(kind, &e))?;
    Ok(value)
}

/// Decodes a document value as `T`, naming the key whose value does not fit.
pub(crate) fn typed<T: DeserializeOwned>(kind: DocumentKind, value: Value) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| field_error(kind, &e))
}

/// Decodes document text as `T` directly (no intermediate value: this runs on every query a
/// binding builds); a duplicate key is refused by the derived decoder itself.
pub(crate) fn typed_from_text<T: DeserializeOwned>(kind: DocumentKind, text: &str) -> Result<T> {
    check_size(kind, kind.name(), text)?;
    // serde reads a struct from a JSON array too (`[]` as a query whose members are all
    // absent): a document is an object, whatever its members.
    let start = text.trim_start_matches([' ', '\t', '\n', '\r']);
    if !start.is_empty() && !start.starts_with('{') {
        return Err(kind.error(
            None,
            format!("the {} document must be a JSON object", kind.name()),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value: T =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| field_error(kind, &e))?;
    deserializer.end().map_err(|e| syntax_error(kind, &e))?;
    Ok(value)
}

/// A JSON syntax error (or a duplicate key) in a document.
fn syntax_error(kind: DocumentKind, e: &serde_json::Error) -> Error {
    let message = e.to_string();
    if let Some(key) = message
        .strip_prefix(DUPLICATE_KEY)
        .and_then(|rest| rest.split('`').next())
    {
        return kind.error(
            Some(key),
            format!("the {} document gives `{key}` more than once", kind.name()),
        );
    }
    kind.error(
        None,
        format!(
            "the {} document is not valid JSON: {}",
            kind.name(),
            describe_syntax(&message)
        ),
    )
}

/// serde_json's wording for a string escape that is half of a UTF-16 surrogate pair, put in
/// words a user can act on (JavaScript's `JSON.stringify` and Python's `json.dumps` write a lone
/// surrogate as such an escape).
pub(crate) fn describe_syntax(message: &str) -> String {
    if message.contains("surrogate") || message.contains("end of hex escape") {
        let at = message
            .rfind(" at line ")
            .and_then(|i| message.get(i..))
            .unwrap_or("");
        format!(
            "a string holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which is not Unicode text{at}"
        )
    } else {
        message.to_owned()
    }
}

const DUPLICATE_KEY: &str = "duplicate key `";

/// A type error at `e.path()`, in words.
fn field_error(kind: DocumentKind, e: &serde_path_to_error::Error<serde_json::Error>) -> Error {
    if matches!(
        e.inner().classify(),
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof
    ) {
        return syntax_error(kind, e.inner());
    }
    let path = e.path().to_string();
    let message = e.inner().to_string();
    // serde_json appends " at line L column C" when it read text.
    let message = match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(&message).to_owned(),
        None => message,
    };
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or_default();
        let expected = rest
            .split_once(", expected ")
            .map(|(_, e)| format!(" (expected {e})"))
            .unwrap_or_default();
        return kind.error(
            Some(&path),
            format!(
                "unknown key `{key}` in the {} document{expected}",
                kind.name()
            ),
        );
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or_default();
        let field = if path == "." {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        };
        return kind.error(
            Some(&field),
            format!("the {} document needs `{field}`", kind.name()),
        );
    }
    let words = if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        format!(
            "must be {}, not {}",
            expected_in_words(expected),
            found_in_words(found)
        )
    } else if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        format!(
            "must be {} ({} is out of range)",
            expected_in_words(expected),
            found_in_words(found)
        )
    } else if message.starts_with("invalid length") {
        "has the wrong number of items".to_owned()
    } else {
        // Messages the core's own decoders wrote (they never quote values).
        message.clone()
    };
    let field = if path == "." {
        None
    } else {
        Some(path.as_str())
    };
    let subject = field.map_or_else(
        || format!("the {} document", kind.name()),
        |f| format!("`{f}`"),
    );
    kind.error(field, format!("{subject} {words}"))
}

/// serde's `expected …` phrase in plain words ("usize" is not something a user should read).
fn expected_in_words(expected: &str) -> String {
    let expected = expected.trim();
    match expected {
        "usize" | "u64" | "u32" | "u16" | "u8" => "a non-negative integer".to_owned(),
        "i64" | "i32" | "i16" | "i8" | "isize" => "an integer".to_owned(),
        "a sequence" => "a list".to_owned(),
        "a map" => "an object".to_owned(),
        "a secret string" => "a string".to_owned(),
        _ if expected.starts_with("struct ") => "an object".to_owned(),
        _ if expected.starts_with("unit variant") || expected.starts_with("variant ") => {
            expected.to_owned()
        }
        _ => expected.to_owned(),
    }
}

/// serde's `Unexpected` (e.g. ``integer `123` ``, `string "s3cr3t"`) as its kind only: the value
/// itself may be a secret.
fn found_in_words(found: &str) -> &'static str {
    let kind = found.split([' ', '`', '"']).next().unwrap_or_default();
    match kind {
        "boolean" => "a boolean",
        "integer" => "a number",
        // Where an integer belongs, "not a number" would read as a contradiction.
        "floating" => "a fractional number",
        "string" | "character" => "a string",
        "null" | "unit" => "null",
        "map" => "an object",
        "sequence" => "a list",
        _ => "another kind of value",
    }
}

/// A JSON value whose objects never repeat a key (at any depth).
struct UniqueKeys(Value);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer
            .deserialize_any(UniqueKeysVisitor)
            .map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> std::result::Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> std::result::Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueKeys(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(format_args!(
                    "{DUPLICATE_KEY}{key}`"
                )));
            }
            let UniqueKeys(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Cert {
        serial_no: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Settings {
        app_id: String,
        #[serde(default)]
        app_secret: Option<crate::Secret>,
        #[serde(default)]
        max_response_bytes: Option<u64>,
        #[serde(default)]
        certs: Vec<Cert>,
    }

    fn config_error(text: &str) -> Error {
        let value = match parse(DocumentKind::Config, text) {
            Ok(v) => v,
            Err(e) => return e,
        };
        typed::<Settings>(DocumentKind::Config, value).unwrap_err()
    }

    #[test]
    fn type_errors_name_the_key_and_say_what_was_expected_without_the_value() {
        let cases = [
            (
                r#"{"app_id":123}"#,
                "app_id",
                "must be a string, not a number",
            ),
            (
                r#"{"app_id":"1","max_response_bytes":-1}"#,
                "max_response_bytes",
                "must be a non-negative integer (a number is out of range)",
            ),
            (
                r#"{"app_id":"1","max_response_bytes":"1024"}"#,
                "max_response_bytes",
                "must be a non-negative integer, not a string",
            ),
            (
                r#"{"app_id":"1","app_secret":123456789}"#,
                "app_secret",
                "must be a string, not a number",
            ),
            (
                r#"{"app_id":"1","certs":[{"serial_no":7}]}"#,
                "certs[0].serial_no",
                "must be a string",
            ),
            (
                r#"{"app_id":"1","certs":{}}"#,
                "certs",
                "must be a list, not an object",
            ),
            (r#"{"app_id":"1","apps":1}"#, "apps", "unknown key `apps`"),
            (
                r#"{"app_id":"1","certs":[{"serial":"1"}]}"#,
                "certs[0].serial",
                "unknown key `serial`",
            ),
            (r#"{}"#, "app_id", "needs `app_id`"),
            (r#"{"app_id":"1","app_id":"2"}"#, "app_id", "more than once"),
            (
                r#"{"app_id":"1","certs":[{"serial_no":"1","serial_no":"2"}]}"#,
                "serial_no",
                "more than once",
            ),
        ];
        for (text, field, words) in cases {
            let e = config_error(text);
            assert_eq!(e.code(), ErrorCode::InvalidConfig, "{text}: {e}");
            assert_eq!(e.field(), Some(field), "{text}: {e}");
            assert!(e.message().contains(words), "{text}: {e}");
            for value in ["123456789", "1024", "\"2\""] {
                assert!(!e.message().contains(value), "{text}: {e}");
            }
        }
    }

    #[test]
    fn a_document_is_an_object_not_an_array() {
        let e = typed_from_text::<serde_json::Map<String, Value>>(DocumentKind::Query, " [] ")
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(e.message().contains("must be a JSON object"), "{e}");
        assert!(
            typed_from_text::<serde_json::Map<String, Value>>(DocumentKind::Query, " {} ").is_ok()
        );
    }

    #[test]
    fn lone_surrogates_are_named_as_such() {
        for text in [r#"{"app_id":"A\ud800"}"#, r#"{"app_id":"\udc00"}"#] {
            let e = config_error(text);
            assert!(e.message().contains("lone UTF-16 surrogate"), "{e}");
        }
        let e = typed_from_text::<Settings>(DocumentKind::Query, r#"{"app_id":"A\ud800"}"#)
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(e.message().contains("lone UTF-16 surrogate"), "{e}");
    }

    #[test]
    fn sources_are_read_up_to_the_limit_only() {
        let mut endless = std::io::repeat(b'a');
        let e = read_limited(&mut endless, "merchant_private_key_path").unwrap_err();
        assert_eq!(e.field(), Some("merchant_private_key_path"));
        let mut exact = std::io::Cursor::new(vec![b'a'; MAX_DOCUMENT_BYTES]);
        assert_eq!(
            read_limited(&mut exact, "f").unwrap().len(),
            MAX_DOCUMENT_BYTES
        );
        let mut binary = std::io::Cursor::new(vec![0xff, 0xfe]);
        assert!(read_limited(&mut binary, "f").is_err());
        let big = format!("{{\"app_id\":\"{}\"}}", "a".repeat(MAX_DOCUMENT_BYTES));
        assert_eq!(config_error(&big).code(), ErrorCode::InvalidConfig);
    }
}
