//! iCalendar in: content lines are unfolded and split here, over the input as it is
//! (a line is copied only when it was folded), and each event is built as soon as its
//! `END:VEVENT` is read, so that one broken event is reported (with its line and
//! reason) while every other event is still taken, and no event's raw lines outlive it.
//!
//! The `ical` crate did this before: its reader copied every line twice and every
//! property's name, parameters and value into their own strings, which was more than
//! half of a 100,000-event import's parse time (profile in `ops/bench/RESULTS.md`).

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
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
    // A calendar names the same zone on almost every line: the last one is kept.
    thread_local! {
        static LAST: std::cell::RefCell<Option<(String, Timezone)>> = const { std::cell::RefCell::new(None) };
    }
    if let Some(z) = LAST.with_borrow(|last| {
        last.as_ref()
            .filter(|(name, _)| name == tzid)
            .map(|(_, z)| *z)
    }) {
        return Some(z);
    }
    let found = zone_named(tzid)?;
    LAST.set(Some((tzid.to_owned(), found)));
    Some(found)
}

fn zone_named(tzid: &str) -> Option<Timezone> {
    let t = tzid.trim().trim_matches('"');
    if let Ok(z) = Timezone::parse(t) {
        return Some(z);
    }
    // Some producers prefix a path, e.g. /mozilla.org/20050126_1/Europe/Berlin.
    let tail = t.rsplit('/').take(2).collect::<Vec<_>>();
    let tail = tail.iter().rev().cloned().collect::<Vec<_>>().join("/");
    if let Ok(z) = Timezone::parse(&tail) {
        return Some(z);
    }
    WINDOWS_ZONES
        .iter()
        .find(|(w, _)| *w == t)
        .and_then(|(_, iana)| Timezone::parse(iana).ok())
}

/// One content line, `NAME;PARAM=VALUE;…:value`, unfolded.
struct Prop<'a> {
    /// The physical line it starts on (1-based).
    line: usize,
    text: Cow<'a, str>,
    /// Where the name ends and the value begins (after the colon).
    name_end: usize,
    colon: usize,
}

impl<'a> Prop<'a> {
    /// Splits a content line at the first `;` or `:` after its name and at the first
    /// `:` outside a quoted parameter value after its parameters (RFC 5545, 3.1). Any
    /// name is taken, as the `ical` crate took it: a badly folded text line inside an
    /// event becomes a property nobody reads rather than a reason to distrust the feed.
    fn split(line: usize, text: Cow<'a, str>) -> Result<Self, String> {
        let name_end = text.find([';', ':']).ok_or("no colon before the value")?;
        if text[..name_end].trim().is_empty() {
            return Err("the property has no name".into());
        }
        let colon =
            name_end + outside_quotes(&text[name_end..], ':').ok_or("no colon before the value")?;
        Ok(Prop {
            line,
            text,
            name_end,
            colon,
        })
    }

    fn name(&self) -> &str {
        &self.text[..self.name_end]
    }

    fn is(&self, name: &str) -> bool {
        self.name().eq_ignore_ascii_case(name)
    }

    /// The first value of a parameter, without its quotes.
    fn param(&self, name: &str) -> Option<&str> {
        let mut rest = self.text[self.name_end..self.colon].strip_prefix(';')?;
        while !rest.is_empty() {
            // One parameter runs to the next `;` outside quotes.
            let end = outside_quotes(rest, ';').unwrap_or(rest.len());
            let (key, value) = rest[..end].split_once('=').unwrap_or((&rest[..end], ""));
            if key.trim().eq_ignore_ascii_case(name) {
                let first = match value.strip_prefix('"') {
                    Some(q) => q.split_once('"').map_or(q, |(v, _)| v),
                    None => value.split(',').next().unwrap_or_default(),
                };
                return Some(first);
            }
            rest = rest.get(end + 1..).unwrap_or_default();
        }
        None
    }

    fn value(&self) -> &str {
        &self.text[self.colon + 1..]
    }
}

/// Where `target` first stands in `params` outside a quoted parameter value: a `"`
/// right after `=` or `,` opens one, the next `"` closes it; any other `"` is text.
fn outside_quotes(params: &str, target: char) -> Option<usize> {
    let mut quoted = false;
    let mut previous = ' ';
    for (i, c) in params.char_indices() {
        if quoted {
            quoted = c != '"';
        } else if c == target {
            return Some(i);
        } else if c == '"' && matches!(previous, '=' | ',') {
            quoted = true;
        }
        previous = c;
    }
    None
}

/// The content lines of a text, unfolded (RFC 5545: a line break followed by one
/// space or tab continues the line), each with its first physical line. A line is
/// copied only when it was folded.
struct ContentLines<'a> {
    rest: &'a str,
    /// The physical line `rest` starts on.
    number: usize,
}

impl<'a> ContentLines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            rest: text,
            number: 1,
        }
    }

    /// The next physical line without its line break, and the text after it.
    fn physical(rest: &'a str) -> (&'a str, &'a str) {
        let (line, after) = match rest.find('\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        (line.strip_suffix('\r').unwrap_or(line), after)
    }
}

impl<'a> Iterator for ContentLines<'a> {
    type Item = (usize, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let start = self.number;
            let (first, mut after) = Self::physical(self.rest);
            self.number += 1;
            let mut line = Cow::Borrowed(first);
            while after.starts_with([' ', '\t']) {
                let (more, next) = Self::physical(after);
                line.to_mut().push_str(&more[1..]);
                after = next;
                self.number += 1;
            }
            self.rest = after;
            if !line.trim().is_empty() {
                return Some((start, line));
            }
        }
    }
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
        Ok(t) => Cow::Borrowed(t),
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

    let mut stack: Vec<(Cow<'static, str>, usize)> = Vec::new();
    // The open event's line, and its properties (one buffer for every event).
    let mut current: Option<usize> = None;
    let mut props: Vec<Prop<'_>> = Vec::new();
    let mut events = Events::default();
    let mut read = 0usize;
    let mut saw_calendar = false;
    let mut closed_calendar = false;
    let mut too_many = false;
    let mut lines = ContentLines::new(text);

    for (number, line) in lines.by_ref() {
        let prop = match Prop::split(number, line) {
            Ok(p) => p,
            Err(reason) => {
                out.issues.push(Issue {
                    event_rejected: false,
                    line: number,
                    reason: format!("unreadable line: {reason}"),
                });
                if current.is_none() {
                    complete = false;
                }
                continue;
            }
        };
        if prop.is("BEGIN") {
            let comp = component(prop.value());
            if comp == "VCALENDAR" {
                saw_calendar = true;
            } else if comp == "VEVENT" && stack.last().is_some_and(|(c, _)| c == "VCALENDAR") {
                if read >= limits.max_events {
                    too_many = true;
                } else {
                    read += 1;
                    current = Some(number);
                    props.clear();
                }
            }
            stack.push((comp, number));
        } else if prop.is("END") {
            let comp = component(prop.value());
            match stack.pop() {
                Some((open, _)) if open == comp => {
                    if comp == "VEVENT" {
                        if let Some(line) = current.take() {
                            events.add(line, build(&props), &mut out.issues);
                            props.clear();
                        }
                    } else if comp == "VCALENDAR" {
                        closed_calendar = true;
                    }
                }
                Some((open, start)) => {
                    out.issues.push(Issue {
                        event_rejected: false,
                        line: number,
                        reason: format!("END:{comp} does not close BEGIN:{open} of line {start}"),
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
        } else {
            let in_event_itself = stack.last().is_some_and(|(c, _)| c == "VEVENT");
            if let (Some(_), true) = (current, in_event_itself) {
                props.push(prop);
            } else if prop.is("X-WR-CALNAME") && stack.len() == 1 {
                out.name = Some(unescape(prop.value()));
            }
        }
    }
    if !saw_calendar {
        return Err(CalendarError::NotCalendar(
            "no BEGIN:VCALENDAR found".into(),
        ));
    }
    if let Some(line) = current {
        out.issues.push(Issue {
            event_rejected: true,
            line,
            reason: "the event is not closed with END:VEVENT".into(),
        });
    }
    if !closed_calendar || !stack.is_empty() {
        out.issues.push(Issue {
            event_rejected: false,
            line: lines.number.saturating_sub(1),
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
    out.events = events.finish();
    out.complete = complete;
    Ok(out)
}

/// A component's name in capitals; the usual ones without a copy.
fn component(value: &str) -> Cow<'static, str> {
    let v = value.trim();
    [
        "VCALENDAR",
        "VEVENT",
        "VTIMEZONE",
        "STANDARD",
        "DAYLIGHT",
        "VALARM",
    ]
    .into_iter()
    .find(|known| v.eq_ignore_ascii_case(known))
    .map_or_else(|| Cow::Owned(v.to_ascii_uppercase()), Cow::Borrowed)
}

/// Events as they are built: instances with RECURRENCE-ID attach to their master by
/// UID once every event is read (a master may come after its instances).
#[derive(Default)]
struct Events {
    masters: Vec<FeedEvent>,
    by_uid: HashMap<String, usize>,
    instances: Vec<(String, OccurrenceOverride, FeedEvent)>,
}

impl Events {
    fn add(&mut self, line: usize, built: Result<Built, String>, issues: &mut Vec<Issue>) {
        match built {
            Ok(Built::Master(fe)) => {
                let fe = *fe;
                if let Some(&i) = self.by_uid.get(&fe.uid) {
                    issues.push(Issue {
                        event_rejected: false,
                        line,
                        reason: format!(
                            "UID {} appears twice; the later event replaces the earlier",
                            fe.uid
                        ),
                    });
                    self.masters[i] = fe;
                } else {
                    self.by_uid.insert(fe.uid.clone(), self.masters.len());
                    self.masters.push(fe);
                }
            }
            Ok(Built::Instance(uid, ov, standalone)) => {
                self.instances.push((uid, ov, *standalone));
            }
            Err(reason) => issues.push(Issue {
                line,
                reason,
                event_rejected: true,
            }),
        }
    }

    fn finish(mut self) -> Vec<FeedEvent> {
        for (uid, ov, standalone) in self.instances {
            match self.by_uid.get(&uid) {
                Some(&i) => self.masters[i].overrides.push(ov),
                None => {
                    // An instance whose series is not in this calendar stands alone.
                    let mut fe = standalone;
                    fe.uid = format!("{uid}#{}", crate::text::local(ov.recurrence_id));
                    self.masters.push(fe);
                }
            }
        }
        self.masters
    }
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
            p.line,
            p.name()
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
                p.line,
                p.name()
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

/// `s` without surrounding white space, copied only when it has some.
fn trimmed(s: String) -> String {
    if s.trim().len() == s.len() {
        s
    } else {
        s.trim().to_owned()
    }
}

fn is_http(v: &str) -> bool {
    netzwerk_domain::error::url(v).is_ok()
}

fn build(props: &[Prop<'_>]) -> Result<Built, String> {
    let first = |name: &str| props.iter().find(|p| p.is(name));
    let all = |name: &str| props.iter().filter(|p| p.is(name)).collect::<Vec<_>>();
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
    let text = |name: &str| {
        first(name)
            .map(|p| trimmed(unescape(p.value())))
            .filter(|t| !t.is_empty())
    };
    let title = text("SUMMARY");
    let description = text("DESCRIPTION");
    let location = text("LOCATION");
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
    // An instance keeps its own texts for its override; a master moves them.
    let recurrence_id = first("RECURRENCE-ID");
    let override_texts = recurrence_id.map(|_| (title.clone(), description.clone()));
    let event = Event {
        title: title.unwrap_or_else(|| "(ohne Titel)".to_owned()),
        description,
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
    match (recurrence_id, override_texts) {
        (Some(p), Some((title, description))) => {
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
        _ => Ok(Built::Master(Box::new(fe))),
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
    fn content_lines_unfold_and_split_like_rfc_5545() {
        let text = "A:1\r\nDESCRIPTION;LANGUAGE=de:Erste Zeile,\r\n  zweite\r\n\tdritte\nURL:https://kiez.example/a:b\r\n\r\nLAST";
        let lines: Vec<(usize, String)> = ContentLines::new(text)
            .map(|(n, l)| (n, l.into_owned()))
            .collect();
        assert_eq!(
            lines,
            [
                (1, "A:1".to_owned()),
                (
                    2,
                    "DESCRIPTION;LANGUAGE=de:Erste Zeile, zweitedritte".to_owned()
                ),
                (5, "URL:https://kiez.example/a:b".to_owned()),
                (7, "LAST".to_owned()),
            ]
        );
        let p = Prop::split(
            3,
            Cow::Borrowed(
                r#"DTSTART;X-A="a;b:c";TZID="/mozilla.org/20050126_1/Europe/Berlin";VALUE=DATE-TIME:20270105T100000"#,
            ),
        )
        .expect("a property");
        assert!(p.is("dtstart"));
        assert_eq!(
            p.param("tzid"),
            Some("/mozilla.org/20050126_1/Europe/Berlin")
        );
        assert_eq!(p.param("X-A"), Some("a;b:c"));
        assert_eq!(p.param("VALUE"), Some("DATE-TIME"));
        assert_eq!(p.param("LANGUAGE"), None);
        assert_eq!(p.value(), "20270105T100000");
        let url = Prop::split(1, Cow::Borrowed("URL:https://a.example/x:y")).expect("a property");
        assert_eq!((url.name(), url.value()), ("URL", "https://a.example/x:y"));
        let empty = Prop::split(1, Cow::Borrowed("DESCRIPTION:")).expect("a property");
        assert_eq!(empty.value(), "");
        for bad in [
            "no colon here",
            ":value",
            " ;X=1:value",
            "DTSTART;TZID=\"open:x",
        ] {
            assert!(Prop::split(1, Cow::Borrowed(bad)).is_err(), "{bad}");
        }
        // Any name is taken; a `"` inside an unquoted value is text.
        let loose =
            Prop::split(1, Cow::Borrowed("Weitere Infos: https://x.example")).expect("a property");
        assert_eq!(
            (loose.name(), loose.value()),
            ("Weitere Infos", " https://x.example")
        );
        let stray = Prop::split(
            1,
            Cow::Borrowed("X-A;X-B=a\"b;TZID=Europe/Berlin:20270105T100000"),
        )
        .expect("a property");
        assert_eq!(stray.param("TZID"), Some("Europe/Berlin"));
        assert_eq!(stray.param("X-B"), Some("a\"b"));
        assert_eq!(stray.value(), "20270105T100000");
    }

    #[test]
    fn unreadable_lines_are_reported_and_the_rest_taken() {
        let text = CAL.replace("LOCATION:Kiezladen\r\n", "LOCATION Kiezladen\r\n");
        let p = parse(text.as_bytes(), &Limits::default()).expect("a calendar");
        assert_eq!(p.events.len(), 2);
        assert!(
            p.issues
                .iter()
                .any(|i| i.line == 15 && i.reason.starts_with("unreadable line: ")),
            "{:?}",
            p.issues
        );
        assert_eq!(p.events[0].event.place, None);
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
