//! PostgreSQL: a session advisory lock, one round trip per migration, `pg_catalog`
//! introspection.

mod introspect;
mod render;

use std::any::Any;
use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Connection, PgConnection};

use super::bookkeeping::Row;
use super::url::redact;
use super::{Backend, Begun, BoxFuture, DatabaseUrl, Db, Driver, ExecError, HistoryRow, Tables};
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
    connect: |location| Box::pin(connect(location)),
};

async fn connect(location: &str) -> Result<Box<dyn Backend>, sqlx::Error> {
    let options = sqlx::postgres::PgConnectOptions::from_str(location)?;
    let conn = PgConnection::connect_with(&options).await?;
    Ok(Box::new(Postgres { conn }))
}

/// A PostgreSQL connection as the runner uses it.
struct Postgres {
    conn: PgConnection,
}

impl Db {
    /// Takes a connection out of an application's PostgreSQL pool for good (it closes when this
    /// value is dropped and never returns to the pool), so that the session-level migration lock
    /// can never be handed back to the application with the connection.
    pub async fn from_postgres_pool(pool: &sqlx::PgPool) -> Result<Db, sqlx::Error> {
        let conn = pool.acquire().await?.detach();
        let host = pool.connect_options().get_host().to_owned();
        let url = DatabaseUrl::from_parts(&DRIVER, format!("postgres://{host}"));
        Ok(Db::from_backend(Box::new(Postgres { conn }), url))
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

impl Backend for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::POSTGRES
    }

    /// A session-level advisory lock, held until unlocked or until the connection closes (so a
    /// crash never leaves it behind).
    fn lock<'a>(
        &'a mut self,
        tables: &'a Tables,
        lock_timeout: Duration,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        // One round trip: the key is a number and the timeout a quoted literal.
        let sql = format!(
            "SELECT pg_advisory_lock({}); SET lock_timeout = {}",
            tables.lock_key,
            sql_string(&format!("{}ms", lock_timeout.as_millis()))
        );
        Box::pin(async move { self.execute(&sql).await })
    }

    fn unlock<'a>(&'a mut self, tables: &'a Tables) -> BoxFuture<'a, Result<(), sqlx::Error>> {
        Box::pin(async move {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(tables.lock_key)
                .execute(&mut self.conn)
                .await
                .map(|_| ())
        })
    }

    fn tables_exist<'a>(
        &'a mut self,
        tables: &'a Tables,
    ) -> BoxFuture<'a, Result<(bool, bool), sqlx::Error>> {
        Box::pin(async move {
            sqlx::query_as::<_, (bool, bool)>(
                "SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL",
            )
            .bind(tables.version())
            .bind(tables.history())
            .fetch_one(&mut self.conn)
            .await
        })
    }

    /// The application's tables live in the search path's schema, wherever the version table is.
    fn user_tables(&mut self) -> BoxFuture<'_, Result<Vec<String>, sqlx::Error>> {
        Box::pin(sqlx::query_scalar("SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1").fetch_all(&mut self.conn))
    }

    fn bookkeeping_rows(&mut self, sql: String) -> BoxFuture<'_, Result<Vec<Row>, sqlx::Error>> {
        Box::pin(sqlx::query_as(AssertSqlSafe(sql)).fetch_all(&mut self.conn))
    }

    /// `BEGIN` goes with the migration's one round trip: BEGIN, its statements, the version
    /// update, the history row, COMMIT.
    fn begin_migration<'a>(
        &'a mut self,
        _tables: &'a Tables,
        _expected: Option<&'a str>,
        batch: &'a mut String,
    ) -> BoxFuture<'a, Result<Begun, ExecError>> {
        batch.push_str("BEGIN;\n");
        Box::pin(async { Ok(Begun::Ready) })
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
