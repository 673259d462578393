//! `revision --autogenerate`: a model change (a column added, a table added, a column renamed
//! with `renamed_from`, an enum value added, an index added) becomes two migration files that
//! match reviewed expected files, build (they are compiled into this test's chain), and
//! round-trip: the second, `transactional = false`, builds the index on the existing table
//! concurrently.
//!
//! To refresh the expected file after a deliberate change: `CAPP_OVERWRITE_FIXTURES=1 cargo test
//! -p capp-schema-tests --test autogenerate`, then read the diff.

use capp_schema::autogen::{follow_up_file, migration_file, plan};
use capp_schema::runner::{Config, Migrator, Position};
use capp_schema::{Chain, ColumnType, Models, Operations, TableModel, downgrade, migration};
use capp_schema_tests::on_both;

#[derive(capp_schema::Chain)]
pub(crate) struct Migrations;

#[migration(rev = "0001", down_rev = None, message = "users")]
fn users(op: &mut Operations) {
    op.create_enum("kyc_status", ["pending", "verified"]);
    op.create_table("users", |t| {
        t.column("id", ColumnType::Uuid);
        t.column("email", ColumnType::Varchar(255)).not_null();
        t.column("mail_verified", ColumnType::Boolean)
            .not_null()
            .default_sql("false");
        t.column("kyc", ColumnType::Enum("kyc_status".into()))
            .not_null()
            .default_str("pending");
        t.primary_key(["id"]);
        t.unique("uq_users_email", ["email"]);
    });
}
#[downgrade(rev = "0001")]
fn drop_users(op: &mut Operations) {
    op.drop_table("users");
    op.drop_enum("kyc_status");
}

/// The files autogenerate wrote, as reviewed.
#[path = "fixtures/0002_user_preferences.rs"]
#[rustfmt::skip] // kept exactly as autogenerate wrote it
mod generated;
#[path = "fixtures/0003_user_preferences_without_blocking_writes.rs"]
#[rustfmt::skip] // kept exactly as autogenerate wrote it
mod generated_outside_a_transaction;

const EXPECTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/0002_user_preferences.rs"
);
const EXPECTED_OUTSIDE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/0003_user_preferences_without_blocking_writes.rs"
);

/// The models after the change.
mod models {
    use capp_schema::TableModel;

    /// Stands in for `uuid::Uuid`: the column type comes from the type's name.
    pub(crate) struct Uuid;

    /// The enum type, as the application's Rust enum: the new variant is the new value.
    #[derive(capp_schema::PgEnum)]
    #[allow(dead_code)] // the variants are the values
    pub(crate) enum KycStatus {
        Pending,
        Verified,
        Rejected,
    }

    #[derive(TableModel)]
    #[table(name = "users", index(name = "ix_users_nickname", columns(nickname)))]
    #[allow(dead_code)] // the fields describe the rows
    pub(crate) struct User {
        #[column(primary_key)]
        pub(crate) id: Uuid,
        #[column(max_length = 255, unique = "uq_users_email")]
        pub(crate) email: String,
        #[column(default = "false", renamed_from = "mail_verified")]
        pub(crate) email_verified: bool,
        #[column(pg_enum, default_str = "pending")]
        pub(crate) kyc: KycStatus,
        #[column(max_length = 50)]
        pub(crate) nickname: Option<String>,
    }

    #[derive(TableModel)]
    #[table(name = "preferences")]
    #[allow(dead_code)] // the fields describe the rows
    pub(crate) struct Preference {
        #[column(primary_key, references = "users.id", on_delete = "cascade")]
        pub(crate) user_id: Uuid,
        #[column(max_length = 20, default_str = "light")]
        pub(crate) theme: String,
        pub(crate) settings: Option<serde_like::Value>,
    }

    pub(crate) mod serde_like {
        pub(crate) struct Value;
    }
}

fn models() -> Models {
    Models::default()
        .table::<models::User>()
        .table::<models::Preference>()
        .pg_enum::<models::KycStatus>()
}

fn migrator() -> Migrator {
    Migrator::new(Migrations::load().unwrap(), Config::default())
}

#[test]
fn the_generated_file_matches_the_reviewed_one() {
    let m = migrator();
    let head_before = m
        .expected_schema(m.resolve("+1", Position::BASE).unwrap())
        .unwrap();
    let plan = plan(&head_before, &models());
    let generated = migration_file("0002", Some("0001"), "user preferences", &plan);
    let outside = follow_up_file(
        "0003",
        Some("0002"),
        "user preferences, without blocking writes",
        &plan,
    )
    .expect("the index on users is built outside a transaction");
    if std::env::var_os("CAPP_OVERWRITE_FIXTURES").is_some() {
        std::fs::write(EXPECTED, &generated).unwrap();
        std::fs::write(EXPECTED_OUTSIDE, &outside).unwrap();
    }
    for (generated, expected) in [(&generated, EXPECTED), (&outside, EXPECTED_OUTSIDE)] {
        let expected = std::fs::read_to_string(expected).unwrap();
        assert_eq!(
            *generated, expected,
            "autogenerate's output changed; review it (see the module docs)"
        );
    }
    assert!(!generated.contains("op.create_index("), "{generated}");
    assert!(
        outside.contains(
            r#"op.create_index_concurrently("ix_users_nickname", "users", ["nickname"]);"#
        ) && outside.contains(r#"op.drop_index_concurrently("ix_users_nickname");"#)
            && outside.contains("transactional = false"),
        "{outside}"
    );
    // Renames are never a drop and an add.
    assert!(generated.contains(r#"op.rename_column("users", "mail_verified", "email_verified");"#));
    assert!(!generated.contains(r#"drop_column("users", "mail_verified")"#));
    assert!(!generated.contains(r#"add_column("users", "email_verified""#));
}

#[test]
fn after_the_generated_migration_nothing_is_left_to_generate() {
    let m = migrator();
    let head = m.expected_schema(Position::head(m.chain())).unwrap();
    let plan = plan(&head, &models());
    assert!(plan.is_empty(), "{:?}", plan.upgrade);
}

#[tokio::test]
async fn the_generated_migration_round_trips() {
    on_both(|url| async move {
        if let Err(e) = capp_schema::testing::round_trip(&migrator().chain().clone(), &url).await {
            panic!("{e}");
        }
    })
    .await;
}

#[test]
fn warnings_name_what_needs_a_person() {
    let m = migrator();
    let head = m.expected_schema(Position::head(m.chain())).unwrap();
    // Dropping the preferences model, making nickname NOT NULL and changing its type.
    #[derive(TableModel)]
    #[table(name = "users", index(name = "ix_users_nickname", columns(nickname)))]
    #[allow(dead_code)] // the fields describe the rows
    struct User {
        #[column(primary_key)]
        id: models::Uuid,
        #[column(max_length = 255, unique = "uq_users_email")]
        email: String,
        #[column(default = "false")]
        email_verified: bool,
        #[column(enum_type = "kyc_status", default_str = "pending")]
        kyc: String,
        nickname: String,
    }
    let models = Models::default()
        .table::<User>()
        .enum_type("kyc_status", &["pending", "verified", "rejected"]);
    let plan = plan(&head, &models);
    let warnings = plan.warnings.join("\n");
    assert!(
        warnings.contains("table preferences is dropped with its data"),
        "{warnings}"
    );
    assert!(
        warnings.contains("column users.nickname changes type from VARCHAR(50) to TEXT"),
        "{warnings}"
    );
    assert!(
        warnings.contains("column users.nickname is made NOT NULL by the `transactional = false` migration written with this one, with `op.make_not_null`"),
        "{warnings}"
    );
    // The type change stays; NOT NULL goes to the migration after it.
    assert!(
        plan.upgrade.iter().any(|op| matches!(op, capp_schema::Operation::AlterColumn { change, .. } if change.nullable.is_none() && change.ty.is_some())),
        "{:?}",
        plan.upgrade
    );
    assert_eq!(
        plan.follow_up,
        [capp_schema::Operation::MakeNotNull {
            table: "users".into(),
            column: "nickname".into()
        }]
    );
    let file = migration_file("0004", Some("0003"), "tighten", &plan);
    assert!(
        file.contains("//! WARNING: table preferences is dropped with its data"),
        "{file}"
    );
}

#[test]
fn without_allow_drops_what_no_model_declares_is_listed_not_dropped() {
    let m = migrator();
    let head = m.expected_schema(Position::head(m.chain())).unwrap();
    // A model that lacks a column the history has, and no model for the preferences table: as
    // after a migration whose model was not updated.
    #[derive(TableModel)]
    #[table(name = "users", index(name = "ix_users_nickname", columns(nickname)))]
    #[allow(dead_code)] // the fields describe the rows
    struct User {
        #[column(primary_key)]
        id: models::Uuid,
        #[column(max_length = 255, unique = "uq_users_email")]
        email: String,
        #[column(enum_type = "kyc_status", default_str = "pending")]
        kyc: String,
        #[column(max_length = 50)]
        nickname: Option<String>,
    }
    let models = Models::default()
        .table::<User>()
        .enum_type("kyc_status", &["pending", "verified", "rejected"]);
    let options = capp_schema::autogen::Options::default();
    let withheld = capp_schema::autogen::plan_with(&head, &models, options);
    assert!(
        withheld.is_empty(),
        "nothing is dropped: {:?}",
        withheld.upgrade
    );
    let said = withheld.withheld.join("\n");
    assert!(
        said.contains("column users.email_verified is in the history's head and the model of users does not declare it: not dropped. If it stays, add the field to the model; to drop it, run again with --allow-drops"),
        "{said}"
    );
    assert!(
        said.contains("table preferences is in the history's head and no model declares it"),
        "{said}"
    );
    let dropping = capp_schema::autogen::plan_with(
        &head,
        &models,
        capp_schema::autogen::Options {
            drops: true,
            ..options
        },
    );
    let written: Vec<String> = dropping
        .upgrade
        .iter()
        .map(capp_schema::autogen::describe)
        .collect();
    assert!(
        written.contains(&r#"op.drop_column("users", "email_verified")"#.to_owned()),
        "{written:?}"
    );
    assert!(
        written.contains(&r#"op.drop_table("preferences")"#.to_owned()),
        "{written:?}"
    );
}

#[tokio::test]
async fn against_a_live_postgres_database_the_same_operations_come_out() {
    let Some(pg) = capp_schema_tests::PgDb::create().await else {
        return;
    };
    let m = migrator();
    let mut db = capp_schema::runner::Db::connect(&pg.database_url())
        .await
        .unwrap();
    m.upgrade(&mut db, "0001").await.unwrap();
    let live = db.introspect(m.config()).await.unwrap();
    let from_live = capp_schema::autogen::plan_against_database(&live, &models());
    let from_history = plan(
        &m.expected_schema(m.resolve("+1", Position::BASE).unwrap())
            .unwrap(),
        &models(),
    );
    assert_eq!(from_live.upgrade, from_history.upgrade);
    assert_eq!(from_live.downgrade, from_history.downgrade);
}

#[tokio::test]
async fn against_a_live_database_defaults_are_written_portably() {
    let Some(pg) = capp_schema_tests::PgDb::create().await else {
        return;
    };
    let m = migrator();
    let mut db = capp_schema::runner::Db::connect(&pg.database_url())
        .await
        .unwrap();
    m.upgrade(&mut db, "head").await.unwrap();
    let live = db.introspect(m.config()).await.unwrap();
    // PostgreSQL keeps `'pending'::character varying`; the file must not.
    let raw = live.tables["users"]
        .get_column("kyc")
        .and_then(|c| c.default.clone())
        .unwrap_or_default();
    assert!(raw.contains("::"), "{raw}");
    let plan = capp_schema::autogen::plan_with(
        &live,
        &Models::default(),
        capp_schema::autogen::Options {
            drops: true,
            against_database: true,
        },
    );
    let file = migration_file("0009", Some("0008"), "drop all", &plan);
    assert!(
        file.contains(r#"default_str("pending")"#) || file.contains(r#"default_sql("'pending'")"#),
        "{file}"
    );
    assert!(!file.contains("::character varying"), "{file}");
}
