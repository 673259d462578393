//! Revision targets: `head`, `base`, `0002`, a unique prefix, `+2`, `-1`, `0002+1`, `0003-2`.

use crate::chain::MigrationChain;

use super::RunError;

/// A position in a chain: `None` is base (no migration applied), `Some(i)` is after the i-th
/// migration (0 = the base migration).
pub type Position = Option<usize>;

/// Resolves a target against the chain, relative to `current` for `+N`/`-N`.
pub(crate) fn resolve(
    chain: &MigrationChain,
    target: &str,
    current: Position,
) -> Result<Position, RunError> {
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
            return Err(RunError::RelativeOutOfRange {
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
fn resolve_rev(chain: &MigrationChain, rev: &str) -> Result<Position, RunError> {
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
            Err(e) => RunError::Chain(e),
            Ok(_) => unreachable!("position() found no migration with this id"),
        }),
        many => Err(RunError::AmbiguousRevision {
            prefix: rev.to_owned(),
            candidates: many
                .iter()
                .map(|&i| chain.migrations()[i].rev().to_owned())
                .collect(),
        }),
    }
}
