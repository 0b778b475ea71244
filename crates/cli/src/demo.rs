//! `netzwerk demo`: the demo network, or a large synthetic one for benchmarks.

use crate::output::out;
use netzwerk_app::demo::{self, DemoSummary};

use crate::Ctx;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Generate this many synthetic organisations instead of the demo network (e.g. 10000).
    #[arg(long, value_name = "ORGANISATIONS")]
    scale: Option<usize>,
    /// Services per synthetic organisation.
    #[arg(long, default_value_t = 5, requires = "scale")]
    services_per_organisation: usize,
    /// Events per synthetic organisation (every fourth a weekly series).
    #[arg(long, default_value_t = 20, requires = "scale")]
    events_per_organisation: usize,
    /// Seed of the synthetic network, for reproducible benchmarks.
    #[arg(long, default_value_t = 2001, requires = "scale")]
    seed: u64,
    /// Load the directory only (organisations, services, contacts, accounts, funding
    /// calls): no representatives, meeting, guest requests or followed feeds.
    #[arg(long, conflicts_with = "scale")]
    directory_only: bool,
}

pub(crate) fn run(ctx: &Ctx, args: &Args) -> anyhow::Result<()> {
    let hub = ctx.open()?;
    // A fresh database is empty by definition: it is set up instead of refused.
    hub.ensure_ready(true)?;
    let Some(n) = args.scale else {
        print_summary(&demo::load(&hub, !args.directory_only)?)?;
        index(ctx, &hub)?;
        return Ok(());
    };
    let started = std::time::Instant::now();
    let made = demo::generate_synthetic(
        &hub,
        n,
        args.services_per_organisation,
        args.events_per_organisation,
        args.seed,
        &mut progress_bar(n),
    )?;
    out!(
        "generated {made} organisations with {} services and {} events in {:.1} s",
        made * args.services_per_organisation,
        made * args.events_per_organisation,
        started.elapsed().as_secs_f64()
    );
    index(ctx, &hub)
}

/// Builds the occurrence index over what was loaded, as `serve` would at start.
fn index(ctx: &Ctx, hub: &netzwerk_app::Hub) -> anyhow::Result<()> {
    let done = ctx.block_on(netzwerk_app::events::maintain_occurrence_index(hub))??;
    out!("{}", crate::calendar::index_report(&done));
    Ok(())
}

/// What the demo loaded and how to sign in.
pub(crate) fn print_summary(sum: &DemoSummary) -> anyhow::Result<()> {
    out!(
        "loaded the demo network: {} organisations, {} locations, {} services, {} contact persons, {} accounts, {} funding calls, {} news items, {} newsletter subscribers",
        sum.organisations,
        sum.locations,
        sum.services,
        sum.contacts,
        sum.users,
        sum.funding,
        sum.news,
        sum.subscribers
    );
    out!(
        "and the meeting cycle: {} representatives, {} meetings (the next with a host, {} agenda items and {} guest requests), {} followed feeds",
        sum.representatives,
        sum.meetings,
        sum.agenda_items,
        sum.guest_requests,
        sum.feeds
    );
    out!(
        "sign in as coordinator {} / {}, or as an editor redaktion@<slug>.example / {}",
        demo::COORDINATOR_EMAIL,
        demo::COORDINATOR_PASSWORD,
        demo::EDITOR_PASSWORD
    );
    Ok(())
}

/// A progress bar on a terminal, nothing elsewhere; told how many organisations are done.
fn progress_bar(total: usize) -> impl FnMut(usize) {
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let b = indicatif::ProgressBar::new(total as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} organisations, {eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    move |done| {
        bar.set_position(done as u64);
        if done >= total {
            bar.finish_and_clear();
        }
    }
}
