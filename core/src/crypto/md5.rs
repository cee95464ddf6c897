use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

/// MD5 of `data` as 32 upper-case hex characters (the form Fubei and the vending vendor use).
pub fn md5_upper_hex(data: &[u8]) -> String {
    let digest = Md5::digest(data);
    let hex = |nibble: u8| {
        char::from_digit(u32::from(nibble), 16)
            .unwrap_or('0')
            .to_ascii_uppercase()
    };
    digest
        .iter()
        .flat_map(|b| [hex(b >> 4), hex(b & 0x0f)])
        .collect()
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
        assert_eq!(md5_upper_hex(b"abc"), "900150983CD24FB0D6963F7D28E17F72");
    }

    #[test]
    fn secure_eq_compares_whole_values() {
        assert!(secure_eq(b"ABC", b"ABC"));
        assert!(!secure_eq(b"ABC", b"ABD"));
        assert!(!secure_eq(b"ABC", b"ABCD"));
    }
}
