//! `netzwerk digest`: weekly funding digests.

use crate::output::out;
use netzwerk_app::digest;
use netzwerk_app::directory::OrganisationKey;
use netzwerk_domain::access::Actor;

use crate::Ctx;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Render and queue every due weekly digest (a week after the last one).
    Send {
        /// Only render and print them; queue nothing, record nothing.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: preview the digest an organisation would get (by slug),
        /// whether or not anyone subscribed.
        #[arg(long, value_name = "SLUG", requires = "dry_run")]
        organisation: Option<String>,
        /// Language of the preview (de or en; default de).
        #[arg(long, value_name = "CODE", requires = "organisation")]
        language: Option<String>,
    },
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<()> {
    let Command::Send {
        dry_run,
        organisation,
        language,
    } = cmd;
    let hub = ctx.hub()?;
    let api = netzwerk_gateway::server::own_api(&hub);
    if let Some(slug) = organisation {
        let key = OrganisationKey::Slug(slug.clone());
        let p = ctx.block_on(digest::preview(
            &api,
            &hub,
            Actor::Operator,
            &key,
            language.as_deref(),
        ))??;
        out!(
            "preview for {} ({slug}): {} ({} new in the last week, {} deadlines in 30 days); nothing queued",
            p.subscription.name,
            p.rendered.subject,
            p.counts.0,
            p.counts.1
        );
        out!("{}", p.rendered.text);
        return Ok(());
    }
    let round = ctx.block_on(digest::send_due(&api, &hub, dry_run))??;
    for p in &round.prepared {
        out!(
            "{} {} <{}>: {} ({} new, {} deadlines)",
            if dry_run {
                "would send to"
            } else {
                "queued for"
            },
            p.subscription.name,
            p.subscription.email,
            p.rendered.subject,
            p.counts.0,
            p.counts.1
        );
        if dry_run {
            out!("{}", p.rendered.text);
        }
    }
    out!(
        "{} digests {}, {} with nothing to tell skipped, {} failed",
        round.prepared.len(),
        if dry_run {
            "rendered (dry run: nothing queued)"
        } else {
            "queued"
        },
        round.empty,
        round.errors.len()
    );
    for (to, e) in &round.errors {
        out!("{to}: {e}");
    }
    Ok(())
}
