//! A provider's callback as a host's web server received it, and the HTTP reply payquery
//! tells the host to send back. Floor 0: plain data, no provider.
//!
//! The body is bytes, never parsed JSON: WeChat Pay signs the exact bytes it sent, and a
//! re-serialised body (keys reordered, `\/` unescaped, numbers reformatted) no longer
//! verifies — the most reported notification bug across the WeChat Pay SDKs
//! (NOTIFICATIONS.md §5).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};

/// The largest notification body payquery reads. WeChat Pay's envelopes are a few KB and
/// Fubei's forms smaller; a host should stop reading past this too (a 10 MB body is refused
/// before any parsing, naming `body`).
pub const MAX_NOTIFICATION_BYTES: usize = 256 * 1024;

/// The most fields a notification form may have: Fubei posts four.
pub const MAX_FORM_FIELDS: usize = 64;

/// One callback as received: method, every header in order (names as sent; a name may come
/// more than once), and the raw body.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRequest {
    /// The HTTP method (`POST` for every provider that notifies).
    pub method: String,
    /// The headers as received, in order, repeated names kept.
    pub headers: Vec<(String, String)>,
    /// The body exactly as received.
    pub body: Vec<u8>,
}

impl fmt::Debug for NotificationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies are ciphertext or order data, not credentials, but they can be large: the
        // length says enough in a log line.
        f.debug_struct("NotificationRequest")
            .field("method", &self.method)
            .field("headers", &self.headers)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl NotificationRequest {
    /// The value of header `name` (matched case-insensitively, surrounding blanks trimmed):
    /// `Ok(None)` when absent, an error naming it when it comes more than once — two values
    /// for one field are ambiguous, and a verifier must not pick one.
    pub fn single_header(&self, name: &str) -> Result<Option<&str>> {
        let mut values = self
            .headers
            .iter()
            .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim());
        match (values.next(), values.next()) {
            (first, None) => Ok(first),
            (Some(_), Some(_)) => Err(Error::new(
                ErrorCode::InvalidInput,
                format!("the notification carries the `{name}` header more than once"),
            )
            .with_field(name)),
            (None, Some(_)) => Ok(None),
        }
    }

    /// The media type of `Content-Type`, lower-cased, without parameters (`""` when absent).
    pub fn media_type(&self) -> Result<String> {
        Ok(self
            .single_header("Content-Type")?
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default())
    }

    /// The body as an HTML form (`application/x-www-form-urlencoded`): every field once, in
    /// order, `+` and `%XX` decoded, values as UTF-8 text. A field given twice is refused
    /// naming it (which one would the signature cover?), as are bad escapes, non-UTF-8 and
    /// more than [`MAX_FORM_FIELDS`] fields (read before any signature is checked, so an
    /// unsigned body must not cost more than a signed one).
    pub fn form_fields(&self) -> Result<Vec<(String, String)>> {
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for pair in self.body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            if fields.len() == MAX_FORM_FIELDS {
                return Err(Error::invalid_input(
                    "body",
                    format!("the form has more than {MAX_FORM_FIELDS} fields"),
                ));
            }
            let mut parts = pair.splitn(2, |b| *b == b'=');
            let name = parts.next().unwrap_or_default();
            let value = parts.next().unwrap_or_default();
            let name = form_decode("body", name)?;
            let value = form_decode(&name, value)?;
            if !seen.insert(name.clone()) {
                return Err(Error::invalid_input(
                    &name,
                    format!("the form carries `{}` more than once", name.escape_debug()),
                ));
            }
            fields.push((name, value));
        }
        Ok(fields)
    }

    /// Refuses what no provider sends: another method than `POST`, or a body over
    /// [`MAX_NOTIFICATION_BYTES`].
    pub(crate) fn check_post(&self) -> Result<()> {
        if !self.method.trim().eq_ignore_ascii_case("POST") {
            return Err(Error::invalid_input(
                "method",
                format!(
                    "notifications are POSTed; this request is `{}`",
                    self.method.escape_debug()
                ),
            ));
        }
        if self.body.len() > MAX_NOTIFICATION_BYTES {
            return Err(Error::invalid_input(
                "body",
                format!(
                    "the notification body is {} bytes; at most {MAX_NOTIFICATION_BYTES} are read",
                    self.body.len()
                ),
            ));
        }
        Ok(())
    }
}

/// The HTTP answer to send for a notification, exactly: the provider reads its status (and,
/// for Fubei, its body) to decide whether to send the notification again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NotificationReply {
    /// The HTTP status.
    pub status: u16,
    /// Headers to set (`Content-Type` when there is a body).
    pub headers: Vec<(String, String)>,
    /// The body (empty for WeChat Pay's 204).
    pub body: String,
}

impl NotificationReply {
    /// A reply with no body.
    pub(crate) fn empty(status: u16) -> Self {
        NotificationReply {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// A `text/plain` reply.
    pub(crate) fn text(status: u16, body: &str) -> Self {
        NotificationReply {
            status,
            headers: vec![(
                "Content-Type".to_owned(),
                "text/plain; charset=utf-8".to_owned(),
            )],
            body: body.to_owned(),
        }
    }

    /// WeChat Pay's failure body, `{"code": "FAIL", "message": …}`, under `status`.
    pub(crate) fn json_fail(status: u16, message: &str) -> Self {
        NotificationReply {
            status,
            headers: vec![(
                "Content-Type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            )],
            body: serde_json::json!({"code": "FAIL", "message": message}).to_string(),
        }
    }
}

/// One form component: `+` is a space, `%XX` a byte; the bytes must be UTF-8.
fn form_decode(field: &str, raw: &[u8]) -> Result<String> {
    let bad = || {
        Error::invalid_input(
            field,
            format!("form field `{field}` is not URL-encoded UTF-8 text"),
        )
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter();
    while let Some(&b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let digit = |d: Option<&u8>| d.and_then(|d| char::from(*d).to_digit(16));
                let (hi, lo) = (digit(bytes.next()), digit(bytes.next()));
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    return Err(bad());
                };
                out.push(u8::try_from(hi * 16 + lo).map_err(|_| bad())?);
            }
            b => out.push(b),
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}
