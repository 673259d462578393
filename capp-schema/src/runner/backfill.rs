//! A batched backfill, online: batch after batch, each its own transaction that records its last
//! key, with a pause between them; a batch cancelled by its time bound, or kept waiting for a row
//! lock, is tried again with half the keys, and the size grows back after batches that succeed.

use std::time::{Duration, Instant};

use super::Migrator;
use crate::backend::progress::{Batch, StepKey};
use crate::backend::{BatchStalled, Db, ExecError};
use crate::backfill::Job;

/// How often a running backfill says how far it got.
const SAY_EVERY: Duration = Duration::from_secs(5);

/// How many times in a row a batch of one key may fail its bounds before the backfill stops.
const MOST_FAILURES_OF_ONE: u32 = 5;

/// PostgreSQL's `query_canceled`: here, a batch cancelled by its `statement_timeout`.
const CANCELED_SQLSTATE: &str = "57014";

/// Where a backfill starts: after `cursor` (none: from the first key), with `rows` changed so far.
#[derive(Debug, Default)]
pub(crate) struct From {
    pub(crate) cursor: Option<Vec<String>>,
    pub(crate) rows: u64,
}

impl Migrator {
    /// Runs backfill piece `piece` of `step` to its end, and records it done.
    pub(super) async fn run_backfill(
        &self,
        db: &mut Db,
        step: StepKey<'_>,
        piece: usize,
        job: &Job,
        from: From,
        lock_timeout: Duration,
    ) -> Result<(), ExecError> {
        let tables = self.config.tables(db.dialect());
        let b = &job.backfill;
        let From { mut cursor, rows } = from;
        let mut total = rows;
        if let Some(cursor) = &cursor {
            tracing::info!(
                target: "capp_schema::backfill",
                rev = step.rev,
                table = %b.table,
                rows,
                "backfill of {}: resuming after key {}, {rows} rows changed before",
                b.table,
                key_text(job, cursor),
            );
        }
        let (started, mut said, mut batches) = (Instant::now(), Instant::now(), 0u64);
        let mut limit = b.batch_rows;
        let mut failures_of_one = 0;
        loop {
            let batch = Batch {
                step,
                piece,
                job,
                cursor: cursor.as_deref(),
                limit,
                lock_timeout,
            };
            match db.backfill_batch(&tables, batch).await {
                Ok(Some(done)) => {
                    total = done.total;
                    cursor = Some(done.cursor);
                    batches += 1;
                    failures_of_one = 0;
                    limit = limit.saturating_mul(2).min(b.batch_rows);
                }
                Ok(None) => break,
                Err(error) if over_bound(&error) => {
                    if limit == 1 {
                        failures_of_one += 1;
                        if failures_of_one >= MOST_FAILURES_OF_ONE {
                            return Err(ExecError::BatchStalled(Box::new(BatchStalled {
                                table: b.table.clone(),
                                after: cursor.as_deref().map(|c| key_text(job, c)),
                                bound: b.batch_time,
                                tries: failures_of_one,
                                source: error,
                            })));
                        }
                    }
                    limit = (limit / 2).max(1);
                    tracing::warn!(
                        target: "capp_schema::backfill",
                        rev = step.rev,
                        table = %b.table,
                        limit,
                        "backfill of {}: a batch went over its bound ({error}); trying again with {limit} keys",
                        b.table,
                    );
                }
                Err(error) => return Err(error),
            }
            if said.elapsed() >= SAY_EVERY {
                said = Instant::now();
                self.say_progress(step, job, total, batches, started, cursor.as_deref());
            }
            tokio::time::sleep(b.pause).await;
        }
        db.piece_done(&tables, step, piece).await?;
        self.say_progress(step, job, total, batches, started, cursor.as_deref());
        Ok(())
    }

    /// The `capp_schema::backfill` event of a backfill's progress.
    fn say_progress(
        &self,
        step: StepKey<'_>,
        job: &Job,
        total: u64,
        batches: u64,
        started: Instant,
        cursor: Option<&[String]>,
    ) {
        let elapsed = started.elapsed();
        tracing::info!(
            target: "capp_schema::backfill",
            rev = step.rev,
            table = %job.backfill.table,
            rows = total,
            batches,
            "backfill of {}: {total} rows changed, {batches} batches in {elapsed:.1?}{}",
            job.backfill.table,
            cursor.map_or_else(String::new, |c| format!(", at key {}", key_text(job, c))),
        );
    }
}

/// Whether a batch failed only its bounds: its time (`statement_timeout`) or a row lock it waited
/// for (`lock_timeout`). Either is tried again, smaller.
fn over_bound(error: &ExecError) -> bool {
    match error {
        ExecError::LockTimeout(_) => true,
        ExecError::Database(error) => error.code().as_deref() == Some(CANCELED_SQLSTATE),
        _ => false,
    }
}

/// `(id)=(523001)`, as PostgreSQL shows a key.
fn key_text(job: &Job, cursor: &[String]) -> String {
    format!("({})=({})", job.key.join(", "), cursor.join(", "))
}
