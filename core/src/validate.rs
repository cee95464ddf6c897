//! Input validation shared by the providers: every identifier is checked against its
//! documented charset and length before a single byte of a request is built.

use crate::error::{Error, Result};

/// Which characters an identifier may contain.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Charset {
    /// `0-9`
    Digits,
    /// `0-9 A-Z a-z`
    Alphanumeric,
    /// WeChat Pay merchant order numbers: `0-9 A-Z a-z _ - | *`.
    WechatOrderNo,
    /// `0-9 A-Z a-z _ -` (access-token-safe ids, app ids).
    Token,
    /// Hexadecimal (certificate serials).
    Hex,
    /// Visible ASCII without spaces (opaque ids such as `query_id`); percent-encoded on use.
    VisibleAscii,
}

impl Charset {
    fn allows(self, b: u8) -> bool {
        match self {
            Charset::Digits => b.is_ascii_digit(),
            Charset::Alphanumeric => b.is_ascii_alphanumeric(),
            Charset::WechatOrderNo => b.is_ascii_alphanumeric() || b"_-|*".contains(&b),
            Charset::Token => b.is_ascii_alphanumeric() || b"_-".contains(&b),
            Charset::Hex => b.is_ascii_hexdigit(),
            Charset::VisibleAscii => (0x21..0x7f).contains(&b),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Charset::Digits => "digits",
            Charset::Alphanumeric => "ASCII letters and digits",
            Charset::WechatOrderNo => "ASCII letters, digits and _-|*",
            Charset::Token => "ASCII letters, digits, _ and -",
            Charset::Hex => "hexadecimal digits",
            Charset::VisibleAscii => "visible ASCII characters (no spaces or control characters)",
        }
    }
}

/// Checks `value` is 1..=`max_len` bytes of `charset`. The error names the field and the rule,
/// never echoes the value (it could be anything, including a secret pasted in the wrong place).
pub(crate) fn check_id(
    field: &str,
    value: &str,
    max_len: usize,
    charset: Charset,
    make_error: fn(&str, String) -> Error,
) -> Result<()> {
    if value.is_empty() || value.len() > max_len || !value.bytes().all(|b| charset.allows(b)) {
        return Err(make_error(
            field,
            format!(
                "`{field}` must be 1 to {max_len} {} (got {} bytes)",
                charset.describe(),
                value.len()
            ),
        ));
    }
    Ok(())
}

/// [`check_id`] for caller query input (`INVALID_INPUT`).
pub(crate) fn input_id(field: &str, value: &str, max_len: usize, charset: Charset) -> Result<()> {
    check_id(field, value, max_len, charset, |f, m| {
        Error::invalid_input(f, m)
    })
}

/// [`check_id`] for a value received in a response (`DECODE_ERROR`), where the same rule
/// applies as when that value is configured (an access token from a token endpoint).
pub(crate) fn response_id(
    field: &str,
    value: &str,
    max_len: usize,
    charset: Charset,
) -> Result<()> {
    check_id(field, value, max_len, charset, |f, m| {
        Error::decode(m).with_field(f)
    })
}

/// [`check_id`] for configuration (`INVALID_CONFIG`).
pub(crate) fn config_id(field: &str, value: &str, max_len: usize, charset: Charset) -> Result<()> {
    check_id(field, value, max_len, charset, |f, m| {
        Error::invalid_config(f, m)
    })
}

/// Checks an identifier documented as an integer (the vending vendor's `order_id`): a positive
/// decimal integer of at most 64 bits (1 to 9223372036854775807), written canonically — no
/// sign, no leading zeros — since it is echoed back as that integer and compared with it.
pub(crate) fn input_positive_int_id(field: &str, value: &str) -> Result<()> {
    let canonical = !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_digit())
        && !value.starts_with('0')
        && value.parse::<i64>().is_ok();
    if canonical {
        Ok(())
    } else {
        Err(Error::invalid_input(
            field,
            format!(
                "`{field}` must be a positive integer from 1 to {} in decimal digits, without a sign or leading zeros (got {} bytes)",
                i64::MAX,
                value.len()
            ),
        ))
    }
}

/// Checks a free-text identifier that travels inside a JSON document (Fubei's `biz_content`):
/// 1 to `max_chars` Unicode characters, none of them a control character (Unicode `Cc`: C0,
/// DEL, C1). JSON encoding makes every other character safe, and the signature covers its
/// UTF-8 bytes.
pub(crate) fn input_text_id(field: &str, value: &str, max_chars: usize) -> Result<()> {
    let chars = value.chars().count();
    if chars == 0 || chars > max_chars || value.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            field,
            format!(
                "`{field}` must be 1 to {max_chars} characters without control characters (got {chars})"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_for_charset_and_length() {
        assert!(input_id("o", "2014_07-03|2*", 32, Charset::WechatOrderNo).is_ok());
        for bad in ["", "a/b", "a\r\nb", "a b", "a?b", "中文", &"1".repeat(33)] {
            let e = input_id("out_trade_no", bad, 32, Charset::WechatOrderNo).unwrap_err();
            assert_eq!(e.code(), crate::ErrorCode::InvalidInput);
            assert_eq!(e.field(), Some("out_trade_no"));
        }
        assert!(config_id("m", "12a", 32, Charset::Digits).is_err());
        assert_eq!(
            response_id("t", "a\r\n", 8, Charset::VisibleAscii)
                .unwrap_err()
                .code(),
            crate::ErrorCode::DecodeError
        );
    }

    #[test]
    fn integer_ids_are_positive_canonical_int64() {
        for good in ["1", "54", "9223372036854775807"] {
            assert!(input_positive_int_id("order_id", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "0",
            "-1",
            "+1",
            "054",
            "9223372036854775808",
            "99999999999999999999999",
            "1.0",
            "1 ",
            "a1",
        ] {
            let e = input_positive_int_id("order_id", bad).unwrap_err();
            assert_eq!(e.field(), Some("order_id"), "{bad}");
        }
    }

    #[test]
    fn text_ids_allow_unicode_but_no_control_characters() {
        assert!(input_text_id("sn", "订单-2024/05\"'#", 32).is_ok());
        assert!(input_text_id("sn", &"订".repeat(32), 32).is_ok());
        for bad in [
            "",
            "a\u{0}",
            "a\r\nb",
            "a\u{7f}",
            "a\u{85}",
            &"订".repeat(33),
        ] {
            assert!(input_text_id("sn", bad, 32).is_err(), "{bad:?}");
        }
    }
}
