//! Upgrades and downgrades: resolve the target under the lock, plan, run.

use super::plan::Plan;
use super::{DatabaseUrl, Db, Migrator, Report, RunError, TargetError, target};
use crate::backend::{Event, HistoryRow};

impl Migrator {
    /// Connects, upgrades to `target` under the migration lock, and closes the connection.
    pub async fn upgrade_url(&self, url: &DatabaseUrl, target: &str) -> Result<Report, RunError> {
        let mut db = Db::connect(url).await?;
        let result = self.upgrade(&mut db, target).await;
        let _ = db.close().await;
        result
    }

    /// Upgrades to `target` (`head`, a revision or prefix, `+N`, `REV+N`).
    ///
    /// A database already at the target is recognised in one query without taking the lock (its
    /// committed version and history say so, whatever another runner is doing), which makes an
    /// application start at head one round trip.
    pub async fn upgrade(&self, db: &mut Db, target: &str) -> Result<Report, RunError> {
        if let Some(report) = self.already_there(db, target).await {
            return Ok(report);
        }
        self.with_lock(db, async |db| self.upgrade_locked(db, target).await)
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
            applied: Vec::new(),
            complete: true,
        })
    }

    async fn upgrade_locked(&self, db: &mut Db, target: &str) -> Result<Report, RunError> {
        let mut total: Option<Report> = None;
        // Resolved once: a relative target counts from where the run started.
        let mut goal = None;
        loop {
            let current = self.checked_position(db, true).await?;
            let to = match goal {
                Some(to) => to,
                None => *goal.insert(target::resolve(&self.chain, target, current)?),
            };
            if to < current {
                // Another process (SQLite) went further meanwhile; nothing is left to do.
                return total.ok_or_else(|| {
                    TargetError::Behind {
                        target: target.to_owned(),
                        current: self.describe(current),
                    }
                    .into()
                });
            }
            let report = self.run(db, &Plan::upgrade(current, to)).await?;
            let complete = report.complete;
            let merged = match total.take() {
                None => report,
                Some(mut t) => {
                    t.applied.extend(report.applied);
                    t.to = report.to;
                    t
                }
            };
            if complete {
                self.record_verified(db, &merged).await?;
                return Ok(merged);
            }
            total = Some(merged);
        }
    }

    /// Everything applied is verified (checked before the run, or just recorded): says so for
    /// the next start, which then needs one query.
    async fn record_verified(&self, db: &mut Db, report: &Report) -> Result<(), RunError> {
        let Some(position) = report.to.as_deref().and_then(|r| self.chain.position(r)) else {
            return Ok(());
        };
        let rev = self.chain.migrations()[position].rev();
        let row = HistoryRow::new(rev, Event::Verified, Some(self.digest(position)));
        db.execute(&self.config.tables().history_sql(&row, "NULL"))
            .await
            .map_err(RunError::db("cannot write the history table"))
    }

    /// Downgrades to `target` (`-1`, `-N`, a revision, `REV-N`, `base`).
    pub async fn downgrade(&self, db: &mut Db, target: &str) -> Result<Report, RunError> {
        self.with_lock(db, async |db| self.downgrade_locked(db, target).await)
            .await
    }

    async fn downgrade_locked(&self, db: &mut Db, target: &str) -> Result<Report, RunError> {
        let current = self.checked_position(db, false).await?;
        let to = target::resolve(&self.chain, target, current)?;
        if to > current {
            return Err(TargetError::Ahead {
                target: target.to_owned(),
                current: self.describe(current),
            }
            .into());
        }
        let plan = Plan::downgrade(&self.chain, current, to)?;
        self.run(db, &plan).await
    }
}
