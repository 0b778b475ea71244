//! Member news: an organisation's editors post, the coordinator publishes or turns
//! down (unless `news.publish_at_once`); the public reads what is published once its
//! day has come — as a list, per organisation, and as the Atom feed `/feeds/news.xml`.
//! Bodies are Markdown, shown as HTML with raw HTML removed ([`crate::html::markdown`]).

use chrono::NaiveDate;
use netzwerk_domain::access::Actor;
use netzwerk_domain::ids::{NewsId, OrganisationId};
use netzwerk_domain::news::{NewsInput, NewsStatus};
use netzwerk_storage::{news, organisations};

pub use netzwerk_storage::news::NewsRecord;

use crate::Hub;
use crate::error::{Error, Result};
use crate::html::{escape, markdown};

/// Longest note when turning an item down.
const NOTE_MAX: usize = 1000;

/// Posts a news item for an organisation (its editors, the coordinator). An editor's
/// item waits for review unless the network publishes at once.
pub async fn post(
    hub: &Hub,
    actor: Actor,
    organisation: OrganisationId,
    input: NewsInput,
) -> Result<NewsRecord> {
    let at_once = hub.settings().news_at_once;
    let today = crate::days::today();
    hub.transact(move |c| {
        let status = actor.may_write_news(organisation, None, at_once)?;
        organisations::get(c, organisation)?;
        let item = input.validate(today, status)?;
        Ok(news::insert(c, &actor.label(), organisation, &item)?)
    })
    .await
}

/// Changes a news item: `patch` changes the stored value as input. An editor's change
/// sends a published item back to review (unless the network publishes at once).
pub async fn update(
    hub: &Hub,
    actor: Actor,
    id: NewsId,
    patch: impl FnOnce(NewsInput) -> NewsInput + Send + 'static,
) -> Result<NewsRecord> {
    let at_once = hub.settings().news_at_once;
    let today = crate::days::today();
    hub.transact(move |c| {
        let current = news::get(c, id)?;
        let status =
            actor.may_write_news(current.organisation_id, Some(current.value.status), at_once)?;
        let mut item = patch(NewsInput::of(&current.value)).validate(today, status)?;
        if status == current.value.status {
            item.review_note = current.value.review_note;
        }
        Ok(news::update(c, &actor.label(), id, &item)?)
    })
    .await
}

/// After a change to an item's text other than through [`update`] (a translation):
/// the status [`netzwerk_domain::access::Actor::may_write_news`] gives an edited item,
/// the review note gone when the status changes.
pub(crate) fn after_change(
    c: &mut netzwerk_storage::AnyConnection,
    actor: Actor,
    entity: &str,
    at_once: bool,
) -> Result<()> {
    let id = NewsId::parse(entity).map_err(|e| Error::Invalid(e.within("entityId")))?;
    let current = news::get(c, id)?;
    let status =
        actor.may_write_news(current.organisation_id, Some(current.value.status), at_once)?;
    if status != current.value.status {
        let mut item = current.value;
        item.status = status;
        item.review_note = None;
        news::update(c, &actor.label(), id, &item)?;
    }
    Ok(())
}

/// The coordinator's decision on a news item.
#[derive(Debug, Clone)]
pub enum Review {
    /// Public from its day on.
    Publish,
    /// Turned down, with a note to its organisation saying why.
    Reject {
        /// Why.
        note: String,
    },
}

/// Publishes or turns down a news item (the coordinator).
pub async fn review(hub: &Hub, actor: Actor, id: NewsId, decision: Review) -> Result<NewsRecord> {
    actor.may_review_news()?;
    let (status, note) = match decision {
        Review::Publish => (NewsStatus::Published, None),
        Review::Reject { note } => {
            let note = netzwerk_domain::error::required_text(&note, NOTE_MAX)
                .map_err(|e| e.within("note"))?;
            (NewsStatus::Rejected, Some(note))
        }
    };
    hub.transact(move |c| {
        actor.may_review_news()?;
        let mut item = news::get(c, id)?.value;
        item.status = status;
        item.review_note = note;
        Ok(news::update(c, &actor.label(), id, &item)?)
    })
    .await
}

/// Deletes a news item (its organisation's editors, the coordinator).
pub async fn delete(hub: &Hub, actor: Actor, id: NewsId) -> Result<NewsRecord> {
    hub.transact(move |c| {
        let current = news::get(c, id)?;
        actor.may_edit(current.organisation_id)?;
        news::delete(c, &actor.label(), id)?;
        Ok(current)
    })
    .await
}

/// What a reader is given of an item: the coordinator's note on a turned-down item
/// only to its organisation's editors and the coordinator.
fn for_reader(actor: Actor, mut rec: NewsRecord) -> NewsRecord {
    if !actor.may_read_news(false, rec.organisation_id) {
        rec.value.review_note = None;
    }
    rec
}

/// One news item, if the actor may read it (else as if there were none).
pub async fn get(hub: &Hub, actor: Actor, id: NewsId) -> Result<Option<NewsRecord>> {
    let today = crate::days::today();
    let found = match hub.read(move |c| Ok(news::get(c, id)?)).await {
        Ok(rec) => rec,
        Err(Error::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(actor
        .may_read_news(found.value.is_public_on(today), found.organisation_id)
        .then(|| for_reader(actor, found)))
}

/// Which news a list asks for.
#[derive(Debug, Clone, Default)]
pub struct NewsQuery {
    /// Of these organisations only (none: of all).
    pub organisations: Option<Vec<OrganisationId>>,
    /// In this status (none: the public ones — published, their day come). Asking for
    /// a status shows also what is not public yet: the coordinator's every item, an
    /// editor's their own organisation's.
    pub status: Option<NewsStatus>,
    /// Published on or after this day.
    pub since: Option<NaiveDate>,
}

/// A page of news, newest first (`offset`, at most `limit`), and how many match.
pub async fn list(
    hub: &Hub,
    actor: Actor,
    query: NewsQuery,
    offset: i64,
    limit: i64,
) -> Result<(Vec<NewsRecord>, i64)> {
    let mut filter = news::NewsFilter {
        organisations: query.organisations,
        public_on: None,
        status: query.status,
        since: query.since,
    };
    match query.status {
        None => filter.public_on = Some(crate::days::today()),
        Some(_) => {
            if let Some(own) = actor.may_list_unpublished_news()? {
                filter.organisations = Some(match filter.organisations {
                    Some(asked) => asked.into_iter().filter(|o| *o == own).collect(),
                    None => vec![own],
                });
            }
        }
    }
    let (items, total) = hub
        .read(move |c| Ok(news::list(c, &filter, offset, limit)?))
        .await?;
    Ok((
        items.into_iter().map(|r| for_reader(actor, r)).collect(),
        total,
    ))
}

/// Most entries of the Atom feed.
const FEED_ENTRIES: i64 = 50;

/// The public news as an Atom feed (the newest 50), with each body as HTML.
pub async fn atom(hub: &Hub) -> Result<String> {
    let base = hub.settings().meetings.public_url.clone();
    let today = crate::days::today();
    let (items, orgs) = hub
        .read(move |c| {
            let filter = news::NewsFilter {
                public_on: Some(today),
                ..news::NewsFilter::default()
            };
            let (items, _) = news::list(c, &filter, 0, FEED_ENTRIES)?;
            let mut ids: Vec<OrganisationId> = items.iter().map(|i| i.organisation_id).collect();
            ids.sort();
            ids.dedup();
            Ok((items, organisations::get_many(c, &ids)?))
        })
        .await?;
    let name_of = |id: OrganisationId| {
        orgs.iter()
            .find(|o| o.id == id)
            .map_or_else(String::new, |o| o.value.name.clone())
    };
    let updated = items
        .iter()
        .map(|i| i.updated_at)
        .max()
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"de\">\n\
         <title>Netzwerk für Integration Treptow-Köpenick – Neuigkeiten</title>\n\
         <id>{base}/feeds/news.xml</id>\n<link rel=\"self\" href=\"{base}/feeds/news.xml\"/>\n\
         <updated>{}</updated>\n<generator>Netzwerk Hub</generator>\n",
        updated.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        base = escape(&base),
    );
    for item in &items {
        let n = &item.value;
        // The day begins in Berlin.
        let published = netzwerk_domain::location::Timezone::berlin()
            .instant(n.publish_on.and_time(chrono::NaiveTime::MIN))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        out.push_str(&format!(
            "<entry xml:lang=\"{lang}\">\n<id>urn:uuid:{id}</id>\n<title>{title}</title>\n\
             <published>{published}</published>\n<updated>{updated}</updated>\n\
             <author><name>{author}</name></author>\n",
            lang = n.content_language,
            id = item.id,
            title = escape(&n.title),
            updated = item
                .updated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            author = escape(&name_of(item.organisation_id)),
        ));
        if let Some(link) = &n.link {
            out.push_str(&format!(
                "<link rel=\"alternate\" href=\"{}\"/>\n",
                escape(link.as_str())
            ));
        }
        if let Some(image) = &n.image_url {
            out.push_str(&format!(
                "<link rel=\"enclosure\" href=\"{}\"/>\n",
                escape(image.as_str())
            ));
        }
        out.push_str(&format!(
            "<content type=\"html\">{}</content>\n</entry>\n",
            escape(&markdown(&n.body))
        ));
    }
    out.push_str("</feed>\n");
    Ok(out)
}
