//! Meeting e-mails: invitations, updates and cancellations with a calendar attachment
//! (RFC 5546: METHOD REQUEST / CANCEL, ORGANIZER, ATTENDEE), and the guests' opt-in,
//! approval and decline messages — in German or English, plain text and HTML.
//!
//! Every function here queues through the outbox on the caller's connection, so the
//! e-mails are stored in the same transaction as the change they announce: a change
//! is never stored without its e-mails, and no e-mail is queued twice.

use std::collections::HashSet;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDateTime};
use netzwerk_calendar::{Attendee, CalendarEntry, Method, write_calendar_as};
use netzwerk_domain::event::{Event, EventCategory, EventStatus, EventTime};
use netzwerk_domain::ids::{GuestRequestId, MeetingId};
use netzwerk_domain::location::Location;
use netzwerk_domain::meeting::{AgendaItemStatus, GuestRequestStatus, MeetingStatus};
use netzwerk_storage::guests::{self, GuestRecord, RateLimits};

/// Limits on guest requests.
pub use netzwerk_storage::guests::RateLimits as GuestLimits;
use netzwerk_storage::meetings::{self, Invitee, MeetingRecord};
use netzwerk_storage::outbox::{self, NewMessage};
use netzwerk_storage::{AnyConnection, StorageError, locations, organisations};

/// What meeting e-mails need from the configuration.
#[derive(Debug, Clone)]
pub struct MeetingSettings {
    /// Domain for Message-IDs (from `mail.from`).
    pub domain: String,
    /// ORGANIZER: name and address.
    pub organiser_name: String,
    /// ORGANIZER address.
    pub organiser_email: String,
    /// The Hub's public address, without a trailing slash.
    pub public_url: String,
    /// Limits on guest requests.
    pub limits: RateLimits,
    /// Days after a meeting when its guests' data is deleted.
    pub retention_days: u32,
}

impl Default for MeetingSettings {
    fn default() -> Self {
        Self {
            domain: "localhost".into(),
            organiser_name: "Netzwerk Hub".into(),
            organiser_email: "netzwerk-hub@localhost".into(),
            public_url: "http://127.0.0.1:8080".into(),
            limits: RateLimits {
                per_address_per_day: 3,
                per_client_per_hour: 10,
            },
            retention_days: 30,
        }
    }
}

/// The language of an e-mail: German for `de`, English otherwise.
pub use netzwerk_domain::language::MailLanguage as Lang;

/// A meeting with everything its e-mails and calendar entries show.
#[derive(Debug, Clone)]
pub struct MeetingInfo {
    /// The meeting.
    pub meeting: MeetingRecord,
    /// The host's name.
    pub host: Option<String>,
    /// Where.
    pub location: Option<Location>,
    /// Accepted agenda items: title, description, minutes, presenter's name.
    pub agenda: Vec<(String, Option<String>, i32, Option<String>)>,
    /// Whether the agenda is final.
    pub agenda_final: bool,
    /// Why it was called off.
    pub cancellation_reason: Option<String>,
}

/// The UID of a meeting in feeds and invitations, stable across updates.
pub fn meeting_uid(id: MeetingId) -> String {
    format!("meeting-{id}@netzwerk-hub")
}

impl MeetingInfo {
    /// Loads a meeting with host, location and accepted agenda.
    pub fn load(conn: &mut AnyConnection, id: MeetingId) -> Result<Self, StorageError> {
        let meeting = meetings::get(conn, id)?;
        Self::complete(conn, meeting)
    }

    /// Adds host, location and agenda to a meeting already read.
    pub fn complete(
        conn: &mut AnyConnection,
        meeting: MeetingRecord,
    ) -> Result<Self, StorageError> {
        let host = meeting
            .host
            .map(|h| organisations::get(conn, h))
            .transpose()?
            .map(|o| o.value.name);
        let location = meeting
            .location_id
            .map(|l| locations::get(conn, l))
            .transpose()?
            .map(|l| l.value);
        let mut agenda = Vec::new();
        for item in meetings::agenda_of(conn, meeting.id)? {
            if item.status != AgendaItemStatus::Accepted {
                continue;
            }
            let presenter = item
                .presenter
                .map(|p| organisations::get(conn, p))
                .transpose()?
                .map(|o| o.value.name);
            agenda.push((
                item.title,
                item.description,
                item.duration_minutes,
                presenter,
            ));
        }
        // Read with the meeting's row.
        let (agenda_final, cancellation_reason) =
            (meeting.agenda_final, meeting.cancellation_reason.clone());
        Ok(Self {
            meeting,
            host,
            location,
            agenda,
            agenda_final,
            cancellation_reason,
        })
    }

    fn title(&self, lang: Lang) -> String {
        match (&self.host, lang) {
            (Some(h), Lang::De) => format!("Netzwerksitzung bei {h}"),
            (Some(h), Lang::En) => format!("Network meeting at {h}"),
            (None, l) => l.pick("Netzwerksitzung", "Network meeting").to_owned(),
        }
    }

    /// The place as one line: name, street, postcode and locality.
    pub fn place(&self) -> Option<String> {
        self.location.as_ref().map(place_text)
    }

    fn accessibility(&self, lang: Lang) -> Option<String> {
        let l = self.location.as_ref()?;
        let mut parts = Vec::new();
        match l.wheelchair_accessible {
            Some(true) => parts.push(
                lang.pick("rollstuhlgerecht", "wheelchair accessible")
                    .to_owned(),
            ),
            Some(false) => parts.push(
                lang.pick("nicht rollstuhlgerecht", "not wheelchair accessible")
                    .to_owned(),
            ),
            None => {}
        }
        if let Some(n) = &l.accessibility_note {
            parts.push(n.clone());
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    fn agenda_text(&self, lang: Lang) -> String {
        let mut out = String::from(if self.agenda_final {
            lang.pick("Tagesordnung:", "Agenda:")
        } else {
            lang.pick("Vorläufige Tagesordnung:", "Preliminary agenda:")
        });
        out.push('\n');
        if self.agenda.is_empty() {
            out.push_str(lang.pick("(noch keine Punkte)", "(no items yet)"));
            out.push('\n');
        }
        for (i, (title, description, minutes, presenter)) in self.agenda.iter().enumerate() {
            let _ = write!(
                out,
                "{}. {title} ({minutes} {})",
                i + 1,
                lang.pick("Min.", "min")
            );
            if let Some(p) = presenter {
                let _ = write!(out, " – {p}");
            }
            out.push('\n');
            if let Some(d) = description {
                let _ = writeln!(out, "   {d}");
            }
        }
        out
    }

    /// The meeting as a calendar event, described in `lang`.
    pub fn event(&self, lang: Lang) -> Event {
        let m = &self.meeting;
        let mut description = self.agenda_text(lang);
        if let Some(a) = self.accessibility(lang) {
            let _ = write!(
                description,
                "\n{}: {a}",
                lang.pick("Barrierefreiheit", "Accessibility")
            );
        }
        if let Some(t) = self
            .location
            .as_ref()
            .and_then(|l| l.transport_hint.as_ref())
        {
            let _ = write!(
                description,
                "\n{}: {t}",
                lang.pick("Anfahrt", "Getting there")
            );
        }
        Event {
            description: Some(description),
            status: if m.status == MeetingStatus::Cancelled {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            },
            place: self.place(),
            ..Event::new(
                self.title(lang),
                netzwerk_domain::language::LanguageCode::parse(lang.code())
                    .unwrap_or_else(|_| netzwerk_domain::language::LanguageCode::german()),
                EventCategory::NetworkMeeting,
                EventTime::Timed {
                    start: m.start,
                    end: m.end,
                    timezone: m.timezone,
                },
            )
        }
    }
}

/// A directory location as one line of text.
pub fn place_text(v: &Location) -> String {
    [
        Some(v.name.clone()),
        v.address.clone(),
        match (&v.postcode, &v.locality) {
            (Some(p), Some(l)) => Some(format!("{p} {l}")),
            (Some(p), None) => Some(p.clone()),
            (None, l) => l.clone(),
        },
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ")
}

/// German weekday names, Monday first (e-mails and the public pages).
pub const WEEKDAYS_DE: [&str; 7] = [
    "Montag",
    "Dienstag",
    "Mittwoch",
    "Donnerstag",
    "Freitag",
    "Samstag",
    "Sonntag",
];
const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

/// A local date in words: "Mittwoch, 10. März 2027" / "Wednesday, 10 March 2027".
pub fn date_words(t: NaiveDateTime, lang: Lang) -> String {
    let wd = t.weekday().num_days_from_monday() as usize;
    let month = t.month0() as usize;
    match lang {
        Lang::De => format!(
            "{}, {}. {} {}",
            WEEKDAYS_DE[wd],
            t.day(),
            MONTHS_DE[month],
            t.year()
        ),
        Lang::En => t.format("%A, %-d %B %Y").to_string(),
    }
}

/// Plain text paragraphs (blank-line separated; single newlines kept) as HTML.
pub(crate) fn html_of(lang: Lang, paragraphs: &str) -> String {
    crate::html::mail_page(lang.code(), paragraphs)
}

/// What a meeting e-mail announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The first invitation.
    Invitation,
    /// Time or place changed.
    Update,
    /// The meeting is called off.
    Cancellation,
}

/// A text e-mail from the templates `{name}.subject.txt` and `{name}.txt`: the subject
/// on one line, the text with its HTML part (paragraphs, escaped, in `lang`).
fn templated(
    name: &str,
    lang: Lang,
    context: &serde_json::Value,
) -> crate::Result<(String, String, String)> {
    let subject = crate::templates::render(&format!("{name}.subject.txt"), context)?
        .trim()
        .to_owned();
    let text = crate::templates::render(&format!("{name}.txt"), context)?;
    Ok((subject, html_of(lang, &text), text))
}

/// The e-mail with calendar attachment for one invitee (templates `meeting.*`).
pub fn meeting_message(
    info: &MeetingInfo,
    kind: Kind,
    to: &Invitee,
    settings: &MeetingSettings,
) -> crate::Result<NewMessage> {
    let lang = Lang::of(&to.language);
    let m = &info.meeting;
    let date = date_words(m.start, lang);
    let when = format!(
        "{date}, {}–{} {}",
        m.start.format("%H:%M"),
        m.end.format("%H:%M"),
        lang.pick("Uhr", "")
    );
    let (subject, html, text) = templated(
        "meeting",
        lang,
        &serde_json::json!({
            "lang": lang.code(),
            "kind": match kind {
                Kind::Invitation => "invitation",
                Kind::Update => "update",
                Kind::Cancellation => "cancellation",
            },
            "name": to.name,
            "date": date,
            "when": when.trim_end(),
            "host": info.host.clone().unwrap_or_default(),
            "place": info.place(),
            "accessibility": info.accessibility(lang),
            "transport": info.location.as_ref().and_then(|l| l.transport_hint.clone()),
            "agenda": info.agenda_text(lang),
            "reason": info.cancellation_reason,
            "organiser": settings.organiser_name,
        }),
    )?;
    let method = if kind == Kind::Cancellation {
        Method::Cancel
    } else {
        Method::Request
    };
    let event = info.event(lang);
    let attendees = [Attendee {
        name: to.name.clone(),
        email: to.email.clone(),
        required: to.guest_request_id.is_none(),
    }];
    let ics = write_calendar_as(
        method,
        &info.title(lang),
        &[CalendarEntry {
            uid: meeting_uid(m.id),
            sequence: i64::from(m.sequence),
            changed: chrono::Utc::now(),
            event: &event,
            overrides: &[],
            organiser: Some((
                settings.organiser_name.clone(),
                Some(settings.organiser_email.clone()),
            )),
            location: info.place(),
            url: None,
            attendees: &attendees,
        }],
    );
    let file = lang.pick("einladung.ics", "invitation.ics");
    Ok(NewMessage {
        purpose: match kind {
            Kind::Invitation => "meeting_invitation",
            Kind::Update => "meeting_update",
            Kind::Cancellation => "meeting_cancellation",
        }
        .into(),
        recipient: to.email.clone(),
        recipient_name: Some(to.name.clone()),
        subject,
        body_html: Some(html),
        body_text: text,
        attachment: Some((
            file.into(),
            format!(
                "text/calendar; charset=utf-8; method={}",
                if method == Method::Cancel {
                    "CANCEL"
                } else {
                    "REQUEST"
                }
            ),
            ics,
        )),
        ..NewMessage::default()
    })
}

/// The double opt-in e-mail: the link (and the token for the API) to confirm
/// (templates `guest-confirmation.*`).
pub fn guest_confirmation(
    info: &MeetingInfo,
    guest: &GuestRecord,
    token: &str,
    settings: &MeetingSettings,
) -> crate::Result<NewMessage> {
    guest_mail(
        "guest-confirmation",
        info,
        guest,
        settings,
        serde_json::json!({
            "link": format!("{}/guests/confirm?token={token}", settings.public_url),
            "days": settings.retention_days,
        }),
    )
}

/// Tells a guest the request was declined (templates `guest-declined.*`).
pub fn guest_declined(
    info: &MeetingInfo,
    guest: &GuestRecord,
    settings: &MeetingSettings,
) -> crate::Result<NewMessage> {
    guest_mail(
        "guest-declined",
        info,
        guest,
        settings,
        serde_json::json!({}),
    )
}

/// An e-mail to a guest about their request, from the templates `{template}.*`: their
/// name, the meeting's date in their language, the organiser, and `more`.
fn guest_mail(
    template: &str,
    info: &MeetingInfo,
    guest: &GuestRecord,
    settings: &MeetingSettings,
    mut more: serde_json::Value,
) -> crate::Result<NewMessage> {
    let lang = Lang::of(&guest.language);
    more["lang"] = lang.code().into();
    more["name"] = guest.name.clone().into();
    more["date"] = date_words(info.meeting.start, lang).into();
    more["organiser"] = settings.organiser_name.clone().into();
    let (subject, html, text) = templated(template, lang, &more)?;
    Ok(NewMessage {
        purpose: template.replace('-', "_"),
        recipient: guest.email.clone(),
        recipient_name: Some(guest.name.clone()),
        subject,
        body_html: Some(html),
        body_text: text,
        ..NewMessage::default()
    })
}

fn guest_invitee(g: &GuestRecord, sequence: i32) -> Invitee {
    Invitee {
        email: g.email.clone(),
        name: g.name.clone(),
        language: g.language.clone(),
        representative_id: None,
        guest_request_id: Some(g.id),
        sequence,
    }
}

/// Sends the invitation to every member's representative and every approved guest not
/// invited yet, and marks the meeting invited. Returns how many were queued; issuing
/// again only reaches people added since.
pub fn issue(
    conn: &mut AnyConnection,
    actor: &str,
    id: MeetingId,
    settings: &MeetingSettings,
) -> crate::Result<usize> {
    netzwerk_storage::atomically(conn, |conn| {
        let info = MeetingInfo::load(conn, id)?;
        let m = &info.meeting;
        let invited = m
            .status
            .after(netzwerk_domain::meeting::MeetingChange::Invite)
            .map_err(|e| StorageError::Conflict(e.to_string()))?;
        if m.host.is_none() || info.location.is_none() {
            return Err(netzwerk_domain::ValidationError::new(
                "meetingId",
                "host_location",
                "choose a host with a location before inviting",
            )
            .into());
        }
        let mut seen: HashSet<String> = meetings::invitees(conn, id)?
            .into_iter()
            .map(|i| i.email.to_lowercase())
            .collect();
        let mut recipients: Vec<Invitee> = meetings::member_representatives(conn)?
            .into_iter()
            .map(|r| Invitee {
                email: r.email,
                name: r.name,
                language: r.language,
                representative_id: Some(r.id),
                guest_request_id: None,
                sequence: m.sequence,
            })
            .collect();
        recipients.extend(
            guests::of_meeting(conn, id)?
                .iter()
                .filter(|g| g.status == GuestRequestStatus::Approved)
                .map(|g| guest_invitee(g, m.sequence)),
        );
        let mut sent = 0;
        for r in recipients {
            if !seen.insert(r.email.to_lowercase()) {
                continue;
            }
            let msg = meeting_message(&info, Kind::Invitation, &r, settings)?;
            outbox::enqueue(conn, &msg, &settings.domain)?;
            meetings::record_invitation(conn, id, &r)?;
            sent += 1;
        }
        if m.status != invited {
            meetings::set_status(conn, actor, id, invited)?;
        }
        Ok(sent)
    })
}

/// After a change of time or place (a higher SEQUENCE) or a cancellation: sends
/// everyone invited at an older SEQUENCE the update or the cancellation. Returns how
/// many were queued. Call it in the transaction that made the change.
pub fn send_updates(
    conn: &mut AnyConnection,
    id: MeetingId,
    settings: &MeetingSettings,
) -> crate::Result<usize> {
    let info = MeetingInfo::load(conn, id)?;
    let m = &info.meeting;
    let kind = match m.status {
        MeetingStatus::Cancelled => Kind::Cancellation,
        MeetingStatus::Invited => Kind::Update,
        MeetingStatus::Planned | MeetingStatus::Held => return Ok(0),
    };
    let mut sent = 0;
    for mut who in meetings::invitees(conn, id)? {
        if who.sequence >= m.sequence {
            continue;
        }
        who.sequence = m.sequence;
        let msg = meeting_message(&info, kind, &who, settings)?;
        outbox::enqueue(conn, &msg, &settings.domain)?;
        meetings::record_invitation(conn, id, &who)?;
        sent += 1;
    }
    Ok(sent)
}

/// The coordinator's decision on a guest: approval invites the guest at once when the
/// meeting's invitations are out (otherwise with them); a decline is told politely.
pub fn decide_guest(
    conn: &mut AnyConnection,
    actor: &str,
    id: GuestRequestId,
    approve: bool,
    settings: &MeetingSettings,
) -> crate::Result<GuestRecord> {
    netzwerk_storage::atomically(conn, |conn| {
        let g = guests::decide(conn, actor, id, approve)?;
        let info = MeetingInfo::load(conn, g.meeting_id)?;
        if !approve {
            outbox::enqueue(
                conn,
                &guest_declined(&info, &g, settings)?,
                &settings.domain,
            )?;
        } else if info.meeting.status == MeetingStatus::Invited {
            let already = meetings::invitees(conn, g.meeting_id)?
                .iter()
                .any(|i| i.email.eq_ignore_ascii_case(&g.email));
            if !already {
                let who = guest_invitee(&g, info.meeting.sequence);
                let msg = meeting_message(&info, Kind::Invitation, &who, settings)?;
                outbox::enqueue(conn, &msg, &settings.domain)?;
                meetings::record_invitation(conn, g.meeting_id, &who)?;
            }
        }
        Ok(g)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_words() {
        let t = chrono::NaiveDate::from_ymd_opt(2027, 3, 10)
            .and_then(|d| d.and_hms_opt(14, 0, 0))
            .expect("valid");
        assert_eq!(date_words(t, Lang::De), "Mittwoch, 10. März 2027");
        assert_eq!(date_words(t, Lang::En), "Wednesday, 10 March 2027");
    }

    #[test]
    fn html_is_escaped() {
        let h = html_of(Lang::En, "a <b> & \"c\"\nd\n\ne");
        assert!(
            h.contains("<p>a &lt;b&gt; &amp; &quot;c&quot;<br>\nd</p>"),
            "{h}"
        );
        assert!(h.contains("<p>e</p>"));
        assert!(h.contains("lang=\"en\""));
    }
}
