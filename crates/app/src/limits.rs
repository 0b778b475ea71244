//! Request limits kept in this process's memory: each partner key's own rate (a token
//! bucket per key, `apikey add --rate-limit N` requests per minute) and the rate of
//! each anonymous client address (`server.anonymous_rate_limit_per_minute`). A
//! database write per request would cost more than a cached answer, so every replica
//! counts its own requests; with several replicas behind a balancer, a limit holds
//! per replica.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use netzwerk_domain::ids::ApiKeyId;

/// Whose requests a bucket counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A partner key.
    Key(ApiKeyId),
    /// An anonymous client, by a hash of its address (the address is not kept).
    Address(u64),
}

/// Beyond this many buckets, those untouched for a minute (full again, so no
/// different from a new one) are dropped; the next pruning waits until the map has
/// doubled, so a flood costs no pass over the map per request.
const PRUNE_AT: usize = 10_000;
/// Beyond this many buckets even after pruning (a flood from ever new addresses),
/// all are dropped: a minute's counting is lost rather than memory.
const MAX_BUCKETS: usize = 100_000;

/// Token buckets by subject, and the keys' requests counted since the last flush.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: Mutex<Buckets>,
    hasher: std::hash::RandomState,
    usage: Mutex<HashMap<(ApiKeyId, chrono::NaiveDate), (i64, i64)>>,
}

#[derive(Debug, Default)]
struct Buckets {
    map: HashMap<Subject, Bucket>,
    prune_at: usize,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Limiter {
    /// Takes one request from `key`'s bucket of `per_minute` (full at first, refilled
    /// evenly over the minute); refused with the whole seconds until the next one.
    pub fn admit(&self, subject: Subject, per_minute: u32, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(per_minute.max(1));
        let per_second = capacity / 60.0;
        let mut guard = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let Buckets { map, prune_at } = &mut *guard;
        if map.len() >= (*prune_at).max(PRUNE_AT) && !map.contains_key(&subject) {
            map.retain(|_, b| now.saturating_duration_since(b.at) < Duration::from_secs(60));
            if map.len() >= MAX_BUCKETS {
                map.clear();
            }
            *prune_at = (map.len() * 2).min(MAX_BUCKETS);
        }
        let bucket = map.entry(subject).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / per_second).ceil();
            // At most a minute: a whole bucket refills in one.
            Err((wait as u64).clamp(1, 60))
        }
    }

    /// Counts one request of `key` on `day`: let through, or refused.
    pub fn count(&self, key: ApiKeyId, day: chrono::NaiveDate, let_through: bool) {
        let mut usage = self.usage.lock().unwrap_or_else(PoisonError::into_inner);
        let counts = usage.entry((key, day)).or_default();
        if let_through {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    }

    /// The counts so far, taken away (to be stored).
    pub fn take_usage(&self) -> Vec<(ApiKeyId, chrono::NaiveDate, i64, i64)> {
        let mut usage = self.usage.lock().unwrap_or_else(PoisonError::into_inner);
        usage
            .drain()
            .map(|((key, day), (requests, rejected))| (key, day, requests, rejected))
            .collect()
    }

    /// One key's counts not stored yet, by day.
    pub fn pending_usage(&self, key: ApiKeyId) -> Vec<(chrono::NaiveDate, i64, i64)> {
        let usage = self.usage.lock().unwrap_or_else(PoisonError::into_inner);
        usage
            .iter()
            .filter(|((k, _), _)| *k == key)
            .map(|((_, day), (requests, rejected))| (*day, *requests, *rejected))
            .collect()
    }

    /// The subject of an anonymous client's address.
    pub fn address(&self, address: &str) -> Subject {
        Subject::Address(self.hasher.hash_one(address))
    }

    /// How many buckets are kept.
    pub fn len(&self) -> usize {
        self.buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_allows_its_rate_then_refills() {
        let limiter = Limiter::default();
        let (key, other) = (
            Subject::Key(ApiKeyId::generate()),
            limiter.address("192.0.2.7"),
        );
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.admit(key, 3, t0), Ok(()));
        }
        let refused = limiter.admit(key, 3, t0).expect_err("over the limit");
        assert_eq!(refused, 20, "one request every 20 s at 3 per minute");
        assert_eq!(limiter.admit(other, 3, t0), Ok(()), "subjects count apart");
        assert!(limiter.admit(key, 3, t0 + Duration::from_secs(19)).is_err());
        assert_eq!(limiter.admit(key, 3, t0 + Duration::from_secs(21)), Ok(()));
        // A long pause refills the bucket to its size, not beyond.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(limiter.admit(key, 3, later), Ok(()));
        }
        assert!(limiter.admit(key, 3, later).is_err());
    }

    #[test]
    fn a_flood_of_new_addresses_stays_bounded() {
        let limiter = Limiter::default();
        let t0 = Instant::now();
        for i in 0..PRUNE_AT {
            let _ = limiter.admit(limiter.address(&format!("10.0.{i}")), 60, t0);
        }
        assert_eq!(limiter.len(), PRUNE_AT);
        // A minute on, the old buckets are full again and make room.
        let later = t0 + Duration::from_secs(61);
        let _ = limiter.admit(limiter.address("10.1.0.1"), 60, later);
        assert_eq!(limiter.len(), 1);
        // Within the minute, nothing is dropped until the hard cap.
        for i in 0..MAX_BUCKETS + 5 {
            let _ = limiter.admit(limiter.address(&format!("10.2.{i}")), 60, later);
        }
        assert!(limiter.len() <= MAX_BUCKETS, "{}", limiter.len());
    }
}
