//! The coordinator's view of the e-mail outbox: every message and its state.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use netzwerk_app::outbox::{self, State};

use super::connection::{Page, page, window};
use super::context::{actor, hub};
use super::error::{ApiResult, app};

/// Where a message stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    /// Waiting for (another) attempt.
    Queued,
    /// Being sent.
    Sending,
    /// Accepted by the mail server.
    Sent,
    /// Given up.
    Failed,
}

impl From<OutboxState> for State {
    fn from(s: OutboxState) -> Self {
        match s {
            OutboxState::Queued => State::Queued,
            OutboxState::Sending => State::Sending,
            OutboxState::Sent => State::Sent,
            OutboxState::Failed => State::Failed,
        }
    }
}

impl From<State> for OutboxState {
    fn from(s: State) -> Self {
        match s {
            State::Queued => OutboxState::Queued,
            State::Sending => OutboxState::Sending,
            State::Sent => OutboxState::Sent,
            State::Failed => OutboxState::Failed,
        }
    }
}

/// One message of the outbox.
#[derive(SimpleObject)]
pub struct OutboxMessage {
    /// Id.
    pub id: ID,
    /// What it is for, e.g. `meeting_invitation`.
    pub purpose: String,
    /// Recipient address.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// State.
    pub state: OutboxState,
    /// Attempts so far.
    pub attempts: i32,
    /// Next attempt.
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When the mail server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
}

/// Queries over the outbox.
#[derive(Default)]
pub struct OutboxQuery;

#[Object]
impl OutboxQuery {
    /// Messages, newest first (coordinator only).
    #[graphql(cache_control(private, no_cache), inaccessible)]
    async fn outbox_messages(
        &self,
        ctx: &Context<'_>,
        state: Option<OutboxState>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Page<OutboxMessage>> {
        let w = window(first, after)?;
        let (offset, limit, state) = (w.offset as i64, w.limit as i64, state.map(Into::into));
        let p = outbox::list(hub(ctx), actor(ctx), state, offset, limit)
            .await
            .map_err(app)?;
        let nodes = p
            .items
            .into_iter()
            .map(|m| OutboxMessage {
                id: ID(m.id),
                purpose: m.content.purpose,
                recipient: m.content.recipient,
                subject: m.content.subject,
                state: m.state.into(),
                attempts: m.attempts,
                next_attempt_at: m.next_attempt_at,
                last_error: m.last_error,
                created_at: m.created_at,
                sent_at: m.sent_at,
            })
            .collect();
        Ok(page(w, p.total, nodes))
    }
}
