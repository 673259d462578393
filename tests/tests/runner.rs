//! The runner on real databases: every scenario runs on a SQLite file and on PostgreSQL.

use capp_schema::runner::{
    Config, DatabaseUrl, Db, Migrator, Position, RunError, StateError, TargetError, TransactionMode,
};
use capp_schema::{
    Chain, ColumnType, DataConnection, NonTransactionalOperations, Operations, downgrade, migration,
};
use capp_schema_tests::Migrations;
use capp_schema_tests::{PgDb, columns, execute, is_postgres, on_both, strings};

fn capp() -> Migrator {
    Migrator::new(
        Migrations::load().expect("CAPP's history at 0003"),
        Config::default(),
    )
}

async fn at(migrator: &Migrator, url: &DatabaseUrl) -> Option<String> {
    let mut db = Db::connect(url).await.unwrap();
    migrator.status(&mut db).await.unwrap().current
}

async fn versions(url: &DatabaseUrl) -> Vec<String> {
    strings(url, "SELECT version_num FROM alembic_version").await
}

#[tokio::test]
async fn every_target_form_on_capp_history() {
    on_both(|url| async move {
        let m = capp();
        let mut db = Db::connect(&url).await.unwrap();
        let step = |r: capp_schema::runner::Report| {
            r.applied.iter().map(|a| a.rev.clone()).collect::<Vec<_>>()
        };
        assert_eq!(step(m.upgrade(&mut db, "0001").await.unwrap()), ["0001"]);
        assert_eq!(versions(&url).await, ["0001"]);
        assert_eq!(step(m.upgrade(&mut db, "+1").await.unwrap()), ["0002"]);
        assert_eq!(step(m.upgrade(&mut db, "head").await.unwrap()), ["0003"]);
        assert!(
            m.upgrade(&mut db, "head").await.unwrap().applied.is_empty(),
            "at head: nothing to do"
        );
        assert_eq!(step(m.downgrade(&mut db, "-1").await.unwrap()), ["0003"]);
        assert_eq!(step(m.downgrade(&mut db, "0001").await.unwrap()), ["0002"]);
        assert_eq!(
            step(m.upgrade(&mut db, "0001+2").await.unwrap()),
            ["0002", "0003"]
        );
        assert_eq!(
            step(m.downgrade(&mut db, "-2").await.unwrap()),
            ["0003", "0002"]
        );
        assert_eq!(
            step(m.upgrade(&mut db, "3").await.unwrap()),
            ["0002", "0003"],
            "numeric value of a revision"
        );
        assert_eq!(
            step(m.downgrade(&mut db, "0003-1").await.unwrap()),
            ["0003"]
        );
        assert_eq!(
            step(m.downgrade(&mut db, "base").await.unwrap()),
            ["0002", "0001"]
        );
        assert!(versions(&url).await.is_empty());
        assert!(
            columns(&url, "users").await.is_empty(),
            "base drops every table"
        );

        // Errors name the revision and what exists.
        let err = m.upgrade(&mut db, "0009").await.unwrap_err().to_string();
        assert_eq!(
            err,
            "can't locate revision identified by '0009'; known revisions are 0001, 0002, 0003"
        );
        assert!(matches!(
            m.upgrade(&mut db, "000").await,
            Err(RunError::Target(TargetError::Ambiguous { .. }))
        ));
        assert!(matches!(
            m.downgrade(&mut db, "-1").await,
            Err(RunError::Target(TargetError::OutOfRange { .. }))
        ));
        m.upgrade(&mut db, "head").await.unwrap();
        assert!(matches!(
            m.upgrade(&mut db, "0001").await,
            Err(RunError::Target(TargetError::Behind { .. }))
        ));
        // The wrong way round, even from the head: the other command is suggested.
        assert!(matches!(
            m.downgrade(&mut db, "+1").await,
            Err(RunError::Target(TargetError::Ahead { .. }))
        ));

        // Stamp moves the version only.
        m.stamp(&mut db, "0001").await.unwrap();
        assert_eq!(versions(&url).await, ["0001"]);
        assert!(
            columns(&url, "users").await.contains(&"status".to_owned()),
            "stamp runs nothing"
        );
        m.stamp(&mut db, "head").await.unwrap();
        assert_eq!(at(&m, &url).await.as_deref(), Some("0003"));
        m.stamp(&mut db, "base").await.unwrap();
        assert!(versions(&url).await.is_empty());
        db.close().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn the_data_migration_fills_status_from_is_active() {
    on_both(|url| async move {
        let m = capp();
        let mut db = Db::connect(&url).await.unwrap();
        m.upgrade(&mut db, "0002").await.unwrap();
        execute(
            &url,
            "INSERT INTO users (id, email, is_active) VALUES ('00000000-0000-0000-0000-000000000001', 'a@capp.io', true);
             INSERT INTO users (id, email, is_active) VALUES ('00000000-0000-0000-0000-000000000002', 'b@capp.io', false);",
        )
        .await;
        m.upgrade(&mut db, "head").await.unwrap();
        assert_eq!(strings(&url, "SELECT status FROM users ORDER BY email").await, ["active", "inactive"]);
        // The downgrade keeps the rows, without the column.
        m.downgrade(&mut db, "-1").await.unwrap();
        assert_eq!(strings(&url, "SELECT email FROM users ORDER BY email").await, ["a@capp.io", "b@capp.io"]);
        assert!(!columns(&url, "users").await.contains(&"status".to_owned()));
    })
    .await;
}

mod failing {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Failing;

    #[migration(rev = "0001", down_rev = None, message = "create t", chain = crate::failing::Failing)]
    fn create(op: &mut Operations) {
        op.create_table("t", |t| {
            t.column("id", ColumnType::Integer);
            t.primary_key(["id"]);
        });
    }

    #[downgrade(rev = "0001", chain = crate::failing::Failing)]
    fn drop(op: &mut Operations) {
        op.drop_table("t");
    }

    #[migration(rev = "0002", down_rev = "0001", message = "half works", chain = crate::failing::Failing)]
    fn half(op: &mut Operations) {
        op.add_column("t", "c", ColumnType::Text);
        op.execute("INSERT INTO t (id, c) VALUES (1, 'x')");
        op.execute("INSERT INTO no_such_table VALUES (1)");
    }

    #[downgrade(rev = "0002", chain = crate::failing::Failing)]
    fn half_down(op: &mut Operations) {
        op.drop_column("t", "c");
    }
}

#[tokio::test]
async fn a_failing_migration_leaves_the_previous_revision_and_no_lock() {
    on_both(|url| async move {
        let m = Migrator::new(failing::Failing::load().unwrap(), Config::default());
        let mut db = Db::connect(&url).await.unwrap();
        let err = m.upgrade(&mut db, "head").await.unwrap_err();
        assert!(matches!(&err, RunError::MigrationFailed { rev, at, .. } if rev == "0002" && at == "0001"), "{err}");
        assert_eq!(versions(&url).await, ["0001"]);
        assert_eq!(columns(&url, "t").await, ["id"], "nothing of 0002 remains");
        assert!(strings(&url, "SELECT CAST(id AS TEXT) FROM t").await.is_empty());
        // The same connection and a new one can run again at once: the lock was released.
        let again = tokio::time::timeout(std::time::Duration::from_secs(10), m.upgrade(&mut db, "head")).await;
        assert!(matches!(again, Ok(Err(RunError::MigrationFailed { .. }))));
        let mut other = Db::connect(&url).await.unwrap();
        let third = tokio::time::timeout(std::time::Duration::from_secs(10), m.upgrade(&mut other, "head")).await;
        assert!(matches!(third, Ok(Err(RunError::MigrationFailed { .. }))), "not blocked by a leaked lock");
        // In one transaction for all, the database stays where the run started, and says so.
        let single = Config { transaction_mode: TransactionMode::Single, ..Config::default() };
        let m = Migrator::new(failing::Failing::load().unwrap(), single);
        let err = m.upgrade(&mut db, "head").await.unwrap_err();
        assert!(matches!(&err, RunError::MigrationFailed { rev, at, .. } if rev == "0002" && at == "0001"), "{err}");
        assert_eq!(versions(&url).await, ["0001"]);
    })
    .await;
}

mod edited {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Before;
    #[derive(capp_schema::Chain)]
    pub(crate) struct After;

    #[migration(rev = "0001", down_rev = None, message = "create t", chain = crate::edited::Before)]
    fn v1(op: &mut Operations) {
        op.create_table("t", |t| {
            t.column("id", ColumnType::Integer);
        });
    }
    #[downgrade(rev = "0001", chain = crate::edited::Before)]
    fn v1_down(op: &mut Operations) {
        op.drop_table("t");
    }

    // The same revision after someone edited it.
    #[migration(rev = "0001", down_rev = None, message = "create t", chain = crate::edited::After)]
    fn v2(op: &mut Operations) {
        op.create_table("t", |t| {
            t.column("id", ColumnType::BigInt);
        });
    }
    #[downgrade(rev = "0001", chain = crate::edited::After)]
    fn v2_down(op: &mut Operations) {
        op.drop_table("t");
    }
}

#[tokio::test]
async fn an_edited_migration_is_refused_until_accepted() {
    on_both(|url| async move {
        let before = Migrator::new(edited::Before::load().unwrap(), Config::default());
        let after = Migrator::new(edited::After::load().unwrap(), Config::default());
        let mut db = Db::connect(&url).await.unwrap();
        before.upgrade(&mut db, "head").await.unwrap();
        let err = after.upgrade(&mut db, "head").await.unwrap_err();
        assert!(
            matches!(&err, RunError::State(StateError::ChecksumMismatch { rev, .. }) if rev == "0001"),
            "{err}"
        );
        assert!(err.to_string().contains("capp-migrate accept 0001"));
        assert!(matches!(
            after.downgrade(&mut db, "base").await,
            Err(RunError::State(StateError::ChecksumMismatch { .. }))
        ));
        assert_eq!(after.status(&mut db).await.unwrap().edited, ["0001"]);
        after.accept(&mut db, "0001").await.unwrap();
        after.upgrade(&mut db, "head").await.unwrap();
        assert!(after.status(&mut db).await.unwrap().edited.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_database_ahead_of_the_code_is_refused() {
    on_both(|url| async move {
        let m = capp();
        let mut db = Db::connect(&url).await.unwrap();
        m.upgrade(&mut db, "head").await.unwrap();
        execute(&url, "UPDATE alembic_version SET version_num = '0099'").await;
        let err = m.upgrade(&mut db, "head").await.unwrap_err();
        assert!(matches!(&err, RunError::State(StateError::DatabaseAhead { rev, head }) if rev == "0099" && head == "0003"), "{err}");
        assert!(matches!(m.downgrade(&mut db, "-1").await, Err(RunError::State(StateError::DatabaseAhead { .. }))));
    })
    .await;
}

#[tokio::test]
async fn tables_without_a_version_table_suggest_stamp() {
    on_both(|url| async move {
        let m = capp();
        execute(&url, "CREATE TABLE users (id integer)").await;
        let mut db = Db::connect(&url).await.unwrap();
        let err = m.upgrade(&mut db, "head").await.unwrap_err();
        assert!(
            matches!(&err, RunError::State(StateError::NotStamped { tables, .. }) if tables == "users"),
            "{err}"
        );
        assert!(err.to_string().contains("capp-migrate stamp"));
        assert!(
            strings(&url, "SELECT 'x' FROM users").await.is_empty(),
            "nothing touched"
        );
    })
    .await;
}

mod irreversible {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "t", chain = crate::irreversible::Chain)]
    fn create(op: &mut Operations) {
        op.create_table("t", |t| {
            t.column("email", ColumnType::Text);
        });
    }
    #[downgrade(rev = "0001", chain = crate::irreversible::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_table("t");
    }
    #[migration(rev = "0002", down_rev = "0001", message = "hash", irreversible = "the addresses are gone", chain = crate::irreversible::Chain)]
    fn hash(op: &mut Operations) {
        op.execute("UPDATE t SET email = 'hashed'");
    }
}

#[tokio::test]
async fn downgrading_past_an_irreversible_migration_is_refused() {
    on_both(|url| async move {
        let m = Migrator::new(irreversible::Chain::load().unwrap(), Config::default());
        let mut db = Db::connect(&url).await.unwrap();
        m.upgrade(&mut db, "head").await.unwrap();
        let err = m.downgrade(&mut db, "base").await.unwrap_err();
        assert!(
            matches!(&err, RunError::Irreversible { rev, .. } if rev == "0002"),
            "{err}"
        );
        assert_eq!(versions(&url).await, ["0002"], "nothing was undone");
    })
    .await;
}

#[tokio::test]
async fn eight_runners_at_once_apply_each_migration_exactly_once() {
    on_both(|url| async move {
        assert_eq!(
            upgrade_at_once(&url, 8).await,
            3,
            "three migrations, each applied by one runner"
        );
        let rows = strings(
            &url,
            "SELECT rev FROM capp_schema_history WHERE direction = 'upgrade' ORDER BY rev",
        )
        .await;
        assert_eq!(rows, ["0001", "0002", "0003"]);
        assert_eq!(versions(&url).await, ["0003"]);
        // The runners that found the database at head after waiting wrote nothing: one
        // `verified` row in all, the applying runner's.
        assert_eq!(
            history_rows(&url).await,
            4,
            "{url}: three upgrades, one verified"
        );

        // At head, verified: eight more starts write nothing.
        assert_eq!(upgrade_at_once(&url, 8).await, 0);
        assert_eq!(history_rows(&url).await, 4, "{url}");

        // At head without the proof (a stale digest): every start goes the long way, finds
        // nothing to do, and the proof is recorded once.
        execute(
            &url,
            "UPDATE capp_schema_history SET checksum = 'stale' WHERE direction = 'verified'",
        )
        .await;
        assert_eq!(upgrade_at_once(&url, 8).await, 0);
        assert_eq!(history_rows(&url).await, 5, "{url}");
        let newest = "SELECT direction FROM capp_schema_history ORDER BY id DESC";
        assert_eq!(
            strings(&url, newest).await.first().map(String::as_str),
            Some("verified")
        );
    })
    .await;
}

/// How many rows the history table holds.
async fn history_rows(url: &DatabaseUrl) -> usize {
    strings(url, "SELECT rev FROM capp_schema_history")
        .await
        .len()
}

/// Starts `n` runners upgrading to head at once; how many migrations they applied in all.
async fn upgrade_at_once(url: &DatabaseUrl, n: usize) -> usize {
    let runs: Vec<_> = (0..n)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                capp()
                    .upgrade_url(&url, "head")
                    .await
                    .map(|r| r.applied.len())
            })
        })
        .collect();
    let mut applied = 0;
    for run in runs {
        applied += run.await.unwrap().expect("every runner succeeds");
    }
    applied
}

mod concurrently {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "t", chain = crate::concurrently::Chain)]
    fn create(op: &mut Operations) {
        op.create_table("t", |t| {
            t.column("a", ColumnType::Integer);
        });
    }
    #[downgrade(rev = "0001", chain = crate::concurrently::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_table("t");
    }
    #[migration(rev = "0002", down_rev = "0001", message = "index", transactional = false, chain = crate::concurrently::Chain)]
    fn index(op: &mut NonTransactionalOperations) {
        op.create_index_concurrently("ix_t_a", "t", ["a"]);
        op.execute("SELECT no_such_function()");
    }
    #[downgrade(rev = "0002", chain = crate::concurrently::Chain)]
    fn unindex(op: &mut NonTransactionalOperations) {
        op.drop_index_concurrently("ix_t_a");
    }
}

#[tokio::test]
async fn a_failure_outside_a_transaction_is_recorded_until_repaired() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let url = pg.database_url();
    let m = Migrator::new(concurrently::Chain::load().unwrap(), Config::default());
    let mut db = Db::connect(&url).await.unwrap();
    m.upgrade(&mut db, "0001").await.unwrap();
    // Nothing failed yet: there is nothing to repair, and saying so is an error.
    let err = m.repair(&mut db, "0002").await.unwrap_err();
    assert!(
        matches!(&err, RunError::State(StateError::NotFailed { rev }) if rev == "0002"),
        "{err}"
    );
    let err = m.upgrade(&mut db, "head").await.unwrap_err();
    assert!(
        matches!(&err, RunError::NonTransactionalFailed { rev, .. } if rev == "0002"),
        "{err}"
    );
    // The index was built (CONCURRENTLY, outside a transaction), the version did not move.
    assert_eq!(
        strings(
            &url,
            "SELECT indexname::text FROM pg_indexes WHERE indexname = 'ix_t_a'"
        )
        .await,
        ["ix_t_a"]
    );
    let status = m.status(&mut db).await.unwrap();
    assert_eq!(
        (status.current.as_deref(), status.failed.as_deref()),
        (Some("0001"), Some("0002"))
    );
    assert!(matches!(
        m.upgrade(&mut db, "head").await,
        Err(RunError::State(StateError::FailedState { .. }))
    ));
    // Repaired by hand: the index is dropped, then the failed state is cleared.
    execute(&url, "DROP INDEX ix_t_a").await;
    m.repair(&mut db, "0002").await.unwrap();
    assert_eq!(m.status(&mut db).await.unwrap().failed, None);
}

#[tokio::test]
async fn an_application_migrates_itself_from_its_own_pool() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&pg.url)
        .await
        .unwrap();
    let mut db = Db::from_postgres_pool(&pool).await.unwrap();
    let report = capp().upgrade(&mut db, "head").await.unwrap();
    assert_eq!(report.applied.len(), 3);
    drop(db);
    // The pool serves the application, and no advisory lock is left behind.
    let locks: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(locks, 0);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
    pool.close().await;

    let sqlite = capp_schema_tests::SqliteDb::new();
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&sqlite.path)
                .create_if_missing(true),
        )
        .await
        .unwrap();
    let mut db = Db::from_sqlite_pool(&pool).await.unwrap();
    assert_eq!(
        capp().upgrade(&mut db, "head").await.unwrap().applied.len(),
        3
    );
    pool.close().await;
}

mod rust_step {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "emails", chain = crate::rust_step::Chain)]
    fn create(op: &mut Operations) {
        op.create_table("people", |t| {
            t.column("id", ColumnType::Integer);
            t.column("email", ColumnType::Text).not_null();
            t.primary_key(["id"]);
        });
        op.execute(
            "INSERT INTO people (id, email) VALUES (1, ' Ada@CAPP.io '), (2, 'bob@capp.io')",
        );
    }
    #[downgrade(rev = "0001", chain = crate::rust_step::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_table("people");
    }

    /// Reads every row, normalises in Rust, writes back: on either database.
    async fn normalise(db: &mut dyn DataConnection) -> Result<(), sqlx::Error> {
        let sql = "SELECT CAST(id AS BIGINT), email FROM people";
        let rows: Vec<(i64, String)> = match db.postgres() {
            Some(conn) => sqlx::query_as(sql).fetch_all(conn).await?,
            None => {
                sqlx::query_as(sql)
                    .fetch_all(db.sqlite().expect("one of the two"))
                    .await?
            }
        };
        for (id, email) in rows {
            let clean = email.trim().to_lowercase();
            let sql = format!(
                "UPDATE people SET email = '{}' WHERE id = {id}",
                clean.replace('\'', "''")
            );
            db.execute(&sql).await?;
        }
        Ok(())
    }

    #[migration(rev = "0002", down_rev = "0001", message = "normalise emails", irreversible = "the original spelling is gone", chain = crate::rust_step::Chain)]
    fn normalise_emails(op: &mut Operations) {
        op.run_rust("normalise emails", |db| Box::pin(normalise(db)));
    }

    #[migration(rev = "0003", down_rev = "0002", message = "fails after the Rust step", chain = crate::rust_step::Chain)]
    fn failing(op: &mut Operations) {
        op.run_rust("normalise again", |db| Box::pin(normalise(db)));
        op.execute("UPDATE people SET email = 'changed'");
        op.execute("SELECT * FROM no_such_table");
    }
    #[downgrade(rev = "0003", chain = crate::rust_step::Chain)]
    fn failing_down(op: &mut Operations) {
        op.execute("SELECT 1");
    }
}

#[tokio::test]
async fn a_rust_data_step_runs_inside_the_migration_transaction() {
    on_both(|url| async move {
        let m = Migrator::new(rust_step::Chain::load().unwrap(), Config::default());
        let mut db = Db::connect(&url).await.unwrap();
        m.upgrade(&mut db, "0002").await.unwrap();
        assert_eq!(strings(&url, "SELECT email FROM people ORDER BY id").await, ["ada@capp.io", "bob@capp.io"]);
        // A failure after the Rust step rolls the whole migration back.
        assert!(matches!(m.upgrade(&mut db, "head").await, Err(RunError::MigrationFailed { rev, .. }) if rev == "0003"));
        assert_eq!(strings(&url, "SELECT email FROM people ORDER BY id").await, ["ada@capp.io", "bob@capp.io"]);
        assert_eq!(versions(&url).await, ["0002"]);
        // It has no SQL form.
        let err = m.script(url.dialect(), Position::BASE, m.resolve("0002", Position::BASE).unwrap()).unwrap_err();
        assert!(matches!(&err, RunError::OnlineOnly { rev, .. } if rev == "0002"), "{err}");
    })
    .await;
}

mod enums {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "kyc status enum", chain = crate::enums::Chain)]
    fn create(op: &mut Operations) {
        op.create_enum("kyc_status", ["pending", "verified"]);
        op.create_table("accounts", |t| {
            t.column("id", ColumnType::Integer);
            t.column("kyc", ColumnType::Enum("kyc_status".into()))
                .not_null()
                .default_str("pending");
        });
    }
    #[downgrade(rev = "0001", chain = crate::enums::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_table("accounts");
        op.drop_enum("kyc_status");
    }
    #[migration(rev = "0002", down_rev = "0001", message = "add rejected", irreversible = "PostgreSQL cannot drop an enum value", chain = crate::enums::Chain)]
    fn add_value(op: &mut Operations) {
        op.add_enum_value("kyc_status", "rejected");
    }
}

#[tokio::test]
async fn postgres_enum_types_are_created_extended_and_dropped() {
    on_both(|url| async move {
        let m = Migrator::new(enums::Chain::load().unwrap(), Config::default());
        let mut db = Db::connect(&url).await.unwrap();
        m.upgrade(&mut db, "head").await.unwrap();
        execute(&url, "INSERT INTO accounts (id, kyc) VALUES (1, 'rejected')").await;
        if is_postgres(&url) {
            let values = strings(&url, "SELECT enumlabel::text FROM pg_enum JOIN pg_type t ON t.oid = enumtypid WHERE typname = 'kyc_status' ORDER BY enumsortorder").await;
            assert_eq!(values, ["pending", "verified", "rejected"]);
        }
        m.stamp(&mut db, "0001").await.unwrap();
        m.downgrade(&mut db, "base").await.unwrap();
        if is_postgres(&url) {
            assert!(strings(&url, "SELECT typname::text FROM pg_type WHERE typname = 'kyc_status'").await.is_empty());
        }
    })
    .await;
}

#[tokio::test]
async fn a_start_at_head_is_recognised_without_the_long_way_only_when_verified() {
    on_both(|url| async move {
        let m = capp();
        let mut db = Db::connect(&url).await.unwrap();
        let verified = "SELECT rev FROM capp_schema_history WHERE direction = 'verified'";
        m.upgrade(&mut db, "head").await.unwrap();
        assert_eq!(strings(&url, verified).await, ["0003"], "the run ends by recording what it verified");
        assert!(m.upgrade(&mut db, "head").await.unwrap().applied.is_empty());
        assert_eq!(strings(&url, verified).await.len(), 1, "the fast path writes nothing");
        // A digest that does not match the code sends the start the long way, which checks every
        // checksum and records a new digest.
        execute(&url, "UPDATE capp_schema_history SET checksum = 'stale' WHERE direction = 'verified'").await;
        assert!(m.upgrade(&mut db, "head").await.unwrap().applied.is_empty());
        assert_eq!(strings(&url, verified).await.len(), 2);
        // A failure recorded after the digest is not hidden by it.
        execute(
            &url,
            "INSERT INTO capp_schema_history (rev, direction, checksum, status) VALUES ('0003', 'upgrade', NULL, 'failed')",
        )
        .await;
        assert!(matches!(m.upgrade(&mut db, "head").await, Err(RunError::State(StateError::FailedState { .. }))));
    })
    .await;
}

#[tokio::test]
async fn the_version_table_can_live_in_its_own_postgres_schema() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let url = pg.database_url();
    execute(&url, "CREATE SCHEMA meta").await;
    let config = Config {
        version_schema: Some("meta".into()),
        ..Config::default()
    };
    let m = Migrator::new(Migrations::load().unwrap(), config);
    let mut db = Db::connect(&url).await.unwrap();
    assert_eq!(m.upgrade(&mut db, "head").await.unwrap().applied.len(), 3);
    assert_eq!(
        strings(&url, "SELECT version_num FROM meta.alembic_version").await,
        ["0003"]
    );
    assert!(m.upgrade(&mut db, "head").await.unwrap().applied.is_empty());
    assert_eq!(
        m.status(&mut db).await.unwrap().current.as_deref(),
        Some("0003")
    );
}

mod moved {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "create t", chain = crate::moved::Chain)]
    fn create(op: &mut Operations) {
        op.create_table("t", |t| {
            t.column("id", ColumnType::Integer);
        });
        op.execute("INSERT INTO t (id) VALUES (1)");
    }

    #[downgrade(rev = "0001", chain = crate::moved::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_table("t");
    }

    /// Stands for another process (or a hand edit) that moves the version while the step runs.
    async fn move_the_version(db: &mut dyn DataConnection) -> Result<(), sqlx::Error> {
        db.execute("UPDATE alembic_version SET version_num = '0007'")
            .await
    }

    #[migration(rev = "0002", down_rev = "0001", message = "counts a run", chain = crate::moved::Chain)]
    fn count(op: &mut Operations) {
        op.execute("UPDATE t SET id = id + 1");
        op.run_rust("move the version", |db| Box::pin(move_the_version(db)));
    }

    #[downgrade(rev = "0002", chain = crate::moved::Chain)]
    fn uncount(op: &mut Operations) {
        op.execute("UPDATE t SET id = id - 1");
    }

    #[migration(rev = "0003", down_rev = "0002", message = "counts again", chain = crate::moved::Chain)]
    fn count_again(op: &mut Operations) {
        op.execute("UPDATE t SET id = id + 10");
    }

    #[downgrade(rev = "0003", chain = crate::moved::Chain)]
    fn uncount_again(op: &mut Operations) {
        op.execute("UPDATE t SET id = id - 10");
    }
}

#[tokio::test]
async fn a_version_write_that_finds_no_row_fails_the_step_and_applies_nothing() {
    on_both(|url| async move {
        let m = Migrator::new(moved::Chain::load().unwrap(), Config::default());
        let mut db = Db::connect(&url).await.unwrap();
        let err = m.upgrade(&mut db, "head").await.unwrap_err();
        assert!(
            matches!(&err, RunError::MigrationFailed { rev, at, .. } if rev == "0002" && at == "0001"),
            "{err}"
        );
        let causes = std::error::Error::source(&err).map(ToString::to_string).unwrap_or_default();
        assert!(causes.contains("version table"), "{causes}");
        assert_eq!(versions(&url).await, ["0001"], "the step was rolled back");
        assert_eq!(strings(&url, "SELECT CAST(id AS TEXT) FROM t").await, ["1"], "its data change too");
    })
    .await;
}

#[tokio::test]
async fn a_version_row_spelled_otherwise_is_refused_and_nothing_runs_again() {
    on_both(|url| async move {
        let m = Migrator::new(moved::Chain::load().unwrap(), Config::default());
        let mut db = Db::connect(&url).await.unwrap();
        m.upgrade(&mut db, "0001").await.unwrap();
        m.stamp(&mut db, "0002").await.unwrap();
        // Another tool, or a hand edit, wrote the same revision without its leading zeros.
        execute(&url, "UPDATE alembic_version SET version_num = '2'").await;
        for _ in 0..2 {
            let err = m.upgrade(&mut db, "head").await.unwrap_err();
            assert!(
                matches!(&err, RunError::State(StateError::Misspelled { found, rev }) if found == "2" && rev == "0002"),
                "{err}"
            );
            assert!(err.to_string().contains("capp-migrate stamp 0002"), "{err}");
        }
        assert!(matches!(m.status(&mut db).await, Err(RunError::State(StateError::Misspelled { .. }))));
        assert_eq!(strings(&url, "SELECT CAST(id AS TEXT) FROM t").await, ["1"], "nothing ran");
        assert_eq!(versions(&url).await, ["2"]);
        // The stamp it suggests puts it right.
        m.stamp(&mut db, "0002").await.unwrap();
        assert_eq!(m.upgrade(&mut db, "head").await.unwrap().applied.len(), 1);
        assert_eq!(strings(&url, "SELECT CAST(id AS TEXT) FROM t").await, ["11"]);
    })
    .await;
}

#[tokio::test]
async fn a_server_that_never_answers_is_reported_within_the_connect_timeout() {
    // Accepts connections, never says a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = DatabaseUrl::parse(&format!(
        "postgresql://capp:secret@127.0.0.1:{port}/capp?connect_timeout=1&sslmode=disable"
    ))
    .unwrap();
    let started = std::time::Instant::now();
    let err = Db::connect(&url).await.unwrap_err();
    let took = started.elapsed();
    assert!(
        took >= std::time::Duration::from_secs(1) && took < std::time::Duration::from_secs(5),
        "{took:?}"
    );
    let message = err.to_string();
    assert!(message.contains("no answer within 1s"), "{message}");
    assert!(!message.contains("secret"), "{message}");
    drop(listener);
}

#[tokio::test]
async fn a_database_error_reads_as_the_server_says_it_without_its_source_line() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let missing = pg.url.replace(&pg.name, "capp_no_such_database");
    let err = Db::connect(&DatabaseUrl::parse(&missing).unwrap())
        .await
        .unwrap_err();
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(&format!("\ncaused by: {cause}"));
        source = cause.source();
    }
    assert!(
        text.ends_with(
            "caused by: database \"capp_no_such_database\" does not exist (SQLSTATE 3D000)"
        ),
        "{text}"
    );
    assert!(!text.contains(" at line "), "{text}");
}

#[tokio::test]
async fn every_history_row_says_who_ran_it_and_old_history_tables_gain_the_columns() {
    on_both(|url| async move {
        // A history table as an earlier version created it, beside an Alembic version table.
        let id = if is_postgres(&url) { "BIGSERIAL PRIMARY KEY" } else { "INTEGER PRIMARY KEY AUTOINCREMENT" };
        execute(
            &url,
            &format!(
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
                 CREATE TABLE capp_schema_history (id {id}, rev VARCHAR(32) NOT NULL,
                     direction VARCHAR(16) NOT NULL, checksum VARCHAR(64), status VARCHAR(16) NOT NULL,
                     applied_at TIMESTAMP, duration_ms BIGINT)"
            ),
        )
        .await;
        let m = Migrator::new(moved::Chain::load().unwrap(), Config::default());
        let mut db = Db::connect(&url).await.unwrap();
        // 0002 moves the version by hand in its data step and fails; 0001 goes through.
        let _ = m.upgrade(&mut db, "0001").await.unwrap();
        let rows = strings(
            &url,
            "SELECT COALESCE(run_by, '-') || ' ' || COALESCE(tool, '-') || ' ' || COALESCE(application, '-') FROM capp_schema_history WHERE direction = 'upgrade'",
        )
        .await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        let runner = std::env::args().next().unwrap();
        let program = std::path::Path::new(&runner).file_name().unwrap().to_string_lossy().into_owned();
        let tool = format!("{program} (capp-schema {})", env!("CARGO_PKG_VERSION"));
        let expected = if is_postgres(&url) {
            format!("postgres {tool} {program}")
        } else {
            format!("- {tool} -")
        };
        assert_eq!(rows[0], expected);
    })
    .await;
}
