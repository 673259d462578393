//! Named SQL objects (domains, sequences, functions, aggregates, operators, views, materialized
//! views and their indexes, triggers, row-level-security policies), partitioned tables, unlogged
//! tables with storage parameters, and sequence options of serial columns: each is created,
//! folded, introspected, compared (by name with the fold, by definition between databases),
//! written by autogenerate and round-tripped on PostgreSQL; SQLite refuses each by name.

use capp_schema::adopt::baseline;
use capp_schema::autogen::migration_file;
use capp_schema::runner::{Config, Db, Migrator};
use capp_schema::testing::round_trip;
use capp_schema::{
    Chain, ColumnType, Identity, ObjectKind, Operation, Operations, RowSecurity, Schema, downgrade,
    migration,
};
use capp_schema_tests::PgDb;
use sqlx::Connection;

mod chain {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "every kind of named object", chain = crate::chain::Chain)]
    fn create(op: &mut Operations) {
        op.create_domain("positive", "numeric CHECK (VALUE > 0)");
        op.create_sequence("invoice_numbers", "AS bigint START WITH 1000");
        op.create_function(
            "touch()",
            "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$",
        );
        op.create_function(
            "add_amounts(numeric, numeric)",
            "CREATE FUNCTION add_amounts(numeric, numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT $1 + $2 $$",
        );
        op.create_object(capp_schema::SqlObject::new(
            ObjectKind::Function,
            "total(numeric)",
            None,
            "CREATE AGGREGATE total(numeric) (SFUNC = add_amounts, STYPE = numeric, INITCOND = '0')",
        ));
        op.create_operator(
            "~==(numeric, numeric)",
            "CREATE OPERATOR ~== (FUNCTION = add_amounts, LEFTARG = numeric, RIGHTARG = numeric)",
        );
        op.create_table("invoices", |t| {
            t.column("id", ColumnType::Integer)
                .identity(Identity::Serial)
                .sequence("AS bigint START WITH 500");
            t.column("number", ColumnType::BigInt)
                .not_null()
                .default_sql("nextval('invoice_numbers')");
            t.column("amount", ColumnType::Other("positive".into()))
                .not_null();
            t.column("owner", ColumnType::Text).not_null();
            t.column("updated_at", ColumnType::TimestampTz);
            t.primary_key(["id"]);
            t.storage("fillfactor=70");
            t.row_security(Some(RowSecurity::Enabled));
        });
        op.create_trigger(
            "invoices_touch",
            "invoices",
            "CREATE TRIGGER invoices_touch BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION touch()",
        );
        op.create_policy(
            "own_invoices",
            "invoices",
            "CREATE POLICY own_invoices ON invoices FOR SELECT USING (owner = current_user)",
        );
        op.create_view(
            "big_invoices",
            "SELECT id, amount FROM invoices WHERE amount > 1000",
        );
        op.create_materialized_view(
            "totals",
            "SELECT owner, total(amount) AS sum FROM invoices GROUP BY owner",
        );
        op.create_view_index(
            "ix_totals_owner",
            "totals",
            "CREATE UNIQUE INDEX ix_totals_owner ON totals (owner)",
        );
    }

    #[downgrade(rev = "0001", chain = crate::chain::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_object(ObjectKind::ViewIndex, "ix_totals_owner", Some("totals"));
        op.drop_object(ObjectKind::MaterializedView, "totals", None);
        op.drop_object(ObjectKind::View, "big_invoices", None);
        op.drop_object(ObjectKind::Policy, "own_invoices", Some("invoices"));
        op.drop_object(ObjectKind::Trigger, "invoices_touch", Some("invoices"));
        op.drop_table("invoices");
        op.drop_object(ObjectKind::Operator, "~==(numeric, numeric)", None);
        op.drop_object(ObjectKind::Function, "total(numeric)", None);
        op.drop_object(ObjectKind::Function, "add_amounts(numeric, numeric)", None);
        op.drop_object(ObjectKind::Function, "touch()", None);
        op.drop_object(ObjectKind::Sequence, "invoice_numbers", None);
        op.drop_object(ObjectKind::Domain, "positive", None);
    }

    #[migration(rev = "0002", down_rev = "0001", message = "a partitioned table and an unlogged one", chain = crate::chain::Chain)]
    fn partitions(op: &mut Operations) {
        op.create_table("events", |t| {
            t.column("id", ColumnType::BigInt).not_null();
            t.column("at", ColumnType::TimestampTz).not_null();
            t.column("kind", ColumnType::Text);
            t.primary_key(["at", "id"]);
            t.partition_by("RANGE (at)");
        });
        op.create_table("events_2026", |t| {
            t.partition_of(
                "events",
                "FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2027-01-01 00:00:00+00')",
            );
            t.index("ix_events_2026_kind", ["kind"]);
        });
        op.create_table("events_other", |t| {
            t.partition_of("events", "DEFAULT");
        });
        // After the partitions: the partition's own index becomes this index's part.
        op.create_index("ix_events_kind", "events", ["kind"]);
        op.create_table("rate_limits", |t| {
            t.column("key", ColumnType::Text).not_null();
            t.column("points", ColumnType::Double).not_null();
            t.primary_key(["key"]);
            t.unlogged();
            t.storage("fillfactor=50");
        });
        op.set_row_security("invoices", Some(RowSecurity::Forced));
        // Planner statistics targets, of a column and of an index's expression.
        op.alter_column("invoices", "owner").statistics(500);
        op.create_index("ix_invoices_lower_owner", "invoices", Vec::<&str>::new())
            .expression("lower(owner)")
            .statistics(1, 2000);
    }

    #[downgrade(rev = "0002", chain = crate::chain::Chain)]
    fn no_partitions(op: &mut Operations) {
        op.drop_index("ix_invoices_lower_owner");
        op.alter_column("invoices", "owner").reset_statistics();
        op.set_row_security("invoices", Some(RowSecurity::Enabled));
        op.drop_table("rate_limits");
        op.drop_index("ix_events_kind");
        op.drop_table("events_other");
        op.drop_table("events_2026");
        op.drop_table("events");
    }
}

#[tokio::test]
async fn every_object_kind_round_trips_on_postgres() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let chain = chain::Chain::load().unwrap();
    if let Err(e) = round_trip(&chain, &pg.database_url()).await {
        panic!("{e}");
    }
    // The round trip leaves the database at the head: nothing drifts, and the rows behave.
    let m = Migrator::new(chain, Config::default());
    let mut db = Db::connect(&pg.database_url()).await.unwrap();
    let report = m.check(&mut db, None).await.unwrap();
    assert!(report.is_ok(), "{report}");
    let mut conn = pg.connect().await;
    sqlx::raw_sql(
        "INSERT INTO invoices (amount, owner) VALUES (2000, 'a'), (5, 'b');
         INSERT INTO events (id, at, kind) VALUES (1, '2026-05-01', 'x'), (2, '2030-01-01', 'y');
         REFRESH MATERIALIZED VIEW totals",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let row: (i32, i64, i64, String, i64) = sqlx::query_as(
        "SELECT min(id), min(number), (SELECT count(*) FROM big_invoices),
                (SELECT string_agg(owner || '=' || sum, ',' ORDER BY owner) FROM totals),
                (SELECT count(*) FROM events_other)
         FROM invoices",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(row, (500, 1000, 1, "a=2000,b=5".to_owned(), 1));
    let _ = conn.close().await;
    introspection_reads_each_kind_back(&mut db, &m).await;
}

async fn introspection_reads_each_kind_back(db: &mut Db, m: &Migrator) {
    let live = db.introspect(m.config()).await.unwrap();
    let names: Vec<String> = live.objects.keys().map(ToString::to_string).collect();
    assert_eq!(
        names,
        [
            "sequence invoice_numbers",
            "domain positive",
            "function add_amounts(numeric, numeric)",
            "function total(numeric)",
            "function touch()",
            "operator ~==(numeric, numeric)",
            "view big_invoices",
            "materialized view totals",
            "index on a materialized view ix_totals_owner on totals",
            "trigger invoices_touch on invoices",
            "policy own_invoices on invoices",
        ]
    );
    let invoices = &live.tables["invoices"];
    assert_eq!(invoices.row_security, Some(RowSecurity::Forced));
    assert_eq!(invoices.storage, ["fillfactor=70"]);
    let id = invoices.get_column("id").unwrap();
    assert_eq!(
        (id.identity, id.sequence.as_deref()),
        (Some(Identity::Serial), Some("AS bigint START WITH 500"))
    );
    let events = &live.tables["events"];
    assert_eq!(events.partition_by.as_deref(), Some("RANGE (at)"));
    let partition = &live.tables["events_2026"];
    let of = partition.partition_of.as_ref().unwrap();
    assert_eq!(of.parent, "events");
    assert!(
        of.bound.starts_with("FOR VALUES FROM ('2026-01-01"),
        "{}",
        of.bound
    );
    // A partition holds its own index; its columns and key are the parent's.
    assert!(partition.columns.is_empty() && partition.primary_key.is_empty());
    assert_eq!(partition.indexes[0].name, "ix_events_2026_kind");
    assert_eq!(invoices.get_column("owner").unwrap().statistics, Some(500));
    let lower = invoices
        .indexes
        .iter()
        .find(|i| i.name == "ix_invoices_lower_owner")
        .unwrap();
    assert_eq!(lower.statistics, [(1, 2000)]);
    let limits = &live.tables["rate_limits"];
    assert!(limits.unlogged);
    assert_eq!(limits.storage, ["fillfactor=50"]);
}

#[tokio::test]
async fn a_definition_changed_by_hand_is_found_between_databases_and_a_drop_by_check() {
    let (Some(a), Some(b)) = (PgDb::create().await, PgDb::create().await) else {
        return;
    };
    let m = Migrator::new(chain::Chain::load().unwrap(), Config::default());
    let mut live = Vec::new();
    for pg in [&a, &b] {
        let mut db = Db::connect(&pg.database_url()).await.unwrap();
        m.upgrade(&mut db, "head").await.unwrap();
        live.push(db);
    }
    let mut conn = b.connect().await;
    sqlx::raw_sql("CREATE OR REPLACE VIEW big_invoices AS SELECT id, amount FROM invoices WHERE amount > 5000")
        .execute(&mut conn)
        .await
        .unwrap();
    let first = live[0].introspect(m.config()).await.unwrap();
    let second = live[1].introspect(m.config()).await.unwrap();
    let between: Vec<String> = first
        .diff_databases(&second)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(between.len(), 1, "{between:?}");
    assert!(
        between[0].starts_with("~ definition of view big_invoices: expected SELECT"),
        "{between:?}"
    );
    // Against the history, by name: the rewritten view is still the history's view.
    let report = m.check(&mut live[1], None).await.unwrap();
    assert!(report.is_ok(), "{report}");
    sqlx::raw_sql("DROP VIEW big_invoices")
        .execute(&mut conn)
        .await
        .unwrap();
    let report = m.check(&mut live[1], None).await.unwrap();
    assert!(
        report
            .to_string()
            .contains("view big_invoices is in the history up to 0002, not in the database"),
        "{report}"
    );
    let _ = conn.close().await;
}

#[tokio::test]
async fn autogenerate_writes_each_kind_and_the_file_folds_back() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let m = Migrator::new(chain::Chain::load().unwrap(), Config::default());
    let mut db = Db::connect(&pg.database_url()).await.unwrap();
    m.upgrade(&mut db, "head").await.unwrap();
    let live = db.introspect(m.config()).await.unwrap();
    let plan = baseline(&live);
    let file = migration_file("0001", None, "baseline", &plan);
    // (Compared without the line breaks the formatter puts in long calls.)
    let flat: String = file.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = flat.replace("( ", "(").replace(", )", ")");
    for written in [
        "op.create_domain(\"positive\"",
        "op.create_sequence(\"invoice_numbers\"",
        "op.create_function(\"touch()\"",
        "op.create_operator(\"~==(numeric, numeric)\"",
        "op.create_view(\"big_invoices\"",
        "op.create_materialized_view(\"totals\"",
        "op.create_view_index(\"ix_totals_owner\", \"totals\"",
        "op.create_trigger(\"invoices_touch\", \"invoices\"",
        "op.create_policy(\"own_invoices\", \"invoices\"",
        "t.row_security(Some(RowSecurity::Forced));",
        "t.partition_by(\"RANGE (at)\");",
        "t.partition_of(\"events\", \"DEFAULT\");",
        "t.unlogged();",
        "t.storage(\"fillfactor=50\");",
        ".sequence(\"AS bigint START WITH 500\")",
        ".statistics(500)",
        ".statistics(1, 2000)",
        "op.drop_object(ObjectKind::Policy, \"own_invoices\", Some(\"invoices\"));",
    ] {
        assert!(flat.contains(written), "{written} not in:\n{file}");
    }
    // The baseline's operations fold to the database's schema, object by object.
    let mut folded = Schema::default();
    for op in &plan.upgrade {
        folded.apply(op).unwrap();
    }
    let dialect = capp_schema::Dialect::POSTGRES;
    let differences = folded.canonical(dialect).diff(&live.canonical(dialect));
    assert!(differences.is_empty(), "{differences:?}");
    // And its downgrade folds back to nothing.
    for op in &plan.downgrade {
        folded.apply(op).unwrap();
    }
    assert_eq!(folded, Schema::default());
}

#[test]
fn sqlite_refuses_each_kind_by_name() {
    let mut op = Operations::default();
    op.create_view("v", "SELECT 1");
    op.create_trigger("t", "x", "CREATE TRIGGER ...");
    op.set_row_security("x", Some(RowSecurity::Enabled));
    op.create_table("p", |t| {
        t.partition_by("RANGE (a)");
    });
    let mut schema = Schema::default();
    schema
        .tables
        .insert("x".into(), capp_schema::Table::new("x"));
    let refusals: Vec<String> = op
        .operations()
        .iter()
        .map(|o| {
            capp_schema::render::render(o, capp_schema::Dialect::SQLITE, &mut schema.clone())
                .unwrap_err()
                .to_string()
        })
        .collect();
    assert!(refusals[0].starts_with("view v: this SQLite backend builds no named SQL objects"));
    assert!(refusals[1].starts_with("trigger t on x: this SQLite backend"));
    assert!(refusals[2].starts_with("row-level security on x is PostgreSQL's"));
    assert!(refusals[3].starts_with("table p is partitioned or a partition"));
    let _ = Operation::DropObject;
}
