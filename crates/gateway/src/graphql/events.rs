//! Events in the API: series (`events`), what happens in a window
//! (`eventOccurrences`, expanded on the server), editing events and single
//! occurrences, and following members' calendar feeds.

use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use netzwerk_app::calendar_sync;
use netzwerk_app::directory::OrganisationKey;
use netzwerk_domain::ValidationError;
use netzwerk_domain::event::{
    Event as DEvent, EventInput as DEventInput, EventTime, OccurrenceOverride, Provenance,
};
use netzwerk_domain::ids::{EventId, OrganisationId};
use netzwerk_domain::language::{LanguageCode, LanguagePreference};
use netzwerk_domain::poll::PollInterval;
use netzwerk_domain::slug::Slug;
use netzwerk_domain::url::HttpUrl;
use netzwerk_storage::events::{self, EventFilter as SFilter, EventRecord, EventSpan};
use netzwerk_storage::organisations;

use super::calendar_feeds::CalendarFeed;
use super::connection::{Page, page, window};
use super::context::{actor, hub, loader, parse_id, prefs};
use super::enums::{EventCategory, EventStatus, TargetGroup, into_domain};
use super::error::{ApiResult, Code, app, coded, storage, validation};
use super::inputs::patch;
use super::mutation::{check, label, must_sign_in, valid};
use super::objects::{
    Language, LocalizedText, Location, Organisation, TranslationEntry, load_error, organisation_of,
    served, translations_of,
};
use super::query::{db, preference};

/// The longest window `eventOccurrences` expands at once.
const MAX_WINDOW_DAYS: i64 = 366;

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

/// The UID an event has in feeds.
pub fn uid_of(rec: &EventRecord) -> String {
    match &rec.value.provenance {
        Provenance::Feed { uid, .. } => uid.clone(),
        Provenance::Manual => format!("{}@netzwerk-hub", rec.id),
    }
}

/// An event: one-off, or a series with its overrides (the first occurrence's times).
pub struct Event {
    rec: Arc<EventRecord>,
    overrides: Arc<Vec<OccurrenceOverride>>,
    prefs: Arc<LanguagePreference>,
}

impl Event {
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
        uid_of(&self.rec)
    }
    /// The organiser.
    async fn organisation(&self, ctx: &Context<'_>) -> ApiResult<Organisation> {
        organisation_of(ctx, self.rec.organisation_id, &self.prefs).await
    }
    /// Member organisations organising it together with the organiser: those that
    /// accepted (`acceptCoOrganiser`); the others are asked and not listed yet.
    async fn co_organisers(&self, ctx: &Context<'_>) -> ApiResult<Vec<Organisation>> {
        if self.rec.value.co_organisers.is_empty() {
            return Ok(Vec::new());
        }
        let event = self.rec.id;
        let ids = db(ctx)
            .run(move |c| events::accepted_co_organisers(c, event))
            .await
            .map_err(storage)?;
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
        self.rec.value.time.local_start() + self.rec.value.time.duration()
    }
    /// Start of the first occurrence.
    async fn start(&self) -> DateTime<Utc> {
        self.rec
            .value
            .time
            .instant(self.rec.value.time.local_start())
    }
    /// End of the first occurrence.
    async fn end(&self) -> DateTime<Utc> {
        self.rec
            .value
            .time
            .instant(self.rec.value.time.local_start() + self.rec.value.time.duration())
    }
    /// Repetition, or null for a one-off event.
    async fn recurrence(&self) -> Option<Recurrence> {
        let r = &self.rec.value.recurrence;
        (!r.is_none() || !r.exdates.is_empty()).then(|| Recurrence {
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
                uid: uid_of(&self.rec),
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

async fn storage_filter(ctx: &Context<'_>, f: &EventFilter) -> ApiResult<Option<SFilter>> {
    let language = f
        .language
        .as_deref()
        .map(LanguageCode::parse)
        .transpose()
        .map_err(|e| validation(&e.within("filter.language")))?;
    let organisation = match &f.organisation {
        Some(slug) => {
            let Ok(slug) = Slug::parse(slug) else {
                return Ok(None);
            };
            match db(ctx)
                .run(move |c| organisations::find_id_by_slug(c, &slug))
                .await
                .map_err(storage)?
            {
                Some(id) => Some(id),
                None => return Ok(None),
            }
        }
        None => None,
    };
    let text = netzwerk_domain::error::search_text(f.text.as_deref())
        .map_err(|e| validation(&e.within("filter.text")))?;
    Ok(Some(SFilter {
        text,
        category: f.category.map(Into::into),
        target_group: f.target_group.map(Into::into),
        language,
        locality: f.locality.clone(),
        organisation,
    }))
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
        let Some(f) = storage_filter(ctx, &filter.unwrap_or_default()).await? else {
            return Ok(page(w, 0, Vec::new()));
        };
        let (offset, limit) = (w.offset as i64, w.limit as i64);
        let (p, mut ovs) = db(ctx)
            .run(move |c| {
                let p = events::list(c, &f, offset, limit)?;
                let ids: Vec<EventId> = p.items.iter().map(|r| r.id).collect();
                let ovs = events::overrides_of(c, &ids)?;
                Ok((p, ovs))
            })
            .await
            .map_err(storage)?;
        let nodes = p
            .items
            .into_iter()
            .map(|r| {
                let o = ovs.remove(&r.id).unwrap_or_default();
                Event {
                    rec: Arc::new(r),
                    overrides: Arc::new(o),
                    prefs: prefs.clone(),
                }
            })
            .collect();
        Ok(page(w, p.total, nodes))
    }

    /// Events that ask this organisation to co-organise them and have no answer yet
    /// (its editors and the coordinator).
    async fn co_organiser_invitations(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Vec<Event>> {
        let prefs = preference(ctx, languages)?;
        let a = must_sign_in(ctx)?;
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        check(a.may_answer_co_organiser_invitation(org))?;
        let (list, mut overrides) = db(ctx)
            .run(move |c| {
                let list = events::co_organiser_invitations(c, org)?;
                let ids: Vec<EventId> = list.iter().map(|r| r.id).collect();
                Ok((list, events::overrides_of(c, &ids)?))
            })
            .await
            .map_err(storage)?;
        Ok(list
            .into_iter()
            .map(|r| Event {
                overrides: Arc::new(overrides.remove(&r.id).unwrap_or_default()),
                rec: Arc::new(r),
                prefs: prefs.clone(),
            })
            .collect())
    }

    /// One event by id.
    async fn event(
        &self,
        ctx: &Context<'_>,
        id: ID,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Option<Event>> {
        let prefs = preference(ctx, languages)?;
        let id = parse_id("id", &id, EventId::parse)?;
        let found = db(ctx)
            .run(move |c| {
                let r = events::get(c, id)?;
                let o = events::overrides_of(c, &[id])?
                    .remove(&id)
                    .unwrap_or_default();
                Ok((r, o))
            })
            .await;
        match found {
            Ok((r, o)) => Ok(Some(Event {
                rec: Arc::new(r),
                overrides: Arc::new(o),
                prefs,
            })),
            Err(netzwerk_storage::StorageError::NotFound(_)) => Ok(None),
            Err(e) => Err(storage(e)),
        }
    }

    /// What happens between `from` and `to` (at most 366 days): every occurrence,
    /// recurring events expanded on the server in their own time zone, by start.
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
        // Calendars have four-digit years: a window beyond them has no occurrence a
        // recurrence rule could be expanded to, and an occurrence that ended after
        // 9999 would have no RFC 3339 end (all-day events end the day after).
        for (name, t) in [("from", from), ("to", to)] {
            if !(1..=9998).contains(&chrono::Datelike::year(&t)) {
                return Err(validation(&ValidationError::new(
                    name,
                    "range",
                    "must lie between the years 1 and 9998",
                )));
            }
        }
        if to <= from || to - from > chrono::Duration::days(MAX_WINDOW_DAYS) {
            return Err(validation(&ValidationError::new(
                "to",
                "range",
                format!("must be after `from` and at most {MAX_WINDOW_DAYS} days later"),
            )));
        }
        let filter = filter.unwrap_or_default();
        let include_cancelled = filter.include_cancelled;
        let Some(f) = storage_filter(ctx, &filter).await? else {
            return Ok(page(w, 0, Vec::new()));
        };
        // Expand every candidate from its timing alone, one row at a time, keeping
        // only the first `offset + limit` occurrences (by start, event, recurrence id)
        // and a count: memory stays bounded by the page, not by the window. The page's
        // events are then read in full, in the same database task.
        // Memory for expansion is bounded by the deepest page served.
        if w.offset > MAX_OCCURRENCE_OFFSET {
            return Err(validation(&ValidationError::new(
                "after",
                "range",
                format!(
                    "pages end after {MAX_OCCURRENCE_OFFSET} occurrences; narrow `from` and `to` to page further"
                ),
            )));
        }
        let keep = w.offset.saturating_add(w.limit);
        let offset = w.offset;
        // Expansion is CPU work: more of it at once than there are cores only adds
        // memory and latency, so requests take turns beyond that. The turn is held by
        // the database task itself, so it ends when the work ends, even if the client
        // has gone away.
        let turn = expansion_turns()
            .acquire_owned()
            .await
            .map_err(|e| storage(netzwerk_storage::StorageError::Connection(e.to_string())))?;
        let budget = ctx.data_opt::<crate::budget::Budget>().cloned();
        let (total, page_occs, records, mut overrides) = db(ctx)
            .run(move |c| {
                let _turn = turn;
                let mut best: BinaryHeap<Ranked> = BinaryHeap::new();
                let mut total: i64 = 0;
                let mut stopped = false;
                let overrides = events::for_each_in_window(c, &f, from, to, |t, ovs| {
                    // The request's time is up (or its client has gone): the
                    // remaining candidates are not expanded.
                    if stopped || budget.as_ref().is_some_and(crate::budget::Budget::exhausted) {
                        stopped = true;
                        return;
                    }
                    let timing = netzwerk_calendar::Timing {
                        time: &t.time,
                        recurrence: &t.recurrence,
                        status: t.status,
                    };
                    let occs = match netzwerk_calendar::occurrences_of(
                        timing,
                        ovs,
                        from,
                        to,
                        netzwerk_domain::event::MAX_OCCURRENCES,
                    ) {
                        Ok(o) => o,
                        Err(e) => {
                            tracing::warn!(event = %t.id, error = %e, "cannot expand a stored event");
                            return;
                        }
                    };
                    for occ in occs {
                        if !include_cancelled
                            && occ.status == netzwerk_domain::event::EventStatus::Cancelled
                        {
                            continue;
                        }
                        total += 1;
                        let ranked = Ranked {
                            key: (occ.start, t.id, occ.recurrence_id),
                            occ,
                        };
                        if best.len() < keep {
                            best.push(ranked);
                        } else if best.peek().is_some_and(|worst| ranked.key < worst.key) {
                            best.pop();
                            best.push(ranked);
                        }
                    }
                })?;
                if stopped {
                    return Err(netzwerk_storage::StorageError::TimedOut);
                }
                let page_occs: Vec<Ranked> =
                    best.into_sorted_vec().into_iter().skip(offset).collect();
                let mut ids: Vec<EventId> = page_occs.iter().map(|r| r.key.1).collect();
                ids.sort();
                ids.dedup();
                let records: HashMap<EventId, Arc<EventRecord>> = events::get_many(c, &ids)?
                    .into_iter()
                    .map(|r| (r.id, Arc::new(r)))
                    .collect();
                Ok((total, page_occs, records, overrides))
            })
            .await
            .map_err(storage)?;
        let mut shared: HashMap<EventId, Arc<Vec<OccurrenceOverride>>> = HashMap::new();
        let mut nodes = Vec::with_capacity(page_occs.len());
        for r in page_occs {
            // An event deleted between the two reads is left out of the page.
            let Some(event) = records.get(&r.key.1) else {
                continue;
            };
            let ovs = shared
                .entry(r.key.1)
                .or_insert_with(|| Arc::new(overrides.remove(&r.key.1).unwrap_or_default()))
                .clone();
            nodes.push(EventOccurrence {
                event: event.clone(),
                overrides: ovs,
                prefs: prefs.clone(),
                occ: r.occ,
            });
        }
        Ok(page(w, total, nodes))
    }
}

/// The deepest position `eventOccurrences` pages to (see `after`).
const MAX_OCCURRENCE_OFFSET: usize = 10_000;

/// Turns for expanding windows of occurrences: one per core, at most four, so that
/// expansions (each holding a database connection while it runs) never take more
/// than half of the default pool of eight.
fn expansion_turns() -> Arc<tokio::sync::Semaphore> {
    static TURNS: std::sync::OnceLock<Arc<tokio::sync::Semaphore>> = std::sync::OnceLock::new();
    TURNS
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
            Arc::new(tokio::sync::Semaphore::new(cores.clamp(1, 4)))
        })
        .clone()
}

/// An occurrence with its place in the order of `eventOccurrences`.
struct Ranked {
    key: (DateTime<Utc>, EventId, NaiveDateTime),
    occ: netzwerk_calendar::Occurrence,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
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
        if self.start.is_some() || self.start_date.is_some() {
            // A new start replaces the old kind of time.
            b.start = self.start;
            b.end = self.end;
            b.start_date = self.start_date;
            b.end_date = self.end_date;
        } else {
            if self.end.is_some() {
                b.end = self.end;
            }
            if self.end_date.is_some() {
                b.end_date = self.end_date;
            }
        }
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

fn event_base(e: &DEvent) -> DEventInput {
    let (start, end, start_date, end_date, timezone) = match e.time {
        EventTime::Timed {
            start,
            end,
            timezone,
        } => (
            Some(start),
            Some(end),
            None,
            None,
            Some(timezone.to_string()),
        ),
        EventTime::AllDay { start, end } => (None, None, Some(start), end.pred_opt(), None),
    };
    DEventInput {
        title: e.title.clone(),
        description: e.description.clone(),
        content_language: Some(e.content_language.to_string()),
        category: Some(e.category),
        target_groups: e.target_groups.clone(),
        languages: e.languages.iter().map(ToString::to_string).collect(),
        start,
        end,
        start_date,
        end_date,
        timezone,
        rule: e.recurrence.rule.clone(),
        rdates: e.recurrence.rdates.clone(),
        exdates: e.recurrence.exdates.clone(),
        status: Some(e.status),
        location_id: e.location_id.map(|l| l.to_string()),
        place: e.place.clone(),
        online_url: e.online_url.clone(),
        accessibility_note: e.accessibility_note.clone(),
        interpretation_note: e.interpretation_note.clone(),
        registration_url: e.registration_url.clone(),
        image_url: e.image_url.clone(),
        co_organisers: e.co_organisers.iter().map(ToString::to_string).collect(),
    }
}

fn span_of(e: &DEvent, ovs: &[OccurrenceOverride]) -> ApiResult<EventSpan> {
    netzwerk_calendar::span(e, ovs)
        .map(|(first_start, last_end)| EventSpan {
            first_start,
            last_end,
        })
        .map_err(|err| validation(&ValidationError::new("rrule", "rrule", err.to_string())))
}

/// Changes to events and calendar feeds.
#[derive(Default)]
pub struct EventMutation;

async fn load_event(
    ctx: &Context<'_>,
    id: EventId,
) -> ApiResult<(EventRecord, Vec<OccurrenceOverride>)> {
    db(ctx)
        .run(move |c| {
            let r = events::get(c, id)?;
            let o = events::overrides_of(c, &[id])?
                .remove(&id)
                .unwrap_or_default();
            Ok((r, o))
        })
        .await
        .map_err(storage)
}

impl EventMutation {
    /// Accepting (`accept`) or declining/withdrawing an invitation to co-organise.
    async fn answer_co_organiser(
        ctx: &Context<'_>,
        event_id: ID,
        organisation_id: ID,
        accept: bool,
    ) -> ApiResult<Event> {
        let a = must_sign_in(ctx)?;
        let event = parse_id("eventId", &event_id, EventId::parse)?;
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        check(a.may_answer_co_organiser_invitation(org))?;
        let rec = db(ctx)
            .write(move |c| events::answer_co_organiser(c, &label(a), event, org, accept))
            .await
            .map_err(storage)?;
        let (_, overrides) = load_event(ctx, event).await?;
        Ok(Event {
            rec: Arc::new(rec),
            overrides: Arc::new(overrides),
            prefs: prefs(ctx),
        })
    }

    async fn store(
        ctx: &Context<'_>,
        id: EventId,
        event: DEvent,
        ovs: Vec<OccurrenceOverride>,
    ) -> ApiResult<Event> {
        let a = must_sign_in(ctx)?;
        let span = span_of(&event, &ovs)?;
        let o2 = ovs.clone();
        let rec = db(ctx)
            .write(move |c| events::update(c, &label(a), id, &event, &o2, span))
            .await
            .map_err(storage)?;
        Ok(Event {
            rec: Arc::new(rec),
            overrides: Arc::new(ovs),
            prefs: prefs(ctx),
        })
    }

    async fn edit_occurrence(
        ctx: &Context<'_>,
        event_id: ID,
        recurrence_id: NaiveDateTime,
        change: impl FnOnce(&mut OccurrenceOverride) + Send,
    ) -> ApiResult<Event> {
        let a = must_sign_in(ctx)?;
        let id = parse_id("eventId", &event_id, EventId::parse)?;
        let (rec, mut ovs) = load_event(ctx, id).await?;
        check(a.may_edit(rec.organisation_id))?;
        let known = netzwerk_calendar::occurrences(
            &rec.value,
            &[],
            rec.value.time.instant(recurrence_id) - chrono::Duration::minutes(1),
            rec.value.time.instant(recurrence_id) + chrono::Duration::minutes(1),
            10,
        )
        .map_err(|e| coded(Code::Internal, e.to_string()))?;
        if !known.iter().any(|o| o.recurrence_id == recurrence_id) {
            return Err(validation(&ValidationError::new(
                "recurrenceId",
                "occurrence",
                format!("the event has no occurrence starting at {recurrence_id}"),
            )));
        }
        let pos = match ovs.iter().position(|o| o.recurrence_id == recurrence_id) {
            Some(p) => p,
            None => {
                ovs.push(OccurrenceOverride {
                    recurrence_id,
                    status: None,
                    start: None,
                    end: None,
                    title: None,
                    description: None,
                });
                ovs.len() - 1
            }
        };
        change(&mut ovs[pos]);
        let ov = &ovs[pos];
        if let (Some(s), Some(e)) = (ov.start, ov.end)
            && e <= s
        {
            return Err(validation(&ValidationError::new(
                "end",
                "after_start",
                "the end must be after the start",
            )));
        }
        Self::store(ctx, id, rec.value, ovs).await
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
        let a = must_sign_in(ctx)?;
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        check(a.may_edit(org))?;
        let event = valid(input.apply(DEventInput::default()).validate())?;
        let span = span_of(&event, &[])?;
        let rec = db(ctx)
            .write(move |c| {
                organisations::get(c, org)?;
                events::insert(c, &label(a), org, &event, &[], span, None)
            })
            .await
            .map_err(storage)?;
        Ok(Event {
            rec: Arc::new(rec),
            overrides: Arc::new(Vec::new()),
            prefs: prefs(ctx),
        })
    }

    /// Changes an event; changes of a series apply to every occurrence.
    async fn update_event(&self, ctx: &Context<'_>, id: ID, input: EventInput) -> ApiResult<Event> {
        let a = must_sign_in(ctx)?;
        let id = parse_id("id", &id, EventId::parse)?;
        let (rec, ovs) = load_event(ctx, id).await?;
        check(a.may_edit(rec.organisation_id))?;
        let mut event = valid(input.apply(event_base(&rec.value)).validate())?;
        event.provenance = rec.value.provenance.clone();
        Self::store(ctx, id, event, ovs).await
    }

    /// Accepts an invitation to co-organise an event (editors of the asked
    /// organisation, the coordinator): from now on the event is listed with it.
    async fn accept_co_organiser(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        organisation_id: ID,
    ) -> ApiResult<Event> {
        Self::answer_co_organiser(ctx, event_id, organisation_id, true).await
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
        Self::answer_co_organiser(ctx, event_id, organisation_id, false).await
    }

    /// Cancels a whole event or series (it stays visible as cancelled).
    async fn cancel_event(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Event> {
        let a = must_sign_in(ctx)?;
        let id = parse_id("id", &id, EventId::parse)?;
        let (mut rec, ovs) = load_event(ctx, id).await?;
        check(a.may_edit(rec.organisation_id))?;
        rec.value.status = netzwerk_domain::event::EventStatus::Cancelled;
        Self::store(ctx, id, rec.value, ovs).await
    }

    /// Deletes an event with all its occurrences.
    async fn delete_event(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<super::mutation::DeletePayload> {
        let a = must_sign_in(ctx)?;
        let eid = parse_id("id", &id, EventId::parse)?;
        let (rec, _) = load_event(ctx, eid).await?;
        check(a.may_edit(rec.organisation_id))?;
        db(ctx)
            .write(move |c| events::delete(c, &label(a), eid))
            .await
            .map_err(storage)?;
        Ok(super::mutation::DeletePayload { id })
    }

    /// Cancels one occurrence of a series.
    async fn cancel_occurrence(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        recurrence_id: NaiveDateTime,
    ) -> ApiResult<Event> {
        Self::edit_occurrence(ctx, event_id, recurrence_id, |o| {
            o.status = Some(netzwerk_domain::event::EventStatus::Cancelled)
        })
        .await
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
        // Validated like every title: one line, no control characters, bounded.
        let title = match title.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => Some(valid(
                netzwerk_domain::error::single_line(t, netzwerk_domain::organisation::NAME_MAX)
                    .map_err(|e| e.within("title")),
            )?),
            _ => None,
        };
        Self::edit_occurrence(ctx, event_id, recurrence_id, move |o| {
            if start.is_some() {
                o.start = start;
            }
            if end.is_some() {
                o.end = end;
            }
            if let Some(t) = title.filter(|t| !t.trim().is_empty()) {
                o.title = Some(t);
            }
        })
        .await
    }

    /// Undoes every change to one occurrence.
    async fn restore_occurrence(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        recurrence_id: NaiveDateTime,
    ) -> ApiResult<Event> {
        let a = must_sign_in(ctx)?;
        let id = parse_id("eventId", &event_id, EventId::parse)?;
        let (rec, mut ovs) = load_event(ctx, id).await?;
        check(a.may_edit(rec.organisation_id))?;
        ovs.retain(|o| o.recurrence_id != recurrence_id);
        Self::store(ctx, id, rec.value, ovs).await
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
