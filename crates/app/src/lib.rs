//! The Netzwerk Hub's application layer: the use cases and background jobs, each
//! written once and called by every adapter — the GraphQL/HTTP gateway, the command
//! line, the jobs `serve` runs. It owns transactions and asks `domain::access` inside
//! them; it knows the database through `netzwerk-storage` and nothing of GraphQL or
//! HTTP serving.

use std::future::Future;
use std::pin::Pin;

pub mod api_keys;
pub mod auth;
pub mod calendar_sync;
pub mod calendars_out;
pub mod days;
pub mod demo;
pub mod digest;
pub mod directory;
mod error;
pub mod events;
pub mod feeds;
pub mod fetch;
pub mod funding;
pub mod funding_sync;
pub mod guests;
pub mod hsds;
pub mod html;
mod hub;
pub mod invitations;
pub mod jobs;
pub mod limits;
pub mod mail;
pub mod meetings;
pub mod news;
pub mod newsletter;
pub mod outbox;
pub mod persisted;
pub mod retention;
pub mod search_memory;
pub mod templates;

pub use error::{Error, Result};
pub use hub::{Hub, OccurrenceIndex, Settings};
pub use netzwerk_storage::{PoolSettings, SSL_MODES};

/// Whether `url` names a database the Hub can use (`sqlite://…`, `postgres://…`);
/// the error says what is wrong.
pub fn check_database_url(url: &str) -> Result<()> {
    netzwerk_storage::Backend::of_url(url)
        .map(|_| ())
        .map_err(|e| {
            Error::Invalid(netzwerk_domain::ValidationError::new(
                "",
                "url",
                e.to_string(),
            ))
        })
}

/// The Hub's own GraphQL API as the application layer calls it: trusted (persisted)
/// documents run in-process as an anonymous reader — the digests and, later, the
/// newsletter eat the API partner sites use. The gateway implements it.
pub trait OwnApi: Send + Sync {
    /// Runs `operation` of `document` with `variables`; the data, or the first error
    /// as the application's (`NOT_FOUND` as [`Error::NotFound`], a refused or failed
    /// request as what it was, anything else as [`Error::Internal`]).
    fn query<'a>(
        &'a self,
        document: &'a str,
        operation: &'a str,
        variables: serde_json::Value,
    ) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, Error>> + Send + 'a>>;
}
