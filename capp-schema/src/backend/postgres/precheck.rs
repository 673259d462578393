//! Data pre-checks: before a constraint that scans a table (unique, NOT NULL, foreign key,
//! check, primary key), one query counts the rows that would violate it, under no lock stronger
//! than a read's, and fails the migration with the count and a few example keys. The heavy lock
//! the constraint takes is then never requested for a migration that would fail after a long
//! scan anyway; and the same check, in a `--sql` script, tells a DBA what to fix first.

use crate::ops::Operation;
use crate::render::{ident, rel};
use crate::schema::{Check, ForeignKey, Schema, Table, sql_string};

/// The SQLSTATE of a failed pre-check.
pub(crate) const PRECHECK_SQLSTATE: &str = "CS004";

/// How many example keys a failed pre-check names.
const EXAMPLES: usize = 5;

/// The pre-checks to run before `op`, on the schema after it (which knows the constraint and the
/// table's key).
pub(super) fn pre_checks(op: &Operation, after: &Schema) -> Vec<String> {
    let table = |name: &str| after.tables.get(name);
    match op {
        Operation::AddUnique { table: t, unique }
        | Operation::AddUniqueConcurrently { table: t, unique } => {
            vec![duplicates(t, &unique.name, &unique.columns)]
        }
        Operation::AddForeignKey {
            table: t,
            foreign_key,
        } if !foreign_key.not_valid => {
            vec![orphans(t, foreign_key)]
        }
        Operation::AddCheck { table: t, check } if !check.not_valid => table(t)
            .map(|tb| vec![failing(tb, check)])
            .unwrap_or_default(),
        Operation::AlterColumn {
            table: t,
            column,
            change,
        } if change.nullable == Some(false) => table(t)
            .map(|tb| vec![nulls(tb, column)])
            .unwrap_or_default(),
        Operation::MakeNotNull { table: t, column } => table(t)
            .map(|tb| vec![nulls(tb, column)])
            .unwrap_or_default(),
        Operation::SetPrimaryKey {
            table: t,
            columns,
            name,
        } if !columns.is_empty() => {
            let key = name.clone().unwrap_or_else(|| format!("{t}_pkey"));
            let mut out = vec![duplicates(t, &key, columns)];
            if let Some(tb) = table(t) {
                out.extend(columns.iter().map(|c| nulls(tb, c)));
            }
            out
        }
        Operation::ValidateConstraint { table: t, name } => {
            let Some(tb) = table(t) else {
                return Vec::new();
            };
            if let Some(fk) = tb.foreign_keys.iter().find(|f| f.name == *name) {
                vec![orphans(t, fk)]
            } else if let Some(check) = tb.checks.iter().find(|c| c.name == *name) {
                vec![failing(tb, check)]
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    }
}

/// The key that names a row in a message: its primary key, else its physical position.
fn row_key(table: &Table) -> String {
    if table.primary_key.is_empty() {
        "ctid::text".to_owned()
    } else {
        concat(&table.primary_key)
    }
}

/// `concat_ws(', ', "a", "b")`.
fn concat(columns: &[String]) -> String {
    let columns: Vec<String> = columns.iter().map(|c| ident(c)).collect();
    format!("concat_ws(', ', {})", columns.join(", "))
}

fn all_not_null(columns: &[String], qualifier: &str) -> String {
    columns
        .iter()
        .map(|c| format!("{qualifier}{} IS NOT NULL", ident(c)))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Values of `columns` that more than one row holds (rows with a NULL among them never clash).
fn duplicates(table: &str, constraint: &str, columns: &[String]) -> String {
    let list: Vec<String> = columns.iter().map(|c| ident(c)).collect();
    let rows = format!(
        "SELECT {} AS k FROM {} WHERE {} GROUP BY {} HAVING count(*) > 1",
        concat(columns),
        rel(table),
        all_not_null(columns, ""),
        list.join(", ")
    );
    block(
        &rows,
        &format!("unique constraint {constraint} on {table}"),
        "values of the key held by more than one row",
        "remove or merge the duplicates first",
    )
}

/// Rows whose `column` is NULL.
fn nulls(table: &Table, column: &str) -> String {
    let rows = format!(
        "SELECT {} AS k FROM {} WHERE {} IS NULL",
        row_key(table),
        rel(&table.name),
        ident(column)
    );
    block(
        &rows,
        &format!("NOT NULL on {}.{column}", table.name),
        "rows with NULL",
        "fill them in a data step first",
    )
}

/// Rows whose foreign key names no row of the referenced table.
fn orphans(table: &str, fk: &ForeignKey) -> String {
    let matches: Vec<String> = fk
        .columns
        .iter()
        .zip(&fk.ref_columns)
        .map(|(c, r)| format!("r.{} = t.{}", ident(r), ident(c)))
        .collect();
    let key: Vec<String> = fk
        .columns
        .iter()
        .map(|c| format!("t.{}", ident(c)))
        .collect();
    let rows = format!(
        "SELECT concat_ws(', ', {}) AS k FROM {} t WHERE {} AND NOT EXISTS (SELECT 1 FROM {} r WHERE {})",
        key.join(", "),
        rel(table),
        all_not_null(&fk.columns, "t."),
        rel(&fk.ref_table),
        matches.join(" AND ")
    );
    block(
        &rows,
        &format!("foreign key {} on {table}", fk.name),
        &format!("rows that reference no row of {}", fk.ref_table),
        "delete or repair them first",
    )
}

/// Rows the check's expression is false for (a NULL passes a check).
fn failing(table: &Table, check: &Check) -> String {
    let rows = format!(
        "SELECT {} AS k FROM {} WHERE ({}) IS FALSE",
        row_key(table),
        rel(&table.name),
        check.expr
    );
    block(
        &rows,
        &format!("check {} on {}", check.name, table.name),
        "rows that fail it",
        "fix them first",
    )
}

/// A `DO` block that counts the rows of `rows` (a query with a text column `k`) and fails with
/// the count and a few of them.
fn block(rows: &str, what: &str, found: &str, fix: &str) -> String {
    let message =
        format!("{what}: %s {found} (for example: %s); {fix}, then run the migration again");
    format!(
        "DO $capp_precheck$ DECLARE found bigint; examples text; BEGIN \
         SELECT count(*) INTO found FROM ({rows}) v; \
         IF found > 0 THEN \
         SELECT string_agg(k, '; ') INTO examples FROM (SELECT k FROM ({rows}) v LIMIT {EXAMPLES}) e; \
         RAISE EXCEPTION USING ERRCODE = '{PRECHECK_SQLSTATE}', MESSAGE = format({}, found, examples); \
         END IF; END $capp_precheck$",
        sql_string(&message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Operations;

    #[test]
    fn a_unique_constraint_is_preceded_by_a_count_of_duplicates() {
        let mut op = Operations::default();
        op.create_unique("uq_users_email", "users", ["email"]);
        let checks = pre_checks(&op.operations()[0], &Schema::default());
        assert_eq!(checks.len(), 1);
        assert!(
            checks[0].contains("GROUP BY \"email\" HAVING count(*) > 1"),
            "{}",
            checks[0]
        );
        assert!(checks[0].contains("'CS004'"));
        // Not for a constraint added NOT VALID: nothing is scanned then.
        let mut op = Operations::default();
        op.create_check("ck", "users", "x > 0").not_valid();
        assert!(pre_checks(&op.operations()[0], &Schema::default()).is_empty());
    }
}
