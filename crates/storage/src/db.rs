//! Connections, the pool, migrations and the bridge from async code to blocking diesel.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::pg::PgConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::StorageError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../diesel-migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("../../diesel-migrations/postgres");

/// Runs the same migration call on a dedicated connection of either backend, with
/// that backend's embedded migrations.
macro_rules! with_harness {
    ($db:expr, |$c:ident, $source:ident| $body:expr) => {{
        let result: Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> =
            match open(&$db.url, $db.backend)? {
                AnyConnection::Postgresql(mut conn) => {
                    let ($c, $source) = (&mut conn, POSTGRES_MIGRATIONS);
                    $body
                }
                AnyConnection::Sqlite(mut conn) => {
                    let ($c, $source) = (&mut conn, SQLITE_MIGRATIONS);
                    $body
                }
            };
        result.map_err(|e| StorageError::Migration(e.to_string()))
    }};
}

/// Inserts many rows with one multi-row `INSERT` on either backend. diesel's
/// multi-backend connection cannot batch inserts itself, so this dispatches to the
/// concrete connection (inside the caller's transaction).
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            $crate::db::AnyConnection::Postgresql(c) => {
                diesel::insert_into($table).values($rows).execute(c)
            }
            $crate::db::AnyConnection::Sqlite(c) => {
                let mut n = 0;
                for row in $rows {
                    n += diesel::insert_into($table).values(row).execute(c)?;
                }
                Ok::<usize, diesel::result::Error>(n)
            }
        }
    };
}

pub(crate) use insert_all;

/// SQLite's page cache while [`with_bulk_cache`] runs, in KiB (64 MiB); otherwise
/// the connection's own (SQLite's default: 2 MiB) stays.
const BULK_CACHE_KIB: i64 = 64 * 1024;

/// Runs a bulk write (an import of many rows) with a larger SQLite page cache, so
/// that the pages of the indexes it grows stay in memory until the commit instead of
/// being spilled to the WAL and read back again and again (a 100,000-event import
/// read and wrote its indexes' pages a dozen times over). The connection's own size
/// comes back afterwards, also when the work fails. PostgreSQL: the work only.
pub(crate) fn with_bulk_cache<T>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection) -> crate::Result<T>,
) -> crate::Result<T> {
    #[derive(diesel::QueryableByName)]
    struct CacheSize {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        cache_size: i64,
    }
    let AnyConnection::Sqlite(c) = conn else {
        return work(conn);
    };
    let own: CacheSize =
        diesel::RunQueryDsl::get_result(diesel::sql_query("PRAGMA cache_size"), c)?;
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!("PRAGMA cache_size = -{BULK_CACHE_KIB}")),
        c,
    )?;
    let result = work(conn);
    let AnyConnection::Sqlite(c) = conn else {
        return result;
    };
    let restored = diesel::RunQueryDsl::execute(
        diesel::sql_query(format!("PRAGMA cache_size = {}", own.cache_size)),
        c,
    );
    let value = result?;
    restored?;
    Ok(value)
}

/// Loads the rows of a query on the concrete connection of either backend; for the
/// statements every partner page sends. diesel's multi-backend connection renders a
/// query's whole SQL text on each execution up to three times (to learn whether it
/// may be prepared, to collect its binds, and as the cache key of a statement
/// without a static query id). A concrete connection renders it at most once, as
/// that key (boxed queries and `eq_any` have no static id), and not at all for a
/// query with a static id, which it finds by type. The query expression is expanded
/// once per backend, so it is built (and boxed, if it boxes) for that backend.
macro_rules! load_direct {
    ($conn:expr, $query:expr) => {
        match $conn {
            $crate::db::AnyConnection::Postgresql(c) => $query.load(c),
            $crate::db::AnyConnection::Sqlite(c) => $query.load(c),
        }
    };
}

pub(crate) use load_direct;

/// One connection to either backend; query code is written once against it.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// PostgreSQL, for production and scale-out.
    Postgresql(PgConnection),
    /// SQLite, the embedded default.
    Sqlite(SqliteConnection),
}

/// Which database system a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://PATH`
    Sqlite,
    /// `postgres://…` or `postgresql://…`
    Postgres,
}

impl Backend {
    /// Reads the backend from a database URL; anything else is an error naming the URL scheme.
    pub fn of_url(url: &str) -> Result<Self, StorageError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite://") {
            Ok(Backend::Sqlite)
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            Err(StorageError::Connection(format!(
                "database URL must start with sqlite:// or postgres://, got scheme {scheme:?}"
            )))
        }
    }
}

/// Pool sizing and connection settings; the defaults fit the 2-core machine the Hub
/// is built for.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Most connections open at once.
    pub max_connections: u32,
    /// How long a request waits for a free connection while the database is up.
    pub acquire_timeout: Duration,
    /// How long a request waits for a connection while the database is known to be
    /// down (a connection attempt failed and none has succeeded since): requests are
    /// refused quickly instead of queueing for `acquire_timeout`.
    pub down_timeout: Duration,
    /// PostgreSQL: statements running longer are cancelled by the server
    /// (`statement_timeout`). `None` keeps the server's setting.
    pub statement_timeout: Option<Duration>,
    /// PostgreSQL: libpq's `sslmode` (`disable`, `prefer`, `require`, `verify-ca`,
    /// `verify-full`), added to the URL unless the URL names one itself.
    pub sslmode: Option<String>,
    /// PostgreSQL: how long libpq waits for a new connection (`connect_timeout`),
    /// added to the URL unless the URL names one itself.
    pub connect_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            down_timeout: Duration::from_millis(500),
            statement_timeout: None,
            sslmode: None,
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// The values libpq's `sslmode` accepts.
pub const SSL_MODES: &[&str] = &[
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
];

/// What the pool knows about the database's reachability, shared by its connections.
#[derive(Debug, Default)]
struct Health {
    /// Bumped whenever a connection is found broken (the server closed it, or the
    /// network between went away). A connection last known good in an older epoch is
    /// checked with `SELECT 1` before it is handed out, so after an outage no request
    /// gets a connection that died with it.
    epoch: AtomicU64,
    /// Set when opening a connection failed or one was lost; cleared when a new one
    /// is opened.
    down: AtomicBool,
}

/// Opens connections for the pool and prepares each one.
struct Manager {
    url: String,
    backend: Backend,
    statements: Arc<AtomicU64>,
    health: Arc<Health>,
    statement_timeout: Option<Duration>,
    /// Connections being opened just now (see [`Settle`]).
    opening: Arc<AtomicU64>,
}

/// Counts a connection being opened while it lives.
struct Opening<'a>(&'a AtomicU64);

impl<'a> Opening<'a> {
    fn start(count: &'a AtomicU64) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Opening<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Watches each connection: counts every SQL statement sent (so tests and metrics can
/// show the number of statements per request) and notices when the connection is lost.
struct Watch {
    statements: Arc<AtomicU64>,
    health: Arc<Health>,
    /// The connection failed in a way that means it cannot be used again.
    broken: bool,
    /// The [`Health::epoch`] in which this connection was last known to work.
    epoch: u64,
}

/// Whether an error means the connection itself is gone (not just this statement).
fn is_connection_loss(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _
        ) | DieselError::BrokenTransactionManager
    )
}

impl Instrumentation for Watch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                self.statements.fetch_add(1, Ordering::Relaxed);
            }
            InstrumentationEvent::FinishQuery { error: Some(e), .. }
                if is_connection_loss(e) && !self.broken =>
            {
                self.broken = true;
                self.health.epoch.fetch_add(1, Ordering::Relaxed);
                // Likely an outage: wait only briefly for connections until a new
                // one has been opened.
                self.health.down.store(true, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

/// The watch of a pooled connection.
fn watch(conn: &mut AnyConnection) -> Option<&mut Watch> {
    let instrumentation = conn.instrumentation();
    if instrumentation.is::<Watch>() {
        return instrumentation.downcast_mut::<Watch>();
    }
    instrumentation
        .downcast_mut::<Box<dyn Instrumentation>>()
        .and_then(|inner| inner.downcast_mut::<Watch>())
}

/// `url` with `key=value` added unless it names `key` already.
fn with_param(url: &str, key: &str, value: &str) -> String {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    if query.split('&').any(|p| p.split('=').next() == Some(key)) {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{key}={value}")
}

pub(crate) fn open(url: &str, backend: Backend) -> Result<AnyConnection, StorageError> {
    match backend {
        Backend::Postgres => PgConnection::establish(url)
            .map(AnyConnection::Postgresql)
            .map_err(|e| {
                StorageError::Connection(netzwerk_domain::redact::in_text(&e.to_string(), url))
            }),
        Backend::Sqlite => {
            let path = url.trim_start_matches("sqlite://");
            if let Some(parent) = Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StorageError::Connection(format!(
                        "cannot create the folder {}: {e}",
                        parent.display()
                    ))
                })?;
            }
            let mut conn = SqliteConnection::establish(path)
                .map_err(|e| StorageError::Connection(format!("{path}: {e}")))?;
            // WAL lets readers run beside the writer; foreign keys are off by default in SQLite.
            conn.batch_execute(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
            )
            .map_err(|e| StorageError::Connection(format!("{path}: {e}")))?;
            Ok(AnyConnection::Sqlite(conn))
        }
    }
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = StorageError;

    fn connect(&self) -> Result<AnyConnection, StorageError> {
        let _opening = Opening::start(&self.opening);
        let mut conn = match open(&self.url, self.backend) {
            Ok(c) => c,
            Err(e) => {
                self.health.down.store(true, Ordering::Relaxed);
                return Err(e);
            }
        };
        if let (AnyConnection::Postgresql(_), Some(t)) = (&conn, self.statement_timeout) {
            conn.batch_execute(&format!("SET statement_timeout = {}", t.as_millis()))?;
        }
        self.health.down.store(false, Ordering::Relaxed);
        conn.set_instrumentation(Watch {
            statements: self.statements.clone(),
            health: self.health.clone(),
            broken: false,
            epoch: self.health.epoch.load(Ordering::Relaxed),
        });
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), StorageError> {
        conn.batch_execute("SELECT 1").map_err(StorageError::from)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        watch(conn).is_some_and(|w| w.broken) || R2D2Connection::is_broken(conn)
    }
}

/// The Hub's database: a pool of connections to SQLite or PostgreSQL.
#[derive(Clone)]
pub struct Database {
    pool: Pool<Manager>,
    backend: Backend,
    url: Arc<str>,
    statements: Arc<AtomicU64>,
    /// Writes this handle (and its clones) committed, for [`crate::changes`].
    own_writes: Arc<AtomicU64>,
    health: Arc<Health>,
    acquire_timeout: Duration,
    down_timeout: Duration,
    /// SQLite allows one writer; taking turns here avoids `database is locked` when
    /// a transaction that began by reading wants to write (deferred lock upgrade).
    sqlite_writer: Arc<std::sync::Mutex<()>>,
    /// Dropped with the last clone: waits for connections still being opened.
    _settle: Arc<Settle>,
}

/// Waits, when the last handle on a pool goes, until no connection is being opened in
/// the pool's background threads (at most `patience`). r2d2 opens connections there
/// whenever a checkout finds none idle, and may still be doing so after the work is
/// done; a process that exits meanwhile tears down libpq and OpenSSL under that thread
/// and crashes (seen as a segmentation fault at the end of short CLI commands).
struct Settle {
    pool: Option<Pool<Manager>>,
    opening: Arc<AtomicU64>,
    patience: Duration,
}

impl Settle {
    fn wait(&self, deadline: std::time::Instant) {
        while self.opening.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Settle {
    fn drop(&mut self) {
        let deadline = std::time::Instant::now() + self.patience;
        self.wait(deadline);
        // Once the pool is gone, a queued opening finds nothing to open for; one that
        // began just before is waited for too.
        drop(self.pool.take());
        std::thread::sleep(Duration::from_millis(2));
        self.wait(deadline);
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Opens a pool on `url` (`sqlite://PATH` or `postgres://…`). Fails when the
    /// database cannot be reached.
    pub fn connect(url: &str, settings: &PoolSettings) -> Result<Self, StorageError> {
        let backend = Backend::of_url(url)?;
        let statements = Arc::new(AtomicU64::new(0));
        let health = Arc::new(Health::default());
        let mut url = url.to_owned();
        if backend == Backend::Postgres {
            if let Some(mode) = &settings.sslmode {
                if !SSL_MODES.contains(&mode.as_str()) {
                    return Err(StorageError::Connection(format!(
                        "sslmode {mode:?} is not one of {}",
                        SSL_MODES.join(", ")
                    )));
                }
                url = with_param(&url, "sslmode", mode);
            }
            let seconds = settings.connect_timeout.as_secs().max(1).to_string();
            url = with_param(&url, "connect_timeout", &seconds);
        }
        let opening = Arc::new(AtomicU64::new(0));
        let manager = Manager {
            url: url.clone(),
            backend,
            statements: statements.clone(),
            health: health.clone(),
            statement_timeout: settings.statement_timeout,
            opening: opening.clone(),
        };
        // Fail with the real cause instead of r2d2's generic time-out.
        drop(manager.connect()?);
        let pool = Pool::builder()
            .max_size(settings.max_connections.max(1))
            // No idle connections opened in the background: a short CLI command could
            // otherwise exit while a pool thread is inside libpq (and crash there).
            .min_idle(Some(0))
            .connection_timeout(settings.acquire_timeout)
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| StorageError::Connection(e.to_string()))?;
        Ok(Self {
            pool: pool.clone(),
            backend,
            url: url.into(),
            statements,
            own_writes: Arc::default(),
            health,
            acquire_timeout: settings.acquire_timeout,
            down_timeout: settings.down_timeout.min(settings.acquire_timeout),
            sqlite_writer: Arc::new(std::sync::Mutex::new(())),
            _settle: Arc::new(Settle {
                pool: Some(pool),
                opening,
                patience: settings.connect_timeout + Duration::from_secs(1),
            }),
        })
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Number of SQL statements sent by this pool's connections so far.
    pub fn statements_executed(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Runs blocking database work on tokio's blocking thread pool, so it never blocks
    /// the async runtime's worker threads.
    pub async fn run<T, F>(&self, work: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, StorageError> + Send + 'static,
    {
        self.read(work).await
    }

    /// A connection known to work: one last used before a connection was found broken
    /// is checked first (and dropped if it fails too), so requests after an outage
    /// never meet a connection that died in it. While the database is known to be
    /// down, a request waits only briefly for a connection and is then refused with
    /// [`StorageError::Unavailable`].
    /// `patience` caps the wait for a connection (readiness checks answer quickly).
    fn checkout(
        &self,
        patience: Option<Duration>,
    ) -> Result<PooledConnection<Manager>, StorageError> {
        // Each round either hands out a connection or discards a broken one; the pool
        // holds at most `max_size` of those.
        for _ in 0..=self.pool.max_size() {
            let wait = if self.health.down.load(Ordering::Relaxed) {
                self.down_timeout
            } else {
                self.acquire_timeout
            };
            let wait = patience.map_or(wait, |p| p.min(wait));
            let mut conn = self
                .pool
                .get_timeout(wait)
                .map_err(|e| StorageError::Unavailable(format!("no database connection: {e}")))?;
            let current = self.health.epoch.load(Ordering::Relaxed);
            let checked = watch(&mut conn).is_none_or(|w| w.epoch >= current);
            if checked || conn.batch_execute("SELECT 1").is_ok() {
                if let Some(w) = watch(&mut conn) {
                    w.epoch = w.epoch.max(current);
                }
                return Ok(conn);
            }
            // Returned to the pool broken, and dropped there.
        }
        Err(StorageError::Unavailable(
            "every database connection failed".into(),
        ))
    }

    /// Like [`Database::run`], for work that writes: on SQLite, writers take turns.
    pub async fn write<T, F>(&self, work: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, StorageError> + Send + 'static,
    {
        self.on_writer_side(work).await
    }

    /// Runs `work` on a pooled connection on the blocking pool, after the writers
    /// before it on SQLite.
    async fn on_writer_side<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        let lock = (self.backend == Backend::Sqlite).then(|| self.sqlite_writer.clone());
        tokio::task::spawn_blocking(move || {
            // A poisoned lock only means another writer panicked; the database is intact.
            let _turn = lock
                .as_ref()
                .map(|l| l.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
            let mut conn = db.checkout(None)?;
            let done = work(&mut conn);
            if done.is_ok() {
                db.own_writes.fetch_add(1, Ordering::SeqCst);
            }
            done
        })
        .await
        .map_err(|e| StorageError::Unavailable(format!("database task failed: {e}")))?
    }

    /// The URL connections are opened with.
    pub(crate) fn url(&self) -> Arc<str> {
        self.url.clone()
    }

    /// The count of writes this handle and its clones committed.
    pub(crate) fn own_writes(&self) -> Arc<AtomicU64> {
        self.own_writes.clone()
    }

    /// Like [`Database::run`], with the caller's error type (a use case that refuses
    /// by a rule of its own while it reads).
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.checkout(None)?;
            work(&mut conn)
        })
        .await
        .map_err(|e| StorageError::Unavailable(format!("database task failed: {e}")))?
    }

    /// Runs `work` in one transaction on the writer's side (like [`Database::write`]):
    /// everything it writes is stored, or nothing. Its error type is the caller's, so a
    /// use case can refuse (a permission rule, a rule of its own) inside the transaction
    /// that holds its write.
    pub async fn transact<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
    {
        self.on_writer_side(move |conn| crate::atomically(conn, work))
            .await
    }

    /// Runs work on a pooled connection on the current thread (for CLI commands and tests
    /// outside an async runtime).
    pub fn run_blocking<T, E>(
        &self,
        work: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StorageError>,
    {
        let mut conn = self.checkout(None)?;
        work(&mut conn)
    }

    /// Whether the database answers a trivial query within `patience`.
    pub async fn ping(&self, patience: Duration) -> bool {
        let db = self.clone();
        let answered = tokio::task::spawn_blocking(move || {
            db.checkout(Some(patience))?
                .batch_execute("SELECT 1")
                .map_err(StorageError::from)
        });
        matches!(
            tokio::time::timeout(patience, answered).await,
            Ok(Ok(Ok(())))
        )
    }

    /// Names of migrations not yet applied.
    pub fn pending_migrations(&self) -> Result<Vec<String>, StorageError> {
        with_harness!(self, |c, source| c
            .pending_migrations(source)
            .map(|m| m.iter().map(|m| m.name().to_string()).collect()))
    }

    /// Versions of the migrations applied so far (empty on a fresh database).
    pub fn applied_migrations(&self) -> Result<Vec<String>, StorageError> {
        with_harness!(self, |c, _source| c
            .applied_migrations()
            .map(|v| v.iter().map(ToString::to_string).collect()))
    }

    /// Applies every pending migration; returns the names applied.
    pub fn migrate(&self) -> Result<Vec<String>, StorageError> {
        with_harness!(self, |c, source| c
            .run_pending_migrations(source)
            .map(|v| v.iter().map(ToString::to_string).collect()))
    }

    /// Reverts every applied migration (used by the round-trip test and `migrate --revert-all`).
    pub fn revert_all(&self) -> Result<Vec<String>, StorageError> {
        with_harness!(self, |c, source| c
            .revert_all_migrations(source)
            .map(|v| v.iter().map(ToString::to_string).collect()))
    }

    /// Fails with [`StorageError::MigrationsPending`] unless the schema is current.
    pub fn ensure_migrated(&self) -> Result<(), StorageError> {
        let pending = self.pending_migrations()?.len();
        if pending == 0 {
            Ok(())
        } else {
            Err(StorageError::MigrationsPending { pending })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bulk cache holds while the work runs, and the connection's own size comes
    /// back after it, also when the work fails.
    #[test]
    fn the_bulk_cache_is_undone_after_failed_work() {
        #[derive(diesel::QueryableByName)]
        struct Size {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            cache_size: i64,
        }
        fn size(conn: &mut AnyConnection) -> i64 {
            let AnyConnection::Sqlite(c) = conn else {
                unreachable!("a SQLite connection")
            };
            diesel::RunQueryDsl::get_result::<Size>(diesel::sql_query("PRAGMA cache_size"), c)
                .expect("the size")
                .cache_size
        }
        let mut conn = AnyConnection::Sqlite(
            diesel::Connection::establish(":memory:").expect("an in-memory database"),
        );
        if let AnyConnection::Sqlite(c) = &mut conn {
            diesel::RunQueryDsl::execute(diesel::sql_query("PRAGMA cache_size = -1234"), c)
                .expect("set");
        }
        let failed: crate::Result<()> = with_bulk_cache(&mut conn, |c| {
            assert_eq!(size(c), -BULK_CACHE_KIB);
            Err(StorageError::Connection("the work failed".into()))
        });
        assert!(failed.is_err());
        assert_eq!(size(&mut conn), -1234);
    }

    #[test]
    fn the_last_handle_waits_for_connections_being_opened() {
        let opening = Arc::new(AtomicU64::new(1));
        let settle = Settle {
            pool: None,
            opening: opening.clone(),
            patience: Duration::from_secs(10),
        };
        let started = std::time::Instant::now();
        let opener = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            opening.fetch_sub(1, Ordering::SeqCst);
        });
        drop(settle);
        assert!(
            started.elapsed() >= Duration::from_millis(150),
            "the drop waited for the opening connection"
        );
        opener.join().expect("opener");
        // An opening that never ends is waited for only as long as patience allows.
        let stuck = Settle {
            pool: None,
            opening: Arc::new(AtomicU64::new(1)),
            patience: Duration::from_millis(100),
        };
        let started = std::time::Instant::now();
        drop(stuck);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn url_parameters_are_added_unless_given() {
        assert_eq!(
            with_param("postgres://u@h/db", "sslmode", "disable"),
            "postgres://u@h/db?sslmode=disable"
        );
        assert_eq!(
            with_param("postgres://u@h/db?application_name=x", "sslmode", "disable"),
            "postgres://u@h/db?application_name=x&sslmode=disable"
        );
        assert_eq!(
            with_param("postgres://u@h/db?sslmode=require", "sslmode", "disable"),
            "postgres://u@h/db?sslmode=require",
            "the URL's own value wins"
        );
    }

    #[test]
    fn passwords_never_appear_in_connection_errors() {
        let url = "postgres://hub:geheim123@127.0.0.1:1/hub?connect_timeout=1";
        let Err(e) = Database::connect(url, &PoolSettings::default()) else {
            panic!("nothing listens on port 1");
        };
        let message = e.to_string();
        assert!(!message.contains("geheim123"), "{message}");
    }

    /// The pool finds each connection's watch, so a lost connection is noticed and
    /// dropped (the outage test shows the whole recovery on PostgreSQL).
    #[test]
    fn every_connection_is_watched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let db = Database::connect(&url, &PoolSettings::default()).expect("opens");
        let mut conn = db.checkout(None).expect("connection");
        let before = db.statements_executed();
        conn.batch_execute("SELECT 1").expect("runs");
        assert_eq!(db.statements_executed(), before + 1);
        let w = watch(&mut conn).expect("the watch is found");
        assert!(!w.broken);
        w.broken = true;
        let manager = Manager {
            url,
            backend: Backend::Sqlite,
            statements: Arc::default(),
            health: Arc::default(),
            statement_timeout: None,
            opening: Arc::default(),
        };
        assert!(
            manager.has_broken(&mut conn),
            "a broken one leaves the pool"
        );
    }
}
