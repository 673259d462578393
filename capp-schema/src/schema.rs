//! The schema model: tables, columns, keys, indexes, constraints and enum types.
//!
//! Migrations describe changes to this model; folding a history's operations in order gives the
//! schema it produces without a database (see [`Schema::apply`]).

use std::collections::BTreeMap;
use std::fmt;

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
    /// Double-precision float.
    Double,
    /// `true`/`false`.
    Boolean,
    /// Unbounded text.
    Text,
    /// Text of at most `n` characters.
    Varchar(u32),
    /// A UUID.
    Uuid,
    /// A calendar date.
    Date,
    /// An instant, with time zone.
    TimestampTz,
    /// JSON, binary on PostgreSQL.
    Jsonb,
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
            ColumnType::Double => "DOUBLE PRECISION".to_owned(),
            ColumnType::Boolean => "BOOLEAN".to_owned(),
            ColumnType::Text => "TEXT".to_owned(),
            ColumnType::Varchar(n) => format!("VARCHAR({n})"),
            ColumnType::Uuid => "UUID".to_owned(),
            ColumnType::Date => "DATE".to_owned(),
            ColumnType::TimestampTz => "TIMESTAMPTZ".to_owned(),
            ColumnType::Jsonb => "JSONB".to_owned(),
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
                _ => other(),
            },
            "double precision" | "float8" => ColumnType::Double,
            "boolean" | "bool" => ColumnType::Boolean,
            "text" => ColumnType::Text,
            "character varying" | "varchar" => match type_arguments(&lower)[..] {
                [n] => ColumnType::Varchar(n),
                _ => other(),
            },
            "uuid" => ColumnType::Uuid,
            "date" => ColumnType::Date,
            "timestamp with time zone" | "timestamptz" => ColumnType::TimestampTz,
            "jsonb" => ColumnType::Jsonb,
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

/// A column definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    pub nullable: bool,
    /// A server-side default, as an SQL expression (`now()`, `'pending'`, `0`).
    pub default: Option<String>,
}

impl Column {
    /// A nullable column without a default.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Column {
        Column {
            name: name.into(),
            ty,
            nullable: true,
            default: None,
        }
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
}

impl Index {
    /// Makes the index unique.
    pub fn unique(&mut self) -> &mut Index {
        self.unique = true;
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
        }
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
}

/// A table definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    pub uniques: Vec<Unique>,
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<Check>,
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
            uniques: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
        }
    }

    /// Adds a column and returns it for further settings.
    pub fn column(&mut self, name: impl Into<String>, ty: ColumnType) -> &mut Column {
        self.columns.push(Column::new(name, ty));
        self.columns.last_mut().expect("a column was just pushed")
    }

    /// Sets the primary key; its columns become `NOT NULL`.
    pub fn primary_key<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        columns: I,
    ) -> &mut Table {
        self.primary_key = names(columns);
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
        });
        self
    }

    /// The column with this name.
    pub fn get_column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The column with this name, to change; `table` names the table in the error.
    fn column_mut(&mut self, table: &str, name: &str) -> Result<&mut Column, FoldError> {
        self.columns
            .iter_mut()
            .find(|c| c.name == name)
            .ok_or_else(|| FoldError::NoColumn {
                table: table.to_owned(),
                column: name.to_owned(),
            })
    }

    fn has_constraint(&self, name: &str) -> bool {
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
    #[error("enum type `{0}` does not exist")]
    NoEnum(String),
    #[error("enum type `{0}` already exists")]
    EnumExists(String),
    #[error("enum type `{name}` has no value `{value}`")]
    NoEnumValue { name: String, value: String },
    #[error("enum type `{name}` already has the value `{value}`")]
    EnumValueExists { name: String, value: String },
}

impl Schema {
    /// The table with this name.
    pub fn table(&self, name: &str) -> Result<&Table, FoldError> {
        self.tables
            .get(name)
            .ok_or_else(|| FoldError::NoTable(name.to_owned()))
    }

    fn table_mut(&mut self, name: &str) -> Result<&mut Table, FoldError> {
        self.tables
            .get_mut(name)
            .ok_or_else(|| FoldError::NoTable(name.to_owned()))
    }

    fn index_exists(&self, name: &str) -> bool {
        self.tables
            .values()
            .any(|t| t.indexes.iter().any(|i| i.name == name))
    }

    /// Applies one operation. `execute` changes data only, by contract, so it leaves the model as
    /// it is.
    pub fn apply(&mut self, op: &crate::Operation) -> Result<(), FoldError> {
        use crate::Operation as Op;
        match op {
            Op::CreateTable(table) => self.create_table(table),
            Op::DropTable { name } => self.drop_table(name),
            Op::RenameTable { from, to } => self.rename_table(from, to),
            Op::AddColumn { table, column } => self.add_column(table, column),
            Op::DropColumn { table, column } => self.drop_column(table, column),
            Op::RenameColumn { table, from, to } => self.rename_column(table, from, to),
            Op::AlterColumn {
                table,
                column,
                change,
            } => self.alter_column(table, column, change),
            Op::SetPrimaryKey { table, columns } => self.set_primary_key(table, columns),
            Op::CreateIndex { index, .. } => self.create_index(index),
            Op::DropIndex { name, .. } => self.drop_index(name),
            Op::AddUnique { table, unique } => {
                let t = self.constraint_slot(table, &unique.name)?;
                t.uniques.push(unique.clone());
                Ok(())
            }
            Op::AddForeignKey { table, foreign_key } => {
                let t = self.constraint_slot(table, &foreign_key.name)?;
                t.foreign_keys.push(foreign_key.clone());
                Ok(())
            }
            Op::AddCheck { table, check } => {
                let t = self.constraint_slot(table, &check.name)?;
                t.checks.push(check.clone());
                Ok(())
            }
            Op::DropConstraint { table, name } => self.drop_constraint(table, name),
            Op::CreateEnum { name, values } => self.create_enum(name, values),
            Op::DropEnum { name } => self.drop_enum(name),
            Op::AddEnumValue { name, value } => self.add_enum_value(name, value),
            Op::DropEnumValue { name, value } => self.drop_enum_value(name, value),
            Op::Execute { .. } => Ok(()),
            #[cfg(feature = "runner")]
            Op::RunRust { .. } => Ok(()),
        }
    }

    // Tables.

    fn create_table(&mut self, table: &Table) -> Result<(), FoldError> {
        if self.tables.contains_key(&table.name) {
            return Err(FoldError::TableExists(table.name.clone()));
        }
        for index in &table.indexes {
            if self.index_exists(&index.name) {
                return Err(FoldError::IndexExists(index.name.clone()));
            }
        }
        self.tables.insert(table.name.clone(), table.clone());
        Ok(())
    }

    fn drop_table(&mut self, name: &str) -> Result<(), FoldError> {
        self.tables
            .remove(name)
            .map(drop)
            .ok_or_else(|| FoldError::NoTable(name.to_owned()))
    }

    /// Renames a table; its indexes and the foreign keys that reference it follow.
    fn rename_table(&mut self, from: &str, to: &str) -> Result<(), FoldError> {
        if self.tables.contains_key(to) {
            return Err(FoldError::TableExists(to.to_owned()));
        }
        let mut table = self
            .tables
            .remove(from)
            .ok_or_else(|| FoldError::NoTable(from.to_owned()))?;
        table.name = to.to_owned();
        for index in &mut table.indexes {
            index.table = to.to_owned();
        }
        self.tables.insert(to.to_owned(), table);
        for t in self.tables.values_mut() {
            for fk in &mut t.foreign_keys {
                if fk.ref_table == from {
                    fk.ref_table = to.to_owned();
                }
            }
        }
        Ok(())
    }

    // Columns.

    fn add_column(&mut self, table: &str, column: &Column) -> Result<(), FoldError> {
        let t = self.table_mut(table)?;
        if t.get_column(&column.name).is_some() {
            return Err(FoldError::ColumnExists {
                table: table.to_owned(),
                column: column.name.clone(),
            });
        }
        t.columns.push(column.clone());
        Ok(())
    }

    fn drop_column(&mut self, table: &str, column: &str) -> Result<(), FoldError> {
        let t = self.table_mut(table)?;
        let before = t.columns.len();
        t.columns.retain(|c| c.name != column);
        if t.columns.len() == before {
            return Err(FoldError::NoColumn {
                table: table.to_owned(),
                column: column.to_owned(),
            });
        }
        // Like the databases: indexes and constraints over the column go with it.
        let over = |columns: &Vec<String>| columns.iter().any(|c| c == column);
        t.indexes.retain(|i| !over(&i.columns));
        t.uniques.retain(|u| !over(&u.columns));
        t.foreign_keys.retain(|f| !over(&f.columns));
        t.primary_key.retain(|c| c != column);
        Ok(())
    }

    /// Renames a column; the keys, indexes and constraints over it, and the foreign keys that
    /// reference it, follow.
    fn rename_column(&mut self, table: &str, from: &str, to: &str) -> Result<(), FoldError> {
        let t = self.table_mut(table)?;
        if t.get_column(to).is_some() {
            return Err(FoldError::ColumnExists {
                table: table.to_owned(),
                column: to.to_owned(),
            });
        }
        t.column_mut(table, from)?.name = to.to_owned();
        let rename = |cols: &mut Vec<String>| {
            for c in cols.iter_mut().filter(|c| *c == from) {
                *c = to.to_owned();
            }
        };
        rename(&mut t.primary_key);
        t.indexes.iter_mut().for_each(|i| rename(&mut i.columns));
        t.uniques.iter_mut().for_each(|u| rename(&mut u.columns));
        t.foreign_keys
            .iter_mut()
            .for_each(|f| rename(&mut f.columns));
        for t in self.tables.values_mut() {
            for fk in t.foreign_keys.iter_mut().filter(|f| f.ref_table == table) {
                rename(&mut fk.ref_columns);
            }
        }
        Ok(())
    }

    fn alter_column(
        &mut self,
        table: &str,
        column: &str,
        change: &crate::ColumnChange,
    ) -> Result<(), FoldError> {
        let c = self.table_mut(table)?.column_mut(table, column)?;
        if let Some(ty) = &change.ty {
            c.ty = ty.clone();
        }
        if let Some(nullable) = change.nullable {
            c.nullable = nullable;
        }
        if let Some(default) = &change.default {
            c.default = default.clone();
        }
        Ok(())
    }

    fn set_primary_key(&mut self, table: &str, columns: &[String]) -> Result<(), FoldError> {
        let t = self.table_mut(table)?;
        for name in columns {
            if t.get_column(name).is_none() {
                return Err(FoldError::NoColumn {
                    table: table.to_owned(),
                    column: name.clone(),
                });
            }
        }
        t.primary_key(columns.iter().cloned());
        Ok(())
    }

    // Indexes and constraints.

    fn create_index(&mut self, index: &Index) -> Result<(), FoldError> {
        if self.index_exists(&index.name) {
            return Err(FoldError::IndexExists(index.name.clone()));
        }
        self.table_mut(&index.table)?.indexes.push(index.clone());
        Ok(())
    }

    fn drop_index(&mut self, name: &str) -> Result<(), FoldError> {
        let table = self
            .tables
            .values_mut()
            .find(|t| t.indexes.iter().any(|i| i.name == name))
            .ok_or_else(|| FoldError::NoIndex(name.to_owned()))?;
        table.indexes.retain(|i| i.name != name);
        Ok(())
    }

    fn constraint_slot(&mut self, table: &str, name: &str) -> Result<&mut Table, FoldError> {
        let t = self.table_mut(table)?;
        if t.has_constraint(name) {
            return Err(FoldError::ConstraintExists {
                table: table.to_owned(),
                constraint: name.to_owned(),
            });
        }
        Ok(t)
    }

    fn drop_constraint(&mut self, table: &str, name: &str) -> Result<(), FoldError> {
        let t = self.table_mut(table)?;
        if !t.has_constraint(name) {
            return Err(FoldError::NoConstraint {
                table: table.to_owned(),
                constraint: name.to_owned(),
            });
        }
        t.uniques.retain(|u| u.name != name);
        t.foreign_keys.retain(|f| f.name != name);
        t.checks.retain(|c| c.name != name);
        Ok(())
    }

    // Enum types.

    fn create_enum(&mut self, name: &str, values: &[String]) -> Result<(), FoldError> {
        if self.enums.contains_key(name) {
            return Err(FoldError::EnumExists(name.to_owned()));
        }
        self.enums.insert(name.to_owned(), values.to_vec());
        Ok(())
    }

    fn drop_enum(&mut self, name: &str) -> Result<(), FoldError> {
        self.enums
            .remove(name)
            .map(drop)
            .ok_or_else(|| FoldError::NoEnum(name.to_owned()))
    }

    fn enum_values_mut(&mut self, name: &str) -> Result<&mut Vec<String>, FoldError> {
        self.enums
            .get_mut(name)
            .ok_or_else(|| FoldError::NoEnum(name.to_owned()))
    }

    fn add_enum_value(&mut self, name: &str, value: &str) -> Result<(), FoldError> {
        let values = self.enum_values_mut(name)?;
        if values.iter().any(|v| v == value) {
            return Err(FoldError::EnumValueExists {
                name: name.to_owned(),
                value: value.to_owned(),
            });
        }
        values.push(value.to_owned());
        Ok(())
    }

    fn drop_enum_value(&mut self, name: &str, value: &str) -> Result<(), FoldError> {
        let values = self.enum_values_mut(name)?;
        let before = values.len();
        values.retain(|v| v != value);
        if values.len() == before {
            return Err(FoldError::NoEnumValue {
                name: name.to_owned(),
                value: value.to_owned(),
            });
        }
        Ok(())
    }
}

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
