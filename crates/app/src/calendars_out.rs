//! The iCalendar feeds the Hub publishes: the network's events (or an organisation's,
//! a category's, narrowed further by a filter) and the network meetings. Series stay
//! series; the HTTP layer answers 304 from `version` without writing the feed.

use std::collections::HashMap;

use netzwerk_calendar::{CalendarEntry, write_calendar};
use netzwerk_domain::event::Provenance;
use netzwerk_domain::ids::MeetingId;
use netzwerk_domain::slug::Slug;
use netzwerk_storage::{events, locations, meetings, organisations};
use sha2::{Digest, Sha256};

pub use netzwerk_storage::events::EventFilter;

use crate::Hub;
use crate::error::Result;
use crate::events::EventRecord;
use crate::invitations::{Lang, MeetingInfo, meeting_uid};

/// Most events in one feed.
const MAX_FEED_EVENTS: i64 = 20_000;

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

/// A feed of events as iCalendar text.
pub async fn events_calendar(hub: &Hub, feed: EventFeed) -> Result<String> {
    let EventFeed { name, filter } = feed;
    let (list, orgs, locs) = hub
        .read(move |c| {
            let list = events::all(c, &filter, MAX_FEED_EVENTS)?;
            let mut org_ids: Vec<_> = list.iter().map(|(r, _)| r.organisation_id).collect();
            org_ids.sort();
            org_ids.dedup();
            let orgs = organisations::get_many(c, &org_ids)?;
            let loc_ids: Vec<_> = list
                .iter()
                .filter_map(|(r, _)| r.value.location_id)
                .collect();
            let locs = locations::get_many(c, &loc_ids)?;
            Ok((list, orgs, locs))
        })
        .await?;
    let orgs: HashMap<_, _> = orgs.into_iter().map(|o| (o.id, o)).collect();
    let locs: HashMap<_, _> = locs.into_iter().map(|l| (l.id, l)).collect();
    let entries: Vec<CalendarEntry<'_>> = list
        .iter()
        .map(|(rec, ovs)| {
            let (sequence, changed) = match &rec.value.provenance {
                Provenance::Feed { sequence, .. } => (*sequence, rec.updated_at),
                Provenance::Manual => (
                    rec.updated_at.timestamp() - rec.created_at.timestamp(),
                    rec.updated_at,
                ),
            };
            CalendarEntry {
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
            }
        })
        .collect();
    Ok(write_calendar(&name, &entries))
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
