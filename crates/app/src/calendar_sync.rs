//! Keeping the Hub in step with members' calendars: one-off imports of a file or URL,
//! following a feed, and polling the feeds followed (through [`crate::feeds`]). A feed
//! that fails to download or parse changes nothing that was stored; events missing
//! from a feed are removed only when the feed was read completely.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Utc};
use netzwerk_calendar::{Issue, Limits, ParsedCalendar, parse};
use netzwerk_domain::access::Actor;
use netzwerk_domain::ids::OrganisationId;
use netzwerk_domain::poll::PollInterval;
use netzwerk_domain::url::HttpUrl;
use netzwerk_storage::calendar_sources;

pub use netzwerk_storage::calendar_sources::CalendarSource;
use netzwerk_storage::events::{self, EventSpan};
use netzwerk_storage::{AnyConnection, StorageError};

use crate::Hub;
use crate::directory::OrganisationKey;
use crate::error::{Error, Result};
use crate::feeds::{self, FeedKind, Round};
use crate::fetch::{Fetched, Fetcher, Validators};

/// What one import or sync did.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    /// New events.
    pub created: usize,
    /// Events changed (higher SEQUENCE or newer LAST-MODIFIED).
    pub updated: usize,
    /// Events already current.
    pub unchanged: usize,
    /// Events gone from a completely read feed.
    pub removed: usize,
    /// Events that could not be taken.
    pub rejected: usize,
    /// Every problem, with its line.
    pub issues: Vec<Issue>,
    /// Whether the calendar was read completely.
    pub complete: bool,
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "created {}, updated {}, unchanged {}, removed {}, rejected {}",
            self.created, self.updated, self.unchanged, self.removed, self.rejected
        )
    }
}

/// Brings the events of `origin` in line with a parsed calendar, in one transaction.
pub fn reconcile(
    conn: &mut AnyConnection,
    actor: &str,
    org: OrganisationId,
    origin: &str,
    parsed: &ParsedCalendar,
) -> Result<SyncReport, StorageError> {
    netzwerk_storage::transaction(conn, |conn| {
        let mut report = SyncReport {
            issues: parsed.issues.clone(),
            complete: parsed.complete,
            rejected: parsed.issues.iter().filter(|i| i.event_rejected).count(),
            ..SyncReport::default()
        };
        let existing: HashMap<String, events::FeedIdentity> = events::of_origin(conn, org, origin)?
            .into_iter()
            .map(|i| (i.uid.clone(), i))
            .collect();
        let mut seen: HashSet<&str> = HashSet::new();
        // UIDs the organisation has from elsewhere (another feed, or the Hub itself).
        let taken = events::uids_of(conn, org)?;
        let mut fresh: Vec<events::NewEvent<'_>> = Vec::new();
        for fe in &parsed.events {
            seen.insert(fe.uid.as_str());
            let span = match netzwerk_calendar::span(&fe.event, &fe.overrides) {
                Ok((first_start, last_end)) => EventSpan {
                    first_start,
                    last_end,
                },
                Err(e) => {
                    report.rejected += 1;
                    report.issues.push(Issue {
                        line: 0,
                        reason: format!("event {}: {e}", fe.uid),
                        event_rejected: true,
                    });
                    continue;
                }
            };
            match existing.get(&fe.uid) {
                Some(known) => {
                    let newer = fe.sequence > known.sequence
                        || (fe.sequence == known.sequence
                            && fe.last_modified.is_some()
                            && fe.last_modified > known.last_modified);
                    if newer {
                        events::update(conn, actor, known.id, &fe.event, &fe.overrides, span)?;
                        report.updated += 1;
                    } else {
                        report.unchanged += 1;
                    }
                }
                None => {
                    if let Some(other) = taken.get(&fe.uid) {
                        report.rejected += 1;
                        report.issues.push(Issue {
                            line: 0,
                            event_rejected: true,
                            reason: format!(
                                "event {}: the organisation has this UID already from {}",
                                fe.uid,
                                other.as_deref().unwrap_or("the Hub itself")
                            ),
                        });
                        continue;
                    }
                    fresh.push(events::NewEvent {
                        event: &fe.event,
                        overrides: &fe.overrides,
                        span,
                    });
                }
            }
        }
        report.created = events::insert_many(conn, actor, org, Some(origin), &fresh)?;
        if parsed.complete {
            for (uid, known) in &existing {
                if !seen.contains(uid.as_str()) {
                    events::delete(conn, actor, known.id)?;
                    report.removed += 1;
                }
            }
        }
        Ok(report)
    })
}

/// Where a calendar comes from: a file on the server's disk (command line only) or a URL.
#[derive(Debug, Clone)]
pub enum CalendarSourceRef {
    /// A file path.
    File(std::path::PathBuf),
    /// An `http(s)` URL, fetched through the guarded client.
    Url(HttpUrl),
}

impl CalendarSourceRef {
    /// A URL when `raw` starts with `http://` or `https://`, a file otherwise.
    pub fn parse(raw: &str) -> Result<Self> {
        if raw.starts_with("http://") || raw.starts_with("https://") {
            Ok(Self::Url(
                HttpUrl::parse(raw).map_err(|e| e.within("source"))?,
            ))
        } else {
            Ok(Self::File(raw.into()))
        }
    }
}

impl fmt::Display for CalendarSourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(p) => write!(f, "{}", p.display()),
            Self::Url(u) => write!(f, "{u}"),
        }
    }
}

/// Reads a file or fetches a URL, within the size limit of its kind.
async fn load(hub: &Hub, source: &CalendarSourceRef) -> Result<(Vec<u8>, Limits)> {
    let settings = hub.settings();
    match source {
        CalendarSourceRef::Url(url) => {
            let bytes = fetch_once(hub.fetcher(), url).await?;
            Ok((bytes, settings.calendar_limits.clone()))
        }
        CalendarSourceRef::File(path) => {
            let limits = settings.calendar_file_limits.clone();
            let shown = path.display();
            let meta =
                std::fs::metadata(path).map_err(|e| Error::Source(format!("{shown}: {e}")))?;
            if meta.len() > limits.max_bytes as u64 {
                return Err(Error::Source(format!(
                    "{shown}: {} bytes, more than the limit of {}",
                    meta.len(),
                    limits.max_bytes
                )));
            }
            let bytes = std::fs::read(path).map_err(|e| Error::Source(format!("{shown}: {e}")))?;
            Ok((bytes, limits))
        }
    }
}

/// One unconditional download.
pub(crate) async fn fetch_once(fetcher: &Fetcher, url: &HttpUrl) -> Result<Vec<u8>> {
    match fetcher
        .get(url.as_str(), &Validators::default())
        .await
        .map_err(|e| {
            Error::Source(netzwerk_domain::redact::in_text(
                &e.to_string(),
                url.as_str(),
            ))
        })? {
        Fetched::Body { bytes, .. } => Ok(bytes),
        Fetched::NotModified => Err(Error::Source(format!(
            "{url}: the server answered 304 to an unconditional request"
        ))),
    }
}

/// Parses on the blocking pool: a large calendar never holds an async worker.
async fn parse_off_workers(
    bytes: Vec<u8>,
    limits: Limits,
    shown: String,
) -> Result<ParsedCalendar> {
    tokio::task::spawn_blocking(move || {
        parse(&bytes, &limits).map_err(|e| Error::Source(format!("{shown}: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("parsing {e}")))?
}

/// What `check` found in a calendar.
#[derive(Debug)]
pub struct Checked {
    /// The calendar as read.
    pub parsed: ParsedCalendar,
    /// How many of its events recur.
    pub recurring: usize,
    /// Seconds the parse took.
    pub seconds: f64,
}

/// Reads a calendar without storing anything (no database needed).
pub async fn check(hub: &Hub, source: &CalendarSourceRef) -> Result<Checked> {
    let (bytes, limits) = load(hub, source).await?;
    let started = std::time::Instant::now();
    let parsed = parse_off_workers(bytes, limits, source.to_string()).await?;
    let seconds = started.elapsed().as_secs_f64();
    let recurring = parsed
        .events
        .iter()
        .filter(|e| !e.event.recurrence.is_none())
        .count();
    Ok(Checked {
        parsed,
        recurring,
        seconds,
    })
}

/// A one-off import of a calendar into an organisation's events.
#[derive(Debug, Clone)]
pub struct Import {
    /// Whose events.
    pub organisation: OrganisationKey,
    /// From where.
    pub source: CalendarSourceRef,
}

/// Imports a calendar: events matched by UID within this source are updated, new ones
/// created, ones gone from a completely read calendar removed — in one transaction.
pub async fn import(hub: &Hub, actor: Actor, cmd: Import) -> Result<SyncReport> {
    let org = cmd.organisation.resolve(hub).await?;
    actor.may_edit(org)?;
    let (bytes, limits) = load(hub, &cmd.source).await?;
    let parsed = parse_off_workers(bytes, limits, cmd.source.to_string()).await?;
    let origin = format!(
        "import:{}",
        match &cmd.source {
            CalendarSourceRef::File(p) => p.display().to_string(),
            CalendarSourceRef::Url(u) => u.as_str().to_owned(),
        }
    );
    hub.transact(move |c| Ok(reconcile(c, &actor.label(), org, &origin, &parsed)?))
        .await
}

/// Following an organisation's calendar feed.
#[derive(Debug, Clone)]
pub struct Follow {
    /// Whose feed.
    pub organisation: OrganisationKey,
    /// The feed.
    pub url: HttpUrl,
    /// How often; `None`: `calendar.default_interval_minutes`.
    pub interval: Option<PollInterval>,
}

/// Follows a feed: it is polled from now on, first at once.
pub async fn follow(hub: &Hub, actor: Actor, cmd: Follow) -> Result<CalendarSource> {
    let org = cmd.organisation.resolve(hub).await?;
    actor.may_edit(org)?;
    let minutes = cmd
        .interval
        .unwrap_or(hub.settings().calendar_poll_default)
        .as_i32();
    let url = cmd.url.into_string();
    hub.transact(move |c| {
        netzwerk_storage::organisations::get(c, org)?;
        Ok(calendar_sources::insert(
            c,
            &actor.label(),
            org,
            &url,
            minutes,
        )?)
    })
    .await
}

/// An organisation's calendar feeds with their health: its editors and the coordinator.
pub async fn feeds_of(
    hub: &Hub,
    actor: Actor,
    organisation: OrganisationKey,
) -> Result<Vec<CalendarSource>> {
    let org = organisation.resolve(hub).await?;
    actor.may_edit(org)?;
    Ok(hub
        .database()
        .run(move |c| calendar_sources::of_organisation(c, org))
        .await?)
}

/// Members' calendar feeds as [`feeds`] polls them.
#[derive(Debug, Clone)]
pub struct CalendarFeeds {
    limits: Limits,
}

/// The origin of a feed's events.
pub fn origin_of(source: &CalendarSource) -> String {
    format!("source:{}", source.id)
}

impl FeedKind for CalendarFeeds {
    type Source = CalendarSource;
    type Parsed = ParsedCalendar;
    type Report = SyncReport;
    const WHAT: &'static str = "calendar feed";

    fn url(source: &CalendarSource) -> &str {
        &source.url
    }

    fn validators(source: &CalendarSource) -> Validators {
        Validators {
            etag: source.etag.clone(),
            last_modified: source.last_modified_header.clone(),
        }
    }

    fn due(
        conn: &mut AnyConnection,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<CalendarSource>, StorageError> {
        calendar_sources::due(conn, now, limit)
    }

    fn claim(
        conn: &mut AnyConnection,
        source: &CalendarSource,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        calendar_sources::claim(conn, source, lease_until)
    }

    fn parse(
        &self,
        _source: &CalendarSource,
        body: &[u8],
        _content_type: Option<&str>,
    ) -> Result<ParsedCalendar, String> {
        parse(body, &self.limits).map_err(|e| e.to_string())
    }

    fn store(
        conn: &mut AnyConnection,
        source: &CalendarSource,
        parsed: ParsedCalendar,
        validators: &Validators,
    ) -> Result<SyncReport, StorageError> {
        netzwerk_storage::transaction(conn, |c| {
            let report = reconcile(
                c,
                "calendar-sync",
                source.organisation_id,
                &origin_of(source),
                &parsed,
            )?;
            let taken = i32::try_from(report.created + report.updated + report.unchanged)
                .unwrap_or(i32::MAX);
            let rejected = i32::try_from(report.rejected).unwrap_or(i32::MAX);
            calendar_sources::record_success(
                c,
                source.id,
                validators.etag.as_deref(),
                validators.last_modified.as_deref(),
                Some((taken, rejected)),
            )?;
            Ok(report)
        })
    }

    fn record_unchanged(
        conn: &mut AnyConnection,
        source: &CalendarSource,
    ) -> Result<(), StorageError> {
        calendar_sources::record_success(conn, source.id, None, None, None)
    }

    fn record_failure(
        conn: &mut AnyConnection,
        source: &CalendarSource,
        error: &str,
    ) -> Result<(), StorageError> {
        calendar_sources::record_failure(conn, source.id, error)
    }
}

/// Polls every calendar feed that is due (with `all`: every feed), once each.
pub async fn poll_due(hub: &Hub, all: bool) -> Result<Round<SyncReport>> {
    let kind = CalendarFeeds {
        limits: hub.settings().calendar_limits.clone(),
    };
    feeds::poll_due(hub, &kind, all).await
}
