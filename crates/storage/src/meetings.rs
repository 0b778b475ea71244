//! Network meetings: series, meetings, host assignment and declines.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{exists, max};
use diesel::prelude::*;
use netzwerk_domain::ids::{LocationId, MeetingId, MeetingSeriesId, OrganisationId};
use netzwerk_domain::location::Timezone;
use netzwerk_domain::meeting::{Cadence, HostCandidate, MeetingStatus};
use netzwerk_domain::organisation::MembershipStatus;

use crate::change_log::{self, Action, EntityKind};
use crate::error::stored;
use crate::schema::{
    locations, meeting_host_declines as declines, meeting_series as series, meetings, organisations,
};
use crate::{AnyConnection, Result, StorageError};

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
