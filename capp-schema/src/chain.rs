//! The chain of migrations collected by `inventory`, validated and ordered from base to head.

use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;

use sha2::{Digest, Sha256};

use crate::__private::{Downgrade, Location, Recording, Registration};
use crate::error::ChainError;

/// The marker type of one migration history. Declare it once, at the root of the crate that holds
/// the migrations:
///
/// ```
/// #[derive(capp_schema::Chain)]
/// pub struct Migrations;
/// ```
///
/// `#[migration]` refers to `crate::Migrations` unless given `chain = path::To::Marker`.
pub trait Chain: 'static {
    /// The migrations of this chain, validated and ordered from base to head.
    fn load() -> Result<MigrationChain, ChainError>
    where
        Self: Sized,
    {
        MigrationChain::load::<Self>()
    }
}

/// A migration's checksum: SHA-256 over its revision, parent, flags and the source tokens of both
/// directions. Formatting and comments do not change it; editing either function does.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum(pub [u8; 32]);

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
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
    value: u64,
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
        self.value
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
        Checksum(h.finalize().into())
    }
}

/// A validated chain of migrations, ordered from base to head.
#[derive(Debug, Clone)]
pub struct MigrationChain {
    migrations: Vec<Migration>,
}

/// The numeric value of a revision id: 1 to 19 decimal digits, not 0.
pub(crate) fn rev_value(rev: &str) -> Option<u64> {
    if rev.is_empty() || rev.len() > 19 || !rev.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rev.parse().ok().filter(|&v| v != 0)
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
        let mut migrations = Vec::new();
        for registration in registrations {
            let value = rev_value(registration.rev).ok_or_else(|| ChainError::InvalidRevision {
                rev: registration.rev.to_owned(),
                location: registration.location,
            })?;
            migrations.push(Migration {
                registration,
                value,
            });
        }
        if migrations.is_empty() {
            return Err(ChainError::Empty { chain });
        }
        // Sorting by revision makes the checks and their messages independent of link order.
        migrations.sort_by_key(|m| {
            (
                m.value,
                m.registration.location.file,
                m.registration.location.line,
            )
        });
        let mut by_value: HashMap<u64, usize> = HashMap::with_capacity(migrations.len());
        for (i, m) in migrations.iter().enumerate() {
            if let Some(&first) = by_value.get(&m.value) {
                return Err(ChainError::DuplicateRevision {
                    rev: m.rev().to_owned(),
                    first: migrations[first].location(),
                    second: m.location(),
                });
            }
            by_value.insert(m.value, i);
        }
        let mut base: Option<Migration> = None;
        let mut child_of: HashMap<u64, Migration> = HashMap::with_capacity(migrations.len());
        for m in &migrations {
            match m.down_rev() {
                None => {
                    if let Some(first) = base {
                        return Err(ChainError::MultipleBases {
                            first: first.rev().to_owned(),
                            second: m.rev().to_owned(),
                        });
                    }
                    base = Some(*m);
                }
                Some(down) => {
                    let parent = match rev_value(down) {
                        Some(v) if by_value.contains_key(&v) => v,
                        _ => {
                            return Err(ChainError::MissingParent {
                                rev: m.rev().to_owned(),
                                down_rev: down.to_owned(),
                                location: m.location(),
                            });
                        }
                    };
                    if parent >= m.value {
                        return Err(ChainError::NotOlder {
                            rev: m.rev().to_owned(),
                            down_rev: down.to_owned(),
                            location: m.location(),
                        });
                    }
                    if let Some(first) = child_of.insert(parent, *m) {
                        return Err(ChainError::Branch {
                            parent: down.to_owned(),
                            first: first.rev().to_owned(),
                            second: m.rev().to_owned(),
                        });
                    }
                }
            }
        }
        // One base, every parent present and older, no parent revised twice: the migrations form a
        // single line, and walking it from the base reaches every one of them.
        let mut ordered = Vec::with_capacity(migrations.len());
        let mut next = base;
        while let Some(m) = next {
            ordered.push(m);
            next = child_of.get(&m.value).copied();
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
        let value = rev_value(rev)?;
        self.migrations
            .binary_search_by_key(&value, |m| m.value)
            .ok()
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
    use crate::__private::{RecordFn, Step, function};
    use crate::ops::Operations;

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
}
