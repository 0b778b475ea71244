//! Newsletter issues, newest period first.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use netzwerk_domain::ids::NewsletterIssueId;
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::newsletter::{Issue, IssueStatus};

use crate::change_log::{self, Action, EntityKind};
use crate::error::stored;
use crate::schema::newsletter_issues as ni;
use crate::{AnyConnection, Result, StorageError};

/// An issue as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueRecord {
    /// Id.
    pub id: NewsletterIssueId,
    /// Its fields.
    pub value: Issue,
    /// When it was drafted.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ni, treat_none_as_null = true)]
struct IssueRow {
    id: String,
    period_from: NaiveDate,
    period_to: NaiveDate,
    editorial: Option<String>,
    content_language: String,
    status: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
}

fn from_row(r: IssueRow) -> Result<IssueRecord> {
    Ok(IssueRecord {
        id: stored("newsletter_issues.id", NewsletterIssueId::parse(&r.id))?,
        value: Issue {
            period_from: r.period_from,
            period_to: r.period_to,
            editorial: r.editorial,
            content_language: stored(
                "newsletter_issues.content_language",
                LanguageCode::parse(&r.content_language),
            )?,
            status: stored("newsletter_issues.status", IssueStatus::parse(&r.status))?,
        },
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        sent_at: r.sent_at.map(|t| t.and_utc()),
    })
}

fn what(i: &Issue) -> String {
    format!("newsletter {} – {}", i.period_from, i.period_to)
}

/// Stores a new issue.
pub fn insert(conn: &mut AnyConnection, actor: &str, issue: &Issue) -> Result<IssueRecord> {
    let id = NewsletterIssueId::generate();
    let now = crate::now();
    let row = IssueRow {
        id: id.to_string(),
        period_from: issue.period_from,
        period_to: issue.period_to,
        editorial: issue.editorial.clone(),
        content_language: issue.content_language.as_str().to_owned(),
        status: issue.status.as_str().to_owned(),
        created_at: now,
        updated_at: now,
        sent_at: None,
    };
    conn.transaction(|conn| {
        diesel::insert_into(ni::table).values(&row).execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::NewsletterIssue,
            &row.id,
            None,
            Action::Created,
            &what(issue),
        )?;
        get(conn, id)
    })
}

/// Replaces an issue's fields.
pub fn update(
    conn: &mut AnyConnection,
    actor: &str,
    id: NewsletterIssueId,
    issue: &Issue,
) -> Result<IssueRecord> {
    conn.transaction(|conn| {
        get(conn, id)?;
        diesel::update(ni::table.find(id.to_string()))
            .set((
                ni::period_from.eq(issue.period_from),
                ni::period_to.eq(issue.period_to),
                ni::editorial.eq(&issue.editorial),
                ni::content_language.eq(issue.content_language.as_str()),
                ni::status.eq(issue.status.as_str()),
                ni::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::NewsletterIssue,
            &id.to_string(),
            None,
            Action::Updated,
            &what(issue),
        )?;
        get(conn, id)
    })
}

/// Deletes an issue and the translations of its editorial.
pub fn delete(conn: &mut AnyConnection, actor: &str, id: NewsletterIssueId) -> Result<()> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        let sid = id.to_string();
        diesel::delete(ni::table.find(&sid)).execute(conn)?;
        crate::translations::remove_all(conn, &sid)?;
        change_log::record(
            conn,
            actor,
            EntityKind::NewsletterIssue,
            &sid,
            None,
            Action::Deleted,
            &what(&current.value),
        )
    })
}

/// One issue by id.
pub fn get(conn: &mut AnyConnection, id: NewsletterIssueId) -> Result<IssueRecord> {
    let row: Option<IssueRow> = ni::table
        .find(id.to_string())
        .select(IssueRow::as_select())
        .first(conn)
        .optional()?;
    row.map(from_row)
        .transpose()?
        .ok_or_else(|| StorageError::NotFound(format!("newsletter issue {id}")))
}

/// Issues, newest period first; only those in `status` when given.
pub fn list(
    conn: &mut AnyConnection,
    status: Option<IssueStatus>,
    limit: i64,
) -> Result<Vec<IssueRecord>> {
    let mut q = ni::table.select(IssueRow::as_select()).into_boxed();
    if let Some(s) = status {
        q = q.filter(ni::status.eq(s.as_str()));
    }
    let rows: Vec<IssueRow> = q
        .order((ni::period_from.desc(), ni::id.desc()))
        .limit(limit)
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// The last day of the latest sent issue that began before `before`, if any.
pub fn previous_sent_end(conn: &mut AnyConnection, before: NaiveDate) -> Result<Option<NaiveDate>> {
    Ok(ni::table
        .filter(ni::status.eq(IssueStatus::Sent.as_str()))
        .filter(ni::period_from.lt(before))
        .select(diesel::dsl::max(ni::period_to))
        .first(conn)?)
}
