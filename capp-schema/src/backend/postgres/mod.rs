//! PostgreSQL: one round trip per migration with the migration lock inside its transaction
//! (correct through PgBouncer in transaction mode), only the simple-query protocol outside
//! transactions, `pg_catalog` introspection.

mod backfill;
mod introspect;
#[cfg(feature = "lint")]
pub(crate) mod lint;
mod lock;
mod objects;
mod precheck;
mod render;

use std::any::Any;
use std::str::FromStr;
use std::time::Instant;

use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use super::ConnectError;
use super::bookkeeping::Row;
use super::progress::{Batch, BatchDone, PieceProgress, StepKey};
use super::url::redact;
use super::{
    Backend, BoxFuture, DatabaseUrl, Db, Driver, ExecError, HistoryRow, LockHolder, TableLock,
    Tables, Timeouts,
};
use crate::ops::DataConnection;
use crate::render::Dialect;
use crate::schema::{Schema, sql_string};

impl Dialect {
    /// PostgreSQL's SQL.
    pub const POSTGRES: Dialect = Dialect(&render::Postgres);
}

pub(crate) static DRIVER: Driver = Driver {
    schemes: &["postgres", "postgresql"],
    example: "postgresql://user:pass@host/db (also postgres://, postgresql+asyncpg://, postgresql+psycopg2://)",
    dialect: Dialect::POSTGRES,
    location: |rest| Some(format!("postgres://{rest}")),
    display: redact,
    missing: |_| false,
    refused: |_| None,
    connect: |location| Box::pin(connect(location)),
};

async fn connect(location: &str) -> Result<Box<dyn Backend>, sqlx::Error> {
    // No named prepared statements: a transaction-pooling proxy hands each transaction to any
    // server connection, where a statement prepared on another does not exist.
    let mut options = PgConnectOptions::from_str(location)?.statement_cache_capacity(0);
    // An IPv6 literal is bracketed in a URL (`[::1]`), not in the address connected to.
    if let Some(literal) = options
        .get_host()
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .map(str::to_owned)
    {
        options = options.host(&literal);
    }
    // Named in pg_stat_activity (and in the history's audit columns) unless the URL names it.
    if options.get_application_name().is_none() {
        options = options.application_name(&super::program_name());
    }
    let conn = PgConnection::connect_with(&options).await?;
    Ok(Box::new(Postgres {
        conn,
        options,
        lease: None,
    }))
}

/// A PostgreSQL connection as the runner uses it.
struct Postgres {
    conn: PgConnection,
    /// How it connected, for the second connection that renews a lease.
    options: PgConnectOptions,
    /// The lease this runner holds while a step runs outside a transaction.
    lease: Option<Lease>,
}

/// A lease on the migration lock, renewed from a second connection until dropped.
struct Lease {
    token: String,
    renewal: tokio::task::JoinHandle<()>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renewal.abort();
    }
}

/// A token no other runner's lease has: this process, the time, and a per-process hash seed.
fn lease_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{}-{}-{:016x}",
        std::process::id(),
        now.as_nanos(),
        hasher.finish()
    )
}

/// Renews the lease `token` every third of `ttl` from its own connection, until the lease is
/// lost or the task is aborted. A renewal that fails (the connection broke) is tried again on
/// a new connection; one that touches no row means the lease was taken, and the step's last
/// transaction will fail (fencing), so renewing stops.
async fn renew(options: PgConnectOptions, tables: Tables, token: String, ttl: std::time::Duration) {
    let sql = lock::renew_lease(&tables, &token, ttl);
    let mut conn: Option<PgConnection> = None;
    loop {
        tokio::time::sleep(ttl / 3).await;
        if conn.is_none() {
            conn = PgConnection::connect_with(&options).await.ok();
        }
        let Some(c) = conn.as_mut() else { continue };
        match sqlx::raw_sql(AssertSqlSafe(sql.clone())).execute(c).await {
            Ok(done) if done.rows_affected() == 1 => {}
            Ok(_) => return,
            Err(_) => conn = None,
        }
    }
}

impl Db {
    /// Takes a connection out of an application's PostgreSQL pool for good (it closes when this
    /// value is dropped and never returns to the pool), so that nothing the runner does on it can
    /// reach the application's transactions. A lease is renewed over a second connection made
    /// with the pool's options.
    pub async fn from_postgres_pool(pool: &sqlx::PgPool) -> Result<Db, ConnectError> {
        let host = pool.connect_options().get_host().to_owned();
        let url = DatabaseUrl::from_parts(&DRIVER, format!("postgres://{host}"));
        let conn = match pool.acquire().await {
            Ok(conn) => conn.detach(),
            Err(source) => return Err(ConnectError::failed(&url, source)),
        };
        let options = (*pool.connect_options()).clone();
        Ok(Db::from_backend(
            Box::new(Postgres {
                conn,
                options,
                lease: None,
            }),
            url,
        ))
    }
}

impl dyn DataConnection + '_ {
    /// The PostgreSQL connection, for typed queries in Rust data steps; `None` on another
    /// database.
    pub fn postgres(&mut self) -> Option<&mut PgConnection> {
        self.driver_connection().downcast_mut()
    }
}

impl DataConnection for Postgres {
    fn execute<'a>(&'a mut self, sql: &'a str) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move {
            sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                .execute(&mut self.conn)
                .await
                .map(|_| ())
        })
    }

    fn driver_connection(&mut self) -> &mut (dyn Any + Send) {
        &mut self.conn
    }
}

/// The duration of the transaction so far, in SQL: the history row is written in the same round
/// trip as the migration, so the server measures it.
const DURATION_MS: &str = "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint";

impl Postgres {
    /// The text columns of every row of `sql`, through the simple-query protocol.
    async fn text_rows(&mut self, sql: String) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
        use sqlx::Row as _;
        let rows = sqlx::raw_sql(AssertSqlSafe(sql))
            .fetch_all(&mut self.conn)
            .await?;
        rows.iter()
            .map(|row| (0..row.len()).map(|i| row.try_get(i)).collect())
            .collect()
    }

    /// The first column of every row of `sql`, through the simple-query protocol.
    async fn first_column(&mut self, sql: String) -> Result<Vec<String>, sqlx::Error> {
        let rows = self.text_rows(sql).await?;
        Ok(rows
            .into_iter()
            .filter_map(|mut row| column(&mut row, 0))
            .collect())
    }
}

/// A lock holder from a row of `lock`'s holder queries: pid, application, user, client, age in
/// seconds, what it does.
fn holder(mut row: Vec<Option<String>>) -> LockHolder {
    LockHolder {
        pid: column(&mut row, 0).and_then(|p| p.parse().ok()),
        application: column(&mut row, 1).unwrap_or_default(),
        user: column(&mut row, 2).unwrap_or_default(),
        client: column(&mut row, 3),
        held_for: column(&mut row, 4)
            .and_then(|s| s.parse::<f64>().ok())
            .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
            .unwrap_or_default(),
        doing: column(&mut row, 5).unwrap_or_default(),
    }
}

/// The column at `i`, which the query always gives.
fn column(row: &mut [Option<String>], i: usize) -> Option<String> {
    row.get_mut(i).and_then(Option::take)
}

impl Backend for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::POSTGRES
    }

    /// A lease, for a step outside a transaction: taken in one transaction under the
    /// advisory lock, renewed from a second connection while the step runs.
    fn lock<'a>(
        &'a mut self,
        tables: &'a Tables,
        expected: Option<&'a str>,
        rev: &'a str,
        timeouts: Timeouts,
    ) -> BoxFuture<'a, Result<(), ExecError>> {
        Box::pin(async move {
            let token = lease_token();
            let sql = lock::take_lease(tables, expected, rev, &token, timeouts.lease);
            if let Err(error) = self.execute(&sql).await {
                let _ = self.execute("ROLLBACK").await;
                return Err(error.into());
            }
            let renewal = tokio::spawn(renew(
                self.options.clone(),
                tables.clone(),
                token.clone(),
                timeouts.lease,
            ));
            self.lease = Some(Lease { token, renewal });
            Ok(())
        })
    }

    /// `SET LOCAL lock_timeout` in the same implicit transaction as the statement, so that a
    /// statement of a `transactional = false` migration (the four steps of `make_not_null`, a
    /// `USING INDEX` constraint) cannot queue behind a long transaction while every query on its
    /// table queues behind it. Not for `CONCURRENTLY`, which cannot run in a transaction block
    /// and waits for no lock that blocks reads or writes.
    fn bounded_statement(&self, statement: &str, lock_timeout: std::time::Duration) -> String {
        if statement.contains(" CONCURRENTLY ") {
            statement.to_owned()
        } else {
            lock::bounded(statement, lock_timeout)
        }
    }

    fn release_sql(&self, tables: &Tables) -> String {
        self.lease.as_ref().map_or_else(String::new, |lease| {
            lock::release_lease(tables, &lease.token)
        })
    }

    fn unlock<'a>(&'a mut self, tables: &'a Tables) -> BoxFuture<'a, Result<(), ExecError>> {
        Box::pin(async move {
            let Some(lease) = self.lease.take() else {
                return Ok(());
            };
            lease.renewal.abort();
            Ok(self
                .execute(&lock::drop_lease(tables, &lease.token))
                .await?)
        })
    }

    fn long_transactions<'a>(
        &'a mut self,
        min_age: std::time::Duration,
        on: &'a [TableLock],
    ) -> BoxFuture<'a, Result<Vec<LockHolder>, sqlx::Error>> {
        Box::pin(async move {
            let rows = self
                .text_rows(lock::long_transactions_sql(min_age, on))
                .await?;
            Ok(rows.into_iter().map(holder).collect())
        })
    }

    fn lock_holder<'a>(
        &'a mut self,
        tables: &'a Tables,
    ) -> BoxFuture<'a, Result<Option<LockHolder>, sqlx::Error>> {
        Box::pin(async move {
            let mut rows = self.text_rows(lock::holder_sql(tables)).await?;
            if rows.is_empty() {
                let exists = format!(
                    "SELECT (to_regclass({}) IS NOT NULL)::text",
                    sql_string(&tables.lease())
                );
                if self.first_column(exists).await? == ["true"] {
                    rows = self.text_rows(lock::lease_holder_sql(tables)).await?;
                }
            }
            Ok(rows.into_iter().next().map(holder))
        })
    }

    fn locked_transaction(&self, tables: &Tables, body: &str) -> String {
        lock::transaction(tables, body)
    }

    fn timeouts_sql(&self, timeouts: Timeouts) -> String {
        lock::set_timeouts(timeouts)
    }

    fn tables_exist<'a>(
        &'a mut self,
        tables: &'a Tables,
    ) -> BoxFuture<'a, Result<(bool, bool), sqlx::Error>> {
        let sql = format!(
            "SELECT (to_regclass({}) IS NOT NULL)::text, (to_regclass({}) IS NOT NULL)::text",
            sql_string(&tables.version()),
            sql_string(&tables.history())
        );
        Box::pin(async move {
            let mut rows = self.text_rows(sql).await?;
            let row = rows.first_mut().map(Vec::as_mut_slice).unwrap_or_default();
            let exists = |value: Option<String>| value.as_deref() == Some("true");
            Ok((exists(column(row, 0)), exists(column(row, 1))))
        })
    }

    fn progress<'a>(
        &'a mut self,
        tables: &'a Tables,
        step: StepKey<'a>,
    ) -> BoxFuture<'a, Result<Vec<PieceProgress>, sqlx::Error>> {
        Box::pin(async move {
            let exists = format!(
                "SELECT (to_regclass({}) IS NOT NULL)::text",
                sql_string(&tables.progress())
            );
            if self.first_column(exists).await? != ["true"] {
                return Ok(Vec::new());
            }
            let rows = self
                .bookkeeping_rows(backfill::progress_sql(tables, &step))
                .await?;
            Ok(backfill::progress_of(rows))
        })
    }

    fn start_progress<'a>(
        &'a mut self,
        tables: &'a Tables,
        step: StepKey<'a>,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        let sql = format!(
            "{};\n{}",
            backfill::create_progress_sql(tables),
            backfill::clear_progress_sql(tables, &step)
        );
        Box::pin(async move { self.execute(&sql).await })
    }

    fn piece_done<'a>(
        &'a mut self,
        tables: &'a Tables,
        step: StepKey<'a>,
        piece: usize,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        let sql = backfill::piece_done_sql(tables, &step, piece);
        Box::pin(async move { self.execute(&sql).await })
    }

    fn clear_progress_sql(&self, tables: &Tables, step: StepKey) -> String {
        backfill::clear_progress_sql(tables, &step)
    }

    /// One round trip: BEGIN, the bounds, the fence, the batch, COMMIT; rolled back on failure.
    fn backfill_batch<'a>(
        &'a mut self,
        tables: &'a Tables,
        batch: Batch<'a>,
    ) -> BoxFuture<'a, Result<Option<BatchDone>, ExecError>> {
        let fence = self
            .lease
            .as_ref()
            .map_or_else(String::new, |lease| lock::fence(tables, &lease.token));
        let sql = backfill::batch_sql(tables, &batch, &fence);
        Box::pin(async move {
            let rows = match self.text_rows(sql).await {
                Ok(rows) => rows,
                Err(error) => {
                    let _ = self.execute("ROLLBACK").await;
                    return Err(error.into());
                }
            };
            let mut done: Option<BatchDone> = None;
            for mut row in rows {
                let value = column(&mut row, 2).unwrap_or_default();
                let number = |row: &mut Vec<Option<String>>, i| {
                    column(row, i)
                        .and_then(|n| n.parse::<u64>().ok())
                        .unwrap_or(0)
                };
                let (total, rows) = (number(&mut row, 3), number(&mut row, 4));
                done.get_or_insert(BatchDone {
                    cursor: Vec::new(),
                    rows,
                    total,
                })
                .cursor
                .push(value);
            }
            Ok(done)
        })
    }

    fn databases_matching<'a>(
        &'a mut self,
        pattern: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<String>>, sqlx::Error>> {
        let sql = format!(
            "SELECT datname::text FROM pg_database WHERE datallowconn AND NOT datistemplate AND datname LIKE {} ORDER BY datname",
            sql_string(pattern)
        );
        Box::pin(async move { self.first_column(sql).await.map(Some) })
    }

    fn schemas_matching<'a>(
        &'a mut self,
        pattern: &'a str,
    ) -> BoxFuture<'a, Result<Option<Vec<String>>, sqlx::Error>> {
        let sql = format!(
            "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE {} AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY nspname",
            sql_string(pattern)
        );
        Box::pin(async move { self.first_column(sql).await.map(Some) })
    }

    fn development_marked<'a>(
        &'a mut self,
        tables: &'a Tables,
    ) -> BoxFuture<'a, Result<bool, sqlx::Error>> {
        let sql = format!(
            "SELECT (to_regclass({}) IS NOT NULL)::text",
            sql_string(&tables.development())
        );
        Box::pin(async move { Ok(self.first_column(sql).await? == ["true"]) })
    }

    fn history_column_names<'a>(
        &'a mut self,
        tables: &'a Tables,
    ) -> BoxFuture<'a, Result<Vec<String>, sqlx::Error>> {
        let sql = format!(
            "SELECT attname::text FROM pg_attribute WHERE attrelid = to_regclass({}) AND attnum > 0 AND NOT attisdropped",
            sql_string(&tables.history())
        );
        Box::pin(self.first_column(sql))
    }

    /// The application's tables live in the search path's schema, wherever the version table is.
    /// The tables of `schema`, else of the search path's.
    fn user_tables<'a>(
        &'a mut self,
        schema: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<String>, sqlx::Error>> {
        let schema = schema.map_or_else(|| "current_schema()".to_owned(), sql_string);
        let sql = format!(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = {schema} AND table_type = 'BASE TABLE' ORDER BY 1"
        );
        Box::pin(self.first_column(sql))
    }

    fn bookkeeping_rows(&mut self, sql: String) -> BoxFuture<'_, Result<Vec<Row>, sqlx::Error>> {
        Box::pin(async move {
            let rows = self.text_rows(sql).await?;
            Ok(rows
                .into_iter()
                .map(|mut row| {
                    (
                        column(&mut row, 0).unwrap_or_default(),
                        column(&mut row, 1).unwrap_or_default(),
                        column(&mut row, 2),
                        column(&mut row, 3),
                        column(&mut row, 4),
                    )
                })
                .collect())
        })
    }

    /// Everything goes with the migration's one round trip: BEGIN, the lock, the version guard,
    /// its statements, the version update, the history row, COMMIT.
    fn begin_migration<'a>(
        &'a mut self,
        tables: &'a Tables,
        expected: Option<&'a str>,
        timeouts: Timeouts,
        batch: &'a mut String,
    ) -> BoxFuture<'a, Result<(), ExecError>> {
        batch.push_str(&lock::begin(tables, expected, timeouts));
        Box::pin(async { Ok(()) })
    }

    fn finish_migration<'a>(
        &'a mut self,
        mut batch: String,
        history: HistoryRow,
        tables: &'a Tables,
        commit: bool,
        _started: Instant,
    ) -> BoxFuture<'a, Result<(), ExecError>> {
        batch.push_str(&tables.history_sql(&history, DURATION_MS));
        if commit {
            batch.push_str("COMMIT;\n");
        }
        Box::pin(async move { Ok(self.execute(&batch).await?) })
    }

    fn introspect(&mut self) -> BoxFuture<'_, Result<Schema, sqlx::Error>> {
        Box::pin(introspect::schema(&mut self.conn))
    }

    fn close(self: Box<Self>) -> BoxFuture<'static, Result<(), sqlx::Error>> {
        Box::pin(self.conn.close())
    }
}
