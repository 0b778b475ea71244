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

pub use expand::{Occurrence, Timing, occurrences, occurrences_of, span};
pub use parse::{FeedEvent, Issue, Limits, ParsedCalendar, parse};
pub use write::{
    Attendee, CalendarEntry, Frame, Method, TAIL, write_calendar, write_calendar_as, write_entry,
    write_head,
};

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

#[cfg(test)]
mod robustness {
    use super::*;

    const FIXTURE: &str = include_str!("../../../tests/fixtures/calendar/kiezwerkstatt.ics");

    /// A small deterministic generator, so failures can be replayed.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) as usize) % n.max(1)
        }
    }

    #[test]
    fn mutated_calendars_never_panic() {
        let mut rng = Lcg(2001);
        let junk: [&[u8]; 8] = [
            b"\r\n ",
            b"BEGIN:VEVENT\r\n",
            b"END:VCALENDAR",
            b";TZID=",
            b"RRULE:FREQ=DAILY;INTERVAL=0\r\n",
            b"\xff\xfe",
            b":::",
            b"RECURRENCE-ID:2\r\n",
        ];
        let limits = Limits {
            max_bytes: 1 << 20,
            max_events: 100,
        };
        let from = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let to = from + chrono::Duration::days(366);
        for _ in 0..3000 {
            let mut data = FIXTURE.as_bytes().to_vec();
            for _ in 0..=rng.next(4) {
                if data.is_empty() {
                    break;
                }
                let at = rng.next(data.len());
                match rng.next(4) {
                    0 => data.truncate(at),
                    1 => data[at] = rng.next(256) as u8,
                    2 => {
                        let j = junk[rng.next(junk.len())];
                        data.splice(at..at, j.iter().copied());
                    }
                    _ => {
                        let len = rng.next(40).min(data.len() - at);
                        data.drain(at..at + len);
                    }
                }
            }
            if let Ok(parsed) = parse(&data, &limits) {
                for fe in &parsed.events {
                    let _ = span(&fe.event, &fe.overrides);
                    if let Ok(occ) = occurrences(&fe.event, &fe.overrides, from, to, 100) {
                        assert!(occ.len() <= 100);
                    }
                }
            }
        }
    }
}
