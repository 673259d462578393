//! A runner that hangs in the middle of a migration (a Rust data step waiting on something that
//! never comes, a process stopped, a network cut) cannot hold the migration lock for long: the
//! server ends its transaction after the idle-in-transaction timeout, which rolls the migration
//! back and frees the lock, and the next runner, which was waiting and saying so, applies it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use capp_schema::runner::{Config, Db, Migrator};
use capp_schema::{Chain, ColumnType, DataConnection, Operations, downgrade, migration};
use capp_schema_tests::{PgDb, strings};

/// Whether the data step has hung once already.
static HUNG: AtomicBool = AtomicBool::new(false);

mod hang {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "create t", chain = crate::hang::Chain)]
    fn create(op: &mut Operations) {
        op.create_table("t", |t| {
            t.column("n", ColumnType::Integer);
        });
    }

    #[downgrade(rev = "0001", chain = crate::hang::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_table("t");
    }

    #[migration(rev = "0002", down_rev = "0001", message = "fill t, hanging the first time", chain = crate::hang::Chain)]
    fn fill(op: &mut Operations) {
        op.run_rust("fill t", |db| Box::pin(fill_t(db)));
    }

    #[downgrade(rev = "0002", chain = crate::hang::Chain)]
    fn unfill(op: &mut Operations) {
        op.execute("DELETE FROM t");
    }
}

async fn fill_t(db: &mut dyn DataConnection) -> Result<(), sqlx::Error> {
    db.execute("INSERT INTO t (n) VALUES (1)").await?;
    if !HUNG.swap(true, Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_secs(4)).await;
    }
    db.execute("INSERT INTO t (n) VALUES (2)").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_that_hangs_in_a_migration_loses_the_lock_after_the_idle_timeout() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let url = pg.database_url();
    let config = Config {
        idle_in_transaction_timeout: Duration::from_secs(1),
        ..Config::default()
    };
    let chain = || hang::Chain::load().unwrap();
    let hanging = {
        let (m, url) = (Migrator::new(chain(), config.clone()), url.clone());
        tokio::spawn(async move {
            let mut db = Db::connect(&url).await.unwrap();
            m.upgrade(&mut db, "head").await
        })
    };
    // The first runner is inside 0002's transaction, hanging, holding the lock.
    while !HUNG.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    let m = Migrator::new(chain(), config);
    let mut db = Db::connect(&url).await.unwrap();
    let report = m.upgrade(&mut db, "head").await.unwrap();
    let took = started.elapsed();
    assert_eq!(
        report
            .applied
            .iter()
            .map(|a| a.rev.as_str())
            .collect::<Vec<_>>(),
        ["0002"]
    );
    assert!(report.waited_for_lock > Duration::ZERO, "{report:?}");
    assert!(
        took < Duration::from_secs(3),
        "the lock came free after the 1 s idle timeout, not after the 4 s hang: {took:?}"
    );

    // The hung runner finds its session ended, and nothing of its attempt stayed.
    let error = hanging.await.unwrap().unwrap_err();
    let text = format!("{error}: {}", std::error::Error::source(&error).unwrap());
    assert!(text.contains("0002") && text.contains("idle"), "{text}");
    assert_eq!(
        strings(&url, "SELECT n::text FROM t ORDER BY n").await,
        ["1", "2"]
    );
    assert_eq!(
        strings(&url, "SELECT version_num FROM alembic_version").await,
        ["0002"]
    );
}
