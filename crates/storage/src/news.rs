//! Member news of organisations, newest first.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use netzwerk_domain::ids::{NewsId, OrganisationId};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::news::{NewsItem, NewsStatus};
use netzwerk_domain::record::Record;
use netzwerk_domain::url::HttpUrl;

use crate::change_log::{self, Action, EntityKind};
use crate::db::MultiBackend;
use crate::error::stored;
use crate::schema::news;
use crate::{AnyConnection, Result, StorageError};

/// A news item as read back.
pub type NewsRecord = Record<NewsId, NewsItem>;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = news, treat_none_as_null = true)]
struct NewsRow {
    id: String,
    organisation_id: String,
    title: String,
    body: String,
    content_language: String,
    image_url: Option<String>,
    link_url: Option<String>,
    publish_on: NaiveDate,
    status: String,
    review_note: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn to_row(
    id: NewsId,
    org: OrganisationId,
    n: &NewsItem,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
) -> NewsRow {
    NewsRow {
        id: id.to_string(),
        organisation_id: org.to_string(),
        title: n.title.clone(),
        body: n.body.clone(),
        content_language: n.content_language.as_str().to_owned(),
        image_url: n.image_url.as_ref().map(|u| u.as_str().to_owned()),
        link_url: n.link.as_ref().map(|u| u.as_str().to_owned()),
        publish_on: n.publish_on,
        status: n.status.as_str().to_owned(),
        review_note: n.review_note.clone(),
        created_at,
        updated_at,
    }
}

fn from_row(r: NewsRow) -> Result<NewsRecord> {
    let url = |column: &str, raw: Option<String>| {
        raw.map(|u| stored(column, HttpUrl::parse(&u))).transpose()
    };
    Ok(Record {
        id: stored("news.id", NewsId::parse(&r.id))?,
        organisation_id: stored(
            "news.organisation_id",
            OrganisationId::parse(&r.organisation_id),
        )?,
        value: NewsItem {
            title: r.title,
            body: r.body,
            content_language: stored(
                "news.content_language",
                LanguageCode::parse(&r.content_language),
            )?,
            image_url: url("news.image_url", r.image_url)?,
            link: url("news.link_url", r.link_url)?,
            publish_on: r.publish_on,
            status: stored("news.status", NewsStatus::parse(&r.status))?,
            review_note: r.review_note,
        },
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

fn log(
    conn: &mut AnyConnection,
    actor: &str,
    row: &NewsRow,
    action: Action,
    what: &str,
) -> Result<()> {
    change_log::record(
        conn,
        actor,
        EntityKind::News,
        &row.id,
        Some(&row.organisation_id),
        action,
        what,
    )
}

/// Creates a news item of an organisation.
pub fn insert(
    conn: &mut AnyConnection,
    actor: &str,
    organisation: OrganisationId,
    item: &NewsItem,
) -> Result<NewsRecord> {
    let id = NewsId::generate();
    let now = crate::now();
    let row = to_row(id, organisation, item, now, now);
    conn.transaction(|conn| {
        diesel::insert_into(news::table)
            .values(&row)
            .execute(conn)?;
        log(conn, actor, &row, Action::Created, &item.title)?;
        get(conn, id)
    })
}

/// Replaces a news item's fields (its status and review note among them).
pub fn update(
    conn: &mut AnyConnection,
    actor: &str,
    id: NewsId,
    item: &NewsItem,
) -> Result<NewsRecord> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        let row = to_row(
            id,
            current.organisation_id,
            item,
            current.created_at.naive_utc(),
            crate::now(),
        );
        diesel::update(news::table.find(&row.id))
            .set(&row)
            .execute(conn)?;
        let what = if item.status == current.value.status {
            item.title.clone()
        } else {
            format!("{} ({})", item.title, item.status.as_str())
        };
        log(conn, actor, &row, Action::Updated, &what)?;
        get(conn, id)
    })
}

/// Deletes a news item and its translations.
pub fn delete(conn: &mut AnyConnection, actor: &str, id: NewsId) -> Result<()> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        let row = to_row(
            id,
            current.organisation_id,
            &current.value,
            current.created_at.naive_utc(),
            current.updated_at.naive_utc(),
        );
        diesel::delete(news::table.find(&row.id)).execute(conn)?;
        crate::translations::remove_all(conn, &row.id)?;
        log(conn, actor, &row, Action::Deleted, &current.value.title)
    })
}

/// One news item by id.
pub fn get(conn: &mut AnyConnection, id: NewsId) -> Result<NewsRecord> {
    let row: Option<NewsRow> = news::table
        .find(id.to_string())
        .select(NewsRow::as_select())
        .first(conn)
        .optional()?;
    row.map(from_row)
        .transpose()?
        .ok_or_else(|| StorageError::NotFound(format!("news item {id}")))
}

/// Which news items a list holds.
#[derive(Debug, Clone, Default)]
pub struct NewsFilter {
    /// Of these organisations only (none: of all).
    pub organisations: Option<Vec<OrganisationId>>,
    /// Public ones only: published, with their day on or before this one.
    pub public_on: Option<NaiveDate>,
    /// In this status only.
    pub status: Option<NewsStatus>,
    /// Published on or after this day.
    pub since: Option<NaiveDate>,
}

fn filtered(f: &NewsFilter) -> news::BoxedQuery<'static, MultiBackend> {
    let mut q = news::table.into_boxed();
    if let Some(orgs) = &f.organisations {
        let ids: Vec<String> = orgs.iter().map(ToString::to_string).collect();
        q = q.filter(news::organisation_id.eq_any(ids));
    }
    if let Some(day) = f.public_on {
        q = q
            .filter(news::status.eq(NewsStatus::Published.as_str()))
            .filter(news::publish_on.le(day));
    }
    if let Some(status) = f.status {
        q = q.filter(news::status.eq(status.as_str()));
    }
    if let Some(since) = f.since {
        q = q.filter(news::publish_on.ge(since));
    }
    q
}

/// A window of news items, newest first (publish day, then newest written), and how
/// many match in all.
pub fn list(
    conn: &mut AnyConnection,
    filter: &NewsFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<NewsRecord>, i64)> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    if limit == 0 || offset >= total {
        return Ok((Vec::new(), total));
    }
    let rows: Vec<NewsRow> = filtered(filter)
        .select(NewsRow::as_select())
        .order((news::publish_on.desc(), news::id.desc()))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    let items = rows.into_iter().map(from_row).collect::<Result<_>>()?;
    Ok((items, total))
}
