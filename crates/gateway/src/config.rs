//! Configuration: built-in defaults → optional TOML file (`--config PATH`) →
//! environment variables `NETZWERK__SECTION__KEY`. Unknown keys and bad values stop
//! start-up with a message that names the key.

use netzwerk_domain::poll::PollInterval;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context as _, bail};
use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

/// The defaults, in the same format as `ops/netzwerk.example.toml`.
const DEFAULTS: &str = r#"
[server]
listen = "127.0.0.1:8080"
max_body_bytes = 262144
introspection = true
max_depth = 12
max_complexity = 20000
max_aliases = 100
request_timeout_seconds = 30
statement_header = false
client_ip_header = ""
worker_threads = 0
profile = "development"
anonymous_rate_limit_per_minute = 1200
response_cache_entries = 1000
response_cache_megabytes = 64
cors_origins = "*"
usage_flush_seconds = 60
federation = true

[database]
url = "sqlite://data/netzwerk.db"
max_connections = 8
sslmode = ""
connect_timeout_seconds = 5

[auth]
token_ttl_hours = 12
login_attempts_per_account = 5
login_attempts_per_client = 30
login_lock_minutes = 15

[fetch]
allow_private_addresses = false
timeout_seconds = 20
max_bytes = 10485760
max_redirects = 5

[calendar]
poll = true
default_interval_minutes = 60
max_events_per_feed = 100000
max_file_bytes = 268435456
occurrence_index_days_back = 31
occurrence_index_days_ahead = 400

[funding]
poll = true
send_digests = true
default_interval_minutes = 360
max_items_per_feed = 2000
subscriptions_per_client_per_hour = 10

[mail]
from = "Netzwerk Hub <netzwerk-hub@localhost>"
smtp_host = "127.0.0.1"
smtp_port = 25
tls = "none"
username = ""
password = ""
send = true
give_up_after_hours = 48
poll_seconds = 15
retry_base_seconds = 60
smtp_timeout_seconds = 30
newsletter_per_minute = 600
connections = 4

[meetings]
organiser = ""
public_url = "http://127.0.0.1:8080"
guest_retention_days = 30
guest_requests_per_address_per_day = 3
guest_requests_per_client_per_hour = 10

[news]
publish_at_once = false

[hsds]
poll = true
default_interval_minutes = 360
max_bytes = 268435456
read_timeout_seconds = 300
city = "Berlin"
state_province = "Berlin"
country = "DE"

[log]
level = "info"
format = "text"
"#;

/// All settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// HTTP server.
    pub server: ServerSettings,
    /// Database.
    pub database: DatabaseSettings,
    /// Sign-in.
    pub auth: AuthSettings,
    /// Outbound HTTP (calendar and funding feeds).
    pub fetch: FetchConfig,
    /// Calendar feeds.
    pub calendar: CalendarConfig,
    /// Funding feeds.
    pub funding: FundingConfig,
    /// Outgoing e-mail.
    pub mail: netzwerk_app::mail::MailConfig,
    /// Network meetings: invitations and guests.
    pub meetings: MeetingsConfig,
    /// Member news.
    pub news: NewsConfig,
    /// The directory exchanged through HSDS.
    pub hsds: HsdsConfig,
    /// Logging.
    pub log: LogSettings,
}

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Address and port to listen on.
    pub listen: String,
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Answer introspection queries.
    pub introspection: bool,
    /// Deepest GraphQL query accepted.
    pub max_depth: usize,
    /// Most costly GraphQL query accepted (fields, with list sizes multiplied in).
    pub max_complexity: usize,
    /// Most aliased fields in one query.
    pub max_aliases: u64,
    /// The longest one GraphQL request may run (and one SQL statement on PostgreSQL).
    pub request_timeout_seconds: u64,
    /// Add the `x-sql-statements` response header (tests, benchmarks).
    pub statement_header: bool,
    /// Header holding the client's address when behind a reverse proxy (e.g.
    /// `X-Forwarded-For`; its last entry is used). Empty: the connection's address.
    /// Used by every per-client limit (sign-in, guest requests, digests).
    pub client_ip_header: String,
    /// Threads answering requests (0: one per core). Parsing feeds, database work and
    /// password hashing run on a separate blocking pool and never hold these.
    pub worker_threads: usize,
    /// `development` or `production`: under production, anonymous and key callers
    /// get no introspection and no field suggestions, and clients register no
    /// persisted documents (APQ); trusted documents and a federation router's
    /// `_service` query keep working.
    pub profile: String,
    /// Requests per minute one anonymous client address may make (token bucket, in
    /// each replica's memory); beyond: 429 `RATE_LIMITED` with `Retry-After`.
    pub anonymous_rate_limit_per_minute: u32,
    /// Answers to public persisted queries kept in memory (0: no response cache).
    pub response_cache_entries: usize,
    /// The most memory those answers take, in MiB.
    pub response_cache_megabytes: usize,
    /// Origins whose pages may read anonymous answers: `*` (any, without
    /// credentials) or a list separated by spaces. Keyed requests follow their key's
    /// origins.
    pub cors_origins: String,
    /// How often each replica stores the partner keys' counted requests (seconds).
    pub usage_flush_seconds: u64,
    /// Answer Apollo Federation's `_service` and `_entities`, so that a router can
    /// compose the Hub with other GraphQL services.
    pub federation: bool,
}

/// `[database]`
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` or `postgres://…`.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
    /// PostgreSQL: libpq's `sslmode` (`disable`, `allow`, `prefer`, `require`,
    /// `verify-ca`, `verify-full`); empty keeps libpq's default (`prefer`, which
    /// tries TLS first), unless the URL names one.
    pub sslmode: String,
    /// PostgreSQL: seconds to wait for a new connection.
    pub connect_timeout_seconds: u64,
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &netzwerk_domain::redact::Redacted(&self.url))
            .field("max_connections", &self.max_connections)
            .field("sslmode", &self.sslmode)
            .field("connect_timeout_seconds", &self.connect_timeout_seconds)
            .finish()
    }
}

/// `[auth]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// How long a sign-in token lives.
    pub token_ttl_hours: u32,
    /// Sign-in attempts for one e-mail address (known or not) per lock window.
    pub login_attempts_per_account: u32,
    /// Sign-in attempts from one client address per lock window.
    pub login_attempts_per_client: u32,
    /// The window in minutes (1 to 15); a lock ends by itself with it.
    pub login_lock_minutes: u32,
}

/// `[fetch]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchConfig {
    /// Allow feeds on private, loopback and link-local addresses (off in production).
    pub allow_private_addresses: bool,
    /// Seconds for one request.
    pub timeout_seconds: u64,
    /// Largest feed in bytes.
    pub max_bytes: usize,
    /// Most redirects followed.
    pub max_redirects: usize,
}

/// `[calendar]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// Poll members' feeds in the background while serving.
    pub poll: bool,
    /// Poll interval of a new feed when none is given.
    pub default_interval_minutes: u32,
    /// Most events taken from one feed or file.
    pub max_events_per_feed: usize,
    /// Largest file `calendar import` reads from disk (downloads are capped by fetch.max_bytes).
    pub max_file_bytes: usize,
    /// Days before today the occurrence index reaches back.
    pub occurrence_index_days_back: u32,
    /// Days after today the occurrence index reaches ahead.
    pub occurrence_index_days_ahead: u32,
}

/// `[funding]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundingConfig {
    /// Poll funding feeds in the background while serving.
    pub poll: bool,
    /// Queue the weekly digests that are due, hourly, while serving.
    pub send_digests: bool,
    /// Poll interval of a feed added without --interval.
    pub default_interval_minutes: u32,
    /// Most items taken from one funding feed or deadline calendar; the rest are
    /// named as an issue on the feed's health.
    pub max_items_per_feed: usize,
    /// Digest subscriptions one client (network address) may ask for in an hour.
    pub subscriptions_per_client_per_hour: u32,
}

/// `[news]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewsConfig {
    /// Publish member news without the coordinator's review.
    pub publish_at_once: bool,
}

/// `[hsds]`: where the directory is (HSDS addresses name a city, a state or province
/// and a country; the Hub's locations keep street, postcode and district).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HsdsConfig {
    /// Poll the directories followed through HSDS in the background (`serve`).
    pub poll: bool,
    /// Minutes between polls of a source followed without an interval.
    pub default_interval_minutes: u32,
    /// Bytes one read of a source may take in all (every page or table); a larger
    /// source fails the read and nothing is taken.
    pub max_bytes: u64,
    /// Seconds one read of a source may take in all (1 to 480: inside the 10-minute
    /// lease of a polled feed); a slower read fails and nothing is taken.
    pub read_timeout_seconds: u64,
    /// The city of every location.
    pub city: String,
    /// Its state or province.
    pub state_province: String,
    /// Its country, ISO 3166-1 alpha-2.
    pub country: String,
}

/// `[meetings]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingsConfig {
    /// ORGANIZER of invitations, `Name <address>`, where calendar replies go
    /// (empty: `mail.from`).
    pub organiser: String,
    /// The Hub's public address, for links in e-mails (guests' confirmation link).
    pub public_url: String,
    /// Days after a meeting when its guests' personal data is deleted.
    pub guest_retention_days: u32,
    /// Guest requests one e-mail address may make in 24 hours.
    pub guest_requests_per_address_per_day: u32,
    /// Guest requests one client may make in an hour.
    pub guest_requests_per_client_per_hour: u32,
    /// Deprecated: moved to `server.client_ip_header`; still read, with a warning.
    #[serde(default)]
    pub client_ip_header: Option<String>,
}

/// `[log]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `error`, `warn`, `info`, `debug`, `trace`, or a tracing filter.
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

impl Settings {
    /// Loads the layers and checks every value.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        Self::load_from(
            file,
            Environment::with_prefix("NETZWERK")
                .prefix_separator("__")
                .separator("__"),
        )
    }

    fn load_from(file: Option<&Path>, env: Environment) -> anyhow::Result<Self> {
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(path) = file {
            if !path.is_file() {
                bail!("the configuration file {} does not exist", path.display());
            }
            builder = builder.add_source(File::from(path).format(FileFormat::Toml));
        }
        let config = builder
            .add_source(env.try_parsing(true))
            .build()
            .context("while reading the configuration")?;
        let settings: Settings = config
            .try_deserialize()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> anyhow::Result<()> {
        self.listen_addr()?;
        netzwerk_app::check_database_url(&self.database.url)
            .map_err(|e| anyhow::anyhow!("database.url: {e}"))?;
        if self.database.max_connections == 0 {
            bail!("database.max_connections: must be at least 1");
        }
        if self.server.max_body_bytes < 1024 {
            bail!(
                "server.max_body_bytes: must be at least 1024, got {}",
                self.server.max_body_bytes
            );
        }
        for (key, value) in [
            ("hsds.city", &self.hsds.city),
            ("hsds.state_province", &self.hsds.state_province),
        ] {
            if value.trim().is_empty() {
                bail!("{key}: must not be empty");
            }
        }
        if !(1..=480).contains(&self.hsds.read_timeout_seconds) {
            bail!(
                "hsds.read_timeout_seconds: must be 1 to 480 (inside the 10-minute lease), got {}",
                self.hsds.read_timeout_seconds
            );
        }
        if self.hsds.max_bytes < 1024 {
            bail!(
                "hsds.max_bytes: must be at least 1024, got {}",
                self.hsds.max_bytes
            );
        }
        let country = self.hsds.country.trim();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            bail!(
                "hsds.country: must be an ISO 3166-1 code of two capital letters, got {country:?}"
            );
        }
        let (back, ahead) = (
            self.calendar.occurrence_index_days_back,
            self.calendar.occurrence_index_days_ahead,
        );
        if back > 3660 || !(31..=3660).contains(&ahead) || back + ahead > 3660 {
            bail!(
                "calendar.occurrence_index_days_back and occurrence_index_days_ahead: at most 3660 days together (the densest series, daily, has 5000 occurrences at most), ahead at least 31 (a month of upcoming events), got {back} and {ahead}"
            );
        }
        if self.auth.token_ttl_hours == 0 {
            bail!("auth.token_ttl_hours: must be at least 1");
        }
        if self.fetch.timeout_seconds == 0 || self.fetch.timeout_seconds > 600 {
            bail!(
                "fetch.timeout_seconds: must be 1 to 600, got {}",
                self.fetch.timeout_seconds
            );
        }
        PollInterval::parse(i64::from(self.funding.default_interval_minutes))
            .map_err(|e| anyhow::anyhow!("{}", e.within("funding.default_interval_minutes")))?;
        PollInterval::parse(i64::from(self.calendar.default_interval_minutes))
            .map_err(|e| anyhow::anyhow!("{}", e.within("calendar.default_interval_minutes")))?;
        PollInterval::parse(i64::from(self.hsds.default_interval_minutes))
            .map_err(|e| anyhow::anyhow!("{}", e.within("hsds.default_interval_minutes")))?;
        if self.funding.subscriptions_per_client_per_hour == 0 {
            bail!("funding.subscriptions_per_client_per_hour: must be at least 1");
        }
        if !(1..=100_000).contains(&self.funding.max_items_per_feed) {
            bail!(
                "funding.max_items_per_feed: must be 1 to 100000, got {}",
                self.funding.max_items_per_feed
            );
        }
        if !matches!(self.mail.tls.as_str(), "none" | "starttls" | "tls") {
            bail!(
                "mail.tls: must be none, starttls or tls, got {:?}",
                self.mail.tls
            );
        }
        self.mail
            .from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| {
                anyhow::anyhow!(
                    "mail.from: {:?} is not an address such as Name <a@b.example>: {e}",
                    self.mail.from
                )
            })?;
        if self.mail.poll_seconds == 0 || self.mail.retry_base_seconds == 0 {
            bail!("mail.poll_seconds and mail.retry_base_seconds: must be at least 1");
        }
        if !(1..=600).contains(&self.mail.smtp_timeout_seconds) {
            bail!(
                "mail.smtp_timeout_seconds: must be 1 to 600, got {}",
                self.mail.smtp_timeout_seconds
            );
        }
        if !(1..=16).contains(&self.mail.connections) {
            bail!(
                "mail.connections: must be 1 to 16, got {}",
                self.mail.connections
            );
        }
        if self.mail.newsletter_per_minute == 0 {
            bail!("mail.newsletter_per_minute: must be at least 1");
        }
        self.organiser()?;
        let url = self.meetings.public_url.trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.contains(char::is_whitespace)
        {
            bail!(
                "meetings.public_url: {:?} is not an http(s) address such as https://hub.example.org",
                self.meetings.public_url
            );
        }
        if self.meetings.guest_requests_per_address_per_day == 0
            || self.meetings.guest_requests_per_client_per_hour == 0
        {
            bail!("meetings.guest_requests_per_*: must be at least 1");
        }
        if let Some(name) = self.client_ip_header()
            && axum::http::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()).is_err()
        {
            bail!("server.client_ip_header: {name:?} is not a header name");
        }
        if !(1..=3600).contains(&self.server.request_timeout_seconds) {
            bail!(
                "server.request_timeout_seconds: must be 1 to 3600, got {}",
                self.server.request_timeout_seconds
            );
        }
        if self.server.max_aliases == 0 {
            bail!("server.max_aliases: must be at least 1");
        }
        if !["development", "production"].contains(&self.server.profile.as_str()) {
            bail!(
                "server.profile: must be \"development\" or \"production\", got {:?}",
                self.server.profile
            );
        }
        if !(1..=3600).contains(&self.server.usage_flush_seconds) {
            bail!(
                "server.usage_flush_seconds: must be 1 to 3600, got {}",
                self.server.usage_flush_seconds
            );
        }
        if self.server.anonymous_rate_limit_per_minute == 0 {
            bail!("server.anonymous_rate_limit_per_minute: must be at least 1");
        }
        if !self.database.sslmode.is_empty()
            && !netzwerk_app::SSL_MODES.contains(&self.database.sslmode.as_str())
        {
            bail!(
                "database.sslmode: must be one of {}, got {:?}",
                netzwerk_app::SSL_MODES.join(", "),
                self.database.sslmode
            );
        }
        if !(1..=300).contains(&self.database.connect_timeout_seconds) {
            bail!(
                "database.connect_timeout_seconds: must be 1 to 300, got {}",
                self.database.connect_timeout_seconds
            );
        }
        if !(1..=15).contains(&self.auth.login_lock_minutes) {
            bail!(
                "auth.login_lock_minutes: must be 1 to 15 (a lock must end soon by itself), got {}",
                self.auth.login_lock_minutes
            );
        }
        if self.auth.login_attempts_per_account == 0 || self.auth.login_attempts_per_client == 0 {
            bail!("auth.login_attempts_per_*: must be at least 1");
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            bail!(
                "log.format: must be text or json, got {:?}",
                self.log.format
            );
        }
        tracing_subscriber::EnvFilter::try_new(&self.log.level)
            .map_err(|e| anyhow::anyhow!("log.level: {e}"))?;
        Ok(())
    }

    /// The header with the client's address behind a proxy: `server.client_ip_header`,
    /// else the deprecated `meetings.client_ip_header` (with a warning at start).
    pub fn client_ip_header(&self) -> Option<&str> {
        Some(self.server.client_ip_header.trim())
            .filter(|h| !h.is_empty())
            .or_else(|| {
                self.meetings
                    .client_ip_header
                    .as_deref()
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
            })
    }

    /// Warnings about settings that still work but should change.
    pub fn deprecations(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.meetings.client_ip_header.is_some() {
            out.push(
                "meetings.client_ip_header is deprecated: set server.client_ip_header (NETZWERK__SERVER__CLIENT_IP_HEADER) instead"
                    .to_owned(),
            );
        }
        out
    }

    /// The database pool's settings for serving requests.
    pub fn pool_settings(&self) -> netzwerk_app::PoolSettings {
        netzwerk_app::PoolSettings {
            max_connections: self.database.max_connections,
            sslmode: Some(self.database.sslmode.clone()).filter(|m| !m.is_empty()),
            connect_timeout: std::time::Duration::from_secs(self.database.connect_timeout_seconds),
            ..netzwerk_app::PoolSettings::default()
        }
    }

    /// The poll interval of a calendar feed added without one (checked at load).
    pub fn calendar_poll_default(&self) -> PollInterval {
        PollInterval::parse(i64::from(self.calendar.default_interval_minutes))
            .unwrap_or(PollInterval::HOURLY)
    }

    /// The poll interval of a funding feed added without one (checked at load).
    pub fn funding_poll_default(&self) -> PollInterval {
        PollInterval::parse(i64::from(self.funding.default_interval_minutes))
            .unwrap_or(PollInterval::SIX_HOURLY)
    }

    /// The poll interval of an HSDS source followed without one (checked at load).
    pub fn hsds_poll_default(&self) -> PollInterval {
        PollInterval::parse(i64::from(self.hsds.default_interval_minutes))
            .unwrap_or(PollInterval::SIX_HOURLY)
    }

    /// Sign-in limits.
    pub fn login_limits(&self) -> netzwerk_app::auth::LoginLimits {
        netzwerk_app::auth::LoginLimits {
            per_account: self.auth.login_attempts_per_account,
            per_client: self.auth.login_attempts_per_client,
            window: chrono::Duration::minutes(i64::from(self.auth.login_lock_minutes)),
        }
    }

    /// The organiser of meeting invitations: `meetings.organiser`, else `mail.from`.
    pub fn organiser(&self) -> anyhow::Result<lettre::message::Mailbox> {
        let (key, raw) = if self.meetings.organiser.trim().is_empty() {
            ("mail.from", &self.mail.from)
        } else {
            ("meetings.organiser", &self.meetings.organiser)
        };
        raw.parse().map_err(|e| {
            anyhow::anyhow!("{key}: {raw:?} is not an address such as Name <a@b.example>: {e}")
        })
    }

    /// The guarded HTTP client's settings.
    pub fn fetch_settings(&self) -> netzwerk_app::fetch::FetchSettings {
        netzwerk_app::fetch::FetchSettings {
            allow_private_addresses: self.fetch.allow_private_addresses,
            timeout: std::time::Duration::from_secs(self.fetch.timeout_seconds),
            max_bytes: self.fetch.max_bytes,
            max_redirects: self.fetch.max_redirects,
        }
    }

    /// Limits on one calendar file read from disk.
    pub fn file_limits(&self) -> netzwerk_calendar::Limits {
        netzwerk_calendar::Limits {
            max_bytes: self.calendar.max_file_bytes,
            max_events: self.calendar.max_events_per_feed,
        }
    }

    /// Limits on one funding feed (items; bytes: `max_bytes`, the download's or the
    /// file's cap).
    pub fn funding_limits(&self, max_bytes: usize) -> netzwerk_calendar::Limits {
        netzwerk_calendar::Limits {
            max_bytes,
            max_events: self.funding.max_items_per_feed,
        }
    }

    /// Limits on one downloaded calendar.
    pub fn calendar_limits(&self) -> netzwerk_calendar::Limits {
        netzwerk_calendar::Limits {
            max_bytes: self.fetch.max_bytes,
            max_events: self.calendar.max_events_per_feed,
        }
    }

    /// Whether the production profile is on.
    pub fn production(&self) -> bool {
        self.server.profile == "production"
    }

    /// What the application layer takes from the configuration.
    pub fn app_settings(&self) -> anyhow::Result<netzwerk_app::Settings> {
        let from: lettre::message::Mailbox = self
            .mail
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail.from: {e}"))?;
        let organiser = self.organiser()?;
        Ok(netzwerk_app::Settings {
            meetings: netzwerk_app::invitations::MeetingSettings {
                domain: from.email.domain().to_owned(),
                organiser_name: organiser
                    .name
                    .clone()
                    .unwrap_or_else(|| "Netzwerk Hub".to_owned()),
                organiser_email: organiser.email.to_string(),
                public_url: self.meetings.public_url.trim_end_matches('/').to_owned(),
                limits: netzwerk_app::invitations::GuestLimits {
                    per_address_per_day: i64::from(
                        self.meetings.guest_requests_per_address_per_day,
                    ),
                    per_client_per_hour: i64::from(
                        self.meetings.guest_requests_per_client_per_hour,
                    ),
                },
                retention_days: self.meetings.guest_retention_days,
            },
            token_ttl: chrono::Duration::hours(i64::from(self.auth.token_ttl_hours)),
            login_limits: self.login_limits(),
            subscriptions_per_client_per_hour: self.funding.subscriptions_per_client_per_hour,
            calendar_poll_default: self.calendar_poll_default(),
            funding_poll_default: self.funding_poll_default(),
            hsds_poll_default: self.hsds_poll_default(),
            hsds_max_bytes: self.hsds.max_bytes,
            hsds_read_timeout: std::time::Duration::from_secs(self.hsds.read_timeout_seconds),
            occurrence_index: netzwerk_app::OccurrenceIndex {
                back: chrono::Duration::days(i64::from(self.calendar.occurrence_index_days_back)),
                ahead: chrono::Duration::days(i64::from(self.calendar.occurrence_index_days_ahead)),
            },
            fetch: self.fetch_settings(),
            calendar_limits: self.calendar_limits(),
            calendar_file_limits: self.file_limits(),
            funding_limits: self.funding_limits(self.fetch.max_bytes),
            funding_file_limits: self.funding_limits(self.calendar.max_file_bytes),
            production: self.production(),
            anonymous_per_minute: self.server.anonymous_rate_limit_per_minute,
            news_at_once: self.news.publish_at_once,
            hsds: netzwerk_app::hsds::Place {
                city: self.hsds.city.trim().to_owned(),
                state_province: self.hsds.state_province.trim().to_owned(),
                country: self.hsds.country.trim().to_owned(),
            },
        })
    }

    /// The HTTP server's settings.
    pub fn http_settings(&self) -> anyhow::Result<crate::http::HttpSettings> {
        Ok(crate::http::HttpSettings {
            max_body_bytes: self.server.max_body_bytes,
            statement_header: self.server.statement_header,
            client_ip_header: self
                .client_ip_header()
                .map(|h| axum::http::HeaderName::from_bytes(h.to_ascii_lowercase().as_bytes()))
                .transpose()
                .context("server.client_ip_header")?,
            query_limits: crate::guard::QueryLimits {
                max_cost: self.server.max_complexity as u64,
                max_depth: self.server.max_depth as u64,
                max_aliases: self.server.max_aliases,
                federation: self.server.federation,
            },
            request_timeout: self.request_timeout(),
            public_origins: crate::state::PublicOrigins::parse(&self.server.cors_origins)
                .map_err(|e| anyhow::anyhow!("server.cors_origins: {e}"))?,
            cache: crate::response_cache::CacheLimits {
                entries: self.server.response_cache_entries,
                bytes: self.server.response_cache_megabytes.saturating_mul(1 << 20),
            },
        })
    }

    /// The longest one request may run (and one SQL statement on PostgreSQL).
    pub fn request_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.server.request_timeout_seconds)
    }

    /// `server.listen` as a socket address.
    pub fn listen_addr(&self) -> anyhow::Result<SocketAddr> {
        self.server.listen.parse().map_err(|_| {
            anyhow::anyhow!(
                "server.listen: {:?} is not an address:port such as 127.0.0.1:8080",
                self.server.listen
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Environment {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Environment::with_prefix("NETZWERK")
            .prefix_separator("__")
            .separator("__")
            .source(Some(map))
    }

    #[test]
    fn defaults_load() {
        let s = Settings::load_from(None, env(&[])).expect("defaults are valid");
        assert_eq!(s.database.url, "sqlite://data/netzwerk.db");
    }

    #[test]
    fn environment_overrides() {
        let s = Settings::load_from(
            None,
            env(&[
                ("NETZWERK__DATABASE__URL", "postgres://x@127.0.0.1/db"),
                ("NETZWERK__SERVER__LISTEN", "0.0.0.0:9000"),
            ]),
        )
        .expect("valid");
        assert_eq!(s.database.url, "postgres://x@127.0.0.1/db");
        assert_eq!(s.listen_addr().expect("addr").port(), 9000);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let err = Settings::load_from(None, env(&[("NETZWERK__SERVER__LISTNE", "x")]))
            .expect_err("unknown key");
        assert!(format!("{err:#}").contains("listne"), "{err:#}");
        let err = Settings::load_from(None, env(&[("NETZWERK__SERVER__LISTEN", "nowhere")]))
            .expect_err("bad value");
        assert!(format!("{err:#}").contains("server.listen"), "{err:#}");
        let err = Settings::load_from(None, env(&[("NETZWERK__DATABASE__URL", "mysql://x")]))
            .expect_err("bad url");
        assert!(format!("{err:#}").contains("database.url"), "{err:#}");
        for (key, value, named) in [
            (
                "NETZWERK__MEETINGS__PUBLIC_URL",
                "hub.example.org",
                "meetings.public_url",
            ),
            (
                "NETZWERK__MEETINGS__ORGANISER",
                "not an address",
                "meetings.organiser",
            ),
            ("NETZWERK__HSDS__COUNTRY", "Germany", "hsds.country"),
            // Daily series over more than ten years would pass the 5,000 occurrences
            // an event may have in the index; a horizon under a month misses the
            // partner pages' window.
            (
                "NETZWERK__CALENDAR__OCCURRENCE_INDEX_DAYS_AHEAD",
                "3661",
                "occurrence_index_days_ahead",
            ),
            (
                "NETZWERK__CALENDAR__OCCURRENCE_INDEX_DAYS_AHEAD",
                "30",
                "occurrence_index_days_ahead",
            ),
            (
                "NETZWERK__CALENDAR__OCCURRENCE_INDEX_DAYS_BACK",
                "3500",
                "occurrence_index_days_back",
            ),
            ("NETZWERK__HSDS__CITY", " ", "hsds.city"),
            (
                "NETZWERK__MEETINGS__CLIENT_IP_HEADER",
                "X Forwarded",
                "client_ip_header",
            ),
            (
                "NETZWERK__SERVER__CLIENT_IP_HEADER",
                "X Forwarded",
                "server.client_ip_header",
            ),
            ("NETZWERK__DATABASE__SSLMODE", "maybe", "database.sslmode"),
            (
                "NETZWERK__AUTH__LOGIN_LOCK_MINUTES",
                "60",
                "auth.login_lock_minutes",
            ),
            (
                "NETZWERK__CALENDAR__DEFAULT_INTERVAL_MINUTES",
                "1",
                "calendar.default_interval_minutes",
            ),
            (
                "NETZWERK__SERVER__REQUEST_TIMEOUT_SECONDS",
                "0",
                "server.request_timeout_seconds",
            ),
            (
                "NETZWERK__MAIL__RETRY_BASE_SECONDS",
                "0",
                "mail.retry_base_seconds",
            ),
            (
                "NETZWERK__MAIL__SMTP_TIMEOUT_SECONDS",
                "0",
                "mail.smtp_timeout_seconds",
            ),
            (
                "NETZWERK__MAIL__NEWSLETTER_PER_MINUTE",
                "0",
                "mail.newsletter_per_minute",
            ),
            ("NETZWERK__MAIL__CONNECTIONS", "17", "mail.connections"),
        ] {
            let err = Settings::load_from(None, env(&[(key, value)])).expect_err(key);
            assert!(format!("{err:#}").contains(named), "{key}: {err:#}");
        }
    }

    #[test]
    fn the_old_client_address_key_still_works_with_a_warning() {
        let s = Settings::load_from(
            None,
            env(&[("NETZWERK__MEETINGS__CLIENT_IP_HEADER", "X-Forwarded-For")]),
        )
        .expect("valid");
        assert_eq!(s.client_ip_header(), Some("X-Forwarded-For"));
        assert_eq!(s.deprecations().len(), 1);
        let s = Settings::load_from(
            None,
            env(&[
                ("NETZWERK__MEETINGS__CLIENT_IP_HEADER", "X-Old"),
                ("NETZWERK__SERVER__CLIENT_IP_HEADER", "X-Real-IP"),
            ]),
        )
        .expect("valid");
        assert_eq!(s.client_ip_header(), Some("X-Real-IP"), "the new key wins");
        let s = Settings::load_from(None, env(&[])).expect("valid");
        assert_eq!(s.client_ip_header(), None);
        assert!(s.deprecations().is_empty());
    }

    #[test]
    fn file_layer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("hub.toml");
        std::fs::write(&path, "[database]\nmax_connections = 3\n[sever]\nx = 1\n").expect("write");
        let err = Settings::load_from(Some(&path), env(&[])).expect_err("unknown section");
        assert!(format!("{err:#}").contains("sever"), "{err:#}");
        std::fs::write(&path, "[database]\nmax_connections = 3\n").expect("write");
        assert_eq!(
            Settings::load_from(Some(&path), env(&[]))
                .expect("valid")
                .database
                .max_connections,
            3
        );
    }
}

#[cfg(test)]
mod example_file {
    use super::*;

    #[test]
    fn the_commented_example_is_valid_and_matches_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ops/netzwerk.example.toml");
        let none: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        let env = || {
            Environment::with_prefix("NETZWERK")
                .prefix_separator("__")
                .separator("__")
                .source(Some(none.clone()))
        };
        let from_file = Settings::load_from(Some(&path), env()).expect("the example is valid");
        let defaults = Settings::load_from(None, env()).expect("defaults");
        assert_eq!(format!("{from_file:?}"), format!("{defaults:?}"));
    }
}
