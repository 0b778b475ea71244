//! `netzwerk meetings`: housekeeping of network meetings.

use crate::output::out;
use netzwerk_app::retention;
use netzwerk_domain::access::Actor;

use crate::Ctx;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Delete guests' personal data of meetings that ended more than
    /// `meetings.guest_retention_days` ago (`serve` does this every hour).
    PurgeGuests {
        /// Days after the meeting (default: meetings.guest_retention_days).
        #[arg(long)]
        days: Option<u32>,
    },
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<()> {
    let Command::PurgeGuests { days } = cmd;
    let hub = ctx.hub()?;
    let (days, p) = ctx.block_on(retention::purge_guests(&hub, Actor::Operator, days))??;
    out!(
        "deleted {} guest requests, {} guest invitations, {} e-mails to guests (meetings ended more than {days} days ago)",
        p.requests,
        p.invitations,
        p.messages
    );
    Ok(())
}
