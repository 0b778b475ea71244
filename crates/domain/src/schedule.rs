//! Weekly opening hours with exceptions (HSDS `schedule`), evaluated in local time.

use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::ValidationError;
use crate::error::Checker;

/// A time of day in minutes after midnight; `24:00` is allowed as a closing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    /// Parses `HH:MM` (00:00–24:00).
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let t = raw.trim();
        let parsed = t.split_once(':').and_then(|(h, m)| {
            let (h, m) = (h.parse::<u16>().ok()?, m.parse::<u16>().ok()?);
            (t.len() == 5 && (m < 60 && h < 24 || h == 24 && m == 0)).then_some(h * 60 + m)
        });
        parsed.map(Self).ok_or_else(|| {
            ValidationError::new(
                "",
                "time_of_day",
                format!("must be a time HH:MM between 00:00 and 24:00, got {t:?}"),
            )
        })
    }

    /// From minutes after midnight (0–1440).
    pub fn from_minutes(minutes: u16) -> Option<Self> {
        (minutes <= 24 * 60).then_some(Self(minutes))
    }

    /// Minutes after midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

const ICAL_DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// ISO weekday, 1 = Monday … 7 = Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Weekday(u8);

impl Weekday {
    /// Checks the range 1–7.
    pub fn new(n: i64) -> Result<Self, ValidationError> {
        u8::try_from(n)
            .ok()
            .filter(|d| (1..=7).contains(d))
            .map(Self)
            .ok_or_else(|| {
                ValidationError::new(
                    "",
                    "weekday",
                    format!("must be 1 (Monday) to 7 (Sunday), got {n}"),
                )
            })
    }

    /// The ISO number.
    pub fn number(self) -> u8 {
        self.0
    }

    /// The iCalendar name (`MO` … `SU`), as RRULE's BYDAY and HSDS schedules write it.
    pub fn ical(self) -> &'static str {
        ICAL_DAYS[usize::from(self.0.clamp(1, 7) - 1)]
    }

    /// From an iCalendar name (`MO` … `SU`, any case).
    pub fn from_ical(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        (1u8..=7)
            .map(Self)
            .find(|d| d.ical().eq_ignore_ascii_case(raw))
    }

    /// The weekday of a date.
    pub fn of(date: NaiveDate) -> Self {
        // number_from_monday is 1..=7 by construction.
        Self(date.weekday().number_from_monday() as u8)
    }
}

/// Open on `weekday` from `opens` until `closes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpeningHours {
    /// Day of the week.
    pub weekday: Weekday,
    /// Opening time.
    pub opens: TimeOfDay,
    /// Closing time, after `opens`.
    pub closes: TimeOfDay,
}

impl OpeningHours {
    /// Checks that the interval is not empty.
    pub fn new(
        weekday: Weekday,
        opens: TimeOfDay,
        closes: TimeOfDay,
    ) -> Result<Self, ValidationError> {
        if closes > opens {
            Ok(Self {
                weekday,
                opens,
                closes,
            })
        } else {
            Err(ValidationError::new(
                "closes",
                "after_opens",
                format!("closing time {closes} must be after opening time {opens}"),
            ))
        }
    }
}

/// A date on which the weekly hours do not apply: closed (`hours` empty) or open at other times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleException {
    /// The local date.
    pub date: NaiveDate,
    /// Opening time on that date, `None` when closed all day.
    pub opens: Option<TimeOfDay>,
    /// Closing time on that date.
    pub closes: Option<TimeOfDay>,
    /// Why (holiday, closure), free text.
    pub note: Option<String>,
}

/// Unvalidated opening hours: weekday number and `HH:MM` strings.
#[derive(Debug, Clone, Default)]
pub struct OpeningHoursInput {
    /// 1–7.
    pub weekday: i64,
    /// `HH:MM`.
    pub opens: String,
    /// `HH:MM`.
    pub closes: String,
}

/// Unvalidated schedule exception.
#[derive(Debug, Clone, Default)]
pub struct ScheduleExceptionInput {
    /// The local date.
    pub date: Option<NaiveDate>,
    /// `HH:MM` or nothing for closed.
    pub opens: Option<String>,
    /// `HH:MM` or nothing for closed.
    pub closes: Option<String>,
    /// Why.
    pub note: Option<String>,
}

/// Checks a whole weekly schedule and its exceptions; reports every violation at once.
pub fn validate(
    hours: &[OpeningHoursInput],
    exceptions: &[ScheduleExceptionInput],
) -> Result<(Vec<OpeningHours>, Vec<ScheduleException>), ValidationError> {
    let mut c = Checker::new();
    c.check(
        hours.len() <= 50,
        "hours",
        "max_items",
        "at most 50 opening-hour rules",
    );
    c.check(
        exceptions.len() <= 400,
        "exceptions",
        "max_items",
        "at most 400 exceptions",
    );
    let mut out_hours = Vec::new();
    for (i, h) in hours.iter().enumerate() {
        let f = format!("hours[{i}]");
        let weekday = c.take(&format!("{f}.weekday"), Weekday::new(h.weekday));
        let opens = c.take(&format!("{f}.opens"), TimeOfDay::parse(&h.opens));
        let closes = c.take(&format!("{f}.closes"), TimeOfDay::parse(&h.closes));
        if let (Some(w), Some(o), Some(cl)) = (weekday, opens, closes)
            && let Some(oh) = c.take(&f, OpeningHours::new(w, o, cl))
        {
            out_hours.push(oh);
        }
    }
    let mut out_ex: Vec<ScheduleException> = Vec::new();
    for (i, e) in exceptions.iter().enumerate() {
        let f = format!("exceptions[{i}]");
        c.check(
            e.date.is_some(),
            &format!("{f}.date"),
            "required",
            "must be given",
        );
        let opens = e
            .opens
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| c.take(&format!("{f}.opens"), TimeOfDay::parse(s)));
        let closes = e
            .closes
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| c.take(&format!("{f}.closes"), TimeOfDay::parse(s)));
        match (opens, closes) {
            (Some(o), Some(cl)) => c.check(
                cl > o,
                &format!("{f}.closes"),
                "after_opens",
                format!("closing time {cl} must be after opening time {o}"),
            ),
            (None, None) => {}
            _ => c.check(
                false,
                &format!("{f}.opens"),
                "both_or_neither",
                "opens and closes must be given together (neither means closed)",
            ),
        }
        let note = e.note.as_ref().and_then(|n| {
            c.take(&format!("{f}.note"), crate::error::optional_text(n, 500))
                .flatten()
        });
        if let Some(date) = e.date {
            c.check(
                !out_ex.iter().any(|x| x.date == date),
                &format!("{f}.date"),
                "unique",
                format!("{date} has two exceptions"),
            );
            out_ex.push(ScheduleException {
                date,
                opens,
                closes,
                note,
            });
        }
    }
    c.finish(|| (out_hours, out_ex))
}

/// Whether a service with these hours is open at a local date and time.
pub fn is_open_at(
    hours: &[OpeningHours],
    exceptions: &[ScheduleException],
    local: NaiveDateTime,
) -> bool {
    let date = local.date();
    // Seconds are ignored: opening hours are given in minutes.
    let minute = TimeOfDay((local.hour() * 60 + local.minute()) as u16);
    if let Some(ex) = exceptions.iter().find(|e| e.date == date) {
        return matches!((ex.opens, ex.closes), (Some(o), Some(c)) if o <= minute && minute < c);
    }
    let day = Weekday::of(date);
    hours
        .iter()
        .any(|h| h.weekday == day && h.opens <= minute && minute < h.closes)
}

/// Whether a service with these hours, kept in `timezone`, is open at an instant
/// (the instant is read as the local time there, daylight saving included).
pub fn is_open_at_instant(
    hours: &[OpeningHours],
    exceptions: &[ScheduleException],
    timezone: &crate::location::Timezone,
    at: chrono::DateTime<chrono::Utc>,
) -> bool {
    is_open_at(
        hours,
        exceptions,
        at.with_timezone(&timezone.tz()).naive_local(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn weekdays_by_their_ical_names() {
        for n in 1..=7 {
            let d = Weekday::new(n).expect("1-7");
            assert_eq!(Weekday::from_ical(&d.ical().to_lowercase()), Some(d));
        }
        assert_eq!(Weekday::new(3).expect("3").ical(), "WE");
        assert_eq!(Weekday::from_ical("XX"), None);
    }

    use super::*;

    fn t(s: &str) -> TimeOfDay {
        TimeOfDay::parse(s).expect("valid")
    }

    #[test]
    fn parses_times() {
        assert_eq!(t("09:30").minutes(), 570);
        assert_eq!(t("24:00").minutes(), 1440);
        for bad in ["9:30", "24:01", "12:60", "ab:cd", ""] {
            assert!(TimeOfDay::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn open_with_exceptions() {
        let hours = vec![
            OpeningHours::new(Weekday::new(2).expect("valid"), t("10:00"), t("12:00"))
                .expect("valid"),
        ];
        let closed = vec![ScheduleException {
            date: NaiveDate::from_ymd_opt(2026, 12, 29).expect("date"),
            opens: None,
            closes: None,
            note: None,
        }];
        let tue = |d: u32, h: u32| {
            NaiveDate::from_ymd_opt(2026, 12, d)
                .and_then(|x| x.and_hms_opt(h, 0, 0))
                .expect("date")
        };
        assert!(is_open_at(&hours, &[], tue(22, 10)));
        assert!(!is_open_at(&hours, &[], tue(22, 12)));
        assert!(!is_open_at(&hours, &closed, tue(29, 10)));
        assert!(is_open_at(&hours, &closed, tue(22, 11)));
    }

    #[test]
    fn open_at_an_instant_in_local_time_across_daylight_saving() {
        // Mondays 09:00–12:00 in Berlin; 07:30 UTC is 08:30 in winter, 09:30 in summer.
        let hours = vec![
            OpeningHours::new(Weekday::new(1).expect("valid"), t("09:00"), t("12:00"))
                .expect("valid"),
        ];
        let berlin = crate::location::Timezone::parse("Europe/Berlin").expect("zone");
        let at = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .expect("instant")
                .with_timezone(&chrono::Utc)
        };
        assert!(!is_open_at_instant(
            &hours,
            &[],
            &berlin,
            at("2026-03-23T07:30:00Z")
        ));
        assert!(is_open_at_instant(
            &hours,
            &[],
            &berlin,
            at("2026-03-30T07:30:00Z")
        ));
        let istanbul = crate::location::Timezone::parse("Europe/Istanbul").expect("zone");
        assert!(is_open_at_instant(
            &hours,
            &[],
            &istanbul,
            at("2026-03-23T07:30:00Z")
        ));
    }

    #[test]
    fn validation_names_fields() {
        let err = validate(
            &[OpeningHoursInput {
                weekday: 8,
                opens: "10:00".into(),
                closes: "09:00".into(),
            }],
            &[],
        )
        .expect_err("invalid");
        assert_eq!(err.violations[0].field, "hours[0].weekday");
    }
}
