//! Events: rows, overrides, delivery languages and target groups, the window query
//! behind `eventOccurrences`, and what feed reconciliation needs.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::exists;
use diesel::prelude::*;
use netzwerk_domain::event::{
    Event, EventCategory, EventStatus, EventTime, OccurrenceOverride, Provenance, Recurrence,
};
use netzwerk_domain::ids::{EventId, LocationId, OrganisationId};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::location::Timezone;
use netzwerk_domain::organisation::TargetGroup;
use netzwerk_domain::record::Record;
use netzwerk_domain::text;

use crate::change_log::{self, Action, EntityKind};
use crate::db::{MultiBackend, insert_all, load_direct};
use crate::error::stored;
use crate::occurrence_rows;
use crate::schema::{
    event_co_organisers, event_languages, event_overrides, event_target_groups, events, locations,
};
use crate::{AnyConnection, Page, Result, StorageError};

/// An event as read back.
pub type EventRecord = Record<EventId, Event>;

/// The instants that bound every occurrence of an event (computed by the caller,
/// which can expand recurrence): the first start, and the last end or `None` for a
/// series without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSpan {
    /// Start of the first occurrence.
    pub first_start: DateTime<Utc>,
    /// End of the last occurrence; `None` when the series has no end.
    pub last_end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = events, treat_none_as_null = true)]
struct EventRow {
    id: String,
    organisation_id: String,
    title: String,
    description: Option<String>,
    content_language: String,
    category: String,
    status: String,
    all_day: bool,
    start_local: NaiveDateTime,
    end_local: NaiveDateTime,
    timezone: String,
    rrule: Option<String>,
    rdates: String,
    exdates: String,
    location_id: Option<String>,
    place: Option<String>,
    online_url: Option<String>,
    accessibility_note: Option<String>,
    interpretation_note: Option<String>,
    registration_url: Option<String>,
    image_url: Option<String>,
    origin: Option<String>,
    uid: Option<String>,
    sequence: i32,
    last_modified: Option<NaiveDateTime>,
    first_start_utc: NaiveDateTime,
    last_end_utc: Option<NaiveDateTime>,
    search_text: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

const STAMP: &str = "%Y%m%dT%H%M%S";

fn encode_times(ts: &[NaiveDateTime]) -> String {
    ts.iter()
        .map(|t| t.format(STAMP).to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn decode_times(column: &str, raw: &str) -> Result<Vec<NaiveDateTime>> {
    raw.split(' ')
        .filter(|s| !s.is_empty())
        .map(|s| {
            NaiveDateTime::parse_from_str(s, STAMP)
                .map_err(|_| StorageError::Corrupt(format!("{column}: {s:?}")))
        })
        .collect()
}

fn to_row(
    id: EventId,
    org: OrganisationId,
    e: &Event,
    span: EventSpan,
    origin: Option<&str>,
    created_at: NaiveDateTime,
) -> EventRow {
    let (all_day, start_local, end_local, timezone) = match e.time {
        EventTime::Timed {
            start,
            end,
            timezone,
        } => (false, start, end, timezone.to_string()),
        EventTime::AllDay { start, end } => (
            true,
            start.and_time(chrono::NaiveTime::MIN),
            end.and_time(chrono::NaiveTime::MIN),
            e.time.timezone().to_string(),
        ),
    };
    let (uid, sequence, last_modified) = match &e.provenance {
        Provenance::Manual => (None, 0, None),
        Provenance::Feed {
            uid,
            sequence,
            last_modified,
        } => (
            Some(uid.clone()),
            i32::try_from(*sequence).unwrap_or(i32::MAX),
            last_modified.map(|t| t.naive_utc()),
        ),
    };
    EventRow {
        id: id.to_string(),
        organisation_id: org.to_string(),
        title: e.title.clone(),
        description: e.description.clone(),
        content_language: e.content_language.as_str().to_owned(),
        category: e.category.as_str().to_owned(),
        status: e.status.as_str().to_owned(),
        all_day,
        start_local,
        end_local,
        timezone,
        rrule: e.recurrence.rule.clone(),
        rdates: encode_times(&e.recurrence.rdates),
        exdates: encode_times(&e.recurrence.exdates),
        location_id: e.location_id.map(|l| l.to_string()),
        place: e.place.clone(),
        online_url: e.online_url.clone(),
        accessibility_note: e.accessibility_note.clone(),
        interpretation_note: e.interpretation_note.clone(),
        registration_url: e.registration_url.clone(),
        image_url: e.image_url.clone(),
        origin: origin.map(str::to_owned),
        uid,
        sequence,
        last_modified,
        first_start_utc: span.first_start.naive_utc(),
        last_end_utc: span.last_end.map(|t| t.naive_utc()),
        search_text: text::fold(&format!(
            "{} {} {}",
            e.title,
            e.description.as_deref().unwrap_or_default(),
            e.place.as_deref().unwrap_or_default()
        )),
        created_at,
        updated_at: crate::now(),
    }
}

fn from_row(r: EventRow) -> Result<EventRecord> {
    let time = if r.all_day {
        EventTime::AllDay {
            start: r.start_local.date(),
            end: r.end_local.date(),
        }
    } else {
        EventTime::Timed {
            start: r.start_local,
            end: r.end_local,
            timezone: stored("events.timezone", Timezone::parse(&r.timezone))?,
        }
    };
    let provenance = match r.uid {
        Some(uid) if r.origin.is_some() => Provenance::Feed {
            uid,
            sequence: i64::from(r.sequence),
            last_modified: r.last_modified.map(|t| t.and_utc()),
        },
        _ => Provenance::Manual,
    };
    Ok(Record {
        id: stored("events.id", EventId::parse(&r.id))?,
        organisation_id: stored(
            "events.organisation_id",
            OrganisationId::parse(&r.organisation_id),
        )?,
        value: Event {
            title: r.title,
            description: r.description,
            content_language: stored(
                "events.content_language",
                LanguageCode::parse(&r.content_language),
            )?,
            category: stored("events.category", EventCategory::parse(&r.category))?,
            target_groups: Vec::new(),
            languages: Vec::new(),
            time,
            recurrence: Recurrence {
                rule: r.rrule,
                rdates: decode_times("events.rdates", &r.rdates)?,
                exdates: decode_times("events.exdates", &r.exdates)?,
            },
            status: stored("events.status", EventStatus::parse(&r.status))?,
            location_id: r
                .location_id
                .map(|l| stored("events.location_id", LocationId::parse(&l)))
                .transpose()?,
            place: r.place,
            online_url: r.online_url,
            accessibility_note: r.accessibility_note,
            interpretation_note: r.interpretation_note,
            registration_url: r.registration_url,
            image_url: r.image_url,
            co_organisers: Vec::new(),
            provenance,
        },
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

#[derive(Insertable)]
#[diesel(table_name = event_languages)]
struct LanguageRow {
    event_id: String,
    language: String,
}

#[derive(Insertable)]
#[diesel(table_name = event_target_groups)]
struct TargetGroupRow {
    event_id: String,
    target_group: String,
}

#[derive(Insertable)]
#[diesel(table_name = event_co_organisers)]
struct CoOrganiserRow {
    event_id: String,
    organisation_id: String,
    /// When its editors accepted; until then the event is not in its listings.
    accepted_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = event_overrides)]
struct OverrideRow {
    event_id: String,
    recurrence_id: NaiveDateTime,
    status: Option<String>,
    start_local: Option<NaiveDateTime>,
    end_local: Option<NaiveDateTime>,
    title: Option<String>,
    description: Option<String>,
}

/// The rows an event links to, for one event or many.
#[derive(Default)]
struct LinkRows {
    languages: Vec<LanguageRow>,
    target_groups: Vec<TargetGroupRow>,
    co_organisers: Vec<CoOrganiserRow>,
    overrides: Vec<OverrideRow>,
}

impl LinkRows {
    fn add(&mut self, eid: &str, e: &Event, overrides: &[OccurrenceOverride]) {
        let id = || eid.to_owned();
        self.languages
            .extend(e.languages.iter().map(|l| LanguageRow {
                event_id: id(),
                language: l.as_str().to_owned(),
            }));
        self.target_groups
            .extend(e.target_groups.iter().map(|g| TargetGroupRow {
                event_id: id(),
                target_group: g.as_str().to_owned(),
            }));
        self.co_organisers
            .extend(e.co_organisers.iter().map(|o| CoOrganiserRow {
                event_id: id(),
                organisation_id: o.to_string(),
                accepted_at: None,
            }));
        let mut seen = std::collections::HashSet::new();
        self.overrides.extend(
            overrides
                .iter()
                .filter(|o| seen.insert(o.recurrence_id))
                .map(|o| OverrideRow {
                    event_id: id(),
                    recurrence_id: o.recurrence_id,
                    status: o.status.map(|s| s.as_str().to_owned()),
                    start_local: o.start,
                    end_local: o.end,
                    title: o.title.clone(),
                    description: o.description.clone(),
                }),
        );
    }

    /// Inserts everything with multi-row statements, in chunks under the backends'
    /// bind-parameter limits.
    fn insert(&self, conn: &mut AnyConnection) -> Result<()> {
        for chunk in self.languages.chunks(CHUNK * 4) {
            insert_all!(conn, event_languages::table, chunk)?;
        }
        for chunk in self.target_groups.chunks(CHUNK * 4) {
            insert_all!(conn, event_target_groups::table, chunk)?;
        }
        for chunk in self.co_organisers.chunks(CHUNK * 4) {
            insert_all!(conn, event_co_organisers::table, chunk)?;
        }
        for chunk in self.overrides.chunks(CHUNK) {
            insert_all!(conn, event_overrides::table, chunk)?;
        }
        Ok(())
    }
}

fn write_links(
    conn: &mut AnyConnection,
    eid: &str,
    e: &Event,
    overrides: &[OccurrenceOverride],
) -> Result<()> {
    diesel::delete(event_languages::table.filter(event_languages::event_id.eq(eid)))
        .execute(conn)?;
    diesel::delete(event_target_groups::table.filter(event_target_groups::event_id.eq(eid)))
        .execute(conn)?;
    diesel::delete(event_overrides::table.filter(event_overrides::event_id.eq(eid)))
        .execute(conn)?;
    // Co-organisers that accepted stay accepted; new ones are asked.
    let accepted: HashMap<String, NaiveDateTime> = event_co_organisers::table
        .filter(event_co_organisers::event_id.eq(eid))
        .filter(event_co_organisers::accepted_at.is_not_null())
        .select((
            event_co_organisers::organisation_id,
            event_co_organisers::accepted_at.assume_not_null(),
        ))
        .load::<(String, NaiveDateTime)>(conn)?
        .into_iter()
        .collect();
    diesel::delete(event_co_organisers::table.filter(event_co_organisers::event_id.eq(eid)))
        .execute(conn)?;
    let mut links = LinkRows::default();
    links.add(eid, e, overrides);
    for row in &mut links.co_organisers {
        row.accepted_at = accepted.get(&row.organisation_id).copied();
    }
    links.insert(conn)
}

/// The member organisations that accepted to co-organise each of `events` (by id),
/// in one statement; an event without any is absent.
pub fn accepted_co_organisers(
    conn: &mut AnyConnection,
    events: &[EventId],
) -> Result<HashMap<EventId, Vec<OrganisationId>>> {
    let ids: Vec<String> = events.iter().map(ToString::to_string).collect();
    let rows: Vec<(String, String)> = event_co_organisers::table
        .filter(event_co_organisers::event_id.eq_any(&ids))
        .filter(event_co_organisers::accepted_at.is_not_null())
        .select((
            event_co_organisers::event_id,
            event_co_organisers::organisation_id,
        ))
        .order((
            event_co_organisers::event_id,
            event_co_organisers::organisation_id,
        ))
        .load(conn)?;
    let mut found: HashMap<EventId, Vec<OrganisationId>> = HashMap::new();
    for (event, organisation) in rows {
        let event = stored("event_co_organisers.event_id", EventId::parse(&event))?;
        let organisation = stored(
            "event_co_organisers.organisation_id",
            OrganisationId::parse(&organisation),
        )?;
        found.entry(event).or_default().push(organisation);
    }
    Ok(found)
}

/// Events that ask `organisation` to co-organise them and have no answer yet.
pub fn co_organiser_invitations(
    conn: &mut AnyConnection,
    organisation: OrganisationId,
) -> Result<Vec<EventRecord>> {
    let ids: Vec<String> = event_co_organisers::table
        .filter(event_co_organisers::organisation_id.eq(organisation.to_string()))
        .filter(event_co_organisers::accepted_at.is_null())
        .select(event_co_organisers::event_id)
        .load(conn)?;
    let ids: Vec<EventId> = ids
        .iter()
        .map(|i| stored("event_co_organisers.event_id", EventId::parse(i)))
        .collect::<Result<_>>()?;
    get_many(conn, &ids)
}

/// The answer of an asked co-organiser: accepting lists the event with it; declining
/// (or withdrawing later) removes it from the event. `NotFound` when the event does
/// not ask this organisation.
pub fn answer_co_organiser(
    conn: &mut AnyConnection,
    actor: &str,
    event: EventId,
    organisation: OrganisationId,
    accept: bool,
) -> Result<EventRecord> {
    crate::transaction(conn, |c| {
        let link = || {
            event_co_organisers::table
                .filter(event_co_organisers::event_id.eq(event.to_string()))
                .filter(event_co_organisers::organisation_id.eq(organisation.to_string()))
        };
        let changed = if accept {
            // Accepting twice changes nothing and is no error.
            diesel::update(link().filter(event_co_organisers::accepted_at.is_null()))
                .set(event_co_organisers::accepted_at.eq(Some(crate::now())))
                .execute(c)?;
            usize::try_from(link().count().get_result::<i64>(c)?).unwrap_or(0)
        } else {
            diesel::delete(link()).execute(c)?
        };
        if changed == 0 {
            return Err(StorageError::NotFound(format!(
                "co-organiser invitation of event {event} for organisation {organisation}"
            )));
        }
        let rec = get(c, event)?;
        crate::change_log::record(
            c,
            actor,
            crate::change_log::EntityKind::Event,
            &event.to_string(),
            Some(&rec.organisation_id.to_string()),
            crate::change_log::Action::Updated,
            &format!(
                "co-organiser {organisation} {}",
                if accept { "accepted" } else { "withdrew" }
            ),
        )?;
        Ok(rec)
    })
}

/// Only other organisations whose membership is `MEMBER` may be asked to co-organise
/// (`access::may_be_asked_to_co_organise`); those asked before keep their answer.
fn check_co_organisers(
    conn: &mut AnyConnection,
    org: OrganisationId,
    e: &Event,
    existing: Option<EventId>,
) -> Result<()> {
    use crate::schema::organisations;
    let asked_before: Vec<String> = match existing {
        Some(id) => event_co_organisers::table
            .filter(event_co_organisers::event_id.eq(id.to_string()))
            .select(event_co_organisers::organisation_id)
            .load(conn)?,
        None => Vec::new(),
    };
    for (i, o) in e.co_organisers.iter().enumerate() {
        // Asked before: its answer stands even if its membership has ended since, so
        // the organiser can still edit the event.
        if asked_before.contains(&o.to_string()) {
            continue;
        }
        let status: Option<String> = organisations::table
            .filter(organisations::id.eq(o.to_string()))
            .select(organisations::membership_status)
            .first(conn)
            .optional()?;
        let member = status
            .as_deref()
            .and_then(|s| netzwerk_domain::organisation::MembershipStatus::parse(s).ok())
            .is_some_and(netzwerk_domain::access::may_be_asked_to_co_organise);
        if !member || *o == org {
            return Err(netzwerk_domain::ValidationError::new(
                format!("coOrganiserIds[{i}]"),
                "co_organiser",
                format!("{o} is not another member organisation of the network"),
            )
            .into());
        }
    }
    Ok(())
}

fn check_location(
    conn: &mut AnyConnection,
    org: OrganisationId,
    e: &Event,
    existing: Option<EventId>,
) -> Result<()> {
    check_co_organisers(conn, org, e, existing)?;
    if let Some(l) = e.location_id {
        let found: i64 = locations::table
            .filter(locations::id.eq(l.to_string()))
            .filter(locations::organisation_id.eq(org.to_string()))
            .count()
            .get_result(conn)?;
        if found == 0 {
            return Err(netzwerk_domain::ValidationError::new(
                "locationId",
                "own_location",
                format!("location {l} does not exist or belongs to another organisation"),
            )
            .into());
        }
    }
    Ok(())
}

/// Creates an event with its overrides; `origin` marks imported events.
pub fn insert(
    conn: &mut AnyConnection,
    actor: &str,
    org: OrganisationId,
    event: &Event,
    overrides: &[OccurrenceOverride],
    span: EventSpan,
    origin: Option<&str>,
) -> Result<EventRecord> {
    let id = EventId::generate();
    conn.transaction(|conn| {
        check_location(conn, org, event, None)?;
        let row = to_row(id, org, event, span, origin, crate::now());
        diesel::insert_into(events::table)
            .values(&row)
            .execute(conn)?;
        write_links(conn, &row.id, event, overrides)?;
        occurrence_rows::reindex(conn, &[(&row.id, event, overrides)], false)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Event,
            &row.id,
            Some(&row.organisation_id),
            Action::Created,
            &event.title,
        )?;
        get(conn, id)
    })
}

/// Replaces an event's fields and overrides (its origin stays).
pub fn update(
    conn: &mut AnyConnection,
    actor: &str,
    id: EventId,
    event: &Event,
    overrides: &[OccurrenceOverride],
    span: EventSpan,
) -> Result<EventRecord> {
    conn.transaction(|conn| {
        let sid = id.to_string();
        let (org, created, origin): (String, NaiveDateTime, Option<String>) = events::table
            .find(&sid)
            .select((events::organisation_id, events::created_at, events::origin))
            .first(conn)
            .optional()?
            .ok_or_else(|| StorageError::NotFound(format!("event {id}")))?;
        let org = stored("events.organisation_id", OrganisationId::parse(&org))?;
        check_location(conn, org, event, Some(id))?;
        let row = to_row(id, org, event, span, origin.as_deref(), created);
        diesel::update(events::table.find(&sid))
            .set(&row)
            .execute(conn)?;
        write_links(conn, &sid, event, overrides)?;
        occurrence_rows::reindex(conn, &[(&sid, event, overrides)], true)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Event,
            &sid,
            Some(&row.organisation_id),
            Action::Updated,
            &event.title,
        )?;
        get(conn, id)
    })
}

/// Deletes an event with its overrides.
pub fn delete(conn: &mut AnyConnection, actor: &str, id: EventId) -> Result<()> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        let sid = id.to_string();
        diesel::delete(events::table.find(&sid)).execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Event,
            &sid,
            Some(&current.organisation_id.to_string()),
            Action::Deleted,
            &current.value.title,
        )?;
        Ok(())
    })
}

/// One event by id (with languages and target groups).
pub fn get(conn: &mut AnyConnection, id: EventId) -> Result<EventRecord> {
    get_many(conn, &[id])?
        .pop()
        .ok_or_else(|| StorageError::NotFound(format!("event {id}")))
}

/// An event's links as read: co-organisers, languages, target groups.
#[derive(Default)]
struct Links {
    co: HashMap<String, Vec<OrganisationId>>,
    langs: HashMap<String, Vec<LanguageCode>>,
    groups: HashMap<String, Vec<TargetGroup>>,
}

impl Links {
    fn add(&mut self, event: &str, kind: &str, value: &str) -> Result<()> {
        match kind {
            "c" => self.co.entry(event.to_owned()).or_default().push(stored(
                "event_co_organisers.organisation_id",
                OrganisationId::parse(value),
            )?),
            "l" => self.langs.entry(event.to_owned()).or_default().push(stored(
                "event_languages.language",
                LanguageCode::parse(value),
            )?),
            _ => self
                .groups
                .entry(event.to_owned())
                .or_default()
                .push(stored(
                    "event_target_groups.target_group",
                    TargetGroup::parse(value),
                )?),
        }
        Ok(())
    }

    fn attach(mut self, rows: Vec<EventRow>) -> Result<Vec<EventRecord>> {
        rows.into_iter()
            .map(|r| {
                let (l, g) = (
                    self.langs.remove(&r.id).unwrap_or_default(),
                    self.groups.remove(&r.id).unwrap_or_default(),
                );
                let mut rec = from_row(r)?;
                rec.value.languages = l;
                rec.value.languages.sort();
                rec.value.target_groups = g;
                rec.value.target_groups.sort();
                rec.value.co_organisers = self.co.remove(&rec.id.to_string()).unwrap_or_default();
                rec.value.co_organisers.sort();
                Ok(rec)
            })
            .collect()
    }
}

fn with_links(conn: &mut AnyConnection, rows: Vec<EventRow>) -> Result<Vec<EventRecord>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut links = Links::default();
    // The three link tables in one statement: (event, which table, value).
    for chunk in ids.chunks(5000) {
        let found: Vec<(String, String, String)> = load_direct!(
            conn,
            event_co_organisers::table
                .filter(event_co_organisers::event_id.eq_any(chunk))
                .select((
                    event_co_organisers::event_id,
                    "c".into_sql::<diesel::sql_types::Text>(),
                    event_co_organisers::organisation_id,
                ))
                .union_all(
                    event_languages::table
                        .filter(event_languages::event_id.eq_any(chunk))
                        .select((
                            event_languages::event_id,
                            "l".into_sql::<diesel::sql_types::Text>(),
                            event_languages::language,
                        )),
                )
                .union_all(
                    event_target_groups::table
                        .filter(event_target_groups::event_id.eq_any(chunk))
                        .select((
                            event_target_groups::event_id,
                            "g".into_sql::<diesel::sql_types::Text>(),
                            event_target_groups::target_group,
                        )),
                )
        )?;
        for (e, kind, value) in found {
            links.add(&e, &kind, &value)?;
        }
    }
    links.attach(rows)
}

/// Many events by id; missing ids are left out.
pub fn get_many(conn: &mut AnyConnection, ids: &[EventId]) -> Result<Vec<EventRecord>> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows = events::table
        .filter(events::id.eq_any(&ids))
        .select(EventRow::as_select())
        .load(conn)?;
    with_links(conn, rows)
}

/// event id, recurrence id, status, start, end, title, description.
type OverrideTuple = (
    String,
    NaiveDateTime,
    Option<String>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<String>,
    Option<String>,
);

fn override_rows(rows: Vec<OverrideTuple>) -> Result<HashMap<EventId, Vec<OccurrenceOverride>>> {
    let mut out: HashMap<EventId, Vec<OccurrenceOverride>> = HashMap::new();
    for (eid, recurrence_id, status, start, end, title, description) in rows {
        out.entry(stored("event_overrides.event_id", EventId::parse(&eid))?)
            .or_default()
            .push(OccurrenceOverride {
                recurrence_id,
                status: status
                    .map(|s| stored("event_overrides.status", EventStatus::parse(&s)))
                    .transpose()?,
                start,
                end,
                title,
                description,
            });
    }
    Ok(out)
}

/// The overrides of many events.
pub fn overrides_of(
    conn: &mut AnyConnection,
    ids: &[EventId],
) -> Result<HashMap<EventId, Vec<OccurrenceOverride>>> {
    let mut out: HashMap<EventId, Vec<OccurrenceOverride>> = HashMap::new();
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    for chunk in ids.chunks(5000) {
        let rows: Vec<OverrideTuple> = event_overrides::table
            .filter(event_overrides::event_id.eq_any(chunk))
            .order((event_overrides::event_id, event_overrides::recurrence_id))
            .load(conn)?;
        out.extend(override_rows(rows)?);
    }
    Ok(out)
}

/// Filter of events; every field given narrows the list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Words in title, description or place (folded).
    pub text: Option<String>,
    /// Kind.
    pub category: Option<EventCategory>,
    /// For this target group.
    pub target_group: Option<TargetGroup>,
    /// Held in this language.
    pub language: Option<LanguageCode>,
    /// At a directory location in this locality (folded).
    pub locality: Option<String>,
    /// Of this organisation.
    pub organisation: Option<OrganisationId>,
    /// This one event only.
    pub id: Option<EventId>,
}

impl EventFilter {
    /// Whether nothing narrows the list.
    pub fn is_empty(&self) -> bool {
        let Self {
            text,
            category,
            target_group,
            language,
            locality,
            organisation,
            id,
        } = self;
        text.is_none()
            && category.is_none()
            && target_group.is_none()
            && language.is_none()
            && locality.is_none()
            && organisation.is_none()
            && id.is_none()
    }
}

fn filtered(f: &EventFilter) -> events::BoxedQuery<'static, MultiBackend> {
    let mut q = events::table.into_boxed();
    if let Some(id) = f.id {
        q = q.filter(events::id.eq(id.to_string()));
    }
    if let Some(t) = &f.text {
        for term in text::search_terms(t) {
            q = q.filter(events::search_text.like(format!("%{term}%")));
        }
    }
    if let Some(c) = f.category {
        q = q.filter(events::category.eq(c.as_str()));
    }
    if let Some(g) = f.target_group {
        q = q.filter(exists(
            event_target_groups::table
                .filter(event_target_groups::event_id.eq(events::id))
                .filter(event_target_groups::target_group.eq(g.as_str())),
        ));
    }
    if let Some(l) = f.language {
        q = q.filter(exists(
            event_languages::table
                .filter(event_languages::event_id.eq(events::id))
                .filter(event_languages::language.eq(l.as_str().to_owned())),
        ));
    }
    if let Some(l) = &f.locality {
        q = q.filter(
            events::location_id.eq_any(
                locations::table
                    .filter(locations::locality_key.eq(text::fold(l)))
                    .select(locations::id.nullable()),
            ),
        );
    }
    if let Some(o) = f.organisation {
        let id = o.to_string();
        q = q.filter(
            events::organisation_id.eq(id.clone()).or(exists(
                event_co_organisers::table
                    .filter(event_co_organisers::event_id.eq(events::id))
                    .filter(event_co_organisers::organisation_id.eq(id))
                    .filter(event_co_organisers::accepted_at.is_not_null()),
            )),
        );
    }
    q
}

/// A page of events (series), by first start.
pub fn list(
    conn: &mut AnyConnection,
    filter: &EventFilter,
    offset: i64,
    limit: i64,
) -> Result<Page<EventRecord>> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    let rows = if limit > 0 && offset < total {
        filtered(filter)
            .order((events::first_start_utc, events::id))
            .offset(offset)
            .limit(limit)
            .select(EventRow::as_select())
            .load(conn)?
    } else {
        Vec::new()
    };
    Ok(Page {
        items: with_links(conn, rows)?,
        total,
    })
}

/// What expanding a stored event needs (see [`for_each_in_window`]).
#[derive(Debug, Clone)]
pub struct EventTiming {
    /// The event.
    pub id: EventId,
    /// First (or only) occurrence.
    pub time: EventTime,
    /// Rule, extra and excluded dates.
    pub recurrence: Recurrence,
    /// Status of the whole event.
    pub status: EventStatus,
}

type TimingRow = (
    String,
    bool,
    NaiveDateTime,
    NaiveDateTime,
    String,
    Option<String>,
    String,
    String,
    String,
);

const TIMING_COLUMNS: (
    events::id,
    events::all_day,
    events::start_local,
    events::end_local,
    events::timezone,
    events::rrule,
    events::rdates,
    events::exdates,
    events::status,
) = (
    events::id,
    events::all_day,
    events::start_local,
    events::end_local,
    events::timezone,
    events::rrule,
    events::rdates,
    events::exdates,
    events::status,
);

fn timing_of(row: TimingRow) -> Result<EventTiming> {
    let (id, all_day, start, end, tz, rule, rdates, exdates, status) = row;
    Ok(EventTiming {
        id: stored("events.id", EventId::parse(&id))?,
        time: if all_day {
            EventTime::AllDay {
                start: start.date(),
                end: end.date(),
            }
        } else {
            EventTime::Timed {
                start,
                end,
                timezone: stored("events.timezone", Timezone::parse(&tz))?,
            }
        },
        recurrence: Recurrence {
            rule,
            rdates: decode_times("events.rdates", &rdates)?,
            exdates: decode_times("events.exdates", &exdates)?,
        },
        status: stored("events.status", EventStatus::parse(&status))?,
    })
}

/// Up to `limit` events after the id `after` (by id) that may have an occurrence
/// overlapping `[from, to)`, read narrowly, with their overrides (for the occurrence
/// index). Two statements.
pub(crate) fn timings_after(
    conn: &mut AnyConnection,
    after: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(EventTiming, Vec<OccurrenceOverride>)>> {
    let rows: Vec<TimingRow> = events::table
        .filter(events::id.gt(after))
        .filter(events::first_start_utc.lt(to.naive_utc()))
        .filter(
            events::last_end_utc
                .is_null()
                .or(events::last_end_utc.gt(from.naive_utc())),
        )
        .order(events::id)
        .limit(limit)
        .select(TIMING_COLUMNS)
        .load(conn)?;
    let timings = rows
        .into_iter()
        .map(timing_of)
        .collect::<Result<Vec<_>>>()?;
    let ids: Vec<EventId> = timings.iter().map(|t| t.id).collect();
    let mut overrides = overrides_of(conn, &ids)?;
    Ok(timings
        .into_iter()
        .map(|t| {
            let o = overrides.remove(&t.id).unwrap_or_default();
            (t, o)
        })
        .collect())
}

/// Visits every event that may have an occurrence overlapping `[from, to)`, read
/// narrowly (only the columns expansion needs) and converted one row at a time, with
/// its overrides; returns the overrides read, by event, for the events the caller
/// keeps. No event is held in full: SQLite hands over one row at a time, PostgreSQL's
/// client library holds the narrow result (a few hundred bytes per event) until the
/// visit ends. The overrides are those of every event in the time window. Two
/// statements.
pub fn for_each_in_window(
    conn: &mut AnyConnection,
    filter: &EventFilter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    mut visit: impl FnMut(&EventTiming, &[OccurrenceOverride]),
) -> Result<HashMap<EventId, Vec<OccurrenceOverride>>> {
    // Overrides of every event in the time window (a superset of the filtered ones).
    let overrides = override_rows(
        event_overrides::table
            .inner_join(events::table)
            .filter(events::first_start_utc.lt(to.naive_utc()))
            .filter(
                events::last_end_utc
                    .is_null()
                    .or(events::last_end_utc.gt(from.naive_utc())),
            )
            .order((event_overrides::event_id, event_overrides::recurrence_id))
            .select((
                event_overrides::event_id,
                event_overrides::recurrence_id,
                event_overrides::status,
                event_overrides::start_local,
                event_overrides::end_local,
                event_overrides::title,
                event_overrides::description,
            ))
            .load(conn)?,
    )?;
    let rows = filtered(filter)
        .filter(events::first_start_utc.lt(to.naive_utc()))
        .filter(
            events::last_end_utc
                .is_null()
                .or(events::last_end_utc.gt(from.naive_utc())),
        )
        .select(TIMING_COLUMNS)
        .load_iter::<TimingRow, diesel::connection::DefaultLoadingMode>(conn)?;
    for row in rows {
        let timing = timing_of(row?)?;
        let ovs = overrides.get(&timing.id).map_or(&[][..], Vec::as_slice);
        visit(&timing, ovs);
    }
    Ok(overrides)
}

/// What reconciliation needs to know of a stored imported event.
#[derive(Debug, Clone)]
pub struct FeedIdentity {
    /// The event.
    pub id: EventId,
    /// Its UID.
    pub uid: String,
    /// Its SEQUENCE.
    pub sequence: i64,
    /// Its LAST-MODIFIED.
    pub last_modified: Option<DateTime<Utc>>,
}

/// The events of one origin (a feed, or one imported file or URL).
pub fn of_origin(
    conn: &mut AnyConnection,
    org: OrganisationId,
    origin: &str,
) -> Result<Vec<FeedIdentity>> {
    let rows: Vec<(String, Option<String>, i32, Option<NaiveDateTime>)> = events::table
        .filter(events::organisation_id.eq(org.to_string()))
        .filter(events::origin.eq(origin))
        .select((
            events::id,
            events::uid,
            events::sequence,
            events::last_modified,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, uid, seq, lm)| {
            Ok(FeedIdentity {
                id: stored("events.id", EventId::parse(&id))?,
                uid: uid.unwrap_or_default(),
                sequence: i64::from(seq),
                last_modified: lm.map(|t| t.and_utc()),
            })
        })
        .collect()
}

/// The id of an organisation's event with this UID (from any origin).
pub fn find_by_uid(
    conn: &mut AnyConnection,
    org: OrganisationId,
    uid: &str,
) -> Result<Option<(EventId, Option<String>)>> {
    let row: Option<(String, Option<String>)> = events::table
        .filter(events::organisation_id.eq(org.to_string()))
        .filter(events::uid.eq(uid))
        .select((events::id, events::origin))
        .first(conn)
        .optional()?;
    row.map(|(id, origin)| Ok((stored("events.id", EventId::parse(&id))?, origin)))
        .transpose()
}

/// When the events of a feed last changed: the newest `updated_at` and the count,
/// for ETag and Last-Modified of feeds out.
pub fn fingerprint(
    conn: &mut AnyConnection,
    filter: &EventFilter,
) -> Result<(Option<NaiveDateTime>, i64)> {
    let newest: Option<NaiveDateTime> = filtered(filter)
        .select(diesel::dsl::max(events::updated_at))
        .first(conn)?;
    let count: i64 = filtered(filter).count().get_result(conn)?;
    Ok((newest, count))
}

/// Events with their changed occurrences, as feeds write them.
pub type WithOverrides = Vec<(EventRecord, Vec<OccurrenceOverride>)>;

/// The ids of a filter's events by first start (then id), at most `limit`: what a
/// feed writes, fixed when it starts, so that it has every one of them exactly once
/// however they change while it is written a page at a time ([`by_ids`]).
pub fn ids_in_order(
    conn: &mut AnyConnection,
    filter: &EventFilter,
    limit: i64,
) -> Result<Vec<String>> {
    Ok(filtered(filter)
        .order((events::first_start_utc, events::id))
        .limit(limit)
        .select(events::id)
        .load(conn)?)
}

/// Events with their overrides, in the order of `ids`; ids of events deleted
/// meanwhile are skipped.
pub fn by_ids(conn: &mut AnyConnection, ids: &[String]) -> Result<WithOverrides> {
    let rows = events::table
        .filter(events::id.eq_any(ids))
        .select(EventRow::as_select())
        .load(conn)?;
    let records = with_links(conn, rows)?;
    let event_ids: Vec<EventId> = records.iter().map(|r| r.id).collect();
    let mut ovs = overrides_of(conn, &event_ids)?;
    let mut by_id: HashMap<String, (EventRecord, Vec<OccurrenceOverride>)> = records
        .into_iter()
        .map(|r| {
            let o = ovs.remove(&r.id).unwrap_or_default();
            (r.id.to_string(), (r, o))
        })
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// The zones and years of a filter's timed events, for the head of a calendar that
/// is written a page at a time.
pub fn frame(conn: &mut AnyConnection, filter: &EventFilter) -> Result<netzwerk_calendar::Frame> {
    use diesel::dsl::{max, min};
    let timed = || filtered(filter).filter(events::all_day.eq(false));
    let zones: Vec<String> = timed().select(events::timezone).distinct().load(conn)?;
    let (first, last): (Option<NaiveDateTime>, Option<NaiveDateTime>) = timed()
        .select((min(events::start_local), max(events::start_local)))
        .first(conn)?;
    let mut frame = netzwerk_calendar::Frame::default();
    for z in zones {
        if let (Ok(zone), Some(first), Some(last)) = (Timezone::parse(&z), first, last) {
            frame.add(zone, first);
            frame.add(zone, last);
        }
    }
    Ok(frame)
}

/// A new event for [`insert_many`].
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    /// The event.
    pub event: &'a Event,
    /// Its changed or cancelled occurrences.
    pub overrides: &'a [OccurrenceOverride],
    /// Its span.
    pub span: EventSpan,
}

/// Rows per multi-row statement: under SQLite's and PostgreSQL's bind-parameter limits
/// for the widest table (events, 30 columns).
const CHUNK: usize = 1000;

/// Creates many events of one organisation and origin with few statements (large
/// imports). The caller runs it inside its transaction; no location checks are made,
/// so the events must not name directory locations.
pub fn insert_many(
    conn: &mut AnyConnection,
    actor: &str,
    org: OrganisationId,
    origin: Option<&str>,
    items: &[NewEvent<'_>],
) -> Result<usize> {
    let now = crate::now();
    let oid = org.to_string();
    let mut rows = Vec::with_capacity(items.len());
    let mut links = LinkRows::default();
    let mut log = Vec::with_capacity(items.len());
    for item in items {
        if item.event.location_id.is_some() {
            return Err(netzwerk_domain::ValidationError::new(
                "locationId",
                "own_location",
                "bulk imports take no directory locations",
            )
            .into());
        }
        let row = to_row(EventId::generate(), org, item.event, item.span, origin, now);
        links.add(&row.id, item.event, item.overrides);
        log.push(change_log::Entry::new(
            actor,
            EntityKind::Event,
            &row.id,
            Some(&oid),
            Action::Created,
            &item.event.title,
            now,
        ));
        rows.push(row);
    }
    crate::db::with_bulk_cache(conn, |conn| {
        for chunk in rows.chunks(CHUNK) {
            insert_all!(conn, events::table, chunk)?;
        }
        links.insert(conn)?;
        let written: Vec<(&str, &Event, &[OccurrenceOverride])> = rows
            .iter()
            .zip(items)
            .map(|(row, item)| (row.id.as_str(), item.event, item.overrides))
            .collect();
        occurrence_rows::reindex(conn, &written, false)?;
        change_log::record_many(conn, &log)
    })?;
    Ok(rows.len())
}

/// Every UID of an organisation's events, with the origin it came from.
pub fn uids_of(
    conn: &mut AnyConnection,
    org: OrganisationId,
) -> Result<HashMap<String, Option<String>>> {
    let rows: Vec<(Option<String>, Option<String>)> = events::table
        .filter(events::organisation_id.eq(org.to_string()))
        .filter(events::uid.is_not_null())
        .select((events::uid, events::origin))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(u, o)| u.map(|u| (u, o)))
        .collect())
}
