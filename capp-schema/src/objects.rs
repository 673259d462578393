//! Named SQL objects: views, materialized views, functions, triggers, sequences, domains,
//! row-level-security policies and indexes on materialized views.
//!
//! The model knows them by name and by the SQL that creates them; it does not parse that SQL.
//! PostgreSQL rewrites such definitions (and its canonical text differs between major versions),
//! so the fold and a database are compared by name, and two databases by the text their catalogs
//! give back (`pg_get_viewdef`, `pg_get_functiondef`, `pg_get_triggerdef`, ...).

use std::fmt;

use crate::render::ident;

/// What kind of named object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// `CREATE SEQUENCE name <definition>`: the options (`AS bigint START WITH 1 ...`). Only a
    /// sequence no identity or serial column owns; those belong to their column.
    Sequence,
    /// `CREATE DOMAIN name AS <definition>`: the base type and its constraints.
    Domain,
    /// A function or procedure: `name` is its signature (`touch(integer, text)`), `definition`
    /// the whole `CREATE FUNCTION` statement.
    Function,
    /// An operator: `name` is its symbol with its argument types (`~<<(text, text)`),
    /// `definition` the whole `CREATE OPERATOR` statement.
    Operator,
    /// `CREATE VIEW name AS <definition>`: the query.
    View,
    /// `CREATE MATERIALIZED VIEW name AS <definition>`: the query.
    MaterializedView,
    /// An index on a materialized view: the whole `CREATE INDEX` statement; `table` is the view.
    ViewIndex,
    /// A trigger: the whole `CREATE TRIGGER` statement; `table` is its table.
    Trigger,
    /// A row-level-security policy: the whole `CREATE POLICY` statement; `table` is its table.
    Policy,
}

impl ObjectKind {
    /// Every kind, in the order a schema creates them (a domain or sequence may be used by a
    /// function, a function by a view, a view by a materialized view, ...).
    pub const ALL: [ObjectKind; 9] = [
        ObjectKind::Sequence,
        ObjectKind::Domain,
        ObjectKind::Function,
        ObjectKind::Operator,
        ObjectKind::View,
        ObjectKind::MaterializedView,
        ObjectKind::ViewIndex,
        ObjectKind::Trigger,
        ObjectKind::Policy,
    ];

    /// The kind in words: `view`, `materialized view`.
    pub fn noun(self) -> &'static str {
        match self {
            ObjectKind::Sequence => "sequence",
            ObjectKind::Domain => "domain",
            ObjectKind::Function => "function",
            ObjectKind::Operator => "operator",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized view",
            ObjectKind::ViewIndex => "index on a materialized view",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Policy => "policy",
        }
    }

    /// Whether an object of this kind belongs to a table (or materialized view), whose name
    /// then completes its own.
    pub fn on_a_table(self) -> bool {
        matches!(
            self,
            ObjectKind::Trigger | ObjectKind::Policy | ObjectKind::ViewIndex
        )
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

/// Which object: its kind, its table for the kinds that have one, and its name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId {
    pub kind: ObjectKind,
    pub table: Option<String>,
    pub name: String,
}

impl fmt::Display for ObjectId {
    /// `view active_users`, `trigger touch on users`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.table {
            Some(table) => write!(f, "{} {} on {table}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// A named SQL object, as the SQL that creates it (see [`ObjectKind`] for what `definition`
/// holds per kind).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SqlObject {
    pub id: ObjectId,
    pub definition: String,
}

impl SqlObject {
    /// The object of `kind`; `table` for the kinds [`ObjectKind::on_a_table`].
    pub fn new(
        kind: ObjectKind,
        name: impl Into<String>,
        table: Option<&str>,
        definition: impl Into<String>,
    ) -> SqlObject {
        SqlObject {
            id: ObjectId {
                kind,
                table: table.map(str::to_owned),
                name: name.into(),
            },
            definition: definition.into(),
        }
    }

    /// The statement that creates it, on PostgreSQL.
    pub fn create_sql(&self) -> String {
        let name = ident(&self.id.name);
        let def = self.definition.trim().trim_end_matches(';').trim_end();
        match self.id.kind {
            ObjectKind::Sequence => format!("CREATE SEQUENCE {name} {def}"),
            ObjectKind::Domain => format!("CREATE DOMAIN {name} AS {def}"),
            ObjectKind::View => format!("CREATE VIEW {name} AS {def}"),
            ObjectKind::MaterializedView => format!("CREATE MATERIALIZED VIEW {name} AS {def}"),
            ObjectKind::Function
            | ObjectKind::Operator
            | ObjectKind::ViewIndex
            | ObjectKind::Trigger
            | ObjectKind::Policy => def.to_owned(),
        }
    }

    /// The statement that drops it, on PostgreSQL.
    pub fn drop_sql(&self) -> String {
        drop_sql(&self.id)
    }
}

/// The statement that drops the object `id`, on PostgreSQL.
pub fn drop_sql(id: &ObjectId) -> String {
    let name = ident(&id.name);
    let on = id.table.as_deref().map(ident).unwrap_or_default();
    match id.kind {
        ObjectKind::Sequence => format!("DROP SEQUENCE {name}"),
        ObjectKind::Domain => format!("DROP DOMAIN {name}"),
        // The signature as written: `touch(integer, text)`; `ROUTINE` drops functions and
        // procedures alike.
        ObjectKind::Function => format!("DROP ROUTINE {}", id.name),
        // `~<<(text, text)` is dropped as `DROP OPERATOR ~<< (text, text)`.
        ObjectKind::Operator => {
            let (symbol, arguments) = id.name.split_once('(').unwrap_or((&id.name, ")"));
            format!("DROP OPERATOR {symbol} ({arguments}")
        }
        ObjectKind::View => format!("DROP VIEW {name}"),
        ObjectKind::MaterializedView => format!("DROP MATERIALIZED VIEW {name}"),
        ObjectKind::ViewIndex => format!("DROP INDEX {name}"),
        ObjectKind::Trigger => format!("DROP TRIGGER {name} ON {on}"),
        ObjectKind::Policy => format!("DROP POLICY {name} ON {on}"),
    }
}

/// Row-level security on a table (PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowSecurity {
    /// `ENABLE ROW LEVEL SECURITY`: policies bind every role but the table's owner.
    Enabled,
    /// Enabled and `FORCE`d: policies bind the owner too.
    Forced,
}

/// The statements that set `table`'s row-level security to `to`.
pub(crate) fn row_security_sql(table: &str, to: Option<RowSecurity>) -> Vec<String> {
    let alter = |rest: &str| format!("ALTER TABLE {} {rest}", ident(table));
    match to {
        None => vec![
            alter("NO FORCE ROW LEVEL SECURITY"),
            alter("DISABLE ROW LEVEL SECURITY"),
        ],
        Some(RowSecurity::Enabled) => vec![
            alter("ENABLE ROW LEVEL SECURITY"),
            alter("NO FORCE ROW LEVEL SECURITY"),
        ],
        Some(RowSecurity::Forced) => vec![
            alter("ENABLE ROW LEVEL SECURITY"),
            alter("FORCE ROW LEVEL SECURITY"),
        ],
    }
}

/// The options of a column's sequence that differ from what `SERIAL` or `GENERATED ... AS
/// IDENTITY` makes for a column of type `column_type`: a sequence of that type from 1 (or, going
/// down, from -1), by 1, over the type's range, one value cached, not cycling. `values` are the
/// start, increment, minimum, maximum and cache, as `pg_sequence` holds them.
pub(crate) fn sequence_options(
    column_type: &str,
    ty: &str,
    values: [i64; 5],
    cycle: bool,
) -> String {
    let [start, increment, min, max, cache] = values;
    let range = |ty: &str| match ty {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let (low, high) = range(ty);
    let (default_min, default_max) = if increment > 0 { (1, high) } else { (low, -1) };
    let default_start = if increment > 0 { min } else { max };
    let mut parts = Vec::new();
    if ty != column_type {
        parts.push(format!("AS {ty}"));
    }
    if increment != 1 {
        parts.push(format!("INCREMENT BY {increment}"));
    }
    if min != default_min {
        parts.push(format!("MINVALUE {min}"));
    }
    if max != default_max {
        parts.push(format!("MAXVALUE {max}"));
    }
    if start != default_start {
        parts.push(format!("START WITH {start}"));
    }
    if cache != 1 {
        parts.push(format!("CACHE {cache}"));
    }
    if cycle {
        parts.push("CYCLE".to_owned());
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_creates_and_drops_by_name() {
        let view = SqlObject::new(ObjectKind::View, "active", None, "SELECT 1;");
        assert_eq!(view.create_sql(), "CREATE VIEW \"active\" AS SELECT 1");
        assert_eq!(view.drop_sql(), "DROP VIEW \"active\"");
        let trigger = SqlObject::new(
            ObjectKind::Trigger,
            "touch",
            Some("users"),
            "CREATE TRIGGER touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION t()",
        );
        assert_eq!(trigger.drop_sql(), "DROP TRIGGER \"touch\" ON \"users\"");
        assert_eq!(trigger.id.to_string(), "trigger touch on users");
        let function = SqlObject::new(ObjectKind::Function, "t()", None, "CREATE FUNCTION t() ...");
        assert_eq!(function.drop_sql(), "DROP ROUTINE t()");
    }

    #[test]
    fn sequence_options_are_only_what_differs_from_the_defaults() {
        let max = i64::MAX;
        assert_eq!(
            sequence_options("bigint", "bigint", [1, 1, 1, max, 1], false),
            ""
        );
        assert_eq!(
            sequence_options("integer", "bigint", [1, 1, 1, max, 1], false),
            "AS bigint"
        );
        assert_eq!(
            sequence_options("bigint", "bigint", [10_000_000, 1, 1, max, 1], false),
            "START WITH 10000000"
        );
        assert_eq!(
            sequence_options(
                "integer",
                "integer",
                [-1, -1, i64::from(i32::MIN), -1, 20],
                true
            ),
            "INCREMENT BY -1 CACHE 20 CYCLE"
        );
    }
}
