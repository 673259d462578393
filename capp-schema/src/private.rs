//! Not public API: used by the code `#[migration]` and `#[downgrade]` generate.

use std::any::TypeId;

use crate::ops::Recorder;
use crate::rules::{DowngradeOf, Revision, UpgradeOf};

pub use crate::chain::{Location, Recording};
pub use inventory;

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

/// Names the recorder type of a function, so that a wrong parameter type is reported as one
/// mismatch on the function's name.
pub const fn function<R: Recorder>(function: fn(&mut R)) -> fn(&mut R) {
    function
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
}

inventory::collect!(Registration);

/// `Some(down_rev)`; compiles only if revision `PARENT` exists in chain `C`.
pub const fn parent<C: Revision<PARENT>, const PARENT: u64>(
    down_rev: &'static str,
) -> Option<&'static str> {
    Some(down_rev)
}

/// Compiles only if a migration with revision `REV` exists in chain `C`.
pub const fn require_upgrade<C: UpgradeOf<REV>, const REV: u64>() {}

/// The downgrade of revision `REV`; compiles only if there is one, and only if it runs in a
/// transaction exactly when its migration does.
pub const fn downgrade_of<C: DowngradeOf<REV>, const REV: u64, const TRANSACTIONAL: bool>()
-> Downgrade {
    if C::TRANSACTIONAL != TRANSACTIONAL {
        if TRANSACTIONAL {
            panic!(
                "this migration runs in a transaction, but its downgrade takes `&mut NonTransactionalOperations`; make both take `&mut Operations`, or declare `transactional = false` on the migration"
            );
        } else {
            panic!(
                "this migration is `transactional = false`, but its downgrade takes `&mut Operations`; make the downgrade take `&mut NonTransactionalOperations`"
            );
        }
    }
    C::DOWNGRADE
}
