//! Named SQL objects: views, materialized views, functions, triggers, sequences, domains,
//! row-level-security policies and indexes on materialized views.
//!
//! The model knows them by name and by the SQL that creates them; it does not parse that SQL.
//! PostgreSQL rewrites such definitions (and its canonical text differs between major versions),
//! so the fold and a database are compared by name, and two databases by the text their catalogs
//! give back (`pg_get_viewdef`, `pg_get_functiondef`, `pg_get_triggerdef`, ...).

use std::fmt;

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
    /// The object of `kind`; `table` for triggers, policies and indexes on materialized views,
    /// which belong to one.
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
}

/// Row-level security on a table (PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowSecurity {
    /// `ENABLE ROW LEVEL SECURITY`: policies bind every role but the table's owner.
    Enabled,
    /// Enabled and `FORCE`d: policies bind the owner too.
    Forced,
}
