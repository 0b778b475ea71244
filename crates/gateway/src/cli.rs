//! The `netzwerk` command line: serve, migrate, demo data, users and API keys.

use netzwerk_domain::poll::PollInterval;
use netzwerk_domain::redact::Redacted;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use netzwerk_domain::access::Role;
use netzwerk_domain::email::EmailAddress;
use netzwerk_domain::ids::ApiKeyId;
use netzwerk_domain::slug::Slug;
use netzwerk_storage::{Backend, Database, PoolSettings, api_keys, organisations, users};

use crate::config::Settings;
use crate::graphql::{SchemaSettings, build_schema};
use crate::http::{HttpSettings, router};

/// Netzwerk Hub: the directory, events, meetings and funding news of a network of
/// community organisations, behind one GraphQL API.
#[derive(Debug, Parser)]
#[command(name = "netzwerk", version, propagate_version = true)]
pub struct Cli {
    /// TOML configuration file (defaults, then this file, then NETZWERK__SECTION__KEY variables).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the GraphQL API (and GraphiQL) over HTTP.
    Serve(ServeArgs),
    /// Apply pending database migrations.
    Migrate(MigrateArgs),
    /// Load the demo network into an empty database (a fresh one is migrated first), or a large synthetic one with --scale.
    Demo(DemoArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage partner websites' API keys.
    #[command(subcommand)]
    Apikey(ApiKeyCommand),
    /// Members' calendars: import a file or URL, follow feeds, poll them.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// The e-mail outbox: queue a test message, deliver, list.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Network meetings: housekeeping.
    #[command(subcommand)]
    Meetings(MeetingsCommand),
    /// Funding news: follow funding feeds, poll them, read a feed file.
    #[command(subcommand)]
    Funding(FundingCommand),
    /// Weekly funding digests.
    #[command(subcommand)]
    Digest(DigestCommand),
    /// Print the GraphQL schema (SDL), as checked in at graphql/schema.graphql.
    Schema,
}

#[derive(Debug, Subcommand)]
enum FundingCommand {
    /// Follow a funding feed (RSS 2.0, Atom 1.0, JSON Feed 1.1 or an iCalendar of deadlines).
    AddSource {
        /// The feed's http(s) URL.
        url: String,
        /// Who funds (default: the feed's host name).
        #[arg(long, value_name = "NAME")]
        funder: Option<String>,
        /// Minutes between polls (default: funding.default_interval_minutes).
        #[arg(long, value_name = "MINUTES")]
        interval: Option<u32>,
        /// A topic every item gets (repeatable), e.g. youth.
        #[arg(long = "topic", value_name = "TOPIC")]
        topics: Vec<String>,
        /// The area funded when an item names none: treptow_koepenick, berlin, federal, eu.
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
    },
    /// Poll every funding feed that is due, once (`serve` does this in the background).
    Poll {
        /// Poll every feed now, due or not.
        #[arg(long)]
        all: bool,
    },
    /// List the funding feeds with their health.
    Sources,
    /// Read a feed file without storing anything; prints the normalised items as JSON.
    Parse {
        /// The feed file.
        file: std::path::PathBuf,
        /// Funder to assume.
        #[arg(long, value_name = "NAME", default_value = "unknown")]
        funder: String,
    },
}

#[derive(Debug, Subcommand)]
enum DigestCommand {
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

#[derive(Debug, Subcommand)]
enum MeetingsCommand {
    /// Delete guests' personal data of meetings that ended more than
    /// `meetings.guest_retention_days` ago (`serve` does this every hour).
    PurgeGuests {
        /// Days after the meeting (default: meetings.guest_retention_days).
        #[arg(long)]
        days: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
enum MailCommand {
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

#[derive(Debug, Subcommand)]
enum CalendarCommand {
    /// Import an iCalendar file or URL once for an organisation; prints what changed.
    Import {
        /// The organisation's slug.
        #[arg(long, value_name = "SLUG")]
        organisation: String,
        /// A file path or an http(s) URL.
        #[arg(value_name = "FILE_OR_URL")]
        source: String,
    },
    /// Follow an organisation's iCalendar feed; `serve` and `calendar poll` keep it in sync.
    AddSource {
        /// The organisation's slug.
        #[arg(long, value_name = "SLUG")]
        organisation: String,
        /// The feed's http(s) URL.
        url: String,
        /// Minutes between polls (default: calendar.default_interval_minutes).
        #[arg(long, value_name = "MINUTES")]
        interval: Option<u32>,
    },
    /// Read an iCalendar file or URL without storing anything: what would be taken,
    /// and every line that could not be used.
    Check {
        /// A file path or an http(s) URL.
        #[arg(value_name = "FILE_OR_URL")]
        source: String,
    },
    /// Poll every feed that is due, once.
    Poll {
        /// Poll every feed now, due or not.
        #[arg(long)]
        all: bool,
    },
    /// List an organisation's feeds with their health.
    Sources {
        /// The organisation's slug.
        #[arg(long, value_name = "SLUG")]
        organisation: String,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address and port to listen on (overrides server.listen).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<String>,
    /// On a fresh embedded (SQLite) database: migrate it and load the demo network first.
    #[arg(long)]
    demo: bool,
}

#[derive(Debug, Args)]
struct MigrateArgs {
    /// Only show applied and pending migrations.
    #[arg(long, conflicts_with = "revert_all")]
    status: bool,
    /// Revert every migration (deletes all data).
    #[arg(long)]
    revert_all: bool,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Generate this many synthetic organisations instead of the demo network (e.g. 10000).
    #[arg(long, value_name = "ORGANISATIONS")]
    scale: Option<usize>,
    /// Services per synthetic organisation.
    #[arg(long, default_value_t = 5, requires = "scale")]
    services_per_organisation: usize,
    /// Events per synthetic organisation (every fourth a weekly series).
    #[arg(long, default_value_t = 20, requires = "scale")]
    events_per_organisation: usize,
    /// Seed of the synthetic network, for reproducible benchmarks.
    #[arg(long, default_value_t = 2001, requires = "scale")]
    seed: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    /// May do everything.
    Coordinator,
    /// Keeps one organisation.
    Editor,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
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

#[derive(Debug, Subcommand)]
enum ApiKeyCommand {
    /// Create a key for a partner website; the key is printed once.
    Add {
        /// Who it is for.
        #[arg(long)]
        name: String,
        /// Browser origin allowed to use it (repeatable; none: any origin).
        #[arg(long = "origin", value_name = "ORIGIN")]
        origins: Vec<String>,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key by id.
    Revoke {
        /// The key's id, from `apikey list`.
        id: String,
    },
}

/// Runs the command line and turns errors into a message and exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
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

fn open(settings: &Settings) -> anyhow::Result<Database> {
    open_with(settings, &settings.pool_settings())
}

fn open_with(settings: &Settings, pool: &PoolSettings) -> anyhow::Result<Database> {
    Database::connect(&settings.database.url, pool).with_context(|| {
        format!(
            "while opening the database {}",
            netzwerk_domain::redact::url(&settings.database.url)
        )
    })
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Schema = cli.command {
        print!("{}", crate::graphql::sdl());
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref())?;
    init_logging(&settings);
    match cli.command {
        Command::Schema => Ok(()),
        Command::Serve(args) => serve(settings, args),
        Command::Migrate(args) => migrate(&settings, &args),
        Command::Demo(args) => demo(&settings, &args),
        Command::User(UserCommand::Add {
            email,
            name,
            password,
            role,
            organisation,
        }) => user_add(
            &settings,
            &email,
            name.as_deref(),
            password,
            role,
            organisation.as_deref(),
        ),
        Command::User(UserCommand::Unlock { email }) => {
            let db = open(&settings)?;
            db.ensure_migrated()?;
            let bucket = crate::auth::login_bucket(&email);
            let lifted = db.run_blocking(|c| netzwerk_storage::rate_limits::clear(c, &bucket))?;
            if lifted {
                println!("unlocked {email}: its failed sign-in attempts are forgotten");
            } else {
                println!("{email} was not locked (no recent failed sign-in attempts)");
            }
            Ok(())
        }
        Command::Apikey(cmd) => apikey(&settings, cmd),
        Command::Calendar(cmd) => calendar(&settings, cmd),
        Command::Mail(cmd) => mail(&settings, cmd),
        Command::Funding(cmd) => funding_cmd(&settings, cmd),
        Command::Digest(DigestCommand::Send {
            dry_run,
            organisation,
            language,
        }) => digest_cmd(&settings, dry_run, organisation, language),
        Command::Meetings(MeetingsCommand::PurgeGuests { days }) => {
            let db = open(&settings)?;
            db.ensure_migrated()?;
            let days = days.unwrap_or(settings.meetings.guest_retention_days);
            let p = db.run_blocking(move |c| {
                netzwerk_storage::guests::purge(c, days, chrono::Utc::now())
            })?;
            println!(
                "deleted {} guest requests, {} guest invitations, {} e-mails to guests (meetings ended more than {days} days ago)",
                p.requests, p.invitations, p.messages
            );
            Ok(())
        }
    }
}

fn migrate(settings: &Settings, args: &MigrateArgs) -> anyhow::Result<()> {
    let db = open(settings)?;
    if args.status {
        for m in db.applied_migrations()? {
            println!("applied  {m}");
        }
        for m in db.pending_migrations()? {
            println!("pending  {m}");
        }
        return Ok(());
    }
    if args.revert_all {
        let reverted = db.revert_all()?;
        println!("reverted {} migration(s)", reverted.len());
        return Ok(());
    }
    let applied = db.migrate()?;
    if applied.is_empty() {
        println!("the database is up to date");
    } else {
        for m in &applied {
            println!("applied  {m}");
        }
    }
    Ok(())
}

fn demo(settings: &Settings, args: &DemoArgs) -> anyhow::Result<()> {
    let db = open(settings)?;
    if db.applied_migrations()?.is_empty() {
        // A fresh database is empty by definition: set it up instead of refusing.
        db.migrate()?;
    } else {
        db.ensure_migrated()?;
    }
    match args.scale {
        Some(n) => {
            let started = std::time::Instant::now();
            let made = crate::demo::generate_synthetic(
                &db,
                n,
                args.services_per_organisation,
                args.events_per_organisation,
                args.seed,
            )?;
            println!(
                "generated {made} organisations with {} services and {} events in {:.1} s",
                made * args.services_per_organisation,
                made * args.events_per_organisation,
                started.elapsed().as_secs_f64()
            );
        }
        None => print_demo(&crate::demo::load(&db)?),
    }
    Ok(())
}

fn print_demo(sum: &crate::demo::DemoSummary) {
    println!(
        "loaded the demo network: {} organisations, {} locations, {} services, {} contact persons, {} accounts, {} funding calls",
        sum.organisations, sum.locations, sum.services, sum.contacts, sum.users, sum.funding
    );
    println!(
        "sign in as coordinator {} / {}, or as an editor redaktion@<slug>.example / {}",
        crate::demo::COORDINATOR_EMAIL,
        crate::demo::COORDINATOR_PASSWORD,
        crate::demo::EDITOR_PASSWORD
    );
}

fn serve(mut settings: Settings, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(listen) = args.listen {
        settings.server.listen = listen;
    }
    let addr = settings.listen_addr()?;
    for warning in settings.deprecations() {
        tracing::warn!("{warning}");
    }
    let request_timeout = std::time::Duration::from_secs(settings.server.request_timeout_seconds);
    // Requests' statements end with the request: PostgreSQL cancels a statement that
    // runs longer than the request may.
    let db = open_with(
        &settings,
        &PoolSettings {
            statement_timeout: Some(request_timeout),
            ..settings.pool_settings()
        },
    )?;
    let pending = db.pending_migrations()?;
    if !pending.is_empty() {
        let fresh = db.applied_migrations()?.is_empty();
        if args.demo && fresh && db.backend() == Backend::Sqlite {
            db.migrate()?;
            tracing::info!("migrated the fresh embedded database");
        } else {
            bail!(
                "the database is behind: {} migration(s) pending ({}); run `netzwerk migrate` first",
                pending.len(),
                pending.join(", ")
            );
        }
    }
    if args.demo {
        let empty = db.run_blocking(netzwerk_storage::organisation_count)? == 0;
        if empty {
            print_demo(&crate::demo::load(&db)?);
        }
    }
    // Background work gets a pool of its own: it never takes connections from
    // requests, and the statement counter (x-sql-statements) sees requests only.
    let background_db = {
        let mut background = settings.clone();
        background.database.max_connections = 2;
        open(&background)?
    };
    let schema = build_schema(
        db.clone(),
        SchemaSettings {
            token_ttl: chrono::Duration::hours(i64::from(settings.auth.token_ttl_hours)),
            introspection: settings.server.introspection,
            max_complexity: settings.server.max_complexity,
            meetings: meeting_settings(&settings)?,
            login_limits: settings.login_limits(),
            subscriptions_per_client_per_hour: settings.funding.subscriptions_per_client_per_hour,
            calendar_poll_default: settings.calendar_poll_default(),
            funding_poll_default: settings.funding_poll_default(),
        },
    );
    let app = router(
        schema,
        db,
        HttpSettings {
            max_body_bytes: settings.server.max_body_bytes,
            statement_header: settings.server.statement_header,
            client_ip_header: settings
                .client_ip_header()
                .map(|h| axum::http::HeaderName::from_bytes(h.to_ascii_lowercase().as_bytes()))
                .transpose()
                .context("server.client_ip_header")?,
            query_limits: crate::guard::QueryLimits {
                max_cost: settings.server.max_complexity as u64,
                max_depth: settings.server.max_depth as u64,
                max_aliases: settings.server.max_aliases,
            },
            request_timeout,
        },
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("while starting the async runtime")?;
    let funding_poller = settings.funding.poll.then(|| {
        (
            background_db.clone(),
            crate::fetch::Fetcher::new(settings.fetch_settings()),
            settings.funding_limits(settings.fetch.max_bytes),
        )
    });
    let poller = settings.calendar.poll.then(|| {
        (
            background_db.clone(),
            crate::fetch::Fetcher::new(settings.fetch_settings()),
            settings.calendar_limits(),
        )
    });
    let sender = if settings.mail.send {
        Some((
            background_db.clone(),
            crate::mail::Mailer::new(&settings.mail)?,
        ))
    } else {
        None
    };
    runtime.block_on(async move {
        let mail_every = std::time::Duration::from_secs(settings.mail.poll_seconds.max(1));
        let retention_days = settings.meetings.guest_retention_days;
        if let Some((db, mailer)) = sender {
            // Delivers the outbox; messages are claimed through the database, so
            // several replicas never send one message at the same time.
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(mail_every);
                loop {
                    tick.tick().await;
                    if let Err(e) = mailer.deliver_due(&db).await {
                        tracing::warn!(error = %e, "delivering the outbox failed");
                    }
                }
            });
        }
        {
            let db = background_db.clone();
            // Deletes guests' personal data once their meeting is long enough past,
            // unconfirmed subscriptions and old rate-limit windows.
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
                loop {
                    tick.tick().await;
                    if let Err(e) = db
                        .write(|c| {
                            netzwerk_storage::funding::purge_unconfirmed(
                                c,
                                chrono::Utc::now(),
                                crate::digest::UNCONFIRMED_HOURS,
                            )
                        })
                        .await
                    {
                        tracing::warn!(error = %e, "deleting unconfirmed subscriptions failed");
                    }
                    // Rate-limit windows (sign-in attempts) that ended a day ago or more.
                    if let Err(e) = db
                        .write(|c| {
                            netzwerk_storage::rate_limits::purge(
                                c,
                                netzwerk_storage::now() - chrono::Duration::days(1),
                            )
                        })
                        .await
                    {
                        tracing::warn!(error = %e, "deleting old rate-limit windows failed");
                    }
                    match db
                        .write(move |c| {
                            netzwerk_storage::guests::purge(c, retention_days, chrono::Utc::now())
                        })
                        .await
                    {
                        Ok(p) if p.requests > 0 => {
                            tracing::info!(requests = p.requests, "deleted guests' data");
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "deleting guests' data failed"),
                    }
                }
            });
        }
        if let Some((db, fetcher, limits)) = funding_poller {
            // Polls funding feeds that are due; claimed through the database like
            // calendar feeds.
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    if let Err(e) =
                        crate::funding_sync::poll_due(&db, &fetcher, &limits, false).await
                    {
                        tracing::warn!(error = %e, "funding polling failed");
                    }
                }
            });
        }
        if let Some((db, fetcher, limits)) = poller {
            // Polls feeds that are due; each feed is claimed through the database, so
            // several replicas never poll the same feed at once.
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
                loop {
                    tick.tick().await;
                    if let Err(e) =
                        crate::calendar_sync::poll_due(&db, &fetcher, &limits, false).await
                    {
                        tracing::warn!(error = %e, "calendar polling failed");
                    }
                }
            });
        }
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("while binding {addr}"))?;
        let local = listener.local_addr()?;
        println!("Netzwerk Hub listening on http://{local}/graphql");
        tracing::info!(%local, "serving");
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("while serving")
    })
}

fn funding_cmd(settings: &Settings, cmd: FundingCommand) -> anyhow::Result<()> {
    use netzwerk_storage::funding;

    if let FundingCommand::Parse { file, funder } = &cmd {
        let bytes =
            std::fs::read(file).with_context(|| format!("while reading {}", file.display()))?;
        let (items, mut issues) = crate::funding_sync::items_of(
            &bytes,
            None,
            &settings.funding_limits(settings.calendar.max_file_bytes),
        )
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        let source = netzwerk_funding_news::SourceDefaults {
            funder: funder.clone(),
            ..netzwerk_funding_news::SourceDefaults::default()
        };
        let normalised = crate::funding_sync::normalise_all(&source, &items, &mut issues);
        let raw_of: std::collections::HashMap<&str, &netzwerk_funding_news::RawItem> =
            items.iter().map(|i| (i.guid.as_str(), i)).collect();
        let out: Vec<serde_json::Value> = normalised
            .iter()
            .filter_map(|n| raw_of.get(n.guid.as_str()).map(|raw| (*raw, n)))
            .map(|(raw, n)| {
                let o = &n.opportunity;
                serde_json::json!({
                    "guid": raw.guid,
                    "title": raw.title,
                    "link": raw.link,
                    "published": raw.published.map(|t| t.to_rfc3339()),
                    "updated": raw.updated.map(|t| t.to_rfc3339()),
                    "deadlines": match &o.deadline {
                        netzwerk_domain::funding::Deadline::Dates(d) => d.iter().map(ToString::to_string).collect(),
                        _ => Vec::new(),
                    },
                    "deadlineKind": o.deadline.kind(),
                    "amountMin": o.amount.as_ref().and_then(|a| a.min),
                    "amountMax": o.amount.as_ref().and_then(|a| a.max),
                    "topics": o.topics.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                    "region": o.region.map(|r| r.as_str()),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "items": out, "issues": issues }))?
        );
        return Ok(());
    }
    let db = open(settings)?;
    db.ensure_migrated()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("while starting the async runtime")?;
    match cmd {
        FundingCommand::AddSource {
            url,
            funder,
            interval,
            topics,
            region,
        } => {
            let url = netzwerk_domain::error::url(&url).map_err(|e| anyhow::anyhow!("URL: {e}"))?;
            let funder = match funder {
                Some(f) => netzwerk_domain::error::required_text(&f, 200)
                    .map_err(|e| anyhow::anyhow!("--funder: {e}"))?,
                // The host name, never the credentials before it.
                None => reqwest::Url::parse(&url)
                    .ok()
                    .and_then(|u| {
                        u.host_str()
                            .map(|h| h.trim_start_matches("www.").to_owned())
                    })
                    .unwrap_or_else(|| "unknown".to_owned()),
            };
            let interval = match interval {
                Some(m) => PollInterval::parse(i64::from(m))
                    .map_err(|e| anyhow::anyhow!("{}", e.within("--interval")))?,
                None => settings.funding_poll_default(),
            };
            let topics = topics
                .iter()
                .map(|t| {
                    netzwerk_domain::organisation::Topic::parse(t)
                        .map_err(|e| anyhow::anyhow!("--topic: {e}"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let region = region
                .map(|r| {
                    netzwerk_domain::funding::FundingRegion::parse(&r)
                        .map_err(|e| anyhow::anyhow!("--region: {e}"))
                })
                .transpose()?;
            let minutes = interval.as_i32();
            let s = db.run_blocking(move |c| {
                funding::add_source(c, "cli", &url, &funder, &topics, region, minutes)
            })?;
            println!(
                "following {} ({}) every {} min as {}",
                Redacted(&s.url),
                s.funder,
                s.interval_minutes,
                s.id
            );
        }
        FundingCommand::Poll { all } => {
            let fetcher = crate::fetch::Fetcher::new(settings.fetch_settings());
            let limits = settings.funding_limits(settings.fetch.max_bytes);
            let summary =
                runtime.block_on(crate::funding_sync::poll_due(&db, &fetcher, &limits, all))?;
            println!(
                "polled {} feeds: {} not modified, {} failed",
                summary.polled,
                summary.not_modified,
                summary.errors.len()
            );
            for (url, report, health) in &summary.synced {
                println!(
                    "{url}: {report}; {} taken, {} left out",
                    health.taken, health.rejected
                );
                for issue in &health.issues {
                    println!("  {issue}");
                }
            }
            for (url, e) in &summary.errors {
                println!("{url}: failed: {e}");
            }
        }
        FundingCommand::Sources => {
            for s in db.run_blocking(funding::sources)? {
                let health = match (&s.last_error, s.last_success_at) {
                    (Some(e), _) => format!("failing ({} in a row): {e}", s.consecutive_failures),
                    (None, Some(t)) => format!(
                        "ok, last success {t}, {} items, {} left out",
                        s.item_count, s.rejected_count
                    ),
                    (None, None) => "not polled yet".to_owned(),
                };
                println!(
                    "{}  {}  {}  every {} min  next {}  {}",
                    s.id,
                    Redacted(&s.url),
                    s.funder,
                    s.interval_minutes,
                    s.next_fetch_at,
                    health
                );
            }
        }
        FundingCommand::Parse { .. } => {}
    }
    Ok(())
}

fn digest_cmd(
    settings: &Settings,
    dry_run: bool,
    preview: Option<String>,
    language: Option<String>,
) -> anyhow::Result<()> {
    let db = open(settings)?;
    db.ensure_migrated()?;
    let meetings = meeting_settings(settings)?;
    let schema = build_schema(
        db.clone(),
        SchemaSettings {
            meetings: meetings.clone(),
            ..SchemaSettings::default()
        },
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("while starting the async runtime")?;
    if let Some(slug) = preview {
        let language =
            netzwerk_domain::language::LanguageCode::parse(language.as_deref().unwrap_or("de"))
                .map_err(|e| anyhow::anyhow!("--language: {e}"))?;
        let s = slug.clone();
        let org = db
            .run_blocking(move |c| crate::graphql::resolve_organisation(c, &s))
            .map_err(|e| anyhow::anyhow!("--organisation: {e}"))?;
        let name = db
            .run_blocking(move |c| netzwerk_storage::organisations::get(c, org))?
            .value
            .name;
        let subscription = netzwerk_storage::funding::Subscription {
            id: netzwerk_domain::ids::SubscriptionId::generate(),
            email: "preview@localhost".into(),
            name: name.clone(),
            language: language.to_string(),
            organisation_id: Some(org),
            topics: Vec::new(),
            unsubscribe_token: "preview".into(),
            confirmed: true,
            last_digest_at: None,
        };
        let p = runtime
            .block_on(crate::digest::prepare(
                &schema,
                &db,
                &subscription,
                &meetings,
                chrono::Utc::now(),
            ))
            .map_err(anyhow::Error::msg)?;
        println!(
            "preview for {name} ({slug}): {} ({} new in the last week, {} deadlines in 30 days); nothing queued",
            p.rendered.subject, p.counts.0, p.counts.1
        );
        println!("{}", p.rendered.text);
        return Ok(());
    }
    let round = runtime.block_on(crate::digest::send_due(&schema, &db, &meetings, dry_run))?;
    for p in &round.prepared {
        println!(
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
            println!("{}", p.rendered.text);
        }
    }
    println!(
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
        println!("{to}: {e}");
    }
    Ok(())
}

/// What meeting e-mails and guest requests take from the configuration.
pub fn meeting_settings(
    settings: &Settings,
) -> anyhow::Result<crate::invitations::MeetingSettings> {
    let from: lettre::message::Mailbox = settings
        .mail
        .from
        .parse()
        .map_err(|e| anyhow::anyhow!("mail.from: {e}"))?;
    let organiser = settings.organiser()?;
    Ok(crate::invitations::MeetingSettings {
        domain: from.email.domain().to_owned(),
        organiser_name: organiser
            .name
            .clone()
            .unwrap_or_else(|| "Netzwerk Hub".to_owned()),
        organiser_email: organiser.email.to_string(),
        public_url: settings
            .meetings
            .public_url
            .trim_end_matches('/')
            .to_owned(),
        limits: netzwerk_storage::guests::RateLimits {
            per_address_per_day: i64::from(settings.meetings.guest_requests_per_address_per_day),
            per_client_per_hour: i64::from(settings.meetings.guest_requests_per_client_per_hour),
        },
        retention_days: settings.meetings.guest_retention_days,
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

fn user_add(
    settings: &Settings,
    email: &str,
    name: Option<&str>,
    password: Option<String>,
    role: RoleArg,
    organisation: Option<&str>,
) -> anyhow::Result<()> {
    let email = EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let name = name.map_or_else(|| email.to_string(), |n| n.trim().to_owned());
    if name.is_empty() {
        bail!("--name: must not be empty");
    }
    let role = match role {
        RoleArg::Coordinator => Role::Coordinator,
        RoleArg::Editor => Role::Editor,
    };
    let slug = match (role, organisation) {
        (Role::Editor, Some(s)) => {
            Some(Slug::parse(s).map_err(|e| anyhow::anyhow!("--organisation: {e}"))?)
        }
        (Role::Editor, None) => {
            bail!("--organisation: an editor needs the slug of their organisation")
        }
        (Role::Coordinator, Some(_)) => {
            bail!("--organisation: a coordinator belongs to no organisation")
        }
        (Role::Coordinator, None) => None,
    };
    let password = match password {
        Some(p) => p,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("while reading the password from standard input")?;
            line.trim_end_matches(['\n', '\r']).to_owned()
        }
    };
    crate::auth::check_password(&password).map_err(|e| anyhow::anyhow!("password: {e}"))?;
    let hash = crate::auth::hash_password(&password).map_err(anyhow::Error::msg)?;
    let db = open(settings)?;
    db.ensure_migrated()?;
    let user = db.run_blocking(|c| {
        let org = match &slug {
            Some(s) => Some(organisations::find_id_by_slug(c, s)?.ok_or_else(|| {
                netzwerk_storage::StorageError::NotFound(format!("organisation {s}"))
            })?),
            None => None,
        };
        users::insert(c, "cli", &email, &name, &hash, role, org)
    })?;
    println!(
        "created {} {} ({})",
        user.role.as_str(),
        user.email,
        user.id
    );
    Ok(())
}

fn organisation_id(
    db: &Database,
    slug: &str,
) -> anyhow::Result<netzwerk_domain::ids::OrganisationId> {
    let slug = Slug::parse(slug).map_err(|e| anyhow::anyhow!("--organisation: {e}"))?;
    db.run_blocking(|c| organisations::find_id_by_slug(c, &slug))?
        .ok_or_else(|| anyhow::anyhow!("--organisation: no organisation has the slug {slug}"))
}

fn calendar(settings: &Settings, cmd: CalendarCommand) -> anyhow::Result<()> {
    use crate::calendar_sync;
    use netzwerk_storage::calendar_sources;

    let fetcher = crate::fetch::Fetcher::new(settings.fetch_settings());
    let limits = settings.calendar_limits();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("while starting the async runtime")?;
    if let CalendarCommand::Check { source } = &cmd {
        // Reading a calendar needs no database.
        let is_url = source.starts_with("http://") || source.starts_with("https://");
        let limits = if is_url {
            limits
        } else {
            settings.file_limits()
        };
        let bytes = runtime.block_on(calendar_sync::load(&fetcher, source, &limits))?;
        let started = std::time::Instant::now();
        let parsed = netzwerk_calendar::parse(&bytes, &limits)
            .map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
        let seconds = started.elapsed().as_secs_f64();
        let recurring = parsed
            .events
            .iter()
            .filter(|e| !e.event.recurrence.is_none())
            .count();
        println!(
            "parsed {} events ({recurring} recurring), {} issues, in {seconds:.3} s",
            parsed.events.len(),
            parsed.issues.len()
        );
        for issue in &parsed.issues {
            println!("line {}: {}", issue.line, issue.reason);
        }
        return Ok(());
    }
    let db = open(settings)?;
    db.ensure_migrated()?;
    match cmd {
        CalendarCommand::Import {
            organisation,
            source,
        } => {
            let org = organisation_id(&db, &organisation)?;
            let is_url = source.starts_with("http://") || source.starts_with("https://");
            let limits = if is_url {
                limits
            } else {
                settings.file_limits()
            };
            let started = std::time::Instant::now();
            let report = runtime.block_on(calendar_sync::import(
                &db, &fetcher, org, &source, &limits, "cli",
            ))?;
            println!("{report}");
            eprintln!("(took {:.2} s)", started.elapsed().as_secs_f64());
            for issue in &report.issues {
                println!("line {}: {}", issue.line, issue.reason);
            }
            if !report.complete {
                println!("the calendar was not read completely, so no event was removed");
            }
        }
        CalendarCommand::Check { .. } => {}
        CalendarCommand::AddSource {
            organisation,
            url,
            interval,
        } => {
            let org = organisation_id(&db, &organisation)?;
            netzwerk_domain::error::url(&url).map_err(|e| anyhow::anyhow!("URL: {e}"))?;
            let minutes = match interval {
                Some(m) => PollInterval::parse(i64::from(m))
                    .map_err(|e| anyhow::anyhow!("{}", e.within("--interval")))?,
                None => settings.calendar_poll_default(),
            }
            .as_i32();
            let s = db.run_blocking(|c| calendar_sources::insert(c, "cli", org, &url, minutes))?;
            println!(
                "following {} every {} minutes ({})",
                Redacted(&s.url),
                s.interval_minutes,
                s.id
            );
        }
        CalendarCommand::Poll { all } => {
            let summary = runtime.block_on(calendar_sync::poll_due(&db, &fetcher, &limits, all))?;
            println!(
                "polled {} feed(s): {} not modified, {} synced, {} failed",
                summary.polled,
                summary.not_modified,
                summary.synced.len(),
                summary.failed
            );
            for (url, report) in &summary.synced {
                println!("{url}: {report}");
                for issue in &report.issues {
                    println!("  line {}: {}", issue.line, issue.reason);
                }
            }
            for (url, error) in &summary.errors {
                println!("{url}: failed: {error}");
            }
        }
        CalendarCommand::Sources { organisation } => {
            let org = organisation_id(&db, &organisation)?;
            for s in db.run_blocking(|c| calendar_sources::of_organisation(c, org))? {
                let health = match (&s.last_error, s.last_success_at) {
                    (Some(e), _) => format!("failing ({} in a row): {e}", s.consecutive_failures),
                    (None, Some(t)) => format!(
                        "ok, last success {t}, {} events, {} rejected",
                        s.event_count, s.rejected_count
                    ),
                    (None, None) => "not polled yet".to_owned(),
                };
                println!(
                    "{}  {}  every {} min  next {}  {}",
                    s.id,
                    Redacted(&s.url),
                    s.interval_minutes,
                    s.next_fetch_at,
                    health
                );
            }
        }
    }
    Ok(())
}

fn mail(settings: &Settings, cmd: MailCommand) -> anyhow::Result<()> {
    use netzwerk_storage::outbox;

    let db = open(settings)?;
    db.ensure_migrated()?;
    let mailer = crate::mail::Mailer::new(&settings.mail)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("while starting the async runtime")?;
    match cmd {
        MailCommand::Test { to } => {
            let to = EmailAddress::parse(&to).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
            let msg = outbox::NewMessage {
                purpose: "test".into(),
                recipient: to.to_string(),
                recipient_name: None,
                subject: "Netzwerk Hub: Testnachricht / test message".into(),
                body_text: "Diese Nachricht prüft die E-Mail-Einstellungen des Netzwerk Hub.\n\nThis message checks the Netzwerk Hub's e-mail settings.\n".into(),
                body_html: Some("<p>Diese Nachricht prüft die E-Mail-Einstellungen des Netzwerk Hub.</p><p lang=\"en\">This message checks the Netzwerk Hub's e-mail settings.</p>".into()),
                attachment: None,
                list_unsubscribe: None,
            };
            let id = runtime.block_on(crate::mail::enqueue(&db, mailer.domain(), msg))?;
            println!("queued test message {id} to {to}");
        }
        MailCommand::Send { all } => {
            if all {
                db.run_blocking(outbox::expedite)?;
            }
            let s = runtime.block_on(mailer.deliver_due(&db))?;
            println!(
                "sent {}, retrying {}, failed {}",
                s.sent, s.retrying, s.failed
            );
            for (to, e) in &s.errors {
                println!("{to}: {e}");
            }
        }
        MailCommand::List { state } => {
            let state = match state.as_deref() {
                None => None,
                Some("queued") => Some(outbox::State::Queued),
                Some("sending") => Some(outbox::State::Sending),
                Some("sent") => Some(outbox::State::Sent),
                Some("failed") => Some(outbox::State::Failed),
                Some(other) => {
                    bail!("--state: must be queued, sending, sent or failed, got {other:?}")
                }
            };
            let page = db.run_blocking(|c| outbox::list(c, state, 0, 200))?;
            for m in page.items {
                println!(
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

fn apikey(settings: &Settings, cmd: ApiKeyCommand) -> anyhow::Result<()> {
    let db = open(settings)?;
    db.ensure_migrated()?;
    match cmd {
        ApiKeyCommand::Add { name, origins } => {
            let name = name.trim().to_owned();
            if name.is_empty() {
                bail!("--name: must not be empty");
            }
            for o in &origins {
                netzwerk_domain::error::url(o).map_err(|e| anyhow::anyhow!("--origin: {e}"))?;
            }
            let key = crate::auth::new_secret(crate::auth::API_KEY_PREFIX);
            let prefix: String = key.chars().take(12).collect();
            let hash = crate::auth::secret_hash(&key);
            let info =
                db.run_blocking(|c| api_keys::insert(c, "cli", &name, &prefix, &hash, &origins))?;
            println!("created API key {} for {}", info.id, info.name);
            println!("{key}");
            eprintln!(
                "(the key is shown only now; send it as `X-Api-Key: …` or `Authorization: Bearer …`)"
            );
        }
        ApiKeyCommand::List => {
            let keys = db.run_blocking(api_keys::list)?;
            if keys.is_empty() {
                println!("no API keys");
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
                println!(
                    "{}  {}…  {}  {}  ({})",
                    k.id, k.prefix, k.name, state, origins
                );
            }
        }
        ApiKeyCommand::Revoke { id } => {
            let id = ApiKeyId::parse(&id).map_err(|e| anyhow::anyhow!("ID: {e}"))?;
            let k = db.run_blocking(|c| api_keys::revoke(c, "cli", id))?;
            println!("revoked API key {} ({})", k.id, k.name);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
