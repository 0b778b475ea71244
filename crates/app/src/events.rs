//! Events as their organisations keep them: create, change, cancel, delete; single
//! occurrences of a series cancelled, moved or restored; invitations to co-organise
//! answered. Each use case reads the event, asks `domain::access` and writes in one
//! transaction.

use chrono::NaiveDateTime;
use netzwerk_domain::ValidationError;
use netzwerk_domain::access::Actor;
use netzwerk_domain::event::{Event, EventInput, EventStatus, OccurrenceOverride};
use netzwerk_domain::ids::{EventId, OrganisationId};
use netzwerk_storage::events::{self, EventSpan};
use netzwerk_storage::{AnyConnection, organisations};

pub use netzwerk_storage::events::EventRecord;
pub use netzwerk_storage::occurrences::{Horizon, Maintained};

use crate::Hub;
use crate::directory::Patch;
use crate::error::{Error, Result};

/// An event with the changes to single occurrences of its series.
#[derive(Debug, Clone)]
pub struct EventView {
    /// The event.
    pub record: EventRecord,
    /// Changed or cancelled occurrences.
    pub overrides: Vec<OccurrenceOverride>,
}

fn span_of(e: &Event, ovs: &[OccurrenceOverride]) -> Result<EventSpan> {
    netzwerk_calendar::span(e, ovs)
        .map(|(first_start, last_end)| EventSpan {
            first_start,
            last_end,
        })
        .map_err(|err| ValidationError::new("rrule", "rrule", err.to_string()).into())
}

fn load_in(conn: &mut AnyConnection, id: EventId) -> Result<EventView> {
    let record = events::get(conn, id)?;
    let overrides = events::overrides_of(conn, &[id])?
        .remove(&id)
        .unwrap_or_default();
    Ok(EventView { record, overrides })
}

/// Stores a changed event with its overrides; the span is computed anew.
fn store_in(
    conn: &mut AnyConnection,
    actor: Actor,
    id: EventId,
    event: Event,
    overrides: Vec<OccurrenceOverride>,
) -> Result<EventView> {
    let span = span_of(&event, &overrides)?;
    let record = events::update(conn, &actor.label(), id, &event, &overrides, span)?;
    Ok(EventView { record, overrides })
}

/// Adds an event to an organisation (its editors, the coordinator).
pub async fn create(
    hub: &Hub,
    actor: Actor,
    organisation: OrganisationId,
    input: EventInput,
) -> Result<EventView> {
    actor.must_be_signed_in()?;
    actor.may_edit(organisation)?;
    let event = input.validate()?;
    let span = span_of(&event, &[])?;
    hub.transact(move |c| {
        organisations::get(c, organisation)?;
        let record = events::insert(c, &actor.label(), organisation, &event, &[], span, None)?;
        Ok(EventView {
            record,
            overrides: Vec::new(),
        })
    })
    .await
}

/// Changes an event; changes of a series apply to every occurrence. Where the event
/// came from (a feed, an import) stays.
pub async fn update(
    hub: &Hub,
    actor: Actor,
    id: EventId,
    patch: Patch<EventInput>,
) -> Result<EventView> {
    actor.must_be_signed_in()?;
    hub.transact(move |c| {
        let current = load_in(c, id)?;
        actor.may_edit(current.record.organisation_id)?;
        let mut event = patch(EventInput::of(&current.record.value)).validate()?;
        event.provenance = current.record.value.provenance.clone();
        store_in(c, actor, id, event, current.overrides)
    })
    .await
}

/// Cancels a whole event or series (it stays visible as cancelled).
pub async fn cancel(hub: &Hub, actor: Actor, id: EventId) -> Result<EventView> {
    actor.must_be_signed_in()?;
    hub.transact(move |c| {
        let mut current = load_in(c, id)?;
        actor.may_edit(current.record.organisation_id)?;
        current.record.value.status = EventStatus::Cancelled;
        store_in(c, actor, id, current.record.value, current.overrides)
    })
    .await
}

/// Deletes an event with all its occurrences.
pub async fn delete(hub: &Hub, actor: Actor, id: EventId) -> Result<()> {
    actor.must_be_signed_in()?;
    hub.transact(move |c| {
        actor.may_edit(events::get(c, id)?.organisation_id)?;
        Ok(events::delete(c, &actor.label(), id)?)
    })
    .await
}

/// Accepts (`accept`), declines or withdraws an invitation to co-organise an event
/// (editors of the asked organisation, the coordinator).
pub async fn answer_co_organiser(
    hub: &Hub,
    actor: Actor,
    event: EventId,
    organisation: OrganisationId,
    accept: bool,
) -> Result<EventView> {
    actor.must_be_signed_in()?;
    actor.may_answer_co_organiser_invitation(organisation)?;
    hub.transact(move |c| {
        events::answer_co_organiser(c, &actor.label(), event, organisation, accept)?;
        load_in(c, event)
    })
    .await
}

/// A change to one occurrence of a series.
#[derive(Debug, Clone)]
pub enum OccurrenceEdit {
    /// Cancel it.
    Cancel,
    /// Move or retitle it (local times in the event's zone).
    Change {
        /// New local start.
        start: Option<NaiveDateTime>,
        /// New local end.
        end: Option<NaiveDateTime>,
        /// New title (one line).
        title: Option<String>,
    },
    /// Undo every change to it.
    Restore,
}

/// Changes one occurrence of a series (the event's organisation's editors, the
/// coordinator); the occurrence must exist.
pub async fn edit_occurrence(
    hub: &Hub,
    actor: Actor,
    id: EventId,
    recurrence_id: NaiveDateTime,
    edit: OccurrenceEdit,
) -> Result<EventView> {
    actor.must_be_signed_in()?;
    let edit = match edit {
        // Validated like every title: one line, no control characters, bounded.
        OccurrenceEdit::Change { start, end, title } => OccurrenceEdit::Change {
            start,
            end,
            title: match title.as_deref().map(str::trim) {
                Some(t) if !t.is_empty() => Some(
                    netzwerk_domain::error::single_line(t, netzwerk_domain::organisation::NAME_MAX)
                        .map_err(|e| e.within("title"))?,
                ),
                _ => None,
            },
        },
        other => other,
    };
    hub.transact(move |c| {
        let EventView {
            record,
            mut overrides,
        } = load_in(c, id)?;
        actor.may_edit(record.organisation_id)?;
        if let OccurrenceEdit::Restore = edit {
            overrides.retain(|o| o.recurrence_id != recurrence_id);
            return store_in(c, actor, id, record.value, overrides);
        }
        let at = record.value.time.instant(recurrence_id);
        let known = netzwerk_calendar::occurrences(
            &record.value,
            &[],
            at - chrono::Duration::minutes(1),
            at + chrono::Duration::minutes(1),
            10,
        )
        .map_err(|e| Error::Internal(e.to_string()))?;
        if !known.iter().any(|o| o.recurrence_id == recurrence_id) {
            return Err(ValidationError::new(
                "recurrenceId",
                "occurrence",
                format!("the event has no occurrence starting at {recurrence_id}"),
            )
            .into());
        }
        let pos = match overrides
            .iter()
            .position(|o| o.recurrence_id == recurrence_id)
        {
            Some(p) => p,
            None => {
                overrides.push(OccurrenceOverride {
                    recurrence_id,
                    status: None,
                    start: None,
                    end: None,
                    title: None,
                    description: None,
                });
                overrides.len() - 1
            }
        };
        let ov = &mut overrides[pos];
        match edit {
            OccurrenceEdit::Cancel => ov.status = Some(EventStatus::Cancelled),
            OccurrenceEdit::Change { start, end, title } => {
                if start.is_some() {
                    ov.start = start;
                }
                if end.is_some() {
                    ov.end = end;
                }
                if title.is_some() {
                    ov.title = title;
                }
            }
            OccurrenceEdit::Restore => {}
        }
        if let (Some(s), Some(e)) = (ov.start, ov.end)
            && e <= s
        {
            return Err(ValidationError::new(
                "end",
                "after_start",
                "the end must be after the start",
            )
            .into());
        }
        store_in(c, actor, id, record.value, overrides)
    })
    .await
}

/// Which events a list or an occurrence window holds; every field given narrows it.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The slug of the organiser or a co-organiser.
    pub organisation: Option<String>,
    /// Kind.
    pub category: Option<netzwerk_domain::event::EventCategory>,
    /// For this target group.
    pub target_group: Option<netzwerk_domain::organisation::TargetGroup>,
    /// Held in this language (ISO 639-1).
    pub language: Option<String>,
    /// At a directory location in this locality.
    pub locality: Option<String>,
    /// Words in title, description or place.
    pub text: Option<String>,
}

impl Filter {
    /// The storage filter, or `None` when nothing can match (an unknown organisation).
    fn resolve(&self, conn: &mut AnyConnection) -> Result<Option<events::EventFilter>> {
        let language = self
            .language
            .as_deref()
            .map(netzwerk_domain::language::LanguageCode::parse)
            .transpose()
            .map_err(|e| e.within("filter.language"))?;
        let text = netzwerk_domain::error::search_text(self.text.as_deref())
            .map_err(|e| e.within("filter.text"))?;
        let organisation = match &self.organisation {
            Some(slug) => {
                let Ok(slug) = netzwerk_domain::slug::Slug::parse(slug) else {
                    return Ok(None);
                };
                match organisations::find_id_by_slug(conn, &slug)? {
                    Some(id) => Some(id),
                    None => return Ok(None),
                }
            }
            None => None,
        };
        Ok(Some(events::EventFilter {
            text,
            category: self.category,
            target_group: self.target_group,
            language,
            locality: self.locality.clone(),
            organisation,
            id: None,
        }))
    }
}

/// A page of events by start, with their overrides.
pub async fn list(
    hub: &Hub,
    filter: Filter,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<EventView>)> {
    hub.read(move |c| {
        let Some(f) = filter.resolve(c)? else {
            return Ok((0, Vec::new()));
        };
        let p = events::list(c, &f, offset, limit)?;
        let ids: Vec<EventId> = p.items.iter().map(|r| r.id).collect();
        let mut ovs = events::overrides_of(c, &ids)?;
        let views = p
            .items
            .into_iter()
            .map(|record| EventView {
                overrides: ovs.remove(&record.id).unwrap_or_default(),
                record,
            })
            .collect();
        Ok((p.total, views))
    })
    .await
}

/// One event, if it exists.
pub async fn find(hub: &Hub, id: EventId) -> Result<Option<EventView>> {
    match hub.read(move |c| load_in(c, id)).await {
        Ok(v) => Ok(Some(v)),
        Err(Error::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Events with their overrides, read in one statement.
fn with_overrides(conn: &mut AnyConnection, records: Vec<EventRecord>) -> Result<Vec<EventView>> {
    let ids: Vec<EventId> = records.iter().map(|r| r.id).collect();
    let mut ovs = events::overrides_of(conn, &ids)?;
    Ok(records
        .into_iter()
        .map(|record| EventView {
            overrides: ovs.remove(&record.id).unwrap_or_default(),
            record,
        })
        .collect())
}

/// Events by id with their overrides, in two statements (missing ones left out).
pub async fn find_many(hub: &Hub, ids: Vec<EventId>) -> Result<Vec<EventView>> {
    hub.read(move |c| {
        let records = events::get_many(c, &ids)?;
        with_overrides(c, records)
    })
    .await
}

/// Events that ask an organisation to co-organise them and have no answer yet (its
/// editors, the coordinator).
pub async fn co_organiser_invitations(
    hub: &Hub,
    actor: Actor,
    organisation: OrganisationId,
) -> Result<Vec<EventView>> {
    actor.must_be_signed_in()?;
    actor.may_answer_co_organiser_invitation(organisation)?;
    hub.read(move |c| {
        let list = events::co_organiser_invitations(c, organisation)?;
        with_overrides(c, list)
    })
    .await
}

/// The member organisations that accepted to co-organise each of `events`, in one
/// statement (the DataLoader behind `Event.coOrganisers`); the others are asked and
/// not listed yet.
pub async fn accepted_co_organisers(
    hub: &Hub,
    events: Vec<EventId>,
) -> Result<std::collections::HashMap<EventId, Vec<OrganisationId>>> {
    hub.read(move |c| Ok(events::accepted_co_organisers(c, &events)?))
        .await
}

/// Keeps the occurrence index over the configured days around today: builds it the
/// first time (or when its length was changed), then moves it on by the days that
/// passed. What `serve` runs at start and hourly; two replicas do it once.
pub async fn maintain_occurrence_index(hub: &Hub) -> Result<Maintained> {
    let index = hub.settings().occurrence_index;
    hub.transact(move |c| {
        Ok(netzwerk_storage::occurrences::maintain(
            c,
            chrono::Utc::now(),
            index.back,
            index.ahead,
        )?)
    })
    .await
}

/// The longest window of occurrences asked at once, in days.
pub const MAX_WINDOW_DAYS: i64 = 366;
/// The deepest position a window of occurrences pages to.
pub const MAX_OCCURRENCE_OFFSET: usize = 10_000;

/// A window of occurrences asked for.
#[derive(Debug, Clone)]
pub struct Window {
    /// Which events.
    pub filter: Filter,
    /// From (inclusive).
    pub from: chrono::DateTime<chrono::Utc>,
    /// To (exclusive), at most [`MAX_WINDOW_DAYS`] after `from`.
    pub to: chrono::DateTime<chrono::Utc>,
    /// Cancelled occurrences too.
    pub include_cancelled: bool,
    /// Occurrences skipped (at most [`MAX_OCCURRENCE_OFFSET`]).
    pub offset: usize,
    /// Occurrences on the page.
    pub limit: usize,
    /// Read the organisers of the page's events too (in the same database task).
    pub with_organisations: bool,
    /// Every page event's overrides are needed (its changed occurrences are asked);
    /// otherwise, when the index answers, only those of events with a changed
    /// occurrence on the page are read (for its title and description).
    pub with_overrides: bool,
}

/// One occurrence on a page, with its event.
#[derive(Debug, Clone)]
pub struct OccurrenceOf {
    /// The event (series).
    pub event: std::sync::Arc<EventRecord>,
    /// The series' overrides.
    pub overrides: std::sync::Arc<Vec<OccurrenceOverride>>,
    /// The occurrence.
    pub occurrence: netzwerk_calendar::Occurrence,
}

/// A page of occurrences and how many the window holds.
#[derive(Debug, Default)]
pub struct Occurrences {
    /// Occurrences in the window (not only on the page).
    pub total: i64,
    /// The page, by start, event, recurrence id.
    pub items: Vec<OccurrenceOf>,
    /// The organisers of the page's events, when asked for
    /// ([`Window::with_organisations`]).
    pub organisations: Vec<crate::directory::OrganisationRecord>,
}

/// Every occurrence in a window, recurring events expanded in their own time zone, by
/// start. Candidates are read as narrow timing rows and expanded one at a time into a
/// bounded heap of the page plus a count (memory bounded by the page, not the window);
/// only the page's events are then read in full. At most one expansion per core (up
/// to four) runs at a time. `stop` is asked between events: when it says so (the
/// request's time is up, its client gone) the answer is `TimedOut`.
pub async fn occurrences(
    hub: &Hub,
    window: Window,
    stop: impl Fn() -> bool + Send + 'static,
) -> Result<Occurrences> {
    use std::collections::{BinaryHeap, HashMap};
    use std::sync::Arc;

    for (name, t) in [("from", window.from), ("to", window.to)] {
        // Calendars have four-digit years: a window beyond them has no occurrence a
        // rule could be expanded to, and an occurrence that ended after 9999 would
        // have no RFC 3339 end (all-day events end the day after).
        if !(1..=9998).contains(&chrono::Datelike::year(&t)) {
            return Err(ValidationError::new(
                name,
                "range",
                "must lie between the years 1 and 9998",
            )
            .into());
        }
    }
    if window.to <= window.from || window.to - window.from > chrono::Duration::days(MAX_WINDOW_DAYS)
    {
        return Err(ValidationError::new(
            "to",
            "range",
            format!("must be after `from` and at most {MAX_WINDOW_DAYS} days later"),
        )
        .into());
    }
    if window.offset > MAX_OCCURRENCE_OFFSET {
        return Err(ValidationError::new(
            "after",
            "range",
            format!(
                "pages end after {MAX_OCCURRENCE_OFFSET} occurrences; narrow `from` and `to` to page further"
            ),
        )
        .into());
    }
    // Within the occurrence index's horizon a window is an index range; outside it
    // (or before the index is built) every series in the window is expanded.
    let indexed = {
        let (filter, from, to) = (window.filter.clone(), window.from, window.to);
        let (include_cancelled, offset, limit, with_organisations, with_overrides) = (
            window.include_cancelled,
            window.offset,
            window.limit,
            window.with_organisations,
            window.with_overrides,
        );
        hub.read(move |c| {
            let Some(f) = filter.resolve(c)? else {
                return Ok(Some(Occurrences::default()));
            };
            let f = (!f.is_empty()).then_some(f);
            let Some((total, page)) = netzwerk_storage::occurrences::window(
                c,
                f.as_ref(),
                from,
                to,
                include_cancelled,
                offset,
                limit,
            )?
            else {
                return Ok(None);
            };
            let items = with_events(c, page, with_overrides)?;
            let organisations = if with_organisations {
                organisers_of(c, &items)?
            } else {
                Vec::new()
            };
            Ok(Some(Occurrences {
                total,
                items,
                organisations,
            }))
        })
        .await?
    };
    if let Some(found) = indexed {
        return Ok(found);
    }
    // Expansion is CPU work: more of it at once than there are cores only adds memory
    // and latency, so requests take turns beyond that. The turn is held by the
    // database task itself, so it ends when the work ends, even if the client has gone.
    let turn = expansion_turns()
        .acquire_owned()
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    let Window {
        filter,
        from,
        to,
        include_cancelled,
        offset,
        limit,
        with_organisations,
        with_overrides: _,
    } = window;
    let keep = offset.saturating_add(limit);
    hub.read(move |c| {
        let _turn = turn;
        let Some(f) = filter.resolve(c)? else {
            return Ok(Occurrences::default());
        };
        let mut best: BinaryHeap<Ranked> = BinaryHeap::new();
        let mut total: i64 = 0;
        let mut stopped = false;
        let mut overrides = events::for_each_in_window(c, &f, from, to, |t, ovs| {
            if stopped || stop() {
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
                if !include_cancelled && occ.status == EventStatus::Cancelled {
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
            return Err(Error::TimedOut);
        }
        let page: Vec<Ranked> = best.into_sorted_vec().into_iter().skip(offset).collect();
        let mut ids: Vec<EventId> = page.iter().map(|r| r.key.1).collect();
        ids.sort();
        ids.dedup();
        let records: HashMap<EventId, Arc<EventRecord>> = events::get_many(c, &ids)?
            .into_iter()
            .map(|r| (r.id, Arc::new(r)))
            .collect();
        let mut shared: HashMap<EventId, Arc<Vec<OccurrenceOverride>>> = HashMap::new();
        let mut items = Vec::with_capacity(page.len());
        for r in page {
            // An event deleted between the two reads is left out of the page.
            let Some(event) = records.get(&r.key.1) else {
                continue;
            };
            let ovs = shared
                .entry(r.key.1)
                .or_insert_with(|| Arc::new(overrides.remove(&r.key.1).unwrap_or_default()))
                .clone();
            items.push(OccurrenceOf {
                event: event.clone(),
                overrides: ovs,
                occurrence: r.occ,
            });
        }
        let organisations = if with_organisations {
            organisers_of(c, &items)?
        } else {
            Vec::new()
        };
        Ok(Occurrences {
            total,
            items,
            organisations,
        })
    })
    .await
}

/// The organisers of a page's events, one read.
fn organisers_of(
    conn: &mut AnyConnection,
    items: &[OccurrenceOf],
) -> Result<Vec<crate::directory::OrganisationRecord>> {
    let mut ids: Vec<OrganisationId> = items.iter().map(|o| o.event.organisation_id).collect();
    ids.sort();
    ids.dedup();
    Ok(organisations::get_many(conn, &ids)?)
}

/// A page of indexed occurrences with their events and the overrides that give
/// changed occurrences their own title and description (two reads for the page).
fn with_events(
    conn: &mut AnyConnection,
    page: Vec<netzwerk_storage::occurrences::IndexedOccurrence>,
    every_override: bool,
) -> Result<Vec<OccurrenceOf>> {
    use std::collections::HashMap;
    use std::sync::Arc;
    let mut ids: Vec<EventId> = page.iter().map(|o| o.event_id).collect();
    ids.sort();
    ids.dedup();
    let records: HashMap<EventId, Arc<EventRecord>> = events::get_many(conn, &ids)?
        .into_iter()
        .map(|r| (r.id, Arc::new(r)))
        .collect();
    let mut changed: Vec<EventId> = if every_override {
        ids.clone()
    } else {
        page.iter()
            .filter(|o| o.overridden)
            .map(|o| o.event_id)
            .collect()
    };
    changed.sort();
    changed.dedup();
    let mut overrides: HashMap<EventId, Arc<Vec<OccurrenceOverride>>> = if changed.is_empty() {
        HashMap::new()
    } else {
        events::overrides_of(conn, &changed)?
            .into_iter()
            .map(|(id, o)| (id, Arc::new(o)))
            .collect()
    };
    let mut items = Vec::with_capacity(page.len());
    for o in page {
        // An event deleted between the two reads is left out of the page.
        let Some(event) = records.get(&o.event_id) else {
            continue;
        };
        let ovs = overrides.entry(o.event_id).or_default().clone();
        let own = o
            .overridden
            .then(|| ovs.iter().find(|v| v.recurrence_id == o.recurrence_id))
            .flatten();
        items.push(OccurrenceOf {
            occurrence: netzwerk_calendar::Occurrence {
                start: o.start,
                end: o.end,
                local_start: o.local_start,
                local_end: o.local_end,
                recurrence_id: o.recurrence_id,
                status: o.status,
                title: own.and_then(|v| v.title.clone()),
                description: own.and_then(|v| v.description.clone()),
                all_day: matches!(
                    event.value.time,
                    netzwerk_domain::event::EventTime::AllDay { .. }
                ),
                overridden: o.overridden,
            },
            event: event.clone(),
            overrides: ovs,
        });
    }
    Ok(items)
}

/// Turns for expanding windows of occurrences: one per core, at most four, so that
/// expansions (each holding a database connection while it runs) never take more than
/// half of the default pool of eight.
fn expansion_turns() -> std::sync::Arc<tokio::sync::Semaphore> {
    static TURNS: std::sync::OnceLock<std::sync::Arc<tokio::sync::Semaphore>> =
        std::sync::OnceLock::new();
    TURNS
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
            std::sync::Arc::new(tokio::sync::Semaphore::new(cores.clamp(1, 4)))
        })
        .clone()
}

/// An occurrence with its place in the order of a window.
struct Ranked {
    key: (chrono::DateTime<chrono::Utc>, EventId, NaiveDateTime),
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
