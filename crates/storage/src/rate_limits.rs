//! Rate limits counted in the database, so that every replica agrees: a bucket (say,
//! the sign-in attempts of one account) holds the hits of its current fixed window.
//! A window ends by itself; [`clear`] ends it at once (`netzwerk user unlock`).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::rate_limits as rl;
use crate::{AnyConnection, Result};

/// A limit: at most `max_hits` in `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Hits allowed per window.
    pub max_hits: u32,
    /// Length of one window.
    pub window: Duration,
}

/// A bucket over its limit: when the next hit will be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exceeded {
    /// Seconds until the window ends (at least 1).
    pub retry_after_seconds: u64,
}

/// Counts one hit in `bucket` and tells whether it is within `limit`. A hit over the
/// limit is counted too (it does not extend the window), unless the caller's own
/// transaction rolls back with the refusal. Runs in its own transaction (a savepoint
/// inside the caller's); the increment is one `UPDATE … SET hits = hits + 1`, so
/// concurrent hits on PostgreSQL are all counted.
pub fn hit(
    conn: &mut AnyConnection,
    bucket: &str,
    limit: Limit,
    now: NaiveDateTime,
) -> Result<Result<(), Exceeded>> {
    match count(conn, bucket, limit, now) {
        // Two first hits at once: one inserted the row; counting again finds it.
        Err(crate::StorageError::Conflict(_)) => count(conn, bucket, limit, now),
        other => other,
    }
}

fn count(
    conn: &mut AnyConnection,
    bucket: &str,
    limit: Limit,
    now: NaiveDateTime,
) -> Result<Result<(), Exceeded>> {
    crate::transaction(conn, |c| {
        let current_from = now - limit.window;
        let updated = diesel::update(
            rl::table
                .filter(rl::bucket.eq(bucket))
                .filter(rl::window_start.gt(current_from)),
        )
        .set(rl::hits.eq(rl::hits + 1))
        .execute(c)?;
        if updated == 0 {
            // No row, or one of an ended window: start a new window.
            // Only an ended window is deleted: a window another attempt has just
            // started is kept (its insert below then conflicts, and the hit is
            // counted again on it).
            diesel::delete(
                rl::table
                    .filter(rl::bucket.eq(bucket))
                    .filter(rl::window_start.le(current_from)),
            )
            .execute(c)?;
            diesel::insert_into(rl::table)
                .values((
                    rl::bucket.eq(bucket),
                    rl::window_start.eq(now),
                    rl::hits.eq(1),
                ))
                .execute(c)?;
        }
        let (start, hits): (NaiveDateTime, i32) = rl::table
            .filter(rl::bucket.eq(bucket))
            .select((rl::window_start, rl::hits))
            .first(c)?;
        if u32::try_from(hits).unwrap_or(u32::MAX) <= limit.max_hits {
            return Ok(Ok(()));
        }
        let left = (start + limit.window - now).num_seconds().max(1);
        Ok(Err(Exceeded {
            retry_after_seconds: u64::try_from(left).unwrap_or(1),
        }))
    })
}

/// Counts one hit in `bucket` and refuses it beyond `limit` with
/// [`crate::StorageError::RateLimited`]: `what` is refused, and when it may be tried
/// again. The one answer of every rate limit of the Hub.
pub fn enforce(conn: &mut AnyConnection, bucket: &str, limit: Limit, what: &str) -> Result<()> {
    match hit(conn, bucket, limit, crate::now())? {
        Ok(()) => Ok(()),
        Err(e) => Err(crate::StorageError::rate_limited(
            format!("{what}; try again in {} seconds", e.retry_after_seconds),
            e.retry_after_seconds,
        )),
    }
}

/// Ends the window of `bucket` (a successful sign-in, or an operator's unlock).
/// Returns whether there was one.
pub fn clear(conn: &mut AnyConnection, bucket: &str) -> Result<bool> {
    Ok(diesel::delete(rl::table.filter(rl::bucket.eq(bucket))).execute(conn)? > 0)
}

/// Takes one hit back (an attempt that turned out legitimate, such as a sign-in with
/// the right password, should not use up its client's allowance).
pub fn forgive(conn: &mut AnyConnection, bucket: &str) -> Result<()> {
    diesel::update(
        rl::table
            .filter(rl::bucket.eq(bucket))
            .filter(rl::hits.gt(0)),
    )
    .set(rl::hits.eq(rl::hits - 1))
    .execute(conn)?;
    Ok(())
}

/// Deletes buckets whose window started before `before` (housekeeping).
pub fn purge(conn: &mut AnyConnection, before: NaiveDateTime) -> Result<usize> {
    Ok(diesel::delete(rl::table.filter(rl::window_start.lt(before))).execute(conn)?)
}
