//! Other directories followed through HSDS 3.0, as the coordinator sees them: the
//! sources with their health (as calendar and funding feeds show theirs), and
//! following a new one. The records they bring are ordinary directory records
//! (organisations `LISTED`).

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use netzwerk_app::hsds::sync::{self, HsdsSource};

use super::context::{actor, hub};
use super::error::{ApiResult, app};

/// Queries about HSDS sources.
#[derive(Default)]
pub struct HsdsQuery;

#[Object]
impl HsdsQuery {
    /// The directories the Hub follows through HSDS, with their health (coordinator).
    #[graphql(cache_control(private, no_cache), inaccessible)]
    async fn hsds_sources(&self, ctx: &Context<'_>) -> ApiResult<Vec<HsdsFeed>> {
        sync::sources(hub(ctx), actor(ctx))
            .await
            .map(|list| list.into_iter().map(HsdsFeed::from).collect())
            .map_err(app)
    }
}

/// Changes to HSDS sources.
#[derive(Default)]
pub struct HsdsMutation;

#[Object]
impl HsdsMutation {
    /// Follows another directory's HSDS 3.0 API or data package (coordinator): its organisations,
    /// services and locations are listed in the directory, never as members.
    #[graphql(inaccessible)]
    async fn add_hsds_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The API's base URL, where /organizations and /services are, or a data package's datapackage.json."
        )]
        url: String,
        #[graphql(
            desc = "Minutes between polls, 5 to 10080 (default: hsds.default_interval_minutes, 360)."
        )]
        interval_minutes: Option<i32>,
    ) -> ApiResult<HsdsFeed> {
        sync::follow(hub(ctx), actor(ctx), &url, interval_minutes.map(i64::from))
            .await
            .map(Into::into)
            .map_err(app)
    }
}

/// A directory followed through HSDS, and its health.
#[derive(SimpleObject)]
pub struct HsdsFeed {
    /// Id.
    pub id: ID,
    /// The API's base URL.
    pub url: String,
    /// Minutes between polls.
    pub interval_minutes: i32,
    /// Next poll.
    pub next_fetch_at: DateTime<Utc>,
    /// Last successful read.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Last error, if the last read failed (then nothing was changed).
    pub last_error: Option<String>,
    /// Failures in a row.
    pub consecutive_failures: i32,
    /// Its organisations in the directory.
    pub organisation_count: i32,
    /// Its locations in the directory.
    pub location_count: i32,
    /// Its services in the directory.
    pub service_count: i32,
    /// Records left out at the last good read.
    pub rejected_count: i32,
    /// Why they were left out.
    pub issues: Vec<String>,
}

impl From<HsdsSource> for HsdsFeed {
    fn from(s: HsdsSource) -> Self {
        Self {
            id: ID(s.id.to_string()),
            url: s.url,
            interval_minutes: s.interval_minutes,
            next_fetch_at: s.next_fetch_at,
            last_success_at: s.last_success_at,
            last_error: s.last_error,
            consecutive_failures: s.consecutive_failures,
            organisation_count: s.counts.organisations,
            location_count: s.counts.locations,
            service_count: s.counts.services,
            rejected_count: s.rejected_count,
            issues: s
                .issues
                .map(|i| i.lines().map(str::to_owned).collect())
                .unwrap_or_default(),
        }
    }
}
