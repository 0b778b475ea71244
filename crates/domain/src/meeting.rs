//! Network meetings (Sitzungen): the bi-monthly schedule, fair host rotation, agenda
//! rules and the participation report. Pure rules; storage and the API build on them.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use crate::ValidationError;
use crate::code_enum;
use crate::error::Checker;
use crate::ids::OrganisationId;
use crate::location::Timezone;
use crate::schedule::TimeOfDay;

code_enum!(
    /// Where a meeting stands.
    MeetingStatus {
        /// Scheduled; host and agenda may still change.
        Planned = "planned",
        /// Invitations have gone out.
        Invited = "invited",
        /// It took place; attendance and minutes can be recorded.
        Held = "held",
        /// Called off.
        Cancelled = "cancelled",
    }
);

/// A change asked of a meeting; its life cycle (planned → invited → held, or
/// cancelled) decides which changes each state takes, in [`MeetingStatus::after`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingChange {
    /// Sending (or re-sending) the invitations.
    Invite,
    /// Moving it to another time.
    Reschedule,
    /// Choosing, declining or setting the host and place.
    ChangeHost,
    /// Proposing, deciding or finalising agenda items.
    ChangeAgenda,
    /// Calling it off.
    Cancel,
    /// Recording who attended: it took place.
    RecordAttendance,
    /// Attaching the minutes.
    RecordMinutes,
    /// A guest asking to attend.
    RequestAsGuest,
}

/// A change the meeting's state does not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", refusal(*.status, *.change))]
pub struct NotNow {
    /// The meeting's state.
    pub status: MeetingStatus,
    /// What was asked.
    pub change: MeetingChange,
}

fn refusal(status: MeetingStatus, change: MeetingChange) -> String {
    let s = status.as_str();
    match change {
        MeetingChange::Invite => format!("a {s} meeting takes no invitations"),
        MeetingChange::Reschedule => format!("a {s} meeting cannot be moved"),
        MeetingChange::ChangeHost => format!("the host of a {s} meeting cannot change"),
        MeetingChange::ChangeAgenda => format!("the agenda of a {s} meeting cannot change"),
        MeetingChange::Cancel => format!("a {s} meeting cannot be cancelled"),
        MeetingChange::RecordAttendance => "the meeting was cancelled".to_owned(),
        MeetingChange::RecordMinutes => {
            "minutes are attached to held meetings; record the attendance first".to_owned()
        }
        MeetingChange::RequestAsGuest => {
            "this meeting takes no more guest requests (it is over or cancelled)".to_owned()
        }
    }
}

impl MeetingStatus {
    /// The state a meeting is in after `change`, or why this state does not take it.
    /// Planned and invited meetings take every change but minutes; inviting makes a
    /// planned meeting invited; attendance makes it held (and a held one takes
    /// attendance and minutes only); a cancelled one takes nothing (cancelling it
    /// again changes nothing).
    pub fn after(self, change: MeetingChange) -> Result<MeetingStatus, NotNow> {
        use MeetingChange as C;
        use MeetingStatus as S;
        let refused = Err(NotNow {
            status: self,
            change,
        });
        match (self, change) {
            (S::Planned | S::Invited, C::Invite) => Ok(S::Invited),
            (
                S::Planned | S::Invited,
                C::Reschedule | C::ChangeHost | C::ChangeAgenda | C::RequestAsGuest,
            ) => Ok(self),
            (S::Planned | S::Invited | S::Cancelled, C::Cancel) => Ok(S::Cancelled),
            (S::Planned | S::Invited | S::Held, C::RecordAttendance) => Ok(S::Held),
            (S::Held, C::RecordMinutes) => Ok(S::Held),
            _ => refused,
        }
    }
}

code_enum!(
    /// Where an agenda item stands.
    AgendaItemStatus {
        /// Proposed by a member, waiting for the coordinator.
        Proposed = "proposed",
        /// On the agenda.
        Accepted = "accepted",
        /// Not taken.
        Declined = "declined",
    }
);

code_enum!(
    /// A participant's attendance at a held meeting.
    Attendance {
        /// Was there.
        Present = "present",
        /// Sent apologies.
        Excused = "excused",
        /// Missing without apology.
        Absent = "absent",
    }
);

code_enum!(
    /// Where a guest's request to attend stands.
    GuestRequestStatus {
        /// Waiting for the guest to confirm the e-mail address (double opt-in).
        Unconfirmed = "unconfirmed",
        /// Confirmed; waiting for the coordinator.
        Confirmed = "confirmed",
        /// Approved: the guest is invited.
        Approved = "approved",
        /// Declined by the coordinator.
        Declined = "declined",
    }
);

/// A guest's request as entered, before checking.
#[derive(Debug, Clone, Default)]
pub struct GuestRequestInput {
    /// Full name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Organisation or context the guest comes from.
    pub affiliation: Option<String>,
    /// A message to the coordinator.
    pub message: Option<String>,
    /// Consent to storing the data until after the meeting.
    pub consent: bool,
    /// Language for e-mails (ISO 639-1; default German).
    pub language: Option<String>,
}

/// A checked guest request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestRequest {
    /// Full name.
    pub name: String,
    /// E-mail address, normalised.
    pub email: crate::email::EmailAddress,
    /// Affiliation.
    pub affiliation: Option<String>,
    /// Message.
    pub message: Option<String>,
    /// E-mail language.
    pub language: crate::language::LanguageCode,
}

impl GuestRequestInput {
    /// Checks every field and reports all problems at once; consent is required.
    pub fn validate(&self) -> Result<GuestRequest, ValidationError> {
        let mut c = Checker::new();
        let name = c.take("name", crate::error::single_line(&self.name, 200));
        let email = c.take("email", crate::email::EmailAddress::parse(&self.email));
        let affiliation = self.affiliation.as_deref().and_then(|a| {
            c.take("affiliation", crate::error::optional_text(a, 200))
                .flatten()
        });
        let message = self.message.as_deref().and_then(|m| {
            c.take("message", crate::error::optional_text(m, 2000))
                .flatten()
        });
        c.check(
            self.consent,
            "consent",
            "required",
            "consent to storing the data is required to send an invitation",
        );
        let language = c.take(
            "language",
            crate::language::LanguageCode::parse(self.language.as_deref().unwrap_or("de")),
        );
        c.finish(|| ())?;
        match (name, email, language) {
            (Some(name), Some(email), Some(language)) => Ok(GuestRequest {
                name,
                email,
                affiliation,
                message,
                language,
            }),
            _ => Err(ValidationError::new(
                "email",
                "required",
                "name, e-mail address and language are required",
            )),
        }
    }
}

/// When the meetings of a series take place: on the `week`-th `weekday` (1 = Monday;
/// week 5 = the last) of every `every_months`-th month, at `start` local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    /// Months between meetings (the network meets every 2).
    pub every_months: u32,
    /// ISO weekday, 1 = Monday.
    pub weekday: u32,
    /// Which week of the month: 1–4, or 5 for the last.
    pub week: u32,
    /// Local start time.
    pub start: TimeOfDay,
    /// Length in minutes.
    pub duration_minutes: u32,
    /// Zone of the local times.
    pub timezone: Timezone,
}

/// Unvalidated cadence; defaults: every 2 months, second Wednesday, 14:00, 2 hours, Europe/Berlin.
#[derive(Debug, Clone, Default)]
pub struct CadenceInput {
    /// Months between meetings.
    pub every_months: Option<i64>,
    /// ISO weekday.
    pub weekday: Option<i64>,
    /// Week of the month (5 = last).
    pub week: Option<i64>,
    /// `HH:MM`.
    pub start: Option<String>,
    /// Minutes.
    pub duration_minutes: Option<i64>,
    /// IANA zone.
    pub timezone: Option<String>,
}

fn in_range(c: &mut Checker, field: &str, v: Option<i64>, default: i64, lo: i64, hi: i64) -> u32 {
    let v = v.unwrap_or(default);
    c.check(
        (lo..=hi).contains(&v),
        field,
        "range",
        format!("must be {lo} to {hi}, got {v}"),
    );
    u32::try_from(v.clamp(lo, hi)).unwrap_or(1)
}

impl CadenceInput {
    /// Checks every field and reports every violation at once.
    pub fn validate(&self) -> Result<Cadence, ValidationError> {
        let mut c = Checker::new();
        let every_months = in_range(&mut c, "everyMonths", self.every_months, 2, 1, 12);
        let weekday = in_range(&mut c, "weekday", self.weekday, 3, 1, 7);
        let week = in_range(&mut c, "week", self.week, 2, 1, 5);
        let duration_minutes = in_range(
            &mut c,
            "durationMinutes",
            self.duration_minutes,
            120,
            15,
            12 * 60,
        );
        let start = c.take(
            "start",
            TimeOfDay::parse(self.start.as_deref().unwrap_or("14:00")),
        );
        let timezone = match self.timezone.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(t) => c.take("timezone", Timezone::parse(t)),
            None => Some(Timezone::berlin()),
        };
        c.finish(|| ())?;
        let (Some(start), Some(timezone)) = (start, timezone) else {
            return Err(ValidationError::new(
                "start",
                "time_of_day",
                "must be HH:MM",
            ));
        };
        Ok(Cadence {
            every_months,
            weekday,
            week,
            start,
            duration_minutes,
            timezone,
        })
    }
}

/// The `week`-th `weekday` of a month (week 5: the last one).
fn nth_weekday(year: i32, month: u32, weekday: u32, week: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let offset = (weekday + 7 - first.weekday().number_from_monday()) % 7;
    let first_match = first + Duration::days(i64::from(offset));
    if week <= 4 {
        return Some(first_match + Duration::weeks(i64::from(week - 1)));
    }
    let mut last = first_match;
    while (last + Duration::weeks(1)).month() == month {
        last += Duration::weeks(1);
    }
    Some(last)
}

impl Cadence {
    /// The local start times of the meetings from `from` (inclusive) on, `count` of them.
    pub fn dates(&self, from: NaiveDate, count: usize) -> Vec<NaiveDateTime> {
        let mut out = Vec::with_capacity(count);
        let (mut year, mut month) = (from.year(), from.month());
        let time = chrono::NaiveTime::from_num_seconds_from_midnight_opt(
            u32::from(self.start.minutes()) * 60,
            0,
        )
        .unwrap_or(chrono::NaiveTime::MIN);
        // Bounded: a year of monthly meetings at most needs 24 months of looking.
        for _ in 0..(count * 12 + 12) {
            if out.len() == count {
                break;
            }
            if let Some(d) = nth_weekday(year, month, self.weekday, self.week)
                && d >= from
            {
                out.push(d.and_time(time));
                for _ in 1..self.every_months {
                    (year, month) = next_month(year, month);
                }
            }
            (year, month) = next_month(year, month);
        }
        out
    }

    /// A meeting's length.
    pub fn duration(&self) -> Duration {
        Duration::minutes(i64::from(self.duration_minutes))
    }
}

fn next_month(year: i32, month: u32) -> (i32, u32) {
    if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    }
}

/// A member organisation that could host a meeting.
#[derive(Debug, Clone)]
pub struct HostCandidate {
    /// The organisation.
    pub organisation: OrganisationId,
    /// Its name (for a stable order among equals).
    pub name: String,
    /// The date of the last meeting it hosted (held or planned), if any.
    pub last_hosted: Option<NaiveDate>,
    /// Whether it has a location to host at.
    pub has_location: bool,
    /// Whether it is a member (applicants and former members do not host).
    pub member: bool,
}

/// The fair choice of host: among members with a location that have not declined,
/// the one that never hosted goes first, otherwise the one that hosted longest ago;
/// equals are ordered by name.
pub fn next_host(
    candidates: &[HostCandidate],
    declined: &[OrganisationId],
) -> Option<OrganisationId> {
    candidates
        .iter()
        .filter(|c| c.member && c.has_location && !declined.contains(&c.organisation))
        .min_by(|a, b| {
            // None (never hosted) sorts before any date.
            a.last_hosted
                .cmp(&b.last_hosted)
                .then_with(|| a.name.cmp(&b.name))
        })
        .map(|c| c.organisation)
}

/// Checks that the accepted items fit into the meeting, naming the overflow.
pub fn check_agenda_fits(
    item_minutes: &[u32],
    meeting_minutes: u32,
) -> Result<(), ValidationError> {
    let total: u32 = item_minutes.iter().sum();
    if total > meeting_minutes {
        Err(ValidationError::new(
            "durationMinutes",
            "agenda_fits",
            format!("the agenda would take {total} minutes, the meeting has {meeting_minutes}"),
        ))
    } else {
        Ok(())
    }
}

/// One organisation's attendance over the meetings considered.
#[derive(Debug, Clone, PartialEq)]
pub struct Participation {
    /// The organisation.
    pub organisation: OrganisationId,
    /// Meetings considered.
    pub meetings: usize,
    /// Meetings at which at least one of its participants was present.
    pub attended: usize,
    /// Meetings it missed with apologies (and none present).
    pub excused: usize,
    /// `attended / meetings` (1.0 when there were none).
    pub rate: f64,
    /// The last meeting it attended.
    pub last_attended: Option<NaiveDate>,
    /// True when `rate` is below the threshold.
    pub below_threshold: bool,
}

/// The participation report: for each organisation, attendance at the given held
/// meetings (`records` are per participant: organisation, meeting date, attendance).
pub fn participation(
    organisations: &[OrganisationId],
    meetings: &[NaiveDate],
    records: &[(OrganisationId, NaiveDate, Attendance)],
    threshold: f64,
) -> Vec<Participation> {
    let mut best: HashMap<(OrganisationId, NaiveDate), Attendance> = HashMap::new();
    for (org, date, a) in records {
        let slot = best.entry((*org, *date)).or_insert(*a);
        // Present beats excused beats absent.
        let rank = |x: Attendance| match x {
            Attendance::Present => 2,
            Attendance::Excused => 1,
            Attendance::Absent => 0,
        };
        if rank(*a) > rank(*slot) {
            *slot = *a;
        }
    }
    organisations
        .iter()
        .map(|org| {
            let mut attended = 0;
            let mut excused = 0;
            let mut last_attended = None;
            for d in meetings {
                match best.get(&(*org, *d)) {
                    Some(Attendance::Present) => {
                        attended += 1;
                        last_attended = last_attended.max(Some(*d));
                    }
                    Some(Attendance::Excused) => excused += 1,
                    _ => {}
                }
            }
            let rate = if meetings.is_empty() {
                1.0
            } else {
                attended as f64 / meetings.len() as f64
            };
            Participation {
                organisation: *org,
                meetings: meetings.len(),
                attended,
                excused,
                rate,
                last_attended,
                below_threshold: rate < threshold,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn bi_monthly_second_wednesday() {
        let c = CadenceInput::default()
            .validate()
            .expect("defaults are valid");
        let dates: Vec<String> = c
            .dates(d("2027-01-01"), 6)
            .iter()
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .collect();
        assert_eq!(
            dates,
            [
                "2027-01-13 14:00",
                "2027-03-10 14:00",
                "2027-05-12 14:00",
                "2027-07-14 14:00",
                "2027-09-08 14:00",
                "2027-11-10 14:00"
            ]
        );
        let last = CadenceInput {
            week: Some(5),
            weekday: Some(5),
            every_months: Some(1),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(last.dates(d("2027-01-30"), 2)[0].date(), d("2027-02-26"));
        let err = CadenceInput {
            every_months: Some(0),
            weekday: Some(8),
            start: Some("25:00".into()),
            ..Default::default()
        }
        .validate()
        .expect_err("invalid");
        let fields: Vec<_> = err.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["everyMonths", "weekday", "start"]);
    }

    #[test]
    fn rotation_is_fair_and_honours_declines() {
        let id = |_| OrganisationId::generate();
        let (a, b, c, e) = (id(1), id(2), id(3), id(4));
        let cand = |o, name: &str, last: Option<&str>, loc: bool| HostCandidate {
            organisation: o,
            name: name.into(),
            last_hosted: last.map(d),
            has_location: loc,
            member: true,
        };
        let list = vec![
            cand(a, "Alpha", Some("2026-05-13"), true),
            cand(b, "Beta", Some("2025-11-12"), true),
            cand(c, "Gamma", None, true),
            cand(e, "Delta", None, false),
        ];
        assert_eq!(
            next_host(&list, &[]),
            Some(c),
            "never hosted (with a location) goes first"
        );
        assert_eq!(
            next_host(&list, &[c]),
            Some(b),
            "then the one that hosted longest ago"
        );
        assert_eq!(next_host(&list, &[c, b, a]), None);
    }

    #[test]
    fn agenda_and_participation() {
        assert!(check_agenda_fits(&[30, 45, 45], 120).is_ok());
        assert_eq!(
            check_agenda_fits(&[60, 61], 120)
                .expect_err("too long")
                .violations[0]
                .rule,
            "agenda_fits"
        );
        let (a, b) = (OrganisationId::generate(), OrganisationId::generate());
        let m = [d("2027-01-13"), d("2027-03-10"), d("2027-05-12")];
        let records = vec![
            (a, m[0], Attendance::Present),
            (a, m[1], Attendance::Absent),
            (a, m[1], Attendance::Present),
            (a, m[2], Attendance::Present),
            (b, m[0], Attendance::Excused),
            (b, m[2], Attendance::Present),
        ];
        let r = participation(&[a, b], &m, &records, 0.75);
        assert_eq!(
            (r[0].attended, r[0].below_threshold, r[0].last_attended),
            (3, false, Some(m[2]))
        );
        assert_eq!(
            (r[1].attended, r[1].excused, r[1].below_threshold),
            (1, 1, true)
        );
    }

    #[test]
    fn guest_requests_need_consent_and_a_valid_address() {
        let ok = GuestRequestInput {
            name: " Amal Haddad ".into(),
            email: "Amal@Example.org".into(),
            affiliation: Some("Stadtteilmütter".into()),
            message: None,
            consent: true,
            language: Some("en".into()),
        };
        let checked = ok.validate().expect("valid");
        assert_eq!(checked.name, "Amal Haddad");
        assert_eq!(checked.language.as_str(), "en");

        let bad = GuestRequestInput {
            name: String::new(),
            email: "not-an-address".into(),
            consent: false,
            ..GuestRequestInput::default()
        };
        let err = bad.validate().expect_err("invalid");
        let fields: Vec<_> = err
            .violations
            .iter()
            .map(|v| (v.field.as_str(), v.rule))
            .collect();
        assert!(fields.contains(&("consent", "required")), "{fields:?}");
        assert!(fields.iter().any(|(f, _)| *f == "email"), "{fields:?}");
        assert!(fields.iter().any(|(f, _)| *f == "name"), "{fields:?}");
    }

    /// The life cycle, state by state: which changes each state takes and where it
    /// leads ("-" refused).
    #[test]
    fn meeting_life_cycle_table() {
        use MeetingChange as C;
        use MeetingStatus as S;
        let changes = [
            C::Invite,
            C::Reschedule,
            C::ChangeHost,
            C::ChangeAgenda,
            C::Cancel,
            C::RecordAttendance,
            C::RecordMinutes,
            C::RequestAsGuest,
        ];
        let table: [(S, [Option<S>; 8]); 4] = [
            (
                S::Planned,
                [
                    Some(S::Invited),
                    Some(S::Planned),
                    Some(S::Planned),
                    Some(S::Planned),
                    Some(S::Cancelled),
                    Some(S::Held),
                    None,
                    Some(S::Planned),
                ],
            ),
            (
                S::Invited,
                [
                    Some(S::Invited),
                    Some(S::Invited),
                    Some(S::Invited),
                    Some(S::Invited),
                    Some(S::Cancelled),
                    Some(S::Held),
                    None,
                    Some(S::Invited),
                ],
            ),
            (
                S::Held,
                [
                    None,
                    None,
                    None,
                    None,
                    None,
                    Some(S::Held),
                    Some(S::Held),
                    None,
                ],
            ),
            (
                S::Cancelled,
                [None, None, None, None, Some(S::Cancelled), None, None, None],
            ),
        ];
        for (from, row) in table {
            for (change, to) in changes.iter().zip(row) {
                let got = from.after(*change);
                assert_eq!(got.ok(), to, "{from:?} + {change:?}");
                if let Err(e) = got {
                    assert!(!e.to_string().is_empty());
                }
            }
        }
        assert_eq!(
            S::Held.after(C::Cancel).map_err(|e| e.to_string()),
            Err("a held meeting cannot be cancelled".to_owned())
        );
    }
}
