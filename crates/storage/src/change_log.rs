//! Who changed what and when. Every write function records its change here in the
//! same transaction; `modifiedAfter` filters read it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::change_log;
use crate::{AnyConnection, Result};

/// The kind of entity a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityKind {
    /// An organisation.
    Organisation,
    /// A location.
    Location,
    /// A service.
    Service,
    /// A contact person.
    Contact,
    /// A user account.
    User,
    /// An API key.
    ApiKey,
    /// An event.
    Event,
    /// A calendar feed.
    CalendarSource,
    /// A network meeting.
    Meeting,
    /// A funding feed.
    FundingSource,
    /// A funding opportunity.
    FundingOpportunity,
}

impl EntityKind {
    /// Stable code stored in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Organisation => "organisation",
            EntityKind::Location => "location",
            EntityKind::Service => "service",
            EntityKind::Contact => "contact",
            EntityKind::User => "user",
            EntityKind::ApiKey => "api_key",
            EntityKind::Event => "event",
            EntityKind::CalendarSource => "calendar_source",
            EntityKind::Meeting => "meeting",
            EntityKind::FundingSource => "funding_source",
            EntityKind::FundingOpportunity => "funding_opportunity",
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Created.
    Created,
    /// Changed.
    Updated,
    /// Deleted.
    Deleted,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Deleted => "deleted",
        }
    }
}

/// One entry of the log.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = change_log)]
pub struct ChangeEntry {
    /// Entry id.
    pub id: String,
    /// When.
    pub changed_at: NaiveDateTime,
    /// Who: a user id, or `cli` / `demo` for command-line work.
    pub actor: String,
    /// Kind of entity.
    pub entity_kind: String,
    /// Its id.
    pub entity_id: String,
    /// The organisation it belongs to.
    pub organisation_id: Option<String>,
    /// `created`, `updated` or `deleted`.
    pub action: String,
    /// Short description.
    pub summary: String,
}

/// An entry to append with [`record_many`].
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = change_log)]
pub struct Entry {
    id: String,
    changed_at: NaiveDateTime,
    actor: String,
    entity_kind: String,
    entity_id: String,
    organisation_id: Option<String>,
    action: String,
    summary: String,
}

impl Entry {
    /// An entry about `entity_id`.
    pub fn new(
        actor: &str,
        kind: EntityKind,
        entity_id: &str,
        organisation_id: Option<&str>,
        action: Action,
        summary: &str,
        at: NaiveDateTime,
    ) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            changed_at: at,
            actor: actor.to_owned(),
            entity_kind: kind.as_str().to_owned(),
            entity_id: entity_id.to_owned(),
            organisation_id: organisation_id.map(str::to_owned),
            action: action.as_str().to_owned(),
            summary: summary.to_owned(),
        }
    }
}

/// Appends many entries with few statements.
pub fn record_many(conn: &mut AnyConnection, entries: &[Entry]) -> Result<()> {
    for chunk in entries.chunks(2000) {
        crate::db::insert_all!(conn, change_log::table, chunk)?;
    }
    Ok(())
}

/// Appends one entry.
pub fn record(
    conn: &mut AnyConnection,
    actor: &str,
    kind: EntityKind,
    entity_id: &str,
    organisation_id: Option<&str>,
    action: Action,
    summary: &str,
) -> Result<()> {
    diesel::insert_into(change_log::table)
        .values((
            change_log::id.eq(uuid::Uuid::now_v7().to_string()),
            change_log::changed_at.eq(crate::now()),
            change_log::actor.eq(actor),
            change_log::entity_kind.eq(kind.as_str()),
            change_log::entity_id.eq(entity_id),
            change_log::organisation_id.eq(organisation_id),
            change_log::action.eq(action.as_str()),
            change_log::summary.eq(summary),
        ))
        .execute(conn)?;
    Ok(())
}

/// The newest entries about an organisation and everything that belongs to it, newest first.
pub fn for_organisation(
    conn: &mut AnyConnection,
    organisation_id: &str,
    offset: i64,
    limit: i64,
) -> Result<crate::Page<ChangeEntry>> {
    let total: i64 = change_log::table
        .filter(change_log::organisation_id.eq(organisation_id))
        .count()
        .get_result(conn)?;
    let items = change_log::table
        .filter(change_log::organisation_id.eq(organisation_id))
        .order((change_log::changed_at.desc(), change_log::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(ChangeEntry::as_select())
        .load(conn)?;
    Ok(crate::Page { items, total })
}
