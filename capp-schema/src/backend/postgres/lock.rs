//! PostgreSQL's migration lock, correct through a transaction-pooling proxy (PgBouncer in
//! `pool_mode = transaction`), where no session state outlives a transaction: each migration's
//! transaction takes a transaction-level advisory lock and checks the version under it, in the
//! same round trip as the migration. Only a step that must run outside a transaction takes a
//! session-level lock, and releasing it checks that this session held it.

use std::time::Duration;

use crate::backend::{MOVED_SQLSTATE, Tables, Timeouts};
use crate::schema::sql_string;

/// The advisory-lock key, computed by the server from the version table's resolved,
/// schema-qualified name: `--version-schema public` and the default (a search path of
/// `public`) are one table and take one key, and two histories in one database do not block
/// each other.
pub(super) fn key(tables: &Tables) -> String {
    let schema = tables
        .schema
        .as_deref()
        .map_or_else(|| "current_schema()".to_owned(), sql_string);
    format!(
        "hashtextextended(format('%I.%I', {schema}, {}), 0)",
        sql_string(&tables.version_name)
    )
}

/// `BEGIN`, then one `DO` block: the transaction-level lock, the timeouts for this transaction
/// only, and a guard that fails the transaction with [`MOVED_SQLSTATE`] unless the version is
/// `expected`. (One block rather than three statements: each `DO` is compiled where it runs.)
pub(super) fn begin(tables: &Tables, expected: Option<&str>, timeouts: Timeouts) -> String {
    let version = tables.version();
    let moved = match expected {
        Some(rev) => format!(
            "(SELECT count(*) FROM {version}) <> 1 OR NOT EXISTS (SELECT 1 FROM {version} WHERE version_num = {})",
            sql_string(rev)
        ),
        None => format!("EXISTS (SELECT 1 FROM {version})"),
    };
    let statement_timeout = timeouts.statement.map_or_else(String::new, |t| {
        format!(" SET LOCAL statement_timeout = {};", millis(t))
    });
    // The lock is taken before the timeouts are set: they bound DDL waiting for tables, not
    // this wait for another runner's migration.
    let body = format!(
        "BEGIN PERFORM pg_advisory_xact_lock({}); SET LOCAL lock_timeout = {};{statement_timeout} IF {moved} THEN RAISE EXCEPTION USING MESSAGE = 'capp-schema: another runner moved the version', ERRCODE = {}; END IF; END",
        key(tables),
        millis(timeouts.lock),
        sql_string(MOVED_SQLSTATE)
    );
    format!("BEGIN;\n{};\n", do_block(&body))
}

/// A duration as a PostgreSQL setting: `'1500ms'`.
fn millis(duration: Duration) -> String {
    sql_string(&format!("{}ms", duration.as_millis()))
}

/// `body` as one transaction under the transaction-level lock.
pub(super) fn transaction(tables: &Tables, body: &str) -> String {
    format!(
        "BEGIN;\nSELECT pg_advisory_xact_lock({});\n{body}COMMIT;\n",
        key(tables)
    )
}

/// A `DO` block of `body`, in a dollar quote that `body` cannot contain, whatever the names and
/// strings in it.
pub(super) fn do_block(body: &str) -> String {
    let tag = (0..)
        .map(|n| format!("$capp{n}$"))
        .find(|tag| !body.contains(tag.as_str()))
        .expect("some tag is not in the body");
    format!("DO {tag}{body}{tag}")
}
