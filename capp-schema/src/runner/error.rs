//! Errors of the runner.

use crate::error::ChainError;
use crate::schema::FoldError;

/// A problem running migrations. Each variant says what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    #[error(transparent)]
    Chain(#[from] ChainError),

    #[error(transparent)]
    Url(#[from] crate::backend::UrlError),

    #[error(transparent)]
    Connect(#[from] crate::backend::ConnectError),

    #[error(transparent)]
    UnreadableHistory(#[from] crate::backend::UnreadableRow),

    #[error("{context}")]
    Database {
        context: String,
        #[source]
        source: sqlx::Error,
    },

    #[error("migration {rev} ({direction}) failed; the database stays at {at}")]
    MigrationFailed {
        rev: String,
        direction: &'static str,
        at: String,
        #[source]
        source: crate::backend::ExecError,
    },

    #[error(
        "migration {rev} ran outside a transaction and failed; the database may be partly changed. Repair it by hand, then run `capp-migrate repair {rev}`"
    )]
    NonTransactionalFailed {
        rev: String,
        #[source]
        source: sqlx::Error,
    },

    #[error(
        "migration {rev} failed outside a transaction earlier and is marked failed; check the database, then run `capp-migrate repair {rev}`"
    )]
    FailedState { rev: String },

    #[error("migration {rev} does not fit the schema its predecessors build")]
    Fold {
        rev: String,
        #[source]
        source: FoldError,
    },

    #[error(
        "the database is at revision {rev}, which this build does not know (its head is {head}): the database is ahead of the code or belongs to another history; deploy the code that has {rev}"
    )]
    DatabaseAhead { rev: String, head: String },

    #[error(
        "the version table holds several revisions ({0}); this history is linear, so stamp the one the database is at with `capp-migrate stamp REV`"
    )]
    SeveralVersions(String),

    #[error(
        "migration {rev} was edited after it was applied (recorded checksum {recorded}, now {current}); never edit applied migrations: revert the edit and write a new migration, or, if the edit is harmless, run `capp-migrate accept {rev}`"
    )]
    ChecksumMismatch {
        rev: String,
        recorded: String,
        current: String,
    },

    #[error(
        "the database has tables ({tables}) but no version table `{version_table}`: if its schema matches a revision, mark it with `capp-migrate stamp <revision>` (or `stamp head`) instead of running migrations"
    )]
    NotStamped {
        tables: String,
        version_table: String,
    },

    #[error("cannot downgrade past {rev}: it is irreversible ({reason})")]
    Irreversible { rev: String, reason: String },

    #[error("{target} is behind the current revision {current}; use `downgrade {target}`")]
    TargetBehind { target: String, current: String },

    #[error("{target} is ahead of the current revision {current}; use `upgrade {target}`")]
    TargetAhead { target: String, current: String },

    #[error("relative target `{target}` goes outside the history (base and {len} migrations)")]
    RelativeOutOfRange { target: String, len: usize },

    #[error("revision prefix `{prefix}` is ambiguous: {}", candidates.join(", "))]
    AmbiguousRevision {
        prefix: String,
        candidates: Vec<String>,
    },

    #[error(
        "migration {rev} runs outside a transaction and cannot be part of a single-transaction run; run without --single-transaction"
    )]
    NonTransactionalInSingleTransaction { rev: String },

    #[error(
        "migration {rev} has a Rust data step (\"{name}\") that runs only online; it has no SQL form for --sql: run it with `capp-migrate upgrade`"
    )]
    OnlineOnly { rev: String, name: String },

    #[error("destructive step not confirmed: {0}; pass --yes to proceed")]
    NotConfirmed(String),
}

impl RunError {
    pub(crate) fn db(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> RunError {
        let context = context.into();
        move |source| RunError::Database { context, source }
    }

    pub(crate) fn state(
        context: impl Into<String>,
    ) -> impl FnOnce(crate::backend::StateError) -> RunError {
        let context = context.into();
        move |error| match error {
            crate::backend::StateError::Database(source) => RunError::Database { context, source },
            crate::backend::StateError::Unreadable(row) => RunError::UnreadableHistory(row),
        }
    }
}
