//! `netzwerk funding`: funding feeds — follow, poll, list, read a file.

use crate::output::out;
use netzwerk_app::funding_sync::{self, Follow};
use netzwerk_domain::access::Actor;
use netzwerk_domain::funding::FundingRegion;
use netzwerk_domain::organisation::Topic;
use netzwerk_domain::redact::Redacted;

use crate::Ctx;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Follow a funding feed (RSS 2.0, Atom 1.0, JSON Feed 1.1 or an iCalendar of deadlines).
    AddSource {
        /// The feed's http(s) URL.
        url: String,
        /// Who funds (default: the feed's host name).
        #[arg(long, value_name = "NAME")]
        funder: Option<String>,
        /// Minutes between polls (default: funding.default_interval_minutes).
        #[arg(long, value_name = "MINUTES")]
        interval: Option<u32>,
        /// A topic every item gets (repeatable), e.g. youth.
        #[arg(long = "topic", value_name = "TOPIC")]
        topics: Vec<String>,
        /// The area funded when an item names none: treptow_koepenick, berlin, federal, eu.
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
    },
    /// Poll every funding feed that is due, once (`serve` does this in the background).
    Poll {
        /// Poll every feed now, due or not.
        #[arg(long)]
        all: bool,
    },
    /// List the funding feeds with their health.
    Sources,
    /// Read a feed file without storing anything; prints the normalised items as JSON.
    Parse {
        /// The feed file.
        file: std::path::PathBuf,
        /// Funder to assume.
        #[arg(long, value_name = "NAME", default_value = "unknown")]
        funder: String,
    },
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<()> {
    if let Command::Parse { file, funder } = &cmd {
        // Reading a feed file needs no database.
        let hub = ctx.open()?;
        let (items, issues) = funding_sync::preview_file(&hub, file, Some(funder.clone()))?;
        let out: Vec<serde_json::Value> = items
            .iter()
            .map(|p| {
                let (raw, o) = (&p.raw, &p.item.opportunity);
                serde_json::json!({
                    "guid": raw.guid,
                    "title": raw.title,
                    "link": raw.link,
                    "published": raw.published.map(|t| t.to_rfc3339()),
                    "updated": raw.updated.map(|t| t.to_rfc3339()),
                    "deadlines": o.deadline.all_dates().iter().map(ToString::to_string).collect::<Vec<_>>(),
                    "deadlineKind": o.deadline.kind().as_str(),
                    "amountMin": o.amount.as_ref().and_then(|a| a.min),
                    "amountMax": o.amount.as_ref().and_then(|a| a.max),
                    "topics": o.topics.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                    "region": o.region.map(|r| r.as_str()),
                })
            })
            .collect();
        out!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "items": out, "issues": issues }))?
        );
        return Ok(());
    }
    let hub = ctx.hub()?;
    match cmd {
        Command::AddSource {
            url,
            funder,
            interval,
            topics,
            region,
        } => {
            let topics = topics
                .iter()
                .map(|t| Topic::parse(t).map_err(|e| e.within("topics")))
                .collect::<Result<Vec<_>, _>>()?;
            let region = region
                .map(|r| FundingRegion::parse(&r).map_err(|e| e.within("region")))
                .transpose()?;
            let cmd = Follow {
                url,
                funder,
                interval_minutes: interval.map(i64::from),
                topics,
                region,
            };
            let s = ctx.block_on(funding_sync::follow(&hub, Actor::Operator, cmd))??;
            out!(
                "following {} ({}) every {} min as {}",
                Redacted(&s.url),
                s.funder,
                s.interval_minutes,
                s.id
            );
        }
        Command::Poll { all } => {
            let round = ctx.block_on(funding_sync::poll_due(&hub, all))??;
            out!(
                "polled {} feeds: {} not modified, {} failed",
                round.polled,
                round.not_modified,
                round.errors.len()
            );
            for (url, report) in &round.synced {
                out!(
                    "{url}: {}; {} taken, {} left out",
                    report.ingest,
                    report.health.taken,
                    report.health.rejected
                );
                for issue in &report.health.issues {
                    out!("  {issue}");
                }
            }
            for (url, e) in &round.errors {
                out!("{url}: failed: {e}");
            }
        }
        Command::Sources => {
            for s in ctx.block_on(funding_sync::sources(&hub, Actor::Operator))?? {
                let health = crate::shown_health(
                    netzwerk_app::feeds::health(
                        s.last_error.as_deref(),
                        s.last_success_at,
                        s.consecutive_failures,
                    ),
                    &format!("{} items, {} left out", s.item_count, s.rejected_count),
                );
                out!(
                    "{}  {}  {}  every {} min  next {}  {}",
                    s.id,
                    Redacted(&s.url),
                    s.funder,
                    s.interval_minutes,
                    s.next_fetch_at,
                    health
                );
            }
        }
        Command::Parse { .. } => {}
    }
    Ok(())
}
