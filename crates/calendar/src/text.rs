//! Value syntax of RFC 5545: text escaping, dates, date-times, durations.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// Undoes text escaping (`\\n`, `\\,`, `\\;`, `\\\\`).
pub(crate) fn unescape(v: &str) -> String {
    let Some(first) = v.find('\\') else {
        return v.to_owned();
    };
    let (plain, mut rest) = v.split_at(first);
    let mut out = String::with_capacity(v.len());
    out.push_str(plain);
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let mut after = rest[i + 1..].chars();
        match after.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
        rest = after.as_str();
    }
    out.push_str(rest);
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

/// The number written by `digits` (ASCII digits only).
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })
}

/// `YYYYMMDD`. Written out by hand: chrono's format strings are read anew on every
/// call, a sixth of a large calendar's parse time.
fn ymd(v: &[u8]) -> Option<NaiveDate> {
    if v.len() != 8 {
        return None;
    }
    let year = i32::try_from(number(&v[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&v[4..6])?, number(&v[6..])?)
}

pub(crate) fn moment(v: &str) -> Option<Moment> {
    let v = v.trim().as_bytes();
    if v.len() == 8 {
        return ymd(v).map(Moment::Date);
    }
    let (body, utc) = match v.strip_suffix(b"Z").or_else(|| v.strip_suffix(b"z")) {
        Some(b) => (b, true),
        None => (v, false),
    };
    if body.len() != 15 || !body[8].eq_ignore_ascii_case(&b'T') {
        return None;
    }
    let time = NaiveTime::from_hms_opt(
        number(&body[9..11])?,
        number(&body[11..13])?,
        number(&body[13..])?,
    )?;
    let t = ymd(&body[..8])?.and_time(time);
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
    format!(
        "{}T{:02}{:02}{:02}",
        date(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Formats a date as `YYYYMMDD`.
pub(crate) fn date(d: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
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
        for (escaped, plain) in [
            ("ohne", "ohne"),
            ("a\\,b\\;c\\nd\\Ne\\\\f", "a,b;c\nd\ne\\f"),
            ("Ende\\", "Ende\\"),
            ("ü\\,ö\\x", "ü,öx"),
            ("\\\\n", "\\n"),
        ] {
            assert_eq!(unescape(escaped), plain, "{escaped}");
        }
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
        let t = NaiveDate::from_ymd_opt(2027, 1, 5)
            .and_then(|d| d.and_hms_opt(9, 5, 7))
            .expect("a time");
        assert_eq!(moment(" 20270105t090507 "), Some(Moment::Local(t)));
        assert_eq!(local(t), "20270105T090507");
        assert_eq!(date(t.date()), "20270105");
        assert_eq!(moment(&local(t)), Some(Moment::Local(t)));
        for bad in [
            "20271305",
            "20270230",
            "20270105T250000",
            "20270105T106000",
            "20270105X100000",
            "2027010510000",
            "+2027010",
            "2027010a",
            "20270105T10000Z",
            "20270105T1000000",
            "٢٠٢٧٠١٠٥",
            "",
        ] {
            assert_eq!(moment(bad), None, "{bad}");
        }
    }
}
