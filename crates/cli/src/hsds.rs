//! `netzwerk hsds`: other directories followed through HSDS 3.0 — follow, poll, list.

use netzwerk_app::hsds::sync;
use netzwerk_domain::access::Actor;
use netzwerk_domain::redact::Redacted;

use crate::Ctx;
use crate::output::out;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Follow another directory's HSDS 3.0 API or data package: its organisations,
    /// services and locations are listed in the Hub (never as members) and kept in step.
    AddSource {
        /// The API's base URL, where /organizations and /services are, or the data
        /// package's datapackage.json.
        url: String,
        /// Minutes between polls (default: hsds.default_interval_minutes).
        #[arg(long, value_name = "MINUTES")]
        interval: Option<u32>,
    },
    /// Poll every HSDS source that is due, once (`serve` does this in the background).
    Poll {
        /// Poll every source now, due or not.
        #[arg(long)]
        all: bool,
    },
    /// List the HSDS sources with their health.
    Sources,
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<()> {
    let hub = ctx.hub()?;
    match cmd {
        Command::AddSource { url, interval } => {
            let s = ctx.block_on(sync::follow(
                &hub,
                Actor::Operator,
                &url,
                interval.map(i64::from),
            ))??;
            out!(
                "following {} every {} min as {}",
                Redacted(&s.url),
                s.interval_minutes,
                s.id
            );
        }
        Command::Poll { all } => {
            let round = ctx.block_on(sync::poll_due(&hub, all))??;
            out!(
                "polled {} HSDS source(s): {} synced, {} failed",
                round.polled,
                round.synced.len(),
                round.errors.len()
            );
            for (url, report) in &round.synced {
                out!("{url}: {report}");
                for issue in &report.rejected {
                    out!("  left out: {issue}");
                }
            }
            for (url, e) in &round.errors {
                out!("{url}: failed, nothing changed: {e}");
            }
        }
        Command::Sources => {
            for s in ctx.block_on(sync::sources(&hub, Actor::Operator))?? {
                let health = crate::shown_health(
                    netzwerk_app::feeds::health(
                        s.last_error.as_deref(),
                        s.last_success_at,
                        s.consecutive_failures,
                    ),
                    &format!(
                        "{} organisations, {} locations, {} services, {} left out",
                        s.counts.organisations,
                        s.counts.locations,
                        s.counts.services,
                        s.rejected_count
                    ),
                );
                out!(
                    "{}  {}  every {} min  next {}  {}",
                    s.id,
                    Redacted(&s.url),
                    s.interval_minutes,
                    s.next_fetch_at,
                    health
                );
            }
        }
    }
    Ok(())
}
