//! The lease of a step outside a transaction (`CREATE INDEX CONCURRENTLY`): other runners wait
//! while it is renewed; a runner that stops leaves it to expire, after which the step is
//! reported interrupted (never run twice); a lease taken away mid-step fences the version
//! write, so the version does not move.

use std::time::{Duration, Instant};

use capp_schema::runner::{Config, Db, ExecError, Migrator, RunError, StateError};
use capp_schema::{
    Chain, ColumnType, NonTransactionalOperations, Operations, downgrade, migration,
};
use capp_schema_tests::{PgDb, execute, strings};

mod slow_index {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "create t", chain = crate::slow_index::Chain)]
    fn create(op: &mut Operations) {
        op.create_table("t", |t| {
            t.column("id", ColumnType::Integer);
        });
    }

    #[downgrade(rev = "0001", chain = crate::slow_index::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_table("t");
    }

    #[migration(rev = "0002", down_rev = "0001", message = "index t", transactional = false, chain = crate::slow_index::Chain)]
    fn index(op: &mut NonTransactionalOperations) {
        op.create_index_concurrently("ix_t_id", "t", ["id"]);
        op.execute("SELECT pg_sleep(2)");
    }

    #[downgrade(rev = "0002", chain = crate::slow_index::Chain)]
    fn unindex(op: &mut NonTransactionalOperations) {
        op.drop_index_concurrently("ix_t_id");
    }
}

fn migrator(lease_ttl: Duration) -> Migrator {
    let config = Config {
        lease_ttl,
        ..Config::default()
    };
    Migrator::new(slow_index::Chain::load().unwrap(), config)
}

/// A runner upgrading `pg` to head in a task of its own, with leases of `lease_ttl`.
fn upgrading(
    pg: &PgDb,
    lease_ttl: Duration,
) -> tokio::task::JoinHandle<Result<capp_schema::runner::Report, RunError>> {
    let url = pg.database_url();
    tokio::spawn(async move {
        let mut db = Db::connect(&url).await.unwrap();
        migrator(lease_ttl).upgrade(&mut db, "head").await
    })
}

/// Waits until a lease row exists: the step outside a transaction is running.
async fn lease_taken(pg: &PgDb) {
    for _ in 0..200 {
        let exists = strings(
            &pg.database_url(),
            "SELECT (to_regclass('capp_schema_history_lease') IS NOT NULL)::text",
        )
        .await;
        if exists == ["true"]
            && !strings(
                &pg.database_url(),
                "SELECT token FROM capp_schema_history_lease",
            )
            .await
            .is_empty()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no lease was taken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_that_stops_mid_step_leaves_an_expiring_lease_and_an_interrupted_step() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let url = pg.database_url();
    let running = upgrading(&pg, Duration::from_secs(1));
    lease_taken(&pg).await;
    // While the lease is renewed, repair refuses and another runner waits.
    let mut db = Db::connect(&url).await.unwrap();
    let m = migrator(Duration::from_secs(1));
    let err = m.repair(&mut db, "0002").await.unwrap_err();
    assert!(
        matches!(&err, RunError::State(StateError::StillRunning { rev, .. }) if rev == "0002"),
        "{err}"
    );
    let status = m.status(&mut db).await.unwrap();
    assert_eq!(
        (
            status.running.as_ref().map(|(rev, _)| rev.as_str()),
            status.failed.as_deref()
        ),
        (Some("0002"), None),
        "running, not failed"
    );
    // The runner stops (its process killed): its renewals stop with it.
    running.abort();
    let _ = running.await;
    let started = Instant::now();
    let err = m.upgrade(&mut db, "head").await.unwrap_err();
    assert!(
        matches!(&err, RunError::State(StateError::Interrupted { rev }) if rev == "0002"),
        "{err}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "it waited for the lease to expire: {:?}",
        started.elapsed()
    );
    assert_eq!(
        strings(&url, "SELECT version_num FROM alembic_version").await,
        ["0001"],
        "the step was not run again or recorded"
    );
    let status = m.status(&mut db).await.unwrap();
    assert_eq!(
        (status.running.is_none(), status.failed.as_deref()),
        (true, Some("0002"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_taken_away_mid_step_keeps_the_version_where_it_was() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let url = pg.database_url();
    let running = upgrading(&pg, Duration::from_secs(30));
    lease_taken(&pg).await;
    // An operator (or a runner after expiry) takes the lease away.
    execute(&url, "DELETE FROM capp_schema_history_lease").await;
    let err = running.await.unwrap().unwrap_err();
    assert!(
        matches!(
            &err,
            RunError::MigrationFailed {
                source: ExecError::LeaseLost,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        strings(&url, "SELECT version_num FROM alembic_version").await,
        ["0001"]
    );
}
