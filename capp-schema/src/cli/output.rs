//! What the commands print: migrations in Alembic's form, reports of runs, the status.

use super::error::Error;
use crate::chain::Migration;
use crate::runner::{DatabaseUrl, Migrator, Report, Status};

/// Writes to standard output; an error (a closed pipe, a full disk) is returned, not a panic.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) -> Result<(), Error> {
    use std::io::Write;
    std::io::stdout()
        .lock()
        .write_fmt(args)
        .map_err(Error::Stdout)
}

/// `0001 -> 0002, add kyc_verified_at timestamp to users`, as Alembic prints it.
pub(crate) fn line(m: &Migration) -> String {
    format!(
        "{} -> {}, {}",
        m.down_rev().unwrap_or("<base>"),
        m.rev(),
        m.message()
    )
}

/// Where the database is, then a line for a failed and for each edited migration.
pub(crate) fn print_status(
    migrator: &Migrator,
    status: &Status,
    verbose: bool,
) -> Result<(), Error> {
    match &status.current {
        None => outln!("(base: no migration applied)")?,
        Some(rev) => {
            let m = migrator.chain().get(rev)?;
            let head = if status.is_head { " (head)" } else { "" };
            outln!("{rev}{head}")?;
            if verbose {
                outln!("    {}", line(m))?;
                outln!("    Path: {}", m.location())?;
            }
        }
    }
    if let Some((rev, holder)) = &status.running {
        outln!(
            "RUNNING: migration {rev} is running outside a transaction, holding the migration lock: {holder}"
        )?;
    }
    if let Some(rev) = &status.failed {
        outln!(
            "FAILED: migration {rev} failed outside a transaction; repair the database, then `capp-migrate repair {rev}`"
        )?;
    }
    for rev in &status.edited {
        outln!("EDITED: migration {rev} changed after it was applied")?;
    }
    Ok(())
}

/// Where the database is now, or `nothing to do`. (Each step's `Running ...` and `Done ...`
/// lines went to stderr as it ran.)
pub(crate) fn print_report(
    migrator: &Migrator,
    report: &Report,
    url: &DatabaseUrl,
) -> Result<(), Error> {
    if report.applied.is_empty() {
        let at = report.to.as_deref().unwrap_or("base");
        let head = if report.to.as_deref() == Some(migrator.chain().head().rev()) {
            " (head)"
        } else {
            ""
        };
        outln!("{url} is at {at}{head}; nothing to do")?;
        return Ok(());
    }
    outln!("{url} is now at {}", report.to.as_deref().unwrap_or("base"))
}
