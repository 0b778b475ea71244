//! `netzwerk migrate`: apply, show or revert the database migrations.

use crate::Ctx;
use crate::output::out;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Only show applied and pending migrations.
    #[arg(long, conflicts_with = "revert_all")]
    status: bool,
    /// Revert every migration (deletes all data).
    #[arg(long)]
    revert_all: bool,
}

pub(crate) fn run(ctx: &Ctx, args: &Args) -> anyhow::Result<()> {
    let hub = ctx.open()?;
    if args.status {
        for m in hub.applied_migrations()? {
            out!("applied  {m}");
        }
        for m in hub.pending_migrations()? {
            out!("pending  {m}");
        }
        return Ok(());
    }
    if args.revert_all {
        let reverted = hub.revert_all()?;
        out!("reverted {} migration(s)", reverted.len());
        return Ok(());
    }
    let applied = hub.migrate()?;
    if applied.is_empty() {
        out!("the database is up to date");
    }
    for m in &applied {
        out!("applied  {m}");
    }
    Ok(())
}
