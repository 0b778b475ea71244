//! Who changed what and when. Every write function records its change here in the
//! same transaction; `modifiedAfter` filters read it.

use std::collections::HashMap;

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
    /// A trusted GraphQL document registered by the coordinator.
    PersistedDocument,
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
    /// A member news item.
    News,
    /// A newsletter issue.
    NewsletterIssue,
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
            EntityKind::PersistedDocument => "persisted_document",
            EntityKind::Event => "event",
            EntityKind::CalendarSource => "calendar_source",
            EntityKind::Meeting => "meeting",
            EntityKind::FundingSource => "funding_source",
            EntityKind::FundingOpportunity => "funding_opportunity",
            EntityKind::News => "news",
            EntityKind::NewsletterIssue => "newsletter_issue",
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
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
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

/// The same window of several organisations' logs (each organisation's entries and
/// those of its locations, services and contacts), newest first, in two statements
/// however many organisations are asked for: one counts, one numbers each
/// organisation's entries with `ROW_NUMBER()` and keeps the window. An organisation
/// without entries gets an empty page.
pub fn for_organisations(
    conn: &mut AnyConnection,
    organisation_ids: &[String],
    offset: i64,
    limit: i64,
) -> Result<HashMap<String, crate::Page<ChangeEntry>>> {
    let mut pages: HashMap<String, crate::Page<ChangeEntry>> = organisation_ids
        .iter()
        .map(|o| {
            let empty = crate::Page {
                items: Vec::new(),
                total: 0,
            };
            (o.clone(), empty)
        })
        .collect();
    if organisation_ids.is_empty() {
        return Ok(pages);
    }
    let totals: Vec<(Option<String>, i64)> = change_log::table
        .filter(change_log::organisation_id.eq_any(organisation_ids))
        .group_by(change_log::organisation_id)
        .select((change_log::organisation_id, diesel::dsl::count_star()))
        .load(conn)?;
    for (organisation, total) in totals {
        if let Some(page) = organisation.and_then(|o| pages.get_mut(&o)) {
            page.total = total;
        }
    }
    if limit <= 0 {
        return Ok(pages);
    }
    let rows: Vec<Windowed> = match conn {
        AnyConnection::Postgresql(c) => {
            window_query::<diesel::pg::Pg>(organisation_ids, offset, limit, |i| format!("${i}"))
                .load(c)?
        }
        AnyConnection::Sqlite(c) => {
            window_query::<diesel::sqlite::Sqlite>(organisation_ids, offset, limit, |_| {
                "?".to_owned()
            })
            .load(c)?
        }
    };
    for Windowed { entry } in rows {
        if let Some(page) = entry
            .organisation_id
            .as_ref()
            .and_then(|o| pages.get_mut(o))
        {
            page.items.push(entry);
        }
    }
    Ok(pages)
}

/// A row of [`window_query`].
#[derive(QueryableByName)]
struct Windowed {
    #[diesel(embed)]
    entry: ChangeEntry,
}

/// `ROW_NUMBER() OVER (PARTITION BY organisation_id …)` has no diesel DSL, so the
/// statement is written as SQL with one bound parameter per organisation and for
/// the window's bounds; `placeholder(n)` spells the n-th parameter for the backend.
fn window_query<'a, DB>(
    organisation_ids: &'a [String],
    offset: i64,
    limit: i64,
    placeholder: impl Fn(usize) -> String,
) -> diesel::query_builder::BoxedSqlQuery<'a, DB, diesel::query_builder::SqlQuery>
where
    DB: diesel::backend::Backend + diesel::sql_types::HasSqlType<diesel::sql_types::Text>,
    DB: diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>,
    String: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
    i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
{
    let n = organisation_ids.len();
    let ids: Vec<String> = (1..=n).map(&placeholder).collect();
    let sql = format!(
        "SELECT id, changed_at, actor, entity_kind, entity_id, organisation_id, action, summary \
         FROM (SELECT change_log.*, ROW_NUMBER() OVER (PARTITION BY organisation_id \
         ORDER BY changed_at DESC, id DESC) AS position FROM change_log \
         WHERE organisation_id IN ({})) numbered \
         WHERE position > {} AND position <= {} + {} \
         ORDER BY organisation_id, position",
        ids.join(", "),
        placeholder(n + 1),
        placeholder(n + 2),
        placeholder(n + 3),
    );
    let mut query = diesel::sql_query(sql).into_boxed::<DB>();
    for id in organisation_ids {
        query = query.bind::<diesel::sql_types::Text, _>(id);
    }
    query
        .bind::<diesel::sql_types::BigInt, _>(offset)
        .bind::<diesel::sql_types::BigInt, _>(offset)
        .bind::<diesel::sql_types::BigInt, _>(limit)
}
