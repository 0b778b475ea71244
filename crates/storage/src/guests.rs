//! Guests of network meetings: requests with double opt-in, the coordinator's
//! decision, guests' attendance, and the deletion of their personal data a set number
//! of days after the meeting. Only hashes of confirmation tokens and client addresses
//! are stored; the change log names requests by id, never by person.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use netzwerk_domain::ids::{GuestRequestId, MeetingId};
use netzwerk_domain::meeting::{Attendance, GuestRequest, GuestRequestStatus, MeetingChange};

use crate::change_log::{self, Action, EntityKind};
use crate::error::stored;
use crate::schema::{
    guest_requests as gr, meeting_invitations as inv, meetings, outbox_messages as ob,
    representatives as reps,
};
use crate::{AnyConnection, Result, StorageError};

/// A guest's request as stored.
#[derive(Debug, Clone)]
pub struct GuestRecord {
    /// Id.
    pub id: GuestRequestId,
    /// The meeting.
    pub meeting_id: MeetingId,
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Affiliation.
    pub affiliation: Option<String>,
    /// Message to the coordinator.
    pub message: Option<String>,
    /// E-mail language (ISO 639-1).
    pub language: String,
    /// Status.
    pub status: GuestRequestStatus,
    /// Attendance, once recorded.
    pub attendance: Option<Attendance>,
    /// When the request came in.
    pub created_at: DateTime<Utc>,
}

/// How many requests one e-mail address and one client may make.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    /// Requests per e-mail address in 24 hours.
    pub per_address_per_day: i64,
    /// Requests per client (network address) in one hour.
    pub per_client_per_hour: i64,
}

type Row = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    NaiveDateTime,
);

const COLUMNS: (
    gr::id,
    gr::meeting_id,
    gr::name,
    gr::email,
    gr::affiliation,
    gr::message,
    gr::language,
    gr::status,
    gr::attendance,
    gr::created_at,
) = (
    gr::id,
    gr::meeting_id,
    gr::name,
    gr::email,
    gr::affiliation,
    gr::message,
    gr::language,
    gr::status,
    gr::attendance,
    gr::created_at,
);

fn from_row(r: Row) -> Result<GuestRecord> {
    Ok(GuestRecord {
        id: stored("guest_requests.id", GuestRequestId::parse(&r.0))?,
        meeting_id: stored("guest_requests.meeting_id", MeetingId::parse(&r.1))?,
        name: r.2,
        email: r.3,
        affiliation: r.4,
        message: r.5,
        language: r.6,
        status: stored("guest_requests.status", GuestRequestStatus::parse(&r.7))?,
        attendance: r
            .8
            .map(|a| stored("guest_requests.attendance", Attendance::parse(&a)))
            .transpose()?,
        created_at: r.9.and_utc(),
    })
}

/// One request.
pub fn get(conn: &mut AnyConnection, id: GuestRequestId) -> Result<GuestRecord> {
    let row: Option<Row> = gr::table
        .find(id.to_string())
        .select(COLUMNS)
        .first(conn)
        .optional()?;
    row.map(from_row)
        .transpose()?
        .ok_or_else(|| StorageError::NotFound(format!("guest request {id}")))
}

/// The request a confirmation token belongs to.
pub fn by_token(conn: &mut AnyConnection, token_hash: &str) -> Result<GuestRecord> {
    let row: Option<Row> = gr::table
        .filter(gr::token_hash.eq(token_hash))
        .select(COLUMNS)
        .first(conn)
        .optional()?;
    row.map(from_row)
        .transpose()?
        .ok_or_else(|| StorageError::NotFound("guest request for this link".into()))
}

/// A meeting's requests, oldest first.
pub fn of_meeting(conn: &mut AnyConnection, meeting: MeetingId) -> Result<Vec<GuestRecord>> {
    let rows: Vec<Row> = gr::table
        .filter(gr::meeting_id.eq(meeting.to_string()))
        .order((gr::created_at, gr::id))
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// A guest request as answered to the public: `stored` is false when the address had
/// asked for this meeting already or is over its daily limit. Callers answer both
/// alike (the `record` then is what the request said, under an id that is never
/// stored), so nobody learns whether an address is known.
#[derive(Debug, Clone)]
pub struct Requested {
    /// The request as stored, or as it would have been.
    pub record: GuestRecord,
    /// Whether it was stored (and its confirmation e-mail is to be sent).
    pub stored: bool,
}

/// Stores a new request (unconfirmed) after checking the meeting takes guests, the
/// address has not asked for this meeting yet and is within its daily limit. The
/// limit per client is the caller's (`rate_limits`), counted before this.
pub fn request(
    conn: &mut AnyConnection,
    meeting: MeetingId,
    guest: &GuestRequest,
    client_hash: &str,
    token_hash: &str,
    limits: RateLimits,
) -> Result<Requested> {
    let id = GuestRequestId::generate();
    conn.transaction(|conn| {
        let m = crate::meetings::get(conn, meeting)?;
        m.status
            .after(MeetingChange::RequestAsGuest)
            .map_err(crate::meetings::refused)?;
        if m.timezone.instant(m.start) <= Utc::now() {
            return Err(StorageError::Conflict(
                "this meeting takes no more guest requests (it is over or cancelled)".into(),
            ));
        }
        let now = crate::now();
        // Compared and stored in lower case: one person, one address.
        let email = guest.email.as_str().to_lowercase();
        let email = email.as_str();
        let by_address: i64 = gr::table
            .filter(gr::email.eq(email))
            .filter(gr::created_at.gt(now - Duration::hours(24)))
            .count()
            .get_result(conn)?;
        let duplicate: i64 = gr::table
            .filter(gr::meeting_id.eq(meeting.to_string()))
            .filter(gr::email.eq(email))
            .count()
            .get_result(conn)?;
        if duplicate > 0 || by_address >= limits.per_address_per_day {
            return Ok(Requested {
                record: GuestRecord {
                    id,
                    meeting_id: meeting,
                    name: guest.name.clone(),
                    email: email.to_owned(),
                    affiliation: guest.affiliation.clone(),
                    message: guest.message.clone(),
                    language: guest.language.to_string(),
                    status: GuestRequestStatus::Unconfirmed,
                    attendance: None,
                    created_at: now.and_utc(),
                },
                stored: false,
            });
        }
        diesel::insert_into(gr::table)
            .values((
                gr::id.eq(id.to_string()),
                gr::meeting_id.eq(meeting.to_string()),
                gr::name.eq(&guest.name),
                gr::email.eq(email),
                gr::affiliation.eq(guest.affiliation.as_deref()),
                gr::message.eq(guest.message.as_deref()),
                gr::language.eq(guest.language.as_str()),
                gr::consent_at.eq(now),
                gr::client_hash.eq(client_hash),
                gr::token_hash.eq(token_hash),
                gr::status.eq(GuestRequestStatus::Unconfirmed.as_str()),
                gr::created_at.eq(now),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            "guest",
            EntityKind::Meeting,
            &meeting.to_string(),
            None,
            Action::Updated,
            &format!("guest request {id}"),
        )?;
        Ok(Requested {
            record: get(conn, id)?,
            stored: true,
        })
    })
}

/// The guest confirms the address (double opt-in). Confirming twice changes nothing.
pub fn confirm(conn: &mut AnyConnection, token_hash: &str) -> Result<GuestRecord> {
    conn.transaction(|conn| {
        let r = by_token(conn, token_hash)?;
        if r.status == GuestRequestStatus::Unconfirmed {
            diesel::update(gr::table.find(r.id.to_string()))
                .set((
                    gr::status.eq(GuestRequestStatus::Confirmed.as_str()),
                    gr::confirmed_at.eq(Some(crate::now())),
                ))
                .execute(conn)?;
        }
        get(conn, r.id)
    })
}

/// The coordinator approves or declines a confirmed request.
pub fn decide(
    conn: &mut AnyConnection,
    actor: &str,
    id: GuestRequestId,
    approve: bool,
) -> Result<GuestRecord> {
    conn.transaction(|conn| {
        let r = get(conn, id)?;
        if r.status != GuestRequestStatus::Confirmed {
            return Err(StorageError::Conflict(format!(
                "only confirmed requests can be decided; this one is {}",
                r.status.as_str()
            )));
        }
        let status = if approve {
            GuestRequestStatus::Approved
        } else {
            GuestRequestStatus::Declined
        };
        diesel::update(gr::table.find(id.to_string()))
            .set((
                gr::status.eq(status.as_str()),
                gr::decided_at.eq(Some(crate::now())),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Meeting,
            &r.meeting_id.to_string(),
            None,
            Action::Updated,
            &format!("guest request {id}: {}", status.as_str()),
        )?;
        get(conn, id)
    })
}

/// Records an approved guest's attendance.
pub fn record_attendance(
    conn: &mut AnyConnection,
    actor: &str,
    id: GuestRequestId,
    status: Attendance,
) -> Result<GuestRecord> {
    conn.transaction(|conn| {
        let r = get(conn, id)?;
        if r.status != GuestRequestStatus::Approved {
            return Err(StorageError::Conflict(
                "attendance is recorded for approved guests only".into(),
            ));
        }
        diesel::update(gr::table.find(id.to_string()))
            .set(gr::attendance.eq(Some(status.as_str())))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Meeting,
            &r.meeting_id.to_string(),
            None,
            Action::Updated,
            &format!("guest {id}: {}", status.as_str()),
        )?;
        get(conn, id)
    })
}

/// What the retention job deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Guest requests (name, address, affiliation, message).
    pub requests: usize,
    /// Invitation records of guests.
    pub invitations: usize,
    /// E-mails to those guests.
    pub messages: usize,
}

/// Deletes the personal data of guests of meetings that ended more than
/// `retention_days` before `now`: their requests, their invitation records and the
/// e-mails to them (except one being sent at this moment) (unless the address also belongs to a representative or
/// to a guest of a later meeting). Everything else stays.
pub fn purge(conn: &mut AnyConnection, retention_days: u32, now: DateTime<Utc>) -> Result<Purged> {
    conn.transaction(|conn| {
        // Local end times; a day of slack covers every zone's offset.
        let cutoff =
            (now - Duration::days(i64::from(retention_days)) - Duration::hours(14)).naive_utc();
        let old: Vec<String> = meetings::table
            .filter(meetings::ends_local.lt(cutoff))
            .select(meetings::id)
            .load(conn)?;
        if old.is_empty() {
            return Ok(Purged::default());
        }
        let doomed: Vec<(String, String)> = gr::table
            .filter(gr::meeting_id.eq_any(&old))
            .select((gr::id, gr::email))
            .load(conn)?;
        let ids: Vec<&String> = doomed.iter().map(|(id, _)| id).collect();
        let invitations =
            diesel::delete(inv::table.filter(inv::guest_request_id.eq_any(&ids))).execute(conn)?;
        let requests = diesel::delete(gr::table.filter(gr::id.eq_any(&ids))).execute(conn)?;
        let mut addresses: Vec<&String> = doomed.iter().map(|(_, e)| e).collect();
        addresses.sort();
        addresses.dedup();
        let kept_reps: Vec<String> = reps::table
            .filter(reps::email.eq_any(&addresses))
            .select(reps::email)
            .load(conn)?;
        let kept_guests: Vec<String> = gr::table
            .filter(gr::email.eq_any(&addresses))
            .select(gr::email)
            .load(conn)?;
        let gone: Vec<&String> = addresses
            .into_iter()
            .filter(|a| !kept_reps.contains(a) && !kept_guests.contains(a))
            .collect();
        let messages = diesel::delete(
            ob::table
                .filter(ob::recipient.eq_any(&gone))
                // A message being handed to the mail server right now is left alone.
                .filter(ob::state.ne(crate::outbox::State::Sending.as_str())),
        )
        .execute(conn)?;
        Ok(Purged {
            requests,
            invitations,
            messages,
        })
    })
}
