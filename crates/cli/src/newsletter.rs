//! `netzwerk newsletter`: draft an issue, preview it in a language, send it to one
//! address as a test, send it to every subscriber (now or at a time), follow its
//! delivery, list the issues; import subscribers with their consent and count them.

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
    /// Set the editorial of a draft in one language (readers of that language get it
    /// instead of the original), or remove it.
    Editorial {
        /// The issue's id.
        id: String,
        /// The language (ISO 639-1).
        #[arg(long, value_name = "CODE")]
        lang: String,
        /// The translated editorial (Markdown).
        #[arg(long, value_name = "TEXT", required_unless_present = "remove")]
        text: Option<String>,
        /// Remove the editorial in this language.
        #[arg(long, conflicts_with = "text")]
        remove: bool,
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
    /// Send an issue to every confirmed subscriber, now or at a time (`serve` sends
    /// scheduled issues when their time comes; its outbox delivers the messages at
    /// `mail.newsletter_per_minute`).
    Send {
        /// The issue's id.
        id: String,
        /// When: RFC 3339 (2027-01-15T09:00:00+01:00), or YYYY-MM-DDTHH:MM in Berlin.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// Take a scheduled issue back to a draft.
    Unschedule {
        /// The issue's id.
        id: String,
    },
    /// Send the scheduled issues whose time has come (what `serve` does every 30 s).
    Dispatch,
    /// Where an issue's sending stands: recipients, queued, sent, failed.
    Status {
        /// The issue's id.
        id: String,
    },
    /// Import subscribers from a CSV file with a header row: email, consent_source,
    /// consent_at (YYYY-MM-DD), and optionally name, language, sections (codes
    /// separated by ";"). Rows without proof of consent are refused and listed.
    Import {
        /// The CSV file (UTF-8).
        file: PathBuf,
    },
    /// How many subscriptions are pending, confirmed, ended.
    Subscribers,
    /// List the issues, newest period first.
    List,
}

/// A time as the operator types it: RFC 3339, or a local time in Berlin.
fn parse_time(raw: &str) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw.trim()) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    let local = chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%d %H:%M"))
        .map_err(|_| {
            anyhow::anyhow!(
                "--at: must be RFC 3339 (2027-01-15T09:00:00+01:00) or YYYY-MM-DDTHH:MM in Berlin, got {raw:?}"
            )
        })?;
    Ok(netzwerk_domain::location::Timezone::berlin().instant(local))
}

fn print_sending(s: &newsletter::sending::Sending) -> anyhow::Result<()> {
    let i = &s.issue;
    match (i.value.status.as_str(), i.send_at) {
        ("scheduled", Some(at)) => out!(
            "newsletter issue {} is scheduled for {}",
            i.id,
            at.to_rfc3339()
        ),
        _ => out!(
            "newsletter issue {}: {}, {} recipients",
            i.id,
            i.value.status.as_str(),
            i.recipients.unwrap_or(0)
        ),
    }
    out!("queued {}, sent {}, failed {}", s.queued, s.sent, s.failed);
    Ok(())
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
        Command::Editorial {
            id,
            lang,
            text,
            remove,
        } => {
            let id = NewsletterIssueId::parse(&id).map_err(|e| anyhow::anyhow!("ID: {e}"))?;
            match (remove, text) {
                (true, _) => {
                    let gone = ctx.block_on(newsletter::remove_editorial(
                        &hub,
                        Actor::Operator,
                        id,
                        &lang,
                    ))??;
                    out!(
                        "{}",
                        if gone {
                            format!("removed the editorial in {lang}")
                        } else {
                            format!("newsletter issue {id} has no editorial in {lang}")
                        }
                    );
                }
                (false, Some(text)) => {
                    ctx.block_on(newsletter::set_editorial(
                        &hub,
                        Actor::Operator,
                        id,
                        &lang,
                        &text,
                    ))??;
                    out!("set the editorial of newsletter issue {id} in {lang}");
                }
                (false, None) => anyhow::bail!("--text: give the editorial, or --remove"),
            }
        }
        Command::Send { id, at } => {
            let id = NewsletterIssueId::parse(&id).map_err(|e| anyhow::anyhow!("ID: {e}"))?;
            let at = at.as_deref().map(parse_time).transpose()?;
            let api = netzwerk_gateway::server::own_api(&hub);
            let sending = ctx.block_on(newsletter::sending::send(
                &api,
                &hub,
                Actor::Operator,
                id,
                at,
            ))??;
            print_sending(&sending)?;
        }
        Command::Unschedule { id } => {
            let id = NewsletterIssueId::parse(&id).map_err(|e| anyhow::anyhow!("ID: {e}"))?;
            ctx.block_on(newsletter::sending::unschedule(&hub, Actor::Operator, id))??;
            out!("newsletter issue {id} is a draft again");
        }
        Command::Dispatch => {
            let api = netzwerk_gateway::server::own_api(&hub);
            let sent = ctx.block_on(newsletter::sending::dispatch_due(&api, &hub))??;
            if sent.is_empty() {
                out!("no scheduled newsletter issue is due");
            }
            for (id, n) in sent {
                out!("sent newsletter issue {id} to {n} subscribers");
            }
        }
        Command::Status { id } => {
            let id = NewsletterIssueId::parse(&id).map_err(|e| anyhow::anyhow!("ID: {e}"))?;
            let sending =
                ctx.block_on(newsletter::sending::progress(&hub, Actor::Operator, id))??;
            print_sending(&sending)?;
        }
        Command::Import { file } => {
            // The size first: a huge file is refused before it is read.
            let size = std::fs::metadata(&file)
                .with_context(|| format!("cannot read {}", file.display()))?
                .len();
            if usize::try_from(size).unwrap_or(usize::MAX)
                > newsletter::subscribers::IMPORT_MAX_BYTES
            {
                anyhow::bail!(
                    "{}: an import holds at most {} MB",
                    file.display(),
                    newsletter::subscribers::IMPORT_MAX_BYTES / (1024 * 1024)
                );
            }
            let text =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let text = String::from_utf8(text)
                .map_err(|e| anyhow::anyhow!("{}: is not UTF-8: {e}", file.display()))?;
            let report = ctx.block_on(newsletter::subscribers::import_csv(
                &hub,
                Actor::Operator,
                &text,
            ))??;
            out!(
                "imported: {} added, {} confirmed, {} unchanged, {} refused",
                report.added,
                report.confirmed,
                report.unchanged,
                report.refused.len()
            );
            for (line, why) in &report.refused {
                out!("line {line}: {why}");
            }
        }
        Command::Subscribers => {
            let c = ctx.block_on(newsletter::subscribers::counts(&hub, Actor::Operator))??;
            out!(
                "newsletter subscriptions: {} confirmed, {} pending, {} unsubscribed",
                c.confirmed,
                c.pending,
                c.unsubscribed
            );
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
