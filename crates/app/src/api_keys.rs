//! API keys of partner sites (coordinator): created with a name and the browser origins
//! allowed to use them, listed, revoked. A key is shown once; only its SHA-256 hash is
//! stored.

use netzwerk_domain::access::Actor;
use netzwerk_domain::error::Checker;
use netzwerk_domain::ids::ApiKeyId;
use netzwerk_domain::url::HttpUrl;
use netzwerk_storage::api_keys;
pub use netzwerk_storage::api_keys::{ApiKeyInfo, DayUsage, KeyLimits};

use crate::Hub;
use crate::auth::{API_KEY_PREFIX, new_secret, secret_hash};
use crate::error::Result;

/// A new key.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// Who it is for, e.g. the partner site's name.
    pub name: String,
    /// Browser origins allowed to use it (empty: any).
    pub origins: Vec<String>,
    /// Its own limit, requests per minute (none: the Hub's general limits only).
    pub rate_limit: Option<i64>,
    /// Only registered (trusted) documents may run with it.
    pub trusted_only: bool,
    /// Its own complexity budget: the largest cost one of its queries may have (none:
    /// the Hub's `server.max_complexity`; a higher one than the Hub's changes nothing).
    pub max_cost: Option<i64>,
}

/// The highest rate a key may be given, requests per minute.
pub const MAX_RATE_LIMIT: i64 = 1_000_000;

/// The highest complexity budget a key may be given.
pub const MAX_KEY_COST: i64 = 1_000_000;

/// A key as created: the key itself (shown only now) and what is stored of it.
#[derive(Debug)]
pub struct Created {
    /// The key, to give to the partner.
    pub key: String,
    /// What is stored.
    pub info: ApiKeyInfo,
}

/// Creates a key (coordinator); the name must not be empty and every origin must be
/// an `http(s)` URL.
pub async fn create(hub: &Hub, actor: Actor, cmd: NewKey) -> Result<Created> {
    actor.may_administer()?;
    let mut c = Checker::new();
    let name = c.take("name", netzwerk_domain::error::single_line(&cmd.name, 200));
    for o in &cmd.origins {
        c.take("origin", HttpUrl::parse(o));
    }
    if let Some(rate) = cmd.rate_limit {
        c.check(
            (1..=MAX_RATE_LIMIT).contains(&rate),
            "rateLimit",
            "range",
            format!("must be between 1 and {MAX_RATE_LIMIT} requests per minute, got {rate}"),
        );
    }
    if let Some(cost) = cmd.max_cost {
        c.check(
            (1..=MAX_KEY_COST).contains(&cost),
            "maxCost",
            "range",
            format!("must be between 1 and {MAX_KEY_COST} (the cost of one query), got {cost}"),
        );
    }
    let limits = KeyLimits {
        rate_limit_per_minute: cmd.rate_limit.and_then(|r| i32::try_from(r).ok()),
        trusted_only: cmd.trusted_only,
        max_cost: cmd.max_cost.and_then(|m| i32::try_from(m).ok()),
    };
    let name = c.finish(|| name.unwrap_or_default())?;
    let key = new_secret(API_KEY_PREFIX);
    let prefix: String = key.chars().take(12).collect();
    let hash = secret_hash(&key);
    let origins = cmd.origins;
    let info = hub
        .transact(move |c| {
            actor.may_administer()?;
            Ok(api_keys::insert(
                c,
                &actor.label(),
                &name,
                &prefix,
                &hash,
                &origins,
                limits,
            )?)
        })
        .await?;
    Ok(Created { key, info })
}

/// Every key, newest first (coordinator).
pub async fn list(hub: &Hub, actor: Actor) -> Result<Vec<ApiKeyInfo>> {
    actor.may_administer()?;
    Ok(hub.database().run(api_keys::list).await?)
}

/// Revokes a key (coordinator); it stops working at once.
pub async fn revoke(hub: &Hub, actor: Actor, id: &str) -> Result<ApiKeyInfo> {
    actor.may_administer()?;
    let id = ApiKeyId::parse(id).map_err(|e| e.within("id"))?;
    hub.transact(move |c| {
        actor.may_administer()?;
        Ok(api_keys::revoke(c, &actor.label(), id)?)
    })
    .await
}

/// Whether a browser page from `origin` may be let send a key at all (a CORS
/// preflight, which carries no key): some active key allows that origin, or allows
/// any. Each request with a key is then checked against its own origins.
pub async fn some_key_allows(hub: &Hub, origin: &str) -> Result<bool> {
    let origin = origin.to_owned();
    let keys = hub.database().run(api_keys::list).await?;
    Ok(keys.iter().any(|k| {
        k.revoked_at.is_none()
            && (k.allowed_origins.is_empty() || k.allowed_origins.contains(&origin))
    }))
}

/// The most days of usage one may ask for.
pub const MAX_USAGE_DAYS: i64 = 366;

/// Stores the requests this replica counted since the last time (a background job,
/// about once a minute, and once more at shutdown).
pub async fn flush_usage(hub: &Hub) -> Result<usize> {
    let counted: Vec<(ApiKeyId, api_keys::DayUsage)> = hub
        .limiter()
        .take_usage()
        .into_iter()
        .map(|(key, day, requests, rejected)| {
            (
                key,
                api_keys::DayUsage {
                    day,
                    requests,
                    rejected,
                },
            )
        })
        .collect();
    let n = counted.len();
    if n > 0 {
        hub.database()
            .write(move |c| api_keys::add_usage(c, &counted))
            .await?;
    }
    Ok(n)
}

/// A key's requests per day over the last `days` days, today included (coordinator):
/// what every replica stored, plus what this one counted since.
pub async fn usage(
    hub: &Hub,
    actor: Actor,
    id: ApiKeyId,
    days: i64,
) -> Result<Vec<api_keys::DayUsage>> {
    actor.may_administer()?;
    let mut c = Checker::new();
    c.check(
        (1..=MAX_USAGE_DAYS).contains(&days),
        "days",
        "range",
        format!("must be between 1 and {MAX_USAGE_DAYS}, got {days}"),
    );
    c.finish(|| ())?;
    let since = crate::days::today() - chrono::Duration::days(days - 1);
    let mut by_day: std::collections::BTreeMap<chrono::NaiveDate, api_keys::DayUsage> = hub
        .database()
        .run(move |c| api_keys::usage(c, id, since))
        .await?
        .into_iter()
        .map(|u| (u.day, u))
        .collect();
    for (day, requests, rejected) in hub.limiter().pending_usage(id) {
        if day < since {
            continue;
        }
        let u = by_day.entry(day).or_insert(api_keys::DayUsage {
            day,
            requests: 0,
            rejected: 0,
        });
        u.requests += requests;
        u.rejected += rejected;
    }
    Ok(by_day.into_values().collect())
}
