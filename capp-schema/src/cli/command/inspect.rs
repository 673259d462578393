//! The commands that change nothing: `current`, `history`, `heads`, `show`. Their stdout is
//! exactly what Alembic prints (docs/migrations.md lists where it cannot be); what Alembic does
//! not print goes to stderr.

use crate::chain::Migration;
use crate::render::Dialect;
use crate::runner::{Db, Migrator, Position, RunError, TargetError};

use super::super::error::Error;
use super::super::output::{Marks, entry, history_line, note, print_status, revision_only};
use super::Context;

/// `current`: the revision the database is at; base, without creating it, for a SQLite file
/// that does not exist yet. With `check_heads`, a database not at the head is an error (as
/// Alembic's `current --check-heads`).
pub(super) async fn current(cx: &Context, verbose: bool, check_heads: bool) -> Result<(), Error> {
    let status = if cx.url.is_missing_file() {
        note(format_args!("{} does not exist yet", cx.url));
        crate::runner::Status::default()
    } else {
        let mut db = Db::connect(&cx.url).await?;
        let status = cx.migrator.status(&mut db).await?;
        if !verbose {
            // Which database was read, where it does not change what scripts parse (stdout).
            note(format_args!("Database: {}", cx.url));
        }
        status
    };
    print_status(&cx.migrator, &status, &cx.url, verbose)?;
    if check_heads && !status.is_head {
        return Err(Error::NotAtHead {
            url: cx.url.to_string(),
            current: status.current.unwrap_or_else(|| "base".to_owned()),
            head: cx.migrator.chain().head().rev().to_owned(),
        });
    }
    Ok(())
}

/// `history`: the migrations of a range, newest first (`-i`: the database's marked
/// `(current)`; `-v`: each as a verbose entry).
pub(super) async fn history(
    cx: &Context,
    range: Option<&str>,
    verbose: bool,
    indicate_current: bool,
) -> Result<(), Error> {
    let names_current = range.is_some_and(|r| r.split(':').any(|side| side == "current"));
    let current = if (indicate_current || names_current) && !cx.url.is_missing_file() {
        let mut db = Db::connect(&cx.url).await?;
        cx.migrator.status(&mut db).await?.current
    } else {
        None
    };
    let chain = cx.migrator.chain();
    let Some((start, end)) = history_range(&cx.migrator, range, current.as_deref())? else {
        return Ok(());
    };
    for m in chain.migrations()[start..=end].iter().rev() {
        let marks = Marks {
            current: indicate_current && Some(m.rev()) == current.as_deref(),
            ..Marks::of(&cx.migrator, m)
        };
        if verbose {
            out!("{}", entry(m, marks))?;
        } else {
            outln!("{}", history_line(m, &marks.text()))?;
        }
    }
    Ok(())
}

/// The indices of the first and last migration of `start:end`, as Alembic reads a range: either
/// side may be left out, `base`, `head`/`heads`, `current` (left out when the database is at
/// base), a revision or a unique prefix. `None`: the range is empty (`base:base`).
fn history_range(
    migrator: &Migrator,
    range: Option<&str>,
    current: Option<&str>,
) -> Result<Option<(usize, usize)>, Error> {
    let last = migrator.chain().len() - 1;
    let Some(range) = range else {
        return Ok(Some((0, last)));
    };
    let Some((a, b)) = range.trim().split_once(':') else {
        return Err(Error::RangeWithoutColon {
            range: range.to_owned(),
        });
    };
    // `Some(None)`: base, before the first migration.
    let at = |rev: &str| -> Result<Option<Option<usize>>, RunError> {
        let rev = if rev == "current" {
            current.unwrap_or("")
        } else {
            rev
        };
        match rev {
            "" => Ok(None),
            "base" => Ok(Some(None)),
            "heads" => Ok(Some(Some(last))),
            rev => Ok(Some(migrator.resolve(rev, Position::BASE)?.index())),
        }
    };
    let start = at(a)?.map_or(0, |p| p.unwrap_or(0));
    let end = match at(b)? {
        None => last,
        Some(None) => return Ok(None),
        Some(Some(end)) => end,
    };
    if start > end {
        return Err(Error::BackwardsRange {
            range: range.to_owned(),
            forwards: format!("{b}:{a}"),
        });
    }
    Ok(Some((start, end)))
}

/// `heads`: the newest migration (`-v`: as a verbose entry).
pub(super) fn heads(cx: &Context, verbose: bool) -> Result<(), Error> {
    let head = cx.migrator.chain().head();
    let marks = Marks::of(&cx.migrator, head);
    if verbose {
        out!("{}", entry(head, marks))?;
    } else {
        outln!("{}", revision_only(head, marks))?;
    }
    Ok(())
}

/// `show`: one migration as Alembic's verbose entry (`current`: the database's; `base`:
/// nothing); on stderr, whether it is applied and its lint; with `sql`, the SQL of both
/// directions after the entry.
pub(super) async fn show(cx: &Context, rev: &str, sql: bool) -> Result<(), Error> {
    let migrator = &cx.migrator;
    let chain = migrator.chain();
    let is_current = rev == "current";
    let rev = if is_current {
        let mut db = Db::connect(&cx.url).await?;
        match migrator.status(&mut db).await?.current {
            Some(current) => current,
            None => return Ok(()),
        }
    } else {
        rev.to_owned()
    };
    if rev == "base" {
        return Ok(());
    }
    let position = migrator
        .resolve(&rev, Position::BASE)?
        .index()
        .ok_or_else(|| TargetError::OutOfRange {
            target: rev.clone(),
            len: chain.len(),
        })?;
    let m = chain.migrations()[position];
    out!("{}", entry(&m, Marks::of(migrator, &m)))?;
    // `show current` has just read it: the database is at it.
    let applied = if is_current {
        "yes".to_owned()
    } else if cx.url.is_missing_file() {
        "no (the database does not exist yet)".to_owned()
    } else {
        applied_status(cx, position).await
    };
    note(format_args!("Applied to {}: {applied}", cx.url));
    // The lint of its PostgreSQL SQL.
    match crate::lint::lint(chain, cx.lint_from, crate::lint::Scope::Only(m.rev())) {
        Ok(report) => note(format_args!("Lint: {report}")),
        Err(e) => note(format_args!("Lint: {e}")),
    }
    if sql {
        show_sql(migrator, cx.url.dialect(), position, &m)?;
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
