//! iCalendar out (RFC 5545): series stay series (RRULE, RDATE, EXDATE), overrides and
//! cancellations are kept as RECURRENCE-ID components, every zone used gets a
//! VTIMEZONE, text is escaped and lines are folded at 75 octets.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::OffsetComponents;
use netzwerk_domain::event::{Event, EventStatus, EventTime, OccurrenceOverride};
use netzwerk_domain::location::Timezone;

use crate::text::{date, escape, local};

/// One event to write.
#[derive(Debug, Clone)]
pub struct CalendarEntry<'a> {
    /// Stable UID.
    pub uid: String,
    /// SEQUENCE.
    pub sequence: i64,
    /// When it last changed (DTSTAMP and LAST-MODIFIED).
    pub changed: DateTime<Utc>,
    /// The event.
    pub event: &'a Event,
    /// Changed or cancelled occurrences.
    pub overrides: &'a [OccurrenceOverride],
    /// The organiser's name and e-mail address, if it has one.
    pub organiser: Option<(String, Option<String>)>,
    /// The place as text (a directory location's name and address, or free text).
    pub location: Option<String>,
    /// A page about the event.
    pub url: Option<String>,
    /// Invited people (scheduling messages, RFC 5546).
    pub attendees: &'a [Attendee],
}

/// An invited person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Required (a member's representative) or optional (a guest).
    pub required: bool,
}

/// What a calendar object is for (RFC 5546 `METHOD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A feed to subscribe to.
    Publish,
    /// An invitation or an update of one (higher SEQUENCE).
    Request,
    /// A cancellation.
    Cancel,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Publish => "PUBLISH",
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// Appends one content line, folded at 75 octets without splitting a character and
/// without ending a physical line in a space (some readers trim those).
fn line(out: &mut String, content: &str) {
    let mut current = String::with_capacity(80);
    let mut first = true;
    for c in content.chars() {
        let limit = if first { 75 } else { 74 };
        if current.len() + c.len_utf8() > limit {
            let keep = current.trim_end_matches(' ').len().max(1);
            let carry = current.split_off(keep);
            if !first {
                out.push(' ');
            }
            out.push_str(&current);
            out.push_str("\r\n");
            current = carry;
            first = false;
        }
        current.push(c);
    }
    if !first {
        out.push(' ');
    }
    out.push_str(&current);
    out.push_str("\r\n");
}

fn is_utc(zone: Timezone) -> bool {
    zone.to_string() == "UTC"
}

fn when(name: &str, t: chrono::NaiveDateTime, time: &EventTime) -> String {
    match time {
        EventTime::AllDay { .. } => format!("{name};VALUE=DATE:{}", date(t.date())),
        EventTime::Timed { timezone, .. } if is_utc(*timezone) => format!("{name}:{}Z", local(t)),
        EventTime::Timed { timezone, .. } => format!("{name};TZID={timezone}:{}", local(t)),
    }
}

fn when_list(name: &str, ts: &[chrono::NaiveDateTime], time: &EventTime) -> String {
    let (params, values): (String, Vec<String>) = match time {
        EventTime::AllDay { .. } => (
            ";VALUE=DATE".into(),
            ts.iter().map(|t| date(t.date())).collect(),
        ),
        EventTime::Timed { timezone, .. } if is_utc(*timezone) => (
            String::new(),
            ts.iter().map(|t| format!("{}Z", local(*t))).collect(),
        ),
        EventTime::Timed { timezone, .. } => (
            format!(";TZID={timezone}"),
            ts.iter().map(|t| local(*t)).collect(),
        ),
    };
    format!("{name}{params}:{}", values.join(","))
}

fn stamp(t: DateTime<Utc>) -> String {
    format!("{}Z", local(t.naive_utc()))
}

fn offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.abs();
    format!("{sign}{:02}{:02}", s / 3600, s % 3600 / 60)
}

/// The VTIMEZONE of a zone for the years `from..=to`, built from the zone's real
/// transitions (found by scanning the tz database day by day, then to the minute).
fn vtimezone(out: &mut String, zone: Timezone, from: i32, to: i32) {
    let tz = zone.tz();
    let at = |t: DateTime<Utc>| {
        let o = tz.offset_from_utc_datetime(&t.naive_utc());
        (
            o.fix().local_minus_utc(),
            o.dst_offset() != Duration::zero(),
            o.to_string(),
        )
    };
    let start = NaiveDate::from_ymd_opt(from, 1, 1).map_or_else(Utc::now, |d| {
        d.and_hms_opt(0, 0, 0)
            .map_or_else(Utc::now, |t| t.and_utc())
    });
    let end = NaiveDate::from_ymd_opt(to, 12, 31).map_or_else(Utc::now, |d| {
        d.and_hms_opt(0, 0, 0)
            .map_or_else(Utc::now, |t| t.and_utc())
    });
    line(out, "BEGIN:VTIMEZONE");
    line(out, &format!("TZID:{zone}"));
    let (first_offset, first_dst, first_name) = at(start);
    let kind = |dst: bool| if dst { "DAYLIGHT" } else { "STANDARD" };
    line(out, &format!("BEGIN:{}", kind(first_dst)));
    line(
        out,
        &format!(
            "DTSTART:{}",
            local(start.naive_utc() + Duration::seconds(i64::from(first_offset)))
        ),
    );
    line(out, &format!("TZOFFSETFROM:{}", offset(first_offset)));
    line(out, &format!("TZOFFSETTO:{}", offset(first_offset)));
    line(out, &format!("TZNAME:{first_name}"));
    line(out, &format!("END:{}", kind(first_dst)));
    let mut day = start;
    let mut prev = first_offset;
    while day < end {
        let next = day + Duration::days(1);
        let (o, _, _) = at(next);
        if o != prev {
            // Narrow the change down to the first whole minute with the new offset.
            let (mut lo, mut hi) = (0i64, 24 * 60);
            while hi - lo > 1 {
                let mid = (lo + hi) / 2;
                if at(day + Duration::minutes(mid)).0 == prev {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let hi = day + Duration::minutes(hi);
            let (to_offset, dst, name) = at(hi);
            line(out, &format!("BEGIN:{}", kind(dst)));
            line(
                out,
                &format!(
                    "DTSTART:{}",
                    local(hi.naive_utc() + Duration::seconds(i64::from(prev)))
                ),
            );
            line(out, &format!("TZOFFSETFROM:{}", offset(prev)));
            line(out, &format!("TZOFFSETTO:{}", offset(to_offset)));
            line(out, &format!("TZNAME:{name}"));
            line(out, &format!("END:{}", kind(dst)));
            prev = o;
        }
        day = next;
    }
    line(out, "END:VTIMEZONE");
}

fn status(s: EventStatus) -> &'static str {
    match s {
        EventStatus::Confirmed => "CONFIRMED",
        EventStatus::Tentative => "TENTATIVE",
        EventStatus::Cancelled => "CANCELLED",
    }
}

/// A parameter value (CN): no double quotes, no control characters (a line break
/// would start a new property).
fn param_value(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '"' {
                '\''
            } else if c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn common(out: &mut String, e: &CalendarEntry<'_>) {
    line(out, &format!("UID:{}", escape(&e.uid)));
    line(out, &format!("DTSTAMP:{}", stamp(e.changed)));
    line(out, &format!("LAST-MODIFIED:{}", stamp(e.changed)));
    line(out, &format!("SEQUENCE:{}", e.sequence.max(0)));
    if let Some((name, email)) = &e.organiser {
        let cn = param_value(name);
        match email {
            Some(mail) => line(out, &format!("ORGANIZER;CN=\"{cn}\":mailto:{mail}")),
            None => line(out, &format!("X-NETZWERK-ORGANISER:{}", escape(name))),
        }
    }
    for a in e.attendees {
        let role = if a.required {
            "REQ-PARTICIPANT"
        } else {
            "OPT-PARTICIPANT"
        };
        line(
            out,
            &format!(
                "ATTENDEE;CN=\"{}\";CUTYPE=INDIVIDUAL;ROLE={role};PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{}",
                param_value(&a.name),
                param_value(&a.email).replace([';', ':', ','], "")
            ),
        );
    }
}

/// Writes a whole calendar named `name` to publish (a feed).
pub fn write_calendar(name: &str, entries: &[CalendarEntry<'_>]) -> String {
    write_calendar_as(Method::Publish, name, entries)
}

/// The zones a calendar's timed events are in and the years they start in: what its
/// head needs to define their zones. Gathered over the events, or told by whoever
/// streams a calendar too large to hold (see [`write_head`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    /// Zones of timed events (UTC is left out: it needs no definition).
    pub zones: BTreeSet<String>,
    /// The first and last year a timed event starts in.
    pub years: Option<(i32, i32)>,
}

impl Frame {
    /// Adds a timed event in `zone` starting at local time `start`.
    pub fn add(&mut self, zone: Timezone, start: NaiveDateTime) {
        if !is_utc(zone) {
            self.zones.insert(zone.to_string());
        }
        let y = start.year();
        self.years = Some(match self.years {
            Some((first, last)) => (first.min(y), last.max(y)),
            None => (y, y),
        });
    }
}

/// Writes a calendar named `name` with the given `METHOD`: a feed, or an invitation,
/// update or cancellation to send by e-mail.
pub fn write_calendar_as(method: Method, name: &str, entries: &[CalendarEntry<'_>]) -> String {
    let mut frame = Frame::default();
    for e in entries {
        if let EventTime::Timed {
            timezone, start, ..
        } = e.event.time
        {
            frame.add(timezone, start);
        }
    }
    let mut out = write_head(method, name, &frame);
    out.reserve(entries.len() * 600);
    for e in entries {
        write_entry(&mut out, e);
    }
    out.push_str(TAIL);
    out
}

/// The end of a calendar, after its last [`write_entry`].
pub const TAIL: &str = "END:VCALENDAR\r\n";

/// The start of a calendar: its properties and the definitions of the zones in
/// `frame` over its years (one year before to two after, and at least around now).
pub fn write_head(method: Method, name: &str, frame: &Frame) -> String {
    let mut out = String::with_capacity(4096);
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Netzwerk Hub//Netzwerk Hub//DE");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, &format!("METHOD:{}", method.as_str()));
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    line(&mut out, "X-WR-TIMEZONE:Europe/Berlin");
    if let (false, Some((first_year, last_year))) = (frame.zones.is_empty(), frame.years) {
        let now = Utc::now().year();
        let (from, to) = (first_year.min(now) - 1, last_year.max(now) + 2);
        for z in &frame.zones {
            if let Ok(zone) = Timezone::parse(z) {
                vtimezone(&mut out, zone, from, to);
            }
        }
    }
    out
}

/// Writes one event: its series (or single occurrence) and its changed occurrences.
pub fn write_entry(out: &mut String, e: &CalendarEntry<'_>) {
    let ev = e.event;
    let end = ev.time.local_start() + ev.time.duration();
    line(out, "BEGIN:VEVENT");
    common(out, e);
    line(out, &when("DTSTART", ev.time.local_start(), &ev.time));
    line(out, &when("DTEND", end, &ev.time));
    if let Some(rule) = &ev.recurrence.rule {
        line(out, &format!("RRULE:{rule}"));
    }
    if !ev.recurrence.rdates.is_empty() {
        line(out, &when_list("RDATE", &ev.recurrence.rdates, &ev.time));
    }
    if !ev.recurrence.exdates.is_empty() {
        line(out, &when_list("EXDATE", &ev.recurrence.exdates, &ev.time));
    }
    body(out, e, &ev.title, ev.description.as_deref(), ev.status);
    line(out, "END:VEVENT");
    for ov in e.overrides {
        let s = ov.start.unwrap_or(ov.recurrence_id);
        let en = ov.end.unwrap_or(s + ev.time.duration());
        line(out, "BEGIN:VEVENT");
        common(out, e);
        line(out, &when("RECURRENCE-ID", ov.recurrence_id, &ev.time));
        line(out, &when("DTSTART", s, &ev.time));
        line(out, &when("DTEND", en, &ev.time));
        let title = ov.title.as_deref().unwrap_or(&ev.title);
        let description = ov.description.as_deref().or(ev.description.as_deref());
        body(out, e, title, description, ov.status.unwrap_or(ev.status));
        line(out, "END:VEVENT");
    }
}

fn body(
    out: &mut String,
    e: &CalendarEntry<'_>,
    title: &str,
    description: Option<&str>,
    st: EventStatus,
) {
    let ev = e.event;
    line(out, &format!("SUMMARY:{}", escape(title)));
    let mut desc = description.unwrap_or_default().to_owned();
    for (label, note) in [
        ("Barrierefreiheit", &ev.accessibility_note),
        ("Dolmetschen", &ev.interpretation_note),
    ] {
        if let Some(n) = note {
            let _ = write!(
                desc,
                "{}{label}: {n}",
                if desc.is_empty() { "" } else { "\n\n" }
            );
        }
    }
    if !desc.is_empty() {
        line(out, &format!("DESCRIPTION:{}", escape(&desc)));
    }
    let place = e
        .location
        .clone()
        .or_else(|| ev.place.clone())
        .or_else(|| ev.online_url.clone());
    if let Some(p) = place {
        line(out, &format!("LOCATION:{}", escape(&p)));
    }
    if let Some(u) = e
        .url
        .as_ref()
        .or(ev.registration_url.as_ref())
        .or(ev.online_url.as_ref())
    {
        line(out, &format!("URL:{u}"));
    }
    line(
        out,
        &format!("CATEGORIES:{}", ev.category.as_str().to_ascii_uppercase()),
    );
    line(out, &format!("STATUS:{}", status(st)));
}

#[cfg(test)]
mod tests {
    use netzwerk_domain::event::EventInput;

    use super::*;
    use crate::{Limits, parse};

    fn at(s: &str) -> chrono::NaiveDateTime {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("date")
    }

    #[test]
    fn round_trips_through_the_parser() {
        let event = EventInput {
            title: "Sprachcafé; Deutsch, Arabisch und Українська — für alle, die üben wollen, mit Kuchen und Tee".into(),
            description: Some("Zeile eins\nZeile zwei".into()),
            start: Some(at("2027-01-05 10:00")),
            end: Some(at("2027-01-05 12:00")),
            rule: Some("FREQ=WEEKLY;BYDAY=TU".into()),
            exdates: vec![at("2027-01-12 10:00")],
            ..Default::default()
        }
        .validate()
        .expect("valid");
        let ov = [OccurrenceOverride {
            recurrence_id: at("2027-01-19 10:00"),
            status: Some(EventStatus::Cancelled),
            start: None,
            end: None,
            title: None,
            description: None,
        }];
        let text = write_calendar(
            "Netzwerk",
            &[CalendarEntry {
                uid: "e1@netzwerk".into(),
                sequence: 3,
                changed: at("2027-01-01 00:00").and_utc(),
                event: &event,
                overrides: &ov,
                organiser: Some(("Kiezwerkstatt".into(), Some("info@kiez.example".into()))),
                location: Some("Kiezladen, Kiefholzstraße 41".into()),
                url: None,
                attendees: &[],
            }],
        );
        assert!(text.lines().all(|l| l.len() <= 76), "folded at 75 octets");
        assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin"));
        assert!(text.contains("TZOFFSETTO:+0200"));
        assert!(
            text.contains("DTSTART:20270328T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200"),
            "{text}"
        );
        let back = parse(text.as_bytes(), &Limits::default()).expect("parses");
        assert!(back.issues.is_empty(), "{:?}", back.issues);
        assert_eq!(back.events.len(), 1);
        let e = &back.events[0];
        assert_eq!(e.event.title, event.title);
        assert_eq!(e.event.description, event.description);
        assert_eq!(e.event.time, event.time);
        assert_eq!(e.event.recurrence, event.recurrence);
        assert_eq!(e.sequence, 3);
        assert_eq!(e.overrides[0].status, Some(EventStatus::Cancelled));
    }
}
