//! WeChat Pay APIv3: shared request signing, response verification, error mapping and the
//! two query APIs built on them.

mod api_v3;
mod auth;
mod certificates;
mod config;
pub mod edu_papay;
mod notification;
pub mod payscore_oversea;

pub use auth::{PendingRequest, WechatPayV3Signer, WechatPayVerifier};
pub use config::{
    PlatformCertificateConfig, WechatPayConfig, BACKUP_HOST, GLOBAL_HK_HOST, MAIN_HOST,
};
