//! The application's handle: the database and the settings every use case takes.
//! Adapters build one at start and hand it to each use case with the acting
//! principal and a typed command.

use std::sync::Arc;

use netzwerk_calendar::Limits;
use netzwerk_domain::poll::PollInterval;
use netzwerk_storage::{AnyConnection, Backend, Database, PoolSettings};

use crate::auth::LoginLimits;
use crate::error::Result;
use crate::fetch::{FetchSettings, Fetcher};
use crate::invitations::MeetingSettings;

/// What the use cases take from the configuration (the gateway's `config` loads it).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Meeting e-mails, guest requests and their retention.
    pub meetings: MeetingSettings,
    /// How long a sign-in lasts.
    pub token_ttl: chrono::Duration,
    /// Sign-in attempts allowed.
    pub login_limits: LoginLimits,
    /// Digest subscriptions one client may ask for in an hour.
    pub subscriptions_per_client_per_hour: u32,
    /// The poll interval of a calendar feed followed without one.
    pub calendar_poll_default: PollInterval,
    /// The poll interval of a funding feed followed without one.
    pub funding_poll_default: PollInterval,
    /// The poll interval of an HSDS source followed without one.
    pub hsds_poll_default: PollInterval,
    /// Bytes one read of an HSDS source may take in all (`hsds.max_bytes`).
    pub hsds_max_bytes: u64,
    /// How long one read of an HSDS source may take (`hsds.read_timeout_seconds`),
    /// well inside the feeds' lease.
    pub hsds_read_timeout: std::time::Duration,
    /// The occurrence index's horizon around today.
    pub occurrence_index: OccurrenceIndex,
    /// The guarded HTTP client.
    pub fetch: FetchSettings,
    /// One downloaded calendar.
    pub calendar_limits: Limits,
    /// One calendar file read from disk.
    pub calendar_file_limits: Limits,
    /// One downloaded funding feed.
    pub funding_limits: Limits,
    /// One funding feed read from disk.
    pub funding_file_limits: Limits,
    /// The production profile (`server.profile = "production"`): clients register no
    /// persisted documents, and the schema hides itself from anonymous and key callers.
    pub production: bool,
    /// Requests per minute one anonymous client address may make (token bucket).
    pub anonymous_per_minute: u32,
    /// Member news is published without the coordinator's review (`news.publish_at_once`).
    pub news_at_once: bool,
    /// Where the directory is, for HSDS addresses (`hsds.city`, …).
    pub hsds: crate::hsds::Place,
}

/// How far the occurrence index reaches around today (`calendar.occurrence_index_*`).
#[derive(Debug, Clone, Copy)]
pub struct OccurrenceIndex {
    /// Days back.
    pub back: chrono::Duration,
    /// Days ahead.
    pub ahead: chrono::Duration,
}

impl Default for OccurrenceIndex {
    fn default() -> Self {
        Self {
            back: chrono::Duration::days(31),
            ahead: chrono::Duration::days(400),
        }
    }
}

/// Requests per minute of one anonymous address unless configured: a partner page
/// behind a school's or an office's shared address makes many.
pub const DEFAULT_ANONYMOUS_PER_MINUTE: u32 = 1200;

impl Default for Settings {
    fn default() -> Self {
        let fetch = FetchSettings::default();
        let calendar = Limits::default();
        Self {
            meetings: MeetingSettings::default(),
            token_ttl: chrono::Duration::hours(12),
            login_limits: LoginLimits::default(),
            subscriptions_per_client_per_hour: 5,
            calendar_poll_default: PollInterval::HOURLY,
            funding_poll_default: PollInterval::SIX_HOURLY,
            hsds_poll_default: PollInterval::SIX_HOURLY,
            hsds_max_bytes: 256 << 20,
            hsds_read_timeout: std::time::Duration::from_secs(300),
            occurrence_index: OccurrenceIndex::default(),
            calendar_limits: Limits {
                max_bytes: fetch.max_bytes,
                ..calendar.clone()
            },
            calendar_file_limits: calendar.clone(),
            funding_limits: Limits {
                max_bytes: fetch.max_bytes,
                ..calendar.clone()
            },
            funding_file_limits: calendar,
            fetch,
            production: false,
            anonymous_per_minute: DEFAULT_ANONYMOUS_PER_MINUTE,
            news_at_once: false,
            hsds: crate::hsds::Place::default(),
        }
    }
}

/// The database, the settings and the guarded fetch client; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    db: Database,
    settings: Arc<Settings>,
    fetcher: Fetcher,
    limiter: Arc<crate::limits::Limiter>,
    persisted: Arc<crate::persisted::Known>,
    changes: Arc<std::sync::OnceLock<netzwerk_storage::changes::ChangeWatch>>,
    search_memory: Arc<crate::search_memory::SearchMemory>,
}

impl Hub {
    /// A hub over an open database.
    pub fn new(db: Database, settings: Settings) -> Self {
        let fetcher = Fetcher::new(settings.fetch.clone());
        Self {
            db,
            settings: Arc::new(settings),
            fetcher,
            limiter: Arc::default(),
            persisted: Arc::default(),
            changes: Arc::default(),
            search_memory: Arc::default(),
        }
    }

    /// The search postings this process keeps in memory.
    pub(crate) fn search_memory(&self) -> &crate::search_memory::SearchMemory {
        &self.search_memory
    }

    /// The request limits counted in this process.
    pub(crate) fn limiter(&self) -> &crate::limits::Limiter {
        &self.limiter
    }

    /// The persisted documents known to this process.
    pub(crate) fn persisted(&self) -> &crate::persisted::Known {
        &self.persisted
    }

    /// The generation of the data: it moves whenever a change to the data is
    /// committed, here or by another process on the same database (within
    /// [`netzwerk_storage::changes::CHANGES_EVERY`]). `None` while that cannot be
    /// known: nothing kept may be trusted then. The first call starts the watcher.
    pub fn data_generation(&self) -> Option<u64> {
        self.changes
            .get_or_init(|| self.db.watch_changes())
            .generation()
    }

    /// Opens the database at `url` (`sqlite://…` or `postgres://…`); the error names
    /// the URL with its credentials redacted.
    pub fn open(url: &str, pool: &PoolSettings, settings: Settings) -> Result<Self> {
        let db = Database::connect(url, pool).map_err(|e| {
            crate::Error::Unavailable(format!(
                "while opening the database {}: {e}",
                netzwerk_domain::redact::url(url)
            ))
        })?;
        Ok(Self::new(db, settings))
    }

    /// The same database and client with a pool of its own (background work never
    /// takes connections from requests).
    pub fn with_pool(&self, url: &str, pool: &PoolSettings) -> Result<Self> {
        let mut other = Self::open(url, pool, (*self.settings).clone())?;
        other.fetcher = self.fetcher.clone();
        // One process, one count of its requests and one set of known documents.
        other.limiter = self.limiter.clone();
        other.persisted = self.persisted.clone();
        other.search_memory = self.search_memory.clone();
        Ok(other)
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The guarded HTTP client.
    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// The database handle, for the use cases of this crate only.
    pub(crate) fn database(&self) -> &Database {
        &self.db
    }

    /// Runs a use case's writes in one transaction; a refusal inside (a permission
    /// rule asked in the transaction that holds the write) rolls everything back.
    pub(crate) async fn transact<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
    {
        self.db.transact(work).await
    }

    /// Runs a use case's reads on a pooled connection.
    pub(crate) async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T> + Send + 'static,
    {
        self.db.read(work).await
    }

    /// Whether the database answers within `patience` (readiness).
    pub async fn ping(&self, patience: std::time::Duration) -> bool {
        self.db.ping(patience).await
    }

    /// SQL statements sent so far on this pool (tests and benchmarks count them).
    pub fn statements_executed(&self) -> u64 {
        self.db.statements_executed()
    }

    /// Whether the database is the embedded SQLite one.
    pub fn is_embedded(&self) -> bool {
        self.db.backend() == Backend::Sqlite
    }

    /// Migrations not yet applied.
    pub fn pending_migrations(&self) -> Result<Vec<String>> {
        Ok(self.db.pending_migrations()?)
    }

    /// Migrations applied.
    pub fn applied_migrations(&self) -> Result<Vec<String>> {
        Ok(self.db.applied_migrations()?)
    }

    /// Applies every pending migration; the ones applied. The services' search index
    /// is then built if it is not (a fresh database, or one from before it existed).
    pub fn migrate(&self) -> Result<Vec<String>> {
        let applied = self.db.migrate()?;
        self.db.run_blocking(netzwerk_storage::search::maintain)?;
        Ok(applied)
    }

    /// Reverts every migration; the ones reverted.
    pub fn revert_all(&self) -> Result<Vec<String>> {
        Ok(self.db.revert_all()?)
    }

    /// Refuses to go on when migrations are pending.
    pub fn ensure_migrated(&self) -> Result<()> {
        self.db.ensure_migrated().map_err(|e| match e {
            netzwerk_storage::StorageError::MigrationsPending { .. } => {
                crate::Error::Conflict(e.to_string())
            }
            other => other.into(),
        })
    }

    /// Makes the database ready for use. One that has never been set up (no migration
    /// applied) is migrated when `set_up_fresh`; any other that is behind is refused,
    /// naming the pending migrations (`netzwerk migrate` is the operator's decision).
    /// True when it migrated.
    pub fn ensure_ready(&self, set_up_fresh: bool) -> Result<bool> {
        if set_up_fresh && self.applied_migrations()?.is_empty() {
            self.migrate()?;
            return Ok(true);
        }
        self.ensure_migrated()?;
        Ok(false)
    }

    /// Whether the network has no organisation yet.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.db.run_blocking(netzwerk_storage::organisation_count)? == 0)
    }
}
