//! The background jobs `serve` runs beside the API, each the same function the command
//! line runs once: calendar, funding feed and HSDS source polling, outbox delivery, weekly digests,
//! scheduled newsletter issues, the occurrence index, retention. Every
//! job claims its work through the database (feeds and messages by lease), so several
//! replicas share it without doing anything twice; a failed round is logged and the
//! next one comes at its time.

use std::time::Duration;

use netzwerk_domain::access::Actor;
use tokio::task::JoinHandle;

use crate::Hub;
use crate::mail::Mailer;

/// Connections the background jobs get: a pool of their own, so they never take
/// connections from requests.
pub const CONNECTIONS: u32 = 2;
/// How often due calendar feeds are looked for.
pub const CALENDARS_EVERY: Duration = Duration::from_secs(30);
/// How often due funding feeds are looked for.
pub const FUNDING_EVERY: Duration = Duration::from_secs(60);
/// How often due HSDS sources are looked for.
pub const HSDS_EVERY: Duration = Duration::from_secs(60);
/// How often due weekly digests are looked for.
pub const DIGESTS_EVERY: Duration = Duration::from_secs(3600);
/// How often scheduled newsletter issues are looked for.
pub const NEWSLETTERS_EVERY: Duration = Duration::from_secs(30);
/// How often the occurrence index is moved on (it moves once a day; an hour keeps it
/// at most an hour late after midnight UTC).
pub const OCCURRENCES_EVERY: Duration = Duration::from_secs(3600);

/// How often the search index drops the words no service uses any more (and is built
/// again if the key rules changed).
pub const SEARCH_INDEX_EVERY: Duration = Duration::from_secs(3600);
/// How often expired data is deleted.
pub const RETENTION_EVERY: Duration = Duration::from_secs(3600);
/// How often the partner keys' counted requests are stored, unless configured.
pub const USAGE_EVERY: Duration = Duration::from_secs(60);

/// Which jobs the operator switched on.
pub struct Jobs {
    /// Poll calendar feeds.
    pub calendars: bool,
    /// Poll funding feeds.
    pub funding: bool,
    /// Poll the directories followed through HSDS.
    pub hsds: bool,
    /// Deliver the outbox through this mailer, this often (at least every second).
    pub mail: Option<(Mailer, Duration)>,
    /// Queue the weekly digests, rendered through the Hub's own API.
    pub digests: Option<std::sync::Arc<dyn crate::OwnApi>>,
    /// Send the scheduled newsletter issues whose time has come, composed through the
    /// Hub's own API.
    pub newsletters: Option<std::sync::Arc<dyn crate::OwnApi>>,
}

/// Which jobs run, and how often.
#[derive(Clone)]
pub struct Schedule {
    /// Poll calendar feeds that are due, this often.
    pub calendars: Option<Duration>,
    /// Poll funding feeds that are due, this often.
    pub funding: Option<Duration>,
    /// Poll HSDS sources that are due, this often.
    pub hsds: Option<Duration>,
    /// Deliver the outbox through this mailer, this often.
    pub mail: Option<(Mailer, Duration)>,
    /// Queue the weekly digests that are due, rendered through the Hub's own API,
    /// this often.
    pub digests: Option<(std::sync::Arc<dyn crate::OwnApi>, Duration)>,
    /// Send the scheduled newsletter issues that are due, this often.
    pub newsletters: Option<(std::sync::Arc<dyn crate::OwnApi>, Duration)>,
    /// Delete expired data, this often.
    pub retention: Duration,
    /// Store the partner keys' counted requests, this often.
    pub usage: Duration,
}

impl Schedule {
    /// The schedule of the jobs switched on, at the Hub's intervals; retention always
    /// runs.
    pub fn new(jobs: Jobs) -> Self {
        Self {
            calendars: jobs.calendars.then_some(CALENDARS_EVERY),
            funding: jobs.funding.then_some(FUNDING_EVERY),
            hsds: jobs.hsds.then_some(HSDS_EVERY),
            mail: jobs
                .mail
                .map(|(mailer, every)| (mailer, every.max(Duration::from_secs(1)))),
            digests: jobs.digests.map(|api| (api, DIGESTS_EVERY)),
            newsletters: jobs.newsletters.map(|api| (api, NEWSLETTERS_EVERY)),
            retention: RETENTION_EVERY,
            usage: USAGE_EVERY,
        }
    }
}

/// Starts the scheduled jobs on the current runtime; each runs until the runtime ends.
pub fn spawn(hub: &Hub, schedule: Schedule) -> Vec<JoinHandle<()>> {
    let mut handles = Vec::new();
    if let Some(every) = schedule.calendars {
        let hub = hub.clone();
        handles.push(every_so_often(every, move || {
            let hub = hub.clone();
            async move {
                if let Err(e) = crate::calendar_sync::poll_due(&hub, false).await {
                    tracing::warn!(error = %e, "calendar polling failed");
                }
            }
        }));
    }
    if let Some(every) = schedule.funding {
        let hub = hub.clone();
        handles.push(every_so_often(every, move || {
            let hub = hub.clone();
            async move {
                if let Err(e) = crate::funding_sync::poll_due(&hub, false).await {
                    tracing::warn!(error = %e, "funding polling failed");
                }
            }
        }));
    }
    if let Some(every) = schedule.hsds {
        let hub = hub.clone();
        handles.push(every_so_often(every, move || {
            let hub = hub.clone();
            async move {
                if let Err(e) = crate::hsds::sync::poll_due(&hub, false).await {
                    tracing::warn!(error = %e, "HSDS polling failed");
                }
            }
        }));
    }
    if let Some((mailer, every)) = schedule.mail {
        let hub = hub.clone();
        handles.push(every_so_often(every, move || {
            let (hub, mailer) = (hub.clone(), mailer.clone());
            async move {
                if let Err(e) = crate::outbox::deliver(&hub, Actor::Operator, &mailer, false).await
                {
                    tracing::warn!(error = %e, "delivering the outbox failed");
                }
            }
        }));
    }
    if let Some((api, every)) = schedule.digests {
        let hub = hub.clone();
        handles.push(every_so_often(every, move || {
            let (hub, api) = (hub.clone(), api.clone());
            async move {
                match crate::digest::send_due(api.as_ref(), &hub, false).await {
                    Ok(round) if !round.prepared.is_empty() => {
                        tracing::info!(queued = round.prepared.len(), "weekly digests queued");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "sending digests failed"),
                }
            }
        }));
    }
    if let Some((api, every)) = schedule.newsletters {
        let hub = hub.clone();
        handles.push(every_so_often(every, move || {
            let (hub, api) = (hub.clone(), api.clone());
            async move {
                if let Err(e) = crate::newsletter::sending::dispatch_due(api.as_ref(), &hub).await {
                    tracing::warn!(error = %e, "sending scheduled newsletter issues failed");
                }
            }
        }));
    }
    let counting = hub.clone();
    handles.push(every_so_often(schedule.usage, move || {
        let hub = counting.clone();
        async move {
            if let Err(e) = crate::api_keys::flush_usage(&hub).await {
                tracing::warn!(error = %e, "storing the keys' usage failed");
            }
        }
    }));
    let indexing = hub.clone();
    handles.push(every_so_often(OCCURRENCES_EVERY, move || {
        let hub = indexing.clone();
        async move {
            match crate::events::maintain_occurrence_index(&hub).await {
                Ok(netzwerk_storage::occurrences::Maintained::Current(_)) => {}
                Ok(done) => tracing::info!(?done, "occurrence index maintained"),
                Err(e) => tracing::warn!(error = %e, "maintaining the occurrence index failed"),
            }
        }
    }));
    let searching = hub.clone();
    handles.push(every_so_often(SEARCH_INDEX_EVERY, move || {
        let hub = searching.clone();
        async move {
            match crate::directory::maintain_search_index(&hub).await {
                Ok(netzwerk_storage::search::Maintained::Current { removed: 0 }) => {}
                Ok(done) => tracing::info!(?done, "search index maintained"),
                Err(e) => tracing::warn!(error = %e, "maintaining the search index failed"),
            }
        }
    }));
    let hub = hub.clone();
    handles.push(every_so_often(schedule.retention, move || {
        let hub = hub.clone();
        async move { crate::retention::run(&hub).await }
    }));
    handles
}

/// Runs `round` at once and then every `every`; a round that overruns delays the next.
fn every_so_often<F, Fut>(every: Duration, round: F) -> JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every.max(Duration::from_secs(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            round().await;
        }
    })
}
