//! Delivering the e-mail outbox over SMTP: claim due messages, send each, and record
//! the outcome — sent, retry later with back-off, or given up after a permanent
//! refusal or too long. A message's Message-ID is the same on every attempt, so a
//! resend after a crash between "accepted" and "recorded" can be recognised.

use chrono::{Duration, Utc};
use lettre::message::header::{ContentType, HeaderName, HeaderValue, MessageId};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Email, Tokio1Executor};
use netzwerk_storage::outbox::{self, Message};
use netzwerk_storage::{Database, StorageError};

use serde::Deserialize;

/// `[mail]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// Sender, e.g. `Netzwerk für Integration <netzwerk@bezirk.example>`.
    pub from: String,
    /// SMTP server.
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: u16,
    /// `none`, `starttls` or `tls`.
    pub tls: String,
    /// SMTP user name (empty: no authentication).
    pub username: String,
    /// SMTP password (never printed: `Debug` shows it redacted).
    pub password: secrecy::SecretString,
    /// Deliver the outbox in the background while serving.
    pub send: bool,
    /// Stop retrying a message after this many hours.
    pub give_up_after_hours: u32,
    /// Seconds between delivery rounds while serving.
    pub poll_seconds: u64,
    /// Wait before the first retry; it doubles with every failed attempt (at most 64 times).
    pub retry_base_seconds: u64,
    /// Seconds one SMTP conversation may take (1 to 600); a claimed message's lease is
    /// this plus 5 seconds.
    pub smtp_timeout_seconds: u64,
    /// Newsletter messages handed to the mail server per minute, over every replica.
    pub newsletter_per_minute: u32,
    /// SMTP conversations one sender holds at once (1 to 16).
    pub connections: u32,
}

/// Messages claimed at once: each is claimed just before it is sent, so a sender that
/// dies holds one message, and another sender takes it over when its lease (the SMTP
/// timeout plus 5 seconds) ends.
const BATCH: i64 = 1;
/// Messages a round tries in a row before it looks back: a group with a failure ends
/// the round.
const GROUP: usize = 10;

/// The SMTP side of the outbox.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    give_up_after: Duration,
    retry_base: Duration,
    lease: Duration,
    /// One SMTP conversation at most (lettre's own time-out covers connecting only).
    conversation: std::time::Duration,
    throttle: outbox::Throttle,
    connections: usize,
}

/// What one delivery round did.
#[derive(Debug, Default)]
pub struct DeliverySummary {
    /// Accepted by the server.
    pub sent: usize,
    /// Failed, to be retried.
    pub retrying: usize,
    /// Given up.
    pub failed: usize,
    /// The errors, by recipient.
    pub errors: Vec<(String, String)>,
}

impl Mailer {
    /// A mailer for the `[mail]` settings; a sender address or TLS host that cannot
    /// be used is refused, naming the setting.
    pub fn new(cfg: &MailConfig) -> crate::Result<Self> {
        let setting = |field: &str, rule: &'static str, e: String| {
            crate::Error::Invalid(netzwerk_domain::ValidationError::new(field, rule, e))
        };
        let from: Mailbox = cfg.from.parse().map_err(|e| {
            setting(
                "mail.from",
                "email_format",
                format!("is not a mailbox: {e}"),
            )
        })?;
        let tls = match cfg.tls.as_str() {
            "none" => Tls::None,
            mode => {
                let params = TlsParameters::new(cfg.smtp_host.clone()).map_err(|e| {
                    setting(
                        "mail.smtp_host",
                        "url",
                        format!("cannot be used for TLS: {e}"),
                    )
                })?;
                if mode == "tls" {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let timeout = cfg.smtp_timeout_seconds.clamp(1, 600);
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.smtp_host)
            .port(cfg.smtp_port)
            .tls(tls)
            .timeout(Some(std::time::Duration::from_secs(timeout)));
        if !cfg.username.is_empty() {
            builder =
                builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
                    cfg.username.clone(),
                    secrecy::ExposeSecret::expose_secret(&cfg.password).to_owned(),
                ));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            give_up_after: Duration::hours(i64::from(cfg.give_up_after_hours.max(1))),
            retry_base: Duration::seconds(
                i64::try_from(cfg.retry_base_seconds.clamp(1, 86_400)).unwrap_or(60),
            ),
            lease: Duration::seconds(i64::try_from(timeout).unwrap_or(30) + 5),
            conversation: std::time::Duration::from_secs(timeout),
            throttle: outbox::Throttle {
                purpose: outbox::NEWSLETTER,
                per_minute: cfg.newsletter_per_minute.max(1),
            },
            connections: usize::try_from(cfg.connections.clamp(1, 16)).unwrap_or(1),
        })
    }

    /// The domain used in Message-IDs.
    pub fn domain(&self) -> String {
        self.from.email.domain().to_owned()
    }

    fn build(&self, m: &Message) -> Result<Email, String> {
        let c = &m.content;
        let to: Mailbox = match &c.recipient_name {
            Some(n) => format!("{n} <{}>", c.recipient).parse(),
            None => c.recipient.parse(),
        }
        .map_err(|e| format!("recipient {:?}: {e}", c.recipient))?;
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(c.body_text.clone());
        let body = match &c.body_html {
            Some(html) => MultiPart::alternative().singlepart(text).singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(html.clone()),
            ),
            None => MultiPart::alternative().singlepart(text),
        };
        let body = match &c.attachment {
            Some((name, kind, content)) => {
                let ct = ContentType::parse(kind)
                    .map_err(|e| format!("attachment type {kind:?}: {e}"))?;
                MultiPart::mixed()
                    .multipart(body)
                    .singlepart(Attachment::new(name.clone()).body(content.clone(), ct))
            }
            None => body,
        };
        let mut builder = Email::builder()
            .from(self.from.clone())
            .to(to)
            .subject(c.subject.clone())
            .header(MessageId::from(m.message_id.clone()));
        if let Some(url) = &c.list_unsubscribe {
            // RFC 2369 and RFC 8058: mail programs offer one-click unsubscribing.
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        builder
            .multipart(body)
            .map_err(|e| format!("cannot build the message: {e}"))
    }

    /// Delivers every message that is due, once, over `mail.connections` conversations
    /// at a time (each claims, sends and records one message after another); in each,
    /// a group of ten with a failure ends its part of the round (the server is likely
    /// down; back-off decides when to try again).
    pub async fn deliver_due(&self, db: &Database) -> Result<DeliverySummary, StorageError> {
        let lanes = (0..self.connections).map(|_| self.deliver_lane(db));
        let mut summary = DeliverySummary::default();
        let mut failed = None;
        for lane in futures_util::future::join_all(lanes).await {
            match lane {
                Ok(s) => {
                    summary.sent += s.sent;
                    summary.retrying += s.retrying;
                    summary.failed += s.failed;
                    summary.errors.extend(s.errors);
                }
                Err(e) => failed = Some(e),
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(summary),
        }
    }

    /// One conversation's part of a round.
    async fn deliver_lane(&self, db: &Database) -> Result<DeliverySummary, StorageError> {
        let mut summary = DeliverySummary::default();
        let mut tried = 0;
        let mut failures_before = 0;
        loop {
            if self.deliver_batch(db, &mut summary).await? == 0 {
                return Ok(summary);
            }
            tried += 1;
            if tried % GROUP == 0 {
                let failures = summary.retrying + summary.failed;
                if failures > failures_before {
                    return Ok(summary);
                }
                failures_before = failures;
            }
        }
    }

    /// Claims and sends one batch; returns how many were claimed.
    async fn deliver_batch(
        &self,
        db: &Database,
        summary: &mut DeliverySummary,
    ) -> Result<usize, StorageError> {
        // The lease covers the whole batch even if every message takes the full SMTP
        // timeout, so no other sender takes one over while this one still works on it.
        let (lease, throttle) = (
            self.lease * i32::try_from(BATCH).unwrap_or(1),
            self.throttle,
        );
        let claimed = db
            .write(move |c| outbox::claim_due(c, Utc::now(), BATCH, lease, Some(throttle)))
            .await?;
        let count = claimed.len();
        for m in claimed {
            let outcome = match self.build(&m) {
                // The whole conversation ends within the time-out, so the message is
                // recorded before its lease ends and no other sender takes it over.
                Ok(email) => {
                    match tokio::time::timeout(self.conversation, self.transport.send(email)).await
                    {
                        Ok(sent) => sent.map(|_| ()).map_err(|e| {
                            let permanent = e.is_permanent();
                            (e.to_string(), permanent)
                        }),
                        Err(_) => Err((
                            format!(
                                "the mail server did not finish within {} s (mail.smtp_timeout_seconds)",
                                self.conversation.as_secs()
                            ),
                            false,
                        )),
                    }
                }
                // A message that cannot be built will not get better by waiting.
                Err(e) => Err((e, true)),
            };
            let id = m.id.clone();
            match outcome {
                Ok(()) => {
                    db.write(move |c| outbox::mark_sent(c, &id)).await?;
                    summary.sent += 1;
                }
                Err((error, permanent)) => {
                    // base, 2 × base, 4 × base … at most 64 × base (by default 1 minute
                    // to about an hour); give up after the configured time.
                    let wait = self.retry_base * (1i32 << (m.attempts - 1).clamp(0, 6));
                    let retry_at = Utc::now() + wait;
                    let retry = (!permanent && retry_at < m.created_at + self.give_up_after)
                        .then_some(retry_at);
                    if retry.is_some() {
                        summary.retrying += 1;
                    } else {
                        summary.failed += 1;
                    }
                    summary
                        .errors
                        .push((m.content.recipient.clone(), error.clone()));
                    db.write(move |c| outbox::mark_failed(c, &id, &error, retry))
                        .await?;
                }
            }
        }
        Ok(count)
    }
}
