//! What the runner and a backend exchange about the pieces of a step outside a transaction:
//! where each got to (a backfill's last key), and a backfill's batches.

use std::time::Duration;

use crate::backfill::Job;

/// Whose progress: one step of one migration, and the checksum of the code that made it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepKey<'a> {
    pub(crate) rev: &'a str,
    /// `upgrade` or `downgrade`.
    pub(crate) direction: &'a str,
    pub(crate) checksum: &'a str,
}

/// Where one piece of a step got to, as the progress table records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PieceProgress {
    /// Its position among the step's pieces.
    pub(crate) piece: usize,
    /// The checksum of the migration that recorded it.
    pub(crate) checksum: String,
    /// Whether it finished.
    pub(crate) done: bool,
    /// A backfill's last key, as text (empty before its first batch, and for other pieces).
    pub(crate) cursor: Vec<String>,
    /// The rows a backfill changed so far.
    pub(crate) rows: u64,
}

/// One batch of a backfill.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Batch<'a> {
    pub(crate) step: StepKey<'a>,
    pub(crate) piece: usize,
    pub(crate) job: &'a Job,
    /// The last key done; `None`: start from the first.
    pub(crate) cursor: Option<&'a [String]>,
    /// The keys it takes at most.
    pub(crate) limit: u32,
    /// How long it waits for a row lock another session holds.
    pub(crate) lock_timeout: Duration,
}

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BatchDone {
    /// Its last key: where the next batch starts.
    pub(crate) cursor: Vec<String>,
    /// The rows it changed.
    pub(crate) rows: u64,
    /// The rows the backfill changed so far.
    pub(crate) total: u64,
}
