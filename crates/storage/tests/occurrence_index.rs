//! The occurrence index must answer every window inside its horizon exactly as
//! expanding the events does (order, page, total; cancelled occurrences left out or
//! kept; filtered by organisation), after every kind of write: single and bulk
//! inserts, an update, a deletion, a cascade from a deleted organisation, the horizon
//! moving on and being built again with another length. Its hourly counts always
//! equal the rows they count. Both backends.

mod common;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use netzwerk_domain::event::{
    Event, EventCategory, EventInput, EventStatus, MAX_OCCURRENCES, OccurrenceOverride,
};
use netzwerk_domain::ids::{EventId, OrganisationId};
use netzwerk_domain::organisation::OrganisationInput;
use netzwerk_storage::events::{self, EventFilter, EventSpan, NewEvent};
use netzwerk_storage::occurrences::{self, Maintained};
use netzwerk_storage::schema::{event_occurrences, occurrence_hours};
use netzwerk_storage::{AnyConnection, Database, PoolSettings, StorageError, organisations};

fn organisation(conn: &mut AnyConnection, slug: &str) -> OrganisationId {
    let input = OrganisationInput {
        slug: Some(slug.to_owned()),
        name: format!("Verein {slug}"),
        ..Default::default()
    };
    let org = input.validate().expect("valid organisation");
    organisations::insert(conn, "test", &org)
        .expect("organisation")
        .id
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
}

fn span(e: &Event, o: &[OccurrenceOverride]) -> EventSpan {
    let (first_start, last_end) = netzwerk_calendar::span(e, o).expect("span");
    EventSpan {
        first_start,
        last_end,
    }
}

/// The events under test: what each span class and override kind needs.
fn events_of(i: usize) -> Vec<(Event, Vec<OccurrenceOverride>)> {
    let timed = |title: &str, start: &str, end: &str, rule: Option<&str>, tz: &str| EventInput {
        title: format!("{title} {i}"),
        category: Some(EventCategory::ALL[i % EventCategory::ALL.len()]),
        start: Some(at(start)),
        end: Some(at(end)),
        timezone: Some(tz.into()),
        rule: rule.map(str::to_owned),
        ..Default::default()
    };
    let mut weekly = timed(
        "Sprachcafé",
        "2026-10-06 10:00",
        "2026-10-06 12:00",
        Some("FREQ=WEEKLY"),
        "Europe/Berlin",
    );
    weekly.exdates = vec![at("2026-12-08 10:00")];
    let weekly_overrides = vec![
        OccurrenceOverride {
            recurrence_id: at("2026-12-15 10:00"),
            status: None,
            start: Some(at("2026-12-16 18:00")),
            end: Some(at("2026-12-16 20:00")),
            title: Some("Sprachcafé am Abend".into()),
            description: None,
        },
        OccurrenceOverride {
            recurrence_id: at("2026-12-22 10:00"),
            status: Some(EventStatus::Cancelled),
            start: None,
            end: None,
            title: None,
            description: None,
        },
        OccurrenceOverride {
            recurrence_id: at("2027-01-05 10:00"),
            status: None,
            start: None,
            end: None,
            title: Some("Neujahrsausgabe".into()),
            description: None,
        },
    ];
    let mut cancelled = timed(
        "Abgesagt",
        "2026-11-02 17:00",
        "2026-11-02 18:30",
        Some("FREQ=WEEKLY;COUNT=30"),
        "Europe/Berlin",
    );
    cancelled.status = Some(EventStatus::Cancelled);
    let all_day = EventInput {
        title: format!("Kiezfest {i}"),
        start_date: NaiveDate::from_ymd_opt(2026, 12, 12),
        end_date: NaiveDate::from_ymd_opt(2026, 12, 14),
        ..Default::default()
    };
    let inputs = vec![
        (weekly, weekly_overrides),
        (
            timed(
                "Beratung",
                "2026-12-03 09:00",
                "2026-12-03 12:00",
                None,
                "Europe/Berlin",
            ),
            vec![],
        ),
        (all_day, vec![]),
        (
            timed(
                "Ausstellung",
                "2026-11-25 10:00",
                "2026-12-05 18:00",
                None,
                "Europe/Berlin",
            ),
            vec![],
        ),
        (
            timed(
                "Nachtcafé",
                "2026-11-20 23:00",
                "2026-11-21 01:00",
                Some("FREQ=DAILY;COUNT=40"),
                "Europe/Berlin",
            ),
            vec![],
        ),
        (
            timed(
                "Klausur",
                "2026-10-10 14:00",
                "2026-10-11 10:00",
                Some("FREQ=MONTHLY;BYDAY=2SA"),
                "Europe/Istanbul",
            ),
            vec![],
        ),
        (cancelled, vec![]),
        (
            timed(
                "Video",
                "2027-02-01 08:00",
                "2027-02-01 09:00",
                None,
                "America/New_York",
            ),
            vec![],
        ),
    ];
    inputs
        .into_iter()
        .map(|(input, ovs)| (input.validate().expect("valid event"), ovs))
        .collect()
}

/// What expanding every event gives for a window: (start, event, recurrence id,
/// status, title) in order, and the total.
type Row = (
    DateTime<Utc>,
    String,
    NaiveDateTime,
    EventStatus,
    Option<String>,
);

fn expected(
    all: &[(EventId, OrganisationId, Event, Vec<OccurrenceOverride>)],
    org: Option<OrganisationId>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    include_cancelled: bool,
) -> Vec<Row> {
    let mut out = Vec::new();
    for (id, owner, e, ovs) in all {
        if org.is_some_and(|o| o != *owner) {
            continue;
        }
        for o in netzwerk_calendar::occurrences_of(e.into(), ovs, from, to, MAX_OCCURRENCES)
            .expect("expand")
        {
            if include_cancelled || o.status != EventStatus::Cancelled {
                out.push((o.start, id.to_string(), o.recurrence_id, o.status, o.title));
            }
        }
    }
    out.sort_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
    out
}

fn indexed(
    conn: &mut AnyConnection,
    all: &[(EventId, OrganisationId, Event, Vec<OccurrenceOverride>)],
    org: Option<OrganisationId>,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    include_cancelled: bool,
    offset: usize,
    limit: usize,
) -> (i64, Vec<Row>) {
    let filter = org.map(|o| EventFilter {
        organisation: Some(o),
        ..Default::default()
    });
    let (total, page) = occurrences::window(
        conn,
        filter.as_ref(),
        from,
        to,
        include_cancelled,
        offset,
        limit,
    )
    .expect("window")
    .expect("inside the horizon");
    let rows = page
        .into_iter()
        .map(|o| {
            let title = all
                .iter()
                .find(|(id, ..)| *id == o.event_id)
                .and_then(|(_, _, _, ovs)| {
                    ovs.iter()
                        .find(|v| o.overridden && v.recurrence_id == o.recurrence_id)
                })
                .and_then(|v| v.title.clone());
            (
                o.start,
                o.event_id.to_string(),
                o.recurrence_id,
                o.status,
                title,
            )
        })
        .collect();
    (total, rows)
}

/// Compares many windows (lengths from an hour to the horizon, starts at odd
/// minutes, every page) against expansion.
fn compare(
    conn: &mut AnyConnection,
    all: &[(EventId, OrganisationId, Event, Vec<OccurrenceOverride>)],
    orgs: &[OrganisationId],
    step: &str,
) {
    let h = occurrences::horizon(conn).expect("horizon").expect("built");
    let lengths = [
        Duration::minutes(59),
        Duration::hours(5),
        Duration::days(3),
        Duration::days(30),
        Duration::days(90),
    ];
    let mut windows = 0;
    let mut from = h.from + Duration::minutes(7);
    while from < h.until {
        for length in lengths {
            let to = (from + length).min(h.until);
            for org in [None, Some(orgs[0]), Some(orgs[orgs.len() - 1])] {
                for include_cancelled in [false, true] {
                    let want = expected(all, org, from, to, include_cancelled);
                    for (offset, limit) in
                        [(0, 50), (0, 3), (2, 4), (want.len().saturating_sub(1), 5)]
                    {
                        let (total, page) =
                            indexed(conn, all, org, (from, to), include_cancelled, offset, limit);
                        let want_page: Vec<Row> =
                            want.iter().skip(offset).take(limit).cloned().collect();
                        assert_eq!(
                            (total, &page),
                            (i64::try_from(want.len()).expect("count"), &want_page),
                            "{step}: window {from} – {to}, organisation {org:?}, cancelled {include_cancelled}, offset {offset}, limit {limit}"
                        );
                        windows += 1;
                    }
                }
            }
        }
        from += Duration::hours(47) + Duration::minutes(13);
    }
    assert!(windows > 1000, "{step}: only {windows} windows compared");
    // Outside the horizon the index does not answer.
    for (from, to) in [
        (h.from - Duration::minutes(1), h.from + Duration::hours(1)),
        (h.until - Duration::hours(1), h.until + Duration::minutes(1)),
    ] {
        for org in [None, Some(orgs[0])] {
            let filter = org.map(|o| EventFilter {
                organisation: Some(o),
                ..Default::default()
            });
            assert!(
                occurrences::window(conn, filter.as_ref(), from, to, false, 0, 10)
                    .expect("window")
                    .is_none(),
                "{step}: {from} – {to} is outside the horizon"
            );
        }
    }
    // The hourly counts count exactly the live rows.
    let live: i64 = event_occurrences::table
        .filter(event_occurrences::status.ne("cancelled"))
        .count()
        .get_result(conn)
        .expect("count");
    let counted: Vec<i64> = occurrence_hours::table
        .select(occurrence_hours::live)
        .load(conn)
        .expect("hours");
    assert_eq!(counted.iter().sum::<i64>(), live, "{step}: hourly counts");
    assert!(counted.iter().all(|c| *c >= 0), "{step}: a negative count");
}

fn check(url: &str) {
    let db = Database::connect(url, &PoolSettings::default()).expect("connect");
    db.migrate().expect("migrate");
    db.run_blocking(|conn| {
        let now = Utc
            .with_ymd_and_hms(2026, 12, 1, 12, 34, 0)
            .single()
            .expect("now");
        let (back, ahead) = (Duration::days(31), Duration::days(120));
        let orgs = [
            organisation(conn, "erster-verein"),
            organisation(conn, "zweiter-verein"),
        ];
        let mut all = Vec::new();
        // Before the index is built, writes leave it alone.
        let (e, o) = events_of(0).remove(1);
        let early = events::insert(conn, "test", orgs[0], &e, &o, span(&e, &o), None)?;
        all.push((early.id, orgs[0], e, o));
        assert!(occurrences::horizon(conn)?.is_none());
        let built = occurrences::maintain(conn, now, back, ahead)?;
        assert!(
            matches!(built, Maintained::Built { stored: 1, .. }),
            "{built:?}"
        );
        // One by one for the first organisation, in bulk for the second.
        for (e, o) in events_of(1) {
            let rec = events::insert(conn, "test", orgs[0], &e, &o, span(&e, &o), None)?;
            all.push((rec.id, orgs[0], e, o));
        }
        let bulk = events_of(2);
        let fresh: Vec<NewEvent<'_>> = bulk
            .iter()
            .map(|(e, o)| NewEvent {
                event: e,
                overrides: o,
                span: span(e, o),
            })
            .collect();
        events::insert_many(conn, "test", orgs[1], Some("feed"), &fresh)?;
        for f in events::of_origin(conn, orgs[1], "feed")? {
            let rec = events::get(conn, f.id)?;
            let ovs = events::overrides_of(conn, &[f.id])?
                .remove(&f.id)
                .unwrap_or_default();
            all.push((f.id, orgs[1], rec.value, ovs));
        }
        compare(conn, &all, &orgs, "written");
        // Reaching further ahead only extends it.
        let longer = occurrences::maintain(conn, now, back, ahead + Duration::days(1))?;
        assert!(matches!(longer, Maintained::Moved { .. }), "{longer:?}");
        compare(conn, &all, &orgs, "longer");
        // Reaching further back builds it again from scratch, the same.
        let back = back + Duration::days(2);
        let rebuilt = occurrences::maintain(conn, now, back, ahead + Duration::days(1))?;
        assert!(matches!(rebuilt, Maintained::Built { .. }), "{rebuilt:?}");
        compare(conn, &all, &orgs, "rebuilt");
        // An update moves the weekly series and changes its overrides.
        let (id, org, _, mut o) = all[1].clone();
        let e = EventInput {
            title: "Sprachcafé neu".into(),
            start: Some(at("2026-10-07 16:00")),
            end: Some(at("2026-10-07 17:30")),
            rule: Some("FREQ=WEEKLY;INTERVAL=2".into()),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        o.truncate(1);
        o[0].recurrence_id = at("2026-12-16 16:00");
        events::update(conn, "test", id, &e, &o, span(&e, &o))?;
        all[1] = (id, org, e, o);
        // A deletion, and an organisation deleted with its events.
        let gone = all.remove(2).0;
        events::delete(conn, "test", gone)?;
        organisations::delete(conn, "test", orgs[1])?;
        all.retain(|(_, owner, ..)| *owner != orgs[1]);
        compare(conn, &all, &orgs[..1], "changed");
        // The horizon moves on by days: added at its end, dropped at its start.
        let moved = occurrences::maintain(
            conn,
            now + Duration::days(10),
            back,
            ahead + Duration::days(1),
        )?;
        assert!(
            matches!(moved, Maintained::Moved { added, .. } if added > 0),
            "{moved:?}"
        );
        compare(conn, &all, &orgs[..1], "moved");
        let again = occurrences::maintain(
            conn,
            now + Duration::days(10),
            back,
            ahead + Duration::days(1),
        )?;
        assert!(matches!(again, Maintained::Current(_)), "{again:?}");
        Ok::<_, StorageError>(())
    })
    .expect("occurrence index checks");
}

#[test]
fn sqlite_occurrence_index_equals_expansion() {
    let dir = tempfile::tempdir().expect("tempdir");
    check(&format!(
        "sqlite://{}",
        dir.path().join("index.db").display()
    ));
}

#[test]
#[ignore = "PostgreSQL: set NETZWERK_TEST_POSTGRES_URL and run with -- --include-ignored"]
fn postgres_occurrence_index_equals_expansion() {
    common::on_fresh_postgres("nwt_occurrences", check);
}
