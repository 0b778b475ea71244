//! Fuzzes the import path: any bytes must give a calendar or a clean error, never a
//! panic, and every event taken must expand within its bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netzwerk_calendar::{occurrences, parse, span, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_bytes: 1 << 20, max_events: 200 };
    if let Ok(parsed) = parse(data, &limits) {
        for fe in &parsed.events {
            let _ = span(&fe.event, &fe.overrides);
            let from = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
            let to = from + chrono::Duration::days(365 * 200);
            if let Ok(occ) = occurrences(&fe.event, &fe.overrides, from, to, 50) {
                assert!(occ.len() <= 50);
            }
        }
    }
});
