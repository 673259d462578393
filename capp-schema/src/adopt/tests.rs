use super::*;
use crate::Operations;

fn folded(op: &Operations) -> Schema {
    let mut schema = Schema::default();
    for o in op.operations() {
        schema.apply(o).unwrap();
    }
    schema
}

#[test]
fn mentions_whole_words_only() {
    assert!(mentions("SELECT * FROM film f", "film"));
    assert!(mentions("FROM public.\"film\" f", "film"));
    assert!(!mentions("SELECT film_id FROM x", "film"));
    assert!(!mentions("SELECT * FROM films", "film"));
}

/// A schema whose objects depend on each other in every way the baseline orders for.
fn tangled() -> Schema {
    let mut op = Operations::default();
    op.create_function(
        "next_code()",
        "CREATE FUNCTION next_code() RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$",
    );
    op.create_table("b", |t| {
        t.column("id", crate::ColumnType::Integer).not_null();
        t.column("a_id", crate::ColumnType::Integer);
        t.primary_key(["id"]);
    });
    op.create_table("a", |t| {
        t.column("id", crate::ColumnType::Integer).not_null();
        t.column("code", crate::ColumnType::Text)
            .default_sql("next_code()");
        t.column("b_id", crate::ColumnType::Integer);
        t.primary_key(["id"]);
        t.foreign_key("fk_a_b", ["b_id"], "b", ["id"]);
        t.partition_by("RANGE (id)");
        t.index("ix_a_code", ["code"]);
    });
    op.create_foreign_key("fk_b_a", "b", ["a_id"], "a", ["id"]);
    op.create_table("a_low", |t| {
        t.partition_of("a", "FOR VALUES FROM (0) TO (100)");
    });
    op.create_function(
        "all_a()",
        "CREATE FUNCTION all_a()\n RETURNS SETOF a\n LANGUAGE sql\nAS $$ SELECT * FROM a $$",
    );
    op.create_view("v2", "SELECT * FROM v1");
    op.create_view("v1", "SELECT * FROM all_a()");
    op.create_function(
        "_sum(integer, integer)",
        "CREATE FUNCTION _sum(integer, integer) RETURNS integer LANGUAGE sql AS $$ SELECT $1 + $2 $$",
    );
    op.create_object(crate::SqlObject::new(
        ObjectKind::Function,
        "total(integer)",
        None,
        "CREATE AGGREGATE total(integer) (SFUNC = _sum, STYPE = integer)",
    ));
    op.create_trigger("t", "b", "CREATE TRIGGER t ...");
    folded(&op)
}

fn position(plan: &Plan, what: &str) -> usize {
    plan.upgrade
        .iter()
        .position(|op| crate::autogen::describe(op).contains(what))
        .unwrap_or_else(|| panic!("{what} is not in the baseline"))
}

#[test]
fn the_baseline_creates_each_object_after_what_it_needs() {
    let schema = tangled();
    let plan = baseline(&schema);
    let at = |what: &str| position(&plan, what);
    // A function a default uses comes before the table; one returning the table's rows after.
    assert!(at("create_function(\"next_code()\"") < at("create_table(\"a\""));
    assert!(at("create_function(\"all_a()\"") > at("create_table(\"a\""));
    // Views after what they name, the function included; an aggregate after its function.
    assert!(at("create_view(\"v1\"") > at("create_function(\"all_a()\""));
    assert!(at("create_view(\"v2\"") > at("create_view(\"v1\""));
    assert!(at("\"total(integer)\"") > at("\"_sum(integer, integer)\""));
    // Foreign keys once both tables exist, even in a cycle.
    assert!(at("create_foreign_key(\"fk_a_b\"") > at("create_table(\"b\""));
    assert!(at("create_foreign_key(\"fk_b_a\"") > at("create_table(\"a\""));
    // A partition after its parent; the parent's index after its partitions.
    assert!(at("create_table(\"a_low\"") > at("create_table(\"a\""));
    assert!(at("create_index(\"ix_a_code\"") > at("create_table(\"a_low\""));
    assert!(at("create_trigger(\"t\"") > at("create_table(\"b\""));
}

#[test]
fn the_baseline_folds_to_the_schema_and_its_downgrade_to_nothing() {
    let schema = tangled();
    let plan = baseline(&schema);
    let mut folded = Schema::default();
    for op in &plan.upgrade {
        folded.apply(op).unwrap();
    }
    assert!(schema.diff_as_written(&folded).is_empty());
    assert_eq!(folded.objects, schema.objects);
    for op in &plan.downgrade {
        folded.apply(op).unwrap();
    }
    assert_eq!(folded, Schema::default());
}

#[test]
fn a_constraint_not_yet_validated_is_added_not_valid_after_its_table() {
    let mut op = Operations::default();
    op.create_table("t", |t| {
        t.column("id", crate::ColumnType::Integer).not_null();
        t.column("n", crate::ColumnType::Integer);
        t.check("ck_t_valid", "n > 0");
    });
    op.create_check("ck_t_pending", "t", "n < 100").not_valid();
    let plan = baseline(&folded(&op));
    let create = position(&plan, "create_table(\"t\"");
    let pending = position(
        &plan,
        "create_check(\"ck_t_pending\", \"t\", \"n < 100\").not_valid()",
    );
    assert!(pending > create);
    // The valid one stays in the table's definition.
    assert!(crate::autogen::describe(&plan.upgrade[create]).contains("ck_t_valid"));
}
