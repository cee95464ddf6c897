//! Writing the flat JSON objects of string members that the MD5 providers' requests carry
//! (Fubei's envelope and `biz_content`, the vending vendor's payload and body).
//!
//! Why not `serde_json::to_vec` of a derived struct: the output is identical, but serde's
//! serializer is generic code, instantiated in this crate, so the npm package's size-optimized
//! wasm runs it at `opt-level = "z"`; there the envelope alone cost a quarter of a Fubei build
//! (`node --cpu-prof`, 2026-11-30). This writer is one sized `String` and one escaping loop.
//! The output is byte-for-byte what `serde_json` writes for the same members in the same order
//! (compact, keys in insertion order, the same escapes); a property test holds it to that.

/// A JSON object being written, members in the order they are added.
#[derive(Debug)]
pub(crate) struct JsonObject {
    out: String,
}

impl JsonObject {
    /// An empty object with room for about `capacity` bytes of members.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let mut out = String::with_capacity(capacity + 2);
        out.push('{');
        Self { out }
    }

    /// Adds the member `"key":"value"`, both escaped as JSON strings.
    pub(crate) fn member(mut self, key: &str, value: &str) -> Self {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        push_json_string(&mut self.out, key);
        self.out.push(':');
        push_json_string(&mut self.out, value);
        self
    }

    /// Adds the member only when `value` is present (serde's `skip_serializing_if = "Option::is_none"`).
    pub(crate) fn optional_member(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.member(key, value),
            None => self,
        }
    }

    /// The object's JSON text.
    pub(crate) fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// Appends `text` as a JSON string literal, escaped exactly as `serde_json` escapes it:
/// `"` and `\` with a backslash; backspace, form feed, line feed, carriage return and tab as
/// `\b \f \n \r \t`; every other control character below U+0020 as `\u00XX` (lower-case hex);
/// everything else, DEL and non-ASCII included, as it is.
pub(crate) fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        // `i` is the index of an ASCII byte, hence a char boundary, as is `start`.
        out.push_str(text.get(start..i).unwrap_or_default());
        start = i + 1;
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(crate::crypto::hex_digit(byte >> 4, b'a')));
            out.push(char::from(crate::crypto::hex_digit(byte & 0x0f, b'a')));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(text.get(start..).unwrap_or_default());
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn as_json_string(text: &str) -> String {
        let mut out = String::new();
        push_json_string(&mut out, text);
        out
    }

    #[test]
    fn escapes_like_serde_json() {
        for text in [
            "",
            "plain",
            "a\"b\\c",
            "\u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f}\u{7f}",
            "中文 🙂 \u{2028}",
            "</script>&'",
        ] {
            assert_eq!(as_json_string(text), serde_json::to_string(text).unwrap());
        }
    }

    #[test]
    fn writes_members_in_order_and_skips_absent_ones() {
        let json = JsonObject::with_capacity(0)
            .member("b", "1")
            .optional_member("skipped", None)
            .optional_member("a", Some("x\"y"))
            .finish();
        assert_eq!(json, r#"{"b":"1","a":"x\"y"}"#);
        assert_eq!(JsonObject::with_capacity(8).finish(), "{}");
    }

    proptest! {
        #[test]
        fn any_string_is_escaped_exactly_as_serde_json_does(text in any::<String>()) {
            prop_assert_eq!(as_json_string(&text), serde_json::to_string(&text).unwrap());
        }

        #[test]
        fn any_object_is_written_exactly_as_serde_json_does(
            members in proptest::collection::vec((any::<String>(), any::<String>()), 0..6)
        ) {
            let mut map = serde_json::Map::new();
            let mut object = JsonObject::with_capacity(16);
            for (key, value) in &members {
                if map.contains_key(key) {
                    continue;
                }
                map.insert(key.clone(), serde_json::Value::String(value.clone()));
                object = object.member(key, value);
            }
            // serde_json's Map keeps insertion order only with `preserve_order`, so compare
            // parsed; the exact bytes of each string are the property above.
            let written = object.finish();
            let parsed: serde_json::Value = serde_json::from_str(&written).unwrap();
            prop_assert_eq!(parsed, serde_json::Value::Object(map));
        }
    }
}
