//! The occurrence index's rows as the event writes keep them: the horizon, the
//! expansion of a written event into rows, and their hourly counts. Apart from
//! [`crate::occurrences`] (which reads events to build and move the index) so that
//! `events` can call it without a circle.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, DurationRound, NaiveDateTime, Timelike, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use netzwerk_domain::event::{Event, EventStatus, MAX_OCCURRENCES, OccurrenceOverride};

use crate::db::insert_all;
use crate::schema::{event_occurrences, occurrence_horizon, occurrence_hours};
use crate::{AnyConnection, Result};

/// The span of time the index covers: every occurrence overlapping `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizon {
    /// Start of the horizon.
    pub from: DateTime<Utc>,
    /// End of the horizon (exclusive).
    pub until: DateTime<Utc>,
}

/// How long an occurrence of each span class may last: a window's running
/// occurrences of class `i` started at most this long before it (the last class has
/// no bound).
pub(crate) const CLASS_LIMITS: [Duration; 2] = [Duration::hours(4), Duration::hours(26)];

fn span_class(start: DateTime<Utc>, end: DateTime<Utc>) -> i32 {
    let length = end - start;
    if length <= CLASS_LIMITS[0] {
        0
    } else if length <= CLASS_LIMITS[1] {
        1
    } else {
        2
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = event_occurrences)]
pub(crate) struct OccurrenceRow {
    pub(crate) event_id: String,
    pub(crate) recurrence_id: NaiveDateTime,
    pub(crate) start_utc: NaiveDateTime,
    pub(crate) end_utc: NaiveDateTime,
    pub(crate) local_start: NaiveDateTime,
    pub(crate) local_end: NaiveDateTime,
    pub(crate) status: String,
    pub(crate) overridden: bool,
    pub(crate) span_class: i32,
}

/// A timestamp as an insert binds it. On SQLite it is written out by hand in the
/// text form diesel stores (`YYYY-MM-DD HH:MM:SS`): diesel reads its chrono format
/// string anew for every value, which was a tenth of a large import's time.
#[derive(Debug, Clone, Copy, diesel::expression::AsExpression)]
#[diesel(sql_type = diesel::sql_types::Timestamp)]
pub(crate) struct Stamp(pub(crate) NaiveDateTime);

impl diesel::serialize::ToSql<diesel::sql_types::Timestamp, diesel::sqlite::Sqlite> for Stamp {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
    ) -> diesel::serialize::Result {
        let t = self.0;
        if t.nanosecond() != 0 {
            // Fractions of a second keep diesel's own form.
            out.set_value(t.format("%F %T%.f").to_string());
        } else {
            out.set_value(format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ));
        }
        Ok(diesel::serialize::IsNull::No)
    }
}

impl diesel::serialize::ToSql<diesel::sql_types::Timestamp, diesel::pg::Pg> for Stamp {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
    ) -> diesel::serialize::Result {
        <NaiveDateTime as diesel::serialize::ToSql<diesel::sql_types::Timestamp, diesel::pg::Pg>>::to_sql(
            &self.0,
            &mut out.reborrow(),
        )
    }
}

/// An [`OccurrenceRow`] as it is inserted.
#[derive(Insertable)]
#[diesel(table_name = event_occurrences)]
struct NewOccurrence<'a> {
    event_id: &'a str,
    recurrence_id: Stamp,
    start_utc: Stamp,
    end_utc: Stamp,
    local_start: Stamp,
    local_end: Stamp,
    status: &'a str,
    overridden: bool,
    span_class: i32,
}

impl<'a> From<&'a OccurrenceRow> for NewOccurrence<'a> {
    fn from(r: &'a OccurrenceRow) -> Self {
        NewOccurrence {
            event_id: &r.event_id,
            recurrence_id: Stamp(r.recurrence_id),
            start_utc: Stamp(r.start_utc),
            end_utc: Stamp(r.end_utc),
            local_start: Stamp(r.local_start),
            local_end: Stamp(r.local_end),
            status: &r.status,
            overridden: r.overridden,
            span_class: r.span_class,
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = occurrence_hours)]
pub(crate) struct HourRow {
    pub(crate) hour_utc: NaiveDateTime,
    pub(crate) live: i64,
}

/// The horizon the index covers, or `None` while it is not built.
pub fn horizon(conn: &mut AnyConnection) -> Result<Option<Horizon>> {
    let row: Option<(NaiveDateTime, NaiveDateTime)> = occurrence_horizon::table
        .find(1)
        .select((occurrence_horizon::from_utc, occurrence_horizon::until_utc))
        .first(conn)
        .optional()?;
    Ok(row.map(|(from, until)| Horizon {
        from: from.and_utc(),
        until: until.and_utc(),
    }))
}

/// The horizon, locked against [`crate::occurrences::maintain`] until the caller's transaction ends:
/// shared by writers of events, exclusive for the one that moves it.
pub(crate) fn locked_horizon(conn: &mut AnyConnection, exclusive: bool) -> Result<Option<Horizon>> {
    if let AnyConnection::Postgresql(c) = conn {
        let lock = if exclusive { "UPDATE" } else { "SHARE" };
        diesel::sql_query(format!(
            "SELECT id FROM occurrence_horizon WHERE id = 1 FOR {lock}"
        ))
        .execute(c)?;
    }
    horizon(conn)
}

/// The occurrences of one event over `[from, until)`, as rows; an event that cannot
/// be expanded (a rule stored before a check existed) has none and is logged.
pub(crate) fn expand(
    id: &str,
    event: netzwerk_calendar::Timing<'_>,
    overrides: &[OccurrenceOverride],
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<OccurrenceRow> {
    match netzwerk_calendar::occurrences_of(event, overrides, from, until, MAX_OCCURRENCES) {
        Ok(list) => list
            .into_iter()
            .map(|o| OccurrenceRow {
                event_id: id.to_owned(),
                recurrence_id: o.recurrence_id,
                start_utc: o.start.naive_utc(),
                end_utc: o.end.naive_utc(),
                local_start: o.local_start,
                local_end: o.local_end,
                status: o.status.as_str().to_owned(),
                overridden: o.overridden,
                span_class: span_class(o.start, o.end),
            })
            .collect(),
        Err(e) => {
            tracing::warn!(event = %id, error = %e, "cannot expand a stored event for the occurrence index");
            Vec::new()
        }
    }
}

pub(crate) fn hour_of(t: NaiveDateTime) -> NaiveDateTime {
    t.duration_trunc(Duration::hours(1)).unwrap_or(t)
}

/// Rows per multi-row insert (9 columns: under both backends' parameter limits).
pub(crate) const CHUNK: usize = 3000;

/// Live occurrences by start hour, gathered over one write and added to
/// `occurrence_hours` once at its end (one upsert per hour touched, however many
/// batches the write stored).
#[derive(Default)]
pub(crate) struct HourCounts(BTreeMap<NaiveDateTime, i64>);

impl HourCounts {
    /// Adds the counts to the stored ones.
    pub(crate) fn add_to(self, conn: &mut AnyConnection) -> Result<()> {
        let hours: Vec<HourRow> = self
            .0
            .into_iter()
            .map(|(hour_utc, live)| HourRow { hour_utc, live })
            .collect();
        for chunk in hours.chunks(CHUNK) {
            macro_rules! upsert {
                ($c:expr, $values:expr) => {
                    diesel::insert_into(occurrence_hours::table)
                        .values($values)
                        .on_conflict(occurrence_hours::hour_utc)
                        .do_update()
                        .set(
                            occurrence_hours::live
                                .eq(occurrence_hours::live + excluded(occurrence_hours::live)),
                        )
                        .execute($c)
                };
            }
            match conn {
                AnyConnection::Postgresql(c) => {
                    upsert!(c, chunk)?;
                }
                // SQLite's dialect in diesel takes no multi-row upsert: one per hour.
                AnyConnection::Sqlite(c) => {
                    for row in chunk {
                        upsert!(c, row)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Stores rows and counts the live ones in `counts`.
pub(crate) fn store_rows(
    conn: &mut AnyConnection,
    rows: &[OccurrenceRow],
    counts: &mut HourCounts,
) -> Result<()> {
    for r in rows {
        if r.status != EventStatus::Cancelled.as_str() {
            *counts.0.entry(hour_of(r.start_utc)).or_default() += 1;
        }
    }
    let rows: Vec<NewOccurrence<'_>> = rows.iter().map(NewOccurrence::from).collect();
    for chunk in rows.chunks(CHUNK) {
        insert_all!(conn, event_occurrences::table, chunk)?;
    }
    Ok(())
}

/// Indexes events just written (inside the caller's transaction): their old
/// occurrences go, their occurrences over the horizon come in. Nothing while the
/// index is not built.
pub(crate) fn reindex(
    conn: &mut AnyConnection,
    written: &[(&str, &Event, &[OccurrenceOverride])],
    replace: bool,
) -> Result<()> {
    let Some(h) = locked_horizon(conn, false)? else {
        return Ok(());
    };
    if replace {
        let ids: Vec<&str> = written.iter().map(|(id, _, _)| *id).collect();
        for chunk in ids.chunks(CHUNK) {
            diesel::delete(
                event_occurrences::table.filter(event_occurrences::event_id.eq_any(chunk)),
            )
            .execute(conn)?;
        }
    }
    let (mut rows, mut counts) = (Vec::new(), HourCounts::default());
    for (id, event, overrides) in written {
        rows.extend(expand(id, (*event).into(), overrides, h.from, h.until));
        if rows.len() >= CHUNK * 4 {
            store_rows(conn, &rows, &mut counts)?;
            rows.clear();
        }
    }
    store_rows(conn, &rows, &mut counts)?;
    counts.add_to(conn)
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::{Text, Timestamp};

    use super::*;

    /// The hand-written text is the text diesel writes, so that stored rows compare
    /// and read as before.
    #[test]
    fn stamps_are_written_as_diesel_writes_timestamps() {
        let mut c = SqliteConnection::establish(":memory:").expect("an in-memory database");
        #[derive(QueryableByName)]
        struct Pair {
            #[diesel(sql_type = Text)]
            ours: String,
            #[diesel(sql_type = Text)]
            diesels: String,
        }
        for text in [
            "2027-01-05T09:05:07",
            "0999-12-31T23:59:59",
            "2027-03-28T02:30:00",
            "2027-01-05T09:05:07.250",
            "2027-01-05T00:00:00.000001",
        ] {
            let t: NaiveDateTime = text.parse().expect("a time");
            let pair: Pair =
                diesel::sql_query("SELECT CAST(? AS TEXT) AS ours, CAST(? AS TEXT) AS diesels")
                    .bind::<Timestamp, _>(Stamp(t))
                    .bind::<Timestamp, _>(t)
                    .get_result(&mut c)
                    .expect("a row");
            assert_eq!(pair.ours, pair.diesels, "{text}");
        }
    }
}
