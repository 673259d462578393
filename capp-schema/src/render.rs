//! Renders operations to SQL: the [`Dialect`] handle and what every dialect shares.
//!
//! Identifiers are always quoted; the only text that enters SQL unquoted is what a migration's
//! author wrote as SQL on purpose (`execute`, defaults given with `default_sql`, check and
//! partial-index expressions). Values given as values (`default_str`, enum values) are escaped.
//!
//! Folding and rendering are two steps: [`Schema::apply`] folds an operation into the schema, and
//! [`Dialect::statements`] renders it from the schema after it (and, for the operations a dialect
//! rebuilds a table for, the table before it). [`render`] does both for one operation. Each
//! dialect lives in its backend module (`backend::postgres`, `backend::sqlite`), compiled with
//! its feature.

// Built with only some backends, parts of what the backends share serve none of them.
#![cfg_attr(not(all(feature = "postgres", feature = "sqlite")), allow(dead_code))]

use std::fmt::{self, Write as _};

use crate::ops::Operation;
use crate::schema::{Column, ColumnType, FoldError, Identity, Index, Schema, Table};

/// What a dialect knows: how to spell types and operations, and what its catalog keeps.
pub(crate) trait SqlDialect: Sync {
    /// The name users see: `postgresql`, `sqlite`.
    fn name(&self) -> &'static str;

    /// How to back the database up before a destructive step, in a few words.
    fn backup_hint(&self) -> &'static str;

    /// A column type as this dialect declares it.
    fn column_type(&self, ty: &ColumnType) -> String;

    /// The table `op` may rebuild, whose state before `op` [`SqlDialect::statements`] needs.
    fn rebuilds<'o>(&self, _op: &'o Operation) -> Option<&'o str> {
        None
    }

    /// The statements of `op`; `before` is the table [`SqlDialect::rebuilds`] named, as it was
    /// before `op`, and `after` the whole schema after it.
    fn statements(
        &self,
        op: &Operation,
        before: Option<&Table>,
        after: &Schema,
    ) -> Result<Vec<String>, FoldError>;

    /// Whether every migration runs in a transaction here, even one declared
    /// `transactional = false` (SQLite: DDL is transactional and nothing needs to run outside).
    fn always_in_a_transaction(&self) -> bool {
        false
    }

    /// Whether the database keeps constraint names and everything else the models name, so
    /// that its introspected schema can stand in for the history's (`--against-database`).
    fn keeps_constraint_names(&self) -> bool {
        true
    }

    /// Whether a live database of this dialect can be adopted (see [`Dialect::adoptable`]).
    fn adoptable(&self) -> bool {
        false
    }

    /// The statement that opens a migration's transaction in a script.
    fn begin(&self) -> &'static str {
        "BEGIN"
    }

    /// The statement that makes `schema` the whole search path for the rest of the open
    /// transaction (a tenant's schema); `None` where the database has no schemas.
    fn search_path(&self, _schema: &str) -> Option<String> {
        None
    }

    /// Brings a schema to the form in which this dialect's schemas are compared: what its catalog
    /// does not keep is dropped from both sides.
    fn canonical(&self, _schema: &mut Schema) {}

    /// `statement` (one that should touch exactly one row) made to fail with `refusal` when it
    /// touches none, inside the same statement batch. The default is the statement as it is: the
    /// backend then checks the count itself.
    fn one_row(&self, statement: &str, _refusal: &str) -> String {
        statement.to_owned()
    }

    /// SQL for who runs a step, as the server sees it: the database user, the client's address,
    /// the application name (`NULL` where the database has no such thing).
    fn audit_sql(&self) -> (&'static str, &'static str, &'static str) {
        ("NULL", "NULL", "NULL")
    }

    /// The column types of the runner's history table: its key, and its timestamp with default.
    fn history_columns(&self) -> (&'static str, &'static str);
}

/// An SQL dialect: [`Dialect::POSTGRES`] (feature `postgres`) or [`Dialect::SQLITE`] (feature
/// `sqlite`).
#[derive(Clone, Copy)]
pub struct Dialect(pub(crate) &'static dyn SqlDialect);

impl Dialect {
    /// The statements of `op` on a database whose schema was `before_table` (the table `op`
    /// rebuilds, if any: see [`Dialect::rebuilds`]) and is `after` once `op` has run.
    pub fn statements(
        self,
        op: &Operation,
        before_table: Option<&Table>,
        after: &Schema,
    ) -> Result<Vec<String>, FoldError> {
        self.0.statements(op, before_table, after)
    }

    /// The table whose state before `op` [`Dialect::statements`] needs, if any.
    pub fn rebuilds(self, op: &Operation) -> Option<&str> {
        self.0.rebuilds(op)
    }

    /// Whether every migration runs in a transaction in this dialect.
    pub fn always_in_a_transaction(self) -> bool {
        self.0.always_in_a_transaction()
    }

    /// How to back the database up before a destructive step: `pg_dump`, a copy of the file.
    pub fn backup_hint(self) -> &'static str {
        self.0.backup_hint()
    }

    /// Whether the database keeps constraint names (see `--against-database`).
    pub fn keeps_constraint_names(self) -> bool {
        self.0.keeps_constraint_names()
    }

    /// Whether a live database of this dialect can be adopted (`capp-schema adopt`): its
    /// catalog gives back everything a baseline must build.
    pub fn adoptable(self) -> bool {
        self.0.adoptable()
    }

    /// The statement opening a migration's transaction.
    pub fn begin(self) -> &'static str {
        self.0.begin()
    }

    /// The statement that makes `schema` the whole search path for the rest of the open
    /// transaction; `None` where the database has no schemas.
    pub fn search_path(self, schema: &str) -> Option<String> {
        self.0.search_path(schema)
    }

    /// A column type as this dialect declares it.
    pub fn column_type(self, ty: &ColumnType) -> String {
        self.0.column_type(ty)
    }
}

impl PartialEq for Dialect {
    fn eq(&self, other: &Dialect) -> bool {
        self.0.name() == other.0.name()
    }
}

impl Eq for Dialect {}

impl std::hash::Hash for Dialect {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.name().hash(state);
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

impl fmt::Debug for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dialect({})", self.0.name())
    }
}

/// Folds `op` into `schema` (which checks that it fits: an unknown table or a duplicate column
/// is an error) and renders its statements, so that consecutive calls render a whole history.
/// Only the table a dialect rebuilds is copied.
pub fn render(
    op: &Operation,
    dialect: Dialect,
    schema: &mut Schema,
) -> Result<Vec<String>, FoldError> {
    let before = match dialect.rebuilds(op) {
        Some(table) => Some(schema.table(table)?.clone()),
        None => None,
    };
    schema.apply(op)?;
    dialect.statements(op, before.as_ref(), schema)
}

/// Quotes an identifier: `users` becomes `"users"`, `a"b` becomes `"a""b"`.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

thread_local! {
    /// The schema the statements being rendered on this thread qualify their relations with
    /// (see [`in_schema`]).
    static SCHEMA: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Runs `render` (synchronous: it cannot move to another thread) with every relation it names,
/// through [`rel`], qualified with `schema`: a tenant's schema, where one history is applied to
/// many schemas of one database. `None` leaves names as they are.
pub(crate) fn in_schema<T>(schema: Option<&str>, render: impl FnOnce() -> T) -> T {
    let before = SCHEMA.with(|s| s.replace(schema.map(str::to_owned)));
    let out = render();
    SCHEMA.with(|s| *s.borrow_mut() = before);
    out
}

/// The schema [`in_schema`] set, if any.
pub(crate) fn current_schema() -> Option<String> {
    SCHEMA.with(|s| s.borrow().clone())
}

/// A relation's name as a statement names an existing one (a table, an index, a type, a
/// sequence, a view): quoted, and qualified with the schema of [`in_schema`] if any. Names that
/// a statement gives a new relation in its own schema (`CREATE INDEX name`, `RENAME TO name`),
/// and names of columns and constraints, stay [`ident`].
pub(crate) fn rel(name: &str) -> String {
    match current_schema() {
        Some(schema) => format!("{}.{}", ident(&schema), ident(name)),
        None => ident(name),
    }
}

pub(crate) fn ident_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn column_def(column: &Column, dialect: &dyn SqlDialect) -> String {
    // A serial column is declared by its pseudo-type, which makes the sequence.
    let ty = match (column.identity, &column.ty) {
        (Some(Identity::Serial), ColumnType::SmallInt) => "SMALLSERIAL".to_owned(),
        (Some(Identity::Serial), ColumnType::BigInt) => "BIGSERIAL".to_owned(),
        (Some(Identity::Serial), _) => "SERIAL".to_owned(),
        _ => dialect.column_type(&column.ty),
    };
    let mut sql = format!("{} {ty}", ident(&column.name));
    if !column.nullable {
        sql.push_str(" NOT NULL");
    }
    if let Some(default) = &column.default {
        let _ = write!(sql, " DEFAULT {default}");
    }
    if let Some(expr) = &column.generated {
        let _ = write!(sql, " GENERATED ALWAYS AS ({expr}) STORED");
    }
    if let Some(identity) = column.identity.filter(|i| *i != Identity::Serial) {
        let _ = write!(sql, " {}", identity.sql());
        if let Some(options) = &column.sequence {
            let _ = write!(sql, " ({options})");
        }
    }
    sql
}

pub(crate) fn unique_sql(u: &crate::schema::Unique) -> String {
    format!(
        "CONSTRAINT {} UNIQUE ({})",
        ident(&u.name),
        ident_list(&u.columns)
    )
}

pub(crate) fn foreign_key_sql(fk: &crate::schema::ForeignKey) -> String {
    let mut sql = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        ident(&fk.name),
        ident_list(&fk.columns),
        rel(&fk.ref_table),
        ident_list(&fk.ref_columns)
    );
    if fk.on_delete != Default::default() {
        let _ = write!(sql, " ON DELETE {}", fk.on_delete.sql());
    }
    if fk.on_update != Default::default() {
        let _ = write!(sql, " ON UPDATE {}", fk.on_update.sql());
    }
    if let Some(deferral) = fk.deferrable {
        let _ = write!(sql, " {}", deferral.sql());
    }
    sql
}

pub(crate) fn check_sql(c: &crate::schema::Check) -> String {
    format!("CONSTRAINT {} CHECK ({})", ident(&c.name), c.expr)
}

/// `CREATE TABLE name (...)` for `table`, under `name` (a batch rebuild's temporary name).
pub(crate) fn create_table(table: &Table, dialect: &dyn SqlDialect, name: &str) -> String {
    let mut parts: Vec<String> = table
        .columns
        .iter()
        .map(|c| column_def(c, dialect))
        .collect();
    if let Some(key) = table.primary_key_constraint() {
        parts.push(format!(
            "CONSTRAINT {} PRIMARY KEY ({})",
            ident(&key),
            ident_list(&table.primary_key)
        ));
    }
    parts.extend(table.uniques.iter().map(unique_sql));
    parts.extend(table.foreign_keys.iter().map(foreign_key_sql));
    parts.extend(table.checks.iter().map(check_sql));
    // A partition takes its columns from its parent: only its own constraints are listed.
    if let Some(of) = &table.partition_of {
        let own = if parts.is_empty() {
            String::new()
        } else {
            format!(" (\n    {}\n)", parts.join(",\n    "))
        };
        return format!(
            "CREATE TABLE {} PARTITION OF {}{own} {}",
            rel(name),
            rel(&of.parent),
            of.bound
        );
    }
    let partitioned = table
        .partition_by
        .as_ref()
        .map(|by| format!(" PARTITION BY {by}"))
        .unwrap_or_default();
    let storage = if table.storage.is_empty() {
        String::new()
    } else {
        format!(" WITH ({})", table.storage.join(", "))
    };
    format!(
        "CREATE {}TABLE {} (\n    {}\n){partitioned}{storage}",
        if table.unlogged { "UNLOGGED " } else { "" },
        rel(name),
        parts.join(",\n    ")
    )
}

/// `CREATE TABLE` with the table's indexes after it.
pub(crate) fn create_table_with_indexes(table: &Table, dialect: &dyn SqlDialect) -> Vec<String> {
    let mut out = vec![create_table(table, dialect, &table.name)];
    out.extend(table.indexes.iter().map(|i| create_index(i, false)));
    out
}

pub(crate) fn create_index(index: &Index, concurrently: bool) -> String {
    let mut sql = String::from("CREATE ");
    if index.unique {
        sql.push_str("UNIQUE ");
    }
    sql.push_str("INDEX ");
    if concurrently {
        sql.push_str("CONCURRENTLY ");
    }
    let _ = write!(sql, "{} ON {}", ident(&index.name), rel(&index.table));
    if let Some(method) = &index.method {
        let _ = write!(sql, " USING {}", ident(method));
    }
    match &index.expression {
        Some(elements) => {
            let _ = write!(sql, " ({elements})");
        }
        None => {
            let _ = write!(sql, " ({})", ident_list(&index.columns));
        }
    }
    if !index.include.is_empty() {
        let _ = write!(sql, " INCLUDE ({})", ident_list(&index.include));
    }
    if let Some(predicate) = &index.predicate {
        let _ = write!(sql, " WHERE {predicate}");
    }
    sql
}

/// Schemas the backends' unit tests start from.
#[cfg(all(test, any(feature = "postgres", feature = "sqlite")))]
pub(crate) mod fixtures {
    use crate::{ColumnType, Operations, Schema};

    /// `users (id UUID PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE INDEX)`, folded.
    pub(crate) fn users() -> Schema {
        let mut op = Operations::default();
        op.create_table("users", |t| {
            t.column("id", ColumnType::Uuid);
            t.column("email", ColumnType::Varchar(255)).not_null();
            t.primary_key(["id"]);
            t.index("ix_users_email", ["email"]).unique();
        });
        let mut schema = Schema::default();
        for o in op.operations() {
            schema.apply(o).unwrap();
        }
        schema
    }
}
