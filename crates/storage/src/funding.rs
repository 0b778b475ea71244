//! Funding news: the feeds the Hub follows, the opportunities (normalised from feed
//! items or posted by members) with a link per feed item, and digest subscriptions.
//!
//! One call announced by several feeds is one opportunity: an item is attached to the
//! opportunity its (source, guid) was attached to before, else to one of the same
//! funder with the same normalised URL or a title naming the same call, else to one
//! of another funder with the same normalised URL and the same folded title (a call
//! relayed by another funder's feed), else it becomes a new one. A later item (newer
//! date) updates the opportunity. An item of another funder than the opportunity's
//! only adds its feed as a source — unless its feed is on the call's own host: then
//! that feed's funder becomes the opportunity's, and its items update it.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use netzwerk_domain::funding::{Amount, Deadline, FundingRegion, FundingStatus, Opportunity};
use netzwerk_domain::ids::{FundingOpportunityId, FundingSourceId, OrganisationId, SubscriptionId};
use netzwerk_domain::organisation::{LegalStatus, Topic};
use netzwerk_domain::text::fold;

use crate::change_log::{self, Action, EntityKind};
use crate::error::stored;
use crate::schema::{
    funding_deadlines as fd, funding_links as fl, funding_opportunities as fo,
    funding_sources as fs, funding_subscriptions as sub, funding_topics as ft,
};
use crate::{AnyConnection, Result, StorageError};

// ----- sources -------------------------------------------------------------------

/// A funding feed and its health.
#[derive(Debug, Clone)]
pub struct FundingSource {
    /// Id.
    pub id: FundingSourceId,
    /// Feed URL.
    pub url: String,
    /// Who funds.
    pub funder: String,
    /// Topics every item gets.
    pub topics: Vec<Topic>,
    /// Area when an item names none.
    pub region: Option<FundingRegion>,
    /// Minutes between polls.
    pub interval_minutes: i32,
    /// ETag of the last good download.
    pub etag: Option<String>,
    /// Last-Modified of the last good download.
    pub last_modified_header: Option<String>,
    /// When it is due next.
    pub next_fetch_at: DateTime<Utc>,
    /// Last attempt.
    pub last_fetched_at: Option<DateTime<Utc>>,
    /// Last success.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Last error.
    pub last_error: Option<String>,
    /// Failures since the last success.
    pub consecutive_failures: i32,
    /// Items taken at the last good poll.
    pub item_count: i32,
    /// Items left out at the last good poll.
    pub rejected_count: i32,
    /// Why items were left out, one per line.
    pub issues: Option<String>,
}

type SourceRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    i32,
    Option<String>,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<String>,
    i32,
    i32,
    i32,
    Option<String>,
);

#[expect(clippy::type_complexity, reason = "the column tuple mirrors the table")]
const SOURCE_COLUMNS: (
    fs::id,
    fs::url,
    fs::funder,
    fs::topics,
    fs::region,
    fs::interval_minutes,
    fs::etag,
    fs::last_modified_header,
    fs::next_fetch_at,
    fs::last_fetched_at,
    fs::last_success_at,
    fs::last_error,
    fs::consecutive_failures,
    fs::item_count,
    fs::rejected_count,
    fs::issues,
) = (
    fs::id,
    fs::url,
    fs::funder,
    fs::topics,
    fs::region,
    fs::interval_minutes,
    fs::etag,
    fs::last_modified_header,
    fs::next_fetch_at,
    fs::last_fetched_at,
    fs::last_success_at,
    fs::last_error,
    fs::consecutive_failures,
    fs::item_count,
    fs::rejected_count,
    fs::issues,
);

fn codes<T>(
    column: &str,
    raw: &str,
    parse: fn(&str) -> std::result::Result<T, netzwerk_domain::ValidationError>,
) -> Result<Vec<T>> {
    raw.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| stored(column, parse(s)))
        .collect()
}

fn source_from_row(r: SourceRow) -> Result<FundingSource> {
    Ok(FundingSource {
        id: stored("funding_sources.id", FundingSourceId::parse(&r.0))?,
        url: r.1,
        funder: r.2,
        topics: codes("funding_sources.topics", &r.3, Topic::parse)?,
        region: r
            .4
            .map(|x| stored("funding_sources.region", FundingRegion::parse(&x)))
            .transpose()?,
        interval_minutes: r.5,
        etag: r.6,
        last_modified_header: r.7,
        next_fetch_at: r.8.and_utc(),
        last_fetched_at: r.9.map(|t| t.and_utc()),
        last_success_at: r.10.map(|t| t.and_utc()),
        last_error: r.11,
        consecutive_failures: r.12,
        item_count: r.13,
        rejected_count: r.14,
        issues: r.15,
    })
}

fn join_codes<T: Copy>(items: &[T], code: fn(T) -> &'static str) -> String {
    items.iter().map(|t| code(*t)).collect::<Vec<_>>().join(",")
}

/// Follows a feed, due at once; the same URL twice is a conflict.
pub fn add_source(
    conn: &mut AnyConnection,
    actor: &str,
    url: &str,
    funder: &str,
    topics: &[Topic],
    region: Option<FundingRegion>,
    interval_minutes: i32,
) -> Result<FundingSource> {
    let id = FundingSourceId::generate();
    conn.transaction(|conn| {
        let taken: i64 = fs::table.filter(fs::url.eq(url)).count().get_result(conn)?;
        if taken > 0 {
            return Err(StorageError::Conflict(format!(
                "the Hub follows {} already",
                netzwerk_domain::redact::url(url)
            )));
        }
        let now = crate::now();
        diesel::insert_into(fs::table)
            .values((
                fs::id.eq(id.to_string()),
                fs::url.eq(url),
                fs::funder.eq(funder),
                fs::topics.eq(join_codes(topics, Topic::as_str)),
                fs::region.eq(region.map(FundingRegion::as_str)),
                fs::interval_minutes.eq(interval_minutes),
                fs::next_fetch_at.eq(now),
                fs::consecutive_failures.eq(0),
                fs::item_count.eq(0),
                fs::rejected_count.eq(0),
                fs::created_at.eq(now),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::FundingSource,
            &id.to_string(),
            None,
            Action::Created,
            &netzwerk_domain::redact::url(url),
        )?;
        source(conn, id)
    })
}

/// One feed.
pub fn source(conn: &mut AnyConnection, id: FundingSourceId) -> Result<FundingSource> {
    let row: Option<SourceRow> = fs::table
        .find(id.to_string())
        .select(SOURCE_COLUMNS)
        .first(conn)
        .optional()?;
    row.map(source_from_row)
        .transpose()?
        .ok_or_else(|| StorageError::NotFound(format!("funding source {id}")))
}

/// Every feed, by URL.
pub fn sources(conn: &mut AnyConnection) -> Result<Vec<FundingSource>> {
    let rows: Vec<SourceRow> = fs::table.order(fs::url).select(SOURCE_COLUMNS).load(conn)?;
    rows.into_iter().map(source_from_row).collect()
}

/// Feeds due at `now`, most overdue first.
pub fn due_sources(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<FundingSource>> {
    let rows: Vec<SourceRow> = fs::table
        .filter(fs::next_fetch_at.le(now.naive_utc()))
        .order(fs::next_fetch_at)
        .limit(limit)
        .select(SOURCE_COLUMNS)
        .load(conn)?;
    rows.into_iter().map(source_from_row).collect()
}

/// Claims a due feed with a compare-and-set on `next_fetch_at`: two replicas never
/// poll one feed at once.
pub fn claim_source(
    conn: &mut AnyConnection,
    s: &FundingSource,
    lease_until: DateTime<Utc>,
) -> Result<bool> {
    let n = diesel::update(
        fs::table
            .filter(fs::id.eq(s.id.to_string()))
            .filter(fs::next_fetch_at.eq(s.next_fetch_at.naive_utc())),
    )
    .set(fs::next_fetch_at.eq(lease_until.naive_utc()))
    .execute(conn)?;
    Ok(n == 1)
}

/// What a good poll found: items taken and left out, and why.
#[derive(Debug, Clone, Default)]
pub struct PollHealth {
    /// Items taken.
    pub taken: i32,
    /// Items left out.
    pub rejected: i32,
    /// Why, one per line.
    pub issues: Vec<String>,
}

/// Records a good poll (`None`: 304, nothing changed) and schedules the next.
pub fn record_source_success(
    conn: &mut AnyConnection,
    id: FundingSourceId,
    etag: Option<&str>,
    last_modified: Option<&str>,
    health: Option<&PollHealth>,
) -> Result<()> {
    let s = source(conn, id)?;
    let now = crate::now();
    let next = now + Duration::minutes(i64::from(s.interval_minutes.max(1)));
    let (taken, rejected, issues) = match health {
        Some(h) => (
            h.taken,
            h.rejected,
            (!h.issues.is_empty()).then(|| {
                h.issues
                    .iter()
                    .take(50)
                    .map(|i| i.chars().take(300).collect::<String>())
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
        ),
        None => (s.item_count, s.rejected_count, s.issues.clone()),
    };
    diesel::update(fs::table.find(id.to_string()))
        .set((
            fs::etag.eq(etag.map(str::to_owned).or(s.etag)),
            fs::last_modified_header
                .eq(last_modified.map(str::to_owned).or(s.last_modified_header)),
            fs::last_fetched_at.eq(Some(now)),
            fs::last_success_at.eq(Some(now)),
            fs::last_error.eq(None::<String>),
            fs::consecutive_failures.eq(0),
            fs::item_count.eq(taken),
            fs::rejected_count.eq(rejected),
            fs::issues.eq(issues),
            fs::next_fetch_at.eq(next),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed poll; the interval doubles per failure, up to a day. Nothing
/// stored from earlier polls changes.
pub fn record_source_failure(
    conn: &mut AnyConnection,
    id: FundingSourceId,
    error: &str,
) -> Result<()> {
    let s = source(conn, id)?;
    let now = crate::now();
    let failures = s.consecutive_failures.saturating_add(1);
    let wait = netzwerk_domain::poll::backoff_minutes(s.interval_minutes, failures);
    diesel::update(fs::table.find(id.to_string()))
        .set((
            fs::last_fetched_at.eq(Some(now)),
            fs::last_error.eq(Some(error.chars().take(2000).collect::<String>())),
            fs::consecutive_failures.eq(failures),
            fs::next_fetch_at.eq(now + Duration::minutes(wait)),
        ))
        .execute(conn)?;
    Ok(())
}

// ----- opportunities -------------------------------------------------------------

/// A feed item or posting behind an opportunity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLink {
    /// The feed, or `None` for a posting by hand.
    pub source_id: Option<FundingSourceId>,
    /// The item's link.
    pub url: String,
    /// The item's title.
    pub title: String,
    /// First seen.
    pub first_seen_at: DateTime<Utc>,
    /// Last seen.
    pub last_seen_at: DateTime<Utc>,
}

/// An opportunity as stored.
#[derive(Debug, Clone)]
pub struct OpportunityRecord {
    /// Id.
    pub id: FundingOpportunityId,
    /// The opportunity.
    pub value: Opportunity,
    /// Posted by this member, if by hand.
    pub posted_by: Option<OrganisationId>,
    /// First seen (or posted).
    pub first_seen_at: DateTime<Utc>,
    /// Last seen in a feed (or changed).
    pub last_seen_at: DateTime<Utc>,
}

type OppRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    Option<NaiveDateTime>,
    NaiveDateTime,
    NaiveDateTime,
    Option<String>,
);

#[expect(clippy::type_complexity, reason = "the column tuple mirrors the table")]
const OPP_COLUMNS: (
    fo::id,
    fo::title,
    fo::summary,
    fo::url,
    fo::funder,
    fo::programme,
    fo::status,
    fo::deadline_kind,
    fo::amount_min,
    fo::amount_max,
    fo::currency,
    fo::region,
    fo::applicants,
    fo::published_at,
    fo::first_seen_at,
    fo::last_seen_at,
    fo::posted_by_organisation_id,
) = (
    fo::id,
    fo::title,
    fo::summary,
    fo::url,
    fo::funder,
    fo::programme,
    fo::status,
    fo::deadline_kind,
    fo::amount_min,
    fo::amount_max,
    fo::currency,
    fo::region,
    fo::applicants,
    fo::published_at,
    fo::first_seen_at,
    fo::last_seen_at,
    fo::posted_by_organisation_id,
);

/// Loads opportunities by id, with topics and deadlines, in the order asked.
pub fn by_ids(
    conn: &mut AnyConnection,
    ids: &[FundingOpportunityId],
) -> Result<Vec<OpportunityRecord>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let mut out = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(500) {
        let rows: Vec<OppRow> = fo::table
            .filter(fo::id.eq_any(chunk))
            .select(OPP_COLUMNS)
            .load(conn)?;
        let topics: Vec<(String, String)> = ft::table
            .filter(ft::opportunity_id.eq_any(chunk))
            .select((ft::opportunity_id, ft::topic))
            .load(conn)?;
        let deadlines: Vec<(String, NaiveDate)> = fd::table
            .filter(fd::opportunity_id.eq_any(chunk))
            .order(fd::deadline)
            .select((fd::opportunity_id, fd::deadline))
            .load(conn)?;
        let mut topics_of: HashMap<String, Vec<Topic>> = HashMap::new();
        for (o, t) in topics {
            topics_of
                .entry(o)
                .or_default()
                .push(stored("funding_topics.topic", Topic::parse(&t))?);
        }
        let mut dates_of: HashMap<String, Vec<NaiveDate>> = HashMap::new();
        for (o, d) in deadlines {
            dates_of.entry(o).or_default().push(d);
        }
        for r in rows {
            let mut topics = topics_of.remove(&r.0).unwrap_or_default();
            topics.sort_unstable();
            let dates = dates_of.remove(&r.0).unwrap_or_default();
            let deadline = match r.7.as_str() {
                "rolling" => Deadline::Rolling,
                "unknown" => Deadline::Unknown,
                _ => Deadline::dates(dates),
            };
            out.push(OpportunityRecord {
                id: stored(
                    "funding_opportunities.id",
                    FundingOpportunityId::parse(&r.0),
                )?,
                value: Opportunity {
                    title: r.1,
                    summary: r.2,
                    url: r.3,
                    funder: r.4,
                    programme: r.5,
                    status: stored("funding_opportunities.status", FundingStatus::parse(&r.6))?,
                    deadline,
                    amount: (r.8.is_some() || r.9.is_some()).then(|| Amount {
                        min: r.8,
                        max: r.9,
                        currency: r.10.clone().unwrap_or_else(|| "EUR".into()),
                    }),
                    region: r
                        .11
                        .map(|x| stored("funding_opportunities.region", FundingRegion::parse(&x)))
                        .transpose()?,
                    applicants: codes(
                        "funding_opportunities.applicants",
                        &r.12,
                        LegalStatus::parse,
                    )?,
                    topics,
                    published: r.13.map(|t| t.and_utc()),
                },
                posted_by: r
                    .16
                    .map(|o| stored("funding_opportunities.posted_by", OrganisationId::parse(&o)))
                    .transpose()?,
                first_seen_at: r.14.and_utc(),
                last_seen_at: r.15.and_utc(),
            });
        }
    }
    let position: HashMap<String, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.clone(), i))
        .collect();
    out.sort_by_key(|r| {
        position
            .get(&r.id.to_string())
            .copied()
            .unwrap_or(usize::MAX)
    });
    Ok(out)
}

/// One opportunity.
pub fn get(conn: &mut AnyConnection, id: FundingOpportunityId) -> Result<OpportunityRecord> {
    by_ids(conn, &[id])?
        .pop()
        .ok_or_else(|| StorageError::NotFound(format!("funding opportunity {id}")))
}

/// The feed items and postings behind opportunities, oldest first.
pub fn links_of(
    conn: &mut AnyConnection,
    ids: &[FundingOpportunityId],
) -> Result<HashMap<FundingOpportunityId, Vec<SourceLink>>> {
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let mut out: HashMap<FundingOpportunityId, Vec<SourceLink>> = HashMap::new();
    for chunk in keys.chunks(500) {
        let rows: Vec<(
            String,
            Option<String>,
            String,
            String,
            NaiveDateTime,
            NaiveDateTime,
        )> = fl::table
            .filter(fl::opportunity_id.eq_any(chunk))
            .order((fl::first_seen_at, fl::id))
            .select((
                fl::opportunity_id,
                fl::source_id,
                fl::url,
                fl::title,
                fl::first_seen_at,
                fl::last_seen_at,
            ))
            .load(conn)?;
        for (o, s, url, title, first, last) in rows {
            out.entry(stored(
                "funding_links.opportunity_id",
                FundingOpportunityId::parse(&o),
            )?)
            .or_default()
            .push(SourceLink {
                source_id: s
                    .map(|s| stored("funding_links.source_id", FundingSourceId::parse(&s)))
                    .transpose()?,
                url,
                title,
                first_seen_at: first.and_utc(),
                last_seen_at: last.and_utc(),
            });
        }
    }
    Ok(out)
}

fn search_text(o: &Opportunity) -> String {
    fold(&format!(
        "{} {} {} {}",
        o.title,
        o.summary.as_deref().unwrap_or_default(),
        o.funder,
        o.programme.as_deref().unwrap_or_default()
    ))
}

/// Writes the opportunity's fields (all of them) and its topics and deadlines.
fn write_fields(
    conn: &mut AnyConnection,
    id: &str,
    o: &Opportunity,
    url_key: Option<&str>,
) -> Result<()> {
    diesel::update(fo::table.find(id))
        .set((
            fo::title.eq(&o.title),
            fo::summary.eq(o.summary.as_deref()),
            fo::url.eq(o.url.as_deref()),
            fo::url_key.eq(url_key),
            fo::funder.eq(&o.funder),
            fo::funder_key.eq(fold(&o.funder)),
            fo::programme.eq(o.programme.as_deref()),
            fo::status.eq(o.status.as_str()),
            fo::deadline_kind.eq(match o.deadline {
                Deadline::Unknown => "unknown",
                Deadline::Rolling => "rolling",
                Deadline::Dates(_) => "dates",
            }),
            fo::last_deadline.eq(o.deadline.last()),
            fo::amount_min.eq(o.amount.as_ref().and_then(|a| a.min)),
            fo::amount_max.eq(o.amount.as_ref().and_then(|a| a.max)),
            fo::currency.eq(o.amount.as_ref().map(|a| a.currency.as_str())),
            fo::region.eq(o.region.map(FundingRegion::as_str)),
            // ",a,b," so a filter matches whole codes (company is not non_profit_company).
            fo::applicants.eq(if o.applicants.is_empty() {
                String::new()
            } else {
                format!(",{},", join_codes(&o.applicants, LegalStatus::as_str))
            }),
            fo::search_text.eq(search_text(o)),
            fo::published_at.eq(o.published.map(|t| t.naive_utc())),
            fo::updated_at.eq(crate::now()),
        ))
        .execute(conn)?;
    diesel::delete(ft::table.filter(ft::opportunity_id.eq(id))).execute(conn)?;
    let topics: Vec<_> = o
        .topics
        .iter()
        .map(|t| (ft::opportunity_id.eq(id), ft::topic.eq(t.as_str())))
        .collect();
    if !topics.is_empty() {
        crate::db::insert_all!(conn, ft::table, &topics)?;
    }
    diesel::delete(fd::table.filter(fd::opportunity_id.eq(id))).execute(conn)?;
    if let Deadline::Dates(dates) = &o.deadline {
        let rows: Vec<_> = dates
            .iter()
            .map(|d| (fd::opportunity_id.eq(id), fd::deadline.eq(*d)))
            .collect();
        crate::db::insert_all!(conn, fd::table, &rows)?;
    }
    Ok(())
}

fn insert_opportunity(
    conn: &mut AnyConnection,
    o: &Opportunity,
    url_key: Option<&str>,
    posted_by: Option<OrganisationId>,
    changed: Option<DateTime<Utc>>,
) -> Result<String> {
    let id = FundingOpportunityId::generate().to_string();
    let now = crate::now();
    diesel::insert_into(fo::table)
        .values((
            fo::id.eq(&id),
            fo::title.eq(&o.title),
            fo::funder.eq(&o.funder),
            fo::funder_key.eq(fold(&o.funder)),
            fo::status.eq(o.status.as_str()),
            fo::deadline_kind.eq("unknown"),
            fo::applicants.eq(""),
            fo::search_text.eq(""),
            fo::changed_at.eq(changed.map(|t| t.naive_utc())),
            fo::first_seen_at.eq(now),
            fo::last_seen_at.eq(now),
            fo::posted_by_organisation_id.eq(posted_by.map(|p| p.to_string())),
            fo::created_at.eq(now),
            fo::updated_at.eq(now),
        ))
        .execute(conn)?;
    write_fields(conn, &id, o, url_key)?;
    Ok(id)
}

/// A member posts a call by hand (its editors, or the coordinator for the network).
pub fn post(
    conn: &mut AnyConnection,
    actor: &str,
    by: Option<OrganisationId>,
    o: &Opportunity,
    url_key: Option<&str>,
) -> Result<OpportunityRecord> {
    conn.transaction(|conn| {
        let id = insert_opportunity(conn, o, url_key, by, Some(Utc::now()))?;
        let now = crate::now();
        diesel::insert_into(fl::table)
            .values((
                fl::id.eq(uuid::Uuid::now_v7().to_string()),
                fl::opportunity_id.eq(&id),
                fl::guid.eq(format!("posted:{id}")),
                fl::url.eq(o.url.clone().unwrap_or_default()),
                fl::title.eq(&o.title),
                fl::first_seen_at.eq(now),
                fl::last_seen_at.eq(now),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::FundingOpportunity,
            &id,
            by.map(|b| b.to_string()).as_deref(),
            Action::Created,
            &o.title,
        )?;
        get(
            conn,
            stored("funding_opportunities.id", FundingOpportunityId::parse(&id))?,
        )
    })
}

/// One item as the feed poller hands it over.
#[derive(Debug, Clone)]
pub struct IncomingItem {
    /// The feed's id for the item.
    pub guid: String,
    /// Its link.
    pub link: String,
    /// The link as comparison key.
    pub url_key: String,
    /// When it last changed.
    pub changed: Option<DateTime<Utc>>,
    /// The normalised opportunity.
    pub opportunity: Opportunity,
}

/// What taking a feed's items did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// New opportunities.
    pub created: usize,
    /// Opportunities changed by a later item.
    pub updated: usize,
    /// Items attached to an opportunity known from another source.
    pub merged: usize,
    /// Items seen before, unchanged.
    pub unchanged: usize,
}

impl std::fmt::Display for IngestReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} new, {} updated, {} merged, {} unchanged",
            self.created, self.updated, self.merged, self.unchanged
        )
    }
}

/// The host (with port) of a URL comparison key.
fn host_of(url_key: &str) -> &str {
    url_key.split(['/', '?']).next().unwrap_or_default()
}

/// Takes a feed's items, in one transaction (see the module documentation).
/// `same_title` decides whether two titles of one funder name the same call;
/// `url_key` makes a URL a comparison key (`host[:port]/path?query`): a feed whose host
/// is the call's is the call's own, unless the call has such a feed among its sources
/// already (two funders publishing on one host take nothing from each other).
pub fn ingest(
    conn: &mut AnyConnection,
    source: FundingSourceId,
    items: &[IncomingItem],
    same_title: fn(&str, &str) -> bool,
    url_key: fn(&str) -> Option<String>,
) -> Result<IngestReport> {
    let feed_url: String = fs::table
        .find(source.to_string())
        .select(fs::url)
        .first(conn)?;
    let feed_key = url_key(&feed_url);
    conn.transaction(|conn| {
        let mut report = IngestReport::default();
        let now = crate::now();
        for item in items {
            let o = &item.opportunity;
            let funder_key = fold(&o.funder);
            let linked: Option<String> = fl::table
                .filter(fl::source_id.eq(source.to_string()))
                .filter(fl::guid.eq(&item.guid))
                .select(fl::opportunity_id)
                .first(conn)
                .optional()?;
            let (target, is_new_link) = match linked {
                Some(id) => (Some(id), false),
                None => {
                    let by_url: Option<String> = fo::table
                        .filter(fo::url_key.eq(&item.url_key))
                        .filter(fo::funder_key.eq(&funder_key))
                        .select(fo::id)
                        .first(conn)
                        .optional()?;
                    let found = match by_url {
                        Some(id) => Some(id),
                        None => {
                            let candidates: Vec<(String, String)> = fo::table
                                .filter(fo::funder_key.eq(&funder_key))
                                .filter(fo::status.ne(FundingStatus::Closed.as_str()))
                                .select((fo::id, fo::title))
                                .load(conn)?;
                            candidates
                                .into_iter()
                                .find(|(_, t)| same_title(t, &o.title))
                                .map(|(id, _)| id)
                        }
                    };
                    let found = match found {
                        Some(id) => Some(id),
                        None => {
                            // Relayed by another funder: the same page and the same
                            // title; a shared landing page alone is not the same call.
                            let relayed: Vec<(String, String)> = fo::table
                                .filter(fo::url_key.eq(&item.url_key))
                                .filter(fo::funder_key.ne(&funder_key))
                                .select((fo::id, fo::title))
                                .load(conn)?;
                            let title = fold(&o.title);
                            relayed
                                .into_iter()
                                .find(|(_, t)| fold(t) == title)
                                .map(|(id, _)| id)
                        }
                    };
                    (found, true)
                }
            };
            match target {
                None => {
                    let id = insert_opportunity(conn, o, Some(&item.url_key), None, item.changed)?;
                    add_link(conn, &id, source, item, now)?;
                    report.created += 1;
                }
                Some(id) => {
                    let owner: String = fo::table.find(&id).select(fo::funder_key).first(conn)?;
                    let call_host = host_of(&item.url_key);
                    let on_call_host =
                        |url: &str| url_key(url).is_some_and(|k| host_of(&k) == call_host);
                    let relay = owner != funder_key && {
                        let own_feed = feed_key.as_deref().is_some_and(|f| host_of(f) == call_host);
                        let others: Vec<String> = fl::table
                            .inner_join(fs::table)
                            .filter(fl::opportunity_id.eq(&id))
                            .filter(fs::id.ne(source.to_string()))
                            .select(fs::url)
                            .load(conn)?;
                        !own_feed || others.iter().any(|u| on_call_host(u))
                    };
                    if is_new_link {
                        add_link(conn, &id, source, item, now)?;
                        report.merged += 1;
                    } else {
                        diesel::update(
                            fl::table
                                .filter(fl::source_id.eq(source.to_string()))
                                .filter(fl::guid.eq(&item.guid)),
                        )
                        .set((
                            fl::url.eq(&item.link),
                            fl::title.eq(&o.title),
                            fl::last_seen_at.eq(now),
                        ))
                        .execute(conn)?;
                    }
                    if relay {
                        // Another funder's feed relaying the call: a source, no more.
                        if !is_new_link {
                            report.unchanged += 1;
                        }
                        diesel::update(fo::table.find(&id))
                            .set(fo::last_seen_at.eq(now))
                            .execute(conn)?;
                        continue;
                    }
                    // The call's own feed taking it over from a relaying one: its
                    // funder is the call's, and its item is the call's text.
                    let takeover = owner != funder_key;
                    if takeover {
                        diesel::update(fo::table.find(&id))
                            .set((fo::funder.eq(&o.funder), fo::funder_key.eq(&funder_key)))
                            .execute(conn)?;
                    }
                    let current = get(
                        conn,
                        stored("funding_opportunities.id", FundingOpportunityId::parse(&id))?,
                    )?;
                    let stored_changed: Option<NaiveDateTime> =
                        fo::table.find(&id).select(fo::changed_at).first(conn)?;
                    // The same feed item re-seen with other content is an edit (feeds
                    // often keep pubDate when editing); another source's item wins
                    // only with a later date.
                    let newer = takeover
                        || match (item.changed, stored_changed) {
                            (Some(c), Some(s)) if is_new_link => c.naive_utc() > s,
                            (Some(c), Some(s)) => c.naive_utc() >= s,
                            (Some(_), None) => true,
                            (None, _) => !is_new_link,
                        };
                    let merged = merge(&current.value, o, newer);
                    if merged != current.value {
                        let key: Option<String> = if newer {
                            Some(item.url_key.clone())
                        } else {
                            fo::table.find(&id).select(fo::url_key).first(conn)?
                        };
                        write_fields(conn, &id, &merged, key.as_deref())?;
                        if let (true, Some(changed)) = (newer, item.changed) {
                            diesel::update(fo::table.find(&id))
                                .set(fo::changed_at.eq(Some(changed.naive_utc())))
                                .execute(conn)?;
                        }
                        if !is_new_link {
                            report.updated += 1;
                        }
                    } else if !is_new_link {
                        report.unchanged += 1;
                    }
                    diesel::update(fo::table.find(&id))
                        .set(fo::last_seen_at.eq(now))
                        .execute(conn)?;
                }
            }
        }
        Ok(report)
    })
}

fn add_link(
    conn: &mut AnyConnection,
    opportunity: &str,
    source: FundingSourceId,
    item: &IncomingItem,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(fl::table)
        .values((
            fl::id.eq(uuid::Uuid::now_v7().to_string()),
            fl::opportunity_id.eq(opportunity),
            fl::source_id.eq(Some(source.to_string())),
            fl::guid.eq(&item.guid),
            fl::url.eq(&item.link),
            fl::title.eq(&item.opportunity.title),
            fl::first_seen_at.eq(now),
            fl::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Combines what is known with a new item: a newer item's values win where it has
/// them; an older or equal one only fills gaps. Topics are united.
fn merge(old: &Opportunity, new: &Opportunity, newer: bool) -> Opportunity {
    let (first, second) = if newer { (new, old) } else { (old, new) };
    let mut topics: Vec<Topic> = old.topics.iter().chain(&new.topics).copied().collect();
    topics.sort_unstable();
    topics.dedup();
    let mut applicants: Vec<LegalStatus> = first
        .applicants
        .iter()
        .chain(&second.applicants)
        .copied()
        .collect();
    applicants.sort_unstable();
    applicants.dedup();
    Opportunity {
        title: first.title.clone(),
        summary: first.summary.clone().or_else(|| second.summary.clone()),
        url: first.url.clone().or_else(|| second.url.clone()),
        funder: old.funder.clone(),
        programme: first.programme.clone().or_else(|| second.programme.clone()),
        status: first.status,
        deadline: match (&first.deadline, &second.deadline) {
            (Deadline::Unknown, d) => d.clone(),
            (d, _) => d.clone(),
        },
        amount: first.amount.clone().or_else(|| second.amount.clone()),
        region: first.region.or(second.region),
        applicants,
        topics,
        published: match (old.published, new.published) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
    }
}

/// Filters of a search over opportunities.
#[derive(Debug, Clone, Default)]
pub struct OpportunityFilter {
    /// Having this topic.
    pub topic: Option<Topic>,
    /// Of this region.
    pub region: Option<FundingRegion>,
    /// Open to this legal form (or to anyone).
    pub applicant: Option<LegalStatus>,
    /// With a deadline from `today` up to this date.
    pub deadline_before: Option<NaiveDate>,
    /// Open (or forecast) and not past the last deadline.
    pub open_only: bool,
    /// Every word in title, summary, funder or programme.
    pub text: Option<String>,
    /// First seen after.
    pub seen_after: Option<DateTime<Utc>>,
}

/// Ids of the opportunities that pass `filter` on `today`, by next deadline (none
/// last), then title.
pub fn search(
    conn: &mut AnyConnection,
    filter: &OpportunityFilter,
    today: NaiveDate,
) -> Result<Vec<FundingOpportunityId>> {
    let mut q = fo::table.into_boxed::<crate::db::MultiBackend>();
    if let Some(t) = filter.topic {
        q = q.filter(
            fo::id.eq_any(
                ft::table
                    .filter(ft::topic.eq(t.as_str()))
                    .select(ft::opportunity_id),
            ),
        );
    }
    if let Some(r) = filter.region {
        q = q.filter(fo::region.eq(r.as_str()));
    }
    if let Some(a) = filter.applicant {
        q = q.filter(
            fo::applicants
                .eq("")
                .or(fo::applicants.like(format!("%,{},%", a.as_str()))),
        );
    }
    if let Some(before) = filter.deadline_before {
        q = q.filter(
            fo::id.eq_any(
                fd::table
                    .filter(fd::deadline.ge(today))
                    .filter(fd::deadline.le(before))
                    .select(fd::opportunity_id),
            ),
        );
    }
    if filter.open_only {
        q = q
            .filter(fo::status.ne(FundingStatus::Closed.as_str()))
            .filter(fo::last_deadline.is_null().or(fo::last_deadline.ge(today)));
    }
    if let Some(text) = &filter.text {
        for term in netzwerk_domain::text::search_terms(text) {
            q = q.filter(fo::search_text.like(format!("%{term}%")));
        }
    }
    if let Some(after) = filter.seen_after {
        q = q.filter(fo::first_seen_at.gt(after.naive_utc()));
    }
    let rows: Vec<(String, String)> = q.select((fo::id, fo::title)).load(conn)?;
    let keys: Vec<String> = rows.iter().map(|(id, _)| id.clone()).collect();
    let mut next: HashMap<String, NaiveDate> = HashMap::new();
    for chunk in keys.chunks(500) {
        let upcoming: Vec<(String, NaiveDate)> = fd::table
            .filter(fd::opportunity_id.eq_any(chunk))
            .filter(fd::deadline.ge(today))
            .order(fd::deadline)
            .select((fd::opportunity_id, fd::deadline))
            .load(conn)?;
        for (o, d) in upcoming {
            next.entry(o).or_insert(d);
        }
    }
    let mut rows = rows;
    rows.sort_by(|a, b| {
        let (da, db) = (next.get(&a.0), next.get(&b.0));
        match (da, db) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| fold(&a.1).cmp(&fold(&b.1)))
        .then_with(|| a.0.cmp(&b.0))
    });
    rows.iter()
        .map(|(id, _)| stored("funding_opportunities.id", FundingOpportunityId::parse(id)))
        .collect()
}

// ----- subscriptions -------------------------------------------------------------

/// A digest subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    /// Id.
    pub id: SubscriptionId,
    /// Address.
    pub email: String,
    /// Name.
    pub name: String,
    /// Language (ISO 639-1).
    pub language: String,
    /// Matched for this organisation, if any.
    pub organisation_id: Option<OrganisationId>,
    /// A person's topics (no organisation).
    pub topics: Vec<Topic>,
    /// Token of the unsubscribe link.
    pub unsubscribe_token: String,
    /// Confirmed (double opt-in).
    pub confirmed: bool,
    /// Last digest sent.
    pub last_digest_at: Option<DateTime<Utc>>,
}

type SubRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

const SUB_COLUMNS: (
    sub::id,
    sub::email,
    sub::name,
    sub::language,
    sub::organisation_id,
    sub::topics,
    sub::unsubscribe_token,
    sub::confirmed_at,
    sub::last_digest_at,
) = (
    sub::id,
    sub::email,
    sub::name,
    sub::language,
    sub::organisation_id,
    sub::topics,
    sub::unsubscribe_token,
    sub::confirmed_at,
    sub::last_digest_at,
);

fn sub_from_row(r: SubRow) -> Result<Subscription> {
    Ok(Subscription {
        id: stored("funding_subscriptions.id", SubscriptionId::parse(&r.0))?,
        email: r.1,
        name: r.2,
        language: r.3,
        organisation_id: r
            .4
            .map(|o| {
                stored(
                    "funding_subscriptions.organisation_id",
                    OrganisationId::parse(&o),
                )
            })
            .transpose()?,
        topics: codes("funding_subscriptions.topics", &r.5, Topic::parse)?,
        unsubscribe_token: r.6,
        confirmed: r.7.is_some(),
        last_digest_at: r.8.map(|t| t.and_utc()),
    })
}

/// What a new subscription says.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    /// Address (stored in lower case).
    pub email: String,
    /// Name.
    pub name: String,
    /// Language.
    pub language: String,
    /// For this organisation.
    pub organisation_id: Option<OrganisationId>,
    /// A person's topics.
    pub topics: Vec<Topic>,
}

/// A subscription as answered to the public: `stored` is false when the request
/// changed nothing (the address is subscribed already, asked a moment ago, or is over
/// its daily limit). Callers answer all alike, so nobody learns whether an address is
/// known; the `subscription` then is what the request said, under an id that is never
/// stored.
#[derive(Debug, Clone)]
pub struct Subscribed {
    /// The subscription as stored, or as it would have been.
    pub subscription: Subscription,
    /// Whether it was stored (and a confirmation e-mail is to be sent).
    pub stored: bool,
}

/// Stores an unconfirmed subscription. Asking again before confirming replaces the
/// confirmation link (a lost e-mail locks nobody out), at most every 15 minutes; a
/// confirmed subscription of the same address for the same organisation (or without
/// one) stays as it is; one address may start three subscriptions a day.
pub fn subscribe(
    conn: &mut AnyConnection,
    s: &NewSubscription,
    confirm_hash: &str,
    unsubscribe_token: &str,
) -> Result<Subscribed> {
    let id = SubscriptionId::generate();
    conn.transaction(|conn| {
        let email = s.email.to_lowercase();
        let now = crate::now();
        let unchanged = || Subscribed {
            subscription: Subscription {
                id,
                email: email.clone(),
                name: s.name.clone(),
                language: s.language.clone(),
                organisation_id: s.organisation_id,
                topics: s.topics.clone(),
                unsubscribe_token: unsubscribe_token.to_owned(),
                confirmed: false,
                last_digest_at: None,
            },
            stored: false,
        };
        let recent: i64 = sub::table
            .filter(sub::email.eq(&email))
            .filter(sub::created_at.gt(now - Duration::hours(24)))
            .count()
            .get_result(conn)?;
        if recent >= 3 {
            return Ok(unchanged());
        }
        let same = sub::table
            .filter(sub::email.eq(&email))
            .into_boxed::<crate::db::MultiBackend>();
        let same = match s.organisation_id {
            Some(o) => same.filter(sub::organisation_id.eq(o.to_string())),
            None => same.filter(sub::organisation_id.is_null()),
        };
        let existing: Option<(String, Option<NaiveDateTime>, NaiveDateTime)> = same
            .select((sub::id, sub::confirmed_at, sub::created_at))
            .first(conn)
            .optional()?;
        match existing {
            // Subscribed already, or a confirmation e-mail went out a moment ago.
            Some((_, Some(_), _)) => return Ok(unchanged()),
            Some((_, None, created)) if created > now - Duration::minutes(15) => {
                return Ok(unchanged());
            }
            // Not confirmed yet: the confirmation mail may be lost, so asking again
            // sends a new link (the old one stops working).
            Some((existing_id, None, _)) => {
                diesel::update(sub::table.find(&existing_id))
                    .set((
                        sub::name.eq(&s.name),
                        sub::language.eq(&s.language),
                        sub::topics.eq(join_codes(&s.topics, Topic::as_str)),
                        sub::confirm_hash.eq(confirm_hash),
                        sub::created_at.eq(now),
                    ))
                    .execute(conn)?;
                return Ok(Subscribed {
                    subscription: subscription(
                        conn,
                        stored(
                            "funding_subscriptions.id",
                            SubscriptionId::parse(&existing_id),
                        )?,
                    )?,
                    stored: true,
                });
            }
            None => {}
        }
        diesel::insert_into(sub::table)
            .values((
                sub::id.eq(id.to_string()),
                sub::email.eq(&email),
                sub::name.eq(&s.name),
                sub::language.eq(&s.language),
                sub::organisation_id.eq(s.organisation_id.map(|o| o.to_string())),
                sub::topics.eq(join_codes(&s.topics, Topic::as_str)),
                sub::confirm_hash.eq(confirm_hash),
                sub::unsubscribe_token.eq(unsubscribe_token),
                sub::created_at.eq(now),
            ))
            .execute(conn)?;
        Ok(Subscribed {
            subscription: subscription(conn, id)?,
            stored: true,
        })
    })
}

/// One subscription.
pub fn subscription(conn: &mut AnyConnection, id: SubscriptionId) -> Result<Subscription> {
    let row: Option<SubRow> = sub::table
        .find(id.to_string())
        .select(SUB_COLUMNS)
        .first(conn)
        .optional()?;
    row.map(sub_from_row)
        .transpose()?
        .ok_or_else(|| StorageError::NotFound(format!("subscription {id}")))
}

/// Confirms a subscription (double opt-in); twice changes nothing.
pub fn confirm_subscription(conn: &mut AnyConnection, confirm_hash: &str) -> Result<Subscription> {
    conn.transaction(|conn| {
        let id: Option<String> = sub::table
            .filter(sub::confirm_hash.eq(confirm_hash))
            .select(sub::id)
            .first(conn)
            .optional()?;
        let id = id.ok_or_else(|| StorageError::NotFound("subscription for this link".into()))?;
        diesel::update(sub::table.find(&id).filter(sub::confirmed_at.is_null()))
            .set(sub::confirmed_at.eq(Some(crate::now())))
            .execute(conn)?;
        subscription(
            conn,
            stored("funding_subscriptions.id", SubscriptionId::parse(&id))?,
        )
    })
}

/// Deletes subscriptions nobody confirmed within `hours` hours (the address may not
/// even be the asker's). Returns how many.
pub fn purge_unconfirmed(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    hours: i64,
) -> Result<usize> {
    Ok(diesel::delete(
        sub::table
            .filter(sub::confirmed_at.is_null())
            .filter(sub::created_at.lt((now - Duration::hours(hours)).naive_utc())),
    )
    .execute(conn)?)
}

/// Ends a subscription and deletes it; `false` if the token is unknown (already gone).
pub fn unsubscribe(conn: &mut AnyConnection, token: &str) -> Result<bool> {
    Ok(diesel::delete(sub::table.filter(sub::unsubscribe_token.eq(token))).execute(conn)? > 0)
}

/// Confirmed subscriptions whose last digest is older than `since` (or never sent).
pub fn due_subscriptions(
    conn: &mut AnyConnection,
    since: DateTime<Utc>,
) -> Result<Vec<Subscription>> {
    let rows: Vec<SubRow> = sub::table
        .filter(sub::confirmed_at.is_not_null())
        .filter(
            sub::last_digest_at
                .is_null()
                .or(sub::last_digest_at.le(since.naive_utc())),
        )
        .order((sub::email, sub::id))
        .select(SUB_COLUMNS)
        .load(conn)?;
    rows.into_iter().map(sub_from_row).collect()
}

/// Records that a digest goes out now — only if no other sender did since the
/// subscription was read (compare-and-set on `last_digest_at`). `false`: someone did.
pub fn mark_digest_sent(
    conn: &mut AnyConnection,
    s: &Subscription,
    at: DateTime<Utc>,
) -> Result<bool> {
    // One statement: the row changes only if nobody sent since it was read.
    let n = match s.last_digest_at {
        Some(t) => diesel::update(
            sub::table
                .filter(sub::id.eq(s.id.to_string()))
                .filter(sub::last_digest_at.eq(t.naive_utc())),
        )
        .set(sub::last_digest_at.eq(Some(at.naive_utc())))
        .execute(conn)?,
        None => diesel::update(
            sub::table
                .filter(sub::id.eq(s.id.to_string()))
                .filter(sub::last_digest_at.is_null()),
        )
        .set(sub::last_digest_at.eq(Some(at.naive_utc())))
        .execute(conn)?,
    };
    Ok(n == 1)
}
