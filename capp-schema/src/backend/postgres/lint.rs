//! The lint of PostgreSQL statements, in-process with squawk: the rules that catch a migration
//! which locks or rewrites a busy table, run over one migration's statements at a time, with the
//! context the runner gives them (whether they run inside a transaction).

use squawk_linter::{Linter, Rule};
use squawk_syntax::SourceFile;

/// One finding of the linter: the rule (squawk's name), what it says, and which of the linted
/// statements it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) rule: String,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
    pub(crate) statement: usize,
}

/// Rules squawk enables by default that this lint leaves out:
/// - style, not locks or rewrites: the types a schema uses are its authors' choice
///   (`prefer-bigint-over-int`, `prefer-text-field`, ...);
/// - `prefer-robust-stmts` (`IF NOT EXISTS` for re-runs): every migration runs in the runner's
///   transaction, recorded by its bookkeeping, and is never re-run half done;
/// - `identifier-too-long`: names over 63 bytes are refused when the history is folded;
/// - `require-statement-timeout`: it flags every statement on an existing table, slow or not;
///   the statements that scan or rewrite one have rules of their own (an index built without
///   CONCURRENTLY, a NOT NULL column, a validated foreign key, a type change), and a migration
///   bounds its statements with its own `statement_timeout` where it wants one.
const LEFT_OUT: [Rule; 9] = [
    Rule::PreferBigintOverInt,
    Rule::PreferBigintOverSmallint,
    Rule::PreferIdentity,
    Rule::PreferTextField,
    Rule::PreferTimestampTz,
    Rule::BanCharField,
    Rule::PreferRobustStmts,
    Rule::IdentifierTooLong,
    Rule::RequireStatementTimeout,
];

/// Every rule name the lint knows, as `allow_lint` spells them (snake case).
pub(crate) fn rule_names() -> Vec<String> {
    enum_iterator::all::<Rule>()
        .filter(|r| !r.is_opt_in() && !LEFT_OUT.contains(r) && r.expands_to().is_empty())
        .map(|r| r.to_string().replace('-', "_"))
        .collect()
}

/// Lints `statements` as one migration: inside a transaction if `in_transaction`, with the lock
/// timeout the runner sets first.
pub(crate) fn lint(statements: &[String], in_transaction: bool) -> Vec<Finding> {
    // The runner sets it for each migration's transaction, and outside a transaction for each
    // statement that can run in one (not `CONCURRENTLY`).
    let mut text = String::from("SET lock_timeout = '1s';\n");
    let context = text.len();
    let mut ends = Vec::with_capacity(statements.len());
    for statement in statements {
        text.push_str(statement.trim_end().trim_end_matches(';'));
        text.push_str(";\n");
        ends.push(text.len());
    }
    let parsed = SourceFile::parse(&text);
    let mut linter = Linter::with_rules(&[], &LEFT_OUT);
    linter.settings.assume_in_transaction = in_transaction;
    let mut findings: Vec<Finding> = linter
        .lint(&parsed, &text)
        .into_iter()
        .filter(|v| usize::from(v.text_range.start()) >= context)
        .map(|v| {
            let at = usize::from(v.text_range.start());
            Finding {
                rule: v.code.to_string().replace('-', "_"),
                message: v.message,
                help: v.help,
                statement: ends.iter().position(|end| at < *end).unwrap_or(0),
            }
        })
        .collect();
    findings.sort_by(|a, b| (a.statement, &a.rule).cmp(&(b.statement, &b.rule)));
    findings.dedup();
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_on_an_existing_table_is_flagged_and_one_on_a_new_table_is_not() {
        let existing = lint(&["CREATE INDEX ix ON users (email)".to_owned()], true);
        assert_eq!(existing[0].rule, "require_concurrent_index_creation");
        assert_eq!(existing[0].statement, 0);
        let new = lint(
            &[
                "CREATE TABLE t (id bigint PRIMARY KEY, email text)".to_owned(),
                "CREATE INDEX ix ON t (email)".to_owned(),
            ],
            true,
        );
        assert!(new.is_empty(), "{new:?}");
    }

    #[test]
    fn rule_names_are_snake_case_and_style_rules_are_left_out() {
        let names = rule_names();
        assert!(names.contains(&"adding_not_nullable_field".to_owned()));
        assert!(!names.contains(&"prefer_text_field".to_owned()));
    }
}
