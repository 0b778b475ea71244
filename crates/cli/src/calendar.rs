//! `netzwerk calendar`: members' calendars — import, check, follow, poll.

use crate::output::out;
use netzwerk_app::calendar_sync::{self, CalendarSourceRef, Follow, Import};
use netzwerk_app::directory::OrganisationKey;
use netzwerk_domain::access::Actor;
use netzwerk_domain::poll::PollInterval;
use netzwerk_domain::redact::Redacted;
use netzwerk_domain::url::HttpUrl;

use crate::Ctx;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Import an iCalendar file or URL once for an organisation; prints what changed.
    Import {
        /// The organisation's slug.
        #[arg(long, value_name = "SLUG")]
        organisation: String,
        /// A file path or an http(s) URL.
        #[arg(value_name = "FILE_OR_URL")]
        source: String,
    },
    /// Follow an organisation's iCalendar feed; `serve` and `calendar poll` keep it in sync.
    AddSource {
        /// The organisation's slug.
        #[arg(long, value_name = "SLUG")]
        organisation: String,
        /// The feed's http(s) URL.
        url: String,
        /// Minutes between polls (default: calendar.default_interval_minutes).
        #[arg(long, value_name = "MINUTES")]
        interval: Option<u32>,
    },
    /// Read an iCalendar file or URL without storing anything: what would be taken,
    /// and every line that could not be used.
    Check {
        /// A file path or an http(s) URL.
        #[arg(value_name = "FILE_OR_URL")]
        source: String,
    },
    /// Poll every feed that is due, once.
    Poll {
        /// Poll every feed now, due or not.
        #[arg(long)]
        all: bool,
    },
    /// Build the occurrence index, or move it on to the configured days around today
    /// (`serve` does this at start and hourly); prints what it did.
    Index,
    /// List an organisation's feeds with their health.
    Sources {
        /// The organisation's slug.
        #[arg(long, value_name = "SLUG")]
        organisation: String,
    },
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<()> {
    if let Command::Check { source } = &cmd {
        // Reading a calendar needs no database.
        let source = CalendarSourceRef::parse(source)?;
        let hub = ctx.open()?;
        let checked = ctx.block_on(calendar_sync::check(&hub, &source))??;
        let parsed = &checked.parsed;
        out!(
            "parsed {} events ({} recurring), {} issues, in {:.3} s",
            parsed.events.len(),
            checked.recurring,
            parsed.issues.len(),
            checked.seconds
        );
        for issue in &parsed.issues {
            out!("line {}: {}", issue.line, issue.reason);
        }
        return Ok(());
    }
    let hub = ctx.hub()?;
    match cmd {
        Command::Import {
            organisation,
            source,
        } => {
            let cmd = Import {
                organisation: OrganisationKey::Slug(organisation),
                source: CalendarSourceRef::parse(&source)?,
            };
            let started = std::time::Instant::now();
            let report = ctx.block_on(calendar_sync::import(&hub, Actor::Operator, cmd))??;
            out!("{report}");
            eprintln!("(took {:.2} s)", started.elapsed().as_secs_f64());
            for issue in &report.issues {
                out!("line {}: {}", issue.line, issue.reason);
            }
            if !report.complete {
                out!("the calendar was not read completely, so no event was removed");
            }
        }
        Command::AddSource {
            organisation,
            url,
            interval,
        } => {
            let cmd = Follow {
                organisation: OrganisationKey::Slug(organisation),
                url: HttpUrl::parse(&url).map_err(|e| e.within("url"))?,
                interval: interval
                    .map(|m| PollInterval::parse(i64::from(m)))
                    .transpose()
                    .map_err(|e| e.within("intervalMinutes"))?,
            };
            let s = ctx.block_on(calendar_sync::follow(&hub, Actor::Operator, cmd))??;
            out!(
                "following {} every {} minutes ({})",
                Redacted(&s.url),
                s.interval_minutes,
                s.id
            );
        }
        Command::Index => {
            let done = ctx.block_on(netzwerk_app::events::maintain_occurrence_index(&hub))??;
            out!("{}", index_report(&done));
        }
        Command::Poll { all } => {
            let round = ctx.block_on(calendar_sync::poll_due(&hub, all))??;
            out!(
                "polled {} feed(s): {} not modified, {} synced, {} failed",
                round.polled,
                round.not_modified,
                round.synced.len(),
                round.errors.len()
            );
            for (url, report) in &round.synced {
                out!("{url}: {report}");
                for issue in &report.issues {
                    out!("  line {}: {}", issue.line, issue.reason);
                }
            }
            for (url, error) in &round.errors {
                out!("{url}: failed: {error}");
            }
        }
        Command::Sources { organisation } => {
            let feeds = ctx.block_on(calendar_sync::feeds_of(
                &hub,
                Actor::Operator,
                OrganisationKey::Slug(organisation),
            ))??;
            for s in feeds {
                let health = crate::shown_health(
                    netzwerk_app::feeds::health(
                        s.last_error.as_deref(),
                        s.last_success_at,
                        s.consecutive_failures,
                    ),
                    &format!("{} events, {} rejected", s.event_count, s.rejected_count),
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
        Command::Check { .. } => {}
    }
    Ok(())
}

/// One line on what maintaining the occurrence index did.
pub(crate) fn index_report(done: &netzwerk_app::events::Maintained) -> String {
    use netzwerk_app::events::Maintained;
    let span = |h: &netzwerk_app::events::Horizon| {
        format!(
            "{} to {}",
            h.from.format("%Y-%m-%d"),
            h.until.format("%Y-%m-%d")
        )
    };
    match done {
        Maintained::Current(h) => format!("occurrence index current: {}", span(h)),
        Maintained::Moved { horizon, added } => {
            format!(
                "occurrence index moved on to {}: {added} occurrences added",
                span(horizon)
            )
        }
        Maintained::Built { horizon, stored } => {
            format!(
                "occurrence index built over {}: {stored} occurrences",
                span(horizon)
            )
        }
    }
}
