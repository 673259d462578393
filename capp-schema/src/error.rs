//! Errors of the migration chain.

use crate::registration::Location;

/// A problem with the collected chain of migrations, found at run time.
///
/// `#[migration]` already rejects these at compile time; the runtime checks the registrations
/// again (it costs microseconds) because they are what the runner trusts, and a registration
/// can reach `inventory` without the macro's checks (written by hand against `__private`).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainError {
    /// No migration is registered for the chain.
    #[error(
        "no migrations are registered for chain `{chain}`; create the first one with `capp-migrate revision -m \"initial schema\"`"
    )]
    Empty { chain: &'static str },

    /// A revision id is not a string of 1 to 19 decimal digits (or is 0, reserved for base).
    #[error(
        "revision `{rev}` at {location} is not a valid id; revision ids are 1 to 19 decimal digits, not all zero"
    )]
    InvalidRevision { rev: String, location: Location },

    /// Two migrations share a revision.
    #[error(
        "revision {rev} is defined twice: at {first} and at {second}; give the newer one the next free revision: `capp-schema rebase {}` renumbers it after the head",
        second.file
    )]
    DuplicateRevision {
        rev: String,
        first: Location,
        second: Location,
    },

    /// A migration's `down_rev` names no migration.
    #[error("migration {rev} at {location} revises {down_rev}, which no migration defines")]
    MissingParent {
        rev: String,
        down_rev: String,
        location: Location,
    },

    /// A migration's `down_rev` is not older than its `rev`.
    #[error("migration {rev} at {location} revises {down_rev}, which is not older than it")]
    NotOlder {
        rev: String,
        down_rev: String,
        location: Location,
    },

    /// Two migrations revise the same parent.
    #[error(
        "the history branches at {parent}: both {first} and {second} revise it; set {second}'s down_rev to the current head and renumber it: `capp-schema rebase` with its file does both"
    )]
    Branch {
        parent: String,
        first: String,
        second: String,
    },

    /// Two migrations have no parent.
    #[error(
        "the history has two base migrations, {first} and {second}; set {second}'s down_rev to the current head"
    )]
    MultipleBases { first: String, second: String },

    /// A revision that no migration of the chain has.
    #[error("can't locate revision identified by '{rev}'; known revisions are {known}")]
    UnknownRevision { rev: String, known: String },
}
