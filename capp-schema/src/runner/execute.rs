//! The online executor: runs a plan's steps on a database, one transaction per migration (or one
//! for all), with the version update and the history row in the same transaction.

use std::time::Instant;

use tracing::Instrument;

use super::backfill;
use super::migrator::Stop;
use super::plan::{Direction, Piece, Plan, RenderedStep, Renderer, Resuming, Step};
use super::retry::Backoff;
use super::{
    Applied, Index, LockNotGranted, Migrator, Report, RunError, StateError, TransactionMode,
};
use crate::backend::progress::{PieceProgress, StepKey};
use crate::backend::{Db, DbError, ExecError, HistoryRow, LockHolder, Outcome};
use crate::chain::Migration;

/// How often a migration that waits for long transactions to leave its tables says so again.
const SAY_AGAIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Whose transaction a migration runs in.
#[derive(Debug, Clone, Copy)]
enum Envelope {
    /// Its own: a failure leaves the database where the step started.
    Own,
    /// The run's one transaction, open since `since`: a failure leaves the database there.
    Shared { since: Index },
}

/// How one step ended.
enum Ran {
    Done,
    /// Another process moved the version first: nothing ran.
    Moved,
    /// Another session holds the migration lock: nothing ran.
    Busy,
}

impl Ran {
    /// Why the run stops after this step, if it does.
    fn stop(&self) -> Option<Stop> {
        match self {
            Ran::Done => None,
            Ran::Moved => Some(Stop::Moved),
            Ran::Busy => Some(Stop::Busy),
        }
    }
}

impl Migrator {
    /// Runs the plan's steps.
    pub(crate) async fn run(&self, db: &mut Db, plan: &Plan) -> Result<Report, RunError> {
        let mut report = Report::at(self.rev_at(plan.from));
        if plan.steps.is_empty() {
            return Ok(report);
        }
        let single = self.config.transaction_mode == TransactionMode::Single;
        if single {
            if let Some(m) = plan.first_non_transactional(&self.chain) {
                return Err(RunError::NonTransactionalInSingleTransaction {
                    rev: m.rev().to_owned(),
                });
            }
            if let Some(stop) = self.begin_single(db, plan).await?.stop() {
                report.stop = stop;
                return Ok(report);
            }
        }
        let mut renderer = Renderer::new(&self.chain, db.dialect(), plan.from)?
            .in_schema(self.config.schema.as_deref());
        for &step in &plan.steps {
            let m = self.chain.migrations()[step.index];
            let mut rendered = renderer.render(step)?;
            if plan.record_downgrades && step.direction == Direction::Upgrade {
                rendered.downgrade_sql = renderer.downgrade_sql(step.index);
            }
            let span = tracing::info_span!(
                target: "capp_schema::migration",
                "migration",
                rev = m.rev(),
                direction = step.direction.as_str(),
                migration_message = m.message(),
            );
            let started = Instant::now();
            let (ran, lock_retries) = self
                .run_step(db, plan, &m, step, &rendered)
                .instrument(span.clone())
                .await?;
            let _entered = span.enter();
            if let Some(stop) = ran.stop() {
                tracing::info!(
                    target: "capp_schema::migration",
                    rev = m.rev(),
                    direction = step.direction.as_str(),
                    "{}: another runner moved the database first, so nothing of it ran here; planning again",
                    step.describe(&m)
                );
                report.stop = stop;
                return Ok(report);
            }
            let duration = started.elapsed();
            tracing::info!(
                target: "capp_schema::migration",
                rev = m.rev(),
                direction = step.direction.as_str(),
                duration_ms = duration.as_millis() as u64,
                lock_retries,
                "Done {} in {} ms{}",
                step.describe(&m),
                duration.as_millis(),
                match lock_retries {
                    0 => String::new(),
                    1 => ", after 1 lock retry".to_owned(),
                    n => format!(", after {n} lock retries"),
                }
            );
            report.to = self.rev_at(step.after());
            report.applied.push(Applied {
                rev: m.rev().to_owned(),
                message: m.message().to_owned(),
                direction: step.direction,
                duration,
                lock_retries,
            });
        }
        if single {
            self.commit_single(db, plan, &report).await?;
        }
        Ok(report)
    }

    /// One step, in the envelope the plan and the step need; says when it starts, and each of
    /// its statements at the debug level. Answers how it ended and how often it paused for
    /// its table locks.
    async fn run_step(
        &self,
        db: &mut Db,
        plan: &Plan,
        m: &Migration,
        step: Step,
        rendered: &RenderedStep,
    ) -> Result<(Ran, u32), RunError> {
        tracing::info!(
            target: "capp_schema::migration",
            rev = m.rev(),
            direction = step.direction.as_str(),
            migration_message = m.message(),
            "Running {}, {}",
            step.describe(m),
            m.message()
        );
        for piece in &rendered.pieces {
            match piece {
                Piece::Sql(statement) => {
                    tracing::debug!(target: "capp_schema::sql", rev = m.rev(), "{statement}");
                }
                Piece::Rust(name, _) => {
                    tracing::debug!(target: "capp_schema::sql", rev = m.rev(), "Rust data step \"{name}\"");
                }
                Piece::Backfill { job, .. } => {
                    tracing::debug!(target: "capp_schema::sql", rev = m.rev(), "backfill of {} in batches of {} keys", job.backfill.table, job.backfill.batch_rows);
                }
            }
        }
        if !rendered.in_transaction {
            let ran = self
                .run_outside_transaction_locked(db, plan, m, step, rendered)
                .await?;
            return Ok((ran, 0));
        }
        if self.config.transaction_mode == TransactionMode::Single {
            let envelope = Envelope::Shared { since: plan.from };
            let ran = self
                .run_in_transaction(db, m, step, rendered, envelope)
                .await?;
            return Ok((ran, 0));
        }
        self.run_with_lock_retries(db, m, step, rendered).await
    }

    /// A migration in its own transaction, tried again while its table locks are not granted
    /// within the lock timeout, until the retry budget is spent (see `retry`). Before each
    /// attempt, the tables its DDL locks are checked for transactions older than one attempt
    /// that hold conflicting locks: while there are any, it waits (saying who) instead of
    /// queueing behind them, which would stall every query on those tables. Answers how many
    /// times it paused before trying again.
    async fn run_with_lock_retries(
        &self,
        db: &mut Db,
        m: &Migration,
        step: Step,
        rendered: &RenderedStep,
    ) -> Result<(Ran, u32), RunError> {
        let lock_timeout = self.config.timeouts_for(m).lock;
        let mut backoff = Backoff::new(self.config.lock_retry_budget_for(m));
        let (mut attempts, mut pauses) = (0, 0);
        let mut last_error = None;
        let mut said: Option<Instant> = None;
        loop {
            let mut blockers = if rendered.locks.is_empty() {
                Vec::new()
            } else {
                db.long_transactions(lock_timeout, &rendered.locks)
                    .await
                    .unwrap_or_default()
            };
            let pause = if blockers.is_empty() {
                attempts += 1;
                match self.try_once(db, m, step, rendered).await? {
                    Ok(ran) => return Ok((ran, pauses)),
                    Err(error) => last_error = Some(error),
                }
                // What the DDL queued behind: transactions older than one attempt.
                blockers = db
                    .long_transactions(lock_timeout, &rendered.locks)
                    .await
                    .unwrap_or_default();
                let pause = backoff.next_pause();
                self.say_locks_not_granted(m, step, lock_timeout, attempts, pause, &blockers);
                pause
            } else {
                // Not tried while they hold the tables: looking costs the traffic nothing.
                let pause = backoff.poll();
                if said.is_none_or(|said| said.elapsed() >= SAY_AGAIN) {
                    said = Some(Instant::now());
                    self.say_locks_not_granted(m, step, lock_timeout, attempts, pause, &blockers);
                }
                pause
            };
            if let Some(pause) = pause {
                pauses += 1;
                tokio::time::sleep(pause).await;
                continue;
            }
            let error = match last_error {
                Some(error) => error,
                // The budget is spent without an attempt: one now, whatever it queues behind,
                // for at most the lock timeout.
                None => {
                    attempts += 1;
                    match self.try_once(db, m, step, rendered).await? {
                        Ok(ran) => return Ok((ran, pauses)),
                        Err(error) => error,
                    }
                }
            };
            return Err(self.not_granted(m, step, attempts, &backoff, blockers, error));
        }
    }

    /// One attempt of a migration in its own transaction: `Err` inside when its table locks
    /// were not granted within the lock timeout.
    async fn try_once(
        &self,
        db: &mut Db,
        m: &Migration,
        step: Step,
        rendered: &RenderedStep,
    ) -> Result<Result<Ran, DbError>, RunError> {
        match self
            .run_in_transaction(db, m, step, rendered, Envelope::Own)
            .await
        {
            Ok(ran) => Ok(Ok(ran)),
            Err(RunError::MigrationFailed {
                source: ExecError::LockTimeout(error),
                ..
            }) => Ok(Err(error)),
            Err(other) => Err(other),
        }
    }

    /// The failure of a migration whose table locks were not granted within the budget.
    fn not_granted(
        &self,
        m: &Migration,
        step: Step,
        attempts: u32,
        backoff: &Backoff,
        blockers: Vec<LockHolder>,
        source: DbError,
    ) -> RunError {
        RunError::LockNotGranted(Box::new(LockNotGranted {
            rev: m.rev().to_owned(),
            direction: step.direction.as_str(),
            attempts,
            lock_timeout: self.config.timeouts_for(m).lock,
            waited: backoff.elapsed(),
            at: self.describe(step.before()),
            blockers,
            source,
        }))
    }

    /// The `capp_schema::lock` event of a migration that waits for its table locks.
    fn say_locks_not_granted(
        &self,
        m: &Migration,
        step: Step,
        lock_timeout: std::time::Duration,
        attempts: u32,
        pause: Option<std::time::Duration>,
        blockers: &[LockHolder],
    ) {
        tracing::warn!(
            target: "capp_schema::lock",
            rev = m.rev(),
            attempts,
            lock_timeout_ms = lock_timeout.as_millis() as u64,
            retry = pause.is_some(),
            "migration {} ({}): {}{}{}",
            m.rev(),
            step.direction.as_str(),
            if attempts == 0 {
                "not tried yet: long transactions hold its tables".to_owned()
            } else {
                format!("table locks not granted within {lock_timeout:?}")
            },
            match pause {
                Some(pause) => format!("; trying again in {pause:.1?}"),
                None => "; the retry budget is spent".to_owned(),
            },
            blockers
                .iter()
                .map(|b| format!("; waiting behind {b}"))
                .collect::<String>(),
        );
    }

    /// Opens the one transaction of a single-transaction run, under the migration lock.
    async fn begin_single(&self, db: &mut Db, plan: &Plan) -> Result<Ran, RunError> {
        let tables = self.config.tables(db.dialect());
        let expected = self.rev_at(plan.from);
        let mut batch = String::new();
        let began = db
            .begin_migration(
                &tables,
                expected.as_deref(),
                self.config.timeouts(),
                &mut batch,
            )
            .await;
        let began = match began {
            Ok(()) if !batch.is_empty() => db.execute(&batch).await.map_err(ExecError::from),
            other => other,
        };
        match began {
            Ok(()) => Ok(Ran::Done),
            Err(ExecError::Moved) => {
                let _ = db.execute("ROLLBACK").await;
                Ok(Ran::Moved)
            }
            Err(ExecError::Busy) => {
                let _ = db.execute("ROLLBACK").await;
                Ok(Ran::Busy)
            }
            Err(source) => {
                let _ = db.execute("ROLLBACK").await;
                Err(RunError::MigrationFailed {
                    rev: String::new(),
                    direction: "begin",
                    at: self.describe(plan.from),
                    source,
                })
            }
        }
    }

    async fn commit_single(
        &self,
        db: &mut Db,
        plan: &Plan,
        report: &Report,
    ) -> Result<(), RunError> {
        db.execute("COMMIT")
            .await
            .map_err(|source| RunError::MigrationFailed {
                rev: report
                    .applied
                    .last()
                    .map(|a| a.rev.clone())
                    .unwrap_or_default(),
                direction: "commit",
                at: self.describe(plan.from),
                source: source.into(),
            })
    }

    /// One migration in one transaction, which the backend opens and closes: on PostgreSQL one
    /// round trip (BEGIN, its statements, the version update, the history row, COMMIT); on
    /// SQLite the write lock first and the version re-read under it.
    async fn run_in_transaction(
        &self,
        db: &mut Db,
        m: &Migration,
        step: Step,
        rendered: &RenderedStep,
        envelope: Envelope,
    ) -> Result<Ran, RunError> {
        let (from, to) = (step.before(), step.after());
        let (own_transaction, stays_at) = match envelope {
            Envelope::Own => (true, from),
            Envelope::Shared { since } => (false, since),
        };
        let failed = |source: ExecError| RunError::MigrationFailed {
            rev: m.rev().to_owned(),
            direction: step.direction.as_str(),
            at: self.describe(stays_at),
            source,
        };
        let tables = self.config.tables(db.dialect());
        let started = Instant::now();
        let mut batch = String::new();
        if !own_transaction {
            // The run's one transaction: this migration's own timeouts, or the run's again.
            batch.push_str(&db.timeouts_sql(self.config.timeouts_for(m)));
        }
        let search_path = self
            .config
            .schema
            .as_deref()
            .map(|schema| db.search_path_sql(schema))
            .unwrap_or_default();
        if own_transaction {
            let expected = self.rev_at(from);
            let timeouts = self.config.timeouts_for(m);
            match db
                .begin_migration(&tables, expected.as_deref(), timeouts, &mut batch)
                .await
            {
                Ok(()) => {}
                Err(ExecError::Moved) => return Ok(Ran::Moved),
                Err(ExecError::Busy) => return Ok(Ran::Busy),
                Err(source) => {
                    return Err(self.rolled_back(db, own_transaction, failed(source)).await);
                }
            }
        }
        batch.push_str(&search_path);
        let outcome = async {
            run_pieces(db, &rendered.pieces, &mut batch).await?;
            batch.push_str(
                &tables.version_sql(self.rev_at(from).as_deref(), self.rev_at(to).as_deref()),
            );
            let mut row = step.history_row(m);
            row.downgrade_sql.clone_from(&rendered.downgrade_sql);
            db.finish_migration(batch, row, &tables, own_transaction, started)
                .await
        }
        .await;
        match outcome {
            Ok(()) => Ok(Ran::Done),
            // The guard found the version moved before this step took the lock, or the lock
            // held by another session: nothing ran.
            Err(ExecError::Moved) if own_transaction => {
                let _ = db.execute("ROLLBACK").await;
                Ok(Ran::Moved)
            }
            Err(ExecError::Busy) if own_transaction => {
                let _ = db.execute("ROLLBACK").await;
                Ok(Ran::Busy)
            }
            Err(source) => Err(self.rolled_back(db, own_transaction, failed(source)).await),
        }
    }

    /// Rolls back a migration's own transaction after `error`.
    async fn rolled_back(&self, db: &mut Db, own_transaction: bool, error: RunError) -> RunError {
        if own_transaction {
            let _ = db.execute("ROLLBACK").await;
        }
        error
    }

    /// A step outside a transaction, under the migration lock of such steps (PostgreSQL: a
    /// lease, since no transaction can hold a lock through it), taken only if the version is
    /// where the step starts; the step's last transaction checks that the lock is still its own.
    async fn run_outside_transaction_locked(
        &self,
        db: &mut Db,
        plan: &Plan,
        m: &Migration,
        step: Step,
        rendered: &RenderedStep,
    ) -> Result<Ran, RunError> {
        let tables = self.config.tables(db.dialect());
        let expected = self.rev_at(step.before());
        let failed = |source: ExecError| RunError::MigrationFailed {
            rev: m.rev().to_owned(),
            direction: step.direction.as_str(),
            at: self.describe(step.before()),
            source,
        };
        match db
            .lock(
                &tables,
                expected.as_deref(),
                m.rev(),
                self.config.timeouts(),
            )
            .await
        {
            Ok(()) => {}
            Err(ExecError::Moved) => return Ok(Ran::Moved),
            Err(ExecError::Busy) => return Ok(Ran::Busy),
            Err(source) => return Err(failed(source)),
        }
        let resuming = plan.resuming.filter(|r| r.index == step.index);
        let result = self
            .run_outside_transaction(db, m, step, rendered, resuming)
            .await;
        let unlocked = db.unlock(&tables).await;
        result?;
        unlocked.map_err(failed)?;
        Ok(Ran::Done)
    }

    /// A `transactional = false` migration: a history row marks it running, each piece runs on
    /// its own and is recorded done in the progress table (a backfill records each batch), and
    /// the version moves only when all succeeded. `resuming` a run that stopped part way starts
    /// after its last piece recorded done, when what follows is a backfill (whose batches are
    /// atomic with their progress) or nothing; anything else stays for a person to repair.
    async fn run_outside_transaction(
        &self,
        db: &mut Db,
        m: &Migration,
        step: Step,
        rendered: &RenderedStep,
        resuming: Option<Resuming>,
    ) -> Result<(), RunError> {
        let tables = self.config.tables(db.dialect());
        let checksum = m.checksum().to_string();
        let key = StepKey {
            rev: m.rev(),
            direction: step.direction.as_str(),
            checksum: &checksum,
        };
        let (start, mut from) = self
            .starting_piece(db, m, key, &rendered.pieces, resuming)
            .await?;
        if resuming.is_some() {
            tracing::info!(
                target: "capp_schema::migration",
                rev = m.rev(),
                "{}: resuming at piece {} of {}",
                step.describe(m),
                start + 1,
                rendered.pieces.len()
            );
        }
        let mut row = step.history_row(m);
        row.downgrade_sql.clone_from(&rendered.downgrade_sql);
        let marker = HistoryRow::new(m.rev(), row.event, None).with_outcome(Outcome::Running);
        db.execute(&tables.history_sql(&marker, "NULL"))
            .await
            .map_err(RunError::db("cannot write the history table"))?;
        let started = Instant::now();
        let lock_timeout = self.config.timeouts_for(m).lock;
        for (i, piece) in rendered.pieces.iter().enumerate().skip(start) {
            let from = std::mem::take(&mut from);
            if let Err(source) = self.run_piece(db, key, i, piece, from, lock_timeout).await {
                let failed = marker.clone().with_outcome(Outcome::Failed);
                let _ = db.execute(&tables.history_sql(&failed, "NULL")).await;
                return Err(piece_failed(m, piece, source));
            }
        }
        let (from, to) = (step.before(), step.after());
        let mut sql = String::from("BEGIN;\n");
        sql.push_str(&db.release_sql(&tables));
        sql.push_str(&tables.version_sql(self.rev_at(from).as_deref(), self.rev_at(to).as_deref()));
        let duration = started.elapsed().as_millis().to_string();
        sql.push_str(&tables.history_sql(&row, &duration));
        sql.push_str(&db.clear_progress_sql(&tables, key));
        sql.push_str("COMMIT;\n");
        db.execute(&sql)
            .await
            .map_err(|source| RunError::MigrationFailed {
                rev: m.rev().to_owned(),
                direction: step.direction.as_str(),
                at: self.describe(from),
                source: source.into(),
            })
    }
}

impl Migrator {
    /// The piece a step outside a transaction starts at: the first on a fresh run (whose
    /// progress starts afresh), or, `resuming` a run that stopped, where it can go on.
    async fn starting_piece(
        &self,
        db: &mut Db,
        m: &Migration,
        key: StepKey<'_>,
        pieces: &[Piece],
        resuming: Option<Resuming>,
    ) -> Result<(usize, backfill::From), RunError> {
        let tables = self.config.tables(db.dialect());
        let Some(resuming) = resuming else {
            db.start_progress(&tables, key)
                .await
                .map_err(RunError::db("cannot write the progress table"))?;
            return Ok((0, backfill::From::default()));
        };
        let progress = db
            .progress(&tables, key)
            .await
            .map_err(RunError::db("cannot read the progress table"))?;
        resume_point(pieces, &progress, key.checksum).ok_or_else(|| {
            let rev = m.rev().to_owned();
            if resuming.failed {
                StateError::FailedState { rev }.into()
            } else {
                StateError::Interrupted { rev }.into()
            }
        })
    }

    /// Piece `i` of a step outside a transaction, recorded done when it is (a backfill records
    /// its own progress).
    async fn run_piece(
        &self,
        db: &mut Db,
        key: StepKey<'_>,
        i: usize,
        piece: &Piece,
        from: backfill::From,
        lock_timeout: std::time::Duration,
    ) -> Result<(), ExecError> {
        match piece {
            Piece::Sql(statement) => db
                .execute(&db.bounded_statement(
                    statement,
                    lock_timeout,
                    self.config.schema.as_deref(),
                ))
                .await
                .map_err(ExecError::from)?,
            Piece::Rust(_, data_step) => data_step(db.data_connection())
                .await
                .map_err(ExecError::from)?,
            Piece::Backfill { job, .. } => {
                return self.run_backfill(db, key, i, job, from, lock_timeout).await;
            }
        }
        let tables = self.config.tables(db.dialect());
        Ok(db.piece_done(&tables, key, i).await?)
    }
}

/// The error of a step outside a transaction whose `piece` failed.
fn piece_failed(m: &Migration, piece: &Piece, source: ExecError) -> RunError {
    match piece {
        Piece::Backfill { job, .. } => RunError::BackfillFailed {
            rev: m.rev().to_owned(),
            table: job.backfill.table.clone(),
            source,
        },
        _ => RunError::NonTransactionalFailed {
            rev: m.rev().to_owned(),
            source: match source {
                ExecError::Database(error) | ExecError::LockTimeout(error) => error,
                other => DbError::from(sqlx::Error::Protocol(other.to_string())),
            },
        },
    }
}

/// Where a step outside a transaction that stopped part way can go on: after the pieces recorded
/// done (by the same code: same checksum), when the next is a backfill, resumed after its last
/// key, or when none is left. `None`: the next piece may have been cut off half done (an index
/// built CONCURRENTLY left INVALID), which a person must look at.
fn resume_point(
    pieces: &[Piece],
    progress: &[PieceProgress],
    checksum: &str,
) -> Option<(usize, backfill::From)> {
    if progress.iter().any(|p| p.checksum != checksum) {
        return None;
    }
    let done = (0..pieces.len())
        .take_while(|&i| progress.iter().any(|p| p.piece == i && p.done))
        .count();
    match pieces.get(done) {
        None => Some((done, backfill::From::default())),
        Some(Piece::Backfill { .. }) => {
            let from = progress
                .iter()
                .find(|p| p.piece == done && !p.cursor.is_empty())
                .map(|p| backfill::From {
                    cursor: Some(p.cursor.clone()),
                    rows: p.rows,
                })
                .unwrap_or_default();
            Some((done, from))
        }
        Some(_) => None,
    }
}

/// Appends the step's SQL to `batch`; at a Rust data step the batch so far runs first, then the
/// step, on the same connection and in the same transaction.
async fn run_pieces(db: &mut Db, pieces: &[Piece], batch: &mut String) -> Result<(), ExecError> {
    for piece in pieces {
        match piece {
            // (A backfill is a piece of its own only outside a transaction; here its script.)
            Piece::Sql(statement)
            | Piece::Backfill {
                script: statement, ..
            } => {
                batch.push_str(statement);
                batch.push_str(";\n");
            }
            Piece::Rust(_, data_step) => {
                if !batch.is_empty() {
                    db.execute(batch).await?;
                }
                batch.clear();
                data_step(db.data_connection()).await?;
            }
        }
    }
    Ok(())
}

impl Report {
    fn at(rev: Option<String>) -> Report {
        Report {
            from: rev.clone(),
            to: rev,
            ..Report::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backfill::{Backfill, Job};

    fn pieces() -> Vec<Piece> {
        let job = Job {
            backfill: Backfill::new("t", "n = 1"),
            key: vec!["id".to_owned()],
            schema: None,
        };
        vec![
            Piece::Sql("ALTER TABLE t ADD COLUMN n integer".to_owned()),
            Piece::Backfill {
                job,
                script: String::new(),
            },
            Piece::Sql("ALTER TABLE t ALTER COLUMN n SET NOT NULL".to_owned()),
        ]
    }

    fn progress(piece: usize, done: bool, cursor: &[&str]) -> PieceProgress {
        PieceProgress {
            piece,
            checksum: "c".to_owned(),
            done,
            cursor: cursor.iter().map(|&c| c.to_owned()).collect(),
            rows: 7,
        }
    }

    fn start(progress: &[PieceProgress]) -> Option<(usize, Option<Vec<String>>)> {
        resume_point(&pieces(), progress, "c").map(|(i, from)| (i, from.cursor))
    }

    #[test]
    fn a_stopped_step_resumes_only_at_a_backfill_or_at_its_end() {
        // Nothing recorded: the first piece, plain SQL, may have been cut off half done.
        assert_eq!(start(&[]), None);
        // The column added: the backfill starts from its first key.
        assert_eq!(start(&[progress(0, true, &[])]), Some((1, None)));
        // Part way through the backfill: after its last key.
        assert_eq!(
            start(&[progress(0, true, &[]), progress(1, false, &["42"])]),
            Some((1, Some(vec!["42".to_owned()])))
        );
        // The backfill done, the last statement not recorded: a person looks.
        assert_eq!(
            start(&[progress(0, true, &[]), progress(1, true, &["42"])]),
            None
        );
        // Everything done but the step's last transaction: only that is left.
        assert_eq!(
            start(&[
                progress(0, true, &[]),
                progress(1, true, &["42"]),
                progress(2, true, &[])
            ]),
            Some((3, None))
        );
        // Recorded by other code (the migration was edited since): a person looks.
        let mut edited = progress(0, true, &[]);
        edited.checksum = "other".to_owned();
        assert_eq!(start(&[edited]), None);
    }
}
