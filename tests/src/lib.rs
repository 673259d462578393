//! Shared helpers of the integration tests in `tests/tests/`: a fresh PostgreSQL database per
//! test, a fresh SQLite file per test, both removed afterwards.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use capp_schema::Dialect;
use capp_schema::runner::DatabaseUrl;
use sqlx::{AssertSqlSafe, Connection};

/// CAPP's history as it stood at 0003: the first three files of `capp-migrations/src/versions/`,
/// compiled again as a chain of this crate. The runner's tests need a history that stays as it
/// is while CAPP's grows; applied migrations are never edited, so these files do not change.
/// (Tests of CAPP's own history use `capp_migrations::Migrations` and compute its head.)
#[derive(capp_schema::Chain, Debug)]
pub struct Migrations;

#[allow(clippy::too_many_lines)]
#[path = "../../capp-migrations/src/versions/0001_initial_schema.rs"]
mod capp_0001;
#[path = "../../capp-migrations/src/versions/0002_add_kyc_verified_at.rs"]
mod capp_0002;
#[path = "../../capp-migrations/src/versions/0003_add_user_status.rs"]
mod capp_0003;

/// The server the PostgreSQL tests use: `CAPP_TEST_POSTGRES_URL`, else the local server.
pub fn admin_url() -> String {
    std::env::var("CAPP_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// What a test that needs a server does without one: fails, saying how to provide it, unless
/// `CAPP_SKIP_POSTGRES=1` asks to skip such tests; then it says `SKIPPED` and passes.
pub fn missing(what: &str) {
    if std::env::var_os("CAPP_SKIP_POSTGRES").is_some_and(|v| v == "1") {
        eprintln!("SKIPPED (CAPP_SKIP_POSTGRES=1): {what}");
        return;
    }
    panic!(
        "{what}.\nThe PostgreSQL tests need a server (and `pgbouncer`, `apt-get install pgbouncer`, for the pooler tests): start one at 127.0.0.1:5432 with trust auth for user postgres, or point CAPP_TEST_POSTGRES_URL at one. To run without them, set CAPP_SKIP_POSTGRES=1: they are then skipped, not passed."
    );
}

/// A database of its own on the PostgreSQL server, dropped when this value is.
#[derive(Debug)]
pub struct PgDb {
    pub name: String,
    pub url: String,
}

impl PgDb {
    /// Creates a fresh database. Without a reachable server the test fails with instructions,
    /// or, with `CAPP_SKIP_POSTGRES=1`, this returns `None` and the test skips (see [`missing`]).
    pub async fn create() -> Option<PgDb> {
        let admin = admin_url();
        let mut conn = match sqlx::PgConnection::connect(&admin).await {
            Ok(conn) => conn,
            Err(e) => {
                missing(&format!("PostgreSQL at {admin} is unreachable: {e}"));
                return None;
            }
        };
        let name = unique("capp_test");
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut conn)
            .await
            .expect("create database");
        let _ = conn.close().await;
        let (base, rest) = admin
            .rsplit_once('/')
            .expect("the admin URL names a database");
        // Keep the admin URL's parameters (say `?sslmode=disable`) for the new database.
        let query = rest
            .split_once('?')
            .map(|(_, q)| format!("?{q}"))
            .unwrap_or_default();
        Some(PgDb {
            url: format!("{base}/{name}{query}"),
            name,
        })
    }

    pub fn database_url(&self) -> DatabaseUrl {
        DatabaseUrl::parse(&self.url).expect("valid URL")
    }

    pub async fn connect(&self) -> sqlx::PgConnection {
        sqlx::PgConnection::connect(&self.url)
            .await
            .expect("connect to the test database")
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside any async context: a small runtime of its own does the cleanup.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url()).await {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await;
                }
            });
        })
        .join();
    }
}

/// A SQLite file of its own in the temporary directory, removed when this value is dropped.
#[derive(Debug)]
pub struct SqliteDb {
    pub path: std::path::PathBuf,
}

impl SqliteDb {
    pub fn new() -> SqliteDb {
        SqliteDb {
            path: std::env::temp_dir().join(format!("{}.db", unique("capp_test"))),
        }
    }

    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    pub fn database_url(&self) -> DatabaseUrl {
        DatabaseUrl::parse(&self.url()).expect("valid URL")
    }

    pub async fn connect(&self) -> sqlx::SqliteConnection {
        sqlx::SqliteConnection::connect(&self.url())
            .await
            .expect("open the test database")
    }
}

impl Default for SqliteDb {
    fn default() -> Self {
        SqliteDb::new()
    }
}

impl Drop for SqliteDb {
    fn drop(&mut self) {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
    }
}

/// Whether the URL names a PostgreSQL database.
pub fn is_postgres(url: &DatabaseUrl) -> bool {
    url.dialect() == Dialect::POSTGRES
}

/// The test's own SQLite URL for a file path (created on first use).
fn sqlite_url(url: &DatabaseUrl) -> String {
    format!("sqlite://{}?mode=rwc", url.location())
}

/// The first column of the last row of `sql`, as text (empty without rows).
pub async fn one(url: &DatabaseUrl, sql: &str) -> String {
    strings(url, sql).await.pop().unwrap_or_default()
}

/// Fails the test, with the child's stderr, if a child process that should still be running
/// (to be killed by the test) has ended.
pub fn assert_still_running(child: &mut std::process::Child, what: &str) {
    if child.try_wait().expect("child").is_some() {
        let mut stderr = String::new();
        use std::io::Read as _;
        let _ = child
            .stderr
            .take()
            .map(|mut e| e.read_to_string(&mut stderr));
        panic!("{what} ended before it was killed: {stderr}");
    }
}

/// The first column of every row of `sql`, as text, on either kind of database.
pub async fn strings(url: &DatabaseUrl, sql: &str) -> Vec<String> {
    let sql = AssertSqlSafe(sql.to_owned());
    if is_postgres(url) {
        let mut c = sqlx::PgConnection::connect(url.location())
            .await
            .expect("connect");
        sqlx::query_scalar::<_, String>(sql)
            .fetch_all(&mut c)
            .await
            .expect("query")
    } else {
        let mut c = sqlx::SqliteConnection::connect(&sqlite_url(url))
            .await
            .expect("open");
        sqlx::query_scalar::<_, String>(sql)
            .fetch_all(&mut c)
            .await
            .expect("query")
    }
}

/// Runs SQL on either kind of database.
pub async fn execute(url: &DatabaseUrl, sql: &str) {
    try_execute(url, sql).await.expect("execute");
}

/// Runs SQL on either kind of database, returning its error.
pub async fn try_execute(url: &DatabaseUrl, sql: &str) -> Result<(), sqlx::Error> {
    let sql = AssertSqlSafe(sql.to_owned());
    if is_postgres(url) {
        let mut c = sqlx::PgConnection::connect(url.location()).await?;
        sqlx::raw_sql(sql).execute(&mut c).await.map(|_| ())
    } else {
        let mut c = sqlx::SqliteConnection::connect(&sqlite_url(url)).await?;
        sqlx::raw_sql(sql).execute(&mut c).await.map(|_| ())
    }
}

/// Column names of a table, in order.
pub async fn columns(url: &DatabaseUrl, table: &str) -> Vec<String> {
    let sql = if is_postgres(url) {
        format!(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY ordinal_position"
        )
    } else {
        format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
    };
    strings(url, &sql).await
}

/// Runs `scenario` on a fresh SQLite file and on a fresh PostgreSQL database.
pub async fn on_both<F, Fut>(scenario: F)
where
    F: Fn(DatabaseUrl) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let sqlite = SqliteDb::new();
    scenario(sqlite.database_url()).await;
    if let Some(pg) = PgDb::create().await {
        scenario(pg.database_url()).await;
    }
}

/// A PgBouncer in `pool_mode = transaction` in front of the local PostgreSQL server, on a free
/// port, with a small server pool so that clients must share server connections; stopped when
/// dropped. Debian's `pgbouncer` package (1.18, without prepared-statement support).
#[derive(Debug)]
pub struct PgBouncer {
    child: std::process::Child,
    dir: std::path::PathBuf,
    port: u16,
}

impl PgBouncer {
    /// Starts one. Without `pgbouncer` installed the test fails with instructions, or, with
    /// `CAPP_SKIP_POSTGRES=1`, this returns `None` and the test skips (see [`missing`]).
    pub fn start(server_pool_size: u32) -> Option<PgBouncer> {
        let Some(bin) = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
        else {
            missing("pgbouncer is not installed");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(unique("capp_pgbouncer"));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("pgbouncer.ini");
        std::fs::write(
            &config,
            format!(
                "[databases]\n* = host=127.0.0.1 port=5432 user=postgres\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\nauth_type = any\npool_mode = transaction\ndefault_pool_size = {server_pool_size}\nmax_client_conn = 500\nignore_startup_parameters = extra_float_digits\n"
            ),
        )
        .unwrap();
        let mut command = std::process::Command::new(bin);
        // PgBouncer refuses to run as root.
        if is_root() {
            command.args(["-u", "postgres"]);
        }
        let child = command
            .arg(&config)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("pgbouncer starts");
        let bouncer = PgBouncer { child, dir, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(bouncer);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("pgbouncer did not listen on port {port}");
    }

    /// The URL of database `name` through this PgBouncer.
    pub fn url(&self, name: &str) -> DatabaseUrl {
        DatabaseUrl::parse(&format!(
            "postgres://postgres@127.0.0.1:{}/{name}?sslmode=disable",
            self.port
        ))
        .expect("valid URL")
    }
}

/// Whether this process runs as root (uid 0), read from `/proc/self/status`.
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
