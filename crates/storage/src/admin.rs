//! Creating and dropping whole PostgreSQL databases: used by tests (one database each)
//! and by the benchmark's set-up. SQLite needs none of this: a new file is a new database.

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;

use crate::StorageError;

/// Replaces the database name in a `postgres://…/NAME?…` URL.
pub fn with_database(url: &str, name: &str) -> Result<String, StorageError> {
    let scheme_end = url.find("://").map(|i| i + 3).ok_or_else(|| {
        StorageError::Connection(format!("not a URL: {}", netzwerk_domain::redact::url(url)))
    })?;
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    Ok(format!("{}/{name}{query}", &base[..host_end]))
}

fn check_name(name: &str) -> Result<(), StorageError> {
    if !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(())
    } else {
        Err(StorageError::Connection(format!(
            "database name {name:?}: use 1–63 of a–z, 0–9 and _"
        )))
    }
}

/// Creates database `name` on the server of `admin_url`; returns its URL.
pub fn create_postgres_database(admin_url: &str, name: &str) -> Result<String, StorageError> {
    check_name(name)?;
    let mut conn = PgConnection::establish(admin_url).map_err(|e| {
        StorageError::Connection(netzwerk_domain::redact::in_text(
            &format!("{admin_url}: {e}"),
            admin_url,
        ))
    })?;
    conn.batch_execute(&format!("CREATE DATABASE {name}"))?;
    with_database(admin_url, name)
}

/// Drops database `name` (closing its connections) if it exists.
pub fn drop_postgres_database(admin_url: &str, name: &str) -> Result<(), StorageError> {
    check_name(name)?;
    let mut conn = PgConnection::establish(admin_url).map_err(|e| {
        StorageError::Connection(netzwerk_domain::redact::in_text(
            &format!("{admin_url}: {e}"),
            admin_url,
        ))
    })?;
    conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_database_name() {
        let u = with_database("postgres://u@127.0.0.1:5432/postgres?sslmode=disable", "t1")
            .expect("url");
        assert_eq!(u, "postgres://u@127.0.0.1:5432/t1?sslmode=disable");
        assert_eq!(
            with_database("postgres://127.0.0.1", "t2").expect("url"),
            "postgres://127.0.0.1/t2"
        );
    }
}
