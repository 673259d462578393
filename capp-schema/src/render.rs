//! Renders operations to SQL for PostgreSQL and SQLite.
//!
//! Identifiers are always quoted; the only text that enters SQL unquoted is what a migration's
//! author wrote as SQL on purpose (`execute`, defaults given with `default_sql`, check and
//! partial-index expressions). Values given as values (`default_str`, enum values) are escaped.
//!
//! SQLite cannot alter columns or constraints in place. Those operations are rendered the way
//! Alembic's batch mode does it, from the schema model: create the new table, copy the rows, drop
//! the old table, rename the new one, recreate the indexes.

use std::fmt::Write as _;

use crate::ops::Operation;
use crate::schema::{Column, ColumnType, FoldError, Index, Schema, Table, sql_string};

/// An SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Dialect::Postgres => "postgresql",
            Dialect::Sqlite => "sqlite",
        })
    }
}

/// Quotes an identifier: `users` becomes `"users"`, `a"b` becomes `"a""b"`.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn ident_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

fn column_type(ty: &ColumnType, dialect: Dialect) -> String {
    match (ty, dialect) {
        (ColumnType::Enum(name), Dialect::Postgres) => ident(name),
        (ColumnType::Enum(_), Dialect::Sqlite) => "TEXT".to_owned(),
        (ColumnType::Bytes, Dialect::Sqlite) => "BLOB".to_owned(),
        (ColumnType::Other(name), _) => name.clone(),
        (ty, _) => ty.to_string(),
    }
}

fn column_def(column: &Column, dialect: Dialect) -> String {
    let mut sql = format!(
        "{} {}",
        ident(&column.name),
        column_type(&column.ty, dialect)
    );
    if !column.nullable {
        sql.push_str(" NOT NULL");
    }
    if let Some(default) = &column.default {
        let _ = write!(sql, " DEFAULT {default}");
    }
    sql
}

fn unique_sql(u: &crate::schema::Unique) -> String {
    format!(
        "CONSTRAINT {} UNIQUE ({})",
        ident(&u.name),
        ident_list(&u.columns)
    )
}

fn foreign_key_sql(fk: &crate::schema::ForeignKey) -> String {
    let mut sql = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        ident(&fk.name),
        ident_list(&fk.columns),
        ident(&fk.ref_table),
        ident_list(&fk.ref_columns)
    );
    if fk.on_delete != Default::default() {
        let _ = write!(sql, " ON DELETE {}", fk.on_delete.sql());
    }
    if fk.on_update != Default::default() {
        let _ = write!(sql, " ON UPDATE {}", fk.on_update.sql());
    }
    sql
}

fn check_sql(c: &crate::schema::Check) -> String {
    format!("CONSTRAINT {} CHECK ({})", ident(&c.name), c.expr)
}

fn create_table(table: &Table, dialect: Dialect, name: &str) -> String {
    let mut parts: Vec<String> = table
        .columns
        .iter()
        .map(|c| column_def(c, dialect))
        .collect();
    if !table.primary_key.is_empty() {
        parts.push(format!(
            "CONSTRAINT {} PRIMARY KEY ({})",
            ident(&format!("{}_pkey", table.name)),
            ident_list(&table.primary_key)
        ));
    }
    parts.extend(table.uniques.iter().map(unique_sql));
    parts.extend(table.foreign_keys.iter().map(foreign_key_sql));
    parts.extend(table.checks.iter().map(check_sql));
    format!(
        "CREATE TABLE {} (\n    {}\n)",
        ident(name),
        parts.join(",\n    ")
    )
}

fn create_index(index: &Index, dialect: Dialect, concurrently: bool) -> String {
    let mut sql = String::from("CREATE ");
    if index.unique {
        sql.push_str("UNIQUE ");
    }
    sql.push_str("INDEX ");
    if concurrently && dialect == Dialect::Postgres {
        sql.push_str("CONCURRENTLY ");
    }
    let _ = write!(
        sql,
        "{} ON {} ({})",
        ident(&index.name),
        ident(&index.table),
        ident_list(&index.columns)
    );
    if let Some(predicate) = &index.predicate {
        let _ = write!(sql, " WHERE {predicate}");
    }
    sql
}

/// The statements of one operation, applied to a database whose schema is `before`.
///
/// `schema` is the schema before the operation; the operation is applied to it (which checks that
/// it fits: an unknown table or a duplicate column is an error), so that consecutive calls render
/// a whole history. Only SQLite's table rebuilds copy anything: the one table they rebuild.
pub fn render(
    op: &Operation,
    dialect: Dialect,
    schema: &mut Schema,
) -> Result<Vec<String>, FoldError> {
    match dialect {
        Dialect::Postgres => {
            schema.apply(op)?;
            Ok(postgres(op, schema))
        }
        Dialect::Sqlite => {
            let before = match sqlite_rebuild_candidate(op) {
                Some(table) => Some(schema.table(table)?.clone()),
                None => None,
            };
            schema.apply(op)?;
            sqlite(op, before.as_ref(), schema)
        }
    }
}

/// `after` is the schema after `op`.
fn postgres(op: &Operation, after: &Schema) -> Vec<String> {
    let d = Dialect::Postgres;
    let alter = |table: &str, rest: String| format!("ALTER TABLE {} {rest}", ident(table));
    match op {
        Operation::CreateTable(table) => {
            let mut out = vec![create_table(table, d, &table.name)];
            out.extend(table.indexes.iter().map(|i| create_index(i, d, false)));
            out
        }
        Operation::DropTable { name } => vec![format!("DROP TABLE {}", ident(name))],
        Operation::RenameTable { from, to } => {
            vec![alter(from, format!("RENAME TO {}", ident(to)))]
        }
        Operation::AddColumn { table, column } => vec![alter(
            table,
            format!("ADD COLUMN {}", column_def(column, d)),
        )],
        Operation::DropColumn { table, column } => {
            vec![alter(table, format!("DROP COLUMN {}", ident(column)))]
        }
        Operation::RenameColumn { table, from, to } => {
            vec![alter(
                table,
                format!("RENAME COLUMN {} TO {}", ident(from), ident(to)),
            )]
        }
        Operation::AlterColumn {
            table,
            column,
            change,
        } => {
            let mut actions = Vec::new();
            if let Some(ty) = &change.ty {
                let ty = column_type(ty, d);
                actions.push(format!(
                    "ALTER COLUMN {} TYPE {ty} USING {}::{ty}",
                    ident(column),
                    ident(column)
                ));
            }
            match change.nullable {
                Some(false) => actions.push(format!("ALTER COLUMN {} SET NOT NULL", ident(column))),
                Some(true) => actions.push(format!("ALTER COLUMN {} DROP NOT NULL", ident(column))),
                None => {}
            }
            match &change.default {
                Some(Some(expr)) => {
                    actions.push(format!("ALTER COLUMN {} SET DEFAULT {expr}", ident(column)))
                }
                Some(None) => actions.push(format!("ALTER COLUMN {} DROP DEFAULT", ident(column))),
                None => {}
            }
            if actions.is_empty() {
                vec![]
            } else {
                vec![alter(table, actions.join(", "))]
            }
        }
        Operation::CreateIndex {
            index,
            concurrently,
        } => vec![create_index(index, d, *concurrently)],
        Operation::DropIndex { name, concurrently } => {
            vec![format!(
                "DROP INDEX {}{}",
                if *concurrently { "CONCURRENTLY " } else { "" },
                ident(name)
            )]
        }
        Operation::AddUnique { table, unique } => {
            vec![alter(table, format!("ADD {}", unique_sql(unique)))]
        }
        Operation::AddForeignKey { table, foreign_key } => {
            vec![alter(
                table,
                format!("ADD {}", foreign_key_sql(foreign_key)),
            )]
        }
        Operation::AddCheck { table, check } => {
            vec![alter(table, format!("ADD {}", check_sql(check)))]
        }
        Operation::DropConstraint { table, name } => {
            vec![alter(table, format!("DROP CONSTRAINT {}", ident(name)))]
        }
        Operation::CreateEnum { name, values } => vec![format!(
            "CREATE TYPE {} AS ENUM ({})",
            ident(name),
            values
                .iter()
                .map(|v| sql_string(v))
                .collect::<Vec<_>>()
                .join(", ")
        )],
        Operation::DropEnum { name } => vec![format!("DROP TYPE {}", ident(name))],
        Operation::DropEnumValue { name, .. } => drop_enum_value(name, after),
        Operation::SetPrimaryKey { table, columns } => {
            let key = ident(&format!("{table}_pkey"));
            let mut actions = vec![format!("DROP CONSTRAINT IF EXISTS {key}")];
            if !columns.is_empty() {
                actions.push(format!(
                    "ADD CONSTRAINT {key} PRIMARY KEY ({})",
                    ident_list(columns)
                ));
            }
            vec![alter(table, actions.join(", "))]
        }
        Operation::AddEnumValue { name, value } => {
            vec![format!(
                "ALTER TYPE {} ADD VALUE {}",
                ident(name),
                sql_string(value)
            )]
        }
        Operation::Execute { sql } => vec![sql.clone()],
        // Run by the runner itself; it has no SQL.
        #[cfg(feature = "runner")]
        Operation::RunRust { .. } => vec![],
    }
}

/// Rebuilds enum type `name` with the values `after` gives it, converting every column that uses
/// it; defaults are lifted around the conversion.
fn drop_enum_value(name: &str, after: &Schema) -> Vec<String> {
    let old = format!("{name}__capp_old");
    let users: Vec<(&str, &crate::schema::Column)> = after
        .tables
        .values()
        .flat_map(|t| t.columns.iter().map(move |c| (t.name.as_str(), c)))
        .filter(|(_, c)| matches!(&c.ty, ColumnType::Enum(e) if e == name))
        .collect();
    let alter = |t: &str, c: &str, rest: String| {
        format!("ALTER TABLE {} ALTER COLUMN {} {rest}", ident(t), ident(c))
    };
    let mut out = Vec::new();
    for (t, c) in users.iter().filter(|(_, c)| c.default.is_some()) {
        out.push(alter(t, &c.name, "DROP DEFAULT".to_owned()));
    }
    out.push(format!(
        "ALTER TYPE {} RENAME TO {}",
        ident(name),
        ident(&old)
    ));
    let values: Vec<String> = after
        .enums
        .get(name)
        .map(|v| v.iter().map(|v| sql_string(v)).collect())
        .unwrap_or_default();
    out.push(format!(
        "CREATE TYPE {} AS ENUM ({})",
        ident(name),
        values.join(", ")
    ));
    for (t, c) in &users {
        out.push(alter(
            t,
            &c.name,
            format!(
                "TYPE {} USING {}::text::{}",
                ident(name),
                ident(&c.name),
                ident(name)
            ),
        ));
    }
    for (t, c) in &users {
        if let Some(default) = &c.default {
            out.push(alter(t, &c.name, format!("SET DEFAULT {default}")));
        }
    }
    out.push(format!("DROP TYPE {}", ident(&old)));
    out
}

/// `before` is the table a rebuild starts from, as it was before `op`; `after` the whole schema
/// after it.
fn sqlite(
    op: &Operation,
    before: Option<&Table>,
    after: &Schema,
) -> Result<Vec<String>, FoldError> {
    let old = |table: &str| before.ok_or_else(|| FoldError::NoTable(table.to_owned()));
    let d = Dialect::Sqlite;
    Ok(match op {
        Operation::CreateTable(table) => {
            let mut out = vec![create_table(table, d, &table.name)];
            out.extend(table.indexes.iter().map(|i| create_index(i, d, false)));
            out
        }
        Operation::DropTable { name } => vec![format!("DROP TABLE {}", ident(name))],
        Operation::RenameTable { from, to } => vec![format!(
            "ALTER TABLE {} RENAME TO {}",
            ident(from),
            ident(to)
        )],
        // SQLite adds a nullable or defaulted column in place; NOT NULL without a default needs
        // the rows copied.
        Operation::AddColumn { table, column } if column.nullable || column.default.is_some() => {
            vec![format!(
                "ALTER TABLE {} ADD COLUMN {}",
                ident(table),
                column_def(column, d)
            )]
        }
        // SQLite drops a column in place unless a key, index or constraint uses it.
        Operation::DropColumn { table, column } if !sqlite_column_in_use(old(table)?, column) => {
            vec![format!(
                "ALTER TABLE {} DROP COLUMN {}",
                ident(table),
                ident(column)
            )]
        }
        Operation::RenameColumn { table, from, to } => {
            vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                ident(table),
                ident(from),
                ident(to)
            )]
        }
        Operation::CreateIndex { index, .. } => vec![create_index(index, d, false)],
        Operation::DropIndex { name, .. } => vec![format!("DROP INDEX {}", ident(name))],
        Operation::CreateEnum { .. }
        | Operation::DropEnum { .. }
        | Operation::AddEnumValue { .. }
        | Operation::DropEnumValue { .. } => vec![],
        Operation::Execute { sql } => vec![sql.clone()],
        #[cfg(feature = "runner")]
        Operation::RunRust { .. } => vec![],
        // What SQLite cannot do in place: the table is rebuilt.
        other => match sqlite_rebuild_candidate(other) {
            Some(table) => batch(old(table)?, after.table(table)?),
            None => unreachable!("every other operation is rendered above"),
        },
    })
}

/// The table of an operation SQLite may have to rebuild (some are done in place when they can be;
/// see `sqlite`).
fn sqlite_rebuild_candidate(op: &Operation) -> Option<&str> {
    match op {
        Operation::AddColumn { table, .. }
        | Operation::DropColumn { table, .. }
        | Operation::AlterColumn { table, .. }
        | Operation::AddUnique { table, .. }
        | Operation::AddForeignKey { table, .. }
        | Operation::AddCheck { table, .. }
        | Operation::DropConstraint { table, .. }
        | Operation::SetPrimaryKey { table, .. } => Some(table),
        _ => None,
    }
}

/// Whether SQLite's `DROP COLUMN` would refuse the column. Expressions are not parsed, so any
/// check or partial index that mentions the name counts, which at worst picks the (always
/// correct) table rebuild.
fn sqlite_column_in_use(table: &Table, column: &str) -> bool {
    let named = |cols: &[String]| cols.iter().any(|c| c == column);
    named(&table.primary_key)
        || table.uniques.iter().any(|u| named(&u.columns))
        || table.foreign_keys.iter().any(|f| named(&f.columns))
        || table.indexes.iter().any(|i| {
            named(&i.columns) || i.predicate.as_deref().is_some_and(|p| p.contains(column))
        })
        || table.checks.iter().any(|c| c.expr.contains(column))
}

/// Rebuilds `new` from `old` and copies the rows of the columns both have.
fn batch(old: &Table, new: &Table) -> Vec<String> {
    let d = Dialect::Sqlite;
    let temp = format!("_capp_batch_{}", new.name);
    let shared: Vec<String> = new
        .columns
        .iter()
        .filter(|c| old.get_column(&c.name).is_some())
        .map(|c| c.name.clone())
        .collect();
    let mut out = vec![create_table(new, d, &temp)];
    if !shared.is_empty() {
        let cols = ident_list(&shared);
        out.push(format!(
            "INSERT INTO {} ({cols}) SELECT {cols} FROM {}",
            ident(&temp),
            ident(&old.name)
        ));
    }
    out.push(format!("DROP TABLE {}", ident(&old.name)));
    out.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        ident(&temp),
        ident(&new.name)
    ));
    out.extend(new.indexes.iter().map(|i| create_index(i, d, false)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Operations;

    fn users() -> Schema {
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

    #[test]
    fn identifiers_are_quoted_and_values_escaped() {
        assert_eq!(ident("we\"ird"), "\"we\"\"ird\"");
        let mut op = Operations::default();
        op.add_column("users", "status", ColumnType::Varchar(50))
            .default_str("it's");
        op.create_enum("kyc", ["o'k"]);
        let mut schema = users();
        let sql = render(&op.operations()[0], Dialect::Postgres, &mut schema).unwrap();
        assert_eq!(
            sql,
            ["ALTER TABLE \"users\" ADD COLUMN \"status\" VARCHAR(50) DEFAULT 'it''s'"]
        );
        let sql = render(&op.operations()[1], Dialect::Postgres, &mut schema).unwrap();
        assert_eq!(sql, ["CREATE TYPE \"kyc\" AS ENUM ('o''k')"]);
    }

    #[test]
    fn sqlite_alters_in_batch_and_keeps_the_rows() {
        let mut op = Operations::default();
        op.alter_column("users", "email").ty(ColumnType::Text);
        let sql = render(&op.operations()[0], Dialect::Sqlite, &mut users()).unwrap();
        assert_eq!(
            sql,
            [
                "CREATE TABLE \"_capp_batch_users\" (\n    \"id\" UUID NOT NULL,\n    \"email\" TEXT NOT NULL,\n    CONSTRAINT \"users_pkey\" PRIMARY KEY (\"id\")\n)",
                "INSERT INTO \"_capp_batch_users\" (\"id\", \"email\") SELECT \"id\", \"email\" FROM \"users\"",
                "DROP TABLE \"users\"",
                "ALTER TABLE \"_capp_batch_users\" RENAME TO \"users\"",
                "CREATE UNIQUE INDEX \"ix_users_email\" ON \"users\" (\"email\")",
            ]
        );
    }

    #[test]
    fn an_operation_that_does_not_fit_the_schema_is_an_error() {
        let mut op = Operations::default();
        op.drop_column("users", "nope");
        assert_eq!(
            render(&op.operations()[0], Dialect::Postgres, &mut users()),
            Err(FoldError::NoColumn {
                table: "users".into(),
                column: "nope".into()
            })
        );
    }
}
