//! Property tests: the rules that must hold for every input, not just the vectors.
//!
//! - Money: every 0–2-decimal yuan text in range parses to exactly `yuan × 100` fen (checked
//!   with integer arithmetic on the generated parts), trailing zeros change nothing, and
//!   anything with a real sub-fen remainder is refused.
//! - WeChat Pay signatures: sign → verify round trips for random bodies, nonces and
//!   timestamps; any single-byte change to the signed body, timestamp, nonce or serial fails.
//! - Freshness: exact at ±300 / ±301 s, and no overflow at the i64 extremes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::OnceLock;

use payquery_core::crypto::RsaPrivateKey;
use payquery_core::providers::wechatpay::{WechatPayConfig, WechatPayVerifier};
use payquery_core::{yuan_text_to_fen, ErrorCode, HttpResponse, ResponseContext};
use proptest::prelude::*;

const PUB_KEY_ID: &str = "PUB_KEY_ID_0119000000012025010100000000000001";
const MAX_YUAN: i64 = i64::MAX / 100;

fn signer() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        RsaPrivateKey::from_pem("k", &support::key_pem("wechatpay_private_key.pem")).unwrap()
    })
}

fn verifier() -> &'static WechatPayVerifier {
    static VERIFIER: OnceLock<WechatPayVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let config: WechatPayConfig = serde_json::from_value(serde_json::json!({
            "mchid": "1900000001",
            "merchant_serial_no": "5157F09E",
            "wechatpay_public_key_id": PUB_KEY_ID,
            "wechatpay_public_key_pem": support::key_pem("wechatpay_public_key.pem"),
        }))
        .unwrap();
        WechatPayVerifier::from_config(
            &config,
            payquery_core::crypto::default_rsa_backend().unwrap(),
        )
        .unwrap()
    })
}

/// The four signature headers over `(timestamp, nonce, body)`, signed with the platform key.
fn signed(body: &[u8], timestamp: &str, nonce: &str) -> Vec<(String, String)> {
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    vec![
        ("Wechatpay-Serial".into(), PUB_KEY_ID.into()),
        (
            "Wechatpay-Signature".into(),
            signer().sign_sha256_base64(&message).unwrap(),
        ),
        ("Wechatpay-Timestamp".into(), timestamp.into()),
        ("Wechatpay-Nonce".into(), nonce.into()),
    ]
}

fn verify(headers: Vec<(String, String)>, body: Vec<u8>, now: i64) -> Result<String, ErrorCode> {
    verifier()
        .verify(
            &HttpResponse::new(200, headers, body),
            &ResponseContext::new(now),
        )
        .map_err(|e| e.code())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_two_decimal_yuan_value_is_exact(yuan in 0..=MAX_YUAN, cents in 0i64..100, zeros in 0usize..4, form in 0u8..3) {
        let fen = yuan.checked_mul(100).and_then(|v| v.checked_add(cents));
        let text = match form {
            0 if cents == 0 => format!("{yuan}{}", if zeros > 0 { format!(".{}", "0".repeat(zeros)) } else { String::new() }),
            1 if cents % 10 == 0 => format!("{yuan}.{}{}", cents / 10, "0".repeat(zeros)),
            _ => format!("{yuan}.{cents:02}{}", "0".repeat(zeros)),
        };
        match fen {
            Some(fen) => prop_assert_eq!(yuan_text_to_fen("amount", &text).ok(), Some(fen), "{}", text),
            None => prop_assert!(yuan_text_to_fen("amount", &text).is_err(), "{}", text),
        }
    }

    #[test]
    fn a_real_sub_fen_remainder_is_refused(yuan in 0..1_000_000i64, cents in 0i64..100, tail in 1u64..9_999_999, extra in 0usize..6) {
        // A remainder of at least 1e-7 fen (1e-9 yuan) and at most 1 - 1e-7 fen is real money
        // that cannot be expressed in fen.
        let text = format!("{yuan}.{cents:02}{tail:07}{}", "0".repeat(extra));
        let tail_fraction = tail; // in units of 1e-7 fen
        let within = tail_fraction <= 1 || tail_fraction >= 9_999_999;
        let result = yuan_text_to_fen("amount", &text);
        if within {
            prop_assert!(result.is_ok(), "{}", text);
        } else {
            prop_assert_eq!(result.map_err(|e| e.code()), Err(ErrorCode::DecodeError), "{}", text);
        }
    }

    #[test]
    fn float_artifacts_within_1e9_yuan_round_to_the_fen(yuan in 0..1_000_000i64, cents in 0i64..100, noise in 0u64..1_000_000, up in any::<bool>()) {
        // 17-significant-digit renderings sit within ~1e-15 of the fen.
        let fen = yuan * 100 + cents;
        let (text, want) = if up || fen == 0 {
            (format!("{yuan}.{cents:02}{:014}", noise), fen)
        } else {
            let below = fen - 1;
            (format!("{}.{:02}99999999{:06}", below / 100, below % 100, noise), fen)
        };
        prop_assert_eq!(yuan_text_to_fen("amount", &text).ok(), Some(want), "{}", text);
    }

    #[test]
    fn signatures_round_trip_and_any_byte_change_breaks_them(
        body in proptest::collection::vec(any::<u8>(), 0..600),
        nonce in "[0-9A-Za-z]{1,32}",
        offset in -300i64..=300,
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let now = 1_700_000_000;
        let timestamp = (now + offset).to_string();
        let headers = signed(&body, &timestamp, &nonce);
        prop_assert_eq!(verify(headers.clone(), body.clone(), now), Ok(PUB_KEY_ID.to_owned()));

        // One bit of the body.
        if !body.is_empty() {
            let mut changed = body.clone();
            changed[flip.index(body.len())] ^= 1 << bit;
            prop_assert_eq!(verify(headers.clone(), changed, now), Err(ErrorCode::SignatureInvalid));
        }
        // One character of the timestamp, the nonce or the serial (still well-formed text).
        for (which, value) in [(2usize, &timestamp), (3, &nonce), (0, &PUB_KEY_ID.to_owned())] {
            let mut bytes = value.clone().into_bytes();
            let i = flip.index(bytes.len());
            bytes[i] = if bytes[i] == b'1' { b'2' } else { b'1' };
            let mut tampered = headers.clone();
            tampered[which].1 = String::from_utf8(bytes).unwrap();
            let result = verify(tampered, body.clone(), now);
            prop_assert!(
                matches!(result, Err(ErrorCode::SignatureInvalid)),
                "changing header {} gave {:?}", which, result
            );
        }
    }

    #[test]
    fn freshness_never_overflows(ts in any::<i64>(), now in any::<i64>()) {
        let headers = signed(b"{}", &ts.to_string(), "n");
        let result = verify(headers, b"{}".to_vec(), now);
        if ts < 0 {
            // Unix seconds are digits only: a signed negative timestamp is malformed.
            prop_assert_eq!(result, Err(ErrorCode::SignatureInvalid));
            return Ok(());
        }
        let fresh = now.abs_diff(ts) <= 300;
        prop_assert_eq!(result.is_ok(), fresh, "ts {} now {}", ts, now);
        if !fresh {
            prop_assert_eq!(result, Err(ErrorCode::TimestampSkew));
        }
    }
}

#[test]
fn the_freshness_window_is_exact_at_300_and_301_seconds() {
    let now = 1_700_000_000;
    for (offset, fresh) in [
        (-301, false),
        (-300, true),
        (0, true),
        (300, true),
        (301, false),
    ] {
        let ts = (now + offset).to_string();
        let result = verify(signed(b"x", &ts, "n"), b"x".to_vec(), now);
        assert_eq!(result.is_ok(), fresh, "offset {offset}");
        if !fresh {
            assert_eq!(result, Err(ErrorCode::TimestampSkew));
        }
    }
    for (ts, now) in [
        (0, i64::MAX),
        (i64::MAX, i64::MIN),
        (0, i64::MIN),
        (i64::MAX, i64::MAX),
    ] {
        let result = verify(signed(b"x", &ts.to_string(), "n"), b"x".to_vec(), now);
        assert_eq!(result.is_ok(), ts == now, "{ts} {now}");
    }
}
