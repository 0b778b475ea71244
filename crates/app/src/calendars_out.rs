//! The iCalendar feeds the Hub publishes: the network's events (or an organisation's,
//! a category's, narrowed further by a filter) and the network meetings. Series stay
//! series; the HTTP layer answers 304 from the fingerprint without writing the feed.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use netzwerk_calendar::{CalendarEntry, write_calendar};
use netzwerk_domain::event::Provenance;
use netzwerk_domain::ids::MeetingId;
use netzwerk_domain::slug::Slug;
use netzwerk_storage::{events, locations, meetings, organisations};

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

/// The name and filter of an organisation's feed; `None`: no such organisation.
pub async fn organisation_feed(hub: &Hub, slug: &str) -> Result<Option<(String, EventFilter)>> {
    let Ok(slug) = Slug::parse(slug) else {
        return Ok(None);
    };
    let found = hub
        .read(move |c| Ok(organisations::get_by_slug(c, &slug)?))
        .await?;
    Ok(found.map(|o| {
        (
            format!("{} – Veranstaltungen", o.value.name),
            EventFilter {
                organisation: Some(o.id),
                ..EventFilter::default()
            },
        )
    }))
}

/// The newest change among a feed's events and how many there are: changes when the
/// feed does.
pub async fn fingerprint(hub: &Hub, filter: EventFilter) -> Result<(Option<NaiveDateTime>, i64)> {
    hub.read(move |c| Ok(events::fingerprint(c, &filter)?))
        .await
}

/// A feed of events as iCalendar text.
pub async fn events_calendar(hub: &Hub, name: String, filter: EventFilter) -> Result<String> {
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
/// iCalendar text.
pub async fn meetings_calendar(hub: &Hub, only: Option<MeetingId>) -> Result<String> {
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
    Ok(write_calendar(
        "Netzwerk für Integration – Sitzungen",
        &entries,
    ))
}
