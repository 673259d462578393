//! What the commands print: migrations in Alembic's form, reports of runs, the status.

use crate::chain::Migration;
use crate::error::ChainError;
use crate::runner::{DatabaseUrl, Direction, Migrator, Report, Status};

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
) -> Result<(), ChainError> {
    match &status.current {
        None => println!("(base: no migration applied)"),
        Some(rev) => {
            let m = migrator.chain().get(rev)?;
            let head = if status.is_head { " (head)" } else { "" };
            println!("{rev}{head}");
            if verbose {
                println!("    {}", line(m));
                println!("    Path: {}", m.location());
            }
        }
    }
    if let Some((rev, holder)) = &status.running {
        println!(
            "RUNNING: migration {rev} is running outside a transaction, holding the migration lock: {holder}"
        );
    }
    if let Some(rev) = &status.failed {
        println!(
            "FAILED: migration {rev} failed outside a transaction; repair the database, then `capp-migrate repair {rev}`"
        );
    }
    for rev in &status.edited {
        println!("EDITED: migration {rev} changed after it was applied");
    }
    Ok(())
}

/// One `Running upgrade ...` line per step and where the database is now, or `nothing to do`.
pub(crate) fn print_report(migrator: &Migrator, report: &Report, url: &DatabaseUrl) {
    if report.applied.is_empty() {
        let at = report.to.as_deref().unwrap_or("base");
        let head = if report.to.as_deref() == Some(migrator.chain().head().rev()) {
            " (head)"
        } else {
            ""
        };
        println!("{url} is at {at}{head}; nothing to do");
        return;
    }
    for step in &report.applied {
        let m = migrator
            .chain()
            .get(&step.rev)
            .expect("applied migrations are in the chain");
        let (verb, arrow) = match step.direction {
            Direction::Upgrade => (
                "upgrade",
                format!("{} -> {}", m.down_rev().unwrap_or("<base>"), m.rev()),
            ),
            Direction::Downgrade => (
                "downgrade",
                format!("{} -> {}", m.rev(), m.down_rev().unwrap_or("<base>")),
            ),
        };
        let retries = match step.lock_retries {
            0 => String::new(),
            1 => ", after 1 lock retry".to_owned(),
            n => format!(", after {n} lock retries"),
        };
        println!(
            "Running {verb} {arrow}, {} ({} ms{retries})",
            step.message,
            step.duration.as_millis()
        );
    }
    println!("{url} is now at {}", report.to.as_deref().unwrap_or("base"));
}
