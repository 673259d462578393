//! Batched backfills on PostgreSQL: one batch is one transaction of one statement (bounded by
//! `statement_timeout`) that updates the rows among the next keys and records the last key in
//! the progress table; the script form is a `DO` block that commits after each batch.

use std::fmt::Write as _;
use std::time::Duration;

use super::lock;
use crate::backend::Tables;
use crate::backend::bookkeeping::Row;
use crate::backend::progress::{Batch, PieceProgress, StepKey};
use crate::backfill::Job;
use crate::render::{ident, rel};
use crate::schema::sql_string;

/// `"a", "b"`: the key columns, quoted.
fn columns(job: &Job, prefix: &str) -> String {
    job.key
        .iter()
        .map(|c| format!("{prefix}{}", ident(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `"a" DESC, "b" DESC`.
fn descending(job: &Job) -> String {
    job.key
        .iter()
        .map(|c| format!("{} DESC", ident(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `WITH` list of one batch: `keys`, the next `limit` keys after `after` (SQL for a row of
/// values; `None`: from the first), and `changed`, the update of the rows among them that match
/// the filter.
fn batch_ctes(job: &Job, after: Option<&str>, limit: u32) -> String {
    let cols = columns(job, "");
    let table = rel(&job.backfill.table);
    let after = after.map_or_else(String::new, |after| format!(" WHERE ({cols}) > ({after})"));
    let filter = job
        .backfill
        .filter
        .as_deref()
        .map_or_else(String::new, |f| format!(" AND ({f})"));
    format!(
        "WITH keys AS (SELECT {cols} FROM {table}{after} ORDER BY {cols} LIMIT {limit}),\n\
         changed AS (UPDATE {table} SET {set} WHERE ({cols}) IN (SELECT {cols} FROM keys){filter} RETURNING 1)",
        set = job.backfill.set,
    )
}

/// The script form, for `--sql`: a `DO` block that walks the table and commits after each batch
/// (PostgreSQL 11 or later, run outside a transaction block, as psql does without `-1`).
pub(super) fn script(job: &Job) -> String {
    let b = &job.backfill;
    let cols = columns(job, "");
    let last = columns(job, "last.");
    let next = |after: Option<&str>| {
        format!(
            "{},\n      last_keys AS (SELECT {cols} FROM keys ORDER BY {} LIMIT 1)\n      SELECT {cols} INTO last FROM last_keys;",
            batch_ctes(job, after, b.batch_rows),
            descending(job),
        )
    };
    let mut body = String::new();
    let _ = write!(
        body,
        "\nDECLARE\n  last record;\n  started boolean := false;\nBEGIN\n  LOOP\n    \
         PERFORM set_config('lock_timeout', {bound}, true);\n    \
         PERFORM set_config('statement_timeout', {bound}, true);\n    \
         IF started THEN\n      {later}\n    ELSE\n      {first}\n    END IF;\n    \
         EXIT WHEN NOT FOUND;\n    started := true;\n    COMMIT;\n    PERFORM pg_sleep({pause});\n  END LOOP;\nEND\n",
        bound = millis(b.batch_time),
        later = next(Some(&last)),
        first = next(None),
        pause = b.pause.as_secs_f64(),
    );
    format!(
        "-- backfill of {} in batches of {} keys, each its own transaction\n{}",
        rel(&b.table),
        b.batch_rows,
        lock::do_block(&body)
    )
}

/// The progress table: where each piece of a step outside a transaction got to.
pub(super) fn create_progress_sql(tables: &Tables) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n    rev VARCHAR(32) NOT NULL,\n    direction VARCHAR(16) NOT NULL,\n    piece INTEGER NOT NULL,\n    checksum VARCHAR(64) NOT NULL,\n    key_values TEXT[],\n    rows_changed BIGINT NOT NULL DEFAULT 0,\n    batches BIGINT NOT NULL DEFAULT 0,\n    done BOOLEAN NOT NULL DEFAULT false,\n    updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),\n    PRIMARY KEY (rev, direction, piece)\n)",
        tables.progress()
    )
}

/// `WHERE` for one step's rows of the progress table.
fn of_step(step: &StepKey) -> String {
    format!(
        "rev = {} AND direction = {}",
        sql_string(step.rev),
        sql_string(step.direction)
    )
}

/// Forgets a step's progress (a fresh run, or the step's last transaction).
pub(super) fn clear_progress_sql(tables: &Tables, step: &StepKey) -> String {
    format!(
        "DELETE FROM {} WHERE {};\n",
        tables.progress(),
        of_step(step)
    )
}

/// Records piece `piece` of the step as done.
pub(super) fn piece_done_sql(tables: &Tables, step: &StepKey, piece: usize) -> String {
    format!(
        "INSERT INTO {t} AS p (rev, direction, piece, checksum, done, updated_at) VALUES ({}, {}, {piece}, {}, true, clock_timestamp()) \
         ON CONFLICT (rev, direction, piece) DO UPDATE SET done = true, checksum = EXCLUDED.checksum, updated_at = EXCLUDED.updated_at",
        sql_string(step.rev),
        sql_string(step.direction),
        sql_string(step.checksum),
        t = tables.progress(),
    )
}

/// A step's progress, one row per piece and key value: piece, checksum, one key value (in
/// order), rows changed, done.
pub(super) fn progress_sql(tables: &Tables, step: &StepKey) -> String {
    format!(
        "SELECT p.piece::text, p.checksum, u.v, p.rows_changed::text, p.done::text FROM {} p \
         LEFT JOIN LATERAL unnest(p.key_values) WITH ORDINALITY AS u(v, ord) ON true \
         WHERE {} ORDER BY p.piece, u.ord",
        tables.progress(),
        of_step(step)
    )
}

/// The progress of a step from [`progress_sql`]'s rows.
pub(super) fn progress_of(rows: Vec<Row>) -> Vec<PieceProgress> {
    let mut out: Vec<PieceProgress> = Vec::new();
    for (piece, checksum, value, rows_changed, done) in rows {
        let Ok(piece) = piece.parse::<usize>() else {
            continue;
        };
        if out.last().is_none_or(|p| p.piece != piece) {
            out.push(PieceProgress {
                piece,
                checksum,
                done: done.as_deref() == Some("true"),
                cursor: Vec::new(),
                rows: rows_changed.and_then(|r| r.parse().ok()).unwrap_or(0),
            });
        }
        if let (Some(value), Some(last)) = (value, out.last_mut()) {
            last.cursor.push(value);
        }
    }
    out
}

/// One batch as one transaction: the bounds, the fence (the lease is still this runner's), and
/// the statement that updates the rows among the next keys and records the last key; it answers
/// one row per key value of the new cursor (none when no key was left): `b`, its position, the
/// value, the rows changed so far, the rows this batch changed.
pub(super) fn batch_sql(tables: &Tables, batch: &Batch, fence: &str) -> String {
    crate::render::in_schema(batch.job.schema.as_deref(), || {
        batch_sql_here(tables, batch, fence)
    })
}

fn batch_sql_here(tables: &Tables, batch: &Batch, fence: &str) -> String {
    let job = batch.job;
    // SQL written by hand (the SET list, the filter) sees the tenant's schema only.
    let search_path = job
        .schema
        .as_deref()
        .and_then(|schema| crate::render::Dialect::POSTGRES.search_path(schema))
        .map(|set| format!("{set};\n"))
        .unwrap_or_default();
    let after = batch.cursor.map(|values| {
        values
            .iter()
            .map(|v| sql_string(v))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let last_values = job
        .key
        .iter()
        .map(|c| format!("last.{}::text", ident(c)))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "BEGIN;\nSET LOCAL statement_timeout = {bound};\nSET LOCAL lock_timeout = {lock};\n{search_path}{fence}\
         {ctes},\n\
         last AS (SELECT {cols} FROM keys ORDER BY {desc} LIMIT 1),\n\
         saved AS (INSERT INTO {progress} AS p (rev, direction, piece, checksum, key_values, rows_changed, batches, done, updated_at) \
         SELECT {rev}, {direction}, {piece}, {checksum}, ARRAY[{last_values}], (SELECT count(*) FROM changed), 1, false, clock_timestamp() FROM last \
         ON CONFLICT (rev, direction, piece) DO UPDATE SET key_values = EXCLUDED.key_values, rows_changed = p.rows_changed + EXCLUDED.rows_changed, \
         batches = p.batches + 1, checksum = EXCLUDED.checksum, updated_at = EXCLUDED.updated_at \
         RETURNING p.key_values, p.rows_changed)\n\
         SELECT 'b', u.ord::text, u.v, (SELECT rows_changed::text FROM saved), (SELECT count(*)::text FROM changed) \
         FROM saved, unnest(saved.key_values) WITH ORDINALITY AS u(v, ord) ORDER BY u.ord;\nCOMMIT;\n",
        bound = millis(job.backfill.batch_time),
        lock = millis(batch.lock_timeout.min(job.backfill.batch_time)),
        ctes = batch_ctes(job, after.as_deref(), batch.limit),
        cols = columns(job, ""),
        desc = descending(job),
        progress = tables.progress(),
        rev = sql_string(batch.step.rev),
        direction = sql_string(batch.step.direction),
        piece = batch.piece,
        checksum = sql_string(batch.step.checksum),
    )
}

/// A duration as a setting, at least 1 ms (0 would turn the timeout off).
fn millis(duration: Duration) -> String {
    lock::millis(duration.max(Duration::from_millis(1)))
}
