//! PostgreSQL's SQL: every operation in place, enum types as types.

use crate::objects::{ObjectId, ObjectKind, RowSecurity, SqlObject};
use crate::ops::ColumnChange;
use crate::ops::Operation;
use crate::render::{
    SqlDialect, check_sql, column_def, create_index, create_table_with_indexes, foreign_key_sql,
    ident, ident_list, rel, unique_sql,
};
use crate::schema::{
    Column, ColumnType, FoldError, Identity, Schema, Table, sql_string, sql_string_or_null,
};

/// PostgreSQL's dialect.
pub(crate) struct Postgres;

impl SqlDialect for Postgres {
    fn name(&self) -> &'static str {
        "postgresql"
    }

    fn backup_hint(&self) -> &'static str {
        "back it up first (pg_dump)"
    }

    fn adoptable(&self) -> bool {
        true
    }

    fn column_type(&self, ty: &ColumnType) -> String {
        match ty {
            ColumnType::Enum(name) => rel(name),
            ColumnType::Other(name) => name.clone(),
            ty => ty.sql_name(),
        }
    }

    /// A new primary key replaces the old one by the old one's name.
    fn rebuilds<'o>(&self, op: &'o Operation) -> Option<&'o str> {
        match op {
            Operation::SetPrimaryKey { table, .. } => Some(table),
            _ => None,
        }
    }

    fn statements(
        &self,
        op: &Operation,
        before: Option<&Table>,
        after: &Schema,
    ) -> Result<Vec<String>, FoldError> {
        if let Operation::Backfill(backfill) = op {
            let job = crate::backfill::Job::new(backfill, after, crate::render::current_schema())?;
            return Ok(vec![super::backfill::script(&job)]);
        }
        if let Operation::SetPrimaryKey { table, .. } = op {
            let mut statements = super::precheck::pre_checks(op, after);
            statements.extend(set_primary_key(before, after.table(table)?));
            return Ok(statements);
        }
        // The rows a constraint would reject are counted first, before its lock.
        let mut statements = super::precheck::pre_checks(op, after);
        statements.extend(own_statements(self, op, after));
        Ok(statements)
    }

    /// A `DO` block that raises when the statement found no row, so the migration's one round
    /// trip fails and rolls back instead of recording a step that did not happen.
    fn one_row(&self, statement: &str, refusal: &str) -> String {
        super::lock::do_block(&format!(
            "BEGIN {statement}; IF NOT FOUND THEN RAISE EXCEPTION USING MESSAGE = {}, ERRCODE = 'P0001'; END IF; END",
            sql_string(refusal)
        ))
    }

    fn search_path(&self, schema: &str) -> Option<String> {
        Some(format!("SET LOCAL search_path TO {}", ident(schema)))
    }

    fn audit_sql(&self) -> (&'static str, &'static str, &'static str) {
        (
            "current_user",
            "inet_client_addr()::text",
            "current_setting('application_name')",
        )
    }

    fn history_columns(&self) -> (&'static str, &'static str) {
        (
            "BIGSERIAL PRIMARY KEY",
            "TIMESTAMPTZ NOT NULL DEFAULT now()",
        )
    }
}

// Named SQL objects.

/// The statement that creates `object`.
pub(super) fn create_object_sql(object: &SqlObject) -> String {
    let name = rel(&object.id.name);
    let def = object.definition.trim().trim_end_matches(';').trim_end();
    match object.id.kind {
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

/// The statement that drops the object `id`.
pub(super) fn drop_object_sql(id: &ObjectId) -> String {
    let name = rel(&id.name);
    let on = id.table.as_deref().map(rel).unwrap_or_default();
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
        // A trigger's and a policy's names are their table's.
        ObjectKind::Trigger => format!("DROP TRIGGER {} ON {on}", ident(&id.name)),
        ObjectKind::Policy => format!("DROP POLICY {} ON {on}", ident(&id.name)),
    }
}

/// The statements that set `table`'s row-level security to `to`.
fn row_security_sql(table: &str, to: Option<RowSecurity>) -> Vec<String> {
    let alter = |rest: &str| format!("ALTER TABLE {} {rest}", rel(table));
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

/// An operation's own statements.
fn own_statements(d: &Postgres, op: &Operation, after: &Schema) -> Vec<String> {
    match op {
        Operation::CreateTable(table) => {
            let mut statements = create_table_with_indexes(table, d);
            statements.extend(
                table
                    .columns
                    .iter()
                    .filter_map(|c| serial_sequence(&table.name, c)),
            );
            statements.extend(
                table
                    .columns
                    .iter()
                    .filter_map(|c| statistics_sql(&table.name, c)),
            );
            statements.extend(table.indexes.iter().flat_map(index_statistics_sql));
            statements.extend(comments(table));
            if table.row_security.is_some() {
                statements.extend(row_security_sql(&table.name, table.row_security));
            }
            statements
        }
        Operation::AddColumn { table, column }
            if column.comment.is_some()
                || column.sequence.is_some()
                || column.statistics.is_some() =>
        {
            let mut statements = vec![simple(d, op)];
            statements.extend(serial_sequence(table, column));
            statements.extend(statistics_sql(table, column));
            if column.comment.is_some() {
                statements.push(comment_sql(
                    table,
                    Some(&column.name),
                    column.comment.as_deref(),
                ));
            }
            statements
        }
        Operation::AlterColumn {
            table,
            column,
            change,
        } => alter_column(d, table, column, change),
        Operation::DropEnumValue { name, .. } => drop_enum_value(name, after),
        // As pg_dump does: a body may use what is created after it.
        Operation::CreateObject(object) if object.id.kind == ObjectKind::Function => vec![
            "SET LOCAL check_function_bodies = off".to_owned(),
            create_object_sql(object),
        ],
        Operation::SetRowSecurity { table, to } => row_security_sql(table, *to),
        Operation::MakeNotNull { table, column } => make_not_null(table, column),
        // Built without blocking writes, then made the constraint under a short lock.
        Operation::AddUniqueConcurrently { table, unique } => vec![
            format!(
                "CREATE UNIQUE INDEX CONCURRENTLY {} ON {} ({})",
                ident(&unique.name),
                rel(table),
                crate::render::ident_list(&unique.columns)
            ),
            alter(
                table,
                format!(
                    "ADD CONSTRAINT {} UNIQUE USING INDEX {}",
                    ident(&unique.name),
                    ident(&unique.name)
                ),
            ),
        ],
        Operation::CreateIndex { index, .. } if !index.statistics.is_empty() => {
            let mut statements = vec![simple(d, op)];
            statements.extend(index_statistics_sql(index));
            statements
        }
        other => vec![simple(d, other)],
    }
}

/// The options of a serial column's sequence where they are not the defaults: `SERIAL` makes the
/// sequence, and this changes it (found by `pg_get_serial_sequence`, whatever name PostgreSQL
/// gave it).
fn serial_sequence(table: &str, column: &Column) -> Option<String> {
    let options = column.sequence.as_ref()?;
    if column.identity != Some(Identity::Serial) {
        return None;
    }
    let alter = format!("ALTER SEQUENCE %s {options} RESTART");
    Some(super::lock::do_block(&format!(
        "BEGIN EXECUTE format({}, pg_get_serial_sequence({}, {})); END",
        sql_string(&alter),
        sql_string(&rel(table)),
        sql_string(&column.name)
    )))
}

/// NOT NULL without a long lock: a check added NOT VALID, validated (a scan that blocks no
/// writes), then `SET NOT NULL`, which PostgreSQL (12 and later) proves from the validated check
/// without a scan, and the check dropped. Each statement is its own transaction.
fn make_not_null(table: &str, column: &str) -> Vec<String> {
    let check = ident(&crate::fold::object_name(table, column, "not_null"));
    vec![
        alter(
            table,
            format!(
                "ADD CONSTRAINT {check} CHECK ({} IS NOT NULL) NOT VALID",
                ident(column)
            ),
        ),
        alter(table, format!("VALIDATE CONSTRAINT {check}")),
        alter(
            table,
            format!("ALTER COLUMN {} SET NOT NULL", ident(column)),
        ),
        alter(table, format!("DROP CONSTRAINT {check}")),
    ]
}

/// The statistics targets of an index's expression columns.
fn index_statistics_sql(index: &crate::schema::Index) -> Vec<String> {
    index
        .statistics
        .iter()
        .map(|(column, target)| {
            format!(
                "ALTER INDEX {} ALTER COLUMN {column} SET STATISTICS {target}",
                rel(&index.name)
            )
        })
        .collect()
}

/// A column's statistics target, where it has one.
fn statistics_sql(table: &str, column: &Column) -> Option<String> {
    let target = column.statistics?;
    Some(alter(
        table,
        format!(
            "ALTER COLUMN {} SET STATISTICS {target}",
            ident(&column.name)
        ),
    ))
}

fn alter(table: &str, rest: String) -> String {
    format!("ALTER TABLE {} {rest}", rel(table))
}

/// Adding a foreign key or check (`NOT VALID` if asked), and validating one.
fn constraint_sql(op: &Operation) -> String {
    match op {
        Operation::AddForeignKey { table, foreign_key } => alter(
            table,
            format!(
                "ADD {}{}",
                foreign_key_sql(foreign_key),
                if foreign_key.not_valid {
                    " NOT VALID"
                } else {
                    ""
                }
            ),
        ),
        Operation::AddCheck { table, check } => alter(
            table,
            format!(
                "ADD {}{}",
                check_sql(check),
                if check.not_valid { " NOT VALID" } else { "" }
            ),
        ),
        Operation::ValidateConstraint { table, name } => {
            alter(table, format!("VALIDATE CONSTRAINT {}", ident(name)))
        }
        _ => unreachable!("only constraints come here"),
    }
}

/// The operations that are one statement.
fn simple(d: &Postgres, op: &Operation) -> String {
    match op {
        Operation::DropTable { name } => format!("DROP TABLE {}", rel(name)),
        Operation::RenameTable { from, to } => alter(from, format!("RENAME TO {}", ident(to))),
        Operation::AddColumn { table, column } => {
            alter(table, format!("ADD COLUMN {}", column_def(column, d)))
        }
        Operation::DropColumn { table, column } => {
            alter(table, format!("DROP COLUMN {}", ident(column)))
        }
        Operation::RenameColumn { table, from, to } => alter(
            table,
            format!("RENAME COLUMN {} TO {}", ident(from), ident(to)),
        ),
        Operation::CreateIndex {
            index,
            concurrently,
        } => create_index(index, *concurrently),
        Operation::DropIndex { name, concurrently } => format!(
            "DROP INDEX {}{}",
            if *concurrently { "CONCURRENTLY " } else { "" },
            rel(name)
        ),
        Operation::AddUnique { table, unique } => {
            alter(table, format!("ADD {}", unique_sql(unique)))
        }
        Operation::AddForeignKey { .. }
        | Operation::AddCheck { .. }
        | Operation::ValidateConstraint { .. } => constraint_sql(op),
        Operation::RenameConstraint { table, from, to } => alter(
            table,
            format!("RENAME CONSTRAINT {} TO {}", ident(from), ident(to)),
        ),
        Operation::DropConstraint { table, name } => {
            alter(table, format!("DROP CONSTRAINT {}", ident(name)))
        }
        Operation::CreateEnum { name, values } => format!(
            "CREATE TYPE {} AS ENUM ({})",
            rel(name),
            values
                .iter()
                .map(|v| sql_string(v))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Operation::DropEnum { name } => format!("DROP TYPE {}", rel(name)),
        // Database-wide: a history applied to many schemas creates it once (the first schema's
        // run) and leaves it to the database (see docs/fleets.md).
        Operation::CreateExtension { name } if crate::render::current_schema().is_some() => {
            format!("CREATE EXTENSION IF NOT EXISTS {}", ident(name))
        }
        Operation::CreateExtension { name } => format!("CREATE EXTENSION {}", ident(name)),
        Operation::Comment {
            table,
            column,
            comment,
        } => comment_sql(table, column.as_deref(), comment.as_deref()),
        // Other schemas of the database may use it: a schema's downgrade leaves it.
        Operation::DropExtension { .. } if crate::render::current_schema().is_some() => {
            String::new()
        }
        Operation::DropExtension { name } => format!("DROP EXTENSION {}", ident(name)),
        Operation::AddEnumValue { name, value } => {
            format!("ALTER TYPE {} ADD VALUE {}", rel(name), sql_string(value))
        }
        Operation::Execute { sql } => sql.clone(),
        Operation::CreateObject(object) => create_object_sql(object),
        Operation::DropObject(id) => drop_object_sql(id),
        Operation::CreateTable(_)
        | Operation::AddUniqueConcurrently { .. }
        | Operation::MakeNotNull { .. }
        | Operation::SetRowSecurity { .. }
        | Operation::AlterColumn { .. }
        | Operation::DropEnumValue { .. }
        | Operation::SetPrimaryKey { .. }
        | Operation::Backfill(_) => unreachable!("rendered by `statements`"),
        // Run by the runner itself; it has no SQL.
        Operation::RunRust { .. } => String::new(),
    }
}

fn alter_column(d: &Postgres, table: &str, column: &str, change: &ColumnChange) -> Vec<String> {
    let mut actions = Vec::new();
    if let Some(ty) = &change.ty {
        let ty = d.column_type(ty);
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
            actions.push(format!("ALTER COLUMN {} SET DEFAULT {expr}", ident(column)));
        }
        Some(None) => actions.push(format!("ALTER COLUMN {} DROP DEFAULT", ident(column))),
        None => {}
    }
    if let Some(target) = change.statistics {
        actions.push(format!(
            "ALTER COLUMN {} SET STATISTICS {}",
            ident(column),
            target.unwrap_or(-1)
        ));
    }
    if actions.is_empty() {
        vec![]
    } else {
        vec![alter(table, actions.join(", "))]
    }
}

/// Drops the key `before` had, by its name (the default one if it had none, `IF EXISTS`), and
/// adds the one of `after`.
fn set_primary_key(before: Option<&Table>, after: &Table) -> Vec<String> {
    let old = before
        .and_then(Table::primary_key_constraint)
        .unwrap_or_else(|| after.default_primary_key_name());
    let mut actions = vec![format!("DROP CONSTRAINT IF EXISTS {}", ident(&old))];
    if let Some(key) = after.primary_key_constraint() {
        actions.push(format!(
            "ADD CONSTRAINT {} PRIMARY KEY ({})",
            ident(&key),
            ident_list(&after.primary_key)
        ));
    }
    vec![alter(&after.name, actions.join(", "))]
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
        format!("ALTER TABLE {} ALTER COLUMN {} {rest}", rel(t), ident(c))
    };
    let mut out = Vec::new();
    for (t, c) in users.iter().filter(|(_, c)| c.default.is_some()) {
        out.push(alter(t, &c.name, "DROP DEFAULT".to_owned()));
    }
    out.push(format!(
        "ALTER TYPE {} RENAME TO {}",
        rel(name),
        ident(&old)
    ));
    let values: Vec<String> = after
        .enums
        .get(name)
        .map(|v| v.iter().map(|v| sql_string(v)).collect())
        .unwrap_or_default();
    out.push(format!(
        "CREATE TYPE {} AS ENUM ({})",
        rel(name),
        values.join(", ")
    ));
    for (t, c) in &users {
        out.push(alter(
            t,
            &c.name,
            format!(
                "TYPE {} USING {}::text::{}",
                rel(name),
                ident(&c.name),
                rel(name)
            ),
        ));
    }
    for (t, c) in &users {
        if let Some(default) = &c.default {
            out.push(alter(t, &c.name, format!("SET DEFAULT {default}")));
        }
    }
    out.push(format!("DROP TYPE {}", rel(&old)));
    out
}

/// `COMMENT ON TABLE` or `COMMENT ON COLUMN`; `None` removes the comment.
fn comment_sql(table: &str, column: Option<&str>, comment: Option<&str>) -> String {
    let target = match column {
        None => format!("TABLE {}", rel(table)),
        Some(column) => format!("COLUMN {}.{}", rel(table), ident(column)),
    };
    format!("COMMENT ON {target} IS {}", sql_string_or_null(comment))
}

/// The comments of a new table and its columns.
fn comments(table: &Table) -> Vec<String> {
    let table_comment = table
        .comment
        .as_deref()
        .map(|c| comment_sql(&table.name, None, Some(c)));
    let column_comments = table.columns.iter().filter_map(|column| {
        column
            .comment
            .as_deref()
            .map(|c| comment_sql(&table.name, Some(&column.name), Some(c)))
    });
    table_comment.into_iter().chain(column_comments).collect()
}

#[cfg(test)]
mod tests {
    use super::{create_object_sql, drop_object_sql};
    use crate::objects::{ObjectKind, SqlObject};

    #[test]
    fn each_kind_creates_and_drops_by_name() {
        let view = SqlObject::new(ObjectKind::View, "active", None, "SELECT 1;");
        assert_eq!(
            create_object_sql(&view),
            "CREATE VIEW \"active\" AS SELECT 1"
        );
        assert_eq!(drop_object_sql(&view.id), "DROP VIEW \"active\"");
        let trigger = SqlObject::new(
            ObjectKind::Trigger,
            "touch",
            Some("users"),
            "CREATE TRIGGER touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION t()",
        );
        assert_eq!(
            drop_object_sql(&trigger.id),
            "DROP TRIGGER \"touch\" ON \"users\""
        );
        assert_eq!(trigger.id.to_string(), "trigger touch on users");
        let function = SqlObject::new(ObjectKind::Function, "t()", None, "CREATE FUNCTION t() ...");
        assert_eq!(drop_object_sql(&function.id), "DROP ROUTINE t()");
    }

    use crate::Operations;
    use crate::render::fixtures::users;
    use crate::render::{Dialect, ident, render};
    use crate::schema::{ColumnType, FoldError};

    #[test]
    fn identifiers_are_quoted_and_values_escaped() {
        assert_eq!(ident("we\"ird"), "\"we\"\"ird\"");
        let mut op = Operations::default();
        op.add_column("users", "status", ColumnType::Varchar(50))
            .default_str("it's");
        op.create_enum("kyc", ["o'k"]);
        let mut schema = users();
        let sql = render(&op.operations()[0], Dialect::POSTGRES, &mut schema).unwrap();
        assert_eq!(
            sql,
            ["ALTER TABLE \"users\" ADD COLUMN \"status\" VARCHAR(50) DEFAULT 'it''s'"]
        );
        let sql = render(&op.operations()[1], Dialect::POSTGRES, &mut schema).unwrap();
        assert_eq!(sql, ["CREATE TYPE \"kyc\" AS ENUM ('o''k')"]);
    }

    #[test]
    fn an_operation_that_does_not_fit_the_schema_is_an_error() {
        let mut op = Operations::default();
        op.drop_column("users", "nope");
        assert_eq!(
            render(&op.operations()[0], Dialect::POSTGRES, &mut users()),
            Err(FoldError::NoColumn {
                table: "users".into(),
                column: "nope".into()
            })
        );
    }
}
