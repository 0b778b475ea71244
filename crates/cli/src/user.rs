//! `netzwerk user`: create accounts, lift sign-in locks.

use crate::output::out;
use std::io::BufRead;

use anyhow::Context as _;
use netzwerk_app::auth::{self, NewAccount};
use netzwerk_app::directory::OrganisationKey;
use netzwerk_domain::access::{Actor, Role};

use crate::Ctx;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum RoleArg {
    /// May do everything.
    Coordinator,
    /// Keeps one organisation.
    Editor,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Create an account; the password is read from the first line of standard input
    /// unless --password is given.
    Add {
        /// Sign-in e-mail address.
        #[arg(long)]
        email: String,
        /// Display name (default: the e-mail address).
        #[arg(long)]
        name: Option<String>,
        /// The password (visible to other users of this machine in the process list:
        /// prefer standard input).
        #[arg(long)]
        password: Option<String>,
        /// Role.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// For editors: the slug of their organisation.
        #[arg(long, value_name = "SLUG")]
        organisation: Option<String>,
    },
    /// Lift a sign-in lock at once (after too many wrong passwords); locks also end by
    /// themselves after `auth.login_lock_minutes`.
    Unlock {
        /// The account's e-mail address.
        email: String,
    },
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Add {
            email,
            name,
            password,
            role,
            organisation,
        } => {
            let password = match password {
                Some(p) => p,
                None => read_password()?,
            };
            let cmd = NewAccount {
                email,
                name,
                password,
                role: match role {
                    RoleArg::Coordinator => Role::Coordinator,
                    RoleArg::Editor => Role::Editor,
                },
                organisation: organisation.map(OrganisationKey::Slug),
            };
            let hub = ctx.hub()?;
            let user = ctx.block_on(auth::create_account(&hub, Actor::Operator, cmd))??;
            out!(
                "created {} {} ({})",
                user.role.as_str(),
                user.email,
                user.id
            );
        }
        Command::Unlock { email } => {
            let hub = ctx.hub()?;
            if ctx.block_on(auth::unlock(&hub, Actor::Operator, &email))?? {
                out!("unlocked {email}: its failed sign-in attempts are forgotten");
            } else {
                out!("{email} was not locked (no recent failed sign-in attempts)");
            }
        }
    }
    Ok(())
}

/// The first line of standard input.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("while reading the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}
