//! `lint`: [`crate::lint::lint`] over the chain, printed; exit 3 when anything is found.

use crate::lint::{Scope, lint as lint_chain};

use super::super::error::Error;
use super::Context;

/// `lint [REV | --all]`: the findings, then a summary line; exit 3 if there is any.
pub(super) fn lint(cx: &Context, rev: Option<&str>, all: bool) -> Result<(), Error> {
    let scope = match (rev, all) {
        (Some(rev), _) => Scope::Only(rev),
        (None, true) => Scope::All,
        (None, false) => Scope::FromBaseline,
    };
    let report = lint_chain(cx.migrator.chain(), cx.lint_from, scope)?;
    outln!("{report}")?;
    if report.is_clean() {
        Ok(())
    } else {
        Err(Error::LintFailed)
    }
}
