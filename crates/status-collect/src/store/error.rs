//! The store's one error type.

use std::path::PathBuf;

/// A store operation that failed, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The state directory or the file could not be created, or is not safe (writable by other
    /// users, a symbolic link).
    #[error("failed to create the state directory or the store {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The migrations could not be applied (also: the file is not a database, or is locked).
    #[error("failed to open the store {path}: {source}")]
    Migrate {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// The file could not be opened as a database.
    #[error("failed to open the store {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// A query failed.
    #[error("failed to {what} in the store: {source}")]
    Query {
        /// What was being done.
        what: &'static str,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// A stored value does not parse.
    #[error("failed to read the store {path}: {what}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// The sha given to `record_deploy` is not one.
    #[error("failed to record a deploy: {0:?} is not a commit sha (4 to 64 hex digits)")]
    InvalidSha(String),
}

impl StoreError {
    /// Whether this is another connection's lock (SQLite's BUSY or LOCKED), which passes by itself.
    pub fn is_busy(&self) -> bool {
        let source = match self {
            StoreError::Query { source, .. } | StoreError::Open { source, .. } => source,
            _ => return false,
        };
        match source {
            sqlx::Error::Database(error) => {
                matches!(error.code().as_deref(), Some("5" | "6" | "261" | "262" | "517"))
            }
            _ => false,
        }
    }
}
