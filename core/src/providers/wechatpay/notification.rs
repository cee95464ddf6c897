//! What both WeChat Pay APIs' notifications share (NOTIFICATIONS.md §1): the signature, made
//! and checked exactly as an answer's; the envelope; the AES-256-GCM resource opened with the
//! APIv3 key; and the replies WeChat Pay reads (the status decides a re-send, not the body).

use serde_json::Value;

use super::api_v3::WechatPayCore;
use super::certificates::open_sealed;
use crate::context::ResponseContext;
use crate::error::{Error, ErrorCode, Result};
use crate::notification_request::{NotificationReply, NotificationRequest};
use crate::order::Order;
use crate::provider_client::Notice;

/// A notification whose signature verified and whose resource opened.
#[derive(Debug)]
pub(crate) struct OpenedNotification {
    /// The envelope's `id`: WeChat Pay's idempotency key (a re-sent notification keeps it).
    pub id: String,
    /// `event_type`, e.g. `TRANSACTION.SUCCESS`.
    pub event_type: String,
    /// The decrypted resource as parsed JSON.
    pub resource: Value,
    /// The decrypted resource as text, kept for events payquery has no type for.
    pub resource_text: String,
    /// The serial of the key that verified the signature.
    pub serial: String,
}

/// A notice WeChat Pay signed (and the client verified): under the envelope's id and event,
/// with what the resource was typed as.
pub(crate) fn verified_notice<N>(
    id: String,
    event_type: String,
    serial: String,
    order: Option<Order>,
    detail: N,
) -> Notice<N> {
    Notice {
        verified: true,
        id,
        event_type,
        order,
        detail,
        signature_serial: Some(serial),
        confirm_query: None,
    }
}

/// `envelope[key]` as text: a `DECODE_ERROR` naming `key` when it is missing, empty or not a
/// string (an empty `id` would make every such notification one for a host that dedupes).
fn envelope_text<'a>(envelope: &'a Value, key: &str) -> Result<&'a str> {
    envelope
        .get(key)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            Error::decode(format!(
                "the notification's `{key}` is missing, empty or not a string"
            ))
            .with_field(key)
        })
}

impl WechatPayCore {
    /// Verifies a notification (headers and the exact body bytes, ±300 s), then opens its
    /// resource. Nothing of the body is read before the signature verifies: a forged body is
    /// `SIGNATURE_INVALID`, never a decoding error that might tell an attacker something.
    pub(crate) fn open_notification(
        &self,
        request: &NotificationRequest,
        ctx: &ResponseContext,
    ) -> Result<OpenedNotification> {
        request.check_post()?;
        let key = self.aead_key().ok_or_else(|| {
            Error::invalid_config(
                "api_v3_key",
                "WeChat Pay encrypts every notification with the APIv3 key: add `api_v3_key` to the config",
            )
        })?;
        let serial = self
            .verifier()
            .verify_notification(&request.headers, &request.body, ctx)?;
        let envelope: Value = serde_json::from_slice(&request.body).map_err(|e| {
            Error::decode(format!("the notification body is not JSON: {e}")).with_field("body")
        })?;
        if !envelope.is_object() {
            return Err(
                Error::decode("the notification body is not a JSON object").with_field("body")
            );
        }
        let id = envelope_text(&envelope, "id")?.to_owned();
        let event_type = envelope_text(&envelope, "event_type")?.to_owned();
        let sealed = envelope.get("resource");
        let plain = open_sealed("resource", sealed, key, ErrorCode::DecryptError)?;
        let resource_text = String::from_utf8(plain).map_err(|_| {
            Error::decode("`resource.ciphertext` does not decrypt to UTF-8 text")
                .with_field("resource.ciphertext")
        })?;
        let resource: Value = serde_json::from_str(&resource_text).map_err(|e| {
            Error::decode(format!("the decrypted resource is not JSON: {e}"))
                .with_field("resource.ciphertext")
        })?;
        if !resource.is_object() {
            return Err(Error::decode("the decrypted resource is not a JSON object")
                .with_field("resource.ciphertext"));
        }
        Ok(OpenedNotification {
            id,
            event_type,
            resource,
            resource_text,
            serial,
        })
    }

    /// Refuses a resource for another merchant: WeChat Pay signs it, but it is not this
    /// client's (a shared notify URL, a misrouted callback). `field` is where the resource
    /// names its merchant.
    pub(crate) fn check_merchant(&self, field: &str, mchid: &str) -> Result<()> {
        if mchid == self.mchid() {
            Ok(())
        } else {
            Err(Error::invalid_input(
                field,
                format!(
                    "the notification is for merchant `{}`, not this client's `{}`",
                    mchid.escape_debug(),
                    self.mchid()
                ),
            ))
        }
    }
}

/// WeChat Pay's reply: 204 without a body for an accepted notification; for a refused one a
/// status that makes WeChat Pay send it again where that can help, with
/// `{"code": "FAIL", "message": …}` (the status wins: 200 with FAIL is never re-sent).
///
/// - a certificate serial payquery does not hold (a download did not resolve it), or a
///   configuration payquery cannot work with: 500, so the notification comes again once
///   certificates or the config are current;
/// - a bad signature, a probe, a stale or future timestamp, a `PUB_KEY_ID_…` that is not the
///   configured one: 401 (the domestic guide's answer
///   to probes; the Global guide's "200 for probes" is not followed: a 4xx is safe for both);
/// - a malformed envelope, a resource that does not decrypt, another merchant's: 400.
///
/// The message is the error code alone (`SYSTEM_ERROR` for every 500): anyone can POST to a
/// notify URL, and the reason (which names certificates, hosts, the config) belongs in the
/// host's log, not in a reply.
pub(crate) fn reply(outcome: std::result::Result<(), &Error>) -> NotificationReply {
    let Err(e) = outcome else {
        return NotificationReply::empty(204);
    };
    let status = match e.code() {
        ErrorCode::SignatureInvalid if e.unknown_certificate() => 500,
        ErrorCode::SignatureInvalid | ErrorCode::TimestampSkew => 401,
        ErrorCode::DecodeError | ErrorCode::InvalidInput | ErrorCode::DecryptError => 400,
        _ => 500,
    };
    // A 500 says only "try later", whatever its cause (a certificate not held yet, the
    // config, the host's own failure to store it): that is all a stranger should learn.
    let message = if status == 500 {
        "SYSTEM_ERROR"
    } else {
        e.code().as_str()
    };
    NotificationReply::json_fail(status, message)
}
