//! Member calendar feeds the Hub follows, with their health.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use netzwerk_domain::ids::{CalendarSourceId, OrganisationId};

use crate::change_log::{self, Action, EntityKind};
use crate::error::stored;
use crate::schema::calendar_sources as cs;
use crate::{AnyConnection, Result, StorageError};

/// A calendar feed and its health.
#[derive(Debug, Clone)]
pub struct CalendarSource {
    /// Id.
    pub id: CalendarSourceId,
    /// Whose calendar it is.
    pub organisation_id: OrganisationId,
    /// The iCalendar URL.
    pub url: String,
    /// Minutes between polls.
    pub interval_minutes: i32,
    /// ETag of the last good download.
    pub etag: Option<String>,
    /// Last-Modified of the last good download.
    pub last_modified_header: Option<String>,
    /// When it is due next.
    pub next_fetch_at: DateTime<Utc>,
    /// Last attempt.
    pub last_fetched_at: Option<DateTime<Utc>>,
    /// Last successful sync.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Last error message.
    pub last_error: Option<String>,
    /// When it happened.
    pub last_error_at: Option<DateTime<Utc>>,
    /// Failures since the last success (drives back-off).
    pub consecutive_failures: i32,
    /// Events taken at the last sync.
    pub event_count: i32,
    /// Events rejected at the last sync.
    pub rejected_count: i32,
}

type Row = (
    String,
    String,
    String,
    i32,
    Option<String>,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<String>,
    Option<NaiveDateTime>,
    i32,
    i32,
    i32,
);

#[expect(clippy::type_complexity, reason = "the column tuple mirrors the table")]
const COLUMNS: (
    cs::id,
    cs::organisation_id,
    cs::url,
    cs::interval_minutes,
    cs::etag,
    cs::last_modified_header,
    cs::next_fetch_at,
    cs::last_fetched_at,
    cs::last_success_at,
    cs::last_error,
    cs::last_error_at,
    cs::consecutive_failures,
    cs::event_count,
    cs::rejected_count,
) = (
    cs::id,
    cs::organisation_id,
    cs::url,
    cs::interval_minutes,
    cs::etag,
    cs::last_modified_header,
    cs::next_fetch_at,
    cs::last_fetched_at,
    cs::last_success_at,
    cs::last_error,
    cs::last_error_at,
    cs::consecutive_failures,
    cs::event_count,
    cs::rejected_count,
);

fn from_row(r: Row) -> Result<CalendarSource> {
    Ok(CalendarSource {
        id: stored("calendar_sources.id", CalendarSourceId::parse(&r.0))?,
        organisation_id: stored(
            "calendar_sources.organisation_id",
            OrganisationId::parse(&r.1),
        )?,
        url: r.2,
        interval_minutes: r.3,
        etag: r.4,
        last_modified_header: r.5,
        next_fetch_at: r.6.and_utc(),
        last_fetched_at: r.7.map(|t| t.and_utc()),
        last_success_at: r.8.map(|t| t.and_utc()),
        last_error: r.9,
        last_error_at: r.10.map(|t| t.and_utc()),
        consecutive_failures: r.11,
        event_count: r.12,
        rejected_count: r.13,
    })
}

/// Adds a feed, due at once; the same URL twice for one organisation is a conflict.
pub fn insert(
    conn: &mut AnyConnection,
    actor: &str,
    org: OrganisationId,
    url: &str,
    interval_minutes: i32,
) -> Result<CalendarSource> {
    let id = CalendarSourceId::generate();
    conn.transaction(|conn| {
        let taken: i64 = cs::table
            .filter(cs::organisation_id.eq(org.to_string()))
            .filter(cs::url.eq(url))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(StorageError::Conflict(format!(
                "the organisation follows {} already",
                netzwerk_domain::redact::url(url)
            )));
        }
        let now = crate::now();
        diesel::insert_into(cs::table)
            .values((
                cs::id.eq(id.to_string()),
                cs::organisation_id.eq(org.to_string()),
                cs::url.eq(url),
                cs::interval_minutes.eq(interval_minutes),
                cs::next_fetch_at.eq(now),
                cs::consecutive_failures.eq(0),
                cs::event_count.eq(0),
                cs::rejected_count.eq(0),
                cs::created_at.eq(now),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::CalendarSource,
            &id.to_string(),
            Some(&org.to_string()),
            Action::Created,
            &netzwerk_domain::redact::url(url),
        )?;
        get(conn, id)
    })
}

/// One feed.
pub fn get(conn: &mut AnyConnection, id: CalendarSourceId) -> Result<CalendarSource> {
    let row: Option<Row> = cs::table
        .find(id.to_string())
        .select(COLUMNS)
        .first(conn)
        .optional()?;
    row.map(from_row)
        .transpose()?
        .ok_or_else(|| StorageError::NotFound(format!("calendar source {id}")))
}

/// Feeds due at `now`, most overdue first.
pub fn due(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<CalendarSource>> {
    let rows: Vec<Row> = cs::table
        .filter(cs::next_fetch_at.le(now.naive_utc()))
        .order(cs::next_fetch_at)
        .limit(limit)
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// The feeds of an organisation.
pub fn of_organisation(
    conn: &mut AnyConnection,
    org: OrganisationId,
) -> Result<Vec<CalendarSource>> {
    let rows: Vec<Row> = cs::table
        .filter(cs::organisation_id.eq(org.to_string()))
        .order(cs::created_at)
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// The feeds of several organisations, in one statement.
pub fn of_organisations(
    conn: &mut AnyConnection,
    orgs: &[OrganisationId],
) -> Result<std::collections::HashMap<OrganisationId, Vec<CalendarSource>>> {
    let keys: Vec<String> = orgs.iter().map(ToString::to_string).collect();
    let rows: Vec<Row> = cs::table
        .filter(cs::organisation_id.eq_any(&keys))
        .order((cs::organisation_id, cs::created_at))
        .select(COLUMNS)
        .load(conn)?;
    let mut out: std::collections::HashMap<OrganisationId, Vec<CalendarSource>> =
        std::collections::HashMap::new();
    for r in rows {
        let s = from_row(r)?;
        out.entry(s.organisation_id).or_default().push(s);
    }
    Ok(out)
}

/// Records a successful poll (also "not modified"): clears the error, schedules the next.
pub fn record_success(
    conn: &mut AnyConnection,
    id: CalendarSourceId,
    etag: Option<&str>,
    last_modified: Option<&str>,
    counts: Option<(i32, i32)>,
) -> Result<()> {
    let s = get(conn, id)?;
    let now = crate::now();
    let next = now + Duration::minutes(i64::from(s.interval_minutes.max(1)));
    let (events, rejected) = counts.unwrap_or((s.event_count, s.rejected_count));
    diesel::update(cs::table.find(id.to_string()))
        .set((
            cs::etag.eq(etag.map(str::to_owned).or(s.etag)),
            cs::last_modified_header
                .eq(last_modified.map(str::to_owned).or(s.last_modified_header)),
            cs::last_fetched_at.eq(Some(now)),
            cs::last_success_at.eq(Some(now)),
            cs::last_error.eq(None::<String>),
            cs::consecutive_failures.eq(0),
            cs::event_count.eq(events),
            cs::rejected_count.eq(rejected),
            cs::next_fetch_at.eq(next),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed poll and backs off: the interval doubles per failure, up to a day.
pub fn record_failure(conn: &mut AnyConnection, id: CalendarSourceId, error: &str) -> Result<()> {
    let s = get(conn, id)?;
    let now = crate::now();
    let failures = s.consecutive_failures.saturating_add(1);
    let wait = netzwerk_domain::poll::backoff_minutes(s.interval_minutes, failures);
    diesel::update(cs::table.find(id.to_string()))
        .set((
            cs::last_fetched_at.eq(Some(now)),
            cs::last_error.eq(Some(error.chars().take(2000).collect::<String>())),
            cs::last_error_at.eq(Some(now)),
            cs::consecutive_failures.eq(failures),
            cs::next_fetch_at.eq(now + Duration::minutes(wait)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Claims a due feed for one poller: moves `next_fetch_at` to `lease_until` only if
/// it still has the value the poller saw. Two replicas polling at once cannot both
/// win, on either backend.
pub fn claim(
    conn: &mut AnyConnection,
    source: &CalendarSource,
    lease_until: DateTime<Utc>,
) -> Result<bool> {
    let n = diesel::update(
        cs::table
            .filter(cs::id.eq(source.id.to_string()))
            .filter(cs::next_fetch_at.eq(source.next_fetch_at.naive_utc())),
    )
    .set(cs::next_fetch_at.eq(lease_until.naive_utc()))
    .execute(conn)?;
    Ok(n == 1)
}
