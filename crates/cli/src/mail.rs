//! `netzwerk mail`: the e-mail outbox.

use crate::output::out;
use netzwerk_app::mail::Mailer;
use netzwerk_app::outbox;
use netzwerk_domain::access::Actor;

use crate::Ctx;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Queue a test message, to check the SMTP settings end to end.
    Test {
        /// Recipient address.
        #[arg(long)]
        to: String,
    },
    /// Deliver every message that is due, once (`serve` does this in the background).
    Send {
        /// Retry every queued message now, whatever its back-off.
        #[arg(long)]
        all: bool,
    },
    /// List messages with their state, newest first.
    List {
        /// Only this state: queued, sending, sent or failed.
        #[arg(long)]
        state: Option<String>,
    },
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<()> {
    let hub = ctx.hub()?;
    let mailer = Mailer::new(&ctx.settings.mail)?;
    match cmd {
        Command::Test { to } => {
            let (id, to) =
                ctx.block_on(outbox::queue_test(&hub, Actor::Operator, &mailer, &to))??;
            out!("queued test message {id} to {to}");
        }
        Command::Send { all } => {
            let s = ctx.block_on(outbox::deliver(&hub, Actor::Operator, &mailer, all))??;
            out!(
                "sent {}, retrying {}, failed {}",
                s.sent,
                s.retrying,
                s.failed
            );
            for (to, e) in &s.errors {
                out!("{to}: {e}");
            }
        }
        Command::List { state } => {
            let state = state.as_deref().map(outbox::state).transpose()?;
            let page = ctx.block_on(outbox::list(&hub, Actor::Operator, state, 0, 200))??;
            for m in page.items {
                out!(
                    "{}  {}  {}  attempts {}  {}  {}",
                    m.id,
                    m.state.as_str(),
                    m.content.recipient,
                    m.attempts,
                    m.content.subject,
                    m.last_error.unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}
