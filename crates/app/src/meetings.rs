//! Network meetings: the schedule, fair host rotation, agendas, representatives,
//! attendance and the participation report. Each use case asks `domain::access` in the
//! transaction that holds its write; the life cycle (`MeetingStatus::after`) is checked
//! by storage in the same transaction. Meetings are read as [`MeetingView`]s: a list of
//! any length costs three statements (meetings, agendas, declines).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime, Utc};
use netzwerk_domain::ValidationError;
use netzwerk_domain::access::Actor;
use netzwerk_domain::error::Checker;
use netzwerk_domain::ids::{AgendaItemId, LocationId, MeetingId, OrganisationId, RepresentativeId};
use netzwerk_domain::meeting::{Attendance, CadenceInput, Participation, next_host};
use netzwerk_storage::AnyConnection;
use netzwerk_storage::meetings::{self, NewAgendaItem};

pub use netzwerk_storage::meetings::{AgendaItem, MeetingRecord, Representative};

use crate::Hub;
use crate::error::{Error, Result};
use crate::invitations::{self, MeetingSettings};

/// A meeting as the actor may see it: its agenda filtered by
/// `Actor::may_see_agenda_item`, its minutes for members only.
#[derive(Debug, Clone)]
pub struct MeetingView {
    /// The meeting.
    pub record: MeetingRecord,
    /// The agenda items the actor may see, in order.
    pub agenda: Vec<AgendaItem>,
    /// Organisations that declined to host it.
    pub declined_by: Vec<OrganisationId>,
    /// The minutes, if recorded and the actor is a member.
    pub minutes: Option<String>,
}

impl MeetingView {
    /// Why the meeting was called off: only a cancelled meeting has a reason.
    pub fn cancellation_reason(&self) -> Option<&str> {
        (self.record.status == netzwerk_domain::meeting::MeetingStatus::Cancelled)
            .then_some(self.record.cancellation_reason.as_deref())
            .flatten()
    }
}

/// How many meetings `schedule` creates when not told.
pub const DEFAULT_SCHEDULE_COUNT: i32 = 6;
/// How many held meetings the participation report looks back on when not told.
pub const DEFAULT_REPORT_MEETINGS: i32 = 6;
/// The attendance rate under which the participation report flags an organisation,
/// when not told.
pub const DEFAULT_REPORT_THRESHOLD: f64 = 0.5;

/// The views of `records`, with two statements for all of them.
pub(crate) fn views_in(
    conn: &mut AnyConnection,
    actor: Actor,
    records: Vec<MeetingRecord>,
) -> Result<Vec<MeetingView>> {
    let ids: Vec<MeetingId> = records.iter().map(|m| m.id).collect();
    let (mut agendas, mut declines) = if ids.is_empty() {
        (HashMap::new(), HashMap::new())
    } else {
        (
            meetings::agendas_of(conn, &ids)?,
            meetings::declined_of(conn, &ids)?,
        )
    };
    Ok(records
        .into_iter()
        .map(|record| {
            let agenda = agendas
                .remove(&record.id)
                .unwrap_or_default()
                .into_iter()
                .filter(|i| actor.may_see_agenda_item(i.status, i.proposed_by))
                .collect();
            let minutes = record
                .minutes
                .clone()
                .filter(|_| actor.may_read_members_only());
            MeetingView {
                declined_by: declines.remove(&record.id).unwrap_or_default(),
                agenda,
                minutes,
                record,
            }
        })
        .collect())
}

/// One meeting's view.
pub(crate) fn view_in(
    conn: &mut AnyConnection,
    actor: Actor,
    id: MeetingId,
) -> Result<MeetingView> {
    let record = meetings::get(conn, id)?;
    views_in(conn, actor, vec![record])?
        .pop()
        .ok_or_else(|| Error::NotFound(format!("meeting {id}")))
}

/// The organisations and locations a list of meetings names (hosts, places, declines,
/// presenters, proposers), read with the list.
#[derive(Debug, Default)]
pub struct Related {
    /// Every organisation named.
    pub organisations: Vec<netzwerk_storage::organisations::OrganisationRecord>,
    /// Every place.
    pub locations: Vec<netzwerk_storage::locations::LocationRecord>,
}

/// Meetings starting between two local dates (default: the next year), by start, with
/// the organisations and locations they name: five statements however many.
pub async fn list(
    hub: &Hub,
    actor: Actor,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(Vec<MeetingView>, Related)> {
    let today = Utc::now().date_naive();
    let from = from.unwrap_or(today).and_time(NaiveTime::MIN);
    let to = to
        .unwrap_or(today + chrono::Duration::days(366))
        .and_time(NaiveTime::MIN);
    hub.read(move |c| {
        let records = meetings::between(c, from, to)?;
        let views = views_in(c, actor, records)?;
        let mut orgs: Vec<OrganisationId> = views
            .iter()
            .flat_map(|v| {
                v.record
                    .host
                    .into_iter()
                    .chain(v.declined_by.iter().copied())
                    .chain(
                        v.agenda
                            .iter()
                            .flat_map(|i| i.presenter.into_iter().chain(i.proposed_by)),
                    )
            })
            .collect();
        orgs.sort();
        orgs.dedup();
        let mut places: Vec<LocationId> =
            views.iter().filter_map(|v| v.record.location_id).collect();
        places.sort();
        places.dedup();
        let related = Related {
            organisations: if orgs.is_empty() {
                Vec::new()
            } else {
                netzwerk_storage::organisations::get_many(c, &orgs)?
            },
            locations: if places.is_empty() {
                Vec::new()
            } else {
                netzwerk_storage::locations::get_many(c, &places)?
            },
        };
        Ok((views, related))
    })
    .await
}

/// Meetings by id, as the actor may see them (for the gateway's DataLoader: one
/// statement for the meetings, one each for their agendas and declines).
pub async fn views(
    hub: &Hub,
    actor: Actor,
    ids: Vec<MeetingId>,
) -> Result<HashMap<MeetingId, MeetingView>> {
    hub.read(move |c| {
        let records = meetings::get_many(c, &ids)?;
        Ok(views_in(c, actor, records)?
            .into_iter()
            .map(|v| (v.record.id, v))
            .collect())
    })
    .await
}

/// One meeting.
pub async fn get(hub: &Hub, actor: Actor, id: MeetingId) -> Result<MeetingView> {
    hub.read(move |c| view_in(c, actor, id)).await
}

/// A new series of meetings.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The series' name.
    pub name: String,
    /// When its meetings take place (defaults: every two months, second Wednesday).
    pub cadence: CadenceInput,
    /// The first day a meeting may fall on.
    pub from: NaiveDate,
    /// How many meetings, 1 to 24.
    pub count: i64,
}

/// Creates a series and its next meetings (coordinator).
pub async fn schedule(hub: &Hub, actor: Actor, cmd: Schedule) -> Result<Vec<MeetingView>> {
    actor.may_administer()?;
    let mut c = Checker::new();
    let name = c.take(
        "name",
        netzwerk_domain::error::required_text(&cmd.name, 200),
    );
    c.check(
        (1..=24).contains(&cmd.count),
        "count",
        "range",
        format!("must be 1 to 24, got {}", cmd.count),
    );
    let cadence = c.take("cadence", cmd.cadence.validate());
    let (name, cadence) = match c.finish(|| (name, cadence))? {
        (Some(n), Some(c)) => (n, c),
        _ => return Err(Error::Internal("a checked field is missing".into())),
    };
    let dates = cadence.dates(cmd.from, usize::try_from(cmd.count).unwrap_or(6));
    hub.transact(move |c| {
        actor.may_administer()?;
        let (_, made) = meetings::create_series(c, &actor.label(), &name, &cadence, &dates)?;
        views_in(c, actor, made)
    })
    .await
}

/// Chooses the host by fair rotation — the member with a location that hosted longest
/// ago, or never, and has not declined — with its first location; everyone invited
/// gets the update.
pub(crate) fn rotate_in(
    conn: &mut AnyConnection,
    label: &str,
    id: MeetingId,
    settings: &MeetingSettings,
) -> Result<()> {
    let candidates = meetings::host_candidates(conn, id)?;
    let declined = meetings::declined(conn, id)?;
    let Some(host) = next_host(&candidates, &declined) else {
        return Err(ValidationError::new(
            "meetingId",
            "no_host",
            "no member organisation with a location is left to host this meeting",
        )
        .into());
    };
    let location = meetings::first_location(conn, host)?;
    meetings::set_host(conn, label, id, Some(host), location)?;
    invitations::send_updates(conn, id, settings)?;
    Ok(())
}

/// Chooses the host by fair rotation (coordinator).
pub async fn assign_host(hub: &Hub, actor: Actor, id: MeetingId) -> Result<MeetingView> {
    actor.may_administer()?;
    let settings = hub.settings().meetings.clone();
    hub.transact(move |c| {
        actor.may_administer()?;
        rotate_in(c, &actor.label(), id, &settings)?;
        view_in(c, actor, id)
    })
    .await
}

/// The host declines the date (its editors, the coordinator); the next in rotation is
/// chosen.
pub async fn decline_hosting(hub: &Hub, actor: Actor, id: MeetingId) -> Result<MeetingView> {
    actor.must_be_signed_in()?;
    let settings = hub.settings().meetings.clone();
    hub.transact(move |c| {
        let current = meetings::get(c, id)?;
        let Some(host) = current.host else {
            return Err(ValidationError::new(
                "meetingId",
                "no_host",
                "the meeting has no host to decline",
            )
            .into());
        };
        actor.may_decline_hosting(host)?;
        meetings::decline(c, &actor.label(), id, host)?;
        rotate_in(c, &actor.label(), id, &settings)?;
        view_in(c, actor, id)
    })
    .await
}

/// Sets host and location by hand (coordinator); the location must be the host's
/// (default: its first).
pub async fn set_host(
    hub: &Hub,
    actor: Actor,
    id: MeetingId,
    host: OrganisationId,
    location: Option<LocationId>,
) -> Result<MeetingView> {
    actor.may_administer()?;
    let settings = hub.settings().meetings.clone();
    hub.transact(move |c| {
        actor.may_administer()?;
        let location = match location {
            Some(l) => Some(l),
            None => meetings::first_location(c, host)?,
        };
        if location.is_none() {
            return Err(ValidationError::new(
                "organisationId",
                "host_location",
                "the host has no location to meet at",
            )
            .into());
        }
        meetings::set_host(c, &actor.label(), id, Some(host), location)?;
        invitations::send_updates(c, id, &settings)?;
        view_in(c, actor, id)
    })
    .await
}

/// An agenda item put forward.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// The meeting.
    pub meeting: MeetingId,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Who presents it (an editor: their own organisation only).
    pub presenter: Option<OrganisationId>,
    /// Minutes it takes, 5 to 600 (default 15).
    pub duration_minutes: Option<i64>,
}

/// Proposes an agenda item. A member's proposal waits for the coordinator; the
/// coordinator's own items are accepted at once (and must fit into the meeting).
pub async fn propose_agenda_item(hub: &Hub, actor: Actor, cmd: Proposal) -> Result<AgendaItem> {
    let mut c = Checker::new();
    let title = c.take(
        "title",
        netzwerk_domain::error::required_text(&cmd.title, 200),
    );
    let description = cmd
        .description
        .as_deref()
        .and_then(|d| {
            c.take(
                "description",
                netzwerk_domain::error::optional_text(d, 5000),
            )
        })
        .flatten();
    let duration = cmd.duration_minutes.unwrap_or(15);
    c.check(
        (5..=600).contains(&duration),
        "durationMinutes",
        "range",
        format!("must be 5 to 600, got {duration}"),
    );
    actor.must_be_signed_in()?;
    let title = c.finish(|| title.unwrap_or_default())?;
    let proposed_by = actor.may_propose_agenda_item(cmd.presenter)?;
    let item = NewAgendaItem {
        title,
        description,
        presenter: cmd.presenter.or(proposed_by),
        duration_minutes: i32::try_from(duration).unwrap_or(15),
    };
    let meeting = cmd.meeting;
    hub.transact(move |c| {
        Ok(meetings::add_item(
            c,
            &actor.label(),
            meeting,
            &item,
            proposed_by,
        )?)
    })
    .await
}

/// Accepts or declines a proposed agenda item (coordinator).
pub async fn decide_agenda_item(
    hub: &Hub,
    actor: Actor,
    item: AgendaItemId,
    accept: bool,
) -> Result<AgendaItem> {
    actor.may_administer()?;
    hub.transact(move |c| {
        actor.may_administer()?;
        Ok(meetings::decide_item(c, &actor.label(), item, accept)?)
    })
    .await
}

/// Makes the agenda final, no longer preliminary (coordinator).
pub async fn finalise_agenda(hub: &Hub, actor: Actor, id: MeetingId) -> Result<MeetingView> {
    actor.may_administer()?;
    hub.transact(move |c| {
        actor.may_administer()?;
        meetings::finalise_agenda(c, &actor.label(), id)?;
        view_in(c, actor, id)
    })
    .await
}

/// A person a member organisation sends to meetings.
#[derive(Debug, Clone)]
pub struct NewRepresentative {
    /// Whose.
    pub organisation: OrganisationId,
    /// Name.
    pub name: String,
    /// E-mail address for invitations.
    pub email: String,
    /// Invitation language, ISO 639-1 (default `de`).
    pub language: Option<String>,
}

/// Names a representative (the organisation's editors, the coordinator).
pub async fn add_representative(
    hub: &Hub,
    actor: Actor,
    cmd: NewRepresentative,
) -> Result<Representative> {
    actor.may_edit(cmd.organisation)?;
    let mut c = Checker::new();
    let name = c.take("name", netzwerk_domain::error::single_line(&cmd.name, 200));
    let email = c.take(
        "email",
        netzwerk_domain::email::EmailAddress::parse(&cmd.email),
    );
    let language = c.take(
        "language",
        netzwerk_domain::language::LanguageCode::parse(cmd.language.as_deref().unwrap_or("de")),
    );
    let (name, email, language) = match c.finish(|| (name, email, language))? {
        (Some(n), Some(e), Some(l)) => (n, e.to_string(), l.to_string()),
        _ => return Err(Error::Internal("a checked field is missing".into())),
    };
    let org = cmd.organisation;
    hub.transact(move |c| {
        actor.may_edit(org)?;
        Ok(meetings::add_representative(
            c,
            &actor.label(),
            org,
            &name,
            &email,
            &language,
        )?)
    })
    .await
}

/// An organisation's representatives (its editors, the coordinator).
pub async fn representatives(
    hub: &Hub,
    actor: Actor,
    organisation: OrganisationId,
) -> Result<Vec<Representative>> {
    actor.may_edit(organisation)?;
    Ok(hub
        .database()
        .run(move |c| meetings::representatives_of(c, organisation))
        .await?)
}

/// Records a representative's attendance; the meeting counts as held (coordinator).
pub async fn record_attendance(
    hub: &Hub,
    actor: Actor,
    id: MeetingId,
    representative: RepresentativeId,
    attendance: Attendance,
) -> Result<MeetingView> {
    actor.may_administer()?;
    hub.transact(move |c| {
        actor.may_administer()?;
        meetings::record_attendance(c, &actor.label(), id, representative, attendance)?;
        view_in(c, actor, id)
    })
    .await
}

/// Attendance per member organisation over the last `last_meetings` held meetings;
/// rates under `threshold` are flagged (coordinator).
pub async fn participation_report(
    hub: &Hub,
    actor: Actor,
    last_meetings: i64,
    threshold: f64,
) -> Result<Vec<Participation>> {
    actor.may_administer()?;
    if !(1..=100).contains(&last_meetings) || !(0.0..=1.0).contains(&threshold) {
        return Err(ValidationError::new(
            "lastMeetings",
            "range",
            "lastMeetings must be 1 to 100 and threshold 0 to 1",
        )
        .into());
    }
    let data = hub
        .database()
        .run(move |c| meetings::participation_data(c, last_meetings))
        .await?;
    Ok(netzwerk_domain::meeting::participation(
        &data.members,
        &data.held,
        &data.records,
        threshold,
    ))
}
