//! `redo` for the head migration on a development database: undo it with the downgrade recorded
//! when it was applied (the code's downgrade may have changed with the upgrade that built the
//! database), then apply the code's current upgrade. Only where the database says it is for
//! development: nothing is guessed from host names, since production behind a local pooler or a
//! tunnel looks like localhost.

use super::wait::{Bookkeeping, Waiting};
use super::{Migrator, Report, RunError, StateError};
use crate::backend::{Db, Event, HistoryRow};

/// What `redo` did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Redo {
    /// The head migration, undone and applied again.
    pub rev: String,
    /// The checksum it was applied with, if the history recorded one.
    pub applied_checksum: Option<String>,
    /// Its checksum now: different when the migration was edited since.
    pub current_checksum: String,
    /// The upgrade that applied it again.
    pub report: Report,
}

impl Migrator {
    /// Marks the database for development (`on`), which lets `redo` undo its head migration and
    /// makes every later upgrade record its downgrade's SQL; or clears the mark.
    pub async fn develop(&self, db: &mut Db, on: bool) -> Result<(), RunError> {
        let tables = self.config.tables(db.dialect());
        let mut waiting = Waiting::default();
        self.create_tables(db, &mut waiting).await?;
        self.under_lock(
            db,
            "cannot mark the database for development",
            Bookkeeping::Sql(&tables.development_sql(on)),
            &mut waiting,
        )
        .await
    }

    /// Undoes the head migration with the downgrade SQL recorded when it was applied, then
    /// applies its current upgrade. Refused unless the database is marked for development
    /// ([`Migrator::develop`]) and is at the head.
    pub async fn redo(&self, db: &mut Db) -> Result<Redo, RunError> {
        self.rolled_back_on_error(db, async |db| self.redo_head(db).await)
            .await
    }

    async fn redo_head(&self, db: &mut Db) -> Result<Redo, RunError> {
        let tables = self.config.tables(db.dialect());
        let marked = db
            .development_marked(&tables)
            .await
            .map_err(RunError::db("cannot read the development mark"))?;
        if !marked {
            return Err(StateError::NotDevelopment.into());
        }
        let state = self.read_state(db).await?;
        let current = self.position(&state)?;
        let head = self.chain.migrations().len() - 1;
        let m = self.chain.migrations()[head];
        if current != Some(head) {
            return Err(StateError::RedoNotAtHead {
                at: self.describe(current),
                head: m.rev().to_owned(),
            }
            .into());
        }
        // Every other applied migration must be as it was applied.
        let edited: Vec<String> = self
            .check_history(&state, Some(head), None)?
            .into_iter()
            .filter(|rev| rev != m.rev())
            .collect();
        if let Some(rev) = edited.into_iter().next() {
            let recorded = state
                .latest
                .iter()
                .find(|row| row.rev == rev)
                .and_then(|row| row.checksum.clone())
                .unwrap_or_default();
            return Err(StateError::ChecksumMismatch {
                current: self.chain.get(&rev)?.checksum().to_string(),
                rev,
                recorded,
            }
            .into());
        }
        let (sql, applied_checksum) = db
            .recorded_downgrade(&tables, m.rev())
            .await
            .map_err(RunError::db("cannot read the history table"))?;
        let Some(sql) = sql else {
            return Err(StateError::NoRecordedDowngrade {
                rev: m.rev().to_owned(),
            }
            .into());
        };
        let current_checksum = m.checksum().to_string();
        say_checksums(m.rev(), applied_checksum.as_deref(), &current_checksum);
        tracing::info!(
            target: "capp_schema::redo",
            rev = m.rev(),
            "Undoing {} with the downgrade recorded when it was applied",
            m.rev()
        );
        let mut body = sql;
        body.push_str(&tables.version_sql(Some(m.rev()), m.down_rev()));
        body.push_str(
            &tables.history_sql(&HistoryRow::new(m.rev(), Event::Downgrade, None), "NULL"),
        );
        let mut waiting = Waiting::default();
        self.under_lock(
            db,
            &format!("undoing {} with its recorded downgrade failed", m.rev()),
            Bookkeeping::Sql(&body),
            &mut waiting,
        )
        .await?;
        let report = self.upgrade(db, "head").await?;
        Ok(Redo {
            rev: m.rev().to_owned(),
            applied_checksum,
            current_checksum,
            report,
        })
    }
}

/// Says whether the head migration changed since it was applied.
fn say_checksums(rev: &str, applied: Option<&str>, current: &str) {
    match applied {
        Some(applied) if applied == current => tracing::info!(
            target: "capp_schema::redo",
            rev = rev,
            "Checksum of {}: unchanged since it was applied",
            rev
        ),
        Some(applied) => tracing::info!(
            target: "capp_schema::redo",
            rev = rev,
            applied,
            current = current,
            "Checksum of {}: applied as {applied}, now {current} (edited since it was applied)",
            rev
        ),
        None => tracing::info!(
            target: "capp_schema::redo",
            rev = rev,
            "Checksum of {}: not recorded when it was applied",
            rev
        ),
    }
}
