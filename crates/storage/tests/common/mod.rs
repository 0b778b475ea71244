//! Shared by the storage tests: running a check on a fresh PostgreSQL database.

/// Runs `check` on a new PostgreSQL database named after `prefix` and the process,
/// created on the server of `NETZWERK_TEST_POSTGRES_URL` and dropped afterwards, also
/// when the check fails (the failure is then passed on).
pub fn on_fresh_postgres(prefix: &str, check: impl FnOnce(&str) + std::panic::UnwindSafe) {
    let admin = std::env::var("NETZWERK_TEST_POSTGRES_URL")
        .expect("NETZWERK_TEST_POSTGRES_URL must be set for the PostgreSQL tests");
    let name = format!("{prefix}_{}", std::process::id());
    let url = netzwerk_storage::admin::create_postgres_database(&admin, &name)
        .expect("create test database");
    let result = std::panic::catch_unwind(|| check(&url));
    netzwerk_storage::admin::drop_postgres_database(&admin, &name).expect("drop test database");
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
