//! The runner's settings.

use std::time::Duration;

use crate::backend::{Tables, Timeouts};
use crate::render::Dialect;

/// How migrations are grouped into transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransactionMode {
    /// One transaction per migration: a failure keeps everything before it.
    #[default]
    PerMigration,
    /// All pending migrations in one transaction: all or nothing.
    Single,
}

/// Runner settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The version table; Alembic's name by default, so Alembic-managed databases are read as
    /// they are.
    pub version_table: String,
    /// The schema of the version and history tables (PostgreSQL); `None` is the search path's.
    pub version_schema: Option<String>,
    /// The table recording what ran, when, with which checksum, and how long it took.
    pub history_table: String,
    pub transaction_mode: TransactionMode,
    /// How long a migration's DDL may wait for a table lock (PostgreSQL) in one attempt. While
    /// it waits, every query on that table queues behind it, so this is what the application's
    /// traffic can be made to wait. 1 s by default: short application transactions end well
    /// within it, and a payments API's requests survive a one-second stall; when it expires the
    /// migration is rolled back and tried again (see `lock_retry_budget`).
    pub lock_timeout: Duration,
    /// How long a migration may keep trying when its table locks are not granted: attempts are
    /// paced by a pause that doubles from 200 ms (up to 10 s), with jitter. 60 s by default; 0
    /// gives one attempt. Migrations in a single-transaction run, and migrations outside a
    /// transaction, are not retried.
    pub lock_retry_budget: Duration,
    /// How long one statement of a migration may run before PostgreSQL cancels it (and the
    /// migration fails, rolled back); `None`, the default, is the server's setting.
    pub statement_timeout: Option<Duration>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            version_table: "alembic_version".to_owned(),
            version_schema: None,
            history_table: "capp_schema_history".to_owned(),
            transaction_mode: TransactionMode::PerMigration,
            lock_timeout: Duration::from_secs(1),
            lock_retry_budget: Duration::from_secs(60),
            statement_timeout: None,
        }
    }
}

impl Config {
    /// The timeouts of a migration's transaction, as the backends take them.
    pub(crate) fn timeouts(&self) -> Timeouts {
        Timeouts {
            lock: self.lock_timeout,
            statement: self.statement_timeout,
        }
    }

    /// The runner's tables as the backends take them.
    pub(crate) fn tables(&self, dialect: Dialect) -> Tables {
        Tables {
            version_name: self.version_table.clone(),
            history_name: self.history_table.clone(),
            schema: self.version_schema.clone(),
            dialect,
            tool: tool(),
        }
    }
}

/// This program and the runner's version, for the history's audit columns: `capp-migrate
/// (capp-schema 0.1.0)`.
fn tool() -> String {
    format!(
        "{} (capp-schema {})",
        crate::backend::program_name(),
        env!("CARGO_PKG_VERSION")
    )
}
