//! Out: the weekly digest's data (the application renders it with its e-mail
//! templates) with the texts of amounts and deadlines, and Atom feeds of
//! opportunities. Both take plain data, filled from a GraphQL query's result.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

/// One opportunity as a digest or feed shows it (the fields of the persisted query).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Link.
    pub url: Option<String>,
    /// Funder.
    pub funder: String,
    /// Summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// Next deadline.
    pub deadline: Option<NaiveDate>,
    /// `UNKNOWN`, `ROLLING`, `DATE`, `ROUNDS`.
    pub deadline_kind: String,
    /// Smallest grant.
    pub amount_min: Option<i64>,
    /// Largest grant.
    pub amount_max: Option<i64>,
    /// Currency.
    pub currency: Option<String>,
    /// Why it matches, if matched.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// When it was first seen or posted.
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
}

pub use netzwerk_domain::language::MailLanguage as Lang;

/// A digest to render.
#[derive(Debug, Clone)]
pub struct Digest {
    /// Whom it greets.
    pub recipient_name: String,
    /// The organisation matched for, if any.
    pub organisation: Option<String>,
    /// New matches since the last digest.
    pub new_matches: Vec<Item>,
    /// Deadlines in the next 30 days.
    pub upcoming: Vec<Item>,
    /// Unsubscribe link.
    pub unsubscribe_url: String,
    /// Language.
    pub lang: Lang,
}

/// A rendered digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Subject.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// HTML.
    pub html: String,
}

fn money(v: i64, lang: Lang) -> String {
    let digits = v.to_string();
    let sep = match lang {
        Lang::De => '.',
        Lang::En => ',',
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// "bis zu 5.000 EUR", "10,000–50,000 EUR", "ab 500 EUR".
pub fn amount_text(i: &Item, lang: Lang) -> Option<String> {
    let cur = i.currency.as_deref().unwrap_or("EUR");
    Some(match (i.amount_min, i.amount_max) {
        (Some(lo), Some(hi)) if lo < hi => {
            format!("{}–{} {cur}", money(lo, lang), money(hi, lang))
        }
        (_, Some(hi)) => format!("{} {} {cur}", lang.pick("bis zu", "up to"), money(hi, lang)),
        (Some(lo), None) => format!("{} {} {cur}", lang.pick("ab", "from"), money(lo, lang)),
        (None, None) => return None,
    })
}

/// "Frist: 15.03.2027", "laufend" …
pub fn deadline_text(i: &Item, lang: Lang) -> String {
    match (i.deadline, i.deadline_kind.as_str()) {
        (Some(d), _) => format!(
            "{}: {}",
            lang.pick("Frist", "Deadline"),
            match lang {
                Lang::De => d.format("%d.%m.%Y").to_string(),
                Lang::En => d.format("%-d %B %Y").to_string(),
            }
        ),
        (None, "ROLLING") => lang.pick("Frist: laufend", "Deadline: rolling").to_owned(),
        _ => lang
            .pick("Frist: nicht angegeben", "Deadline: not stated")
            .to_owned(),
    }
}

fn escape(s: &str) -> String {
    // XML 1.0 allows no control characters but tab and line breaks.
    let s: String = s
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t' | '\r'))
        .collect();
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes an Atom 1.0 feed of opportunities.
pub fn write_atom(id: &str, title: &str, self_url: &str, items: &[Item]) -> String {
    let updated = items
        .iter()
        .filter_map(|i| i.published_at)
        .max()
        .unwrap_or_else(|| DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = write!(
        out,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<id>{}</id>\n<title>{}</title>\n<link rel=\"self\" href=\"{}\"/>\n<updated>{}</updated>\n<author><name>Netzwerk Hub</name></author>\n",
        escape(id),
        escape(title),
        escape(self_url),
        updated.to_rfc3339()
    );
    for i in items {
        let mut facts = vec![i.funder.clone(), deadline_text(i, Lang::De)];
        facts.extend(amount_text(i, Lang::De));
        let mut summary = facts.join(" · ");
        if let Some(s) = &i.summary {
            let _ = write!(summary, "\n\n{s}");
        }
        let _ = write!(
            out,
            "<entry>\n<id>urn:uuid:{}</id>\n<title>{}</title>\n",
            escape(&i.id),
            escape(&i.title)
        );
        if let Some(u) = &i.url {
            let _ = writeln!(out, "<link rel=\"alternate\" href=\"{}\"/>", escape(u));
        }
        let at = i.published_at.unwrap_or(updated).to_rfc3339();
        let _ = write!(
            out,
            "<published>{at}</published>\n<updated>{at}</updated>\n<summary>{}</summary>\n</entry>\n",
            escape(&summary)
        );
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Item {
        Item {
            id: "0190".into(),
            title: "Kiezfonds <2027>".into(),
            url: Some("https://stiftung.example/kiez?a=1&b=2".into()),
            funder: "Stiftung Kiez".into(),
            summary: Some("Für Vereine".into()),
            deadline: NaiveDate::from_ymd_opt(2027, 3, 15),
            deadline_kind: "DATE".into(),
            amount_min: Some(10_000),
            amount_max: Some(50_000),
            currency: Some("EUR".into()),
            reasons: vec!["topic youth".into()],
            published_at: None,
        }
    }

    #[test]
    fn atom_is_escaped() {
        let a = write_atom(
            "urn:x",
            "Förderungen",
            "https://hub.example/feeds/funding.xml",
            &[item()],
        );
        assert!(a.contains("<title>Kiezfonds &lt;2027&gt;</title>"));
        assert!(a.contains("href=\"https://stiftung.example/kiez?a=1&amp;b=2\""));
    }
}
