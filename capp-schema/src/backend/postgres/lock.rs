//! PostgreSQL's migration lock, correct through a transaction-pooling proxy (PgBouncer in
//! `pool_mode = transaction`), where no session state outlives a transaction: each migration's
//! transaction takes a transaction-level advisory lock without waiting and checks the version
//! under it, in the same round trip as the migration. A step that must run outside a
//! transaction (`CREATE INDEX CONCURRENTLY`) holds a lease instead: a row with an expiry, taken
//! under the advisory lock, renewed from a second connection while the step runs, and checked
//! and deleted by the step's last transaction (fencing). Every taker of the advisory lock treats
//! a live lease as the lock being held. Waiting happens in the runner, outside any transaction.

use std::time::Duration;

use crate::backend::{
    BUSY_SQLSTATE, LEASE_LOST_SQLSTATE, MOVED_SQLSTATE, TableLock, Tables, Timeouts,
};
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

/// The statements of a `DO` block that take the transaction-level lock without waiting: another
/// session holding it, or a live lease of a step outside a transaction, fails the transaction
/// with [`BUSY_SQLSTATE`], and the runner waits outside any transaction (a waiter inside one
/// would hold a snapshot that a concurrent index build waits for, a deadlock PostgreSQL cannot
/// see; and through a transaction-pooling proxy it would hold a server connection).
fn take_lock(tables: &Tables) -> String {
    let lease = sql_string(&tables.lease());
    format!(
        "IF NOT pg_try_advisory_xact_lock({key}) THEN {busy} END IF; \
         IF to_regclass({lease}) IS NOT NULL THEN IF EXISTS (SELECT 1 FROM {table} WHERE expires_at > clock_timestamp()) THEN {busy} END IF; END IF;",
        key = key(tables),
        table = tables.lease(),
        busy = raise(
            "capp-schema: another session holds the migration lock",
            BUSY_SQLSTATE
        ),
    )
}

/// A PL/pgSQL statement raising `message` with `sqlstate`.
fn raise(message: &str, sqlstate: &str) -> String {
    format!(
        "RAISE EXCEPTION USING MESSAGE = {}, ERRCODE = {};",
        sql_string(message),
        sql_string(sqlstate)
    )
}

/// A condition that holds when the version is not `expected`.
fn moved(tables: &Tables, expected: Option<&str>) -> String {
    let version = tables.version();
    match expected {
        Some(rev) => format!(
            "(SELECT count(*) FROM {version}) <> 1 OR NOT EXISTS (SELECT 1 FROM {version} WHERE version_num = {})",
            sql_string(rev)
        ),
        None => format!("EXISTS (SELECT 1 FROM {version})"),
    }
}

/// For the rest of the transaction: the server probes a silent client with TCP keepalives
/// (after 30 s, every 10 s, 3 times) and, from PostgreSQL 14, checks during long statements that
/// the client is still connected, so a runner that is cut off or killed cannot hold the
/// migration lock for long.
const CUT_OFF: &str = "SET LOCAL tcp_keepalives_idle = 30; SET LOCAL tcp_keepalives_interval = 10; SET LOCAL tcp_keepalives_count = 3; \
     IF current_setting('server_version_num')::int >= 140000 THEN PERFORM set_config('client_connection_check_interval', '10000', true); END IF;";

/// `BEGIN`, then one `DO` block: the transaction-level lock, the timeouts for this transaction
/// only, and a guard that fails the transaction with [`MOVED_SQLSTATE`] unless the version is
/// `expected`. (One block rather than several statements: each `DO` is compiled where it runs.)
pub(super) fn begin(tables: &Tables, expected: Option<&str>, timeouts: Timeouts) -> String {
    let statement_timeout = timeouts.statement.map_or_else(String::new, |t| {
        format!(" SET LOCAL statement_timeout = {};", millis(t))
    });
    // The lock is taken before the timeouts are set: they bound DDL waiting for tables.
    let body = format!(
        "BEGIN {lock} SET LOCAL lock_timeout = {};{statement_timeout} SET LOCAL idle_in_transaction_session_timeout = {}; {CUT_OFF} IF {moved} THEN {raise} END IF; END",
        millis(timeouts.lock),
        millis(timeouts.idle),
        lock = take_lock(tables),
        moved = moved(tables, expected),
        raise = raise(
            "capp-schema: another runner moved the version",
            MOVED_SQLSTATE
        ),
    );
    format!("BEGIN;\n{};\n", do_block(&body))
}

/// `SET LOCAL` of a migration's lock and statement timeouts, for the rest of the transaction
/// (the statement timeout back to the session's when the migration sets none).
pub(super) fn set_timeouts(timeouts: Timeouts) -> String {
    let statement = timeouts
        .statement
        .map_or_else(|| "DEFAULT".to_owned(), millis);
    format!(
        "SET LOCAL lock_timeout = {};\nSET LOCAL statement_timeout = {statement};\n",
        millis(timeouts.lock)
    )
}

/// `statement` run with a lock timeout, as one implicit transaction.
pub(super) fn bounded(statement: &str, lock_timeout: Duration) -> String {
    format!(
        "SET LOCAL lock_timeout = {};\n{statement}",
        millis(lock_timeout)
    )
}

/// A duration as a PostgreSQL setting: `'1500ms'`.
pub(super) fn millis(duration: Duration) -> String {
    sql_string(&format!("{}ms", duration.as_millis()))
}

/// `body` as one transaction under the transaction-level lock.
pub(super) fn transaction(tables: &Tables, body: &str) -> String {
    let lock = do_block(&format!("BEGIN {} END", take_lock(tables)));
    format!("BEGIN;\n{lock};\n{body}COMMIT;\n")
}

/// The lease table: one row while a step outside a transaction holds the migration lock.
fn create_lease_table(tables: &Tables) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n    token VARCHAR(64) NOT NULL PRIMARY KEY,\n    rev VARCHAR(32) NOT NULL,\n    taken_at TIMESTAMPTZ NOT NULL,\n    expires_at TIMESTAMPTZ NOT NULL,\n    run_by VARCHAR(128),\n    client_addr VARCHAR(64),\n    application VARCHAR(128)\n)",
        tables.lease()
    )
}

/// Takes the lease for step `rev` with `token`, under the transaction-level lock and only when
/// the version is `expected`, valid for `ttl`; an expired lease is replaced. The lease table is
/// made on first use, under the lock.
pub(super) fn take_lease(
    tables: &Tables,
    expected: Option<&str>,
    rev: &str,
    token: &str,
    ttl: Duration,
) -> String {
    let lease = tables.lease();
    let body = format!(
        "BEGIN {lock} IF {moved} THEN {raise} END IF; \
         IF to_regclass({lease_name}) IS NULL THEN {create}; END IF; DELETE FROM {lease}; \
         INSERT INTO {lease} (token, rev, taken_at, expires_at, run_by, client_addr, application) \
         VALUES ({token}, {rev}, clock_timestamp(), clock_timestamp() + {ttl}::interval, current_user, host(inet_client_addr()), current_setting('application_name')); END",
        lock = take_lock(tables),
        moved = moved(tables, expected),
        raise = raise(
            "capp-schema: another runner moved the version",
            MOVED_SQLSTATE
        ),
        lease_name = sql_string(&lease),
        create = create_lease_table(tables),
        token = sql_string(token),
        rev = sql_string(rev),
        ttl = millis(ttl),
    );
    format!("BEGIN;\n{};\nCOMMIT;\n", do_block(&body))
}

/// Extends the lease `token` by `ttl`; touches no row when it was lost.
pub(super) fn renew_lease(tables: &Tables, token: &str, ttl: Duration) -> String {
    format!(
        "UPDATE {} SET expires_at = clock_timestamp() + {}::interval WHERE token = {}",
        tables.lease(),
        millis(ttl),
        sql_string(token)
    )
}

/// For a step's last transaction: fails it unless the lease `token` is still this runner's
/// (fencing: a runner whose lease expired and was taken cannot move the version), and ends it.
pub(super) fn release_lease(tables: &Tables, token: &str) -> String {
    let body = format!(
        "BEGIN DELETE FROM {} WHERE token = {}; IF NOT FOUND THEN {} END IF; END",
        tables.lease(),
        sql_string(token),
        raise(
            "capp-schema: the migration lock's lease was taken by another runner",
            LEASE_LOST_SQLSTATE
        )
    );
    format!("{};\n", do_block(&body))
}

/// For a transaction in the middle of a step outside a transaction (a backfill's batch): fails
/// it unless the lease `token` is still this runner's, so a runner cut off long enough to lose
/// it changes nothing more.
pub(super) fn fence(tables: &Tables, token: &str) -> String {
    let body = format!(
        "BEGIN IF NOT EXISTS (SELECT 1 FROM {} WHERE token = {}) THEN {} END IF; END",
        tables.lease(),
        sql_string(token),
        raise(
            "capp-schema: the migration lock's lease was taken by another runner",
            LEASE_LOST_SQLSTATE
        )
    );
    format!("{};\n", do_block(&body))
}

/// Ends the lease `token` if it is still there.
pub(super) fn drop_lease(tables: &Tables, token: &str) -> String {
    format!(
        "DELETE FROM {} WHERE token = {}",
        tables.lease(),
        sql_string(token)
    )
}

/// Who holds the transaction- or session-level lock: the sessions holding the advisory lock.
pub(super) fn holder_sql(tables: &Tables) -> String {
    format!(
        "SELECT a.pid::text, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), host(a.client_addr), \
         extract(epoch FROM clock_timestamp() - coalesce(a.xact_start, a.backend_start))::text, coalesce(a.query, '') \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.pid <> pg_backend_pid() \
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND ((l.classid::bigint << 32) | l.objid::bigint) = {}",
        key(tables)
    )
}

/// Who holds a live lease, if the lease table exists.
pub(super) fn lease_holder_sql(tables: &Tables) -> String {
    format!(
        "SELECT NULL, coalesce(application, ''), coalesce(run_by, ''), client_addr, \
         extract(epoch FROM clock_timestamp() - taken_at)::text, 'migration ' || rev || ' outside a transaction (lease until ' || expires_at::text || ')' \
         FROM {} WHERE expires_at > clock_timestamp()",
        tables.lease()
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

/// The other sessions whose transactions, open for at least `min_age`, hold locks that conflict
/// with `on` (any relation of this database, not the system catalogs, when `on` is empty),
/// oldest first.
///
/// The session details come from `pg_stat_get_activity(pid)` for the matching locks only: the
/// `pg_stat_activity` view reads every backend, which costs this query, run before each
/// migration that alters a table, about 0.4 ms more.
pub(super) fn long_transactions_sql(min_age: Duration, on: &[TableLock]) -> String {
    let (from, conflicts) = if on.is_empty() {
        (
            "pg_locks l".to_owned(),
            "l.relation >= 16384 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())".to_owned(),
        )
    } else {
        let wanted: Vec<String> = on
            .iter()
            .map(|lock| {
                format!(
                    "(to_regclass(format('%I', {})), {})",
                    sql_string(&lock.table),
                    lock.blocks_reads
                )
            })
            .collect();
        (
            format!(
                "pg_locks l JOIN (VALUES {}) AS w(rel, blocks_reads) ON l.relation = w.rel",
                wanted.join(", ")
            ),
            // A `SHARE` lock waits for writers only.
            "(w.blocks_reads OR l.mode NOT IN ('AccessShareLock', 'RowShareLock', 'ShareLock'))"
                .to_owned(),
        )
    };
    format!(
        "SELECT a.pid::text, coalesce(a.application_name, ''), coalesce(pg_get_userbyid(a.usesysid)::text, ''), host(a.client_addr), \
         extract(epoch FROM clock_timestamp() - a.xact_start)::text, \
         'holds ' || string_agg(DISTINCT l.mode || ' on ' || l.relation::regclass::text, ', ') || ': ' || coalesce(a.query, '') \
         FROM {from} CROSS JOIN LATERAL pg_stat_get_activity(l.pid) a \
         WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid() AND {conflicts} \
         AND a.xact_start < clock_timestamp() - {}::interval \
         GROUP BY a.pid, a.application_name, a.usesysid, a.client_addr, a.xact_start, a.query \
         ORDER BY a.xact_start LIMIT 5",
        millis(min_age)
    )
}
