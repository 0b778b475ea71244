//! Connections, the pool, migrations and the bridge from async code to blocking diesel.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::pg::PgConnection;
use diesel::r2d2::{ManageConnection, Pool};
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
                diesel::insert_into($table).values($rows).execute(c)
            }
        }
    };
}

pub(crate) use insert_all;

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

/// Pool sizing; the defaults fit the 2-core machine the Hub is built for.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Most connections open at once.
    pub max_connections: u32,
    /// How long a request waits for a free connection.
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// Opens connections for the pool and prepares each one.
struct Manager {
    url: String,
    backend: Backend,
    statements: Arc<AtomicU64>,
}

/// Counts every SQL statement sent, so tests and metrics can show the number of
/// statements per request.
struct StatementCounter(Arc<AtomicU64>);

impl Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn open(url: &str, backend: Backend) -> Result<AnyConnection, StorageError> {
    match backend {
        Backend::Postgres => PgConnection::establish(url)
            .map(AnyConnection::Postgresql)
            .map_err(|e| StorageError::Connection(e.to_string())),
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
        let mut conn = open(&self.url, self.backend)?;
        conn.set_instrumentation(StatementCounter(self.statements.clone()));
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), StorageError> {
        conn.batch_execute("SELECT 1").map_err(StorageError::from)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

/// The Hub's database: a pool of connections to SQLite or PostgreSQL.
#[derive(Clone)]
pub struct Database {
    pool: Pool<Manager>,
    backend: Backend,
    url: Arc<str>,
    statements: Arc<AtomicU64>,
    /// SQLite allows one writer; taking turns here avoids `database is locked` when
    /// a transaction that began by reading wants to write (deferred lock upgrade).
    sqlite_writer: Arc<std::sync::Mutex<()>>,
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
        let manager = Manager {
            url: url.to_owned(),
            backend,
            statements: statements.clone(),
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
            pool,
            backend,
            url: url.into(),
            statements,
            sqlite_writer: Arc::new(std::sync::Mutex::new(())),
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
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await
        .map_err(|e| StorageError::Connection(format!("database task failed: {e}")))?
    }

    /// Like [`Database::run`], for work that writes: on SQLite, writers take turns.
    pub async fn write<T, F>(&self, work: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, StorageError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let lock = (self.backend == Backend::Sqlite).then(|| self.sqlite_writer.clone());
        tokio::task::spawn_blocking(move || {
            // A poisoned lock only means another writer panicked; the database is intact.
            let _turn = lock
                .as_ref()
                .map(|l| l.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await
        .map_err(|e| StorageError::Connection(format!("database task failed: {e}")))?
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
        let mut conn = self.pool.get().map_err(StorageError::from)?;
        work(&mut conn)
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.run(|c| c.batch_execute("SELECT 1").map_err(StorageError::from))
            .await
            .is_ok()
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
