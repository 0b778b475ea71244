//! Network meetings in the API: the schedule and fair host rotation, agendas,
//! representatives, attendance and the participation report. Guests, invitations,
//! cancellation and minutes are in `guests.rs`.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use netzwerk_domain::ValidationError;
use netzwerk_domain::access::Actor;
use netzwerk_domain::ids::{AgendaItemId, LocationId, MeetingId, OrganisationId, RepresentativeId};
use netzwerk_domain::meeting::{CadenceInput as DCadence, next_host};
use netzwerk_storage::meetings::{self, AgendaItem as SItem, MeetingRecord, NewAgendaItem};

use super::context::{loader, parse_id, prefs, viewer};
use super::error::{ApiResult, denied, storage, validation};
use super::mutation::{check, label, must_sign_in, valid};
use super::objects::{Location, Organisation, load_error, organisation_of};
use super::query::db;

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
pub struct Meeting(MeetingRecord);

impl From<MeetingRecord> for Meeting {
    fn from(m: MeetingRecord) -> Self {
        Self(m)
    }
}

#[Object]
impl Meeting {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Local start.
    async fn local_start(&self) -> NaiveDateTime {
        self.0.start
    }
    /// Local end.
    async fn local_end(&self) -> NaiveDateTime {
        self.0.end
    }
    /// Start instant.
    async fn start(&self) -> DateTime<Utc> {
        self.0.timezone.instant(self.0.start)
    }
    /// End instant.
    async fn end(&self) -> DateTime<Utc> {
        self.0.timezone.instant(self.0.end)
    }
    /// IANA time zone.
    async fn timezone(&self) -> String {
        self.0.timezone.to_string()
    }
    /// `PLANNED`, `INVITED`, `HELD` or `CANCELLED`.
    async fn status(&self) -> &'static str {
        match self.0.status {
            netzwerk_domain::meeting::MeetingStatus::Planned => "PLANNED",
            netzwerk_domain::meeting::MeetingStatus::Invited => "INVITED",
            netzwerk_domain::meeting::MeetingStatus::Held => "HELD",
            netzwerk_domain::meeting::MeetingStatus::Cancelled => "CANCELLED",
        }
    }
    /// The minutes (Markdown), once recorded; members only.
    async fn minutes(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        if !viewer(ctx).actor.may_read_members_only() {
            return Ok(None);
        }
        let id = self.0.id;
        let (minutes, _) = db(ctx)
            .run(move |c| meetings::notes(c, id))
            .await
            .map_err(storage)?;
        Ok(minutes)
    }
    /// Why the meeting was called off.
    async fn cancellation_reason(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        if self.0.status != netzwerk_domain::meeting::MeetingStatus::Cancelled {
            return Ok(None);
        }
        let id = self.0.id;
        let (_, reason) = db(ctx)
            .run(move |c| meetings::notes(c, id))
            .await
            .map_err(storage)?;
        Ok(reason)
    }
    /// The host organisation.
    async fn host(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        match self.0.host {
            Some(h) => Ok(Some(organisation_of(ctx, h, &prefs(ctx)).await?)),
            None => Ok(None),
        }
    }
    /// Where it takes place (with accessibility and transport hint).
    async fn location(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        match self.0.location_id {
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
        let id = self.0.id;
        let ids = db(ctx)
            .run(move |c| meetings::declined(c, id))
            .await
            .map_err(storage)?;
        let mut out = Vec::new();
        for o in ids {
            out.push(organisation_of(ctx, o, &prefs(ctx)).await?);
        }
        Ok(out)
    }
    /// Bumped whenever time or place change after invitations went out.
    async fn sequence(&self) -> i32 {
        self.0.sequence
    }
    /// False while the agenda is preliminary.
    async fn agenda_final(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let id = self.0.id;
        db(ctx)
            .run(move |c| meetings::agenda_final(c, id))
            .await
            .map_err(storage)
    }
    /// The agenda, in order: accepted items for everyone; proposals also for the
    /// coordinator and for the members that made them.
    async fn agenda(&self, ctx: &Context<'_>) -> ApiResult<Vec<AgendaItem>> {
        let id = self.0.id;
        let actor = viewer(ctx).actor;
        let items = db(ctx)
            .run(move |c| meetings::agenda_of(c, id))
            .await
            .map_err(storage)?;
        Ok(items
            .into_iter()
            .filter(|i| {
                i.status == netzwerk_domain::meeting::AgendaItemStatus::Accepted
                    || matches!(actor, Actor::Coordinator { .. })
                    || i.proposed_by.is_some_and(|o| actor.may_edit(o).is_ok())
            })
            .map(AgendaItem)
            .collect())
    }
}

/// An item on a meeting's agenda.
pub struct AgendaItem(SItem);

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
    /// `PROPOSED`, `ACCEPTED` or `DECLINED`.
    async fn status(&self) -> String {
        self.0.status.as_str().to_ascii_uppercase()
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
    async fn meetings(
        &self,
        ctx: &Context<'_>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> ApiResult<Vec<Meeting>> {
        let today = Utc::now().date_naive();
        let from = from.unwrap_or(today).and_time(chrono::NaiveTime::MIN);
        let to = to
            .unwrap_or(today + chrono::Duration::days(366))
            .and_time(chrono::NaiveTime::MIN);
        let list = db(ctx)
            .run(move |c| meetings::between(c, from, to))
            .await
            .map_err(storage)?;
        Ok(list.into_iter().map(Meeting).collect())
    }

    /// An organisation's representatives (its editors and the coordinator).
    async fn representatives(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
    ) -> ApiResult<Vec<Representative>> {
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        check(viewer(ctx).actor.may_edit(org))?;
        let list = db(ctx)
            .run(move |c| meetings::representatives_of(c, org))
            .await
            .map_err(storage)?;
        Ok(list.into_iter().map(Into::into).collect())
    }

    /// Attendance per member organisation over the last `lastMeetings` held meetings;
    /// `belowThreshold` flags rates under `threshold` (coordinator).
    async fn participation_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 6)] last_meetings: i32,
        #[graphql(default = 0.5)] threshold: f64,
    ) -> ApiResult<Vec<ParticipationRow>> {
        check(viewer(ctx).actor.may_administer())?;
        if !(1..=100).contains(&last_meetings) || !(0.0..=1.0).contains(&threshold) {
            return Err(validation(&ValidationError::new(
                "lastMeetings",
                "range",
                "lastMeetings must be 1 to 100 and threshold 0 to 1",
            )));
        }
        let n = i64::from(last_meetings);
        let data = db(ctx)
            .run(move |c| meetings::participation_data(c, n))
            .await
            .map_err(storage)?;
        Ok(netzwerk_domain::meeting::participation(
            &data.members,
            &data.held,
            &data.records,
            threshold,
        )
        .into_iter()
        .map(ParticipationRow)
        .collect())
    }
}

/// Changes to meetings.
#[derive(Default)]
pub struct MeetingMutation;

/// Picks the host by rotation (honouring declines) and its first location.
async fn rotate(ctx: &Context<'_>, id: MeetingId, actor: String) -> ApiResult<Meeting> {
    let settings = ctx
        .data_unchecked::<super::SchemaSettings>()
        .meetings
        .clone();
    let rec = db(ctx)
        .write(move |c| {
            netzwerk_storage::transaction(c, |c| {
                let candidates = meetings::host_candidates(c, id)?;
                let declined = meetings::declined(c, id)?;
                let Some(host) = next_host(&candidates, &declined) else {
                    return Err(ValidationError::new(
                        "meetingId",
                        "no_host",
                        "no member organisation with a location is left to host this meeting",
                    )
                    .into());
                };
                let location = meetings::first_location(c, host)?;
                meetings::set_host(c, &actor, id, Some(host), location)?;
                netzwerk_app::invitations::send_updates(c, id, &settings)?;
                meetings::get(c, id)
            })
        })
        .await
        .map_err(storage)?;
    Ok(Meeting(rec))
}

#[Object]
impl MeetingMutation {
    /// Creates a meeting series and its next `count` meetings from `from` on (coordinator).
    async fn schedule_meetings(
        &self,
        ctx: &Context<'_>,
        name: String,
        cadence: Option<CadenceInput>,
        from: NaiveDate,
        #[graphql(default = 6)] count: i32,
    ) -> ApiResult<Vec<Meeting>> {
        let a = viewer(ctx).actor;
        check(a.may_administer())?;
        let name =
            valid(netzwerk_domain::error::required_text(&name, 200).map_err(|e| e.within("name")))?;
        if !(1..=24).contains(&count) {
            return Err(validation(&ValidationError::new(
                "count",
                "range",
                format!("must be 1 to 24, got {count}"),
            )));
        }
        let c = cadence.unwrap_or_default();
        let cadence = valid(
            DCadence {
                every_months: c.every_months.map(i64::from),
                weekday: c.weekday.map(i64::from),
                week: c.week.map(i64::from),
                start: c.start,
                duration_minutes: c.duration_minutes.map(i64::from),
                timezone: c.timezone,
            }
            .validate()
            .map_err(|e| e.within("cadence")),
        )?;
        let dates = cadence.dates(from, usize::try_from(count).unwrap_or(6));
        let (_, made) = db(ctx)
            .write(move |c| meetings::create_series(c, &label(a), &name, &cadence, &dates))
            .await
            .map_err(storage)?;
        Ok(made.into_iter().map(Meeting).collect())
    }

    /// Chooses the host by fair rotation: the member (with a location) that hosted
    /// longest ago, or never (coordinator).
    async fn assign_host(&self, ctx: &Context<'_>, meeting_id: ID) -> ApiResult<Meeting> {
        let a = viewer(ctx).actor;
        check(a.may_administer())?;
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        rotate(ctx, id, label(a)).await
    }

    /// The host declines the date (its editors); the next in order is chosen.
    async fn decline_hosting(&self, ctx: &Context<'_>, meeting_id: ID) -> ApiResult<Meeting> {
        let a = must_sign_in(ctx)?;
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let current = db(ctx)
            .run(move |c| meetings::get(c, id))
            .await
            .map_err(storage)?;
        let Some(host) = current.host else {
            return Err(validation(&ValidationError::new(
                "meetingId",
                "no_host",
                "the meeting has no host to decline",
            )));
        };
        check(a.may_edit(host))?;
        let actor = label(a);
        let who = actor.clone();
        db(ctx)
            .write(move |c| meetings::decline(c, &who, id, host))
            .await
            .map_err(storage)?;
        rotate(ctx, id, actor).await
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
        let a = must_sign_in(ctx)?;
        let duration_minutes = duration_minutes.unwrap_or(15);
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let mut c = netzwerk_domain::error::Checker::new();
        let title = c.take("title", netzwerk_domain::error::required_text(&title, 200));
        let description = description.and_then(|d| {
            c.take(
                "description",
                netzwerk_domain::error::optional_text(&d, 5000),
            )
            .flatten()
        });
        c.check(
            (5..=600).contains(&duration_minutes),
            "durationMinutes",
            "range",
            format!("must be 5 to 600, got {duration_minutes}"),
        );
        let presenter = match &presenter_organisation_id {
            Some(p) => c.take("presenterOrganisationId", OrganisationId::parse(p)),
            None => None,
        };
        valid(c.finish(|| ()))?;
        let proposed_by = match a {
            Actor::Editor { organisation, .. } => {
                if presenter.is_some_and(|p| p != organisation) {
                    return Err(denied(netzwerk_domain::access::Denied::Forbidden));
                }
                Some(organisation)
            }
            _ => None,
        };
        let item = NewAgendaItem {
            title: title.unwrap_or_default(),
            description,
            presenter: presenter.or(proposed_by),
            duration_minutes,
        };
        let made = db(ctx)
            .write(move |c| meetings::add_item(c, &label(a), id, &item, proposed_by))
            .await
            .map_err(storage)?;
        Ok(AgendaItem(made))
    }

    /// Accepts or declines a proposed agenda item (coordinator).
    async fn decide_agenda_item(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
        accept: bool,
    ) -> ApiResult<AgendaItem> {
        let a = viewer(ctx).actor;
        check(a.may_administer())?;
        let item = parse_id("itemId", &item_id, AgendaItemId::parse)?;
        let decided = db(ctx)
            .write(move |c| meetings::decide_item(c, &label(a), item, accept))
            .await
            .map_err(storage)?;
        Ok(AgendaItem(decided))
    }

    /// Makes the agenda final, no longer preliminary (coordinator).
    async fn finalise_agenda(&self, ctx: &Context<'_>, meeting_id: ID) -> ApiResult<Meeting> {
        let a = viewer(ctx).actor;
        check(a.may_administer())?;
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let rec = db(ctx)
            .write(move |c| {
                meetings::finalise_agenda(c, &label(a), id)?;
                meetings::get(c, id)
            })
            .await
            .map_err(storage)?;
        Ok(Meeting(rec))
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
        let a = must_sign_in(ctx)?;
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        check(a.may_edit(org))?;
        let mut c = netzwerk_domain::error::Checker::new();
        let name = c.take("name", netzwerk_domain::error::single_line(&name, 200));
        let email = c.take("email", netzwerk_domain::email::EmailAddress::parse(&email));
        let language = c.take(
            "language",
            netzwerk_domain::language::LanguageCode::parse(language.as_deref().unwrap_or("de")),
        );
        valid(c.finish(|| ()))?;
        let (name, email, language) = (
            name.unwrap_or_default(),
            email.map(|e| e.to_string()).unwrap_or_default(),
            language.map(|l| l.to_string()).unwrap_or_default(),
        );
        let r = db(ctx)
            .write(move |c| {
                meetings::add_representative(c, &label(a), org, &name, &email, &language)
            })
            .await
            .map_err(storage)?;
        Ok(r.into())
    }

    /// Records a representative's attendance; the meeting counts as held (coordinator).
    async fn record_attendance(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        representative_id: ID,
        status: AttendanceStatus,
    ) -> ApiResult<Meeting> {
        let a = viewer(ctx).actor;
        check(a.may_administer())?;
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let rep = parse_id(
            "representativeId",
            &representative_id,
            RepresentativeId::parse,
        )?;
        let rec = db(ctx)
            .write(move |c| {
                meetings::record_attendance(c, &label(a), id, rep, status.into())?;
                meetings::get(c, id)
            })
            .await
            .map_err(storage)?;
        Ok(Meeting(rec))
    }

    /// Sets host and location by hand (coordinator). The location must be the host's.
    async fn set_meeting_host(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        organisation_id: ID,
        location_id: Option<ID>,
    ) -> ApiResult<Meeting> {
        let a = viewer(ctx).actor;
        a.may_administer().map_err(denied)?;
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let host = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        let location = location_id
            .as_ref()
            .map(|l| parse_id("locationId", l, LocationId::parse))
            .transpose()?;
        let settings = ctx
            .data_unchecked::<super::SchemaSettings>()
            .meetings
            .clone();
        let rec = db(ctx)
            .write(move |c| {
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
                netzwerk_storage::transaction(c, |c| {
                    meetings::set_host(c, &label(a), id, Some(host), location)?;
                    netzwerk_app::invitations::send_updates(c, id, &settings)?;
                    meetings::get(c, id)
                })
            })
            .await
            .map_err(storage)?;
        Ok(Meeting(rec))
    }
}
