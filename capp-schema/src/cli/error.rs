//! Every way the command line fails, and the exit code of each.

use std::io::Write;
use std::path::PathBuf;

use crate::error::ChainError;
use crate::runner::{ConnectError, RunError, TargetError, UrlError};

/// Exit codes, as documented in `--help`. (2, bad arguments, is clap's own.)
pub mod exit {
    /// Success; for `check`, the database is at head with intact checksums.
    pub const OK: u8 = 0;
    /// An error: the message says what went wrong.
    pub const ERROR: u8 = 1;
    /// `check` found the database behind head, edited migrations, or a failed migration.
    pub const CHECK_FAILED: u8 = 3;
}

/// What a command can fail with.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// The runner failed: the chain does not load, the URL names no database this build takes,
    /// the database cannot be reached, a target is wrong, a migration failed.
    #[error(transparent)]
    Run(#[from] RunError),

    /// Standard output could not be written; a closed pipe ends the command quietly.
    #[error("cannot write to standard output: {0}")]
    Stdout(std::io::Error),

    #[error("this binary does not know its versions folder: pass --versions-dir")]
    NoVersionsDir,

    #[error("this binary has no table models to compare (see capp_schema::cli::Project)")]
    NoModels,

    #[error("revision {rev} exists already; pick another with --rev-id")]
    RevisionExists { rev: String },

    #[error("revision id `{rev}` must be digits and after the head {head}")]
    RevisionNotAfterHead { rev: String, head: String },

    #[error("{} exists already", path.display())]
    FileExists { path: PathBuf },

    // The I/O error is part of the one line, as it always was, rather than a `caused by:`.
    #[error("cannot write {}: {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },

    /// `.env` exists but cannot be read: nothing falls back to another database.
    #[error(
        "cannot read {}{}: {reason}; fix it, or pass --database-url",
        path.display(),
        line.map(|n| format!(" line {n}")).unwrap_or_default()
    )]
    DotEnv {
        path: PathBuf,
        line: Option<usize>,
        reason: String,
    },

    /// A file for the revision exists in the versions folder, not compiled in yet.
    #[error(
        "{} is already written for revision {rev}; build it in, or pick another id with --rev-id",
        path.display()
    )]
    RevisionFileExists { rev: String, path: PathBuf },

    /// A message with a line break.
    #[error(
        "a migration's message is one line (it is the file's name, history's line, a comment in --sql); drop the line breaks"
    )]
    MessageNotOneLine,

    /// `history -r` with its newer end first.
    #[error("history range `{range}` runs backwards; write the older revision first: `{forwards}`")]
    BackwardsRange { range: String, forwards: String },

    /// `history -r` without a colon.
    #[error(
        "history range `{range}` has no colon; write `{range}:` (from it to the head), `:{range}` (from base to it) or `{range}:{range}` (it alone)"
    )]
    RangeWithoutColon { range: String },

    /// `current --check-heads` on a database that is not at the head.
    #[error("{url} is at {current}, not at the head {head}: `capp-migrate upgrade head`")]
    NotAtHead {
        url: String,
        current: String,
        head: String,
    },

    /// `revision --autogenerate --against-database` on a database that does not keep what the
    /// models name (SQLite forgets constraint names).
    #[error(
        "--against-database needs a database that keeps constraint names (PostgreSQL); {url} does not, so every constraint would look changed. Compare with the history instead (without --against-database)"
    )]
    AgainstDatabaseNeedsPostgres { url: String },

    /// A destructive step was not confirmed.
    #[error("destructive step not confirmed: {0}; pass --yes to proceed")]
    NotConfirmed(String),

    /// `adopt` without a database to read.
    #[error(
        "no database to adopt: pass --database-url, or set DATABASE_URL (in the environment or ./.env)"
    )]
    NoDatabaseUrl,

    /// `adopt` of a database that is not PostgreSQL.
    #[error(
        "adopt reads PostgreSQL databases (the schemas this tool is moved onto); for SQLite, write the first migration with `revision --autogenerate` from models"
    )]
    AdoptNeedsPostgres,

    /// A revision id that is not decimal digits.
    #[error(
        "revision id `{0}` is not decimal digits (such as 0001, or a timestamp such as 20261124120000): pass another with --rev"
    )]
    BadRev(String),

    /// A crate name that cannot be taken from the directory.
    #[error("{} makes no crate name (it must start with a letter): pass --name", .0.display())]
    BadCrateName(PathBuf),

    /// The adopted crate's `stamp` failed; its own error is printed above.
    #[error("the crate is written, but stamping failed ({status}): fix what it says above, then run `cargo run -- stamp` in {}", dir.display())]
    StampFailed { dir: PathBuf, status: String },

    /// The history could not be linted (a migration does not fold).
    #[error(transparent)]
    Lint(#[from] crate::lint::LintError),

    /// `lint` found statements that lock or rewrite a busy table; they are on stdout.
    #[error("the lint found statements to fix or allow")]
    LintFailed,

    /// `check` found problems; its `FAILED: ...` lines are already on stdout.
    #[error("the check failed")]
    CheckFailed,

    /// A file could not be read.
    #[error("cannot read {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },

    /// `fleet --targets` with a list that does not read.
    #[error("the target list {} does not read", path.display())]
    TargetList {
        path: PathBuf,
        #[source]
        source: crate::fleet::TargetListError,
    },

    /// `fleet --databases` or `--schemas` could not list the server's.
    #[error(transparent)]
    Discover(#[from] crate::fleet::DiscoverError),

    /// `fleet` found no target.
    #[error("no targets: the list is empty")]
    NoTargets,

    /// `rebase` cannot move the branch; nothing was written.
    #[error(transparent)]
    Rebase(#[from] crate::rebase::RebaseError),

    /// Targets of a fleet failed; the results say which and why.
    #[error(
        "{failed} of {total} targets failed (see the results above); run the command again once they are fixed: targets already at the target revision are skipped in one query each"
    )]
    FleetFailed { failed: usize, total: usize },
}

impl Error {
    /// The process's exit code for this error: every mapping is here.
    pub(crate) fn code(&self) -> u8 {
        match self {
            Error::CheckFailed | Error::LintFailed => exit::CHECK_FAILED,
            // The reader has what it wanted (`| head`): as for a complete run.
            Error::Stdout(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
            Error::Stdout(_) => exit::ERROR,
            Error::Run(_)
            | Error::NoVersionsDir
            | Error::NoModels
            | Error::RevisionExists { .. }
            | Error::RevisionNotAfterHead { .. }
            | Error::FileExists { .. }
            | Error::Write { .. }
            | Error::NotConfirmed(_)
            | Error::DotEnv { .. }
            | Error::NoDatabaseUrl
            | Error::Lint(_)
            | Error::AdoptNeedsPostgres
            | Error::BadRev(_)
            | Error::BadCrateName(_)
            | Error::StampFailed { .. }
            | Error::BackwardsRange { .. }
            | Error::RangeWithoutColon { .. }
            | Error::NotAtHead { .. }
            | Error::RevisionFileExists { .. }
            | Error::MessageNotOneLine
            | Error::AgainstDatabaseNeedsPostgres { .. }
            | Error::Read { .. }
            | Error::TargetList { .. }
            | Error::Discover(_)
            | Error::NoTargets
            | Error::Rebase(_)
            | Error::FleetFailed { .. } => exit::ERROR,
        }
    }

    /// Whether the error still has to be told: `check` has said its own.
    fn print_message(&self) -> bool {
        match self {
            Error::CheckFailed | Error::LintFailed => false,
            Error::Stdout(e) => e.kind() != std::io::ErrorKind::BrokenPipe,
            _ => true,
        }
    }

    /// `error: ...` on stderr, then a `  caused by: ...` line for each cause.
    pub(crate) fn print(&self) {
        if !self.print_message() {
            return;
        }
        let mut message = format!("error: {self}");
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            message.push_str(&format!("\n  caused by: {cause}"));
            source = cause.source();
        }
        // Nothing is left to tell the error to when stderr is closed too.
        let _ = writeln!(std::io::stderr().lock(), "{message}");
    }
}

/// What the runner's error already covers goes through it, so each failure has one variant.
macro_rules! through_run_error {
    ($($error:ty),*) => {$(
        impl From<$error> for Error {
            fn from(error: $error) -> Error {
                Error::Run(error.into())
            }
        }
    )*};
}

through_run_error!(ChainError, UrlError, ConnectError, TargetError);
