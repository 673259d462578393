//! Revision targets: `head`, `base`, `0002`, a unique prefix, `+2`, `-1`, `0002+1`, `0003-2`.

use crate::chain::MigrationChain;

use super::TargetError;

/// A position as the runner computes with it: `None` is base (no migration applied), `Some(i)` is
/// after the i-th migration (0 = the base migration). The public face is [`Position`].
pub(crate) type Index = Option<usize>;

/// Where a database stands in a chain: at base (no migration applied) or after one migration.
/// Prints as `base` or the revision; ordered from base to head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position(Option<(usize, &'static str)>);

impl Position {
    /// No migration applied.
    pub const BASE: Position = Position(None);

    pub(crate) fn at(chain: &MigrationChain, index: Index) -> Position {
        Position(index.map(|i| (i, chain.migrations()[i].rev())))
    }

    /// The head of `chain`.
    pub fn head(chain: &MigrationChain) -> Position {
        Position::at(chain, Some(chain.len() - 1))
    }

    /// The migration's index in its chain (0 is the base migration); `None` at base.
    pub fn index(self) -> Option<usize> {
        self.0.map(|(i, _)| i)
    }

    /// The revision; `None` at base.
    pub fn rev(self) -> Option<&'static str> {
        self.0.map(|(_, rev)| rev)
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.rev().unwrap_or("base"))
    }
}

/// Resolves a target against the chain, relative to `current` for `+N`/`-N`.
pub(crate) fn resolve(
    chain: &MigrationChain,
    target: &str,
    current: Index,
) -> Result<Index, TargetError> {
    let target = target.trim();
    match target {
        "head" | "heads" => return Ok(Some(chain.len() - 1)),
        "base" => return Ok(None),
        _ => {}
    }
    if let Some((anchor, sign, n)) = split_relative(target) {
        let from = if anchor.is_empty() {
            current
        } else {
            resolve_rev(chain, anchor)?
        };
        let from = from.map_or(-1, |i| i as i64);
        let to = if sign == '+' { from + n } else { from - n };
        if to < -1 || to >= chain.len() as i64 {
            return Err(TargetError::OutOfRange {
                target: target.to_owned(),
                len: chain.len(),
            });
        }
        return Ok(if to == -1 { None } else { Some(to as usize) });
    }
    resolve_rev(chain, target)
}

fn split_relative(target: &str) -> Option<(&str, char, i64)> {
    let i = target.rfind(['+', '-'])?;
    let n: i64 = target[i + 1..].parse().ok()?;
    let sign = target[i..].chars().next()?;
    Some((&target[..i], sign, n))
}

/// An exact revision, or a unique prefix of one.
fn resolve_rev(chain: &MigrationChain, rev: &str) -> Result<Index, TargetError> {
    // The exact id, or the same number written with other leading zeros.
    if let Some(i) = chain.position(rev) {
        return Ok(Some(i));
    }
    let matches: Vec<usize> = if rev.is_empty() {
        Vec::new()
    } else {
        chain
            .migrations()
            .iter()
            .enumerate()
            .filter(|(_, m)| m.rev().starts_with(rev))
            .map(|(i, _)| i)
            .collect()
    };
    match matches.as_slice() {
        [i] => Ok(Some(*i)),
        [] => Err(match chain.get(rev) {
            Err(e) => TargetError::Unknown(e),
            Ok(_) => unreachable!("position() found no migration with this id"),
        }),
        many => Err(TargetError::Ambiguous {
            prefix: rev.to_owned(),
            candidates: many
                .iter()
                .map(|&i| chain.migrations()[i].rev().to_owned())
                .collect(),
        }),
    }
}
