//! The commands that move the database: `upgrade`, `downgrade` (online, or offline as a
//! `--sql` script), `stamp`, `test`, `accept`, `repair`.

use std::io::{IsTerminal, Write};

use crate::runner::{
    CheckProblem, Config, Db, Direction, Migrator, Position, TargetError, TransactionMode,
};

use super::super::error::Error;
use super::super::output::{print_report, print_status_notes};
use super::Context;

/// The command's migrator; with `--single-transaction`, one that runs all its steps in one
/// transaction.
fn migrator(cx: &Context, single_transaction: bool) -> Migrator {
    if !single_transaction {
        return cx.migrator.clone();
    }
    let config = Config {
        transaction_mode: TransactionMode::Single,
        ..cx.migrator.config().clone()
    };
    Migrator::new(cx.migrator.chain().clone(), config)
}

/// `upgrade TARGET`, with `--single-transaction`: all pending migrations or none.
pub(super) async fn upgrade(
    cx: &Context,
    target: &str,
    single_transaction: bool,
) -> Result<(), Error> {
    let migrator = migrator(cx, single_transaction);
    let mut db = Db::connect(&cx.url).await?;
    let report = migrator.upgrade(&mut db, target).await?;
    print_report(&migrator, &report, &cx.url)?;
    Ok(())
}

/// `downgrade TARGET`, after asking when it drops tables or columns; with
/// `--single-transaction`, all the steps or none.
pub(super) async fn downgrade(
    cx: &Context,
    target: &str,
    yes: bool,
    single_transaction: bool,
) -> Result<(), Error> {
    let migrator = migrator(cx, single_transaction);
    let mut db = Db::connect(&cx.url).await?;
    confirm_downgrade(&migrator, &mut db, target, yes).await?;
    let report = migrator.downgrade(&mut db, target).await?;
    print_report(&migrator, &report, &cx.url)?;
    Ok(())
}

/// `upgrade --sql` and `downgrade --sql`: `[FROM:]TO`, FROM defaulting to base for an upgrade
/// and required for a downgrade. Prints the script; touches no database.
pub(super) fn script(cx: &Context, target: &str, direction: Direction) -> Result<(), Error> {
    let migrator = &cx.migrator;
    let (from, to) = match target.split_once(':') {
        Some((from, to)) => (migrator.resolve(from, Position::BASE)?, to),
        None if direction == Direction::Upgrade => (Position::BASE, target),
        None => {
            return Err(TargetError::OfflineDowngradeNeedsFrom {
                target: target.to_owned(),
                head: migrator.chain().head().rev().to_owned(),
            }
            .into());
        }
    };
    let to: Position = migrator.resolve(to, from)?;
    let current = || from.to_string();
    match direction {
        Direction::Upgrade if to < from => {
            return Err(TargetError::Behind {
                target: target.to_owned(),
                current: current(),
            }
            .into());
        }
        Direction::Downgrade if to > from => {
            return Err(TargetError::Ahead {
                target: target.to_owned(),
                current: current(),
            }
            .into());
        }
        _ => {}
    }
    out!("{}", migrator.script(cx.url.dialect(), from, to)?)?;
    Ok(())
}

/// `stamp TARGET`: moves the version without running migrations.
pub(super) async fn stamp(cx: &Context, target: &str) -> Result<(), Error> {
    let mut db = Db::connect(&cx.url).await?;
    let report = cx.migrator.stamp(&mut db, target).await?;
    outln!(
        "Stamped {} from {} to {}",
        cx.url,
        report.from.as_deref().unwrap_or("base"),
        report.to.as_deref().unwrap_or("base")
    )?;
    // A stamp trusts the person: say at once if the schema is not what the history builds there.
    if let Ok(check) = cx.migrator.check(&mut db, None).await {
        let drift: Vec<String> = check
            .problems
            .iter()
            .filter(|p| matches!(p, CheckProblem::Drift { .. }))
            .map(ToString::to_string)
            .collect();
        if let Some(first) = drift.first() {
            let at = report.to.as_deref().unwrap_or("base");
            let _ = writeln!(
                std::io::stderr().lock(),
                "WARNING: the schema is not what the history builds up to {at}: {} difference(s), the first: {first}. `capp-migrate check` lists them all; stamp the revision the schema matches",
                drift.len()
            );
        }
    }
    Ok(())
}

/// `test`: what the guide's test_migration.sh does: connect, show current, upgrade head,
/// downgrade -1, upgrade head.
pub(super) async fn test(cx: &Context, yes: bool) -> Result<(), Error> {
    let (migrator, url) = (&cx.migrator, &cx.url);
    outln!("1. Checking database connectivity: {url}")?;
    let mut db = Db::connect(url).await?;
    outln!("   connected")?;
    outln!("2. Current migration status:")?;
    let status = migrator.status(&mut db).await?;
    match &status.current {
        None => outln!("   base (no migration applied)")?,
        Some(rev) => outln!("   {rev}{}", if status.is_head { " (head)" } else { "" })?,
    }
    print_status_notes(&status);
    outln!("3. Applying all migrations:")?;
    print_report(migrator, &migrator.upgrade(&mut db, "head").await?, url)?;
    outln!("4. Testing rollback (downgrade -1):")?;
    confirm_downgrade(migrator, &mut db, "-1", yes).await?;
    print_report(migrator, &migrator.downgrade(&mut db, "-1").await?, url)?;
    outln!("5. Re-applying migrations:")?;
    print_report(migrator, &migrator.upgrade(&mut db, "head").await?, url)?;
    outln!("Migration test passed")?;
    Ok(())
}

/// `accept REV`: records the edited checksum of an applied migration, after review.
pub(super) async fn develop(cx: &Context, on: bool) -> Result<(), Error> {
    let mut db = Db::connect(&cx.url).await?;
    cx.migrator.develop(&mut db, on).await?;
    if on {
        outln!(
            "{} is marked for development: `capp-migrate redo` may undo its head migration, and upgrades record each downgrade's SQL for it",
            cx.url
        )?;
    } else {
        outln!("{} is no longer marked for development", cx.url)?;
    }
    Ok(())
}

pub(super) async fn redo(cx: &Context) -> Result<(), Error> {
    let mut db = Db::connect(&cx.url).await?;
    // The checksums and the undo are said on stderr as they happen, with the upgrade's lines.
    let redo = cx.migrator.redo(&mut db).await?;
    print_report(&cx.migrator, &redo.report, &cx.url)
}

pub(super) async fn accept(cx: &Context, rev: &str) -> Result<(), Error> {
    let mut db = Db::connect(&cx.url).await?;
    cx.migrator.accept(&mut db, rev).await?;
    outln!("Accepted the current checksum of {rev}")?;
    Ok(())
}

/// `repair REV`: clears the failed state of a migration that failed outside a transaction.
pub(super) async fn repair(cx: &Context, rev: &str) -> Result<(), Error> {
    let mut db = Db::connect(&cx.url).await?;
    cx.migrator.repair(&mut db, rev).await?;
    outln!(
        "Cleared the failed state of {rev}; check `current`, and `stamp` if the version is not where the database is"
    )?;
    Ok(())
}

/// Asks on the terminal before a downgrade that drops tables or columns; refuses where nobody
/// can answer, unless `--yes`.
/// `text` with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

async fn confirm_downgrade(
    migrator: &Migrator,
    db: &mut Db,
    target: &str,
    yes: bool,
) -> Result<(), Error> {
    let (migrations, destructive) = migrator.downgrade_preview(db, target).await?;
    if !destructive || yes || migrations.is_empty() {
        return Ok(());
    }
    let drops: Vec<String> = migrations
        .iter()
        .filter_map(|m| m.downgrade().map(|d| (m.rev(), d)))
        .flat_map(|(rev, d)| {
            d.operations
                .into_iter()
                .filter(crate::Operation::is_destructive)
                .map(move |op| format!("{rev}: {}", crate::autogen::describe(&op)))
        })
        .collect();
    let revs: Vec<&str> = migrations.iter().map(|m| m.rev()).collect();
    let what = if drops.is_empty() {
        format!("downgrading {} drops every table", revs.join(", "))
    } else {
        format!(
            "downgrading {} drops data: {}",
            revs.join(", "),
            drops.join("; ")
        )
    };
    if !std::io::stdin().is_terminal() {
        return Err(Error::NotConfirmed(what));
    }
    eprint!(
        "WARNING: {what}. {}. Continue? [y/N] ",
        capitalized(db.dialect().backup_hint())
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(Error::NotConfirmed(what))
    }
}
