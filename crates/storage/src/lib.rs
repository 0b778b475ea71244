//! Storage of the Netzwerk Hub: diesel on SQLite (the embedded default) and PostgreSQL
//! (production and scale-out), with one schema and one behaviour on both.
//!
//! Architecture invariant: this is the only crate that knows diesel. It takes domain
//! values in and gives domain values ([`netzwerk_domain::record::Record`]) out; its row
//! structs never leave it. Every function that writes more than one row runs in one
//! transaction. Nothing here reads configuration or the environment: the caller passes
//! a database URL.

pub mod admin;
pub mod api_keys;
pub mod calendar_sources;
pub mod change_log;
pub mod changes;
pub mod contacts;
mod db;
mod error;
pub mod events;
mod fragments;
pub mod funding;
pub mod guests;
pub mod hsds;
pub mod locations;
pub mod meetings;
pub mod news;
pub mod newsletters;
mod occurrence_rows;
pub mod occurrences;
pub mod organisations;
pub mod outbox;
pub mod persisted_documents;
pub mod rate_limits;
#[expect(
    missing_docs,
    reason = "the table! macro generates undocumented modules"
)]
pub mod schema;
pub mod search;
pub mod services;
mod sets;
pub mod subscribers;
pub mod translations;
pub mod users;

pub use db::{AnyConnection, Backend, Database, PoolSettings, SSL_MODES};
pub use error::StorageError;

/// Result of storage operations.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// A page of results and the number of all matches.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The requested slice, in the list's order.
    pub items: Vec<T>,
    /// How many items match the filter in total.
    pub total: i64,
}

/// Current time as stored: UTC without zone, truncated to microseconds so that both
/// backends store and return exactly the same value.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::Timelike;
    let t = chrono::Utc::now().naive_utc();
    t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

/// Runs `work` in one transaction: everything it writes is stored, or nothing.
pub fn transaction<T, E>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::Connection as _;
    conn.transaction(work)
}

/// Like [`transaction`] for work whose error type is its caller's (the application
/// layer's): a database failure inside becomes a [`StorageError`] converted into it.
pub fn atomically<T, E>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StorageError>,
{
    use diesel::Connection as _;
    /// The work's own error, or the database's (begin, commit, rollback).
    enum Failed<E> {
        Work(E),
        Database(diesel::result::Error),
    }
    impl<E> From<diesel::result::Error> for Failed<E> {
        fn from(e: diesel::result::Error) -> Self {
            Failed::Database(e)
        }
    }
    conn.transaction(|c| work(c).map_err(Failed::Work))
        .map_err(|f| match f {
            Failed::Work(e) => e,
            Failed::Database(d) => StorageError::from(d).into(),
        })
}

/// Number of organisations stored (to tell an empty database).
pub fn organisation_count(conn: &mut AnyConnection) -> Result<i64> {
    use diesel::prelude::*;
    Ok(schema::organisations::table.count().get_result(conn)?)
}
