//! `netzwerk newsletter`: draft an issue, preview it in a language, send it to one
//! address as a test, list the issues.

use std::path::PathBuf;

use anyhow::Context as _;
use chrono::NaiveDate;
use netzwerk_app::newsletter;
use netzwerk_domain::access::Actor;
use netzwerk_domain::ids::NewsletterIssueId;
use netzwerk_domain::newsletter::IssueInput;

use crate::Ctx;
use crate::output::out;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Draft an issue for a period; prints its id.
    Draft {
        /// First day it covers (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        period_from: NaiveDate,
        /// Last day it covers (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        period_to: NaiveDate,
        /// The coordinator's words at the top (Markdown).
        #[arg(long, value_name = "TEXT")]
        editorial: Option<String>,
    },
    /// Write an issue as HTML and text in one language to a folder
    /// (newsletter-ID-LANG.html and .txt).
    Preview {
        /// The issue's id, from `newsletter draft` or `newsletter list`.
        id: String,
        /// The reader's language (de, en, ar, fa, tr; others get German words).
        #[arg(long, value_name = "CODE", default_value = "de")]
        lang: String,
        /// The folder to write to (made when missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Send an issue in one language to one address as a test (through the outbox;
    /// `serve` or `netzwerk mail send` delivers it).
    Test {
        /// The issue's id.
        id: String,
        /// Where to send it.
        #[arg(long, value_name = "ADDRESS")]
        to: String,
        /// The reader's language.
        #[arg(long, value_name = "CODE", default_value = "de")]
        lang: String,
    },
    /// List the issues, newest period first.
    List,
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<()> {
    let hub = ctx.hub()?;
    match cmd {
        Command::Draft {
            period_from,
            period_to,
            editorial,
        } => {
            let input = IssueInput {
                period_from: Some(period_from),
                period_to: Some(period_to),
                editorial,
                content_language: None,
            };
            let issue = ctx.block_on(newsletter::draft(&hub, Actor::Operator, input))??;
            out!(
                "drafted newsletter issue {} for {} – {}",
                issue.id,
                issue.value.period_from,
                issue.value.period_to
            );
            out!("{}", issue.id);
        }
        Command::Preview { id, lang, out } => {
            let id = NewsletterIssueId::parse(&id).map_err(|e| anyhow::anyhow!("ID: {e}"))?;
            let api = netzwerk_gateway::server::own_api(&hub);
            let (composition, rendered) = ctx
                .block_on(newsletter::preview(&api, &hub, Actor::Operator, id, &lang))??
                .ok_or_else(|| anyhow::anyhow!("no newsletter issue has the id {id}"))?;
            std::fs::create_dir_all(&out)
                .with_context(|| format!("cannot make the folder {}", out.display()))?;
            let stem = out.join(format!("newsletter-{id}-{}", composition.language));
            let html = stem.with_extension("html");
            let text = stem.with_extension("txt");
            std::fs::write(&html, &rendered.html)
                .with_context(|| format!("cannot write {}", html.display()))?;
            std::fs::write(&text, &rendered.text)
                .with_context(|| format!("cannot write {}", text.display()))?;
            let headings: Vec<&str> = composition
                .sections
                .iter()
                .map(|s| s.heading.as_str())
                .collect();
            out!("{}", rendered.subject);
            out!(
                "{} sections: {}",
                headings.len(),
                if headings.is_empty() {
                    "none (nothing happens in the period)".to_owned()
                } else {
                    headings.join(", ")
                }
            );
            out!("wrote {} and {}", html.display(), text.display());
        }
        Command::Test { id, to, lang } => {
            let id = NewsletterIssueId::parse(&id).map_err(|e| anyhow::anyhow!("ID: {e}"))?;
            let api = netzwerk_gateway::server::own_api(&hub);
            let queued = ctx.block_on(newsletter::send_test(
                &api,
                &hub,
                Actor::Operator,
                id,
                &to,
                &lang,
            ))??;
            out!("queued the test of newsletter issue {id} ({lang}) to {to}: message {queued}");
        }
        Command::List => {
            let all = ctx.block_on(newsletter::list(&hub, Actor::Operator, 100))??;
            if all.is_empty() {
                out!("no newsletter issues");
            }
            for i in all {
                out!(
                    "{}  {} – {}  {}",
                    i.id,
                    i.value.period_from,
                    i.value.period_to,
                    i.value.status.as_str()
                );
            }
        }
    }
    Ok(())
}
