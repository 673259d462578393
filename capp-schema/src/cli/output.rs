//! What the commands print: migrations in Alembic's forms, reports of runs, the status.

use std::fmt::Write as _;

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

/// Writes one line to standard error: what is said beside Alembic's text, never in it. An error
/// writing it is ignored, as a log line's would be.
pub(crate) fn note(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{args}");
}

/// The markers Alembic writes after a revision: ` (head)`, ` (current)`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Marks {
    pub(crate) head: bool,
    pub(crate) current: bool,
}

impl Marks {
    /// Marks `m` as the head when it is the chain's last migration.
    pub(crate) fn of(migrator: &Migrator, m: &Migration) -> Marks {
        Marks {
            head: migrator.chain().head().rev() == m.rev(),
            current: false,
        }
    }

    pub(crate) fn text(self) -> String {
        let mut text = String::new();
        if self.head {
            text.push_str(" (head)");
        }
        if self.current {
            text.push_str(" (current)");
        }
        text
    }
}

/// `0003 (head)`: a revision and its markers, as Alembic's `current` and `heads` print it.
pub(crate) fn revision_only(m: &Migration, marks: Marks) -> String {
    format!("{}{}", m.rev(), marks.text())
}

/// `0002 -> 0003 (head), add user status`: a migration as Alembic's `history` prints it, with
/// `marks` ([`Marks::text`], or the fleet's own) after the revision.
pub(crate) fn history_line(m: &Migration, marks: &str) -> String {
    format!(
        "{} -> {}{marks}, {}",
        m.down_rev().unwrap_or("<base>"),
        m.rev(),
        m.message()
    )
}

/// A migration in the layout of Alembic's verbose entry (`history -v`, `current -v`, `heads
/// -v`, `show`): `Rev:`, `Parent:`, `Path:` (the `.rs` file where Alembic names a `.py`), a
/// blank line, then, indented where Alembic puts the docstring, the message and this tool's
/// fields (checksum; whether it runs outside a transaction; why it is irreversible). Ends with
/// the blank line Alembic prints after each entry.
pub(crate) fn entry(m: &Migration, marks: Marks) -> String {
    let mut text = format!(
        "Rev: {}{}\nParent: {}\nPath: {}\n\n    {}\n    \n    Checksum: {}\n",
        m.rev(),
        marks.text(),
        m.down_rev().unwrap_or("<base>"),
        m.location().file,
        m.message(),
        m.checksum(),
    );
    if !m.is_transactional() {
        text.push_str("    Runs outside a transaction\n");
    }
    if let Some(reason) = m.irreversible_reason() {
        let _ = writeln!(text, "    Irreversible: {reason}");
    }
    text.push('\n');
    text
}

/// What Alembic's `current` prints: nothing at base, else the revision (`-v`: a line naming
/// the database, then its entry). What Alembic does not print (base, a migration running or
/// failed outside a transaction, edited migrations) goes to stderr.
pub(crate) fn print_status(
    migrator: &Migrator,
    status: &Status,
    url: &DatabaseUrl,
    verbose: bool,
) -> Result<(), Error> {
    if verbose {
        outln!("Current revision(s) for {url}:")?;
    }
    match &status.current {
        None => note(format_args!("(base: no migration applied)")),
        Some(rev) => {
            let m = migrator.chain().get(rev)?;
            let marks = Marks {
                head: status.is_head,
                current: false,
            };
            if verbose {
                out!("{}", entry(m, marks))?;
            } else {
                outln!("{}", revision_only(m, marks))?;
            }
        }
    }
    print_status_notes(status);
    Ok(())
}

/// The status beyond the revision, on stderr: a migration running or failed outside a
/// transaction, and migrations edited since they were applied.
pub(crate) fn print_status_notes(status: &Status) {
    if let Some((rev, holder)) = &status.running {
        note(format_args!(
            "RUNNING: migration {rev} is running outside a transaction, holding the migration lock: {holder}"
        ));
    }
    if let Some(rev) = &status.failed {
        note(format_args!(
            "FAILED: migration {rev} failed outside a transaction; repair the database, then `capp-migrate repair {rev}`"
        ));
    }
    for rev in &status.edited {
        note(format_args!(
            "EDITED: migration {rev} changed after it was applied"
        ));
    }
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
