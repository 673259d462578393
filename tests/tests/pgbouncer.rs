//! The runner through a real PgBouncer in `pool_mode = transaction`, the most common production
//! setup: no session state survives a transaction there, and a server pool smaller than the
//! number of runners makes them share server connections.

use std::collections::BTreeMap;
use std::sync::Arc;

use std::time::Duration;

use capp_schema::MigrationChain;
use capp_schema::runner::{Config, Db, Migrator};
use capp_schema::{Chain, ColumnType, Operations, downgrade, migration};
use capp_schema_tests::{PgBouncer, PgDb, execute, strings};

mod slow {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "create t", chain = crate::slow::Chain)]
    fn create(op: &mut Operations) {
        op.create_table("t", |t| {
            t.column("id", ColumnType::Integer);
        });
        op.execute("INSERT INTO audit.runs (what) VALUES ('up 0001')");
    }

    #[downgrade(rev = "0001", chain = crate::slow::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_table("t");
        op.execute("INSERT INTO audit.runs (what) VALUES ('down 0001')");
    }

    #[migration(rev = "0002", down_rev = "0001", message = "a slow data migration", chain = crate::slow::Chain)]
    fn slow(op: &mut Operations) {
        op.add_column("t", "a", ColumnType::Text);
        op.execute("SELECT pg_sleep(0.3)");
        op.execute("INSERT INTO audit.runs (what) VALUES ('up 0002')");
    }

    #[downgrade(rev = "0002", chain = crate::slow::Chain)]
    fn slow_down(op: &mut Operations) {
        op.drop_column("t", "a");
        op.execute("SELECT pg_sleep(0.3)");
        op.execute("INSERT INTO audit.runs (what) VALUES ('down 0002')");
    }

    #[migration(rev = "0003", down_rev = "0002", message = "another slow one", chain = crate::slow::Chain)]
    fn slower(op: &mut Operations) {
        op.add_column("t", "b", ColumnType::Text);
        op.execute("SELECT pg_sleep(0.3)");
        op.execute("INSERT INTO audit.runs (what) VALUES ('up 0003')");
    }

    #[downgrade(rev = "0003", chain = crate::slow::Chain)]
    fn slower_down(op: &mut Operations) {
        op.drop_column("t", "b");
        op.execute("SELECT pg_sleep(0.3)");
        op.execute("INSERT INTO audit.runs (what) VALUES ('down 0003')");
    }
}

/// A chain whose middle migration runs outside a transaction (`CREATE INDEX CONCURRENTLY`), so
/// its runner holds the lease while the others wait.
mod lease {
    use super::*;
    use capp_schema::NonTransactionalOperations;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "create t", chain = crate::lease::Chain)]
    fn create(op: &mut Operations) {
        op.create_table("t", |t| {
            t.column("id", ColumnType::Integer);
        });
        op.execute("INSERT INTO audit.runs (what) VALUES ('up 0001')");
    }

    #[downgrade(rev = "0001", chain = crate::lease::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_table("t");
        op.execute("INSERT INTO audit.runs (what) VALUES ('down 0001')");
    }

    #[migration(rev = "0002", down_rev = "0001", message = "index t concurrently", transactional = false, chain = crate::lease::Chain)]
    fn index(op: &mut NonTransactionalOperations) {
        op.create_index_concurrently("ix_t_id", "t", ["id"]);
        op.execute("SELECT pg_sleep(0.5)");
        op.execute("INSERT INTO audit.runs (what) VALUES ('up 0002')");
    }

    #[downgrade(rev = "0002", chain = crate::lease::Chain)]
    fn unindex(op: &mut NonTransactionalOperations) {
        op.drop_index_concurrently("ix_t_id");
        op.execute("SELECT pg_sleep(0.5)");
        op.execute("INSERT INTO audit.runs (what) VALUES ('down 0002')");
    }

    #[migration(rev = "0003", down_rev = "0002", message = "add b", chain = crate::lease::Chain)]
    fn add_b(op: &mut Operations) {
        op.add_column("t", "b", ColumnType::Text);
        op.execute("SELECT pg_sleep(0.2)");
        op.execute("INSERT INTO audit.runs (what) VALUES ('up 0003')");
    }

    #[downgrade(rev = "0003", chain = crate::lease::Chain)]
    fn drop_b(op: &mut Operations) {
        op.drop_column("t", "b");
        op.execute("SELECT pg_sleep(0.2)");
        op.execute("INSERT INTO audit.runs (what) VALUES ('down 0003')");
    }
}

/// How often each step ran, from the `runs` table its migrations write to.
async fn runs(pg: &PgDb) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for what in strings(&pg.database_url(), "SELECT what FROM audit.runs").await {
        *counts.entry(what).or_insert(0) += 1;
    }
    counts
}

/// Advisory locks held on the test's database (other tests run beside it), read over a direct
/// connection.
async fn advisory_locks(pg: &PgDb) -> Vec<String> {
    strings(
        &pg.database_url(),
        "SELECT pid::text FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .await
}

/// Runs `n` runners at once through the bouncer, released together by a barrier; each runs
/// `command` on its own connection. Returns every runner's outcome.
async fn together(
    bouncer: &PgBouncer,
    pg: &PgDb,
    n: usize,
    downgrade: bool,
    chain: fn() -> MigrationChain,
) -> Vec<Result<(usize, Duration), String>> {
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let url = bouncer.url(&pg.name);
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (barrier, url) = (barrier.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let m = Migrator::new(chain(), Config::default());
            let mut db = Db::connect(&url).await.map_err(|e| e.to_string())?;
            barrier.wait().await;
            let report = if downgrade {
                m.downgrade(&mut db, "base").await
            } else {
                m.upgrade(&mut db, "head").await
            };
            let _ = db.close().await;
            report
                .map(|r| (r.applied.len(), r.waited_for_lock))
                .map_err(|e| {
                    let mut text = e.to_string();
                    let mut source = std::error::Error::source(&e);
                    while let Some(cause) = source {
                        text.push_str(&format!(": {cause}"));
                        source = cause.source();
                    }
                    text
                })
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("the runner does not panic"));
    }
    outcomes
}

/// Sixteen runners up to head, then sixteen down to base, through a transaction pooler with three
/// server connections: each step runs exactly once, every runner succeeds, at least one says
/// it waited for the lock, and no advisory lock or lease is left behind.
/// The revisions of the history's `verified` rows.
async fn verified(pg: &PgDb) -> Vec<String> {
    let sql = "SELECT rev FROM capp_schema_history WHERE direction = 'verified'";
    strings(&pg.database_url(), sql).await
}

async fn sixteen_runners_up_and_down(chain: fn() -> MigrationChain, uses_lease: bool) {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let Some(bouncer) = PgBouncer::start(3) else {
        return;
    };
    execute(
        &pg.database_url(),
        "CREATE SCHEMA audit; CREATE TABLE audit.runs (what TEXT NOT NULL)",
    )
    .await;
    for (downgrade, direction) in [(false, "up"), (true, "down")] {
        let outcomes = tokio::time::timeout(
            Duration::from_secs(60),
            together(&bouncer, &pg, 16, downgrade, chain),
        )
        .await
        .expect("no runner hangs");
        let failures: Vec<&String> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
        assert!(failures.is_empty(), "every runner succeeds: {failures:?}");
        let applied: usize = outcomes.iter().map(|o| o.as_ref().unwrap().0).sum();
        assert_eq!(applied, 3, "three steps {direction} in all: {outcomes:?}");
        let waited = outcomes
            .iter()
            .filter(|o| o.as_ref().unwrap().1 > Duration::ZERO)
            .count();
        assert!(
            waited >= 1,
            "some runner waited for the lock ({direction}): {outcomes:?}"
        );
        let ran: Vec<(String, usize)> = runs(&pg)
            .await
            .into_iter()
            .filter(|(what, _)| what.starts_with(direction))
            .collect();
        let expected: Vec<(String, usize)> = ["0001", "0002", "0003"]
            .into_iter()
            .map(|rev| (format!("{direction} {rev}"), 1))
            .collect();
        assert_eq!(ran, expected, "each step ran once");
        let version = strings(
            &pg.database_url(),
            "SELECT version_num FROM alembic_version",
        )
        .await;
        assert_eq!(version, if downgrade { vec![] } else { vec!["0003"] });
        // Of sixteen runners that reached head, one recorded it; those that waited, nothing.
        assert_eq!(
            verified(&pg).await,
            ["0003"],
            "one verified row ({direction})"
        );
        assert!(
            advisory_locks(&pg).await.is_empty(),
            "no advisory lock is left behind"
        );
        let lease_table = strings(
            &pg.database_url(),
            "SELECT (to_regclass('capp_schema_history_lease') IS NOT NULL)::text",
        )
        .await;
        assert_eq!(
            lease_table == ["true"],
            uses_lease,
            "the lease table exists exactly when a step ran outside a transaction"
        );
        if uses_lease {
            assert!(
                strings(
                    &pg.database_url(),
                    "SELECT token FROM capp_schema_history_lease"
                )
                .await
                .is_empty(),
                "no lease is left behind"
            );
        }
    }
    drop(bouncer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_runners_through_a_transaction_pooler_apply_each_step_exactly_once() {
    sixteen_runners_up_and_down(|| slow::Chain::load().unwrap(), false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_step_outside_a_transaction_holds_a_lease_through_a_transaction_pooler() {
    sixteen_runners_up_and_down(|| lease::Chain::load().unwrap(), true).await;
}
