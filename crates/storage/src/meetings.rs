//! Network meetings: series, meetings, host assignment and declines, agendas.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{exists, max};
use diesel::prelude::*;
use netzwerk_domain::ids::{
    AgendaItemId, LocationId, MeetingId, MeetingSeriesId, OrganisationId, RepresentativeId,
};
use netzwerk_domain::location::Timezone;
use netzwerk_domain::meeting::{
    AgendaItemStatus, Attendance, Cadence, HostCandidate, MeetingChange, MeetingStatus, NotNow,
    check_agenda_fits,
};
use netzwerk_domain::organisation::MembershipStatus;

use crate::change_log::{self, Action, EntityKind};
use crate::error::stored;
use crate::schema::{
    agenda_items as agenda, attendance, locations, meeting_host_declines as declines,
    meeting_series as series, meetings, organisations, representatives as reps,
};
use crate::{AnyConnection, Result, StorageError};

/// A change the meeting's life cycle refuses: a conflict with its state.
pub(crate) fn refused(e: NotNow) -> StorageError {
    StorageError::Conflict(e.to_string())
}

/// A meeting as read back.
#[derive(Debug, Clone)]
pub struct MeetingRecord {
    /// Id.
    pub id: MeetingId,
    /// Its series.
    pub series_id: MeetingSeriesId,
    /// Local start.
    pub start: NaiveDateTime,
    /// Local end.
    pub end: NaiveDateTime,
    /// Zone of both.
    pub timezone: Timezone,
    /// The host.
    pub host: Option<OrganisationId>,
    /// Where.
    pub location_id: Option<LocationId>,
    /// Status.
    pub status: MeetingStatus,
    /// Bumped when time or place change after invitations went out.
    pub sequence: i32,
    /// False while the agenda is preliminary.
    pub agenda_final: bool,
    /// The minutes (Markdown) of a held meeting, once recorded.
    pub minutes: Option<String>,
    /// Why a cancelled meeting was called off.
    pub cancellation_reason: Option<String>,
}

type Row = (
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    String,
    Option<String>,
    Option<String>,
    String,
    i32,
    bool,
    Option<String>,
    Option<String>,
);

const COLUMNS: (
    meetings::id,
    meetings::series_id,
    meetings::starts_local,
    meetings::ends_local,
    meetings::timezone,
    meetings::host_organisation_id,
    meetings::location_id,
    meetings::status,
    meetings::sequence,
    meetings::agenda_final,
    meetings::minutes,
    meetings::cancellation_reason,
) = (
    meetings::id,
    meetings::series_id,
    meetings::starts_local,
    meetings::ends_local,
    meetings::timezone,
    meetings::host_organisation_id,
    meetings::location_id,
    meetings::status,
    meetings::sequence,
    meetings::agenda_final,
    meetings::minutes,
    meetings::cancellation_reason,
);

fn from_row(r: Row) -> Result<MeetingRecord> {
    Ok(MeetingRecord {
        id: stored("meetings.id", MeetingId::parse(&r.0))?,
        series_id: stored("meetings.series_id", MeetingSeriesId::parse(&r.1))?,
        start: r.2,
        end: r.3,
        timezone: stored("meetings.timezone", Timezone::parse(&r.4))?,
        host: r
            .5
            .map(|h| stored("meetings.host_organisation_id", OrganisationId::parse(&h)))
            .transpose()?,
        location_id: r
            .6
            .map(|l| stored("meetings.location_id", LocationId::parse(&l)))
            .transpose()?,
        status: stored("meetings.status", MeetingStatus::parse(&r.7))?,
        sequence: r.8,
        agenda_final: r.9,
        minutes: r.10,
        cancellation_reason: r.11,
    })
}

/// Creates a series and its meetings at `dates`, in one transaction.
pub fn create_series(
    conn: &mut AnyConnection,
    actor: &str,
    name: &str,
    cadence: &Cadence,
    dates: &[NaiveDateTime],
) -> Result<(MeetingSeriesId, Vec<MeetingRecord>)> {
    let sid = MeetingSeriesId::generate();
    conn.transaction(|conn| {
        let now = crate::now();
        diesel::insert_into(series::table)
            .values((
                series::id.eq(sid.to_string()),
                series::name.eq(name),
                series::every_months.eq(i32::try_from(cadence.every_months).unwrap_or(2)),
                series::weekday.eq(i32::try_from(cadence.weekday).unwrap_or(3)),
                series::week.eq(i32::try_from(cadence.week).unwrap_or(2)),
                series::start_minutes.eq(i32::from(cadence.start.minutes())),
                series::duration_minutes.eq(i32::try_from(cadence.duration_minutes).unwrap_or(120)),
                series::timezone.eq(cadence.timezone.to_string()),
                series::created_at.eq(now),
            ))
            .execute(conn)?;
        let mut ids = Vec::new();
        for d in dates {
            let id = MeetingId::generate();
            diesel::insert_into(meetings::table)
                .values((
                    meetings::id.eq(id.to_string()),
                    meetings::series_id.eq(sid.to_string()),
                    meetings::starts_local.eq(*d),
                    meetings::ends_local.eq(*d + cadence.duration()),
                    meetings::timezone.eq(cadence.timezone.to_string()),
                    meetings::status.eq(MeetingStatus::Planned.as_str()),
                    meetings::sequence.eq(0),
                    meetings::agenda_final.eq(false),
                    meetings::created_at.eq(now),
                    meetings::updated_at.eq(now),
                ))
                .execute(conn)?;
            change_log::record(
                conn,
                actor,
                EntityKind::Meeting,
                &id.to_string(),
                None,
                Action::Created,
                &format!("{name} {d}"),
            )?;
            ids.push(id);
        }
        let made = ids
            .iter()
            .map(|id| get(conn, *id))
            .collect::<Result<Vec<_>>>()?;
        Ok((sid, made))
    })
}

/// One meeting.
pub fn get(conn: &mut AnyConnection, id: MeetingId) -> Result<MeetingRecord> {
    let row: Option<Row> = meetings::table
        .find(id.to_string())
        .select(COLUMNS)
        .first(conn)
        .optional()?;
    row.map(from_row)
        .transpose()?
        .ok_or_else(|| StorageError::NotFound(format!("meeting {id}")))
}

/// Meetings by id (missing ones left out), in one statement.
pub fn get_many(conn: &mut AnyConnection, ids: &[MeetingId]) -> Result<Vec<MeetingRecord>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows: Vec<Row> = meetings::table
        .filter(meetings::id.eq_any(&keys))
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// Meetings starting in `[from, to)` (local times), by start.
pub fn between(
    conn: &mut AnyConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<MeetingRecord>> {
    let rows: Vec<Row> = meetings::table
        .filter(meetings::starts_local.ge(from))
        .filter(meetings::starts_local.lt(to))
        .order((meetings::starts_local, meetings::id))
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// Organisations that declined to host a meeting.
pub fn declined(conn: &mut AnyConnection, id: MeetingId) -> Result<Vec<OrganisationId>> {
    let rows: Vec<String> = declines::table
        .filter(declines::meeting_id.eq(id.to_string()))
        .order(declines::declined_at)
        .select(declines::organisation_id)
        .load(conn)?;
    rows.iter()
        .map(|o| {
            stored(
                "meeting_host_declines.organisation_id",
                OrganisationId::parse(o),
            )
        })
        .collect()
}

/// The organisations that declined to host each of `ids`, in one statement.
pub fn declined_of(
    conn: &mut AnyConnection,
    ids: &[MeetingId],
) -> Result<HashMap<MeetingId, Vec<OrganisationId>>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows: Vec<(String, String)> = declines::table
        .filter(declines::meeting_id.eq_any(&keys))
        .order((declines::meeting_id, declines::declined_at))
        .select((declines::meeting_id, declines::organisation_id))
        .load(conn)?;
    let mut out: HashMap<MeetingId, Vec<OrganisationId>> = HashMap::new();
    for (m, o) in rows {
        out.entry(stored(
            "meeting_host_declines.meeting_id",
            MeetingId::parse(&m),
        )?)
        .or_default()
        .push(stored(
            "meeting_host_declines.organisation_id",
            OrganisationId::parse(&o),
        )?);
    }
    Ok(out)
}

/// Every organisation with what the rotation needs: membership, a location, and the
/// last meeting it hosted (other than `except`).
pub fn host_candidates(conn: &mut AnyConnection, except: MeetingId) -> Result<Vec<HostCandidate>> {
    let orgs: Vec<(String, String, String)> = organisations::table
        .select((
            organisations::id,
            organisations::name,
            organisations::membership_status,
        ))
        .load(conn)?;
    let with_location: Vec<String> = organisations::table
        .filter(exists(
            locations::table.filter(locations::organisation_id.eq(organisations::id)),
        ))
        .select(organisations::id)
        .load(conn)?;
    let last: Vec<(Option<String>, Option<NaiveDateTime>)> = meetings::table
        .filter(meetings::host_organisation_id.is_not_null())
        .filter(meetings::id.ne(except.to_string()))
        .filter(meetings::status.ne(MeetingStatus::Cancelled.as_str()))
        .group_by(meetings::host_organisation_id)
        .select((meetings::host_organisation_id, max(meetings::starts_local)))
        .load(conn)?;
    let last: std::collections::HashMap<String, NaiveDate> = last
        .into_iter()
        .filter_map(|(o, t)| Some((o?, t?.date())))
        .collect();
    orgs.into_iter()
        .map(|(id, name, status)| {
            Ok(HostCandidate {
                organisation: stored("organisations.id", OrganisationId::parse(&id))?,
                last_hosted: last.get(&id).copied(),
                has_location: with_location.contains(&id),
                member: status == MembershipStatus::Member.as_str(),
                name,
            })
        })
        .collect()
}

/// Sets (or clears) host and location. After invitations went out, the change bumps
/// the sequence so calendar programs take it as an update.
pub fn set_host(
    conn: &mut AnyConnection,
    actor: &str,
    id: MeetingId,
    host: Option<OrganisationId>,
    location: Option<LocationId>,
) -> Result<MeetingRecord> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        current
            .status
            .after(MeetingChange::ChangeHost)
            .map_err(refused)?;
        if let (Some(h), Some(l)) = (host, location) {
            let ok: i64 = locations::table
                .filter(locations::id.eq(l.to_string()))
                .filter(locations::organisation_id.eq(h.to_string()))
                .count()
                .get_result(conn)?;
            if ok == 0 {
                return Err(netzwerk_domain::ValidationError::new(
                    "locationId",
                    "own_location",
                    format!("location {l} is not one of the host's locations"),
                )
                .into());
            }
        }
        let bump = i32::from(
            current.status == MeetingStatus::Invited
                && (current.host != host || current.location_id != location),
        );
        diesel::update(meetings::table.find(id.to_string()))
            .set((
                meetings::host_organisation_id.eq(host.map(|h| h.to_string())),
                meetings::location_id.eq(location.map(|l| l.to_string())),
                meetings::sequence.eq(current.sequence + bump),
                meetings::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Meeting,
            &id.to_string(),
            host.map(|h| h.to_string()).as_deref(),
            Action::Updated,
            "host",
        )?;
        get(conn, id)
    })
}

/// Records that `org` declines to host `id`.
pub fn decline(
    conn: &mut AnyConnection,
    actor: &str,
    id: MeetingId,
    org: OrganisationId,
) -> Result<()> {
    conn.transaction(|conn| {
        let already: i64 = declines::table
            .filter(declines::meeting_id.eq(id.to_string()))
            .filter(declines::organisation_id.eq(org.to_string()))
            .count()
            .get_result(conn)?;
        if already == 0 {
            diesel::insert_into(declines::table)
                .values((
                    declines::meeting_id.eq(id.to_string()),
                    declines::organisation_id.eq(org.to_string()),
                    declines::declined_at.eq(crate::now()),
                ))
                .execute(conn)?;
        }
        change_log::record(
            conn,
            actor,
            EntityKind::Meeting,
            &id.to_string(),
            Some(&org.to_string()),
            Action::Updated,
            "declined hosting",
        )?;
        Ok(())
    })
}

/// The first location (by name) of an organisation.
pub fn first_location(conn: &mut AnyConnection, org: OrganisationId) -> Result<Option<LocationId>> {
    let l: Option<String> = locations::table
        .filter(locations::organisation_id.eq(org.to_string()))
        .order((locations::name, locations::id))
        .select(locations::id)
        .first(conn)
        .optional()?;
    l.map(|l| stored("locations.id", LocationId::parse(&l)))
        .transpose()
}

/// An agenda item.
#[derive(Debug, Clone)]
pub struct AgendaItem {
    /// Id.
    pub id: AgendaItemId,
    /// The meeting.
    pub meeting_id: MeetingId,
    /// Order on the agenda.
    pub position: i32,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Who presents it.
    pub presenter: Option<OrganisationId>,
    /// Minutes it takes.
    pub duration_minutes: i32,
    /// Proposed, accepted or declined.
    pub status: AgendaItemStatus,
    /// The member that proposed it (none: the coordinator added it).
    pub proposed_by: Option<OrganisationId>,
}

type ItemRow = (
    String,
    String,
    i32,
    String,
    Option<String>,
    Option<String>,
    i32,
    String,
    Option<String>,
);

const ITEM_COLUMNS: (
    agenda::id,
    agenda::meeting_id,
    agenda::position,
    agenda::title,
    agenda::description,
    agenda::presenter_organisation_id,
    agenda::duration_minutes,
    agenda::status,
    agenda::proposed_by_organisation_id,
) = (
    agenda::id,
    agenda::meeting_id,
    agenda::position,
    agenda::title,
    agenda::description,
    agenda::presenter_organisation_id,
    agenda::duration_minutes,
    agenda::status,
    agenda::proposed_by_organisation_id,
);

fn item_from_row(r: ItemRow) -> Result<AgendaItem> {
    let org =
        |c: &str, v: Option<String>| v.map(|o| stored(c, OrganisationId::parse(&o))).transpose();
    Ok(AgendaItem {
        id: stored("agenda_items.id", AgendaItemId::parse(&r.0))?,
        meeting_id: stored("agenda_items.meeting_id", MeetingId::parse(&r.1))?,
        position: r.2,
        title: r.3,
        description: r.4,
        presenter: org("agenda_items.presenter_organisation_id", r.5)?,
        duration_minutes: r.6,
        status: stored("agenda_items.status", AgendaItemStatus::parse(&r.7))?,
        proposed_by: org("agenda_items.proposed_by_organisation_id", r.8)?,
    })
}

/// The agenda of a meeting, in order.
pub fn agenda_of(conn: &mut AnyConnection, id: MeetingId) -> Result<Vec<AgendaItem>> {
    let rows: Vec<ItemRow> = agenda::table
        .filter(agenda::meeting_id.eq(id.to_string()))
        .order((agenda::position, agenda::id))
        .select(ITEM_COLUMNS)
        .load(conn)?;
    rows.into_iter().map(item_from_row).collect()
}

/// The agendas of `ids`, each in order, in one statement.
pub fn agendas_of(
    conn: &mut AnyConnection,
    ids: &[MeetingId],
) -> Result<HashMap<MeetingId, Vec<AgendaItem>>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows: Vec<ItemRow> = agenda::table
        .filter(agenda::meeting_id.eq_any(&keys))
        .order((agenda::meeting_id, agenda::position, agenda::id))
        .select(ITEM_COLUMNS)
        .load(conn)?;
    let mut out: HashMap<MeetingId, Vec<AgendaItem>> = HashMap::new();
    for r in rows {
        let item = item_from_row(r)?;
        out.entry(item.meeting_id).or_default().push(item);
    }
    Ok(out)
}

fn check_fits(conn: &mut AnyConnection, meeting: &MeetingRecord, extra_minutes: i32) -> Result<()> {
    let accepted: Vec<u32> = agenda_of(conn, meeting.id)?
        .iter()
        .filter(|i| i.status == AgendaItemStatus::Accepted)
        .map(|i| u32::try_from(i.duration_minutes).unwrap_or(0))
        .chain(std::iter::once(u32::try_from(extra_minutes).unwrap_or(0)))
        .collect();
    let length = u32::try_from((meeting.end - meeting.start).num_minutes()).unwrap_or(0);
    check_agenda_fits(&accepted, length).map_err(StorageError::from)
}

/// What a new agenda item says.
#[derive(Debug, Clone)]
pub struct NewAgendaItem {
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Who presents it.
    pub presenter: Option<OrganisationId>,
    /// Minutes.
    pub duration_minutes: i32,
}

/// Adds an item: a member's proposal (pending), or the coordinator's (accepted, and it
/// must fit). A final agenda takes no more items.
pub fn add_item(
    conn: &mut AnyConnection,
    actor: &str,
    id: MeetingId,
    item: &NewAgendaItem,
    proposed_by: Option<OrganisationId>,
) -> Result<AgendaItem> {
    conn.transaction(|conn| {
        let meeting = get(conn, id)?;
        meeting
            .status
            .after(MeetingChange::ChangeAgenda)
            .map_err(refused)?;
        if meeting.agenda_final {
            return Err(StorageError::Conflict(
                "the agenda of this meeting is final".into(),
            ));
        }
        let status = if proposed_by.is_some() {
            AgendaItemStatus::Proposed
        } else {
            AgendaItemStatus::Accepted
        };
        if status == AgendaItemStatus::Accepted {
            check_fits(conn, &meeting, item.duration_minutes)?;
        }
        let position: Option<i32> = agenda::table
            .filter(agenda::meeting_id.eq(id.to_string()))
            .select(max(agenda::position))
            .first(conn)?;
        let item_id = AgendaItemId::generate();
        diesel::insert_into(agenda::table)
            .values((
                agenda::id.eq(item_id.to_string()),
                agenda::meeting_id.eq(id.to_string()),
                agenda::position.eq(position.unwrap_or(0) + 1),
                agenda::title.eq(&item.title),
                agenda::description.eq(item.description.as_deref()),
                agenda::presenter_organisation_id.eq(item.presenter.map(|p| p.to_string())),
                agenda::duration_minutes.eq(item.duration_minutes),
                agenda::status.eq(status.as_str()),
                agenda::proposed_by_organisation_id.eq(proposed_by.map(|p| p.to_string())),
                agenda::created_at.eq(crate::now()),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Meeting,
            &id.to_string(),
            proposed_by.map(|p| p.to_string()).as_deref(),
            Action::Updated,
            &format!("agenda: {}", item.title),
        )?;
        agenda_of(conn, id)?
            .into_iter()
            .find(|i| i.id == item_id)
            .ok_or_else(|| StorageError::NotFound(format!("agenda item {item_id}")))
    })
}

/// Accepts or declines a proposed item; an accepted one must fit into the meeting.
pub fn decide_item(
    conn: &mut AnyConnection,
    actor: &str,
    item: AgendaItemId,
    accept: bool,
) -> Result<AgendaItem> {
    conn.transaction(|conn| {
        let meeting_id: String = agenda::table
            .find(item.to_string())
            .select(agenda::meeting_id)
            .first(conn)
            .optional()?
            .ok_or_else(|| StorageError::NotFound(format!("agenda item {item}")))?;
        let meeting = get(
            conn,
            stored("agenda_items.meeting_id", MeetingId::parse(&meeting_id))?,
        )?;
        if meeting.agenda_final {
            return Err(StorageError::Conflict(
                "the agenda of this meeting is final".into(),
            ));
        }
        let current = agenda_of(conn, meeting.id)?
            .into_iter()
            .find(|i| i.id == item)
            .ok_or_else(|| StorageError::NotFound(format!("agenda item {item}")))?;
        if accept && current.status != AgendaItemStatus::Accepted {
            check_fits(conn, &meeting, current.duration_minutes)?;
        }
        let status = if accept {
            AgendaItemStatus::Accepted
        } else {
            AgendaItemStatus::Declined
        };
        diesel::update(agenda::table.find(item.to_string()))
            .set(agenda::status.eq(status.as_str()))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Meeting,
            &meeting.id.to_string(),
            None,
            Action::Updated,
            &format!("agenda {}: {}", status.as_str(), current.title),
        )?;
        agenda_of(conn, meeting.id)?
            .into_iter()
            .find(|i| i.id == item)
            .ok_or_else(|| StorageError::NotFound(format!("agenda item {item}")))
    })
}

/// Makes the agenda final (no longer preliminary).
pub fn finalise_agenda(conn: &mut AnyConnection, actor: &str, id: MeetingId) -> Result<()> {
    conn.transaction(|conn| {
        get(conn, id)?;
        diesel::update(meetings::table.find(id.to_string()))
            .set((
                meetings::agenda_final.eq(true),
                meetings::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Meeting,
            &id.to_string(),
            None,
            Action::Updated,
            "agenda final",
        )?;
        Ok(())
    })
}

/// A person a member organisation sends to meetings.
#[derive(Debug, Clone)]
pub struct Representative {
    /// Id.
    pub id: RepresentativeId,
    /// The organisation.
    pub organisation_id: OrganisationId,
    /// Name.
    pub name: String,
    /// E-mail address for invitations.
    pub email: String,
    /// ISO 639-1 code of the invitation language.
    pub language: String,
}

type RepRow = (String, String, String, String, String);

fn rep_from_row(r: RepRow) -> Result<Representative> {
    Ok(Representative {
        id: stored("representatives.id", RepresentativeId::parse(&r.0))?,
        organisation_id: stored(
            "representatives.organisation_id",
            OrganisationId::parse(&r.1),
        )?,
        name: r.2,
        email: r.3,
        language: r.4,
    })
}

/// Adds a representative.
pub fn add_representative(
    conn: &mut AnyConnection,
    actor: &str,
    org: OrganisationId,
    name: &str,
    email: &str,
    language: &str,
) -> Result<Representative> {
    let id = RepresentativeId::generate();
    conn.transaction(|conn| {
        crate::organisations::get(conn, org)?;
        diesel::insert_into(reps::table)
            .values((
                reps::id.eq(id.to_string()),
                reps::organisation_id.eq(org.to_string()),
                reps::name.eq(name),
                reps::email.eq(email),
                reps::language.eq(language),
                reps::created_at.eq(crate::now()),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Organisation,
            &org.to_string(),
            Some(&org.to_string()),
            Action::Updated,
            &format!("representative {name}"),
        )?;
        representative(conn, id)
    })
}

/// One representative.
pub fn representative(conn: &mut AnyConnection, id: RepresentativeId) -> Result<Representative> {
    let row: Option<RepRow> = reps::table
        .find(id.to_string())
        .select((
            reps::id,
            reps::organisation_id,
            reps::name,
            reps::email,
            reps::language,
        ))
        .first(conn)
        .optional()?;
    row.map(rep_from_row)
        .transpose()?
        .ok_or_else(|| StorageError::NotFound(format!("representative {id}")))
}

/// An organisation's representatives, by name.
pub fn representatives_of(
    conn: &mut AnyConnection,
    org: OrganisationId,
) -> Result<Vec<Representative>> {
    let rows: Vec<RepRow> = reps::table
        .filter(reps::organisation_id.eq(org.to_string()))
        .order((reps::name, reps::id))
        .select((
            reps::id,
            reps::organisation_id,
            reps::name,
            reps::email,
            reps::language,
        ))
        .load(conn)?;
    rows.into_iter().map(rep_from_row).collect()
}

/// Records a representative's attendance; the meeting counts as held from then on.
pub fn record_attendance(
    conn: &mut AnyConnection,
    actor: &str,
    id: MeetingId,
    rep: RepresentativeId,
    status: Attendance,
) -> Result<()> {
    conn.transaction(|conn| {
        let meeting = get(conn, id)?;
        let held = meeting
            .status
            .after(MeetingChange::RecordAttendance)
            .map_err(refused)?;
        let r = representative(conn, rep)?;
        diesel::delete(
            attendance::table
                .filter(attendance::meeting_id.eq(id.to_string()))
                .filter(attendance::representative_id.eq(rep.to_string())),
        )
        .execute(conn)?;
        diesel::insert_into(attendance::table)
            .values((
                attendance::meeting_id.eq(id.to_string()),
                attendance::representative_id.eq(rep.to_string()),
                attendance::organisation_id.eq(r.organisation_id.to_string()),
                attendance::status.eq(status.as_str()),
                attendance::recorded_at.eq(crate::now()),
            ))
            .execute(conn)?;
        diesel::update(meetings::table.find(id.to_string()))
            .set((
                meetings::status.eq(held.as_str()),
                meetings::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Meeting,
            &id.to_string(),
            Some(&r.organisation_id.to_string()),
            Action::Updated,
            &format!("attendance {}: {}", r.name, status.as_str()),
        )?;
        Ok(())
    })
}

/// What the participation report needs.
#[derive(Debug, Clone)]
pub struct ParticipationData {
    /// Dates of the last held meetings, oldest first.
    pub held: Vec<NaiveDate>,
    /// Member organisations.
    pub members: Vec<OrganisationId>,
    /// Every attendance record at those meetings: organisation, meeting date, attendance.
    pub records: Vec<(OrganisationId, NaiveDate, Attendance)>,
}

/// The dates of the last `n` held meetings, the member organisations, and every
/// attendance record at those meetings.
pub fn participation_data(conn: &mut AnyConnection, n: i64) -> Result<ParticipationData> {
    let held: Vec<(String, NaiveDateTime)> = meetings::table
        .filter(meetings::status.eq(MeetingStatus::Held.as_str()))
        .order(meetings::starts_local.desc())
        .limit(n)
        .select((meetings::id, meetings::starts_local))
        .load(conn)?;
    let dates: std::collections::HashMap<String, NaiveDate> =
        held.iter().map(|(id, t)| (id.clone(), t.date())).collect();
    let ids: Vec<String> = held.iter().map(|(id, _)| id.clone()).collect();
    let records: Vec<(String, String, String)> = attendance::table
        .filter(attendance::meeting_id.eq_any(&ids))
        .select((
            attendance::meeting_id,
            attendance::organisation_id,
            attendance::status,
        ))
        .load(conn)?;
    let members: Vec<String> = organisations::table
        .filter(organisations::membership_status.eq(MembershipStatus::Member.as_str()))
        .order((organisations::name, organisations::id))
        .select(organisations::id)
        .load(conn)?;
    let records = records
        .into_iter()
        .filter_map(|(m, o, s)| dates.get(&m).map(|d| (o, *d, s)))
        .map(|(o, d, s)| {
            Ok((
                stored("attendance.organisation_id", OrganisationId::parse(&o))?,
                d,
                stored("attendance.status", Attendance::parse(&s))?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let members = members
        .iter()
        .map(|o| stored("organisations.id", OrganisationId::parse(o)))
        .collect::<Result<Vec<_>>>()?;
    let mut dates: Vec<NaiveDate> = held.into_iter().map(|(_, t)| t.date()).collect();
    dates.reverse();
    Ok(ParticipationData {
        held: dates,
        members,
        records,
    })
}

/// Someone sent the invitation to a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    /// E-mail address.
    pub email: String,
    /// Name.
    pub name: String,
    /// E-mail language (ISO 639-1).
    pub language: String,
    /// The representative, if one.
    pub representative_id: Option<RepresentativeId>,
    /// The guest request, if a guest.
    pub guest_request_id: Option<netzwerk_domain::ids::GuestRequestId>,
    /// The SEQUENCE last sent to them.
    pub sequence: i32,
}

type InviteeRow = (String, String, String, Option<String>, Option<String>, i32);

/// Everyone invited to a meeting so far, by name.
pub fn invitees(conn: &mut AnyConnection, id: MeetingId) -> Result<Vec<Invitee>> {
    use crate::schema::meeting_invitations as inv;
    let rows: Vec<InviteeRow> = inv::table
        .filter(inv::meeting_id.eq(id.to_string()))
        .order((inv::name, inv::email))
        .select((
            inv::email,
            inv::name,
            inv::language,
            inv::representative_id,
            inv::guest_request_id,
            inv::sequence,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(email, name, language, rep, guest, sequence)| {
            Ok(Invitee {
                email,
                name,
                language,
                representative_id: rep
                    .map(|r| {
                        stored(
                            "meeting_invitations.representative_id",
                            RepresentativeId::parse(&r),
                        )
                    })
                    .transpose()?,
                guest_request_id: guest
                    .map(|g| {
                        stored(
                            "meeting_invitations.guest_request_id",
                            netzwerk_domain::ids::GuestRequestId::parse(&g),
                        )
                    })
                    .transpose()?,
                sequence,
            })
        })
        .collect()
}

/// Records that `who` was sent the meeting's invitation (or an update) at `sequence`.
pub fn record_invitation(conn: &mut AnyConnection, id: MeetingId, who: &Invitee) -> Result<()> {
    use crate::schema::meeting_invitations as inv;
    let updated = diesel::update(
        inv::table
            .filter(inv::meeting_id.eq(id.to_string()))
            .filter(inv::email.eq(&who.email)),
    )
    .set(inv::sequence.eq(who.sequence))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(inv::table)
            .values((
                inv::meeting_id.eq(id.to_string()),
                inv::email.eq(&who.email),
                inv::name.eq(&who.name),
                inv::language.eq(&who.language),
                inv::representative_id.eq(who.representative_id.map(|r| r.to_string())),
                inv::guest_request_id.eq(who.guest_request_id.map(|g| g.to_string())),
                inv::sequence.eq(who.sequence),
                inv::invited_at.eq(crate::now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Representatives of every member organisation, by organisation and name.
pub fn member_representatives(conn: &mut AnyConnection) -> Result<Vec<Representative>> {
    let rows: Vec<RepRow> = reps::table
        .inner_join(organisations::table)
        .filter(organisations::membership_status.eq(MembershipStatus::Member.as_str()))
        .order((organisations::name, reps::name, reps::id))
        .select((
            reps::id,
            reps::organisation_id,
            reps::name,
            reps::email,
            reps::language,
        ))
        .load(conn)?;
    rows.into_iter().map(rep_from_row).collect()
}

/// Sets the meeting's status (and logs it).
pub fn set_status(
    conn: &mut AnyConnection,
    actor: &str,
    id: MeetingId,
    status: MeetingStatus,
) -> Result<()> {
    diesel::update(meetings::table.find(id.to_string()))
        .set((
            meetings::status.eq(status.as_str()),
            meetings::updated_at.eq(crate::now()),
        ))
        .execute(conn)?;
    change_log::record(
        conn,
        actor,
        EntityKind::Meeting,
        &id.to_string(),
        None,
        Action::Updated,
        status.as_str(),
    )?;
    Ok(())
}

/// Moves a meeting to another local time. After invitations went out, the change
/// bumps the sequence so calendar programs take it as an update.
pub fn reschedule(
    conn: &mut AnyConnection,
    actor: &str,
    id: MeetingId,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> Result<MeetingRecord> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        current
            .status
            .after(MeetingChange::Reschedule)
            .map_err(refused)?;
        // The accepted agenda must fit into the new length.
        check_fits(
            conn,
            &MeetingRecord {
                start,
                end,
                ..current.clone()
            },
            0,
        )?;
        let bump = i32::from(
            current.status == MeetingStatus::Invited
                && (current.start != start || current.end != end),
        );
        diesel::update(meetings::table.find(id.to_string()))
            .set((
                meetings::starts_local.eq(start),
                meetings::ends_local.eq(end),
                meetings::sequence.eq(current.sequence + bump),
                meetings::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Meeting,
            &id.to_string(),
            None,
            Action::Updated,
            &format!("moved to {start}"),
        )?;
        get(conn, id)
    })
}

/// Calls a meeting off; the sequence is bumped so calendars take the cancellation.
pub fn cancel(
    conn: &mut AnyConnection,
    actor: &str,
    id: MeetingId,
    reason: Option<&str>,
) -> Result<MeetingRecord> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        let cancelled = current
            .status
            .after(MeetingChange::Cancel)
            .map_err(refused)?;
        if current.status == cancelled {
            return Ok(current);
        }
        diesel::update(meetings::table.find(id.to_string()))
            .set((
                meetings::status.eq(cancelled.as_str()),
                meetings::cancellation_reason.eq(reason),
                meetings::sequence.eq(current.sequence + 1),
                meetings::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Meeting,
            &id.to_string(),
            None,
            Action::Updated,
            "cancelled",
        )?;
        get(conn, id)
    })
}

/// Attaches the minutes (Markdown) of a held meeting.
pub fn set_minutes(
    conn: &mut AnyConnection,
    actor: &str,
    id: MeetingId,
    minutes: &str,
) -> Result<()> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        current
            .status
            .after(MeetingChange::RecordMinutes)
            .map_err(refused)?;
        diesel::update(meetings::table.find(id.to_string()))
            .set((
                meetings::minutes.eq(Some(minutes)),
                meetings::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Meeting,
            &id.to_string(),
            None,
            Action::Updated,
            "minutes",
        )?;
        Ok(())
    })
}
