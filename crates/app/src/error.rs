//! What a use case can answer instead of its result. Adapters map each variant to
//! their own form (a GraphQL error code, an HTTP status, a command-line message);
//! messages name the input that failed.

use netzwerk_domain::ValidationError;
use netzwerk_domain::access::Denied;
use netzwerk_storage::StorageError;

/// A use case's refusal or failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The actor may not do this (`domain::access`).
    #[error("{}", denied_message(*.0))]
    Denied(Denied),
    /// The input breaks a rule; every broken field is named.
    #[error(transparent)]
    Invalid(ValidationError),
    /// Signing in failed: the e-mail address or the password is wrong (which one is
    /// not said).
    #[error("e-mail address or password is wrong")]
    WrongCredentials,
    /// The named thing does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The change collides with stored data.
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts of one kind; a new one may succeed after the wait.
    #[error("{message}")]
    RateLimited {
        /// What was limited.
        message: String,
        /// Seconds until a new attempt may succeed.
        retry_after_seconds: u64,
    },
    /// The database is not reachable just now; worth retrying shortly.
    #[error("the database is not available: {0}")]
    Unavailable(String),
    /// The database took longer than allowed.
    #[error("the database statement took too long and was cancelled")]
    TimedOut,
    /// A feed or file could not be fetched or read (the message is redacted).
    #[error("{0}")]
    Source(String),
    /// Anything else: logged in full, shown to clients only as an internal error.
    #[error("{0}")]
    Internal(String),
}

fn denied_message(d: Denied) -> &'static str {
    match d {
        Denied::Unauthenticated => "sign in first",
        Denied::Forbidden => "not allowed for this account",
    }
}

impl From<Denied> for Error {
    fn from(d: Denied) -> Self {
        Error::Denied(d)
    }
}

impl From<ValidationError> for Error {
    fn from(v: ValidationError) -> Self {
        Error::Invalid(v)
    }
}

impl From<StorageError> for Error {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound(what) => Error::NotFound(what),
            StorageError::Conflict(msg) => Error::Conflict(msg),
            StorageError::RateLimited {
                message,
                retry_after_seconds,
            } => Error::RateLimited {
                message,
                retry_after_seconds,
            },
            StorageError::Invalid(v) => Error::Invalid(v),
            StorageError::Unavailable(m) | StorageError::Connection(m) => Error::Unavailable(m),
            StorageError::TimedOut => Error::TimedOut,
            other => Error::Internal(other.to_string()),
        }
    }
}

/// A use case's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
