//! Followed feeds — members' calendars and funding feeds — polled by one mechanism:
//! find the due ones, claim each with a lease (a compare-and-set, so replicas never
//! poll one feed at once), download it conditionally through the guarded client,
//! parse it on the blocking pool (a 30 MB calendar never stalls the async workers that
//! answer requests), store it in one transaction with its health, or record the failure
//! and back off (`domain::poll::backoff_minutes`). A feed that fails changes nothing
//! stored. What differs between the kinds — the table, parsing, storing — is a
//! [`FeedKind`].

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use netzwerk_domain::redact;
use netzwerk_storage::{AnyConnection, StorageError};

use crate::Hub;
use crate::error::Result;
use crate::fetch::{Fetched, Validators};

/// Feeds looked at per round.
const ROUND: i64 = 100;
/// How long a claimed feed is held for its poller; a poller that dies lets it go then.
const LEASE_MINUTES: i64 = 10;

/// A kind of followed feed: its table, its parser and how it is stored.
pub trait FeedKind: Clone + Send + Sync + 'static {
    /// A followed feed as stored.
    type Source: Clone + Send + Sync + 'static;
    /// A parsed download.
    type Parsed: Send + 'static;
    /// What storing one download did.
    type Report: fmt::Display + Send + 'static;
    /// For logs: "calendar feed", "funding feed".
    const WHAT: &'static str;

    /// The feed's URL (with its credentials: for fetching only).
    fn url(source: &Self::Source) -> &str;
    /// The validators of the last good download.
    fn validators(source: &Self::Source) -> Validators;
    /// Feeds due at `now`, most overdue first.
    fn due(
        conn: &mut AnyConnection,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Self::Source>, StorageError>;
    /// Claims a due feed until `lease_until`, unless another poller did first.
    fn claim(
        conn: &mut AnyConnection,
        source: &Self::Source,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StorageError>;
    /// Reads the feed: one conditional GET of its URL through the guarded client,
    /// unless a kind's data spans several documents (an HSDS API's pages) and reads
    /// them all here — then any document that fails fails the whole read.
    fn download(
        &self,
        hub: &Hub,
        source: &Self::Source,
    ) -> impl std::future::Future<Output = Result<Fetched, String>> + Send {
        let fetcher = hub.fetcher().clone();
        let (url, validators) = (Self::url(source).to_owned(), Self::validators(source));
        async move {
            fetcher
                .get(&url, &validators)
                .await
                .map_err(|e| e.to_string())
        }
    }
    /// Parses a download. CPU-bound: runs on the blocking pool.
    fn parse(
        &self,
        source: &Self::Source,
        body: &[u8],
        content_type: Option<&str>,
    ) -> Result<Self::Parsed, String>;
    /// Stores a parsed download and records the feed healthy, in one transaction.
    fn store(
        conn: &mut AnyConnection,
        source: &Self::Source,
        parsed: Self::Parsed,
        validators: &Validators,
    ) -> Result<Self::Report, StorageError>;
    /// Records a "not modified" answer: healthy, next poll scheduled.
    fn record_unchanged(
        conn: &mut AnyConnection,
        source: &Self::Source,
    ) -> Result<(), StorageError>;
    /// Records a failure; the next poll backs off.
    fn record_failure(
        conn: &mut AnyConnection,
        source: &Self::Source,
        error: &str,
    ) -> Result<(), StorageError>;
}

/// What one round of polling did.
#[derive(Debug)]
pub struct Round<R> {
    /// Feeds polled.
    pub polled: usize,
    /// Feeds that answered 304.
    pub not_modified: usize,
    /// What each stored download did, by redacted URL.
    pub synced: Vec<(String, R)>,
    /// Why each failed feed failed, by redacted URL.
    pub errors: Vec<(String, String)>,
}

impl<R> Default for Round<R> {
    fn default() -> Self {
        Self {
            polled: 0,
            not_modified: 0,
            synced: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// Polls every feed of a kind that is due (with `all`: every feed), once each.
pub async fn poll_due<K: FeedKind>(hub: &Hub, kind: &K, all: bool) -> Result<Round<K::Report>> {
    let db = hub.database();
    let now = if all {
        Utc::now() + Duration::days(3650)
    } else {
        Utc::now()
    };
    let due = db.run(move |c| K::due(c, now, ROUND)).await?;
    let mut round = Round::default();
    for source in due {
        let lease = Utc::now() + Duration::minutes(LEASE_MINUTES);
        let s = source.clone();
        if !db.write(move |c| K::claim(c, &s, lease)).await? {
            continue;
        }
        round.polled += 1;
        let shown = redact::url(K::url(&source));
        match poll_one(hub, kind, source).await {
            Ok(None) => round.not_modified += 1,
            Ok(Some(report)) => {
                tracing::info!(url = %shown, %report, "{} synced", K::WHAT);
                round.synced.push((shown, report));
            }
            Err(e) => {
                tracing::warn!(url = %shown, error = %e, "{} failed", K::WHAT);
                round.errors.push((shown, e));
            }
        }
    }
    Ok(round)
}

/// Polls one claimed feed: `Ok(None)` for 304. Every outcome is recorded on the feed;
/// a failure (download, parse or store) changes nothing else.
async fn poll_one<K: FeedKind>(
    hub: &Hub,
    kind: &K,
    source: K::Source,
) -> Result<Option<K::Report>, String> {
    let db = hub.database();
    let outcome = match kind.download(hub, &source).await {
        Ok(Fetched::NotModified) => Ok(None),
        Ok(Fetched::Body {
            bytes,
            content_type,
            validators,
        }) => {
            let (k, s) = (kind.clone(), source.clone());
            let parsed =
                tokio::task::spawn_blocking(move || k.parse(&s, &bytes, content_type.as_deref()))
                    .await
                    .unwrap_or_else(|e| Err(format!("parsing stopped: {e}")));
            match parsed {
                Ok(parsed) => {
                    let s = source.clone();
                    db.write(move |c| K::store(c, &s, parsed, &validators))
                        .await
                        .map(Some)
                        .map_err(|e| e.to_string())
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match &outcome {
        Ok(None) => {
            db.write(move |c| K::record_unchanged(c, &source))
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(Some(_)) => {}
        Err(msg) => {
            let msg = redact::in_text(msg, K::url(&source));
            db.write(move |c| K::record_failure(c, &source, &msg))
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    outcome
}

/// How a followed feed is doing, as shown to the operator and in the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Not fetched yet.
    NotPolledYet,
    /// The last fetch worked.
    Ok {
        /// When it last worked.
        last_success: DateTime<Utc>,
    },
    /// The last fetches failed.
    Failing {
        /// How many in a row.
        in_a_row: i32,
        /// The last error (redacted).
        error: String,
    },
}

/// A feed's health from what its last fetches left: an error stands until a fetch
/// works again.
pub fn health(
    last_error: Option<&str>,
    last_success: Option<DateTime<Utc>>,
    consecutive_failures: i32,
) -> Health {
    match (last_error, last_success) {
        (Some(error), _) => Health::Failing {
            in_a_row: consecutive_failures,
            error: error.to_owned(),
        },
        (None, Some(last_success)) => Health::Ok { last_success },
        (None, None) => Health::NotPolledYet,
    }
}
