//! The occurrence index: every occurrence of every event that overlaps a rolling
//! horizon, materialised and kept exact by the same statements that write events, so
//! that a window of occurrences is an index range and its total a sum of hourly
//! counts. The events stay the truth: a window outside the horizon is expanded as
//! before, and until the horizon is built ([`maintain`]) every window is.
//!
//! Writers read the horizon with a share lock (PostgreSQL) and [`maintain`] moves it
//! under an exclusive one, so an event written while the horizon moves is indexed over
//! the new horizon or was already indexed over the old one before it moved.

use chrono::{DateTime, Duration, DurationRound, NaiveDateTime, Utc};
use diesel::prelude::*;
use netzwerk_domain::event::EventStatus;
use netzwerk_domain::ids::EventId;

use crate::db::load_direct;
use crate::error::stored;
use crate::events::{self, EventFilter};
use crate::occurrence_rows::{
    CLASS_LIMITS, HourCounts, OccurrenceRow, expand, hour_of, locked_horizon, store_rows,
};
pub use crate::occurrence_rows::{Horizon, horizon};
use crate::schema::{
    event_occurrences, events as events_table, occurrence_horizon, occurrence_hours,
};
use crate::{AnyConnection, Result};

/// One indexed occurrence (titles and descriptions of overridden ones are the
/// override's, read with the event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedOccurrence {
    /// The event.
    pub event_id: EventId,
    /// The original local start (RECURRENCE-ID).
    pub recurrence_id: NaiveDateTime,
    /// Start instant.
    pub start: DateTime<Utc>,
    /// End instant.
    pub end: DateTime<Utc>,
    /// Start in the event's zone.
    pub local_start: NaiveDateTime,
    /// End in the event's zone.
    pub local_end: NaiveDateTime,
    /// This occurrence's status.
    pub status: EventStatus,
    /// Whether an override changed it.
    pub overridden: bool,
}

impl OccurrenceRow {
    fn read(self) -> Result<IndexedOccurrence> {
        Ok(IndexedOccurrence {
            event_id: stored("event_occurrences.event_id", EventId::parse(&self.event_id))?,
            recurrence_id: self.recurrence_id,
            start: self.start_utc.and_utc(),
            end: self.end_utc.and_utc(),
            local_start: self.local_start,
            local_end: self.local_end,
            status: stored("event_occurrences.status", EventStatus::parse(&self.status))?,
            overridden: self.overridden,
        })
    }
}

/// What [`maintain`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Maintained {
    /// The horizon was already where it belongs.
    Current(Horizon),
    /// The horizon moved on: occurrences added at its end, dropped at its start.
    Moved {
        /// The new horizon.
        horizon: Horizon,
        /// Occurrences added.
        added: usize,
    },
    /// The index was built (first time, or over a horizon that changed its length).
    Built {
        /// The new horizon.
        horizon: Horizon,
        /// Occurrences stored.
        stored: usize,
    },
}

/// Events expanded per read while building or moving the index.
const EVENTS_PER_READ: i64 = 2000;

/// Keeps the index over `[today − back, today + ahead + 1 day)` (whole UTC days, so it
/// moves once a day): builds it when there is none or its length changed, otherwise
/// adds what the new days bring and drops what fell out. One transaction; two
/// replicas doing this at once do it once.
pub fn maintain(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    back: Duration,
    ahead: Duration,
) -> Result<Maintained> {
    let today = now.duration_trunc(Duration::days(1)).unwrap_or(now);
    let want = Horizon {
        from: today - back,
        until: today + ahead + Duration::days(1),
    };
    crate::transaction(conn, |conn| {
        let current = locked_horizon(conn, true)?;
        let result = match current {
            Some(h) if h == want => return Ok(Maintained::Current(h)),
            Some(h) if want.from >= h.from && want.until >= h.until && want.from < h.until => {
                let added = expand_all(conn, h.until, want.until, Some(h.until))?;
                diesel::delete(
                    event_occurrences::table
                        .filter(event_occurrences::start_utc.lt(want.from.naive_utc()))
                        .filter(event_occurrences::end_utc.le(want.from.naive_utc())),
                )
                .execute(conn)?;
                Maintained::Moved {
                    horizon: want,
                    added,
                }
            }
            _ => {
                match conn {
                    AnyConnection::Postgresql(c) => {
                        diesel::sql_query("TRUNCATE event_occurrences").execute(c)?;
                    }
                    AnyConnection::Sqlite(_) => {
                        diesel::delete(event_occurrences::table).execute(conn)?;
                    }
                }
                diesel::delete(occurrence_hours::table).execute(conn)?;
                let stored = expand_all(conn, want.from, want.until, None)?;
                Maintained::Built {
                    horizon: want,
                    stored,
                }
            }
        };
        // Hours whose occurrences all went (the start the horizon left behind).
        diesel::delete(occurrence_hours::table.filter(occurrence_hours::live.le(0)))
            .execute(conn)?;
        let now = crate::now();
        let updated = diesel::update(occurrence_horizon::table.find(1))
            .set((
                occurrence_horizon::from_utc.eq(want.from.naive_utc()),
                occurrence_horizon::until_utc.eq(want.until.naive_utc()),
                occurrence_horizon::built_at.eq(now),
            ))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(occurrence_horizon::table)
                .values((
                    occurrence_horizon::id.eq(1),
                    occurrence_horizon::from_utc.eq(want.from.naive_utc()),
                    occurrence_horizon::until_utc.eq(want.until.naive_utc()),
                    occurrence_horizon::built_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(result)
    })
}

/// Expands every event overlapping `[from, until)` over that span and stores the
/// occurrences (only those starting at or after `starting` when given: the others are
/// in the index already), with their hourly counts (added once at the end). Reads
/// events a page at a time.
fn expand_all(
    conn: &mut AnyConnection,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    starting: Option<DateTime<Utc>>,
) -> Result<usize> {
    let mut after = String::new();
    let mut total = 0;
    let mut counts = HourCounts::default();
    loop {
        let page = events::timings_after(conn, &after, from, until, EVENTS_PER_READ)?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.0.id.to_string();
        let mut rows = Vec::new();
        for (t, overrides) in &page {
            let id = t.id.to_string();
            let timing = netzwerk_calendar::Timing {
                time: &t.time,
                recurrence: &t.recurrence,
                status: t.status,
            };
            rows.extend(
                expand(&id, timing, overrides, from, until)
                    .into_iter()
                    .filter(|r| starting.is_none_or(|s| r.start_utc >= s.naive_utc())),
            );
        }
        total += rows.len();
        store_rows(conn, &rows, &mut counts)?;
        if page.len() < usize::try_from(EVENTS_PER_READ).unwrap_or(usize::MAX) {
            break;
        }
    }
    counts.add_to(conn)?;
    Ok(total)
}

/// A page of a window's occurrences from the index, by start, event and recurrence
/// id, and how many the window holds; `None` when the horizon does not cover the
/// window. The horizon is asked after the reads: a horizon that moved while they ran
/// is seen, and one that still covers the window kept every occurrence they read.
///
/// Three statements. Occurrences of more than four hours that began before the window
/// are few and read apart; the others come from one ordered scan that starts four
/// hours before the window, and on PostgreSQL the index holds every column, so the
/// scan and the counts never visit the table. Unfiltered windows of live occurrences
/// are counted from the hourly counts plus the two partial hours; filtered ones in the
/// index.
pub fn window(
    conn: &mut AnyConnection,
    filter: Option<&EventFilter>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    include_cancelled: bool,
    offset: usize,
    limit: usize,
) -> Result<Option<(i64, Vec<IndexedOccurrence>)>> {
    let (f, t) = (from.naive_utc(), to.naive_utc());
    let keep = offset.saturating_add(limit);
    let cancelled = EventStatus::Cancelled.as_str();
    let narrowed = || {
        let mut q = event_occurrences::table.into_boxed();
        if !include_cancelled {
            q = q.filter(event_occurrences::status.ne(cancelled));
        }
        if let Some(filter) = filter {
            for condition in of_events_where(filter) {
                q = q.filter(condition);
            }
        }
        q
    };
    let short_start = f - CLASS_LIMITS[0];
    let long_condition = event_occurrences::span_class
        .gt(0)
        .and(event_occurrences::start_utc.lt(f))
        .and(event_occurrences::end_utc.gt(f))
        .and(
            event_occurrences::span_class
                .eq(2)
                .or(event_occurrences::start_utc.ge(f - CLASS_LIMITS[1])),
        );
    // Short ones running into the window, then those starting in it.
    let stream_condition = event_occurrences::start_utc
        .ge(short_start)
        .and(event_occurrences::start_utc.lt(t))
        .and(
            event_occurrences::start_utc
                .ge(f)
                .or(event_occurrences::span_class
                    .eq(0)
                    .and(event_occurrences::end_utc.gt(f))),
        );
    let order = (
        event_occurrences::start_utc,
        event_occurrences::event_id,
        event_occurrences::recurrence_id,
    );
    let keep_rows = i64::try_from(keep).unwrap_or(i64::MAX);
    let (long_running, stream): (Vec<OccurrenceRow>, Vec<OccurrenceRow>) = match conn {
        // The partner pages' window (no filter, live occurrences) in one statement on
        // PostgreSQL, where each statement is a round trip.
        AnyConnection::Postgresql(c) if filter.is_none() && !include_cancelled => {
            let live = event_occurrences::status.ne(cancelled);
            let rows: Vec<OccurrenceRow> = event_occurrences::table
                .filter(live.and(long_condition))
                .select(OccurrenceRow::as_select())
                .union_all(
                    event_occurrences::table
                        .filter(live.and(stream_condition))
                        .order(order)
                        .limit(keep_rows)
                        .select(OccurrenceRow::as_select()),
                )
                .load(c)?;
            rows.into_iter()
                .partition(|r| r.span_class > 0 && r.start_utc < f)
        }
        _ => (
            narrowed()
                .filter(long_condition)
                .select(OccurrenceRow::as_select())
                .load(conn)?,
            narrowed()
                .filter(stream_condition)
                .order(order)
                .limit(keep_rows)
                .select(OccurrenceRow::as_select())
                .load(conn)?,
        ),
    };
    let (counted, covered) = if filter.is_none() && !include_cancelled {
        live_total(conn, f, t)?
    } else {
        let n: i64 = narrowed()
            .filter(stream_condition)
            .count()
            .get_result(conn)?;
        let covered: i64 = occurrence_horizon::table
            .filter(occurrence_horizon::from_utc.le(f))
            .filter(occurrence_horizon::until_utc.ge(t))
            .count()
            .get_result(conn)?;
        (n, covered > 0)
    };
    if !covered {
        return Ok(None);
    }
    let total = i64::try_from(long_running.len()).unwrap_or(i64::MAX) + counted;
    let key = |r: &OccurrenceRow| (r.start_utc, r.event_id.clone(), r.recurrence_id);
    let mut page = long_running;
    page.sort_by_key(key);
    let mut merged = Vec::with_capacity(keep.min(page.len() + stream.len()));
    let (mut a, mut b) = (page.into_iter().peekable(), stream.into_iter().peekable());
    while merged.len() < keep {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if key(x) <= key(y) => a.next(),
            (Some(_), Some(_)) | (None, Some(_)) => b.next(),
            (Some(_), None) => a.next(),
            (None, None) => None,
        };
        let Some(row) = next else { break };
        merged.push(row);
    }
    let items = merged
        .into_iter()
        .skip(offset)
        .map(OccurrenceRow::read)
        .collect::<Result<_>>()?;
    Ok(Some((total, items)))
}

type Condition = Box<
    dyn BoxableExpression<
            event_occurrences::table,
            crate::db::MultiBackend,
            SqlType = diesel::sql_types::Bool,
        >,
>;

/// The filter of events as conditions on their occurrences, each a subselect of
/// events (the same rules as the events' own list).
fn of_events_where(f: &EventFilter) -> Vec<Condition> {
    use crate::schema::{event_co_organisers, event_languages, event_target_groups, locations};
    use diesel::dsl::exists;
    use netzwerk_domain::text;
    let id = event_occurrences::event_id;
    let mut out: Vec<Condition> = Vec::new();
    if let Some(e) = f.id {
        out.push(Box::new(id.eq(e.to_string())));
    }
    if let Some(t) = &f.text {
        for term in text::search_terms(t) {
            out.push(Box::new(
                id.eq_any(
                    events_table::table
                        .filter(events_table::search_text.like(format!("%{term}%")))
                        .select(events_table::id),
                ),
            ));
        }
    }
    if let Some(c) = f.category {
        out.push(Box::new(
            id.eq_any(
                events_table::table
                    .filter(events_table::category.eq(c.as_str()))
                    .select(events_table::id),
            ),
        ));
    }
    if let Some(g) = f.target_group {
        out.push(Box::new(exists(
            event_target_groups::table
                .filter(event_target_groups::event_id.eq(id))
                .filter(event_target_groups::target_group.eq(g.as_str())),
        )));
    }
    if let Some(l) = f.language {
        out.push(Box::new(exists(
            event_languages::table
                .filter(event_languages::event_id.eq(id))
                .filter(event_languages::language.eq(l.as_str().to_owned())),
        )));
    }
    if let Some(l) = &f.locality {
        out.push(Box::new(
            id.eq_any(
                events_table::table
                    .filter(
                        events_table::location_id.eq_any(
                            locations::table
                                .filter(locations::locality_key.eq(text::fold(l)))
                                .select(locations::id.nullable()),
                        ),
                    )
                    .select(events_table::id),
            ),
        ));
    }
    if let Some(o) = f.organisation {
        let o = o.to_string();
        out.push(Box::new(
            id.eq_any(
                events_table::table
                    .filter(events_table::organisation_id.eq(o.clone()))
                    .select(events_table::id),
            )
            .or(exists(
                event_co_organisers::table
                    .filter(event_co_organisers::event_id.eq(id))
                    .filter(event_co_organisers::organisation_id.eq(o))
                    .filter(event_co_organisers::accepted_at.is_not_null()),
            )),
        ));
    }
    out
}

/// Live occurrences of a window, less the long ones that began before it, and
/// whether the horizon covers the window, in one statement: short ones running into
/// the window and those starting in its two partial hours from the index, those
/// starting in its whole hours from the counts.
fn live_total(
    conn: &mut AnyConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<(i64, bool)> {
    let cancelled = EventStatus::Cancelled.as_str();
    let first_whole = {
        let h = hour_of(from);
        if h == from { h } else { h + Duration::hours(1) }
    };
    // Within one hour there are no whole hours: everything is counted in the index.
    let last_whole = hour_of(to).max(first_whole);
    let short_running = event_occurrences::table
        .filter(event_occurrences::status.ne(cancelled))
        .filter(event_occurrences::span_class.eq(0))
        .filter(event_occurrences::start_utc.ge(from - CLASS_LIMITS[0]))
        .filter(event_occurrences::start_utc.lt(from))
        .filter(event_occurrences::end_utc.gt(from))
        .count()
        .single_value();
    // The two partial hours apart: each a plain range, read from the index alone.
    let edge = |a: NaiveDateTime, b: NaiveDateTime| {
        event_occurrences::table
            .filter(event_occurrences::status.ne(cancelled))
            .filter(event_occurrences::start_utc.ge(a))
            .filter(event_occurrences::start_utc.lt(b))
            .count()
            .single_value()
    };
    let first_edge = edge(from, first_whole.min(to));
    let last_edge = edge(last_whole.max(from), to);
    let whole = occurrence_hours::table
        .filter(occurrence_hours::hour_utc.ge(first_whole))
        .filter(occurrence_hours::hour_utc.lt(last_whole))
        .select(crate::fragments::LiveOccurrences)
        .single_value();
    let covered = occurrence_horizon::table
        .filter(occurrence_horizon::from_utc.le(from))
        .filter(occurrence_horizon::until_utc.ge(to))
        .count()
        .single_value();
    type Counts = (
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let (r, e1, e2, w, c): Counts = load_direct!(
        conn,
        diesel::select((short_running, first_edge, last_edge, whole, covered))
    )?
    .pop()
    .unwrap_or_default();
    let n = |x: Option<i64>| x.unwrap_or(0);
    Ok((n(r) + n(e1) + n(e2) + n(w), n(c) > 0))
}
