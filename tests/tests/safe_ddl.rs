//! The safe forms of dangerous DDL: a foreign key and a check added NOT VALID then validated, NOT
//! NULL through a validated check, a unique constraint over an index built concurrently. Each
//! lints clean, round-trips on PostgreSQL and SQLite, and builds the same schema as the plain
//! form.

use capp_schema::lint::{Scope, lint};
use capp_schema::runner::{Config, Db, Migrator};
use capp_schema::testing::round_trip;
use capp_schema::{
    Chain, ColumnType, NonTransactionalOperations, Operations, downgrade, migration,
};
use capp_schema_tests::{PgDb, SqliteDb};

fn tables(op: &mut Operations) {
    op.create_table("accounts", |t| {
        t.column("id", ColumnType::BigInt).not_null();
        t.column("email", ColumnType::Text);
        t.column("balance", ColumnType::Integer).not_null();
        t.primary_key(["id"]);
    });
    op.create_table("payments", |t| {
        t.column("id", ColumnType::BigInt).not_null();
        t.column("account_id", ColumnType::BigInt).not_null();
        t.primary_key(["id"]);
    });
    op.execute("INSERT INTO accounts (id, email, balance) VALUES (1, 'a@example.com', 5)");
    op.execute("INSERT INTO payments (id, account_id) VALUES (1, 1)");
}

fn no_tables(op: &mut Operations) {
    op.drop_table("payments");
    op.drop_table("accounts");
}

mod safe {
    use super::*;

    #[derive(capp_schema::Chain)]
    #[chain(lint_from = "0002")]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "tables", chain = crate::safe::Chain)]
    fn up1(op: &mut Operations) {
        tables(op);
    }
    #[downgrade(rev = "0001", chain = crate::safe::Chain)]
    fn down1(op: &mut Operations) {
        no_tables(op);
    }

    #[migration(rev = "0002", down_rev = "0001", message = "constraints not valid", chain = crate::safe::Chain)]
    fn up2(op: &mut Operations) {
        op.create_foreign_key(
            "fk_payments_account",
            "payments",
            ["account_id"],
            "accounts",
            ["id"],
        )
        .not_valid();
        op.create_check("ck_accounts_balance", "accounts", "balance >= 0")
            .not_valid();
    }
    #[downgrade(rev = "0002", chain = crate::safe::Chain)]
    fn down2(op: &mut Operations) {
        op.drop_constraint("ck_accounts_balance", "accounts");
        op.drop_constraint("fk_payments_account", "payments");
    }

    #[migration(rev = "0003", down_rev = "0002", message = "validated", chain = crate::safe::Chain)]
    fn up3(op: &mut Operations) {
        op.validate_constraint("fk_payments_account", "payments");
        op.validate_constraint("ck_accounts_balance", "accounts");
    }
    #[downgrade(rev = "0003", chain = crate::safe::Chain)]
    fn down3(op: &mut Operations) {
        // A validation is not undone: the constraints stay, valid.
        let _ = op;
    }

    #[migration(rev = "0004", down_rev = "0003", message = "email required", transactional = false, chain = crate::safe::Chain)]
    fn up4(op: &mut NonTransactionalOperations) {
        op.make_not_null("accounts", "email");
    }
    #[downgrade(rev = "0004", chain = crate::safe::Chain)]
    fn down4(op: &mut NonTransactionalOperations) {
        op.alter_column("accounts", "email").nullable();
    }

    #[migration(rev = "0005", down_rev = "0004", message = "unique email", transactional = false, chain = crate::safe::Chain)]
    fn up5(op: &mut NonTransactionalOperations) {
        op.create_unique_concurrently("uq_accounts_email", "accounts", ["email"]);
    }
    #[downgrade(rev = "0005", chain = crate::safe::Chain)]
    fn down5(op: &mut NonTransactionalOperations) {
        op.drop_constraint("uq_accounts_email", "accounts");
    }
}

mod plain {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "tables", chain = crate::plain::Chain)]
    fn up1(op: &mut Operations) {
        tables(op);
    }
    #[downgrade(rev = "0001", chain = crate::plain::Chain)]
    fn down1(op: &mut Operations) {
        no_tables(op);
    }

    #[migration(rev = "0002", down_rev = "0001", message = "the same, the plain way", chain = crate::plain::Chain)]
    fn up2(op: &mut Operations) {
        op.create_foreign_key(
            "fk_payments_account",
            "payments",
            ["account_id"],
            "accounts",
            ["id"],
        );
        op.create_check("ck_accounts_balance", "accounts", "balance >= 0");
        op.alter_column("accounts", "email").not_null();
        op.create_unique("uq_accounts_email", "accounts", ["email"]);
    }
    #[downgrade(rev = "0002", chain = crate::plain::Chain)]
    fn down2(op: &mut Operations) {
        op.drop_constraint("uq_accounts_email", "accounts");
        op.alter_column("accounts", "email").nullable();
        op.drop_constraint("ck_accounts_balance", "accounts");
        op.drop_constraint("fk_payments_account", "payments");
    }
}

#[test]
fn the_safe_forms_lint_clean_and_the_plain_ones_do_not() {
    let safe = safe::Chain::load().unwrap();
    let report = lint(&safe, safe::Chain::LINT_FROM, Scope::FromBaseline).unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.linted, 4);
    let plain = plain::Chain::load().unwrap();
    let report = lint(&plain, None, Scope::Only("0002")).unwrap();
    let mut rules: Vec<&str> = report.violations.iter().map(|v| v.rule.as_str()).collect();
    rules.sort_unstable();
    rules.dedup();
    assert!(
        rules.contains(&"adding_foreign_key_constraint"),
        "{rules:?}"
    );
    assert!(rules.contains(&"disallowed_unique_constraint"), "{rules:?}");
}

#[tokio::test]
async fn the_safe_forms_round_trip_and_build_the_plain_forms_schema_on_postgres() {
    let (Some(a), Some(b)) = (PgDb::create().await, PgDb::create().await) else {
        return;
    };
    if let Err(e) = round_trip(&safe::Chain::load().unwrap(), &a.database_url()).await {
        panic!("{e}");
    }
    if let Err(e) = round_trip(&plain::Chain::load().unwrap(), &b.database_url()).await {
        panic!("{e}");
    }
    // Both at head: the same schema, as the catalog gives it back.
    let mut schemas = Vec::new();
    for pg in [&a, &b] {
        let mut db = Db::connect(&pg.database_url()).await.unwrap();
        schemas.push(db.introspect(&Config::default()).await.unwrap());
    }
    let differences = schemas[0].diff_databases(&schemas[1]);
    assert!(differences.is_empty(), "{differences:?}");
    // The safe chain's constraints are valid at its head, as the plain chain's are.
    let mut conn = a.connect().await;
    let invalid: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_constraint WHERE NOT convalidated")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(invalid, 0);
    let m = Migrator::new(safe::Chain::load().unwrap(), Config::default());
    let mut db = Db::connect(&a.database_url()).await.unwrap();
    assert!(m.check(&mut db, None).await.unwrap().is_ok());
}

#[tokio::test]
async fn the_safe_forms_round_trip_on_sqlite() {
    let sqlite = SqliteDb::new();
    if let Err(e) = round_trip(&safe::Chain::load().unwrap(), &sqlite.database_url()).await {
        panic!("{e}");
    }
}

#[test]
fn autogenerate_adds_a_foreign_key_to_a_table_with_rows_not_valid_and_says_so() {
    let m = Migrator::new(safe::Chain::load().unwrap(), Config::default());
    let head = m
        .expected_schema(
            m.resolve("0001", capp_schema::runner::Position::BASE)
                .unwrap(),
        )
        .unwrap();
    // The models: the same tables, payments now referencing accounts.
    let mut target = head.clone();
    target.tables.get_mut("payments").unwrap().foreign_key(
        "fk_payments_account",
        ["account_id"],
        "accounts",
        ["id"],
    );
    let models = capp_schema::Models {
        tables: target
            .tables
            .into_values()
            .map(|table| capp_schema::Model {
                table,
                renamed_columns: &[],
            })
            .collect(),
        ..capp_schema::Models::default()
    };
    let plan = capp_schema::autogen::plan(&head, &models);
    let file = capp_schema::autogen::migration_file("0002", Some("0001"), "fk", &plan);
    assert!(file.contains(".not_valid()"), "{file}");
    assert!(
        file.contains("WARNING: foreign key fk_payments_account is added NOT VALID, since payments may hold rows; the `transactional = false` migration written with this one validates it (`op.validate_constraint`)"),
        "{file}"
    );
    let outside =
        capp_schema::autogen::follow_up_file("0003", Some("0002"), "fk, validated", &plan)
            .expect("a second file validates the key");
    assert!(
        outside.contains("transactional = false")
            && outside.contains(r#"op.validate_constraint("fk_payments_account", "payments");"#),
        "{outside}"
    );
}
