//! Persisted GraphQL documents, found by the SHA-256 of their text (lowercase hex):
//!
//! - **trusted** documents: every file of `graphql/persisted/` (known to every replica
//!   from its build) and the documents the coordinator registered (stored, so every
//!   replica finds them). A key in trusted-documents-only mode runs these and nothing
//!   else.
//! - documents a client registered by Apollo's automatic persisted queries (APQ: the
//!   text sent once with its hash, then the hash alone, e.g. in a cacheable GET). They
//!   are kept in this replica's memory, bounded, and are not trusted. Under the
//!   production profile and with a trusted-only key, clients register nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use netzwerk_domain::access::Actor;
use netzwerk_domain::error::Checker;
use netzwerk_storage::persisted_documents;
pub use netzwerk_storage::persisted_documents::StoredDocument;

use crate::Hub;
use crate::auth::Caller;
use crate::error::Result;

/// The partner web component's queries (`PartnerEvents`, `PartnerServices`,
/// `PartnerOrganisations`), as checked in.
pub const PARTNER_QUERIES: &str = include_str!("../../../graphql/persisted/partner.graphql");

/// The documents of `graphql/persisted/`, by file name, as checked in.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("funding", crate::digest::FUNDING_QUERIES),
    ("partner", PARTNER_QUERIES),
    ("pages", PAGE_QUERIES),
    ("newsletter/sections", crate::newsletter::NEWSLETTER_QUERIES),
];

/// The queries behind the public pages `/events/{id}` and `/services/{id}`.
pub const PAGE_QUERIES: &str = include_str!("../../../graphql/persisted/pages.graphql");

/// Longer documents are neither registered by clients nor by the coordinator.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Documents registered by clients kept per replica; a new one then takes the place
/// of another.
const CLIENT_CAPACITY: usize = 1024;
/// Registered documents kept in memory after their first use (found in the database
/// otherwise).
const REGISTERED_CAPACITY: usize = 4096;

/// The known documents of this replica.
#[derive(Debug)]
pub struct Known {
    built_in: HashMap<String, Arc<str>>,
    registered: Mutex<HashMap<String, Arc<str>>>,
    clients: Mutex<HashMap<String, Arc<str>>>,
}

impl Default for Known {
    fn default() -> Self {
        Self {
            built_in: BUILT_IN
                .iter()
                .map(|(_, text)| (sha256(text), Arc::from(*text)))
                .collect(),
            registered: Mutex::default(),
            clients: Mutex::default(),
        }
    }
}

/// The SHA-256 of a document's text, lowercase hex (the APQ hash).
pub fn sha256(text: &str) -> String {
    sha256_bytes(text.as_bytes())
}

/// The SHA-256 of any bytes, lowercase hex (entity tags).
pub fn sha256_bytes(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The document a request runs.
#[derive(Debug, Clone)]
pub struct Document {
    /// Its text.
    pub text: Arc<str>,
    /// Its hash, when it is a persisted document (trusted or registered by a client):
    /// answers to it may be cached by it.
    pub sha256: Option<String>,
}

/// Why a request has no document to run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// Neither a text nor a hash.
    #[error("`query` is missing (or send `extensions.persistedQuery.sha256Hash`)")]
    Missing,
    /// The hash is not a SHA-256 in hex.
    #[error("`extensions.persistedQuery.sha256Hash` must be 64 hexadecimal digits")]
    BadHash,
    /// The persisted-query extension is not version 1.
    #[error("`extensions.persistedQuery.version` must be 1")]
    BadVersion,
    /// The text does not have the hash it was sent with.
    #[error("`extensions.persistedQuery.sha256Hash` is not the SHA-256 of `query`")]
    HashMismatch,
    /// No document has this hash: send the text with it (where clients may register).
    #[error("PersistedQueryNotFound: no document has this hash; send it again with `query`")]
    NotFound,
    /// A trusted-only key sent a document that is not trusted.
    #[error(
        "this API key runs trusted documents only (graphql/persisted/ and those the coordinator registered); send one of them"
    )]
    NotTrusted,
}

/// What a request sent to say which document it runs.
#[derive(Debug, Clone, Default)]
pub struct Sent {
    /// The text.
    pub query: Option<String>,
    /// `extensions.persistedQuery`: its version and hash.
    pub persisted: Option<(i64, String)>,
}

impl Known {
    fn trusted(&self, hash: &str) -> Option<Arc<str>> {
        self.built_in.get(hash).cloned().or_else(|| {
            self.registered
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(hash)
                .cloned()
        })
    }

    fn remember_registered(&self, hash: String, text: Arc<str>) {
        let mut registered = self
            .registered
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if registered.len() < REGISTERED_CAPACITY {
            registered.insert(hash, text);
        }
    }

    fn client(&self, hash: &str) -> Option<Arc<str>> {
        self.clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(hash)
            .cloned()
    }

    fn remember_client(&self, hash: String, text: Arc<str>) {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if clients.len() >= CLIENT_CAPACITY
            && !clients.contains_key(&hash)
            && let Some(old) = clients.keys().next().cloned()
        {
            clients.remove(&old);
        }
        clients.insert(hash, text);
    }

    /// How many documents clients registered here.
    #[cfg(test)]
    fn client_documents(&self) -> usize {
        self.clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// A trusted document by hash: built in, or registered (read once from the database).
async fn trusted(hub: &Hub, hash: &str) -> Result<Option<Arc<str>>> {
    let known = hub.persisted();
    if let Some(text) = known.trusted(hash) {
        return Ok(Some(text));
    }
    let h = hash.to_owned();
    let stored = hub
        .database()
        .run(move |c| persisted_documents::get(c, &h))
        .await?;
    Ok(stored.map(|d| {
        let text: Arc<str> = Arc::from(d.document);
        known.remember_registered(d.sha256, text.clone());
        text
    }))
}

/// The document a request runs: its text, or the persisted document of its hash
/// (APQ). A text sent with its hash is registered for this client's later requests,
/// except under the production profile or with a trusted-only key.
pub async fn document(
    hub: &Hub,
    caller: Caller,
    sent: Sent,
) -> Result<std::result::Result<Document, DocumentError>> {
    let hash = match sent.persisted {
        None => None,
        Some((1, hash)) => {
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Ok(Err(DocumentError::BadHash));
            }
            Some(hash.to_ascii_lowercase())
        }
        Some(_) => return Ok(Err(DocumentError::BadVersion)),
    };
    let may_register = !caller.trusted_only && !hub.settings().production;
    match (sent.query, hash) {
        (None, None) => Ok(Err(DocumentError::Missing)),
        (Some(text), None) if !caller.trusted_only => {
            // A plain document: nothing to look up (no statement per request).
            Ok(Ok(Document {
                text: Arc::from(text),
                sha256: None,
            }))
        }
        (Some(text), hash) => {
            let own = sha256(&text);
            if hash.as_ref().is_some_and(|h| *h != own) {
                return Ok(Err(DocumentError::HashMismatch));
            }
            let trusted = trusted(hub, &own).await?.is_some();
            if caller.trusted_only && !trusted {
                return Ok(Err(DocumentError::NotTrusted));
            }
            let text: Arc<str> = Arc::from(text);
            let persisted = if trusted {
                Some(own)
            } else if hash.is_some() && may_register && text.len() <= MAX_DOCUMENT_BYTES {
                hub.persisted().remember_client(own.clone(), text.clone());
                Some(own)
            } else {
                None
            };
            Ok(Ok(Document {
                text,
                sha256: persisted,
            }))
        }
        (None, Some(hash)) => {
            if let Some(text) = trusted(hub, &hash).await? {
                return Ok(Ok(Document {
                    text,
                    sha256: Some(hash),
                }));
            }
            match hub.persisted().client(&hash) {
                Some(_) if caller.trusted_only => Ok(Err(DocumentError::NotTrusted)),
                Some(text) => Ok(Ok(Document {
                    text,
                    sha256: Some(hash),
                })),
                None => Ok(Err(DocumentError::NotFound)),
            }
        }
    }
}

/// A trusted document, as listed.
#[derive(Debug, Clone)]
pub struct Listed {
    /// SHA-256 of the text.
    pub sha256: String,
    /// File name (built in) or the name given.
    pub name: String,
    /// The text.
    pub document: String,
    /// Registered by the coordinator (else: from `graphql/persisted/`).
    pub registered: Option<StoredDocument>,
}

/// Every trusted document: the built-in ones, then the registered ones, newest first
/// (coordinator).
pub async fn list(hub: &Hub, actor: Actor) -> Result<Vec<Listed>> {
    actor.may_administer()?;
    let stored = hub.database().run(persisted_documents::list).await?;
    let mut all: Vec<Listed> = BUILT_IN
        .iter()
        .map(|(name, text)| Listed {
            sha256: sha256(text),
            name: (*name).to_owned(),
            document: (*text).to_owned(),
            registered: None,
        })
        .collect();
    all.extend(stored.into_iter().map(|d| Listed {
        sha256: d.sha256.clone(),
        name: d.name.clone(),
        document: d.document.clone(),
        registered: Some(d),
    }));
    Ok(all)
}

/// Registers a trusted document (coordinator); registering the same text again
/// returns the stored one. `parsed` is the adapter's parse of the text (the GraphQL
/// parser is the adapter's): a text that is no GraphQL document is refused with the
/// parser's message.
pub async fn register(
    hub: &Hub,
    actor: Actor,
    name: &str,
    document: &str,
    parsed: std::result::Result<(), String>,
) -> Result<Listed> {
    actor.may_administer()?;
    let mut c = Checker::new();
    let name = c.take("name", netzwerk_domain::error::single_line(name, 200));
    c.check(
        !document.trim().is_empty(),
        "document",
        "required",
        "must not be empty",
    );
    if let Err(e) = parsed
        && !document.trim().is_empty()
    {
        c.check(
            false,
            "document",
            "graphql_document",
            format!("is not a GraphQL document: {e}"),
        );
    }
    c.check(
        document.len() <= MAX_DOCUMENT_BYTES,
        "document",
        "max_length",
        format!(
            "must be at most {MAX_DOCUMENT_BYTES} bytes, got {}",
            document.len()
        ),
    );
    let name = c.finish(|| name.unwrap_or_default())?;
    let hash = sha256(document);
    if let Some((built_in, _)) = BUILT_IN.iter().find(|(_, t)| sha256(t) == hash) {
        return Ok(Listed {
            sha256: hash,
            name: (*built_in).to_owned(),
            document: document.to_owned(),
            registered: None,
        });
    }
    let text = document.to_owned();
    let stored = hub
        .transact(move |c| {
            actor.may_administer()?;
            Ok(persisted_documents::register(
                c,
                &actor.label(),
                &hash,
                &name,
                &text,
            )?)
        })
        .await?;
    Ok(Listed {
        sha256: stored.sha256.clone(),
        name: stored.name.clone(),
        document: stored.document.clone(),
        registered: Some(stored),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_graphql_persisted_is_built_in() {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../../graphql/persisted");
        let mut seen = 0;
        let known = Known::default();
        let mut paths: Vec<std::path::PathBuf> = Vec::new();
        let mut folders = vec![std::path::PathBuf::from(folder)];
        while let Some(dir) = folders.pop() {
            for entry in std::fs::read_dir(&dir).expect("graphql/persisted") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    paths.push(path);
                }
            }
        }
        for path in paths {
            if path.extension().is_some_and(|e| e == "graphql") {
                let text = std::fs::read_to_string(&path).expect("document");
                assert!(
                    known.trusted(&sha256(&text)).is_some(),
                    "{} is not in BUILT_IN",
                    path.display()
                );
                seen += 1;
            }
        }
        assert_eq!(seen, BUILT_IN.len(), "one entry per file");
        assert!(known.trusted(&sha256("{ localities }")).is_none());
    }

    #[test]
    fn client_documents_stay_bounded() {
        let known = Known::default();
        for i in 0..CLIENT_CAPACITY + 10 {
            let text = format!("{{ a{i}: localities }}");
            known.remember_client(sha256(&text), Arc::from(text.as_str()));
        }
        assert_eq!(known.client_documents(), CLIENT_CAPACITY);
    }

    #[test]
    fn the_hash_is_the_apq_hash() {
        // The hash Apollo clients send: SHA-256 of the text, lowercase hex.
        assert_eq!(
            sha256("{ __typename }"),
            "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b"
        );
    }
}
