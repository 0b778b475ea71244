//! iCalendar in: content lines are unfolded and split by the `ical` crate; components
//! are assembled here so that one broken event is reported (with its line and reason)
//! while every other event is still taken.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use ical::line::LineReader;
use ical::property::{Property, PropertyParser};
use netzwerk_domain::event::{
    Event, EventCategory, EventStatus, EventTime, OccurrenceOverride, Provenance, Recurrence,
    check_rule,
};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::location::Timezone;

use crate::CalendarError;
use crate::text::{Moment, duration, midnight, moment, unescape};

/// Bounds on what one calendar may contain.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest input in bytes.
    pub max_bytes: usize,
    /// Most events (VEVENTs) taken from one calendar.
    pub max_events: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 20 * 1024 * 1024,
            max_events: 100_000,
        }
    }
}

/// A line that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// 1-based line number in the input (of the component's first line where the
    /// problem concerns a whole event).
    pub line: usize,
    /// What is wrong.
    pub reason: String,
    /// True when an event was left out because of it.
    pub event_rejected: bool,
}

/// An event from a feed, with its identity and its per-occurrence changes.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEvent {
    /// The iCalendar UID.
    pub uid: String,
    /// SEQUENCE (0 when absent).
    pub sequence: i64,
    /// LAST-MODIFIED.
    pub last_modified: Option<DateTime<Utc>>,
    /// The event.
    pub event: Event,
    /// RECURRENCE-ID instances of the same UID.
    pub overrides: Vec<OccurrenceOverride>,
}

/// The result of parsing one calendar.
#[derive(Debug, Clone, Default)]
pub struct ParsedCalendar {
    /// `X-WR-CALNAME`, if given.
    pub name: Option<String>,
    /// Every event that could be used.
    pub events: Vec<FeedEvent>,
    /// Everything that could not.
    pub issues: Vec<Issue>,
    /// True when the calendar was read to its end without structural damage and
    /// within the limits: only then may events missing from it be treated as deleted.
    pub complete: bool,
}

/// Windows zone names some calendar programs write instead of IANA names.
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("GMT Standard Time", "Europe/London"),
    ("UTC", "UTC"),
];

fn zone(tzid: &str) -> Option<Timezone> {
    let t = tzid.trim().trim_matches('"');
    // Some producers prefix a path, e.g. /mozilla.org/20050126_1/Europe/Berlin.
    let tail = t.rsplit('/').take(2).collect::<Vec<_>>();
    let candidates = [
        t.to_owned(),
        tail.iter().rev().cloned().collect::<Vec<_>>().join("/"),
    ];
    for c in &candidates {
        if let Ok(z) = Timezone::parse(c) {
            return Some(z);
        }
    }
    WINDOWS_ZONES
        .iter()
        .find(|(w, _)| *w == t)
        .and_then(|(_, iana)| Timezone::parse(iana).ok())
}

struct Prop {
    line: usize,
    p: Property,
}

impl Prop {
    fn param(&self, name: &str) -> Option<&str> {
        self.p
            .params
            .as_ref()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.first())
            .map(String::as_str)
    }

    fn value(&self) -> &str {
        self.p.value.as_deref().unwrap_or_default()
    }
}

/// One VEVENT as read: its properties and where it started.
struct RawEvent {
    line: usize,
    props: Vec<Prop>,
}

/// Parses an iCalendar file. Fails only when the input as a whole is unusable; single
/// bad events become [`Issue`]s and the rest are still returned.
pub fn parse(input: &[u8], limits: &Limits) -> Result<ParsedCalendar, CalendarError> {
    if input.len() > limits.max_bytes {
        return Err(CalendarError::TooLarge {
            size: input.len(),
            limit: limits.max_bytes,
        });
    }
    let mut out = ParsedCalendar::default();
    let mut complete = true;
    let text = match std::str::from_utf8(input) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(e) => {
            let line = input[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            out.issues.push(Issue {
                line,
                reason: "the file is not valid UTF-8; bad bytes were replaced".into(),
                event_rejected: false,
            });
            complete = false;
            String::from_utf8_lossy(input)
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);

    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut current: Option<RawEvent> = None;
    let mut raw_events: Vec<RawEvent> = Vec::new();
    let mut saw_calendar = false;
    let mut closed_calendar = false;
    let mut too_many = false;

    // Unfold here (RFC 5545: drop CRLF and exactly one space or tab), so that spaces
    // at the end of a folded line survive, and remember each logical line's first
    // physical line for the reports.
    let (unfolded, physical) = unfold(text);
    for line in LineReader::new(unfolded.as_bytes()) {
        let number = physical
            .get(line.number().saturating_sub(1))
            .copied()
            .unwrap_or(line.number());
        let parsed = PropertyParser::from_reader(line.as_str().as_bytes()).next();
        let prop = match parsed {
            Some(Ok(p)) => p,
            Some(Err(e)) => {
                out.issues.push(Issue {
                    event_rejected: false,
                    line: number,
                    reason: format!(
                        "unreadable line: {}",
                        e.to_string()
                            .split_once(": ")
                            .map_or(e.to_string(), |(_, r)| r.to_owned())
                    ),
                });
                if current.is_none() {
                    complete = false;
                }
                continue;
            }
            None => continue,
        };
        let name = prop.name.to_ascii_uppercase();
        match name.as_str() {
            "BEGIN" => {
                let comp = prop
                    .value
                    .as_deref()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_uppercase();
                if comp == "VCALENDAR" {
                    saw_calendar = true;
                } else if comp == "VEVENT" && stack.last().is_some_and(|(c, _)| c == "VCALENDAR") {
                    if raw_events.len() >= limits.max_events {
                        too_many = true;
                    } else {
                        current = Some(RawEvent {
                            line: number,
                            props: Vec::new(),
                        });
                    }
                }
                stack.push((comp, number));
            }
            "END" => {
                let comp = prop
                    .value
                    .as_deref()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_uppercase();
                match stack.pop() {
                    Some((open, _)) if open == comp => {
                        if comp == "VEVENT" {
                            if let Some(ev) = current.take() {
                                raw_events.push(ev);
                            }
                        } else if comp == "VCALENDAR" {
                            closed_calendar = true;
                        }
                    }
                    Some((open, start)) => {
                        out.issues.push(Issue {
                            event_rejected: false,
                            line: number,
                            reason: format!(
                                "END:{comp} does not close BEGIN:{open} of line {start}"
                            ),
                        });
                        complete = false;
                        if open == "VEVENT" {
                            current = None;
                        }
                    }
                    None => {
                        out.issues.push(Issue {
                            event_rejected: false,
                            line: number,
                            reason: format!("END:{comp} without BEGIN"),
                        });
                        complete = false;
                    }
                }
            }
            _ => {
                let in_event_itself = stack.last().is_some_and(|(c, _)| c == "VEVENT");
                if let (Some(ev), true) = (current.as_mut(), in_event_itself) {
                    ev.props.push(Prop {
                        line: number,
                        p: prop,
                    });
                } else if name == "X-WR-CALNAME" && stack.len() == 1 {
                    out.name = prop.value.as_deref().map(unescape);
                }
            }
        }
    }
    if !saw_calendar {
        return Err(CalendarError::NotCalendar(
            "no BEGIN:VCALENDAR found".into(),
        ));
    }
    if let Some(ev) = current {
        out.issues.push(Issue {
            event_rejected: true,
            line: ev.line,
            reason: "the event is not closed with END:VEVENT".into(),
        });
    }
    if !closed_calendar || !stack.is_empty() {
        out.issues.push(Issue {
            event_rejected: false,
            line: text.lines().count(),
            reason: "the calendar ends without END:VCALENDAR (cut off?)".into(),
        });
        complete = false;
    }
    if too_many {
        out.issues.push(Issue {
            event_rejected: false,
            line: 0,
            reason: format!(
                "more than {} events; the rest were not read",
                limits.max_events
            ),
        });
        complete = false;
    }

    // Build events; instances with RECURRENCE-ID attach to their master by UID.
    let mut masters: Vec<FeedEvent> = Vec::new();
    let mut by_uid: HashMap<String, usize> = HashMap::new();
    let mut instances: Vec<(usize, String, OccurrenceOverride, FeedEvent)> = Vec::new();
    for raw in raw_events {
        match build(&raw) {
            Ok(Built::Master(fe)) => {
                let fe = *fe;
                if let Some(&i) = by_uid.get(&fe.uid) {
                    out.issues.push(Issue {
                        event_rejected: false,
                        line: raw.line,
                        reason: format!(
                            "UID {} appears twice; the later event replaces the earlier",
                            fe.uid
                        ),
                    });
                    masters[i] = fe;
                } else {
                    by_uid.insert(fe.uid.clone(), masters.len());
                    masters.push(fe);
                }
            }
            Ok(Built::Instance(uid, ov, standalone)) => {
                instances.push((raw.line, uid, ov, *standalone))
            }
            Err(reason) => out.issues.push(Issue {
                line: raw.line,
                reason,
                event_rejected: true,
            }),
        }
    }
    for (_, uid, ov, standalone) in instances {
        match by_uid.get(&uid) {
            Some(&i) => masters[i].overrides.push(ov),
            None => {
                // An instance whose series is not in this calendar stands alone.
                let mut fe = standalone;
                fe.uid = format!("{uid}#{}", crate::text::local(ov.recurrence_id));
                masters.push(fe);
            }
        }
    }
    out.events = masters;
    out.complete = complete;
    Ok(out)
}

/// Joins folded lines; returns the logical lines and, for each, its first physical line.
fn unfold(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut starts = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let l = raw.strip_suffix('\r').unwrap_or(raw);
        match l.strip_prefix([' ', '\t']) {
            Some(rest) if !starts.is_empty() => out.push_str(rest),
            _ => {
                if !starts.is_empty() {
                    out.push('\n');
                }
                out.push_str(l);
                starts.push(i + 1);
            }
        }
    }
    (out, starts)
}

enum Built {
    Master(Box<FeedEvent>),
    Instance(String, OccurrenceOverride, Box<FeedEvent>),
}

/// Reads a DATE or DATE-TIME property into the event's frame: `Ok((local, zone, all_day))`.
fn when(p: &Prop) -> Result<(NaiveDateTime, Timezone, bool), String> {
    let v = p.value();
    let m = moment(v).ok_or_else(|| {
        format!(
            "line {}: {} {v:?} is not a date or date-time",
            p.line, p.p.name
        )
    })?;
    Ok(match m {
        Moment::Date(d) => (midnight(d), Timezone::berlin(), true),
        Moment::Utc(t) => (t, utc(), false),
        Moment::Local(t) => match p.param("TZID") {
            Some(tzid) => (
                t,
                zone(tzid).ok_or_else(|| format!("line {}: unknown time zone {tzid:?}", p.line))?,
                false,
            ),
            // Floating time: read as the network's own zone.
            None => (t, Timezone::berlin(), false),
        },
    })
}

fn utc() -> Timezone {
    Timezone::parse("UTC").unwrap_or_else(|_| Timezone::berlin())
}

/// Converts a local time of zone `from` to local time of zone `to`.
fn convert(t: NaiveDateTime, from: Timezone, to: Timezone) -> NaiveDateTime {
    if from == to {
        return t;
    }
    match from.tz().from_local_datetime(&t).earliest() {
        Some(dt) => dt.with_timezone(&to.tz()).naive_local(),
        None => t,
    }
}

/// Values of a list property (EXDATE, RDATE) in the event's zone.
fn list(p: &Prop, target: Timezone) -> Result<Vec<NaiveDateTime>, String> {
    let zone_of = match p.param("TZID") {
        Some(tzid) => {
            zone(tzid).ok_or_else(|| format!("line {}: unknown time zone {tzid:?}", p.line))?
        }
        None => target,
    };
    p.value()
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| match moment(s) {
            Some(Moment::Date(d)) => Ok(midnight(d)),
            Some(Moment::Utc(t)) => Ok(convert(t, utc(), target)),
            Some(Moment::Local(t)) => Ok(convert(t, zone_of, target)),
            None => Err(format!(
                "line {}: {} value {s:?} is not a date or date-time",
                p.line, p.p.name
            )),
        })
        .collect()
}

fn category(values: &[&Prop]) -> EventCategory {
    let text: String = values
        .iter()
        .map(|p| p.value().to_lowercase())
        .collect::<Vec<_>>()
        .join(",");
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(&["fest", "festival"]) {
        EventCategory::InterculturalFestival
    } else if has(&["rassis", "racis", "diskrimin", "discrimin", "rechtsextrem"]) {
        EventCategory::AgainstDiscrimination
    } else if has(&["beratung", "sprechstunde", "counsel"]) {
        EventCategory::CounsellingHours
    } else if has(&["diskussion", "discussion", "podium"]) {
        EventCategory::Discussion
    } else if has(&["vortrag", "präsentation", "presentation", "lesung"]) {
        EventCategory::Presentation
    } else if has(&["kultur", "tradition", "culture", "musik", "tanz"]) {
        EventCategory::CultureTradition
    } else if has(&["bildung", "workshop", "kurs", "seminar", "education"]) {
        EventCategory::Education
    } else if has(&["netzwerk", "sitzung"]) {
        EventCategory::NetworkMeeting
    } else {
        EventCategory::Other
    }
}

fn is_http(v: &str) -> bool {
    netzwerk_domain::error::url(v).is_ok()
}

fn build(raw: &RawEvent) -> Result<Built, String> {
    let first = |name: &str| {
        raw.props
            .iter()
            .find(|p| p.p.name.eq_ignore_ascii_case(name))
    };
    let all = |name: &str| {
        raw.props
            .iter()
            .filter(|p| p.p.name.eq_ignore_ascii_case(name))
            .collect::<Vec<_>>()
    };
    let uid = first("UID")
        .map(|p| p.value().trim().to_owned())
        .filter(|u| !u.is_empty())
        .ok_or("the event has no UID")?;
    let start_prop = first("DTSTART").ok_or_else(|| format!("event {uid}: no DTSTART"))?;
    let (start, tz, all_day) = when(start_prop).map_err(|e| format!("event {uid}: {e}"))?;
    let end = match (first("DTEND"), first("DURATION")) {
        (Some(p), _) => {
            let (e, etz, _) = when(p).map_err(|e| format!("event {uid}: {e}"))?;
            convert(e, etz, tz)
        }
        (None, Some(p)) => {
            start
                + duration(p.value()).ok_or_else(|| {
                    format!(
                        "event {uid}: line {}: DURATION {:?} is not a duration",
                        p.line,
                        p.value()
                    )
                })?
        }
        (None, None) if all_day => start + chrono::Duration::days(1),
        (None, None) => start,
    };
    if end < start {
        return Err(format!(
            "event {uid}: DTEND {end} is before DTSTART {start}"
        ));
    }
    let time = if all_day {
        let end_date = if end.date() > start.date() {
            end.date()
        } else {
            start.date().succ_opt().unwrap_or(start.date())
        };
        EventTime::AllDay {
            start: start.date(),
            end: end_date,
        }
    } else {
        EventTime::Timed {
            start,
            end,
            timezone: tz,
        }
    };
    let rule = match first("RRULE") {
        Some(p) => Some(
            check_rule(p.value())
                .map_err(|e| format!("event {uid}: line {}: RRULE {e}", p.line))?,
        ),
        None => None,
    };
    let mut rdates = Vec::new();
    for p in all("RDATE") {
        rdates.extend(list(p, tz).map_err(|e| format!("event {uid}: {e}"))?);
    }
    let mut exdates = Vec::new();
    for p in all("EXDATE") {
        exdates.extend(list(p, tz).map_err(|e| format!("event {uid}: {e}"))?);
    }
    let status = match first("STATUS").map(|p| p.value().trim().to_ascii_uppercase()) {
        Some(s) if s == "CANCELLED" => EventStatus::Cancelled,
        Some(s) if s == "TENTATIVE" => EventStatus::Tentative,
        _ => EventStatus::Confirmed,
    };
    let title = first("SUMMARY")
        .map(|p| unescape(p.value()).trim().to_owned())
        .filter(|t| !t.is_empty());
    let description = first("DESCRIPTION")
        .map(|p| unescape(p.value()).trim().to_owned())
        .filter(|t| !t.is_empty());
    let location = first("LOCATION")
        .map(|p| unescape(p.value()).trim().to_owned())
        .filter(|t| !t.is_empty());
    let url = first("URL")
        .map(|p| p.value().trim().to_owned())
        .filter(|u| is_http(u));
    let (place, online_url) = match location {
        Some(l) if is_http(&l) => (None, Some(l)),
        other => (other, None),
    };
    let sequence = first("SEQUENCE")
        .and_then(|p| p.value().trim().parse::<i64>().ok())
        .unwrap_or(0);
    let last_modified = first("LAST-MODIFIED").and_then(|p| match moment(p.value()) {
        Some(Moment::Utc(t)) => Some(t.and_utc()),
        _ => None,
    });
    let language = first("SUMMARY")
        .and_then(|p| p.param("LANGUAGE"))
        .and_then(|l| LanguageCode::parse(l).ok())
        .unwrap_or_else(LanguageCode::german);
    let event = Event {
        title: title.clone().unwrap_or_else(|| "(ohne Titel)".to_owned()),
        description: description.clone(),
        content_language: language,
        category: category(&all("CATEGORIES")),
        target_groups: Vec::new(),
        languages: Vec::new(),
        time,
        recurrence: Recurrence {
            rule,
            rdates,
            exdates,
        },
        status,
        location_id: None,
        place,
        online_url,
        accessibility_note: None,
        interpretation_note: None,
        registration_url: url,
        image_url: None,
        co_organisers: Vec::new(),
        provenance: Provenance::Feed {
            uid: uid.clone(),
            sequence,
            last_modified,
        },
    };
    crate::expand::rule_set(crate::expand::Timing::from(&event))
        .map_err(|e| format!("event {uid}: {e}"))?;
    let fe = FeedEvent {
        uid: uid.clone(),
        sequence,
        last_modified,
        event,
        overrides: Vec::new(),
    };
    match first("RECURRENCE-ID") {
        None => Ok(Built::Master(Box::new(fe))),
        Some(p) => {
            let (rid, rtz, _) = when(p).map_err(|e| format!("event {uid}: {e}"))?;
            let ov = OccurrenceOverride {
                recurrence_id: convert(rid, rtz, tz),
                status: Some(status),
                start: Some(start),
                end: Some(end),
                title,
                description,
            };
            Ok(Built::Instance(uid, ov, Box::new(fe)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAL: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//DE\r\nX-WR-CALNAME:Kiezkalender\r\n\
BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nEND:VTIMEZONE\r\n\
BEGIN:VEVENT\r\nUID:cafe@kiez.example\r\nDTSTART;TZID=Europe/Berlin:20270105T100000\r\nDTEND;TZID=Europe/Berlin:20270105T120000\r\n\
RRULE:FREQ=WEEKLY;BYDAY=TU\r\nEXDATE;TZID=Europe/Berlin:20270112T100000\r\nSUMMARY:Sprachcafé\\, Deutsch üben\r\nLOCATION:Kiezladen\r\nSEQUENCE:2\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:cafe@kiez.example\r\nRECURRENCE-ID;TZID=Europe/Berlin:20270119T100000\r\nDTSTART;TZID=Europe/Berlin:20270119T140000\r\nDTEND;TZID=Europe/Berlin:20270119T160000\r\nSUMMARY:Sprachcafé (später)\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:kaputt@kiez.example\r\nDTSTART:2027-01-05\r\nSUMMARY:Kaputt\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:rueck@kiez.example\r\nDTSTART:20270301T100000Z\r\nDTEND:20270301T090000Z\r\nSUMMARY:Rückwärts\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:fest@kiez.example\r\nDTSTART;VALUE=DATE:20270605\r\nDTEND;VALUE=DATE:20270607\r\nSUMMARY:Interkulturelles Fest\r\nCATEGORIES:Fest\r\nX-UNBEKANNT:egal\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

    #[test]
    fn good_events_are_taken_bad_ones_reported_by_line() {
        let p = parse(CAL.as_bytes(), &Limits::default()).expect("a calendar");
        assert_eq!(p.name.as_deref(), Some("Kiezkalender"));
        let uids: Vec<_> = p.events.iter().map(|e| e.uid.as_str()).collect();
        assert_eq!(uids, ["cafe@kiez.example", "fest@kiez.example"]);
        let cafe = &p.events[0];
        assert_eq!(cafe.event.title, "Sprachcafé, Deutsch üben");
        assert_eq!(cafe.sequence, 2);
        assert_eq!(cafe.overrides.len(), 1);
        assert_eq!(cafe.event.recurrence.exdates.len(), 1);
        assert!(matches!(p.events[1].event.time, EventTime::AllDay { .. }));
        assert_eq!(
            p.events[1].event.category,
            EventCategory::InterculturalFestival
        );
        let lines: Vec<_> = p.issues.iter().map(|i| i.line).collect();
        assert_eq!(lines, [25, 30], "{:?}", p.issues);
        assert!(
            p.issues[1].reason.contains("before DTSTART"),
            "{:?}",
            p.issues
        );
        assert!(p.complete);
    }

    #[test]
    fn cut_off_calendars_are_not_complete() {
        let cut = &CAL[..CAL.find("BEGIN:VEVENT\r\nUID:fest").expect("marker") + 30];
        let p = parse(cut.as_bytes(), &Limits::default()).expect("a calendar");
        assert!(!p.complete);
        assert_eq!(p.events.len(), 1);
    }

    #[test]
    fn limits_and_garbage() {
        assert!(matches!(
            parse(b"hello", &Limits::default()),
            Err(CalendarError::NotCalendar(_))
        ));
        let small = Limits {
            max_bytes: 10,
            max_events: 1,
        };
        assert!(matches!(
            parse(CAL.as_bytes(), &small),
            Err(CalendarError::TooLarge { .. })
        ));
        let few = Limits {
            max_bytes: 1 << 20,
            max_events: 1,
        };
        let p = parse(CAL.as_bytes(), &few).expect("a calendar");
        assert_eq!(p.events.len(), 1);
        assert!(!p.complete);
        let mut bad = CAL.as_bytes().to_vec();
        bad.extend_from_slice(b"\xff\xfe");
        let p = parse(&bad, &Limits::default()).expect("still a calendar");
        assert!(!p.complete && p.events.len() == 2);
    }
}
