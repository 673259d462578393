//! Batched backfills: a data change to an existing table made in small key-ordered batches, each
//! its own short transaction, instead of one `UPDATE` that holds every row lock it takes (and
//! keeps every old row version alive) until the last row is written.
//!
//! A backfill walks the table in the order of a unique key (its primary key unless another is
//! named), `batch_rows` keys at a time: each batch updates the rows among those keys that match
//! its filter, and records how far it got in the same transaction, so a runner that is killed
//! resumes after the last batch that committed. On PostgreSQL each batch is bounded by
//! `statement_timeout` (a batch that would take longer is cancelled and tried again with half
//! the rows) and waits at most the lock timeout for a row another session holds; between
//! batches the runner pauses. On SQLite, where every migration runs in one transaction and a
//! write locks the whole database anyway, it is one plain `UPDATE`.

use std::time::Duration;

/// A batched backfill, recorded by
/// [`NonTransactionalOperations::backfill`](crate::NonTransactionalOperations::backfill); its
/// methods adjust it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Backfill {
    /// The table whose rows change.
    pub table: String,
    /// The `SET` list, as SQL: `fee_cents = amount_cents / 100`.
    pub set: String,
    /// Which rows change, as an SQL condition (`fee_cents IS NULL`); `None`: every row.
    pub filter: Option<String>,
    /// The unique, NOT NULL columns the table is walked by; empty: its primary key.
    pub key: Vec<String>,
    /// The keys one batch takes at most.
    pub batch_rows: u32,
    /// The longest one batch's transaction may take (PostgreSQL).
    pub batch_time: Duration,
    /// The pause between two batches, which leaves the server room for its other work.
    pub pause: Duration,
}

impl Backfill {
    /// Keys per batch unless [`Backfill::batch_rows`] says otherwise.
    pub const DEFAULT_BATCH_ROWS: u32 = 1_000;
    /// The bound of one batch unless [`Backfill::batch_time`] says otherwise.
    pub const DEFAULT_BATCH_TIME: Duration = Duration::from_secs(1);
    /// The pause between batches unless [`Backfill::pause`] says otherwise.
    pub const DEFAULT_PAUSE: Duration = Duration::from_millis(10);

    pub(crate) fn new(table: &str, set: &str) -> Backfill {
        Backfill {
            table: table.to_owned(),
            set: set.to_owned(),
            filter: None,
            key: Vec::new(),
            batch_rows: Backfill::DEFAULT_BATCH_ROWS,
            batch_time: Backfill::DEFAULT_BATCH_TIME,
            pause: Backfill::DEFAULT_PAUSE,
        }
    }

    /// Changes only the rows matching `condition` (SQL, over the table's columns). Making it
    /// false for the rows already changed (`fee_cents IS NULL`) makes the backfill safe to run
    /// again by hand, too.
    pub fn only_where(&mut self, condition: &str) -> &mut Backfill {
        self.filter = Some(condition.to_owned());
        self
    }

    /// Walks the table by these columns instead of its primary key: they must be NOT NULL and
    /// unique together (a unique constraint or index on exactly them).
    pub fn by<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, columns: I) -> &mut Backfill {
        self.key = columns.into_iter().map(Into::into).collect();
        self
    }

    /// At most `rows` keys per batch (at least 1).
    pub fn batch_rows(&mut self, rows: u32) -> &mut Backfill {
        self.batch_rows = rows.max(1);
        self
    }

    /// One batch's transaction takes at most `bound` (PostgreSQL's `statement_timeout`); a batch
    /// that would take longer is cancelled and tried again with half the rows.
    pub fn batch_time(&mut self, bound: Duration) -> &mut Backfill {
        self.batch_time = bound.max(Duration::from_millis(1));
        self
    }

    /// Pauses `pause` after each batch.
    pub fn pause(&mut self, pause: Duration) -> &mut Backfill {
        self.pause = pause;
        self
    }
}

/// The columns `backfill` walks its table by, from the schema before it: the named key, which
/// must be NOT NULL and unique together, or the primary key.
pub(crate) fn key_columns(
    backfill: &Backfill,
    schema: &crate::schema::Schema,
) -> Result<Vec<String>, crate::schema::FoldError> {
    use crate::schema::FoldError;
    let table = schema.table(&backfill.table)?;
    let refuse = |why: String| FoldError::NoBackfillKey {
        table: backfill.table.clone(),
        why,
    };
    if backfill.key.is_empty() {
        if table.primary_key.is_empty() {
            return Err(refuse("the table has no primary key".to_owned()));
        }
        return Ok(table.primary_key.clone());
    }
    for name in &backfill.key {
        let column = table
            .columns
            .iter()
            .find(|c| c.name == *name)
            .ok_or_else(|| FoldError::NoColumn {
                table: backfill.table.clone(),
                column: name.clone(),
            })?;
        if column.nullable && !table.primary_key.contains(name) {
            return Err(refuse(format!("its key column `{name}` is nullable")));
        }
    }
    let same = |columns: &[String]| {
        columns.len() == backfill.key.len() && columns.iter().all(|c| backfill.key.contains(c))
    };
    let unique = same(&table.primary_key)
        || table.uniques.iter().any(|u| same(&u.columns))
        || table.indexes.iter().any(|i| {
            i.unique && i.predicate.is_none() && i.expression.is_none() && same(&i.columns)
        });
    if unique {
        Ok(backfill.key.clone())
    } else {
        Err(refuse(format!(
            "no unique constraint or index covers exactly ({})",
            backfill.key.join(", ")
        )))
    }
}

/// A backfill with the key its table is walked by, resolved from the schema when it is rendered.
#[cfg(feature = "runner")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Job {
    pub(crate) backfill: Backfill,
    pub(crate) key: Vec<String>,
    /// The database schema its statements are qualified with (a tenant's), as rendered.
    pub(crate) schema: Option<String>,
}

#[cfg(feature = "runner")]
impl Job {
    /// `backfill` against the schema it runs on, its statements qualified with the database
    /// schema `in_schema` (a tenant's), if any.
    pub(crate) fn new(
        backfill: &Backfill,
        schema: &crate::schema::Schema,
        in_schema: Option<String>,
    ) -> Result<Job, crate::schema::FoldError> {
        Ok(Job {
            key: key_columns(backfill, schema)?,
            backfill: backfill.clone(),
            schema: in_schema,
        })
    }
}
