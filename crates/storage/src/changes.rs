//! Knowing that the data changed, for caches that keep answers: a generation number
//! that moves whenever a change to the data is committed — by this process, by
//! another replica, or by a command run beside them.
//!
//! - PostgreSQL: the tables of public data announce each committed change on the
//!   channel `netzwerk_data_changed` (migration `000013_data_changes`; NOTIFY is
//!   delivered on commit). A watcher thread listens on a connection of its own.
//! - SQLite: `PRAGMA data_version` on a connection of the watcher's own changes when
//!   any other connection (any process) committed.
//!
//! The watcher looks every [`CHANGES_EVERY`]; this process's own writes count at once.
//! While the watcher has no connection, there is no generation: nothing kept may be
//! trusted then.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;

use crate::{AnyConnection, Backend};

/// How often the watcher looks for changes of others.
pub const CHANGES_EVERY: Duration = Duration::from_millis(50);
/// How long the watcher waits before connecting again.
const RECONNECT_EVERY: Duration = Duration::from_secs(1);
/// The channel PostgreSQL announces changes on.
pub const CHANNEL: &str = "netzwerk_data_changed";

#[derive(Debug, Default)]
struct Shared {
    seen: AtomicU64,
    connected: AtomicBool,
    stop: AtomicBool,
}

/// A running watcher; stops (and is waited for) when dropped.
#[derive(Debug)]
pub struct ChangeWatch {
    shared: Arc<Shared>,
    own_writes: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl ChangeWatch {
    fn start(url: Arc<str>, backend: Backend, own_writes: Arc<AtomicU64>) -> Self {
        let shared = Arc::new(Shared::default());
        let watching = shared.clone();
        let thread = std::thread::Builder::new()
            .name("netzwerk-changes".into())
            .spawn(move || watch(&url, backend, &watching))
            .ok();
        Self {
            shared,
            own_writes,
            thread,
        }
    }

    /// The current generation; `None` while the watcher has no connection.
    pub fn generation(&self) -> Option<u64> {
        self.shared.connected.load(Ordering::SeqCst).then(|| {
            self.shared
                .seen
                .load(Ordering::SeqCst)
                .wrapping_add(self.own_writes.load(Ordering::SeqCst))
        })
    }
}

impl crate::Database {
    /// Starts watching for committed changes to the data; the watcher stops when the
    /// handle is dropped.
    pub fn watch_changes(&self) -> ChangeWatch {
        ChangeWatch::start(self.url(), self.backend(), self.own_writes())
    }
}

impl Drop for ChangeWatch {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[derive(diesel::QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    data_version: i64,
}

fn data_version(conn: &mut diesel::SqliteConnection) -> Option<i64> {
    diesel::sql_query("PRAGMA data_version")
        .get_result::<DataVersion>(conn)
        .ok()
        .map(|v| v.data_version)
}

/// Sleeps `total` in short steps; false when asked to stop.
fn pause(shared: &Shared, total: Duration) -> bool {
    let step = Duration::from_millis(10);
    let mut slept = Duration::ZERO;
    while slept < total {
        if shared.stop.load(Ordering::SeqCst) {
            return false;
        }
        std::thread::sleep(step);
        slept += step;
    }
    !shared.stop.load(Ordering::SeqCst)
}

fn watch(url: &str, backend: Backend, shared: &Shared) {
    while !shared.stop.load(Ordering::SeqCst) {
        let conn = crate::db::open(url, backend);
        match conn {
            Ok(AnyConnection::Postgresql(mut pg)) => {
                if pg.batch_execute(&format!("LISTEN {CHANNEL}")).is_ok() {
                    // Whatever was announced while nobody listened is unknown.
                    shared.seen.fetch_add(1, Ordering::SeqCst);
                    shared.connected.store(true, Ordering::SeqCst);
                    'listening: while pause(shared, CHANGES_EVERY) {
                        for n in pg.notifications_iter() {
                            if n.is_err() {
                                break 'listening;
                            }
                            shared.seen.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            }
            Ok(AnyConnection::Sqlite(mut lite)) => {
                if let Some(mut last) = data_version(&mut lite) {
                    shared.seen.fetch_add(1, Ordering::SeqCst);
                    shared.connected.store(true, Ordering::SeqCst);
                    while pause(shared, CHANGES_EVERY) {
                        let Some(now) = data_version(&mut lite) else {
                            break;
                        };
                        if now != last {
                            last = now;
                            shared.seen.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "the change watcher cannot connect"),
        }
        shared.connected.store(false, Ordering::SeqCst);
        if !pause(shared, RECONNECT_EVERY) {
            break;
        }
    }
}
