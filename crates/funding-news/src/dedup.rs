//! When two items are the same call: from the same funder, the same normalised URL or
//! titles that share nearly all their words and the same numbers (years, rounds);
//! from different funders, only the same normalised URL *and* the same folded title
//! (a call relayed by another funder's feed — storage's `funding::ingest` applies
//! that rule). Different calls that share a landing page stay apart.

use std::collections::BTreeSet;

use netzwerk_domain::text::fold;

/// A URL as a comparison key: no scheme, lower-case host without `www.`, no default
/// port, no fragment, no tracking parameters, sorted query, no trailing slash.
pub fn url_key(raw: &str) -> Option<String> {
    let u = url::Url::parse(raw.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let host = u.host_str()?.to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let mut params: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_lowercase();
            !(k.starts_with("utm_")
                || k.starts_with("mc_")
                || matches!(
                    k.as_str(),
                    "fbclid" | "gclid" | "ref" | "source" | "campaign"
                ))
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    params.sort();
    let mut key = host.to_owned();
    if let Some(p) = u.port() {
        key.push_str(&format!(":{p}"));
    }
    key.push_str(u.path().trim_end_matches('/'));
    if !params.is_empty() {
        key.push('?');
        key.push_str(
            &params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
        );
    }
    Some(key)
}

const STOP: &[&str] = &[
    "der",
    "die",
    "das",
    "und",
    "fuer",
    "im",
    "in",
    "zum",
    "zur",
    "mit",
    "von",
    "des",
    "den",
    "dem",
    "ein",
    "eine",
    "the",
    "and",
    "for",
    "of",
    "to",
    "a",
    "an",
    "jetzt",
    "now",
    "neu",
    "new",
    "bewerben",
    "apply",
    "call",
    "aufruf",
    "foerderaufruf",
    "ausschreibung",
];

fn words(title: &str) -> BTreeSet<String> {
    fold(title)
        .split(' ')
        .filter(|w| !w.is_empty() && !STOP.contains(w))
        .map(str::to_owned)
        .collect()
}

/// The key a funder is compared by.
pub fn funder_key(funder: &str) -> String {
    fold(funder)
}

/// Whether two titles (of the same funder) name the same call: at least three
/// significant words, 80 % of the shorter title's words in the longer, and the same
/// numbers.
pub fn same_title(a: &str, b: &str) -> bool {
    let (wa, wb) = (words(a), words(b));
    let numbers = |w: &BTreeSet<String>| -> BTreeSet<String> {
        w.iter()
            .filter(|x| x.chars().all(|c| c.is_ascii_digit()))
            .cloned()
            .collect()
    };
    if numbers(&wa) != numbers(&wb) {
        return false;
    }
    let smaller = wa.len().min(wb.len());
    if smaller < 3 {
        return wa == wb && !wa.is_empty();
    }
    let shared = wa.intersection(&wb).count();
    shared * 5 >= smaller * 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_compare_without_noise() {
        assert_eq!(
            url_key("https://www.Stiftung.example/aufruf/?utm_source=nl&b=2&a=1#top"),
            url_key("http://stiftung.example/aufruf?a=1&b=2")
        );
        assert_ne!(
            url_key("https://stiftung.example/aufruf-2027"),
            url_key("https://stiftung.example/aufruf-2028")
        );
        assert_eq!(url_key("mailto:x@y.example"), None);
    }

    #[test]
    fn titles_of_one_call() {
        assert!(same_title(
            "Förderaufruf 2027: Integrationsfonds Treptow-Köpenick",
            "Integrationsfonds Treptow-Köpenick 2027 – jetzt bewerben"
        ));
        assert!(!same_title(
            "Integrationsfonds Treptow-Köpenick 2027",
            "Integrationsfonds Treptow-Köpenick 2028"
        ));
        assert!(!same_title(
            "Kiezfonds für Jugendprojekte in Berlin",
            "Kulturfonds für Seniorenprojekte in Berlin"
        ));
    }
}
