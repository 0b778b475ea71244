//! Keeping the Hub in step with members' calendars: one-off imports of a file or URL,
//! and polling of the feeds they connected. A feed that fails to download or parse
//! changes nothing that was stored; events missing from a feed are removed only when
//! the feed was read completely.

use netzwerk_domain::redact::{self, Redacted};
use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{Duration, Utc};
use netzwerk_calendar::{Issue, Limits, ParsedCalendar, parse};
use netzwerk_domain::ids::OrganisationId;
use netzwerk_storage::calendar_sources::{self, CalendarSource};
use netzwerk_storage::events::{self, EventSpan};
use netzwerk_storage::{AnyConnection, Database, StorageError};

use crate::fetch::{FetchError, Fetched, Fetcher, Validators};

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

/// Reads a file or fetches a URL, within the size limit.
pub async fn load(
    fetcher: &Fetcher,
    file_or_url: &str,
    limits: &Limits,
) -> anyhow::Result<Vec<u8>> {
    if file_or_url.starts_with("http://") || file_or_url.starts_with("https://") {
        return match fetcher.get(file_or_url, &Validators::default()).await? {
            Fetched::Body { bytes, .. } => Ok(bytes),
            Fetched::NotModified => {
                anyhow::bail!("{file_or_url}: the server answered 304 to an unconditional request")
            }
        };
    }
    let meta = std::fs::metadata(file_or_url).map_err(|e| anyhow::anyhow!("{file_or_url}: {e}"))?;
    if meta.len() > limits.max_bytes as u64 {
        anyhow::bail!(
            "{file_or_url}: {} bytes, more than the limit of {}",
            meta.len(),
            limits.max_bytes
        );
    }
    std::fs::read(file_or_url).map_err(|e| anyhow::anyhow!("{file_or_url}: {e}"))
}

/// One-off import of a file or URL for an organisation.
pub async fn import(
    db: &Database,
    fetcher: &Fetcher,
    org: OrganisationId,
    file_or_url: &str,
    limits: &Limits,
    actor: &str,
) -> anyhow::Result<SyncReport> {
    let bytes = load(fetcher, file_or_url, limits).await?;
    let parsed = parse(&bytes, limits).map_err(|e| anyhow::anyhow!("{file_or_url}: {e}"))?;
    let origin = format!("import:{file_or_url}");
    let actor = actor.to_owned();
    Ok(db
        .write(move |c| reconcile(c, &actor, org, &origin, &parsed))
        .await?)
}

/// The origin of a feed's events.
pub fn origin_of(source: &CalendarSource) -> String {
    format!("source:{}", source.id)
}

/// Polls one feed now: 304 and successes are recorded as healthy; any failure is
/// recorded on the feed and changes no event.
pub async fn poll_source(
    db: &Database,
    fetcher: &Fetcher,
    source: &CalendarSource,
    limits: &Limits,
) -> Result<Option<SyncReport>, String> {
    let validators = Validators {
        etag: source.etag.clone(),
        last_modified: source.last_modified_header.clone(),
    };
    let outcome = match fetcher.get(&source.url, &validators).await {
        Ok(Fetched::NotModified) => Ok(None),
        Ok(Fetched::Body {
            bytes, validators, ..
        }) => match parse(&bytes, limits) {
            Ok(parsed) => {
                let (org, origin, id) = (source.organisation_id, origin_of(source), source.id);
                let result = db
                    .write(move |c| {
                        let report = reconcile(c, "calendar-sync", org, &origin, &parsed)?;
                        let taken =
                            i32::try_from(report.created + report.updated + report.unchanged)
                                .unwrap_or(i32::MAX);
                        let rejected = i32::try_from(report.rejected).unwrap_or(i32::MAX);
                        calendar_sources::record_success(
                            c,
                            id,
                            validators.etag.as_deref(),
                            validators.last_modified.as_deref(),
                            Some((taken, rejected)),
                        )?;
                        Ok(report)
                    })
                    .await;
                result.map(Some).map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        },
        Err(e @ (FetchError::Forbidden { .. } | FetchError::BadUrl(_))) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let id = source.id;
    match &outcome {
        Ok(None) => {
            db.write(move |c| calendar_sources::record_success(c, id, None, None, None))
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(Some(_)) => {}
        Err(msg) => {
            let msg = msg.clone();
            db.write(move |c| calendar_sources::record_failure(c, id, &msg))
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    outcome
}

/// What one round of polling did.
#[derive(Debug, Default)]
pub struct PollSummary {
    /// Feeds polled.
    pub polled: usize,
    /// Feeds that answered 304.
    pub not_modified: usize,
    /// Feeds that failed.
    pub failed: usize,
    /// What each synced feed changed, by URL.
    pub synced: Vec<(String, SyncReport)>,
    /// Why each failed feed failed, by URL.
    pub errors: Vec<(String, String)>,
}

/// Polls every feed that is due (or, with `all`, every feed), once.
pub async fn poll_due(
    db: &Database,
    fetcher: &Fetcher,
    limits: &Limits,
    all: bool,
) -> Result<PollSummary, StorageError> {
    let now = if all {
        Utc::now() + Duration::days(3650)
    } else {
        Utc::now()
    };
    let due = db.run(move |c| calendar_sources::due(c, now, 100)).await?;
    let mut summary = PollSummary::default();
    for source in due {
        let lease = Utc::now() + Duration::minutes(10);
        let s = source.clone();
        if !db
            .write(move |c| calendar_sources::claim(c, &s, lease))
            .await?
        {
            continue;
        }
        summary.polled += 1;
        match poll_source(db, fetcher, &source, limits).await {
            Ok(None) => summary.not_modified += 1,
            Ok(Some(report)) => {
                tracing::info!(url = %Redacted(&source.url), %report, "calendar feed synced");
                summary.synced.push((redact::url(&source.url), report));
            }
            Err(e) => {
                summary.failed += 1;
                tracing::warn!(url = %Redacted(&source.url), error = %e, "calendar feed failed");
                summary.errors.push((redact::url(&source.url), e));
            }
        }
    }
    Ok(summary)
}
