//! One module per provider API (floor 2). Each exposes a typed query, a typed response model
//! carrying every documented field, a client that builds the signed request (`query_request`)
//! and implements the contract a floor below (`provider_client::ProviderClient`: verify and
//! parse an answer), and the mapping to the normalized [`Order`](crate::Order). The unions over
//! the providers are a floor above, expanded from `provider_list.rs`.

pub mod dingshang_vending;
pub mod fubei;
mod shared;
pub mod wechat_mini_charge;
pub mod wechatpay;
