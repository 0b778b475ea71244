//! Guests, invitations, moving and cancelling meetings, minutes. Guests ask publicly
//! and confirm their address from an e-mail (double opt-in); with the link's token they
//! see their own request and nothing else. The coordinator decides, issues the
//! invitations, moves or cancels meetings (updates and cancellations are queued in the
//! transaction of the change) and records guests' attendance and the minutes.

use chrono::NaiveDateTime;
use netzwerk_domain::ValidationError;
use netzwerk_domain::access::Actor;
use netzwerk_domain::error::Checker;
use netzwerk_domain::ids::{GuestRequestId, MeetingId};
use netzwerk_domain::meeting::{Attendance, GuestRequestInput};
use netzwerk_storage::meetings::{self, Invitee};
use netzwerk_storage::{guests, outbox, rate_limits};

pub use netzwerk_storage::guests::GuestRecord;

use crate::Hub;
use crate::auth::{new_secret, secret_hash};
use crate::error::Result;
use crate::invitations::{self, MeetingInfo};
use crate::meetings::{MeetingView, view_in};

/// A guest's request, flat as the public form sends it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The meeting.
    pub meeting: MeetingId,
    /// The guest's details and consent.
    pub guest: GuestRequestInput,
    /// The client's network address, for the per-client limit (unknown: none).
    pub client: Option<String>,
}

/// Asks to attend a meeting as a guest (anyone). An e-mail with a confirmation link
/// goes to the address. Limited per client (`RateLimited`); a second request for the
/// same meeting, or one over the address's daily limit, is answered alike and changes
/// nothing.
pub async fn request(hub: &Hub, cmd: Request) -> Result<GuestRecord> {
    let guest = cmd.guest.validate()?;
    let token = new_secret("nwg_");
    let token_hash = secret_hash(&token);
    let s = hub.settings().meetings.clone();
    let (id, client) = (cmd.meeting, crate::auth::client_key(cmd.client.as_deref()));
    hub.transact(move |c| {
        // Only the client's limit is told: whether an address asked before (or too
        // often today) is answered like any request, and nothing is sent to it.
        let per_client = rate_limits::Limit {
            max_hits: u32::try_from(s.limits.per_client_per_hour).unwrap_or(u32::MAX),
            window: chrono::Duration::hours(1),
        };
        rate_limits::enforce(
            c,
            &format!("guests:client:{client}"),
            per_client,
            &format!(
                "too many guest requests from this network address in the last hour (at most {})",
                s.limits.per_client_per_hour
            ),
        )?;
        let r = guests::request(c, id, &guest, &client, &token_hash, s.limits)?;
        if r.stored {
            let info = MeetingInfo::load(c, id)?;
            let msg = invitations::guest_confirmation(&info, &r.record, &token, &s)?;
            outbox::enqueue(c, &msg, &s.domain)?;
        }
        Ok(r.record)
    })
    .await
}

/// Confirms a guest's address with the token from the e-mail (double opt-in);
/// confirming twice changes nothing.
pub async fn confirm(hub: &Hub, token: &str) -> Result<GuestRecord> {
    let hash = secret_hash(token.trim());
    hub.transact(move |c| Ok(guests::confirm(c, &hash)?)).await
}

/// The guest's own request, by the token from the confirmation e-mail.
pub async fn by_token(hub: &Hub, token: &str) -> Result<GuestRecord> {
    let hash = secret_hash(token.trim());
    Ok(hub
        .database()
        .run(move |c| guests::by_token(c, &hash))
        .await?)
}

/// A meeting's guest requests, oldest first (coordinator).
pub async fn of_meeting(hub: &Hub, actor: Actor, id: MeetingId) -> Result<Vec<GuestRecord>> {
    actor.may_administer()?;
    Ok(hub
        .database()
        .run(move |c| {
            meetings::get(c, id)?;
            guests::of_meeting(c, id)
        })
        .await?)
}

/// Approves or declines a confirmed request (coordinator). Approval sends the
/// invitation at once if the meeting's invitations are out, else with them.
pub async fn decide(
    hub: &Hub,
    actor: Actor,
    id: GuestRequestId,
    approve: bool,
) -> Result<GuestRecord> {
    actor.may_administer()?;
    let s = hub.settings().meetings.clone();
    hub.transact(move |c| {
        actor.may_administer()?;
        invitations::decide_guest(c, &actor.label(), id, approve, &s)
    })
    .await
}

/// Records an approved guest's attendance (coordinator).
pub async fn record_attendance(
    hub: &Hub,
    actor: Actor,
    id: GuestRequestId,
    attendance: Attendance,
) -> Result<GuestRecord> {
    actor.may_administer()?;
    hub.transact(move |c| {
        actor.may_administer()?;
        Ok(guests::record_attendance(
            c,
            &actor.label(),
            id,
            attendance,
        )?)
    })
    .await
}

/// Everyone the meeting's invitation went to (coordinator).
pub async fn invitees(hub: &Hub, actor: Actor, id: MeetingId) -> Result<Vec<Invitee>> {
    actor.may_administer()?;
    Ok(hub
        .database()
        .run(move |c| {
            meetings::get(c, id)?;
            meetings::invitees(c, id)
        })
        .await?)
}

/// What issuing the invitations did.
#[derive(Debug)]
pub struct Issued {
    /// The meeting, now invited.
    pub meeting: MeetingView,
    /// E-mails queued now (people invited before are not written to again).
    pub queued: usize,
}

/// Sends the invitation — date, place, accessibility, agenda and a calendar entry — to
/// every member's representative and every approved guest, each in their language; the
/// meeting becomes invited (coordinator). Issuing again reaches only people added since.
pub async fn issue_invitations(hub: &Hub, actor: Actor, id: MeetingId) -> Result<Issued> {
    actor.may_administer()?;
    let s = hub.settings().meetings.clone();
    hub.transact(move |c| {
        actor.may_administer()?;
        let queued = invitations::issue(c, &actor.label(), id, &s)?;
        Ok(Issued {
            meeting: view_in(c, actor, id)?,
            queued,
        })
    })
    .await
}

/// Moves a meeting to another local start (and length, 15 to 720 minutes; default as
/// before); everyone invited gets an update with a higher SEQUENCE (coordinator).
pub async fn reschedule(
    hub: &Hub,
    actor: Actor,
    id: MeetingId,
    start: NaiveDateTime,
    duration_minutes: Option<i64>,
) -> Result<MeetingView> {
    actor.may_administer()?;
    if let Some(d) = duration_minutes
        && !(15..=720).contains(&d)
    {
        return Err(ValidationError::new(
            "durationMinutes",
            "range",
            format!("must be 15 to 720, got {d}"),
        )
        .into());
    }
    let s = hub.settings().meetings.clone();
    hub.transact(move |c| {
        actor.may_administer()?;
        let current = meetings::get(c, id)?;
        let length = duration_minutes
            .map(chrono::Duration::minutes)
            .unwrap_or(current.end - current.start);
        meetings::reschedule(c, &actor.label(), id, start, start + length)?;
        invitations::send_updates(c, id, &s)?;
        view_in(c, actor, id)
    })
    .await
}

/// Calls a meeting off; everyone invited gets a cancellation (METHOD:CANCEL)
/// (coordinator).
pub async fn cancel(
    hub: &Hub,
    actor: Actor,
    id: MeetingId,
    reason: Option<String>,
) -> Result<MeetingView> {
    actor.may_administer()?;
    let reason = match reason {
        Some(r) => {
            netzwerk_domain::error::optional_text(&r, 1000).map_err(|e| e.within("reason"))?
        }
        None => None,
    };
    let s = hub.settings().meetings.clone();
    hub.transact(move |c| {
        actor.may_administer()?;
        meetings::cancel(c, &actor.label(), id, reason.as_deref())?;
        invitations::send_updates(c, id, &s)?;
        view_in(c, actor, id)
    })
    .await
}

/// Attaches the minutes (Markdown, kept exactly as written) to a held meeting
/// (coordinator); members see them.
pub async fn record_minutes(
    hub: &Hub,
    actor: Actor,
    id: MeetingId,
    minutes: String,
) -> Result<MeetingView> {
    actor.may_administer()?;
    let mut c = Checker::new();
    c.check(
        !minutes.trim().is_empty(),
        "minutes",
        "required",
        "the minutes are empty",
    );
    c.check(
        minutes.chars().count() <= 100_000,
        "minutes",
        "max_length",
        "the minutes are longer than 100,000 characters",
    );
    c.finish(|| ())?;
    hub.transact(move |c| {
        actor.may_administer()?;
        meetings::set_minutes(c, &actor.label(), id, &minutes)?;
        view_in(c, actor, id)
    })
    .await
}
