//! The time one request may use. The HTTP layer stops waiting for a request when its
//! time is up; work that runs on the blocking pool (recurrence expansion) checks the
//! budget in its loop, so it stops too — also when the client has gone away, because
//! dropping the request's future cancels its budget.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A request's deadline and cancellation flag, put into its GraphQL data.
#[derive(Debug, Clone)]
pub struct Budget {
    deadline: Instant,
    cancelled: Arc<AtomicBool>,
}

impl Budget {
    /// A budget of `time` from now.
    pub fn new(time: Duration) -> Self {
        Self {
            deadline: Instant::now() + time,
            cancelled: Arc::default(),
        }
    }

    /// Whether the work should stop: the time is up or the request was cancelled.
    pub fn exhausted(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed) || Instant::now() >= self.deadline
    }

    /// Stops the work of this request.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// A guard that cancels the budget when dropped (the request ended or its client
    /// went away).
    pub fn cancel_on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

/// Cancels its budget when dropped.
#[derive(Debug)]
pub struct CancelOnDrop(Budget);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_out_by_time_and_by_cancellation() {
        let b = Budget::new(Duration::from_secs(60));
        assert!(!b.exhausted());
        drop(b.cancel_on_drop());
        assert!(b.exhausted(), "dropping the guard cancels");
        assert!(Budget::new(Duration::ZERO).exhausted());
    }
}
