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
    /// When it is to be sent (scheduled), or was meant to be.
    pub send_at: Option<DateTime<Utc>>,
    /// How many subscribers it went to (sent).
    pub recipients: Option<i32>,
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
    send_at: Option<NaiveDateTime>,
    recipients: Option<i32>,
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
        send_at: r.send_at.map(|t| t.and_utc()),
        recipients: r.recipients,
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
        send_at: None,
        recipients: None,
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
        diesel::delete(
            crate::schema::newsletter_editorials::table
                .filter(crate::schema::newsletter_editorials::issue_id.eq(&sid)),
        )
        .execute(conn)?;
        diesel::delete(ni::table.find(&sid)).execute(conn)?;
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

/// Schedules a draft (or a scheduled issue anew) to be sent at `at`, or takes a
/// scheduled issue back to a draft (`None`). Refused for a sent issue.
pub fn schedule(
    conn: &mut AnyConnection,
    actor: &str,
    id: NewsletterIssueId,
    at: Option<DateTime<Utc>>,
) -> Result<IssueRecord> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        if current.value.status == IssueStatus::Sent {
            return Err(StorageError::Conflict(format!(
                "newsletter issue {id} is sent already"
            )));
        }
        let status = if at.is_some() {
            IssueStatus::Scheduled
        } else {
            IssueStatus::Draft
        };
        diesel::update(ni::table.find(id.to_string()))
            .set((
                ni::status.eq(status.as_str()),
                ni::send_at.eq(at.map(|t| t.naive_utc())),
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
            &match at {
                Some(t) => format!("{} scheduled for {t}", what(&current.value)),
                None => format!("{} back to draft", what(&current.value)),
            },
        )?;
        get(conn, id)
    })
}

/// Scheduled issues whose time has come, earliest first.
pub fn due(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<Vec<IssueRecord>> {
    let rows: Vec<IssueRow> = ni::table
        .filter(ni::status.eq(IssueStatus::Scheduled.as_str()))
        .filter(ni::send_at.le(now.naive_utc()))
        .order((ni::send_at, ni::id))
        .select(IssueRow::as_select())
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// What a sent issue said in one language, frozen when it was sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Edition {
    /// The reader's language.
    pub language: String,
    /// The composed sections (JSON, the application's own shape).
    pub composition: String,
    /// Subject line.
    pub subject: String,
    /// The web view.
    pub html: String,
    /// The plain text.
    pub text: String,
}

/// Records a scheduled issue as sent to `recipients` subscribers with its editions,
/// if it is still scheduled, due, and unchanged since `composed_from` (its
/// `updated_at` when it was read to be composed): `false` when another sender got there
/// first, or the issue changed meanwhile (then the caller's messages must not be
/// queued: call it in their transaction).
pub fn mark_sent(
    conn: &mut AnyConnection,
    id: NewsletterIssueId,
    now: DateTime<Utc>,
    composed_from: DateTime<Utc>,
    recipients: i32,
    editions: &[Edition],
) -> Result<bool> {
    use crate::schema::newsletter_editions as ne;
    conn.transaction(|conn| {
        let sid = id.to_string();
        let n = diesel::update(
            ni::table
                .find(&sid)
                .filter(ni::status.eq(IssueStatus::Scheduled.as_str()))
                .filter(ni::send_at.le(now.naive_utc()))
                .filter(ni::updated_at.eq(composed_from.naive_utc())),
        )
        .set((
            ni::status.eq(IssueStatus::Sent.as_str()),
            ni::sent_at.eq(Some(crate::now())),
            ni::recipients.eq(Some(recipients)),
        ))
        .execute(conn)?;
        if n == 0 {
            return Ok(false);
        }
        for e in editions {
            diesel::insert_into(ne::table)
                .values((
                    ne::issue_id.eq(&sid),
                    ne::language.eq(&e.language),
                    ne::composition.eq(&e.composition),
                    ne::subject.eq(&e.subject),
                    ne::html.eq(&e.html),
                    ne::text.eq(&e.text),
                ))
                .execute(conn)?;
        }
        Ok(true)
    })
}

/// The subject lines of several sent issues in one language, by issue id.
pub fn subjects(
    conn: &mut AnyConnection,
    ids: &[NewsletterIssueId],
    language: &str,
) -> Result<Vec<(String, String)>> {
    use crate::schema::newsletter_editions as ne;
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    Ok(ne::table
        .filter(ne::issue_id.eq_any(ids))
        .filter(ne::language.eq(language))
        .select((ne::issue_id, ne::subject))
        .load(conn)?)
}

/// The frozen editions of a sent issue.
pub fn editions(conn: &mut AnyConnection, id: NewsletterIssueId) -> Result<Vec<Edition>> {
    use crate::schema::newsletter_editions as ne;
    let rows: Vec<(String, String, String, String, String)> = ne::table
        .filter(ne::issue_id.eq(id.to_string()))
        .order(ne::language)
        .select((
            ne::language,
            ne::composition,
            ne::subject,
            ne::html,
            ne::text,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(language, composition, subject, html, text)| Edition {
            language,
            composition,
            subject,
            html,
            text,
        })
        .collect())
}

/// Sets the editorial of an issue in one language (replacing an earlier one).
pub fn set_editorial(
    conn: &mut AnyConnection,
    id: NewsletterIssueId,
    language: &LanguageCode,
    text: &str,
) -> Result<()> {
    use crate::schema::newsletter_editorials as ne;
    conn.transaction(|conn| {
        let (sid, lang) = (id.to_string(), language.to_string());
        diesel::delete(
            ne::table
                .filter(ne::issue_id.eq(&sid))
                .filter(ne::language.eq(&lang)),
        )
        .execute(conn)?;
        diesel::insert_into(ne::table)
            .values((
                ne::issue_id.eq(&sid),
                ne::language.eq(&lang),
                ne::text.eq(text),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Removes the editorial of an issue in one language; `false` when there was none.
pub fn remove_editorial(
    conn: &mut AnyConnection,
    id: NewsletterIssueId,
    language: &LanguageCode,
) -> Result<bool> {
    use crate::schema::newsletter_editorials as ne;
    let gone = diesel::delete(
        ne::table
            .filter(ne::issue_id.eq(id.to_string()))
            .filter(ne::language.eq(language.to_string())),
    )
    .execute(conn)?
        > 0;
    touch(conn, &id.to_string())?;
    Ok(gone)
}

/// Marks an issue changed now.
fn touch(conn: &mut AnyConnection, id: &str) -> Result<()> {
    diesel::update(ni::table.find(id))
        .set(ni::updated_at.eq(crate::now()))
        .execute(conn)?;
    Ok(())
}

/// The editorial's translations of an issue: (language, text), by language.
pub fn editorials(
    conn: &mut AnyConnection,
    id: NewsletterIssueId,
) -> Result<Vec<(String, String)>> {
    use crate::schema::newsletter_editorials as ne;
    Ok(ne::table
        .filter(ne::issue_id.eq(id.to_string()))
        .order(ne::language)
        .select((ne::language, ne::text))
        .load(conn)?)
}
