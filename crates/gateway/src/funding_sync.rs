//! Polling funding feeds: download through the guarded client (conditional GET),
//! parse (RSS, Atom, JSON Feed; iCalendar deadline calendars through the calendar
//! crate), normalise, and store in one transaction. A feed that fails is recorded on
//! its health and changes nothing stored; items that cannot be used are counted and
//! named, and the others are still taken.

use chrono::{Duration, Utc};
use netzwerk_domain::redact::{self, Redacted};
use netzwerk_funding_news::{RawItem, SourceDefaults, dedup, normalise, parse_feed};
use netzwerk_storage::funding::{self, FundingSource, IncomingItem, IngestReport, PollHealth};
use netzwerk_storage::{Database, StorageError};

use crate::fetch::{Fetched, Fetcher, Validators};

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

/// Polls one feed now. `Ok(None)`: 304.
pub async fn poll_source(
    db: &Database,
    fetcher: &Fetcher,
    source: &FundingSource,
    limits: &netzwerk_calendar::Limits,
) -> Result<Option<(IngestReport, PollHealth)>, String> {
    let validators = Validators {
        etag: source.etag.clone(),
        last_modified: source.last_modified_header.clone(),
    };
    let id = source.id;
    let outcome = match fetcher.get(&source.url, &validators).await {
        Ok(Fetched::NotModified) => Ok(None),
        Ok(Fetched::Body {
            bytes,
            content_type,
            validators,
        }) => match items_of(&bytes, content_type.as_deref(), limits) {
            Ok((items, mut issues)) => {
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
                let h = health.clone();
                db.write(move |c| {
                    netzwerk_storage::transaction(c, |c| {
                        let report = funding::ingest(c, id, &incoming, dedup::same_title)?;
                        funding::record_source_success(
                            c,
                            id,
                            validators.etag.as_deref(),
                            validators.last_modified.as_deref(),
                            Some(&h),
                        )?;
                        Ok::<_, StorageError>(report)
                    })
                })
                .await
                .map(|r| Some((r, health)))
                .map_err(|e| e.to_string())
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e.to_string()),
    };
    match &outcome {
        Ok(None) => {
            db.write(move |c| funding::record_source_success(c, id, None, None, None))
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(Some(_)) => {}
        Err(msg) => {
            let msg = msg.clone();
            db.write(move |c| funding::record_source_failure(c, id, &msg))
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    outcome
}

/// What one round did.
#[derive(Debug, Default)]
pub struct FundingPoll {
    /// Feeds polled.
    pub polled: usize,
    /// 304s.
    pub not_modified: usize,
    /// Failures, by URL.
    pub errors: Vec<(String, String)>,
    /// What each feed changed, by URL.
    pub synced: Vec<(String, IngestReport, PollHealth)>,
}

/// Polls every due feed (with `all`: every feed) once; each is claimed first, so
/// replicas never poll one feed twice.
pub async fn poll_due(
    db: &Database,
    fetcher: &Fetcher,
    limits: &netzwerk_calendar::Limits,
    all: bool,
) -> Result<FundingPoll, StorageError> {
    let now = if all {
        Utc::now() + Duration::days(3650)
    } else {
        Utc::now()
    };
    let due = db.run(move |c| funding::due_sources(c, now, 100)).await?;
    let mut summary = FundingPoll::default();
    for source in due {
        let lease = Utc::now() + Duration::minutes(10);
        let s = source.clone();
        if !db
            .write(move |c| funding::claim_source(c, &s, lease))
            .await?
        {
            continue;
        }
        summary.polled += 1;
        match poll_source(db, fetcher, &source, limits).await {
            Ok(None) => summary.not_modified += 1,
            Ok(Some((report, health))) => {
                tracing::info!(url = %Redacted(&source.url), %report, "funding feed synced");
                summary
                    .synced
                    .push((redact::url(&source.url), report, health));
            }
            Err(e) => {
                tracing::warn!(url = %Redacted(&source.url), error = %e, "funding feed failed");
                summary.errors.push((redact::url(&source.url), e));
            }
        }
    }
    Ok(summary)
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
        assert_eq!(n[0].opportunity.deadline.kind(), "date");
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
