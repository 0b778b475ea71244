//! Guests, invitations, cancellation and minutes in the API — each resolver calls one
//! use case of `netzwerk_app::guests`. Guests ask publicly and confirm their address
//! from an e-mail (double opt-in); with the confirmation link's token they see their
//! own request and nothing else.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDateTime, Utc};
use netzwerk_app::guests::{self, GuestRecord};
use netzwerk_domain::ids::{GuestRequestId, MeetingId};
use netzwerk_domain::meeting::GuestRequestInput;

use super::context::{actor, hub, loader, parse_id, viewer};
use super::enums::GuestRequestStatus;
use super::error::load_error;
use super::error::{ApiResult, Code, app, coded};
use super::meetings::{AttendanceStatus, Meeting};

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
        loader(ctx)
            .load_one(id)
            .await
            .map_err(load_error)?
            .map(Meeting::from)
            .ok_or_else(|| coded(Code::NotFound, format!("meeting {id} not found")))
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
    #[graphql(cache_control(private, no_cache))]
    async fn guest_requests(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
    ) -> ApiResult<Vec<GuestRequest>> {
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        guests::of_meeting(hub(ctx), actor(ctx), id)
            .await
            .map(|list| list.into_iter().map(GuestRequest).collect())
            .map_err(app)
    }

    /// The guest's own request, by the token from the confirmation e-mail.
    #[graphql(cache_control(private, no_cache))]
    async fn guest_request(&self, ctx: &Context<'_>, token: String) -> ApiResult<GuestRequest> {
        guests::by_token(hub(ctx), &token)
            .await
            .map(GuestRequest)
            .map_err(app)
    }

    /// Everyone the meeting's invitation went to (coordinator).
    #[graphql(cache_control(private, no_cache))]
    async fn invitations(&self, ctx: &Context<'_>, meeting_id: ID) -> ApiResult<Vec<Invitation>> {
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let list = guests::invitees(hub(ctx), actor(ctx), id)
            .await
            .map_err(app)?;
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
        let meeting = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let cmd = guests::Request {
            meeting,
            guest: GuestRequestInput {
                name,
                email,
                affiliation,
                message,
                consent,
                language,
            },
            client: viewer(ctx).client.clone(),
        };
        guests::request(hub(ctx), cmd)
            .await
            .map(GuestRequest)
            .map_err(app)
    }

    /// Confirms a guest's address with the token from the e-mail (double opt-in).
    async fn confirm_guest_request(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> ApiResult<GuestRequest> {
        guests::confirm(hub(ctx), &token)
            .await
            .map(GuestRequest)
            .map_err(app)
    }

    /// Approves or declines a confirmed guest request (coordinator). Approval sends the
    /// invitation at once if the meeting's invitations are out, else with them.
    async fn decide_guest_request(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
        approve: bool,
    ) -> ApiResult<GuestRequest> {
        let id = parse_id("requestId", &request_id, GuestRequestId::parse)?;
        guests::decide(hub(ctx), actor(ctx), id, approve)
            .await
            .map(GuestRequest)
            .map_err(app)
    }

    /// Records an approved guest's attendance (coordinator).
    async fn record_guest_attendance(
        &self,
        ctx: &Context<'_>,
        request_id: ID,
        status: AttendanceStatus,
    ) -> ApiResult<GuestRequest> {
        let id = parse_id("requestId", &request_id, GuestRequestId::parse)?;
        guests::record_attendance(hub(ctx), actor(ctx), id, status.into())
            .await
            .map(GuestRequest)
            .map_err(app)
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
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        let issued = guests::issue_invitations(hub(ctx), actor(ctx), id)
            .await
            .map_err(app)?;
        Ok(InvitationsIssued {
            meeting: Meeting::from(issued.meeting),
            queued: issued.queued,
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
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        guests::reschedule(
            hub(ctx),
            actor(ctx),
            id,
            start,
            duration_minutes.map(i64::from),
        )
        .await
        .map(Meeting::from)
        .map_err(app)
    }

    /// Calls a meeting off; everyone invited gets a cancellation (METHOD:CANCEL)
    /// (coordinator).
    async fn cancel_meeting(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        reason: Option<String>,
    ) -> ApiResult<Meeting> {
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        guests::cancel(hub(ctx), actor(ctx), id, reason)
            .await
            .map(Meeting::from)
            .map_err(app)
    }

    /// Attaches the minutes (Markdown) to a held meeting (coordinator); members see them.
    async fn record_minutes(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        minutes: String,
    ) -> ApiResult<Meeting> {
        let id = parse_id("meetingId", &meeting_id, MeetingId::parse)?;
        guests::record_minutes(hub(ctx), actor(ctx), id, minutes)
            .await
            .map(Meeting::from)
            .map_err(app)
    }
}
