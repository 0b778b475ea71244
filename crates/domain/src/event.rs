//! Events of the network and its members: one-off or recurring (RRULE, RDATE, EXDATE),
//! with per-occurrence overrides, in local time with an IANA time zone.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};

use crate::ValidationError;
use crate::Violation;
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

    /// The local end of the first occurrence.
    pub fn local_end(&self) -> NaiveDateTime {
        self.local_start() + self.duration()
    }

    /// The first occurrence's start as an instant.
    pub fn first_start(&self) -> DateTime<Utc> {
        self.instant(self.local_start())
    }

    /// The first occurrence's end as an instant.
    pub fn first_end(&self) -> DateTime<Utc> {
        self.instant(self.local_end())
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

    /// Whether there is anything to show about repetition: a rule, extra dates, or
    /// removed ones (a one-off event keeps its excluded date when its rule is gone).
    pub fn is_shown(&self) -> bool {
        !self.is_none() || !self.exdates.is_empty()
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

impl Event {
    /// A confirmed, one-off event the Hub makes itself (a meeting, an offer's opening
    /// hours): only what every event has; the rest empty, to be set with `..`.
    pub fn new(
        title: String,
        content_language: LanguageCode,
        category: EventCategory,
        time: EventTime,
    ) -> Self {
        Self {
            title,
            description: None,
            content_language,
            category,
            target_groups: Vec::new(),
            languages: Vec::new(),
            time,
            recurrence: Recurrence::default(),
            status: EventStatus::Confirmed,
            location_id: None,
            place: None,
            online_url: None,
            accessibility_note: None,
            interpretation_note: None,
            registration_url: None,
            image_url: None,
            co_organisers: Vec::new(),
            provenance: Provenance::Manual,
        }
    }
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

/// The parts an RRULE may have.
pub const RULE_PARTS: [&str; 14] = [
    "FREQ",
    "INTERVAL",
    "COUNT",
    "UNTIL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
];

/// The most values one list-valued rule part (e.g. `BYMINUTE`) may have.
pub const RULE_LIST_MAX: usize = 60;

/// The years that event dates, extra and excluded dates and a rule's UNTIL may fall in.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// The weekday codes of RFC 5545.
const WEEKDAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// `value` as a whole number in `lo..=hi` (never 0 when `nonzero`), or a message naming
/// `key=value`.
fn ranged(key: &str, value: &str, lo: i64, hi: i64, nonzero: bool) -> Result<i64, String> {
    match value.parse::<i64>() {
        Ok(n) if (lo..=hi).contains(&n) && !(nonzero && n == 0) => Ok(n),
        _ if nonzero && lo == -hi => Err(format!(
            "{key}={value}: must be between 1 and {hi} or between -{hi} and -1"
        )),
        _ => Err(format!("{key}={value}: must be between {lo} and {hi}")),
    }
}

/// Checks an UNTIL value: `YYYYMMDD` or `YYYYMMDDTHHMMSS[Z]`, a real date in [`YEARS`].
fn check_until(value: &str) -> Result<(), String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (date, time) = match value.split_once('T') {
        Some((d, t)) => (d, Some(t.strip_suffix('Z').unwrap_or(t))),
        None => (value, None),
    };
    let shape = date.len() == 8
        && digits(date)
        && time.is_none_or(|t| t.len() == 6 && digits(t))
        && (time.is_some() || !value.ends_with('Z'));
    let parsed = shape
        .then(|| match time {
            Some(t) => NaiveDateTime::parse_from_str(&format!("{date}T{t}"), "%Y%m%dT%H%M%S").ok(),
            None => NaiveDate::parse_from_str(date, "%Y%m%d")
                .ok()
                .map(|d| d.and_time(chrono::NaiveTime::MIN)),
        })
        .flatten();
    match parsed {
        None => Err(format!(
            "UNTIL={value}: must be a date YYYYMMDD or a date-time YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ"
        )),
        Some(t) if !YEARS.contains(&t.year()) => Err(format!(
            "UNTIL={value}: the year must be between {} and {}",
            YEARS.start(),
            YEARS.end()
        )),
        Some(_) => Ok(()),
    }
}

/// Checks one BYDAY value: a weekday code with an optional signed ordinal, which only
/// MONTHLY (1 to 5) and YEARLY (1 to 53) rules may have.
fn check_weekday(value: &str, freq: Option<&str>) -> Result<(), String> {
    let split = value.len().checked_sub(2);
    let (ordinal, code) = match split.and_then(|i| Some((value.get(..i)?, value.get(i..)?))) {
        Some((o, c)) if WEEKDAYS.contains(&c) => (o, c),
        _ => {
            return Err(format!(
                "BYDAY={value}: must be a weekday code MO, TU, WE, TH, FR, SA or SU, \
                 optionally after an ordinal such as 1MO or -1FR"
            ));
        }
    };
    if ordinal.is_empty() {
        return Ok(());
    }
    let ordinal_shape = ordinal
        .strip_prefix(['+', '-'])
        .unwrap_or(ordinal)
        .bytes()
        .all(|b| b.is_ascii_digit());
    let n = match ordinal.parse::<i64>() {
        Ok(n) if ordinal_shape && n != 0 && n.abs() <= 53 => n,
        _ => {
            return Err(format!(
                "BYDAY={value}: the ordinal before {code} must be between 1 and 53 \
                 or between -53 and -1"
            ));
        }
    };
    match freq {
        Some("MONTHLY") if n.abs() > 5 => Err(format!(
            "BYDAY={value}: with FREQ=MONTHLY the ordinal must be between 1 and 5 \
             or between -5 and -1"
        )),
        Some("MONTHLY" | "YEARLY") | None => Ok(()),
        Some(f) => Err(format!(
            "BYDAY={value}: an ordinal before the weekday needs FREQ=MONTHLY or \
             FREQ=YEARLY, not FREQ={f}"
        )),
    }
}

/// Checks an RRULE value (RFC 5545, 3.3.10) so that every accepted rule expands: only
/// known parts, each at most once; FREQ=DAILY, WEEKLY, MONTHLY or YEARLY; numbers in
/// their ranges (INTERVAL 1 to 1000, COUNT 1 to [`MAX_OCCURRENCES`]); weekday codes;
/// UNTIL a date or date-time in [`YEARS`], not together with COUNT; at most
/// [`RULE_LIST_MAX`] values per list. Keys and values are case-insensitive. Every
/// problem is reported, each message naming the offending part. Returns the rule
/// without surrounding blanks and without an `RRULE:` prefix.
pub fn check_rule(rule: &str) -> Result<String, ValidationError> {
    let r = rule.trim().trim_start_matches("RRULE:");
    let mut problems: Vec<String> = Vec::new();
    let mut parts: Vec<(String, String)> = Vec::new();
    for part in r.split(';').filter(|p| !p.is_empty()) {
        let Some((k, v)) = part.split_once('=') else {
            problems.push(format!("{part:?} is not KEY=VALUE"));
            continue;
        };
        let key = k.to_ascii_uppercase();
        if !RULE_PARTS.contains(&key.as_str()) {
            problems.push(format!(
                "{part}: unknown rule part {k:?}; known are {}",
                RULE_PARTS.join(", ")
            ));
        } else if parts.iter().any(|(seen, _)| *seen == key) {
            problems.push(format!("{part}: {key} is given more than once"));
        } else {
            parts.push((key, v.to_ascii_uppercase()));
        }
    }
    let get = |key: &str| {
        parts
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let freq = match get("FREQ") {
        Some(f @ ("YEARLY" | "MONTHLY" | "WEEKLY" | "DAILY")) => Some(f),
        Some(f) => {
            problems.push(format!(
                "FREQ={f} is not supported; use DAILY, WEEKLY, MONTHLY or YEARLY"
            ));
            None
        }
        None => {
            problems.push("the rule needs FREQ=…".to_owned());
            None
        }
    };
    if get("COUNT").is_some() && get("UNTIL").is_some() {
        problems.push("COUNT and UNTIL must not both be given".to_owned());
    }
    let max_count = i64::try_from(MAX_OCCURRENCES).unwrap_or(i64::MAX);
    for (key, value) in &parts {
        let key = key.as_str();
        // Only BYxxx parts are lists.
        let items: Vec<&str> = if key.starts_with("BY") {
            value.split(',').collect()
        } else {
            vec![value.as_str()]
        };
        if key.starts_with("BY") && items.len() > RULE_LIST_MAX {
            problems.push(format!(
                "{key}: at most {RULE_LIST_MAX} values, not {}",
                items.len()
            ));
            continue;
        }
        let each = |lo: i64, hi: i64, nonzero: bool| -> Vec<String> {
            items
                .iter()
                .filter_map(|i| ranged(key, i, lo, hi, nonzero).err())
                .collect()
        };
        let found: Vec<String> = match key {
            "INTERVAL" => each(1, 1000, false),
            "COUNT" => each(1, max_count, false),
            "UNTIL" => check_until(value).err().into_iter().collect(),
            "BYSECOND" => each(0, 60, false),
            "BYMINUTE" => each(0, 59, false),
            "BYHOUR" => each(0, 23, false),
            "BYMONTHDAY" => each(-31, 31, true),
            "BYYEARDAY" => each(-366, 366, true),
            "BYWEEKNO" => each(-53, 53, true),
            "BYMONTH" => each(1, 12, false),
            "BYSETPOS" => each(-366, 366, true),
            "BYDAY" => items
                .iter()
                .filter_map(|i| check_weekday(i, freq).err())
                .collect(),
            "WKST" if !WEEKDAYS.contains(&value.as_str()) => vec![format!(
                "WKST={value}: must be a weekday code MO, TU, WE, TH, FR, SA or SU"
            )],
            _ => Vec::new(),
        };
        problems.extend(found);
    }
    // Combinations RFC 5545 forbids.
    let by = |key: &str| get(key).is_some();
    if let Some(f) = freq {
        for key in ["BYWEEKNO", "BYYEARDAY"] {
            if f != "YEARLY" && by(key) {
                problems.push(format!("{key} needs FREQ=YEARLY, not FREQ={f}"));
            }
        }
        if f == "WEEKLY" && by("BYMONTHDAY") {
            problems.push("BYMONTHDAY must not be used with FREQ=WEEKLY".to_owned());
        }
    }
    let other_by = parts
        .iter()
        .any(|(k, _)| k.starts_with("BY") && k != "BYSETPOS");
    if by("BYSETPOS") && !other_by {
        problems.push("BYSETPOS needs another BYxxx part, e.g. BYDAY".to_owned());
    }
    if problems.is_empty() {
        Ok(r.to_owned())
    } else {
        Err(ValidationError {
            violations: problems
                .into_iter()
                .map(|message| Violation {
                    field: String::new(),
                    rule: "rrule",
                    message,
                })
                .collect(),
        })
    }
}

impl EventInput {
    /// Changes the time as an update asks: a new start (timed or all-day) replaces the
    /// old kind of time together with its end; without a new start, a new end changes
    /// the end only.
    pub fn retime(
        &mut self,
        start: Option<NaiveDateTime>,
        end: Option<NaiveDateTime>,
        start_date: Option<NaiveDate>,
        end_date: Option<NaiveDate>,
    ) {
        if start.is_some() || start_date.is_some() {
            (self.start, self.end) = (start, end);
            (self.start_date, self.end_date) = (start_date, end_date);
        } else {
            self.end = end.or(self.end);
            self.end_date = end_date.or(self.end_date);
        }
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
                // Checked: a start at the end of chrono's range has no hour after it.
                let end = end
                    .or_else(|| start.checked_add_signed(chrono::Duration::hours(1)))
                    .unwrap_or(start);
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
        let years = |field: &str, year: i32, c: &mut Checker| {
            c.check(
                YEARS.contains(&year),
                field,
                "range",
                format!(
                    "the year {year} is outside {} to {}",
                    YEARS.start(),
                    YEARS.end()
                ),
            );
        };
        for (field, t) in [("start", self.start), ("end", self.end)] {
            if let Some(t) = t {
                years(field, t.year(), &mut c);
            }
        }
        for (field, d) in [("startDate", self.start_date), ("endDate", self.end_date)] {
            if let Some(d) = d {
                years(field, d.year(), &mut c);
            }
        }
        for (name, list) in [("rdates", &self.rdates), ("exdates", &self.exdates)] {
            for (i, t) in list.iter().enumerate() {
                years(&format!("{name}[{i}]"), t.year(), &mut c);
            }
        }
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

impl EventInput {
    /// The stored value as unvalidated input: the base an update changes (validating it
    /// gives the value back). An all-day end is stored exclusive and given inclusive.
    pub fn of(e: &Event) -> Self {
        let (start, end, start_date, end_date, timezone) = match e.time {
            EventTime::Timed {
                start,
                end,
                timezone,
            } => (
                Some(start),
                Some(end),
                None,
                None,
                Some(timezone.to_string()),
            ),
            EventTime::AllDay { start, end } => (None, None, Some(start), end.pred_opt(), None),
        };
        Self {
            title: e.title.clone(),
            description: e.description.clone(),
            content_language: Some(e.content_language.to_string()),
            category: Some(e.category),
            target_groups: e.target_groups.clone(),
            languages: e.languages.iter().map(ToString::to_string).collect(),
            start,
            end,
            start_date,
            end_date,
            timezone,
            rule: e.recurrence.rule.clone(),
            rdates: e.recurrence.rdates.clone(),
            exdates: e.recurrence.exdates.clone(),
            status: Some(e.status),
            location_id: e.location_id.map(|l| l.to_string()),
            place: e.place.clone(),
            online_url: e.online_url.clone(),
            accessibility_note: e.accessibility_note.clone(),
            interpretation_note: e.interpretation_note.clone(),
            registration_url: e.registration_url.clone(),
            image_url: e.image_url.clone(),
            co_organisers: e.co_organisers.iter().map(ToString::to_string).collect(),
        }
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
    fn rules_are_checked_part_by_part() {
        let many_minutes = format!("FREQ=DAILY;BYMINUTE={}", ["0"; 61].join(","));
        let sixty_minutes = format!(
            "FREQ=DAILY;BYMINUTE={}",
            (0..60).map(|m| m.to_string()).collect::<Vec<_>>().join(",")
        );
        let rows: Vec<(&str, Result<(), &str>)> = vec![
            // Real-world rules, including every RRULE of tests/fixtures/calendar.
            ("FREQ=WEEKLY;BYDAY=TU", Ok(())),
            ("FREQ=MONTHLY;BYDAY=-1FR", Ok(())),
            ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", Ok(())),
            ("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", Ok(())),
            ("FREQ=DAILY;UNTIL=20271231T225959Z", Ok(())),
            ("FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=MO", Ok(())),
            ("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", Ok(())),
            ("FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10", Ok(())),
            ("FREQ=WEEKLY;BYDAY=MO;COUNT=20", Ok(())),
            ("FREQ=DAILY;COUNT=10", Ok(())),
            ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", Ok(())),
            (
                "FREQ=WEEKLY;UNTIL=20271215T090000Z;INTERVAL=2;BYDAY=MO,WE;WKST=MO",
                Ok(()),
            ),
            ("FREQ=WEEKLY;BYDAY=TU;UNTIL=20270629T080000Z", Ok(())),
            ("FREQ=MONTHLY;BYDAY=2TH", Ok(())),
            (
                "FREQ=WEEKLY;WKST=MO;UNTIL=20270629T140000Z;BYDAY=TU",
                Ok(()),
            ),
            ("FREQ=MONTHLY;INTERVAL=3;COUNT=4", Ok(())),
            ("FREQ=WEEKLY;COUNT=26", Ok(())),
            ("FREQ=WEEKLY", Ok(())),
            // Edges that are still valid.
            ("RRULE:freq=weekly;byday=tu;", Ok(())),
            ("FREQ=DAILY;UNTIL=20271231", Ok(())),
            ("FREQ=DAILY;UNTIL=22001231T100000", Ok(())),
            ("FREQ=DAILY;UNTIL=19000101T000000Z", Ok(())),
            (
                "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;\
                 BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55",
                Ok(()),
            ),
            (&sixty_minutes, Ok(())),
            ("FREQ=DAILY;INTERVAL=1000;BYSECOND=60", Ok(())),
            ("FREQ=DAILY;COUNT=5000", Ok(())),
            ("FREQ=MONTHLY;BYDAY=+5FR,-5SA", Ok(())),
            ("FREQ=MONTHLY;BYMONTHDAY=31,-31", Ok(())),
            ("FREQ=YEARLY;BYDAY=53MO,-53SU", Ok(())),
            ("FREQ=YEARLY;BYYEARDAY=366,-366", Ok(())),
            ("FREQ=YEARLY;BYWEEKNO=53,-53", Ok(())),
            ("FREQ=YEARLY;BYMONTH=1,12;BYSETPOS=366,-366", Ok(())),
            // Shape, keys and FREQ.
            ("", Err("needs FREQ")),
            ("INTERVAL=2", Err("needs FREQ")),
            ("FREQ=HOURLY", Err("FREQ=HOURLY is not supported")),
            ("FREQ=DAILY;FOO", Err("\"FOO\" is not KEY=VALUE")),
            ("FREQ=DAILY;X-NAME=1", Err("X-NAME=1: unknown rule part")),
            (
                "FREQ=DAILY;BYEASTER=0",
                Err("BYEASTER=0: unknown rule part"),
            ),
            (
                "FREQ=DAILY;freq=WEEKLY",
                Err("FREQ is given more than once"),
            ),
            (
                "FREQ=DAILY;BYDAY=MO;BYDAY=TU",
                Err("BYDAY is given more than once"),
            ),
            // Numbers.
            (
                "FREQ=DAILY;INTERVAL=0",
                Err("INTERVAL=0: must be between 1 and 1000"),
            ),
            (
                "FREQ=DAILY;INTERVAL=-1",
                Err("INTERVAL=-1: must be between 1"),
            ),
            (
                "FREQ=DAILY;INTERVAL=1001",
                Err("INTERVAL=1001: must be between"),
            ),
            (
                "FREQ=DAILY;INTERVAL=99999999999999999999",
                Err("INTERVAL=99999999999999999999: must be"),
            ),
            ("FREQ=DAILY;INTERVAL=1,2", Err("INTERVAL=1,2: must be")),
            ("FREQ=DAILY;INTERVAL=", Err("INTERVAL=: must be")),
            (
                "FREQ=DAILY;COUNT=0",
                Err("COUNT=0: must be between 1 and 5000"),
            ),
            (
                "FREQ=DAILY;COUNT=5001",
                Err("COUNT=5001: must be between 1 and 5000"),
            ),
            (
                "FREQ=DAILY;COUNT=3;UNTIL=20271231",
                Err("COUNT and UNTIL must not both be given"),
            ),
            (
                "FREQ=DAILY;BYSECOND=61",
                Err("BYSECOND=61: must be between 0 and 60"),
            ),
            (
                "FREQ=DAILY;BYMINUTE=60",
                Err("BYMINUTE=60: must be between 0 and 59"),
            ),
            (
                "FREQ=DAILY;BYHOUR=9,24",
                Err("BYHOUR=24: must be between 0 and 23"),
            ),
            ("FREQ=DAILY;BYHOUR=-1", Err("BYHOUR=-1: must be")),
            ("FREQ=DAILY;BYHOUR=", Err("BYHOUR=: must be")),
            ("FREQ=DAILY;BYHOUR=9,", Err("BYHOUR=: must be")),
            (
                "FREQ=DAILY;BYHOUR=9999999999999999999",
                Err("BYHOUR=9999999999999999999: must be"),
            ),
            ("FREQ=DAILY;BYHOUR=ten", Err("BYHOUR=TEN: must be")),
            (&many_minutes, Err("BYMINUTE: at most 60 values, not 61")),
            (
                "FREQ=MONTHLY;BYMONTHDAY=0",
                Err("BYMONTHDAY=0: must be between 1 and 31"),
            ),
            ("FREQ=MONTHLY;BYMONTHDAY=32", Err("BYMONTHDAY=32")),
            ("FREQ=MONTHLY;BYMONTHDAY=-32", Err("BYMONTHDAY=-32")),
            ("FREQ=YEARLY;BYYEARDAY=0", Err("BYYEARDAY=0")),
            ("FREQ=YEARLY;BYYEARDAY=367", Err("BYYEARDAY=367")),
            ("FREQ=YEARLY;BYWEEKNO=54", Err("BYWEEKNO=54")),
            ("FREQ=YEARLY;BYWEEKNO=0", Err("BYWEEKNO=0")),
            (
                "FREQ=YEARLY;BYMONTH=13",
                Err("BYMONTH=13: must be between 1 and 12"),
            ),
            ("FREQ=YEARLY;BYMONTH=0", Err("BYMONTH=0")),
            ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0", Err("BYSETPOS=0")),
            ("FREQ=YEARLY;BYDAY=MO;BYSETPOS=367", Err("BYSETPOS=367")),
            ("FREQ=YEARLY;BYDAY=MO;BYSETPOS=-367", Err("BYSETPOS=-367")),
            // Weekdays.
            (
                "FREQ=WEEKLY;BYDAY=XX",
                Err("BYDAY=XX: must be a weekday code"),
            ),
            (
                "FREQ=WEEKLY;BYDAY=MON",
                Err("BYDAY=MON: must be a weekday code"),
            ),
            ("FREQ=WEEKLY;BYDAY=", Err("BYDAY=: must be a weekday code")),
            (
                "FREQ=WEEKLY;BYDAY=Ü",
                Err("BYDAY=Ü: must be a weekday code"),
            ),
            ("FREQ=WEEKLY;BYDAY=ÜMO", Err("BYDAY=ÜMO: the ordinal")),
            ("FREQ=YEARLY;BYDAY=99MO", Err("BYDAY=99MO: the ordinal")),
            ("FREQ=YEARLY;BYDAY=54MO", Err("BYDAY=54MO: the ordinal")),
            ("FREQ=YEARLY;BYDAY=0MO", Err("BYDAY=0MO: the ordinal")),
            ("FREQ=YEARLY;BYDAY=+-1MO", Err("BYDAY=+-1MO: the ordinal")),
            (
                "FREQ=MONTHLY;BYDAY=6MO",
                Err("BYDAY=6MO: with FREQ=MONTHLY"),
            ),
            (
                "FREQ=MONTHLY;BYDAY=-6MO",
                Err("BYDAY=-6MO: with FREQ=MONTHLY"),
            ),
            ("FREQ=WEEKLY;BYDAY=1MO", Err("BYDAY=1MO: an ordinal")),
            ("FREQ=DAILY;BYDAY=-1FR", Err("BYDAY=-1FR: an ordinal")),
            (
                "FREQ=WEEKLY;WKST=XX;BYDAY=MO",
                Err("WKST=XX: must be a weekday code"),
            ),
            (
                "FREQ=WEEKLY;WKST=MO,TU",
                Err("WKST=MO,TU: must be a weekday code"),
            ),
            // Parts that only some frequencies allow.
            (
                "FREQ=MONTHLY;BYWEEKNO=10",
                Err("BYWEEKNO needs FREQ=YEARLY"),
            ),
            (
                "FREQ=MONTHLY;BYYEARDAY=10",
                Err("BYYEARDAY needs FREQ=YEARLY"),
            ),
            (
                "FREQ=WEEKLY;BYMONTHDAY=10",
                Err("BYMONTHDAY must not be used"),
            ),
            (
                "FREQ=MONTHLY;BYSETPOS=1",
                Err("BYSETPOS needs another BYxxx part"),
            ),
            // UNTIL.
            ("FREQ=DAILY;UNTIL=2027", Err("UNTIL=2027: must be a date")),
            (
                "FREQ=DAILY;UNTIL=20271332",
                Err("UNTIL=20271332: must be a date"),
            ),
            (
                "FREQ=DAILY;UNTIL=20271231Z",
                Err("UNTIL=20271231Z: must be a date"),
            ),
            (
                "FREQ=DAILY;UNTIL=20271231T250000Z",
                Err("UNTIL=20271231T250000Z: must be a date"),
            ),
            (
                "FREQ=DAILY;UNTIL=+2027123",
                Err("UNTIL=+2027123: must be a date"),
            ),
            (
                "FREQ=DAILY;UNTIL=22010101",
                Err("UNTIL=22010101: the year must be"),
            ),
            (
                "FREQ=DAILY;UNTIL=18991231T120000Z",
                Err("UNTIL=18991231T120000Z: the year must be"),
            ),
            // Case-insensitive keys and values.
            ("freq=daily;interval=0", Err("INTERVAL=0: must be")),
        ];
        for (rule, want) in &rows {
            let got = check_rule(rule);
            match (want, &got) {
                (Ok(()), Ok(_)) => {}
                (Err(part), Err(e)) => {
                    assert!(e.to_string().contains(part), "{rule:?}: {e}");
                    assert!(e.violations.iter().all(|v| v.rule == "rrule"), "{e:?}");
                }
                _ => panic!("{rule:?}: got {got:?}, want {want:?}"),
            }
        }
        assert_eq!(
            check_rule(" RRULE:FREQ=WEEKLY;byday=TU ").expect("valid"),
            "FREQ=WEEKLY;byday=TU"
        );
        let err = EventInput {
            title: "x".into(),
            start: Some(at("2027-01-05 10:00")),
            rule: Some("FREQ=DAILY;INTERVAL=0;BYHOUR=24".into()),
            ..Default::default()
        }
        .validate()
        .expect_err("invalid");
        let got: Vec<_> = err
            .violations
            .iter()
            .map(|v| (v.field.as_str(), v.rule))
            .collect();
        assert_eq!(got, [("rrule", "rrule"), ("rrule", "rrule")]);
    }

    #[test]
    fn dates_must_lie_between_1900_and_2200() {
        let ok = EventInput {
            title: "x".into(),
            start: Some(at("2200-12-31 10:00")),
            end: Some(at("2200-12-31 11:00")),
            rdates: vec![at("1900-01-01 10:00")],
            ..Default::default()
        };
        ok.validate().expect("valid");
        let err = EventInput {
            start: Some(at("1899-12-31 10:00")),
            end: Some(at("2201-01-01 11:00")),
            rdates: vec![at("2027-01-01 10:00"), at("9998-01-01 10:00")],
            exdates: vec![at("1000-01-01 10:00")],
            ..ok.clone()
        }
        .validate()
        .expect_err("invalid");
        let got: Vec<_> = err
            .violations
            .iter()
            .map(|v| (v.field.as_str(), v.rule))
            .collect();
        assert_eq!(
            got,
            [
                ("start", "range"),
                ("end", "range"),
                ("rdates[1]", "range"),
                ("exdates[0]", "range")
            ]
        );
        assert!(err.to_string().contains("9998"), "{err}");
        let err = EventInput {
            title: "x".into(),
            start_date: NaiveDate::from_ymd_opt(2300, 1, 1),
            end_date: NaiveDate::from_ymd_opt(2300, 1, 2),
            ..Default::default()
        }
        .validate()
        .expect_err("invalid");
        let fields: Vec<_> = err.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["startDate", "endDate"]);
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

    #[test]
    fn a_stored_event_as_input_validates_to_itself() {
        let timed = EventInput {
            title: "Elterncafé".into(),
            start: NaiveDate::from_ymd_opt(2027, 10, 19).and_then(|d| d.and_hms_opt(16, 0, 0)),
            end: NaiveDate::from_ymd_opt(2027, 10, 19).and_then(|d| d.and_hms_opt(18, 0, 0)),
            timezone: Some("Europe/Istanbul".into()),
            rule: Some("FREQ=WEEKLY;COUNT=4".into()),
            languages: vec!["de".into(), "tr".into()],
            ..Default::default()
        }
        .validate()
        .expect("valid");
        let all_day = EventInput {
            title: "Fest".into(),
            start_date: NaiveDate::from_ymd_opt(2027, 6, 5),
            end_date: NaiveDate::from_ymd_opt(2027, 6, 6),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        for e in [timed, all_day] {
            assert_eq!(EventInput::of(&e).validate().expect("valid"), e);
        }
    }

    #[test]
    fn a_new_start_replaces_the_kind_of_time() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2027, 6, d);
        let at = |h: u32| day(5).and_then(|d| d.and_hms_opt(h, 0, 0));
        let mut timed = EventInput {
            start: at(10),
            end: at(12),
            ..Default::default()
        };
        timed.retime(None, at(13), None, None);
        assert_eq!((timed.start, timed.end), (at(10), at(13)), "only the end");
        timed.retime(None, None, day(5), day(6));
        assert_eq!((timed.start, timed.end), (None, None), "now all day");
        assert_eq!((timed.start_date, timed.end_date), (day(5), day(6)));
    }
}
