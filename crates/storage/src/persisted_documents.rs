//! GraphQL documents the coordinator registered as trusted, found by the SHA-256 of
//! their text. The documents of `graphql/persisted/` are not stored: every replica
//! knows them from its build.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::AnyConnection;
use crate::change_log::{self, Action, EntityKind};
use crate::schema::persisted_documents;
use crate::{Result, StorageError};

/// A registered document.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct StoredDocument {
    /// SHA-256 of the text, lowercase hex.
    pub sha256: String,
    /// A name to recognise it by.
    pub name: String,
    /// The GraphQL text.
    pub document: String,
    /// Who registered it.
    pub registered_by: String,
    /// When.
    pub registered_at: NaiveDateTime,
}

const COLUMNS: (
    persisted_documents::sha256,
    persisted_documents::name,
    persisted_documents::document,
    persisted_documents::registered_by,
    persisted_documents::registered_at,
) = (
    persisted_documents::sha256,
    persisted_documents::name,
    persisted_documents::document,
    persisted_documents::registered_by,
    persisted_documents::registered_at,
);

/// The document with this hash, if registered.
pub fn get(conn: &mut AnyConnection, sha256: &str) -> Result<Option<StoredDocument>> {
    Ok(persisted_documents::table
        .find(sha256)
        .select(COLUMNS)
        .first(conn)
        .optional()?)
}

/// Registers a document; one already registered under the same hash stays as it was
/// (same text, same document) and is returned.
pub fn register(
    conn: &mut AnyConnection,
    actor: &str,
    sha256: &str,
    name: &str,
    document: &str,
) -> Result<StoredDocument> {
    conn.transaction(|conn| {
        if let Some(known) = get(conn, sha256)? {
            return Ok(known);
        }
        diesel::insert_into(persisted_documents::table)
            .values((
                persisted_documents::sha256.eq(sha256),
                persisted_documents::name.eq(name),
                persisted_documents::document.eq(document),
                persisted_documents::registered_by.eq(actor),
                persisted_documents::registered_at.eq(crate::now()),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::PersistedDocument,
            sha256,
            None,
            Action::Created,
            name,
        )?;
        get(conn, sha256)?
            .ok_or_else(|| StorageError::NotFound(format!("persisted document {sha256}")))
    })
}

/// Every registered document, newest first.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<StoredDocument>> {
    Ok(persisted_documents::table
        .select(COLUMNS)
        .order((
            persisted_documents::registered_at.desc(),
            persisted_documents::sha256,
        ))
        .load(conn)?)
}
