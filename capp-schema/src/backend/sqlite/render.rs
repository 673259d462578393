//! SQLite's SQL: what it cannot alter in place is done the way Alembic's batch mode does it, from
//! the schema model: create the new table, copy the rows, drop the old table, rename the new one,
//! recreate the indexes. Enum types are TEXT; there are no types to create.

use crate::objects::SqlObject;
use crate::ops::{ColumnChange, Operation};
use crate::render::{
    SqlDialect, column_def, create_index, create_table, create_table_with_indexes, ident,
    ident_list,
};
use crate::schema::{Column, ColumnType, FoldError, Index, Schema, Table};

/// SQLite's dialect.
pub(crate) struct Sqlite;

impl SqlDialect for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn backup_hint(&self) -> &'static str {
        "back it up first (copy the database file while nothing writes to it)"
    }

    fn column_type(&self, ty: &ColumnType) -> String {
        match ty {
            ColumnType::Enum(_) => "TEXT".to_owned(),
            ColumnType::Bytes => "BLOB".to_owned(),
            ColumnType::Other(name) => name.clone(),
            ty => ty.sql_name(),
        }
    }

    /// The table of an operation SQLite may have to rebuild (some are done in place when they
    /// can be; see `statements`).
    fn rebuilds<'o>(&self, op: &'o Operation) -> Option<&'o str> {
        match op {
            Operation::AddColumn { table, .. }
            | Operation::DropColumn { table, .. }
            | Operation::AlterColumn { table, .. }
            | Operation::AddUnique { table, .. }
            | Operation::AddUniqueConcurrently { table, .. }
            | Operation::MakeNotNull { table, .. }
            | Operation::AddForeignKey { table, .. }
            | Operation::AddCheck { table, .. }
            | Operation::DropConstraint { table, .. }
            | Operation::SetPrimaryKey { table, .. }
            | Operation::RenameConstraint { table, .. } => Some(table),
            _ => None,
        }
    }

    fn statements(
        &self,
        op: &Operation,
        before: Option<&Table>,
        after: &Schema,
    ) -> Result<Vec<String>, FoldError> {
        let old = |table: &str| before.ok_or_else(|| FoldError::NoTable(table.to_owned()));
        refuse_unsupported(op)?;
        Ok(match op {
            Operation::CreateTable(table) => create_table_with_indexes(table, self),
            Operation::DropTable { name } => vec![format!("DROP TABLE {}", ident(name))],
            Operation::RenameTable { from, to } => vec![format!(
                "ALTER TABLE {} RENAME TO {}",
                ident(from),
                ident(to)
            )],
            // SQLite adds a nullable or defaulted column in place; NOT NULL without a default
            // needs the rows copied.
            Operation::AddColumn { table, column }
                if column.nullable || column.default.is_some() =>
            {
                vec![format!(
                    "ALTER TABLE {} ADD COLUMN {}",
                    ident(table),
                    column_def(column, self)
                )]
            }
            // SQLite drops a column in place unless a key, index or constraint uses it.
            Operation::DropColumn { table, column } if !column_in_use(old(table)?, column) => {
                vec![format!(
                    "ALTER TABLE {} DROP COLUMN {}",
                    ident(table),
                    ident(column)
                )]
            }
            Operation::RenameColumn { table, from, to } => vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                ident(table),
                ident(from),
                ident(to)
            )],
            Operation::CreateIndex { index, .. } => vec![create_index(index, false)],
            Operation::DropIndex { name, .. } => vec![format!("DROP INDEX {}", ident(name))],
            // SQLite checks its constraints when they are added (the rebuild copies the rows
            // into the new table; foreign keys are checked before each commit): nothing to do.
            Operation::CreateEnum { .. }
            | Operation::ValidateConstraint { .. }
            | Operation::Comment { .. }
            | Operation::DropEnum { .. }
            | Operation::AddEnumValue { .. }
            | Operation::DropEnumValue { .. }
            | Operation::RunRust { .. } => vec![],
            Operation::Execute { sql } => vec![sql.clone()],
            // One transaction holds the whole migration here, and a write locks the database.
            Operation::Backfill(backfill) => {
                // The key is checked as on PostgreSQL, though one UPDATE does not walk it.
                crate::backfill::key_columns(backfill, after)?;
                let filter = backfill
                    .filter
                    .as_deref()
                    .map_or_else(String::new, |f| format!(" WHERE {f}"));
                vec![format!(
                    "UPDATE {} SET {}{filter}",
                    ident(&backfill.table),
                    backfill.set
                )]
            }
            // A statistics target is the PostgreSQL planner's: nothing here, and no rebuild.
            Operation::AlterColumn { change, .. }
                if *change
                    == ColumnChange {
                        statistics: change.statistics,
                        ..ColumnChange::default()
                    } =>
            {
                vec![]
            }
            // What SQLite cannot do in place: the table is rebuilt.
            other => match self.rebuilds(other) {
                Some(table) => batch(self, old(table)?, after.table(table)?),
                None => unreachable!("every other operation is rendered above"),
            },
        })
    }

    fn always_in_a_transaction(&self) -> bool {
        true
    }

    /// SQLite forgets constraint names (its canonical form has none).
    fn keeps_constraint_names(&self) -> bool {
        false
    }

    fn begin(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }

    /// SQLite keeps no names for unique and foreign-key constraints and no checks in its catalog,
    /// and its enum columns are TEXT.
    fn canonical(&self, schema: &mut Schema) {
        schema.enums.clear();
        for table in schema.tables.values_mut() {
            // SQLite keeps no comments.
            table.comment = None;
            for column in &mut table.columns {
                column.comment = None;
                // Nor statistics targets.
                column.statistics = None;
                if matches!(column.ty, ColumnType::Enum(_)) {
                    column.ty = ColumnType::Text;
                }
            }
            for index in &mut table.indexes {
                index.statistics.clear();
            }
            table.checks.clear();
            // Its primary key's name is in the `CREATE TABLE` text only.
            table.primary_key_name = None;
            for u in &mut table.uniques {
                u.name.clear();
            }
            for fk in &mut table.foreign_keys {
                fk.name.clear();
                // Declared and honoured by SQLite, but not shown by its pragmas.
                fk.deferrable = None;
            }
            table.uniques.sort_by(|a, b| a.columns.cmp(&b.columns));
            table
                .foreign_keys
                .sort_by(|a, b| (&a.columns, &a.ref_table).cmp(&(&b.columns, &b.ref_table)));
        }
    }

    fn history_columns(&self) -> (&'static str, &'static str) {
        (
            "INTEGER PRIMARY KEY AUTOINCREMENT",
            "TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP",
        )
    }
}

/// Whether SQLite's `DROP COLUMN` would refuse the column. Expressions are not parsed, so any
/// check or partial index that mentions the name counts, which at worst picks the (always
/// correct) table rebuild.
fn column_in_use(table: &Table, column: &str) -> bool {
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
fn batch(d: &Sqlite, old: &Table, new: &Table) -> Vec<String> {
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
    out.extend(new.indexes.iter().map(|i| create_index(i, false)));
    out
}

/// PostgreSQL's objects SQLite has no counterpart of: extensions, named SQL objects, row-level
/// security, partitions.
fn refuse_postgres_objects(op: &Operation) -> Result<(), FoldError> {
    if let Operation::CreateExtension { name } | Operation::DropExtension { name } = op {
        return Err(FoldError::NotSupported {
            what: format!(
                "extension {name} is PostgreSQL's, and SQLite has no extensions: keep this history to PostgreSQL"
            ),
        });
    }
    match op {
        Operation::CreateObject(SqlObject { id, .. }) | Operation::DropObject(id) => {
            return Err(FoldError::NotSupported {
                what: format!(
                    "{id}: this SQLite backend builds no named SQL objects (views, triggers, functions, ...), since a table rebuild would break them: keep this history to PostgreSQL"
                ),
            });
        }
        Operation::SetRowSecurity { table, .. }
        | Operation::CreateTable(Table {
            name: table,
            row_security: Some(_),
            ..
        }) => {
            return Err(FoldError::NotSupported {
                what: format!(
                    "row-level security on {table} is PostgreSQL's, and SQLite has none: keep this history to PostgreSQL"
                ),
            });
        }
        Operation::CreateTable(table)
            if table.partition_by.is_some() || table.partition_of.is_some() =>
        {
            return Err(FoldError::NotSupported {
                what: format!(
                    "table {} is partitioned or a partition, and SQLite has no partitions: keep this history to PostgreSQL",
                    table.name
                ),
            });
        }
        _ => {}
    }
    Ok(())
}

/// What SQLite does not have (extensions, array, identity and generated columns, index methods
/// and included columns): an error naming the object, never a silent approximation.
fn refuse_unsupported(op: &Operation) -> Result<(), FoldError> {
    refuse_postgres_objects(op)?;
    let columns: Vec<(&str, &Column)> = match op {
        Operation::CreateTable(table) => table
            .columns
            .iter()
            .map(|c| (table.name.as_str(), c))
            .collect(),
        Operation::AddColumn { table, column } => vec![(table.as_str(), column)],
        _ => Vec::new(),
    };
    let array = |ty: &ColumnType| matches!(ty, ColumnType::Array(_));
    let indexes: Vec<&Index> = match op {
        Operation::CreateTable(table) => table.indexes.iter().collect(),
        Operation::CreateIndex { index, .. } => vec![index],
        _ => Vec::new(),
    };
    if let Some(index) = indexes.iter().find(|i| !i.include.is_empty()) {
        return Err(FoldError::NotSupported {
            what: format!(
                "index {} on {} has INCLUDE columns, which SQLite does not have: keep this history to PostgreSQL",
                index.name, index.table
            ),
        });
    }
    if let Some(index) = indexes.into_iter().find(|i| i.method.is_some()) {
        return Err(FoldError::NotSupported {
            what: format!(
                "index {} on {} uses the {} method, and SQLite has only its own b-tree indexes: keep this history to PostgreSQL",
                index.name,
                index.table,
                index.method.as_deref().unwrap_or_default()
            ),
        });
    }
    if let Some((table, column)) = columns.iter().find(|(_, c)| c.generated.is_some()) {
        return Err(FoldError::NotSupported {
            what: format!(
                "column {table}.{} is a stored generated column, which this SQLite backend does not build (SQLite cannot add one to an existing table): keep this history to PostgreSQL",
                column.name
            ),
        });
    }
    if let Some((table, column)) = columns.iter().find(|(_, c)| c.identity.is_some()) {
        return Err(FoldError::NotSupported {
            what: format!(
                "column {table}.{} is an identity column, and SQLite has none: keep this history to PostgreSQL, or make it an INTEGER PRIMARY KEY, which SQLite numbers itself",
                column.name
            ),
        });
    }
    if let Some((table, column)) = columns.into_iter().find(|(_, c)| array(&c.ty)) {
        return Err(FoldError::NotSupported {
            what: format!(
                "column {table}.{} is an array ({}), and SQLite has no array types: keep this history to PostgreSQL, or store the values another way (a JSON column, a table of its own)",
                column.name,
                column.ty.sql_name()
            ),
        });
    }
    if let Operation::AlterColumn {
        table,
        column,
        change,
    } = op
        && change.ty.as_ref().is_some_and(array)
    {
        return Err(FoldError::NotSupported {
            what: format!(
                "column {table}.{column} would become an array, and SQLite has no array types"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::Operations;
    use crate::render::fixtures::users;
    use crate::render::{Dialect, render};
    use crate::schema::ColumnType;

    #[test]
    fn sqlite_alters_in_batch_and_keeps_the_rows() {
        let mut op = Operations::default();
        op.alter_column("users", "email").ty(ColumnType::Text);
        let sql = render(&op.operations()[0], Dialect::SQLITE, &mut users()).unwrap();
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
}
