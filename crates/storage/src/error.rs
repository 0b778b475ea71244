use diesel::result::{DatabaseErrorKind, Error as DieselError};
use netzwerk_domain::ValidationError;

/// What can go wrong in storage. Messages name the input that failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The named entity does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A unique value is taken, or the change collides with stored data.
    #[error("{0}")]
    Conflict(String),
    /// Too many requests of one kind from one address or client in a time window.
    #[error("{message}")]
    RateLimited {
        /// What was limited, for the client.
        message: String,
        /// Seconds until a new attempt may succeed.
        retry_after_seconds: u64,
    },
    /// Input is well-formed but does not fit stored data (e.g. a location of another organisation).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The database schema is older than this program.
    #[error("the database is behind: {pending} migration(s) pending; run `netzwerk migrate`")]
    MigrationsPending {
        /// Number of migrations not yet applied.
        pending: usize,
    },
    /// A migration failed to apply or revert.
    #[error("migration failed: {0}")]
    Migration(String),
    /// The database cannot be reached or the URL is wrong (at start-up).
    #[error("cannot connect to the database: {0}")]
    Connection(String),
    /// The database went away while serving: the connection was lost, or no
    /// connection could be had in time. Worth retrying shortly.
    #[error("the database is not available: {0}")]
    Unavailable(String),
    /// The statement ran longer than the configured statement timeout and was cancelled.
    #[error("the database statement took too long and was cancelled")]
    TimedOut,
    /// A stored value does not parse into its domain type.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Any other database failure.
    #[error("database error: {0}")]
    Database(DieselError),
}

impl StorageError {
    /// A rate limit reached; a new attempt may succeed after `retry_after_seconds`.
    pub fn rate_limited(message: impl Into<String>, retry_after_seconds: u64) -> Self {
        StorageError::RateLimited {
            message: message.into(),
            retry_after_seconds: retry_after_seconds.max(1),
        }
    }
}

impl From<DieselError> for StorageError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => StorageError::NotFound("record".into()),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StorageError::Conflict(format!(
                    "a record with this value exists already ({})",
                    info.message()
                ))
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                StorageError::Conflict(format!(
                    "the change refers to a record that does not exist ({})",
                    info.message()
                ))
            }
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => StorageError::Unavailable(info.message().to_owned()),
            DieselError::DatabaseError(_, info) if info.message().contains("statement timeout") => {
                StorageError::TimedOut
            }
            other => StorageError::Database(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StorageError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        StorageError::Unavailable(e.to_string())
    }
}

/// Parses a stored value into its domain type, reporting corrupt data by column.
pub(crate) fn stored<T>(column: &str, r: Result<T, ValidationError>) -> Result<T, StorageError> {
    r.map_err(|e| StorageError::Corrupt(format!("{column}: {e}")))
}
