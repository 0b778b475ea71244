//! Funding feeds: following one (coordinator), and polling them through
//! [`crate::feeds`] — parse (RSS, Atom, JSON Feed; iCalendar deadline calendars through
//! the calendar crate), normalise, and store in one transaction. A feed that fails is
//! recorded on its health and changes nothing stored; items that cannot be used are
//! counted and named, and the others are still taken.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use netzwerk_domain::access::Actor;
use netzwerk_domain::error::Checker;
use netzwerk_domain::funding::FundingRegion;
use netzwerk_domain::organisation::Topic;
use netzwerk_domain::poll::PollInterval;
use netzwerk_domain::url::HttpUrl;
use netzwerk_funding_news::{RawItem, SourceDefaults, dedup, normalise, parse_feed};
use netzwerk_storage::funding::{self, IncomingItem};

pub use netzwerk_storage::funding::{FundingSource, IngestReport, PollHealth};
use netzwerk_storage::{AnyConnection, StorageError};

use crate::Hub;
use crate::error::{Error, Result};
use crate::feeds::{self, FeedKind, Round};
use crate::fetch::Validators;

/// Items of a body: a funding feed, or an iCalendar of deadlines (each entry's date is
/// its deadline, its URL the link).
pub fn items_of(
    body: &[u8],
    content_type: Option<&str>,
    limits: &netzwerk_calendar::Limits,
) -> Result<(Vec<RawItem>, Vec<String>), String> {
    let is_calendar = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("calendar"))
        || body
            .iter()
            .skip_while(|b| b.is_ascii_whitespace() || **b == 0xef || **b == 0xbb || **b == 0xbf)
            .take(15)
            .copied()
            .collect::<Vec<u8>>()
            .eq_ignore_ascii_case(b"BEGIN:VCALENDAR");
    if !is_calendar {
        let mut parsed = parse_feed(body, content_type).map_err(|e| e.to_string())?;
        if parsed.items.len() > limits.max_events {
            parsed.issues.push(format!(
                "the feed has {} items; only the first {} are taken (funding.max_items_per_feed)",
                parsed.items.len(),
                limits.max_events
            ));
            parsed.items.truncate(limits.max_events);
        }
        return Ok((parsed.items, parsed.issues));
    }
    let parsed = netzwerk_calendar::parse(body, limits).map_err(|e| e.to_string())?;
    let mut issues: Vec<String> = parsed
        .issues
        .iter()
        .map(|i| format!("line {}: {}", i.line, i.reason))
        .collect();
    let mut items = Vec::new();
    for e in parsed.events {
        let ev = &e.event;
        let Some(link) = ev.registration_url.clone() else {
            issues.push(format!("{}: no URL", ev.title));
            continue;
        };
        items.push(RawItem {
            guid: e.uid.clone(),
            title: ev.title.clone(),
            link,
            text: ev.description.clone().unwrap_or_default(),
            published: None,
            updated: e.last_modified,
            categories: Vec::new(),
            deadline: Some(ev.time.local_start().date()),
            deadlines: deadline_dates(&e),
        });
    }
    Ok((items, issues))
}

/// Every date of a deadline entry over the next two years (a recurring
/// "Antragsstichtag" gives all its rounds; cancelled ones are left out).
fn deadline_dates(e: &netzwerk_calendar::FeedEvent) -> Vec<chrono::NaiveDate> {
    if e.event.recurrence.is_none() {
        return vec![e.event.time.local_start().date()];
    }
    let from = Utc::now() - Duration::days(366);
    let to = Utc::now() + Duration::days(2 * 366);
    match netzwerk_calendar::occurrences(&e.event, &e.overrides, from, to, 48) {
        Ok(occ) => {
            let mut d: Vec<chrono::NaiveDate> = occ
                .iter()
                .filter(|o| o.status != netzwerk_domain::event::EventStatus::Cancelled)
                .map(|o| o.local_start.date())
                .collect();
            d.dedup();
            d
        }
        Err(_) => vec![e.event.time.local_start().date()],
    }
}

/// Normalises items with the source's defaults; unusable ones become issues.
pub fn normalise_all(
    defaults: &SourceDefaults,
    items: &[RawItem],
    issues: &mut Vec<String>,
) -> Vec<IncomingItem> {
    let today = Utc::now().date_naive();
    items
        .iter()
        .filter_map(|i| match normalise(i, defaults, today) {
            Ok(n) => Some(IncomingItem {
                guid: n.guid,
                link: n.link,
                url_key: n.url_key,
                changed: n.changed,
                opportunity: n.opportunity,
            }),
            Err(e) => {
                issues.push(e);
                None
            }
        })
        .collect()
}

/// Following a funding feed (coordinator).
#[derive(Debug, Clone)]
pub struct Follow {
    /// The feed (RSS, Atom, JSON Feed or an iCalendar of deadlines).
    pub url: String,
    /// Who funds; `None`: the feed's host name.
    pub funder: Option<String>,
    /// How often; `None`: `funding.default_interval_minutes`.
    pub interval_minutes: Option<i64>,
    /// Topics every item gets.
    pub topics: Vec<Topic>,
    /// The area when an item names none.
    pub region: Option<FundingRegion>,
}

/// Follows a funding feed; every broken field is named at once.
pub async fn follow(hub: &Hub, actor: Actor, cmd: Follow) -> Result<FundingSource> {
    actor.may_administer()?;
    let mut c = Checker::new();
    let url = c.take("url", HttpUrl::parse(&cmd.url));
    let funder = match (&cmd.funder, &url) {
        (Some(f), _) => c.take("funder", netzwerk_domain::error::required_text(f, 200)),
        // The host name, never the credentials before it.
        (None, Some(u)) => Some(u.host().to_owned()),
        (None, None) => None,
    };
    let interval = match cmd.interval_minutes {
        Some(m) => c.take("intervalMinutes", PollInterval::parse(m)),
        None => Some(hub.settings().funding_poll_default),
    };
    let (url, funder, interval) = match c.finish(|| (url, funder, interval))? {
        (Some(u), Some(f), Some(i)) => (u, f, i),
        _ => return Err(Error::Internal("a checked field is missing".into())),
    };
    let (topics, region, minutes) = (cmd.topics, cmd.region, interval.as_i32());
    hub.transact(move |c| {
        actor.may_administer()?;
        Ok(funding::add_source(
            c,
            &actor.label(),
            url.as_str(),
            &funder,
            &topics,
            region,
            minutes,
        )?)
    })
    .await
}

/// Every funding feed with its health (coordinator).
pub async fn sources(hub: &Hub, actor: Actor) -> Result<Vec<FundingSource>> {
    actor.may_administer()?;
    Ok(hub.database().run(funding::sources).await?)
}

/// One item of a feed read without storing anything, as the Hub would take it.
#[derive(Debug)]
pub struct Previewed {
    /// As read.
    pub raw: RawItem,
    /// As normalised.
    pub item: IncomingItem,
}

/// Reads a funding feed from a file as the poller would, storing nothing: the items it
/// would take and every issue.
pub fn preview_file(
    hub: &Hub,
    path: &std::path::Path,
    funder: Option<String>,
) -> Result<(Vec<Previewed>, Vec<String>)> {
    let bytes =
        std::fs::read(path).map_err(|e| Error::Source(format!("{}: {e}", path.display())))?;
    let (items, mut issues) = items_of(&bytes, None, &hub.settings().funding_file_limits)
        .map_err(|e| Error::Source(format!("{}: {e}", path.display())))?;
    let defaults = SourceDefaults {
        funder: funder.unwrap_or_default(),
        ..SourceDefaults::default()
    };
    let normalised = normalise_all(&defaults, &items, &mut issues);
    let mut raw_of: std::collections::HashMap<String, RawItem> =
        items.into_iter().map(|i| (i.guid.clone(), i)).collect();
    let previewed = normalised
        .into_iter()
        .filter_map(|item| raw_of.remove(&item.guid).map(|raw| Previewed { raw, item }))
        .collect();
    Ok((previewed, issues))
}

/// What storing one funding feed's download did.
#[derive(Debug, Clone)]
pub struct FundingReport {
    /// Opportunities created, updated, unchanged.
    pub ingest: IngestReport,
    /// Items taken and left out, with the issues.
    pub health: PollHealth,
}

impl fmt::Display for FundingReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ingest.fmt(f)
    }
}

/// Funding feeds as [`feeds`] polls them.
#[derive(Debug, Clone)]
pub struct FundingFeeds {
    limits: netzwerk_calendar::Limits,
}

impl FeedKind for FundingFeeds {
    type Source = FundingSource;
    type Parsed = (Vec<IncomingItem>, PollHealth);
    type Report = FundingReport;
    const WHAT: &'static str = "funding feed";

    fn url(source: &FundingSource) -> &str {
        &source.url
    }

    fn validators(source: &FundingSource) -> Validators {
        Validators {
            etag: source.etag.clone(),
            last_modified: source.last_modified_header.clone(),
        }
    }

    fn due(
        conn: &mut AnyConnection,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<FundingSource>, StorageError> {
        funding::due_sources(conn, now, limit)
    }

    fn claim(
        conn: &mut AnyConnection,
        source: &FundingSource,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        funding::claim_source(conn, source, lease_until)
    }

    fn parse(
        &self,
        source: &FundingSource,
        body: &[u8],
        content_type: Option<&str>,
    ) -> Result<Self::Parsed, String> {
        let (items, mut issues) = items_of(body, content_type, &self.limits)?;
        let feed_rejected = issues.iter().filter(|i| !i.ends_with("; taken")).count();
        let defaults = SourceDefaults {
            funder: source.funder.clone(),
            topics: source.topics.clone(),
            region: source.region,
        };
        let incoming = normalise_all(&defaults, &items, &mut issues);
        let rejected = feed_rejected + (items.len() - incoming.len());
        let health = PollHealth {
            taken: i32::try_from(incoming.len()).unwrap_or(i32::MAX),
            rejected: i32::try_from(rejected).unwrap_or(i32::MAX),
            issues,
        };
        Ok((incoming, health))
    }

    fn store(
        conn: &mut AnyConnection,
        source: &FundingSource,
        (incoming, health): Self::Parsed,
        validators: &Validators,
    ) -> Result<FundingReport, StorageError> {
        netzwerk_storage::transaction(conn, |c| {
            let ingest =
                funding::ingest(c, source.id, &incoming, dedup::same_title, dedup::url_key)?;
            funding::record_source_success(
                c,
                source.id,
                validators.etag.as_deref(),
                validators.last_modified.as_deref(),
                Some(&health),
            )?;
            Ok(FundingReport { ingest, health })
        })
    }

    fn record_unchanged(
        conn: &mut AnyConnection,
        source: &FundingSource,
    ) -> Result<(), StorageError> {
        funding::record_source_success(conn, source.id, None, None, None)
    }

    fn record_failure(
        conn: &mut AnyConnection,
        source: &FundingSource,
        error: &str,
    ) -> Result<(), StorageError> {
        funding::record_source_failure(conn, source.id, error)
    }
}

/// Polls every funding feed that is due (with `all`: every feed), once each.
pub async fn poll_due(hub: &Hub, all: bool) -> Result<Round<FundingReport>> {
    let kind = FundingFeeds {
        limits: hub.settings().funding_limits.clone(),
    };
    feeds::poll_due(hub, &kind, all).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_icalendar_of_deadlines_becomes_items() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//DE\r\n\
BEGIN:VEVENT\r\nUID:frist-1@foerderer.example\r\nDTSTAMP:20261101T000000Z\r\n\
DTSTART;VALUE=DATE:20270315\r\nSUMMARY:Antragsfrist Jugendfonds\r\n\
DESCRIPTION:Bis zu 5.000 € für Jugendprojekte in Berlin.\r\n\
URL:https://foerderer.example/jugendfonds\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:frist-2@foerderer.example\r\nDTSTAMP:20261101T000000Z\r\n\
DTSTART;VALUE=DATE:20270401\r\nSUMMARY:Ohne Link\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let (items, issues) = items_of(
            ics.as_bytes(),
            Some("text/calendar"),
            &netzwerk_calendar::Limits::default(),
        )
        .expect("a calendar");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].title, "Antragsfrist Jugendfonds");
        assert_eq!(items[0].link, "https://foerderer.example/jugendfonds");
        assert_eq!(
            items[0].deadline,
            chrono::NaiveDate::from_ymd_opt(2027, 3, 15)
        );
        assert_eq!(issues, ["Ohne Link: no URL"]);
        let source = SourceDefaults {
            funder: "Förderer".into(),
            ..SourceDefaults::default()
        };
        let mut issues = Vec::new();
        let n = normalise_all(&source, &items, &mut issues);
        assert_eq!(
            n[0].opportunity.amount.as_ref().and_then(|a| a.max),
            Some(5000)
        );
        assert_eq!(n[0].opportunity.deadline.kind().as_str(), "date");
    }

    #[test]
    fn a_recurring_deadline_gives_every_round() {
        let first = (Utc::now() + Duration::days(40)).date_naive();
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//DE\r\nBEGIN:VEVENT\r\n\
UID:stichtag@foerderer.example\r\nDTSTAMP:20261101T000000Z\r\n\
DTSTART;VALUE=DATE:{}\r\nRRULE:FREQ=MONTHLY;INTERVAL=3;COUNT=4\r\n\
SUMMARY:Antragsstichtag Kulturfonds\r\nURL:https://foerderer.example/kultur\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n",
            first.format("%Y%m%d")
        );
        let (items, _) = items_of(ics.as_bytes(), None, &netzwerk_calendar::Limits::default())
            .expect("a calendar");
        assert_eq!(items[0].deadlines.len(), 4, "{:?}", items[0].deadlines);
        assert_eq!(items[0].deadlines[0], first);
    }
}
