//! The one list of providers. Floor 0: it imports nothing and names each provider's module and
//! types as paths under `crate::providers`, expanded where each union lives (rustdoc's and an
//! editor's "go to definition" land on the real items).
//!
//! `each_provider!(callback)` calls `callback! { ids: [..], entries: [..] }` (each entry a
//! tuple of full paths, see the macro's second rule):
//! - `ids`: every provider's id, its wire string and its doc, in the order [`ProviderId`]
//!   declares them. That order is public: UniFFI numbers an enum's variants by position, and
//!   the generated schemas list them so. A new provider is appended.
//! - `entries`: what makes up each provider, in the order of the unions `Config`, `Query` and
//!   `ProviderDetail` (the same public-order reason): its client (which implements
//!   `provider_client::ProviderClient`), its config, query and detail types, each with the doc its
//!   union variant carries, the detail's field name, and its notification type (the variant of
//!   `NotificationDetail`).
//!
//! What expands from it: `ProviderId` (provider.rs), `Config` (config.rs), `Query`
//! (query.rs), `ProviderDetail` (result.rs), `NotificationDetail` (notification.rs) and the dispatch, `client_for` (registry.rs). Each
//! expansion is a `match` or an enum shell; the work stays in ordinary functions.
//!
//! [`ProviderId`]: crate::ProviderId

/// Calls `$callback!` with the list (see the module doc for its shape).
macro_rules! each_provider {
    ($callback:ident) => {
        $crate::provider_list::each_provider! { @paths $callback,
            ids: [
                /// WeChat Mini Program service-provider charge `getOrder`.
                WechatMiniCharge = "wechat_mini_charge",
                /// Fubei (付呗) `openapi.payment.order.query`.
                Fubei = "fubei",
                /// WeChat Pay APIv3 education fee (edu-papay) query by `out_trade_no`.
                WechatpayEduPapay = "wechatpay_edu_papay",
                /// Vending-machine vendor 广州鼎商 (dsjsdz) order query.
                DingshangVending = "dingshang_vending",
                /// WeChat Pay Global Pay Score oversea partner service-order query.
                WechatpayPayscoreOversea = "wechatpay_payscore_oversea",
            ],
            entries: [
                WechatpayEduPapay {
                    client: wechatpay::edu_papay::EduPapayClient,
                    config: wechatpay::WechatPayConfig ["`wechatpay_edu_papay`"],
                    query: wechatpay::edu_papay::EduPapayQuery ["edu-papay order query."],
                    detail: transaction: wechatpay::edu_papay::EduPapayTransaction
                        ["edu-papay transaction.", "The transaction."],
                    notice: wechatpay::edu_papay::EduPapayNotice ["edu-papay notification."],
                },
                WechatpayPayscoreOversea {
                    client: wechatpay::payscore_oversea::PayscoreOverseaClient,
                    config: wechatpay::WechatPayConfig ["`wechatpay_payscore_oversea`"],
                    query: wechatpay::payscore_oversea::PayscoreOverseaQuery
                        ["Pay Score oversea service-order query."],
                    detail: service_order: wechatpay::payscore_oversea::PayscoreServiceOrder
                        ["Pay Score service order.", "The service order."],
                    notice: wechatpay::payscore_oversea::PayscoreNotice ["Pay Score notification."],
                },
                WechatMiniCharge {
                    client: wechat_mini_charge::MiniChargeClient,
                    config: wechat_mini_charge::MiniChargeConfig ["`wechat_mini_charge`"],
                    query: wechat_mini_charge::MiniChargeQuery
                        ["Mini Program charge order or access-token query."],
                    detail: order: wechat_mini_charge::MiniChargeOrder
                        ["Mini Program charge order.", "The order."],
                    notice: wechat_mini_charge::MiniChargeNotice ["The Mini Program charge API sends no order notifications."],
                },
                Fubei {
                    client: fubei::FubeiClient,
                    config: fubei::FubeiConfig ["`fubei`"],
                    query: fubei::FubeiQuery ["Fubei order query."],
                    detail: order: fubei::FubeiOrder ["Fubei order.", "The order."],
                    notice: fubei::FubeiPaymentNotice ["Fubei pay or refund result."],
                },
                DingshangVending {
                    client: dingshang_vending::DingshangClient,
                    config: dingshang_vending::DingshangConfig ["`dingshang_vending`"],
                    query: dingshang_vending::DingshangQuery ["Vending order query."],
                    detail: order: dingshang_vending::DingshangOrder ["Vending order.", "The order."],
                    notice: dingshang_vending::DingshangDeliveryNotice ["Vending delivery callback (unsigned)."],
                },
            ],
        }
    };
    // The entries as the callbacks read them: each a tuple of full type paths and docs,
    // `(Variant, Client, (Config, doc), (Query, doc), (field, Detail, doc, field doc))`.
    (@paths $callback:ident, ids: [$($ids:tt)*], entries: [$(
        $variant:ident {
            client: $($client:ident)::+,
            config: $($config:ident)::+ [$config_doc:literal],
            query: $($query:ident)::+ [$query_doc:literal],
            detail: $field:ident: $($detail:ident)::+ [$detail_doc:literal, $field_doc:literal],
            notice: $($notice:ident)::+ [$notice_doc:literal],
        },
    )+],) => {
        $callback! {
            ids: [$($ids)*],
            entries: [$((
                $variant,
                $crate::providers::$($client)::+,
                ($crate::providers::$($config)::+, $config_doc),
                ($crate::providers::$($query)::+, $query_doc),
                ($field, $crate::providers::$($detail)::+, $detail_doc, $field_doc),
                ($crate::providers::$($notice)::+, $notice_doc),
            ),)+],
        }
    };
}
pub(crate) use each_provider;
