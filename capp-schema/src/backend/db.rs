//! [`Db`]: one connection, whichever backend serves it.

use std::time::{Duration, Instant};

use super::progress::{Batch, BatchDone, PieceProgress, StepKey};
use super::{
    Backend, DatabaseUrl, DbError, ExecError, HistoryRow, LockHolder, State, TableLock, Tables,
    Timeouts,
};
use crate::ops::DataConnection;
use crate::render::Dialect;
use crate::schema::Schema;

/// A dedicated connection for running migrations (never one shared with an application's
/// queries: a migration's transaction must not mix with them).
pub struct Db {
    backend: Box<dyn Backend>,
    url: DatabaseUrl,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Connecting failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The driver could not connect.
    #[error("cannot connect to {url}")]
    Failed {
        url: String,
        #[source]
        source: DbError,
    },
    /// Nothing answered in time: a server that accepts connections but never answers, or a
    /// network that drops them.
    #[error(
        "cannot connect to {url}: no answer within {timeout:?}; check the host and port, or wait longer with `connect_timeout=SECONDS` in the URL"
    )]
    TimedOut { url: String, timeout: Duration },
}

/// How long connecting may take unless the URL says otherwise (`connect_timeout`, in seconds, as
/// libpq reads it).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl ConnectError {
    pub(crate) fn failed(url: &DatabaseUrl, source: sqlx::Error) -> ConnectError {
        ConnectError::Failed {
            url: url.to_string(),
            source: source.into(),
        }
    }
}

impl Db {
    /// Connects; a SQLite file is created on first use. Connecting waits at most
    /// [`DEFAULT_CONNECT_TIMEOUT`], or the URL's `connect_timeout` in seconds.
    pub async fn connect(url: &DatabaseUrl) -> Result<Db, ConnectError> {
        let timeout = url.connect_timeout().unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let connecting = (url.driver().connect)(url.location());
        let backend = match tokio::time::timeout(timeout, connecting).await {
            Ok(Ok(backend)) => backend,
            Ok(Err(source)) => {
                return Err(ConnectError::Failed {
                    url: url.to_string(),
                    source: source.into(),
                });
            }
            Err(_) => {
                return Err(ConnectError::TimedOut {
                    url: url.to_string(),
                    timeout,
                });
            }
        };
        Ok(Db {
            backend,
            url: url.clone(),
        })
    }

    pub(crate) fn from_backend(backend: Box<dyn Backend>, url: DatabaseUrl) -> Db {
        Db { backend, url }
    }

    /// The SQL dialect of this database.
    pub fn dialect(&self) -> Dialect {
        self.backend.dialect()
    }

    /// The URL, without password.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Runs SQL (one or more statements) as it is.
    pub async fn execute(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        self.backend.execute(sql).await
    }

    /// Where each piece of a step outside a transaction got to.
    pub(crate) async fn progress(
        &mut self,
        tables: &Tables,
        step: StepKey<'_>,
    ) -> Result<Vec<PieceProgress>, sqlx::Error> {
        self.backend.progress(tables, step).await
    }

    /// Before a fresh run of a step outside a transaction: forgets an earlier run's progress.
    pub(crate) async fn start_progress(
        &mut self,
        tables: &Tables,
        step: StepKey<'_>,
    ) -> Result<(), sqlx::Error> {
        self.backend.start_progress(tables, step).await
    }

    /// Records that a piece of a step outside a transaction finished.
    pub(crate) async fn piece_done(
        &mut self,
        tables: &Tables,
        step: StepKey<'_>,
        piece: usize,
    ) -> Result<(), sqlx::Error> {
        self.backend.piece_done(tables, step, piece).await
    }

    /// SQL for a step's last transaction: forgets its progress.
    pub(crate) fn clear_progress_sql(&self, tables: &Tables, step: StepKey) -> String {
        self.backend.clear_progress_sql(tables, step)
    }

    /// One batch of a backfill, as its own transaction; `None` when no key was left.
    pub(crate) async fn backfill_batch(
        &mut self,
        tables: &Tables,
        batch: Batch<'_>,
    ) -> Result<Option<BatchDone>, ExecError> {
        self.backend.backfill_batch(tables, batch).await
    }

    /// The databases on this connection's server whose names match `pattern` (SQL `LIKE`);
    /// `None` where there is no server to ask.
    pub async fn databases_matching(
        &mut self,
        pattern: &str,
    ) -> Result<Option<Vec<String>>, sqlx::Error> {
        self.backend.databases_matching(pattern).await
    }

    /// This database's schemas whose names match `pattern` (SQL `LIKE`); `None` where it has no
    /// schemas.
    pub async fn schemas_matching(
        &mut self,
        pattern: &str,
    ) -> Result<Option<Vec<String>>, sqlx::Error> {
        self.backend.schemas_matching(pattern).await
    }

    /// The connection as a Rust data step gets it.
    pub fn data_connection(&mut self) -> &mut dyn DataConnection {
        &mut *self.backend
    }

    /// Closes the connection.
    pub async fn close(self) -> Result<(), sqlx::Error> {
        self.backend.close().await
    }

    /// The database's schema, the runner's own tables included.
    pub(crate) async fn introspect_all(&mut self) -> Result<Schema, sqlx::Error> {
        self.backend.introspect().await
    }

    pub(crate) async fn lock(
        &mut self,
        tables: &Tables,
        expected: Option<&str>,
        rev: &str,
        timeouts: Timeouts,
    ) -> Result<(), ExecError> {
        self.backend.lock(tables, expected, rev, timeouts).await
    }

    /// A statement of a step outside a transaction, bounded by `lock_timeout` where the database
    /// can bound it, and run with `schema` as its search path where one is given (neither for
    /// `CONCURRENTLY`, which must be alone and whose names are qualified).
    pub(crate) fn bounded_statement(
        &self,
        statement: &str,
        lock_timeout: std::time::Duration,
        schema: Option<&str>,
    ) -> String {
        let bounded = self.backend.bounded_statement(statement, lock_timeout);
        match schema {
            Some(schema) if bounded != statement => {
                format!("{}{bounded}", self.search_path_sql(schema))
            }
            _ => bounded,
        }
    }

    /// SQL that makes `schema` the whole search path for the rest of the open transaction (the
    /// dialect's statement); empty where the database has no schemas.
    pub(crate) fn search_path_sql(&self, schema: &str) -> String {
        self.dialect()
            .search_path(schema)
            .map(|set| format!("{set};\n"))
            .unwrap_or_default()
    }

    pub(crate) fn release_sql(&self, tables: &Tables) -> String {
        self.backend.release_sql(tables)
    }

    pub(crate) async fn unlock(&mut self, tables: &Tables) -> Result<(), ExecError> {
        self.backend.unlock(tables).await
    }

    /// Statements setting `timeouts` for the rest of the open transaction.
    pub(crate) fn timeouts_sql(&self, timeouts: Timeouts) -> String {
        self.backend.timeouts_sql(timeouts)
    }

    /// Other sessions in transactions open for at least `min_age` that hold table locks.
    pub(crate) async fn long_transactions(
        &mut self,
        min_age: Duration,
        on: &[TableLock],
    ) -> Result<Vec<LockHolder>, sqlx::Error> {
        self.backend.long_transactions(min_age, on).await
    }

    /// Whether the database is marked for development (`capp-migrate develop`).
    pub(crate) async fn development_marked(
        &mut self,
        tables: &Tables,
    ) -> Result<bool, sqlx::Error> {
        self.backend.development_marked(tables).await
    }

    /// The SQL of the downgrade recorded when `rev` was applied, with the checksum it was applied
    /// with; `None` when none was recorded.
    pub(crate) async fn recorded_downgrade(
        &mut self,
        tables: &Tables,
        rev: &str,
    ) -> Result<(Option<String>, Option<String>), sqlx::Error> {
        let rows = self
            .backend
            .bookkeeping_rows(tables.recorded_downgrade_sql(rev))
            .await?;
        Ok(rows
            .into_iter()
            .next()
            .map_or((None, None), |(_, _, sql, checksum, _)| (sql, checksum)))
    }

    /// Who holds the migration lock, if anyone.
    pub(crate) async fn lock_holder(
        &mut self,
        tables: &Tables,
    ) -> Result<Option<LockHolder>, sqlx::Error> {
        self.backend.lock_holder(tables).await
    }

    /// Runs `body` as one transaction under the migration lock; [`ExecError::Busy`] when another
    /// session holds it.
    pub(crate) async fn execute_locked(
        &mut self,
        tables: &Tables,
        body: &str,
    ) -> Result<(), ExecError> {
        let sql = self.backend.locked_transaction(tables, body);
        let result = self.backend.execute(&sql).await;
        if result.is_err() {
            let _ = self.backend.execute("ROLLBACK").await;
        }
        Ok(result?)
    }

    /// The application's tables: those of `schema` (a tenant's), else of the search path's, not
    /// the runner's.
    pub(crate) async fn user_tables(
        &mut self,
        tables: &Tables,
        schema: Option<&str>,
    ) -> Result<Vec<String>, sqlx::Error> {
        let all = self.backend.user_tables(schema).await?;
        Ok(all
            .into_iter()
            .filter(|t| !tables.is_ours(schema, t))
            .collect())
    }

    /// Creates the version and history tables where they are missing, and adds the audit
    /// columns of this version to a history table written by an earlier one.
    pub(crate) async fn create_tables(&mut self, tables: &Tables) -> Result<(), ExecError> {
        self.execute_locked(tables, &tables.create_sql()).await?;
        self.add_audit_columns(tables).await
    }

    /// Adds the audit columns of this version to a history table written by an earlier one.
    pub(crate) async fn add_audit_columns(&mut self, tables: &Tables) -> Result<(), ExecError> {
        let present = self.backend.history_column_names(tables).await?;
        let missing = tables.add_audit_columns_sql(&present);
        if missing.is_empty() {
            return Ok(());
        }
        match self.execute_locked(tables, &missing).await {
            Ok(()) => Ok(()),
            // Another runner added them meanwhile.
            Err(e) => {
                let present = self.backend.history_column_names(tables).await?;
                if tables.add_audit_columns_sql(&present).is_empty() {
                    Ok(())
                } else {
                    Err(e)
                }
            }
        }
    }

    /// Reads the version table and the newest history row of each revision: two queries, one to
    /// find the tables and one to read both.
    pub(crate) async fn state(&mut self, tables: &Tables) -> Result<State, ReadError> {
        let (version_exists, history_exists) = self.backend.tables_exist(tables).await?;
        if !version_exists {
            return Ok(State {
                history_table_exists: history_exists,
                ..State::default()
            });
        }
        let rows = self
            .backend
            .bookkeeping_rows(tables.state_sql(history_exists))
            .await?;
        let mut state = State::from_rows(rows)?;
        state.history_table_exists = history_exists;
        Ok(state)
    }

    /// The version and the newest history row, in one query that assumes both tables exist (the
    /// steady state); an error sends the caller the long way.
    pub(crate) async fn newest(&mut self, tables: &Tables) -> Result<State, ReadError> {
        let rows = self.backend.bookkeeping_rows(tables.newest_sql()).await?;
        Ok(State::from_rows(rows)?)
    }

    pub(crate) async fn begin_migration(
        &mut self,
        tables: &Tables,
        expected: Option<&str>,
        timeouts: Timeouts,
        batch: &mut String,
    ) -> Result<(), ExecError> {
        self.backend
            .begin_migration(tables, expected, timeouts, batch)
            .await
    }

    pub(crate) async fn finish_migration(
        &mut self,
        batch: String,
        history: HistoryRow,
        tables: &Tables,
        commit: bool,
        started: Instant,
    ) -> Result<(), ExecError> {
        self.backend
            .finish_migration(batch, history, tables, commit, started)
            .await
    }
}

/// Reading the bookkeeping tables failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Unreadable(#[from] super::bookkeeping::UnreadableRow),
}
