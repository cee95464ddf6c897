//! # payquery-uniffi-floor (make bench only, never shipped)
//!
//! Issue 20 asks how much of Kotlin's Fubei `buildQuery` is UniFFI's JNA boundary and how much
//! is payquery. This component answers with the same shapes and bytes and no work: an object
//! (like `Client`) whose method takes what `Client.buildQuery` takes (a query enum holding the
//! Fubei query record, a timestamp, a nonce, 32 random bytes) and returns a copy of a request
//! record holding a real Fubei request (method, URL, headers, body). The Kotlin bench times both
//! in one JVM run (`floor_round_trip` against `build_fubei`).

uniffi::setup_scaffolding!("payquery_floor");

/// The Fubei query's shape (`FubeiQuery`).
#[derive(Debug, uniffi::Record)]
pub struct FloorFubeiQuery {
    /// As `merchant_order_sn`.
    #[uniffi(default)]
    pub merchant_order_sn: Option<String>,
    /// As `order_sn`.
    #[uniffi(default)]
    pub order_sn: Option<String>,
    /// As `device_no`.
    #[uniffi(default)]
    pub device_no: Option<String>,
}

/// The query enum's shape (`Query`), one case as the bench needs.
#[derive(Debug, uniffi::Enum)]
pub enum FloorQuery {
    /// As `Query.Fubei`.
    Fubei {
        /// The query.
        query: FloorFubeiQuery,
    },
}

/// A header's shape (`Header`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct FloorHeader {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// A request's shape (`HttpRequest`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct FloorRequest {
    /// Method.
    pub method: String,
    /// URL.
    pub url: String,
    /// Headers.
    pub headers: Vec<FloorHeader>,
    /// Body.
    pub body: Option<Vec<u8>>,
}

/// An error's shape, so the method is fallible as `buildQuery` is.
#[derive(Debug, uniffi::Error)]
pub enum FloorError {
    /// Never raised.
    Never {
        /// Never set.
        reason: String,
    },
}

impl std::fmt::Display for FloorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("never")
    }
}

/// An object holding the request to hand back, as `Client` holds its config.
#[derive(Debug, uniffi::Object)]
pub struct FloorClient {
    request: FloorRequest,
}

#[uniffi::export]
impl FloorClient {
    /// Holds `request`, a real Fubei request built by payquery.
    #[uniffi::constructor]
    pub fn new(request: FloorRequest) -> Self {
        Self { request }
    }

    /// Takes what `buildQuery` takes and returns a copy of the held request: the boundary's
    /// cost for these bytes, with no work.
    pub fn round_trip(
        &self,
        query: FloorQuery,
        timestamp: i64,
        nonce: Option<String>,
        random: Vec<u8>,
    ) -> Result<FloorRequest, FloorError> {
        let FloorQuery::Fubei { query } = query;
        let _ = (query.merchant_order_sn, query.order_sn, query.device_no);
        let _ = (timestamp, nonce, random);
        Ok(self.request.clone())
    }
}
