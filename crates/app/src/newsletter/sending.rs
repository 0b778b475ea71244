//! Sending an issue: now or at a scheduled time. When its time comes, the issue is
//! composed once per language and frozen (its editions: what the archive, the web view
//! and `newsletterIssue` show from then on), and one message per confirmed subscriber
//! — in their language, with the sections they chose and their own unsubscribe link
//! (`List-Unsubscribe` with one-click `List-Unsubscribe-Post`) — is queued in the
//! outbox, all in the one transaction that records the issue as sent: nobody is
//! missed and nobody gets it twice, however many replicas try at once. The outbox
//! then delivers at `mail.newsletter_per_minute`, resumable after a crash with each
//! message's Message-ID kept. No tracking pixels, no rewritten links.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use netzwerk_domain::access::Actor;
use netzwerk_domain::ids::NewsletterIssueId;
use netzwerk_domain::newsletter::IssueStatus;
use netzwerk_storage::newsletters::{self, Edition};
use netzwerk_storage::outbox::{self, NewMessage};
use netzwerk_storage::subscribers;

use super::{Composition, IssueRecord, LANGUAGES, Rendered, compose, render, words_language};
use crate::error::{Error, Result};
use crate::{Hub, OwnApi};

/// An issue's sending as the coordinator follows it.
#[derive(Debug, Clone)]
pub struct Sending {
    /// The issue (scheduled, or sent).
    pub issue: IssueRecord,
    /// Messages waiting or being handed to the mail server.
    pub queued: i64,
    /// Messages the mail server accepted.
    pub sent: i64,
    /// Messages given up.
    pub failed: i64,
}

/// Sends an issue (the coordinator): at `at`, or now. A draft or a scheduled issue is
/// scheduled; when its time has come it is sent at once (the subscribers' messages
/// queued), else the `serve` job sends it then. A time more than a minute past is
/// refused.
pub async fn send(
    api: &dyn OwnApi,
    hub: &Hub,
    actor: Actor,
    id: NewsletterIssueId,
    at: Option<DateTime<Utc>>,
) -> Result<Sending> {
    actor.may_administer()?;
    let now = Utc::now();
    if let Some(t) = at.filter(|t| *t < now - Duration::minutes(1)) {
        return Err(Error::Invalid(netzwerk_domain::ValidationError::new(
            "at",
            "not_in_past",
            format!("must not be in the past, got {}", t.to_rfc3339()),
        )));
    }
    let when = at.unwrap_or(now);
    let issue = hub
        .transact(move |c| {
            actor.may_administer()?;
            Ok(newsletters::schedule(c, &actor.label(), id, Some(when))?)
        })
        .await?;
    if when <= now {
        dispatch(api, hub, &issue).await?;
    }
    progress(hub, actor, id).await
}

/// Takes a scheduled issue back to a draft (the coordinator).
pub async fn unschedule(hub: &Hub, actor: Actor, id: NewsletterIssueId) -> Result<IssueRecord> {
    actor.may_administer()?;
    hub.transact(move |c| {
        actor.may_administer()?;
        Ok(newsletters::schedule(c, &actor.label(), id, None)?)
    })
    .await
}

/// Where an issue's sending stands (the coordinator).
pub async fn progress(hub: &Hub, actor: Actor, id: NewsletterIssueId) -> Result<Sending> {
    actor.may_administer()?;
    let (issue, (queued, sent, failed)) = hub
        .read(move |c| {
            let issue = newsletters::get(c, id)?;
            let counts = outbox::batch_counts(c, &id.to_string())?;
            Ok((issue, counts))
        })
        .await?;
    Ok(Sending {
        issue,
        queued,
        sent,
        failed,
    })
}

/// Sends every scheduled issue whose time has come (the job `serve` runs, and the
/// command line on demand); the issues sent here, with their recipients.
pub async fn dispatch_due(api: &dyn OwnApi, hub: &Hub) -> Result<Vec<(NewsletterIssueId, usize)>> {
    let now = Utc::now();
    let due = hub.read(move |c| Ok(newsletters::due(c, now)?)).await?;
    let mut sent = Vec::new();
    for issue in due {
        if let Some(n) = dispatch(api, hub, &issue).await? {
            tracing::info!(issue = %issue.id, recipients = n, "newsletter issue sent");
            sent.push((issue.id, n));
        }
    }
    Ok(sent)
}

/// Freezes a due issue and queues its messages; `None` when another sender (replica)
/// sent it first.
async fn dispatch(api: &dyn OwnApi, hub: &Hub, issue: &IssueRecord) -> Result<Option<usize>> {
    if issue.value.status != IssueStatus::Scheduled {
        return Ok(None);
    }
    // Every language of the newsletter's own words, and every language a subscriber
    // reads (their texts where there are translations).
    let readers = hub.read(|c| Ok(subscribers::recipients(c)?)).await?;
    let mut languages: Vec<String> = LANGUAGES.iter().map(|l| (*l).to_owned()).collect();
    languages.extend(readers.iter().map(|s| s.language.clone()));
    languages.sort();
    languages.dedup();
    let mut compositions = BTreeMap::new();
    for language in languages {
        let composition = compose(api, hub, issue, &language).await?;
        compositions.insert(language, composition);
    }
    let editions = compositions
        .iter()
        .map(|(language, c)| {
            let web = render(c)?;
            Ok(Edition {
                language: language.clone(),
                composition: serde_json::to_string(c)
                    .map_err(|e| Error::Internal(format!("newsletter composition: {e}")))?,
                subject: web.subject,
                html: web.html,
                text: web.text,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let (id, now, composed_from) = (issue.id, Utc::now(), issue.updated_at);
    // Stands for each subscriber's unsubscribe token in a rendering shared by many; new
    // for every sending, so that no text of the issue can carry it (a member's link
    // with the slot in it would otherwise collect every reader's token).
    let slot = crate::auth::new_secret("nwo-slot-");
    let base = hub.settings().meetings.public_url.clone();
    let domain = hub.settings().meetings.domain.clone();
    hub.transact(move |c| {
        // Read again in the transaction that queues: whoever unsubscribed a moment ago
        // gets nothing, whoever confirmed gets it.
        let recipients = subscribers::recipients(c)?;
        let count = i32::try_from(recipients.len()).unwrap_or(i32::MAX);
        if !newsletters::mark_sent(c, id, now, composed_from, count, &editions)? {
            return Ok(None);
        }
        let mut rendered: HashMap<(String, String), Rendered> = HashMap::new();
        for s in &recipients {
            let language = if compositions.contains_key(&s.language) {
                s.language.clone()
            } else {
                words_language(&s.language).to_owned()
            };
            let chosen = s
                .sections
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(",");
            let key = (language, chosen);
            if !rendered.contains_key(&key) {
                let composition = compositions
                    .get(&key.0)
                    .ok_or_else(|| Error::Internal(format!("no composition in {}", key.0)))?;
                let personal = for_reader(composition, &s.sections, &base, &slot);
                rendered.insert(key.clone(), render(&personal)?);
            }
            let r = &rendered[&key];
            let token = &s.unsubscribe_token;
            let message = NewMessage {
                purpose: outbox::NEWSLETTER.into(),
                recipient: s.email.clone(),
                recipient_name: s.name.clone(),
                subject: r.subject.clone(),
                body_text: r.text.replace(&slot, token),
                body_html: Some(r.html.replace(&slot, token)),
                attachment: None,
                list_unsubscribe: Some(unsubscribe_url(&base, token)),
                batch: Some(id.to_string()),
            };
            outbox::enqueue(c, &message, &domain)?;
        }
        Ok(Some(recipients.len()))
    })
    .await
}

/// The unsubscribe link of a subscriber's token.
pub fn unsubscribe_url(base: &str, token: &str) -> String {
    format!("{base}/newsletter/unsubscribe?token={token}")
}

/// An issue as one reader gets it: the sections they chose (all when none), and an
/// unsubscribe link with a slot for their token.
fn for_reader(
    composition: &Composition,
    sections: &[netzwerk_domain::newsletter::SectionKind],
    base: &str,
    slot: &str,
) -> Composition {
    let mut personal = composition.clone();
    if !sections.is_empty() {
        personal.sections.retain(|s| sections.contains(&s.kind));
    }
    personal.unsubscribe_url = Some(unsubscribe_url(base, slot));
    personal
}
