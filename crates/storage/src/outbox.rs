//! The e-mail outbox. Messages are stored first and delivered later by a sender that
//! claims them with a lease, so a crash or a dead mail server loses nothing and two
//! senders never send one message at the same time.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::outbox_messages as ob;
use crate::{AnyConnection, Page, Result, StorageError};

/// The purpose of newsletter messages: sent at the configured rate, withdrawn while
/// queued when their recipient unsubscribes.
pub const NEWSLETTER: &str = "newsletter";

/// A limit on the messages of one purpose: at most `per_minute` handed to the mail
/// server in any minute, counted over every sender (replica).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// The purpose it holds for.
    pub purpose: &'static str,
    /// Messages per minute.
    pub per_minute: u32,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for (another) attempt.
    Queued,
    /// Claimed by a sender; the lease ends at `next_attempt_at`.
    Sending,
    /// Accepted by the mail server.
    Sent,
    /// Given up (refused permanently, or retried for too long).
    Failed,
}

impl State {
    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Sent => "sent",
            State::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "queued" => State::Queued,
            "sending" => State::Sending,
            "sent" => State::Sent,
            "failed" => State::Failed,
            other => {
                return Err(StorageError::Corrupt(format!(
                    "outbox_messages.state: {other:?}"
                )));
            }
        })
    }
}

/// A message to send.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    /// What it is for, e.g. `meeting_invitation`, `test`.
    pub purpose: String,
    /// The recipient's address.
    pub recipient: String,
    /// The recipient's name.
    pub recipient_name: Option<String>,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body_text: String,
    /// HTML body.
    pub body_html: Option<String>,
    /// An attachment: file name, content type, content.
    pub attachment: Option<(String, String, String)>,
    /// `List-Unsubscribe` URL (digests and newsletters).
    pub list_unsubscribe: Option<String>,
    /// The sending it belongs to (a newsletter issue's id), counted together.
    pub batch: Option<String>,
}

/// A stored message.
#[derive(Debug, Clone)]
pub struct Message {
    /// Id.
    pub id: String,
    /// RFC 5322 Message-ID, the same on every attempt.
    pub message_id: String,
    /// The message.
    pub content: NewMessage,
    /// State.
    pub state: State,
    /// Attempts so far.
    pub attempts: i32,
    /// Next attempt, or the end of the current lease.
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When the mail server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ob)]
struct Row {
    id: String,
    message_id: String,
    purpose: String,
    recipient: String,
    recipient_name: Option<String>,
    subject: String,
    body_text: String,
    body_html: Option<String>,
    attachment_name: Option<String>,
    attachment_type: Option<String>,
    attachment_body: Option<String>,
    state: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
    list_unsubscribe: Option<String>,
    batch: Option<String>,
}

fn from_row(r: Row) -> Result<Message> {
    let attachment = match (r.attachment_name, r.attachment_type, r.attachment_body) {
        (Some(n), Some(t), Some(b)) => Some((n, t, b)),
        _ => None,
    };
    Ok(Message {
        id: r.id,
        message_id: r.message_id,
        content: NewMessage {
            purpose: r.purpose,
            recipient: r.recipient,
            recipient_name: r.recipient_name,
            subject: r.subject,
            body_text: r.body_text,
            body_html: r.body_html,
            attachment,
            list_unsubscribe: r.list_unsubscribe,
            batch: r.batch,
        },
        state: State::parse(&r.state)?,
        attempts: r.attempts,
        next_attempt_at: r.next_attempt_at.and_utc(),
        last_error: r.last_error,
        created_at: r.created_at.and_utc(),
        sent_at: r.sent_at.map(|t| t.and_utc()),
    })
}

/// Queues a message (inside the caller's transaction, if any); `domain` goes into the
/// Message-ID.
pub fn enqueue(conn: &mut AnyConnection, msg: &NewMessage, domain: &str) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = crate::now();
    let (an, at, ab) = match &msg.attachment {
        Some((n, t, b)) => (Some(n.as_str()), Some(t.as_str()), Some(b.as_str())),
        None => (None, None, None),
    };
    diesel::insert_into(ob::table)
        .values((
            ob::id.eq(&id),
            ob::message_id.eq(format!("<{id}@{domain}>")),
            ob::purpose.eq(&msg.purpose),
            ob::recipient.eq(&msg.recipient),
            ob::recipient_name.eq(msg.recipient_name.as_deref()),
            ob::subject.eq(&msg.subject),
            ob::body_text.eq(&msg.body_text),
            ob::body_html.eq(msg.body_html.as_deref()),
            ob::attachment_name.eq(an),
            ob::attachment_type.eq(at),
            ob::attachment_body.eq(ab),
            ob::state.eq(State::Queued.as_str()),
            ob::attempts.eq(0),
            ob::next_attempt_at.eq(now),
            ob::created_at.eq(now),
            ob::list_unsubscribe.eq(msg.list_unsubscribe.as_deref()),
            ob::batch.eq(msg.batch.as_deref()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Claims up to `limit` messages that are due at `now` (queued, or sending with an
/// expired lease), each with a compare-and-set so two senders never get the same one.
/// Messages of a throttled purpose come after the others, and only as many as its
/// rate leaves in the last minute (those sent, and those claimed and not yet
/// recorded).
pub fn claim_due(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    limit: i64,
    lease: Duration,
    throttle: Option<Throttle>,
) -> Result<Vec<Message>> {
    conn.transaction(|conn| {
        // Throttled claims one at a time over every replica: on PostgreSQL a lock held
        // to the end of this transaction (SQLite has one writer anyway), so that the
        // count of the last minute is never read by two claims at once.
        if throttle.is_some() && matches!(conn, AnyConnection::Postgresql(_)) {
            diesel::sql_query("SELECT pg_advisory_xact_lock(7162026)").execute(conn)?;
        }
        claim_due_in(conn, now, limit, lease, throttle)
    })
}

fn claim_due_in(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    limit: i64,
    lease: Duration,
    throttle: Option<Throttle>,
) -> Result<Vec<Message>> {
    let due = || {
        ob::table
            .filter(
                ob::state
                    .eq(State::Queued.as_str())
                    .or(ob::state.eq(State::Sending.as_str())),
            )
            .filter(ob::next_attempt_at.le(now.naive_utc()))
            .into_boxed::<crate::db::MultiBackend>()
    };
    let mut candidates: Vec<Row> = match throttle {
        Some(t) => due().filter(ob::purpose.ne(t.purpose)),
        None => due(),
    }
    .order(ob::next_attempt_at)
    .limit(limit)
    .select(Row::as_select())
    .load(conn)?;
    if let Some(t) = throttle {
        let room = limit - i64::try_from(candidates.len()).unwrap_or(limit);
        let recent: i64 = ob::table
            .filter(ob::purpose.eq(t.purpose))
            .filter(
                ob::sent_at
                    .gt((now - Duration::minutes(1)).naive_utc())
                    .or(ob::state
                        .eq(State::Sending.as_str())
                        .and(ob::next_attempt_at.gt(now.naive_utc()))),
            )
            .count()
            .get_result(conn)?;
        let allowed = (i64::from(t.per_minute) - recent).min(room);
        if allowed > 0 {
            let mut throttled = due()
                .filter(ob::purpose.eq(t.purpose))
                .order((ob::next_attempt_at, ob::id))
                .limit(allowed)
                .select(Row::as_select())
                .load::<Row>(conn)?;
            if t.purpose == NEWSLETTER {
                throttled = without_unsubscribed(conn, throttled)?;
            }
            candidates.extend(throttled);
        }
    }
    let until = (now + lease).naive_utc();
    let mut claimed = Vec::new();
    for r in candidates {
        let n = diesel::update(
            ob::table
                .filter(ob::id.eq(&r.id))
                .filter(ob::state.eq(&r.state))
                .filter(ob::next_attempt_at.eq(r.next_attempt_at)),
        )
        .set((
            ob::state.eq(State::Sending.as_str()),
            ob::next_attempt_at.eq(until),
            ob::attempts.eq(r.attempts + 1),
        ))
        .execute(conn)?;
        if n == 1 {
            let mut m = from_row(r)?;
            m.state = State::Sending;
            m.attempts += 1;
            m.next_attempt_at = until.and_utc();
            claimed.push(m);
        }
    }
    Ok(claimed)
}

/// Withdraws the messages of one purpose to one recipient that no sender holds: queued
/// ones, and those whose sender's lease ended (it died). Returns how many.
pub fn withdraw_queued(conn: &mut AnyConnection, purpose: &str, recipient: &str) -> Result<usize> {
    Ok(diesel::delete(
        ob::table
            .filter(ob::purpose.eq(purpose))
            .filter(ob::recipient.eq(recipient))
            .filter(
                ob::state.eq(State::Queued.as_str()).or(ob::state
                    .eq(State::Sending.as_str())
                    .and(ob::next_attempt_at.le(crate::now()))),
            ),
    )
    .execute(conn)?)
}

/// Newsletter messages whose recipients still receive the newsletter; the others are
/// withdrawn. A dispatch that read its recipients while one of them unsubscribed
/// (PostgreSQL reads committed rows only) queued one message too many: it goes here,
/// before anything is sent.
fn without_unsubscribed(conn: &mut AnyConnection, rows: Vec<Row>) -> Result<Vec<Row>> {
    use crate::schema::newsletter_subscribers as ns;
    let recipients: Vec<&str> = rows.iter().map(|r| r.recipient.as_str()).collect();
    let ended: Vec<String> = ns::table
        .filter(ns::email.eq_any(&recipients))
        .filter(ns::unsubscribed_at.is_not_null())
        .select(ns::email)
        .load(conn)?;
    if ended.is_empty() {
        return Ok(rows);
    }
    let (gone, kept): (Vec<Row>, Vec<Row>) =
        rows.into_iter().partition(|r| ended.contains(&r.recipient));
    let ids: Vec<&str> = gone.iter().map(|r| r.id.as_str()).collect();
    diesel::delete(ob::table.filter(ob::id.eq_any(&ids))).execute(conn)?;
    Ok(kept)
}

/// How many messages of a sending stand where: queued (with those being sent), sent,
/// failed.
pub fn batch_counts(conn: &mut AnyConnection, batch: &str) -> Result<(i64, i64, i64)> {
    let rows: Vec<(String, i64)> = ob::table
        .filter(ob::batch.eq(batch))
        .group_by(ob::state)
        .select((ob::state, diesel::dsl::count_star()))
        .load(conn)?;
    let of = |s: State| {
        rows.iter()
            .filter(|(state, _)| state == s.as_str())
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    Ok((
        of(State::Queued) + of(State::Sending),
        of(State::Sent),
        of(State::Failed),
    ))
}

/// Records that the mail server accepted a message.
pub fn mark_sent(conn: &mut AnyConnection, id: &str) -> Result<()> {
    diesel::update(ob::table.find(id))
        .set((
            ob::state.eq(State::Sent.as_str()),
            ob::sent_at.eq(Some(crate::now())),
            ob::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: another try at `retry_at`, or given up when `None` —
/// only while the message is still being sent (a sender that took it over after an
/// expired lease may have delivered it meanwhile; that stays recorded).
pub fn mark_failed(
    conn: &mut AnyConnection,
    id: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<()> {
    let error: String = error.chars().take(2000).collect();
    let ours = ob::table
        .find(id)
        .filter(ob::state.eq(State::Sending.as_str()));
    match retry_at {
        Some(t) => diesel::update(ours)
            .set((
                ob::state.eq(State::Queued.as_str()),
                ob::next_attempt_at.eq(t.naive_utc()),
                ob::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
        None => diesel::update(ours)
            .set((
                ob::state.eq(State::Failed.as_str()),
                ob::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Makes every queued message due now (an operator's "send now").
pub fn expedite(conn: &mut AnyConnection) -> Result<usize> {
    Ok(
        diesel::update(ob::table.filter(ob::state.eq(State::Queued.as_str())))
            .set(ob::next_attempt_at.eq(crate::now()))
            .execute(conn)?,
    )
}

/// Messages, newest first, optionally of one state.
pub fn list(
    conn: &mut AnyConnection,
    state: Option<State>,
    offset: i64,
    limit: i64,
) -> Result<Page<Message>> {
    let filtered = || {
        let mut q = ob::table.into_boxed::<crate::db::MultiBackend>();
        if let Some(s) = state {
            q = q.filter(ob::state.eq(s.as_str()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<Row> = filtered()
        .order((ob::created_at.desc(), ob::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(Row::as_select())
        .load(conn)?;
    Ok(Page {
        items: rows.into_iter().map(from_row).collect::<Result<_>>()?,
        total,
    })
}
