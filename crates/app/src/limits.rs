//! Request limits kept in this process's memory: each partner key's own rate (a token
//! bucket per key, `apikey add --rate-limit N` requests per minute). A database write
//! per request would cost more than a cached answer, so every replica counts its own
//! requests; with several replicas behind a balancer, a key's limit holds per replica.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use netzwerk_domain::ids::ApiKeyId;

/// Token buckets by key.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<ApiKeyId, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Limiter {
    /// Takes one request from `key`'s bucket of `per_minute` (full at first, refilled
    /// evenly over the minute); refused with the whole seconds until the next one.
    pub fn admit(&self, key: ApiKeyId, per_minute: u32, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(per_minute.max(1));
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets.entry(key).or_insert(Bucket {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_allows_its_rate_then_refills() {
        let limiter = Limiter::default();
        let (key, other) = (ApiKeyId::generate(), ApiKeyId::generate());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.admit(key, 3, t0), Ok(()));
        }
        let refused = limiter.admit(key, 3, t0).expect_err("over the limit");
        assert_eq!(refused, 20, "one request every 20 s at 3 per minute");
        assert_eq!(limiter.admit(other, 3, t0), Ok(()), "keys count apart");
        assert!(limiter.admit(key, 3, t0 + Duration::from_secs(19)).is_err());
        assert_eq!(limiter.admit(key, 3, t0 + Duration::from_secs(21)), Ok(()));
        // A long pause refills the bucket to its size, not beyond.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(limiter.admit(key, 3, later), Ok(()));
        }
        assert!(limiter.admit(key, 3, later).is_err());
    }
}
