//! `netzwerk apikey`: partner websites' API keys.

use crate::output::out;
use netzwerk_app::api_keys::{self, NewKey};
use netzwerk_domain::access::Actor;

use crate::Ctx;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Create a key for a partner website; the key is printed once.
    Add {
        /// Who it is for.
        #[arg(long)]
        name: String,
        /// Browser origin allowed to use it (repeatable; none: any origin).
        #[arg(long = "origin", value_name = "ORIGIN")]
        origins: Vec<String>,
        /// Its own limit in requests per minute (over it: HTTP 429 with Retry-After).
        #[arg(long, value_name = "N")]
        rate_limit: Option<i64>,
        /// Only registered (trusted) documents may run with it.
        #[arg(long)]
        trusted_only: bool,
        /// Its own complexity budget: the largest cost (fields, list sizes multiplied
        /// in) one query may have; only stricter than server.max_complexity counts.
        #[arg(long, value_name = "N")]
        max_cost: Option<i64>,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key by id.
    Revoke {
        /// The key's id, from `apikey list`.
        id: String,
    },
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<()> {
    let hub = ctx.hub()?;
    match cmd {
        Command::Add {
            name,
            origins,
            rate_limit,
            trusted_only,
            max_cost,
        } => {
            let created = ctx.block_on(api_keys::create(
                &hub,
                Actor::Operator,
                NewKey {
                    name,
                    origins,
                    rate_limit,
                    trusted_only,
                    max_cost,
                },
            ))??;
            out!(
                "created API key {} for {}",
                created.info.id,
                created.info.name
            );
            out!("{}", created.key);
            eprintln!(
                "(the key is shown only now; send it as `X-Api-Key: …` or `Authorization: Bearer …`)"
            );
        }
        Command::List => {
            let keys = ctx.block_on(api_keys::list(&hub, Actor::Operator))??;
            if keys.is_empty() {
                out!("no API keys");
            }
            for k in keys {
                let state = k
                    .revoked_at
                    .map_or_else(|| "active".to_owned(), |t| format!("revoked {t}"));
                let origins = if k.allowed_origins.is_empty() {
                    "any origin".to_owned()
                } else {
                    k.allowed_origins.join(" ")
                };
                let rate = k
                    .limits
                    .rate_limit_per_minute
                    .map_or_else(|| "no own limit".to_owned(), |r| format!("{r}/min"));
                let documents = if k.limits.trusted_only {
                    ", trusted documents only"
                } else {
                    ""
                };
                let cost = k
                    .limits
                    .max_cost
                    .map(|c| format!(", cost at most {c}"))
                    .unwrap_or_default();
                out!(
                    "{}  {}…  {}  {}  ({}; {rate}{documents}{cost})",
                    k.id,
                    k.prefix,
                    k.name,
                    state,
                    origins
                );
            }
        }
        Command::Revoke { id } => {
            let k = ctx.block_on(api_keys::revoke(&hub, Actor::Operator, &id))??;
            out!("revoked API key {} ({})", k.id, k.name);
        }
    }
    Ok(())
}
