//! `cargo test` proves every migration round-trips, on SQLite and PostgreSQL: for CAPP's whole
//! history, and for any migration added later (the test walks whatever the chain holds).

use capp_migrations::Migrations;
use capp_schema::testing::{RoundTripError, round_trip};
use capp_schema::{Chain, ColumnType, Operations, downgrade, migration};
use capp_schema_tests::on_both;

#[tokio::test]
async fn capp_history_round_trips() {
    on_both(|url| async move {
        let chain = Migrations::load().unwrap();
        if let Err(e) = round_trip(&chain, &url).await {
            panic!("{e}");
        }
    })
    .await;
}

#[derive(capp_schema::Chain)]
pub(crate) struct Broken;

#[migration(rev = "0001", down_rev = None, message = "accounts", chain = crate::Broken)]
fn accounts(op: &mut Operations) {
    op.create_table("accounts", |t| {
        t.column("id", ColumnType::Integer);
        t.column("email", ColumnType::Text);
        t.primary_key(["id"]);
    });
}
#[downgrade(rev = "0001", chain = crate::Broken)]
fn drop_accounts(op: &mut Operations) {
    op.drop_table("accounts");
}

#[migration(rev = "0002", down_rev = "0001", message = "email index and flag", chain = crate::Broken)]
fn email_index(op: &mut Operations) {
    op.create_index("ix_accounts_email", "accounts", ["email"]);
    op.add_column("accounts", "verified", ColumnType::Boolean);
}
/// Forgets the index: an incomplete downgrade.
#[downgrade(rev = "0002", chain = crate::Broken)]
fn drop_email_index(op: &mut Operations) {
    op.drop_column("accounts", "verified");
}

#[tokio::test]
async fn an_incomplete_downgrade_fails_naming_the_revision_and_the_difference() {
    on_both(|url| async move {
        let err = round_trip(&Broken::load().unwrap(), &url)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, RoundTripError::Differs { rev, .. } if rev == "0002"),
            "{err}"
        );
        let text = err.to_string();
        assert!(
            text.starts_with("migration 0002 does not round-trip on "),
            "{text}"
        );
        assert!(
            text.contains("its downgrade does not restore the schema before its upgrade"),
            "{text}"
        );
        assert!(
            text.contains("+ index ix_accounts_email on accounts (email) (not expected)"),
            "{text}"
        );
    })
    .await;
}

#[derive(capp_schema::Chain)]
pub(crate) struct SneakyDdl;

#[migration(rev = "0001", down_rev = None, message = "t", chain = crate::SneakyDdl)]
fn create_t(op: &mut Operations) {
    op.create_table("t", |t| {
        t.column("a", ColumnType::Integer);
    });
}
#[downgrade(rev = "0001", chain = crate::SneakyDdl)]
fn drop_t(op: &mut Operations) {
    op.drop_table("t");
}

/// Changes the schema through `execute`, which the fold cannot see.
#[migration(rev = "0002", down_rev = "0001", message = "sneaky index", chain = crate::SneakyDdl)]
fn sneaky(op: &mut Operations) {
    op.execute("CREATE INDEX ix_t_a ON t (a)");
}
#[downgrade(rev = "0002", chain = crate::SneakyDdl)]
fn unsneaky(op: &mut Operations) {
    op.execute("DROP INDEX ix_t_a");
}

#[tokio::test]
async fn schema_changes_hidden_in_execute_are_caught() {
    on_both(|url| async move {
        let err = round_trip(&SneakyDdl::load().unwrap(), &url)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("migration 0002 does not round-trip"),
            "{err}"
        );
        assert!(
            err.contains(
                "after its upgrade the database differs from the history folded in memory"
            ),
            "{err}"
        );
        assert!(
            err.contains("+ index ix_t_a on t (a) (not expected)"),
            "{err}"
        );
    })
    .await;
}
