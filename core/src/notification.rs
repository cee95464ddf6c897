//! What a provider's callback turned out to be: one [`Notification`] shape for every provider
//! (normalized `Order` where the event is about an order) over each provider's own typed
//! resource ([`NotificationDetail`], expanded from the one list). Floor 3, beside `result`:
//! each provider decodes into its own types, and the dispatch (`registry`) puts them here.

use serde::Serialize;

use crate::error::Error;
use crate::notification_request::NotificationReply;
use crate::order::Order;
use crate::provider::ProviderId;
use crate::provider_list::each_provider;

/// A notification payload checked as far as its provider allows: verified and decrypted
/// (WeChat Pay), verified (Fubei), or decoded only (the unsigned vending callback:
/// `verified` is false).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Notification {
    /// Which provider sent it.
    pub provider: ProviderId,
    /// False only for a provider that does not sign its callbacks: then it is a hint, to be
    /// confirmed with the signed query (`confirm_query`).
    pub verified: bool,
    /// The idempotency key: the provider's event id (WeChat Pay's `id`, kept when it re-sends),
    /// or one derived from the event where the provider gives none. Deduplicate on it.
    pub id: String,
    /// The event, as the provider names it (`TRANSACTION.SUCCESS`, `pay`, …).
    pub event_type: String,
    /// The order the event is about, normalized exactly like a query's.
    pub order: Option<Order>,
    /// Everything the notification said, typed (an event payquery has no type for keeps its
    /// decrypted JSON).
    pub detail: NotificationDetail,
    /// The serial of the key whose signature verified it (WeChat Pay).
    pub signature_serial: Option<String>,
    /// For an unsigned notification: the order query (a JSON query document, to complete
    /// with what the callback does not carry) that confirms it.
    pub confirm_query: Option<String>,
}

/// The outcome of a notification, with the HTTP reply to send for it: a rejected one has
/// its reply too (the status tells the provider whether to send it again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRejected {
    /// Why it was refused.
    pub error: Error,
    /// The reply to send.
    pub reply: NotificationReply,
}

/// An accepted notification and the reply that tells the provider so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandledNotification {
    /// The notification.
    pub notification: Notification,
    /// The reply to send once the notification is stored (send the provider's failure reply
    /// instead if storing fails, so that it comes again).
    pub reply: NotificationReply,
}

macro_rules! notification_union {
    (
        ids: [$($ids:tt)*],
        // One tuple per provider: see provider_list.rs.
        entries: [$(($variant:ident, $client:ty, ($config:ty, $config_doc:literal), ($query:ty, $query_doc:literal),
            ($field:ident, $detail:ty, $detail_doc:literal, $field_doc:literal),
            ($notice:ty, $notice_doc:literal),),)+],
    ) => {
        /// A notification's typed resource, per provider. Serializes as the provider's object
        /// alone (the provider is the notification's `provider`).
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        #[non_exhaustive]
        pub enum NotificationDetail {
            $(
                #[doc = $notice_doc]
                $variant {
                    /// The provider's notification, typed.
                    notice: Box<$notice>,
                },
            )+
        }

        impl Serialize for NotificationDetail {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                match self {
                    $(NotificationDetail::$variant { notice } => notice.serialize(s),)+
                }
            }
        }

        crate::provider::impl_per_provider_schema!(
            NotificationDetail,
            "A notification's typed resource; the notification's `provider` says which.",
            [$(($variant, $notice)),+]
        );
    };
}
each_provider!(notification_union);
