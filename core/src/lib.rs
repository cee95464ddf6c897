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

// The Kotlin and Swift component (see `uniffi_api`): the scaffolding belongs at the crate root.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("payquery");

mod access_token;
mod client;
mod config;
mod context;
pub mod crypto;
mod document;
mod error;
mod flow;
mod hosts;
mod http;
mod json;
mod json_object;
mod money;
mod notification;
mod notification_request;
mod open_enum;
mod order;
mod platform_certificate;
mod provider;
mod provider_client;
mod provider_list;
pub mod providers;
mod query;
mod registry;
mod result;
mod secret;
#[cfg(feature = "uniffi")]
pub mod uniffi_api;
mod validate;

pub use access_token::{AccessToken, TokenKind};
pub use client::{ApiNaming, Client};
pub use config::{resolve_pem_paths, Config};
pub use context::{check_unix_seconds, Nonce, RequestContext, ResponseContext, MAX_UNIX_SECONDS};
pub use document::{read_limited, MAX_DOCUMENT_BYTES};
pub use error::{Attempt, AttemptPurpose, Error, ErrorCode, HostRole, Result, TransportFailure};
pub use flow::{QueryFlow, QueryOptions, Reply, Step, StoreReply, StoreRequest};
pub use hosts::BackupHost;
pub use http::{
    is_sensitive_header, HttpRequest, HttpResponse, Method, RedactedRequest, USER_AGENT,
};
pub use json::ResponseLimits;
pub use money::{yuan_text_to_fen, Currency, Money};
pub use notification::{
    HandledNotification, Notification, NotificationDetail, NotificationRejected,
};
pub use notification_request::{
    NotificationReply, NotificationRequest, MAX_FORM_FIELDS, MAX_NOTIFICATION_BYTES,
};
pub use order::{Order, OrderFlag, OrderStatus, Timestamp};
pub use platform_certificate::{CertificateDownload, PlatformCertificate};
pub use provider::ProviderId;
pub use query::Query;
pub use result::{ParsedResponse, ProviderDetail, QueryResult};
pub use secret::Secret;

// Every provider's config, query and answer types, at the root: bindings and the CLI import
// only from here, never from inside `providers`.
pub use providers::dingshang_vending::{
    DingshangConfig, DingshangDeliveryStatus, DingshangOrder, DingshangOrderStatus, DingshangQuery,
    DingshangRecord,
};
pub use providers::fubei::{FubeiConfig, FubeiOrder, FubeiQuery, FubeiTradeState};
pub use providers::wechat_mini_charge::{
    MiniChargeConfig, MiniChargeInvoiceInfo, MiniChargeInvoiceStatus, MiniChargeOrder,
    MiniChargeOrderStatus, MiniChargePayInfo, MiniChargeProductInfo, MiniChargeQuery,
    MiniChargeUsage,
};
pub use providers::wechatpay::edu_papay::{
    EduPapayAmount, EduPapayDeviceInformation, EduPapayPayer, EduPapayQuery, EduPapayTradeState,
    EduPapayTransaction, WechatPayGoodsDetail, WechatPayPromotion,
};
pub use providers::wechatpay::payscore_oversea::{
    PayscoreCollection, PayscoreCollectionDetail, PayscoreCollectionState, PayscoreLocation,
    PayscoreOverseaQuery, PayscorePostDiscount, PayscorePostPayment, PayscoreRiskFund,
    PayscoreServiceOrder, PayscoreServiceOrderState, PayscoreTimeRange,
};
pub use providers::wechatpay::{PendingRequest, PlatformCertificateConfig, WechatPayConfig};

/// payquery's version: the workspace's, which every package (npm, wheel, Maven) carries too.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

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
