//! DDL on a busy table: a short lock timeout per attempt, the migration rolled back and tried
//! again with backoff, so the application's queries never wait behind it for longer than one
//! attempt, and a clear failure when the table stays locked past the retry budget.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use capp_schema::runner::{Config, Db, Migrator, RunError};
use capp_schema::{Chain, ColumnType, Operations, downgrade, migration};
use capp_schema_tests::{PgDb, columns, strings};
use sqlx::Connection;

mod busy {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "create accounts", chain = crate::busy::Chain)]
    fn create(op: &mut Operations) {
        op.create_table("accounts", |t| {
            t.column("id", ColumnType::Integer);
        });
        op.execute("INSERT INTO accounts (id) VALUES (1)");
    }

    #[downgrade(rev = "0001", chain = crate::busy::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_table("accounts");
    }

    // ALTER TABLE takes ACCESS EXCLUSIVE: it waits for every reader, and every later reader waits
    // for it.
    #[migration(rev = "0002", down_rev = "0001", message = "add a note", chain = crate::busy::Chain)]
    fn note(op: &mut Operations) {
        op.add_column("accounts", "note", ColumnType::Text);
    }

    #[downgrade(rev = "0002", chain = crate::busy::Chain)]
    fn unnote(op: &mut Operations) {
        op.drop_column("accounts", "note");
    }
}

/// Migrations with their own timeouts, which win over the runner's `Config`.
mod own {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "create accounts", chain = crate::own::Chain)]
    fn create(op: &mut Operations) {
        op.create_table("accounts", |t| {
            t.column("id", ColumnType::Integer);
        });
    }

    #[downgrade(rev = "0001", chain = crate::own::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_table("accounts");
    }

    #[migration(rev = "0002", down_rev = "0001", message = "add a note, once", lock_timeout = "150ms", lock_retry_budget = "0s", chain = crate::own::Chain)]
    fn note(op: &mut Operations) {
        op.add_column("accounts", "note", ColumnType::Text);
    }

    #[downgrade(rev = "0002", chain = crate::own::Chain)]
    fn unnote(op: &mut Operations) {
        op.drop_column("accounts", "note");
    }

    #[migration(rev = "0003", down_rev = "0002", message = "a slow statement", statement_timeout = "100ms", chain = crate::own::Chain)]
    fn slow(op: &mut Operations) {
        op.execute("SELECT pg_sleep(1)");
    }

    #[downgrade(rev = "0003", chain = crate::own::Chain)]
    fn unslow(op: &mut Operations) {
        op.execute("SELECT 1");
    }
}

/// A session that reads the table in a transaction and keeps it open for `hold`, as an
/// application's long transaction does: it holds ACCESS SHARE on the table all along.
fn blocker(url: String, hold: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::raw_sql("BEGIN; SELECT count(*) FROM accounts")
            .execute(&mut c)
            .await
            .unwrap();
        tokio::time::sleep(hold).await;
        sqlx::raw_sql("COMMIT").execute(&mut c).await.unwrap();
    })
}

/// The application's traffic: a query on the table every 20 ms until `stop`; answers the longest
/// any of them took.
fn traffic(url: String, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Duration> {
    tokio::spawn(async move {
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        let mut longest = Duration::ZERO;
        while !stop.load(Ordering::Relaxed) {
            let started = Instant::now();
            sqlx::raw_sql("SELECT count(*) FROM accounts")
                .execute(&mut c)
                .await
                .unwrap();
            longest = longest.max(started.elapsed());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        longest
    })
}

fn config(lock_timeout: Duration, lock_retry_budget: Duration) -> Config {
    Config {
        lock_timeout,
        lock_retry_budget,
        ..Config::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ddl_behind_a_long_transaction_retries_and_never_stalls_traffic_for_long() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let url = pg.database_url();
    let lock_timeout = Duration::from_millis(300);
    let m = Migrator::new(
        busy::Chain::load().unwrap(),
        config(lock_timeout, Duration::from_secs(30)),
    );
    let mut db = Db::connect(&url).await.unwrap();
    m.upgrade(&mut db, "0001").await.unwrap();

    let holding = blocker(pg.url.clone(), Duration::from_secs(3));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stop = Arc::new(AtomicBool::new(false));
    let queries = traffic(pg.url.clone(), stop.clone());
    let started = Instant::now();
    let report = m.upgrade(&mut db, "head").await.unwrap();
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let longest = queries.await.unwrap();
    holding.await.unwrap();

    assert_eq!(report.applied.len(), 1);
    let retries = report.applied[0].lock_retries;
    eprintln!(
        "migrated in {took:?} with {retries} lock retries; the longest query took {longest:?}"
    );
    assert!(
        retries >= 1,
        "the ALTER waited for the reader and was tried again"
    );
    assert!(
        took >= Duration::from_secs(2),
        "it got through after the blocker: {took:?}"
    );
    assert_eq!(columns(&url, "accounts").await, ["id", "note"]);
    assert!(
        longest < lock_timeout + Duration::from_millis(250),
        "a query waited {longest:?} behind the migration; one attempt's lock timeout is {lock_timeout:?} ({retries} retries)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_table_locked_past_the_retry_budget_fails_clearly_and_applies_nothing() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let url = pg.database_url();
    let m = Migrator::new(
        busy::Chain::load().unwrap(),
        config(Duration::from_millis(200), Duration::from_secs(1)),
    );
    let mut db = Db::connect(&url).await.unwrap();
    m.upgrade(&mut db, "0001").await.unwrap();

    let holding = blocker(pg.url.clone(), Duration::from_secs(4));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let err = m.upgrade(&mut db, "head").await.unwrap_err();
    assert!(
        matches!(&err, RunError::LockNotGranted(e) if e.rev == "0002" && e.attempts >= 1 && e.at == "0001"),
        "{err}"
    );
    // The reader's transaction is named: it held the table all along.
    assert!(
        err.to_string()
            .contains("holds AccessShareLock on accounts: BEGIN; SELECT count(*) FROM accounts"),
        "{err}"
    );
    assert!(err.to_string().contains("--lock-retry-budget"), "{err}");
    assert_eq!(
        strings(&url, "SELECT version_num FROM alembic_version").await,
        ["0001"]
    );
    assert_eq!(
        columns(&url, "accounts").await,
        ["id"],
        "nothing half-applied"
    );
    holding.await.unwrap();
    // Once the table is free, the same run goes through.
    assert_eq!(m.upgrade(&mut db, "head").await.unwrap().applied.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_migrations_own_timeouts_win_over_the_config() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let url = pg.database_url();
    // The config would wait 10 s per attempt for a minute; 0002 says 150 ms, once.
    let m = Migrator::new(
        own::Chain::load().unwrap(),
        config(Duration::from_secs(10), Duration::from_secs(60)),
    );
    let mut db = Db::connect(&url).await.unwrap();
    m.upgrade(&mut db, "0001").await.unwrap();
    let holding = blocker(pg.url.clone(), Duration::from_secs(2));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let err = m.upgrade(&mut db, "0002").await.unwrap_err();
    assert!(
        matches!(&err, RunError::LockNotGranted(e) if e.attempts == 1 && e.lock_timeout == Duration::from_millis(150)),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // The error names the session that holds the table.
    let RunError::LockNotGranted(e) = &err else {
        unreachable!()
    };
    assert!(
        e.blockers.iter().any(|b| b.doing.contains("accounts")),
        "{err}"
    );
    holding.await.unwrap();
    m.upgrade(&mut db, "0002").await.unwrap();

    // 0003's statement timeout cancels its one-second statement.
    let err = m.upgrade(&mut db, "head").await.unwrap_err();
    let RunError::MigrationFailed { rev, source, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(rev, "0003");
    assert!(source.to_string().contains("57014"), "{source}");
    assert_eq!(
        strings(&url, "SELECT version_num FROM alembic_version").await,
        ["0002"]
    );
}

#[tokio::test]
async fn a_migrations_own_timeouts_apply_inside_a_single_transaction_run() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let url = pg.database_url();
    let m = Migrator::new(
        own::Chain::load().unwrap(),
        Config {
            transaction_mode: capp_schema::runner::TransactionMode::Single,
            ..Config::default()
        },
    );
    let mut db = Db::connect(&url).await.unwrap();
    let err = m.upgrade(&mut db, "head").await.unwrap_err();
    let RunError::MigrationFailed {
        rev, source, at, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!((rev.as_str(), at.as_str()), ("0003", "base"));
    assert!(source.to_string().contains("57014"), "{source}");
    assert!(
        strings(&url, "SELECT version_num FROM alembic_version")
            .await
            .is_empty(),
        "all or nothing"
    );
    assert!(columns(&url, "accounts").await.is_empty());
}
