//! Parsed GraphQL documents by their text. A partner website sends the same few
//! queries on every page view; each is parsed once and then reused, while validation
//! and the depth checks still run on every request.

use std::collections::HashMap;
use std::sync::Mutex;

use async_graphql::parser::types::ExecutableDocument;

/// At most this many documents are kept; a new one then takes the place of another.
const CAPACITY: usize = 256;
/// Longer documents are parsed every time (a partner query is far shorter).
const MAX_TEXT_BYTES: usize = 16 * 1024;

/// A bounded map from query text to its parsed document.
#[derive(Default)]
pub struct Documents {
    parsed: Mutex<HashMap<String, ExecutableDocument>>,
}

impl Documents {
    /// Gives the request its parsed document: from the map when the same text was
    /// parsed before, else parsed now and kept. A text that does not parse is left
    /// to the schema, which reports the syntax error as usual.
    pub fn prepare(&self, request: &mut async_graphql::Request) {
        if request.query.len() > MAX_TEXT_BYTES {
            return;
        }
        // A poisoned lock only means a panic elsewhere; the map itself stays valid.
        let known = self
            .parsed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&request.query)
            .cloned();
        if let Some(doc) = known {
            request.set_parsed_query(doc);
            return;
        }
        let Ok(doc) = request.parsed_query().cloned() else {
            return;
        };
        let mut parsed = self
            .parsed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if parsed.len() >= CAPACITY
            && let Some(old) = parsed.keys().next().cloned()
        {
            parsed.remove(&old);
        }
        parsed.insert(request.query.clone(), doc);
    }

    /// How many documents are kept.
    pub fn len(&self) -> usize {
        self.parsed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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

    fn request(query: &str) -> async_graphql::Request {
        async_graphql::Request::new(query)
    }

    #[test]
    fn reuses_parsed_documents_and_stays_bounded() {
        let docs = Documents::default();
        let mut a = request("{ services { totalCount } }");
        docs.prepare(&mut a);
        assert_eq!(docs.len(), 1);
        // The same text again: found, not added.
        let mut again = request("{ services { totalCount } }");
        docs.prepare(&mut again);
        assert_eq!(docs.len(), 1);
        assert!(again.parsed_query().is_ok());

        // Syntax errors are not kept; the schema reports them.
        let mut broken = request("{ services { ");
        docs.prepare(&mut broken);
        assert_eq!(docs.len(), 1);

        for i in 0..CAPACITY + 10 {
            docs.prepare(&mut request(&format!(
                "{{ a{i}: services {{ totalCount }} }}"
            )));
        }
        assert_eq!(docs.len(), CAPACITY);

        let long = format!(
            "{{ services {{ totalCount }} }} # {}",
            "x".repeat(MAX_TEXT_BYTES)
        );
        let before = docs.len();
        docs.prepare(&mut request(&long));
        assert_eq!(docs.len(), before);
    }
}
