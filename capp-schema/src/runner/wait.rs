//! Waiting for the migration lock while another runner holds it: outside any transaction (a
//! waiter inside one would hold a server connection of a pooler, and a snapshot that a
//! concurrent `CREATE INDEX CONCURRENTLY` waits for), saying who holds it as the wait starts and
//! every 10 s after, up to [`Config::lock_wait`](super::Config::lock_wait).

use std::time::{Duration, Instant};

use super::retry::Backoff;
use super::{LockNotFree, Migrator, RunError};
use crate::backend::{Db, ExecError};

/// The first pause between two looks at the lock.
const FIRST_POLL: Duration = Duration::from_millis(50);
/// The longest pause between two looks at the lock.
const LONGEST_POLL: Duration = Duration::from_secs(1);
/// How often a long wait is reported again.
const SAY_AGAIN: Duration = Duration::from_secs(10);

/// One wait for the migration lock, across the attempts that find it busy.
#[derive(Debug, Default)]
pub(crate) struct Waiting {
    polls: Option<Backoff>,
    said: Option<Instant>,
}

impl Waiting {
    /// How long this wait has lasted.
    pub(crate) fn elapsed(&self) -> Duration {
        self.polls.as_ref().map_or(Duration::ZERO, Backoff::elapsed)
    }
}

impl Migrator {
    /// Waits until no other session holds the migration lock. The lock is not taken here: the
    /// caller tries its transaction again, and waits again if another runner was faster.
    pub(crate) async fn wait_for_lock(
        &self,
        db: &mut Db,
        waiting: &mut Waiting,
    ) -> Result<(), RunError> {
        let tables = self.config.tables(db.dialect());
        let polls = waiting
            .polls
            .get_or_insert_with(|| Backoff::with(FIRST_POLL, LONGEST_POLL, Duration::MAX));
        loop {
            let holder = db
                .lock_holder(&tables)
                .await
                .map_err(RunError::db("cannot find who holds the migration lock"))?;
            let Some(holder) = holder else {
                return Ok(());
            };
            if waiting.said.is_none_or(|said| said.elapsed() >= SAY_AGAIN) {
                waiting.said = Some(Instant::now());
                tracing::warn!(
                    target: "capp_schema::lock",
                    pid = holder.pid,
                    application = %holder.application,
                    user = %holder.user,
                    held_for_ms = holder.held_for.as_millis() as u64,
                    doing = %holder.doing,
                    waited_ms = polls.elapsed().as_millis() as u64,
                    "waiting for the migration lock (up to {:?}), held by {holder}",
                    self.config.lock_wait
                );
            }
            let left = self.config.lock_wait.saturating_sub(polls.elapsed());
            match polls.next_pause() {
                Some(pause) if !left.is_zero() => tokio::time::sleep(pause.min(left)).await,
                _ => {
                    return Err(RunError::LockNotFree(Box::new(LockNotFree {
                        waited: polls.elapsed(),
                        holder,
                    })));
                }
            }
        }
    }

    /// Writes to the bookkeeping tables in one transaction under the migration lock, waiting
    /// for it while another session holds it.
    pub(crate) async fn under_lock(
        &self,
        db: &mut Db,
        context: &str,
        write: Bookkeeping<'_>,
        waiting: &mut Waiting,
    ) -> Result<(), RunError> {
        let tables = self.config.tables(db.dialect());
        loop {
            let attempt = match write {
                Bookkeeping::CreateTables => db.create_tables(&tables).await,
                Bookkeeping::AddAuditColumns => db.add_audit_columns(&tables).await,
                Bookkeeping::Sql(sql) => db.execute_locked(&tables, sql).await,
            };
            match attempt {
                Err(ExecError::Busy) => self.wait_for_lock(db, waiting).await?,
                Err(error) => return Err(RunError::exec(context)(error)),
                Ok(()) => return Ok(()),
            }
        }
    }
}

/// A write to the bookkeeping tables.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bookkeeping<'a> {
    /// Creates the version and history tables where they are missing.
    CreateTables,
    /// Adds the audit columns of this version to an older history table.
    AddAuditColumns,
    /// Statements of the runner's own.
    Sql(&'a str),
}
