//! Events of the network and its members: one-off or recurring (RRULE, RDATE, EXDATE),
//! with per-occurrence overrides, in local time with an IANA time zone.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::ValidationError;
use crate::code_enum;
use crate::error::{Checker, optional_text, required_text, url};
use crate::ids::{LocationId, OrganisationId};
use crate::language::LanguageCode;
use crate::location::Timezone;
use crate::organisation::{NAME_MAX, TEXT_MAX, TargetGroup, set};

code_enum!(
    /// The kind of event: the seed's kinds plus counselling hours and network meetings.
    EventCategory {
        /// Intercultural festival.
        InterculturalFestival = "intercultural_festival",
        /// Education event.
        Education = "education",
        /// Discussion.
        Discussion = "discussion",
        /// Presentation.
        Presentation = "presentation",
        /// Keeping migrant culture and tradition alive.
        CultureTradition = "culture_tradition",
        /// Against right-wing extremism, racism and any discrimination.
        AgainstDiscrimination = "against_discrimination",
        /// Regular counselling hours.
        CounsellingHours = "counselling_hours",
        /// A meeting of the network.
        NetworkMeeting = "network_meeting",
        /// Anything else.
        Other = "other",
    }
);

code_enum!(
    /// Whether an event (or one occurrence) takes place.
    EventStatus {
        /// It takes place.
        Confirmed = "confirmed",
        /// Not yet sure.
        Tentative = "tentative",
        /// Called off.
        Cancelled = "cancelled",
    }
);

/// When an event (its first occurrence) takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventTime {
    /// From `start` to `end`, local times in `timezone`.
    Timed {
        /// Local start.
        start: NaiveDateTime,
        /// Local end, after `start`.
        end: NaiveDateTime,
        /// The zone of both.
        timezone: Timezone,
    },
    /// Whole days from `start` up to, not including, `end`.
    AllDay {
        /// First day.
        start: NaiveDate,
        /// Day after the last day.
        end: NaiveDate,
    },
}

impl EventTime {
    /// The local start as a date-time (midnight for all-day events).
    pub fn local_start(&self) -> NaiveDateTime {
        match self {
            EventTime::Timed { start, .. } => *start,
            EventTime::AllDay { start, .. } => start.and_time(chrono::NaiveTime::MIN),
        }
    }

    /// The duration of one occurrence.
    pub fn duration(&self) -> chrono::Duration {
        match self {
            EventTime::Timed { start, end, .. } => *end - *start,
            EventTime::AllDay { start, end } => *end - *start,
        }
    }

    /// A local time of this event as an instant; whole days are placed in UTC, so that
    /// their dates never shift.
    pub fn instant(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            EventTime::Timed { timezone, .. } => timezone.instant(local),
            EventTime::AllDay { .. } => local.and_utc(),
        }
    }

    /// The zone local times are in (all-day events: Europe/Berlin for ordering).
    pub fn timezone(&self) -> Timezone {
        match self {
            EventTime::Timed { timezone, .. } => *timezone,
            EventTime::AllDay { .. } => Timezone::berlin(),
        }
    }
}

/// Recurrence of an event: an RFC 5545 RRULE plus extra and excluded dates, all as
/// local start times in the event's zone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recurrence {
    /// The rule's value, e.g. `FREQ=WEEKLY;BYDAY=TU` (checked by the calendar crate).
    pub rule: Option<String>,
    /// Extra occurrences.
    pub rdates: Vec<NaiveDateTime>,
    /// Removed occurrences.
    pub exdates: Vec<NaiveDateTime>,
}

impl Recurrence {
    /// True for a one-off event.
    pub fn is_none(&self) -> bool {
        self.rule.is_none() && self.rdates.is_empty()
    }
}

/// A change to one occurrence of a recurring event (iCalendar RECURRENCE-ID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OccurrenceOverride {
    /// The original local start of the occurrence it changes.
    pub recurrence_id: NaiveDateTime,
    /// New status (cancelled removes the occurrence from listings but keeps it in feeds).
    pub status: Option<EventStatus>,
    /// New local start.
    pub start: Option<NaiveDateTime>,
    /// New local end.
    pub end: Option<NaiveDateTime>,
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
}

/// Where an event comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// Entered in the Hub.
    Manual,
    /// Imported from an iCalendar feed or file.
    Feed {
        /// The iCalendar UID.
        uid: String,
        /// The SEQUENCE.
        sequence: i64,
        /// LAST-MODIFIED.
        last_modified: Option<DateTime<Utc>>,
    },
}

/// An event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Language of title and description.
    pub content_language: LanguageCode,
    /// Kind.
    pub category: EventCategory,
    /// Who it is for.
    pub target_groups: Vec<TargetGroup>,
    /// Languages it is held in.
    pub languages: Vec<LanguageCode>,
    /// First occurrence.
    pub time: EventTime,
    /// Repetition.
    pub recurrence: Recurrence,
    /// Status of the whole event.
    pub status: EventStatus,
    /// A location of the directory.
    pub location_id: Option<LocationId>,
    /// Or a free-text place.
    pub place: Option<String>,
    /// Or (also) an online link.
    pub online_url: Option<String>,
    /// Accessibility notes.
    pub accessibility_note: Option<String>,
    /// Interpretation (languages, sign language) notes.
    pub interpretation_note: Option<String>,
    /// Where to register.
    pub registration_url: Option<String>,
    /// An image.
    pub image_url: Option<String>,
    /// Other member organisations organising it together with the owner.
    pub co_organisers: Vec<OrganisationId>,
    /// Where it comes from.
    pub provenance: Provenance,
}

/// The most occurrences one expansion produces; an endless rule expands lazily up to this.
pub const MAX_OCCURRENCES: usize = 5_000;

/// Unvalidated input for an event.
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    /// See [`Event::title`].
    pub title: String,
    /// See [`Event::description`].
    pub description: Option<String>,
    /// ISO 639-1.
    pub content_language: Option<String>,
    /// See [`Event::category`].
    pub category: Option<EventCategory>,
    /// See [`Event::target_groups`].
    pub target_groups: Vec<TargetGroup>,
    /// ISO 639-1 codes.
    pub languages: Vec<String>,
    /// Local start (timed events).
    pub start: Option<NaiveDateTime>,
    /// Local end (timed events).
    pub end: Option<NaiveDateTime>,
    /// First day (all-day events).
    pub start_date: Option<NaiveDate>,
    /// Last day, inclusive (all-day events).
    pub end_date: Option<NaiveDate>,
    /// IANA zone (default Europe/Berlin).
    pub timezone: Option<String>,
    /// RRULE value.
    pub rule: Option<String>,
    /// Extra local start times.
    pub rdates: Vec<NaiveDateTime>,
    /// Excluded local start times.
    pub exdates: Vec<NaiveDateTime>,
    /// See [`Event::status`].
    pub status: Option<EventStatus>,
    /// Location id as text.
    pub location_id: Option<String>,
    /// See [`Event::place`].
    pub place: Option<String>,
    /// See [`Event::online_url`].
    pub online_url: Option<String>,
    /// See [`Event::accessibility_note`].
    pub accessibility_note: Option<String>,
    /// See [`Event::interpretation_note`].
    pub interpretation_note: Option<String>,
    /// See [`Event::registration_url`].
    pub registration_url: Option<String>,
    /// See [`Event::image_url`].
    pub image_url: Option<String>,
    /// Organisation ids as text.
    pub co_organisers: Vec<String>,
}

fn opt_text(c: &mut Checker, field: &str, raw: &Option<String>, max: usize) -> Option<String> {
    raw.as_ref()
        .and_then(|r| c.take(field, optional_text(r, max)).flatten())
}

fn opt_url(c: &mut Checker, field: &str, raw: &Option<String>) -> Option<String> {
    match raw.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => c.take(field, url(r)),
        None => None,
    }
}

/// Checks an RRULE value's shape: `KEY=VALUE` parts separated by `;`, with a known FREQ.
/// The calendar crate checks the rest when it expands the rule.
pub fn check_rule(rule: &str) -> Result<String, ValidationError> {
    let r = rule.trim().trim_start_matches("RRULE:");
    let mut freq = None;
    for part in r.split(';').filter(|p| !p.is_empty()) {
        let Some((k, v)) = part.split_once('=') else {
            return Err(ValidationError::new(
                "",
                "rrule",
                format!("{part:?} is not KEY=VALUE"),
            ));
        };
        if k.eq_ignore_ascii_case("FREQ") {
            freq = Some(v.to_ascii_uppercase());
        }
    }
    match freq.as_deref() {
        Some("YEARLY" | "MONTHLY" | "WEEKLY" | "DAILY") => Ok(r.to_owned()),
        Some(f) => Err(ValidationError::new(
            "",
            "rrule",
            format!("FREQ={f} is not supported; use DAILY, WEEKLY, MONTHLY or YEARLY"),
        )),
        None => Err(ValidationError::new("", "rrule", "the rule needs FREQ=…")),
    }
}

impl EventInput {
    /// Checks every field and reports every violation at once.
    pub fn validate(&self) -> Result<Event, ValidationError> {
        let mut c = Checker::new();
        let title = c.take("title", required_text(&self.title, NAME_MAX));
        let description = opt_text(&mut c, "description", &self.description, TEXT_MAX);
        let content_language = match self
            .content_language
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            Some(l) => c.take("contentLanguage", LanguageCode::parse(l)),
            None => Some(LanguageCode::german()),
        };
        let mut languages = Vec::new();
        for (i, l) in self.languages.iter().enumerate() {
            if let Some(code) = c.take(&format!("languages[{i}]"), LanguageCode::parse(l)) {
                languages.push(code);
            }
        }
        let timezone = match self.timezone.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(t) => c.take("timezone", Timezone::parse(t)),
            None => Some(Timezone::berlin()),
        };
        let time = match (self.start, self.end, self.start_date, self.end_date) {
            (Some(start), end, None, None) => {
                let end = end.unwrap_or(start + chrono::Duration::hours(1));
                c.check(
                    end > start,
                    "end",
                    "after_start",
                    format!("the end {end} must be after the start {start}"),
                );
                timezone.map(|tz| EventTime::Timed {
                    start,
                    end,
                    timezone: tz,
                })
            }
            (None, None, Some(start), end) => {
                let last = end.unwrap_or(start);
                c.check(
                    last >= start,
                    "endDate",
                    "after_start",
                    format!("the last day {last} must not be before the first day {start}"),
                );
                last.succ_opt().map(|end| EventTime::AllDay { start, end })
            }
            (None, None, None, None) => {
                c.check(
                    false,
                    "start",
                    "required",
                    "give start (and end) or startDate (and endDate)",
                );
                None
            }
            _ => {
                c.check(
                    false,
                    "start",
                    "one_of",
                    "give either start/end or startDate/endDate, not both",
                );
                None
            }
        };
        let rule = match self.rule.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(r) => c.take("rrule", check_rule(r)),
            None => None,
        };
        let location_id = match self.location_id.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(l) => c.take("locationId", LocationId::parse(l)),
            None => None,
        };
        let place = opt_text(&mut c, "place", &self.place, 300);
        let online_url = opt_url(&mut c, "onlineUrl", &self.online_url);
        let accessibility_note = opt_text(
            &mut c,
            "accessibilityNote",
            &self.accessibility_note,
            TEXT_MAX,
        );
        let interpretation_note = opt_text(
            &mut c,
            "interpretationNote",
            &self.interpretation_note,
            TEXT_MAX,
        );
        let registration_url = opt_url(&mut c, "registrationUrl", &self.registration_url);
        let image_url = opt_url(&mut c, "imageUrl", &self.image_url);
        let mut co_organisers = Vec::new();
        for (i, o) in self.co_organisers.iter().enumerate() {
            if let Some(id) = c.take(&format!("coOrganiserIds[{i}]"), OrganisationId::parse(o)) {
                co_organisers.push(id);
            }
        }
        c.check(
            self.co_organisers.len() <= 20,
            "coOrganiserIds",
            "max_items",
            "at most 20 co-organisers",
        );
        c.check(
            self.rdates.len() <= 1000,
            "rdates",
            "max_items",
            "at most 1000 extra dates",
        );
        c.check(
            self.exdates.len() <= 1000,
            "exdates",
            "max_items",
            "at most 1000 excluded dates",
        );
        c.finish(|| ())?;
        let (Some(title), Some(time), Some(content_language)) = (title, time, content_language)
        else {
            return Err(ValidationError::new(
                "title",
                "required",
                "must not be empty",
            ));
        };
        Ok(Event {
            title,
            description,
            content_language,
            category: self.category.unwrap_or(EventCategory::Other),
            target_groups: set(&self.target_groups),
            languages: set(&languages),
            time,
            recurrence: Recurrence {
                rule,
                rdates: set(&self.rdates),
                exdates: set(&self.exdates),
            },
            status: self.status.unwrap_or(EventStatus::Confirmed),
            location_id,
            place,
            online_url,
            accessibility_note,
            interpretation_note,
            registration_url,
            image_url,
            co_organisers: set(&co_organisers),
            provenance: Provenance::Manual,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("date")
    }

    #[test]
    fn validates_times_and_rules() {
        let ok = EventInput {
            title: "Sprachcafé".into(),
            start: Some(at("2027-01-05 10:00")),
            end: Some(at("2027-01-05 12:00")),
            rule: Some("FREQ=WEEKLY;BYDAY=TU".into()),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(ok.time.duration(), chrono::Duration::hours(2));

        let err = EventInput {
            title: "x".into(),
            start: Some(at("2027-01-05 10:00")),
            end: Some(at("2027-01-05 09:00")),
            rule: Some("FREQ=SECONDLY".into()),
            timezone: Some("Erde/Mitte".into()),
            ..Default::default()
        }
        .validate()
        .expect_err("invalid");
        let fields: Vec<_> = err.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["timezone", "end", "rrule"]);
    }

    #[test]
    fn all_day_end_is_exclusive() {
        let e = EventInput {
            title: "Fest".into(),
            start_date: NaiveDate::from_ymd_opt(2027, 6, 5),
            end_date: NaiveDate::from_ymd_opt(2027, 6, 6),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(e.time.duration(), chrono::Duration::days(2));
    }
}
