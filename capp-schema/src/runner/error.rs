//! Errors of the runner: [`RunError`], with what resolving a target ([`TargetError`]) and
//! reading the database's bookkeeping ([`StateError`]) can find wrong.

use crate::backend::{ConnectError, DbError, ExecError, LockHolder, UnreadableRow, UrlError};
use crate::error::ChainError;
use crate::schema::FoldError;

/// A problem running migrations. Each variant says what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The chain does not load.
    #[error(transparent)]
    Chain(#[from] ChainError),

    /// The URL names no database this build supports.
    #[error(transparent)]
    Url(#[from] UrlError),

    /// The database cannot be reached.
    #[error(transparent)]
    Connect(#[from] ConnectError),

    /// The target names no position of the history, or one the command cannot go to.
    #[error(transparent)]
    Target(#[from] TargetError),

    /// The version and history tables say the database is in a state the runner will not go on
    /// from.
    #[error(transparent)]
    State(#[from] StateError),

    /// A query of the runner's own failed.
    #[error("{context}")]
    Database {
        context: String,
        #[source]
        source: DbError,
    },

    /// A step of the runner's own failed (not a migration's).
    #[error("{context}")]
    Exec {
        context: String,
        #[source]
        source: ExecError,
    },

    /// Another session held the migration lock for longer than the runner would wait.
    #[error(transparent)]
    LockNotFree(Box<LockNotFree>),

    /// A migration failed in its transaction, which was rolled back.
    #[error("migration {rev} ({direction}) failed; the database stays at {at}")]
    MigrationFailed {
        rev: String,
        direction: &'static str,
        at: String,
        #[source]
        source: ExecError,
    },

    /// A migration's table locks were not granted within the lock timeout on any attempt before
    /// the retry budget was spent; each attempt was rolled back.
    #[error(transparent)]
    LockNotGranted(Box<LockNotGranted>),

    /// A `transactional = false` migration failed part way.
    #[error(
        "migration {rev} ran outside a transaction and failed; the database may be partly changed. Repair it by hand, then run `capp-migrate repair {rev}`"
    )]
    NonTransactionalFailed {
        rev: String,
        #[source]
        source: DbError,
    },

    /// A batched backfill of a `transactional = false` migration stopped; the batches it
    /// committed stay, and its progress with them.
    #[error(
        "migration {rev}: its backfill of {table} stopped; the batches committed so far stay, and once the cause is fixed, running the command again resumes after the last of them"
    )]
    BackfillFailed {
        rev: String,
        table: String,
        #[source]
        source: ExecError,
    },

    /// A migration's operations do not fit the schema its predecessors build.
    #[error("migration {rev} does not fit the schema its predecessors build")]
    Fold {
        rev: String,
        #[source]
        source: FoldError,
    },

    /// The plan would undo an irreversible migration.
    #[error("cannot downgrade past {rev}: it is irreversible ({reason})")]
    Irreversible { rev: String, reason: String },

    #[error(
        "migration {rev} runs outside a transaction and cannot be part of a single-transaction run; run without --single-transaction"
    )]
    NonTransactionalInSingleTransaction { rev: String },

    #[error(
        "migration {rev} has a Rust data step (\"{name}\") that runs only online; it has no SQL form for --sql: run it with `capp-migrate upgrade`"
    )]
    OnlineOnly { rev: String, name: String },
}

/// A migration whose table locks were not granted in time on any attempt.
#[derive(Debug, thiserror::Error)]
#[error(
    "migration {rev} ({direction}) could not take its table locks: {attempts} {} of {lock_timeout:?} each over {waited:.1?}; the database stays at {at}. {}",
    if *attempts == 1 { "attempt" } else { "attempts" },
    blocked_by(blockers)
)]
#[non_exhaustive]
pub struct LockNotGranted {
    pub rev: String,
    pub direction: &'static str,
    /// How many times the migration was tried, each rolled back.
    pub attempts: u32,
    pub lock_timeout: std::time::Duration,
    /// From the first attempt to the last.
    pub waited: std::time::Duration,
    /// Where the database stays.
    pub at: String,
    /// Sessions in transactions older than one attempt that held table locks at the last
    /// attempt: what the migration queued behind.
    pub blockers: Vec<LockHolder>,
    #[source]
    pub source: DbError,
}

/// What a migration's DDL queued behind, and what to do.
fn blocked_by(blockers: &[LockHolder]) -> String {
    if blockers.is_empty() {
        return "Another session holds a lock on a table it alters: find it in pg_locks and pg_stat_activity and end it, or run again with a larger --lock-retry-budget".to_owned();
    }
    let list: Vec<String> = blockers.iter().map(ToString::to_string).collect();
    format!(
        "Long transactions holding table locks: {}. End them (or wait for them), or run again with a larger --lock-retry-budget",
        list.join("; ")
    )
}

/// The migration lock stayed with another session for as long as the runner would wait.
#[derive(Debug, thiserror::Error)]
#[error(
    "the migration lock is still held after waiting {waited:.1?}, by {holder}. Another runner is migrating this database: let it finish, and if that session is stuck end it (`SELECT pg_terminate_backend(PID)`), or wait longer with --lock-wait"
)]
#[non_exhaustive]
pub struct LockNotFree {
    /// How long the runner waited.
    pub waited: std::time::Duration,
    /// Who held the lock at the end of the wait.
    pub holder: LockHolder,
}

/// A target that names no position of the history, or one the command cannot go to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// No migration has this revision.
    #[error(transparent)]
    Unknown(ChainError),

    #[error("revision prefix `{prefix}` is ambiguous: {}", candidates.join(", "))]
    Ambiguous {
        prefix: String,
        candidates: Vec<String>,
    },

    #[error("relative target `{target}` goes outside the history (base and {len} migrations)")]
    OutOfRange { target: String, len: usize },

    /// `downgrade TARGET --sql` without the revision the script starts from.
    #[error(
        "an offline downgrade cannot read where the database is: give the revision it starts from as FROM:TO, e.g. `downgrade {head}:{target} --sql` for a database at the head {head}"
    )]
    OfflineDowngradeNeedsFrom { target: String, head: String },

    /// An upgrade to a target behind the current revision.
    #[error("{target} is behind the current revision {current}; use `downgrade {target}`")]
    Behind { target: String, current: String },

    /// A downgrade to a target ahead of the current revision.
    #[error("{target} is ahead of the current revision {current}; use `upgrade {target}`")]
    Ahead { target: String, current: String },
}

/// What the version and history tables say that stops the runner.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    #[error(
        "the database is at revision {rev}, which this build does not know (its head is {head}): the database is ahead of the code or belongs to another history; deploy the code that has {rev}"
    )]
    DatabaseAhead { rev: String, head: String },

    /// A version row that names a revision of the history, spelled otherwise.
    #[error(
        "the version table holds `{found}`, which is not a revision of this history as written; it probably means {rev}: if the schema is at {rev}, run `capp-migrate stamp {rev}`"
    )]
    Misspelled { found: String, rev: String },

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

    #[error(
        "migration {rev} failed outside a transaction earlier and is marked failed; check the database, then run `capp-migrate repair {rev}`"
    )]
    FailedState { rev: String },

    /// A migration outside a transaction is marked running, and no runner holds the migration
    /// lock: its runner stopped part way (killed, or cut off until its lease expired).
    #[error(
        "migration {rev} ran outside a transaction and its runner stopped part way (killed, or cut off until its lease expired); the database may be partly changed (an index built CONCURRENTLY may be left INVALID): check it, then run `capp-migrate repair {rev}`"
    )]
    Interrupted { rev: String },

    /// `redo` on a database not marked for development.
    #[error(
        "redo undoes the head migration with the downgrade recorded when it was applied, and only on a database marked for development: run `capp-migrate develop` on your own database first (never on a shared one; nothing is guessed from the host name, since production behind a local pooler or tunnel looks like localhost)"
    )]
    NotDevelopment,

    /// `redo` on a database that is not at the head.
    #[error(
        "redo works on the head migration {head}, and the database is at {at}: `capp-migrate upgrade head` first"
    )]
    RedoNotAtHead { at: String, head: String },

    /// `redo` of a migration applied without its downgrade recorded.
    #[error(
        "no downgrade was recorded when {rev} was applied (it was applied before the database was marked for development, or its downgrade has a Rust step or runs outside a transaction): undo your edit, `capp-migrate downgrade -1`, edit again, and `capp-migrate upgrade head`"
    )]
    NoRecordedDowngrade { rev: String },

    /// `repair` while another runner holds the migration lock: the migration may still be
    /// running.
    #[error(
        "migration {rev} cannot be repaired while the migration lock is held, by {holder}: it may still be running; wait for it, and repair only if it then stays marked"
    )]
    StillRunning { rev: String, holder: String },

    /// `repair` of a migration that is not marked failed.
    #[error(
        "migration {rev} is not marked failed, so there is nothing to repair; `capp-migrate current` shows where the database stands"
    )]
    NotFailed { rev: String },

    /// A history row this version cannot read.
    #[error(transparent)]
    Unreadable(#[from] UnreadableRow),
}

impl RunError {
    pub(crate) fn db(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> RunError {
        let context = context.into();
        move |source| RunError::Database {
            context,
            source: source.into(),
        }
    }

    /// A step of the runner's own failed: a database error reads as [`RunError::Database`].
    pub(crate) fn exec(context: impl Into<String>) -> impl FnOnce(ExecError) -> RunError {
        let context = context.into();
        move |error| match error {
            ExecError::Database(source) | ExecError::LockTimeout(source) => {
                RunError::Database { context, source }
            }
            source => RunError::Exec { context, source },
        }
    }

    pub(crate) fn read(
        context: impl Into<String>,
    ) -> impl FnOnce(crate::backend::ReadError) -> RunError {
        let context = context.into();
        move |error| match error {
            crate::backend::ReadError::Database(source) => RunError::Database {
                context,
                source: source.into(),
            },
            crate::backend::ReadError::Unreadable(row) => StateError::Unreadable(row).into(),
        }
    }
}
