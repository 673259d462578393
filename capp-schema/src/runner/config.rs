//! The runner's settings.

use std::time::Duration;

use crate::backend::Tables;

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
    /// How long a DDL statement may wait for a table lock on PostgreSQL before failing, rather
    /// than queueing the application's queries behind it.
    pub lock_timeout: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            version_table: "alembic_version".to_owned(),
            version_schema: None,
            history_table: "capp_schema_history".to_owned(),
            transaction_mode: TransactionMode::PerMigration,
            lock_timeout: Duration::from_secs(10),
        }
    }
}

impl Config {
    /// The runner's tables as the backends take them.
    pub(crate) fn tables(&self) -> Tables {
        Tables {
            version_name: self.version_table.clone(),
            history_name: self.history_table.clone(),
            schema: self.version_schema.clone(),
        }
    }
}
