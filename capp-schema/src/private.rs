//! Not public API: used by the code `#[migration]` and `#[downgrade]` generate.

use crate::ops::Recorder;
use crate::rules::{DowngradeOf, Revision, UpgradeOf};

pub use crate::model::{EnumRegistration, ModelRegistration, model_of};
pub use crate::registration::{
    Downgrade, Location, MigrationTimeouts, RecordFn, Recording, Registration, Step,
};
pub use inventory;

/// Names the recorder type of a function, so that a wrong parameter type is reported as one
/// mismatch on the function's name.
pub const fn function<R: Recorder>(function: fn(&mut R)) -> fn(&mut R) {
    function
}

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
