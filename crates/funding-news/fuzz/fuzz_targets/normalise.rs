//! Fuzzes the normaliser: any bytes, read as a feed and as an item's text, must give
//! opportunities or clean errors, never a panic; what is extracted stays in bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netzwerk_funding_news::{RawItem, SourceDefaults, extract, normalise, parse_feed};

fuzz_target!(|data: &[u8]| {
    let today = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
    let defaults = SourceDefaults { funder: "Fuzz".into(), ..SourceDefaults::default() };
    if let Ok(feed) = parse_feed(data, None) {
        for item in &feed.items {
            let _ = normalise(item, &defaults, today);
        }
    }
    let text = String::from_utf8_lossy(data);
    if let Some(a) = extract::amount(&text) {
        assert!(a.min.unwrap_or(0) >= 0 && a.max.unwrap_or(0) >= 0);
        if let (Some(lo), Some(hi)) = (a.min, a.max) {
            assert!(lo <= hi);
        }
    }
    let _ = extract::deadline(&text);
    let item = RawItem {
        guid: "g".into(),
        title: text.chars().take(200).collect(),
        link: "https://fuzz.example/call".into(),
        text: text.into_owned(),
        published: None,
        updated: None,
        categories: Vec::new(),
        deadline: None,
        deadlines: Vec::new(),
    };
    let _ = normalise(&item, &defaults, today);
});
