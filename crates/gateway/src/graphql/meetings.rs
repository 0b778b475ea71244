//! Network meetings in the API: the schedule and fair host rotation, agendas,
//! representatives, attendance and the participation report — each resolver calls one
//! use case of `netzwerk_app::meetings`. Guests, invitations, cancellation and minutes
//! are in `guests.rs`.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use netzwerk_app::meetings::{self, MeetingView, NewRepresentative, Proposal, Schedule};
use netzwerk_domain::ids::{AgendaItemId, LocationId, MeetingId, OrganisationId, RepresentativeId};
use netzwerk_domain::meeting::CadenceInput as DCadence;

use super::context::{actor, hub, loader, parse_id, prefs};
use super::enums::{AgendaItemStatus, MeetingStatus};
use super::error::load_error;
use super::error::{ApiResult, app};
use super::objects::{Location, Organisation, organisation_of};

/// When a series' meetings take place.
#[derive(InputObject, Default)]
pub struct CadenceInput {
    /// Months between meetings (default 2).
    pub every_months: Option<i32>,
    /// ISO weekday, 1 = Monday (default 3, Wednesday).
    pub weekday: Option<i32>,
    /// Week of the month, 1–4, or 5 for the last (default 2).
    pub week: Option<i32>,
    /// Local start `HH:MM` (default 14:00).
    pub start: Option<String>,
    /// Length in minutes (default 120).
    pub duration_minutes: Option<i32>,
    /// IANA time zone (default Europe/Berlin).
    pub timezone: Option<String>,
}

/// A network meeting (Sitzung).
pub struct Meeting(MeetingView);

impl From<MeetingView> for Meeting {
    fn from(m: MeetingView) -> Self {
        Self(m)
    }
}

/// Organisations by id, through the request's DataLoader (one statement for all).
async fn organisations(ctx: &Context<'_>, ids: &[OrganisationId]) -> ApiResult<Vec<Organisation>> {
    let found = loader(ctx)
        .load_many(ids.iter().copied())
        .await
        .map_err(load_error)?;
    Ok(ids
        .iter()
        .filter_map(|id| found.get(id).cloned())
        .map(|rec| Organisation::new(rec, prefs(ctx)))
        .collect())
}

#[Object]
impl Meeting {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.record.id.to_string())
    }
    /// Local start.
    async fn local_start(&self) -> NaiveDateTime {
        self.0.record.start
    }
    /// Local end.
    async fn local_end(&self) -> NaiveDateTime {
        self.0.record.end
    }
    /// Start instant.
    async fn start(&self) -> DateTime<Utc> {
        self.0.record.timezone.instant(self.0.record.start)
    }
    /// End instant.
    async fn end(&self) -> DateTime<Utc> {
        self.0.record.timezone.instant(self.0.record.end)
    }
    /// IANA time zone.
    async fn timezone(&self) -> String {
        self.0.record.timezone.to_string()
    }
    /// Where it stands: planned → invited → held, or cancelled.
    async fn status(&self) -> MeetingStatus {
        self.0.record.status.into()
    }
    /// The minutes (Markdown), once recorded; members only.
    async fn minutes(&self) -> Option<&str> {
        self.0.minutes.as_deref()
    }
    /// Why the meeting was called off.
    async fn cancellation_reason(&self) -> Option<&str> {
        self.0.cancellation_reason()
    }
    /// The host organisation.
    async fn host(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        match self.0.record.host {
            Some(h) => Ok(Some(organisation_of(ctx, h, &prefs(ctx)).await?)),
            None => Ok(None),
        }
    }
    /// Where it takes place (with accessibility and transport hint).
    async fn location(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        match self.0.record.location_id {
            Some(l) => Ok(loader(ctx)
                .load_one(l)
                .await
                .map_err(load_error)?
                .map(|l| Location::new(l, prefs(ctx)))),
            None => Ok(None),
        }
    }
    /// Organisations that declined to host it.
    async fn declined_by(&self, ctx: &Context<'_>) -> ApiResult<Vec<Organisation>> {
        organisations(ctx, &self.0.declined_by).await
    }
    /// Bumped whenever time or place change after invitations went out.
    async fn sequence(&self) -> i32 {
        self.0.record.sequence
    }
    /// False while the agenda is preliminary.
    async fn agenda_final(&self) -> bool {
        self.0.record.agenda_final
    }
    /// The agenda, in order: accepted items for everyone; proposals also for the
    /// coordinator and for the members that made them.
    async fn agenda(&self) -> Vec<AgendaItem> {
        self.0.agenda.iter().cloned().map(AgendaItem).collect()
    }
}

/// An item on a meeting's agenda.
pub struct AgendaItem(meetings::AgendaItem);

#[Object]
impl AgendaItem {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Order on the agenda.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Minutes it takes.
    async fn duration_minutes(&self) -> i32 {
        self.0.duration_minutes
    }
    /// Proposed, accepted or declined.
    async fn status(&self) -> AgendaItemStatus {
        self.0.status.into()
    }
    /// Who presents it.
    async fn presenter(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        match self.0.presenter {
            Some(o) => Ok(Some(organisation_of(ctx, o, &prefs(ctx)).await?)),
            None => Ok(None),
        }
    }
    /// The member that proposed it (null: added by the coordinator).
    async fn proposed_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        match self.0.proposed_by {
            Some(o) => Ok(Some(organisation_of(ctx, o, &prefs(ctx)).await?)),
            None => Ok(None),
        }
    }
}

/// A person a member organisation sends to meetings.
#[derive(async_graphql::SimpleObject)]
pub struct Representative {
    /// Id.
    pub id: ID,
    /// Name.
    pub name: String,
    /// E-mail address for invitations.
    pub email: String,
    /// Invitation language (ISO 639-1).
    pub language: String,
}

impl From<meetings::Representative> for Representative {
    fn from(r: meetings::Representative) -> Self {
        Self {
            id: ID(r.id.to_string()),
            name: r.name,
            email: r.email,
            language: r.language,
        }
    }
}

/// Attendance of a participant at a held meeting.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttendanceStatus {
    /// Was there.
    Present,
    /// Sent apologies.
    Excused,
    /// Missing without apology.
    Absent,
}

impl From<AttendanceStatus> for netzwerk_domain::meeting::Attendance {
    fn from(a: AttendanceStatus) -> Self {
        match a {
            AttendanceStatus::Present => Self::Present,
            AttendanceStatus::Excused => Self::Excused,
            AttendanceStatus::Absent => Self::Absent,
        }
    }
}

/// One member organisation's attendance over the last held meetings.
pub struct ParticipationRow(netzwerk_domain::meeting::Participation);

#[Object]
impl ParticipationRow {
    /// The organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        organisation_of(ctx, self.0.organisation, &prefs(ctx)).await
    }
    /// Held meetings considered.
    async fn meetings(&self) -> usize {
        self.0.meetings
    }
    /// Meetings at which someone of it was present.
    async fn attended(&self) -> usize {
        self.0.attended
    }
    /// Meetings it missed with apologies.
    async fn excused(&self) -> usize {
        self.0.excused
    }
    /// `attended / meetings`.
    async fn rate(&self) -> f64 {
        self.0.rate
    }
    /// The last meeting it attended.
    async fn last_attended(&self) -> Option<NaiveDate> {
        self.0.last_attended
    }
    /// True when the rate is below the threshold asked for.
    async fn below_threshold(&self) -> bool {
        self.0.below_threshold
    }
}

/// Queries over meetings.
#[derive(Default)]
pub struct MeetingQuery;

#[Object]
impl MeetingQuery {
    /// Meetings starting between two local dates (default: the next year), by start.
    #[graphql(cache_control(max_age = 60))]
    async fn meetings(
        &self,
        ctx: &Context<'_>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> ApiResult<Vec<Meeting>> {
        let (list, related) = meetings::list(hub(ctx), actor(ctx), from, to)
            .await
            .map_err(app)?;
        // What the meetings name comes with them: the loader answers from it.
        loader(ctx)
            .feed_many(
                related
                    .organisations
                    .into_iter()
                    .map(|o| (o.id, std::sync::Arc::new(o))),
            )
            .await;
        loader(ctx)
            .feed_many(related.locations.into_iter().map(|l| (l.id, l)))
            .await;
        Ok(list.into_iter().map(Meeting).collect())
    }

    /// An organisation's representatives (its editors and the coordinator).
    #[graphql(cache_control(private, no_cache))]
    async fn representatives(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
    ) -> ApiResult<Vec<Representative>> {
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        meetings::representatives(hub(ctx), actor(ctx), org)
            .await
            .map(|list| list.into_iter().map(Into::into).collect())
            .map_err(app)
    }

    /// Attendance per member organisation over the last `lastMeetings` held meetings;
    /// `belowThreshold` flags rates under `threshold` (coordinator).
    #[graphql(cache_control(private, no_cache))]
    async fn participation_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "meetings::DEFAULT_REPORT_MEETINGS")] last_meetings: i32,
        #[graphql(default_with = "meetings::DEFAULT_REPORT_THRESHOLD")] threshold: f64,
    ) -> ApiResult<Vec<ParticipationRow>> {
        meetings::participation_report(hub(ctx), actor(ctx), i64::from(last_meetings), threshold)
            .await
            .map(|rows| rows.into_iter().map(ParticipationRow).collect())
            .map_err(app)
    }
}

/// Changes to meetings.
#[derive(Default)]
pub struct MeetingMutation;

#[Object]
impl MeetingMutation {
    /// Creates a meeting series and its next `count` meetings from `from` on (coordinator).
    async fn schedule_meetings(
        &self,
        ctx: &Context<'_>,
        name: String,
        cadence: Option<CadenceInput>,
        from: NaiveDate,
        #[graphql(default_with = "meetings::DEFAULT_SCHEDULE_COUNT")] count: i32,
    ) -> ApiResult<Vec<Meeting>> {
        let c = cadence.unwrap_or_default();
        let cmd = Schedule {
            name,
            cadence: DCadence {
                every_months: c.every_months.map(i64::from),
                weekday: c.weekday.map(i64::from),
                week: c.week.map(i64::from),
                start: c.start,
                duration_minutes: c.duration_minutes.map(i64::from),
                timezone: c.timezone,
            },
            from,
            count: i64::from(count),
        };
        meetings::schedule(hub(ctx), actor(ctx), cmd)
            .await
            .map(|list| list.into_iter().map(Meeting).collect())
            .map_err(app)
    }

    /// Chooses the host by fair rotation: the member (with a location) that hosted
    /// longest ago, or never (coordinator).
    async fn assign_host(&self, ctx: &Context<'_>, meeting_id: ID) -> ApiResult<Meeting> {
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        meetings::assign_host(hub(ctx), actor(ctx), id)
            .await
            .map(Meeting)
            .map_err(app)
    }

    /// The host declines the date (its editors); the next in order is chosen.
    async fn decline_hosting(&self, ctx: &Context<'_>, meeting_id: ID) -> ApiResult<Meeting> {
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        meetings::decline_hosting(hub(ctx), actor(ctx), id)
            .await
            .map(Meeting)
            .map_err(app)
    }

    /// Proposes an agenda item. A member's proposal waits for the coordinator; the
    /// coordinator's own items are accepted at once (and must fit into the meeting).
    async fn propose_agenda_item(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        title: String,
        description: Option<String>,
        presenter_organisation_id: Option<ID>,
        #[graphql(desc = "Minutes it takes (default 15).")] duration_minutes: Option<i32>,
    ) -> ApiResult<AgendaItem> {
        let meeting = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let presenter = presenter_organisation_id
            .as_ref()
            .map(|p| parse_id("presenterOrganisationId", p, OrganisationId::parse))
            .transpose()?;
        let cmd = Proposal {
            meeting,
            title,
            description,
            presenter,
            duration_minutes: duration_minutes.map(i64::from),
        };
        meetings::propose_agenda_item(hub(ctx), actor(ctx), cmd)
            .await
            .map(AgendaItem)
            .map_err(app)
    }

    /// Accepts or declines a proposed agenda item (coordinator).
    async fn decide_agenda_item(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
        accept: bool,
    ) -> ApiResult<AgendaItem> {
        let item = parse_id("itemId", &item_id, AgendaItemId::parse)?;
        meetings::decide_agenda_item(hub(ctx), actor(ctx), item, accept)
            .await
            .map(AgendaItem)
            .map_err(app)
    }

    /// Makes the agenda final, no longer preliminary (coordinator).
    async fn finalise_agenda(&self, ctx: &Context<'_>, meeting_id: ID) -> ApiResult<Meeting> {
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        meetings::finalise_agenda(hub(ctx), actor(ctx), id)
            .await
            .map(Meeting)
            .map_err(app)
    }

    /// Names a representative of an organisation (its editors, the coordinator).
    async fn add_representative(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        name: String,
        email: String,
        #[graphql(desc = "Invitation language, ISO 639-1 (default de).")] language: Option<String>,
    ) -> ApiResult<Representative> {
        let organisation = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        let cmd = NewRepresentative {
            organisation,
            name,
            email,
            language,
        };
        meetings::add_representative(hub(ctx), actor(ctx), cmd)
            .await
            .map(Into::into)
            .map_err(app)
    }

    /// Records a representative's attendance; the meeting counts as held (coordinator).
    async fn record_attendance(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        representative_id: ID,
        status: AttendanceStatus,
    ) -> ApiResult<Meeting> {
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let rep = parse_id(
            "representativeId",
            &representative_id,
            RepresentativeId::parse,
        )?;
        meetings::record_attendance(hub(ctx), actor(ctx), id, rep, status.into())
            .await
            .map(Meeting)
            .map_err(app)
    }

    /// Sets host and location by hand (coordinator). The location must be the host's.
    async fn set_meeting_host(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        organisation_id: ID,
        location_id: Option<ID>,
    ) -> ApiResult<Meeting> {
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let host = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        let location = location_id
            .as_ref()
            .map(|l| parse_id("locationId", l, LocationId::parse))
            .transpose()?;
        meetings::set_host(hub(ctx), actor(ctx), id, host, location)
            .await
            .map(Meeting)
            .map_err(app)
    }
}
