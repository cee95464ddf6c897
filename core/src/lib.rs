//! # payquery-core
//!
//! A sans-IO library that asks five Chinese payment providers "what happened to this order?".
//! It builds signed [`HttpRequest`] descriptors and turns the [`HttpResponse`] the host
//! received into a verified, typed provider response plus one normalized [`Order`]. It never
//! opens a socket, reads the clock or draws randomness: see [`RequestContext`] and
//! [`ResponseContext`].
//!
//! ```
//! use payquery_core::{Client, Nonce, RequestContext};
//! # let key = include_str!("../../tests/vectors/keys/merchant_private_key.pem");
//! # let pubkey = include_str!("../../tests/vectors/keys/wechatpay_public_key.pem");
//! let config = serde_json::json!({
//!     "provider": "wechatpay_edu_papay",
//!     "mchid": "1900000001",
//!     "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
//!     "merchant_private_key_pem": key,
//!     "wechatpay_public_key_id": "PUB_KEY_ID_0119000000012025010100000000000001",
//!     "wechatpay_public_key_pem": pubkey,
//! });
//! let client = Client::from_config_json(&config.to_string())?;
//! let query = client.query_from_json(r#"{"out_trade_no": "201407033233368018"}"#)?;
//! let ctx = RequestContext::new(1_700_000_000, Nonce::new("5K8264ILTKCH16CQ2502SI8ZNMTM67VS")?);
//! let request = client.build_request(&query, &ctx)?;
//! assert_eq!(request.url, "https://api.mch.weixin.qq.com/v3/edu-papay/transactions/out-trade-no/201407033233368018");
//! # Ok::<(), payquery_core::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod context;
pub mod crypto;
mod document;
mod error;
mod http;
mod json;
mod json_object;
mod money;
mod open_enum;
mod order;
mod provider;
pub mod providers;
mod secret;
mod validate;

use serde::Serialize;

pub use client::{resolve_pem_paths, ApiNaming, Client, ClientConfig, ParsedResponse, Query};
pub use context::{check_unix_seconds, Nonce, RequestContext, ResponseContext, MAX_UNIX_SECONDS};
pub use document::{read_limited, MAX_DOCUMENT_BYTES};
pub use error::{Error, ErrorCode, Result};
pub use http::{is_sensitive_header, HttpRequest, HttpResponse, Method, RedactedRequest};
pub use json::ResponseLimits;
pub use money::{yuan_text_to_fen, Currency, Money};
pub use order::{Order, OrderFlag, OrderStatus, Timestamp};
pub use provider::ProviderId;
pub use secret::Secret;

use providers::dingshang_vending::DingshangOrder;
use providers::fubei::FubeiOrder;
use providers::wechat_mini_charge::MiniChargeOrder;
use providers::wechatpay::edu_papay::EduPapayTransaction;
use providers::wechatpay::payscore_oversea::PayscoreServiceOrder;

/// The `User-Agent` payquery sends where a provider asks for one.
pub const USER_AGENT: &str = concat!("payquery/", env!("CARGO_PKG_VERSION"));

/// A parsed order answer: the normalized order and the provider's full typed response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryResult {
    /// The normalized order.
    pub order: Order,
    /// Everything the provider said, typed.
    pub detail: ProviderDetail,
    /// The serial (`PUB_KEY_ID_…` or platform certificate serial) of the key whose signature
    /// over this response was verified; `None` for providers that define no response signature
    /// (their answers are trusted only as far as TLS to the provider's host).
    pub signature_serial: Option<String>,
}

/// The provider's own typed response (serializes as the provider's object, untagged; the
/// provider is in `order.provider`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ProviderDetail {
    /// edu-papay transaction.
    WechatpayEduPapay(Box<EduPapayTransaction>),
    /// Pay Score service order.
    WechatpayPayscoreOversea(Box<PayscoreServiceOrder>),
    /// Mini Program charge order.
    WechatMiniCharge(Box<MiniChargeOrder>),
    /// Fubei order.
    Fubei(Box<FubeiOrder>),
    /// Vending order.
    DingshangVending(Box<DingshangOrder>),
}

#[cfg(test)]
mod tests {
    /// Bindings share one client across threads (UniFFI objects, Python without the GIL, Node
    /// workers): everything they hold must be `Send + Sync`.
    #[test]
    fn public_types_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<crate::Client>();
        assert_send_sync::<crate::QueryResult>();
        assert_send_sync::<crate::Error>();
        assert_send_sync::<crate::HttpRequest>();
        assert_send_sync::<crate::providers::wechatpay::PendingRequest>();
    }
}
