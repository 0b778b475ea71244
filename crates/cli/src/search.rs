//! `netzwerk search`: the services' search index.

use netzwerk_app::directory::{SearchMaintained, maintain_search_index};

use crate::Ctx;
use crate::output::out;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Build the search index if it is not built for this version's key rules, else
    /// remove the words no service uses any more (what `serve` does at start and
    /// hourly).
    Index,
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<()> {
    let hub = ctx.open()?;
    match cmd {
        Command::Index => {
            let done = ctx.block_on(maintain_search_index(&hub))??;
            out!("{}", report(&done));
        }
    }
    Ok(())
}

/// One line on what the upkeep did.
pub(crate) fn report(done: &SearchMaintained) -> String {
    match done {
        SearchMaintained::Current { removed } => {
            format!("search index current; {removed} unused words removed")
        }
        SearchMaintained::Built { services } => {
            format!("search index built over {services} services")
        }
    }
}
