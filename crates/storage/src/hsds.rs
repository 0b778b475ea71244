//! Other directories followed through HSDS 3.0: the sources with their health, and
//! which record of the Hub each of their records became.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use netzwerk_domain::ids::HsdsSourceId;

use crate::error::stored;
use crate::schema::{hsds_records as hr, hsds_sources as hs};
use crate::{AnyConnection, Result, StorageError};

/// A followed directory, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = hs)]
struct SourceRow {
    id: String,
    url: String,
    interval_minutes: i32,
    next_fetch_at: NaiveDateTime,
    last_fetched_at: Option<NaiveDateTime>,
    last_success_at: Option<NaiveDateTime>,
    last_error: Option<String>,
    consecutive_failures: i32,
    organisation_count: i32,
    location_count: i32,
    service_count: i32,
    rejected_count: i32,
    issues: Option<String>,
}

/// A followed directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsdsSource {
    /// Id.
    pub id: HsdsSourceId,
    /// The base URL of its HSDS API (credentials included: for fetching only).
    pub url: String,
    /// Minutes between polls.
    pub interval_minutes: i32,
    /// When it is due next (or leased until).
    pub next_fetch_at: DateTime<Utc>,
    /// Last attempt.
    pub last_fetched_at: Option<DateTime<Utc>>,
    /// Last success.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Last error, until a read works again.
    pub last_error: Option<String>,
    /// Failures since the last success.
    pub consecutive_failures: i32,
    /// Taken at the last good read: organisations, locations, services.
    pub counts: Counts,
    /// Records left out at the last good read.
    pub rejected_count: i32,
    /// Why, one per line.
    pub issues: Option<String>,
}

/// Records of a source in the Hub.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Organisations.
    pub organisations: i32,
    /// Locations.
    pub locations: i32,
    /// Services.
    pub services: i32,
}

fn source_of(r: SourceRow) -> Result<HsdsSource> {
    Ok(HsdsSource {
        id: stored("hsds_sources.id", HsdsSourceId::parse(&r.id))?,
        url: r.url,
        interval_minutes: r.interval_minutes,
        next_fetch_at: r.next_fetch_at.and_utc(),
        last_fetched_at: r.last_fetched_at.map(|t| t.and_utc()),
        last_success_at: r.last_success_at.map(|t| t.and_utc()),
        last_error: r.last_error,
        consecutive_failures: r.consecutive_failures,
        counts: Counts {
            organisations: r.organisation_count,
            locations: r.location_count,
            services: r.service_count,
        },
        rejected_count: r.rejected_count,
        issues: r.issues,
    })
}

/// Follows a directory; a URL followed already is a conflict.
pub fn add_source(
    conn: &mut AnyConnection,
    url: &str,
    interval_minutes: i32,
) -> Result<HsdsSource> {
    let id = HsdsSourceId::generate();
    conn.transaction(|conn| {
        let taken: i64 = hs::table.filter(hs::url.eq(url)).count().get_result(conn)?;
        if taken > 0 {
            return Err(StorageError::Conflict(format!(
                "the Hub follows {} already",
                netzwerk_domain::redact::url(url)
            )));
        }
        let now = crate::now();
        diesel::insert_into(hs::table)
            .values((
                hs::id.eq(id.to_string()),
                hs::url.eq(url),
                hs::interval_minutes.eq(interval_minutes),
                hs::next_fetch_at.eq(now),
                hs::consecutive_failures.eq(0),
                hs::organisation_count.eq(0),
                hs::location_count.eq(0),
                hs::service_count.eq(0),
                hs::rejected_count.eq(0),
                hs::created_at.eq(now),
            ))
            .execute(conn)?;
        source(conn, id)
    })
}

/// One source.
pub fn source(conn: &mut AnyConnection, id: HsdsSourceId) -> Result<HsdsSource> {
    let row: SourceRow = hs::table
        .find(id.to_string())
        .select(SourceRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StorageError::NotFound(format!("HSDS source {id}")))?;
    source_of(row)
}

/// Every source, by URL.
pub fn sources(conn: &mut AnyConnection) -> Result<Vec<HsdsSource>> {
    let rows: Vec<SourceRow> = hs::table
        .order(hs::url)
        .select(SourceRow::as_select())
        .load(conn)?;
    rows.into_iter().map(source_of).collect()
}

/// Sources due at `now`, most overdue first.
pub fn due_sources(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<HsdsSource>> {
    let rows: Vec<SourceRow> = hs::table
        .filter(hs::next_fetch_at.le(now.naive_utc()))
        .order(hs::next_fetch_at)
        .limit(limit)
        .select(SourceRow::as_select())
        .load(conn)?;
    rows.into_iter().map(source_of).collect()
}

/// Claims a due source with a compare-and-set on `next_fetch_at`: two replicas never
/// read one source at once.
pub fn claim_source(
    conn: &mut AnyConnection,
    s: &HsdsSource,
    lease_until: DateTime<Utc>,
) -> Result<bool> {
    let n = diesel::update(
        hs::table
            .filter(hs::id.eq(s.id.to_string()))
            .filter(hs::next_fetch_at.eq(s.next_fetch_at.naive_utc())),
    )
    .set(hs::next_fetch_at.eq(lease_until.naive_utc()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records a good read: healthy, the counts and issues, the next poll scheduled.
pub fn record_success(
    conn: &mut AnyConnection,
    id: HsdsSourceId,
    counts: Counts,
    rejected: i32,
    issues: &[String],
) -> Result<()> {
    let s = source(conn, id)?;
    let now = crate::now();
    let issues = (!issues.is_empty()).then(|| {
        issues
            .iter()
            .take(50)
            .map(|i| i.chars().take(300).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    });
    diesel::update(hs::table.find(id.to_string()))
        .set((
            hs::last_fetched_at.eq(Some(now)),
            hs::last_success_at.eq(Some(now)),
            hs::last_error.eq(None::<String>),
            hs::consecutive_failures.eq(0),
            hs::organisation_count.eq(counts.organisations),
            hs::location_count.eq(counts.locations),
            hs::service_count.eq(counts.services),
            hs::rejected_count.eq(rejected),
            hs::issues.eq(issues),
            hs::next_fetch_at.eq(now + Duration::minutes(i64::from(s.interval_minutes.max(1)))),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed read; the next poll backs off.
pub fn record_failure(conn: &mut AnyConnection, id: HsdsSourceId, error: &str) -> Result<()> {
    let s = source(conn, id)?;
    let now = crate::now();
    let failures = s.consecutive_failures.saturating_add(1);
    let wait = netzwerk_domain::poll::backoff_minutes(s.interval_minutes, failures);
    diesel::update(hs::table.find(id.to_string()))
        .set((
            hs::last_fetched_at.eq(Some(now)),
            hs::last_error.eq(Some(error.chars().take(2000).collect::<String>())),
            hs::consecutive_failures.eq(failures),
            hs::next_fetch_at.eq(now + Duration::minutes(wait)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The kinds of record a source has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An organisation.
    Organization,
    /// A location.
    Location,
    /// A service.
    Service,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Organization => "organization",
            Kind::Location => "location",
            Kind::Service => "service",
        }
    }

    fn parse(raw: &str) -> Result<Self> {
        match raw {
            "organization" => Ok(Kind::Organization),
            "location" => Ok(Kind::Location),
            "service" => Ok(Kind::Service),
            other => Err(StorageError::Corrupt(format!(
                "hsds_records.kind: {other:?} is not a kind of record"
            ))),
        }
    }
}

/// Where a record of a source went in the Hub, and when the import last wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The Hub's id.
    pub local_id: String,
    /// When the import last wrote it.
    pub synced_at: DateTime<Utc>,
}

/// The records of a source, by kind and the source's id.
pub fn records(
    conn: &mut AnyConnection,
    source: HsdsSourceId,
) -> Result<HashMap<(Kind, String), Imported>> {
    let rows: Vec<(String, String, String, NaiveDateTime)> = hr::table
        .filter(hr::source_id.eq(source.to_string()))
        .select((hr::kind, hr::remote_id, hr::local_id, hr::synced_at))
        .load(conn)?;
    rows.into_iter()
        .map(|(kind, remote, local_id, at)| {
            Ok((
                (Kind::parse(&kind)?, remote),
                Imported {
                    local_id,
                    synced_at: at.and_utc(),
                },
            ))
        })
        .collect()
}

/// Records that the source's record `remote` is the Hub's `local` as written now.
pub fn record_import(
    conn: &mut AnyConnection,
    source: HsdsSourceId,
    kind: Kind,
    remote: &str,
    local: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let key = (source.to_string(), kind.as_str(), remote.to_owned());
    diesel::delete(
        hr::table
            .filter(hr::source_id.eq(&key.0))
            .filter(hr::kind.eq(key.1))
            .filter(hr::remote_id.eq(&key.2)),
    )
    .execute(conn)?;
    diesel::insert_into(hr::table)
        .values((
            hr::source_id.eq(&key.0),
            hr::kind.eq(key.1),
            hr::remote_id.eq(&key.2),
            hr::local_id.eq(local),
            hr::synced_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets a record of a source (it is gone from the source).
pub fn forget(
    conn: &mut AnyConnection,
    source: HsdsSourceId,
    kind: Kind,
    remote: &str,
) -> Result<()> {
    diesel::delete(
        hr::table
            .filter(hr::source_id.eq(source.to_string()))
            .filter(hr::kind.eq(kind.as_str()))
            .filter(hr::remote_id.eq(remote)),
    )
    .execute(conn)?;
    Ok(())
}
