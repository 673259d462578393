//! The schema model: tables, columns, keys, indexes, constraints and enum types.
//!
//! Migrations describe changes to this model; folding a history's operations in order gives the
//! schema it produces without a database (see [`Schema::apply`]).

use std::collections::BTreeMap;
use std::fmt;

use crate::objects::{ObjectId, RowSecurity, SqlObject};

/// A column type, rendered per dialect.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnType {
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// Exact decimal with precision and scale: money.
    Numeric { precision: u8, scale: u8 },
    /// Exact decimal of any precision (`NUMERIC` without arguments).
    NumericUnbounded,
    /// Single-precision float (`REAL`).
    Real,
    /// Double-precision float.
    Double,
    /// `true`/`false`.
    Boolean,
    /// Unbounded text.
    Text,
    /// Text of at most `n` characters.
    Varchar(u32),
    /// Text of exactly `n` characters, blank-padded (`CHAR(n)`).
    Char(u32),
    /// A UUID.
    Uuid,
    /// A calendar date.
    Date,
    /// An instant, with time zone.
    TimestampTz,
    /// A date and time without time zone (SQLAlchemy's default `DateTime`).
    Timestamp,
    /// A time of day, without time zone.
    Time,
    /// A length of time (`INTERVAL`).
    Interval,
    /// JSON, binary on PostgreSQL.
    Jsonb,
    /// JSON as text, kept as written (`JSON`).
    Json,
    /// An IPv4 or IPv6 host address, with its netmask (`INET`).
    Inet,
    /// An array of another type (PostgreSQL; SQLite has none).
    Array(Box<ColumnType>),
    /// Raw bytes.
    Bytes,
    /// A PostgreSQL enum type created with `create_enum` (TEXT on SQLite).
    Enum(String),
    /// A type this model does not know, as the database names it (from introspection).
    Other(String),
}

impl ColumnType {
    /// The type as SQL spells it, PostgreSQL's way: `NUMERIC(20, 8)`, `TIMESTAMPTZ`; an enum type
    /// by its name. (Rendering for SQLite, which has no enum types and calls bytes `BLOB`, adapts
    /// this per dialect.)
    pub fn sql_name(&self) -> String {
        match self {
            ColumnType::SmallInt => "SMALLINT".to_owned(),
            ColumnType::Integer => "INTEGER".to_owned(),
            ColumnType::BigInt => "BIGINT".to_owned(),
            ColumnType::Numeric { precision, scale } => format!("NUMERIC({precision}, {scale})"),
            ColumnType::NumericUnbounded => "NUMERIC".to_owned(),
            ColumnType::Real => "REAL".to_owned(),
            ColumnType::Double => "DOUBLE PRECISION".to_owned(),
            ColumnType::Boolean => "BOOLEAN".to_owned(),
            ColumnType::Text => "TEXT".to_owned(),
            ColumnType::Varchar(n) => format!("VARCHAR({n})"),
            ColumnType::Char(n) => format!("CHAR({n})"),
            ColumnType::Uuid => "UUID".to_owned(),
            ColumnType::Date => "DATE".to_owned(),
            ColumnType::TimestampTz => "TIMESTAMPTZ".to_owned(),
            ColumnType::Timestamp => "TIMESTAMP".to_owned(),
            ColumnType::Time => "TIME".to_owned(),
            ColumnType::Interval => "INTERVAL".to_owned(),
            ColumnType::Jsonb => "JSONB".to_owned(),
            ColumnType::Json => "JSON".to_owned(),
            ColumnType::Inet => "INET".to_owned(),
            ColumnType::Array(element) => format!("{}[]", element.sql_name()),
            ColumnType::Bytes => "BYTEA".to_owned(),
            ColumnType::Enum(name) | ColumnType::Other(name) => name.clone(),
        }
    }

    /// A type as it is spelled in SQL: by [`ColumnType::sql_name`], by PostgreSQL's `format_type`
    /// (`character varying(255)`, `timestamp with time zone`, `numeric(20,8)`) or in a SQLite
    /// declaration (`int8`, `blob`), in any case. A name of `enums` (the schema's enum types) is
    /// that enum type; anything else is [`ColumnType::Other`], spelled as given.
    pub fn from_sql(spelled: &str, enums: &BTreeMap<String, Vec<String>>) -> ColumnType {
        let lower = spelled.trim().to_ascii_lowercase();
        if let Some(element) = lower.strip_suffix("[]") {
            let element = &spelled.trim()[..element.len()];
            return ColumnType::Array(Box::new(ColumnType::from_sql(element, enums)));
        }
        let base = lower.split('(').next().unwrap_or("").trim();
        let other = || ColumnType::Other(spelled.to_owned());
        let byte = |n: u32| u8::try_from(n).ok();
        match base {
            "smallint" | "int2" => ColumnType::SmallInt,
            "integer" | "int" | "int4" => ColumnType::Integer,
            "bigint" | "int8" => ColumnType::BigInt,
            "numeric" | "decimal" => match type_arguments(&lower)[..] {
                [p, s] => match (byte(p), byte(s)) {
                    (Some(precision), Some(scale)) => ColumnType::Numeric { precision, scale },
                    _ => other(),
                },
                [p] => byte(p).map_or_else(other, |precision| ColumnType::Numeric {
                    precision,
                    scale: 0,
                }),
                [] => ColumnType::NumericUnbounded,
                _ => other(),
            },
            "real" | "float4" => ColumnType::Real,
            "double precision" | "float8" => ColumnType::Double,
            "boolean" | "bool" => ColumnType::Boolean,
            "text" => ColumnType::Text,
            "character varying" | "varchar" => match type_arguments(&lower)[..] {
                [n] => ColumnType::Varchar(n),
                _ => other(),
            },
            "character" | "char" | "bpchar" => match type_arguments(&lower)[..] {
                [n] => ColumnType::Char(n),
                [] => ColumnType::Char(1),
                _ => other(),
            },
            "uuid" => ColumnType::Uuid,
            "date" => ColumnType::Date,
            "timestamp with time zone" | "timestamptz" => ColumnType::TimestampTz,
            // With a precision (`timestamp(3)`), a type this model does not hold: `Other`.
            "timestamp without time zone" | "timestamp" if !lower.contains('(') => {
                ColumnType::Timestamp
            }
            "time without time zone" | "time" if !lower.contains('(') => ColumnType::Time,
            "interval" => ColumnType::Interval,
            "jsonb" => ColumnType::Jsonb,
            "json" => ColumnType::Json,
            "inet" => ColumnType::Inet,
            "bytea" | "blob" => ColumnType::Bytes,
            _ => {
                let name = spelled.trim().trim_matches('"');
                if enums.contains_key(name) {
                    ColumnType::Enum(name.to_owned())
                } else {
                    other()
                }
            }
        }
    }
}

/// The numbers in the parentheses of a type: `[20, 8]` for `numeric(20,8)`.
fn type_arguments(spelled: &str) -> Vec<u32> {
    spelled
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .map(|a| a.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_default()
}

impl fmt::Display for ColumnType {
    /// [`ColumnType::sql_name`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql_name())
    }
}

/// Quotes a string as an SQL literal: `it's` becomes `'it''s'`.
pub(crate) fn sql_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// [`sql_string`] of a value that may be missing: `NULL` then.
#[cfg(feature = "runner")]
pub(crate) fn sql_string_or_null(value: Option<&str>) -> String {
    value.map_or_else(|| "NULL".to_owned(), sql_string)
}

/// A column definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    pub nullable: bool,
    /// A server-side default, as an SQL expression (`now()`, `'pending'`, `0`).
    pub default: Option<String>,
    /// An identity column: the database numbers the rows (PostgreSQL's `GENERATED ... AS
    /// IDENTITY`).
    pub identity: Option<Identity>,
    /// The column's comment (PostgreSQL's `COMMENT ON COLUMN`).
    pub comment: Option<String>,
    /// A stored generated column: its value is this SQL expression over the row
    /// (`GENERATED ALWAYS AS (expr) STORED`).
    pub generated: Option<String>,
    /// For an identity or serial column, the options of its sequence where they are not the
    /// defaults (`AS bigint START WITH 10000000`), as `CREATE SEQUENCE` spells them.
    pub sequence: Option<String>,
    /// The planner's statistics target for the column (`SET STATISTICS`, PostgreSQL); `None`
    /// is the server's default.
    pub statistics: Option<i32>,
}

/// How an identity column takes its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY`: a value given by an insert is refused.
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY`: a value given by an insert is kept.
    ByDefault,
    /// `SERIAL` (`SMALLSERIAL`, `BIGSERIAL`): a sequence the column owns, and a default that
    /// takes its next value; a value given by an insert is kept.
    Serial,
}

impl Identity {
    /// The clause that declares it.
    pub fn sql(self) -> &'static str {
        match self {
            Identity::Always => "GENERATED ALWAYS AS IDENTITY",
            Identity::ByDefault => "GENERATED BY DEFAULT AS IDENTITY",
            Identity::Serial => "SERIAL",
        }
    }
}

impl Column {
    /// A nullable column without a default.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Column {
        Column {
            name: name.into(),
            ty,
            nullable: true,
            default: None,
            identity: None,
            comment: None,
            generated: None,
            sequence: None,
            statistics: None,
        }
    }

    /// Sets the planner's statistics target for the column (`ALTER COLUMN ... SET STATISTICS`,
    /// PostgreSQL; SQLite has no such target, and it is nothing there).
    pub fn statistics(&mut self, target: i32) -> &mut Column {
        self.statistics = Some(target);
        self
    }

    /// Sets the options of an identity or serial column's sequence (`AS bigint START WITH
    /// 1000`), as `CREATE SEQUENCE` spells them (PostgreSQL).
    pub fn sequence(&mut self, options: impl Into<String>) -> &mut Column {
        self.sequence = Some(options.into());
        self
    }

    /// Makes the column a stored generated column: `GENERATED ALWAYS AS (expr) STORED`
    /// (PostgreSQL; SQLite refuses it by name).
    pub fn generated(&mut self, expr: impl Into<String>) -> &mut Column {
        self.generated = Some(expr.into());
        self
    }

    /// Sets the column's comment (PostgreSQL; SQLite keeps none).
    pub fn comment(&mut self, comment: impl Into<String>) -> &mut Column {
        self.comment = Some(comment.into());
        self
    }

    /// Makes the column an identity column (NOT NULL, as PostgreSQL makes it).
    pub fn identity(&mut self, identity: Identity) -> &mut Column {
        self.identity = Some(identity);
        self.nullable = false;
        self
    }

    /// Marks the column `NOT NULL`.
    pub fn not_null(&mut self) -> &mut Column {
        self.nullable = false;
        self
    }

    /// Sets a server default, as an SQL expression written by the migration's author
    /// (`"CURRENT_TIMESTAMP"`, `"0"`). For a text value use [`Column::default_str`].
    pub fn default_sql(&mut self, expr: impl Into<String>) -> &mut Column {
        self.default = Some(expr.into());
        self
    }

    /// Sets a text server default; the value is quoted and escaped.
    pub fn default_str(&mut self, value: &str) -> &mut Column {
        self.default = Some(sql_string(value));
        self
    }
}

/// What a foreign key does when the referenced row is deleted or updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Action {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl Action {
    /// The SQL words: `NO ACTION`, `SET NULL`, ...
    pub fn sql(self) -> &'static str {
        match self {
            Action::NoAction => "NO ACTION",
            Action::Restrict => "RESTRICT",
            Action::Cascade => "CASCADE",
            Action::SetNull => "SET NULL",
            Action::SetDefault => "SET DEFAULT",
        }
    }

    /// An action as SQL spells it ([`Action::sql`], in any case, as SQLite's
    /// `pragma_foreign_key_list` reports it) or as PostgreSQL's one-letter code in `pg_constraint`
    /// (`a`, `r`, `c`, `n`, `d`). Anything else is `NO ACTION`, the default.
    pub fn from_sql(spelled: &str) -> Action {
        match spelled.trim().to_ascii_lowercase().as_str() {
            "r" | "restrict" => Action::Restrict,
            "c" | "cascade" => Action::Cascade,
            "n" | "set null" => Action::SetNull,
            "d" | "set default" => Action::SetDefault,
            _ => Action::NoAction,
        }
    }
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Unique {
    pub name: String,
    pub columns: Vec<String>,
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Index {
    pub name: String,
    pub table: String,
    pub columns: Vec<String>,
    pub unique: bool,
    /// The `WHERE` of a partial index, as an SQL expression.
    pub predicate: Option<String>,
    /// The index method (`gin`, `gist`, `brin`, `hash`, ...); `None` is the default, btree.
    pub method: Option<String>,
    /// The index's elements as SQL, when they are more than column names: expressions
    /// (`lower(email)`), sort orders (`created_at DESC`), operator classes
    /// (`name gin_trgm_ops`). Then `columns` lists the plain columns among them, and this is
    /// what is rendered.
    pub expression: Option<String>,
    /// Columns stored in the index but not part of its key (`INCLUDE (...)`, PostgreSQL).
    pub include: Vec<String>,
    /// Planner statistics targets of the index's expression columns, as (column number from 1,
    /// target): `ALTER INDEX ... ALTER COLUMN 1 SET STATISTICS 3000` (PostgreSQL).
    pub statistics: Vec<(u16, i32)>,
}

impl Index {
    /// Makes the index unique.
    pub fn unique(&mut self) -> &mut Index {
        self.unique = true;
        self
    }

    /// Stores `columns` in the index without making them part of its key (`INCLUDE`), for
    /// index-only scans (PostgreSQL; SQLite refuses it by name).
    pub fn include<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        columns: I,
    ) -> &mut Index {
        self.include = names(columns);
        self
    }

    /// Sets the index's elements as SQL: `lower(email)`, `created_at DESC, id`.
    pub fn expression(&mut self, elements: impl Into<String>) -> &mut Index {
        self.expression = Some(elements.into());
        self
    }

    /// Sets the planner's statistics target of the index's expression column `column` (from 1)
    /// (PostgreSQL; SQLite has none, and it is nothing there).
    pub fn statistics(&mut self, column: u16, target: i32) -> &mut Index {
        self.statistics.retain(|(c, _)| *c != column);
        self.statistics.push((column, target));
        self.statistics.sort_unstable();
        self
    }

    /// Sets the index method: `gin` (arrays, JSONB, full text), `gist`, `brin`, `hash`.
    pub fn method(&mut self, method: impl Into<String>) -> &mut Index {
        self.method = Some(method.into());
        self
    }

    /// Makes the index partial: only rows where `predicate` holds.
    pub fn predicate(&mut self, predicate: impl Into<String>) -> &mut Index {
        self.predicate = Some(predicate.into());
        self
    }
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: Action,
    pub on_update: Action,
    /// Whether the check may wait for the commit; `None` is `NOT DEFERRABLE`, the default.
    pub deferrable: Option<Deferral>,
    /// Added `NOT VALID` (PostgreSQL): enforced for new rows, existing rows not checked until
    /// `validate_constraint`. Not compared: a database cannot be told to forget a validation.
    pub not_valid: bool,
}

/// When a `DEFERRABLE` foreign key is checked by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deferral {
    /// `DEFERRABLE INITIALLY IMMEDIATE`: at each statement, unless a transaction defers it.
    InitiallyImmediate,
    /// `DEFERRABLE INITIALLY DEFERRED`: at the commit.
    InitiallyDeferred,
}

impl Deferral {
    /// The clause that declares it.
    pub fn sql(self) -> &'static str {
        match self {
            Deferral::InitiallyImmediate => "DEFERRABLE INITIALLY IMMEDIATE",
            Deferral::InitiallyDeferred => "DEFERRABLE INITIALLY DEFERRED",
        }
    }
}

impl ForeignKey {
    /// A foreign key with `NO ACTION` on delete and update.
    pub fn new<I, S, J, T>(name: &str, columns: I, ref_table: &str, ref_columns: J) -> ForeignKey
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        J: IntoIterator<Item = T>,
        T: Into<String>,
    {
        ForeignKey {
            name: name.to_owned(),
            columns: names(columns),
            ref_table: ref_table.to_owned(),
            ref_columns: names(ref_columns),
            on_delete: Action::NoAction,
            on_update: Action::NoAction,
            deferrable: None,
            not_valid: false,
        }
    }

    /// Adds the foreign key `NOT VALID` (PostgreSQL): a short lock and no scan now; validate it
    /// in a later migration with `validate_constraint`, which scans without blocking writes. On a
    /// table created in the same migration it is simply valid.
    pub fn not_valid(&mut self) -> &mut ForeignKey {
        self.not_valid = true;
        self
    }

    /// Makes the foreign key `DEFERRABLE`.
    pub fn deferrable(&mut self, deferral: Deferral) -> &mut ForeignKey {
        self.deferrable = Some(deferral);
        self
    }

    /// Sets `ON DELETE`.
    pub fn on_delete(&mut self, action: Action) -> &mut ForeignKey {
        self.on_delete = action;
        self
    }

    /// Sets `ON UPDATE`.
    pub fn on_update(&mut self, action: Action) -> &mut ForeignKey {
        self.on_update = action;
        self
    }
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Check {
    pub name: String,
    pub expr: String,
    /// Added `NOT VALID` (PostgreSQL; see [`ForeignKey::not_valid`]).
    pub not_valid: bool,
}

impl Check {
    /// Adds the check `NOT VALID` (PostgreSQL): existing rows are checked later, by
    /// `validate_constraint`, without blocking writes.
    pub fn not_valid(&mut self) -> &mut Check {
        self.not_valid = true;
        self
    }
}

/// A table definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    /// The primary key constraint's name; `None` is the default, `<table>_pkey` (see
    /// [`Table::primary_key_constraint`]).
    pub primary_key_name: Option<String>,
    pub uniques: Vec<Unique>,
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<Check>,
    /// The table's comment (PostgreSQL's `COMMENT ON TABLE`).
    pub comment: Option<String>,
    /// Row-level security (PostgreSQL); `None` is off, the default.
    pub row_security: Option<RowSecurity>,
    /// `UNLOGGED`: not written to the write-ahead log, emptied after a crash (PostgreSQL).
    pub unlogged: bool,
    /// Storage parameters (`fillfactor=50`), as `WITH (...)` lists them (PostgreSQL).
    pub storage: Vec<String>,
    /// A partitioned table: how rows are split among its partitions, as SQL after `PARTITION BY`
    /// (`RANGE (paid_at)`, `LIST (region)`, `HASH (id)`). PostgreSQL.
    pub partition_by: Option<String>,
    /// A partition of another table: its columns are the parent's (so `columns` is empty), and
    /// its keys, constraints and indexes the parent's plus its own. PostgreSQL.
    pub partition_of: Option<PartitionOf>,
}

/// Which table a partition belongs to, and which rows it holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartitionOf {
    pub parent: String,
    /// `FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')`, `FOR VALUES IN ('eu')`, `DEFAULT`.
    pub bound: String,
}

fn names<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

impl Table {
    /// An empty table.
    pub fn new(name: impl Into<String>) -> Table {
        Table {
            name: name.into(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            primary_key_name: None,
            uniques: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            comment: None,
            row_security: None,
            unlogged: false,
            storage: Vec::new(),
            partition_by: None,
            partition_of: None,
        }
    }

    /// Makes the table `UNLOGGED` (PostgreSQL): faster writes, emptied after a crash.
    pub fn unlogged(&mut self) -> &mut Table {
        self.unlogged = true;
        self
    }

    /// Sets a storage parameter (`fillfactor=50`), PostgreSQL's `WITH (...)`.
    pub fn storage(&mut self, parameter: impl Into<String>) -> &mut Table {
        self.storage.push(parameter.into());
        self
    }

    /// Makes the table partitioned: `by` follows `PARTITION BY` (`RANGE (paid_at)`).
    pub fn partition_by(&mut self, by: impl Into<String>) -> &mut Table {
        self.partition_by = Some(by.into());
        self
    }

    /// Makes the table a partition of `parent`, holding the rows of `bound` (`FOR VALUES FROM
    /// ('2026-01-01') TO ('2026-02-01')`, `DEFAULT`). Its columns are the parent's: give it
    /// none. Create a partition's own indexes with it, before the parent's indexes: PostgreSQL
    /// then adopts them as the parent's index on that partition, under their names.
    pub fn partition_of(
        &mut self,
        parent: impl Into<String>,
        bound: impl Into<String>,
    ) -> &mut Table {
        self.partition_of = Some(PartitionOf {
            parent: parent.into(),
            bound: bound.into(),
        });
        self
    }

    /// Sets the table's comment (PostgreSQL; SQLite keeps none).
    pub fn comment(&mut self, comment: impl Into<String>) -> &mut Table {
        self.comment = Some(comment.into());
        self
    }

    /// Sets row-level security (PostgreSQL; SQLite refuses it by name); `None`, the default, is
    /// off.
    pub fn row_security(&mut self, to: Option<RowSecurity>) -> &mut Table {
        self.row_security = to;
        self
    }

    /// Adds a column and returns it for further settings.
    pub fn column(&mut self, name: impl Into<String>, ty: ColumnType) -> &mut Column {
        self.columns.push(Column::new(name, ty));
        self.columns.last_mut().expect("a column was just pushed")
    }

    /// Sets the primary key, under the default name `<table>_pkey`; its columns become `NOT
    /// NULL`.
    pub fn primary_key<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        columns: I,
    ) -> &mut Table {
        self.primary_key_name = None;
        self.set_key_columns(names(columns))
    }

    /// Sets the primary key under the constraint name `name` (`pk_users`); its columns become
    /// `NOT NULL`.
    pub fn primary_key_named<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        name: &str,
        columns: I,
    ) -> &mut Table {
        self.set_primary_key_name(name);
        self.set_key_columns(names(columns))
    }

    /// The primary key constraint's name: the one it was given, else `<table>_pkey`; `None`
    /// without a primary key.
    pub fn primary_key_constraint(&self) -> Option<String> {
        if self.primary_key.is_empty() {
            return None;
        }
        Some(
            self.primary_key_name
                .clone()
                .unwrap_or_else(|| self.default_primary_key_name()),
        )
    }

    /// Names the primary key constraint; its default name is kept as `None`.
    pub(crate) fn set_primary_key_name(&mut self, name: &str) {
        self.primary_key_name = (name != self.default_primary_key_name()).then(|| name.to_owned());
    }

    /// The name the databases give a primary key created without one: `<table>_pkey`.
    pub(crate) fn default_primary_key_name(&self) -> String {
        format!("{}_pkey", self.name)
    }

    fn set_key_columns(&mut self, columns: Vec<String>) -> &mut Table {
        self.primary_key = columns;
        for column in &mut self.columns {
            if self.primary_key.contains(&column.name) {
                column.nullable = false;
            }
        }
        self
    }

    /// Adds a named unique constraint.
    pub fn unique<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        name: &str,
        columns: I,
    ) -> &mut Table {
        self.uniques.push(Unique {
            name: name.to_owned(),
            columns: names(columns),
        });
        self
    }

    /// Adds an index, created with the table.
    pub fn index<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        name: &str,
        columns: I,
    ) -> &mut Index {
        let table = self.name.clone();
        self.indexes.push(Index {
            name: name.to_owned(),
            table,
            columns: names(columns),
            unique: false,
            predicate: None,
            method: None,
            expression: None,
            include: Vec::new(),
            statistics: Vec::new(),
        });
        self.indexes.last_mut().expect("an index was just pushed")
    }

    /// Adds a foreign key.
    pub fn foreign_key<I, S, J, T>(
        &mut self,
        name: &str,
        columns: I,
        ref_table: &str,
        ref_columns: J,
    ) -> &mut ForeignKey
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        J: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.foreign_keys
            .push(ForeignKey::new(name, columns, ref_table, ref_columns));
        self.foreign_keys
            .last_mut()
            .expect("a foreign key was just pushed")
    }

    /// Adds a check constraint over an SQL expression.
    pub fn check(&mut self, name: &str, expr: &str) -> &mut Table {
        self.checks.push(Check {
            name: name.to_owned(),
            expr: expr.to_owned(),
            not_valid: false,
        });
        self
    }

    /// The column with this name.
    pub fn get_column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The column with this name, to change; `table` names the table in the error.
    pub(crate) fn column_mut(&mut self, table: &str, name: &str) -> Result<&mut Column, FoldError> {
        self.columns
            .iter_mut()
            .find(|c| c.name == name)
            .ok_or_else(|| FoldError::NoColumn {
                table: table.to_owned(),
                column: name.to_owned(),
            })
    }

    pub(crate) fn has_constraint(&self, name: &str) -> bool {
        self.uniques.iter().any(|u| u.name == name)
            || self.foreign_keys.iter().any(|f| f.name == name)
            || self.checks.iter().any(|c| c.name == name)
    }
}

/// A whole schema: tables by name and PostgreSQL enum types by name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    pub enums: BTreeMap<String, Vec<String>>,
    /// PostgreSQL extensions (database-wide), by name; `plpgsql`, always there, is left out.
    pub extensions: std::collections::BTreeSet<String>,
    /// Views, functions, triggers, sequences, domains, policies: by name, as the SQL that
    /// creates them (see [`crate::objects`]).
    pub objects: BTreeMap<ObjectId, SqlObject>,
}

/// An operation that does not fit the schema it is applied to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FoldError {
    #[error("table `{0}` does not exist")]
    NoTable(String),
    #[error("table `{0}` already exists")]
    TableExists(String),
    #[error("column `{table}.{column}` does not exist")]
    NoColumn { table: String, column: String },
    #[error("column `{table}.{column}` already exists")]
    ColumnExists { table: String, column: String },
    #[error("index `{0}` does not exist")]
    NoIndex(String),
    #[error("index `{0}` already exists")]
    IndexExists(String),
    #[error("constraint `{constraint}` on `{table}` does not exist")]
    NoConstraint { table: String, constraint: String },
    #[error("constraint `{constraint}` on `{table}` already exists")]
    ConstraintExists { table: String, constraint: String },
    #[error("extension `{0}` is not created")]
    NoExtension(String),
    #[error("extension `{0}` is created already")]
    ExtensionExists(String),
    #[error("enum type `{0}` does not exist")]
    NoEnum(String),
    #[error("enum type `{0}` already exists")]
    EnumExists(String),
    #[error("enum type `{name}` has no value `{value}`")]
    NoEnumValue { name: String, value: String },
    #[error("enum type `{name}` already has the value `{value}`")]
    EnumValueExists { name: String, value: String },
    #[error("{0} does not exist")]
    NoObject(ObjectId),
    #[error("{0} already exists")]
    ObjectExists(ObjectId),
    /// A type or object the target database does not have.
    #[error("{what}")]
    NotSupported { what: String },
    #[error(
        "name `{name}` is {bytes} bytes; PostgreSQL keeps names to {MAX_NAME_BYTES} bytes and would cut it without a word (and `check` would then report drift forever): shorten it"
    )]
    NameTooLong { name: String, bytes: usize },
    /// A backfill with no key to walk its table by.
    #[error(
        "backfill of `{table}`: {why}; give the table a primary key, or walk it `.by([...])` NOT NULL columns that a unique constraint or unique index covers exactly"
    )]
    NoBackfillKey { table: String, why: String },
}

impl Schema {
    /// Adds a column read from a database's catalog to its table, creating the table with its
    /// first column (introspection reads columns in table order).
    #[cfg_attr(not(any(feature = "postgres", feature = "sqlite")), allow(dead_code))]
    pub(crate) fn push_read_column(&mut self, table: String, column: Column) {
        self.tables
            .entry(table.clone())
            .or_insert_with(|| Table::new(table))
            .columns
            .push(column);
    }
}

/// The longest name PostgreSQL keeps (`NAMEDATALEN - 1`); a longer one is cut without an error.
pub(crate) const MAX_NAME_BYTES: usize = 63;

#[cfg(test)]
mod tests {
    use super::*;

    fn every_column_type() -> Vec<ColumnType> {
        vec![
            ColumnType::SmallInt,
            ColumnType::Integer,
            ColumnType::BigInt,
            ColumnType::Numeric {
                precision: 20,
                scale: 8,
            },
            ColumnType::Numeric {
                precision: 255,
                scale: 0,
            },
            ColumnType::Double,
            ColumnType::Boolean,
            ColumnType::Text,
            ColumnType::Varchar(255),
            ColumnType::Uuid,
            ColumnType::Date,
            ColumnType::TimestampTz,
            ColumnType::Jsonb,
            ColumnType::Bytes,
            ColumnType::Enum("kyc_status".into()),
            ColumnType::Other("tsvector".into()),
            ColumnType::Other("timestamp(3) with time zone".into()),
            ColumnType::NumericUnbounded,
            ColumnType::Real,
            ColumnType::Char(3),
            ColumnType::Timestamp,
            ColumnType::Time,
            ColumnType::Interval,
            ColumnType::Json,
            ColumnType::Inet,
            ColumnType::Array(Box::new(ColumnType::Text)),
            ColumnType::Array(Box::new(ColumnType::Numeric {
                precision: 20,
                scale: 8,
            })),
            ColumnType::Array(Box::new(ColumnType::Enum("kyc_status".into()))),
        ]
    }

    #[test]
    fn every_column_type_reads_back_from_its_sql_name() {
        let enums = BTreeMap::from([("kyc_status".to_owned(), vec!["pending".to_owned()])]);
        for ty in every_column_type() {
            assert_eq!(ColumnType::from_sql(&ty.sql_name(), &enums), ty, "{ty:?}");
            assert_eq!(ty.to_string(), ty.sql_name());
        }
    }

    #[test]
    fn column_types_read_as_the_databases_spell_them() {
        let enums = BTreeMap::from([("kyc_status".to_owned(), Vec::new())]);
        let read = |spelled: &str| ColumnType::from_sql(spelled, &enums);
        // PostgreSQL's format_type.
        assert_eq!(read("character varying(255)"), ColumnType::Varchar(255));
        assert_eq!(
            read("numeric(20,8)"),
            ColumnType::Numeric {
                precision: 20,
                scale: 8
            }
        );
        assert_eq!(read("timestamp with time zone"), ColumnType::TimestampTz);
        assert_eq!(read("double precision"), ColumnType::Double);
        assert_eq!(read("timestamp without time zone"), ColumnType::Timestamp);
        assert_eq!(read("time without time zone"), ColumnType::Time);
        assert_eq!(read("character(2)"), ColumnType::Char(2));
        assert_eq!(read("numeric"), ColumnType::NumericUnbounded);
        assert_eq!(
            read("character varying(10)[]"),
            ColumnType::Array(Box::new(ColumnType::Varchar(10)))
        );
        assert_eq!(
            read("time(0) without time zone"),
            ColumnType::Other("time(0) without time zone".into())
        );
        assert_eq!(
            read("\"kyc_status\""),
            ColumnType::Enum("kyc_status".into())
        );
        // SQLite declarations.
        assert_eq!(read("int8"), ColumnType::BigInt);
        assert_eq!(read("BLOB"), ColumnType::Bytes);
        assert_eq!(read("bool"), ColumnType::Boolean);
        assert_eq!(
            read("DECIMAL(10)"),
            ColumnType::Numeric {
                precision: 10,
                scale: 0
            }
        );
        // What the model cannot hold stays as spelled.
        assert_eq!(read("varchar"), ColumnType::Other("varchar".into()));
        assert_eq!(
            read("numeric(300,2)"),
            ColumnType::Other("numeric(300,2)".into())
        );
        assert_eq!(read("kyc"), ColumnType::Other("kyc".into()));
    }

    #[test]
    fn every_action_reads_back_from_its_sql_and_its_postgres_code() {
        let actions = [
            (Action::NoAction, "a"),
            (Action::Restrict, "r"),
            (Action::Cascade, "c"),
            (Action::SetNull, "n"),
            (Action::SetDefault, "d"),
        ];
        for (action, code) in actions {
            assert_eq!(Action::from_sql(action.sql()), action);
            assert_eq!(Action::from_sql(&action.sql().to_lowercase()), action);
            assert_eq!(Action::from_sql(code), action);
        }
    }
}
