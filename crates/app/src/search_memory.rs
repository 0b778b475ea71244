//! The services' search postings kept in this process's memory for ranking
//! (`netzwerk_storage::search::MemoryIndex`): a text search that matches much of the
//! directory ranks its matches here instead of aggregating their postings in the
//! database on every request. Each search reads the index's count of changes with its
//! words, and uses the memory only when it was read at that count; otherwise it ranks
//! in the database and the memory is read again in the background. So every replica
//! answers what the database holds, whoever wrote it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use netzwerk_storage::search::MemoryIndex;

use crate::Hub;
use crate::error::Result;

/// At most this many postings are kept (about 8 bytes each); a larger index is ranked
/// in the database.
pub const MAX_POSTINGS: usize = 5_000_000;

/// The postings in memory, if read, and whether a read is under way.
#[derive(Debug, Default)]
pub struct SearchMemory {
    index: RwLock<Option<Arc<MemoryIndex>>>,
    loading: AtomicBool,
}

impl SearchMemory {
    /// The postings as last read (possibly out of date: the search checks).
    pub fn current(&self) -> Option<Arc<MemoryIndex>> {
        self.index.read().ok().and_then(|i| i.clone())
    }

    fn store(&self, index: Option<MemoryIndex>) {
        if let Ok(mut slot) = self.index.write() {
            *slot = index.map(Arc::new);
        }
    }
}

/// Reads the postings into memory now; the number kept (`None`: the index is not
/// built, changed while being read, or is larger than [`MAX_POSTINGS`]).
pub async fn refresh(hub: &Hub) -> Result<Option<usize>> {
    let read = hub
        .read(|c| Ok(MemoryIndex::load(c)?))
        .await?
        .filter(|i| i.postings() <= MAX_POSTINGS);
    let kept = read.as_ref().map(MemoryIndex::postings);
    hub.search_memory().store(read);
    Ok(kept)
}

/// Starts reading the postings again unless a read is under way.
pub(crate) fn refresh_in_background(hub: &Hub) {
    let memory = hub.search_memory();
    if memory.loading.swap(true, Ordering::AcqRel) {
        return;
    }
    let hub = hub.clone();
    tokio::spawn(async move {
        if let Err(e) = refresh(&hub).await {
            tracing::warn!(error = %e, "reading the search postings into memory failed");
        }
        hub.search_memory().loading.store(false, Ordering::Release);
    });
}
