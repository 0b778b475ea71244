//! `src/schema.rs` must describe exactly what the migrations create, on both backends:
//! every table, every column, its type and whether it may be null.

mod common;

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use netzwerk_storage::{AnyConnection, Database, PoolSettings};

/// table → column → (diesel type, nullable)
type Shape = BTreeMap<String, BTreeMap<String, (String, bool)>>;

/// Reads `schema.rs` as written.
fn declared() -> Shape {
    let text = include_str!("../src/schema.rs");
    let mut shape = Shape::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(name) = line
            .strip_suffix('{')
            .and_then(|l| l.split_once(" ("))
            .map(|(n, _)| n.trim().to_owned())
        {
            current = Some(name.clone());
            shape.entry(name).or_default();
        } else if line == "}" {
            current = None;
        } else if let (Some(table), Some((col, ty))) =
            (&current, line.trim_end_matches(',').split_once(" -> "))
        {
            let (ty, nullable) = match ty
                .strip_prefix("Nullable<")
                .and_then(|t| t.strip_suffix('>'))
            {
                Some(inner) => (inner.to_owned(), true),
                None => (ty.to_owned(), false),
            };
            shape
                .entry(table.clone())
                .or_default()
                .insert(col.trim().to_owned(), (ty, nullable));
        }
    }
    shape
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Integer)]
    nullable: i32,
}

fn diesel_type(db_type: &str) -> String {
    match db_type.to_ascii_lowercase().as_str() {
        "text" => "Text",
        "integer" => "Integer",
        "bigint" => "BigInt",
        "double" | "double precision" => "Double",
        "boolean" => "Bool",
        "timestamp" | "timestamp without time zone" => "Timestamp",
        "date" => "Date",
        other => return format!("unmapped({other})"),
    }
    .to_owned()
}

fn actual(conn: &mut AnyConnection) -> Shape {
    let sql = match conn {
        AnyConnection::Sqlite(_) => {
            "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, \
             CASE WHEN p.\"notnull\" = 1 THEN 0 ELSE 1 END AS nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'"
        }
        AnyConnection::Postgresql(_) => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type, \
             CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'"
        }
    };
    let rows: Vec<Column> = diesel::sql_query(sql)
        .load(conn)
        .expect("introspection query");
    let mut shape = Shape::new();
    for r in rows {
        shape
            .entry(r.table_name)
            .or_default()
            .insert(r.column_name, (diesel_type(&r.data_type), r.nullable == 1));
    }
    shape
}

fn check(url: &str) {
    let db = Database::connect(url, &PoolSettings::default()).expect("connect");
    db.migrate().expect("migrate");
    let found = db
        .run_blocking(|c| Ok::<_, netzwerk_storage::StorageError>(actual(c)))
        .expect("introspect");
    assert_eq!(
        declared(),
        found,
        "src/schema.rs differs from the migrated database"
    );
    // Round trip: down then up again leaves the same schema.
    db.revert_all().expect("down");
    db.migrate().expect("up again");
    let again = db
        .run_blocking(|c| Ok::<_, netzwerk_storage::StorageError>(actual(c)))
        .expect("introspect");
    assert_eq!(found, again);
}

#[test]
fn sqlite_schema_matches_migrations() {
    let dir = tempfile::tempdir().expect("tempdir");
    check(&format!(
        "sqlite://{}",
        dir.path().join("drift.db").display()
    ));
}

#[test]
#[ignore = "PostgreSQL: set NETZWERK_TEST_POSTGRES_URL and run with -- --include-ignored"]
fn postgres_schema_matches_migrations() {
    common::on_fresh_postgres("nwt_drift", check);
}

/// Tables whose changes are not announced to the caches: not public data, or (the
/// occurrence index) data derived from events whose own changes are announced, and
/// whose moving horizon changes no answer.
const QUIET: &[&str] = &[
    "api_key_usage",
    "api_keys",
    "change_log",
    "event_occurrences",
    "hsds_records",
    "hsds_sources",
    "newsletter_subscribers",
    "occurrence_horizon",
    "occurrence_hours",
    "outbox_messages",
    "persisted_documents",
    "rate_limits",
    "search_index_state",
    "search_parts",
    "search_postings",
    "search_variants",
    "search_words",
    "sessions",
    "users",
];

#[derive(QueryableByName)]
struct Announced {
    #[diesel(sql_type = Text)]
    table_name: String,
}

/// On PostgreSQL every table of public data announces its changes (the response
/// caches of every replica depend on it); a new table must be announced or listed as
/// quiet here.
fn every_public_table_announces(url: &str) {
    let db = Database::connect(url, &PoolSettings::default()).expect("connect");
    db.migrate().expect("migrate");
    let announced: Vec<Announced> = db
        .run_blocking(|c| {
            diesel::sql_query(
                "SELECT DISTINCT c.relname::text AS table_name FROM pg_trigger t \
                 JOIN pg_class c ON c.oid = t.tgrelid \
                 JOIN pg_proc p ON p.oid = t.tgfoid \
                 WHERE p.proname = 'netzwerk_announce_change'",
            )
            .load(c)
            .map_err(netzwerk_storage::StorageError::from)
        })
        .expect("triggers");
    let announced: Vec<String> = announced.into_iter().map(|a| a.table_name).collect();
    for table in declared().keys() {
        let quiet = QUIET.contains(&table.as_str());
        assert_ne!(
            announced.contains(table),
            quiet,
            "{table}: announce its changes (migration 000013) or list it as quiet"
        );
    }
}

#[test]
#[ignore = "PostgreSQL: set NETZWERK_TEST_POSTGRES_URL and run with -- --include-ignored"]
fn postgres_public_tables_announce_changes() {
    common::on_fresh_postgres("nwt_announce", every_public_table_announces);
}
