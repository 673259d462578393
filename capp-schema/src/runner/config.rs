//! The runner's settings.

use std::time::Duration;

use crate::backend::{Tables, Timeouts};
use crate::chain::Migration;
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
    /// The schema of the version and history tables (PostgreSQL); `None` is [`Config::schema`],
    /// else the search path's.
    pub version_schema: Option<String>,
    /// The PostgreSQL schema the migrations apply to, where one history is applied to many
    /// schemas of one database (one per tenant): every table, index, type and sequence the
    /// runner's SQL names is qualified with it, SQL written by hand (`execute`, defaults, checks,
    /// view and function bodies) runs with it as the whole search path of its transaction (so
    /// an unqualified name never falls through to `public`), the version and history tables
    /// live in it, and the migration lock is its own. `None`, the default: the search path's
    /// schema, unqualified. Database-wide objects (extensions) are created once, `IF NOT
    /// EXISTS`, and never dropped by one schema's downgrade.
    pub schema: Option<String>,
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
    /// How long a runner waits for the migration lock while another runner holds it (another
    /// replica migrating, or an operator's `capp-migrate`), saying who holds it as it starts
    /// waiting and every 10 s after; then it fails with the same information. 10 minutes by
    /// default: longer than most migrations, short enough that a stuck holder is noticed.
    /// (Separate from `lock_timeout`, which bounds DDL waiting for tables.)
    pub lock_wait: Duration,
    /// How long a migration's transaction may sit idle waiting for the runner (a Rust data
    /// step between its queries) before PostgreSQL ends the session, which rolls the migration
    /// back and frees the migration lock: a runner that hangs or is cut off cannot hold it
    /// for long. 60 s by default.
    pub idle_in_transaction_timeout: Duration,
    /// How long the migration lock of a step outside a transaction (PostgreSQL: a lease, renewed
    /// every third of this while the step runs) outlives a runner that stopped renewing it.
    /// 30 s by default.
    pub lease_ttl: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            version_table: "alembic_version".to_owned(),
            version_schema: None,
            schema: None,
            history_table: "capp_schema_history".to_owned(),
            transaction_mode: TransactionMode::PerMigration,
            lock_timeout: Duration::from_secs(1),
            lock_retry_budget: Duration::from_secs(60),
            statement_timeout: None,
            lock_wait: Duration::from_secs(600),
            idle_in_transaction_timeout: Duration::from_secs(60),
            lease_ttl: Duration::from_secs(30),
        }
    }
}

impl Config {
    /// The timeouts of a migration's transaction, as the backends take them.
    pub(crate) fn timeouts(&self) -> Timeouts {
        Timeouts {
            lock: self.lock_timeout,
            statement: self.statement_timeout,
            idle: self.idle_in_transaction_timeout,
            lease: self.lease_ttl,
        }
    }

    /// The timeouts of migration `m`'s transaction: its attribute's where it sets them (the
    /// attribute wins over the command line, which sets this `Config`).
    pub(crate) fn timeouts_for(&self, m: &Migration) -> Timeouts {
        let own = m.timeouts();
        Timeouts {
            lock: own.lock_timeout.unwrap_or(self.lock_timeout),
            statement: own.statement_timeout.or(self.statement_timeout),
            ..self.timeouts()
        }
    }

    /// How long migration `m` may keep trying for its table locks.
    pub(crate) fn lock_retry_budget_for(&self, m: &Migration) -> Duration {
        m.timeouts()
            .lock_retry_budget
            .unwrap_or(self.lock_retry_budget)
    }

    /// The runner's tables as the backends take them.
    pub(crate) fn tables(&self, dialect: Dialect) -> Tables {
        Tables {
            version_name: self.version_table.clone(),
            history_name: self.history_table.clone(),
            schema: self.version_schema.clone().or_else(|| self.schema.clone()),
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
