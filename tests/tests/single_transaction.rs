//! `downgrade --single-transaction`: every step undone in one transaction, or none; on a SQLite
//! file and on PostgreSQL, through the library and through the command line.

use capp_schema::runner::{Config, DatabaseUrl, Db, Migrator, RunError, TransactionMode};
use capp_schema::{
    Chain, ColumnType, NonTransactionalOperations, Operations, downgrade, migration,
};
use capp_schema_tests::{columns, on_both, strings};

mod down_fails {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "create t", chain = crate::down_fails::Chain)]
    fn create(op: &mut Operations) {
        op.create_table("t", |t| {
            t.column("id", ColumnType::Integer);
            t.primary_key(["id"]);
        });
    }
    #[downgrade(rev = "0001", chain = crate::down_fails::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_table("t");
    }

    #[migration(rev = "0002", down_rev = "0001", message = "add b", chain = crate::down_fails::Chain)]
    fn add_b(op: &mut Operations) {
        op.add_column("t", "b", ColumnType::Text);
    }
    // Its downgrade fails half way.
    #[downgrade(rev = "0002", chain = crate::down_fails::Chain)]
    fn drop_b(op: &mut Operations) {
        op.drop_column("t", "b");
        op.execute("INSERT INTO no_such_table VALUES (1)");
    }

    #[migration(rev = "0003", down_rev = "0002", message = "add c", chain = crate::down_fails::Chain)]
    fn add_c(op: &mut Operations) {
        op.add_column("t", "c", ColumnType::Text);
    }
    #[downgrade(rev = "0003", chain = crate::down_fails::Chain)]
    fn drop_c(op: &mut Operations) {
        op.drop_column("t", "c");
    }
}

mod concurrently {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "create t", chain = crate::concurrently::Chain)]
    fn create(op: &mut Operations) {
        op.create_table("t", |t| {
            t.column("id", ColumnType::Integer);
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
    }
    #[downgrade(rev = "0002", chain = crate::concurrently::Chain)]
    fn unindex(op: &mut NonTransactionalOperations) {
        op.drop_index_concurrently("ix_t_a");
    }
}

fn migrator(chain: capp_schema::MigrationChain, mode: TransactionMode) -> Migrator {
    let config = Config {
        transaction_mode: mode,
        ..Config::default()
    };
    Migrator::new(chain, config)
}

async fn versions(url: &DatabaseUrl) -> Vec<String> {
    strings(url, "SELECT version_num FROM alembic_version").await
}

/// The history rows of downgrades, oldest first.
async fn downgrade_rows(url: &DatabaseUrl) -> Vec<String> {
    strings(
        url,
        "SELECT rev FROM capp_schema_history WHERE direction = 'downgrade' ORDER BY id",
    )
    .await
}

#[tokio::test]
async fn a_failing_downgrade_in_one_transaction_leaves_the_database_where_it_started() {
    on_both(|url| async move {
        let chain = || down_fails::Chain::load().unwrap();
        let mut db = Db::connect(&url).await.unwrap();
        let single = migrator(chain(), TransactionMode::Single);
        single.upgrade(&mut db, "head").await.unwrap();

        let err = single.downgrade(&mut db, "base").await.unwrap_err();
        assert!(
            matches!(&err, RunError::MigrationFailed { rev, direction: "downgrade", at, .. } if rev == "0002" && at == "0003"),
            "{url}: {err}"
        );
        assert_eq!(versions(&url).await, ["0003"], "{url}");
        assert_eq!(columns(&url, "t").await, ["id", "b", "c"], "{url}: 0003's undo rolled back");
        assert!(downgrade_rows(&url).await.is_empty(), "{url}");

        // One transaction per migration keeps the undo of 0003.
        let each = migrator(chain(), TransactionMode::PerMigration);
        let err = each.downgrade(&mut db, "base").await.unwrap_err();
        assert!(
            matches!(&err, RunError::MigrationFailed { rev, at, .. } if rev == "0002" && at == "0002"),
            "{url}: {err}"
        );
        assert_eq!(versions(&url).await, ["0002"], "{url}");
        assert_eq!(columns(&url, "t").await, ["id", "b"], "{url}");
        assert_eq!(downgrade_rows(&url).await, ["0003"], "{url}");

        // A downgrade that works goes all the way in one transaction.
        single.upgrade(&mut db, "head").await.unwrap();
        let report = single.downgrade(&mut db, "0002").await.unwrap();
        assert_eq!(report.to.as_deref(), Some("0002"), "{url}");
        assert_eq!(columns(&url, "t").await, ["id", "b"], "{url}");
    })
    .await;
}

#[tokio::test]
async fn a_single_transaction_downgrade_refuses_a_migration_outside_a_transaction() {
    on_both(|url| async move {
        let chain = || concurrently::Chain::load().unwrap();
        let mut db = Db::connect(&url).await.unwrap();
        migrator(chain(), TransactionMode::PerMigration)
            .upgrade(&mut db, "head")
            .await
            .unwrap();
        let err = migrator(chain(), TransactionMode::Single)
            .downgrade(&mut db, "base")
            .await
            .unwrap_err();
        assert!(
            matches!(&err, RunError::NonTransactionalInSingleTransaction { rev } if rev == "0002"),
            "{url}: {err}"
        );
        assert!(
            err.to_string().contains("run without --single-transaction"),
            "{err}"
        );
        assert_eq!(versions(&url).await, ["0002"], "{url}: nothing ran");
        assert!(downgrade_rows(&url).await.is_empty(), "{url}");
    })
    .await;
}

/// `capp-migrate --database-url URL ARGS...`, run in process on chain `C`; its exit code.
async fn cli<C: Chain + 'static>(url: &DatabaseUrl, args: &[&str]) -> std::process::ExitCode {
    use clap::Parser;
    let url = url.to_string(); // the test servers take no password
    let mut all = vec!["capp-migrate", "--database-url", url.as_str()];
    all.extend_from_slice(args);
    let args = capp_schema::cli::Args::try_parse_from(all).unwrap();
    capp_schema::cli::run::<C>(args, capp_schema::cli::Project::default()).await
}

#[tokio::test]
async fn the_command_line_downgrades_in_one_transaction() {
    on_both(|url| async move {
        let code = cli::<down_fails::Chain>(&url, &["upgrade", "head"]).await;
        assert_eq!(code, std::process::ExitCode::SUCCESS);
        let code = cli::<down_fails::Chain>(
            &url,
            &["downgrade", "base", "--yes", "--single-transaction"],
        )
        .await;
        assert_eq!(code, std::process::ExitCode::FAILURE, "{url}");
        assert_eq!(versions(&url).await, ["0003"], "{url}");
        assert_eq!(columns(&url, "t").await, ["id", "b", "c"], "{url}");
        let code =
            cli::<down_fails::Chain>(&url, &["downgrade", "-1", "--single-transaction", "--yes"])
                .await;
        assert_eq!(code, std::process::ExitCode::SUCCESS, "{url}");
        assert_eq!(versions(&url).await, ["0002"], "{url}");
    })
    .await;
}
