//! `Command::execute`: one function per command, grouped by what they do.
//!
//! - `inspect.rs`: `current`, `history`, `heads`, `show`, which change nothing;
//! - `migrate.rs`: `upgrade`, `downgrade`, `stamp`, `test`, `accept`, `repair`, and their
//!   offline `--sql` form;
//! - `check.rs`: `check`;
//! - `revision.rs`: `revision`, which writes a migration file.

mod check;
mod fleet;
mod inspect;
mod lint;
mod migrate;
mod revision;

use crate::runner::{DatabaseUrl, Direction, Migrator};

use super::error::Error;
use super::{Command, Project};

/// What every command works with, resolved from the arguments by `run.rs`.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) migrator: Migrator,
    pub(crate) url: DatabaseUrl,
    pub(crate) project: Project,
    /// The application's table models: `Project::models`, else every model registered with
    /// the chain; `None` when there are none.
    pub(crate) models: Option<crate::Models>,
    /// `-v`: the read-only commands' verbose form.
    pub(crate) verbose: bool,
    /// `-q`: only warnings and errors on stderr.
    pub(crate) quiet: bool,
    /// The chain's lint baseline (`#[chain(lint_from = "...")]`).
    pub(crate) lint_from: Option<&'static str>,
}

impl Command {
    /// Runs the command.
    pub(crate) async fn execute(self, cx: &Context) -> Result<(), Error> {
        match self {
            Command::Current { check_heads } => inspect::current(cx, cx.verbose, check_heads).await,
            Command::History {
                rev_range,
                indicate_current,
            } => inspect::history(cx, rev_range.as_deref(), cx.verbose, indicate_current).await,
            Command::Heads => inspect::heads(cx, cx.verbose),
            Command::Show { rev, sql } => inspect::show(cx, &rev, sql).await,
            Command::Upgrade {
                target, sql: true, ..
            } => migrate::script(cx, &target, Direction::Upgrade),
            Command::Upgrade {
                target,
                single_transaction,
                ..
            } => migrate::upgrade(cx, &target, single_transaction).await,
            Command::Downgrade {
                target, sql: true, ..
            } => migrate::script(cx, &target, Direction::Downgrade),
            Command::Downgrade {
                target,
                yes,
                single_transaction,
                ..
            } => migrate::downgrade(cx, &target, yes, single_transaction).await,
            Command::Stamp { target } => migrate::stamp(cx, &target).await,
            Command::Check => check::check(cx).await,
            Command::Lint { rev, all } => lint::lint(cx, rev.as_deref(), all),
            Command::Test { yes } => migrate::test(cx, yes).await,
            Command::Revision {
                message,
                autogenerate,
                against_database,
                allow_drops,
                rev_id,
                versions_dir,
            } => {
                let new = revision::NewRevision {
                    message,
                    autogenerate,
                    against_database,
                    allow_drops,
                    rev_id,
                    versions_dir,
                };
                revision::revision(cx, new).await
            }
            Command::Develop { off } => migrate::develop(cx, !off).await,
            Command::Redo => migrate::redo(cx).await,
            Command::Accept { rev } => migrate::accept(cx, &rev).await,
            Command::Repair { rev } => migrate::repair(cx, &rev).await,
            Command::Fleet(args) => fleet::fleet(cx, args).await,
        }
    }
}
