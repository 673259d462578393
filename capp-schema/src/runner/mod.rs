//! The runner: applies a chain to PostgreSQL or SQLite, and keeps Alembic's version table.
//!
//! ```no_run
//! # async fn start() -> Result<(), capp_schema::runner::RunError> {
//! # #[derive(capp_schema::Chain)] pub struct Migrations;
//! use capp_schema::Chain;
//! use capp_schema::runner::{Config, DatabaseUrl, Migrator};
//!
//! // At application start-up, before serving: safe when many replicas start at once.
//! let url = DatabaseUrl::parse("postgresql+asyncpg://capp_user:pw@localhost/capp_db")?;
//! let report = Migrator::new(Migrations::load()?, Config::default()).upgrade_url(&url, "head").await?;
//! for step in &report.applied {
//!     println!("applied {} ({:?})", step.rev, step.duration);
//! }
//! # Ok(()) }
//! ```
//!
//! With an application's pool, [`Db::from_postgres_pool`] takes one connection out of it for
//! good, so the session lock can never go back to the pool with it.

mod check;
mod db;
mod error;
mod introspect;
mod target;
mod url;

use std::time::{Duration, Instant};

pub use check::{CheckProblem, CheckReport};
pub use db::Db;
pub use error::RunError;
pub use target::Position;
pub use url::{DEFAULT_URL, DatabaseUrl, UrlError};

use crate::chain::{Migration, MigrationChain};
use crate::render::{Dialect, ident, render};
use crate::schema::{Schema, sql_string};

/// The history direction of the row an upgrade writes after verifying every applied migration.
const VERIFIED: &str = "verified";

/// How migrations are grouped into transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransactionMode {
    /// One transaction per migration: a failure keeps everything before it.
    #[default]
    PerMigration,
    /// All pending migrations in one transaction: all or nothing.
    Single,
}

/// Runner settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The version table; Alembic's name by default, so Alembic-managed databases are read as
    /// they are.
    pub version_table: String,
    /// The schema of the version and history tables (PostgreSQL); `None` is the search path's.
    pub version_schema: Option<String>,
    /// The table recording what ran, when, with which checksum, and how long it took.
    pub history_table: String,
    pub transaction_mode: TransactionMode,
    /// How long a DDL statement may wait for a table lock on PostgreSQL before failing, rather
    /// than queueing the application's queries behind it.
    pub lock_timeout: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            version_table: "alembic_version".to_owned(),
            version_schema: None,
            history_table: "capp_schema_history".to_owned(),
            transaction_mode: TransactionMode::PerMigration,
            lock_timeout: Duration::from_secs(10),
        }
    }
}

impl Config {
    fn qualified(&self, table: &str) -> String {
        match &self.version_schema {
            Some(schema) => format!("{}.{}", ident(schema), ident(table)),
            None => ident(table),
        }
    }

    pub(crate) fn version_table_sql(&self) -> String {
        self.qualified(&self.version_table)
    }

    pub(crate) fn history_table_sql(&self) -> String {
        self.qualified(&self.history_table)
    }

    /// The advisory lock key: a hash of the version table's name, so that two histories in one
    /// database do not block each other. FNV-1a, written out because the key must never change
    /// between builds or versions of a hashing crate.
    pub(crate) fn lock_key(&self) -> i64 {
        let name = format!(
            "capp-schema:{}:{}",
            self.version_schema.as_deref().unwrap_or(""),
            self.version_table
        );
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in name.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash as i64
    }
}

/// Which way a step goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Upgrade,
    Downgrade,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        }
    }
}

/// One migration that ran.
#[derive(Debug, Clone)]
pub struct Applied {
    pub rev: String,
    pub message: String,
    pub direction: Direction,
    pub duration: Duration,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The revision before the run (`None`: base).
    pub from: Option<String>,
    /// The revision after the run.
    pub to: Option<String>,
    pub applied: Vec<Applied>,
    /// False when another process moved the database during the run (SQLite); the runner then
    /// plans again from where the database is.
    #[doc(hidden)]
    pub complete: bool,
}

/// Where a database stands.
#[derive(Debug, Clone)]
pub struct Status {
    /// The current revision; `None` for base (or no version table).
    pub current: Option<String>,
    pub is_head: bool,
    /// A migration that failed outside a transaction and awaits `repair`.
    pub failed: Option<String>,
    /// Applied migrations whose code changed since.
    pub edited: Vec<String>,
}

/// A piece of a rendered migration: SQL, or a Rust data step run on the connection.
enum Piece {
    Sql(String),
    Rust(String, crate::ops::DataStep),
}

/// One step of a plan.
#[derive(Debug, Clone, Copy)]
struct Step {
    index: usize,
    direction: Direction,
}

impl Step {
    /// The position the database is at once the step has run.
    fn after(self) -> Position {
        match self.direction {
            Direction::Upgrade => Some(self.index),
            Direction::Downgrade => self.index.checked_sub(1),
        }
    }

    /// The checksum the history records for the step: upgrades record what they applied.
    fn recorded_checksum(self, m: &Migration) -> Option<String> {
        (self.direction == Direction::Upgrade).then(|| m.checksum().to_string())
    }
}

/// The upgrade steps from `from` to `to`.
fn upgrade_steps(from: Position, to: Position) -> Vec<Step> {
    (from.map_or(0, |c| c + 1)..to.map_or(0, |t| t + 1))
        .map(|index| Step {
            index,
            direction: Direction::Upgrade,
        })
        .collect()
}

/// Applies a chain of migrations.
#[derive(Debug, Clone)]
pub struct Migrator {
    chain: MigrationChain,
    config: Config,
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

    fn rev_at(&self, position: Position) -> Option<String> {
        position.map(|i| self.chain.migrations()[i].rev().to_owned())
    }

    fn describe(&self, position: Position) -> String {
        self.rev_at(position).unwrap_or_else(|| "base".to_owned())
    }

    /// Connects, upgrades to `target` under the migration lock, and closes the connection.
    pub async fn upgrade_url(&self, url: &DatabaseUrl, target: &str) -> Result<Report, RunError> {
        let mut db = Db::connect(url).await?;
        let result = self.upgrade(&mut db, target).await;
        let _ = db.close().await;
        result
    }

    /// Where the database stands, without changing it.
    pub async fn status(&self, db: &mut Db) -> Result<Status, RunError> {
        let state = db.state(&self.config).await?;
        let current = self.position(&state)?;
        let checked = self.check_history(&state, current);
        let (failed, edited) = match checked {
            Ok(edited) => (None, edited),
            Err(RunError::FailedState { rev }) => (Some(rev), Vec::new()),
            Err(e) => return Err(e),
        };
        Ok(Status {
            current: self.rev_at(current),
            is_head: current == Some(self.chain.len() - 1),
            failed,
            edited,
        })
    }

    fn position(&self, state: &db::State) -> Result<Position, RunError> {
        match state.versions.as_slice() {
            [] => Ok(None),
            [rev] => self
                .chain
                .position(rev)
                .map(Some)
                .ok_or_else(|| RunError::DatabaseAhead {
                    rev: rev.clone(),
                    head: self.chain.head().rev().to_owned(),
                }),
            many => Err(RunError::SeveralVersions(many.join(", "))),
        }
    }

    /// Applied migrations whose checksum changed; a failed migration is an error.
    fn check_history(&self, state: &db::State, current: Position) -> Result<Vec<String>, RunError> {
        let mut edited = Vec::new();
        for (rev, direction, checksum, status) in &state.latest {
            if status == "failed" || status == "running" {
                return Err(RunError::FailedState { rev: rev.clone() });
            }
            let Some(position) = self.chain.position(rev) else {
                continue;
            };
            let applied = current.is_some_and(|c| position <= c);
            let recorded = matches!(direction.as_str(), "upgrade" | "stamp" | "accept");
            if applied
                && recorded
                && let Some(recorded) = checksum
                && *recorded != self.chain.migrations()[position].checksum().to_string()
            {
                edited.push(rev.clone());
            }
        }
        Ok(edited)
    }

    /// Reads the state under the lock and refuses to go on from a doubtful one.
    async fn checked_position(&self, db: &mut Db, create: bool) -> Result<Position, RunError> {
        let state = db.state(&self.config).await?;
        if !state.version_table_exists {
            let tables = db.user_tables(&self.config).await?;
            if !tables.is_empty() {
                return Err(RunError::NotStamped {
                    tables: tables.join(", "),
                    version_table: self.config.version_table.clone(),
                });
            }
            if create {
                db.create_tables(&self.config).await?;
            }
            return Ok(None);
        }
        let current = self.position(&state)?;
        if let Some(rev) = self.check_history(&state, current)?.into_iter().next() {
            let m = self.chain.get(&rev)?;
            let recorded = state
                .latest
                .iter()
                .find(|r| r.0 == rev)
                .and_then(|r| r.2.clone())
                .unwrap_or_default();
            return Err(RunError::ChecksumMismatch {
                rev,
                recorded,
                current: m.checksum().to_string(),
            });
        }
        if create && !state.history_table_exists {
            // Version table taken over from Alembic: add the history table beside it.
            db.create_tables(&self.config).await?;
        }
        Ok(current)
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
        db.lock(&self.config).await?;
        let result = self.upgrade_locked(db, target).await;
        self.release(db, result).await
    }

    /// `Some` when the database is at `target` with nothing doubtful: no failed migration, no
    /// edited one. Anything else (missing tables, errors) goes the long way, under the lock.
    ///
    /// The proof is the newest history row: a `verified` row that an earlier upgrade wrote after
    /// checking every applied migration, holding a digest of their checksums. If the code's digest
    /// of the same migrations matches, nothing was edited since; anything written after it (a
    /// failure, a downgrade, an accept, a stamp) sends the run the long way.
    async fn already_there(&self, db: &mut Db, target: &str) -> Option<Report> {
        if target.starts_with(['+', '-']) {
            return None;
        }
        let (versions, newest) = db.version_and_newest(&self.config).await.ok()?;
        let [rev] = versions.as_slice() else {
            return None;
        };
        let current = self.chain.position(rev)?;
        let (newest_rev, direction, digest) = newest?;
        let verified = direction == VERIFIED
            && newest_rev == *rev
            && digest.as_deref() == Some(self.digest(current).as_str());
        let to = target::resolve(&self.chain, target, Some(current)).ok()?;
        (verified && to == Some(current)).then(|| Report {
            from: self.rev_at(Some(current)),
            to: self.rev_at(Some(current)),
            applied: Vec::new(),
            complete: true,
        })
    }

    async fn upgrade_locked(&self, db: &mut Db, target: &str) -> Result<Report, RunError> {
        let mut total: Option<Report> = None;
        // Resolved once: a relative target counts from where the run started.
        let mut goal: Option<Position> = None;
        loop {
            let current = self.checked_position(db, true).await?;
            let to = match goal {
                Some(to) => to,
                None => *goal.insert(target::resolve(&self.chain, target, current)?),
            };
            if to < current {
                // Another process (SQLite) went further meanwhile; nothing is left to do.
                return match total {
                    Some(report) => Ok(report),
                    None => Err(RunError::TargetBehind {
                        target: target.to_owned(),
                        current: self.describe(current),
                    }),
                };
            }
            let steps = upgrade_steps(current, to);
            let report = self.run(db, current, &steps).await?;
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
                // Everything applied is verified (checked above, or just recorded): say so for
                // the next start.
                if let Some(position) = merged.to.as_deref().and_then(|r| self.chain.position(r)) {
                    let digest = self.digest(position);
                    let sql = self.history_sql(
                        self.chain.migrations()[position].rev(),
                        VERIFIED,
                        Some(&digest),
                        "ok",
                        "NULL",
                    );
                    db.execute(&sql)
                        .await
                        .map_err(RunError::db("cannot write the history table"))?;
                }
                return Ok(merged);
            }
            total = Some(merged);
        }
    }

    /// Downgrades to `target` (`-1`, `-N`, a revision, `REV-N`, `base`).
    pub async fn downgrade(&self, db: &mut Db, target: &str) -> Result<Report, RunError> {
        db.lock(&self.config).await?;
        let result = self.downgrade_locked(db, target).await;
        self.release(db, result).await
    }

    async fn downgrade_locked(&self, db: &mut Db, target: &str) -> Result<Report, RunError> {
        let current = self.checked_position(db, false).await?;
        let to = target::resolve(&self.chain, target, current)?;
        if to > current {
            return Err(RunError::TargetAhead {
                target: target.to_owned(),
                current: self.describe(current),
            });
        }
        let steps = self.downgrade_steps(current, to)?;
        self.run(db, current, &steps).await
    }

    fn downgrade_steps(&self, current: Position, to: Position) -> Result<Vec<Step>, RunError> {
        let Some(c) = current else {
            return Ok(Vec::new());
        };
        let first = to.map_or(0, |t| t + 1);
        let steps: Vec<Step> = (first..=c)
            .rev()
            .map(|index| Step {
                index,
                direction: Direction::Downgrade,
            })
            .collect();
        for step in &steps {
            let m = &self.chain.migrations()[step.index];
            if let Some(reason) = m.irreversible_reason() {
                return Err(RunError::Irreversible {
                    rev: m.rev().to_owned(),
                    reason: reason.to_owned(),
                });
            }
        }
        Ok(steps)
    }

    /// The migrations a downgrade to `target` would undo, and whether any of them drops data.
    pub async fn downgrade_preview(
        &self,
        db: &mut Db,
        target: &str,
    ) -> Result<(Vec<Migration>, bool), RunError> {
        let state = db.state(&self.config).await?;
        let current = self.position(&state)?;
        let to = target::resolve(&self.chain, target, current)?;
        let steps = self.downgrade_steps(current, to.min(current))?;
        let migrations: Vec<Migration> = steps
            .iter()
            .map(|s| self.chain.migrations()[s.index])
            .collect();
        let destructive = to.is_none()
            || migrations.iter().any(|m| {
                m.downgrade()
                    .is_some_and(|r| r.operations.iter().any(|o| o.is_destructive()))
            });
        Ok((migrations, destructive))
    }

    /// Marks the database as being at `target` without running anything.
    pub async fn stamp(&self, db: &mut Db, target: &str) -> Result<Report, RunError> {
        db.lock(&self.config).await?;
        let result = self.stamp_locked(db, target).await;
        self.release(db, result).await
    }

    async fn stamp_locked(&self, db: &mut Db, target: &str) -> Result<Report, RunError> {
        let state = db.state(&self.config).await?;
        // A stamp is how a doubtful database is put right, so only an unknown target stops it.
        let current = self.position(&state).ok().flatten();
        let to = target::resolve(&self.chain, target, current)?;
        db.create_tables(&self.config).await?;
        let mut sql = String::from("BEGIN;\n");
        sql.push_str(&format!(
            "DELETE FROM {};\n",
            self.config.version_table_sql()
        ));
        sql.push_str(&self.version_sql(None, self.rev_at(to).as_deref()));
        if let Some(i) = to {
            let m = &self.chain.migrations()[i];
            sql.push_str(&self.history_sql(
                m.rev(),
                "stamp",
                Some(&m.checksum().to_string()),
                "ok",
                "NULL",
            ));
        }
        sql.push_str("COMMIT;\n");
        if let Err(source) = db.execute(&sql).await {
            let _ = db.execute("ROLLBACK").await;
            return Err(RunError::Database {
                context: "cannot stamp the version table".into(),
                source,
            });
        }
        Ok(Report {
            from: state.versions.first().cloned(),
            to: self.rev_at(to),
            applied: Vec::new(),
            complete: true,
        })
    }

    /// Records that an applied migration's edit was reviewed: its new checksum is accepted.
    pub async fn accept(&self, db: &mut Db, rev: &str) -> Result<(), RunError> {
        let m = *self.chain.get(rev)?;
        self.bookkeeping(db, &m, "accept", Some(&m.checksum().to_string()))
            .await
    }

    /// Clears the failed state of a migration that failed outside a transaction, once the
    /// database has been repaired by hand (and stamped, if need be).
    pub async fn repair(&self, db: &mut Db, rev: &str) -> Result<(), RunError> {
        let m = *self.chain.get(rev)?;
        self.bookkeeping(db, &m, "repair", None).await
    }

    async fn bookkeeping(
        &self,
        db: &mut Db,
        m: &Migration,
        direction: &str,
        checksum: Option<&str>,
    ) -> Result<(), RunError> {
        let sql = self.history_sql(m.rev(), direction, checksum, "ok", "NULL");
        db.lock(&self.config).await?;
        let result = async {
            db.create_tables(&self.config).await?;
            db.execute(&sql)
                .await
                .map_err(RunError::db("cannot write the history table"))
        }
        .await;
        self.release(db, result).await
    }

    /// Releases the migration lock on every path. After a failure the connection may sit in an
    /// aborted transaction, which is rolled back first; if even that fails, the lock goes with the
    /// connection when it closes.
    async fn release<T>(&self, db: &mut Db, result: Result<T, RunError>) -> Result<T, RunError> {
        if result.is_err() {
            let _ = db.execute("ROLLBACK").await;
        }
        let unlocked = db.unlock(&self.config).await;
        match (result, unlocked) {
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(e),
            (Ok(value), Ok(())) => Ok(value),
        }
    }

    /// The version-table statement for moving from `from` to `to`.
    fn version_sql(&self, from: Option<&str>, to: Option<&str>) -> String {
        let table = self.config.version_table_sql();
        match (from, to) {
            (None, None) => String::new(),
            (None, Some(to)) => format!(
                "INSERT INTO {table} (version_num) VALUES ({});\n",
                sql_string(to)
            ),
            (Some(_), None) => format!("DELETE FROM {table};\n"),
            (Some(from), Some(to)) => format!(
                "UPDATE {table} SET version_num = {} WHERE version_num = {};\n",
                sql_string(to),
                sql_string(from)
            ),
        }
    }

    fn history_sql(
        &self,
        rev: &str,
        direction: &str,
        checksum: Option<&str>,
        status: &str,
        duration: &str,
    ) -> String {
        format!(
            "INSERT INTO {} (rev, direction, checksum, status, duration_ms) VALUES ({}, {}, {}, {}, {duration});\n",
            self.config.history_table_sql(),
            sql_string(rev),
            sql_string(direction),
            checksum.map_or_else(|| "NULL".to_owned(), sql_string),
            sql_string(status),
        )
    }

    /// A digest of the checksums of the migrations up to `position`.
    fn digest(&self, position: usize) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"capp-schema applied digest v1\0");
        for m in &self.chain.migrations()[..=position] {
            h.update(m.rev().as_bytes());
            h.update(b"\0");
            h.update(m.checksum().0);
        }
        crate::chain::Checksum(h.finalize().into()).to_string()
    }

    /// The schema the history builds up to `position` (`None`: base), folded in memory without a
    /// database. `execute` and Rust data steps change data only, by contract.
    pub fn expected_schema(&self, position: Position) -> Result<Schema, RunError> {
        self.schema_at(position)
    }

    /// The schema the migrations before position `upto` build, folded in memory.
    fn schema_at(&self, upto: Position) -> Result<Schema, RunError> {
        let mut schema = Schema::default();
        for m in &self.chain.migrations()[..upto.map_or(0, |i| i + 1)] {
            for op in m.upgrade().operations {
                schema.apply(&op).map_err(|source| RunError::Fold {
                    rev: m.rev().to_owned(),
                    source,
                })?;
            }
        }
        Ok(schema)
    }

    /// The statements of one step on a database whose schema is `schema`, which is advanced.
    fn render_step(
        &self,
        step: Step,
        dialect: Dialect,
        schema: &mut Schema,
    ) -> Result<(Vec<Piece>, bool), RunError> {
        let m = &self.chain.migrations()[step.index];
        let recording = match step.direction {
            Direction::Upgrade => m.upgrade(),
            Direction::Downgrade => m
                .downgrade()
                .expect("irreversible migrations are refused before planning"),
        };
        let mut statements = Vec::new();
        for op in &recording.operations {
            let fold = |source| RunError::Fold {
                rev: m.rev().to_owned(),
                source,
            };
            if let crate::Operation::RunRust { name, step } = op {
                statements.push(Piece::Rust(name.clone(), step.0));
            } else {
                let sql = render(op, dialect, schema).map_err(fold)?;
                statements.extend(sql.into_iter().map(Piece::Sql));
            }
        }
        Ok((statements, recording.transactional))
    }

    /// Runs the steps from `current`, one transaction each (or one for all).
    async fn run(
        &self,
        db: &mut Db,
        current: Position,
        steps: &[Step],
    ) -> Result<Report, RunError> {
        let mut report = Report {
            from: self.rev_at(current),
            to: self.rev_at(current),
            applied: Vec::new(),
            complete: true,
        };
        if steps.is_empty() {
            return Ok(report);
        }
        let dialect = db.dialect();
        let mut schema = self.schema_at(current)?;
        let single = self.config.transaction_mode == TransactionMode::Single;
        let mut position = current;
        if single {
            if let Some(step) = steps
                .iter()
                .find(|s| !self.chain.migrations()[s.index].is_transactional())
            {
                let rev = self.chain.migrations()[step.index].rev().to_owned();
                return Err(RunError::NonTransactionalInSingleTransaction { rev });
            }
            db.execute(begin(dialect))
                .await
                .map_err(RunError::db("cannot begin the transaction"))?;
        }
        for &step in steps {
            let m = self.chain.migrations()[step.index];
            let (statements, transactional) = self.render_step(step, dialect, &mut schema)?;
            let to = step.after();
            let started = Instant::now();
            if transactional || dialect == Dialect::Sqlite {
                if !self
                    .run_in_transaction(db, &m, step, &statements, position, to, !single)
                    .await?
                {
                    report.to = self.rev_at(position);
                    report.complete = false;
                    return Ok(report);
                }
            } else {
                self.run_outside_transaction(db, &m, step, &statements, position, to)
                    .await?;
            }
            position = to;
            report.applied.push(Applied {
                rev: m.rev().to_owned(),
                message: m.message().to_owned(),
                direction: step.direction,
                duration: started.elapsed(),
            });
        }
        if single {
            db.execute("COMMIT")
                .await
                .map_err(|source| RunError::MigrationFailed {
                    rev: report
                        .applied
                        .last()
                        .map(|a| a.rev.clone())
                        .unwrap_or_default(),
                    direction: "commit",
                    at: self.describe(current),
                    source,
                })?;
        }
        report.to = self.rev_at(position);
        Ok(report)
    }

    /// One migration in one transaction. On PostgreSQL that is one round trip: BEGIN, its
    /// statements, the version update, the history row, COMMIT. On SQLite the write lock is taken
    /// first (`BEGIN IMMEDIATE`) and the version re-read under it, because another process may
    /// have moved it: then nothing runs and `Ok(false)` asks the caller to plan again.
    #[allow(clippy::too_many_arguments)]
    async fn run_in_transaction(
        &self,
        db: &mut Db,
        m: &Migration,
        step: Step,
        statements: &[Piece],
        from: Position,
        to: Position,
        own_transaction: bool,
    ) -> Result<bool, RunError> {
        let dialect = db.dialect();
        let checksum = step.recorded_checksum(m);
        let failed = |source| RunError::MigrationFailed {
            rev: m.rev().to_owned(),
            direction: step.direction.as_str(),
            at: self.describe(if own_transaction { from } else { None }),
            source,
        };
        let started = Instant::now();
        let mut sql = String::new();
        if own_transaction {
            match dialect {
                Dialect::Postgres => sql.push_str("BEGIN;\n"),
                Dialect::Sqlite => {
                    db.execute("BEGIN IMMEDIATE").await.map_err(failed)?;
                    let versions = db.versions(&self.config).await;
                    let expected: Vec<String> = self.rev_at(from).into_iter().collect();
                    match versions {
                        Ok(v) if v == expected => {}
                        Ok(_) => {
                            let _ = db.execute("ROLLBACK").await;
                            return Ok(false);
                        }
                        Err(source) => return Err(failed(source)),
                    }
                }
            }
        }
        for piece in statements {
            match piece {
                Piece::Sql(statement) => {
                    sql.push_str(statement);
                    sql.push_str(";\n");
                }
                Piece::Rust(_, data_step) => {
                    // The SQL so far (BEGIN included) runs first, then the Rust step, in the
                    // same transaction.
                    let flushed = if sql.is_empty() {
                        Ok(())
                    } else {
                        db.execute(&sql).await
                    };
                    sql.clear();
                    let outcome = match flushed {
                        Ok(()) => data_step(db).await,
                        Err(e) => Err(e),
                    };
                    if let Err(source) = outcome {
                        if own_transaction {
                            let _ = db.execute("ROLLBACK").await;
                        }
                        return Err(failed(source));
                    }
                }
            }
        }
        sql.push_str(&self.version_sql(self.rev_at(from).as_deref(), self.rev_at(to).as_deref()));
        let outcome = match dialect {
            Dialect::Postgres => {
                let duration = "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint";
                sql.push_str(&self.history_sql(m.rev(), step.direction.as_str(), checksum.as_deref(), "ok", duration));
                if own_transaction {
                    sql.push_str("COMMIT;\n");
                }
                db.execute(&sql).await
            }
            Dialect::Sqlite => async {
                db.execute(&sql).await?;
                if db.foreign_keys_violated().await? {
                    return Err(sqlx::Error::Protocol(
                        "the migration leaves rows that violate a foreign key (see PRAGMA foreign_key_check)".into(),
                    ));
                }
                let duration = started.elapsed().as_millis().to_string();
                let mut rest = self.history_sql(m.rev(), step.direction.as_str(), checksum.as_deref(), "ok", &duration);
                if own_transaction {
                    rest.push_str("COMMIT;\n");
                }
                db.execute(&rest).await
            }
            .await,
        };
        if let Err(source) = outcome {
            if own_transaction {
                let _ = db.execute("ROLLBACK").await;
            }
            return Err(failed(source));
        }
        Ok(true)
    }

    /// A `transactional = false` migration on PostgreSQL: a history row marks it running, each
    /// statement runs on its own, and the version moves only when all succeeded.
    async fn run_outside_transaction(
        &self,
        db: &mut Db,
        m: &Migration,
        step: Step,
        statements: &[Piece],
        from: Position,
        to: Position,
    ) -> Result<(), RunError> {
        let direction = step.direction.as_str();
        db.execute(&self.history_sql(m.rev(), direction, None, "running", "NULL"))
            .await
            .map_err(RunError::db("cannot write the history table"))?;
        let started = Instant::now();
        for piece in statements {
            let outcome = match piece {
                Piece::Sql(statement) => db.execute(statement).await,
                Piece::Rust(_, data_step) => data_step(db).await,
            };
            if let Err(source) = outcome {
                let mark = self.history_sql(m.rev(), direction, None, "failed", "NULL");
                let _ = db.execute(&mark).await;
                return Err(RunError::NonTransactionalFailed {
                    rev: m.rev().to_owned(),
                    source,
                });
            }
        }
        let checksum = step.recorded_checksum(m);
        let mut sql = String::from("BEGIN;\n");
        sql.push_str(&self.version_sql(self.rev_at(from).as_deref(), self.rev_at(to).as_deref()));
        let duration = started.elapsed().as_millis().to_string();
        sql.push_str(&self.history_sql(m.rev(), direction, checksum.as_deref(), "ok", &duration));
        sql.push_str("COMMIT;\n");
        db.execute(&sql)
            .await
            .map_err(|source| RunError::MigrationFailed {
                rev: m.rev().to_owned(),
                direction,
                at: self.describe(from),
                source,
            })
    }

    /// The SQL script of an upgrade or downgrade between two positions, for review or for running
    /// with psql/sqlite3: nothing is executed.
    pub fn script(
        &self,
        dialect: Dialect,
        from: Position,
        to: Position,
    ) -> Result<String, RunError> {
        let steps = if to >= from {
            upgrade_steps(from, to)
        } else {
            self.downgrade_steps(from, to)?
        };
        let mut schema = self.schema_at(from)?;
        let mut out = String::new();
        if from.is_none() {
            out.push_str(&db::create_tables_sql(&self.config, dialect));
            out.push('\n');
        }
        let mut position = from;
        for step in steps {
            let m = self.chain.migrations()[step.index];
            let (statements, transactional) = self.render_step(step, dialect, &mut schema)?;
            let next = step.after();
            out.push_str(&format!(
                "-- {} {}: {}\n",
                step.direction.as_str(),
                m.rev(),
                m.message()
            ));
            let in_tx = transactional || dialect == Dialect::Sqlite;
            if in_tx {
                out.push_str(begin(dialect));
                out.push_str(";\n");
            }
            for piece in statements {
                match piece {
                    Piece::Sql(statement) => {
                        out.push_str(&statement);
                        out.push_str(";\n");
                    }
                    Piece::Rust(name, _) => {
                        return Err(RunError::OnlineOnly {
                            rev: m.rev().to_owned(),
                            name,
                        });
                    }
                }
            }
            out.push_str(&self.version_sql(
                self.rev_at(position).as_deref(),
                self.rev_at(next).as_deref(),
            ));
            let checksum = step.recorded_checksum(&m);
            out.push_str(&self.history_sql(
                m.rev(),
                step.direction.as_str(),
                checksum.as_deref(),
                "ok",
                "NULL",
            ));
            if in_tx {
                out.push_str("COMMIT;\n");
            }
            out.push('\n');
            position = next;
        }
        Ok(out)
    }

    /// Resolves a target for offline scripts, where there is no database to ask.
    pub fn resolve(&self, target: &str, current: Position) -> Result<Position, RunError> {
        target::resolve(&self.chain, target, current)
    }
}

fn begin(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "BEGIN",
        Dialect::Sqlite => "BEGIN IMMEDIATE",
    }
}
