//! `Migrator::check` on real databases: every scenario runs on a SQLite file and on PostgreSQL.

use capp_schema::runner::{CheckProblem, CheckReport, Config, DatabaseUrl, Db, Migrator, Position};
use capp_schema::{Chain, Difference, Schema};
use capp_schema_tests::Migrations;
use capp_schema_tests::{execute, on_both};

fn capp() -> Migrator {
    Migrator::new(
        Migrations::load().expect("CAPP's history at 0003"),
        Config::default(),
    )
}

async fn check(url: &DatabaseUrl, models: Option<&Schema>) -> CheckReport {
    let mut db = Db::connect(url).await.unwrap();
    capp().check(&mut db, models).await.unwrap()
}

#[tokio::test]
async fn a_database_at_head_as_the_history_and_the_models_say_is_ok() {
    on_both(|url| async move {
        let mut db = Db::connect(&url).await.unwrap();
        capp().upgrade(&mut db, "head").await.unwrap();
        // The models of that history: its head, as CAPP's models equal CAPP's head.
        let models = capp()
            .expected_schema(Position::head(capp().chain()))
            .unwrap();
        let report = check(&url, Some(&models)).await;
        assert!(report.is_ok(), "{url}: {report}");
        assert_eq!(report.current.as_deref(), Some("0003"));
        assert_eq!(report.head, "0003");
        assert_eq!(
            report.to_string(),
            "OK: the database is at head (0003) and every applied migration is unchanged"
        );
    })
    .await;
}

#[tokio::test]
async fn an_empty_database_is_only_behind_head() {
    on_both(|url| async move {
        let report = check(&url, None).await;
        assert_eq!(
            report.problems,
            [CheckProblem::NotAtHead {
                current: None,
                head: "0003".to_owned()
            }],
            "{url}"
        );
        assert_eq!(
            report.to_string(),
            "FAILED: the database is at base, not at head 0003"
        );
    })
    .await;
}

#[tokio::test]
async fn changes_by_hand_are_drift_at_the_databases_revision() {
    on_both(|url| async move {
        let mut db = Db::connect(&url).await.unwrap();
        capp().upgrade(&mut db, "head").await.unwrap();
        execute(&url, "CREATE INDEX ix_by_hand ON users (full_name)").await;
        execute(&url, "ALTER TABLE payments DROP COLUMN failure_reason").await;
        let report = check(&url, None).await;
        assert!(!report.is_ok());
        let drift: Vec<&Difference> = report
            .problems
            .iter()
            .map(|problem| match problem {
                CheckProblem::Drift { at, difference } if at.as_deref() == Some("0003") => {
                    difference
                }
                other => panic!("{url}: only drift at 0003 expected, found {other:?}"),
            })
            .collect();
        assert_eq!(drift.len(), 2, "{url}: {report}");
        assert!(
            drift.iter().any(|d| matches!(d, Difference::Missing(what)
                if what.starts_with("column payments.failure_reason"))),
            "{url}: {report}"
        );
        assert!(
            report.to_string().lines().any(|line| line
                == "FAILED: schema drift at 0003: index ix_by_hand on users (full_name) is in the database, not in the history up to 0003; made by hand? Drop it, or write a migration that creates it"),
            "{url}: {report}"
        );
    })
    .await;
}

#[tokio::test]
async fn behind_head_edited_failed_and_models_ahead_are_each_reported() {
    on_both(|url| async move {
        let mut db = Db::connect(&url).await.unwrap();
        capp().upgrade(&mut db, "head").await.unwrap();
        capp().downgrade(&mut db, "-1").await.unwrap();
        let report = check(&url, None).await;
        assert_eq!(
            report.problems,
            [CheckProblem::NotAtHead {
                current: Some("0002".to_owned()),
                head: "0003".to_owned()
            }],
            "{url}"
        );

        // An applied migration whose recorded checksum is not the code's: edited since.
        execute(
            &url,
            "UPDATE capp_schema_history SET checksum = 'edited' WHERE rev = '0002'",
        )
        .await;
        let report = check(&url, None).await;
        assert_eq!(
            report.problems.first(),
            Some(&CheckProblem::Edited {
                rev: "0002".to_owned()
            }),
            "{url}: {report}"
        );
        assert_eq!(
            report.to_string().lines().next(),
            Some("FAILED: migration 0002 was edited after it was applied")
        );

        // Models with no tables: the head of the history builds every table they lack.
        let report = check(&url, Some(&Schema::default())).await;
        assert!(
            report.problems.iter().any(|p| matches!(p,
                CheckProblem::ModelsDiffer(Difference::Missing(what)) if what.starts_with("table users"))),
            "{url}: {report}"
        );
        // The line says which side has what, and what to do.
        assert!(
            report.to_string().lines().any(|l| l == "FAILED: the models and the history differ: table users is in the history's head, not in the models: add it to the models if it stays, or write a migration that drops it"),
            "{url}: {report}"
        );
        // A model the history lacks: write a migration.
        let mut ahead = capp().expected_schema(Position::head(capp().chain())).unwrap();
        ahead.tables.get_mut("users").unwrap().columns.push(capp_schema::Column::new("nickname", capp_schema::ColumnType::Text));
        let report = check(&url, Some(&ahead)).await;
        assert!(
            report.to_string().contains("FAILED: the models and the history differ: column users.nickname TEXT is in the models, not in the history's head: write a migration for it: `capp-migrate revision --autogenerate -m \"...\"`"),
            "{url}: {report}"
        );

        // A migration marked failed comes first.
        execute(
            &url,
            "UPDATE capp_schema_history SET status = 'failed' WHERE rev = '0002'",
        )
        .await;
        let report = check(&url, None).await;
        assert_eq!(
            report.problems.first(),
            Some(&CheckProblem::Failed {
                rev: "0002".to_owned()
            }),
            "{url}: {report}"
        );
        assert_eq!(
            report.to_string().lines().next(),
            Some("FAILED: migration 0002 failed outside a transaction (see `repair`)")
        );
    })
    .await;
}
