//! The newsletter's subscribers: subscribing with double opt-in (like the funding
//! digest: a confirmation e-mail first, the same answer whether or not the address is
//! known, a limit per client), confirming, unsubscribing (the link in every issue,
//! one click), and importing an existing list — only with each person's proof of
//! consent; rows without one are refused and reported.

use netzwerk_domain::access::Actor;
use netzwerk_domain::newsletter::{Consent, SubscriptionInput};
use netzwerk_storage::outbox::{self, NewMessage};
use netzwerk_storage::rate_limits;
use netzwerk_storage::subscribers::{self, Imported, Subscriber};
use serde_json::json;

pub use netzwerk_storage::subscribers::Standing;

use crate::Hub;
use crate::auth::{new_secret, secret_hash};
use crate::error::{Error, Result};

/// Hours an unconfirmed subscription is kept.
pub const UNCONFIRMED_HOURS: i64 = 48;
/// Confirmation e-mails one address may be sent in a day.
pub const ASKS_PER_ADDRESS_PER_DAY: u32 = 3;
/// Rows one import may hold.
pub const IMPORT_MAX_ROWS: usize = 50_000;
/// Rows stored in one transaction of an import.
const IMPORT_CHUNK: usize = 500;
/// Bytes one import may hold.
pub const IMPORT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// Asks for the newsletter (anyone): a confirmation e-mail goes to the address first.
/// Whether the address is known is never told; only the client's limit is.
pub async fn subscribe(hub: &Hub, input: SubscriptionInput, client: Option<String>) -> Result<()> {
    let wanted = input.validate()?;
    let settings = hub.settings().meetings.clone();
    let per_client = hub.settings().subscriptions_per_client_per_hour;
    let client = crate::auth::client_key(client.as_deref());
    let token = new_secret("nwn_");
    let hash = secret_hash(&token);
    let unsubscribe = new_secret("nwo_");
    hub.transact(move |c| {
        rate_limits::enforce(
            c,
            &format!("newsletter:client:{client}"),
            rate_limits::Limit {
                max_hits: per_client,
                window: chrono::Duration::hours(1),
            },
            &format!(
                "too many subscriptions from this network address in the last hour (at most {per_client})"
            ),
        )?;
        // One address gets at most three confirmation e-mails a day, whoever asks;
        // more asks are answered alike and change nothing.
        let address = secret_hash(&wanted.email.to_string().to_lowercase());
        let per_address = rate_limits::hit(
            c,
            &format!("newsletter:address:{address}"),
            rate_limits::Limit {
                max_hits: ASKS_PER_ADDRESS_PER_DAY,
                window: chrono::Duration::hours(24),
            },
            netzwerk_storage::now(),
        )?;
        if per_address.is_ok() && subscribers::subscribe(c, &wanted, &hash, &unsubscribe)? {
            let link = format!("{}/newsletter/confirm?token={token}", settings.public_url);
            let context = json!({
                "lang": super::words_language(wanted.language.as_str()),
                "name": wanted.name,
                "link": link,
                "organiser": settings.organiser_name,
            });
            let text = crate::templates::render("newsletter-confirm.txt", &context)?;
            let message = NewMessage {
                purpose: "newsletter_confirmation".into(),
                recipient: wanted.email.to_string().to_lowercase(),
                recipient_name: wanted.name.clone(),
                subject: crate::templates::render("newsletter-confirm.subject.txt", &context)?
                    .trim()
                    .to_owned(),
                body_html: Some(crate::html::mail_page(wanted.language.as_str(), &text)),
                body_text: text,
                ..NewMessage::default()
            };
            outbox::enqueue(c, &message, &settings.domain)?;
        }
        Ok(())
    })
    .await
}

/// Confirms a subscription with the token from the e-mail (double opt-in).
pub async fn confirm(hub: &Hub, token: &str) -> Result<Subscriber> {
    let hash = secret_hash(token.trim());
    Ok(hub
        .database()
        .write(move |c| subscribers::confirm(c, &hash))
        .await?)
}

/// Ends a subscription with the token of an issue's unsubscribe link; `false`: it was
/// ended already, or the link is unknown. Messages not yet handed to the mail server
/// are withdrawn.
pub async fn unsubscribe(hub: &Hub, token: &str) -> Result<bool> {
    let token = token.trim().to_owned();
    Ok(hub
        .database()
        .write(move |c| subscribers::unsubscribe(c, &token))
        .await?)
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// New subscribers.
    pub added: usize,
    /// Pending subscriptions the import's consent confirmed.
    pub confirmed: usize,
    /// Addresses that receive the newsletter already.
    pub unchanged: usize,
    /// Rows not imported: line number (the header is line 1) and why.
    pub refused: Vec<(usize, String)>,
}

/// The columns of an import, in any order; `email`, `consent_source` and
/// `consent_at` are required.
pub const IMPORT_COLUMNS: [&str; 6] = [
    "email",
    "name",
    "language",
    "sections",
    "consent_source",
    "consent_at",
];

/// Imports an existing list (the coordinator) from CSV with a header row naming
/// [`IMPORT_COLUMNS`]: each row needs its proof of consent (source and date); rows
/// without one, with a bad field, or whose address unsubscribed are refused and
/// reported by line, and the others are stored (500 rows a transaction). `sections`
/// are codes separated by `;` (empty: all).
pub async fn import_csv(hub: &Hub, actor: Actor, csv_text: &str) -> Result<ImportReport> {
    actor.may_administer()?;
    if csv_text.len() > IMPORT_MAX_BYTES {
        return Err(invalid(
            "file",
            "max_length",
            format!(
                "an import holds at most {} MB, this one {} bytes",
                IMPORT_MAX_BYTES / (1024 * 1024),
                csv_text.len()
            ),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| invalid("file", "csv", format!("the header row cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    for (name, present) in [
        ("email", column("email")),
        ("consent_source", column("consent_source")),
        ("consent_at", column("consent_at")),
    ] {
        if present.is_none() {
            return Err(invalid(
                "file",
                "csv",
                format!(
                    "the header row must name a column {name:?} (columns: {}), got {header:?}",
                    IMPORT_COLUMNS.join(", ")
                ),
            ));
        }
    }
    let mut rows = Vec::new();
    let mut report = ImportReport::default();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        if rows.len() + report.refused.len() >= IMPORT_MAX_ROWS {
            return Err(invalid(
                "file",
                "max_items",
                format!("an import holds at most {IMPORT_MAX_ROWS} rows"),
            ));
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                report.refused.push((line, format!("cannot be read: {e}")));
                continue;
            }
        };
        let field = |name: &str| {
            column(name)
                .and_then(|i| record.get(i))
                .unwrap_or_default()
                .to_owned()
        };
        let input = SubscriptionInput {
            email: field("email"),
            name: Some(field("name")),
            language: Some(field("language")).filter(|l| !l.is_empty()),
            sections: field("sections")
                .split([';', ' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        let consent = Consent::parse(
            &field("consent_source"),
            &field("consent_at"),
            netzwerk_storage::now(),
        );
        match (input.validate(), consent) {
            (Ok(s), Ok(c)) => rows.push((line, s, c)),
            (s, c) => {
                let mut why: Vec<String> = Vec::new();
                for e in [s.err(), c.err()].into_iter().flatten() {
                    why.extend(
                        e.violations
                            .iter()
                            .map(|v| format!("{}: {}", v.field, v.message)),
                    );
                }
                report.refused.push((line, why.join("; ")));
            }
        }
    }
    // In transactions of IMPORT_CHUNK rows, so that a long list does not hold the
    // database's writer for long (confirmations and deliveries go on meanwhile).
    let mut outcomes = Vec::with_capacity(rows.len());
    let mut rest = rows;
    while !rest.is_empty() {
        let chunk: Vec<_> = rest.drain(..rest.len().min(IMPORT_CHUNK)).collect();
        let tokens: Vec<String> = chunk.iter().map(|_| new_secret("nwo_")).collect();
        outcomes.extend(
            hub.transact(move |c| {
                actor.may_administer()?;
                let mut out = Vec::with_capacity(chunk.len());
                for ((line, s, consent), token) in chunk.iter().zip(&tokens) {
                    out.push((*line, subscribers::import(c, s, consent, token)?));
                }
                Ok(out)
            })
            .await?,
        );
    }
    for (line, outcome) in outcomes {
        match outcome {
            Imported::Added => report.added += 1,
            Imported::Confirmed => report.confirmed += 1,
            Imported::Unchanged => report.unchanged += 1,
            Imported::Unsubscribed(day) => report.refused.push((
                line,
                format!("email: unsubscribed on {day}; an import never subscribes it again"),
            )),
        }
    }
    report.refused.sort();
    Ok(report)
}

/// How many subscriptions stand where (the coordinator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Waiting for their confirmation.
    pub pending: i64,
    /// Receiving the newsletter.
    pub confirmed: i64,
    /// Ended.
    pub unsubscribed: i64,
}

/// How many subscriptions stand where (the coordinator).
pub async fn counts(hub: &Hub, actor: Actor) -> Result<Counts> {
    actor.may_administer()?;
    let (pending, confirmed, unsubscribed) = hub.read(|c| Ok(subscribers::counts(c)?)).await?;
    Ok(Counts {
        pending,
        confirmed,
        unsubscribed,
    })
}

fn invalid(field: &str, rule: &'static str, message: String) -> Error {
    Error::Invalid(netzwerk_domain::ValidationError::new(field, rule, message))
}
