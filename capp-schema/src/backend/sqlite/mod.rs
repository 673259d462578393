//! SQLite: the embedded default. Each migration takes the write lock with `BEGIN IMMEDIATE` and
//! re-reads the version under it; foreign keys are checked before each commit.

mod introspect;
mod render;

use std::any::Any;
use std::time::{Duration, Instant};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};

use super::ConnectError;
use super::bookkeeping::Row;
use super::{
    Backend, BoxFuture, DatabaseUrl, Db, Driver, ExecError, HistoryRow, LockHolder, TableLock,
    Tables, Timeouts,
};
use crate::ops::DataConnection;
use crate::render::Dialect;
use crate::schema::Schema;

impl Dialect {
    /// SQLite's SQL.
    pub const SQLITE: Dialect = Dialect(&render::Sqlite);
}

pub(crate) static DRIVER: Driver = Driver {
    schemes: &["sqlite"],
    example: "sqlite://path/to/file.db",
    dialect: Dialect::SQLITE,
    location,
    display: |path| format!("sqlite://{path}"),
    missing: |path| path != ":memory:" && !std::path::Path::new(path).exists(),
    refused: |rest| {
        in_memory(rest).then_some(
        "an in-memory SQLite database vanishes with its connection, so the migration would report success and leave nothing behind; give a file: `sqlite://capp.db`",
    )
    },
    connect: |path| Box::pin(connect(path)),
};

/// sqlx's reading: `sqlite://capp.db` is relative, `sqlite:///tmp/capp.db` absolute.
/// SQLAlchemy's absolute form `sqlite:////tmp/capp.db` names the same file. (SQLAlchemy reads
/// `sqlite:///capp.db` as relative; here it is absolute.)
fn location(rest: &str) -> Option<String> {
    let path = rest.split('?').next().unwrap_or(rest);
    let path = path
        .strip_prefix('/')
        .filter(|p| p.starts_with('/'))
        .unwrap_or(path);
    (!path.is_empty()).then(|| path.to_owned())
}

/// Whether what follows `sqlite://` names an in-memory database: `:memory:`, `file::memory:`,
/// or `mode=memory` in the query.
fn in_memory(rest: &str) -> bool {
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = path.trim_start_matches('/');
    path == ":memory:"
        || path.starts_with("file::memory:")
        || query.split('&').any(|p| p == "mode=memory")
}

async fn connect(path: &str) -> Result<Box<dyn Backend>, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        // Foreign keys are checked with `PRAGMA foreign_key_check` before each commit instead,
        // so that batch table rebuilds can drop and rename tables.
        .foreign_keys(false)
        .busy_timeout(Duration::from_secs(60));
    let conn = SqliteConnection::connect_with(&options).await?;
    Ok(Box::new(Sqlite { conn }))
}

/// A SQLite connection as the runner uses it.
struct Sqlite {
    conn: SqliteConnection,
}

impl Db {
    /// Takes a connection out of an application's SQLite pool for good, with foreign keys off
    /// for batch table rebuilds (checked with `PRAGMA foreign_key_check` before each commit).
    pub async fn from_sqlite_pool(pool: &sqlx::SqlitePool) -> Result<Db, ConnectError> {
        let path = pool.connect_options().get_filename().display().to_string();
        let url = DatabaseUrl::from_parts(&DRIVER, path);
        let acquired = async {
            let mut conn = pool.acquire().await?.detach();
            sqlx::raw_sql("PRAGMA foreign_keys = OFF")
                .execute(&mut conn)
                .await?;
            Ok::<_, sqlx::Error>(conn)
        };
        match acquired.await {
            Ok(conn) => Ok(Db::from_backend(Box::new(Sqlite { conn }), url)),
            Err(source) => Err(ConnectError::failed(&url, source)),
        }
    }
}

impl dyn DataConnection + '_ {
    /// The SQLite connection, for typed queries in Rust data steps; `None` on another database.
    pub fn sqlite(&mut self) -> Option<&mut SqliteConnection> {
        self.driver_connection().downcast_mut()
    }
}

impl DataConnection for Sqlite {
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

impl Sqlite {
    async fn rollback(&mut self) {
        let _ = self.execute("ROLLBACK").await;
    }

    /// Whether foreign keys are violated (`PRAGMA foreign_key_check`).
    async fn foreign_keys_violated(&mut self) -> Result<bool, sqlx::Error> {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM pragma_foreign_key_check")
            .fetch_one(&mut self.conn)
            .await
            .map(|n| n > 0)
    }
}

impl Backend for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::SQLITE
    }

    /// A step outside a transaction takes no lock: SQLite's write lock cannot outlive a
    /// transaction, and its database is one process's.
    fn lock<'a>(
        &'a mut self,
        _: &'a Tables,
        _: Option<&'a str>,
        _: &'a str,
        _: Timeouts,
    ) -> BoxFuture<'a, Result<(), ExecError>> {
        Box::pin(async { Ok(()) })
    }

    fn release_sql(&self, _: &Tables) -> String {
        String::new()
    }

    fn unlock<'a>(&'a mut self, _: &'a Tables) -> BoxFuture<'a, Result<(), ExecError>> {
        Box::pin(async { Ok(()) })
    }

    /// SQLite has no table locks to queue behind.
    fn long_transactions<'a>(
        &'a mut self,
        _: std::time::Duration,
        _: &'a [TableLock],
    ) -> BoxFuture<'a, Result<Vec<LockHolder>, sqlx::Error>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// SQLite's write lock is waited for by the driver (its busy timeout), not by the runner.
    fn lock_holder<'a>(
        &'a mut self,
        _: &'a Tables,
    ) -> BoxFuture<'a, Result<Option<LockHolder>, sqlx::Error>> {
        Box::pin(async { Ok(None) })
    }

    fn locked_transaction(&self, _: &Tables, body: &str) -> String {
        format!("BEGIN IMMEDIATE;\n{body}COMMIT;\n")
    }

    /// SQLite has no lock or statement timeouts to set.
    fn timeouts_sql(&self, _: Timeouts) -> String {
        String::new()
    }

    fn tables_exist<'a>(
        &'a mut self,
        tables: &'a Tables,
    ) -> BoxFuture<'a, Result<(bool, bool), sqlx::Error>> {
        Box::pin(
            sqlx::query_as::<_, (bool, bool)>(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1), \
                        EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?2)",
            )
            .bind(&tables.version_name)
            .bind(&tables.history_name)
            .fetch_one(&mut self.conn),
        )
    }

    fn development_marked<'a>(
        &'a mut self,
        tables: &'a Tables,
    ) -> BoxFuture<'a, Result<bool, sqlx::Error>> {
        Box::pin(
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            )
            .bind(super::development_table(&tables.history_name))
            .fetch_one(&mut self.conn),
        )
    }

    fn history_column_names<'a>(
        &'a mut self,
        tables: &'a Tables,
    ) -> BoxFuture<'a, Result<Vec<String>, sqlx::Error>> {
        Box::pin(
            sqlx::query_scalar("SELECT name FROM pragma_table_info(?1)")
                .bind(&tables.history_name)
                .fetch_all(&mut self.conn),
        )
    }

    fn user_tables<'a>(
        &'a mut self,
        _schema: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<String>, sqlx::Error>> {
        Box::pin(sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1").fetch_all(&mut self.conn))
    }

    fn bookkeeping_rows(&mut self, sql: String) -> BoxFuture<'_, Result<Vec<Row>, sqlx::Error>> {
        Box::pin(sqlx::query_as(AssertSqlSafe(sql)).fetch_all(&mut self.conn))
    }

    /// The write lock first (`BEGIN IMMEDIATE`), then the version re-read under it: another
    /// process may have moved it since the plan was made.
    fn begin_migration<'a>(
        &'a mut self,
        tables: &'a Tables,
        expected: Option<&'a str>,
        _timeouts: Timeouts,
        _batch: &'a mut String,
    ) -> BoxFuture<'a, Result<(), ExecError>> {
        Box::pin(async move {
            self.execute("BEGIN IMMEDIATE").await?;
            let versions: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT version_num FROM {}",
                tables.version()
            )))
            .fetch_all(&mut self.conn)
            .await?;
            if versions.iter().map(String::as_str).eq(expected) {
                Ok(())
            } else {
                self.rollback().await;
                Err(ExecError::Moved)
            }
        })
    }

    /// Runs the batch, checks foreign keys, then records the measured duration and commits.
    fn finish_migration<'a>(
        &'a mut self,
        batch: String,
        history: HistoryRow,
        tables: &'a Tables,
        commit: bool,
        started: Instant,
    ) -> BoxFuture<'a, Result<(), ExecError>> {
        Box::pin(async move {
            self.execute(&batch).await?;
            // The batch ends with the version statement, which must have touched one row.
            let touched: i64 = sqlx::query_scalar("SELECT changes()")
                .fetch_one(&mut self.conn)
                .await?;
            if touched != 1 {
                return Err(ExecError::VersionMoved);
            }
            if self.foreign_keys_violated().await? {
                return Err(ExecError::ForeignKeyViolation);
            }
            let duration = started.elapsed().as_millis().to_string();
            let mut rest = tables.history_sql(&history, &duration);
            if commit {
                rest.push_str("COMMIT;\n");
            }
            Ok(self.execute(&rest).await?)
        })
    }

    fn introspect(&mut self) -> BoxFuture<'_, Result<Schema, sqlx::Error>> {
        Box::pin(introspect::schema(&mut self.conn))
    }

    fn close(self: Box<Self>) -> BoxFuture<'static, Result<(), sqlx::Error>> {
        Box::pin(self.conn.close())
    }
}
