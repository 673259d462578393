//! `redo` on a development database: the head migration, edited after it was applied, is undone
//! with the downgrade recorded when it was applied and applied again as it is now. Refused on a
//! database not marked for development, away from the head, or without a recorded downgrade.

use capp_schema::runner::{Config, Db, Migrator, RunError, StateError};
use capp_schema::{Chain, ColumnType, Operations, downgrade, migration};
use capp_schema_tests::{columns, on_both};

/// The head migration as first written: it adds column `a`.
mod before {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "t", chain = crate::before::Chain)]
    fn create(op: &mut Operations) {
        op.create_table("t", |t| {
            t.column("id", ColumnType::Integer);
        });
    }
    #[downgrade(rev = "0001", chain = crate::before::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_table("t");
    }

    #[migration(rev = "0002", down_rev = "0001", message = "a column", chain = crate::before::Chain)]
    fn add(op: &mut Operations) {
        op.add_column("t", "a", ColumnType::Text);
    }
    #[downgrade(rev = "0002", chain = crate::before::Chain)]
    fn remove(op: &mut Operations) {
        op.drop_column("t", "a");
    }
}

/// The same history with the head migration edited: it adds `b` instead, and its downgrade
/// drops `b` (which the database, built by the first version, does not have).
mod after {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "t", chain = crate::after::Chain)]
    fn create(op: &mut Operations) {
        op.create_table("t", |t| {
            t.column("id", ColumnType::Integer);
        });
    }
    #[downgrade(rev = "0001", chain = crate::after::Chain)]
    fn drop(op: &mut Operations) {
        op.drop_table("t");
    }

    #[migration(rev = "0002", down_rev = "0001", message = "a column", chain = crate::after::Chain)]
    fn add(op: &mut Operations) {
        op.add_column("t", "b", ColumnType::Text);
    }
    #[downgrade(rev = "0002", chain = crate::after::Chain)]
    fn remove(op: &mut Operations) {
        op.drop_column("t", "b");
    }
}

fn migrator(chain: capp_schema::MigrationChain) -> Migrator {
    Migrator::new(chain, Config::default())
}

#[tokio::test]
async fn redo_undoes_the_edited_head_with_its_recorded_downgrade_and_applies_it_again() {
    on_both(|url| async move {
        let (first, edited) = (
            migrator(before::Chain::load().unwrap()),
            migrator(after::Chain::load().unwrap()),
        );
        let mut db = Db::connect(&url).await.unwrap();

        // Not marked: refused, and nothing changes.
        first.upgrade(&mut db, "head").await.unwrap();
        let err = edited.redo(&mut db).await.unwrap_err();
        assert!(matches!(err, RunError::State(StateError::NotDevelopment)), "{url}: {err}");
        // Marked now, but 0002 was applied before: no downgrade was recorded for it.
        first.develop(&mut db, true).await.unwrap();
        let err = edited.redo(&mut db).await.unwrap_err();
        assert!(
            matches!(&err, RunError::State(StateError::NoRecordedDowngrade { rev }) if rev == "0002"),
            "{url}: {err}"
        );
        first.downgrade(&mut db, "-1").await.unwrap();
        // Not at head: refused.
        let err = edited.redo(&mut db).await.unwrap_err();
        assert!(
            matches!(&err, RunError::State(StateError::RedoNotAtHead { .. })),
            "{url}: {err}"
        );
        first.upgrade(&mut db, "head").await.unwrap();
        assert_eq!(columns(&url, "t").await, ["id", "a"], "{url}");

        // The edit: a plain downgrade refuses (the code changed), redo goes through.
        let err = edited.downgrade(&mut db, "-1").await.unwrap_err();
        assert!(
            matches!(&err, RunError::State(StateError::ChecksumMismatch { .. })),
            "{url}: {err}"
        );
        let redo = edited.redo(&mut db).await.unwrap();
        assert_eq!(redo.rev, "0002");
        assert_ne!(
            redo.applied_checksum.as_deref(),
            Some(redo.current_checksum.as_str()),
            "the checksums differ"
        );
        assert_eq!(redo.report.applied.len(), 1);
        assert_eq!(columns(&url, "t").await, ["id", "b"], "{url}");
        // The history is consistent again: the edited code is what is applied.
        let status = edited.status(&mut db).await.unwrap();
        assert!(status.is_head && status.edited.is_empty(), "{url}: {status:?}");

        // Redo again with nothing edited: the recorded downgrade is now the edited one.
        let again = edited.redo(&mut db).await.unwrap();
        assert_eq!(
            again.applied_checksum.as_deref(),
            Some(again.current_checksum.as_str())
        );
        assert_eq!(columns(&url, "t").await, ["id", "b"], "{url}");

        // Unmarked: refused again.
        edited.develop(&mut db, false).await.unwrap();
        assert!(matches!(
            edited.redo(&mut db).await,
            Err(RunError::State(StateError::NotDevelopment))
        ));
    })
    .await;
}
