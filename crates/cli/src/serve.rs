//! `netzwerk serve`: the API and the background jobs beside it.

use std::time::Duration;

use anyhow::Context as _;
use netzwerk_app::jobs::{self, Jobs, Schedule};

use crate::Ctx;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Address and port to listen on (overrides server.listen).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<String>,
    /// On a fresh embedded (SQLite) database: migrate it and load the demo network first.
    #[arg(long)]
    demo: bool,
}

pub(crate) fn run(mut ctx: Ctx, args: Args) -> anyhow::Result<()> {
    if let Some(listen) = args.listen {
        ctx.settings.server.listen = listen;
    }
    let settings = &ctx.settings;
    settings.listen_addr()?;
    for warning in settings.deprecations() {
        tracing::warn!("{warning}");
    }
    // Requests' statements end with the request: PostgreSQL cancels a statement that
    // runs longer than the request may.
    let hub = ctx.open_with(&netzwerk_app::PoolSettings {
        statement_timeout: Some(settings.request_timeout()),
        ..settings.pool_settings()
    })?;
    if let Some(summary) = netzwerk_app::demo::prepare_to_serve(&hub, args.demo)? {
        crate::demo::print_summary(&summary)?;
    }
    // Background work gets a pool of its own: it never takes connections from
    // requests, and the statement counter (x-sql-statements) sees requests only.
    let background = hub.with_pool(
        &settings.database.url,
        &netzwerk_app::PoolSettings {
            max_connections: jobs::CONNECTIONS,
            ..settings.pool_settings()
        },
    )?;
    let own_api = || {
        let api: std::sync::Arc<dyn netzwerk_app::OwnApi> =
            std::sync::Arc::new(netzwerk_gateway::server::own_api(&background));
        api
    };
    let mut schedule = Schedule::new(Jobs {
        calendars: settings.calendar.poll,
        funding: settings.funding.poll,
        hsds: settings.hsds.poll,
        mail: if settings.mail.send {
            Some((
                netzwerk_app::mail::Mailer::new(&settings.mail)?,
                Duration::from_secs(settings.mail.poll_seconds),
            ))
        } else {
            None
        },
        digests: settings.funding.send_digests.then(own_api),
        newsletters: Some(own_api()),
    });
    schedule.usage = Duration::from_secs(settings.server.usage_flush_seconds);
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if settings.server.worker_threads > 0 {
        runtime.worker_threads(settings.server.worker_threads);
    }
    let runtime = runtime
        .enable_all()
        .build()
        .context("while starting the async runtime")?;
    runtime.block_on(async {
        // The occurrence index is built (or moved on) before the first request, so
        // windows near today are index reads from the start.
        match netzwerk_app::events::maintain_occurrence_index(&background).await {
            Ok(done) => tracing::info!("{}", crate::calendar::index_report(&done)),
            Err(e) => tracing::warn!(error = %e, "maintaining the occurrence index failed"),
        }
        // The search index is built if it is not, or again for new key rules.
        match netzwerk_app::directory::maintain_search_index(&background).await {
            Ok(done) => tracing::info!("{}", crate::search::report(&done)),
            Err(e) => tracing::warn!(error = %e, "maintaining the search index failed"),
        }
        match netzwerk_app::search_memory::refresh(&background).await {
            Ok(kept) => tracing::info!(?kept, "search postings in memory"),
            Err(e) => tracing::warn!(error = %e, "reading the search postings failed"),
        }
        let _jobs = jobs::spawn(&background, schedule);
        let served = netzwerk_gateway::server::serve(&hub, settings, shutdown_signal()).await;
        // What the partner keys used since the last round is stored before leaving.
        if let Err(e) = netzwerk_app::api_keys::flush_usage(&hub).await {
            tracing::warn!(error = %e, "storing the keys' usage at shutdown failed");
        }
        served
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
