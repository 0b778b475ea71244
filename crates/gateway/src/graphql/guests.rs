//! Guests, invitations, cancellation and minutes in the API. Guests ask publicly and
//! confirm their address from an e-mail (double opt-in); with the confirmation link's
//! token they see their own request and nothing else. The coordinator decides,
//! issues invitations, moves or cancels meetings (updates and cancellations go out by
//! themselves) and records guests' attendance and the minutes.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDateTime, Utc};
use netzwerk_domain::ValidationError;
use netzwerk_domain::ids::{GuestRequestId, MeetingId};
use netzwerk_domain::meeting::GuestRequestInput;
use netzwerk_storage::guests::{self, GuestRecord};
use netzwerk_storage::meetings;
use netzwerk_storage::{outbox, rate_limits};

use super::SchemaSettings;
use super::context::{parse_id, viewer};
use super::enums::GuestRequestStatus;
use super::error::{ApiResult, storage, validation};
use super::meetings::{AttendanceStatus, Meeting};
use super::mutation::{check, label, valid};
use super::query::db;
use netzwerk_app::auth::{new_secret, secret_hash};
use netzwerk_app::invitations::{self, MeetingInfo, MeetingSettings};

fn settings<'a>(ctx: &'a Context<'_>) -> &'a MeetingSettings {
    &ctx.data_unchecked::<SchemaSettings>().meetings
}

/// A guest's request to attend a meeting.
pub struct GuestRequest(GuestRecord);

#[Object]
impl GuestRequest {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The meeting.
    async fn meeting(&self, ctx: &Context<'_>) -> ApiResult<Meeting> {
        let id = self.0.meeting_id;
        let m = db(ctx)
            .run(move |c| meetings::get(c, id))
            .await
            .map_err(storage)?;
        Ok(Meeting::from(m))
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// E-mail address.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Organisation or context the guest comes from.
    async fn affiliation(&self) -> Option<&str> {
        self.0.affiliation.as_deref()
    }
    /// Message to the coordinator.
    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
    /// E-mail language (ISO 639-1).
    async fn language(&self) -> &str {
        &self.0.language
    }
    /// Where the request stands.
    async fn status(&self) -> GuestRequestStatus {
        self.0.status.into()
    }
    /// Attendance, once recorded.
    async fn attendance(&self) -> Option<&'static str> {
        self.0.attendance.map(|a| match a {
            netzwerk_domain::meeting::Attendance::Present => "PRESENT",
            netzwerk_domain::meeting::Attendance::Excused => "EXCUSED",
            netzwerk_domain::meeting::Attendance::Absent => "ABSENT",
        })
    }
    /// When the request came in.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// What `issueInvitations` did.
#[derive(SimpleObject)]
pub struct InvitationsIssued {
    /// The meeting, now invited.
    pub meeting: Meeting,
    /// E-mails queued now (people invited before are not written to again).
    pub queued: usize,
}

/// Someone the invitation went to.
#[derive(SimpleObject)]
pub struct Invitation {
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// E-mail language.
    pub language: String,
    /// A guest (else a member's representative).
    pub guest: bool,
    /// The SEQUENCE of the last invitation or update sent to them.
    pub sequence: i32,
}

/// Queries about guests and invitations.
#[derive(Default)]
pub struct GuestQuery;

#[Object]
impl GuestQuery {
    /// A meeting's guest requests, oldest first (coordinator).
    async fn guest_requests(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
    ) -> ApiResult<Vec<GuestRequest>> {
        check(viewer(ctx).actor.may_administer())?;
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let list = db(ctx)
            .run(move |c| {
                meetings::get(c, id)?;
                guests::of_meeting(c, id)
            })
            .await
            .map_err(storage)?;
        Ok(list.into_iter().map(GuestRequest).collect())
    }

    /// The guest's own request, by the token from the confirmation e-mail.
    async fn guest_request(&self, ctx: &Context<'_>, token: String) -> ApiResult<GuestRequest> {
        let hash = secret_hash(token.trim());
        let r = db(ctx)
            .run(move |c| guests::by_token(c, &hash))
            .await
            .map_err(storage)?;
        Ok(GuestRequest(r))
    }

    /// Everyone the meeting's invitation went to (coordinator).
    async fn invitations(&self, ctx: &Context<'_>, meeting_id: ID) -> ApiResult<Vec<Invitation>> {
        check(viewer(ctx).actor.may_administer())?;
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let list = db(ctx)
            .run(move |c| {
                meetings::get(c, id)?;
                meetings::invitees(c, id)
            })
            .await
            .map_err(storage)?;
        Ok(list
            .into_iter()
            .map(|i| Invitation {
                guest: i.guest_request_id.is_some(),
                name: i.name,
                email: i.email,
                language: i.language,
                sequence: i.sequence,
            })
            .collect())
    }
}

/// Changes about guests, invitations, cancellation and minutes.
#[derive(Default)]
pub struct GuestMutation;

#[Object]
impl GuestMutation {
    /// Asks to attend a meeting as a guest (anyone). An e-mail with a confirmation link
    /// goes to the address; the coordinator sees the request once it is confirmed.
    /// Limited per client (`RATE_LIMITED`); a second request for the same meeting, or
    /// one over the address's daily limit, is answered alike and changes nothing.
    #[expect(
        clippy::too_many_arguments,
        reason = "the request's fields, flat as the public form sends them"
    )]
    async fn request_guest_invitation(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        name: String,
        email: String,
        affiliation: Option<String>,
        message: Option<String>,
        #[graphql(desc = "Consent to storing these details until after the meeting.")]
        consent: bool,
        #[graphql(desc = "Language for e-mails, ISO 639-1 (default de).")] language: Option<String>,
    ) -> ApiResult<GuestRequest> {
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let guest = valid(
            GuestRequestInput {
                name,
                email,
                affiliation,
                message,
                consent,
                language,
            }
            .validate(),
        )?;
        let client = viewer(ctx).client_key();
        let token = new_secret("nwg_");
        let token_hash = secret_hash(&token);
        let s = settings(ctx).clone();
        let r = db(ctx)
            .write(move |c| {
                netzwerk_storage::transaction(c, |c| {
                    // Only the client's limit is told: whether an address asked before
                    // (or too often today) is answered like any request, and nothing
                    // is sent to it.
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
                        let msg = invitations::guest_confirmation(&info, &r.record, &token, &s);
                        outbox::enqueue(c, &msg, &s.domain)?;
                    }
                    Ok::<_, netzwerk_storage::StorageError>(r.record)
                })
            })
            .await
            .map_err(storage)?;
        Ok(GuestRequest(r))
    }

    /// Confirms a guest's address with the token from the e-mail (double opt-in).
    async fn confirm_guest_request(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> ApiResult<GuestRequest> {
        let hash = secret_hash(token.trim());
        let r = db(ctx)
            .write(move |c| guests::confirm(c, &hash))
            .await
            .map_err(storage)?;
        Ok(GuestRequest(r))
    }

    /// Approves or declines a confirmed guest request (coordinator). Approval sends the
    /// invitation at once if the meeting's invitations are out, else with them.
    async fn decide_guest_request(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
        approve: bool,
    ) -> ApiResult<GuestRequest> {
        let a = viewer(ctx).actor;
        check(a.may_administer())?;
        let id = parse_id("requestId", &request_id, GuestRequestId::parse)?;
        let s = settings(ctx).clone();
        let r = db(ctx)
            .write(move |c| invitations::decide_guest(c, &label(a), id, approve, &s))
            .await
            .map_err(storage)?;
        Ok(GuestRequest(r))
    }

    /// Records an approved guest's attendance (coordinator).
    async fn record_guest_attendance(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
        status: AttendanceStatus,
    ) -> ApiResult<GuestRequest> {
        let a = viewer(ctx).actor;
        check(a.may_administer())?;
        let id = parse_id("requestId", &request_id, GuestRequestId::parse)?;
        let r = db(ctx)
            .write(move |c| guests::record_attendance(c, &label(a), id, status.into()))
            .await
            .map_err(storage)?;
        Ok(GuestRequest(r))
    }

    /// Sends the invitation — date, place, accessibility, agenda and a calendar entry —
    /// to every member's representative and every approved guest, each in their
    /// language; the meeting becomes `INVITED` (coordinator). Issuing again reaches
    /// only people added since.
    async fn issue_invitations(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
    ) -> ApiResult<InvitationsIssued> {
        let a = viewer(ctx).actor;
        check(a.may_administer())?;
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let s = settings(ctx).clone();
        let (queued, m) = db(ctx)
            .write(move |c| {
                let n = invitations::issue(c, &label(a), id, &s)?;
                Ok::<_, netzwerk_storage::StorageError>((n, meetings::get(c, id)?))
            })
            .await
            .map_err(storage)?;
        Ok(InvitationsIssued {
            meeting: Meeting::from(m),
            queued,
        })
    }

    /// Moves a meeting to another local start (and length); everyone invited gets an
    /// update with a higher SEQUENCE (coordinator).
    async fn reschedule_meeting(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        #[graphql(desc = "New local start, in the meeting's time zone.")] start: NaiveDateTime,
        #[graphql(desc = "Minutes (default: as before).")] duration_minutes: Option<i32>,
    ) -> ApiResult<Meeting> {
        let a = viewer(ctx).actor;
        check(a.may_administer())?;
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        if let Some(d) = duration_minutes
            && !(15..=720).contains(&d)
        {
            return Err(validation(&ValidationError::new(
                "durationMinutes",
                "range",
                format!("must be 15 to 720, got {d}"),
            )));
        }
        let s = settings(ctx).clone();
        let m = db(ctx)
            .write(move |c| {
                netzwerk_storage::transaction(c, |c| {
                    let current = meetings::get(c, id)?;
                    let length = duration_minutes
                        .map(|d| chrono::Duration::minutes(i64::from(d)))
                        .unwrap_or(current.end - current.start);
                    meetings::reschedule(c, &label(a), id, start, start + length)?;
                    invitations::send_updates(c, id, &s)?;
                    meetings::get(c, id)
                })
            })
            .await
            .map_err(storage)?;
        Ok(Meeting::from(m))
    }

    /// Calls a meeting off; everyone invited gets a cancellation (METHOD:CANCEL)
    /// (coordinator).
    async fn cancel_meeting(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        reason: Option<String>,
    ) -> ApiResult<Meeting> {
        let a = viewer(ctx).actor;
        check(a.may_administer())?;
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let reason = match reason {
            Some(r) => valid(
                netzwerk_domain::error::optional_text(&r, 1000).map_err(|e| e.within("reason")),
            )?,
            None => None,
        };
        let s = settings(ctx).clone();
        let m = db(ctx)
            .write(move |c| {
                netzwerk_storage::transaction(c, |c| {
                    meetings::cancel(c, &label(a), id, reason.as_deref())?;
                    invitations::send_updates(c, id, &s)?;
                    meetings::get(c, id)
                })
            })
            .await
            .map_err(storage)?;
        Ok(Meeting::from(m))
    }

    /// Attaches the minutes (Markdown) to a held meeting (coordinator); members see them.
    async fn record_minutes(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        minutes: String,
    ) -> ApiResult<Meeting> {
        let a = viewer(ctx).actor;
        check(a.may_administer())?;
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        // Markdown is kept exactly as written (indentation and line ends matter).
        let mut c = netzwerk_domain::error::Checker::new();
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
        valid(c.finish(|| ()))?;
        let m = db(ctx)
            .write(move |c| {
                meetings::set_minutes(c, &label(a), id, &minutes)?;
                meetings::get(c, id)
            })
            .await
            .map_err(storage)?;
        Ok(Meeting::from(m))
    }
}
