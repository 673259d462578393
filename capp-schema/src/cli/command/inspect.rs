//! The commands that change nothing: `current`, `history`, `heads`, `show`.

use std::io::Write;

use crate::chain::Migration;
use crate::render::Dialect;
use crate::runner::{Db, Migrator, Position, RunError, TargetError};

use super::super::error::Error;
use super::super::output::{line, print_status};
use super::Context;

/// `current`: the revision the database is at; base, without creating it, for a SQLite file
/// that does not exist yet.
pub(super) async fn current(cx: &Context, verbose: bool) -> Result<(), Error> {
    if cx.url.is_missing_file() {
        outln!(
            "(base: no migration applied; {} does not exist yet)",
            cx.url
        )?;
        return Ok(());
    }
    let mut db = Db::connect(&cx.url).await?;
    let status = cx.migrator.status(&mut db).await?;
    // Which database was read, where it does not change what scripts parse (stdout).
    let _ = writeln!(std::io::stderr().lock(), "Database: {}", cx.url);
    print_status(&cx.migrator, &status, verbose)?;
    Ok(())
}

/// `history`: the migrations of a range, newest first.
pub(super) async fn history(
    cx: &Context,
    range: Option<&str>,
    verbose: bool,
    indicate_current: bool,
) -> Result<(), Error> {
    let current = if indicate_current && !cx.url.is_missing_file() {
        let mut db = Db::connect(&cx.url).await?;
        cx.migrator.status(&mut db).await?.current
    } else {
        None
    };
    let chain = cx.migrator.chain();
    let (start, end) = history_range(&cx.migrator, range)?;
    let head = chain.head().rev();
    for m in chain.migrations()[start..=end.max(start)].iter().rev() {
        let head = if m.rev() == head { " (head)" } else { "" };
        let current = if Some(m.rev()) == current.as_deref() {
            " (current)"
        } else {
            ""
        };
        outln!("{}{head}{current}", line(m))?;
        if verbose {
            outln!("    Path: {}", m.location())?;
            outln!("    Checksum: {}", m.checksum())?;
            if !m.is_transactional() {
                outln!("    Runs outside a transaction")?;
            }
            if let Some(reason) = m.irreversible_reason() {
                outln!("    Irreversible: {reason}")?;
            }
        }
    }
    Ok(())
}

/// The indices of the first and last migration of `start:end` (either side may be left out).
fn history_range(migrator: &Migrator, range: Option<&str>) -> Result<(usize, usize), Error> {
    let last = migrator.chain().len() - 1;
    let Some(range) = range else {
        return Ok((0, last));
    };
    let (a, b) = range.split_once(':').unwrap_or((range, range));
    let at = |rev: &str, default: usize| -> Result<usize, RunError> {
        match rev {
            "" => Ok(default),
            "base" => Ok(0),
            rev => Ok(migrator.resolve(rev, Position::BASE)?.index().unwrap_or(0)),
        }
    };
    let (start, end) = (at(a, 0)?, at(b, last)?);
    if start > end {
        return Err(Error::BackwardsRange {
            range: range.to_owned(),
            forwards: format!("{b}:{a}"),
        });
    }
    Ok((start, end))
}

/// `heads`: the newest migration.
pub(super) fn heads(cx: &Context) -> Result<(), Error> {
    outln!("{} (head)", line(cx.migrator.chain().head()))?;
    Ok(())
}

/// `show`: one migration, whether it is applied, and its SQL both ways.
pub(super) async fn show(cx: &Context, rev: &str) -> Result<(), Error> {
    let migrator = &cx.migrator;
    let chain = migrator.chain();
    let position = migrator
        .resolve(rev, Position::BASE)?
        .index()
        .ok_or_else(|| TargetError::OutOfRange {
            target: rev.to_owned(),
            len: chain.len(),
        })?;
    let m = chain.migrations()[position];
    let head = if position == chain.len() - 1 {
        " (head)"
    } else {
        ""
    };
    outln!("Rev: {}{head}", m.rev())?;
    outln!("Parent: {}", m.down_rev().unwrap_or("<base>"))?;
    outln!("Path: {}", m.location())?;
    outln!("Checksum: {}", m.checksum())?;
    outln!(
        "Transactional: {}",
        if m.is_transactional() { "yes" } else { "no" }
    )?;
    let applied = if cx.url.is_missing_file() {
        "no (the database does not exist yet)".to_owned()
    } else {
        applied_status(cx, position).await
    };
    outln!("Applied to {}: {applied}", cx.url)?;
    show_sql(migrator, cx.url.dialect(), position, &m)?;
    // The lint of its PostgreSQL SQL, on stderr: stdout stays Alembic's form.
    match crate::lint::lint(chain, cx.lint_from, crate::lint::Scope::Only(m.rev())) {
        Ok(report) => eprintln!("Lint: {report}"),
        Err(e) => eprintln!("Lint: {e}"),
    }
    Ok(())
}

/// Whether the migration at `position` is applied, as a word for `show`.
async fn applied_status(cx: &Context, position: usize) -> String {
    let chain = cx.migrator.chain();
    match Db::connect(&cx.url).await {
        Ok(mut db) => match cx.migrator.status(&mut db).await {
            Ok(status) => {
                let at = status.current.as_deref().and_then(|r| chain.position(r));
                if at.is_some_and(|at| position <= at) {
                    "yes".to_owned()
                } else {
                    "no".to_owned()
                }
            }
            Err(e) => format!("unknown ({e})"),
        },
        Err(e) => format!("unknown ({e})"),
    }
}

/// The SQL of both directions of the migration at `position`, for `show`.
fn show_sql(
    migrator: &Migrator,
    dialect: Dialect,
    position: usize,
    m: &Migration,
) -> Result<(), Error> {
    let chain = migrator.chain();
    let (before, after) = (
        Position::at(chain, position.checked_sub(1)),
        Position::at(chain, Some(position)),
    );
    outln!("\n    {}\n", m.message())?;
    outln!("-- Upgrade ({dialect}):")?;
    out!("{}", script_or_note(migrator, dialect, before, after)?)?;
    match m.irreversible_reason() {
        Some(reason) => outln!("-- Downgrade: irreversible ({reason})")?,
        None => {
            outln!("-- Downgrade ({dialect}):")?;
            out!("{}", script_or_note(migrator, dialect, after, before)?)?;
        }
    }
    Ok(())
}

/// The script, or a note where a Rust data step means there is none.
fn script_or_note(
    migrator: &Migrator,
    dialect: Dialect,
    from: Position,
    to: Position,
) -> Result<String, RunError> {
    match migrator.script(dialect, from, to) {
        Err(RunError::OnlineOnly { name, .. }) => Ok(format!(
            "-- This migration has a Rust data step (\"{name}\"), which runs only online (`capp-migrate upgrade`):\n-- it has no SQL form, so `upgrade --sql` and `downgrade --sql` refuse this migration.\n"
        )),
        other => other,
    }
}
