//! Partner websites' API keys. Only a SHA-256 hash of each key is stored; the key
//! itself is shown once, when it is made.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use netzwerk_domain::ids::ApiKeyId;

use crate::change_log::{self, Action, EntityKind};
use crate::error::stored;
use crate::schema::api_keys;
use crate::{AnyConnection, Result, StorageError};

/// An API key's public facts.
#[derive(Debug, Clone)]
pub struct ApiKeyInfo {
    /// Id.
    pub id: ApiKeyId,
    /// Who it is for, e.g. the partner site's name.
    pub name: String,
    /// The first characters of the key, to recognise it in lists.
    pub prefix: String,
    /// Origins allowed to use it from a browser (empty: any).
    pub allowed_origins: Vec<String>,
    /// When it was made.
    pub created_at: NaiveDateTime,
    /// When it was revoked.
    pub revoked_at: Option<NaiveDateTime>,
    /// Its own limits.
    pub limits: KeyLimits,
}

/// What a key may do beyond reading: its own request rate, whether it runs trusted
/// documents only, and its own complexity budget.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyLimits {
    /// Requests per minute (token bucket); none: the Hub's general limits only.
    pub rate_limit_per_minute: Option<i32>,
    /// Only registered (trusted) documents may run with it.
    pub trusted_only: bool,
    /// The largest cost one of its queries may have; none: the Hub's limit only.
    pub max_cost: Option<i32>,
}

type KeyRow = (
    String,
    String,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<i32>,
    bool,
    Option<i32>,
);

const COLUMNS: (
    api_keys::id,
    api_keys::name,
    api_keys::prefix,
    api_keys::allowed_origins,
    api_keys::created_at,
    api_keys::revoked_at,
    api_keys::rate_limit_per_minute,
    api_keys::trusted_only,
    api_keys::max_cost,
) = (
    api_keys::id,
    api_keys::name,
    api_keys::prefix,
    api_keys::allowed_origins,
    api_keys::created_at,
    api_keys::revoked_at,
    api_keys::rate_limit_per_minute,
    api_keys::trusted_only,
    api_keys::max_cost,
);

fn from_row(
    (
        id,
        name,
        prefix,
        origins,
        created_at,
        revoked_at,
        rate_limit_per_minute,
        trusted_only,
        max_cost,
    ): KeyRow,
) -> Result<ApiKeyInfo> {
    Ok(ApiKeyInfo {
        id: stored("api_keys.id", ApiKeyId::parse(&id))?,
        name,
        prefix,
        allowed_origins: origins
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        created_at,
        revoked_at,
        limits: KeyLimits {
            rate_limit_per_minute,
            trusted_only,
            max_cost,
        },
    })
}

/// Stores a new key by its hash.
pub fn insert(
    conn: &mut AnyConnection,
    actor: &str,
    name: &str,
    prefix: &str,
    key_hash: &str,
    allowed_origins: &[String],
    limits: KeyLimits,
) -> Result<ApiKeyInfo> {
    let id = ApiKeyId::generate();
    conn.transaction(|conn| {
        diesel::insert_into(api_keys::table)
            .values((
                api_keys::id.eq(id.to_string()),
                api_keys::name.eq(name),
                api_keys::prefix.eq(prefix),
                api_keys::key_hash.eq(key_hash),
                api_keys::allowed_origins.eq(allowed_origins.join(" ")),
                api_keys::created_at.eq(crate::now()),
                api_keys::rate_limit_per_minute.eq(limits.rate_limit_per_minute),
                api_keys::trusted_only.eq(limits.trusted_only),
                api_keys::max_cost.eq(limits.max_cost),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::ApiKey,
            &id.to_string(),
            None,
            Action::Created,
            name,
        )?;
        get(conn, id)
    })
}

/// One key by id.
pub fn get(conn: &mut AnyConnection, id: ApiKeyId) -> Result<ApiKeyInfo> {
    let row: Option<KeyRow> = api_keys::table
        .find(id.to_string())
        .select(COLUMNS)
        .first(conn)
        .optional()?;
    row.map(from_row)
        .transpose()?
        .ok_or_else(|| StorageError::NotFound(format!("API key {id}")))
}

/// Every key, newest first.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<ApiKeyInfo>> {
    let rows: Vec<KeyRow> = api_keys::table
        .order(api_keys::created_at.desc())
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// Revokes a key; revoking twice is an error naming the key.
pub fn revoke(conn: &mut AnyConnection, actor: &str, id: ApiKeyId) -> Result<ApiKeyInfo> {
    conn.transaction(|conn| {
        let key = get(conn, id)?;
        if key.revoked_at.is_some() {
            return Err(StorageError::Conflict(format!(
                "API key {id} is revoked already"
            )));
        }
        diesel::update(api_keys::table.find(id.to_string()))
            .set(api_keys::revoked_at.eq(Some(crate::now())))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::ApiKey,
            &id.to_string(),
            None,
            Action::Updated,
            &format!("revoked {}", key.name),
        )?;
        get(conn, id)
    })
}

/// The unrevoked key with this hash.
pub fn find_active(conn: &mut AnyConnection, key_hash: &str) -> Result<Option<ApiKeyInfo>> {
    let row: Option<KeyRow> = api_keys::table
        .filter(api_keys::key_hash.eq(key_hash))
        .filter(api_keys::revoked_at.is_null())
        .select(COLUMNS)
        .first(conn)
        .optional()?;
    row.map(from_row).transpose()
}

/// One key's requests on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayUsage {
    /// The day (Berlin).
    pub day: chrono::NaiveDate,
    /// Requests let through.
    pub requests: i64,
    /// Requests refused (rate limit, origin).
    pub rejected: i64,
}

/// Adds counted requests to the stored ones (several replicas add to the same rows;
/// keys are revoked, never deleted, so every counted key is there).
pub fn add_usage(conn: &mut AnyConnection, counted: &[(ApiKeyId, DayUsage)]) -> Result<()> {
    use diesel::sql_types::{BigInt, Date, Text};
    let sql = match conn {
        AnyConnection::Postgresql(_) => {
            "INSERT INTO api_key_usage (api_key_id, day, requests, rejected) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (api_key_id, day) DO UPDATE SET requests = api_key_usage.requests + excluded.requests, \
             rejected = api_key_usage.rejected + excluded.rejected"
        }
        AnyConnection::Sqlite(_) => {
            "INSERT INTO api_key_usage (api_key_id, day, requests, rejected) VALUES (?, ?, ?, ?) \
             ON CONFLICT (api_key_id, day) DO UPDATE SET requests = api_key_usage.requests + excluded.requests, \
             rejected = api_key_usage.rejected + excluded.rejected"
        }
    };
    conn.transaction(|conn| {
        for (key, u) in counted {
            diesel::sql_query(sql)
                .bind::<Text, _>(key.to_string())
                .bind::<Date, _>(u.day)
                .bind::<BigInt, _>(u.requests)
                .bind::<BigInt, _>(u.rejected)
                .execute(conn)?;
        }
        Ok(())
    })
}

/// A key's stored usage from `since` on, by day.
pub fn usage(
    conn: &mut AnyConnection,
    key: ApiKeyId,
    since: chrono::NaiveDate,
) -> Result<Vec<DayUsage>> {
    use crate::schema::api_key_usage as u;
    let rows: Vec<(chrono::NaiveDate, i64, i64)> = u::table
        .filter(u::api_key_id.eq(key.to_string()))
        .filter(u::day.ge(since))
        .order(u::day)
        .select((u::day, u::requests, u::rejected))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(day, requests, rejected)| DayUsage {
            day,
            requests,
            rejected,
        })
        .collect())
}
