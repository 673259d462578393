//! Data pre-checks on PostgreSQL: before a unique constraint, NOT NULL, or a foreign key on a
//! table with rows, the rows that would violate it are counted; the migration fails at once with
//! the count and example keys, the database stays at its previous revision, and the heavy lock
//! of the constraint is never requested (a session holding a writer's lock on the tables
//! throughout is never waited for, and no lock request on them is ever seen waiting).

use std::time::{Duration, Instant};

use capp_schema::runner::{Config, Db, Migrator, Position, RunError};
use capp_schema::{Chain, ColumnType, Operations, downgrade, migration};
use capp_schema_tests::PgDb;
use sqlx::Connection;

mod checked {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "tables with bad rows", chain = crate::checked::Chain)]
    fn tables(op: &mut Operations) {
        op.create_table("accounts", |t| {
            t.column("id", ColumnType::BigInt).not_null();
            t.column("email", ColumnType::Text);
            t.primary_key(["id"]);
        });
        op.create_table("payments", |t| {
            t.column("id", ColumnType::BigInt).not_null();
            t.column("account_id", ColumnType::BigInt);
            t.primary_key(["id"]);
        });
        op.execute(
            "INSERT INTO accounts VALUES (1, 'a@example.com'), (2, 'a@example.com'), (3, NULL);
             INSERT INTO payments VALUES (10, 1), (11, 99)",
        );
    }

    #[downgrade(rev = "0001", chain = crate::checked::Chain)]
    fn no_tables(op: &mut Operations) {
        op.drop_table("payments");
        op.drop_table("accounts");
    }

    #[migration(rev = "0002", down_rev = "0001", message = "unique email", chain = crate::checked::Chain)]
    fn unique(op: &mut Operations) {
        op.create_unique("uq_accounts_email", "accounts", ["email"]);
    }

    #[downgrade(rev = "0002", chain = crate::checked::Chain)]
    fn no_unique(op: &mut Operations) {
        op.drop_constraint("uq_accounts_email", "accounts");
    }

    #[migration(rev = "0003", down_rev = "0002", message = "email required", chain = crate::checked::Chain)]
    fn not_null(op: &mut Operations) {
        op.alter_column("accounts", "email").not_null();
    }

    #[downgrade(rev = "0003", chain = crate::checked::Chain)]
    fn nullable(op: &mut Operations) {
        op.alter_column("accounts", "email").nullable();
    }

    #[migration(rev = "0004", down_rev = "0003", message = "payments reference accounts", chain = crate::checked::Chain)]
    fn foreign_key(op: &mut Operations) {
        op.create_foreign_key(
            "fk_payments_account",
            "payments",
            ["account_id"],
            "accounts",
            ["id"],
        );
    }

    #[downgrade(rev = "0004", chain = crate::checked::Chain)]
    fn no_foreign_key(op: &mut Operations) {
        op.drop_constraint("fk_payments_account", "payments");
    }
}

/// Upgrades to `target` while another session holds a writer's lock on both tables and a third
/// watches for a waiting lock request on them; the error, how long it took, and whether a wait
/// was seen.
async fn upgrade_watched(pg: &PgDb, m: &Migrator, target: &str) -> (RunError, Duration, bool) {
    let mut reader = pg.connect().await;
    // The lock a writer holds: every lock a constraint takes (SHARE ROW EXCLUSIVE for a foreign
    // key, ACCESS EXCLUSIVE for the others) would queue behind it; a count's read lock does not.
    sqlx::raw_sql("BEGIN; LOCK TABLE accounts, payments IN ROW EXCLUSIVE MODE")
        .execute(&mut reader)
        .await
        .unwrap();
    let url = pg.url.clone();
    let watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let watch = {
        let watching = watching.clone();
        tokio::spawn(async move {
            let mut watcher = sqlx::PgConnection::connect(&url).await.unwrap();
            let mut seen = false;
            while watching.load(std::sync::atomic::Ordering::Relaxed) {
                let waiting: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted
                     AND relation IN ('accounts'::regclass, 'payments'::regclass)",
                )
                .fetch_one(&mut watcher)
                .await
                .unwrap();
                seen |= waiting > 0;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            seen
        })
    };
    let mut db = Db::connect(&pg.database_url()).await.unwrap();
    let started = Instant::now();
    let error = m.upgrade(&mut db, target).await.unwrap_err();
    let elapsed = started.elapsed();
    watching.store(false, std::sync::atomic::Ordering::Relaxed);
    let seen = watch.await.unwrap();
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut reader)
        .await
        .unwrap();
    (error, elapsed, seen)
}

async fn current(pg: &PgDb, m: &Migrator) -> Option<String> {
    let mut db = Db::connect(&pg.database_url()).await.unwrap();
    m.status(&mut db).await.unwrap().current
}

#[tokio::test]
async fn each_constraint_fails_fast_with_the_count_and_examples_and_no_heavy_lock() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let m = Migrator::new(checked::Chain::load().unwrap(), Config::default());
    let mut db = Db::connect(&pg.database_url()).await.unwrap();
    m.upgrade(&mut db, "0001").await.unwrap();
    let mut fix = pg.connect().await;
    let cases = [
        (
            "0002",
            "unique constraint uq_accounts_email on accounts: 1 values of the key held by more than one row (for example: a@example.com)",
            "DELETE FROM accounts WHERE id = 2",
        ),
        (
            "0003",
            "NOT NULL on accounts.email: 1 rows with NULL (for example: 3)",
            "UPDATE accounts SET email = 'c@example.com' WHERE id = 3",
        ),
        (
            "0004",
            "foreign key fk_payments_account on payments: 1 rows that reference no row of accounts (for example: 99)",
            "DELETE FROM payments WHERE id = 11",
        ),
    ];
    let lock_timeout = Config::default().lock_timeout;
    for (rev, message, repair) in cases {
        let before = current(&pg, &m).await;
        let (error, elapsed, waited) = upgrade_watched(&pg, &m, rev).await;
        let text = format!(
            "{error}: {:?}",
            std::error::Error::source(&error).map(ToString::to_string)
        );
        assert!(text.contains(message), "{rev}: {text}");
        // At once: a request for the constraint's lock would have queued behind the writer.
        assert!(elapsed < lock_timeout, "{rev}: took {elapsed:?}");
        assert!(!waited, "{rev}: a lock request on the tables waited");
        assert_eq!(current(&pg, &m).await, before, "{rev}: the version moved");
        sqlx::raw_sql(repair).execute(&mut fix).await.unwrap();
        m.upgrade(&mut db, rev).await.unwrap();
    }
    assert_eq!(current(&pg, &m).await.as_deref(), Some("0004"));
    let _ = fix.close().await;
}

#[test]
fn an_offline_script_carries_the_pre_check() {
    let m = Migrator::new(checked::Chain::load().unwrap(), Config::default());
    let from = m.resolve("0001", Position::BASE).unwrap();
    let to = m.resolve("0002", Position::BASE).unwrap();
    let script = m.script(capp_schema::Dialect::POSTGRES, from, to).unwrap();
    assert!(
        script.contains("unique constraint uq_accounts_email on accounts: %s values of the key held by more than one row"),
        "{script}"
    );
    let check = script.find("DO $capp_precheck$").unwrap();
    let constraint = script.find("ADD CONSTRAINT \"uq_accounts_email\"").unwrap();
    assert!(check < constraint);
}
