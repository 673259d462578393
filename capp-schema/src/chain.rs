//! The chain of migrations collected by `inventory`, validated and ordered from base to head.

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::fmt;

use sha2::{Digest, Sha256};

use crate::error::ChainError;
use crate::registration::{Downgrade, MigrationTimeouts, Registration};
pub use crate::registration::{Location, Recording};

/// The marker type of one migration history. Declare it once, at the root of the crate that holds
/// the migrations:
///
/// ```
/// #[derive(capp_schema::Chain)]
/// pub struct Migrations;
/// ```
///
/// `#[migration]` refers to `crate::Migrations` unless given `chain = path::To::Marker`.
///
/// A chain lives in one crate: the one that declares its marker. The compile-time checks are
/// trait impls on the marker, which Rust's orphan rule allows only in the marker's own crate, so
/// a migration naming another crate's marker does not compile (E0117). Split a large history
/// into modules of one crate, not into crates.
///
/// ```compile_fail,E0117
/// # use capp_schema::{migration, downgrade, Operations};
/// // `String` stands for a marker declared in another crate.
/// #[migration(rev = "0001", down_rev = None, message = "a", chain = String)]
/// fn a(op: &mut Operations) {}
/// # #[downgrade(rev = "0001", chain = String)] fn a_down(op: &mut Operations) {}
/// # fn main() {}
/// ```
pub trait Chain: 'static {
    /// The first revision the lint checks (`#[chain(lint_from = "0004")]`); older ones are
    /// history, applied everywhere, and only folded. `None`: every revision is linted.
    const LINT_FROM: Option<&'static str> = None;

    /// The migrations of this chain, validated and ordered from base to head.
    fn load() -> Result<MigrationChain, ChainError>
    where
        Self: Sized,
    {
        MigrationChain::load::<Self>()
    }
}

/// A revision id's numeric value, which orders the chain. Ids are 1 to 19 decimal digits, not all
/// zero (0 stands for base), so `"0002"` and `"2"` name the same revision. The one parser of
/// revision ids at run time; `#[migration]` applies the same rules at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct RevisionId(u64);

impl RevisionId {
    /// The longest id whose value always fits in a `u64` (10^19 - 1 < 2^64).
    pub(crate) const MAX_DIGITS: usize = 19;

    /// The id written as `rev`, or `None` if it is not one.
    pub(crate) fn parse(rev: &str) -> Option<RevisionId> {
        if rev.is_empty()
            || rev.len() > Self::MAX_DIGITS
            || !rev.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        rev.parse().ok().filter(|&v| v != 0).map(RevisionId)
    }

    /// The numeric value.
    pub(crate) fn value(self) -> u64 {
        self.0
    }
}

/// A migration's checksum: SHA-256 over its revision, parent, flags and the source tokens of both
/// directions. Formatting and comments do not change it; editing either function does.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum([u8; 32]);

impl Checksum {
    /// The 32 bytes of the SHA-256 digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A checksum from the bytes of a SHA-256 digest.
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> Checksum {
        Checksum(bytes)
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_bytes()
            .iter()
            .try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checksum({self})")
    }
}

/// One migration of a chain.
#[derive(Clone, Copy)]
pub struct Migration {
    registration: &'static Registration,
    id: RevisionId,
}

impl fmt::Debug for Migration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Migration")
            .field("rev", &self.rev())
            .field("down_rev", &self.down_rev())
            .field("message", &self.message())
            .finish_non_exhaustive()
    }
}

impl Migration {
    /// The revision id as written, e.g. `"0002"`.
    pub fn rev(&self) -> &'static str {
        self.registration.rev
    }

    /// The revision this one follows; `None` for the base migration.
    pub fn down_rev(&self) -> Option<&'static str> {
        self.registration.down_rev
    }

    /// The numeric value of the revision id, which orders the chain.
    pub fn rev_value(&self) -> u64 {
        self.id.value()
    }

    /// What the migration does.
    pub fn message(&self) -> &'static str {
        self.registration.message
    }

    /// Where the migration is declared.
    pub fn location(&self) -> Location {
        self.registration.location
    }

    /// Whether the migration runs inside a transaction (the default; `transactional = false`
    /// migrations run outside one).
    pub fn is_transactional(&self) -> bool {
        self.registration.transactional
    }

    /// The migration's own timeouts, from its attribute.
    pub fn timeouts(&self) -> MigrationTimeouts {
        self.registration.timeouts
    }

    /// The lint's findings this migration accepts, with their reasons (`allow_lint(...)`).
    pub fn allowed_lints(&self) -> &'static [(&'static str, &'static str)] {
        self.registration.allow_lint
    }

    /// Why the migration cannot be undone, if it was declared `irreversible = "..."`.
    pub fn irreversible_reason(&self) -> Option<&'static str> {
        match self.registration.downgrade {
            Downgrade::Reversible(_) => None,
            Downgrade::Irreversible { reason } => Some(reason),
        }
    }

    /// The operations of the upgrade.
    pub fn upgrade(&self) -> Recording {
        self.registration.upgrade.record.record()
    }

    /// The operations of the downgrade, or `None` for an irreversible migration.
    pub fn downgrade(&self) -> Option<Recording> {
        match self.registration.downgrade {
            Downgrade::Reversible(step) => Some(step.record.record()),
            Downgrade::Irreversible { .. } => None,
        }
    }

    /// The checksum recorded when the migration is applied, compared on later runs.
    pub fn checksum(&self) -> Checksum {
        let r = self.registration;
        let mut h = Sha256::new();
        h.update(b"capp-schema migration v1\0");
        h.update(r.rev.as_bytes());
        h.update(b"\0");
        h.update(r.down_rev.unwrap_or("").as_bytes());
        h.update(if r.transactional { b"\0t" } else { b"\0n" });
        h.update(r.upgrade.checksum);
        match r.downgrade {
            Downgrade::Reversible(step) => h.update(step.checksum),
            Downgrade::Irreversible { reason } => {
                h.update(b"irreversible\0");
                h.update(reason.as_bytes());
            }
        }
        Checksum::from_bytes(h.finalize().into())
    }
}

impl Migration {
    /// The migration a registration declares, if its revision id is valid.
    fn new(registration: &'static Registration) -> Result<Migration, ChainError> {
        let id =
            RevisionId::parse(registration.rev).ok_or_else(|| ChainError::InvalidRevision {
                rev: registration.rev.to_owned(),
                location: registration.location,
            })?;
        Ok(Migration { registration, id })
    }
}

/// The revisions of `migrations` (sorted by revision), each of which must be defined once.
fn distinct_revisions(migrations: &[Migration]) -> Result<HashSet<RevisionId>, ChainError> {
    let mut first_of: HashMap<RevisionId, &Migration> = HashMap::with_capacity(migrations.len());
    for m in migrations {
        if let Some(first) = first_of.insert(m.id, m) {
            return Err(ChainError::DuplicateRevision {
                rev: m.rev().to_owned(),
                first: first.location(),
                second: m.location(),
            });
        }
    }
    Ok(first_of.into_keys().collect())
}

/// The base migration, and the migration that revises each revision: at most one base, and each
/// parent defined, older than its child, and revised once.
fn links(
    migrations: &[Migration],
    known: &HashSet<RevisionId>,
) -> Result<(Option<Migration>, HashMap<RevisionId, Migration>), ChainError> {
    let mut base: Option<Migration> = None;
    let mut child_of: HashMap<RevisionId, Migration> = HashMap::with_capacity(migrations.len());
    for m in migrations {
        let Some(down) = m.down_rev() else {
            if let Some(first) = base {
                return Err(ChainError::MultipleBases {
                    first: first.rev().to_owned(),
                    second: m.rev().to_owned(),
                });
            }
            base = Some(*m);
            continue;
        };
        let parent = parent_of(m, down, known)?;
        if let Some(first) = child_of.insert(parent, *m) {
            return Err(ChainError::Branch {
                parent: down.to_owned(),
                first: first.rev().to_owned(),
                second: m.rev().to_owned(),
            });
        }
    }
    Ok((base, child_of))
}

/// The revision `m` revises (its `down_rev`, written `down`), which must be defined and older.
fn parent_of(
    m: &Migration,
    down: &str,
    known: &HashSet<RevisionId>,
) -> Result<RevisionId, ChainError> {
    let parent = RevisionId::parse(down)
        .filter(|id| known.contains(id))
        .ok_or_else(|| ChainError::MissingParent {
            rev: m.rev().to_owned(),
            down_rev: down.to_owned(),
            location: m.location(),
        })?;
    if parent >= m.id {
        return Err(ChainError::NotOlder {
            rev: m.rev().to_owned(),
            down_rev: down.to_owned(),
            location: m.location(),
        });
    }
    Ok(parent)
}

/// A validated chain of migrations, ordered from base to head.
#[derive(Debug, Clone)]
pub struct MigrationChain {
    migrations: Vec<Migration>,
}

/// The numeric value of a revision id (see [`RevisionId`]); kept for `cli` until it uses
/// `RevisionId` itself.
#[cfg(feature = "cli")]
pub(crate) fn rev_value(rev: &str) -> Option<u64> {
    RevisionId::parse(rev).map(RevisionId::value)
}

impl MigrationChain {
    /// Collects the migrations registered for chain `C` and checks that they form one unbranched
    /// line from a single base.
    pub fn load<C: Chain>() -> Result<MigrationChain, ChainError> {
        let chain = TypeId::of::<C>();
        let registrations = inventory::iter::<Registration>
            .into_iter()
            .filter(|r| (r.chain)() == chain);
        Self::from_registrations(std::any::type_name::<C>(), registrations)
    }

    pub(crate) fn from_registrations(
        chain: &'static str,
        registrations: impl IntoIterator<Item = &'static Registration>,
    ) -> Result<MigrationChain, ChainError> {
        let mut migrations = registrations
            .into_iter()
            .map(Migration::new)
            .collect::<Result<Vec<_>, _>>()?;
        if migrations.is_empty() {
            return Err(ChainError::Empty { chain });
        }
        // Sorting by revision makes the checks and their messages independent of link order.
        migrations.sort_by_key(|m| (m.id, m.location().file, m.location().line));
        let known = distinct_revisions(&migrations)?;
        let (base, child_of) = links(&migrations, &known)?;
        // One base, every parent present and older, no parent revised twice: the migrations form a
        // single line, and walking it from the base reaches every one of them.
        let mut ordered = Vec::with_capacity(migrations.len());
        let mut next = base;
        while let Some(m) = next {
            ordered.push(m);
            next = child_of.get(&m.id).copied();
        }
        debug_assert_eq!(ordered.len(), migrations.len());
        Ok(MigrationChain {
            migrations: ordered,
        })
    }

    /// The migrations from base to head.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// The newest migration.
    pub fn head(&self) -> &Migration {
        self.migrations
            .last()
            .expect("a loaded chain is never empty")
    }

    /// The first migration.
    pub fn base(&self) -> &Migration {
        &self.migrations[0]
    }

    /// The number of migrations.
    pub fn len(&self) -> usize {
        self.migrations.len()
    }

    /// Always false: a loaded chain has at least one migration.
    pub fn is_empty(&self) -> bool {
        self.migrations.is_empty()
    }

    /// The position (0 = base) of a revision given exactly or by numeric value.
    pub fn position(&self, rev: &str) -> Option<usize> {
        let id = RevisionId::parse(rev)?;
        self.migrations.binary_search_by_key(&id, |m| m.id).ok()
    }

    /// The migration with this revision.
    pub fn get(&self, rev: &str) -> Result<&Migration, ChainError> {
        self.position(rev)
            .map(|i| &self.migrations[i])
            .ok_or_else(|| ChainError::UnknownRevision {
                rev: rev.to_owned(),
                known: self.describe_known(),
            })
    }

    fn describe_known(&self) -> String {
        const SHOWN: usize = 5;
        let revs: Vec<&str> = self.migrations.iter().map(Migration::rev).collect();
        if revs.len() <= 2 * SHOWN {
            revs.join(", ")
        } else {
            format!(
                "{}, ... ({} more) ..., {}",
                revs[..SHOWN].join(", "),
                revs.len() - 2 * SHOWN,
                revs[revs.len() - SHOWN..].join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::__private::function;
    use crate::ops::Operations;
    use crate::registration::{RecordFn, Step};

    fn noop(_: &mut Operations) {}

    static NOOP: fn(&mut Operations) = function(noop);

    fn reg(rev: &'static str, down_rev: Option<&'static str>, line: u32) -> &'static Registration {
        let step = Step {
            record: &NOOP as &dyn RecordFn,
            checksum: [0; 32],
        };
        Box::leak(Box::new(Registration {
            chain: TypeId::of::<()>,
            rev,
            down_rev,
            message: "m",
            transactional: true,
            location: Location {
                file: "history.rs",
                line,
                module_path: "m",
            },
            upgrade: step,
            downgrade: Downgrade::Reversible(step),
            timeouts: Default::default(),
            allow_lint: &[],
        }))
    }

    fn load(regs: Vec<&'static Registration>) -> Result<Vec<&'static str>, ChainError> {
        MigrationChain::from_registrations("Test", regs)
            .map(|c| c.migrations().iter().map(|m| m.rev()).collect())
    }

    #[test]
    fn orders_from_base_to_head_whatever_the_registration_order() {
        let revs = load(vec![
            reg("0003", Some("0002"), 3),
            reg("0001", None, 1),
            reg("0002", Some("0001"), 2),
        ]);
        assert_eq!(revs.unwrap(), ["0001", "0002", "0003"]);
    }

    #[test]
    fn reports_each_broken_chain_without_panicking() {
        assert_eq!(load(vec![]), Err(ChainError::Empty { chain: "Test" }));
        assert!(matches!(
            load(vec![reg("0001", None, 1), reg("1", Some("0001"), 2)]),
            Err(ChainError::DuplicateRevision { rev, .. }) if rev == "1"
        ));
        assert!(matches!(
            load(vec![reg("0001", None, 1), reg("0003", Some("0002"), 2)]),
            Err(ChainError::MissingParent { rev, down_rev, .. }) if rev == "0003" && down_rev == "0002"
        ));
        assert_eq!(
            load(vec![
                reg("0001", None, 1),
                reg("0002", Some("0001"), 2),
                reg("0003", Some("0001"), 3)
            ]),
            Err(ChainError::Branch {
                parent: "0001".into(),
                first: "0002".into(),
                second: "0003".into()
            })
        );
        assert_eq!(
            load(vec![reg("0001", None, 1), reg("0002", None, 2)]),
            Err(ChainError::MultipleBases {
                first: "0001".into(),
                second: "0002".into()
            })
        );
        assert!(matches!(
            load(vec![reg("0001", None, 1), reg("0002", Some("0003"), 2), reg("0003", Some("0001"), 3)]),
            Err(ChainError::NotOlder { rev, .. }) if rev == "0002"
        ));
        for bad in ["", "0", "000", "12a", "12345678901234567890"] {
            assert!(
                matches!(
                    load(vec![reg(bad, None, 1)]),
                    Err(ChainError::InvalidRevision { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn unknown_revisions_name_what_exists() {
        let chain = MigrationChain::from_registrations(
            "Test",
            vec![reg("0001", None, 1), reg("0002", Some("0001"), 2)],
        )
        .unwrap();
        assert_eq!(chain.get("2").unwrap().rev(), "0002");
        let err = chain.get("0009").unwrap_err();
        assert_eq!(
            err.to_string(),
            "can't locate revision identified by '0009'; known revisions are 0001, 0002"
        );
    }

    #[test]
    fn revision_ids_are_digits_compared_by_value() {
        assert_eq!(RevisionId::parse("0002"), RevisionId::parse("2"));
        assert_eq!(RevisionId::parse("0002").map(RevisionId::value), Some(2));
        assert!(RevisionId::parse("0010") > RevisionId::parse("9"));
        assert_eq!(
            RevisionId::parse("9999999999999999999").map(RevisionId::value),
            Some(9_999_999_999_999_999_999)
        );
        for bad in [
            "",
            "0",
            "000",
            "12a",
            "-1",
            "+1",
            " 1",
            "12345678901234567890",
        ] {
            assert_eq!(RevisionId::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_checksum_shows_its_bytes_in_hex() {
        let checksum = Checksum::from_bytes([0xab; 32]);
        assert_eq!(checksum.as_bytes(), &[0xab; 32]);
        assert_eq!(checksum.to_string(), "ab".repeat(32));
    }
}
