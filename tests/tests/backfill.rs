//! Batched backfills: a million rows changed in bounded batches while another session writes to
//! the table, a runner killed with SIGKILL part way and resumed from its cursor with every row
//! changed exactly once; a batch kept from a locked row shrinks, then stops with the error and
//! resumes once the lock is gone; the same migrations round-trip on both databases, lint clean,
//! and their `--sql` script runs in psql.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use capp_schema::runner::{Config, Migrator, Position, RunError};
use capp_schema::testing::round_trip;
use capp_schema::{
    Chain, ColumnType, NonTransactionalOperations, Operations, downgrade, migration,
};
use capp_schema_tests::{PgDb, SqliteDb, execute, strings};
use sqlx::{AssertSqlSafe, Connection};

/// The bound of one batch in these migrations.
const BATCH_TIME: Duration = Duration::from_millis(1000);

mod fill {
    use super::*;

    #[derive(capp_schema::Chain)]
    #[chain(lint_from = "0001")]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "payments", chain = crate::fill::Chain)]
    fn up1(op: &mut Operations) {
        op.create_table("payments", |t| {
            t.column("id", ColumnType::BigInt).not_null();
            t.column("amount_cents", ColumnType::BigInt).not_null();
            t.column("touched", ColumnType::Integer)
                .not_null()
                .default_sql("0");
            t.column("note", ColumnType::Text);
            t.primary_key(["id"]);
        });
    }
    #[downgrade(rev = "0001", chain = crate::fill::Chain)]
    fn down1(op: &mut Operations) {
        op.drop_table("payments");
    }

    // A new column, filled, then made NOT NULL: the three pieces of a step outside a
    // transaction. The backfill takes every row, without a filter: a row changed twice would
    // show `touched = 2`.
    #[migration(rev = "0002", down_rev = "0001", message = "fill fee_cents", transactional = false, chain = crate::fill::Chain)]
    fn up2(op: &mut NonTransactionalOperations) {
        op.add_column("payments", "fee_cents", ColumnType::BigInt);
        op.backfill(
            "payments",
            "fee_cents = amount_cents / 100, touched = touched + 1",
        )
        .batch_rows(5_000)
        .batch_time(BATCH_TIME)
        .pause(Duration::from_millis(5));
        op.make_not_null("payments", "fee_cents");
    }
    #[downgrade(rev = "0002", chain = crate::fill::Chain)]
    fn down2(op: &mut NonTransactionalOperations) {
        op.backfill("payments", "touched = 0")
            .only_where("touched <> 0")
            .batch_rows(5_000);
        op.drop_column("payments", "fee_cents");
    }
}

fn migrator(lease_ttl: Duration) -> Migrator {
    Migrator::new(
        fill::Chain::load().expect("chain"),
        Config {
            lease_ttl,
            ..Config::default()
        },
    )
}

/// The rows the backfill of 0002 changed so far.
const PROGRESS: &str = "SELECT coalesce((SELECT rows_changed FROM capp_schema_history_progress WHERE rev = '0002' AND piece = 1), 0)::text";

/// The environment variable that makes `runner_child` run (in a process of its own).
const CHILD_URL: &str = "CAPP_BACKFILL_CHILD_URL";

/// Not a test of its own: the runner the big test starts in a child process and kills. Without
/// the variable it does nothing.
#[tokio::test]
async fn runner_child() {
    let Ok(url) = std::env::var(CHILD_URL) else {
        return;
    };
    let url = capp_schema::runner::DatabaseUrl::parse(&url).expect("url");
    let report = migrator(Duration::from_secs(2))
        .upgrade_url(&url, "head")
        .await;
    // Only reached when the parent did not kill it in time.
    eprintln!("child finished: {report:?}");
}

async fn one(url: &str, sql: &str) -> String {
    let url = capp_schema::runner::DatabaseUrl::parse(url).expect("url");
    capp_schema_tests::one(&url, sql).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_rows_in_bounded_batches_beside_a_writer_killed_and_resumed_exactly_once() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let url = pg.database_url();
    migrator(Duration::from_secs(2))
        .upgrade_url(&url, "0001")
        .await
        .expect("0001");
    const ROWS: i64 = 1_000_000;
    execute(
        &url,
        &format!(
            "INSERT INTO payments (id, amount_cents) SELECT n, n * 7 FROM generate_series(1, {ROWS}) n; ANALYZE payments"
        ),
    )
    .await;

    let traffic = Traffic::start(&pg.url, ROWS);

    // The runner, in a process of its own, killed once it is well into the table.
    run_and_kill(&pg, 300_000).await;
    let killed_at = Instant::now();

    let cursor_key = stopped_part_way(&pg.url, ROWS).await;

    // Resumed by the next run, once the dead runner's lease ran out.
    let (capture, _guard) = capture_events();
    let report = migrator(Duration::from_secs(2))
        .upgrade_url(&url, "head")
        .await
        .expect("the upgrade resumes");
    assert_eq!(report.to.as_deref(), Some("0002"));
    let events = capture.lock().unwrap().clone();
    assert!(
        events
            .iter()
            .any(|e| e.contains(&format!("resuming after key (id)=({cursor_key})"))),
        "the backfill resumed from its cursor: {events:#?}"
    );
    let (longest, slowest, writes) = traffic.finish().await;

    every_row_changed_once(&pg.url, ROWS).await;
    eprintln!(
        "backfill of {ROWS} rows: longest batch transaction seen {longest} ms (bound {} ms); writer: {writes} updates, slowest {slowest} ms; resumed {:?} after the kill",
        BATCH_TIME.as_millis(),
        killed_at.elapsed()
    );
    assert!(longest > 0, "the monitor saw the backfill's transactions");
    assert!(
        u128::from(longest) <= BATCH_TIME.as_millis() + 200,
        "a batch transaction lasted {longest} ms, over its bound"
    );
    assert!(writes > 100, "the writer wrote throughout: {writes}");
    assert!(
        u128::from(slowest) <= BATCH_TIME.as_millis() + 300,
        "the writer waited {slowest} ms, longer than one batch"
    );
}

/// The state a runner killed part way through the backfill leaves: the version has not moved,
/// the history says running, and the cursor is saved with exactly the rows up to it changed.
/// Answers the cursor.
async fn stopped_part_way(url: &str, rows: i64) -> i64 {
    let pg = url;
    assert_eq!(
        one(
            pg,
            "SELECT status FROM capp_schema_history WHERE rev = '0002' ORDER BY id DESC LIMIT 1"
        )
        .await,
        "running"
    );
    assert_eq!(
        one(pg, "SELECT version_num FROM alembic_version").await,
        "0001"
    );
    let cursor = one(
        pg,
        "SELECT key_values[1] FROM capp_schema_history_progress WHERE rev = '0002' AND piece = 1",
    )
    .await;
    let done_before: i64 = one(pg, PROGRESS).await.parse().expect("rows so far");
    let cursor_key: i64 = cursor.parse().expect("the cursor is the last id done");
    assert_eq!(
        done_before, cursor_key,
        "every row up to the cursor, and none after it, was changed"
    );
    assert!(done_before < rows, "killed part way: {done_before} rows");
    let changed = one(pg, "SELECT count(*)::text FROM payments WHERE touched = 1").await;
    assert_eq!(changed, done_before.to_string());

    cursor_key
}

/// Every row changed exactly once, across the kill, and the progress gone with the step.
async fn every_row_changed_once(url: &str, rows: i64) {
    let pg = url;
    assert_eq!(
        one(
            pg,
            "SELECT min(touched)::text || ' ' || max(touched)::text || ' ' || count(*)::text FROM payments"
        )
        .await,
        format!("1 1 {rows}")
    );
    assert_eq!(
        one(
            pg,
            "SELECT count(*)::text FROM payments WHERE fee_cents IS DISTINCT FROM amount_cents / 100"
        )
        .await,
        "0"
    );
    assert_eq!(
        one(
            pg,
            "SELECT count(*)::text FROM capp_schema_history_progress"
        )
        .await,
        "0",
        "the progress goes with the step's last transaction"
    );
}

/// Another session's traffic while the backfill runs: a monitor of the age of the backfill's
/// open transactions, every 10 ms, and a writer of single-row updates of random rows, each timed.
struct Traffic {
    stop: Arc<AtomicBool>,
    longest_batch_ms: Arc<AtomicU64>,
    slowest_write_ms: Arc<AtomicU64>,
    writes: Arc<AtomicU64>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Traffic {
    fn start(url: &str, rows: i64) -> Traffic {
        let stop = Arc::new(AtomicBool::new(false));
        let longest_batch_ms = Arc::new(AtomicU64::new(0));
        let slowest_write_ms = Arc::new(AtomicU64::new(0));
        let writes = Arc::new(AtomicU64::new(0));
        let monitor = {
            let (stop, longest, url) = (stop.clone(), longest_batch_ms.clone(), url.to_owned());
            tokio::spawn(async move {
                let mut c = sqlx::PgConnection::connect(&url).await.expect("connect");
                while !stop.load(Ordering::Relaxed) {
                    let ages: Vec<f64> = sqlx::query_scalar(
                        "SELECT (extract(epoch FROM clock_timestamp() - xact_start) * 1000)::float8 FROM pg_stat_activity \
                         WHERE datname = current_database() AND xact_start IS NOT NULL AND query LIKE '%WITH keys AS%' AND pid <> pg_backend_pid()",
                    )
                    .fetch_all(&mut c)
                    .await
                    .expect("monitor");
                    for age in ages {
                        longest.fetch_max(age as u64, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        };
        let writer = {
            let (stop, slowest, writes, url) = (
                stop.clone(),
                slowest_write_ms.clone(),
                writes.clone(),
                url.to_owned(),
            );
            tokio::spawn(async move {
                let mut c = sqlx::PgConnection::connect(&url).await.expect("connect");
                let mut n: i64 = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let id = (n * 7919) % rows + 1;
                    let started = Instant::now();
                    sqlx::raw_sql(AssertSqlSafe(format!(
                        "UPDATE payments SET note = 'written {n}' WHERE id = {id}"
                    )))
                    .execute(&mut c)
                    .await
                    .expect("the writer's update");
                    slowest.fetch_max(started.elapsed().as_millis() as u64, Ordering::Relaxed);
                    writes.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            })
        };
        Traffic {
            stop,
            longest_batch_ms,
            slowest_write_ms,
            writes,
            tasks: vec![monitor, writer],
        }
    }

    /// Stops the traffic: the longest backfill transaction seen (ms), the slowest write (ms), and
    /// the number of writes.
    async fn finish(self) -> (u64, u64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.expect("traffic");
        }
        (
            self.longest_batch_ms.load(Ordering::Relaxed),
            self.slowest_write_ms.load(Ordering::Relaxed),
            self.writes.load(Ordering::Relaxed),
        )
    }
}

/// Runs the upgrade in a child process and kills it (SIGKILL) once its backfill recorded at
/// least `rows` rows.
async fn run_and_kill(pg: &PgDb, rows: i64) {
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "runner_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_URL, &pg.url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the runner");
    let waiting_since = Instant::now();
    let mut watcher = pg.connect().await;
    loop {
        // (The runner makes the progress table when it starts the step.)
        let done: i64 = sqlx::query_scalar::<_, String>(PROGRESS)
            .fetch_one(&mut watcher)
            .await
            .map_or(0, |done| done.parse().unwrap_or(0));
        if done >= rows {
            break;
        }
        capp_schema_tests::assert_still_running(&mut child, "the runner");
        assert!(
            waiting_since.elapsed() < Duration::from_secs(120),
            "the backfill made no progress: {done} rows"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().expect("SIGKILL the runner");
    let _ = child.wait();
}

/// The messages of the runner's events while the guard lives.
fn capture_events() -> (
    Arc<std::sync::Mutex<Vec<String>>>,
    tracing::subscriber::DefaultGuard,
) {
    use tracing_subscriber::layer::SubscriberExt;
    struct Messages(Arc<std::sync::Mutex<Vec<String>>>);
    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Messages {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            struct Message(String);
            impl tracing::field::Visit for Message {
                fn record_debug(&mut self, field: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                    if field.name() == "message" {
                        self.0 = format!("{v:?}");
                    }
                }
            }
            let mut message = Message(String::new());
            event.record(&mut message);
            self.0.lock().unwrap().push(message.0);
        }
    }
    let messages = Arc::new(std::sync::Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::registry().with(Messages(messages.clone()));
    (messages, tracing::subscriber::set_default(subscriber))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_kept_from_a_locked_row_shrinks_stops_with_the_key_and_resumes_later() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let url = pg.database_url();
    let migrator = Migrator::new(
        fill::Chain::load().expect("chain"),
        Config {
            lock_timeout: Duration::from_millis(100),
            ..Config::default()
        },
    );
    migrator.upgrade_url(&url, "0001").await.expect("0001");
    execute(
        &url,
        "INSERT INTO payments (id, amount_cents) SELECT n, n FROM generate_series(1, 20000) n",
    )
    .await;
    migrator.upgrade_url(&url, "head").await.expect("head");
    // Another session holds row 12345 for the whole first attempt of the downgrade, whose
    // backfill (`touched = 0`) comes before its DDL.
    let mut holder = pg.connect().await;
    sqlx::raw_sql("BEGIN; SELECT 1 FROM payments WHERE id = 12345 FOR UPDATE")
        .execute(&mut holder)
        .await
        .expect("lock a row");
    let error = downgrade(&migrator, &url)
        .await
        .expect_err("the batch cannot pass the locked row");
    let text = error_chain(&error);
    assert!(
        matches!(error, RunError::BackfillFailed { .. }),
        "a backfill failure: {text}"
    );
    assert!(
        text.contains(
            "backfill of payments makes no progress: a batch of one key after (id)=(12344)"
        ),
        "names the key it stopped after: {text}"
    );
    assert!(text.contains("resumes"), "says how to go on: {text}");
    assert_eq!(
        one(
            &pg.url,
            "SELECT count(*)::text FROM payments WHERE touched = 0"
        )
        .await,
        "12344",
        "the batches before the locked row committed"
    );
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut holder)
        .await
        .expect("release the row");
    // `upgrade` does not go on with a downgrade that stopped: the error stands.
    let error = migrator
        .upgrade_url(&url, "head")
        .await
        .expect_err("another direction does not resume it");
    assert!(error_chain(&error).contains("0002"), "{error}");
    let report = downgrade(&migrator, &url)
        .await
        .expect("resumes once the row is free");
    assert_eq!(report.to.as_deref(), Some("0001"));
    assert_eq!(
        one(
            &pg.url,
            "SELECT min(touched)::text || ' ' || max(touched)::text FROM payments"
        )
        .await,
        "0 0"
    );
    assert_eq!(capp_schema_tests::columns(&url, "payments").await.len(), 4);
}

async fn downgrade(
    migrator: &Migrator,
    url: &capp_schema::runner::DatabaseUrl,
) -> Result<capp_schema::runner::Report, RunError> {
    let mut db = capp_schema::runner::Db::connect(url)
        .await
        .expect("connect");
    migrator.downgrade(&mut db, "0001").await
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[tokio::test]
async fn a_backfill_round_trips_on_both_databases_and_lints_clean() {
    let report = capp_schema::testing::lint::<fill::Chain>().expect("lint");
    assert!(report.is_clean(), "{report}");
    let chain = fill::Chain::load().expect("chain");
    let sqlite = SqliteDb::new();
    round_trip(&chain, &sqlite.database_url())
        .await
        .expect("SQLite round trip");
    if let Some(pg) = PgDb::create().await {
        round_trip(&chain, &pg.database_url())
            .await
            .expect("PostgreSQL round trip");
    }
}

#[tokio::test]
async fn on_sqlite_a_backfill_is_one_update_in_the_migrations_transaction() {
    let sqlite = SqliteDb::new();
    let url = sqlite.database_url();
    let m = migrator(Duration::from_secs(2));
    m.upgrade_url(&url, "0001").await.expect("0001");
    execute(
        &url,
        "INSERT INTO payments (id, amount_cents) VALUES (1, 100), (2, 250)",
    )
    .await;
    m.upgrade_url(&url, "head").await.expect("head");
    assert_eq!(
        strings(
            &url,
            "SELECT fee_cents || ':' || touched FROM payments ORDER BY id"
        )
        .await,
        ["1:1", "2:1"]
    );
    let script = m
        .script(
            capp_schema::Dialect::SQLITE,
            m.resolve("0001", Position::BASE).expect("0001"),
            m.resolve("0002", Position::BASE).expect("0002"),
        )
        .expect("script");
    assert!(
        script.contains(
            "UPDATE \"payments\" SET fee_cents = amount_cents / 100, touched = touched + 1;"
        ),
        "{script}"
    );
}

#[tokio::test]
async fn the_sql_script_of_a_backfill_runs_in_psql_in_batches() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    if Command::new("psql").arg("--version").output().is_err() {
        capp_schema_tests::missing("psql is not installed");
        return;
    }
    let url = pg.database_url();
    let m = migrator(Duration::from_secs(2));
    let script = m
        .script(
            capp_schema::Dialect::POSTGRES,
            Position::BASE,
            m.resolve("0002", Position::BASE).expect("0002"),
        )
        .expect("script");
    assert!(
        script.contains("-- backfill of \"payments\" in batches of 5000 keys"),
        "{script}"
    );
    // The table gets rows between the two migrations, as it would in production.
    let (first, second) = script
        .split_once("-- upgrade 0002")
        .expect("two migrations");
    psql(&pg.url, first);
    execute(
        &url,
        "INSERT INTO payments (id, amount_cents) SELECT n, n FROM generate_series(1, 12001) n",
    )
    .await;
    psql(&pg.url, &format!("-- upgrade 0002{second}"));
    assert_eq!(
        one(
            &pg.url,
            "SELECT min(touched)::text || ' ' || max(touched)::text || ' ' || count(*)::text FROM payments WHERE fee_cents = amount_cents / 100"
        )
        .await,
        "1 1 12001"
    );
    assert_eq!(
        one(&pg.url, "SELECT version_num FROM alembic_version").await,
        "0002"
    );
}

fn psql(url: &str, script: &str) {
    let mut child = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", url])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psql");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("write the script");
    let output = child.wait_with_output().expect("psql");
    assert!(
        output.status.success(),
        "psql failed: {}\n{script}",
        String::from_utf8_lossy(&output.stderr)
    );
}
