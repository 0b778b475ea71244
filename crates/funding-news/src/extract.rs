//! Deadlines and amounts from German and English text. A date counts as a deadline
//! only right after a deadline word ("Einsendeschluss", "Frist", "deadline", "bis
//! zum" …); several dates joined by "und", "and" or commas are rounds. An amount
//! counts only with a currency. What is not found stays empty: nothing is guessed.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use netzwerk_domain::funding::{Amount, Deadline};
use regex::Regex;

const MONTHS: &str = "januar|jänner|jaenner|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember|january|february|march|may|june|july|october|december|jan|feb|mär|mar|apr|jun|jul|aug|sept|sep|okt|oct|nov|dez|dec";

fn month_number(name: &str) -> Option<u32> {
    let n = name.to_lowercase();
    let n = n.trim_end_matches('.');
    Some(match n {
        "januar" | "jänner" | "jaenner" | "january" | "jan" => 1,
        "februar" | "february" | "feb" => 2,
        "märz" | "maerz" | "march" | "mär" | "mar" => 3,
        "april" | "apr" => 4,
        "mai" | "may" => 5,
        "juni" | "june" | "jun" => 6,
        "juli" | "july" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sept" | "sep" => 9,
        "oktober" | "october" | "okt" | "oct" => 10,
        "november" | "nov" => 11,
        "dezember" | "december" | "dez" | "dec" => 12,
        _ => return None,
    })
}

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file, checked by the tests.
    Regex::new(pattern).unwrap_or_else(|e| panic!("pattern {pattern:?}: {e}"))
}

static NUMERIC: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})\b"));
static ISO: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d{4})-(\d{2})-(\d{2})\b"));
static DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)\b(\d{{1,2}})(?:\.|st|nd|rd|th)?\s+(?:of\s+)?({MONTHS})\.?,?\s+(\d{{4}})\b"
    ))
});
static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)\b({MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"
    ))
});
/// Words that name a deadline by themselves.
static DEADLINE_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(einsendeschluss|bewerbungsschluss|antragsschluss|abgabeschluss|annahmeschluss|meldeschluss|antragsfrist(?:en)?|bewerbungsfrist(?:en)?|einreichungsfrist(?:en)?|abgabefrist(?:en)?|fristende|\bfrist(?:en)?\b|stichtag(?:e)?|deadline(?:s)?|closing date(?:s)?|\bapply by\b|application(?:s)? (?:close|closes|are due|must be submitted)|submission(?:s)? (?:close|closes|by|are due)|(?:anträge|bewerbungen|projektanträge|projektskizzen|einreichungen|vorschläge|ideen)[^\n]{0,40}?\bbis\b|(?:round(?:s)?|call(?:s)?) (?:close|closes))",
    )
});
/// Words that name a deadline only in a sentence about applying ("Anträge … bis
/// zum", not "Die Projekte laufen bis zum", "reports are due by").
static WEAK_DEADLINE_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(\bbis (?:zum|spätestens|einschließlich|einschliesslich)\b|\bendet am\b|\bdue by\b|\bno later than\b|\bspätestens\b)",
    )
});
static APPLYING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(antrag|anträge|antragstellung|bewerb|einreich|projektskizze|application|apply|submission|proposal)",
    )
});
static SENTENCE_END: LazyLock<Regex> = LazyLock::new(|| re(r"([.!?;]\s+[A-ZÄÖÜ]|\n)"));
static JOINER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^[\s,/&]*(?:(?:und|and|sowie|oder|or)\s+)?(?:(?:der|den|the|am|on|zum)\s+)?$")
});
/// "vom 31.03. auf den 30.04. verlängert", "extended from … to …": the later date counts.
static EXTENSION_JOIN: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^\s*(?:auf\s+(?:den\s+)?|to\s+|bis\s+(?:zum\s+)?)$"));
static EXTENDED: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(verlänger|verschoben|extended|postponed)"));
static ROLLING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(laufend|fortlaufend|jederzeit|ganzjährig|ganzjaehrig|rolling|ongoing|on a rolling basis|at any time|anytime|no deadline|keine (?:feste )?(?:antrags)?frist)\b",
    )
});
/// A day and month without a year ("15. Februar", "15 February").
static PARTIAL: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)\b(\d{{1,2}})(?:\.|st|nd|rd|th)?\s+(?:of\s+)?({MONTHS})\b\.?"
    ))
});

/// Every date in `text` with its byte range.
pub fn dates_in(text: &str) -> Vec<(usize, usize, NaiveDate)> {
    let mut found = Vec::new();
    for c in NUMERIC.captures_iter(text) {
        let (Some(all), Some(d), Some(m), Some(y)) = (c.get(0), c.get(1), c.get(2), c.get(3))
        else {
            continue;
        };
        let year: i32 = y.as_str().parse().unwrap_or(0);
        let year = if year < 100 { 2000 + year } else { year };
        if let Some(date) = NaiveDate::from_ymd_opt(
            year,
            m.as_str().parse().unwrap_or(0),
            d.as_str().parse().unwrap_or(0),
        ) {
            found.push((all.start(), all.end(), date));
        }
    }
    for c in ISO.captures_iter(text) {
        let (Some(all), Some(y), Some(m), Some(d)) = (c.get(0), c.get(1), c.get(2), c.get(3))
        else {
            continue;
        };
        if let Some(date) = NaiveDate::from_ymd_opt(
            y.as_str().parse().unwrap_or(0),
            m.as_str().parse().unwrap_or(0),
            d.as_str().parse().unwrap_or(0),
        ) {
            found.push((all.start(), all.end(), date));
        }
    }
    for (regex, day_first) in [(&*DAY_MONTH, true), (&*MONTH_DAY, false)] {
        for c in regex.captures_iter(text) {
            let (Some(all), Some(a), Some(b), Some(y)) = (c.get(0), c.get(1), c.get(2), c.get(3))
            else {
                continue;
            };
            let (day, month) = if day_first { (a, b) } else { (b, a) };
            let date = month_number(month.as_str()).and_then(|m| {
                NaiveDate::from_ymd_opt(
                    y.as_str().parse().unwrap_or(0),
                    m,
                    day.as_str().parse().unwrap_or(0),
                )
            });
            if let Some(date) = date {
                found.push((all.start(), all.end(), date));
            }
        }
    }
    found.sort_by_key(|(s, e, _)| (*s, std::cmp::Reverse(*e)));
    // Drop matches inside an earlier, longer one.
    let mut out: Vec<(usize, usize, NaiveDate)> = Vec::new();
    for f in found {
        if out.last().is_none_or(|l| f.0 >= l.1) {
            out.push(f);
        }
    }
    out
}

/// A date found in text, or a day and month waiting for the year of a later date in
/// the same list ("15. Februar, 15. Mai und 15. August 2027").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    Full(NaiveDate),
    DayMonth(u32, u32),
}

fn found_in(text: &str) -> Vec<(usize, usize, Found)> {
    let mut all: Vec<(usize, usize, Found)> = dates_in(text)
        .into_iter()
        .map(|(s, e, d)| (s, e, Found::Full(d)))
        .collect();
    for c in PARTIAL.captures_iter(text) {
        let (Some(m), Some(d), Some(mo)) = (c.get(0), c.get(1), c.get(2)) else {
            continue;
        };
        if let (Ok(day), Some(month)) = (d.as_str().parse::<u32>(), month_number(mo.as_str()))
            && (1..=31).contains(&day)
            && !all.iter().any(|(s, e, _)| m.start() < *e && *s < m.end())
        {
            all.push((m.start(), m.end(), Found::DayMonth(day, month)));
        }
    }
    all.sort_by_key(|(s, _, _)| *s);
    all
}

/// The chain of dates right after a deadline word ending at `from`.
fn chain(text: &str, found: &[(usize, usize, Found)], from: usize, out: &mut Vec<NaiveDate>) {
    let mut cursor = from;
    let mut first = true;
    let mut waiting: Vec<(u32, u32)> = Vec::new();
    let mut taken: Vec<NaiveDate> = Vec::new();
    for (start, end, f) in found.iter().filter(|(s, _, _)| *s >= from) {
        let gap = &text[cursor..*start];
        if first {
            // Up to a few words between the deadline word and its date
            // ("Antragsfrist endet am", "deadline for applications:").
            if gap.chars().count() > 40 || gap.contains('\n') {
                break;
            }
        } else if EXTENSION_JOIN.is_match(gap) && EXTENDED.is_match(&text[from..]) {
            // Extended: the later date replaces the earlier one.
            taken.pop();
            waiting.clear();
        } else if !JOINER.is_match(gap) {
            break;
        }
        match f {
            Found::Full(d) => {
                for (day, month) in waiting.drain(..) {
                    let year = if month > d.month() {
                        d.year() - 1
                    } else {
                        d.year()
                    };
                    if let Some(x) = NaiveDate::from_ymd_opt(year, month, day) {
                        taken.push(x);
                    }
                }
                taken.push(*d);
            }
            Found::DayMonth(day, month) => waiting.push((*day, *month)),
        }
        cursor = *end;
        first = false;
    }
    // Days and months never followed by a year are left out: no guessing.
    out.extend(taken);
}

/// The deadline stated in `text`: dates right after a deadline word (rounds when
/// joined by "und", "and", commas; a later date replaces an earlier one when the
/// deadline was extended), else "rolling" words in a sentence about applying, else
/// unknown.
pub fn deadline(text: &str) -> Deadline {
    let found = found_in(text);
    let mut picked = Vec::new();
    for word in DEADLINE_WORD.find_iter(text) {
        chain(text, &found, word.end(), &mut picked);
    }
    for word in WEAK_DEADLINE_WORD.find_iter(text) {
        let before = &text[..word.start()];
        let sentence = SENTENCE_END
            .find_iter(before)
            .last()
            .map_or(before, |m| &before[m.end().saturating_sub(1)..]);
        if APPLYING.is_match(sentence) {
            chain(text, &found, word.end(), &mut picked);
        }
    }
    if !picked.is_empty() {
        return Deadline::dates(picked);
    }
    let rolling_about_applying = text.split(['.', '\n', ';']).any(|sentence| {
        ROLLING.is_match(sentence)
            && (APPLYING.is_match(sentence) || sentence.to_lowercase().contains("frist"))
    });
    if rolling_about_applying {
        return Deadline::Rolling;
    }
    Deadline::Unknown
}

const CURRENCY: &str = r"€|eur\b|euro\b|usd\b|us\$|\$|chf\b|£|gbp\b";
const NUMBER: &str =
    r"\d{1,3}(?:[.,\x{a0}\x{202f} ]\d{3})+(?:[.,]\d{1,2})?(?:,-+)?|\d+(?:[.,]\d+)?(?:,-+)?";
const MULTIPLIER: &str = r"mio\.?|millionen|million|mrd\.?|milliarden|billion|tsd\.?|tausend|k\b";

static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)(?P<ca>{CURRENCY})?\s*(?P<a>{NUMBER})\s*(?P<ma>{MULTIPLIER})?\s*(?P<ca2>{CURRENCY})?\s*(?:–|—|-|bis(?: zu)?|to|und|and)\s*(?P<cb>{CURRENCY})?\s*(?P<b>{NUMBER})\s*(?P<mb>{MULTIPLIER})?\s*(?P<cb2>{CURRENCY})?"
    ))
});
static MONEY: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)(?P<c1>{CURRENCY})?\s*(?P<n>{NUMBER})\s*(?P<m>{MULTIPLIER})?\s*(?P<c2>{CURRENCY})?"
    ))
});
static MAX_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(bis zu|bis maximal|maximal|max\.|höchstens|hoechstens|up to|maximum(?: of)?|max(?:imum)? amount(?: of)?|no more than|not exceeding|bis)\s*$",
    )
});
static MIN_WORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(mindestens|ab|at least|minimum(?: of)?|from|starting at)\s*$"));
/// Sums that are not the grant: the applicant's share, a minimum threshold, the
/// programme's whole budget.
static NOT_A_GRANT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(eigenanteil|eigenmittel|eigenbeteiligung|bagatell|insgesamt|gesamtbudget|gesamtvolumen|fördervolumen|total budget|in total|co-funding|own contribution)[^.;\n]*$",
    )
});
static RANGE_LEAD: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)(zwischen|between|from|von)\s*$"));

fn currency_code(raw: &str) -> &'static str {
    match raw.trim().to_lowercase().as_str() {
        "$" | "usd" | "us$" => "USD",
        "chf" => "CHF",
        "£" | "gbp" => "GBP",
        _ => "EUR",
    }
}

/// "5.000", "5.000,50", "25,000", "1,5", "2.5" — German and English separators.
pub fn parse_number(raw: &str) -> Option<f64> {
    let s: String = raw
        .trim_end_matches('-')
        .trim_end_matches(',')
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let last_dot = s.rfind('.');
    let last_comma = s.rfind(',');
    let normalised = match (last_dot, last_comma) {
        (Some(d), Some(c)) => {
            let (thousands, decimal) = if d > c { (',', '.') } else { ('.', ',') };
            s.replace(thousands, "").replace(decimal, ".")
        }
        (Some(_), None) | (None, Some(_)) => {
            let sep = if last_dot.is_some() { '.' } else { ',' };
            let groups: Vec<&str> = s.split(sep).collect();
            if groups.len() > 1 && groups[1..].iter().all(|g| g.len() == 3) {
                s.replace(sep, "")
            } else {
                s.replace(sep, ".")
            }
        }
        (None, None) => s,
    };
    normalised.parse().ok()
}

fn scaled(number: &str, multiplier: Option<&str>) -> Option<i64> {
    let n = parse_number(number)?;
    let factor = match multiplier.map(|m| m.to_lowercase()) {
        Some(m) if m.starts_with("mio") || m.starts_with("million") => 1_000_000.0,
        Some(m) if m.starts_with("mrd") || m.starts_with("milliard") || m == "billion" => {
            1_000_000_000.0
        }
        Some(m) if m.starts_with("tsd") || m == "tausend" || m == "k" => 1_000.0,
        _ => 1.0,
    };
    let v = (n * factor).floor();
    (v.is_finite() && (0.0..1e13).contains(&v)).then_some(v as i64)
}

/// The grant size stated in `text`: a range ("10.000 – 50.000 Euro", "zwischen 1.000
/// und 3.000 €"), a maximum ("bis zu 5.000 €", "up to EUR 25,000"), a minimum
/// ("mindestens 500 €"), or a plain sum (taken as the maximum). Only with a currency.
pub fn amount(text: &str) -> Option<Amount> {
    for c in RANGE.captures_iter(text) {
        let currency = ["ca", "ca2", "cb", "cb2"]
            .iter()
            .find_map(|k| c.name(k))
            .map(|m| currency_code(m.as_str()));
        let (Some(currency), Some(a), Some(b), Some(all)) =
            (currency, c.name("a"), c.name("b"), c.get(0))
        else {
            continue;
        };
        // "bis" between two numbers is a range only after "von"/"zwischen" or when
        // the first number has its own currency ("5.000 € bis 10.000 €").
        let connector = &text[a.end()..b.start()].to_lowercase();
        let lead = &text[..all.start()];
        let first_has_currency = c.name("ca").is_some() || c.name("ca2").is_some();
        if (connector.contains("bis") || connector.contains("und") || connector.contains("and"))
            && !first_has_currency
            && !RANGE_LEAD.is_match(lead)
        {
            continue;
        }
        if NOT_A_GRANT.is_match(lead) {
            continue;
        }
        let mb = c.name("mb").map(|m| m.as_str());
        let lo = scaled(a.as_str(), c.name("ma").map(|m| m.as_str()).or(mb));
        let hi = scaled(b.as_str(), mb);
        if let (Some(lo), Some(hi)) = (lo, hi)
            && lo <= hi
            && hi > 0
        {
            return Some(Amount {
                min: Some(lo),
                max: Some(hi),
                currency: currency.to_owned(),
            });
        }
    }
    let mut max = None;
    let mut min = None;
    let mut plain = None;
    let mut currency = None;
    for c in MONEY.captures_iter(text) {
        let Some(cur) = c.name("c1").or(c.name("c2")) else {
            continue;
        };
        let (Some(n), Some(all)) = (c.name("n"), c.get(0)) else {
            continue;
        };
        let Some(v) = scaled(n.as_str(), c.name("m").map(|m| m.as_str())) else {
            continue;
        };
        if v == 0 {
            continue;
        }
        let lead = &text[..all.start()];
        let mut from = lead.len().saturating_sub(30);
        while !lead.is_char_boundary(from) {
            from += 1;
        }
        let lead = &lead[from..];
        let sentence = &text[..all.start()];
        let sentence = &sentence[sentence.rfind(['.', ';', '\n']).map_or(0, |i| i + 1)..];
        if NOT_A_GRANT.is_match(sentence) || NOT_A_GRANT.is_match(lead) {
            continue;
        }
        let slot = if MAX_WORD.is_match(lead) {
            &mut max
        } else if MIN_WORD.is_match(lead) {
            &mut min
        } else {
            &mut plain
        };
        if slot.is_none() {
            *slot = Some(v);
            currency.get_or_insert(currency_code(cur.as_str()));
        }
    }
    let max = max.or(plain);
    (max.is_some() || min.is_some()).then(|| Amount {
        min,
        max,
        currency: currency.unwrap_or("EUR").to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    /// Real-world-shaped sentences from German and English calls, with what must come out.
    const DEADLINES: &[(&str, &[&str])] = &[
        ("Einsendeschluss: 15. März 2027", &["2027-03-15"]),
        ("Frist: 31.01.2027", &["2027-01-31"]),
        (
            "Die Antragsfrist endet am 28. Februar 2027.",
            &["2027-02-28"],
        ),
        ("deadline: January 31, 2027", &["2027-01-31"]),
        ("Deadline for applications: 15 April 2027", &["2027-04-15"]),
        ("Bewerbungsschluss ist der 1.6.2027", &["2027-06-01"]),
        (
            "Anträge können bis zum 30.09.2027 eingereicht werden.",
            &["2027-09-30"],
        ),
        (
            "Stichtage: 31.03.2027 und 30.09.2027",
            &["2027-03-31", "2027-09-30"],
        ),
        (
            "Applications close on 1st March 2027 at noon.",
            &["2027-03-01"],
        ),
        ("The closing date is 2027-05-15.", &["2027-05-15"]),
        ("Einreichungsfrist: 15.01.27", &["2027-01-15"]),
        (
            "Projektskizzen sind bis 12. Mai 2027 einzureichen.",
            &["2027-05-12"],
        ),
        (
            "Fristen: 15. Februar, 15. Mai und 15. August 2027",
            &["2027-02-15", "2027-05-15", "2027-08-15"],
        ),
        (
            "Stichtage: 15. November und 15. Februar 2028",
            &["2027-11-15", "2028-02-15"],
        ),
        (
            "Anträge bis 30.09.2027. Die Projekte laufen bis zum 31.12.2028.",
            &["2027-09-30"],
        ),
        ("Der Förderzeitraum endet am 31.12.2027.", &[]),
        ("Final reports are due by 31 December 2028.", &[]),
        (
            "Die Frist wurde vom 31.03.2027 auf den 30.04.2027 verlängert.",
            &["2027-04-30"],
        ),
        (
            "The deadline has been extended from 31 March 2027 to 30 April 2027.",
            &["2027-04-30"],
        ),
        (
            "Antragsschluss ist der 15. März 2027; am 20. April 2027 entscheidet der Beirat.",
            &["2027-03-15"],
        ),
        ("Bei Fragen erreichen Sie uns jederzeit.", &[]),
        ("Ongoing activities are not eligible.", &[]),
        (
            "Bewerbungen sind bis spätestens 1. Juni 2027 einzureichen.",
            &["2027-06-01"],
        ),
        (
            "Rounds close on March 1, 2027, June 1, 2027 and September 1, 2027.",
            &["2027-03-01", "2027-06-01", "2027-09-01"],
        ),
        (
            "Abgabefrist 01.12.2026; Projektbeginn frühestens 01.03.2027",
            &["2026-12-01"],
        ),
        (
            "Submissions are due by 30 June 2027 (23:59 CET).",
            &["2027-06-30"],
        ),
        (
            "Bewerbungen bis spätestens 20.02.2027 an die Geschäftsstelle.",
            &["2027-02-20"],
        ),
        ("Der Förderaufruf wurde am 01.11.2026 veröffentlicht.", &[]),
        ("Projektlaufzeit: 01.01.2027 bis 31.12.2027", &[]),
        ("Antragstellung laufend möglich.", &["rolling"]),
        (
            "Applications are accepted on a rolling basis.",
            &["rolling"],
        ),
        (
            "Es gibt keine feste Frist, Anträge jederzeit.",
            &["rolling"],
        ),
        ("Infoveranstaltung am 10. Januar 2027 im Rathaus", &[]),
        ("Meldeschluss: 5. Okt. 2027", &["2027-10-05"]),
        ("apply by Dec 1, 2026", &["2026-12-01"]),
    ];

    const AMOUNTS: &[(&str, Option<i64>, Option<i64>, &str)] = &[
        (
            "Gefördert werden Projekte mit bis zu 5.000 €.",
            None,
            Some(5_000),
            "EUR",
        ),
        (
            "Fördersumme: 10.000 – 50.000 Euro",
            Some(10_000),
            Some(50_000),
            "EUR",
        ),
        (
            "Grants of up to EUR 25,000 are available.",
            None,
            Some(25_000),
            "EUR",
        ),
        (
            "zwischen 1.000 und 3.000 € pro Projekt",
            Some(1_000),
            Some(3_000),
            "EUR",
        ),
        (
            "Die Förderung beträgt maximal 2.500 Euro.",
            None,
            Some(2_500),
            "EUR",
        ),
        (
            "Es stehen insgesamt 1,5 Mio. Euro zur Verfügung.",
            None,
            None,
            "",
        ),
        (
            "Für Großprojekte sind 1,5 Mio. Euro je Vorhaben möglich.",
            None,
            Some(1_500_000),
            "EUR",
        ),
        ("Förderhöchstbetrag: 5.000,- €", None, Some(5_000), "EUR"),
        ("Eigenanteil mindestens 500 €", None, None, ""),
        (
            "bis zu 12\u{202f}500 € je Projekt",
            None,
            Some(12_500),
            "EUR",
        ),
        ("Zuschüsse ab 500 € möglich", Some(500), None, "EUR"),
        (
            "Awards range from €5,000 to €20,000.",
            Some(5_000),
            Some(20_000),
            "EUR",
        ),
        (
            "Förderung in Höhe von 7.500,00 EUR",
            None,
            Some(7_500),
            "EUR",
        ),
        ("up to $10,000 per organisation", None, Some(10_000), "USD"),
        ("Preisgeld: 3.000 Euro", None, Some(3_000), "EUR"),
        (
            "höchstens 20 Tsd. Euro je Antrag",
            None,
            Some(20_000),
            "EUR",
        ),
        ("Es werden bis zu 20 Projekte gefördert.", None, None, ""),
        (
            "Projekte für 12 bis 18 Jahre alte Jugendliche",
            None,
            None,
            "",
        ),
        (
            "EUR 5,000 - 10,000 per project",
            Some(5_000),
            Some(10_000),
            "EUR",
        ),
        (
            "mindestens 1.000 Euro, höchstens 15.000 Euro",
            Some(1_000),
            Some(15_000),
            "EUR",
        ),
    ];

    #[test]
    fn deadlines_from_sentences() {
        for (text, want) in DEADLINES {
            let got = deadline(text);
            let expected = match *want {
                [] => Deadline::Unknown,
                ["rolling"] => Deadline::Rolling,
                dates => Deadline::dates(dates.iter().map(|s| d(s)).collect()),
            };
            assert_eq!(got, expected, "{text:?}");
        }
    }

    #[test]
    fn amounts_from_sentences() {
        for (text, min, max, currency) in AMOUNTS {
            let got = amount(text);
            match got {
                None => assert!(min.is_none() && max.is_none(), "{text:?}: nothing found"),
                Some(a) => {
                    assert_eq!((a.min, a.max), (*min, *max), "{text:?}");
                    assert_eq!(a.currency, *currency, "{text:?}");
                }
            }
        }
        assert!(DEADLINES.len() + AMOUNTS.len() >= 40);
    }

    #[test]
    fn numbers_in_both_conventions() {
        assert_eq!(parse_number("5.000"), Some(5000.0));
        assert_eq!(parse_number("25,000"), Some(25000.0));
        assert_eq!(parse_number("1,5"), Some(1.5));
        assert_eq!(parse_number("7.500,00"), Some(7500.0));
        assert_eq!(parse_number("1,250.50"), Some(1250.5));
        assert_eq!(parse_number("10 000"), Some(10000.0));
    }
}
