//! Passwords, bearer tokens and API keys, and turning request headers into an [`Actor`].
//! Passwords are hashed with Argon2id; tokens and keys are random and stored only as
//! SHA-256 hashes, so a copy of the database reveals no credential.

use std::time::Instant;

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use chrono::{Duration, Utc};
use netzwerk_domain::access::{Actor, Denied, Role};
use netzwerk_domain::email::EmailAddress;
use netzwerk_domain::ids::{OrganisationId, UserId};
use netzwerk_domain::organisation::MembershipStatus;
use netzwerk_storage::api_keys::KeyLimits;
use netzwerk_storage::users::UserAccount;
use netzwerk_storage::{Database, StorageError, api_keys, organisations, rate_limits, users};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::Hub;
use crate::limits::Subject;

/// Prefix of sign-in tokens.
pub const TOKEN_PREFIX: &str = "nwt_";
/// Prefix of partner API keys.
pub const API_KEY_PREFIX: &str = "nwk_";
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Hashes a password with Argon2id and a random salt (slow on purpose: call off the async threads).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash password: {e}"))
}

/// Checks a password against a stored Argon2 hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks the password rules, naming what is wrong.
pub fn check_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters, it has {n}"
        ));
    }
    if n > 1000 {
        return Err("the password must have at most 1000 characters".into());
    }
    Ok(())
}

/// A new random secret with a prefix, e.g. `nwt_…` (256 bits, hex).
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// The SHA-256 hash under which a token or key is stored.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The actor an account acts as; `member`: whether an editor's organisation's
/// membership is `MEMBER` (see [`Actor::is_member`]).
pub fn actor_of(user: &UserAccount, member: bool) -> Actor {
    match (user.role, user.organisation_id) {
        (Role::Coordinator, _) => Actor::Coordinator { user: user.id },
        (Role::Editor, Some(organisation)) => Actor::Editor {
            user: user.id,
            organisation,
            member,
        },
        // An editor whose organisation is gone may read like anyone, nothing more.
        (Role::Editor, None) => Actor::Anonymous,
    }
}

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The bearer token, shown to the user once.
    pub token: String,
    /// When it stops working.
    pub expires_at: chrono::DateTime<Utc>,
    /// Who signed in.
    pub user: UserAccount,
    /// Their account as the API shows it.
    pub account: Account,
}

/// A signed-in account: who, in which role, editing which organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    /// The user.
    pub user: UserId,
    /// Editor or coordinator.
    pub role: Role,
    /// The organisation an editor edits.
    pub organisation: Option<OrganisationId>,
}

/// The signed-in account behind `actor`; none for the public, a partner site's key
/// and the operator.
pub fn account(actor: Actor) -> Option<Account> {
    match actor {
        Actor::Coordinator { user } => Some(Account {
            user,
            role: Role::Coordinator,
            organisation: None,
        }),
        Actor::Editor {
            user, organisation, ..
        } => Some(Account {
            user,
            role: Role::Editor,
            organisation: Some(organisation),
        }),
        Actor::Anonymous | Actor::Partner { .. } | Actor::Operator => None,
    }
}

/// How many sign-in attempts are allowed before `RATE_LIMITED`.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Attempts for one e-mail address (known or not) per window.
    pub per_account: u32,
    /// Attempts from one client address per window.
    pub per_client: u32,
    /// The window; a lock ends by itself when it ends (at most 15 minutes).
    pub window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_client: 30,
            window: Duration::minutes(15),
        }
    }
}

/// The rate-limit bucket of sign-ins to one e-mail address. Unknown addresses get
/// one too (so the answer tells nothing), and the address is stored only as a hash.
pub fn login_bucket(email: &str) -> String {
    format!(
        "login:account:{}",
        secret_hash(&email.trim().to_lowercase())
    )
}

/// The key per-client limits count under: a hash of the client's address, never the
/// address itself. Without a known address every client would share one bucket and
/// a few requests would block everybody; then each request gets its own.
pub(crate) fn client_key(address: Option<&str>) -> String {
    match address {
        Some(address) => secret_hash(address),
        None => secret_hash(&new_secret("anon_")),
    }
}

/// The sign-in bucket of a client: a hash of its address, never the address.
fn client_bucket(client: &str) -> String {
    format!("login:client:{}", secret_hash(client))
}

/// Counts a sign-in attempt for the account and the client; refused beyond either
/// limit. Counted in the database, so every replica agrees.
async fn count_attempt(
    db: &Database,
    email: &str,
    client: Option<&str>,
    limits: LoginLimits,
) -> Result<(), StorageError> {
    let mut buckets = vec![(
        login_bucket(email),
        limits.per_account,
        "too many sign-in attempts for this account",
    )];
    if let Some(client) = client {
        buckets.push((
            client_bucket(client),
            limits.per_client,
            "too many sign-in attempts from this network address",
        ));
    }
    let window = limits.window;
    db.write(move |c| {
        for (bucket, max_hits, what) in &buckets {
            let limit = rate_limits::Limit {
                max_hits: *max_hits,
                window,
            };
            rate_limits::enforce(c, bucket, limit, what)?;
        }
        Ok(())
    })
    .await
}

/// Checks e-mail and password and opens a session. Wrong address and wrong password
/// give the same answer, so accounts cannot be probed; attempts are limited per
/// account (known or not) and per client address.
pub async fn login(
    hub: &Hub,
    email: &str,
    password: &str,
    client: Option<&str>,
) -> crate::Result<Session> {
    let (db, ttl, limits) = (
        hub.database(),
        hub.settings().token_ttl,
        hub.settings().login_limits,
    );
    count_attempt(db, email, client, limits).await?;
    let bucket = login_bucket(email);
    let client_bucket = client.map(client_bucket);
    let Ok(email) = EmailAddress::parse(email) else {
        return Err(crate::Error::WrongCredentials);
    };
    let Some(user) = db.run(move |c| users::find_by_email(c, &email)).await? else {
        // Spend the same time as a real check.
        let password = password.to_owned();
        let _ = tokio::task::spawn_blocking(move || verify_password(&password, DUMMY_HASH)).await;
        return Err(crate::Error::WrongCredentials);
    };
    let (pw, hash) = (password.to_owned(), user.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
        .await
        .unwrap_or(false);
    if !ok {
        return Err(crate::Error::WrongCredentials);
    }
    let token = new_secret(TOKEN_PREFIX);
    let expires_at = Utc::now() + ttl;
    let (hash, uid) = (secret_hash(&token), user.id);
    db.write(move |c| {
        // The right password ends the account's count of failed attempts.
        rate_limits::clear(c, &bucket)?;
        if let Some(b) = &client_bucket {
            rate_limits::forgive(c, b)?;
        }
        users::create_session(c, &hash, uid, expires_at.naive_utc())
    })
    .await?;
    let account = Account {
        user: user.id,
        role: user.role,
        organisation: match actor_of(&user, false) {
            Actor::Editor { organisation, .. } => Some(organisation),
            _ => None,
        },
    };
    Ok(Session {
        token,
        expires_at,
        user,
        account,
    })
}

const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3GSE1Z3UtjBgQEmyYx2v7Sr1l3tHDyQm9nYQaYqz0eY";

/// Why a credential was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The `Authorization` header is not `Bearer <token>`.
    #[error(
        "the Authorization header must be `Bearer <token>` (from the login mutation) or `Bearer <API key>`"
    )]
    BadAuthorization,
    /// The bearer token is unknown or expired.
    #[error("the bearer token is invalid or expired; sign in again with the login mutation")]
    BadToken,
    /// The API key is unknown or revoked.
    #[error("the API key is invalid or revoked")]
    BadApiKey,
    /// The API key may not be used from this browser origin.
    #[error("the API key may not be used from origin {0}")]
    OriginNotAllowed(String),
    /// The API key has used up its requests for now.
    #[error("this API key's request limit is used up; try again in {0} s")]
    RateLimited(u64),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The sign-in token an `Authorization: Bearer …` header carries (not an API key sent
/// that way): the session `logout` ends.
pub fn session_token(authorization: Option<&str>) -> Option<String> {
    let (scheme, value) = authorization?.trim().split_once(' ')?;
    let value = value.trim();
    (scheme.eq_ignore_ascii_case("bearer")
        && !value.is_empty()
        && !value.starts_with(API_KEY_PREFIX))
    .then(|| value.to_owned())
}

/// What a request says of its sender.
#[derive(Debug, Clone, Copy, Default)]
pub struct Credentials<'a> {
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The `X-Api-Key` header.
    pub api_key: Option<&'a str>,
    /// The `Origin` header (sent by browsers).
    pub origin: Option<&'a str>,
    /// The client's address (for the anonymous limit).
    pub client: Option<&'a str>,
}

/// Finds the actor behind `Authorization: Bearer …` (a sign-in token or an API key)
/// or `X-Api-Key`. No credential at all is the anonymous public, limited per address.
pub async fn resolve(hub: &Hub, credentials: Credentials<'_>) -> Result<Caller, AuthError> {
    let Credentials {
        authorization,
        api_key,
        origin,
        client,
    } = credentials;
    let db = hub.database();
    let mut key_limits = KeyLimits::default();
    // A header that is there but not a usable bearer credential is refused, never
    // taken as anonymous: the client meant to sign in.
    let bearer = match authorization {
        None => None,
        Some(h) => {
            let (scheme, value) = h.trim().split_once(' ').unwrap_or((h.trim(), ""));
            let value = value.trim();
            if !scheme.eq_ignore_ascii_case("bearer") || value.is_empty() {
                return Err(AuthError::BadAuthorization);
            }
            Some(value.to_owned())
        }
    };
    let header_key = api_key.map(|k| k.trim().to_owned());
    if header_key.as_deref() == Some("") {
        return Err(AuthError::BadApiKey);
    }
    let (key, token) = match (header_key, bearer) {
        (Some(k), b) => (Some(k), b),
        (None, Some(b)) if b.starts_with(API_KEY_PREFIX) => (Some(b), None),
        (None, b) => (None, b),
    };
    let mut actor = Actor::Anonymous;
    if let Some(token) = token {
        // Checked also next to an API key: an invalid token is never ignored.
        let hash = secret_hash(&token);
        let (user, member) = db
            .run(move |c| {
                let Some(user) = users::session_user(c, &hash)? else {
                    return Ok(None);
                };
                let member = match user.organisation_id {
                    Some(org) => {
                        organisations::membership_status(c, org)? == MembershipStatus::Member
                    }
                    None => false,
                };
                Ok(Some((user, member)))
            })
            .await?
            .ok_or(AuthError::BadToken)?;
        actor = actor_of(&user, member);
    }
    if let Some(key) = key {
        let hash = secret_hash(&key);
        let info = db
            .run(move |c| api_keys::find_active(c, &hash))
            .await?
            .ok_or(AuthError::BadApiKey)?;
        let limiter = hub.limiter();
        let day = crate::days::today();
        if let Some(origin) = origin
            && !info.allowed_origins.is_empty()
            && !info.allowed_origins.iter().any(|o| o == origin)
        {
            limiter.count(info.id, day, false);
            return Err(AuthError::OriginNotAllowed(origin.to_owned()));
        }
        if let Some(per_minute) = info.limits.rate_limit_per_minute {
            let per_minute = u32::try_from(per_minute).unwrap_or(1);
            if let Err(wait) = limiter.admit(Subject::Key(info.id), per_minute, Instant::now()) {
                limiter.count(info.id, day, false);
                return Err(AuthError::RateLimited(wait));
            }
        }
        limiter.count(info.id, day, true);
        key_limits = info.limits;
        // A signed-in user acts as themselves; the key then only identifies the site.
        if actor == Actor::Anonymous {
            actor = Actor::Partner { key: info.id };
        }
    }
    if actor == Actor::Anonymous
        && let Some(client) = client
    {
        let limiter = hub.limiter();
        limiter
            .admit(
                limiter.address(client),
                hub.settings().anonymous_per_minute,
                Instant::now(),
            )
            .map_err(AuthError::RateLimited)?;
    }
    Ok(Caller {
        actor,
        trusted_only: key_limits.trusted_only,
        max_cost: key_limits.max_cost.and_then(|m| u64::try_from(m).ok()),
    })
}

/// Who sent a request, and what their key allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// The acting principal.
    pub actor: Actor,
    /// The request came with a key that runs trusted documents only.
    pub trusted_only: bool,
    /// The key's own complexity budget, if it has one.
    pub max_cost: Option<u64>,
}

impl Caller {
    /// Whether the answer to this caller is everybody's answer: it may be kept by
    /// shared caches and served to other public callers.
    pub fn shares_answers(&self) -> bool {
        self.actor.sees_public_only()
    }

    /// Whether the schema is hidden from this caller (production profile, public
    /// caller): no introspection, no field suggestions.
    pub fn schema_hidden(&self, hub: &Hub) -> bool {
        hub.settings().production && self.actor.sees_public_only()
    }
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Sign-in address.
    pub email: String,
    /// Display name; `None`: the address.
    pub name: Option<String>,
    /// At least [`MIN_PASSWORD_CHARS`] characters.
    pub password: String,
    /// Coordinator or editor.
    pub role: Role,
    /// An editor's organisation (a coordinator has none).
    pub organisation: Option<crate::directory::OrganisationKey>,
}

/// Creates an account (coordinator); every broken field is named at once, and the
/// password is stored only as its Argon2id hash.
pub async fn create_account(
    hub: &Hub,
    actor: Actor,
    cmd: NewAccount,
) -> crate::Result<UserAccount> {
    use netzwerk_domain::ValidationError;
    actor.may_administer()?;
    let mut c = netzwerk_domain::error::Checker::new();
    let email = c.take("email", EmailAddress::parse(&cmd.email));
    let name = match &cmd.name {
        Some(n) => c.take("name", netzwerk_domain::error::single_line(n, 200)),
        None => email.as_ref().map(ToString::to_string),
    };
    if let Err(e) = check_password(&cmd.password) {
        c.take::<()>("password", Err(ValidationError::new("", "password", e)));
    }
    match (cmd.role, &cmd.organisation) {
        (Role::Editor, None) => {
            c.take::<()>(
                "organisation",
                Err(ValidationError::new(
                    "",
                    "required",
                    "an editor needs the organisation they keep",
                )),
            );
        }
        (Role::Coordinator, Some(_)) => {
            c.take::<()>(
                "organisation",
                Err(ValidationError::new(
                    "",
                    "forbidden",
                    "a coordinator belongs to no organisation",
                )),
            );
        }
        _ => {}
    }
    let (email, name) = match c.finish(|| (email, name))? {
        (Some(e), Some(n)) => (e, n),
        _ => return Err(crate::Error::Internal("a checked field is missing".into())),
    };
    let password = cmd.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| crate::Error::Internal(e.to_string()))?
        .map_err(crate::Error::Internal)?;
    let (role, organisation) = (cmd.role, cmd.organisation);
    hub.transact(move |c| {
        actor.may_administer()?;
        let org = organisation.map(|o| o.resolve_in(c)).transpose()?;
        Ok(users::insert(
            c,
            &actor.label(),
            &email,
            &name,
            &hash,
            role,
            org,
        )?)
    })
    .await
}

/// Lifts the sign-in lock of an address (coordinator): its failed attempts are
/// forgotten. Whether it was locked.
pub async fn unlock(hub: &Hub, actor: Actor, email: &str) -> crate::Result<bool> {
    actor.may_administer()?;
    let bucket = login_bucket(email);
    hub.transact(move |c| {
        actor.may_administer()?;
        Ok(rate_limits::clear(c, &bucket)?)
    })
    .await
}

/// Ends the session of a bearer token; without a token there is none to end
/// (`UNAUTHENTICATED`).
pub async fn logout(hub: &Hub, token: Option<&str>) -> crate::Result<bool> {
    let hash = secret_hash(token.ok_or(Denied::Unauthenticated)?);
    Ok(hub
        .database()
        .write(move |c| users::delete_session(c, &hash))
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let h = hash_password("ein langes Passwort").expect("hash");
        assert!(verify_password("ein langes Passwort", &h));
        assert!(!verify_password("ein anderes Passwort", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn secrets_differ_and_hash_stably() {
        let a = new_secret(TOKEN_PREFIX);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == 68);
        assert_ne!(a, new_secret(TOKEN_PREFIX));
        assert_eq!(secret_hash(&a), secret_hash(&a));
    }
}
