//! Deleting what the Hub must not keep: guests' personal data once their meeting is
//! long enough past, digest and newsletter subscriptions never confirmed, rate-limit
//! windows that ended. One job, run hourly by `serve`; guests' data also on demand.

use chrono::Utc;
use netzwerk_domain::access::Actor;
use netzwerk_storage::guests::{self, Purged};
use netzwerk_storage::{funding, rate_limits};

use crate::Hub;
use crate::digest::UNCONFIRMED_HOURS;
use crate::error::Result;

/// Deletes the data of guests of meetings that ended more than `days` ago (default:
/// `meetings.guest_retention_days`): requests, invitations, e-mails to them.
pub async fn purge_guests(hub: &Hub, actor: Actor, days: Option<u32>) -> Result<(u32, Purged)> {
    actor.may_administer()?;
    let days = days.unwrap_or(hub.settings().meetings.retention_days);
    let purged = hub
        .transact(move |c| {
            actor.may_administer()?;
            Ok(guests::purge(c, days, Utc::now())?)
        })
        .await?;
    Ok((days, purged))
}

/// The hourly job: every kind of expired data; a failure of one kind is logged and the
/// others still run.
pub async fn run(hub: &Hub) {
    let db = hub.database();
    if let Err(e) = db
        .write(|c| funding::purge_unconfirmed(c, Utc::now(), UNCONFIRMED_HOURS))
        .await
    {
        tracing::warn!(error = %e, "deleting unconfirmed subscriptions failed");
    }
    if let Err(e) = db
        .write(|c| {
            netzwerk_storage::subscribers::purge_unconfirmed(
                c,
                Utc::now(),
                crate::newsletter::subscribers::UNCONFIRMED_HOURS,
            )
        })
        .await
    {
        tracing::warn!(error = %e, "deleting unconfirmed newsletter subscriptions failed");
    }
    // Rate-limit windows (sign-in attempts and the like) that ended a day ago or more.
    if let Err(e) = db
        .write(|c| rate_limits::purge(c, netzwerk_storage::now() - chrono::Duration::days(1)))
        .await
    {
        tracing::warn!(error = %e, "deleting old rate-limit windows failed");
    }
    match purge_guests(hub, Actor::Operator, None).await {
        Ok((_, p)) if p.requests > 0 => {
            tracing::info!(requests = p.requests, "deleted guests' data");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "deleting guests' data failed"),
    }
}
