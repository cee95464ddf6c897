//! What several providers share: the MD5 schemes' sign string, and the first steps of parsing
//! an unsigned provider's answer.

/// The `k1=v1&k2=v2` string both MD5 schemes sign: every parameter except `sign`, empty values
/// dropped, sorted by key in byte (ASCII) order, no URL-encoding.
pub(crate) fn sorted_sign_string(params: &[(&str, &str)]) -> String {
    let mut kept: Vec<&(&str, &str)> = params
        .iter()
        .filter(|(k, v)| *k != "sign" && !v.is_empty())
        .collect();
    kept.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    // One allocation, sized for the caller's secret too: this runs on every MD5 request and
    // answer, and `format!` per pair cost more than the MD5 itself (most visibly in wasm).
    let len: usize = kept.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let mut out = String::with_capacity(len + 64);
    for (i, (k, v)) in kept.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// The first step of every unsigned provider's parse: bound the body, then decode the envelope
/// `T`. A body that is not the envelope is `DECODE_ERROR` under a 2xx status, and that status's
/// own error otherwise (a proxy's HTML 502 is a 502, not a decoding problem).
pub(crate) fn decode_envelope<'a, T: serde::Deserialize<'a>>(
    provider: &str,
    what: &str,
    response: &'a crate::HttpResponse,
    limits: crate::ResponseLimits,
) -> crate::Result<T> {
    crate::json::check_body(&response.body, limits)?;
    serde_json::from_slice(&response.body).map_err(|e| {
        if response.is_success() {
            crate::json::decode_error(what, &e)
        } else {
            http_status_error(provider, response.status)
        }
    })
}

/// Maps a non-2xx HTTP status with no usable provider body to an error.
pub(crate) fn http_status_error(provider: &str, status: u16) -> crate::Error {
    let code = if status == 429 {
        crate::ErrorCode::RateLimited
    } else {
        crate::ErrorCode::ProviderError
    };
    crate::Error::new(
        code,
        format!("{provider} answered HTTP {status} without a recognizable body"),
    )
    .with_http_status(status)
    .retryable(status == 429 || crate::http::is_transient_server_status(status))
}

/// A notification's idempotency key from its parts, joined by `:` with `%` and `:` inside a
/// part escaped, so that different parts never make the same key.
pub(crate) fn notice_id(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.replace('%', "%25").replace(':', "%3A"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_strings_sort_and_drop_empty_values() {
        let s = sorted_sign_string(&[("b", "2"), ("sign", "X"), ("a", "1"), ("c", ""), ("B", "0")]);
        assert_eq!(s, "B=0&a=1&b=2");
    }

    #[test]
    fn a_lone_surrogate_in_an_envelope_is_a_decode_error_naming_it() {
        let body = br#"{"code":"0","msg":"\ud800"}"#;
        let response = crate::HttpResponse::new(200, Vec::new(), body.to_vec());
        let e = decode_envelope::<serde_json::Value>(
            "Fubei",
            "Fubei",
            &response,
            crate::ResponseLimits::default(),
        )
        .unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::DecodeError);
        assert!(e.message().contains("lone UTF-16 surrogate"), "{e}");
    }
}
