//! Time and randomness, injected.
//!
//! The core never reads the clock or an RNG: building a request takes a [`RequestContext`]
//! (Unix timestamp + nonce), parsing a response takes a [`ResponseContext`] (the current Unix
//! time). Hosts fill them from their clock and CSPRNG (the CLI and bindings do so by default);
//! tests pin them, so the same inputs always give the same bytes.

use crate::error::{Error, Result};

/// A request nonce: 1 to 32 ASCII letters and digits (WeChat Pay's `nonce_str` rule; Fubei's
/// official SDK sends 32 random letters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nonce(String);

const NONCE_ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl Nonce {
    /// Validates a caller-chosen nonce.
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        if value.is_empty() || value.len() > 32 || !value.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(Error::invalid_input(
                "nonce",
                "nonce must be 1 to 32 ASCII letters or digits",
            ));
        }
        Ok(Nonce(value))
    }

    /// Derives a 32-character nonce from 32 bytes of CSPRNG output supplied by the host
    /// (`byte % 62`; the slight bias is irrelevant for a uniqueness token, ~190 bits remain).
    pub fn from_random_bytes(bytes: &[u8; 32]) -> Self {
        Nonce(
            bytes
                .iter()
                .map(|b| {
                    let i = usize::from(*b) % NONCE_ALPHABET.len();
                    char::from(NONCE_ALPHABET.get(i).copied().unwrap_or(b'0'))
                })
                .collect(),
        )
    }

    /// The nonce text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What building a request needs from the outside world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// Current time, Unix seconds.
    pub timestamp: i64,
    /// A fresh nonce for this request.
    pub nonce: Nonce,
}

impl RequestContext {
    /// A context from a pinned time and nonce.
    pub fn new(timestamp: i64, nonce: Nonce) -> Self {
        RequestContext { timestamp, nonce }
    }

    /// The context a binding builds from its host's arguments: the caller's nonce when given
    /// (validated), else one derived from `random`, 32 bytes the host drew from its CSPRNG
    /// (`crypto.getRandomValues`, `secrets.token_bytes`, the OS). Every binding fills in
    /// defaults the same way through here.
    pub fn from_host(timestamp: i64, nonce: Option<&str>, random: Option<&[u8]>) -> Result<Self> {
        check_unix_seconds("timestamp", timestamp)?;
        let nonce = match (nonce, random) {
            (Some(n), _) => Nonce::new(n)?,
            (None, Some(bytes)) => {
                let bytes: &[u8; 32] = bytes.try_into().map_err(|_| {
                    Error::invalid_input("nonce", "a generated nonce needs exactly 32 random bytes")
                })?;
                Nonce::from_random_bytes(bytes)
            }
            (None, None) => {
                return Err(Error::invalid_input(
                    "nonce",
                    "give a nonce, or 32 random bytes to derive one from",
                ))
            }
        };
        Ok(RequestContext::new(timestamp, nonce))
    }
}

/// What parsing a response needs from the outside world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseContext {
    /// Current time, Unix seconds (for signature freshness and token expiry).
    pub now: i64,
}

impl ResponseContext {
    /// A context for the given current time.
    pub fn new(now: i64) -> Self {
        ResponseContext { now }
    }

    /// The context a binding builds from its host's `now` argument (or clock), checked like a
    /// request timestamp ([`check_unix_seconds`]).
    pub fn from_host(now: i64) -> Result<Self> {
        check_unix_seconds("now", now)?;
        Ok(ResponseContext { now })
    }
}

/// The last second of the year 9999 (`9999-12-31T23:59:59Z`): the latest time every host's
/// date type can hold, and far beyond any real clock.
pub const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

/// Checks a Unix time in seconds a host passes in (`timestamp`, `now`): from 1970 to the end of
/// the year 9999. A value that is a plausible time in *milliseconds* (JavaScript's `Date.now()`,
/// Java's `System.currentTimeMillis()`) is the likeliest mistake, and the error says so.
pub fn check_unix_seconds(field: &str, value: i64) -> Result<()> {
    if value < 0 {
        return Err(Error::invalid_input(
            field,
            format!("`{field}` must be a non-negative Unix time in seconds"),
        ));
    }
    if value > MAX_UNIX_SECONDS {
        let hint = if value / 1000 <= MAX_UNIX_SECONDS {
            " — it looks like milliseconds; give seconds, not milliseconds"
        } else {
            ""
        };
        return Err(Error::invalid_input(
            field,
            format!("`{field}` is after the year 9999 as Unix seconds{hint}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_validated() {
        assert!(Nonce::new("abcXYZ019").is_ok());
        assert!(Nonce::new("").is_err());
        assert!(Nonce::new("a".repeat(33)).is_err());
        assert!(Nonce::new("abc\r\n").is_err());
        assert!(Nonce::new("abc-def").is_err());
    }

    #[test]
    fn host_contexts_take_a_nonce_or_32_random_bytes() {
        let pinned = RequestContext::from_host(5, Some("abc"), Some(&[7; 32])).unwrap();
        assert_eq!(pinned.nonce.as_str(), "abc");
        let drawn = RequestContext::from_host(5, None, Some(&[7; 32])).unwrap();
        assert_eq!(drawn.nonce, Nonce::from_random_bytes(&[7; 32]));
        assert!(RequestContext::from_host(5, None, Some(&[7; 31])).is_err());
        assert!(RequestContext::from_host(5, None, None).is_err());
        assert!(RequestContext::from_host(5, Some("a b"), None).is_err());
        assert!(RequestContext::from_host(-1, Some("abc"), None).is_err());
    }

    #[test]
    fn host_times_are_seconds_until_the_year_9999() {
        assert!(check_unix_seconds("now", MAX_UNIX_SECONDS).is_ok());
        assert!(check_unix_seconds("now", 0).is_ok());
        let millis = check_unix_seconds("timestamp", 1_764_576_000_000).unwrap_err();
        assert_eq!(millis.field(), Some("timestamp"));
        assert!(
            millis.message().contains("seconds, not milliseconds"),
            "{millis}"
        );
        let huge = check_unix_seconds("timestamp", i64::MAX).unwrap_err();
        assert!(huge.message().contains("after the year 9999"), "{huge}");
        assert!(!huge.message().contains("milliseconds"), "{huge}");
        assert!(ResponseContext::from_host(MAX_UNIX_SECONDS + 1).is_err());
        assert!(ResponseContext::from_host(-1).is_err());
        assert!(RequestContext::from_host(i64::MAX, Some("abc"), None).is_err());
    }

    #[test]
    fn random_nonces_are_32_alphanumerics() {
        let n = Nonce::from_random_bytes(&[255; 32]);
        assert_eq!(n.as_str().len(), 32);
        assert!(Nonce::new(n.as_str()).is_ok());
        let m = Nonce::from_random_bytes(&[0; 32]);
        assert_ne!(n, m);
    }
}
