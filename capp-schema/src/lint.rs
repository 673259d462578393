//! The lint of every migration's PostgreSQL SQL, before anything runs: the statements the
//! runner would send are rendered from the history (as `show` and `--sql` render them) and
//! checked with squawk's rules for migrations that lock or rewrite a busy table. A table created
//! by an earlier migration may hold rows: an index built on it without `CONCURRENTLY`, a
//! `NOT NULL` column added to it, a foreign key validated on it, are findings. Each names the
//! migration's file and line, the statement, and the safe way in this API.
//!
//! Migrations before the chain's baseline (`#[chain(lint_from = "0004")]`) are history, applied
//! everywhere: they are folded, not linted.

use std::fmt;

use crate::chain::{Location, MigrationChain};
use crate::schema::{FoldError, Schema};

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rev: String,
    /// Where the migration is written.
    pub location: Location,
    /// The rule, in snake case as `allow_lint` names it: `require_concurrent_index_creation`.
    pub rule: String,
    /// What the rule found.
    pub message: String,
    /// The statement it is about, as rendered for PostgreSQL.
    pub statement: String,
    /// The safe way, in this API.
    pub instead: String,
}

/// The findings of a lint run, and what it covered.
#[derive(Debug, Clone, Default)]
pub struct LintReport {
    pub violations: Vec<Violation>,
    /// The migrations linted.
    pub linted: usize,
}

impl LintReport {
    /// Nothing found.
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }
}

impl fmt::Display for LintReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for v in &self.violations {
            writeln!(f, "{}: {} [{}]: {}", v.location, v.rev, v.rule, v.message)?;
            if !v.statement.is_empty() {
                writeln!(f, "  statement: {}", one_line(&v.statement))?;
            }
            writeln!(f, "  instead: {}", v.instead)?;
        }
        write!(
            f,
            "{} finding{} in {} migration{} linted",
            self.violations.len(),
            if self.violations.len() == 1 { "" } else { "s" },
            self.linted,
            if self.linted == 1 { "" } else { "s" }
        )
    }
}

/// A statement on one line, cut to a readable length.
fn one_line(statement: &str) -> String {
    let line = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 160 {
        format!("{}...", line.chars().take(157).collect::<String>())
    } else {
        line
    }
}

/// Why the history could not be linted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LintError {
    #[error("migration {rev} does not fold: {source}")]
    Fold {
        rev: String,
        #[source]
        source: FoldError,
    },
    #[error("no migration {0} in the chain")]
    NoRevision(String),
}

/// A finding of operations not yet compiled into a chain (what `revision --autogenerate` is
/// about to write).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: String,
    pub message: String,
    pub statement: String,
    pub instead: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "[{}]: {}", self.rule, self.message)?;
        writeln!(f, "  statement: {}", one_line(&self.statement))?;
        write!(f, "  instead: {}", self.instead)
    }
}

/// Lints `operations` as one migration starting from the schema `from` (the history's head),
/// `transactional` or not: what `revision --autogenerate` prints of the files it writes.
pub fn lint_operations(
    from: &Schema,
    operations: &[crate::ops::Operation],
    transactional: bool,
) -> Result<Vec<Finding>, FoldError> {
    let rendered = Rendered::of(&mut from.clone(), operations)?;
    Ok(rendered
        .findings(transactional)
        .into_iter()
        .map(|f| Finding {
            instead: instead_of(&f),
            statement: rendered.statement(&f),
            rule: f.rule,
            message: f.message,
        })
        .collect())
}

/// One migration's statements as the lint sees them.
struct Rendered {
    statements: Vec<String>,
    /// For each statement, whether it is about a table this migration created (empty, so
    /// nothing on it can be slow).
    on_new_table: Vec<bool>,
    /// The tables that existed before the migration.
    tables_before: Vec<String>,
}

impl Rendered {
    /// `operations` rendered for PostgreSQL from `schema`, which they advance.
    fn of(
        schema: &mut Schema,
        operations: &[crate::ops::Operation],
    ) -> Result<Rendered, FoldError> {
        let tables_before: Vec<String> = schema.tables.keys().cloned().collect();
        let mut statements = Vec::new();
        let mut on_new_table = Vec::new();
        for op in operations {
            // The safe form of a data change: its batches are not statements to lint.
            if let crate::ops::Operation::Backfill(_) = op {
                schema.apply(op)?;
                continue;
            }
            let sql = crate::render::render(op, crate::backend::LINT_DIALECT, schema)?;
            let new = table_of(op).is_some_and(|t| !tables_before.iter().any(|b| b == t));
            for statement in sql.into_iter().filter(|s| !s.trim().is_empty()) {
                statements.push(statement);
                on_new_table.push(new);
            }
        }
        Ok(Rendered {
            statements,
            on_new_table,
            tables_before,
        })
    }

    /// The findings that apply, squawk's and the lint's own, before any allow.
    fn findings(&self, in_transaction: bool) -> Vec<crate::backend::Finding> {
        let mut findings: Vec<_> =
            crate::backend::lint_statements(&self.statements, in_transaction)
                .into_iter()
                .filter(|f| applies(f, &self.statements, &self.on_new_table))
                .collect();
        findings.extend(unbatched_data_changes(
            &self.statements,
            &self.tables_before,
        ));
        findings
    }

    /// The statement a finding is about.
    fn statement(&self, finding: &crate::backend::Finding) -> String {
        self.statements
            .get(finding.statement)
            .cloned()
            .unwrap_or_default()
    }
}

/// The safe way of a finding: this API's, else squawk's help.
fn instead_of(finding: &crate::backend::Finding) -> String {
    instead(&finding.rule).map_or_else(|| finding.help.clone().unwrap_or_default(), str::to_owned)
}

/// Which migrations to lint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// From the chain's baseline (`lint_from`) to head: what `cargo test` checks.
    FromBaseline,
    /// Every migration, the baseline ignored.
    All,
    /// One revision.
    Only(&'a str),
}

/// Lints the chain's migrations in `scope`. `lint_from` is the chain's baseline
/// ([`crate::Chain::LINT_FROM`]).
pub fn lint(
    chain: &MigrationChain,
    lint_from: Option<&str>,
    scope: Scope<'_>,
) -> Result<LintReport, LintError> {
    if let Scope::Only(rev) = scope {
        chain
            .get(rev)
            .map_err(|_| LintError::NoRevision(rev.to_owned()))?;
    }
    let first = match (scope, lint_from) {
        (Scope::FromBaseline, Some(from)) => chain
            .position(from)
            .ok_or_else(|| LintError::NoRevision(from.to_owned()))?,
        _ => 0,
    };
    let mut schema = Schema::default();
    let mut report = LintReport::default();
    for (i, m) in chain.migrations().iter().enumerate() {
        let linted = match scope {
            Scope::Only(rev) => chain.position(rev) == Some(i),
            _ => i >= first,
        };
        let rendered = Rendered::of(&mut schema, &m.upgrade().operations).map_err(|source| {
            LintError::Fold {
                rev: m.rev().to_owned(),
                source,
            }
        })?;
        if !linted {
            continue;
        }
        report.linted += 1;
        report.violations.extend(findings_of(m, &rendered));
    }
    Ok(report)
}

/// The findings of one migration's statements, its allows applied.
fn findings_of(m: &crate::chain::Migration, rendered: &Rendered) -> Vec<Violation> {
    let mut out = Vec::new();
    let allowed = m.allowed_lints();
    let findings = rendered.findings(m.is_transactional());
    // An allow that no finding needs is a finding of its own: it would hide the next one.
    for (rule, _) in allowed
        .iter()
        .filter(|(r, _)| !findings.iter().any(|f| f.rule == *r))
    {
        out.push(Violation {
            rev: m.rev().to_owned(),
            location: m.location(),
            rule: "unused_allow".to_owned(),
            message: format!(
                "`allow_lint({rule} = ...)` is not needed: no statement of this migration breaks `{rule}`"
            ),
            statement: String::new(),
            instead: format!("remove `{rule}` from `allow_lint`"),
        });
    }
    for finding in findings
        .into_iter()
        .filter(|f| !allowed.iter().any(|(rule, _)| *rule == f.rule))
    {
        out.push(Violation {
            rev: m.rev().to_owned(),
            location: m.location(),
            instead: instead_of(&finding),
            statement: rendered.statement(&finding),
            rule: finding.rule,
            message: finding.message,
        });
    }
    out
}

/// Whether a finding applies: not a rule about rows on a table this migration created, nor a
/// missing lock timeout before a concurrent build or drop, which waits for a lock that blocks no
/// reads or writes (and for which the runner cannot set a timeout, outside a transaction).
fn applies(f: &crate::backend::Finding, statements: &[String], on_new_table: &[bool]) -> bool {
    let new = on_new_table.get(f.statement).copied().unwrap_or(false);
    let statement = statements.get(f.statement).map_or("", String::as_str);
    let about_rows = new && ABOUT_ROWS.contains(&f.rule.as_str());
    let concurrent = f.rule == "require_lock_timeout" && statement.contains(" CONCURRENTLY ");
    // A constraint added earlier in the same migration (the temporary check of `make_not_null`)
    // guarantees nothing a client could rely on yet.
    let own_constraint = f.rule == "ban_drop_constraint"
        && statement
            .split_once("DROP CONSTRAINT ")
            .is_some_and(|(_, name)| {
                let added = format!("ADD CONSTRAINT {}", name.trim());
                statements[..f.statement].iter().any(|s| s.contains(&added))
            });
    !(about_rows || concurrent || own_constraint)
}

/// The rules about what a statement does to the rows of an existing table (a scan, a rewrite, a
/// lock held while it runs): nothing, on a table created in the same migration, which is empty.
/// (Squawk knows a table created earlier in the same SQL for some rules, not all.)
const ABOUT_ROWS: [&str; 10] = [
    "require_concurrent_index_creation",
    "adding_required_field",
    "adding_not_nullable_field",
    "adding_foreign_key_constraint",
    "constraint_missing_not_valid",
    "changing_column_type",
    "adding_field_with_default",
    "disallowed_unique_constraint",
    "adding_serial_primary_key_field",
    "require_lock_timeout",
];

/// The table an operation changes, if it changes one.
fn table_of(op: &crate::ops::Operation) -> Option<&str> {
    use crate::ops::Operation as Op;
    Some(match op {
        Op::CreateTable(table) => &table.name,
        Op::AddColumn { table, .. }
        | Op::DropColumn { table, .. }
        | Op::RenameColumn { table, .. }
        | Op::AlterColumn { table, .. }
        | Op::AddUnique { table, .. }
        | Op::AddUniqueConcurrently { table, .. }
        | Op::ValidateConstraint { table, .. }
        | Op::MakeNotNull { table, .. }
        | Op::AddForeignKey { table, .. }
        | Op::AddCheck { table, .. }
        | Op::DropConstraint { table, .. }
        | Op::SetPrimaryKey { table, .. }
        | Op::RenameConstraint { table, .. }
        | Op::Comment { table, .. }
        | Op::SetRowSecurity { table, .. } => table,
        Op::CreateIndex { index, .. } => &index.table,
        _ => return None,
    })
}

/// Every rule the lint checks, as `allow_lint` names them.
pub fn rules() -> Vec<String> {
    let mut rules = crate::backend::lint_rule_names();
    rules.push(UNBATCHED.to_owned());
    rules
}

/// The lint's own rule: an `UPDATE` or `DELETE` of a table that existed before the migration,
/// in one statement: one transaction that holds its row locks (and bloats the table) until the
/// last row is written.
const UNBATCHED: &str = "unbatched_data_change";

/// `UPDATE` and `DELETE` statements on tables that existed before the migration.
fn unbatched_data_changes(
    statements: &[String],
    tables_before: &[String],
) -> Vec<crate::backend::Finding> {
    let mut out = Vec::new();
    for (i, statement) in statements.iter().enumerate() {
        for part in statement.split(';') {
            let words: Vec<String> = part
                .split_whitespace()
                .take(4)
                .map(str::to_ascii_lowercase)
                .collect();
            let target = match words.as_slice() {
                [update, table, ..] if update == "update" && table != "only" => table,
                [update, only, table, ..] if update == "update" && only == "only" => table,
                [delete, from, table, ..] if delete == "delete" && from == "from" => table,
                _ => continue,
            };
            let name = target
                .rsplit('.')
                .next()
                .unwrap_or(target)
                .trim_matches('"');
            if let Some(table) = tables_before.iter().find(|t| t.eq_ignore_ascii_case(name)) {
                out.push(crate::backend::Finding {
                    rule: UNBATCHED.to_owned(),
                    message: format!(
                        "one statement changes the rows of {table}, an existing table: one transaction holds their locks, and the table bloats, until the last row is written"
                    ),
                    help: None,
                    statement: i,
                });
            }
        }
    }
    out
}

/// The safe way of each rule's pattern, in this API.
fn instead(rule: &str) -> Option<&'static str> {
    Some(match rule {
        "require_concurrent_index_creation" => {
            "build it in a `transactional = false` migration with `op.create_index_concurrently(...)`, which takes no lock that blocks writes"
        }
        "require_concurrent_index_deletion" => {
            "drop it in a `transactional = false` migration with `op.drop_index_concurrently(...)`"
        }
        "ban_concurrent_index_creation_in_transaction" => {
            "declare the migration `transactional = false`: CONCURRENTLY cannot run inside a transaction"
        }
        "adding_foreign_key_constraint" | "constraint_missing_not_valid" => {
            "add it NOT VALID (`op.create_foreign_key(...).not_valid()`, `op.create_check(...).not_valid()`): a short lock and no scan; then `op.validate_constraint(...)` in a later migration, which scans without blocking writes"
        }
        "adding_not_nullable_field" | "adding_required_field" => {
            "add the column nullable (or with a constant default), backfill it with `op.backfill(...)`, then `op.make_not_null(table, column)` in a `transactional = false` migration: a validated check, then SET NOT NULL without a scan"
        }
        "adding_field_with_default" => {
            "add the column without the volatile default, set the default for new rows, and fill the existing ones with `op.backfill(...)`"
        }
        "changing_column_type" => {
            "add a column of the new type, write both, fill it with `op.backfill(...)`, move the readers, then drop the old column in a later migration"
        }
        "ban_drop_column" => {
            "remove the column from the models and deploy the code that no longer reads it first; then drop it, allowing `ban_drop_column` with that reason"
        }
        "ban_drop_table" => {
            "deploy the code that no longer uses the table first; then drop it, allowing `ban_drop_table` with that reason"
        }
        "renaming_column" | "renaming_table" | "renaming_object" => {
            "add the new name beside the old one (a new column kept in step, or a view), move every reader, then drop the old name in a later migration"
        }
        "disallowed_unique_constraint" => {
            "`op.create_unique_concurrently(...)` in a `transactional = false` migration: the unique index built concurrently, then made the constraint under a short lock"
        }
        "adding_serial_primary_key_field" => {
            "build the unique index concurrently first, then add the primary key USING INDEX"
        }
        "unbatched_data_change" => {
            "use `op.backfill(table, set).only_where(...)` in a `transactional = false` migration: keyset batches of bounded size and time, each its own short transaction, resumable after a crash; or allow it for a small table, with its size as the reason"
        }
        "ban_drop_not_null" => {
            "make sure the code writes the column before relying on NULLs; allow `ban_drop_not_null` with the reason"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    /// The macros check `allow_lint` against their own list of rules: it is the linter's.
    #[test]
    fn the_macros_know_the_rules_the_linter_checks() {
        let macros: &[&str] = include!("../../capp-schema-macros/src/lint_rules.rs");
        let mut macros: Vec<String> = macros.iter().map(|r| (*r).to_owned()).collect();
        let mut linter = super::rules();
        macros.sort();
        linter.sort();
        assert_eq!(macros, linter);
    }
}
