//! Members' calendar feeds as their editors and the coordinator see them.

use async_graphql::{Context, ID, SimpleObject};
use chrono::{DateTime, Utc};
use netzwerk_app::calendar_sync::CalendarSource;
use netzwerk_domain::ids::OrganisationId;

use super::context::loader;
use super::error::load_error;
use super::error::{ApiResult, denied};
use super::loaders::CalendarFeedsOf;

/// A followed calendar feed and its health.
#[derive(SimpleObject)]
pub struct CalendarFeed {
    /// Id.
    pub id: ID,
    /// The iCalendar URL.
    pub url: String,
    /// Minutes between polls.
    pub interval_minutes: i32,
    /// Next poll.
    pub next_fetch_at: DateTime<Utc>,
    /// Last successful sync.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Last error, if the last poll failed.
    pub last_error: Option<String>,
    /// Failures in a row.
    pub consecutive_failures: i32,
    /// Events taken at the last sync.
    pub event_count: i32,
    /// Events rejected at the last sync.
    pub rejected_count: i32,
}

impl From<CalendarSource> for CalendarFeed {
    fn from(s: CalendarSource) -> Self {
        Self {
            id: ID(s.id.to_string()),
            url: s.url,
            interval_minutes: s.interval_minutes,
            next_fetch_at: s.next_fetch_at,
            last_success_at: s.last_success_at,
            last_error: s.last_error,
            consecutive_failures: s.consecutive_failures,
            event_count: s.event_count,
            rejected_count: s.rejected_count,
        }
    }
}

/// An organisation's calendar feeds, for its editors and the coordinator; read for
/// every organisation of the request at once (the DataLoader).
pub(crate) async fn feeds_of(
    ctx: &Context<'_>,
    org: OrganisationId,
) -> ApiResult<Vec<CalendarFeed>> {
    match loader(ctx)
        .load_one(CalendarFeedsOf(org))
        .await
        .map_err(load_error)?
    {
        Some(Ok(list)) => Ok(list.into_iter().map(Into::into).collect()),
        Some(Err(d)) => Err(denied(d)),
        None => Ok(Vec::new()),
    }
}
