//! `change_log::for_organisations` reads the same window of many organisations' logs
//! in one numbered statement. Every window must equal what slicing each
//! organisation's own log, newest first, gives — on both backends.

mod common;

use diesel::prelude::*;
use netzwerk_storage::change_log::{self, Action, EntityKind};
use netzwerk_storage::schema::change_log as log;
use netzwerk_storage::{Database, PoolSettings, StorageError};

fn check(url: &str) {
    let db = Database::connect(url, &PoolSettings::default()).expect("connect");
    db.migrate().expect("migrate");
    db.run_blocking(|conn| {
        // Three organisations with 0, 3 and 12 entries, interleaved, and entries
        // that belong to no organisation.
        let orgs = ["org-leer", "org-klein", "org-gross"];
        for i in 0..12 {
            let kind = [EntityKind::Service, EntityKind::Location][i % 2];
            change_log::record(
                conn,
                "test",
                kind,
                &format!("gross-{i}"),
                Some(orgs[2]),
                Action::Updated,
                &format!("gross {i}"),
            )?;
            if i % 4 == 0 {
                change_log::record(
                    conn,
                    "test",
                    EntityKind::Organisation,
                    &format!("klein-{i}"),
                    Some(orgs[1]),
                    Action::Created,
                    &format!("klein {i}"),
                )?;
            }
            change_log::record(
                conn,
                "test",
                EntityKind::User,
                &format!("user-{i}"),
                None,
                Action::Created,
                "account",
            )?;
        }
        let ids: Vec<String> = orgs.iter().map(|o| (*o).to_owned()).collect();
        for (offset, limit) in [(0, 5), (0, 100), (2, 3), (10, 5), (12, 5), (40, 5), (0, 0)] {
            let pages = change_log::for_organisations(conn, &ids, offset, limit)?;
            assert_eq!(pages.len(), 3, "one page per organisation asked for");
            for org in orgs {
                let own: Vec<String> = log::table
                    .filter(log::organisation_id.eq(org))
                    .order((log::changed_at.desc(), log::id.desc()))
                    .select(log::id)
                    .load(conn)?;
                let page = &pages[org];
                let window: Vec<String> = own
                    .iter()
                    .skip(offset as usize)
                    .take(limit as usize)
                    .cloned()
                    .collect();
                let got: Vec<String> = page.items.iter().map(|e| e.id.clone()).collect();
                assert_eq!(got, window, "{org}, offset {offset}, limit {limit}");
                assert_eq!(page.total, own.len() as i64, "{org} total");
                assert!(
                    page.items
                        .iter()
                        .all(|e| e.organisation_id.as_deref() == Some(org)),
                    "{org}: only its own entries"
                );
            }
        }
        let none = change_log::for_organisations(conn, &[], 0, 5)?;
        assert!(none.is_empty());
        Ok::<_, StorageError>(())
    })
    .expect("window checks");
}

#[test]
fn sqlite_change_log_windows_equal_slices() {
    let dir = tempfile::tempdir().expect("tempdir");
    check(&format!("sqlite://{}", dir.path().join("log.db").display()));
}

#[test]
#[ignore = "PostgreSQL: set NETZWERK_TEST_POSTGRES_URL and run with -- --include-ignored"]
fn postgres_change_log_windows_equal_slices() {
    common::on_fresh_postgres("nwt_log", check);
}
