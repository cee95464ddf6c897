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

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Currency {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Currency".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "description": "An ISO 4217 currency code, e.g. `CNY`.",
        })
    }

    fn inline_schema() -> bool {
        true
    }
}

/// An exact amount of money: `minor` units (fen, cents) of `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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
/// value is still exact, and binary-float artifacts: a value within 1e-9 yuan of a whole fen
/// (`0.29000000000000001`, `0.28999999999999998`: a binary float printed with 17 significant
/// digits, off by ~1e-17) is that fen, while a real sub-fen amount (`0.291`, `0.2900001`) is off
/// by far more. The bound is inclusive. Everything is integer arithmetic on the digits, never
/// `f64`. Rejects signs, exponents, blanks, any other value with more than two decimals
/// (`0.291`, `0.2900001`) and values beyond `i64` fen, each with `DECODE_ERROR`.
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
    let (fen_digits, beyond_fen) = frac_part.split_at(frac_part.len().min(2));
    let round_up = match sub_fen_position(beyond_fen) {
        SubFen::Zero => false,
        SubFen::JustAbove => false,
        SubFen::JustBelowNext => true,
        SubFen::Significant => return Err(bad("more than 2 decimal places")),
    };
    let mut fen: i64 = 0;
    let digits = int_part
        .bytes()
        .chain(fen_digits.bytes())
        .chain(std::iter::repeat_n(b'0', 2 - fen_digits.len()));
    for d in digits {
        fen = fen
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(d - b'0')))
            .ok_or_else(|| bad("out of range"))?;
    }
    if round_up {
        fen = fen.checked_add(1).ok_or_else(|| bad("out of range"))?;
    }
    Ok(fen)
}

/// Where the digits after the second decimal place put a value relative to whole fen.
enum SubFen {
    /// Exactly on a fen (no digits, or only zeros).
    Zero,
    /// Above a fen by at most the tolerance: that fen.
    JustAbove,
    /// Below the next fen by at most the tolerance: the next fen.
    JustBelowNext,
    /// A real fraction of a fen.
    Significant,
}

/// Classifies the sub-fen digits `d3 d4 …` (the fraction r = 0.d3d4… of a fen). The tolerance
/// of 1e-9 yuan is 1e-7 fen, so: r = 0 → `Zero`; r ≤ 1e-7 → `JustAbove`; r ≥ 1 − 1e-7 →
/// `JustBelowNext`; else `Significant`. Exact: the first 20 digits as an integer in units of
/// 1e-20 fen, plus whether any later digit is non-zero.
fn sub_fen_position(digits: &str) -> SubFen {
    const SCALE_DIGITS: usize = 20;
    const TOLERANCE: u128 = 10_000_000_000_000; // 1e-7 fen in units of 1e-20 fen
    const ONE: u128 = 100_000_000_000_000_000_000; // 1 fen in units of 1e-20 fen
    let head = digits.get(..digits.len().min(SCALE_DIGITS)).unwrap_or("");
    let tail_nonzero = digits
        .get(head.len()..)
        .is_some_and(|t| t.bytes().any(|b| b != b'0'));
    let mut scaled: u128 = 0;
    for i in 0..SCALE_DIGITS {
        let d = head.as_bytes().get(i).map_or(0, |b| b - b'0');
        scaled = scaled * 10 + u128::from(d);
    }
    if scaled == 0 && !tail_nonzero {
        SubFen::Zero
    } else if scaled < TOLERANCE || (scaled == TOLERANCE && !tail_nonzero) {
        SubFen::JustAbove
    } else if scaled >= ONE - TOLERANCE {
        SubFen::JustBelowNext
    } else {
        SubFen::Significant
    }
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
            // Binary-float artifacts (17 significant digits) are the fen they stand for.
            ("0.29000000000000001", 29),
            ("0.29000000000000004", 29),
            ("0.28999999999999998", 29),
            ("1.1000000000000001", 110),
            ("0.009999999999999998", 1),
            ("0.99999999999999999", 100),
            // Exactly 1e-9 yuan from a fen is still within the tolerance.
            ("0.290000001", 29),
            ("0.289999999", 29),
        ];
        for (text, fen) in cases {
            assert_eq!(yuan_text_to_fen("x", text).ok(), Some(fen), "{text}");
        }
    }

    #[test]
    fn yuan_conversion_rejects_inexact_or_odd_text() {
        for text in [
            "0.291",
            "0.2900001",
            "0.2900000011",
            "0.2899999989",
            "0.295",
            "-1",
            "+1",
            "1e2",
            "",
            ".5",
            "5.",
            " 1",
            "1 ",
            "92233720368547758.08",
            "92233720368547758.0799999999999",
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
