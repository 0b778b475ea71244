//! The stable error codes of the API (`extensions.code`), listed in `graphql/README.md`.
//! Internal causes are logged here and never sent to clients.

use async_graphql::{Error, ErrorExtensions, Value};
use netzwerk_domain::ValidationError;
use netzwerk_domain::access::Denied;

/// Every code a client may see in `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Input broke a rule; `extensions.violations` names each field and rule.
    Validation,
    /// Sign-in needed (or the token expired).
    Unauthenticated,
    /// Signed in, but not allowed.
    Forbidden,
    /// The named thing does not exist.
    NotFound,
    /// The change collides with stored data (taken slug, duplicate account…).
    Conflict,
    /// Too many requests of this kind from one address or client; try again later.
    RateLimited,
    /// The query itself is malformed or invalid against the schema, or too costly.
    InvalidQuery,
    /// The database is not reachable right now; retry shortly (HTTP 503).
    Unavailable,
    /// The request ran longer than `server.request_timeout_seconds` and was stopped.
    Timeout,
    /// Something failed inside the Hub; details are in its log.
    Internal,
    /// No persisted document has the hash sent (APQ): send the text with the hash.
    PersistedQueryNotFound,
}

impl Code {
    /// Every code, for documentation and the reachability test.
    pub const ALL: &'static [Code] = &[
        Code::Validation,
        Code::Unauthenticated,
        Code::Forbidden,
        Code::NotFound,
        Code::Conflict,
        Code::RateLimited,
        Code::InvalidQuery,
        Code::Unavailable,
        Code::Timeout,
        Code::Internal,
        Code::PersistedQueryNotFound,
    ];

    /// The string sent in `extensions.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Validation => "VALIDATION",
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::Conflict => "CONFLICT",
            Code::RateLimited => "RATE_LIMITED",
            Code::InvalidQuery => "INVALID_QUERY",
            Code::Unavailable => "UNAVAILABLE",
            Code::Timeout => "TIMEOUT",
            Code::Internal => "INTERNAL",
            Code::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
        }
    }
}

/// An error with a code, as resolvers return it.
pub fn coded(code: Code, message: impl Into<String>) -> Error {
    Error::new(message).extend_with(|_, e| e.set("code", code.as_str()))
}

/// A refused request over a rate limit: `extensions.retryAfterSeconds` says when to
/// try again; the HTTP layer answers 429 with `Retry-After` when the whole request is
/// refused.
pub fn rate_limited(message: impl Into<String>, retry_after_seconds: u64) -> Error {
    Error::new(message).extend_with(|_, e| {
        e.set("code", Code::RateLimited.as_str());
        e.set("retryAfterSeconds", retry_after_seconds);
    })
}

/// A validation error listing every violation.
pub fn validation(err: &ValidationError) -> Error {
    let violations: Vec<Value> = err
        .violations
        .iter()
        .map(|v| {
            let mut m = async_graphql::indexmap::IndexMap::new();
            m.insert(
                async_graphql::Name::new("field"),
                Value::from(v.field.clone()),
            );
            m.insert(async_graphql::Name::new("rule"), Value::from(v.rule));
            m.insert(
                async_graphql::Name::new("message"),
                Value::from(v.message.clone()),
            );
            Value::Object(m)
        })
        .collect();
    Error::new(format!("invalid input: {err}")).extend_with(|_, e| {
        e.set("code", Code::Validation.as_str());
        e.set("violations", Value::List(violations.clone()));
    })
}

/// Maps a refused permission.
pub fn denied(d: Denied) -> Error {
    match d {
        Denied::Unauthenticated => coded(
            Code::Unauthenticated,
            "sign in first: send `Authorization: Bearer <token>` from the login mutation",
        ),
        Denied::Forbidden => coded(
            Code::Forbidden,
            "you may not change this: it belongs to another organisation or needs the coordinator",
        ),
    }
}

/// Maps a use case's answer: every refusal gets its stable code; internal causes are
/// logged and replaced by a generic message.
pub fn app(err: netzwerk_app::Error) -> Error {
    use netzwerk_app::Error as E;
    match err {
        E::Denied(d) => denied(d),
        E::Invalid(v) => validation(&v),
        E::WrongCredentials => coded(Code::Unauthenticated, err.to_string()),
        E::NotFound(what) => coded(Code::NotFound, format!("{what} not found")),
        E::Conflict(msg) => coded(Code::Conflict, msg),
        E::RateLimited {
            message,
            retry_after_seconds,
        } => rate_limited(message, retry_after_seconds),
        E::Unavailable(cause) => {
            tracing::warn!(error = %cause, "database unavailable");
            coded(
                Code::Unavailable,
                "the database is not available right now; try again in a few seconds",
            )
        }
        E::TimedOut => coded(
            Code::Timeout,
            "the request took too long and was stopped; narrow it (fewer items, a shorter window)",
        ),
        E::Source(msg) => coded(Code::Validation, msg),
        E::Internal(cause) => {
            let id = uuid::Uuid::now_v7();
            tracing::error!(error = %cause, error_id = %id, "internal error");
            coded(
                Code::Internal,
                format!("internal error {id}; the Hub's log has the cause"),
            )
        }
    }
}

/// The first error of a request the Hub ran against itself (`OwnApi`), as the
/// application's: the code says which kind it was, the message is kept. A broken
/// rule is the Hub's own fault there (it made the variables): `Internal`.
pub(crate) fn to_app(e: &async_graphql::ServerError) -> netzwerk_app::Error {
    use netzwerk_app::Error as E;
    let extension = |name: &str| e.extensions.as_ref().and_then(|x| x.get(name)).cloned();
    let code = match extension("code") {
        Some(async_graphql::Value::String(c)) => c,
        _ => String::new(),
    };
    let message = e.message.clone();
    match code.as_str() {
        "NOT_FOUND" => E::NotFound(
            message
                .strip_suffix(" not found")
                .unwrap_or(&message)
                .to_owned(),
        ),
        "UNAUTHENTICATED" => E::Denied(Denied::Unauthenticated),
        "FORBIDDEN" => E::Denied(Denied::Forbidden),
        "CONFLICT" => E::Conflict(message),
        "RATE_LIMITED" => E::RateLimited {
            message,
            retry_after_seconds: match extension("retryAfterSeconds") {
                Some(async_graphql::Value::Number(n)) => n.as_u64().unwrap_or(1),
                _ => 1,
            },
        },
        "UNAVAILABLE" => E::Unavailable(message),
        "TIMEOUT" => E::TimedOut,
        _ => E::Internal(message),
    }
}

/// A DataLoader failure, shared by every resolver that waited for it, mapped as the
/// use case's error would be (an outage is `UNAVAILABLE`, a fault `INTERNAL`).
pub(crate) fn load_error(e: std::sync::Arc<netzwerk_app::Error>) -> Error {
    use netzwerk_app::Error as E;
    match std::sync::Arc::try_unwrap(e) {
        Ok(owned) => app(owned),
        Err(shared) => match &*shared {
            E::TimedOut => app(E::TimedOut),
            E::Unavailable(cause) => app(E::Unavailable(cause.clone())),
            E::Denied(d) => denied(*d),
            E::NotFound(what) => app(E::NotFound(what.clone())),
            other => app(E::Internal(other.to_string())),
        },
    }
}

/// Result type of resolvers.
pub type ApiResult<T> = Result<T, Error>;
