//! The `netzwerk` command line. Each subcommand is a module that parses its arguments,
//! calls one use case of `netzwerk-app` as the operator, and prints the result; the
//! rules (validation, permissions, defaults) are the application's, the same as the
//! API's.

mod apikey;
mod calendar;
mod demo;
mod digest;
mod funding;
mod hsds;
mod mail;
mod meetings;
mod migrate;
mod newsletter;
mod output;
mod search;
mod serve;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use netzwerk_app::Hub;
use netzwerk_gateway::config::Settings;

/// Netzwerk Hub: the directory, events, meetings and funding news of a network of
/// community organisations, behind one GraphQL API.
#[derive(Debug, Parser)]
#[command(name = "netzwerk", version, propagate_version = true)]
struct Cli {
    /// TOML configuration file (defaults, then this file, then NETZWERK__SECTION__KEY variables).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the GraphQL API (and GraphiQL) over HTTP.
    Serve(serve::Args),
    /// Apply pending database migrations.
    Migrate(migrate::Args),
    /// Load the demo network into an empty database (a fresh one is migrated first), or a large synthetic one with --scale.
    Demo(demo::Args),
    /// Manage user accounts.
    #[command(subcommand)]
    User(user::Command),
    /// Manage partner websites' API keys.
    #[command(subcommand)]
    Apikey(apikey::Command),
    /// The network's newsletter: draft an issue, preview it, list the issues.
    #[command(subcommand)]
    Newsletter(newsletter::Command),
    /// Members' calendars: import a file or URL, follow feeds, poll them.
    #[command(subcommand)]
    Calendar(calendar::Command),
    /// The e-mail outbox: queue a test message, deliver, list.
    #[command(subcommand)]
    Mail(mail::Command),
    /// Network meetings: housekeeping.
    #[command(subcommand)]
    Meetings(meetings::Command),
    /// Funding news: follow funding feeds, poll them, read a feed file.
    #[command(subcommand)]
    Funding(funding::Command),
    /// Weekly funding digests.
    #[command(subcommand)]
    Digest(digest::Command),
    /// Other directories followed through HSDS 3.0: follow, poll, list.
    #[command(subcommand)]
    Hsds(hsds::Command),
    /// The services' search index: build or tidy it.
    #[command(subcommand)]
    Search(search::Command),
    /// Print the GraphQL schema (SDL), as checked in at graphql/schema.graphql.
    Schema,
}

/// Runs the command line and turns errors into a message and exit code 1.
fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<output::Closed>() => ExitCode::from(output::CLOSED_STATUS),
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Schema = cli.command {
        output::text(format_args!("{}", netzwerk_gateway::graphql::sdl()))?;
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref())?;
    init_logging(&settings);
    let ctx = Ctx { settings };
    match cli.command {
        Command::Schema => Ok(()),
        Command::Serve(args) => serve::run(ctx, args),
        Command::Migrate(args) => migrate::run(&ctx, &args),
        Command::Demo(args) => demo::run(&ctx, &args),
        Command::User(cmd) => user::run(&ctx, cmd),
        Command::Apikey(cmd) => apikey::run(&ctx, cmd),
        Command::Newsletter(cmd) => newsletter::run(&ctx, cmd),
        Command::Calendar(cmd) => calendar::run(&ctx, cmd),
        Command::Mail(cmd) => mail::run(&ctx, cmd),
        Command::Meetings(cmd) => meetings::run(&ctx, cmd),
        Command::Funding(cmd) => funding::run(&ctx, cmd),
        Command::Digest(cmd) => digest::run(&ctx, cmd),
        Command::Hsds(cmd) => hsds::run(&ctx, cmd),
        Command::Search(cmd) => search::run(&ctx, cmd),
    }
}

/// What every subcommand starts from: the loaded configuration.
pub(crate) struct Ctx {
    settings: Settings,
}

impl Ctx {
    /// The application over the configured database, as it is (no migration check).
    fn open(&self) -> anyhow::Result<Hub> {
        self.open_with(&self.settings.pool_settings())
    }

    /// The same with pool settings of the caller's.
    fn open_with(&self, pool: &netzwerk_app::PoolSettings) -> anyhow::Result<Hub> {
        Ok(Hub::open(
            &self.settings.database.url,
            pool,
            self.settings.app_settings()?,
        )?)
    }

    /// The application over a database that is up to date.
    fn hub(&self) -> anyhow::Result<Hub> {
        let hub = self.open()?;
        hub.ensure_migrated()?;
        Ok(hub)
    }

    /// Runs one use case to its end.
    fn block_on<T>(&self, work: impl std::future::Future<Output = T>) -> anyhow::Result<T> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("while starting the async runtime")?;
        Ok(runtime.block_on(work))
    }
}

/// A followed feed's health as one line; `counts` describe the last good fetch.
pub(crate) fn shown_health(health: netzwerk_app::feeds::Health, counts: &str) -> String {
    use netzwerk_app::feeds::Health;
    match health {
        Health::Failing { in_a_row, error } => format!("failing ({in_a_row} in a row): {error}"),
        Health::Ok { last_success } => format!("ok, last success {last_success}, {counts}"),
        Health::NotPolledYet => "not polled yet".to_owned(),
    }
}

fn init_logging(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests) is harmless.
    let _ = if settings.log.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// An error as the operator reads it: a rule broken by an argument names the
/// argument as typed (`--email: …`).
fn describe(e: &anyhow::Error) -> String {
    let invalid = match e.downcast_ref::<netzwerk_app::Error>() {
        Some(netzwerk_app::Error::Invalid(v)) => Some(v),
        _ => e.downcast_ref::<netzwerk_domain::ValidationError>(),
    };
    match invalid {
        Some(v) => v
            .violations
            .iter()
            .map(|v| format!("{}: {}", argument(&v.field), v.message))
            .collect::<Vec<_>>()
            .join("; "),
        None => format!("{e:#}"),
    }
}

/// The command-line argument of a use case's field.
fn argument(field: &str) -> String {
    let (head, rest) = field.split_once(['.', '[']).unwrap_or((field, ""));
    let named = match head {
        "url" => "URL".to_owned(),
        "source" => "FILE_OR_URL".to_owned(),
        "id" => "ID".to_owned(),
        "intervalMinutes" => "--interval".to_owned(),
        "topics" => "--topic".to_owned(),
        "origins" => "--origin".to_owned(),
        "" => return rest.to_owned(),
        other => {
            let mut flag = String::from("--");
            for c in other.chars() {
                if c.is_ascii_uppercase() {
                    flag.push('-');
                    flag.push(c.to_ascii_lowercase());
                } else {
                    flag.push(c);
                }
            }
            flag
        }
    };
    if rest.is_empty() {
        named
    } else {
        format!("{named}{}", &field[head.len()..])
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn fields_are_named_as_arguments() {
        for (field, shown) in [
            ("email", "--email"),
            ("intervalMinutes", "--interval"),
            ("url", "URL"),
            ("postalCode", "--postal-code"),
            ("origins[1]", "--origin[1]"),
        ] {
            assert_eq!(argument(field), shown);
        }
    }
}
