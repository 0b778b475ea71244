//! Events in the API: series (`events`), what happens in a window
//! (`eventOccurrences`, expanded on the server), editing events and single
//! occurrences, and following members' calendar feeds.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use netzwerk_app::calendar_sync;
use netzwerk_app::directory::OrganisationKey;
use netzwerk_app::events::EventRecord;
use netzwerk_app::events::{self as events_app, OccurrenceEdit};
use netzwerk_domain::event::{
    EventInput as DEventInput, EventTime, OccurrenceOverride, Provenance,
};
use netzwerk_domain::ids::{EventId, OrganisationId};
use netzwerk_domain::language::LanguagePreference;
use netzwerk_domain::poll::PollInterval;
use netzwerk_domain::url::HttpUrl;

use super::calendar_feeds::CalendarFeed;
use super::connection::{Page, page, window};
use super::context::{actor, hub, loader, parse_id, prefs};
use super::enums::{EventCategory, EventStatus, TargetGroup, into_domain};
use super::error::{ApiResult, Code, app, coded, load_error};
use super::inputs::patch;
use super::mutation::valid;
use super::objects::{
    Language, LocalizedText, Location, Organisation, TranslationEntry, organisation_of, served,
    translations_of,
};
use super::query::preference;

/// Where an event comes from.
#[derive(SimpleObject)]
pub struct EventSource {
    /// True when it was imported from a calendar file or feed.
    pub imported: bool,
    /// The iCalendar UID (also of events entered in the Hub, as published in feeds).
    pub uid: String,
    /// SEQUENCE of the imported version.
    pub sequence: i64,
    /// LAST-MODIFIED of the imported version.
    pub last_modified: Option<DateTime<Utc>>,
}

/// The repetition of a series.
#[derive(SimpleObject)]
pub struct Recurrence {
    /// The RRULE value, e.g. `FREQ=WEEKLY;BYDAY=TU`.
    pub rule: Option<String>,
    /// Extra local start times.
    pub rdates: Vec<NaiveDateTime>,
    /// Excluded local start times.
    pub exdates: Vec<NaiveDateTime>,
}

/// A change to one occurrence.
#[derive(SimpleObject)]
pub struct OccurrenceChange {
    /// The original local start of the occurrence.
    pub recurrence_id: NaiveDateTime,
    /// Its status, if changed.
    pub status: Option<EventStatus>,
    /// New local start.
    pub start: Option<NaiveDateTime>,
    /// New local end.
    pub end: Option<NaiveDateTime>,
    /// New title.
    pub title: Option<String>,
}

/// An event: one-off, or a series with its overrides (the first occurrence's times).
pub struct Event {
    rec: Arc<EventRecord>,
    overrides: Arc<Vec<OccurrenceOverride>>,
    prefs: Arc<LanguagePreference>,
}

impl Event {
    /// An event as read with its overrides.
    pub(crate) fn of_view(v: events_app::EventView, prefs: Arc<LanguagePreference>) -> Self {
        Self {
            rec: Arc::new(v.record),
            overrides: Arc::new(v.overrides),
            prefs,
        }
    }

    async fn served_title(&self, ctx: &Context<'_>) -> ApiResult<LocalizedText> {
        let v = &self.rec.value;
        Ok(served(
            ctx,
            self.rec.id.to_string(),
            "title",
            Some(&v.title),
            v.content_language,
            &self.prefs,
        )
        .await?
        .unwrap_or(LocalizedText {
            text: v.title.clone(),
            language: v.content_language.to_string(),
            machine_translated: false,
        }))
    }
}

#[Object]
impl Event {
    /// Stable id.
    async fn id(&self) -> ID {
        ID(self.rec.id.to_string())
    }
    /// The iCalendar UID, the same as in the Hub's feeds (for imported events, the
    /// member calendar's UID).
    async fn uid(&self) -> String {
        netzwerk_app::calendars_out::event_uid(&self.rec)
    }
    /// The organiser.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        organisation_of(ctx, self.rec.organisation_id, &self.prefs).await
    }
    /// Member organisations organising it together with the organiser: those that
    /// accepted (`acceptCoOrganiser`); the others are asked and not listed yet.
    async fn co_organisers(&self, ctx: &Context<'_>) -> ApiResult<Vec<Organisation>> {
        let ids = loader(ctx)
            .load_one(super::loaders::CoOrganisersOf(self.rec.id))
            .await
            .map_err(load_error)?
            .unwrap_or_default();
        let found = loader(ctx)
            .load_many(ids.iter().copied())
            .await
            .map_err(load_error)?;
        Ok(ids
            .iter()
            .filter_map(|id| found.get(id).cloned())
            .map(|r| Organisation::new(r, self.prefs.clone()))
            .collect())
    }
    /// Title, in the reader's preferred language.
    async fn title(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(self.served_title(ctx).await?.text)
    }
    /// `title` with the language it was served in.
    async fn title_localized(&self, ctx: &Context<'_>) -> ApiResult<LocalizedText> {
        self.served_title(ctx).await
    }
    /// Description, in the reader's preferred language.
    async fn description(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        let v = &self.rec.value;
        Ok(served(
            ctx,
            self.rec.id.to_string(),
            "description",
            v.description.as_deref(),
            v.content_language,
            &self.prefs,
        )
        .await?
        .map(|t| t.text))
    }
    /// Kind.
    async fn category(&self) -> EventCategory {
        self.rec.value.category.into()
    }
    /// Status of the whole event.
    async fn status(&self) -> EventStatus {
        self.rec.value.status.into()
    }
    /// Who it is for.
    async fn target_groups(&self) -> Vec<TargetGroup> {
        self.rec
            .value
            .target_groups
            .iter()
            .map(|g| (*g).into())
            .collect()
    }
    /// Languages it is held in.
    async fn languages(&self) -> Vec<Language> {
        self.rec
            .value
            .languages
            .iter()
            .map(|l| Language {
                code: l.to_string(),
            })
            .collect()
    }
    /// Whole days (dates in `localStart`/`localEnd` at midnight; the end is exclusive).
    async fn all_day(&self) -> bool {
        matches!(self.rec.value.time, EventTime::AllDay { .. })
    }
    /// IANA time zone of the local times.
    async fn timezone(&self) -> String {
        self.rec.value.time.timezone().to_string()
    }
    /// Local start of the first occurrence.
    async fn local_start(&self) -> NaiveDateTime {
        self.rec.value.time.local_start()
    }
    /// Local end of the first occurrence.
    async fn local_end(&self) -> NaiveDateTime {
        self.rec.value.time.local_end()
    }
    /// Start of the first occurrence.
    async fn start(&self) -> DateTime<Utc> {
        self.rec.value.time.first_start()
    }
    /// End of the first occurrence.
    async fn end(&self) -> DateTime<Utc> {
        self.rec.value.time.first_end()
    }
    /// Repetition, or null for a one-off event.
    async fn recurrence(&self) -> Option<Recurrence> {
        let r = &self.rec.value.recurrence;
        r.is_shown().then(|| Recurrence {
            rule: r.rule.clone(),
            rdates: r.rdates.clone(),
            exdates: r.exdates.clone(),
        })
    }
    /// Changed or cancelled occurrences.
    async fn changed_occurrences(&self) -> Vec<OccurrenceChange> {
        self.overrides
            .iter()
            .map(|o| OccurrenceChange {
                recurrence_id: o.recurrence_id,
                status: o.status.map(Into::into),
                start: o.start,
                end: o.end,
                title: o.title.clone(),
            })
            .collect()
    }
    /// A location of the directory.
    async fn location(&self, ctx: &Context<'_>) -> ApiResult<Option<Location>> {
        match self.rec.value.location_id {
            Some(id) => Ok(loader(ctx)
                .load_one(id)
                .await
                .map_err(load_error)?
                .map(|l| Location::new(l, self.prefs.clone()))),
            None => Ok(None),
        }
    }
    /// A free-text place.
    async fn place(&self) -> Option<&str> {
        self.rec.value.place.as_deref()
    }
    /// An online link.
    async fn online_url(&self) -> Option<&str> {
        self.rec.value.online_url.as_deref()
    }
    /// Accessibility notes.
    async fn accessibility_note(&self) -> Option<&str> {
        self.rec.value.accessibility_note.as_deref()
    }
    /// Interpretation notes.
    async fn interpretation_note(&self) -> Option<&str> {
        self.rec.value.interpretation_note.as_deref()
    }
    /// Registration link.
    async fn registration_url(&self) -> Option<&str> {
        self.rec.value.registration_url.as_deref()
    }
    /// Image.
    async fn image_url(&self) -> Option<&str> {
        self.rec.value.image_url.as_deref()
    }
    /// Where it comes from.
    async fn source(&self) -> EventSource {
        match &self.rec.value.provenance {
            Provenance::Feed {
                uid,
                sequence,
                last_modified,
            } => EventSource {
                imported: true,
                uid: uid.clone(),
                sequence: *sequence,
                last_modified: *last_modified,
            },
            Provenance::Manual => EventSource {
                imported: false,
                uid: netzwerk_app::calendars_out::event_uid(&self.rec),
                sequence: 0,
                last_modified: None,
            },
        }
    }
    /// Every stored translation of its fields.
    async fn translations(&self, ctx: &Context<'_>) -> ApiResult<Vec<TranslationEntry>> {
        translations_of(ctx, self.rec.id.to_string()).await
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.rec.created_at
    }
    /// When it was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.rec.updated_at
    }
}

/// One occurrence of an event in a time window.
pub struct EventOccurrence {
    event: Arc<EventRecord>,
    overrides: Arc<Vec<OccurrenceOverride>>,
    prefs: Arc<LanguagePreference>,
    occ: netzwerk_calendar::Occurrence,
}

#[Object]
impl EventOccurrence {
    /// The event (series).
    async fn event(&self) -> Event {
        Event {
            rec: self.event.clone(),
            overrides: self.overrides.clone(),
            prefs: self.prefs.clone(),
        }
    }
    /// Title of this occurrence.
    async fn title(&self, ctx: &Context<'_>) -> ApiResult<String> {
        match &self.occ.title {
            Some(t) => Ok(t.clone()),
            None => {
                let event = Event {
                    rec: self.event.clone(),
                    overrides: self.overrides.clone(),
                    prefs: self.prefs.clone(),
                };
                Ok(event.served_title(ctx).await?.text)
            }
        }
    }
    /// Start instant.
    async fn start(&self) -> DateTime<Utc> {
        self.occ.start
    }
    /// End instant.
    async fn end(&self) -> DateTime<Utc> {
        self.occ.end
    }
    /// Local start in the event's zone.
    async fn local_start(&self) -> NaiveDateTime {
        self.occ.local_start
    }
    /// Local end in the event's zone.
    async fn local_end(&self) -> NaiveDateTime {
        self.occ.local_end
    }
    /// Whole days.
    async fn all_day(&self) -> bool {
        self.occ.all_day
    }
    /// The original local start (iCalendar RECURRENCE-ID), to change this occurrence.
    async fn recurrence_id(&self) -> NaiveDateTime {
        self.occ.recurrence_id
    }
    /// Status of this occurrence.
    async fn status(&self) -> EventStatus {
        self.occ.status.into()
    }
    /// True when this occurrence was moved or changed.
    async fn changed(&self) -> bool {
        self.occ.overridden
    }
}

/// Filter of events and occurrences; every field given narrows the list.
#[derive(InputObject, Default)]
pub struct EventFilter {
    /// The slug of the organiser or a co-organiser.
    pub organisation: Option<String>,
    /// Kind.
    pub category: Option<EventCategory>,
    /// For this target group.
    pub target_group: Option<TargetGroup>,
    /// Held in this language (ISO 639-1).
    pub language: Option<String>,
    /// At a directory location in this locality (folded like text search).
    pub locality: Option<String>,
    /// Words in title, description or place.
    pub text: Option<String>,
    /// Include cancelled occurrences (default false).
    #[graphql(default)]
    pub include_cancelled: bool,
}

impl From<EventFilter> for events_app::Filter {
    fn from(f: EventFilter) -> Self {
        Self {
            organisation: f.organisation,
            category: f.category.map(Into::into),
            target_group: f.target_group.map(Into::into),
            language: f.language,
            locality: f.locality,
            text: f.text,
        }
    }
}

/// Queries over events.
#[derive(Default)]
pub struct EventQuery;

#[Object]
#[expect(
    clippy::too_many_arguments,
    reason = "GraphQL field arguments: window, filter, paging and languages"
)]
impl EventQuery {
    /// Events (one-off events and whole series), by first start.
    #[graphql(cache_control(max_age = 60))]
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<EventFilter>,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Page<Event>> {
        let prefs = preference(ctx, languages)?;
        let w = window(first, after)?;
        let filter = filter.unwrap_or_default().into();
        let (total, views) = events_app::list(hub(ctx), filter, w.offset as i64, w.limit as i64)
            .await
            .map_err(app)?;
        let nodes = views
            .into_iter()
            .map(|v| Event {
                rec: Arc::new(v.record),
                overrides: Arc::new(v.overrides),
                prefs: prefs.clone(),
            })
            .collect();
        Ok(page(w, total, nodes))
    }

    /// Events that ask this organisation to co-organise them and have no answer yet
    /// (its editors and the coordinator).
    #[graphql(cache_control(private, no_cache))]
    async fn co_organiser_invitations(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Vec<Event>> {
        let prefs = preference(ctx, languages)?;
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        let views = events_app::co_organiser_invitations(hub(ctx), actor(ctx), org)
            .await
            .map_err(app)?;
        Ok(views
            .into_iter()
            .map(|v| Event {
                rec: Arc::new(v.record),
                overrides: Arc::new(v.overrides),
                prefs: prefs.clone(),
            })
            .collect())
    }

    /// One event by id.
    #[graphql(cache_control(max_age = 60))]
    async fn event(
        &self,
        ctx: &Context<'_>,
        id: ID,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Option<Event>> {
        let prefs = preference(ctx, languages)?;
        let id = parse_id("id", &id, EventId::parse)?;
        Ok(events_app::find(hub(ctx), id)
            .await
            .map_err(app)?
            .map(|v| Event {
                rec: Arc::new(v.record),
                overrides: Arc::new(v.overrides),
                prefs,
            }))
    }

    /// What happens between `from` and `to` (at most 366 days): every occurrence,
    /// recurring events expanded on the server in their own time zone, by start.
    #[graphql(cache_control(max_age = 60))]
    async fn event_occurrences(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        filter: Option<EventFilter>,
        first: Option<i32>,
        after: Option<String>,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Page<EventOccurrence>> {
        let prefs = preference(ctx, languages)?;
        let w = window(first, after)?;
        let filter = filter.unwrap_or_default();
        // The organisers are read in the same database task when the nodes ask for them.
        let nodes = super::objects::node_selections(ctx);
        let wants = |field: &str| nodes.iter().any(|n| n.field("event").field(field).exists());
        let window = events_app::Window {
            with_organisations: wants("organisation"),
            with_overrides: wants("changedOccurrences"),
            include_cancelled: filter.include_cancelled,
            filter: filter.into(),
            from,
            to,
            offset: w.offset,
            limit: w.limit,
        };
        // Asked between events: the request's time is up, or its client has gone.
        let budget = ctx.data_opt::<crate::budget::Budget>().cloned();
        let stop = move || {
            budget
                .as_ref()
                .is_some_and(crate::budget::Budget::exhausted)
        };
        let found = events_app::occurrences(hub(ctx), window, stop)
            .await
            .map_err(app)?;
        if !found.organisations.is_empty() {
            super::context::loader(ctx)
                .feed_many(found.organisations.into_iter().map(|r| (r.id, Arc::new(r))))
                .await;
        }
        let nodes = found
            .items
            .into_iter()
            .map(|o| EventOccurrence {
                event: o.event,
                overrides: o.overrides,
                prefs: prefs.clone(),
                occ: o.occurrence,
            })
            .collect();
        Ok(page(w, found.total, nodes))
    }
}

/// Fields of an event. On create, `title` and a start (`start`, or `startDate` for
/// whole days) are required; on update, absent fields keep their value.
#[derive(InputObject, Default)]
pub struct EventInput {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: MaybeUndefined<String>,
    /// ISO 639-1 code of title and description (default `de`).
    pub content_language: Option<String>,
    /// Kind.
    pub category: Option<EventCategory>,
    /// Who it is for (replaces the list).
    pub target_groups: Option<Vec<TargetGroup>>,
    /// ISO 639-1 codes of the languages it is held in (replaces the list).
    pub languages: Option<Vec<String>>,
    /// Local start (timed events).
    pub start: Option<NaiveDateTime>,
    /// Local end (default: one hour after the start).
    pub end: Option<NaiveDateTime>,
    /// First day (whole-day events).
    pub start_date: Option<NaiveDate>,
    /// Last day, inclusive (whole-day events).
    pub end_date: Option<NaiveDate>,
    /// IANA time zone (default Europe/Berlin).
    pub timezone: Option<String>,
    /// RRULE value, e.g. `FREQ=WEEKLY;BYDAY=TU`; null ends the repetition.
    pub rrule: MaybeUndefined<String>,
    /// Extra local start times (replaces the list).
    pub rdates: Option<Vec<NaiveDateTime>>,
    /// Excluded local start times (replaces the list).
    pub exdates: Option<Vec<NaiveDateTime>>,
    /// Status of the whole event.
    pub status: Option<EventStatus>,
    /// A location of the organisation.
    pub location_id: MaybeUndefined<ID>,
    /// A free-text place.
    pub place: MaybeUndefined<String>,
    /// An online link.
    pub online_url: MaybeUndefined<String>,
    /// Accessibility notes.
    pub accessibility_note: MaybeUndefined<String>,
    /// Interpretation notes.
    pub interpretation_note: MaybeUndefined<String>,
    /// Registration link.
    pub registration_url: MaybeUndefined<String>,
    /// Image.
    pub image_url: MaybeUndefined<String>,
    /// Ids of other member organisations organising it too (replaces the list).
    pub co_organiser_ids: Option<Vec<ID>>,
}

impl EventInput {
    fn apply(self, mut b: DEventInput) -> DEventInput {
        if let Some(t) = self.title {
            b.title = t;
        }
        patch(self.description, &mut b.description);
        if self.content_language.is_some() {
            b.content_language = self.content_language;
        }
        if let Some(c) = self.category {
            b.category = Some(c.into());
        }
        if let Some(g) = self.target_groups {
            b.target_groups = into_domain(&g);
        }
        if let Some(l) = self.languages {
            b.languages = l;
        }
        b.retime(self.start, self.end, self.start_date, self.end_date);
        if self.timezone.is_some() {
            b.timezone = self.timezone;
        }
        patch(self.rrule, &mut b.rule);
        if let Some(r) = self.rdates {
            b.rdates = r;
        }
        if let Some(x) = self.exdates {
            b.exdates = x;
        }
        if let Some(s) = self.status {
            b.status = Some(s.into());
        }
        patch(self.location_id.map_value(|i| i.0), &mut b.location_id);
        patch(self.place, &mut b.place);
        patch(self.online_url, &mut b.online_url);
        patch(self.accessibility_note, &mut b.accessibility_note);
        patch(self.interpretation_note, &mut b.interpretation_note);
        patch(self.registration_url, &mut b.registration_url);
        patch(self.image_url, &mut b.image_url);
        if let Some(c) = self.co_organiser_ids {
            b.co_organisers = c.into_iter().map(|i| i.0).collect();
        }
        b
    }
}

/// Changes to events and calendar feeds.
#[derive(Default)]
pub struct EventMutation;

/// The GraphQL event of a use case's answer.
fn event_of(ctx: &Context<'_>, v: events_app::EventView) -> Event {
    Event {
        rec: Arc::new(v.record),
        overrides: Arc::new(v.overrides),
        prefs: prefs(ctx),
    }
}

#[Object]
impl EventMutation {
    /// Adds an event to an organisation (its editors, the coordinator).
    async fn create_event(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        input: EventInput,
    ) -> ApiResult<Event> {
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        let input = input.apply(DEventInput::default());
        events_app::create(hub(ctx), actor(ctx), org, input)
            .await
            .map(|v| event_of(ctx, v))
            .map_err(app)
    }

    /// Changes an event; changes of a series apply to every occurrence.
    async fn update_event(&self, ctx: &Context<'_>, id: ID, input: EventInput) -> ApiResult<Event> {
        let id = parse_id("id", &id, EventId::parse)?;
        let patch = Box::new(move |base| input.apply(base));
        events_app::update(hub(ctx), actor(ctx), id, patch)
            .await
            .map(|v| event_of(ctx, v))
            .map_err(app)
    }

    /// Accepts an invitation to co-organise an event (editors of the asked
    /// organisation, the coordinator): from now on the event is listed with it.
    async fn accept_co_organiser(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        organisation_id: ID,
    ) -> ApiResult<Event> {
        answer_co_organiser(ctx, &event_id, &organisation_id, true).await
    }

    /// Declines an invitation to co-organise an event, or withdraws an accepted one
    /// (editors of the asked organisation, the coordinator): the event no longer
    /// names the organisation.
    async fn withdraw_co_organiser(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        organisation_id: ID,
    ) -> ApiResult<Event> {
        answer_co_organiser(ctx, &event_id, &organisation_id, false).await
    }

    /// Cancels a whole event or series (it stays visible as cancelled).
    async fn cancel_event(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Event> {
        let id = parse_id("id", &id, EventId::parse)?;
        events_app::cancel(hub(ctx), actor(ctx), id)
            .await
            .map(|v| event_of(ctx, v))
            .map_err(app)
    }

    /// Deletes an event with all its occurrences.
    async fn delete_event(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<super::mutation::DeletePayload> {
        let eid = parse_id("id", &id, EventId::parse)?;
        events_app::delete(hub(ctx), actor(ctx), eid)
            .await
            .map_err(app)?;
        Ok(super::mutation::DeletePayload { id })
    }

    /// Cancels one occurrence of a series.
    async fn cancel_occurrence(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        recurrence_id: NaiveDateTime,
    ) -> ApiResult<Event> {
        edit_occurrence(ctx, &event_id, recurrence_id, OccurrenceEdit::Cancel).await
    }

    /// Moves or retitles one occurrence of a series (local times in the event's zone).
    async fn change_occurrence(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        recurrence_id: NaiveDateTime,
        start: Option<NaiveDateTime>,
        end: Option<NaiveDateTime>,
        title: Option<String>,
    ) -> ApiResult<Event> {
        let edit = OccurrenceEdit::Change { start, end, title };
        edit_occurrence(ctx, &event_id, recurrence_id, edit).await
    }

    /// Undoes every change to one occurrence.
    async fn restore_occurrence(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        recurrence_id: NaiveDateTime,
    ) -> ApiResult<Event> {
        edit_occurrence(ctx, &event_id, recurrence_id, OccurrenceEdit::Restore).await
    }

    /// Follows an organisation's iCalendar feed (polled in the background).
    async fn add_calendar_feed(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        url: String,
        #[graphql(
            desc = "Minutes between polls, 5 to 10080 (default: calendar.default_interval_minutes, 60)."
        )]
        interval_minutes: Option<i32>,
    ) -> ApiResult<CalendarFeed> {
        let mut c = netzwerk_domain::error::Checker::new();
        let organisation = c.take(
            "organisationId",
            OrganisationId::parse(organisation_id.as_str()),
        );
        let url = c.take("url", HttpUrl::parse(&url));
        let interval = interval_minutes
            .and_then(|m| c.take("intervalMinutes", PollInterval::parse(i64::from(m))));
        let (organisation, url) = match valid(c.finish(|| (organisation, url)))? {
            (Some(o), Some(u)) => (o, u),
            _ => return Err(coded(Code::Internal, "a checked argument is missing")),
        };
        let cmd = calendar_sync::Follow {
            organisation: OrganisationKey::Id(organisation),
            url,
            interval,
        };
        calendar_sync::follow(hub(ctx), actor(ctx), cmd)
            .await
            .map(Into::into)
            .map_err(app)
    }
}

async fn answer_co_organiser(
    ctx: &Context<'_>,
    event_id: &ID,
    organisation_id: &ID,
    accept: bool,
) -> ApiResult<Event> {
    let event = parse_id("eventId", event_id, EventId::parse)?;
    let org = parse_id("organisationId", organisation_id, OrganisationId::parse)?;
    events_app::answer_co_organiser(hub(ctx), actor(ctx), event, org, accept)
        .await
        .map(|v| event_of(ctx, v))
        .map_err(app)
}

async fn edit_occurrence(
    ctx: &Context<'_>,
    event_id: &ID,
    recurrence_id: NaiveDateTime,
    edit: OccurrenceEdit,
) -> ApiResult<Event> {
    let id = parse_id("eventId", event_id, EventId::parse)?;
    events_app::edit_occurrence(hub(ctx), actor(ctx), id, recurrence_id, edit)
        .await
        .map(|v| event_of(ctx, v))
        .map_err(app)
}
