//! The request and response descriptors that cross the sans-IO boundary.
//!
//! payquery never sends anything: it hands the host an [`HttpRequest`] to send with its own
//! client, and takes back an [`HttpResponse`] exactly as received (status, headers, raw body
//! bytes). Signatures are computed over, and verified against, these exact bytes.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The `User-Agent` payquery sends where a provider asks for one.
pub const USER_AGENT: &str = concat!("payquery/", env!("CARGO_PKG_VERSION"));

/// HTTP method of a request descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
}

impl Method {
    /// `"GET"` or `"POST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }

    /// Parses `"GET"` or `"POST"` (the only methods payquery builds); anything else is
    /// `INVALID_INPUT`.
    pub fn parse(method: &str) -> Result<Self> {
        match method {
            "GET" => Ok(Method::Get),
            "POST" => Ok(Method::Post),
            _ => Err(Error::invalid_input(
                "method",
                "method must be \"GET\" or \"POST\"",
            )),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fully built, signed request for the host to send unchanged.
///
/// `headers` is ordered and may be sent in that order; header values never contain CR, LF or
/// other control characters (checked when built). `body` is the exact byte string that was
/// signed, `None` for requests without a body.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// The HTTP method.
    pub method: Method,
    /// The absolute URL, already percent-encoded; send it as is (do not re-encode).
    pub url: String,
    /// Header name/value pairs in send order.
    pub headers: Vec<(String, String)>,
    /// The body bytes, when the request has one.
    pub body: Option<Vec<u8>>,
}

/// Header names whose values are credentials and must not be printed by `Debug`.
const SENSITIVE_HEADERS: [&str; 2] = ["authorization", "appsecret"];

/// True for a header whose value is a credential (`Authorization`, `AppSecret`): what every
/// binding's rendering of a single header (Kotlin `Header.toString()`) redacts.
pub fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE_HEADERS
        .iter()
        .any(|s| name.eq_ignore_ascii_case(s))
}

impl HttpRequest {
    /// The first value of header `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_lookup(&self.headers, name)
    }

    /// The body as UTF-8 text (every payquery body is UTF-8 JSON), or `None` without a body.
    pub fn body_text(&self) -> Option<&str> {
        self.body
            .as_deref()
            .map(|b| std::str::from_utf8(b).unwrap_or("<non-UTF-8 body>"))
    }
}

/// What may be shown of a request: [`HttpRequest::redacted`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactedRequest {
    /// The method.
    pub method: Method,
    /// The URL with `access_token` / `secret` values replaced by `[redacted]`.
    pub url: String,
    /// The headers with `Authorization` / `AppSecret` values replaced by `[redacted]`.
    pub headers: Vec<(String, String)>,
    /// The body's length only (a token request's body carries the AppSecret).
    pub body_len: Option<usize>,
}

impl HttpRequest {
    /// The request with every credential replaced by `[redacted]` — what `Debug`, and every
    /// binding's `repr` / `toString` / `util.inspect`, shows, so logging a request never leaks a
    /// secret.
    pub fn redacted(&self) -> RedactedRequest {
        RedactedRequest {
            method: self.method,
            url: redact_url(&self.url),
            headers: self
                .headers
                .iter()
                .map(|(n, v)| {
                    let shown = if is_sensitive_header(n) {
                        "[redacted]".to_owned()
                    } else {
                        v.clone()
                    };
                    (n.clone(), shown)
                })
                .collect(),
            body_len: self.body.as_ref().map(Vec::len),
        }
    }
}

impl HttpRequest {
    /// Every credential this request carries, as text that a host's error message may quote:
    /// the `access_token` / `secret` query values (as sent, and decoded), each sensitive
    /// header's value (and an `Authorization`'s `signature="…"` alone), and a token request's
    /// JSON `secret`. What [`crate::QueryFlow::redact`] removes from a host's error.
    pub(crate) fn credentials(&self) -> Vec<String> {
        let mut found = Vec::new();
        if let Some((_, query)) = self.url.split_once('?') {
            for pair in query.split('&') {
                if let Some((k, v)) = pair.split_once('=') {
                    if is_credential_param(k) {
                        found.push(v.to_owned());
                        found.push(
                            percent_encoding::percent_decode_str(v)
                                .decode_utf8_lossy()
                                .into_owned(),
                        );
                    }
                }
            }
        }
        for (name, value) in &self.headers {
            if is_sensitive_header(name) {
                found.push(value.clone());
                if let Some(signature) = value
                    .split_once("signature=\"")
                    .and_then(|(_, rest)| rest.split('"').next())
                {
                    found.push(signature.to_owned());
                }
            }
        }
        if let Some(secret) = self
            .body
            .as_deref()
            // Only a token request's body has one: no JSON parse for every order query sent.
            .filter(|b| b.windows(8).any(|w| w == b"\"secret\""))
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
            .and_then(|v| v.get("secret").and_then(|s| s.as_str()).map(str::to_owned))
        {
            // As it stands in the body too: JSON-escaped (a `"` or `\` in an app secret).
            if let Ok(quoted) = serde_json::to_string(&secret) {
                if let Some(inner) = quoted.get(1..quoted.len().saturating_sub(1)) {
                    found.push(inner.to_owned());
                }
            }
            found.push(secret);
        }
        found.retain(|c| !c.is_empty());
        found
    }
}

impl fmt::Debug for HttpRequest {
    /// Prints [`HttpRequest::redacted`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.redacted();
        f.debug_struct("HttpRequest")
            .field("method", &shown.method)
            .field("url", &shown.url)
            .field("headers", &shown.headers)
            .field("body", &shown.body_len.map(|n| format!("<{n} bytes>")))
            .finish()
    }
}

/// A URL query parameter whose value is a credential (a Mini Program `access_token`, a
/// classic token request's `secret`).
fn is_credential_param(name: &str) -> bool {
    name == "access_token" || name == "secret"
}

/// Replaces the value of an `access_token` (or `secret`) query parameter with `[redacted]`.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_credential_param(k) => format!("{k}=[redacted]"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

/// An HTTP status that says "try again, maybe elsewhere" when it comes without a verified
/// provider answer: 500 (what WeChat Pay itself answers with `SYSTEM_ERROR`, and what a gateway
/// answers for a passing fault), 502, 503 and 504. A query is a read, so repeating it is safe.
/// Not 501, 505 or above: the request or the setup is wrong, and repeating it cannot help.
pub(crate) fn is_transient_server_status(status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504)
}

/// A response exactly as the host received it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Header name/value pairs as received (lookups are case-insensitive).
    pub headers: Vec<(String, String)>,
    /// The raw body bytes, unmodified.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// Builds a response from its parts.
    pub fn new(status: u16, headers: Vec<(String, String)>, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse {
            status,
            headers,
            body: body.into(),
        }
    }

    /// The first value of header `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_lookup(&self.headers, name)
    }

    /// True for 2xx statuses.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

fn header_lookup<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Checks that a value may be placed in an HTTP header: visible ASCII and spaces only, so CR/LF
/// (header injection) and other control bytes can never reach the wire.
pub(crate) fn check_header_value(field: &str, value: &str) -> Result<()> {
    if value
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || (0x21..0x7f).contains(&b))
    {
        Ok(())
    } else {
        Err(Error::invalid_input(
            field,
            format!("`{field}` contains characters not allowed in an HTTP header (control characters, CR/LF or non-ASCII)"),
        ))
    }
}

/// The characters left as they are by [`encode_component`]: RFC 3986 "unreserved"
/// (`A-Z a-z 0-9 - . _ ~`). Everything else is percent-encoded, so `/`, `?`, `#`, `&`, `=`,
/// spaces, `|` and `*` can never change the shape of a URL, and no HTTP client has a reason to
/// re-encode (or decode) what we send — the signed URL is the sent URL.
const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path segment or query value (UTF-8, RFC 3986 unreserved kept).
pub(crate) fn encode_component(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, COMPONENT).to_string()
}

/// A validated base URL (`http(s)://host[:port][/path]`, no query, no fragment, no trailing
/// slash). `http` is accepted so that the local sandbox works; production defaults are `https`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseUrl(String);

impl BaseUrl {
    /// Accepts `http(s)://host[:port][/path]`: a host name (letters, digits, `-`, `_`, dots
    /// between non-empty labels), an IPv4 address or a bracketed IPv6 address; a port from 1 to
    /// 65535; a path of unreserved characters, `/` and `%XX` escapes; no user info, query or
    /// fragment. Checked when the client is configured, so a typo such as `http://[::1` fails
    /// there, naming `field`, instead of later inside the host's HTTP client.
    pub(crate) fn parse(field: &str, value: &str) -> Result<Self> {
        let bad = |why: &str| {
            Error::invalid_config(
                field,
                format!("`{field}` is not a valid base URL ({why}; expected http(s)://host[:port][/path])"),
            )
        };
        let trimmed = value.trim_end_matches('/');
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .ok_or_else(|| {
                Error::invalid_config(
                    field,
                    format!("`{field}` must start with https:// or http://"),
                )
            })?;
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if authority.contains('@') {
            return Err(bad(
                "user info (`user:password@`) is not allowed: credentials go in their own keys",
            ));
        }
        let (host, port) = if let Some(inside) = authority.strip_prefix('[') {
            let (address, after) = inside
                .split_once(']')
                .ok_or_else(|| bad("an IPv6 address without its closing `]`"))?;
            if address.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad("the bracketed host is not an IPv6 address"));
            }
            match after {
                "" => (authority, None),
                _ => (
                    authority,
                    Some(
                        after
                            .strip_prefix(':')
                            .ok_or_else(|| bad("text after the IPv6 address"))?,
                    ),
                ),
            }
        } else {
            match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if !host.starts_with('[') {
            let label_ok = |l: &str| {
                !l.is_empty()
                    && l.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            };
            if !host.split('.').all(label_ok) {
                return Err(bad("the host is not a host name or IP address"));
            }
        }
        if let Some(port) = port {
            let valid = !port.is_empty()
                && port.len() <= 5
                && port.bytes().all(|b| b.is_ascii_digit())
                && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
            if !valid {
                return Err(bad("the port is not a number from 1 to 65535"));
            }
        }
        let mut bytes = path.bytes();
        while let Some(b) = bytes.next() {
            let ok = match b {
                b'%' => {
                    bytes.next().is_some_and(|h| h.is_ascii_hexdigit())
                        && bytes.next().is_some_and(|h| h.is_ascii_hexdigit())
                }
                _ => b.is_ascii_alphanumeric() || b"-._~/".contains(&b),
            };
            if !ok {
                return Err(bad(
                    "the path holds a query, a fragment, spaces or characters that need percent-encoding",
                ));
            }
        }
        Ok(BaseUrl(trimmed.to_owned()))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The path after the host and port (`/gateway`, or empty).
    pub(crate) fn path(&self) -> &str {
        let rest = self
            .0
            .split_once("://")
            .map_or(self.0.as_str(), |(_, rest)| rest);
        rest.find('/').map_or("", |i| rest.get(i..).unwrap_or(""))
    }
}

/// The path-and-query part that follows the host in `full_url` (what the request line carries,
/// and what WeChat Pay signs as the canonical URL).
pub(crate) fn request_target(full_url: &str) -> &str {
    let after_scheme = full_url.split_once("://").map_or(full_url, |(_, r)| r);
    after_scheme
        .find('/')
        .map_or("/", |i| after_scheme.get(i..).unwrap_or("/"))
}

/// Checks a complete request URL as payquery builds them: `http(s)://host[:port]/path[?query]`
/// with only characters that need no further encoding (RFC 3986 unreserved and reserved
/// characters, `%` escapes), no fragment, no spaces, no control bytes. Used when a request
/// comes back from outside (a parked two-phase request), so a stored URL cannot smuggle CR/LF
/// or a fragment into the request line.
pub(crate) fn check_request_url(field: &str, url: &str) -> Result<()> {
    let bad = |why: &str| {
        Error::invalid_input(
            field,
            format!("`{field}` is not a request URL payquery builds ({why})"),
        )
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("it must start with https:// or http://"))?;
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    if host.is_empty() {
        return Err(bad("no host"));
    }
    if !rest.get(host.len()..).is_some_and(|p| p.starts_with('/')) {
        return Err(bad("no path"));
    }
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~:/?[]@!$&'()*+,;=%".contains(&b);
    if !url.bytes().all(allowed) {
        return Err(bad(
            "characters that must be percent-encoded, a fragment, spaces or control characters",
        ));
    }
    Ok(())
}

/// Checks that a name may be used as an HTTP header name (an RFC 9110 token).
pub(crate) fn check_header_name(name: &str) -> Result<()> {
    let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if !name.is_empty() && name.bytes().all(tchar) {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "headers",
            "a header name is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lookup_is_case_insensitive() {
        let r = HttpResponse::new(200, vec![("wechatpay-serial".into(), "X".into())], "");
        assert_eq!(r.header("Wechatpay-Serial"), Some("X"));
        assert_eq!(r.header("Wechatpay-Nonce"), None);
    }

    #[test]
    fn header_values_reject_crlf_and_controls() {
        assert!(check_header_value("x", "abc def").is_ok());
        assert!(check_header_value("x", "abc\r\nX-Evil: 1").is_err());
        assert!(check_header_value("x", "a\u{0}").is_err());
        assert!(check_header_value("x", "中文").is_err());
    }

    #[test]
    fn components_encode_everything_but_unreserved() {
        assert_eq!(
            encode_component("a/b?c#d e|f*g"),
            "a%2Fb%3Fc%23d%20e%7Cf%2Ag"
        );
        assert_eq!(encode_component("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(encode_component("中"), "%E4%B8%AD");
    }

    #[test]
    fn base_urls_are_validated_and_trimmed() {
        let b = BaseUrl::parse("base_url", "https://api.mch.weixin.qq.com/")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.as_str(), "https://api.mch.weixin.qq.com");
        assert!(BaseUrl::parse("base_url", "ftp://x").is_err());
        assert!(BaseUrl::parse("base_url", "https://x/?q=1").is_err());
        assert!(BaseUrl::parse("base_url", "https://x\r\n").is_err());
        assert!(BaseUrl::parse("base_url", "https://").is_err());
        for good in [
            "http://127.0.0.1:8080",
            "http://[::1]:8080/sandbox",
            "https://[2001:db8::1]",
            "https://shq-api.51fubei.com/gateway",
            "http://localhost:1/a%2Fb/c_d",
        ] {
            assert!(BaseUrl::parse("base_url", good).is_ok(), "{good}");
        }
        for bad in [
            "http://[::1",
            "http://[::1]x",
            "http://[nothex]",
            "http://host:0",
            "http://host:65536",
            "http://host:",
            "http://host:8o",
            "http://user@host",
            "http://ho st",
            "http://host..com",
            "http://.host",
            "http://host/a b",
            "http://host/a#f",
            "http://host/%zz",
            "http://host/%2",
            "http://ho%41st",
        ] {
            let e = BaseUrl::parse("base_url", bad).unwrap_err();
            assert_eq!(e.field(), Some("base_url"), "{bad}");
        }
        assert_eq!(
            request_target("https://api.mch.weixin.qq.com/v3/a?b=c"),
            "/v3/a?b=c"
        );
    }

    #[test]
    fn request_urls_are_checked() {
        assert!(check_request_url("url", "https://x/v3/a%7Cb?c=d&e=f").is_ok());
        assert!(check_request_url("url", "http://127.0.0.1:8080/gateway").is_ok());
        for bad in [
            "https://x/a\r\nX: y",
            "https://x/a b",
            "https://x/a#frag",
            "https://x",
            "https:///a",
            "ftp://x/a",
            "https://x/a|b",
            "https://x/\u{7f}",
        ] {
            assert!(check_request_url("url", bad).is_err(), "{bad:?}");
        }
        assert!(check_header_name("Wechatpay-Serial").is_ok());
        assert!(check_header_name("Bad Name").is_err());
        assert!(check_header_name("X\r\nY").is_err());
        assert!(check_header_name("").is_err());
    }

    #[test]
    fn debug_redacts_credentials() {
        let req = HttpRequest {
            method: Method::Get,
            url: "https://x/y?access_token=SECRET1&orderId=1".into(),
            headers: vec![
                ("Authorization".into(), "WECHATPAY2 SECRET2".into()),
                ("AppSecret".into(), "SECRET3".into()),
            ],
            body: Some(br#"{"secret":"SECRET4"}"#.to_vec()),
        };
        let shown = format!("{req:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("orderId=1"));
    }
}
