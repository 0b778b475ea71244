//! Occurrences of events in a time window. Recurrence is computed in the event's own
//! zone, so a weekly 10:00 event stays at 10:00 local time in summer and winter.
//! An endless rule is expanded lazily and never beyond the window or the limit.

use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use netzwerk_domain::event::{Event, EventStatus, EventTime, OccurrenceOverride, Recurrence};
use netzwerk_domain::location::Timezone;
use rrule::RRuleSet;

use crate::CalendarError;
use crate::text::local;

/// One occurrence of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Start instant.
    pub start: DateTime<Utc>,
    /// End instant.
    pub end: DateTime<Utc>,
    /// Start in the event's zone.
    pub local_start: NaiveDateTime,
    /// End in the event's zone.
    pub local_end: NaiveDateTime,
    /// The original local start (iCalendar RECURRENCE-ID), also for moved occurrences.
    pub recurrence_id: NaiveDateTime,
    /// Status of this occurrence.
    pub status: EventStatus,
    /// Title, when this occurrence has its own.
    pub title: Option<String>,
    /// Description, when this occurrence has its own.
    pub description: Option<String>,
    /// Whole days.
    pub all_day: bool,
    /// True when an override changed this occurrence.
    pub overridden: bool,
}

/// What expanding an event reads: its time, its recurrence and its status. Lets callers
/// expand events whose other fields they have not loaded.
#[derive(Debug, Clone, Copy)]
pub struct Timing<'a> {
    /// First (or only) occurrence.
    pub time: &'a EventTime,
    /// Rule, extra and excluded dates.
    pub recurrence: &'a Recurrence,
    /// Status of the whole event.
    pub status: EventStatus,
}

impl<'a> From<&'a Event> for Timing<'a> {
    fn from(e: &'a Event) -> Self {
        Self {
            time: &e.time,
            recurrence: &e.recurrence,
            status: e.status,
        }
    }
}

/// The zone the event's local times are expanded in; all-day events use UTC as a
/// neutral frame so that dates never shift.
fn frame(time: &EventTime) -> Timezone {
    match time {
        EventTime::Timed { timezone, .. } => *timezone,
        EventTime::AllDay { .. } => Timezone::parse("UTC").unwrap_or_else(|_| Timezone::berlin()),
    }
}

/// A local time in a zone as an instant (see [`Timezone::instant`]).
pub(crate) fn instant(t: NaiveDateTime, zone: Timezone) -> DateTime<Utc> {
    zone.instant(t)
}

fn utc_stamp(t: NaiveDateTime, zone: Timezone) -> String {
    format!("{}Z", local(instant(t, zone).naive_utc()))
}

fn dt_line(name: &str, times: &[NaiveDateTime], zone: Timezone) -> String {
    if zone.to_string() == "UTC" {
        let v: Vec<String> = times.iter().map(|t| format!("{}Z", local(*t))).collect();
        format!("{name}:{}", v.join(","))
    } else {
        let v: Vec<String> = times.iter().map(|t| local(*t)).collect();
        format!("{name};TZID={zone}:{}", v.join(","))
    }
}

/// UNTIL must be in UTC when the start has a zone: dates and local times are converted.
fn normalise_rule(rule: &str, zone: Timezone) -> String {
    rule.split(';')
        .map(|part| match part.split_once('=') {
            Some((k, v)) if k.eq_ignore_ascii_case("UNTIL") => {
                let until = match crate::text::moment(v) {
                    Some(crate::text::Moment::Date(d)) => utc_stamp(
                        d.and_hms_opt(23, 59, 59)
                            .unwrap_or(crate::text::midnight(d)),
                        zone,
                    ),
                    Some(crate::text::Moment::Local(t)) => utc_stamp(t, zone),
                    _ => v.to_owned(),
                };
                format!("UNTIL={until}")
            }
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The rrule set of a recurring event, checked.
pub(crate) fn rule_set(event: Timing<'_>) -> Result<Option<RRuleSet>, CalendarError> {
    let r = event.recurrence;
    if r.is_none() {
        return Ok(None);
    }
    let zone = frame(event.time);
    let start = event.time.local_start();
    let mut text = dt_line("DTSTART", &[start], zone);
    if let Some(rule) = &r.rule {
        text.push_str("\nRRULE:");
        text.push_str(&normalise_rule(rule, zone));
    }
    if !r.rdates.is_empty() {
        text.push('\n');
        text.push_str(&dt_line("RDATE", &r.rdates, zone));
    }
    if !r.exdates.is_empty() {
        text.push('\n');
        text.push_str(&dt_line("EXDATE", &r.exdates, zone));
    }
    RRuleSet::from_str(&text)
        .map(Some)
        .map_err(|e| CalendarError::Recurrence(e.to_string()))
}

/// Every occurrence that overlaps `[from, to)`, in order of start, at most `max`.
pub fn occurrences(
    event: &Event,
    overrides: &[OccurrenceOverride],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    max: usize,
) -> Result<Vec<Occurrence>, CalendarError> {
    occurrences_of(Timing::from(event), overrides, from, to, max)
}

/// As [`occurrences`], from an event's timing alone.
pub fn occurrences_of(
    event: Timing<'_>,
    overrides: &[OccurrenceOverride],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    max: usize,
) -> Result<Vec<Occurrence>, CalendarError> {
    let zone = frame(event.time);
    let duration = event.time.duration();
    let all_day = matches!(event.time, EventTime::AllDay { .. });
    let make = |local_start: NaiveDateTime, ov: Option<&OccurrenceOverride>| {
        let s = ov.and_then(|o| o.start).unwrap_or(local_start);
        let e = ov.and_then(|o| o.end).unwrap_or(s + duration);
        Occurrence {
            start: instant(s, zone),
            end: instant(e, zone),
            local_start: s,
            local_end: e,
            recurrence_id: local_start,
            status: ov.and_then(|o| o.status).unwrap_or(event.status),
            title: ov.and_then(|o| o.title.clone()),
            description: ov.and_then(|o| o.description.clone()),
            all_day,
            overridden: ov.is_some(),
        }
    };
    let overlaps = |o: &Occurrence| {
        if o.end > o.start {
            o.end > from && o.start < to
        } else {
            o.start >= from && o.start < to
        }
    };

    let mut out: Vec<Occurrence> = match rule_set(event)? {
        None => vec![make(
            event.time.local_start(),
            overrides
                .iter()
                .find(|o| o.recurrence_id == event.time.local_start()),
        )],
        Some(set) => {
            // Occurrences that start before `from` may still run into the window.
            let earliest = from - duration - chrono::Duration::days(1);
            let tz = rrule::Tz::Tz(zone.tz());
            let limit = u16::try_from(
                max.saturating_add(overrides.len())
                    .min(usize::from(u16::MAX)),
            )
            .unwrap_or(u16::MAX);
            let result = set
                .after(earliest.with_timezone(&tz))
                .before(to.with_timezone(&tz))
                .all(limit);
            let mut v: Vec<Occurrence> = result
                .dates
                .into_iter()
                .map(|d| {
                    let local_start = d.naive_local();
                    make(
                        local_start,
                        overrides.iter().find(|o| o.recurrence_id == local_start),
                    )
                })
                .collect();
            // Occurrences moved into the window from outside it.
            let seen: Vec<NaiveDateTime> = v.iter().map(|x| x.recurrence_id).collect();
            for ov in overrides
                .iter()
                .filter(|o| !seen.contains(&o.recurrence_id))
            {
                let moved = make(ov.recurrence_id, Some(ov));
                if overlaps(&moved) && !event.recurrence.exdates.contains(&ov.recurrence_id) {
                    v.push(moved);
                }
            }
            v
        }
    };
    out.retain(|o| overlaps(o));
    out.sort_by_key(|o| (o.start, o.recurrence_id));
    out.truncate(max);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, Timelike};
    use netzwerk_domain::event::{EventInput, EventStatus};

    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("date")
    }

    fn utc(s: &str) -> DateTime<Utc> {
        at(s).and_utc()
    }

    fn weekly() -> Event {
        EventInput {
            title: "Sprachcafé".into(),
            start: Some(at("2027-03-16 10:00")),
            end: Some(at("2027-03-16 12:00")),
            rule: Some("FREQ=WEEKLY;BYDAY=TU".into()),
            exdates: vec![at("2027-03-30 10:00")],
            ..Default::default()
        }
        .validate()
        .expect("valid")
    }

    #[test]
    fn stays_at_local_time_across_daylight_saving() {
        // Summer time in Berlin starts on 2027-03-28.
        let occ = occurrences(
            &weekly(),
            &[],
            utc("2027-03-01 00:00"),
            utc("2027-04-10 00:00"),
            100,
        )
        .expect("expands");
        let local: Vec<_> = occ
            .iter()
            .map(|o| (o.local_start.date(), o.local_start.hour()))
            .collect();
        assert_eq!(
            local,
            [
                (NaiveDate::from_ymd_opt(2027, 3, 16).expect("d"), 10),
                (NaiveDate::from_ymd_opt(2027, 3, 23).expect("d"), 10),
                (NaiveDate::from_ymd_opt(2027, 4, 6).expect("d"), 10)
            ]
        );
        assert_eq!(occ[0].start.hour(), 9, "winter: UTC+1");
        assert_eq!(occ[2].start.hour(), 8, "summer: UTC+2");
    }

    #[test]
    fn overrides_move_and_cancel() {
        let moved = OccurrenceOverride {
            recurrence_id: at("2027-03-23 10:00"),
            status: None,
            start: Some(at("2027-03-24 15:00")),
            end: Some(at("2027-03-24 17:00")),
            title: Some("Sprachcafé am Mittwoch".into()),
            description: None,
        };
        let cancelled = OccurrenceOverride {
            recurrence_id: at("2027-04-06 10:00"),
            status: Some(EventStatus::Cancelled),
            start: None,
            end: None,
            title: None,
            description: None,
        };
        let occ = occurrences(
            &weekly(),
            &[moved, cancelled],
            utc("2027-03-20 00:00"),
            utc("2027-04-10 00:00"),
            100,
        )
        .expect("expands");
        assert_eq!(occ.len(), 2);
        assert_eq!(occ[0].local_start, at("2027-03-24 15:00"));
        assert_eq!(occ[0].recurrence_id, at("2027-03-23 10:00"));
        assert_eq!(occ[1].status, EventStatus::Cancelled);
    }

    #[test]
    fn endless_rules_are_bounded() {
        let daily = EventInput {
            title: "Täglich".into(),
            start: Some(at("2027-01-01 08:00")),
            rule: Some("FREQ=DAILY".into()),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        let occ = occurrences(
            &daily,
            &[],
            utc("2027-01-01 00:00"),
            utc("2127-01-01 00:00"),
            50,
        )
        .expect("expands");
        assert_eq!(occ.len(), 50);
        let far = occurrences(
            &daily,
            &[],
            utc("2090-06-01 00:00"),
            utc("2090-06-03 00:00"),
            50,
        )
        .expect("expands");
        assert_eq!(far.len(), 2);
    }

    #[test]
    fn all_day_and_one_off() {
        let fest = EventInput {
            title: "Fest".into(),
            start_date: NaiveDate::from_ymd_opt(2027, 6, 5),
            end_date: NaiveDate::from_ymd_opt(2027, 6, 6),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(
            occurrences(
                &fest,
                &[],
                utc("2027-06-06 12:00"),
                utc("2027-06-07 00:00"),
                10
            )
            .expect("ok")
            .len(),
            1
        );
        assert!(
            occurrences(
                &fest,
                &[],
                utc("2027-06-07 00:00"),
                utc("2027-06-08 00:00"),
                10
            )
            .expect("ok")
            .is_empty()
        );
    }

    #[test]
    fn bad_rules_are_errors() {
        let mut e = weekly();
        e.recurrence.rule = Some("FREQ=WEEKLY;BYDAY=XX".into());
        assert!(
            occurrences(
                &e,
                &[],
                utc("2027-03-01 00:00"),
                utc("2027-04-01 00:00"),
                10
            )
            .is_err()
        );
    }
}

/// The instants that bound every occurrence: the first start, and the last end, or
/// `None` when the series has no end (RRULE without COUNT or UNTIL, or more than
/// [`netzwerk_domain::event::MAX_OCCURRENCES`] occurrences).
pub fn span(
    event: &Event,
    overrides: &[OccurrenceOverride],
) -> Result<(DateTime<Utc>, Option<DateTime<Utc>>), CalendarError> {
    let zone = frame(&event.time);
    let duration = event.time.duration();
    let start = event.time.local_start();
    let mut first = instant(start, zone);
    let mut last = Some(instant(start + duration, zone));
    for t in &event.recurrence.rdates {
        first = first.min(instant(*t, zone));
        last = last.map(|l| l.max(instant(*t + duration, zone)));
    }
    if let Some(rule) = &event.recurrence.rule {
        let upper = rule.to_ascii_uppercase();
        if !upper.contains("COUNT=") && !upper.contains("UNTIL=") {
            last = None;
        } else if let Some(set) = rule_set(Timing::from(event))? {
            let max = u16::try_from(netzwerk_domain::event::MAX_OCCURRENCES).unwrap_or(u16::MAX);
            let all = set.all(max);
            last = if all.limited {
                None
            } else {
                all.dates
                    .last()
                    .map(|d| instant(d.naive_local() + duration, zone))
                    .map(|l| last.map_or(l, |x| x.max(l)))
            };
        }
    }
    for o in overrides {
        let s = o.start.unwrap_or(o.recurrence_id);
        first = first.min(instant(s, zone));
        let e = o.end.unwrap_or(s + duration);
        last = last.map(|l| l.max(instant(e, zone)));
    }
    Ok((first, last))
}

#[cfg(test)]
mod span_tests {
    use netzwerk_domain::event::EventInput;

    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("date")
    }

    #[test]
    fn spans() {
        let mut input = EventInput {
            title: "x".into(),
            start: Some(at("2027-01-05 10:00")),
            end: Some(at("2027-01-05 12:00")),
            ..Default::default()
        };
        let (f, l) = span(&input.validate().expect("valid"), &[]).expect("span");
        assert_eq!(
            (f, l),
            (
                at("2027-01-05 09:00").and_utc(),
                Some(at("2027-01-05 11:00").and_utc())
            )
        );
        input.rule = Some("FREQ=WEEKLY".into());
        assert_eq!(
            span(&input.validate().expect("valid"), &[])
                .expect("span")
                .1,
            None
        );
        input.rule = Some("FREQ=WEEKLY;COUNT=3".into());
        assert_eq!(
            span(&input.validate().expect("valid"), &[])
                .expect("span")
                .1,
            Some(at("2027-01-19 11:00").and_utc())
        );
    }
}
