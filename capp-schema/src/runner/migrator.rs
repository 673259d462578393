//! [`Migrator`]: the runner's public face, one method per command.

use std::time::Duration;

use super::plan::{Direction, Plan, schema_at};
use super::wait::{Bookkeeping, Waiting};
use super::{Config, Index, Position, RunError, StateError, target};
use crate::backend::{Db, Event, HistoryRow, Outcome};
use crate::chain::{Migration, MigrationChain};
use crate::schema::Schema;

/// One migration that ran.
#[derive(Debug, Clone)]
pub struct Applied {
    pub rev: String,
    pub message: String,
    pub direction: Direction,
    pub duration: Duration,
    /// How many times it paused for its table locks: after an attempt whose locks were not
    /// granted within the lock timeout, or before one, while long transactions held its tables.
    pub lock_retries: u32,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The revision before the run (`None`: base).
    pub from: Option<String>,
    /// The revision after the run.
    pub to: Option<String>,
    pub applied: Vec<Applied>,
    /// How long the run waited for the migration lock while other runners held it.
    pub waited_for_lock: Duration,
    /// Why the run stopped.
    pub(crate) stop: Stop,
}

/// Why a run of a plan stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Every step ran.
    #[default]
    Done,
    /// Another process moved the version: the runner plans again from where the database is.
    Moved,
    /// Another session holds the migration lock: the runner waits, then plans again.
    Busy,
}

/// Where a database stands (the default: at base, nothing running, failed or edited).
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// The current revision; `None` for base (or no version table).
    pub current: Option<String>,
    pub is_head: bool,
    /// A migration that failed outside a transaction (or was interrupted there) and awaits
    /// `repair`.
    pub failed: Option<String>,
    /// A migration outside a transaction that another runner is running now, and who.
    pub running: Option<(String, crate::backend::LockHolder)>,
    /// Applied migrations whose code changed since.
    pub edited: Vec<String>,
}

/// Applies a chain of migrations.
#[derive(Debug, Clone)]
pub struct Migrator {
    pub(crate) chain: MigrationChain,
    pub(crate) config: Config,
}

impl Migrator {
    pub fn new(chain: MigrationChain, config: Config) -> Migrator {
        Migrator { chain, config }
    }

    pub fn chain(&self) -> &MigrationChain {
        &self.chain
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn rev_at(&self, position: Index) -> Option<String> {
        position.map(|i| self.chain.migrations()[i].rev().to_owned())
    }

    /// The revision at `position`, or `base`.
    pub(crate) fn describe(&self, position: Index) -> String {
        self.rev_at(position).unwrap_or_else(|| "base".to_owned())
    }

    /// Where the database stands, without changing it.
    pub async fn status(&self, db: &mut Db) -> Result<Status, RunError> {
        let state = self.read_state(db).await?;
        let current = self.position(&state)?;
        let (mut failed, edited) = match self.check_history(&state, current, None) {
            Ok(edited) => (None, edited),
            Err(RunError::State(
                StateError::FailedState { rev } | StateError::Interrupted { rev },
            )) => (Some(rev), Vec::new()),
            Err(e) => return Err(e),
        };
        let mut running = None;
        if let Some(rev) = failed.take_if(|rev| {
            state
                .latest
                .iter()
                .any(|row| row.rev == *rev && row.outcome == Outcome::Running)
        }) {
            let tables = self.config.tables(db.dialect());
            match db.lock_holder(&tables).await {
                Ok(Some(holder)) => running = Some((rev, holder)),
                _ => failed = Some(rev),
            }
        }
        Ok(Status {
            current: self.rev_at(current),
            is_head: current == Some(self.chain.len() - 1),
            failed,
            running,
            edited,
        })
    }

    /// Runs `command`; after a failure the connection may sit in an aborted transaction, which
    /// is rolled back so the connection stays usable. (The migration lock lives inside each
    /// transaction, so a failure cannot leave it behind.)
    pub(crate) async fn rolled_back_on_error<T>(
        &self,
        db: &mut Db,
        command: impl AsyncFnOnce(&mut Db) -> Result<T, RunError>,
    ) -> Result<T, RunError> {
        let result = command(db).await;
        if result.is_err() {
            let _ = db.execute("ROLLBACK").await;
        }
        result
    }

    /// The migrations a downgrade to `target` would undo, and whether any of them drops data.
    pub async fn downgrade_preview(
        &self,
        db: &mut Db,
        target: &str,
    ) -> Result<(Vec<Migration>, bool), RunError> {
        let state = self.read_state(db).await?;
        let current = self.position(&state)?;
        if Direction::Downgrade.goes_back(target) {
            return Err(self.wrong_way(target, current, Direction::Downgrade));
        }
        let to = target::resolve(&self.chain, target, current)?;
        let plan = Plan::downgrade(&self.chain, current, to.min(current))?;
        let migrations = plan.migrations(&self.chain).into_iter().copied().collect();
        Ok((migrations, plan.is_destructive(&self.chain)))
    }

    /// Marks the database as being at `target` without running anything.
    pub async fn stamp(&self, db: &mut Db, target: &str) -> Result<Report, RunError> {
        self.rolled_back_on_error(db, async |db| self.stamp_locked(db, target).await)
            .await
    }

    async fn stamp_locked(&self, db: &mut Db, target: &str) -> Result<Report, RunError> {
        let state = self.read_state(db).await?;
        // A stamp is how a doubtful database is put right, so only an unknown target stops it.
        let current = self.position(&state).ok().flatten();
        let to = target::resolve(&self.chain, target, current)?;
        let mut waiting = Waiting::default();
        self.create_tables(db, &mut waiting).await?;
        let tables = self.config.tables(db.dialect());
        let mut sql = tables.stamp_sql(self.rev_at(to).as_deref());
        if let Some(i) = to {
            let m = &self.chain.migrations()[i];
            let row = HistoryRow::new(m.rev(), Event::Stamp, Some(m.checksum().to_string()));
            sql.push_str(&tables.history_sql(&row, "NULL"));
        }
        self.under_lock(
            db,
            "cannot stamp the version table",
            Bookkeeping::Sql(&sql),
            &mut waiting,
        )
        .await?;
        Ok(Report {
            from: state.versions.first().cloned(),
            to: self.rev_at(to),
            ..Report::default()
        })
    }

    /// Records that an applied migration's edit was reviewed: its new checksum is accepted.
    pub async fn accept(&self, db: &mut Db, rev: &str) -> Result<(), RunError> {
        let m = self.chain.get(rev)?;
        let row = HistoryRow::new(m.rev(), Event::Accept, Some(m.checksum().to_string()));
        self.record(db, row).await
    }

    /// Clears the failed state of a migration that failed outside a transaction, once the
    /// database has been repaired by hand (and stamped, if need be).
    /// A migration that is not marked failed is an error: there is nothing to clear.
    pub async fn repair(&self, db: &mut Db, rev: &str) -> Result<(), RunError> {
        let m = self.chain.get(rev)?;
        let state = self.read_state(db).await?;
        let failed = state
            .latest
            .iter()
            .any(|row| row.rev == m.rev() && row.outcome != Outcome::Ok);
        if !failed {
            return Err(StateError::NotFailed {
                rev: m.rev().to_owned(),
            }
            .into());
        }
        // A step outside a transaction that another runner is still running is not failed.
        let tables = self.config.tables(db.dialect());
        if let Some(holder) = db
            .lock_holder(&tables)
            .await
            .map_err(RunError::db("cannot find who holds the migration lock"))?
        {
            return Err(StateError::StillRunning {
                rev: m.rev().to_owned(),
                holder: holder.to_string(),
            }
            .into());
        }
        self.record(db, HistoryRow::new(m.rev(), Event::Repair, None))
            .await
    }

    /// Writes one history row under the lock.
    async fn record(&self, db: &mut Db, row: HistoryRow) -> Result<(), RunError> {
        let tables = self.config.tables(db.dialect());
        let sql = tables.history_sql(&row, "NULL");
        let mut waiting = Waiting::default();
        self.create_tables(db, &mut waiting).await?;
        self.under_lock(
            db,
            "cannot write the history table",
            Bookkeeping::Sql(&sql),
            &mut waiting,
        )
        .await
    }

    /// The schema the history builds up to `position` (`None`: base), folded in memory without a
    /// database. `execute` and Rust data steps change data only, by contract.
    pub fn expected_schema(&self, position: Position) -> Result<Schema, RunError> {
        schema_at(&self.chain, position.index())
    }

    /// Resolves a target for offline scripts, where there is no database to ask.
    pub fn resolve(&self, target: &str, current: Position) -> Result<Position, RunError> {
        let index = target::resolve(&self.chain, target, current.index())?;
        Ok(Position::at(&self.chain, index))
    }
}
