//! The lint of migrations' PostgreSQL SQL: each dangerous pattern on a table an earlier migration
//! created is flagged with its rule, file and line, statement and the safe way; the same on a
//! table created in the same migration is not; `allow_lint` accepts a finding with a reason and
//! reports an allow no finding needs; the chain's baseline (`lint_from`) leaves older revisions
//! out; the safe form of a concurrent index lints clean.

use capp_schema::lint::{Scope, lint};
use capp_schema::{
    Chain, ColumnType, NonTransactionalOperations, Operations, downgrade, migration,
};

mod patterns {
    use super::*;

    #[derive(capp_schema::Chain)]
    #[chain(lint_from = "0002")]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "tables with rows", chain = crate::patterns::Chain)]
    fn tables(op: &mut Operations) {
        op.create_table("accounts", |t| {
            t.column("id", ColumnType::BigInt).not_null();
            t.column("email", ColumnType::Text).not_null();
            t.column("balance", ColumnType::Integer).not_null();
            t.column("legacy", ColumnType::Text);
            t.primary_key(["id"]);
        });
        op.create_table("payments", |t| {
            t.column("id", ColumnType::BigInt).not_null();
            t.column("account_id", ColumnType::BigInt).not_null();
            t.primary_key(["id"]);
        });
        // Not linted: before the baseline.
        op.create_index("ix_accounts_email", "accounts", ["email"]);
    }

    #[downgrade(rev = "0001", chain = crate::patterns::Chain)]
    fn no_tables(op: &mut Operations) {
        op.drop_table("payments");
        op.drop_table("accounts");
    }

    #[migration(rev = "0002", down_rev = "0001", message = "a pattern", chain = crate::patterns::Chain)]
    fn index(op: &mut Operations) {
        op.create_index("ix_accounts_balance", "accounts", ["balance"]);
    }

    #[downgrade(rev = "0002", chain = crate::patterns::Chain)]
    fn no_index(op: &mut Operations) {
        op.drop_index("ix_accounts_balance");
    }

    #[migration(rev = "0003", down_rev = "0002", message = "a pattern", chain = crate::patterns::Chain)]
    fn not_null(op: &mut Operations) {
        op.add_column("accounts", "country", ColumnType::Text)
            .not_null();
    }

    #[downgrade(rev = "0003", chain = crate::patterns::Chain)]
    fn no_not_null(op: &mut Operations) {
        op.drop_column("accounts", "country");
    }

    #[migration(rev = "0004", down_rev = "0003", message = "a pattern", chain = crate::patterns::Chain)]
    fn foreign_key(op: &mut Operations) {
        op.create_foreign_key(
            "fk_payments_account",
            "payments",
            ["account_id"],
            "accounts",
            ["id"],
        );
    }

    #[downgrade(rev = "0004", chain = crate::patterns::Chain)]
    fn no_foreign_key(op: &mut Operations) {
        op.drop_constraint("fk_payments_account", "payments");
    }

    #[migration(rev = "0005", down_rev = "0004", message = "a pattern", chain = crate::patterns::Chain)]
    fn retype(op: &mut Operations) {
        op.alter_column("accounts", "balance")
            .ty(ColumnType::BigInt);
    }

    #[downgrade(rev = "0005", chain = crate::patterns::Chain)]
    fn no_retype(op: &mut Operations) {
        op.alter_column("accounts", "balance")
            .ty(ColumnType::Integer);
    }

    #[migration(rev = "0006", down_rev = "0005", message = "a pattern", chain = crate::patterns::Chain)]
    fn drop_legacy(op: &mut Operations) {
        op.drop_column("accounts", "legacy");
    }

    #[downgrade(rev = "0006", chain = crate::patterns::Chain)]
    fn restore_legacy(op: &mut Operations) {
        op.add_column("accounts", "legacy", ColumnType::Text);
    }

    #[migration(rev = "0007", down_rev = "0006", message = "a pattern", chain = crate::patterns::Chain)]
    fn rename_table(op: &mut Operations) {
        op.rename_table("payments", "transfers");
    }

    #[downgrade(rev = "0007", chain = crate::patterns::Chain)]
    fn unrename_table(op: &mut Operations) {
        op.rename_table("transfers", "payments");
    }

    #[migration(rev = "0008", down_rev = "0007", message = "a pattern", chain = crate::patterns::Chain)]
    fn rename_column(op: &mut Operations) {
        op.rename_column("accounts", "email", "address");
    }

    #[downgrade(rev = "0008", chain = crate::patterns::Chain)]
    fn unrename_column(op: &mut Operations) {
        op.rename_column("accounts", "address", "email");
    }

    #[migration(rev = "0009", down_rev = "0008", message = "a pattern", chain = crate::patterns::Chain)]
    fn volatile_default(op: &mut Operations) {
        op.add_column("accounts", "token", ColumnType::Uuid)
            .default_sql("gen_random_uuid()");
    }

    #[downgrade(rev = "0009", chain = crate::patterns::Chain)]
    fn no_volatile_default(op: &mut Operations) {
        op.drop_column("accounts", "token");
    }

    // The same dangerous statement on a table created in the same migration is not dangerous.
    #[migration(rev = "0010", down_rev = "0009", message = "a pattern", chain = crate::patterns::Chain)]
    fn fresh_table(op: &mut Operations) {
        op.create_table("notes", |t| {
            t.column("id", ColumnType::BigInt).not_null();
            t.column("body", ColumnType::Text);
            t.primary_key(["id"]);
        });
        op.create_index("ix_notes_body", "notes", ["body"]);
        op.add_column("notes", "author", ColumnType::Text)
            .not_null();
    }

    #[downgrade(rev = "0010", chain = crate::patterns::Chain)]
    fn no_fresh_table(op: &mut Operations) {
        op.drop_table("notes");
    }

    // Accepted, with a reason; and an allow that no finding needs.
    #[migration(
        rev = "0011",
        down_rev = "0010",
        message = "an accepted drop",
        chain = crate::patterns::Chain,
        allow_lint(
            ban_drop_column = "the application stopped reading it in release 41",
            changing_column_type = "no such statement here"
        )
    )]
    fn accepted(op: &mut Operations) {
        op.drop_column("accounts", "token");
    }

    #[downgrade(rev = "0011", chain = crate::patterns::Chain)]
    fn not_accepted(op: &mut Operations) {
        op.add_column("accounts", "token", ColumnType::Uuid);
    }

    // The safe form of 0002: built concurrently, outside a transaction.
    #[migration(rev = "0012", down_rev = "0011", message = "a safe index", transactional = false, chain = crate::patterns::Chain)]
    fn safe_index(op: &mut NonTransactionalOperations) {
        op.create_index_concurrently("ix_accounts_balance_safe", "accounts", ["balance"]);
    }

    #[downgrade(rev = "0012", chain = crate::patterns::Chain)]
    fn no_safe_index(op: &mut NonTransactionalOperations) {
        op.drop_index_concurrently("ix_accounts_balance_safe");
    }

    // A data change of every matching row of an existing table, in one statement.
    #[migration(rev = "0013", down_rev = "0012", message = "a one-statement backfill", chain = crate::patterns::Chain)]
    fn backfill(op: &mut Operations) {
        op.execute("UPDATE accounts SET balance = 0 WHERE balance < 0");
        op.create_table("scratch", |t| {
            t.column("id", ColumnType::BigInt).not_null();
        });
        // A table created here is empty: not flagged.
        op.execute("DELETE FROM scratch");
    }

    #[downgrade(rev = "0013", chain = crate::patterns::Chain)]
    fn no_backfill(op: &mut Operations) {
        op.drop_table("scratch");
    }
}

/// The rules found in one revision.
fn rules_of(rev: &str) -> Vec<(String, String, String)> {
    let chain = patterns::Chain::load().unwrap();
    let report = lint(&chain, patterns::Chain::LINT_FROM, Scope::Only(rev)).unwrap();
    report
        .violations
        .into_iter()
        .map(|v| (v.rule, v.statement, v.instead))
        .collect()
}

#[test]
fn each_dangerous_pattern_is_flagged_with_its_rule_and_the_safe_way() {
    let cases = [
        (
            "0002",
            "require_concurrent_index_creation",
            "CREATE INDEX \"ix_accounts_balance\"",
            "op.create_index_concurrently",
        ),
        (
            "0003",
            "adding_required_field",
            "ADD COLUMN \"country\" TEXT NOT NULL",
            "backfill it with `op.backfill(...)`",
        ),
        (
            "0004",
            "adding_foreign_key_constraint",
            "ADD CONSTRAINT \"fk_payments_account\"",
            "NOT VALID",
        ),
        (
            "0005",
            "changing_column_type",
            "TYPE BIGINT",
            "add a column of the new type",
        ),
        (
            "0006",
            "ban_drop_column",
            "DROP COLUMN \"legacy\"",
            "allowing `ban_drop_column`",
        ),
        (
            "0007",
            "renaming_table",
            "RENAME TO \"transfers\"",
            "add the new name beside the old one",
        ),
        (
            "0008",
            "renaming_column",
            "RENAME COLUMN \"email\" TO \"address\"",
            "add the new name beside the old one",
        ),
        (
            "0009",
            "adding_field_with_default",
            "DEFAULT gen_random_uuid()",
            "without the volatile default",
        ),
    ];
    for (rev, rule, statement, instead) in cases {
        let found = rules_of(rev);
        let hit = found.iter().find(|(r, _, _)| r == rule);
        let Some((_, sql, how)) = hit else {
            panic!("{rev}: {rule} not found in {found:?}");
        };
        assert!(sql.contains(statement), "{rev}: {sql}");
        assert!(how.contains(instead), "{rev}: {how}");
    }
}

#[test]
fn a_one_statement_update_of_an_existing_table_is_flagged() {
    let found = rules_of("0013");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "unbatched_data_change");
    assert!(found[0].1.starts_with("UPDATE accounts"));
    assert!(found[0].2.contains("op.backfill(table, set)"));
    assert!(found[0].2.contains("keyset batches"));
}

#[test]
fn a_table_created_in_the_same_migration_is_not_flagged() {
    assert_eq!(rules_of("0010"), []);
}

#[test]
fn the_safe_form_of_an_index_lints_clean() {
    assert_eq!(rules_of("0012"), []);
}

#[test]
fn an_allow_accepts_its_finding_and_an_unneeded_allow_is_reported() {
    let found = rules_of("0011");
    let rules: Vec<&str> = found.iter().map(|(r, _, _)| r.as_str()).collect();
    assert_eq!(rules, ["unused_allow"]);
    assert!(found[0].2.contains("remove `changing_column_type`"));
}

#[test]
fn the_baseline_leaves_older_revisions_out_and_the_report_names_files_and_lines() {
    let chain = patterns::Chain::load().unwrap();
    let from_baseline = lint(&chain, patterns::Chain::LINT_FROM, Scope::FromBaseline).unwrap();
    assert_eq!(from_baseline.linted, 12);
    assert!(from_baseline.violations.iter().all(|v| v.rev != "0001"));
    let all = lint(&chain, patterns::Chain::LINT_FROM, Scope::All).unwrap();
    assert_eq!(all.linted, 13);
    let text = from_baseline.to_string();
    let first = text.lines().next().unwrap();
    assert!(
        first.contains("tests/tests/lint.rs:")
            && first.contains(" 0002 [require_concurrent_index_creation]: "),
        "{first}"
    );
    assert!(text.ends_with("findings in 12 migrations linted"), "{text}");
}

#[tokio::test]
async fn the_lint_command_exits_3_on_findings() {
    use clap::Parser;
    let args = capp_schema::cli::Args::try_parse_from(["capp-migrate", "lint"]).unwrap();
    let code =
        capp_schema::cli::run::<patterns::Chain>(args, capp_schema::cli::Project::default()).await;
    assert_eq!(code, std::process::ExitCode::from(3));
}

#[test]
fn operations_not_yet_written_are_linted_as_autogenerate_prints_them() {
    let chain = patterns::Chain::load().unwrap();
    let m = capp_schema::runner::Migrator::new(chain, capp_schema::runner::Config::default());
    let head = m
        .expected_schema(capp_schema::runner::Position::head(m.chain()))
        .unwrap();
    let mut op = Operations::default();
    op.create_index("ix_accounts_address", "accounts", ["address"]);
    op.create_table("fresh", |t| {
        t.column("id", ColumnType::BigInt).not_null();
    });
    op.create_index("ix_fresh_id", "fresh", ["id"]);
    let findings = capp_schema::lint::lint_operations(&head, op.operations(), true).unwrap();
    let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["require_concurrent_index_creation"]);
    assert!(findings[0].statement.contains("ix_accounts_address"));
    assert!(
        findings[0]
            .to_string()
            .starts_with("[require_concurrent_index_creation]: ")
    );
}
