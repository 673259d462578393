//! Comparing schemas: the canonical form both sides are brought to, the rules by which two
//! objects are the same, and a readable diff.
//!
//! Databases spell some things their own way, so comparison is over a canonical form:
//! - defaults lose PostgreSQL's casts (`'pending'::character varying` is `'pending'`);
//! - on SQLite, which keeps no names for unique and foreign-key constraints and no checks in its
//!   catalog, those are compared by their columns, and checks not at all; enum types are TEXT.
//!
//! and under one set of rules ([`Equality`]), which `check`, drift detection, round trips and
//! `revision --autogenerate` all apply: check constraints and partial-index predicates are compared
//! as written when both sides are written by people (the history and the models), and by name and
//! presence when a side comes from a database (PostgreSQL rewrites `amount > 0` as
//! `(amount > (0)::numeric)`).

use std::collections::BTreeMap;
use std::fmt;

use crate::objects::RowSecurity;
use crate::render::Dialect;
use crate::schema::{Check, ColumnType, ForeignKey, Index, Schema, Table, Unique};

/// Strips PostgreSQL's casts from a default: `'x'::character varying` is `'x'`, `(0)::numeric`
/// is `0`.
pub(crate) fn normalize_default(default: &str) -> String {
    // A sequence's name in `nextval('s')` is cast where the server writes it.
    let mut d = default.trim().replace("'::regclass", "'");
    // A cast is `::name` at the end, outside quotes; there may be several.
    while let Some(pos) = last_cast(&d) {
        d.truncate(pos);
        d = d.trim().to_owned();
    }
    while d.starts_with('(') && d.ends_with(')') && balanced(&d[1..d.len() - 1]) {
        d = d[1..d.len() - 1].trim().to_owned();
    }
    d
}

/// Where the last cast outside quotes and parentheses starts: the one that applies to the whole
/// expression (`nextval('s'::regclass)` has none).
fn last_cast(s: &str) -> Option<usize> {
    let mut in_quote = false;
    let mut depth = 0i32;
    let mut last = None;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => in_quote = !in_quote,
            b'(' if !in_quote => depth += 1,
            b')' if !in_quote => depth -= 1,
            b':' if !in_quote && depth == 0 && bytes.get(i + 1) == Some(&b':') => {
                last = Some(i);
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    last
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// When two schema objects are the same: one rule per kind of object, shared by [`Schema::diff`]
/// and autogenerate, so that a diff and a plan agree on what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Equality {
    /// Compare check expressions and partial-index predicates as text; otherwise by presence.
    exact_expressions: bool,
    /// How named SQL objects (views, functions, triggers, ...) compare.
    objects: Objects,
}

/// How named SQL objects compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Objects {
    /// Not at all: models declare none (they are written in migrations only).
    Ignored,
    /// By kind, table and name: a database rewrites their SQL.
    ByName,
    /// By name and the SQL the catalogs give back: two databases of one server version.
    ByDefinition,
}

impl Equality {
    /// Both sides as migrations and models write them (the folded history, the models): check
    /// expressions and index predicates are compared as text.
    pub(crate) const AS_WRITTEN: Equality = Equality {
        exact_expressions: true,
        objects: Objects::Ignored,
    };

    /// A side introspected from a database, which rewrites expressions: checks are matched by
    /// name, partial indexes by having a predicate.
    pub(crate) const AGAINST_DATABASE: Equality = Equality {
        exact_expressions: false,
        objects: Objects::ByName,
    };

    /// Both sides introspected from databases of one server version, which spell expressions
    /// and named objects' SQL the same way: everything is compared as text.
    pub(crate) const BETWEEN_DATABASES: Equality = Equality {
        exact_expressions: true,
        objects: Objects::ByDefinition,
    };

    /// Types are equal as the model holds them.
    pub(crate) fn same_type(self, a: &ColumnType, b: &ColumnType) -> bool {
        a == b
    }

    /// Defaults are equal without PostgreSQL's casts.
    pub(crate) fn same_default(self, a: Option<&str>, b: Option<&str>) -> bool {
        a.map(normalize_default) == b.map(normalize_default)
    }

    /// The key's columns, in order.
    pub(crate) fn same_primary_key(self, a: &[String], b: &[String]) -> bool {
        a == b
    }

    /// Name and columns, in order.
    pub(crate) fn same_unique(self, a: &Unique, b: &Unique) -> bool {
        a == b
    }

    /// Name, columns, referenced table and columns, and both actions.
    pub(crate) fn same_foreign_key(self, a: &ForeignKey, b: &ForeignKey) -> bool {
        a == b
    }

    /// Name, and the expression if compared as written.
    pub(crate) fn same_check(self, a: &Check, b: &Check) -> bool {
        a.name == b.name && (!self.exact_expressions || a.expr == b.expr)
    }

    /// Name, table, columns in order, uniqueness, and the predicate: as text if compared as
    /// written, else whether there is one.
    pub(crate) fn same_index(self, a: &Index, b: &Index) -> bool {
        // A database rewrites expressions: against one, only whether there is one.
        let (predicates, expressions) = if self.exact_expressions {
            (a.predicate == b.predicate, a.expression == b.expression)
        } else {
            (
                a.predicate.is_some() == b.predicate.is_some(),
                a.expression.is_some() == b.expression.is_some(),
            )
        };
        (
            &a.name,
            &a.table,
            &a.columns,
            a.unique,
            &a.method,
            &a.include,
            &a.statistics,
        ) == (
            &b.name,
            &b.table,
            &b.columns,
            b.unique,
            &b.method,
            &b.include,
            &b.statistics,
        ) && predicates
            && expressions
    }

    /// An enum type's values, in order: the order is the type's sort order.
    pub(crate) fn same_enum_values(self, a: &[String], b: &[String]) -> bool {
        a == b
    }
}

impl Schema {
    /// The form in which schemas of one dialect are compared (see the module documentation).
    pub fn canonical(&self, dialect: Dialect) -> Schema {
        let mut schema = self.clone();
        for table in schema.tables.values_mut() {
            canonical_table(table);
        }
        // What the dialect's catalog does not keep.
        dialect.0.canonical(&mut schema);
        schema
    }

    /// The differences from `self` (expected) to `actual`, one readable line each; empty when
    /// they are the same. Compare canonical forms of one dialect. For a database on either side:
    /// check constraints are matched by name and partial indexes by having a predicate, since
    /// databases rewrite expressions.
    pub fn diff(&self, actual: &Schema) -> Vec<Difference> {
        self.diff_by(actual, Equality::AGAINST_DATABASE)
    }

    /// [`Schema::diff`] for two schemas written by people (the history's head and the models):
    /// check expressions and index predicates are compared as written, as `revision
    /// --autogenerate` compares them.
    pub fn diff_as_written(&self, other: &Schema) -> Vec<Difference> {
        self.diff_by(other, Equality::AS_WRITTEN)
    }

    /// [`Schema::diff`] for two schemas introspected from databases of one server version (a
    /// round trip's before and after): expressions, and the definitions of views, functions,
    /// triggers and the other named objects, are compared as the catalogs give them back.
    pub fn diff_databases(&self, actual: &Schema) -> Vec<Difference> {
        self.diff_by(actual, Equality::BETWEEN_DATABASES)
    }

    fn diff_by(&self, actual: &Schema, rules: Equality) -> Vec<Difference> {
        let mut out = Vec::new();
        if rules.objects != Objects::Ignored {
            diff_objects(self, actual, rules.objects, &mut out);
        }
        for (name, values) in &self.enums {
            match actual.enums.get(name) {
                None => out.push(Difference::missing(format!(
                    "enum type {name} ({})",
                    values.join(", ")
                ))),
                Some(v) if !rules.same_enum_values(values, v) => out.push(Difference::changed(
                    format!("enum type {name}"),
                    values.join(", "),
                    v.join(", "),
                )),
                Some(_) => {}
            }
        }
        for name in actual.enums.keys().filter(|n| !self.enums.contains_key(*n)) {
            out.push(Difference::extra(format!("enum type {name}")));
        }
        for name in self.extensions.difference(&actual.extensions) {
            out.push(Difference::missing(format!("extension {name}")));
        }
        for name in actual.extensions.difference(&self.extensions) {
            out.push(Difference::extra(format!("extension {name}")));
        }
        for (name, table) in &self.tables {
            match actual.tables.get(name) {
                None => out.push(Difference::missing(format!("table {name}"))),
                Some(other) => diff_table(table, other, rules, &mut out),
            }
        }
        for name in actual
            .tables
            .keys()
            .filter(|n| !self.tables.contains_key(*n))
        {
            out.push(Difference::extra(format!("table {name}")));
        }
        out
    }
}

/// Named objects by kind, table and name; by definition too if `objects` says so.
fn diff_objects(expected: &Schema, actual: &Schema, objects: Objects, out: &mut Vec<Difference>) {
    for (id, object) in &expected.objects {
        match actual.objects.get(id) {
            None => out.push(Difference::missing(id.to_string())),
            Some(other)
                if objects == Objects::ByDefinition && other.definition != object.definition =>
            {
                out.push(Difference::changed(
                    format!("definition of {id}"),
                    object.definition.clone(),
                    other.definition.clone(),
                ));
            }
            Some(_) => {}
        }
    }
    for id in actual.objects.keys() {
        if !expected.objects.contains_key(id) {
            out.push(Difference::extra(id.to_string()));
        }
    }
}

fn canonical_table(table: &mut Table) {
    for column in &mut table.columns {
        column.default = column.default.as_deref().map(normalize_default);
    }
    // Whether a constraint is validated is not compared: no database can be told to forget a
    // validation, so a downgrade could never restore `NOT VALID`.
    for fk in &mut table.foreign_keys {
        fk.not_valid = false;
    }
    for check in &mut table.checks {
        check.not_valid = false;
    }
    // A primary key under its default name `<table>_pkey` is one without a name given.
    if let Some(name) = table.primary_key_constraint() {
        table.set_primary_key_name(&name);
    } else {
        table.primary_key_name = None;
    }
    table.uniques.sort_by(|a, b| a.name.cmp(&b.name));
    table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    table.checks.sort_by(|a, b| a.name.cmp(&b.name));
    table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
}

fn diff_table(expected: &Table, actual: &Table, rules: Equality, out: &mut Vec<Difference>) {
    let t = &expected.name;
    diff_columns(expected, actual, rules, out);
    let show = |c: &Option<String>| c.clone().unwrap_or_else(|| "no comment".into());
    if expected.comment != actual.comment {
        out.push(Difference::changed(
            format!("comment of table {t}"),
            show(&expected.comment),
            show(&actual.comment),
        ));
    }
    for (e, a) in expected
        .columns
        .iter()
        .filter_map(|e| actual.get_column(&e.name).map(|a| (e, a)))
        .filter(|(e, a)| e.comment != a.comment)
    {
        out.push(Difference::changed(
            format!("comment of column {t}.{}", e.name),
            show(&e.comment),
            show(&a.comment),
        ));
    }
    diff_partitioning(expected, actual, rules, out);
    if (expected.unlogged, &expected.storage) != (actual.unlogged, &actual.storage) {
        let show = |t: &Table| {
            let logged = if t.unlogged { "unlogged" } else { "logged" };
            format!("{logged}, with ({})", t.storage.join(", "))
        };
        out.push(Difference::changed(
            format!("storage of {t}"),
            show(expected),
            show(actual),
        ));
    }
    if expected.row_security != actual.row_security {
        let show = |r: Option<RowSecurity>| match r {
            None => "off",
            Some(RowSecurity::Enabled) => "enabled",
            Some(RowSecurity::Forced) => "forced",
        };
        out.push(Difference::changed(
            format!("row-level security of {t}"),
            show(expected.row_security),
            show(actual.row_security),
        ));
    }
    diff_primary_key(expected, actual, rules, out);
    diff_constraints(expected, actual, rules, out);
    let describe_index = |i: &Index| {
        format!(
            "{}index {} on {t} ({}){}",
            if i.unique { "unique " } else { "" },
            i.name,
            i.expression.clone().unwrap_or_else(|| i.columns.join(", ")),
            if i.predicate.is_some() {
                " partial"
            } else {
                ""
            }
        )
    };
    list_diff(
        &expected.indexes,
        &actual.indexes,
        |a, b| rules.same_index(a, b),
        describe_index,
        out,
    );
}

/// The key's columns; for the same columns, its name.
fn diff_primary_key(expected: &Table, actual: &Table, rules: Equality, out: &mut Vec<Difference>) {
    let t = &expected.name;
    if !rules.same_primary_key(&expected.primary_key, &actual.primary_key) {
        out.push(Difference::changed(
            format!("primary key of {t}"),
            format!("({})", expected.primary_key.join(", ")),
            format!("({})", actual.primary_key.join(", ")),
        ));
    } else if let (Some(e), Some(a)) = (
        expected.primary_key_constraint(),
        actual.primary_key_constraint(),
    ) && e != a
    {
        out.push(Difference::changed(
            format!("name of the primary key of {t}"),
            e,
            a,
        ));
    }
}

/// The partition key and the parent and bound of a partition: as text where both sides spell
/// them alike, else by presence and parent (a database rewrites bounds).
fn diff_partitioning(expected: &Table, actual: &Table, rules: Equality, out: &mut Vec<Difference>) {
    let t = &expected.name;
    let show = |s: Option<&str>| s.unwrap_or("none").to_owned();
    let (e_by, a_by) = (
        expected.partition_by.as_deref(),
        actual.partition_by.as_deref(),
    );
    let same_by = if rules.exact_expressions {
        e_by == a_by
    } else {
        e_by.is_some() == a_by.is_some()
    };
    if !same_by {
        out.push(Difference::changed(
            format!("partitioning of {t}"),
            show(e_by),
            show(a_by),
        ));
    }
    let of = |p: &Option<crate::schema::PartitionOf>| {
        p.as_ref()
            .map(|p| format!("partition of {} {}", p.parent, p.bound))
    };
    let same_of = match (&expected.partition_of, &actual.partition_of) {
        (Some(e), Some(a)) => {
            e.parent == a.parent && (!rules.exact_expressions || e.bound == a.bound)
        }
        (e, a) => e.is_none() && a.is_none(),
    };
    if !same_of {
        out.push(Difference::changed(
            t.to_string(),
            show(of(&expected.partition_of).as_deref()),
            show(of(&actual.partition_of).as_deref()),
        ));
    }
}

/// A column's identity, and its sequence's options.
fn diff_sequence_and_identity(
    t: &str,
    c: &crate::schema::Column,
    a: &crate::schema::Column,
    rules: Equality,
    out: &mut Vec<Difference>,
) {
    let same_sequence = if rules.exact_expressions {
        a.sequence == c.sequence
    } else {
        a.sequence.is_some() == c.sequence.is_some()
    };
    if !same_sequence {
        let show = |s: &Option<String>| s.clone().unwrap_or_else(|| "defaults".into());
        out.push(Difference::changed(
            format!("column {t}.{} sequence options", c.name),
            show(&c.sequence),
            show(&a.sequence),
        ));
    }
    if a.identity != c.identity {
        let show = |i: Option<crate::schema::Identity>| i.map_or("not an identity", |i| i.sql());
        out.push(Difference::changed(
            format!("column {t}.{} identity", c.name),
            show(c.identity),
            show(a.identity),
        ));
    }
}

/// Columns by name: missing, changed (type, nullability, default) and extra ones.
fn diff_columns(expected: &Table, actual: &Table, rules: Equality, out: &mut Vec<Difference>) {
    let t = &expected.name;
    let actual_columns: BTreeMap<&str, _> = actual
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c))
        .collect();
    for c in &expected.columns {
        let Some(a) = actual_columns.get(c.name.as_str()) else {
            out.push(Difference::missing(format!(
                "column {t}.{} {}",
                c.name, c.ty
            )));
            continue;
        };
        if !rules.same_type(&c.ty, &a.ty) {
            out.push(Difference::changed(
                format!("column {t}.{} type", c.name),
                c.ty.sql_name(),
                a.ty.sql_name(),
            ));
        }
        if a.nullable != c.nullable {
            let word = |n: bool| if n { "NULL" } else { "NOT NULL" };
            out.push(Difference::changed(
                format!("column {t}.{}", c.name),
                word(c.nullable),
                word(a.nullable),
            ));
        }
        // PostgreSQL rewrites expressions: against a database, only whether there is one.
        let same_generated = if rules.exact_expressions {
            a.generated == c.generated
        } else {
            a.generated.is_some() == c.generated.is_some()
        };
        if !same_generated {
            let show = |g: &Option<String>| {
                g.as_ref()
                    .map_or_else(|| "not generated".into(), |e| format!("generated as {e}"))
            };
            out.push(Difference::changed(
                format!("column {t}.{}", c.name),
                show(&c.generated),
                show(&a.generated),
            ));
        }
        diff_sequence_and_identity(t, c, a, rules, out);
        if a.statistics != c.statistics {
            let show =
                |s: Option<i32>| s.map_or_else(|| "the default".to_owned(), |s| s.to_string());
            out.push(Difference::changed(
                format!("column {t}.{} statistics target", c.name),
                show(c.statistics),
                show(a.statistics),
            ));
        }
        if !rules.same_default(c.default.as_deref(), a.default.as_deref()) {
            let show = |d: &Option<String>| d.clone().unwrap_or_else(|| "no default".into());
            out.push(Difference::changed(
                format!("column {t}.{} default", c.name),
                show(&c.default),
                show(&a.default),
            ));
        }
    }
    for c in actual
        .columns
        .iter()
        .filter(|c| expected.get_column(&c.name).is_none())
    {
        out.push(Difference::extra(format!("column {t}.{} {}", c.name, c.ty)));
    }
}

/// Unique, foreign-key and check constraints: missing and extra ones.
fn diff_constraints(expected: &Table, actual: &Table, rules: Equality, out: &mut Vec<Difference>) {
    let t = &expected.name;
    // SQLite's canonical form has no constraint names.
    let label = |kind: &str, name: &str| {
        if name.is_empty() {
            kind.to_owned()
        } else {
            format!("{kind} {name}")
        }
    };
    let describe_unique = |u: &Unique| {
        format!(
            "{} ({}) on {t}",
            label("unique", &u.name),
            u.columns.join(", ")
        )
    };
    list_diff(
        &expected.uniques,
        &actual.uniques,
        |a, b| rules.same_unique(a, b),
        describe_unique,
        out,
    );
    let describe_fk = |f: &ForeignKey| {
        format!(
            "{} ({}) on {t} -> {} ({}) on delete {} on update {}{}",
            label("foreign key", &f.name),
            f.columns.join(", "),
            f.ref_table,
            f.ref_columns.join(", "),
            f.on_delete.sql(),
            f.on_update.sql(),
            f.deferrable
                .map_or_else(String::new, |d| format!(" {}", d.sql()))
        )
    };
    list_diff(
        &expected.foreign_keys,
        &actual.foreign_keys,
        |a, b| rules.same_foreign_key(a, b),
        describe_fk,
        out,
    );
    list_diff(
        &expected.checks,
        &actual.checks,
        |a, b| rules.same_check(a, b),
        |c| format!("check {} on {t}", c.name),
        out,
    );
}

/// The items of `expected` that `actual` lacks (missing), and those of `actual` that `expected`
/// lacks (extra), under `same`.
fn list_diff<T>(
    expected: &[T],
    actual: &[T],
    same: impl Fn(&T, &T) -> bool,
    describe: impl Fn(&T) -> String,
    out: &mut Vec<Difference>,
) {
    for item in expected
        .iter()
        .filter(|i| !actual.iter().any(|a| same(i, a)))
    {
        out.push(Difference::missing(describe(item)));
    }
    for item in actual
        .iter()
        .filter(|i| !expected.iter().any(|e| same(e, i)))
    {
        out.push(Difference::extra(describe(item)));
    }
}

/// One difference between an expected and an actual schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// Expected, not there.
    Missing(String),
    /// There, not expected.
    Extra(String),
    /// There, but not as expected.
    Changed {
        what: String,
        expected: String,
        actual: String,
    },
}

impl Difference {
    fn missing(what: String) -> Difference {
        Difference::Missing(what)
    }
    fn extra(what: String) -> Difference {
        Difference::Extra(what)
    }
    fn changed(what: String, expected: impl Into<String>, actual: impl Into<String>) -> Difference {
        Difference::Changed {
            what,
            expected: expected.into(),
            actual: actual.into(),
        }
    }
}

impl Difference {
    /// The difference in words that name both sides: `expected` is the side the comparison
    /// started from (the history), `actual` the other (the models, the database).
    pub fn between(&self, expected: &str, actual: &str) -> String {
        match self {
            Difference::Missing(what) => format!("{what} is in {expected}, not in {actual}"),
            Difference::Extra(what) => format!("{what} is in {actual}, not in {expected}"),
            Difference::Changed {
                what,
                expected: e,
                actual: a,
            } => format!("{what} is {e} in {expected}, {a} in {actual}"),
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Missing(what) => write!(f, "- {what} (expected, missing)"),
            Difference::Extra(what) => write!(f, "+ {what} (not expected)"),
            Difference::Changed {
                what,
                expected,
                actual,
            } => write!(f, "~ {what}: expected {expected}, found {actual}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Equality, normalize_default};
    use crate::schema::{Action, Check, ColumnType, ForeignKey, Index, Schema, Table, Unique};

    #[test]
    fn a_cast_inside_a_call_stays() {
        assert_eq!(
            normalize_default("nextval('invoice_numbers'::regclass)"),
            "nextval('invoice_numbers')"
        );
        assert_eq!(normalize_default("f('a'::text)"), "f('a'::text)");
        assert_eq!(normalize_default("(now())::date"), "now()");
    }

    #[test]
    fn postgres_casts_are_dropped_from_defaults() {
        assert_eq!(
            normalize_default("'pending'::character varying"),
            "'pending'"
        );
        assert_eq!(normalize_default("(0)::numeric"), "0");
        assert_eq!(normalize_default("'a::b'::text"), "'a::b'");
        assert_eq!(normalize_default("CURRENT_TIMESTAMP"), "CURRENT_TIMESTAMP");
        assert_eq!(normalize_default("true"), "true");
    }

    fn index(predicate: Option<&str>) -> Index {
        Index {
            name: "ix_payments_open".into(),
            table: "payments".into(),
            columns: vec!["status".into()],
            unique: false,
            predicate: predicate.map(Into::into),
            method: None,
            expression: None,
            include: Vec::new(),
            statistics: Vec::new(),
        }
    }

    #[test]
    fn expressions_compare_as_text_as_written_and_by_presence_against_a_database() {
        let check = |expr: &str| Check {
            name: "ck_amount".into(),
            expr: expr.into(),
            not_valid: false,
        };
        let rewritten = check("(amount > (0)::numeric)");
        assert!(Equality::AS_WRITTEN.same_check(&check("amount > 0"), &check("amount > 0")));
        assert!(!Equality::AS_WRITTEN.same_check(&check("amount > 0"), &rewritten));
        assert!(Equality::AGAINST_DATABASE.same_check(&check("amount > 0"), &rewritten));
        let other_name = Check {
            name: "ck_other".into(),
            ..check("amount > 0")
        };
        for rules in [Equality::AS_WRITTEN, Equality::AGAINST_DATABASE] {
            assert!(!rules.same_check(&check("amount > 0"), &other_name));
            assert!(!rules.same_index(&index(Some("open")), &index(None)));
            assert!(rules.same_index(&index(None), &index(None)));
        }
        assert!(!Equality::AS_WRITTEN.same_index(&index(Some("open")), &index(Some("closed"))));
        assert!(
            Equality::AGAINST_DATABASE.same_index(&index(Some("open")), &index(Some("(open)")))
        );
    }

    #[test]
    fn the_other_rules_are_the_same_either_way() {
        for rules in [Equality::AS_WRITTEN, Equality::AGAINST_DATABASE] {
            assert!(rules.same_default(Some("'pending'::character varying"), Some("'pending'")));
            assert!(rules.same_default(None, None));
            assert!(!rules.same_default(Some("0"), None));
            assert!(rules.same_type(&ColumnType::Varchar(50), &ColumnType::Varchar(50)));
            assert!(!rules.same_type(&ColumnType::Varchar(50), &ColumnType::Text));
            let (a, b) = (
                ["a".to_owned(), "b".to_owned()],
                ["b".to_owned(), "a".to_owned()],
            );
            assert!(
                !rules.same_primary_key(&a, &b),
                "the key's column order counts"
            );
            assert!(
                !rules.same_enum_values(&a, &b),
                "an enum's value order counts"
            );
            let unique = |name: &str| Unique {
                name: name.into(),
                columns: a.to_vec(),
            };
            assert!(rules.same_unique(&unique("uq"), &unique("uq")));
            assert!(!rules.same_unique(&unique("uq"), &unique("uq2")));
            let mut fk = ForeignKey::new("fk", ["user_id"], "users", ["id"]);
            let plain = fk.clone();
            fk.on_delete(Action::Cascade);
            assert!(!rules.same_foreign_key(&plain, &fk));
        }
    }

    #[test]
    fn diff_matches_expressions_by_presence_and_diff_as_written_by_text() {
        let schema = |expr: &str| {
            let mut table = Table::new("payments");
            table.column("amount", ColumnType::Integer);
            table.check("ck_amount", expr);
            let mut schema = Schema::default();
            schema.tables.insert("payments".into(), table);
            schema
        };
        let (head, models) = (schema("amount > 0"), schema("amount >= 0"));
        assert!(head.diff(&models).is_empty());
        assert_eq!(
            head.diff_as_written(&models)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [
                "- check ck_amount on payments (expected, missing)",
                "+ check ck_amount on payments (not expected)"
            ]
        );
    }
}
