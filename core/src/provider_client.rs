//! The contract between one provider and the provider-agnostic code. Floor 1: above the
//! primitives, below the provider modules that implement it.
//!
//! A provider speaks only its own types here ([`ProviderClient::Query`],
//! [`ProviderClient::Detail`], …): the unions over every provider (`Config`, `Query`,
//! `ProviderDetail`) sit a floor above the providers and are expanded, with the dispatch to
//! each provider's client, from the one list (`provider_list`). So a provider module imports
//! nothing above this floor, and adding one touches no other provider's code.

use std::fmt;

use crate::access_token::{AccessToken, TokenKind};
use crate::context::{RequestContext, ResponseContext};
use crate::crypto::{MaybeSendSync, SharedBackend};
use crate::error::{Error, Result};
use crate::hosts::Hosts;
use crate::http::{HttpRequest, HttpResponse};
use crate::notification_request::{NotificationReply, NotificationRequest};
use crate::order::Order;
use crate::platform_certificate::PlatformCertificate;
use crate::provider::ProviderId;
use crate::secret::Secret;

/// One provider's verified answer to an order query, in its own types: what its parser
/// returns (the dispatch puts `detail` into `ProviderDetail`).
#[derive(Debug)]
pub(crate) struct Answer<D> {
    /// The normalized order.
    pub order: Order,
    /// Everything the provider said, typed.
    pub detail: D,
    /// The serial of the key whose signature over the answer was verified; `None` where the
    /// provider defines no response signature.
    pub signature_serial: Option<String>,
}

/// One provider's verified (or, for an unsigned provider, decoded) notification, in its own
/// types: what its notification parser returns (the dispatch puts `detail` into
/// `NotificationDetail`).
#[derive(Debug)]
pub(crate) struct Notice<N> {
    /// False only for a provider that does not sign its callbacks.
    pub verified: bool,
    /// The idempotency key: the provider's event id, or one derived from the event.
    pub id: String,
    /// The event, as the provider names it.
    pub event_type: String,
    /// The order the event is about, normalized like a query's.
    pub order: Option<Order>,
    /// Everything the notification said, typed.
    pub detail: N,
    /// The serial of the key whose signature verified it (WeChat Pay only).
    pub signature_serial: Option<String>,
    /// For an unsigned notification: the query document that confirms it.
    pub confirm_query: Option<String>,
}

/// Phase one of two-phase signing for a provider that signs with a shared secret: there is
/// none (uninhabited), and [`ProviderClient::prepare_query`] answers `INVALID_CONFIG`.
#[derive(Debug)]
pub(crate) enum NoTwoPhaseSigning {}

/// What one provider's client does, in its own types. Each provider module implements it;
/// the one list names the implementing type.
pub(crate) trait ProviderClient: MaybeSendSync + fmt::Debug + Sized + 'static {
    /// Which provider.
    const ID: ProviderId;
    /// Its settings (a config document's keys).
    type Config;
    /// Its query (which order, or for the Mini Program which access token).
    type Query;
    /// Its answer, typed.
    type Detail;
    /// Its notifications, typed (an uninhabited enum for a provider that sends none).
    type Notice;
    /// What phase one of two-phase signing returns (WeChat Pay's `PendingRequest`), or
    /// [`NoTwoPhaseSigning`].
    type Pending;

    /// The client for `config`. `backend`: the RSA backend keys are loaded into (`None` where
    /// the build has none; a provider that signs with RSA refuses that).
    fn from_config(config: &Self::Config, backend: Option<&SharedBackend>) -> Result<Self>;

    /// Everything [`ProviderClient::from_config`] checks that needs no RSA backend: what a
    /// config document is checked for when it is read.
    fn check_config(config: &Self::Config) -> Result<()> {
        Self::from_config(config, None).map(drop)
    }

    /// Parses a query document (JSON text); unknown keys are refused, naming the key.
    fn query_from_json(json: &str) -> Result<Self::Query>;

    /// The kind and `force_refresh` of an access-token query; `None` for an order query.
    fn token_query(_query: &Self::Query) -> Option<(TokenKind, bool)> {
        None
    }

    /// Its main and backup hosts.
    fn hosts(&self) -> &Hosts;

    /// The largest answer body this client accepts (`max_response_bytes`).
    fn max_body_bytes(&self) -> usize;

    /// The signed request for an order query. `token`: the access token the flow holds, for a
    /// provider with [`ProviderClient::tokens`] (else the config's own, if any).
    fn build_query(
        &self,
        query: &Self::Query,
        ctx: &RequestContext,
        token: Option<&Secret>,
    ) -> Result<HttpRequest>;

    /// Phase one of two-phase signing; only providers signed with an asymmetric key have it.
    fn prepare_query(&self, _query: &Self::Query, _ctx: &RequestContext) -> Result<Self::Pending> {
        Err(Error::invalid_config(
            "provider",
            format!(
                "`{}` signs with a shared secret; two-phase signing applies to WeChat Pay only",
                Self::ID
            ),
        ))
    }

    /// Verifies and parses the answer to an order query; with `query`, an answer for another
    /// order is refused (`DECODE_ERROR`, see [`check_answers`]).
    fn parse_query(
        &self,
        query: Option<&Self::Query>,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<Answer<Self::Detail>>;

    /// Checks and decodes a notification as received (its signature first, where the
    /// provider defines one). `ctx.now` is the time it is checked at.
    fn notification(
        &self,
        request: &NotificationRequest,
        ctx: &ResponseContext,
    ) -> Result<Notice<Self::Notice>>;

    /// The reply the provider expects: for an accepted notification (`Ok`), or one refused
    /// with the error (a status and body that make the provider send it again, or not).
    fn notification_reply(&self, outcome: std::result::Result<(), &Error>) -> NotificationReply;

    /// True for a provider whose order queries need an access token: then
    /// [`ProviderClient::tokens`] is `Some` for every client of it.
    const HAS_TOKENS: bool = false;

    /// Access tokens, for the provider that has them.
    fn tokens(&self) -> Option<&dyn TokenSource> {
        None
    }

    /// Downloadable verification certificates, for a client configured to download them.
    fn certificates(&self) -> Option<&dyn CertificateSource> {
        None
    }
}

/// What a certificate download answered, once checked and merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CertificatesAnswer {
    /// Every certificate held now, newest first.
    Held(Vec<PlatformCertificate>),
    /// The provider has no certificate for this merchant, who verifies with a configured
    /// public key: not a failure.
    PublicKeyOnly,
}

/// A client whose answers are signed by certificates it can download (WeChat Pay with an
/// APIv3 key). The schedule is the flow's; this is the wire and the checks.
pub(crate) trait CertificateSource: MaybeSendSync {
    /// The key a shared store keeps the listing under (per merchant and endpoint).
    fn store_key(&self) -> String;
    /// Refresh when the last download is older than this (milliseconds).
    fn refresh_ms(&self) -> i64;
    /// True when a downloaded certificate valid at `now` (Unix seconds) is held.
    fn holds_valid(&self, now: i64) -> bool;
    /// The signed download request.
    fn request(&self, ctx: &RequestContext) -> Result<HttpRequest>;
    /// Checks a download answer and merges its certificates into the held set.
    fn parse(&self, response: &HttpResponse, ctx: &ResponseContext) -> Result<CertificatesAnswer>;
    /// The same for a listing a shared store kept (the encrypted entries as received; each
    /// process decrypts and checks them with its own key, so a tampered entry adds nothing).
    fn accept_stored(&self, listing: &[u8], ctx: &ResponseContext) -> Result<CertificatesAnswer>;
    /// The downloaded certificates held at `now`, newest first.
    fn held(&self, now: i64) -> Vec<PlatformCertificate>;
}

/// A provider whose order queries need an access token (the Mini Program).
pub(crate) trait TokenSource: MaybeSendSync {
    /// The config's own token, used until the provider rejects it.
    fn fixed_token(&self) -> Option<&Secret>;
    /// True when the config has the credentials to fetch tokens.
    fn can_fetch(&self) -> bool;
    /// The key a shared token store keeps this app's token under.
    fn store_key(&self) -> String;
    /// The token request.
    fn token_request(&self, kind: TokenKind, force_refresh: bool) -> Result<HttpRequest>;
    /// Parses a token answer; its times are computed from `ctx.now`.
    fn parse_token_response(
        &self,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<AccessToken>;
}

/// The error for a query of another provider than the client's.
pub(crate) fn wrong_query(provider: ProviderId) -> Error {
    Error::invalid_input("query", format!("this query is not a `{provider}` query"))
}

/// When the caller says which query a response answers, the order in it must be that order:
/// a response for another order (a mixed-up exchange, a misrouted reply) is refused with
/// `DECODE_ERROR` rather than reported as the queried order's state. `got` is `None` where the
/// provider does not echo the id (it cannot be checked then).
pub(crate) fn check_answers(field: &str, wanted: &str, got: Option<&str>) -> Result<()> {
    match got {
        Some(got) if got != wanted => Err(Error::decode(format!(
            "the response is for order `{}`, not the queried `{wanted}`",
            got.escape_debug()
        ))
        .with_field(field)),
        _ => Ok(()),
    }
}
