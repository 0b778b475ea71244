//! Answers to public persisted queries, kept in memory: a partner page's few queries
//! are answered from here until the data changes. Only answers everybody gets are
//! kept (anonymous callers and partner keys, a persisted document, no errors), keyed
//! by document hash, operation, variables, languages and response format, and each
//! stamped with the data's generation from before it was computed
//! ([`netzwerk_app::Hub::data_generation`]): an answer from an older generation is
//! never served. Bounded by entries and bytes.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::body::Bytes;
use axum::http::HeaderValue;

/// What an answer is kept by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// SHA-256 of the document.
    pub document: String,
    /// The operation run.
    pub operation: Option<String>,
    /// The variables, as JSON.
    pub variables: String,
    /// `Accept-Language`.
    pub languages: String,
    /// The response's media type.
    pub format: &'static str,
    /// Berlin's date when it was asked: answers that depend on the day (news public
    /// from their day on, open funding calls) are not served the next day.
    pub day: chrono::NaiveDate,
}

/// A kept answer.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The data's generation it was computed in.
    pub generation: u64,
    /// The body.
    pub body: Bytes,
    /// Its `ETag`.
    pub etag: String,
    /// Its `Cache-Control`.
    pub cache_control: HeaderValue,
}

/// Limits of the cache.
#[derive(Debug, Clone, Copy)]
pub struct CacheLimits {
    /// Most answers kept (0: no cache).
    pub entries: usize,
    /// Most bytes kept, bodies counted.
    pub bytes: usize,
}

#[derive(Debug, Default)]
struct Kept {
    entries: HashMap<Key, Entry>,
    bytes: usize,
}

/// The cache.
#[derive(Debug)]
pub struct ResponseCache {
    kept: Mutex<Kept>,
    limits: CacheLimits,
}

impl ResponseCache {
    /// An empty cache; none with `entries = 0`.
    pub fn new(limits: CacheLimits) -> Option<Self> {
        (limits.entries > 0 && limits.bytes > 0).then(|| Self {
            kept: Mutex::default(),
            limits,
        })
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The answer kept for `key` in `generation`; one of an older generation is
    /// dropped.
    pub fn get(&self, key: &Key, generation: u64) -> Option<Entry> {
        let mut kept = self.kept();
        match kept.entries.get(key) {
            Some(e) if e.generation == generation => Some(e.clone()),
            Some(_) => {
                if let Some(old) = kept.entries.remove(key) {
                    kept.bytes -= old.body.len();
                }
                None
            }
            None => None,
        }
    }

    /// Keeps an answer; when full, answers of older generations go first, then any.
    pub fn put(&self, key: Key, entry: Entry) {
        let size = entry.body.len();
        if size > self.limits.bytes / 4 {
            return;
        }
        let mut kept = self.kept();
        if let Some(old) = kept.entries.remove(&key) {
            kept.bytes -= old.body.len();
        }
        if kept.entries.len() >= self.limits.entries || kept.bytes + size > self.limits.bytes {
            let current = entry.generation;
            kept.entries.retain(|_, e| e.generation == current);
            kept.bytes = kept.entries.values().map(|e| e.body.len()).sum();
        }
        while kept.entries.len() >= self.limits.entries || kept.bytes + size > self.limits.bytes {
            let Some(any) = kept.entries.keys().next().cloned() else {
                break;
            };
            if let Some(old) = kept.entries.remove(&any) {
                kept.bytes -= old.body.len();
            }
        }
        kept.bytes += size;
        kept.entries.insert(key, entry);
    }

    /// Answers kept, and their bytes.
    #[cfg(test)]
    fn size(&self) -> (usize, usize) {
        let kept = self.kept();
        (kept.entries.len(), kept.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: usize) -> Key {
        Key {
            document: "d".into(),
            operation: None,
            variables: format!("{{\"i\":{i}}}"),
            languages: String::new(),
            format: "application/json",
            day: chrono::NaiveDate::MIN,
        }
    }

    fn entry(generation: u64, bytes: usize) -> Entry {
        Entry {
            generation,
            body: Bytes::from(vec![b'x'; bytes]),
            etag: "\"x\"".into(),
            cache_control: HeaderValue::from_static("public, max-age=60"),
        }
    }

    #[test]
    fn an_older_generation_is_never_served() {
        let cache = ResponseCache::new(CacheLimits {
            entries: 10,
            bytes: 1000,
        })
        .expect("on");
        cache.put(key(1), entry(7, 10));
        assert!(cache.get(&key(1), 7).is_some());
        assert!(cache.get(&key(1), 8).is_none());
        assert!(cache.get(&key(1), 7).is_none(), "dropped once outdated");
        assert_eq!(cache.size(), (0, 0));
    }

    #[test]
    fn stays_within_its_entries_and_bytes() {
        let cache = ResponseCache::new(CacheLimits {
            entries: 5,
            bytes: 100,
        })
        .expect("on");
        for i in 0..50 {
            cache.put(key(i), entry(1, 20));
            let (n, b) = cache.size();
            assert!(n <= 5 && b <= 100, "{n} entries, {b} bytes");
        }
        cache.put(key(99), entry(1, 26));
        assert!(cache.get(&key(99), 1).is_none(), "over a quarter: not kept");
        assert!(
            ResponseCache::new(CacheLimits {
                entries: 0,
                bytes: 100
            })
            .is_none()
        );
    }
}
