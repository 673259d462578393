//! The plan: from the history, where the database is and a target, the steps to run. Pure: no
//! I/O. The online executor ([`super::execute`]) and the script writer ([`super::script`]) both
//! consume it.

use super::{Index, RunError};
use crate::backend::{Event, HistoryRow, TableLock};
use crate::backfill::Job;
use crate::chain::{Migration, MigrationChain};
use crate::ops::{DataStep, Operation};
use crate::render::Dialect;
use crate::schema::Schema;

/// Which way a step goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Upgrade,
    Downgrade,
}

impl Direction {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        }
    }

    /// Whether `target` is relative and points the other way (`upgrade -1`, `downgrade +1`).
    pub(crate) fn goes_back(self, target: &str) -> bool {
        let sign = match self {
            Direction::Upgrade => '-',
            Direction::Downgrade => '+',
        };
        target.trim().starts_with(sign)
    }

    fn event(self) -> Event {
        match self {
            Direction::Upgrade => Event::Upgrade,
            Direction::Downgrade => Event::Downgrade,
        }
    }
}

/// One migration to run in one direction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    pub(crate) index: usize,
    pub(crate) direction: Direction,
}

impl Step {
    /// The position the database is at before the step runs.
    pub(crate) fn before(self) -> Index {
        match self.direction {
            Direction::Upgrade => self.index.checked_sub(1),
            Direction::Downgrade => Some(self.index),
        }
    }

    /// The position the database is at once the step has run.
    pub(crate) fn after(self) -> Index {
        match self.direction {
            Direction::Upgrade => Some(self.index),
            Direction::Downgrade => self.index.checked_sub(1),
        }
    }

    /// `upgrade 0001 -> 0002`, `downgrade 0002 -> 0001`, as Alembic names a step.
    pub(crate) fn describe(self, m: &Migration) -> String {
        let (before, after) = match self.direction {
            Direction::Upgrade => (m.down_rev().unwrap_or("<base>"), m.rev()),
            Direction::Downgrade => (m.rev(), m.down_rev().unwrap_or("<base>")),
        };
        format!("{} {before} -> {after}", self.direction.as_str())
    }

    /// The history row the step writes: upgrades record the checksum they applied.
    pub(crate) fn history_row(self, m: &Migration) -> HistoryRow {
        let checksum = (self.direction == Direction::Upgrade).then(|| m.checksum().to_string());
        HistoryRow::new(m.rev(), self.direction.event(), checksum)
    }
}

/// The steps from one position to another.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) from: Index,
    pub(crate) to: Index,
    pub(crate) steps: Vec<Step>,
    /// Record each upgrade's downgrade SQL in its history row (a development database, for
    /// `redo`).
    pub(crate) record_downgrades: bool,
    /// The step that goes on with a run stopped part way: its first.
    pub(crate) resuming: Option<Resuming>,
}

/// A step outside a transaction that stopped part way, which a plan goes on with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resuming {
    /// Its migration's index.
    pub(crate) index: usize,
    /// It failed, rather than being cut off: the error that stands if it cannot go on.
    pub(crate) failed: bool,
}

impl Plan {
    /// The upgrade steps from `from` to `to` (`to >= from`).
    pub(crate) fn upgrade(from: Index, to: Index) -> Plan {
        let steps = (from.map_or(0, |c| c + 1)..to.map_or(0, |t| t + 1))
            .map(|index| Step {
                index,
                direction: Direction::Upgrade,
            })
            .collect();
        Plan {
            from,
            to,
            steps,
            record_downgrades: false,
            resuming: None,
        }
    }

    /// The downgrade steps from `from` to `to` (`to <= from`); an irreversible migration on the
    /// way is an error.
    pub(crate) fn downgrade(
        chain: &MigrationChain,
        from: Index,
        to: Index,
    ) -> Result<Plan, RunError> {
        let first = to.map_or(0, |t| t + 1);
        let steps: Vec<Step> = match from {
            None => Vec::new(),
            Some(c) => (first..=c)
                .rev()
                .map(|index| Step {
                    index,
                    direction: Direction::Downgrade,
                })
                .collect(),
        };
        for step in &steps {
            let m = &chain.migrations()[step.index];
            if let Some(reason) = m.irreversible_reason() {
                return Err(RunError::Irreversible {
                    rev: m.rev().to_owned(),
                    reason: reason.to_owned(),
                });
            }
        }
        Ok(Plan {
            from,
            to,
            steps,
            record_downgrades: false,
            resuming: None,
        })
    }

    /// Either way, from `from` to `to`.
    pub(crate) fn between(
        chain: &MigrationChain,
        from: Index,
        to: Index,
    ) -> Result<Plan, RunError> {
        if to >= from {
            Ok(Plan::upgrade(from, to))
        } else {
            Plan::downgrade(chain, from, to)
        }
    }

    /// The migrations the plan runs, in order.
    pub(crate) fn migrations<'c>(&self, chain: &'c MigrationChain) -> Vec<&'c Migration> {
        self.steps
            .iter()
            .map(|s| &chain.migrations()[s.index])
            .collect()
    }

    /// Whether the plan needs a person's confirmation: a downgrade to base, or one whose
    /// operations drop data.
    pub(crate) fn is_destructive(&self, chain: &MigrationChain) -> bool {
        let downgrades = self
            .steps
            .iter()
            .any(|s| s.direction == Direction::Downgrade);
        downgrades
            && (self.to.is_none()
                || self.migrations(chain).iter().any(|m| {
                    m.downgrade()
                        .is_some_and(|r| r.operations.iter().any(Operation::is_destructive))
                }))
    }

    /// The first migration that must run outside a transaction, if any.
    pub(crate) fn first_non_transactional<'c>(
        &self,
        chain: &'c MigrationChain,
    ) -> Option<&'c Migration> {
        self.migrations(chain)
            .into_iter()
            .find(|m| !m.is_transactional())
    }
}

/// A piece of a rendered migration: SQL, or a Rust data step run on the connection.
pub(crate) enum Piece {
    Sql(String),
    Rust(String, DataStep),
    /// A batched backfill, which the runner walks batch by batch; `script` is its form for
    /// `--sql` (PostgreSQL's `DO` block).
    Backfill {
        job: Job,
        script: String,
    },
}

/// A step rendered for one dialect.
pub(crate) struct RenderedStep {
    pub(crate) pieces: Vec<Piece>,
    /// The tables, existing before the step, that its DDL locks (not those of `execute` or
    /// Rust steps, which the runner cannot see into).
    pub(crate) locks: Vec<TableLock>,
    /// The downgrade's SQL, recorded with the upgrade on a development database (`redo`).
    pub(crate) downgrade_sql: Option<String>,
    /// Whether the step runs in a transaction (always, where the dialect says so).
    pub(crate) in_transaction: bool,
}

/// Renders steps in order, keeping the schema the history has built so far: the renderer needs
/// it for what a dialect rebuilds.
pub(crate) struct Renderer<'c> {
    chain: &'c MigrationChain,
    dialect: Dialect,
    schema: Schema,
    /// The database schema every relation is qualified with ([`crate::runner::Config::schema`]).
    in_schema: Option<String>,
}

impl<'c> Renderer<'c> {
    /// Starts at `from`, folding the history up to it in memory.
    pub(crate) fn new(
        chain: &'c MigrationChain,
        dialect: Dialect,
        from: Index,
    ) -> Result<Renderer<'c>, RunError> {
        Ok(Renderer {
            chain,
            dialect,
            schema: schema_at(chain, from)?,
            in_schema: None,
        })
    }

    /// Qualifies every relation the statements name with `schema` (a tenant's).
    pub(crate) fn in_schema(mut self, schema: Option<&str>) -> Renderer<'c> {
        self.in_schema = schema.map(str::to_owned);
        self
    }

    /// The statements of `step`; the schema moves past it.
    pub(crate) fn render(&mut self, step: Step) -> Result<RenderedStep, RunError> {
        let in_schema = self.in_schema.clone();
        crate::render::in_schema(in_schema.as_deref(), || self.render_here(step))
    }

    fn render_here(&mut self, step: Step) -> Result<RenderedStep, RunError> {
        let m = &self.chain.migrations()[step.index];
        let recording = match step.direction {
            Direction::Upgrade => m.upgrade(),
            Direction::Downgrade => m
                .downgrade()
                .expect("irreversible migrations are refused by the plan"),
        };
        let fold = |source| RunError::Fold {
            rev: m.rev().to_owned(),
            source,
        };
        let in_transaction = recording.transactional || self.dialect.always_in_a_transaction();
        let mut pieces = Vec::new();
        let mut locks: Vec<TableLock> = Vec::new();
        for op in &recording.operations {
            if let Operation::RunRust { name, step } = op {
                pieces.push(Piece::Rust(name.clone(), step.0));
                continue;
            }
            if let Operation::Backfill(backfill) = op
                && !in_transaction
            {
                let job = Job::new(backfill, &self.schema, self.in_schema.clone()).map_err(fold)?;
                let script = self
                    .dialect
                    .statements(op, None, &self.schema)
                    .map_err(fold)?
                    .join(";\n");
                pieces.push(Piece::Backfill { job, script });
                continue;
            }
            for lock in table_locks(op, &self.schema) {
                match locks.iter_mut().find(|l| l.table == lock.table) {
                    Some(known) => known.blocks_reads |= lock.blocks_reads,
                    None => locks.push(lock),
                }
            }
            let before = match self.dialect.rebuilds(op) {
                Some(table) => Some(self.schema.table(table).map_err(fold)?.clone()),
                None => None,
            };
            self.schema.apply(op).map_err(fold)?;
            let sql = self
                .dialect
                .statements(op, before.as_ref(), &self.schema)
                .map_err(fold)?;
            pieces.extend(sql.into_iter().map(Piece::Sql));
        }
        Ok(RenderedStep {
            pieces,
            locks,
            downgrade_sql: None,
            in_transaction,
        })
    }
}

impl Renderer<'_> {
    /// The SQL of the downgrade of the migration at `index`, rendered against the schema after
    /// its upgrade (call it after [`Renderer::render`] of that upgrade); `None` when it cannot be
    /// replayed as SQL in one transaction (irreversible, a Rust step, outside a transaction).
    pub(crate) fn downgrade_sql(&self, index: usize) -> Option<String> {
        crate::render::in_schema(self.in_schema.as_deref(), || self.downgrade_sql_here(index))
    }

    fn downgrade_sql_here(&self, index: usize) -> Option<String> {
        let recording = self.chain.migrations()[index].downgrade()?;
        if !recording.transactional {
            return None;
        }
        let mut schema = self.schema.clone();
        let mut sql = String::new();
        for op in &recording.operations {
            if let Operation::RunRust { .. } = op {
                return None;
            }
            let before = match self.dialect.rebuilds(op) {
                Some(table) => Some(schema.table(table).ok()?.clone()),
                None => None,
            };
            schema.apply(op).ok()?;
            for statement in self.dialect.statements(op, before.as_ref(), &schema).ok()? {
                sql.push_str(&statement);
                sql.push_str(";\n");
            }
        }
        Some(sql)
    }
}

/// The tables existing in `schema` that `op` locks on PostgreSQL: `ACCESS EXCLUSIVE` (which waits
/// for readers too) for `ALTER TABLE`, `DROP` and renames; `SHARE` or `SHARE ROW EXCLUSIVE`
/// (which wait for writers) for a plain `CREATE INDEX` and for the two tables of a foreign key.
fn table_locks(op: &Operation, schema: &Schema) -> Vec<TableLock> {
    let lock = |table: &str, blocks_reads: bool| TableLock {
        table: table.to_owned(),
        blocks_reads,
    };
    let locks = match op {
        Operation::DropTable { name: table }
        | Operation::RenameTable { from: table, .. }
        | Operation::AddColumn { table, .. }
        | Operation::DropColumn { table, .. }
        | Operation::RenameColumn { table, .. }
        | Operation::AlterColumn { table, .. }
        | Operation::AddUnique { table, .. }
        | Operation::AddCheck { table, .. }
        | Operation::DropConstraint { table, .. }
        | Operation::RenameConstraint { table, .. }
        | Operation::SetPrimaryKey { table, .. } => vec![lock(table, true)],
        Operation::AddForeignKey { table, foreign_key } => {
            vec![lock(table, false), lock(&foreign_key.ref_table, false)]
        }
        Operation::CreateTable(table) => table
            .foreign_keys
            .iter()
            .map(|fk| lock(&fk.ref_table, false))
            .collect(),
        Operation::CreateIndex {
            index,
            concurrently: false,
        } => vec![lock(&index.table, false)],
        Operation::DropIndex {
            name,
            concurrently: false,
        } => schema
            .tables
            .values()
            .filter(|t| t.indexes.iter().any(|i| i.name == *name))
            .map(|t| lock(&t.name, true))
            .collect(),
        _ => Vec::new(),
    };
    locks
        .into_iter()
        .filter(|l| schema.tables.contains_key(&l.table))
        .collect()
}

/// The schema the history builds up to `upto` (`None`: base), folded in memory without a
/// database. `execute` and Rust data steps change data only, by contract.
pub(crate) fn schema_at(chain: &MigrationChain, upto: Index) -> Result<Schema, RunError> {
    let mut schema = Schema::default();
    for m in &chain.migrations()[..upto.map_or(0, |i| i + 1)] {
        for op in m.upgrade().operations {
            schema.apply(&op).map_err(|source| RunError::Fold {
                rev: m.rev().to_owned(),
                source,
            })?;
        }
    }
    Ok(schema)
}
