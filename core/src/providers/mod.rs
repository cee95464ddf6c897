//! One module per provider API. Each exposes a typed query, a typed response model carrying
//! every documented field, a client with `query_request` / `parse_query_response`, and the
//! mapping to the normalized [`Order`](crate::Order).

pub mod dingshang_vending;
pub mod fubei;
mod shared;
pub mod wechat_mini_charge;
pub mod wechatpay;
