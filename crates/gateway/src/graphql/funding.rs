//! Funding opportunities in the API: search with filters, facet counts and matching
//! to an organisation (with reasons); postings by members; feeds (coordinator); digest
//! subscriptions with double opt-in.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use netzwerk_app::funding::Subscription;
use netzwerk_app::funding_sync::FundingSource;
use netzwerk_domain::funding::{FundingRegion as DRegion, OpportunityInput};
use netzwerk_domain::ids::FundingOpportunityId;

use super::connection::{Cursor, window};
use super::context::{actor, hub, parse_id, prefs, viewer};
use super::enums::{LegalStatus, Topic, into_domain};
use super::error::{ApiResult, app};
use super::objects::{Organisation, organisation_of};
use netzwerk_app::funding as funding_app;
use netzwerk_app::funding_sync;

/// Where a call stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundingStatus {
    /// Announced, not open yet.
    Forecast,
    /// Applications accepted.
    Open,
    /// Over.
    Closed,
}

impl From<netzwerk_domain::funding::FundingStatus> for FundingStatus {
    fn from(s: netzwerk_domain::funding::FundingStatus) -> Self {
        use netzwerk_domain::funding::FundingStatus as S;
        match s {
            S::Forecast => Self::Forecast,
            S::Open => Self::Open,
            S::Closed => Self::Closed,
        }
    }
}

impl From<FundingStatus> for netzwerk_domain::funding::FundingStatus {
    fn from(s: FundingStatus) -> Self {
        match s {
            FundingStatus::Forecast => Self::Forecast,
            FundingStatus::Open => Self::Open,
            FundingStatus::Closed => Self::Closed,
        }
    }
}

/// The area a programme funds.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundingRegion {
    /// The district.
    TreptowKoepenick,
    /// Land Berlin.
    Berlin,
    /// Germany.
    Federal,
    /// The European Union.
    Eu,
}

impl From<DRegion> for FundingRegion {
    fn from(r: DRegion) -> Self {
        match r {
            DRegion::TreptowKoepenick => Self::TreptowKoepenick,
            DRegion::Berlin => Self::Berlin,
            DRegion::Federal => Self::Federal,
            DRegion::Eu => Self::Eu,
        }
    }
}

impl From<FundingRegion> for DRegion {
    fn from(r: FundingRegion) -> Self {
        match r {
            FundingRegion::TreptowKoepenick => Self::TreptowKoepenick,
            FundingRegion::Berlin => Self::Berlin,
            FundingRegion::Federal => Self::Federal,
            FundingRegion::Eu => Self::Eu,
        }
    }
}

/// How the deadline is given.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineKind {
    /// Not stated.
    Unknown,
    /// Any time ("laufend").
    Rolling,
    /// One date.
    Date,
    /// Several rounds.
    Rounds,
}

impl From<netzwerk_domain::funding::DeadlineKind> for DeadlineKind {
    fn from(k: netzwerk_domain::funding::DeadlineKind) -> Self {
        use netzwerk_domain::funding::DeadlineKind as K;
        match k {
            K::Unknown => Self::Unknown,
            K::Rolling => Self::Rolling,
            K::Date => Self::Date,
            K::Rounds => Self::Rounds,
        }
    }
}

/// Why an opportunity fits an organisation.
#[derive(SimpleObject, Clone)]
pub struct FundingMatch {
    /// Higher is better.
    pub score: i32,
    /// E.g. "topic youth", "region Berlin", "open to e.V.".
    pub reasons: Vec<String>,
}

/// A feed item or posting behind an opportunity.
#[derive(SimpleObject, Clone)]
pub struct FundingSourceLink {
    /// The item's link.
    pub url: String,
    /// The item's title.
    pub title: String,
    /// The feed it came from (coordinator only; none: posted by hand). Feed URLs
    /// may carry access keys, so others see none.
    pub feed_url: Option<String>,
    /// First seen.
    pub first_seen_at: DateTime<Utc>,
    /// Last seen.
    pub last_seen_at: DateTime<Utc>,
}

/// A funding opportunity (Förderaufruf).
pub struct FundingOpportunity {
    found: funding_app::Found,
    links: Vec<FundingSourceLink>,
    matched: Option<FundingMatch>,
}

#[Object]
impl FundingOpportunity {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.found.record.id.to_string())
    }
    /// Title of the call.
    async fn title(&self) -> &str {
        &self.found.record.value.title
    }
    /// Short description.
    async fn summary(&self) -> Option<&str> {
        self.found.record.value.summary.as_deref()
    }
    /// Page of the call.
    async fn url(&self) -> Option<&str> {
        self.found.record.value.url.as_deref()
    }
    /// Who funds.
    async fn funder(&self) -> &str {
        &self.found.record.value.funder
    }
    /// The programme.
    async fn programme(&self) -> Option<&str> {
        self.found.record.value.programme.as_deref()
    }
    /// Status today (closed once every deadline has passed).
    async fn status(&self) -> FundingStatus {
        self.found.status.into()
    }
    /// The next deadline (the last one once all have passed); none when rolling or
    /// not stated.
    async fn deadline(&self) -> Option<NaiveDate> {
        self.found.deadline
    }
    /// How the deadline is given.
    async fn deadline_kind(&self) -> DeadlineKind {
        self.found.record.value.deadline.kind().into()
    }
    /// Every deadline date (rounds), sorted.
    async fn deadlines(&self) -> Vec<NaiveDate> {
        self.found.record.value.deadline.all_dates().to_vec()
    }
    /// Smallest grant, whole currency units.
    async fn amount_min(&self) -> Option<i64> {
        self.found.record.value.amount.as_ref().and_then(|a| a.min)
    }
    /// Largest grant, whole currency units.
    async fn amount_max(&self) -> Option<i64> {
        self.found.record.value.amount.as_ref().and_then(|a| a.max)
    }
    /// ISO 4217 currency of the amounts.
    async fn currency(&self) -> Option<&str> {
        self.found
            .record
            .value
            .amount
            .as_ref()
            .map(|a| a.currency.as_str())
    }
    /// Area funded.
    async fn region(&self) -> Option<FundingRegion> {
        self.found.record.value.region.map(Into::into)
    }
    /// Who may apply (empty: not stated).
    async fn applicants(&self) -> Vec<LegalStatus> {
        self.found
            .record
            .value
            .applicants
            .iter()
            .map(|a| (*a).into())
            .collect()
    }
    /// Topics.
    async fn topics(&self) -> Vec<Topic> {
        self.found
            .record
            .value
            .topics
            .iter()
            .map(|t| (*t).into())
            .collect()
    }
    /// First published by its source.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        Some(self.found.published_at)
    }
    /// First seen by the Hub.
    async fn first_seen_at(&self) -> DateTime<Utc> {
        self.found.record.first_seen_at
    }
    /// Last seen in a feed.
    async fn last_seen_at(&self) -> DateTime<Utc> {
        self.found.record.last_seen_at
    }
    /// Every feed item and posting that announced it.
    async fn sources(&self) -> &[FundingSourceLink] {
        &self.links
    }
    /// How well it fits `matchingOrganisation`, with reasons.
    #[graphql(name = "match")]
    async fn matched(&self) -> Option<&FundingMatch> {
        self.matched.as_ref()
    }
    /// The member that posted it by hand.
    async fn posted_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Organisation>> {
        match self.found.record.posted_by {
            Some(o) => Ok(Some(organisation_of(ctx, o, &prefs(ctx)).await?)),
            None => Ok(None),
        }
    }
}

/// Filters of `fundingOpportunities`; all given ones apply.
#[derive(InputObject, Default)]
pub struct FundingFilter {
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
    pub open_only: Option<bool>,
    /// Words in title, summary, funder or programme.
    pub text: Option<String>,
    /// Only those matching this organisation (id or slug), best first, with reasons.
    pub matching_organisation: Option<String>,
    /// First seen by the Hub after this time (digests: "new since").
    pub seen_after: Option<DateTime<Utc>>,
}

/// A value of a filter and how many results have it.
#[derive(SimpleObject, Clone)]
pub struct FacetCount {
    /// The value (the enum's name).
    pub value: String,
    /// Results with it.
    pub count: i32,
}

/// Counts per filter value over the results.
#[derive(SimpleObject, Clone, Default)]
pub struct FundingFacets {
    /// Per topic.
    pub topics: Vec<FacetCount>,
    /// Per region.
    pub regions: Vec<FacetCount>,
    /// Per eligible legal form.
    pub applicants: Vec<FacetCount>,
    /// Per status.
    pub statuses: Vec<FacetCount>,
}

/// The extra fields of the opportunities connection.
#[derive(SimpleObject)]
pub struct FundingTotals {
    /// All results, on every page.
    pub total_count: i64,
    /// Counts per filter value over all results.
    pub facets: FundingFacets,
}

pub(crate) fn enum_name<T: async_graphql::resolver_utils::EnumType>(v: T) -> String {
    T::items()
        .iter()
        .find(|i| i.value == v)
        .map(|i| i.name.to_owned())
        .unwrap_or_default()
}

impl From<funding_app::Facets> for FundingFacets {
    fn from(f: funding_app::Facets) -> Self {
        fn list<D, G>(counts: Vec<(D, usize)>) -> Vec<FacetCount>
        where
            G: From<D> + async_graphql::resolver_utils::EnumType,
        {
            counts
                .into_iter()
                .map(|(value, count)| FacetCount {
                    value: enum_name(G::from(value)),
                    count: i32::try_from(count).unwrap_or(i32::MAX),
                })
                .collect()
        }
        Self {
            topics: list::<_, Topic>(f.topics),
            regions: list::<_, FundingRegion>(f.regions),
            applicants: list::<_, LegalStatus>(f.applicants),
            statuses: list::<_, FundingStatus>(f.statuses),
        }
    }
}

impl From<funding_app::Link> for FundingSourceLink {
    fn from(l: funding_app::Link) -> Self {
        Self {
            url: l.url,
            title: l.title,
            feed_url: l.feed_url,
            first_seen_at: l.first_seen_at,
            last_seen_at: l.last_seen_at,
        }
    }
}

impl FundingOpportunity {
    pub(crate) fn of(mut found: funding_app::Found) -> Self {
        Self {
            links: std::mem::take(&mut found.links)
                .into_iter()
                .map(Into::into)
                .collect(),
            matched: found.fit.take().map(|f| FundingMatch {
                score: i32::try_from(f.score).unwrap_or(i32::MAX),
                reasons: f.reasons,
            }),
            found,
        }
    }
}

/// Queries over funding.
#[derive(Default)]
pub struct FundingQuery;

#[Object]
impl FundingQuery {
    /// Funding opportunities by filter, next deadline first (with
    /// `matchingOrganisation`: best match first), with facet counts.
    #[graphql(cache_control(max_age = 60))]
    async fn funding_opportunities(
        &self,
        ctx: &Context<'_>,
        filter: Option<FundingFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<Cursor, FundingOpportunity, FundingTotals>> {
        let w = window(first, after)?;
        let f = filter.unwrap_or_default();
        let search = funding_app::Search {
            topic: f.topic.map(Into::into),
            topics: f.topics.as_deref().map(into_domain),
            region: f.region.map(Into::into),
            applicant: f.applicant.map(Into::into),
            deadline_before: f.deadline_before,
            open_only: f.open_only.unwrap_or(false),
            text: f.text,
            matching_organisation: f.matching_organisation,
            seen_after: f.seen_after,
        };
        let found = funding_app::search(hub(ctx), actor(ctx), search, w.offset, w.limit)
            .await
            .map_err(app)?;
        let mut conn = Connection::with_additional_fields(
            w.offset > 0,
            w.offset.saturating_add(w.limit) < found.total,
            FundingTotals {
                total_count: i64::try_from(found.total).unwrap_or(i64::MAX),
                facets: found.facets.into(),
            },
        );
        for (i, f) in found.page.into_iter().enumerate() {
            conn.edges
                .push(Edge::new(Cursor(w.offset + i), FundingOpportunity::of(f)));
        }
        Ok(conn)
    }

    /// One opportunity.
    #[graphql(cache_control(max_age = 60))]
    async fn funding_opportunity(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<FundingOpportunity> {
        let id = parse_id("id", &id, FundingOpportunityId::parse)?;
        let found = funding_app::get(hub(ctx), actor(ctx), id)
            .await
            .map_err(app)?;
        Ok(FundingOpportunity::of(found))
    }

    /// The funding feeds the Hub follows, with their health (coordinator).
    #[graphql(cache_control(private, no_cache), inaccessible)]
    async fn funding_sources(&self, ctx: &Context<'_>) -> ApiResult<Vec<FundingFeed>> {
        funding_sync::sources(hub(ctx), actor(ctx))
            .await
            .map(|list| list.into_iter().map(FundingFeed::from).collect())
            .map_err(app)
    }
}

/// A funding feed and its health.
#[derive(SimpleObject)]
pub struct FundingFeed {
    /// Id.
    pub id: ID,
    /// Feed URL.
    pub url: String,
    /// Funder.
    pub funder: String,
    /// Minutes between polls.
    pub interval_minutes: i32,
    /// Last success.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Last error (cleared by a success).
    pub last_error: Option<String>,
    /// Failures since the last success.
    pub consecutive_failures: i32,
    /// Items taken at the last good poll.
    pub item_count: i32,
    /// Items left out at the last good poll.
    pub rejected_count: i32,
    /// Why items were left out.
    pub issues: Vec<String>,
    /// Next poll.
    pub next_fetch_at: DateTime<Utc>,
}

impl From<FundingSource> for FundingFeed {
    fn from(s: FundingSource) -> Self {
        Self {
            id: ID(s.id.to_string()),
            url: s.url,
            funder: s.funder,
            interval_minutes: s.interval_minutes,
            last_success_at: s.last_success_at,
            last_error: s.last_error,
            consecutive_failures: s.consecutive_failures,
            item_count: s.item_count,
            rejected_count: s.rejected_count,
            issues: s
                .issues
                .map(|i| i.lines().map(str::to_owned).collect())
                .unwrap_or_default(),
            next_fetch_at: s.next_fetch_at,
        }
    }
}

/// A call posted by hand.
#[derive(InputObject)]
pub struct FundingOpportunityInput {
    /// Title.
    pub title: String,
    /// Who funds.
    pub funder: String,
    /// Summary.
    pub summary: Option<String>,
    /// Page of the call.
    pub url: Option<String>,
    /// Programme.
    pub programme: Option<String>,
    /// Status (default OPEN).
    pub status: Option<FundingStatus>,
    /// Deadline dates: one, or several rounds.
    pub deadlines: Option<Vec<NaiveDate>>,
    /// Applications any time.
    pub rolling: Option<bool>,
    /// Smallest grant.
    pub amount_min: Option<i64>,
    /// Largest grant.
    pub amount_max: Option<i64>,
    /// Currency (default EUR).
    pub currency: Option<String>,
    /// Area funded.
    pub region: Option<FundingRegion>,
    /// Who may apply.
    pub applicants: Option<Vec<LegalStatus>>,
    /// Topics.
    pub topics: Option<Vec<Topic>>,
}

/// Changes about funding.
#[derive(Default)]
pub struct FundingMutation;

#[Object]
impl FundingMutation {
    /// Posts a call by hand (editors for their organisation, the coordinator).
    async fn post_funding_opportunity(
        &self,
        ctx: &Context<'_>,
        input: FundingOpportunityInput,
    ) -> ApiResult<FundingOpportunity> {
        let o = OpportunityInput {
            title: input.title,
            summary: input.summary,
            url: input.url,
            funder: input.funder,
            programme: input.programme,
            status: input.status.map(|s| {
                netzwerk_domain::funding::FundingStatus::from(s)
                    .as_str()
                    .to_owned()
            }),
            deadlines: input.deadlines.unwrap_or_default(),
            rolling: input.rolling.unwrap_or(false),
            amount_min: input.amount_min,
            amount_max: input.amount_max,
            currency: input.currency,
            region: input.region.map(|r| DRegion::from(r).as_str().to_owned()),
            applicants: input
                .applicants
                .unwrap_or_default()
                .into_iter()
                .map(|l| {
                    netzwerk_domain::organisation::LegalStatus::from(l)
                        .as_str()
                        .to_owned()
                })
                .collect(),
            topics: input
                .topics
                .unwrap_or_default()
                .into_iter()
                .map(|t| {
                    netzwerk_domain::organisation::Topic::from(t)
                        .as_str()
                        .to_owned()
                })
                .collect(),
        };
        let found = funding_app::post(hub(ctx), actor(ctx), o)
            .await
            .map_err(app)?;
        Ok(FundingOpportunity::of(found))
    }

    /// Subscribes to the weekly funding digest (anyone): for an organisation's matches,
    /// or a person's topics. A confirmation e-mail goes to the address first.
    async fn subscribe_funding_digest(
        &self,
        ctx: &Context<'_>,
        email: String,
        name: String,
        #[graphql(desc = "Match for this organisation (id or slug).")] organisation: Option<String>,
        topics: Option<Vec<Topic>>,
        #[graphql(desc = "Language, ISO 639-1 (default de).")] language: Option<String>,
    ) -> ApiResult<DigestSubscription> {
        let cmd = funding_app::Subscribe {
            email,
            name,
            organisation,
            topics: topics.as_deref().map(into_domain).unwrap_or_default(),
            language,
            client: viewer(ctx).client.clone(),
        };
        funding_app::subscribe(hub(ctx), cmd)
            .await
            .map(DigestSubscription::from)
            .map_err(app)
    }

    /// Confirms a digest subscription with the token from the e-mail (double opt-in).
    async fn confirm_funding_digest(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> ApiResult<DigestSubscription> {
        funding_app::confirm(hub(ctx), &token)
            .await
            .map(DigestSubscription::from)
            .map_err(app)
    }

    /// Ends a subscription with the token from any digest's unsubscribe link; the
    /// subscription is deleted. `false`: it was gone already.
    async fn unsubscribe_funding_digest(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> ApiResult<bool> {
        funding_app::unsubscribe(hub(ctx), &token)
            .await
            .map_err(app)
    }

    /// Follows a funding feed (coordinator).
    #[graphql(inaccessible)]
    async fn add_funding_source(
        &self,
        ctx: &Context<'_>,
        url: String,
        #[graphql(desc = "Who funds (default: the feed's host name).")] funder: Option<String>,
        #[graphql(
            desc = "Minutes between polls, 5 to 10080 (default: funding.default_interval_minutes, 360)."
        )]
        interval_minutes: Option<i32>,
        topics: Option<Vec<Topic>>,
        region: Option<FundingRegion>,
    ) -> ApiResult<FundingFeed> {
        let cmd = funding_sync::Follow {
            url,
            funder,
            interval_minutes: interval_minutes.map(i64::from),
            topics: topics.as_deref().map(into_domain).unwrap_or_default(),
            region: region.map(Into::into),
        };
        funding_sync::follow(hub(ctx), actor(ctx), cmd)
            .await
            .map(Into::into)
            .map_err(app)
    }
}

/// A digest subscription as its owner sees it.
#[derive(SimpleObject)]
pub struct DigestSubscription {
    /// Id.
    pub id: ID,
    /// Address.
    pub email: String,
    /// Confirmed by the e-mail link.
    pub confirmed: bool,
    /// Matched for this organisation.
    pub organisation_id: Option<ID>,
}

impl From<Subscription> for DigestSubscription {
    fn from(s: Subscription) -> Self {
        Self {
            id: ID(s.id.to_string()),
            email: s.email,
            confirmed: s.confirmed,
            organisation_id: s.organisation_id.map(|o| ID(o.to_string())),
        }
    }
}
