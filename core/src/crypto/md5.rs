use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

/// MD5 of `data` as 32 upper-case hex characters (the form Fubei and the vending vendor use).
pub fn md5_upper_hex(data: &[u8]) -> String {
    let mut hex = String::with_capacity(32);
    for byte in Md5::digest(data) {
        hex.push(char::from(hex_digit(byte >> 4, b'A')));
        hex.push(char::from(hex_digit(byte & 0x0f, b'A')));
    }
    hex
}

/// The hex digit of the low four bits of `nibble`; `ten` is the digit for 10 (`b'A'` or `b'a'`).
pub(crate) fn hex_digit(nibble: u8, ten: u8) -> u8 {
    let nibble = nibble & 0x0f;
    if nibble < 10 {
        b'0' + nibble
    } else {
        ten + (nibble - 10)
    }
}

/// Constant-time equality for signatures and MACs we compute, so that a forger learns nothing
/// from response timing.
pub fn secure_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_the_rfc_1321_vectors() {
        assert_eq!(md5_upper_hex(b""), "D41D8CD98F00B204E9800998ECF8427E");
        assert_eq!(md5_upper_hex(b"a"), "0CC175B9C0F1B6A831C399E269772661");
        assert_eq!(
            md5_upper_hex(
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
            ),
            "57EDF4A22BE3C955AC49DA2E2107B67A"
        );
        assert_eq!(md5_upper_hex(b"abc"), "900150983CD24FB0D6963F7D28E17F72");
    }

    #[test]
    fn hex_digits_cover_every_nibble() {
        let upper: String = (0..16).map(|n| char::from(hex_digit(n, b'A'))).collect();
        let lower: String = (0..16).map(|n| char::from(hex_digit(n, b'a'))).collect();
        assert_eq!(
            (upper.as_str(), lower.as_str()),
            ("0123456789ABCDEF", "0123456789abcdef")
        );
    }

    #[test]
    fn secure_eq_compares_whole_values() {
        assert!(secure_eq(b"ABC", b"ABC"));
        assert!(!secure_eq(b"ABC", b"ABD"));
        assert!(!secure_eq(b"ABC", b"ABCD"));
    }
}
