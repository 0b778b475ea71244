//! Weekly funding digests: for each confirmed subscription whose last digest is a
//! week old, the persisted query `graphql/persisted/funding-digest.graphql` runs
//! against the Hub's own schema (new matches since the last digest, deadlines in the
//! next 30 days), a template renders it (text + HTML, German or English), and the
//! e-mail goes through the outbox with a `List-Unsubscribe` header — queued in the
//! same transaction that records the digest as sent, so none goes twice.

use chrono::{DateTime, Duration, Utc};
use netzwerk_funding_news::render::{self, Digest, Item, Lang, Rendered};
use netzwerk_storage::StorageError;
use netzwerk_storage::funding::{self, Subscription};
use netzwerk_storage::outbox::{self, NewMessage};
use serde_json::{Value, json};

use crate::invitations::MeetingSettings;
use crate::{Hub, OwnApi};

/// Hours an unconfirmed subscription is kept.
pub const UNCONFIRMED_HOURS: i64 = 48;

/// The persisted funding queries, as checked in (operations `FundingDigest` and
/// `FundingFeed`).
pub const FUNDING_QUERIES: &str = include_str!("../../../graphql/persisted/funding.graphql");

/// Runs one of the persisted funding queries against the Hub's own API as an anonymous
/// reader.
async fn run_query(api: &dyn OwnApi, operation: &str, variables: Value) -> crate::Result<Value> {
    api.query(FUNDING_QUERIES, operation, variables).await
}

/// The nodes of a connection in a query result as template items; a result that does
/// not fit the template is the Hub's own fault.
fn items(data: &Value, field: &str) -> crate::Result<Vec<Item>> {
    let nodes = data[field]["nodes"].as_array().cloned().unwrap_or_default();
    nodes
        .into_iter()
        .map(|mut n| {
            let reasons = n["match"]["reasons"].clone();
            if let Some(o) = n.as_object_mut() {
                o.insert(
                    "reasons".into(),
                    if reasons.is_array() {
                        reasons
                    } else {
                        json!([])
                    },
                );
            }
            serde_json::from_value(n).map_err(|e| {
                crate::Error::Internal(format!("{field} does not fit the template: {e}"))
            })
        })
        .collect()
}

/// The double opt-in e-mail of a subscription (templates `digest-confirmation.*`).
pub fn confirmation(
    s: &Subscription,
    token: &str,
    settings: &MeetingSettings,
) -> crate::Result<NewMessage> {
    let lang = Lang::of(&s.language);
    let context = json!({
        "lang": lang.code(),
        "name": s.name,
        "link": format!("{}/digest/confirm?token={token}", settings.public_url),
        "organiser": settings.organiser_name,
    });
    let text = crate::templates::render("digest-confirmation.txt", &context)?;
    Ok(NewMessage {
        purpose: "digest_confirmation".into(),
        recipient: s.email.clone(),
        recipient_name: Some(s.name.clone()),
        subject: crate::templates::render("digest-confirmation.subject.txt", &context)?
            .trim()
            .to_owned(),
        body_html: Some(crate::invitations::html_of(lang, &text)),
        body_text: text,
        ..NewMessage::default()
    })
}

/// Renders a digest as subject, text and HTML (templates `digest.*`).
pub fn render(d: &Digest) -> crate::Result<Rendered> {
    let lang = d.lang;
    let section = |heading: &str, items: &[Item]| {
        json!({
            "heading": heading,
            "underline": "=".repeat(heading.chars().count()),
            "items": items.iter().map(|i| {
                let mut facts = vec![i.funder.clone(), render::deadline_text(i, lang)];
                facts.extend(render::amount_text(i, lang));
                json!({
                    "title": i.title,
                    "url": i.url,
                    "facts": facts.join(" · "),
                    "reasons": i.reasons.join(", "),
                })
            }).collect::<Vec<_>>(),
        })
    };
    let mut context = json!({
        "lang": lang.code(),
        "organisation": d.organisation,
        "new": d.new_matches.len(),
        "upcoming": d.upcoming.len(),
        "greeting": format!("{} {},", lang.pick("Guten Tag", "Dear"), d.recipient_name),
        "sections": [
            section(lang.pick("Neue passende Förderungen", "New matching funding"), &d.new_matches),
            section(
                lang.pick("Fristen in den nächsten 30 Tagen", "Deadlines in the next 30 days"),
                &d.upcoming,
            ),
        ],
        "unsubscribe_url": d.unsubscribe_url,
        "words": {
            "none": lang.pick("(keine)", "(none)"),
            "matches": lang.pick("Passt wegen", "Matches"),
            "unsubscribe": lang.pick("Abbestellen", "Unsubscribe"),
        },
    });
    let subject = crate::templates::render("digest.subject.txt", &context)?
        .trim()
        .to_owned();
    context["subject"] = json!(subject);
    Ok(Rendered {
        text: crate::templates::render("digest.txt", &context)?,
        html: crate::templates::render("digest.html", &context)?,
        subject,
    })
}

/// One digest, ready to queue.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The subscription.
    pub subscription: Subscription,
    /// The e-mail's parts.
    pub rendered: Rendered,
    /// New matches and upcoming deadlines.
    pub counts: (usize, usize),
    /// Unsubscribe link.
    pub unsubscribe_url: String,
}

/// Renders the digest of one subscription at `now`.
pub async fn prepare(
    api: &dyn OwnApi,
    hub: &Hub,
    s: &Subscription,
    now: DateTime<Utc>,
) -> crate::Result<Prepared> {
    let (db, settings) = (hub.database(), &hub.settings().meetings);
    let since = s.last_digest_at.unwrap_or(now - Duration::days(7));
    let until = (now + Duration::days(30)).date_naive();
    let org = s.organisation_id;
    let organisation = match org {
        Some(o) => Some(
            db.run(move |c| netzwerk_storage::organisations::get(c, o))
                .await?
                .value
                .name,
        ),
        None => None,
    };
    let topics: Vec<String> = s
        .topics
        .iter()
        .map(|t| t.as_str().to_ascii_uppercase())
        .collect();
    let data = run_query(
        api,
        "FundingDigest",
        json!({
            "organisation": org.map(|o| o.to_string()),
            "topics": if topics.is_empty() { Value::Null } else { json!(topics) },
            "since": since.to_rfc3339(),
            "until": until.to_string(),
        }),
    )
    .await?;
    let new_matches = items(&data, "newMatches")?;
    let upcoming = items(&data, "upcoming")?;
    let unsubscribe_url = format!(
        "{}/digest/unsubscribe?token={}",
        settings.public_url, s.unsubscribe_token
    );
    let counts = (new_matches.len(), upcoming.len());
    let rendered = render(&Digest {
        recipient_name: s.name.clone(),
        organisation,
        new_matches,
        upcoming,
        unsubscribe_url: unsubscribe_url.clone(),
        lang: Lang::of(&s.language),
    })?;
    Ok(Prepared {
        subscription: s.clone(),
        rendered,
        counts,
        unsubscribe_url,
    })
}

/// What a digest round did.
#[derive(Debug, Default)]
pub struct DigestRound {
    /// Digests rendered (and, unless a dry run, queued).
    pub prepared: Vec<Prepared>,
    /// Subscriptions with nothing new and no deadline, skipped.
    pub empty: usize,
    /// Failures, by address.
    pub errors: Vec<(String, String)>,
}

/// Renders every due digest; unless `dry_run`, queues each and records it as sent.
pub async fn send_due(
    api: &dyn OwnApi,
    hub: &Hub,
    dry_run: bool,
) -> Result<DigestRound, StorageError> {
    let (db, settings) = (hub.database(), &hub.settings().meetings);
    let now = Utc::now();
    db.write(move |c| funding::purge_unconfirmed(c, now, UNCONFIRMED_HOURS))
        .await?;
    let due = db
        .run(move |c| funding::due_subscriptions(c, now - Duration::days(7)))
        .await?;
    let mut round = DigestRound::default();
    for s in due {
        let prepared = match prepare(api, hub, &s, now).await {
            Ok(p) => p,
            Err(e) => {
                round.errors.push((s.email.clone(), e.to_string()));
                continue;
            }
        };
        if prepared.counts == (0, 0) {
            round.empty += 1;
            continue;
        }
        if !dry_run {
            let msg = NewMessage {
                purpose: "funding_digest".into(),
                recipient: s.email.clone(),
                recipient_name: Some(s.name.clone()),
                subject: prepared.rendered.subject.clone(),
                body_text: prepared.rendered.text.clone(),
                body_html: Some(prepared.rendered.html.clone()),
                attachment: None,
                list_unsubscribe: Some(prepared.unsubscribe_url.clone()),
                batch: None,
            };
            let (sub, domain) = (s.clone(), settings.domain.clone());
            let claimed = db
                .write(move |c| {
                    netzwerk_storage::transaction(c, |c| {
                        if !funding::mark_digest_sent(c, &sub, now)? {
                            return Ok(false);
                        }
                        outbox::enqueue(c, &msg, &domain)?;
                        Ok::<_, StorageError>(true)
                    })
                })
                .await?;
            if !claimed {
                // Another sender took this one between reading and queueing.
                continue;
            }
        }
        round.prepared.push(prepared);
    }
    Ok(round)
}

/// Renders the digest an organisation's subscriber would get now, queueing nothing
/// (coordinator): `organisation` by id or slug, in `language` (default German).
pub async fn preview(
    api: &dyn OwnApi,
    hub: &Hub,
    actor: netzwerk_domain::access::Actor,
    organisation: &crate::directory::OrganisationKey,
    language: Option<&str>,
) -> crate::Result<Prepared> {
    actor.may_administer()?;
    let language = netzwerk_domain::language::LanguageCode::parse(language.unwrap_or("de"))
        .map_err(|e| e.within("language"))?;
    let org = organisation.resolve(hub).await?;
    let name = hub
        .database()
        .run(move |c| netzwerk_storage::organisations::get(c, org))
        .await?
        .value
        .name;
    let subscription = Subscription {
        id: netzwerk_domain::ids::SubscriptionId::generate(),
        email: "preview@localhost".into(),
        name,
        language: language.to_string(),
        organisation_id: Some(org),
        topics: Vec::new(),
        unsubscribe_token: "preview".into(),
        confirmed: true,
        last_digest_at: None,
    };
    prepare(api, hub, &subscription, Utc::now()).await
}

/// An Atom feed of open funding opportunities: every one, or the matches of an
/// organisation (by slug), through the persisted `FundingFeed` query; an unknown
/// organisation is [`crate::Error::NotFound`].
pub async fn funding_atom(api: &dyn OwnApi, organisation: Option<&str>) -> crate::Result<String> {
    let (title, path) = match organisation {
        None => (
            "Fördermittel – Netzwerk Hub".to_owned(),
            "/feeds/funding.xml".to_owned(),
        ),
        Some(slug) => {
            netzwerk_domain::slug::Slug::parse(slug).map_err(|e| e.within("organisation"))?;
            (
                format!("Fördermittel für {slug} – Netzwerk Hub"),
                format!("/feeds/funding/{slug}.xml"),
            )
        }
    };
    let data = run_query(api, "FundingFeed", json!({ "organisation": organisation })).await?;
    let list = items(&data, "fundingOpportunities")?;
    Ok(render::write_atom(
        &format!("urn:netzwerk-hub:{}", path.trim_start_matches('/')),
        &title,
        &path,
        &list,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Item {
        Item {
            id: "0190".into(),
            title: "Kiezfonds <2027>".into(),
            url: Some("https://stiftung.example/kiez?a=1&b=2".into()),
            funder: "Stiftung Kiez".into(),
            summary: Some("Für Vereine".into()),
            deadline: chrono::NaiveDate::from_ymd_opt(2027, 3, 15),
            deadline_kind: "DATE".into(),
            amount_min: Some(10_000),
            amount_max: Some(50_000),
            currency: Some("EUR".into()),
            reasons: vec!["topic youth".into()],
            published_at: None,
        }
    }

    #[test]
    fn digest_in_both_languages() {
        let d = Digest {
            recipient_name: "Petra Schulz".into(),
            organisation: Some("Kiezwerkstatt".into()),
            new_matches: vec![item()],
            upcoming: vec![],
            unsubscribe_url: "https://hub.example/digest/unsubscribe?token=t".into(),
            lang: Lang::De,
        };
        let r = render(&d).expect("render");
        assert_eq!(
            r.subject,
            "Fördermittel der Woche für Kiezwerkstatt: 1 neu, 0 Fristen"
        );
        assert_eq!(
            r.text,
            "Guten Tag Petra Schulz,\n\nNeue passende Förderungen\n=========================\n\n\
             * Kiezfonds <2027>\n  Stiftung Kiez · Frist: 15.03.2027 · 10.000–50.000 EUR\n\
             \x20 Passt wegen: topic youth\n  https://stiftung.example/kiez?a=1&b=2\n\n\
             Fristen in den nächsten 30 Tagen\n================================\n(keine)\n\n\
             --\nAbbestellen: https://hub.example/digest/unsubscribe?token=t\n"
        );
        assert!(
            r.html.contains("Kiezfonds &lt;2027&gt;")
                && r.html
                    .contains("href=\"https://stiftung.example/kiez?a=1&amp;b=2\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("<li>(keine)</li>"));
        let en = render(&Digest {
            lang: Lang::En,
            ..d
        })
        .expect("render");
        assert!(
            en.text
                .contains("Deadline: 15 March 2027 · 10,000–50,000 EUR"),
            "{}",
            en.text
        );
        assert!(en.text.contains("Unsubscribe: https://hub.example/"));
    }
}
