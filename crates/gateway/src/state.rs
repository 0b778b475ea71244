//! What every HTTP handler shares: the schema, the database, the settings and the
//! trusted documents.

use std::sync::Arc;

use axum::http::{HeaderMap, header};

use crate::documents::Documents;
use crate::graphql::HubSchema;
use crate::guard::QueryLimits;
use crate::response_cache::{CacheLimits, ResponseCache};

/// HTTP settings.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Largest request body accepted; larger ones get 413 before any parsing.
    pub max_body_bytes: usize,
    /// Add `x-sql-statements` (statements sent while answering) to responses.
    /// Exact only when requests do not overlap; meant for tests and benchmarks.
    pub statement_header: bool,
    /// Header with the client's address behind a reverse proxy.
    pub client_ip_header: Option<header::HeaderName>,
    /// Cost, depth, alias and sign-in limits, checked before a document runs.
    pub query_limits: QueryLimits,
    /// The longest a GraphQL request may run; then it is stopped and answered
    /// `TIMEOUT`.
    pub request_timeout: std::time::Duration,
    /// The response cache's limits (no entries: off).
    pub cache: CacheLimits,
    /// The origins whose pages may read anonymous answers (`server.cors_origins`).
    pub public_origins: PublicOrigins,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            statement_header: false,
            client_ip_header: None,
            query_limits: QueryLimits::default(),
            request_timeout: std::time::Duration::from_secs(30),
            cache: CacheLimits {
                entries: 1000,
                bytes: 64 << 20,
            },
            public_origins: PublicOrigins::Any,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub(crate) schema: HubSchema,
    /// The schema for anonymous callers and keys (the same one unless production).
    pub(crate) public_schema: HubSchema,
    pub(crate) hub: netzwerk_app::Hub,
    pub(crate) settings: Arc<HttpSettings>,
    pub(crate) documents: Arc<Documents>,
    /// Answers to public persisted queries (none when switched off).
    pub(crate) cache: Option<Arc<ResponseCache>>,
}

impl AppState {
    /// The schema.
    pub fn schema(&self) -> &HubSchema {
        &self.schema
    }

    /// The application.
    pub fn hub(&self) -> &netzwerk_app::Hub {
        &self.hub
    }
}

/// Which origins anonymous callers' pages may read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PublicOrigins {
    /// Any (`*`).
    #[default]
    Any,
    /// These only.
    Only(Vec<String>),
}

impl PublicOrigins {
    /// From the setting: `*`, or origins separated by spaces or commas.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let list: Vec<&str> = raw
            .split([' ', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if list.is_empty() || list == ["*"] {
            return Ok(Self::Any);
        }
        for o in &list {
            let host = o
                .strip_prefix("https://")
                .or_else(|| o.strip_prefix("http://"))
                .unwrap_or_default();
            if host.is_empty() || host.contains(['/', '?', '#', '@']) {
                return Err(format!(
                    "{o:?} is not an origin (http(s)://host[:port], no path)"
                ));
            }
        }
        Ok(Self::Only(list.into_iter().map(str::to_owned).collect()))
    }

    /// Whether a page from `origin` may read anonymous answers.
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Only(list) => list.iter().any(|o| o == origin),
        }
    }
}

/// The connection's peer address, when served with connect info.
pub(crate) type Peer = Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>;

/// The client's address: the last entry of the configured proxy header, else the peer.
pub(crate) fn client_address(
    settings: &HttpSettings,
    peer: Peer,
    headers: &HeaderMap,
) -> Option<String> {
    if let Some(name) = &settings.client_ip_header {
        let forwarded = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty());
        if let Some(f) = forwarded {
            return Some(f.to_owned());
        }
    }
    peer.map(|axum::Extension(axum::extract::ConnectInfo(addr))| addr.ip().to_string())
}
