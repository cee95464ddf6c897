//! Exact money: integer minor units plus a currency.
//!
//! Providers send money as integer fen (WeChat Pay), as int64 fen inside a JSON *string*
//! (Mini Program charge), or as yuan — JSON numbers like `80` / `0.01` or strings like
//! `"20.00"` (Fubei, the vending vendor). Yuan values are converted from their JSON *text*,
//! digit by digit, never through `f64`: `0.29` yuan is 29 fen, not 28.999….

use std::fmt;

use serde::{Serialize, Serializer};

use crate::error::{Error, Result};

/// An ISO 4217 currency code: three upper-case ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Chinese yuan, the currency of every domestic provider here.
    pub const CNY: Currency = Currency(*b"CNY");

    /// Parses a currency code; anything but three upper-case ASCII letters is rejected.
    pub fn parse(code: &str) -> Result<Self> {
        match code.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => {
                Ok(Currency([*a, *b, *c]))
            }
            _ => Err(Error::decode(format!(
                "currency `{}` is not an ISO 4217 code (three upper-case letters)",
                code.escape_debug()
            ))),
        }
    }

    /// The code, e.g. `"CNY"`.
    pub fn as_str(&self) -> &str {
        // The bytes were checked to be ASCII letters in `parse`, so this never fails.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point in the currency's major unit (ISO 4217 exponent).
    pub fn exponent(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"VND" | b"CLP" | b"ISK" | b"UGX" | b"XAF" | b"XOF" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" | b"IQD" | b"LYD" => 3,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An exact amount of money: `minor` units (fen, cents) of `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Money {
    /// Amount in minor units (1 CNY = 100 fen). Non-negative for every amount payquery parses.
    pub minor: i64,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// `minor` units of `currency`.
    pub fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// `minor` fen.
    pub fn cny(minor: i64) -> Self {
        Money::new(minor, Currency::CNY)
    }

    /// The amount in major units as an exact decimal string, e.g. `"8.88"` (for display only).
    pub fn to_major_string(&self) -> String {
        let exp = self.currency.exponent();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if exp == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(exp);
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = exp as usize
        )
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_major_string(), self.currency)
    }
}

/// Converts a non-negative decimal amount in major units (yuan), given as its exact decimal
/// text, to minor units (fen).
///
/// Accepts `80`, `80.0`, `0.01`, `"20.00"`; also extra *trailing zeros* (`3.000`), since the
/// value is still exact. Rejects signs, exponents, blanks, more than two significant decimals
/// (`0.291`) and values beyond `i64` fen, each with `DECODE_ERROR`.
pub fn yuan_text_to_fen(field: &str, text: &str) -> Result<i64> {
    let bad = |why: &str| {
        Error::decode(format!(
            "`{field}` is not an exact yuan amount ({why}): `{}`",
            text.escape_debug()
        ))
        .with_field(field)
    };
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, f),
        None => (text, ""),
    };
    if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("expected digits with an optional decimal point"));
    }
    if text.contains('.') && frac_part.is_empty() {
        return Err(bad("nothing after the decimal point"));
    }
    if !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("expected digits after the decimal point"));
    }
    let significant = frac_part.trim_end_matches('0');
    if significant.len() > 2 {
        return Err(bad("more than 2 decimal places"));
    }
    let mut fen: i64 = 0;
    let digits = int_part
        .bytes()
        .chain(significant.bytes())
        .chain(std::iter::repeat_n(b'0', 2 - significant.len()));
    for d in digits {
        fen = fen
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(d - b'0')))
            .ok_or_else(|| bad("out of range"))?;
    }
    Ok(fen)
}

/// Parses a non-negative integer amount of minor units from its exact text (`"9007199254740993"`).
pub fn minor_text_to_i64(field: &str, text: &str) -> Result<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::decode(format!(
            "`{field}` is not a non-negative integer: `{}`",
            text.escape_debug()
        ))
        .with_field(field));
    }
    text.parse::<i64>().map_err(|_| {
        Error::decode(format!("`{field}` is out of the 64-bit range: `{text}`")).with_field(field)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_conversion_is_exact() {
        let cases = [
            ("80", 8000),
            ("0.01", 1),
            ("0.29", 29),
            ("20.00", 2000),
            ("3.000", 300),
            ("0.1", 10),
            ("1.10", 110),
            ("92233720368547758.07", i64::MAX),
            ("0", 0),
        ];
        for (text, fen) in cases {
            assert_eq!(yuan_text_to_fen("x", text).ok(), Some(fen), "{text}");
        }
    }

    #[test]
    fn yuan_conversion_rejects_inexact_or_odd_text() {
        for text in [
            "0.291",
            "0.29000000000000004",
            "-1",
            "+1",
            "1e2",
            "",
            ".5",
            "5.",
            " 1",
            "1 ",
            "92233720368547758.08",
            "NaN",
            "1,00",
        ] {
            let err = yuan_text_to_fen("amount", text).expect_err(text);
            assert_eq!(err.code(), crate::ErrorCode::DecodeError, "{text}");
            assert_eq!(err.field(), Some("amount"));
        }
    }

    #[test]
    fn minor_units_keep_all_64_bits() {
        assert_eq!(
            minor_text_to_i64("p", "9007199254740993").ok(),
            Some(9_007_199_254_740_993)
        );
        assert!(minor_text_to_i64("p", "9223372036854775808").is_err());
        assert!(minor_text_to_i64("p", "-1").is_err());
        assert!(minor_text_to_i64("p", "1.0").is_err());
    }

    #[test]
    fn display_uses_the_currency_exponent() {
        assert_eq!(Money::cny(888).to_string(), "8.88 CNY");
        assert_eq!(Money::cny(5).to_string(), "0.05 CNY");
        let jpy = Money::new(500, Currency::parse("JPY").unwrap());
        assert_eq!(jpy.to_string(), "500 JPY");
        assert!(Currency::parse("cny").is_err());
        assert!(Currency::parse("CNYY").is_err());
    }
}
