//! Provider identities.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The five supported provider APIs (ids as used in config documents and vectors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ProviderId {
    /// WeChat Mini Program service-provider charge `getOrder`.
    WechatMiniCharge,
    /// Fubei (付呗) `openapi.payment.order.query`.
    Fubei,
    /// WeChat Pay APIv3 education fee (edu-papay) query by `out_trade_no`.
    WechatpayEduPapay,
    /// Vending-machine vendor 广州鼎商 (dsjsdz) order query.
    DingshangVending,
    /// WeChat Pay Global Pay Score oversea partner service-order query.
    WechatpayPayscoreOversea,
}

impl ProviderId {
    /// Every provider.
    pub const ALL: [ProviderId; 5] = [
        ProviderId::WechatMiniCharge,
        ProviderId::Fubei,
        ProviderId::WechatpayEduPapay,
        ProviderId::DingshangVending,
        ProviderId::WechatpayPayscoreOversea,
    ];

    /// The id string, e.g. `"wechatpay_edu_papay"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderId::WechatMiniCharge => "wechat_mini_charge",
            ProviderId::Fubei => "fubei",
            ProviderId::WechatpayEduPapay => "wechatpay_edu_papay",
            ProviderId::DingshangVending => "dingshang_vending",
            ProviderId::WechatpayPayscoreOversea => "wechatpay_payscore_oversea",
        }
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the provider-agnostic code (the [`crate::Client`], the query flow) needs from one
/// provider: its hosts, how to build and parse its order query, and (Mini Program) its access
/// tokens. Each provider module implements it; `providers::client_for` is the one list that
/// names them all, so adding a provider touches neither the client, the flow nor a binding.
pub(crate) trait ProviderApi: crate::crypto::MaybeSendSync + fmt::Debug {
    /// Which provider.
    fn id(&self) -> ProviderId;
    /// Its main and backup hosts.
    fn hosts(&self) -> &crate::hosts::Hosts;
    /// The signed request for an order query. `token`: the access token the flow holds, for a
    /// provider with [`ProviderApi::tokens`] (else the config's own, if any).
    fn build_query(
        &self,
        query: &crate::Query,
        ctx: &crate::RequestContext,
        token: Option<&crate::Secret>,
    ) -> crate::Result<crate::HttpRequest>;
    /// Phase one of two-phase signing; only providers signed with an asymmetric key have it.
    fn prepare_query(
        &self,
        _query: &crate::Query,
        _ctx: &crate::RequestContext,
    ) -> crate::Result<crate::PendingRequest> {
        Err(crate::Error::invalid_config(
            "provider",
            format!(
                "`{}` signs with a shared secret; two-phase signing applies to WeChat Pay only",
                self.id()
            ),
        ))
    }
    /// Verifies and parses the answer to an order query; with `query`, an answer for another
    /// order is refused (`DECODE_ERROR`).
    fn parse_query(
        &self,
        query: Option<&crate::Query>,
        response: &crate::HttpResponse,
        ctx: &crate::ResponseContext,
    ) -> crate::Result<crate::QueryResult>;
    /// Access tokens, for the provider that has them.
    fn tokens(&self) -> Option<&dyn TokenSource> {
        None
    }
    /// The largest answer body this client accepts (`max_response_bytes`).
    fn max_body_bytes(&self) -> usize;
}

/// A provider whose order queries need an access token (the Mini Program).
pub(crate) trait TokenSource: crate::crypto::MaybeSendSync {
    /// The config's own token, used until the provider rejects it.
    fn fixed_token(&self) -> Option<&crate::Secret>;
    /// True when the config has the credentials to fetch tokens.
    fn can_fetch(&self) -> bool;
    /// The key a shared token store keeps this app's token under.
    fn store_key(&self) -> String;
    /// The token request.
    fn token_request(
        &self,
        kind: crate::TokenKind,
        force_refresh: bool,
    ) -> crate::Result<crate::HttpRequest>;
    /// Parses a token answer; its times are computed from `ctx.now`.
    fn parse_token_response(
        &self,
        response: &crate::HttpResponse,
        ctx: &crate::ResponseContext,
    ) -> crate::Result<crate::AccessToken>;
}

/// The error for a query of another provider than the client's.
pub(crate) fn wrong_query(provider: ProviderId) -> crate::Error {
    crate::Error::invalid_input("query", format!("this query is not a `{provider}` query"))
}

/// The JSON Schema of a type that is one thing per provider ([`crate::Config`],
/// [`crate::Query`], [`crate::ProviderDetail`]): `anyOf` the providers' schemas, each marked
/// with `x-provider`, the id it belongs to. tools/typegen turns it into a discriminated union
/// (TypeScript, Python) keyed by that id.
#[cfg(feature = "schema")]
pub(crate) fn per_provider_schema(
    description: &str,
    alternatives: Vec<(ProviderId, schemars::Schema)>,
) -> schemars::Schema {
    let alternatives: Vec<serde_json::Value> = alternatives
        .into_iter()
        .map(|(provider, schema)| {
            serde_json::json!({ "allOf": [schema.to_value()], "x-provider": provider.as_str() })
        })
        .collect();
    schemars::json_schema!({ "description": description, "anyOf": alternatives })
}
