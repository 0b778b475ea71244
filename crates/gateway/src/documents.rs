//! Parsed GraphQL documents by their text. A partner website sends the same few
//! queries on every page view; each is parsed once and then reused, while validation
//! and the depth checks still run on every request.
//!
//! Only read-only documents (queries, no mutations: those may hold a password) are
//! kept, and only once their text has come twice, so one-off texts (a search typed
//! into a query as a literal) never push the partner queries out.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::parser::types::{ExecutableDocument, OperationType};

/// At most this many documents are kept; a new one then takes the place of another.
const CAPACITY: usize = 256;
/// At most this many texts are remembered as seen once (by hash); then forgotten.
const SEEN_CAPACITY: usize = 4096;
/// Longer documents are parsed every time (a partner query is far shorter).
const MAX_TEXT_BYTES: usize = 16 * 1024;

#[derive(Default)]
struct Kept {
    parsed: HashMap<String, Arc<ExecutableDocument>>,
    seen_once: HashSet<u64>,
}

/// A bounded map from query text to its parsed document.
#[derive(Default)]
pub struct Documents {
    kept: Mutex<Kept>,
    hasher: std::hash::RandomState,
}

/// What [`Documents::prepare`] did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prepared {
    /// The document was parsed before and given to the request.
    Reused,
    /// Parsed now and kept for the next request with the same text.
    Kept,
    /// Parsed now (or left to the schema) and not kept.
    Parsed,
}

impl Documents {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A poisoned lock only means a panic elsewhere; the maps themselves stay valid.
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Gives the request its parsed document: from the map when the same text was
    /// kept before, else parsed now (and kept on its second sighting). A text that does
    /// not parse is left to the schema, which reports the syntax error as usual.
    pub fn prepare(&self, request: &mut async_graphql::Request) -> Prepared {
        if request.query.len() > MAX_TEXT_BYTES {
            return Prepared::Parsed;
        }
        let known = self.kept().parsed.get(&request.query).cloned();
        if let Some(doc) = known {
            // The deep copy is made outside the lock.
            request.set_parsed_query(ExecutableDocument::clone(&doc));
            return Prepared::Reused;
        }
        let Ok(doc) = request.parsed_query() else {
            return Prepared::Parsed;
        };
        let read_only = doc
            .operations
            .iter()
            .all(|(_, op)| op.node.ty == OperationType::Query);
        if !read_only {
            return Prepared::Parsed;
        }
        let doc = Arc::new(doc.clone());
        let hash = self.hasher.hash_one(&request.query);
        let mut kept = self.kept();
        if !kept.seen_once.remove(&hash) {
            if kept.seen_once.len() >= SEEN_CAPACITY {
                kept.seen_once.clear();
            }
            kept.seen_once.insert(hash);
            return Prepared::Parsed;
        }
        if kept.parsed.len() >= CAPACITY
            && let Some(old) = kept.parsed.keys().next().cloned()
        {
            kept.parsed.remove(&old);
        }
        kept.parsed.insert(request.query.clone(), doc);
        Prepared::Kept
    }

    /// How many documents are kept.
    pub fn len(&self) -> usize {
        self.kept().parsed.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepare(docs: &Documents, query: &str) -> Prepared {
        docs.prepare(&mut async_graphql::Request::new(query))
    }

    #[test]
    fn kept_on_the_second_sighting_and_reused() {
        let docs = Documents::default();
        let q = "{ services { totalCount } }";
        assert_eq!(prepare(&docs, q), Prepared::Parsed);
        assert_eq!(prepare(&docs, q), Prepared::Kept);
        let mut again = async_graphql::Request::new(q);
        assert_eq!(docs.prepare(&mut again), Prepared::Reused);
        assert!(again.parsed_query().is_ok());
        assert_eq!(docs.len(), 1);
    }

    #[test]
    fn mutations_syntax_errors_and_long_texts_are_not_kept() {
        let docs = Documents::default();
        let login = "mutation { login(email: \"a@b.de\", password: \"geheim\") { token } }";
        let broken = "{ services { ";
        let long = format!(
            "{{ services {{ totalCount }} }} # {}",
            "x".repeat(MAX_TEXT_BYTES)
        );
        for q in [login, broken, long.as_str()] {
            for _ in 0..3 {
                assert_eq!(prepare(&docs, q), Prepared::Parsed, "{q}");
            }
        }
        assert!(docs.is_empty());
    }

    #[test]
    fn stays_bounded() {
        let docs = Documents::default();
        for i in 0..CAPACITY + 10 {
            let q = format!("{{ a{i}: services {{ totalCount }} }}");
            prepare(&docs, &q);
            prepare(&docs, &q);
        }
        assert_eq!(docs.len(), CAPACITY);
    }
}
