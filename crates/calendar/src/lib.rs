//! Calendars of the Netzwerk Hub: iCalendar (RFC 5545) in and out, and recurrence
//! expansion that stays on local time across daylight-saving changes.
//!
//! Architecture invariant: this crate depends on `domain` only — no database, no
//! GraphQL, no HTTP. It turns bytes into domain events (with a report of every line it
//! could not use), events into occurrences, and events into feeds.

mod expand;
mod parse;
mod text;
mod write;

pub use expand::{Occurrence, occurrences, span};
pub use parse::{FeedEvent, Issue, Limits, ParsedCalendar, parse};
pub use write::{CalendarEntry, write_calendar};

/// What makes a calendar unusable as a whole. Problems with single events are
/// [`Issue`]s instead, and the other events are still taken.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    /// The input is larger than allowed.
    #[error("the calendar has {size} bytes, more than the limit of {limit}")]
    TooLarge {
        /// Bytes received.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The input is not an iCalendar file.
    #[error("not an iCalendar file: {0}")]
    NotCalendar(String),
    /// A recurrence rule cannot be expanded.
    #[error("recurrence: {0}")]
    Recurrence(String),
}
