//! The iCalendar feeds the Hub publishes: the network's events (or an organisation's,
//! a category's, narrowed further by a filter) and the network meetings. Series stay
//! series; the HTTP layer answers 304 from `version` without writing the feed.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveTime};
use netzwerk_calendar::{CalendarEntry, write_calendar};
use netzwerk_domain::event::{Event, EventCategory, EventTime, Provenance, Recurrence};
use netzwerk_domain::ids::{MeetingId, ServiceId};
use netzwerk_domain::location::Timezone;
use netzwerk_domain::schedule::{ScheduleException, TimeOfDay, Weekday};
use netzwerk_domain::service::{Service, ServiceLinks};
use netzwerk_domain::slug::Slug;
use netzwerk_storage::{events, locations, meetings, organisations, services};
use sha2::{Digest, Sha256};

pub use netzwerk_storage::events::EventFilter;

use crate::Hub;
use crate::error::Result;
use crate::events::EventRecord;
use crate::invitations::{Lang, MeetingInfo, meeting_uid};

/// Most events in one feed (about 220 MB of text, written a page at a time; their
/// ids, fixed when the feed starts, about 30 MB).
const MAX_FEED_EVENTS: i64 = 500_000;

/// The UID of an event in feeds: a feed's own UID, else one of the Hub's.
pub fn event_uid(rec: &EventRecord) -> String {
    match &rec.value.provenance {
        Provenance::Feed { uid, .. } => uid.clone(),
        Provenance::Manual => format!("{}@netzwerk-hub", rec.id),
    }
}

/// A feed of the network's events: its name and which events it holds.
#[derive(Debug, Clone)]
pub struct EventFeed {
    /// The calendar's name (`X-WR-CALNAME`).
    pub name: String,
    /// Its events.
    pub filter: EventFilter,
}

impl EventFeed {
    /// Every event of the network.
    pub fn network() -> Self {
        Self {
            name: "Netzwerk für Integration – Veranstaltungen".into(),
            filter: EventFilter::default(),
        }
    }

    /// The events of one category.
    pub fn category(category: netzwerk_domain::event::EventCategory) -> Self {
        Self {
            name: format!("Netzwerk – {}", category.as_str()),
            filter: EventFilter {
                category: Some(category),
                ..EventFilter::default()
            },
        }
    }
}

/// An organisation's feed; `None`: no such organisation.
pub async fn organisation_feed(hub: &Hub, slug: &str) -> Result<Option<EventFeed>> {
    let Ok(slug) = Slug::parse(slug) else {
        return Ok(None);
    };
    let found = hub
        .read(move |c| Ok(organisations::get_by_slug(c, &slug)?))
        .await?;
    Ok(found.map(|o| EventFeed {
        name: format!("{} – Veranstaltungen", o.value.name),
        filter: EventFilter {
            organisation: Some(o.id),
            ..EventFilter::default()
        },
    }))
}

/// The network's feed, narrowed to one organisation's events when `organisation`
/// (a slug) is given; `None`: no such organisation.
pub async fn network_feed(hub: &Hub, organisation: Option<&str>) -> Result<Option<EventFeed>> {
    let network = EventFeed::network();
    Ok(match organisation {
        None => Some(network),
        Some(slug) => organisation_feed(hub, slug).await?.map(|of_org| EventFeed {
            filter: of_org.filter,
            ..network
        }),
    })
}

/// One event as a calendar of its own (to add it to a calendar from its page); `None`
/// when there is no such event.
pub async fn event_feed(hub: &Hub, id: &str) -> Result<Option<EventFeed>> {
    let Ok(id) = netzwerk_domain::ids::EventId::parse(id) else {
        return Ok(None);
    };
    let found = hub
        .read(move |c| match events::get(c, id) {
            Ok(rec) => Ok(Some(rec)),
            Err(netzwerk_storage::StorageError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        })
        .await?;
    Ok(found.map(|rec| EventFeed {
        name: rec.value.title.clone(),
        filter: EventFilter {
            id: Some(id),
            ..EventFilter::default()
        },
    }))
}

/// An offer's weekly opening hours as a calendar to subscribe to or import (linked
/// from its public page): one weekly series per opening-hours row from this week on,
/// in the offer's time zone, with the dates it is closed left out and the dates with
/// other hours as single events. `None` when there is no such offer.
pub async fn service_hours(hub: &Hub, id: &str) -> Result<Option<String>> {
    let Ok(id) = ServiceId::parse(id) else {
        return Ok(None);
    };
    let found = hub
        .read(move |c| {
            let rec = match services::get(c, id) {
                Ok(rec) => rec,
                Err(netzwerk_storage::StorageError::NotFound(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let timezone = services::hours_of(c, &[id])?
                .remove(&id)
                .map(|s| s.timezone);
            let links = services::links_of(c, id)?;
            let place = match links.location_ids.first() {
                Some(l) => locations::get_many(c, &[*l])?.into_iter().next(),
                None => None,
            };
            let org = organisations::get_many(c, &[rec.organisation_id])?
                .into_iter()
                .next();
            Ok(Some((rec, timezone, links, place, org)))
        })
        .await?;
    let Some((rec, timezone, links, place, org)) = found else {
        return Ok(None);
    };
    let timezone = timezone.unwrap_or_else(Timezone::berlin);
    let today = chrono::Utc::now()
        .with_timezone(&timezone.tz())
        .date_naive();
    let events = opening_hour_events(&rec.value, &links, timezone, today);
    let sequence = rec.updated_at.timestamp() - rec.created_at.timestamp();
    let organiser = org.map(|o| {
        (
            o.value.name.clone(),
            o.value.email.as_ref().map(ToString::to_string),
        )
    });
    let location = place.map(|l| crate::invitations::place_text(&l.value));
    let entries: Vec<CalendarEntry<'_>> = events
        .iter()
        .map(|(key, event)| CalendarEntry {
            uid: format!("{}-hours-{key}@netzwerk-hub", rec.id),
            sequence,
            changed: rec.updated_at,
            event,
            overrides: &[],
            organiser: organiser.clone(),
            location: location.clone(),
            url: None,
            attendees: &[],
        })
        .collect();
    Ok(Some(write_calendar(&rec.value.name, &entries)))
}

/// The events of a weekly schedule, each with a key unique within the offer: a weekly
/// series per row starting in the week of `today`, and a single event per date with
/// other hours. Exceptions before this week are history and left out.
fn opening_hour_events(
    service: &Service,
    links: &ServiceLinks,
    timezone: Timezone,
    today: NaiveDate,
) -> Vec<(String, Event)> {
    let monday = today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let at = |day: NaiveDate, t: TimeOfDay| {
        day.and_time(NaiveTime::MIN) + chrono::Duration::minutes(i64::from(t.minutes()))
    };
    let event = |start, end, rule: Option<String>, exdates, note: Option<&str>| Event {
        description: match (note, &service.description) {
            (Some(n), _) => Some(n.to_owned()),
            (None, d) => d.clone(),
        },
        target_groups: links.target_groups.clone(),
        languages: links.languages.clone(),
        recurrence: Recurrence {
            rule,
            rdates: Vec::new(),
            exdates,
        },
        ..Event::new(
            service.name.clone(),
            service.content_language,
            EventCategory::CounsellingHours,
            EventTime::Timed {
                start,
                end,
                timezone,
            },
        )
    };
    let upcoming: Vec<&ScheduleException> = links
        .exceptions
        .iter()
        .filter(|e| e.date >= monday)
        .collect();
    let mut out = Vec::new();
    for h in &links.opening_hours {
        let day = monday + chrono::Duration::days(i64::from(h.weekday.number()) - 1);
        let exdates = upcoming
            .iter()
            .filter(|e| Weekday::of(e.date) == h.weekday)
            .map(|e| at(e.date, h.opens))
            .collect();
        let byday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][usize::from(h.weekday.number()) - 1];
        out.push((
            format!("{}-{}", h.weekday.number(), h.opens.minutes()),
            event(
                at(day, h.opens),
                at(day, h.closes),
                Some(format!("FREQ=WEEKLY;BYDAY={byday}")),
                exdates,
                None,
            ),
        ));
    }
    for e in upcoming {
        if let (Some(opens), Some(closes)) = (e.opens, e.closes) {
            out.push((
                e.date.format("%Y%m%d").to_string(),
                event(
                    at(e.date, opens),
                    at(e.date, closes),
                    None,
                    Vec::new(),
                    e.note.as_deref(),
                ),
            ));
        }
    }
    out
}

/// Which version of a feed is current, without writing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedVersion {
    /// Changes whenever the feed's content does (an `ETag`'s value).
    pub tag: String,
    /// The newest change among its events.
    pub last_modified: Option<chrono::DateTime<chrono::Utc>>,
}

fn tag_of(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    hex::encode(&digest[..16])
}

/// The current version of a feed: from the newest change among its events and how
/// many there are (one statement, the events are not read).
pub async fn version(hub: &Hub, feed: &EventFeed) -> Result<FeedVersion> {
    let filter = feed.filter.clone();
    let (newest, count) = hub
        .read(move |c| Ok(events::fingerprint(c, &filter)?))
        .await?;
    Ok(FeedVersion {
        tag: tag_of(&format!(
            "{}|{:?}|{newest:?}|{count}",
            feed.name, feed.filter
        )),
        last_modified: newest.map(|t| t.and_utc()),
    })
}

/// A feed's events as iCalendar text, written and handed on a page of events at a
/// time: the receiver gets the head (with the zone definitions, from one query over
/// the events), then each page's events, then the tail. However many events a feed
/// has, the Hub holds at most [`FEED_PAGES_AHEAD`] pages of it beside the one it
/// writes; a slow reader slows the writing down instead. A failure after the head
/// ends the stream with the error, so that the calendar stays visibly unfinished
/// (no `END:VCALENDAR`). Which events a feed has is fixed when it starts (their ids,
/// in order); each page is read in its own statements, so a feed read while events
/// change has each of them exactly once, in its state when its page was read.
pub fn events_calendar(hub: &Hub, feed: EventFeed) -> tokio::sync::mpsc::Receiver<Result<String>> {
    let (tx, rx) = tokio::sync::mpsc::channel(FEED_PAGES_AHEAD);
    let hub = hub.clone();
    tokio::spawn(async move {
        if let Err(e) = write_pages(&hub, feed, &tx).await {
            // The reader may be gone already; then nobody needs the error.
            let _ = tx.send(Err(e)).await;
        }
    });
    rx
}

/// Events read and written per page of a feed.
pub const FEED_PAGE: usize = 500;
/// Pages written ahead of a slow reader.
pub const FEED_PAGES_AHEAD: usize = 2;

async fn write_pages(
    hub: &Hub,
    feed: EventFeed,
    tx: &tokio::sync::mpsc::Sender<Result<String>>,
) -> Result<()> {
    let EventFeed { name, filter } = feed;
    // The events are fixed when the feed starts: each is written once, as it is
    // when its page is read (one deleted meanwhile is left out).
    let (frame, ids) = hub
        .read(move |c| {
            Ok((
                events::frame(c, &filter)?,
                events::ids_in_order(c, &filter, MAX_FEED_EVENTS)?,
            ))
        })
        .await?;
    let head = netzwerk_calendar::write_head(netzwerk_calendar::Method::Publish, &name, &frame);
    if tx.send(Ok(head)).await.is_err() {
        return Ok(());
    }
    for chunk in ids.chunks(FEED_PAGE) {
        let page_ids = chunk.to_vec();
        let (page, orgs, locs) = hub
            .read(move |c| {
                let page = events::by_ids(c, &page_ids)?;
                let mut org_ids: Vec<_> = page.iter().map(|(r, _)| r.organisation_id).collect();
                org_ids.sort();
                org_ids.dedup();
                let orgs = organisations::get_many(c, &org_ids)?;
                let loc_ids: Vec<_> = page
                    .iter()
                    .filter_map(|(r, _)| r.value.location_id)
                    .collect();
                let locs = locations::get_many(c, &loc_ids)?;
                Ok((page, orgs, locs))
            })
            .await?;
        let orgs: HashMap<_, _> = orgs.into_iter().map(|o| (o.id, o)).collect();
        let locs: HashMap<_, _> = locs.into_iter().map(|l| (l.id, l)).collect();
        let mut text = String::with_capacity(page.len() * 700);
        for (rec, ovs) in &page {
            let (sequence, changed) = match &rec.value.provenance {
                Provenance::Feed { sequence, .. } => (*sequence, rec.updated_at),
                Provenance::Manual => (
                    rec.updated_at.timestamp() - rec.created_at.timestamp(),
                    rec.updated_at,
                ),
            };
            let entry = CalendarEntry {
                uid: event_uid(rec),
                sequence,
                changed,
                event: &rec.value,
                overrides: ovs,
                organiser: orgs.get(&rec.organisation_id).map(|o| {
                    (
                        o.value.name.clone(),
                        o.value.email.as_ref().map(ToString::to_string),
                    )
                }),
                location: rec
                    .value
                    .location_id
                    .and_then(|l| locs.get(&l))
                    .map(|l| crate::invitations::place_text(&l.value)),
                url: None,
                attendees: &[],
            };
            netzwerk_calendar::write_entry(&mut text, &entry);
        }
        if tx.send(Ok(text)).await.is_err() {
            return Ok(());
        }
    }
    // A reader gone meanwhile needs no end.
    let _ = tx.send(Ok(netzwerk_calendar::TAIL.to_owned())).await;
    Ok(())
}

/// The network meetings (the last 400 days and the next year), or one meeting, as
/// iCalendar text with its version (which ignores the time stamps of writing).
pub async fn meetings_calendar(hub: &Hub, only: Option<MeetingId>) -> Result<(String, String)> {
    let infos = hub
        .read(move |c| {
            let list = match only {
                Some(id) => vec![meetings::get(c, id)?],
                None => {
                    let from = chrono::Utc::now().naive_utc() - chrono::Duration::days(400);
                    meetings::between(c, from, from + chrono::Duration::days(800))?
                }
            };
            Ok(list
                .into_iter()
                .map(|m| MeetingInfo::complete(c, m))
                .collect::<std::result::Result<Vec<_>, _>>()?)
        })
        .await?;
    let events: Vec<_> = infos.iter().map(|i| i.event(Lang::De)).collect();
    let entries: Vec<CalendarEntry<'_>> = infos
        .iter()
        .zip(&events)
        .map(|(info, event)| CalendarEntry {
            uid: meeting_uid(info.meeting.id),
            sequence: i64::from(info.meeting.sequence),
            changed: chrono::Utc::now(),
            event,
            overrides: &[],
            organiser: None,
            location: info.place(),
            url: None,
            attendees: &[],
        })
        .collect();
    let body = write_calendar("Netzwerk für Integration – Sitzungen", &entries);
    let content: String = body
        .lines()
        .filter(|l| !l.starts_with("DTSTAMP") && !l.starts_with("LAST-MODIFIED"))
        .collect();
    let version = tag_of(&content);
    Ok((body, version))
}

#[cfg(test)]
mod tests {
    use netzwerk_domain::language::LanguageCode;
    use netzwerk_domain::schedule::OpeningHours;
    use netzwerk_domain::service::ServiceCategory;

    use super::*;

    fn hours(weekday: i64, opens: &str, closes: &str) -> OpeningHours {
        OpeningHours::new(
            Weekday::new(weekday).expect("weekday"),
            TimeOfDay::parse(opens).expect("opens"),
            TimeOfDay::parse(closes).expect("closes"),
        )
        .expect("hours")
    }

    #[test]
    fn opening_hours_become_weekly_series_with_closures_left_out() {
        let service = Service {
            name: "Migrationsberatung".into(),
            description: Some("Beratung".into()),
            content_language: LanguageCode::parse("de").expect("de"),
            category: ServiceCategory::Counselling,
            free: true,
            fee_note: None,
            appointment_required: false,
            eligibility: None,
            application_process: None,
        };
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let links = ServiceLinks {
            opening_hours: vec![hours(2, "10:00", "12:00"), hours(4, "14:00", "24:00")],
            exceptions: vec![
                // last month: history, left out
                ScheduleException {
                    date: date("2026-11-03"),
                    opens: None,
                    closes: None,
                    note: None,
                },
                // a Tuesday closed
                ScheduleException {
                    date: date("2026-12-08"),
                    opens: None,
                    closes: None,
                    note: None,
                },
                // a Wednesday with other hours
                ScheduleException {
                    date: date("2026-12-23"),
                    opens: TimeOfDay::parse("09:00").ok(),
                    closes: TimeOfDay::parse("11:30").ok(),
                    note: Some("Sondersprechstunde".into()),
                },
            ],
            ..ServiceLinks::default()
        };
        // a Sunday: the series start in the week of Monday 2026-11-30
        let events = opening_hour_events(&service, &links, Timezone::berlin(), date("2026-12-06"));
        let at =
            |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        let keys: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["2-600", "4-840", "20261223"]);
        let (_, tue) = &events[0];
        assert_eq!(tue.time.local_start(), at("2026-12-01 10:00"));
        assert_eq!(tue.time.duration(), chrono::Duration::hours(2));
        assert_eq!(tue.recurrence.rule.as_deref(), Some("FREQ=WEEKLY;BYDAY=TU"));
        assert_eq!(tue.recurrence.exdates, [at("2026-12-08 10:00")]);
        let (_, thu) = &events[1];
        assert_eq!(thu.time.local_start(), at("2026-12-03 14:00"));
        assert_eq!(
            thu.time.duration(),
            chrono::Duration::hours(10),
            "24:00 is midnight"
        );
        assert!(thu.recurrence.exdates.is_empty());
        let (_, special) = &events[2];
        assert_eq!(special.time.local_start(), at("2026-12-23 09:00"));
        assert!(special.recurrence.is_none());
        assert_eq!(special.description.as_deref(), Some("Sondersprechstunde"));
    }
}
