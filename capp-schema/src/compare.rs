//! Comparing schemas: the canonical form both sides are brought to, and a readable diff.
//!
//! Databases spell some things their own way, so comparison is over a canonical form:
//! - check constraints and partial-index predicates are compared by name and presence, not by
//!   expression (PostgreSQL rewrites `amount > 0` as `(amount > (0)::numeric)`);
//! - defaults lose PostgreSQL's casts (`'pending'::character varying` is `'pending'`);
//! - on SQLite, which keeps no names for unique and foreign-key constraints and no checks in its
//!   catalog, those are compared by their columns, and checks not at all; enum types are TEXT.

use std::collections::BTreeMap;
use std::fmt;

use crate::render::Dialect;
use crate::schema::{Schema, Table};

/// Strips PostgreSQL's casts from a default: `'x'::character varying` is `'x'`, `(0)::numeric`
/// is `0`.
pub(crate) fn normalize_default(default: &str) -> String {
    let mut d = default.trim().to_owned();
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

fn last_cast(s: &str) -> Option<usize> {
    let mut in_quote = false;
    let mut last = None;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => in_quote = !in_quote,
            b':' if !in_quote && bytes.get(i + 1) == Some(&b':') => {
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
    /// they are the same. Compare canonical forms of one dialect.
    pub fn diff(&self, actual: &Schema) -> Vec<Difference> {
        let mut out = Vec::new();
        for (name, values) in &self.enums {
            match actual.enums.get(name) {
                None => out.push(Difference::missing(format!(
                    "enum type {name} ({})",
                    values.join(", ")
                ))),
                Some(v) if v != values => out.push(Difference::changed(
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
        for (name, table) in &self.tables {
            match actual.tables.get(name) {
                None => out.push(Difference::missing(format!("table {name}"))),
                Some(other) => diff_table(table, other, &mut out),
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

fn canonical_table(table: &mut Table) {
    for column in &mut table.columns {
        column.default = column.default.as_deref().map(normalize_default);
    }
    for check in &mut table.checks {
        check.expr.clear();
    }
    for index in &mut table.indexes {
        if index.predicate.is_some() {
            index.predicate = Some(String::new());
        }
    }
    table.uniques.sort_by(|a, b| a.name.cmp(&b.name));
    table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    table.checks.sort_by(|a, b| a.name.cmp(&b.name));
    table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
}

fn diff_table(expected: &Table, actual: &Table, out: &mut Vec<Difference>) {
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
        if a.ty != c.ty {
            out.push(Difference::changed(
                format!("column {t}.{} type", c.name),
                c.ty.to_string(),
                a.ty.to_string(),
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
        if a.default != c.default {
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
    if expected.primary_key != actual.primary_key {
        out.push(Difference::changed(
            format!("primary key of {t}"),
            format!("({})", expected.primary_key.join(", ")),
            format!("({})", actual.primary_key.join(", ")),
        ));
    }
    // SQLite's canonical form has no constraint names.
    let label = |kind: &str, name: &str| {
        if name.is_empty() {
            kind.to_owned()
        } else {
            format!("{kind} {name}")
        }
    };
    let describe_unique = |u: &crate::schema::Unique| {
        format!(
            "{} ({}) on {t}",
            label("unique", &u.name),
            u.columns.join(", ")
        )
    };
    list_diff(&expected.uniques, &actual.uniques, describe_unique, out);
    let describe_fk = |f: &crate::schema::ForeignKey| {
        format!(
            "{} ({}) on {t} -> {} ({}) on delete {} on update {}",
            label("foreign key", &f.name),
            f.columns.join(", "),
            f.ref_table,
            f.ref_columns.join(", "),
            f.on_delete.sql(),
            f.on_update.sql()
        )
    };
    list_diff(
        &expected.foreign_keys,
        &actual.foreign_keys,
        describe_fk,
        out,
    );
    list_diff(
        &expected.checks,
        &actual.checks,
        |c| format!("check {} on {t}", c.name),
        out,
    );
    let describe_index = |i: &crate::schema::Index| {
        format!(
            "{}index {} on {t} ({}){}",
            if i.unique { "unique " } else { "" },
            i.name,
            i.columns.join(", "),
            if i.predicate.is_some() {
                " partial"
            } else {
                ""
            }
        )
    };
    list_diff(&expected.indexes, &actual.indexes, describe_index, out);
}

fn list_diff<T: PartialEq>(
    expected: &[T],
    actual: &[T],
    describe: impl Fn(&T) -> String,
    out: &mut Vec<Difference>,
) {
    for item in expected.iter().filter(|i| !actual.contains(i)) {
        out.push(Difference::missing(describe(item)));
    }
    for item in actual.iter().filter(|i| !expected.contains(i)) {
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
    use super::normalize_default;

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
}
