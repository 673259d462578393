//! Reading where a database stands, and refusing to go on from a doubtful state.

use super::wait::{Bookkeeping, Waiting};
use super::{Index, Migrator, RunError, StateError};
use crate::backend::{Db, Event, Outcome, State};
use crate::chain::Checksum;

impl Migrator {
    /// Reads the version and history tables.
    pub(crate) async fn read_state(&self, db: &mut Db) -> Result<State, RunError> {
        db.state(&self.config.tables(db.dialect()))
            .await
            .map_err(RunError::read("cannot read the version table"))
    }

    /// The position the version table names. The row must spell a revision exactly as the
    /// history does: `2` or `02` for `0002` is refused (the version statements match the row by its
    /// text), with the revision it probably means.
    pub(crate) fn position(&self, state: &State) -> Result<Index, RunError> {
        let rev = match state.versions.as_slice() {
            [] => return Ok(None),
            [rev] => rev,
            many => return Err(StateError::SeveralVersions(many.join(", ")).into()),
        };
        match self.chain.position(rev) {
            Some(i) if self.chain.migrations()[i].rev() == rev => Ok(Some(i)),
            Some(i) => Err(StateError::Misspelled {
                found: rev.clone(),
                rev: self.chain.migrations()[i].rev().to_owned(),
            }
            .into()),
            None => Err(StateError::DatabaseAhead {
                rev: rev.clone(),
                head: self.chain.head().rev().to_owned(),
            }
            .into()),
        }
    }

    /// Applied migrations whose checksum changed; a failed migration is an error.
    pub(crate) fn check_history(
        &self,
        state: &State,
        current: Index,
        resuming: Option<&str>,
    ) -> Result<Vec<String>, RunError> {
        let mut edited = Vec::new();
        for row in &state.latest {
            match row.outcome {
                Outcome::Ok => {}
                // The step that stopped part way, which this run goes on with.
                _ if resuming == Some(row.rev.as_str()) => {}
                Outcome::Failed => {
                    return Err(StateError::FailedState {
                        rev: row.rev.clone(),
                    }
                    .into());
                }
                Outcome::Running => {
                    return Err(StateError::Interrupted {
                        rev: row.rev.clone(),
                    }
                    .into());
                }
            }
            let Some(position) = self.chain.position(&row.rev) else {
                continue;
            };
            let applied = current.is_some_and(|c| position <= c);
            if applied
                && row.event.records_checksum()
                && let Some(recorded) = &row.checksum
                && *recorded != self.chain.migrations()[position].checksum().to_string()
            {
                edited.push(row.rev.clone());
            }
        }
        Ok(edited)
    }

    /// Reads the state under the lock and refuses to go on from a doubtful one; `create` makes
    /// the runner's tables where they are missing.
    pub(crate) async fn checked_position(
        &self,
        db: &mut Db,
        create: bool,
        waiting: &mut Waiting,
        resuming: Option<&str>,
    ) -> Result<Index, RunError> {
        let tables = self.config.tables(db.dialect());
        let state = self.read_state(db).await?;
        if !state.version_table_exists {
            let user_tables = db
                .user_tables(&tables, self.config.schema.as_deref())
                .await
                .map_err(RunError::db("cannot list tables"))?;
            if !user_tables.is_empty() {
                return Err(StateError::NotStamped {
                    tables: user_tables.join(", "),
                    version_table: self.config.version_table.clone(),
                }
                .into());
            }
            if create {
                self.create_tables(db, waiting).await?;
            }
            return Ok(None);
        }
        let current = self.position(&state)?;
        if let Some(rev) = self
            .check_history(&state, current, resuming)?
            .into_iter()
            .next()
        {
            let m = self.chain.get(&rev)?;
            let recorded = state
                .latest
                .iter()
                .find(|r| r.rev == rev)
                .and_then(|r| r.checksum.clone())
                .unwrap_or_default();
            return Err(StateError::ChecksumMismatch {
                rev,
                recorded,
                current: m.checksum().to_string(),
            }
            .into());
        }
        // A version table taken over from Alembic gets the history table beside it, and a history
        // table of an earlier version its audit columns; both directions write history rows.
        if state.history_table_exists {
            self.under_lock(
                db,
                "cannot add the audit columns to the history table",
                Bookkeeping::AddAuditColumns,
                waiting,
            )
            .await?;
        } else {
            self.create_tables(db, waiting).await?;
        }
        Ok(current)
    }

    pub(crate) async fn create_tables(
        &self,
        db: &mut Db,
        waiting: &mut Waiting,
    ) -> Result<(), RunError> {
        self.under_lock(
            db,
            "cannot create the version table",
            Bookkeeping::CreateTables,
            waiting,
        )
        .await
    }

    /// `Some` when the database is at `to` with nothing doubtful: no failed migration, no
    /// edited one. Anything else (missing tables, errors) goes the long way, under the lock.
    ///
    /// The proof is the newest history row: a `verified` row that an earlier upgrade wrote after
    /// checking every applied migration, holding a digest of their checksums. If the code's digest
    /// of the same migrations matches, nothing was edited since; anything written after it (a
    /// failure, a downgrade, an accept, a stamp) sends the run the long way.
    pub(crate) async fn verified_at(&self, db: &mut Db) -> Option<usize> {
        let state = db.newest(&self.config.tables(db.dialect())).await.ok()?;
        let [rev] = state.versions.as_slice() else {
            return None;
        };
        let current = self.chain.position(rev)?;
        let newest = state.latest.first()?;
        let verified = newest.event == Event::Verified
            && newest.rev == *rev
            && newest.checksum.as_deref() == Some(self.digest(current).as_str());
        verified.then_some(current)
    }

    /// A digest of the checksums of the migrations up to `position`.
    pub(crate) fn digest(&self, position: usize) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"capp-schema applied digest v1\0");
        for m in &self.chain.migrations()[..=position] {
            h.update(m.rev().as_bytes());
            h.update(b"\0");
            h.update(m.checksum().as_bytes());
        }
        Checksum::from_bytes(h.finalize().into()).to_string()
    }
}
