//! What `#[migration]` registers with `inventory`, and what a migration function records: the
//! types that the generated code fills in (through `__private`) and the chain reads.

use std::any::TypeId;
use std::fmt;

use crate::ops::{Operation, Recorder};

/// Where a migration is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub file: &'static str,
    pub line: u32,
    pub module_path: &'static str,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// The operations one function records, and whether they run inside a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    pub transactional: bool,
    pub operations: Vec<Operation>,
}

/// One direction of a migration: the function and the checksum of its source tokens.
///
/// The function is kept as `&dyn RecordFn` over a plain `fn(&mut R)` pointer rather than as a
/// generated closure: that costs no code per migration, which keeps long histories quick to build.
#[derive(Clone, Copy)]
pub struct Step {
    pub record: &'static dyn RecordFn,
    pub checksum: [u8; 32],
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Step").finish_non_exhaustive()
    }
}

/// A migration function, whatever recorder it takes.
pub trait RecordFn: Sync {
    /// Runs the function on a fresh recorder.
    fn record(&self) -> Recording;
}

impl<R: Recorder> RecordFn for fn(&mut R) {
    fn record(&self) -> Recording {
        let mut recorder = R::default();
        self(&mut recorder);
        Recording {
            transactional: R::TRANSACTIONAL,
            operations: recorder.into_operations(),
        }
    }
}

/// The way back from a revision.
#[derive(Debug, Clone, Copy)]
pub enum Downgrade {
    Reversible(Step),
    Irreversible { reason: &'static str },
}

/// What `#[migration]` registers with `inventory`.
#[derive(Debug)]
pub struct Registration {
    pub chain: fn() -> TypeId,
    pub rev: &'static str,
    pub down_rev: Option<&'static str>,
    pub message: &'static str,
    pub transactional: bool,
    pub location: Location,
    pub upgrade: Step,
    pub downgrade: Downgrade,
    pub timeouts: MigrationTimeouts,
    /// `allow_lint(rule = "reason")`: the lint's findings this migration accepts.
    pub allow_lint: &'static [(&'static str, &'static str)],
}

/// A migration's own timeouts (`lock_timeout = "2s"` in its attribute); each wins over the
/// command line and the runner's `Config`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MigrationTimeouts {
    pub lock_timeout: Option<std::time::Duration>,
    pub lock_retry_budget: Option<std::time::Duration>,
    pub statement_timeout: Option<std::time::Duration>,
}

inventory::collect!(Registration);
