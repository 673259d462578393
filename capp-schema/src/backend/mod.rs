//! The backend seam: everything that differs between databases, one module per database.
//!
//! A backend owns connecting, the migration lock, beginning and finishing a migration, the
//! bookkeeping reads, introspection and its SQL dialect. The runner above it is generic: it
//! plans, then hands each step to [`Backend`]. The shape follows sqlx's `Migrate` trait, with the
//! backend chosen at run time from the URL as sqlx's `Any` driver does.
//!
//! Adding a database (MySQL, say) is a module `backend/mysql/` implementing [`Backend`] and
//! [`SqlDialect`](crate::render::SqlDialect), and one line in [`DRIVERS`]; a second PostgreSQL
//! lock strategy is a second [`Backend`] implementation over the same connection and dialect.

// Built with only some backends, parts of what the backends share serve none of them.
#![cfg_attr(not(all(feature = "postgres", feature = "sqlite")), allow(dead_code))]

mod bookkeeping;
mod db;
#[cfg(feature = "postgres")]
mod postgres;
pub(crate) mod progress;
#[cfg(feature = "sqlite")]
mod sqlite;
mod url;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use progress::{Batch, BatchDone, PieceProgress, StepKey};

pub use bookkeeping::UnreadableRow;
pub(crate) use bookkeeping::{
    Event, HistoryRow, Outcome, State, Tables, development_table, lease_table, progress_table,
};
pub(crate) use db::ReadError;
pub use db::{ConnectError, DEFAULT_CONNECT_TIMEOUT, Db};
#[cfg(feature = "lint")]
pub(crate) use postgres::lint::{Finding, lint as lint_statements, rule_names as lint_rule_names};
pub use url::{DEFAULT_URL, DatabaseUrl, UrlError};

use crate::ops::DataConnection;
use crate::render::Dialect;
use crate::schema::Schema;

/// A boxed future, as the backend trait returns them (the trait is used as a trait object).
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Every database this build can work with: one line per backend.
pub(crate) static DRIVERS: &[&Driver] = &[
    #[cfg(feature = "postgres")]
    &postgres::DRIVER,
    #[cfg(feature = "sqlite")]
    &sqlite::DRIVER,
];

/// A database kind, as the registry knows it.
#[derive(Debug)]
pub(crate) struct Driver {
    /// The URL schemes it takes (SQLAlchemy's `+driver` suffixes are dropped before matching).
    pub(crate) schemes: &'static [&'static str],
    /// How a URL should look, for the error on an unsupported one.
    pub(crate) example: &'static str,
    pub(crate) dialect: Dialect,
    /// What follows `scheme://`, as the driver connects to it; `None` if it names nothing.
    pub(crate) location: fn(rest: &str) -> Option<String>,
    /// The location as users see it, without password.
    pub(crate) display: fn(location: &str) -> String,
    /// Whether the database is a file that does not exist yet.
    pub(crate) missing: fn(location: &str) -> bool,
    /// Why what follows the scheme names a database that cannot be migrated, if it does (an
    /// in-memory database).
    pub(crate) refused: fn(rest: &str) -> Option<&'static str>,
    /// Connects (a file database is created on first use).
    pub(crate) connect: Connect,
}

/// This program's file name: `capp-migrate`, or the application that embeds the runner.
pub(crate) fn program_name() -> String {
    std::env::args_os()
        .next()
        .and_then(|p| {
            std::path::Path::new(&p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// A driver's connect function: from its location to a backend.
pub(crate) type Connect =
    for<'a> fn(&'a str) -> BoxFuture<'a, Result<Box<dyn Backend>, sqlx::Error>>;

/// A failure while running a migration's statements.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecError {
    /// The database refused a statement.
    #[error(transparent)]
    Database(DbError),
    /// A table lock was not granted within the lock timeout: the migration may be tried again.
    #[error("a table lock was not granted within the lock timeout")]
    LockTimeout(#[source] DbError),
    /// Another runner moved the version before this step's transaction took the migration lock:
    /// nothing ran, and the runner plans again.
    #[error("another runner moved the version first; nothing of this step ran")]
    Moved,
    /// Another session holds the migration lock: nothing ran, and the runner waits for it.
    #[error("another session holds the migration lock; nothing of this step ran")]
    Busy,
    /// SQLite's foreign keys are checked before the commit (batch rebuilds need them off).
    #[error("the migration leaves rows that violate a foreign key (see PRAGMA foreign_key_check)")]
    ForeignKeyViolation,
    /// The lease of a step outside a transaction expired and another runner took the lock
    /// before the step could record itself (its renewals did not reach the database in time):
    /// the step's statements ran, but the version did not move.
    #[error(
        "the migration lock's lease was lost while the step ran outside a transaction (its renewals did not reach the database in time), so the version was not moved; check what the step built, then run the command again"
    )]
    LeaseLost,
    /// The version row was not the one the step started from (SQLite counts the rows its
    /// version statement touched; PostgreSQL raises in the statement itself).
    #[error(
        "the version table no longer holds the revision this step started from; another process or a hand edit changed it, and nothing of this step was applied"
    )]
    VersionMoved,
    /// A backfill's batch of one key went over its bounds time after time.
    #[error(transparent)]
    BatchStalled(Box<BatchStalled>),
}

/// A backfill that makes no progress: a batch of one key went over its bounds time after time.
#[derive(Debug, thiserror::Error)]
#[error(
    "backfill of {table} makes no progress: a batch of one key {} went over its bound of {bound:?} {tries} times in a row (a row lock held that long, or a SET that slow); the batches before it are committed, and running the command again resumes from there",
    after.as_deref().map_or_else(|| "from the first".to_owned(), |key| format!("after {key}"))
)]
pub struct BatchStalled {
    /// The table.
    pub table: String,
    /// The last key done, as PostgreSQL shows a key: `(id)=(12344)`.
    pub after: Option<String>,
    /// The batch's bound.
    pub bound: Duration,
    /// The failures in a row.
    pub tries: u32,
    /// The last failure.
    #[source]
    pub source: ExecError,
}

/// A database's error as users read it: the server's message and its SQLSTATE, without the
/// line of the server's own source code that sqlx's text adds. Other errors (I/O, TLS, protocol)
/// read as sqlx words them, with their causes.
#[derive(Debug)]
pub struct DbError(sqlx::Error);

impl DbError {
    /// The driver's error.
    pub fn sqlx(&self) -> &sqlx::Error {
        &self.0
    }

    /// The SQLSTATE, for an error the database returned.
    pub fn code(&self) -> Option<String> {
        self.0
            .as_database_error()
            .and_then(|e| e.code())
            .map(|code| code.into_owned())
    }
}

impl From<sqlx::Error> for DbError {
    fn from(error: sqlx::Error) -> DbError {
        DbError(error)
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.as_database_error() {
            Some(e) => {
                f.write_str(e.message())?;
                match e.code() {
                    Some(code) => write!(f, " (SQLSTATE {code})"),
                    None => Ok(()),
                }
            }
            None => self.0.fmt(f),
        }
    }
}

/// No source: sqlx's text of a driver error already ends with its cause's text
/// ("error communicating with database: ..."), and a database error is all in the message.
impl std::error::Error for DbError {}

/// The timeouts of a migration's transaction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// How long DDL waits for a table lock.
    pub(crate) lock: Duration,
    /// How long one statement may run; `None` is the server's setting.
    pub(crate) statement: Option<Duration>,
    /// How long the transaction may sit idle, waiting for the runner (a Rust data step between
    /// its queries), before the server ends the session and with it the lock.
    pub(crate) idle: Duration,
    /// How long the lease of a step outside a transaction lasts unless renewed.
    pub(crate) lease: Duration,
}

/// Who holds the migration lock, as the database shows it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LockHolder {
    /// The server process holding it (a transaction or session lock); `None` for the lease of a
    /// step outside a transaction, which outlives any one connection.
    pub pid: Option<i32>,
    /// Its application name (`capp-migrate`, the application that migrates itself, `psql`).
    pub application: String,
    /// The database user.
    pub user: String,
    /// The client's address; `None` for a local socket.
    pub client: Option<String>,
    /// How long it has held the lock (its transaction's age, or the lease's).
    pub held_for: Duration,
    /// What it is doing: its current query, or the migration that holds the lease.
    pub doing: String,
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.pid {
            Some(pid) => write!(f, "pid {pid}")?,
            None => f.write_str("a lease")?,
        }
        let application = match self.application.as_str() {
            "" => "no application name",
            name => name,
        };
        write!(f, " ({application}, user {}", self.user)?;
        if let Some(client) = &self.client {
            write!(f, " from {client}")?;
        }
        let doing: String = self.doing.split_whitespace().collect::<Vec<_>>().join(" ");
        let doing = match doing.char_indices().nth(200) {
            Some((cut, _)) => format!("{}...", &doing[..cut]),
            None => doing,
        };
        write!(f, ", for {:.1?}): {doing}", self.held_for)
    }
}

/// A table that a migration's DDL locks, and whether the lock also waits for readers (`ACCESS
/// EXCLUSIVE`) or only for writers (`SHARE`, as a plain `CREATE INDEX` or a foreign key takes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableLock {
    pub(crate) table: String,
    pub(crate) blocks_reads: bool,
}

/// PostgreSQL's `lock_not_available`: a lock was not granted within `lock_timeout`.
const LOCK_TIMEOUT_SQLSTATE: &str = "55P03";

/// The SQLSTATE with which a backend's guard reports, from inside a migration's transaction,
/// that the version is no longer where the plan started ([`ExecError::Moved`]).
pub(crate) const MOVED_SQLSTATE: &str = "CS001";

/// The SQLSTATE with which a backend's guard reports that another session holds the migration
/// lock ([`ExecError::Busy`]).
pub(crate) const BUSY_SQLSTATE: &str = "CS002";

/// The SQLSTATE with which the last transaction of a step outside a transaction reports that
/// its lease was taken by another runner ([`ExecError::LeaseLost`]).
pub(crate) const LEASE_LOST_SQLSTATE: &str = "CS003";

impl From<sqlx::Error> for ExecError {
    fn from(error: sqlx::Error) -> ExecError {
        let code = error
            .as_database_error()
            .and_then(|e| e.code())
            .map(|code| code.into_owned());
        match code.as_deref() {
            Some(MOVED_SQLSTATE) => ExecError::Moved,
            Some(BUSY_SQLSTATE) => ExecError::Busy,
            Some(LEASE_LOST_SQLSTATE) => ExecError::LeaseLost,
            Some(LOCK_TIMEOUT_SQLSTATE) => ExecError::LockTimeout(error.into()),
            _ => ExecError::Database(error.into()),
        }
    }
}

/// One connection to one database, and what the runner does on it that differs by database.
pub(crate) trait Backend: DataConnection + Send {
    fn dialect(&self) -> Dialect;

    /// Takes the migration lock for step `rev`, which runs outside a transaction, if the version
    /// is `expected` ([`ExecError::Moved`] if not, [`ExecError::Busy`] if another session holds
    /// the lock). It is held until [`Backend::unlock`], or until the step's last transaction
    /// releases it ([`Backend::release_sql`]). (Steps in a transaction take the lock inside
    /// their transaction: see [`Backend::begin_migration`].)
    fn lock<'a>(
        &'a mut self,
        tables: &'a Tables,
        expected: Option<&'a str>,
        rev: &'a str,
        timeouts: Timeouts,
    ) -> BoxFuture<'a, Result<(), ExecError>>;

    /// SQL for the last transaction of a step outside a transaction: it fails the transaction
    /// with [`ExecError::LeaseLost`] unless this runner still holds the lock, and releases it
    /// at the commit.
    fn release_sql(&self, tables: &Tables) -> String;

    /// A statement of a step outside a transaction, bounded by `lock_timeout` where the
    /// database can bound it (each such statement is its own transaction). The default: as it is.
    fn bounded_statement(&self, statement: &str, _lock_timeout: std::time::Duration) -> String {
        statement.to_owned()
    }

    /// Releases the lock [`Backend::lock`] took, if the step's last transaction did not.
    fn unlock<'a>(&'a mut self, tables: &'a Tables) -> BoxFuture<'a, Result<(), ExecError>>;

    /// The other sessions whose transactions, open for at least `min_age`, hold locks that
    /// conflict with `on` (any lock on any table of this database when `on` is empty): what a
    /// migration's DDL queues behind. Oldest first; `doing` names the locks, then the query.
    fn long_transactions<'a>(
        &'a mut self,
        min_age: Duration,
        on: &'a [TableLock],
    ) -> BoxFuture<'a, Result<Vec<LockHolder>, sqlx::Error>>;

    /// Who holds the migration lock, if anyone.
    fn lock_holder<'a>(
        &'a mut self,
        tables: &'a Tables,
    ) -> BoxFuture<'a, Result<Option<LockHolder>, sqlx::Error>>;

    /// `body` (bookkeeping statements) as one transaction under the migration lock.
    fn locked_transaction(&self, tables: &Tables, body: &str) -> String;

    /// Statements that set `timeouts` for the rest of the open transaction (before each
    /// migration of a single-transaction run); empty where the database has no such settings.
    fn timeouts_sql(&self, timeouts: Timeouts) -> String;

    /// Whether the version table and the history table exist.
    fn tables_exist<'a>(
        &'a mut self,
        tables: &'a Tables,
    ) -> BoxFuture<'a, Result<(bool, bool), sqlx::Error>>;

    /// Whether the database is marked for development (`capp-migrate develop`).
    fn development_marked<'a>(
        &'a mut self,
        tables: &'a Tables,
    ) -> BoxFuture<'a, Result<bool, sqlx::Error>>;

    /// The columns of the history table (to add the audit columns of this version to an older
    /// one).
    fn history_column_names<'a>(
        &'a mut self,
        tables: &'a Tables,
    ) -> BoxFuture<'a, Result<Vec<String>, sqlx::Error>>;

    /// The tables of the schema the application's tables live in.
    fn user_tables<'a>(
        &'a mut self,
        schema: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<String>, sqlx::Error>>;

    /// The rows of a bookkeeping read (see [`bookkeeping`]'s queries): five text columns.
    fn bookkeeping_rows(
        &mut self,
        sql: String,
    ) -> BoxFuture<'_, Result<Vec<bookkeeping::Row>, sqlx::Error>>;

    /// Opens one migration's transaction (or a run's one transaction), takes the migration lock
    /// in it, and checks that the version is `expected`; DDL then waits for a table lock and
    /// statements run at most as `timeouts` say. Another runner having moved the version is
    /// [`ExecError::Moved`], with nothing run: a backend that defers all of it to the migration's
    /// one round trip pushes it onto `batch`, whose guard then fails; one that must take a write
    /// lock first does so, re-reads the version under it, and rolls back if it moved.
    fn begin_migration<'a>(
        &'a mut self,
        tables: &'a Tables,
        expected: Option<&'a str>,
        timeouts: Timeouts,
        batch: &'a mut String,
    ) -> BoxFuture<'a, Result<(), ExecError>>;

    /// Runs `batch` (the rest of the migration and its version update), writes its history row
    /// with its duration since `started`, and commits when `commit`.
    fn finish_migration<'a>(
        &'a mut self,
        batch: String,
        history: HistoryRow,
        tables: &'a Tables,
        commit: bool,
        started: Instant,
    ) -> BoxFuture<'a, Result<(), ExecError>>;

    /// Where each piece of `step` got to (empty where steps never run outside a transaction,
    /// or nothing was recorded).
    fn progress<'a>(
        &'a mut self,
        tables: &'a Tables,
        step: StepKey<'a>,
    ) -> BoxFuture<'a, Result<Vec<PieceProgress>, sqlx::Error>> {
        let _ = (tables, step);
        Box::pin(async { Ok(Vec::new()) })
    }

    /// Before a fresh run of a step outside a transaction: makes the progress table where it is
    /// missing and forgets what an earlier run of the step recorded.
    fn start_progress<'a>(
        &'a mut self,
        tables: &'a Tables,
        step: StepKey<'a>,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        let _ = (tables, step);
        Box::pin(async { Ok(()) })
    }

    /// Records that piece `piece` of `step` finished.
    fn piece_done<'a>(
        &'a mut self,
        tables: &'a Tables,
        step: StepKey<'a>,
        piece: usize,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        let _ = (tables, step, piece);
        Box::pin(async { Ok(()) })
    }

    /// SQL for the step's last transaction: forgets its progress.
    fn clear_progress_sql(&self, tables: &Tables, step: StepKey) -> String {
        let _ = (tables, step);
        String::new()
    }

    /// Runs one batch of a backfill as its own transaction; `None` when no key was left.
    fn backfill_batch<'a>(
        &'a mut self,
        tables: &'a Tables,
        batch: Batch<'a>,
    ) -> BoxFuture<'a, Result<Option<BatchDone>, ExecError>> {
        let _ = (tables, batch);
        Box::pin(async {
            Err(ExecError::Database(DbError(sqlx::Error::Protocol(
                "a batched backfill runs only on a database whose steps can run outside a transaction"
                    .to_owned(),
            ))))
        })
    }

    /// The names of the databases on this connection's server that match `pattern` (SQL
    /// `LIKE`), templates and databases that refuse connections left out, in name order; `None`
    /// where there is no server to ask (a file).
    fn databases_matching<'a>(
        &'a mut self,
        pattern: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<String>>, sqlx::Error>> {
        let _ = pattern;
        Box::pin(async { Ok(None) })
    }

    /// The names of this database's schemas that match `pattern` (SQL `LIKE`), system schemas
    /// left out, in name order; `None` where the database has no schemas.
    fn schemas_matching<'a>(
        &'a mut self,
        pattern: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<String>>, sqlx::Error>> {
        let _ = pattern;
        Box::pin(async { Ok(None) })
    }

    /// The database's schema (the runner's own tables included).
    fn introspect(&mut self) -> BoxFuture<'_, Result<Schema, sqlx::Error>>;

    /// Closes the connection.
    fn close(self: Box<Self>) -> BoxFuture<'static, Result<(), sqlx::Error>>;
}

/// The Rust type of an `INTERVAL` column in the models `capp-schema adopt` writes (the driver's;
/// the model derive maps it by its name).
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
pub(crate) const INTERVAL_RUST_TYPE: &str = "capp_schema::sqlx::postgres::types::PgInterval";

/// The dialect whose SQL the lint checks (`capp_schema::lint`).
#[cfg(feature = "lint")]
pub(crate) const LINT_DIALECT: Dialect = Dialect::POSTGRES;
