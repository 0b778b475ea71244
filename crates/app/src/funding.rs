//! Funding opportunities: searched with facets and matched against an organisation
//! (with reasons), posted by hand, and the weekly digest's subscriptions (double
//! opt-in, limited per client). Feed URLs, which may carry access keys, are shown to
//! the coordinator only (`Actor::may_see_feed_urls`).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use netzwerk_domain::access::Actor;
use netzwerk_domain::error::Checker;
use netzwerk_domain::funding::{
    FundingRegion, FundingStatus, Interests, OpportunityInput, match_score,
};
use netzwerk_domain::ids::{FundingOpportunityId, OrganisationId};
use netzwerk_domain::organisation::{LegalStatus, Topic};
use netzwerk_storage::funding::{self, OpportunityFilter, SourceLink};
use netzwerk_storage::{AnyConnection, locations, organisations, outbox, rate_limits};

pub use netzwerk_storage::funding::{OpportunityRecord, Subscription};

use crate::Hub;
use crate::auth::{new_secret, secret_hash};
use crate::days::today;
use crate::directory::OrganisationKey;
use crate::error::Result;

/// Which opportunities; every field given narrows the list.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// Having this topic.
    pub topic: Option<Topic>,
    /// Having any of these topics.
    pub topics: Option<Vec<Topic>>,
    /// Funding this area.
    pub region: Option<FundingRegion>,
    /// Open to this legal form (or to anyone).
    pub applicant: Option<LegalStatus>,
    /// With a deadline from today up to this date.
    pub deadline_before: Option<NaiveDate>,
    /// Only calls one can still apply for.
    pub open_only: bool,
    /// Words in title, summary, funder or programme.
    pub text: Option<String>,
    /// Only those matching this organisation (id or slug), best first, with reasons.
    pub matching_organisation: Option<String>,
    /// First seen by the Hub after this time.
    pub seen_after: Option<DateTime<Utc>>,
}

/// Why an opportunity fits an organisation.
#[derive(Debug, Clone)]
pub struct Fit {
    /// Higher is better.
    pub score: u32,
    /// E.g. "topic youth", "region Berlin".
    pub reasons: Vec<String>,
}

/// A feed item or posting behind an opportunity.
#[derive(Debug, Clone)]
pub struct Link {
    /// The item's link.
    pub url: String,
    /// The item's title.
    pub title: String,
    /// The feed it came from: for the coordinator only (none: posted by hand).
    pub feed_url: Option<String>,
    /// First seen.
    pub first_seen_at: DateTime<Utc>,
    /// Last seen.
    pub last_seen_at: DateTime<Utc>,
}

/// An opportunity found, with its links, what it is on the day asked about and,
/// when matched, why it fits.
#[derive(Debug, Clone)]
pub struct Found {
    /// The opportunity.
    pub record: OpportunityRecord,
    /// Items and postings behind it.
    pub links: Vec<Link>,
    /// Why it fits the organisation asked about.
    pub fit: Option<Fit>,
    /// Its status today (closed once every deadline has passed).
    pub status: FundingStatus,
    /// The deadline to show: the next one, or the last once all have passed.
    pub deadline: Option<NaiveDate>,
    /// When it was published: by its source, else when the Hub first saw it.
    pub published_at: DateTime<Utc>,
}

impl Found {
    fn new(
        record: OpportunityRecord,
        links: Vec<Link>,
        fit: Option<Fit>,
        today: NaiveDate,
    ) -> Self {
        Self {
            status: record.value.status_on(today),
            deadline: record.value.deadline.shown_on(today),
            published_at: record.value.published.unwrap_or(record.first_seen_at),
            record,
            links,
            fit,
        }
    }
}

/// How many results have each value of a filter, most first (equal counts in the
/// order of the values' codes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    /// Per topic.
    pub topics: Vec<(Topic, usize)>,
    /// Per region.
    pub regions: Vec<(FundingRegion, usize)>,
    /// Per eligible legal form.
    pub applicants: Vec<(LegalStatus, usize)>,
    /// Per status on the day asked about.
    pub statuses: Vec<(FundingStatus, usize)>,
}

impl Facets {
    fn of(records: &[OpportunityRecord], today: NaiveDate) -> Self {
        Self {
            topics: counted(
                records.iter().flat_map(|r| r.value.topics.iter().copied()),
                Topic::as_str,
            ),
            regions: counted(
                records.iter().filter_map(|r| r.value.region),
                FundingRegion::as_str,
            ),
            applicants: counted(
                records
                    .iter()
                    .flat_map(|r| r.value.applicants.iter().copied()),
                LegalStatus::as_str,
            ),
            statuses: counted(
                records.iter().map(|r| r.value.status_on(today)),
                FundingStatus::as_str,
            ),
        }
    }
}

fn counted<T: Copy + Ord>(
    values: impl Iterator<Item = T>,
    code: fn(T) -> &'static str,
) -> Vec<(T, usize)> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    let mut list: Vec<(T, usize)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| code(a.0).cmp(code(b.0))));
    list
}

/// A page of a search, with what describes all its results.
#[derive(Debug, Clone)]
pub struct Results {
    /// Results on every page.
    pub total: usize,
    /// Counts per filter value over every result.
    pub facets: Facets,
    /// The asked-for page, each with its links.
    pub page: Vec<Found>,
}

/// What matching needs about an organisation: its topics, target groups, legal form,
/// and whether it is based in the district (a location in one of its localities).
pub(crate) fn interests_of(conn: &mut AnyConnection, org: OrganisationId) -> Result<Interests> {
    let o = organisations::get(conn, org)?;
    let locs = locations::of_organisations(conn, &[org])?
        .remove(&org)
        .unwrap_or_default();
    let in_district = locs.iter().any(|l| {
        l.value.locality.as_deref().is_some_and(|loc| {
            netzwerk_domain::location::LOCALITIES
                .iter()
                .any(|d| d.eq_ignore_ascii_case(loc))
        })
    });
    Ok(Interests {
        topics: o.value.topics.clone(),
        target_groups: o.value.target_groups.clone(),
        legal_status: o.value.legal_status,
        home: if in_district {
            FundingRegion::TreptowKoepenick
        } else {
            FundingRegion::Berlin
        },
    })
}

/// The links of opportunities, feed URLs filled in for those who may see them.
fn links_in(
    conn: &mut AnyConnection,
    actor: Actor,
    ids: &[FundingOpportunityId],
) -> Result<HashMap<FundingOpportunityId, Vec<Link>>> {
    let links = funding::links_of(conn, ids)?;
    let feeds: HashMap<String, String> = if actor.may_see_feed_urls() {
        funding::sources(conn)?
            .into_iter()
            .map(|s| (s.id.to_string(), s.url))
            .collect()
    } else {
        HashMap::new()
    };
    Ok(links
        .into_iter()
        .map(|(id, list)| {
            (
                id,
                list.into_iter().filter_map(|l| link(l, &feeds)).collect(),
            )
        })
        .collect())
}

fn link(l: SourceLink, feeds: &HashMap<String, String>) -> Option<Link> {
    (!l.url.is_empty()).then(|| Link {
        feed_url: l.source_id.and_then(|s| feeds.get(&s.to_string()).cloned()),
        url: l.url,
        title: l.title,
        first_seen_at: l.first_seen_at,
        last_seen_at: l.last_seen_at,
    })
}

/// Opportunities by filter, next deadline first (when matching an organisation: best
/// match first, equal scores in deadline order), each with its links.
pub async fn search(
    hub: &Hub,
    actor: Actor,
    search: Search,
    offset: usize,
    limit: usize,
) -> Result<Results> {
    let today = today();
    let text = netzwerk_domain::error::search_text(search.text.as_deref())
        .map_err(|e| e.within("filter.text"))?;
    let filter = OpportunityFilter {
        topic: search.topic,
        region: search.region,
        applicant: search.applicant,
        deadline_before: search.deadline_before,
        open_only: search.open_only,
        text,
        seen_after: search.seen_after,
    };
    hub.read(move |c| {
        let org = search
            .matching_organisation
            .map(|m| OrganisationKey::IdOrSlug(m).resolve_in(c))
            .transpose()?;
        let ids = funding::search(c, &filter, today)?;
        let mut recs = funding::by_ids(c, &ids)?;
        if let Some(any) = &search.topics
            && !any.is_empty()
        {
            recs.retain(|r| r.value.topics.iter().any(|t| any.contains(t)));
        }
        let scored: Vec<(OpportunityRecord, Option<Fit>)> = match org {
            Some(org) => {
                let interests = interests_of(c, org)?;
                let mut s: Vec<_> = recs
                    .into_iter()
                    .filter_map(|r| {
                        match_score(&interests, &r.value, today).map(|m| {
                            (
                                r,
                                Some(Fit {
                                    score: m.score,
                                    reasons: m.reasons,
                                }),
                            )
                        })
                    })
                    .collect();
                // Stable: equal scores keep the next-deadline order.
                s.sort_by_key(|(_, f)| std::cmp::Reverse(f.as_ref().map_or(0, |f| f.score)));
                s
            }
            None => recs.into_iter().map(|r| (r, None)).collect(),
        };
        let total = scored.len();
        let all: Vec<OpportunityRecord> = scored.iter().map(|(r, _)| r.clone()).collect();
        let facets = Facets::of(&all, today);
        let shown: Vec<_> = scored.into_iter().skip(offset).take(limit).collect();
        let ids: Vec<FundingOpportunityId> = shown.iter().map(|(r, _)| r.id).collect();
        let mut links = links_in(c, actor, &ids)?;
        let page = shown
            .into_iter()
            .map(|(record, fit)| {
                let own = links.remove(&record.id).unwrap_or_default();
                Found::new(record, own, fit, today)
            })
            .collect();
        Ok(Results {
            total,
            facets,
            page,
        })
    })
    .await
}

/// One opportunity with its links.
pub async fn get(hub: &Hub, actor: Actor, id: FundingOpportunityId) -> Result<Found> {
    hub.read(move |c| {
        let record = funding::get(c, id)?;
        let links = links_in(c, actor, &[id])?.remove(&id).unwrap_or_default();
        Ok(Found::new(record, links, None, today()))
    })
    .await
}

/// Opportunities by id, each with the items and postings behind it as `actor` may
/// see them (missing ones left out).
pub async fn get_many(
    hub: &Hub,
    actor: Actor,
    ids: Vec<FundingOpportunityId>,
) -> Result<Vec<Found>> {
    hub.read(move |c| {
        let records = funding::by_ids(c, &ids)?;
        let found: Vec<FundingOpportunityId> = records.iter().map(|r| r.id).collect();
        let mut links = links_in(c, actor, &found)?;
        let day = today();
        Ok(records
            .into_iter()
            .map(|r| {
                let l = links.remove(&r.id).unwrap_or_default();
                Found::new(r, l, None, day)
            })
            .collect())
    })
    .await
}

/// Posts a call by hand (editors for their organisation, the coordinator).
pub async fn post(hub: &Hub, actor: Actor, input: OpportunityInput) -> Result<Found> {
    let by = actor.may_post_funding()?;
    let o = input.validate()?;
    let key = o
        .url
        .as_deref()
        .and_then(netzwerk_funding_news::dedup::url_key);
    let (record, links) = hub
        .transact(move |c| {
            let record = funding::post(c, &actor.label(), by, &o, key.as_deref())?;
            let links = links_in(c, actor, &[record.id])?
                .remove(&record.id)
                .unwrap_or_default();
            Ok((record, links))
        })
        .await?;
    Ok(Found::new(record, links, None, today()))
}

/// A request for the weekly digest.
#[derive(Debug, Clone)]
pub struct Subscribe {
    /// The address.
    pub email: String,
    /// The name to greet.
    pub name: String,
    /// Match for this organisation (id or slug).
    pub organisation: Option<String>,
    /// Or a person's topics.
    pub topics: Vec<Topic>,
    /// ISO 639-1 (default `de`).
    pub language: Option<String>,
    /// The client's network address, for the per-client limit (unknown: none).
    pub client: Option<String>,
}

/// Subscribes to the weekly digest (anyone); a confirmation e-mail goes to the address
/// first. Only the client's limit is told: whether the address is known is answered
/// like any request, and the answer never carries a stored id.
pub async fn subscribe(hub: &Hub, cmd: Subscribe) -> Result<Subscription> {
    let mut c = Checker::new();
    let email = c.take(
        "email",
        netzwerk_domain::email::EmailAddress::parse(&cmd.email),
    );
    let name = c.take(
        "name",
        netzwerk_domain::error::required_text(&cmd.name, 200),
    );
    let language = c.take(
        "language",
        netzwerk_domain::language::LanguageCode::parse(cmd.language.as_deref().unwrap_or("de")),
    );
    let (email, name, language) = match c.finish(|| (email, name, language))? {
        (Some(e), Some(n), Some(l)) => (e.to_string(), n, l.to_string()),
        _ => return Err(crate::Error::Internal("a checked field is missing".into())),
    };
    let settings = hub.settings().meetings.clone();
    let per_client = hub.settings().subscriptions_per_client_per_hour;
    let token = new_secret("nwd_");
    let hash = secret_hash(&token);
    let unsubscribe = new_secret("nwu_");
    let (organisation, topics, client) = (
        cmd.organisation,
        cmd.topics,
        crate::auth::client_key(cmd.client.as_deref()),
    );
    hub.transact(move |c| {
        let limit = rate_limits::Limit {
            max_hits: per_client,
            window: chrono::Duration::hours(1),
        };
        rate_limits::enforce(
            c,
            &format!("digest:client:{client}"),
            limit,
            &format!(
                "too many subscriptions from this network address in the last hour (at most {per_client})"
            ),
        )?;
        let org = organisation
            .map(|m| OrganisationKey::IdOrSlug(m).resolve_in(c))
            .transpose()?;
        let s = funding::subscribe(
            c,
            &funding::NewSubscription {
                email,
                name,
                language,
                organisation_id: org,
                topics,
            },
            &hash,
            &unsubscribe,
        )?;
        if s.stored {
            let msg = crate::digest::confirmation(&s.subscription, &token, &settings)?;
            outbox::enqueue(c, &msg, &settings.domain)?;
        }
        let mut answer = s.subscription;
        answer.id = netzwerk_domain::ids::SubscriptionId::generate();
        Ok(answer)
    })
    .await
}

/// Confirms a subscription with the token from the e-mail (double opt-in).
pub async fn confirm(hub: &Hub, token: &str) -> Result<Subscription> {
    let hash = secret_hash(token.trim());
    Ok(hub
        .database()
        .write(move |c| funding::confirm_subscription(c, &hash))
        .await?)
}

/// Ends a subscription with the token of a digest's unsubscribe link; `false`: it was
/// gone already.
pub async fn unsubscribe(hub: &Hub, token: &str) -> Result<bool> {
    let token = token.trim().to_owned();
    Ok(hub
        .database()
        .write(move |c| funding::unsubscribe(c, &token))
        .await?)
}
