//! Occurrences of events in a time window. Recurrence is computed in the event's own
//! zone, so a weekly 10:00 event stays at 10:00 local time in summer and winter.
//! An endless rule is expanded lazily and never beyond the window or the limit.

use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
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
    rule_set_from(
        event,
        event.time.local_start(),
        event.recurrence.rule.as_deref(),
    )
}

/// As [`rule_set`], but with `start` as DTSTART and `rule` as the rule; RDATE and
/// EXDATE are the event's own.
fn rule_set_from(
    event: Timing<'_>,
    start: NaiveDateTime,
    rule: Option<&str>,
) -> Result<Option<RRuleSet>, CalendarError> {
    let r = event.recurrence;
    if r.is_none() {
        return Ok(None);
    }
    let zone = frame(event.time);
    let mut text = dt_line("DTSTART", &[start], zone);
    if let Some(rule) = rule {
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

/// The unit of a rule's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// A series moved forward by whole periods of its rule: a later DTSTART and the rule
/// with the parts that the real DTSTART implied written out. From `start` on it has
/// exactly the occurrences of the original series.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shifted {
    /// The new DTSTART, local time in the expansion frame.
    start: NaiveDateTime,
    /// The rule to use with it.
    rule: String,
}

/// Moves an endless series forward so that expanding it from `earliest` on does not
/// iterate from its real start: by a whole number of periods (INTERVAL times a day,
/// a week, a month or a year) in local wall time, at least two periods before
/// `earliest` (and before UNTIL). The time of day (BYHOUR, BYMINUTE, BYSECOND), the
/// day of the month of MONTHLY and the day and month of YEARLY rules, which RFC 5545
/// takes from DTSTART when the rule does not give them, are written into the rule;
/// whole weeks keep the weekday of WEEKLY rules without BYDAY. MONTHLY and YEARLY
/// series start on the first of a month or year, which is the start of a period. A
/// start that is ambiguous or skipped in the zone is avoided. `None` when the series
/// cannot or need not be moved.
fn skip_ahead(event: Timing<'_>, earliest: DateTime<Utc>) -> Option<Shifted> {
    let rule = event.recurrence.rule.as_deref()?;
    let mut parts: Vec<(String, &str)> = Vec::new();
    for part in rule.split(';').filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=')?;
        let key = key.to_ascii_uppercase();
        // COUNT counts from the real start, so such a series is never moved; an
        // unknown or repeated part keeps it at its real start too.
        if key == "COUNT"
            || !netzwerk_domain::event::RULE_PARTS.contains(&key.as_str())
            || parts.iter().any(|(k, _)| *k == key)
        {
            return None;
        }
        parts.push((key, value));
    }
    let get = |key: &str| parts.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
    let freq = match get("FREQ")?.to_ascii_uppercase().as_str() {
        "DAILY" => Freq::Daily,
        "WEEKLY" => Freq::Weekly,
        "MONTHLY" => Freq::Monthly,
        "YEARLY" => Freq::Yearly,
        _ => return None,
    };
    let interval = match get("INTERVAL") {
        Some(v) => v.parse::<i64>().ok().filter(|i| (1..=1000).contains(i))?,
        None => 1,
    };
    let tz = frame(event.time).tz();
    let start = event.time.local_start();
    let mut bound = earliest.with_timezone(&tz).naive_local();
    if let Some(until) = get("UNTIL") {
        let until = match crate::text::moment(until)? {
            crate::text::Moment::Date(d) => d.and_hms_opt(23, 59, 59)?,
            crate::text::Moment::Local(t) => t,
            crate::text::Moment::Utc(t) => t.and_utc().with_timezone(&tz).naive_local(),
        };
        bound = bound.min(until);
    }
    if bound <= start {
        return None;
    }
    // Whole periods from the start to the bound, less two for a margin.
    let month_index = |t: NaiveDateTime| i64::from(t.year()) * 12 + i64::from(t.month0());
    let (unit, elapsed) = match freq {
        Freq::Daily => (1, (bound - start).num_days()),
        Freq::Weekly => (7, (bound - start).num_days()),
        Freq::Monthly => (1, month_index(bound) - month_index(start)),
        Freq::Yearly => (12, month_index(bound) - month_index(start)),
    };
    let period = interval.checked_mul(unit)?;
    let periods = elapsed / period - 2;
    let moved = |n: i64| -> Option<NaiveDateTime> {
        let step = n.checked_mul(period)?;
        match freq {
            Freq::Daily | Freq::Weekly => start.checked_add_signed(Duration::try_days(step)?),
            Freq::Monthly | Freq::Yearly => {
                let index = month_index(start).checked_add(step)?;
                let year = i32::try_from(index.div_euclid(12)).ok()?;
                let month = match freq {
                    Freq::Yearly => 1,
                    _ => u32::try_from(index.rem_euclid(12)).ok()? + 1,
                };
                Some(NaiveDate::from_ymd_opt(year, month, 1)?.and_time(start.time()))
            }
        }
    };
    // DTSTART must name one instant: step back over a skipped or doubled hour.
    let shifted = (1..=periods)
        .rev()
        .take(4)
        .filter_map(moved)
        .find(|t| tz.from_local_datetime(t).single().is_some())?;

    let mut text: Vec<String> = rule
        .split(';')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    let given = |key: &str| get(key).is_some();
    for (key, value) in [
        ("BYHOUR", start.hour()),
        ("BYMINUTE", start.minute()),
        ("BYSECOND", start.second()),
    ] {
        if !given(key) {
            text.push(format!("{key}={value}"));
        }
    }
    let dated = ["BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY"]
        .into_iter()
        .any(given);
    if !dated && matches!(freq, Freq::Monthly | Freq::Yearly) {
        text.push(format!("BYMONTHDAY={}", start.day()));
        if freq == Freq::Yearly && !given("BYMONTH") {
            text.push(format!("BYMONTH={}", start.month()));
        }
    }
    Some(Shifted {
        start: shifted,
        rule: text.join(";"),
    })
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

/// As [`occurrences`], from an event's timing alone. An endless series is expanded from
/// shortly before the window, not from its start (see [`skip_ahead`]), so that far
/// windows cost no more than near ones.
pub fn occurrences_of(
    event: Timing<'_>,
    overrides: &[OccurrenceOverride],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    max: usize,
) -> Result<Vec<Occurrence>, CalendarError> {
    expand(event, overrides, from, to, max, true)
}

/// [`occurrences_of`]; `skip` allows moving the series forward (tests compare both).
fn expand(
    event: Timing<'_>,
    overrides: &[OccurrenceOverride],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    max: usize,
    skip: bool,
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
    // Occurrences that start before `from` may still run into the window.
    let earliest = from - duration - Duration::days(1);

    let mut out: Vec<Occurrence> = match rule_set(event)? {
        None => vec![make(
            event.time.local_start(),
            overrides
                .iter()
                .find(|o| o.recurrence_id == event.time.local_start()),
        )],
        Some(set) => {
            // The set from the real start is built anyway, so that errors stay the same;
            // building does not iterate.
            let set = match skip.then(|| skip_ahead(event, earliest)).flatten() {
                Some(s) => match rule_set_from(event, s.start, Some(&s.rule)) {
                    Ok(Some(moved)) => moved,
                    _ => set,
                },
                None => set,
            };
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

    /// A series for the skip-ahead tests: `minutes` long, or whole days when `all_day`.
    fn series(
        rule: &str,
        start: &str,
        minutes: i64,
        zone: &str,
        all_day: bool,
        exdates: &[&str],
        rdates: &[&str],
    ) -> Event {
        let start = at(start);
        let mut input = EventInput {
            title: "Serie".into(),
            rule: Some(rule.into()),
            timezone: Some(zone.into()),
            exdates: exdates.iter().map(|t| at(t)).collect(),
            rdates: rdates.iter().map(|t| at(t)).collect(),
            ..Default::default()
        };
        if all_day {
            input.start_date = Some(start.date());
            input.end_date = Some(start.date() + chrono::Duration::days(minutes / 1440));
        } else {
            input.start = Some(start);
            input.end = Some(start + chrono::Duration::minutes(minutes));
        }
        input.validate().expect("valid")
    }

    const EVERY_FIVE_MINUTES: &str = "FREQ=DAILY;\
        BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;\
        BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55";

    #[test]
    fn skipping_ahead_changes_no_occurrence() {
        let berlin = "Europe/Berlin";
        let cases: Vec<(&str, Event)> = vec![
            (
                "daily",
                series(
                    "FREQ=DAILY",
                    "2026-01-05 10:00",
                    90,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "daily, every third day",
                series(
                    "FREQ=DAILY;INTERVAL=3",
                    "2026-01-05 10:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "every other week on Monday and Wednesday",
                series(
                    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE",
                    "2026-01-07 18:00",
                    120,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "weekly without BYDAY",
                series(
                    "FREQ=WEEKLY",
                    "2026-01-08 19:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "every third week from Sunday",
                series(
                    "FREQ=WEEKLY;INTERVAL=3;WKST=SU;BYDAY=SU,MO",
                    "2026-01-11 11:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "weekly on Tuesday from a Monday",
                series(
                    "FREQ=WEEKLY;BYDAY=TU",
                    "2026-01-05 10:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "monthly on the 31st",
                series(
                    "FREQ=MONTHLY",
                    "2026-01-31 10:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "every fifth month on the 31st",
                series(
                    "FREQ=MONTHLY;INTERVAL=5",
                    "2026-01-31 10:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "last Friday of the month",
                series(
                    "FREQ=MONTHLY;BYDAY=-1FR",
                    "2026-01-30 16:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "last working day of the month",
                series(
                    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
                    "2026-01-30 09:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "yearly on 29 February",
                series(
                    "FREQ=YEARLY",
                    "2028-02-29 12:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "yearly in March without BYMONTHDAY",
                series(
                    "FREQ=YEARLY;BYMONTH=3",
                    "2026-01-15 10:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "yearly in week 10 without BYDAY",
                series(
                    "FREQ=YEARLY;BYWEEKNO=10",
                    "2026-03-02 10:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "every third year on the second Saturday of June",
                series(
                    "FREQ=YEARLY;INTERVAL=3;BYMONTH=6;BYDAY=2SA",
                    "2026-06-13 15:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "weekly until a date",
                series(
                    "FREQ=WEEKLY;BYDAY=TU;UNTIL=20310101",
                    "2026-01-06 10:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "daily until an instant",
                series(
                    "FREQ=DAILY;UNTIL=20291015T080000Z",
                    "2026-01-05 10:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "ended rule with an extra date",
                series(
                    "FREQ=DAILY;UNTIL=20270101",
                    "2026-01-05 10:00",
                    60,
                    berlin,
                    false,
                    &[],
                    &["2029-06-15 10:00", "2188-03-01 10:00"],
                ),
            ),
            (
                "daily with excluded dates in the windows",
                series(
                    "FREQ=DAILY",
                    "2026-01-05 10:00",
                    60,
                    berlin,
                    false,
                    &["2029-03-26 10:00", "2188-03-01 10:00", "2100-06-01 10:00"],
                    &[],
                ),
            ),
            (
                "daily at 02:30, skipped and doubled by daylight saving",
                series(
                    "FREQ=DAILY",
                    "2026-01-10 02:30",
                    30,
                    berlin,
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "weekly in New York",
                series(
                    "FREQ=WEEKLY;BYDAY=SU",
                    "2026-01-04 01:30",
                    60,
                    "America/New_York",
                    false,
                    &[],
                    &[],
                ),
            ),
            (
                "all-day weekend, weekly",
                series(
                    "FREQ=WEEKLY;BYDAY=SA",
                    "2026-05-02 00:00",
                    1440,
                    berlin,
                    true,
                    &[],
                    &[],
                ),
            ),
            (
                "all-day, monthly on the 31st",
                series(
                    "FREQ=MONTHLY",
                    "2026-01-31 00:00",
                    0,
                    berlin,
                    true,
                    &[],
                    &[],
                ),
            ),
        ];
        let windows = [
            ("2029-05-25 00:00", "2029-07-06 00:00"),
            ("2029-06-10 08:30", "2029-06-11 08:30"),
            ("2029-03-20 00:00", "2029-04-02 00:00"),
            ("2031-10-20 00:00", "2031-11-03 00:00"),
            ("2100-01-01 00:00", "2101-01-01 00:00"),
            ("2188-02-20 00:00", "2188-06-30 00:00"),
            ("2190-10-25 00:00", "2190-11-05 00:00"),
        ];
        let heavy = series(
            EVERY_FIVE_MINUTES,
            "2026-03-01 00:00",
            5,
            berlin,
            false,
            &[],
            &[],
        );
        let heavy_windows = [
            ("2026-06-01 00:00", "2026-06-02 00:00"),
            ("2026-10-24 00:00", "2026-10-26 00:00"),
            ("2027-03-27 00:00", "2027-03-29 00:00"),
        ];
        let runs = cases
            .iter()
            .flat_map(|(name, e)| windows.iter().map(move |w| (*name, e, w)))
            .chain(
                heavy_windows
                    .iter()
                    .map(|w| ("every five minutes", &heavy, w)),
            );
        let mut shifted = 0;
        for (name, event, (from, to)) in runs {
            let (from, to) = (utc(from), utc(to));
            let fast = expand(event.into(), &[], from, to, 2000, true).expect("expands");
            let slow = expand(event.into(), &[], from, to, 2000, false).expect("expands");
            assert_eq!(fast, slow, "{name}, {from} to {to}");
            let earliest = from - event.time.duration() - chrono::Duration::days(1);
            if let Some(s) = skip_ahead(event.into(), earliest) {
                if from.year() >= 2100 || name == "every five minutes" {
                    shifted += 1;
                }
                assert!(
                    instant(s.start, frame(&event.time)) < earliest - chrono::Duration::days(1),
                    "{name}: {s:?}"
                );
            }
        }
        // The far windows of every series, and the five-minute one, were moved.
        assert_eq!(shifted, cases.len() * 3 + heavy_windows.len());
    }

    #[test]
    fn far_windows_are_cheap() {
        let daily = series(
            "FREQ=DAILY",
            "2026-01-05 10:00",
            60,
            "Europe/Berlin",
            false,
            &[],
            &[],
        );
        let heavy = series(
            EVERY_FIVE_MINUTES,
            "2026-01-05 00:00",
            5,
            "Europe/Berlin",
            false,
            &[],
            &[],
        );
        let (from, to) = (utc("9998-06-01 00:00"), utc("9998-06-02 00:00"));
        let clock = std::time::Instant::now();
        let one = occurrences(&daily, &[], from, to, 1000).expect("expands");
        let many = occurrences(&heavy, &[], from, to, 1000).expect("expands");
        let took = clock.elapsed();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].local_start, at("9998-06-01 10:00"));
        assert_eq!(many.len(), 288);
        assert_eq!(many[0].start, from);
        // What the expander iterates: from the moved start up to the window's end.
        for (event, most) in [(&daily, 5), (&heavy, 5 * 288)] {
            let earliest = from - event.time.duration() - chrono::Duration::days(1);
            let s = skip_ahead(event.into(), earliest).expect("moved");
            let set = rule_set_from(event.into(), s.start, Some(&s.rule))
                .expect("valid")
                .expect("recurring");
            let tz = rrule::Tz::Tz(frame(&event.time).tz());
            let iterated = (&set)
                .into_iter()
                .take_while(|d| *d <= to.with_timezone(&tz))
                .count();
            assert!(iterated <= most, "{iterated} iterations");
        }
        // COUNT counts from the real start, so such a series is never moved.
        let counted = series(
            "FREQ=DAILY;COUNT=5000",
            "2026-01-05 10:00",
            60,
            "Europe/Berlin",
            false,
            &[],
            &[],
        );
        assert_eq!(skip_ahead((&counted).into(), from), None);
        // A sanity bound only; from the real start this took seconds.
        assert!(took < std::time::Duration::from_millis(50), "{took:?}");
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
