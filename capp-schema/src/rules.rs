//! The rules of a migration chain, as traits the type checker enforces.
//!
//! `#[migration]` and `#[downgrade]` implement and require these traits on the chain's marker type
//! (see [`Chain`](crate::Chain)). A broken chain therefore fails `cargo build` with rustc's own
//! messages, which read as the rule that was broken:
//!
//! | mistake | error |
//! |---|---|
//! | two migrations with `rev = "0002"` | conflicting implementations of trait `Revision<2>` |
//! | two migrations with `down_rev = "0001"` (a branch) | conflicting implementations of trait `OnlyOneMigrationMayRevise<1>` |
//! | two migrations with `down_rev = None` | conflicting implementations of trait `OnlyOneBaseMigration` |
//! | `down_rev = "0007"` with no migration 0007 | `down_rev` names revision 7, which no migration defines |
//! | a migration without `#[downgrade]` | migration 2 has no downgrade |
//! | a `#[downgrade]` without its migration | this downgrade undoes revision 2, which no migration defines |
//!
//! Revision ids appear by numeric value (`"0002"` is `2`); revision 0 stands for base.
//!
//! A duplicate revision or a branch is what two branches of work that each added a migration after
//! the same head make when merged: `capp-schema rebase <file>` renumbers one of them after the
//! other's head (its files, `rev` and `down_rev`), reading the files as text since the chain does
//! not compile. (rustc's E0119 takes no custom note, so the compiler output cannot say so itself.)
//! These traits are implemented only by generated code; do not implement them by hand.

/// A migration with this revision exists. Implemented once per `#[migration(rev = ...)]`.
///
/// A second implementation (E0119) is a duplicate revision: `capp-schema rebase <file>` moves the
/// newer migration's file after the head.
#[diagnostic::on_unimplemented(
    message = "`down_rev` names revision {REV}, which no migration defines",
    label = "no `#[migration(rev = ...)]` has this revision",
    note = "set `down_rev` to the revision this migration follows (for a new migration, the current head; `capp-migrate heads` shows it), or `down_rev = None` for the first migration"
)]
pub trait Revision<const REV: u64> {}

/// A branch is forbidden: at most one migration names a given revision as its `down_rev`.
///
/// When two migrations revise the same parent, rustc reports conflicting implementations of
/// `OnlyOneMigrationMayRevise<PARENT>`: set the newer migration's `down_rev` to the current head
/// and renumber it after the head; `capp-schema rebase <file>` does both.
pub trait OnlyOneMigrationMayRevise<const PARENT: u64> {}

/// At most one migration has `down_rev = None`.
///
/// When a second base appears, rustc reports conflicting implementations of
/// `OnlyOneBaseMigration`: give the newer migration `down_rev` = the current head.
pub trait OnlyOneBaseMigration {}

/// A migration with this revision exists, for its downgrade to undo: [`Revision`] under the
/// message a misplaced downgrade needs.
#[diagnostic::on_unimplemented(
    message = "this downgrade undoes revision {REV}, which no migration defines",
    label = "no `#[migration(rev = ...)]` has this revision",
    note = "a `#[downgrade(rev = ...)]` must name the `rev` of its migration; fix the revision or remove the downgrade"
)]
pub trait UpgradeOf<const REV: u64> {}

impl<C: Revision<REV>, const REV: u64> UpgradeOf<REV> for C {}

/// The way back from a revision: a `#[downgrade]` function, or the migration's
/// `irreversible = "why"`. Exactly one of them per revision.
#[diagnostic::on_unimplemented(
    message = "migration {REV} has no downgrade",
    label = "no `#[downgrade(rev = ...)]` undoes this revision",
    note = "add `#[downgrade(rev = \"...\")] fn downgrade(op: &mut Operations) {{ ... }}` that undoes this migration, or declare `irreversible = \"why it cannot be undone\"` on the migration"
)]
pub trait DowngradeOf<const REV: u64> {
    /// Whether the downgrade runs inside a transaction; it must match its migration's.
    #[doc(hidden)]
    const TRANSACTIONAL: bool;
    #[doc(hidden)]
    const DOWNGRADE: crate::registration::Downgrade;
}
