//! Value syntax of RFC 5545: text escaping, dates, date-times, durations.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

/// Undoes text escaping (`\\n`, `\\,`, `\\;`, `\\\\`).
pub(crate) fn unescape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes text for a property value.
pub(crate) fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 8);
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A parsed DATE or DATE-TIME value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Moment {
    /// `YYYYMMDD`
    Date(NaiveDate),
    /// `YYYYMMDDTHHMMSS` (floating or with TZID)
    Local(NaiveDateTime),
    /// `YYYYMMDDTHHMMSSZ`
    Utc(NaiveDateTime),
}

pub(crate) fn moment(v: &str) -> Option<Moment> {
    let v = v.trim();
    if v.len() == 8 {
        return NaiveDate::parse_from_str(v, "%Y%m%d")
            .ok()
            .map(Moment::Date);
    }
    let (body, utc) = match v.strip_suffix('Z').or_else(|| v.strip_suffix('z')) {
        Some(b) => (b, true),
        None => (v, false),
    };
    let t = NaiveDateTime::parse_from_str(body, "%Y%m%dT%H%M%S").ok()?;
    Some(if utc {
        Moment::Utc(t)
    } else {
        Moment::Local(t)
    })
}

/// Parses an RFC 5545 duration such as `PT1H30M`, `P1D`, `P2W`, `-PT15M`.
pub(crate) fn duration(v: &str) -> Option<Duration> {
    let v = v.trim();
    let (neg, v) = match v.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let v = v.strip_prefix('P')?;
    let mut total = Duration::zero();
    let mut num = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in v.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' => num.push(c),
            unit => {
                let n: i64 = num.parse().ok()?;
                num.clear();
                any = true;
                total += match (unit, in_time) {
                    ('W', false) => Duration::weeks(n),
                    ('D', false) => Duration::days(n),
                    ('H', true) => Duration::hours(n),
                    ('M', true) => Duration::minutes(n),
                    ('S', true) => Duration::seconds(n),
                    _ => return None,
                };
            }
        }
    }
    if !any || !num.is_empty() {
        return None;
    }
    Some(if neg { -total } else { total })
}

/// Formats a local date-time as `YYYYMMDDTHHMMSS`.
pub(crate) fn local(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// Formats a date as `YYYYMMDD`.
pub(crate) fn date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// Midnight of a date.
pub(crate) fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_round_trips() {
        let s = "Sprachcafé; Deutsch, Arabisch\nmit \\ Kuchen";
        assert_eq!(unescape(&escape(s)), s);
    }

    #[test]
    fn durations() {
        assert_eq!(duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(duration("P1W"), Some(Duration::weeks(1)));
        assert_eq!(duration("P1DT2H"), Some(Duration::hours(26)));
        assert_eq!(duration("-PT15M"), Some(Duration::minutes(-15)));
        for bad in ["", "P", "PT", "1H", "PT1X", "P1H"] {
            assert_eq!(duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn moments() {
        assert!(matches!(moment("20270105"), Some(Moment::Date(_))));
        assert!(matches!(moment("20270105T100000"), Some(Moment::Local(_))));
        assert!(matches!(moment("20270105T100000Z"), Some(Moment::Utc(_))));
        assert_eq!(moment("2027-01-05"), None);
    }
}
