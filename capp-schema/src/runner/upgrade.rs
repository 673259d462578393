//! Upgrades and downgrades: read where the database is, resolve the target once, plan, run, and
//! plan again from where the database is when another runner moved it meanwhile.

use std::time::Duration;

use tracing::Instrument;

use super::migrator::Stop;
use super::plan::{Direction, Plan, Resuming};
use super::wait::{Bookkeeping, Waiting};
use super::{DatabaseUrl, Db, Index, Migrator, Report, RunError, StateError, TargetError, target};
use crate::backend::{Event, HistoryRow};

impl Migrator {
    /// Connects, upgrades to `target`, and closes the connection.
    pub async fn upgrade_url(&self, url: &DatabaseUrl, target: &str) -> Result<Report, RunError> {
        let mut db = Db::connect(url).await?;
        let result = self.upgrade(&mut db, target).await;
        let _ = db.close().await;
        result
    }

    /// Upgrades to `target` (`head`, a revision or prefix, `+N`, `REV+N`).
    ///
    /// A database already at the target is recognised in one query without any lock (its
    /// committed version and history say so, whatever another runner is doing), which makes an
    /// application start at head one round trip.
    pub async fn upgrade(&self, db: &mut Db, target: &str) -> Result<Report, RunError> {
        let span = run_span(db, Direction::Upgrade, target);
        if let Some(report) = self
            .already_there(db, target)
            .instrument(span.clone())
            .await
        {
            tracing::debug!(
                target: "capp_schema::run",
                parent: &span,
                rev = report.to.as_deref(),
                "already at {}: nothing to do (one query, no lock)",
                report.to.as_deref().unwrap_or("base")
            );
            return Ok(report);
        }
        self.rolled_back_on_error(db, async |db| {
            let report = self.run_to(db, target, Direction::Upgrade).await?;
            self.record_verified(db, &report).await?;
            Ok(report)
        })
        .instrument(span)
        .await
    }

    /// Downgrades to `target` (`-1`, `-N`, a revision, `REV-N`, `base`).
    pub async fn downgrade(&self, db: &mut Db, target: &str) -> Result<Report, RunError> {
        let span = run_span(db, Direction::Downgrade, target);
        self.rolled_back_on_error(db, async |db| {
            self.run_to(db, target, Direction::Downgrade).await
        })
        .instrument(span)
        .await
    }

    async fn already_there(&self, db: &mut Db, target: &str) -> Option<Report> {
        if target.starts_with(['+', '-']) {
            return None;
        }
        let current = self.verified_at(db).await?;
        let to = target::resolve(&self.chain, target, Some(current)).ok()?;
        (to == Some(current)).then(|| Report {
            from: self.rev_at(to),
            to: self.rev_at(to),
            ..Report::default()
        })
    }

    /// Runs towards `target` until the database is there. Each migration takes the migration
    /// lock in its own transaction and checks the version under it; when another runner moved
    /// the version first, nothing of that step ran, and the plan is made again from where the
    /// database is; when another runner holds the lock, the runner waits for it (outside any
    /// transaction, saying who holds it) and plans again. The target is resolved once: a
    /// relative one counts from where the run started.
    async fn run_to(
        &self,
        db: &mut Db,
        target: &str,
        direction: Direction,
    ) -> Result<Report, RunError> {
        let mut total: Option<Report> = None;
        let mut goal: Option<Index> = None;
        let mut waiting = Waiting::default();
        let mut waited = Duration::ZERO;
        // A step outside a transaction that stopped part way, to go on with: its revision, and
        // the error that stands if it cannot be resumed.
        let mut resuming: Option<(String, StateError)> = None;
        loop {
            let Some(current) = self
                .position_to_run_from(db, direction, &mut waiting, &mut resuming)
                .await?
            else {
                continue;
            };
            // `downgrade +1` and `upgrade -1` go the other way, wherever the database is.
            if goal.is_none() && direction.goes_back(target) {
                return Err(self.wrong_way(target, current, direction));
            }
            let to = match goal {
                Some(to) => to,
                None => *goal.insert(target::resolve(&self.chain, target, current)?),
            };
            let wrong_way = match direction {
                Direction::Upgrade => to < current,
                Direction::Downgrade => to > current,
            };
            if wrong_way {
                // On a later round, another runner went past the target: nothing is left.
                return total
                    .map(|t| Report {
                        waited_for_lock: waited + waiting.elapsed(),
                        ..t
                    })
                    .ok_or_else(|| self.wrong_way(target, current, direction));
            }
            let mut plan = match direction {
                Direction::Upgrade => Plan::upgrade(current, to),
                Direction::Downgrade => Plan::downgrade(&self.chain, current, to)?,
            };
            if let Some((rev, stopped)) = resuming.take() {
                // Only the step that stopped, in its direction, goes on from where it stopped.
                let index = self.chain.position(&rev);
                if plan.steps.first().map(|s| s.index) != index {
                    return Err(stopped.into());
                }
                plan.resuming = index.map(|index| Resuming {
                    index,
                    failed: matches!(stopped, StateError::FailedState { .. }),
                });
            }
            if direction == Direction::Upgrade && !plan.steps.is_empty() {
                let tables = self.config.tables(db.dialect());
                plan.record_downgrades = db
                    .development_marked(&tables)
                    .await
                    .map_err(RunError::db("cannot read the development mark"))?;
            }
            let report = self.run(db, &plan).await?;
            let stop = report.stop;
            if !report.applied.is_empty() {
                // Progress: a later wait is a new one, with its own bound.
                waited += std::mem::take(&mut waiting).elapsed();
            }
            let merged = match total.take() {
                None => report,
                Some(mut t) => {
                    t.applied.extend(report.applied);
                    t.to = report.to;
                    t
                }
            };
            match stop {
                Stop::Done => {
                    return Ok(Report {
                        waited_for_lock: waited + waiting.elapsed(),
                        stop,
                        ..merged
                    });
                }
                Stop::Moved => {}
                Stop::Busy => self.wait_for_lock(db, &mut waiting).await?,
            }
            total = Some(merged);
        }
    }

    /// Where the database is, checked under the lock; `None` when the run should look again: it
    /// waited for another runner's lock, or found a step outside a transaction that stopped part
    /// way in this run's direction, which `resuming` now names (its run goes on from where it
    /// stopped if it can, see `execute`).
    async fn position_to_run_from(
        &self,
        db: &mut Db,
        direction: Direction,
        waiting: &mut Waiting,
        resuming: &mut Option<(String, StateError)>,
    ) -> Result<Option<Index>, RunError> {
        let checked = self
            .checked_position(
                db,
                direction == Direction::Upgrade,
                waiting,
                resuming.as_ref().map(|(rev, _)| rev.as_str()),
            )
            .await;
        match checked {
            // A step outside a transaction is marked running while it runs: if another runner
            // holds the lock, that is where it is.
            Err(RunError::State(StateError::Interrupted { .. })) if self.lock_is_held(db).await => {
                self.wait_for_lock(db, waiting).await?;
                Ok(None)
            }
            Err(RunError::State(
                stopped @ (StateError::Interrupted { .. } | StateError::FailedState { .. }),
            )) if resuming.is_none() => {
                let (StateError::Interrupted { rev } | StateError::FailedState { rev }) = &stopped
                else {
                    unreachable!("matched above")
                };
                if self.stopped_direction(db, rev).await? != Some(direction) {
                    return Err(stopped.into());
                }
                *resuming = Some((rev.clone(), stopped));
                Ok(None)
            }
            other => other.map(Some),
        }
    }

    /// The direction of the step of `rev` that stopped part way, from its newest history row.
    async fn stopped_direction(
        &self,
        db: &mut Db,
        rev: &str,
    ) -> Result<Option<Direction>, RunError> {
        let state = self.read_state(db).await?;
        Ok(state
            .latest
            .iter()
            .find(|row| row.rev == rev)
            .and_then(|row| match row.event {
                Event::Upgrade => Some(Direction::Upgrade),
                Event::Downgrade => Some(Direction::Downgrade),
                _ => None,
            }))
    }

    /// Whether another session holds the migration lock (an error reading it counts as no).
    async fn lock_is_held(&self, db: &mut Db) -> bool {
        let tables = self.config.tables(db.dialect());
        matches!(db.lock_holder(&tables).await, Ok(Some(_)))
    }

    pub(crate) fn wrong_way(&self, target: &str, current: Index, direction: Direction) -> RunError {
        let (target, current) = (target.to_owned(), self.describe(current));
        match direction {
            Direction::Upgrade => TargetError::Behind { target, current },
            Direction::Downgrade => TargetError::Ahead { target, current },
        }
        .into()
    }

    /// Everything applied is verified (checked before the run, or just recorded): says so for
    /// the next start, which then needs one query. A runner that finds the newest history row
    /// saying so already (another runner's, which it waited for) writes nothing; the write
    /// itself is under the migration lock and skipped when that row appeared meanwhile, so
    /// runners finishing together record it once.
    async fn record_verified(&self, db: &mut Db, report: &Report) -> Result<(), RunError> {
        let Some(position) = report.to.as_deref().and_then(|r| self.chain.position(r)) else {
            return Ok(());
        };
        if self.verified_at(db).await == Some(position) {
            return Ok(());
        }
        let rev = self.chain.migrations()[position].rev();
        let row = HistoryRow::new(rev, Event::Verified, Some(self.digest(position)));
        let sql = self.config.tables(db.dialect()).verified_sql(&row);
        let write = Bookkeeping::Sql(&sql);
        self.under_lock(
            db,
            "cannot write the history table",
            write,
            &mut Waiting::default(),
        )
        .await
    }
}

/// The span of one run: the database (without password), the direction and the target.
fn run_span(db: &Db, direction: Direction, target: &str) -> tracing::Span {
    tracing::info_span!(
        target: "capp_schema::run",
        "run",
        database = %db.url(),
        direction = direction.as_str(),
        target_rev = target,
    )
}
