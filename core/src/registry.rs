//! The dispatch from the unions to each provider's client, expanded from the one list
//! (`provider_list`). Floor 3, beside the unions: the client and the query flow reach every
//! provider through [`ProviderApi`], never by name.

use std::fmt;
use std::sync::Arc;

use crate::config::Config;
use crate::context::{RequestContext, ResponseContext};
use crate::crypto::{MaybeSendSync, SharedBackend};
use crate::error::{Error, ErrorCode, Result};
use crate::hosts::Hosts;
use crate::http::{HttpRequest, HttpResponse};
use crate::notification::{
    HandledNotification, Notification, NotificationDetail, NotificationRejected,
};
use crate::notification_request::{NotificationReply, NotificationRequest};
use crate::provider::ProviderId;
use crate::provider_client::{
    wrong_query, CertificateSource, NoTwoPhaseSigning, ProviderClient, TokenSource,
};
use crate::provider_list::each_provider;
use crate::providers::wechatpay::PendingRequest;
use crate::query::Query;
use crate::result::{ProviderDetail, QueryResult};
use crate::secret::Secret;

/// One provider's client in the unions' terms: what the [`crate::Client`] and the query flow
/// hold (`Arc<dyn ProviderApi>`). Every [`ProviderClient`] the list names is one.
pub(crate) trait ProviderApi: MaybeSendSync + fmt::Debug {
    /// Which provider.
    fn id(&self) -> ProviderId;
    /// Its main and backup hosts.
    fn hosts(&self) -> &Hosts;
    /// The largest answer body this client accepts (`max_response_bytes`).
    fn max_body_bytes(&self) -> usize;
    /// The signed request for an order query (see [`ProviderClient::build_query`]).
    fn build_query(
        &self,
        query: &Query,
        ctx: &RequestContext,
        token: Option<&Secret>,
    ) -> Result<HttpRequest>;
    /// Phase one of two-phase signing (see [`ProviderClient::prepare_query`]).
    fn prepare_query(&self, query: &Query, ctx: &RequestContext) -> Result<PendingRequest>;
    /// The provider's parse of an order answer (see [`ProviderClient::parse_query`]).
    fn parse_query(
        &self,
        query: Option<&Query>,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<QueryResult>;
    /// Access tokens, for the provider that has them.
    fn tokens(&self) -> Option<&dyn TokenSource>;
    /// Checks and decodes a notification (see [`ProviderClient::notification`]).
    fn notification(
        &self,
        request: &NotificationRequest,
        ctx: &ResponseContext,
    ) -> Result<Notification>;
    /// The reply for a notification's outcome (see [`ProviderClient::notification_reply`]).
    fn notification_reply(&self, outcome: std::result::Result<(), &Error>) -> NotificationReply;
    /// A notification's outcome with the reply it gets, accepted or refused.
    fn answer_notification(
        &self,
        outcome: Result<Notification>,
    ) -> std::result::Result<HandledNotification, Box<NotificationRejected>> {
        let reply = self.notification_reply(outcome.as_ref().map(drop));
        match outcome {
            Ok(notification) => Ok(HandledNotification {
                notification,
                reply,
            }),
            Err(error) => Err(Box::new(NotificationRejected { error, reply })),
        }
    }

    /// Downloadable certificates, for a client configured to download them.
    fn certificates(&self) -> Option<&dyn CertificateSource>;

    /// The order answer, with the client's hosts taken into account: a server-side failure
    /// (a retryable provider error) says the backup host applies when this client has one.
    /// A query for another provider is refused.
    fn parse_order(
        &self,
        query: Option<&Query>,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<QueryResult> {
        if let Some(query) = query {
            if query.provider() != self.id() {
                return Err(wrong_query(self.id()));
            }
        }
        let has_backup = self.hosts().has_backup();
        self.parse_query(query, response, ctx).map_err(|e| {
            let server_side = e.code() == ErrorCode::ProviderError && e.is_retryable();
            let applies = e.backup_host_applies() || server_side;
            e.backup_host(applies && has_backup)
        })
    }
}

/// Where a provider's own types sit in the unions: implemented for each client the list
/// names, below.
trait Registered: ProviderClient {
    /// The provider's own query, when `query` is one.
    fn own(query: &Query) -> Option<&Self::Query>;
    /// The provider's answer as a [`ProviderDetail`].
    fn detail(detail: Self::Detail) -> ProviderDetail;
    /// Its notification in the union.
    fn notice(notice: Self::Notice) -> NotificationDetail;
}

fn own<P: Registered>(query: &Query) -> Result<&P::Query> {
    P::own(query).ok_or_else(|| wrong_query(P::ID))
}

impl<P: Registered> ProviderApi for P
where
    P::Pending: Into<PendingRequest>,
{
    fn id(&self) -> ProviderId {
        P::ID
    }

    fn hosts(&self) -> &Hosts {
        ProviderClient::hosts(self)
    }

    fn max_body_bytes(&self) -> usize {
        ProviderClient::max_body_bytes(self)
    }

    fn build_query(
        &self,
        query: &Query,
        ctx: &RequestContext,
        token: Option<&Secret>,
    ) -> Result<HttpRequest> {
        ProviderClient::build_query(self, own::<P>(query)?, ctx, token)
    }

    fn prepare_query(&self, query: &Query, ctx: &RequestContext) -> Result<PendingRequest> {
        ProviderClient::prepare_query(self, own::<P>(query)?, ctx).map(Into::into)
    }

    fn parse_query(
        &self,
        query: Option<&Query>,
        response: &HttpResponse,
        ctx: &ResponseContext,
    ) -> Result<QueryResult> {
        let query = query.map(own::<P>).transpose()?;
        let answer = ProviderClient::parse_query(self, query, response, ctx)?;
        Ok(QueryResult::answered(
            answer.order,
            P::detail(answer.detail),
            answer.signature_serial,
        ))
    }

    fn tokens(&self) -> Option<&dyn TokenSource> {
        ProviderClient::tokens(self)
    }

    fn certificates(&self) -> Option<&dyn CertificateSource> {
        ProviderClient::certificates(self)
    }

    fn notification(
        &self,
        request: &NotificationRequest,
        ctx: &ResponseContext,
    ) -> Result<Notification> {
        let notice = ProviderClient::notification(self, request, ctx)?;
        Ok(Notification {
            provider: P::ID,
            verified: notice.verified,
            id: notice.id,
            event_type: notice.event_type,
            order: notice.order,
            detail: P::notice(notice.detail),
            signature_serial: notice.signature_serial,
            confirm_query: notice.confirm_query,
        })
    }

    fn notification_reply(&self, outcome: std::result::Result<(), &Error>) -> NotificationReply {
        ProviderClient::notification_reply(self, outcome)
    }
}

impl From<NoTwoPhaseSigning> for PendingRequest {
    fn from(never: NoTwoPhaseSigning) -> Self {
        match never {}
    }
}

macro_rules! dispatch {
    (
        ids: [$($ids:tt)*],
        // One tuple per provider: see provider_list.rs.
        entries: [$(($variant:ident, $client:ty, ($config:ty, $config_doc:literal), ($query:ty, $query_doc:literal),
            ($field:ident, $detail:ty, $detail_doc:literal, $field_doc:literal),
            ($notice:ty, $notice_doc:literal),),)+],
    ) => {
        $(
            impl Registered for $client {
                fn own(query: &Query) -> Option<&Self::Query> {
                    match query {
                        Query::$variant { query } => Some(query),
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                }

                fn detail(detail: Self::Detail) -> ProviderDetail {
                    ProviderDetail::$variant { $field: Box::new(detail) }
                }

                fn notice(notice: Self::Notice) -> NotificationDetail {
                    NotificationDetail::$variant { notice: Box::new(notice) }
                }
            }
        )+

        /// A config's client. `backend`: the RSA backend WeChat Pay keys are loaded into
        /// (`None` where the build has none).
        // On wasm32 the RSA keys are JavaScript objects (neither Send nor Sync) and there is
        // one thread: the `Arc` only shares a client with its query flows there.
        #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
        pub(crate) fn client_for(
            config: &Config,
            backend: Option<&SharedBackend>,
        ) -> Result<Arc<dyn ProviderApi>> {
            Ok(match config {
                $(Config::$variant { config } => Arc::new(
                    <$client as ProviderClient>::from_config(config, backend)?,
                ),)+
            })
        }

        /// The providers whose order queries need an access token.
        pub(crate) fn token_providers() -> Vec<ProviderId> {
            [$((ProviderId::$variant, <$client as ProviderClient>::HAS_TOKENS),)+]
                .into_iter()
                .filter_map(|(id, has)| has.then_some(id))
                .collect()
        }
    };
}
each_provider!(dispatch);
