//! One feed item → one funding opportunity: the source's funder, topics and region as
//! defaults, deadline and amount extracted from the text (never guessed), topics,
//! region, applicants and status classified, closed once every deadline has passed.

use chrono::{DateTime, NaiveDate, Utc};
use netzwerk_domain::funding::{Deadline, FundingRegion, Opportunity};
use netzwerk_domain::organisation::Topic;

use crate::feed::RawItem;
use crate::{classify, dedup, extract};

/// What a source says about all its items.
#[derive(Debug, Clone, Default)]
pub struct SourceDefaults {
    /// Who funds.
    pub funder: String,
    /// Topics every item has.
    pub topics: Vec<Topic>,
    /// Area, when an item names none.
    pub region: Option<FundingRegion>,
}

/// A normalised item.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalised {
    /// The feed's id for the item.
    pub guid: String,
    /// The item's link.
    pub link: String,
    /// The link as a comparison key.
    pub url_key: String,
    /// When the item last changed (updated, else published).
    pub changed: Option<DateTime<Utc>>,
    /// The opportunity.
    pub opportunity: Opportunity,
}

fn clip(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", s[..i].trim_end()),
        None => s.to_owned(),
    }
}

/// Normalises one item; an error says why it cannot be used.
pub fn normalise(
    item: &RawItem,
    source: &SourceDefaults,
    today: NaiveDate,
) -> Result<Normalised, String> {
    let title = item.title.trim();
    if title.is_empty() {
        return Err("no title".into());
    }
    let url_key = dedup::url_key(&item.link)
        .ok_or_else(|| format!("{title}: the link {:?} is not an http(s) URL", item.link))?;
    let text = format!("{title}\n{}\n{}", item.text, item.categories.join(", "));
    let deadline = match (item.deadline, item.deadlines.is_empty()) {
        (_, false) => Deadline::dates(item.deadlines.clone()),
        (Some(d), true) => Deadline::Dates(vec![d]),
        (None, true) => extract::deadline(&text),
    };
    let mut topics = classify::topics(&text);
    topics.extend(source.topics.iter().copied());
    topics.sort_unstable();
    topics.dedup();
    let mut opportunity = Opportunity {
        title: clip(title, 300),
        summary: (!item.text.trim().is_empty()).then(|| clip(item.text.trim(), 1000)),
        url: Some(item.link.clone()),
        funder: source.funder.clone(),
        programme: None,
        status: classify::status(&text),
        deadline,
        amount: extract::amount(&text),
        region: classify::region(&text).or(source.region),
        applicants: classify::applicants(&text),
        topics,
        published: item.published.or(item.updated),
    };
    opportunity.status = opportunity.status_on(today);
    Ok(Normalised {
        guid: item.guid.clone(),
        link: item.link.clone(),
        url_key,
        changed: item.updated.or(item.published),
        opportunity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use netzwerk_domain::funding::FundingStatus;
    use netzwerk_domain::organisation::LegalStatus;

    fn item(title: &str, text: &str) -> RawItem {
        RawItem {
            guid: "g1".into(),
            title: title.into(),
            link: "https://www.stiftung.example/calls/kiez?utm_source=x".into(),
            text: text.into(),
            published: None,
            updated: None,
            categories: vec!["Jugend".into()],
            deadline: None,
            deadlines: Vec::new(),
        }
    }

    #[test]
    fn an_item_becomes_an_opportunity() {
        let n = normalise(
            &item(
                "Kiezfonds 2027",
                "Antragsberechtigt sind gemeinnützige Vereine in Berlin; sie erhalten bis zu 5.000 €. Einsendeschluss: 15. März 2027",
            ),
            &SourceDefaults {
                funder: "Stiftung Kiez".into(),
                topics: vec![Topic::Integration],
                region: None,
            },
            NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"),
        )
        .expect("usable");
        let o = &n.opportunity;
        assert_eq!(n.url_key, "stiftung.example/calls/kiez");
        assert_eq!(o.deadline.kind().as_str(), "date");
        assert_eq!(o.amount.as_ref().and_then(|a| a.max), Some(5000));
        assert_eq!(o.region, Some(FundingRegion::Berlin));
        assert_eq!(o.applicants, [LegalStatus::RegisteredAssociation]);
        assert_eq!(o.topics, [Topic::Integration, Topic::Youth]);
        assert_eq!(o.status, FundingStatus::Open);

        let late = normalise(
            &item("Kiezfonds 2027", "Frist: 15.03.2027"),
            &SourceDefaults::default(),
            NaiveDate::from_ymd_opt(2027, 4, 1).expect("date"),
        )
        .expect("usable");
        assert_eq!(late.opportunity.status, FundingStatus::Closed);
    }

    #[test]
    fn unusable_items_say_why() {
        let mut bad = item("x", "");
        bad.link = "ftp://x.example/".into();
        assert!(normalise(&bad, &SourceDefaults::default(), NaiveDate::MIN).is_err());
    }

    /// Deterministic mutations of a realistic item: nothing panics.
    #[test]
    fn robust_against_mangled_text() {
        let base = "Förderaufruf: bis zu 5.000 € — Frist 31.01.2027, Stichtage 1. März 2027 und 1.6.27; up to EUR 25,000 — deadline: January 31, 2027 … ÄÖÜ ß 😀 \u{202f}";
        let bytes = base.as_bytes();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut m = bytes.to_vec();
            let at = (seed % m.len() as u64) as usize;
            match seed % 4 {
                0 => m[at] = (seed >> 8) as u8,
                1 => {
                    m.truncate(at);
                }
                2 => m.insert(
                    at,
                    b"0123456789.,-:;/ \xe2\x82\xac"[(seed >> 16) as usize % 18],
                ),
                _ => {
                    let tail = m[at..].to_vec();
                    m.extend_from_slice(&tail);
                }
            }
            let text = String::from_utf8_lossy(&m);
            let _ = normalise(
                &item(&text, &text),
                &SourceDefaults::default(),
                NaiveDate::MIN,
            );
            let _ = crate::feed::parse_feed(&m, None);
        }
    }
}
