//! The e-mail outbox as the coordinator sees and drives it: every message with its
//! state, a test message, a delivery round on demand. Delivery itself is
//! [`crate::mail::Mailer`]'s.

use netzwerk_domain::access::Actor;
use netzwerk_domain::email::EmailAddress;
use netzwerk_storage::Page;
use netzwerk_storage::outbox::{self, NewMessage};

pub use netzwerk_storage::outbox::{Message, State};

use crate::Hub;
use crate::error::Result;
use crate::mail::{DeliverySummary, Mailer};

/// Reads a message state as the operator types it (`queued`, `sending`, `sent`,
/// `failed`).
pub fn state(raw: &str) -> Result<State> {
    [State::Queued, State::Sending, State::Sent, State::Failed]
        .into_iter()
        .find(|s| s.as_str() == raw.trim())
        .ok_or_else(|| {
            netzwerk_domain::ValidationError::new(
                "state",
                "one_of",
                format!("must be queued, sending, sent or failed, got {raw:?}"),
            )
            .into()
        })
}

/// Messages, newest first, optionally in one state (coordinator).
pub async fn list(
    hub: &Hub,
    actor: Actor,
    state: Option<State>,
    offset: i64,
    limit: i64,
) -> Result<Page<Message>> {
    actor.may_administer()?;
    Ok(hub
        .database()
        .run(move |c| outbox::list(c, state, offset, limit))
        .await?)
}

/// Queues a message that checks the e-mail settings (coordinator); its id and the
/// recipient as understood.
pub async fn queue_test(
    hub: &Hub,
    actor: Actor,
    mailer: &Mailer,
    to: &str,
) -> Result<(String, EmailAddress)> {
    actor.may_administer()?;
    let to = EmailAddress::parse(to).map_err(|e| e.within("to"))?;
    let none = serde_json::json!({});
    let msg = NewMessage {
        purpose: "test".into(),
        recipient: to.to_string(),
        subject: crate::templates::render("mail-test.subject.txt", &none)?
            .trim()
            .to_owned(),
        body_text: crate::templates::render("mail-test.txt", &none)?,
        body_html: Some(crate::templates::render("mail-test.html", &none)?),
        ..NewMessage::default()
    };
    let domain = mailer.domain();
    let id = hub
        .database()
        .write(move |c| outbox::enqueue(c, &msg, &domain))
        .await?;
    Ok((id, to))
}

/// One delivery round (coordinator); with `now`, messages waiting for a retry are sent
/// at once too.
pub async fn deliver(
    hub: &Hub,
    actor: Actor,
    mailer: &Mailer,
    now: bool,
) -> Result<DeliverySummary> {
    actor.may_administer()?;
    if now {
        hub.database().write(outbox::expedite).await?;
    }
    Ok(mailer.deliver_due(hub.database()).await?)
}
