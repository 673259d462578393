//! Every operation, up and down, on SQLite (in place or rebuilt batch-style) and PostgreSQL,
//! with the rows kept.

use capp_schema::runner::{Config, Db, Migrator};
use capp_schema::{Action, Chain, ColumnType, Operations, downgrade, migration};
use capp_schema_tests::{columns, execute, on_both, strings, try_execute};

#[derive(capp_schema::Chain)]
pub(crate) struct Ops;

#[migration(rev = "0001", down_rev = None, message = "parents and children", chain = crate::Ops)]
fn create(op: &mut Operations) {
    op.create_table("parents", |t| {
        t.column("id", ColumnType::Integer);
        t.column("name", ColumnType::Varchar(50)).not_null();
        t.primary_key(["id"]);
    });
    op.create_table("children", |t| {
        t.column("id", ColumnType::Integer);
        t.column("parent_id", ColumnType::Integer).not_null();
        t.column("note", ColumnType::Varchar(20));
        t.primary_key(["id"]);
        t.foreign_key("fk_children_parent", ["parent_id"], "parents", ["id"])
            .on_delete(Action::Cascade);
        t.index("ix_children_parent", ["parent_id"]);
    });
    op.execute("INSERT INTO parents (id, name) VALUES (1, 'p1'), (2, 'p2')");
    op.execute("INSERT INTO children (id, parent_id, note) VALUES (10, 1, 'a'), (11, 2, 'b')");
}
#[downgrade(rev = "0001", chain = crate::Ops)]
fn drop(op: &mut Operations) {
    op.drop_table("children");
    op.drop_table("parents");
}

#[migration(rev = "0002", down_rev = "0001", message = "rename note", chain = crate::Ops)]
fn rename_column(op: &mut Operations) {
    op.rename_column("children", "note", "remark");
}
#[downgrade(rev = "0002", chain = crate::Ops)]
fn rename_column_back(op: &mut Operations) {
    op.rename_column("children", "remark", "note");
}

#[migration(rev = "0003", down_rev = "0002", message = "remark: text, not null, default", chain = crate::Ops)]
fn alter(op: &mut Operations) {
    op.alter_column("children", "remark")
        .ty(ColumnType::Text)
        .not_null()
        .default_sql("'none'");
}
#[downgrade(rev = "0003", chain = crate::Ops)]
fn alter_back(op: &mut Operations) {
    op.alter_column("children", "remark")
        .ty(ColumnType::Varchar(20))
        .nullable()
        .drop_default();
}

#[migration(rev = "0004", down_rev = "0003", message = "constraints", chain = crate::Ops)]
fn constraints(op: &mut Operations) {
    op.create_unique("uq_parents_name", "parents", ["name"]);
    op.create_check("ck_children_id", "children", "id > 0");
    op.add_column("children", "sibling_id", ColumnType::Integer);
    op.create_foreign_key(
        "fk_children_sibling",
        "children",
        ["sibling_id"],
        "children",
        ["id"],
    )
    .on_delete(Action::SetNull);
}
#[downgrade(rev = "0004", chain = crate::Ops)]
fn constraints_back(op: &mut Operations) {
    op.drop_constraint("fk_children_sibling", "children");
    op.drop_column("children", "sibling_id");
    op.drop_constraint("ck_children_id", "children");
    op.drop_constraint("uq_parents_name", "parents");
}

#[migration(rev = "0005", down_rev = "0004", message = "rename children", chain = crate::Ops)]
fn rename_table(op: &mut Operations) {
    op.rename_table("children", "kids");
}
#[downgrade(rev = "0005", chain = crate::Ops)]
fn rename_table_back(op: &mut Operations) {
    op.rename_table("kids", "children");
}

#[migration(rev = "0006", down_rev = "0005", message = "partial unique index, required flag", chain = crate::Ops)]
fn index(op: &mut Operations) {
    op.create_index("ix_kids_remark", "kids", ["remark"])
        .unique()
        .predicate("remark <> 'none'");
    op.add_column("kids", "flag", ColumnType::Boolean)
        .not_null()
        .default_sql("false");
}
#[downgrade(rev = "0006", chain = crate::Ops)]
fn index_back(op: &mut Operations) {
    op.drop_column("kids", "flag");
    op.drop_index("ix_kids_remark");
}

#[migration(rev = "0007", down_rev = "0006", message = "tags", chain = crate::Ops)]
fn tags(op: &mut Operations) {
    op.create_table("tags", |t| {
        t.column("name", ColumnType::Varchar(30));
        t.column("kind", ColumnType::Varchar(30));
        t.primary_key(["name"]);
    });
    op.execute("INSERT INTO tags (name, kind) VALUES ('a', 'x'), ('b', 'x')");
}
#[downgrade(rev = "0007", chain = crate::Ops)]
fn drop_tags(op: &mut Operations) {
    op.drop_table("tags");
}

#[migration(rev = "0008", down_rev = "0007", message = "composite primary key", chain = crate::Ops)]
fn primary_key(op: &mut Operations) {
    op.set_primary_key("tags", ["name", "kind"]);
}
#[downgrade(rev = "0008", chain = crate::Ops)]
fn primary_key_back(op: &mut Operations) {
    op.set_primary_key("tags", ["name"]);
    // The key made `kind` NOT NULL; the way back makes it nullable again.
    op.alter_column("tags", "kind").nullable();
}

#[tokio::test]
async fn every_operation_round_trips_and_matches_its_fold() {
    on_both(|url| async move {
        if let Err(e) = capp_schema::testing::round_trip(&Ops::load().unwrap(), &url).await {
            panic!("{e}");
        }
    })
    .await;
}

#[tokio::test]
async fn every_operation_goes_up_and_down_keeping_the_rows() {
    on_both(|url| async move {
        let m = Migrator::new(Ops::load().unwrap(), Config::default());
        let mut db = Db::connect(&url).await.unwrap();
        for _ in 0..m.chain().len() {
            m.upgrade(&mut db, "+1").await.unwrap();
        }
        assert_eq!(
            columns(&url, "kids").await,
            ["id", "parent_id", "remark", "sibling_id", "flag"]
        );
        assert_eq!(
            strings(&url, "SELECT remark FROM kids ORDER BY id").await,
            ["a", "b"]
        );
        // The constraints hold after SQLite's rebuilds.
        execute(&url, "UPDATE kids SET sibling_id = 10 WHERE id = 11").await;
        let duplicate = "INSERT INTO parents (id, name) VALUES (3, 'p1')";
        assert!(try_execute(&url, duplicate).await.is_err(), "unique name");
        assert!(
            try_execute(&url, "INSERT INTO kids (id, parent_id) VALUES (-1, 1)")
                .await
                .is_err(),
            "check"
        );
        for _ in 0..m.chain().len() - 1 {
            m.downgrade(&mut db, "-1").await.unwrap();
        }
        assert_eq!(columns(&url, "children").await, ["id", "parent_id", "note"]);
        assert_eq!(
            strings(&url, "SELECT note FROM children ORDER BY id").await,
            ["a", "b"]
        );
        assert_eq!(
            strings(&url, "SELECT name FROM parents ORDER BY id").await,
            ["p1", "p2"]
        );
        // Up again: the round trip repeats, and the cascade works through the renamed, rebuilt
        // table.
        m.upgrade(&mut db, "head").await.unwrap();
        execute(&url, "DELETE FROM parents WHERE id = 1").await;
        assert_eq!(strings(&url, "SELECT remark FROM kids").await, ["b"]);
        m.downgrade(&mut db, "base").await.unwrap();
        assert!(columns(&url, "parents").await.is_empty());
    })
    .await;
}
