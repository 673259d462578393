//! One database connection, PostgreSQL or SQLite, and the bookkeeping the runner does on it.

use std::str::FromStr;
use std::time::Duration;

use sqlx::{AssertSqlSafe, Connection};

use super::{Config, DatabaseUrl, RunError};
use crate::render::{Dialect, ident};
use crate::schema::sql_string;

enum Conn {
    Postgres(sqlx::PgConnection),
    Sqlite(sqlx::SqliteConnection),
}

/// Runs the same code on either connection type.
macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            Conn::Postgres($c) => $body,
            Conn::Sqlite($c) => $body,
        }
    };
}

/// A dedicated connection for running migrations (never one borrowed from an application pool:
/// PostgreSQL's advisory lock belongs to the session).
pub struct Db {
    conn: Conn,
    url: DatabaseUrl,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// What the version and history tables say.
#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    pub(crate) version_table_exists: bool,
    pub(crate) history_table_exists: bool,
    pub(crate) versions: Vec<String>,
    /// The newest history row per revision: (rev, direction, checksum, status).
    pub(crate) latest: Vec<(String, String, Option<String>, String)>,
}

impl Db {
    /// Connects; a SQLite file is created on first use.
    pub async fn connect(url: &DatabaseUrl) -> Result<Db, RunError> {
        let connect_error = |source| RunError::Connect {
            url: url.to_string(),
            source,
        };
        let conn = match url {
            DatabaseUrl::Postgres(u) => {
                let options =
                    sqlx::postgres::PgConnectOptions::from_str(u).map_err(connect_error)?;
                Conn::Postgres(
                    sqlx::PgConnection::connect_with(&options)
                        .await
                        .map_err(connect_error)?,
                )
            }
            DatabaseUrl::Sqlite(path) => {
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    // Foreign keys are checked with `PRAGMA foreign_key_check` before each commit
                    // instead, so that batch table rebuilds can drop and rename tables.
                    .foreign_keys(false)
                    .busy_timeout(Duration::from_secs(60));
                Conn::Sqlite(
                    sqlx::SqliteConnection::connect_with(&options)
                        .await
                        .map_err(connect_error)?,
                )
            }
        };
        Ok(Db {
            conn,
            url: url.clone(),
        })
    }

    /// Takes a connection out of an application's PostgreSQL pool for good (it closes when this
    /// value is dropped and never returns to the pool), so that the session-level migration lock
    /// can never be handed back to the application with the connection.
    pub async fn from_postgres_pool(pool: &sqlx::PgPool) -> Result<Db, RunError> {
        let conn = pool
            .acquire()
            .await
            .map_err(RunError::db("cannot take a connection from the pool"))?
            .detach();
        let url =
            DatabaseUrl::Postgres(format!("postgres://{}", pool.connect_options().get_host()));
        Ok(Db {
            conn: Conn::Postgres(conn),
            url,
        })
    }

    /// Takes a connection out of an application's SQLite pool for good, with foreign keys off
    /// for batch table rebuilds (checked with `PRAGMA foreign_key_check` before each commit).
    pub async fn from_sqlite_pool(pool: &sqlx::SqlitePool) -> Result<Db, RunError> {
        let mut conn = pool
            .acquire()
            .await
            .map_err(RunError::db("cannot take a connection from the pool"))?
            .detach();
        sqlx::raw_sql("PRAGMA foreign_keys = OFF")
            .execute(&mut conn)
            .await
            .map_err(RunError::db("cannot turn foreign keys off"))?;
        let path = pool.connect_options().get_filename().display().to_string();
        Ok(Db {
            conn: Conn::Sqlite(conn),
            url: DatabaseUrl::Sqlite(path),
        })
    }

    /// The PostgreSQL connection, for Rust data steps.
    pub fn postgres(&mut self) -> Option<&mut sqlx::PgConnection> {
        match &mut self.conn {
            Conn::Postgres(c) => Some(c),
            Conn::Sqlite(_) => None,
        }
    }

    /// The SQLite connection, for Rust data steps.
    pub fn sqlite(&mut self) -> Option<&mut sqlx::SqliteConnection> {
        match &mut self.conn {
            Conn::Sqlite(c) => Some(c),
            Conn::Postgres(_) => None,
        }
    }

    /// The SQL dialect of this database.
    pub fn dialect(&self) -> Dialect {
        self.url.dialect()
    }

    /// The URL, without password.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Runs SQL (one or more statements) as it is.
    pub async fn execute(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let sql = AssertSqlSafe(sql.to_owned());
        on_conn!(&mut self.conn, c => sqlx::raw_sql(sql).execute(c).await.map(|_| ()))
    }

    async fn strings(&mut self, sql: String) -> Result<Vec<String>, sqlx::Error> {
        on_conn!(&mut self.conn, c => sqlx::query_scalar::<_, String>(AssertSqlSafe(sql)).fetch_all(c).await)
    }

    /// The revisions in the version table (for SQLite's in-transaction re-check).
    pub(crate) async fn versions(&mut self, config: &Config) -> Result<Vec<String>, sqlx::Error> {
        self.strings(format!(
            "SELECT version_num FROM {}",
            config.version_table_sql()
        ))
        .await
    }

    /// Whether SQLite's foreign keys are violated (`PRAGMA foreign_key_check`).
    pub(crate) async fn foreign_keys_violated(&mut self) -> Result<bool, sqlx::Error> {
        match &mut self.conn {
            Conn::Sqlite(c) => {
                sqlx::query_scalar::<_, i64>("SELECT count(*) FROM pragma_foreign_key_check")
                    .fetch_one(c)
                    .await
                    .map(|n| n > 0)
            }
            Conn::Postgres(_) => Ok(false),
        }
    }

    /// Closes the connection.
    pub async fn close(self) -> Result<(), sqlx::Error> {
        on_conn!(self.conn, c => c.close().await)
    }

    /// Takes the migration lock: a session-level advisory lock on PostgreSQL, held until
    /// [`Db::unlock`] or until the connection closes (so a crash never leaves it behind). SQLite
    /// serialises each migration with `BEGIN IMMEDIATE` instead.
    pub(crate) async fn lock(&mut self, config: &Config) -> Result<(), RunError> {
        if let Conn::Postgres(c) = &mut self.conn {
            // One round trip: the key is a number and the timeout a quoted literal.
            let sql = format!(
                "SELECT pg_advisory_lock({}); SET lock_timeout = {}",
                config.lock_key(),
                sql_string(&format!("{}ms", config.lock_timeout.as_millis()))
            );
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(c)
                .await
                .map_err(RunError::db("cannot take the migration lock"))?;
        }
        Ok(())
    }

    /// Releases the migration lock.
    pub(crate) async fn unlock(&mut self, config: &Config) -> Result<(), RunError> {
        if let Conn::Postgres(c) = &mut self.conn {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(config.lock_key())
                .execute(c)
                .await
                .map_err(RunError::db("cannot release the migration lock"))?;
        }
        Ok(())
    }

    /// Tables other than the runner's own, for the "tables but no version table" check.
    pub(crate) async fn user_tables(&mut self, config: &Config) -> Result<Vec<String>, RunError> {
        let sql = match self.dialect() {
            // The application's tables live in the search path's schema, wherever the version
            // table is.
            Dialect::Postgres => "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1".to_owned(),
            Dialect::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1".to_owned()
            }
        };
        let tables = self
            .strings(sql)
            .await
            .map_err(RunError::db("cannot list tables"))?;
        let ours = |t: &String| {
            config.version_schema.is_none()
                && (*t == config.version_table || *t == config.history_table)
        };
        Ok(tables.into_iter().filter(|t| !ours(t)).collect())
    }

    /// Reads the version table and the newest history row of each revision: two queries, one to
    /// find the tables and one to read both.
    pub(crate) async fn state(&mut self, config: &Config) -> Result<State, RunError> {
        let (version_exists, history_exists) = self
            .tables_exist(config)
            .await
            .map_err(RunError::db("cannot look for the version table"))?;
        if !version_exists {
            return Ok(State {
                history_table_exists: history_exists,
                ..State::default()
            });
        }
        self.read_state(config, history_exists)
            .await
            .map_err(RunError::db("cannot read the version table"))
    }

    /// The version and the newest history row (rev, direction, checksum), in one query that
    /// assumes both tables exist (the steady state); an error sends the caller the long way.
    pub(crate) async fn version_and_newest(
        &mut self,
        config: &Config,
    ) -> Result<(Vec<String>, Option<(String, String, Option<String>)>), sqlx::Error> {
        let sql = format!(
            "SELECT 'v', version_num, NULL, NULL FROM {v} UNION ALL \
             SELECT 'h', rev, direction, checksum FROM {h} WHERE id = (SELECT max(id) FROM {h})",
            v = config.version_table_sql(),
            h = config.history_table_sql()
        );
        type Row = (String, String, Option<String>, Option<String>);
        let rows: Vec<Row> = on_conn!(&mut self.conn, c => sqlx::query_as::<_, Row>(AssertSqlSafe(sql)).fetch_all(c).await)?;
        let mut versions = Vec::new();
        let mut newest = None;
        for (kind, rev, direction, checksum) in rows {
            if kind == "v" {
                versions.push(rev);
            } else {
                newest = Some((rev, direction.unwrap_or_default(), checksum));
            }
        }
        Ok((versions, newest))
    }

    async fn read_state(
        &mut self,
        config: &Config,
        history_exists: bool,
    ) -> Result<State, sqlx::Error> {
        let mut sql = format!(
            "SELECT 'v', version_num, NULL, NULL, NULL FROM {}",
            config.version_table_sql()
        );
        if history_exists {
            sql.push_str(&format!(
                " UNION ALL SELECT 'h', rev, direction, checksum, status FROM {h} WHERE id IN (SELECT max(id) FROM {h} WHERE direction <> 'verified' GROUP BY rev)",
                h = config.history_table_sql()
            ));
        }
        type Row = (
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = on_conn!(&mut self.conn, c => sqlx::query_as::<_, Row>(AssertSqlSafe(sql)).fetch_all(c).await)?;
        let mut state = State {
            version_table_exists: true,
            history_table_exists: history_exists,
            ..State::default()
        };
        for (kind, rev, direction, checksum, status) in rows {
            if kind == "v" {
                state.versions.push(rev);
            } else {
                state.latest.push((
                    rev,
                    direction.unwrap_or_default(),
                    checksum,
                    status.unwrap_or_default(),
                ));
            }
        }
        Ok(state)
    }

    async fn tables_exist(&mut self, config: &Config) -> Result<(bool, bool), sqlx::Error> {
        match &mut self.conn {
            Conn::Postgres(c) => {
                sqlx::query_as::<_, (bool, bool)>(
                    "SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL",
                )
                .bind(config.version_table_sql())
                .bind(config.history_table_sql())
                .fetch_one(c)
                .await
            }
            Conn::Sqlite(c) => sqlx::query_as::<_, (bool, bool)>(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1), \
                        EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?2)",
            )
            .bind(&config.version_table)
            .bind(&config.history_table)
            .fetch_one(c)
            .await,
        }
    }

    /// Creates the version table (exactly as Alembic does) and the history table.
    pub(crate) async fn create_tables(&mut self, config: &Config) -> Result<(), RunError> {
        let sql = create_tables_sql(config, self.dialect());
        self.execute(&sql)
            .await
            .map_err(RunError::db("cannot create the version table"))
    }
}

/// `CREATE TABLE IF NOT EXISTS` for the version and history tables.
pub(crate) fn create_tables_sql(config: &Config, dialect: Dialect) -> String {
    let (id, ts, now) = match dialect {
        Dialect::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ", "now()"),
        Dialect::Sqlite => (
            "INTEGER PRIMARY KEY AUTOINCREMENT",
            "TIMESTAMP",
            "CURRENT_TIMESTAMP",
        ),
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {v} (\n    version_num VARCHAR(32) NOT NULL,\n    CONSTRAINT {pk} PRIMARY KEY (version_num)\n);\n\
         CREATE TABLE IF NOT EXISTS {h} (\n    id {id},\n    rev VARCHAR(32) NOT NULL,\n    direction VARCHAR(16) NOT NULL,\n    checksum VARCHAR(64),\n    status VARCHAR(16) NOT NULL,\n    applied_at {ts} NOT NULL DEFAULT {now},\n    duration_ms BIGINT\n);\n",
        v = config.version_table_sql(),
        pk = ident(&format!("{}_pkc", config.version_table)),
        h = config.history_table_sql(),
    )
}
