//! The entry points: parse or take the arguments, resolve the database URL and the runner's
//! configuration, execute the command, and turn the outcome into an exit code.

use std::process::ExitCode;

use crate::chain::Chain;
use crate::runner::{Config, DEFAULT_URL, DatabaseUrl, Migrator};

use super::command::Context;
use super::error::{Error, exit};
use super::{Args, Project};

/// Parses the process's arguments and runs them against chain `C`: the whole `main` of a
/// standalone binary.
pub async fn main<C: Chain>(project: Project) -> ExitCode {
    run::<C>(<Args as clap::Parser>::parse(), project).await
}

/// Runs arguments an application parsed itself (with [`Args`] as one of its subcommands)
/// against chain `C`. Prints `error: ...` with its causes on stderr on failure; the exit code is
/// one of [`exit`](super::exit).
pub async fn run<C: Chain>(args: Args, project: Project) -> ExitCode {
    match execute::<C>(args, project).await {
        Ok(()) => ExitCode::from(exit::OK),
        Err(error) => {
            error.print();
            ExitCode::from(error.code())
        }
    }
}

async fn execute<C: Chain>(args: Args, project: Project) -> Result<(), Error> {
    let chain = C::load()?;
    let url = database_url(&args)?;
    let Args {
        version_table,
        version_schema,
        command,
        ..
    } = args;
    let config = Config {
        version_table,
        version_schema,
        ..Config::default()
    };
    let context = Context {
        migrator: Migrator::new(chain, config),
        url,
        project,
    };
    command.execute(&context).await
}

/// `--database-url` or `DATABASE_URL` (clap reads both), else `DATABASE_URL` in `./.env`, else
/// the embedded default. Resolved here rather than by loading `.env` before parsing, so that an
/// application that parses [`Args`] itself gets the same order.
fn database_url(args: &Args) -> Result<DatabaseUrl, Error> {
    let from_dot_env = || dotenvy::var("DATABASE_URL").ok();
    let url = args.database_url.clone().or_else(from_dot_env);
    Ok(DatabaseUrl::parse(url.as_deref().unwrap_or(DEFAULT_URL))?)
}
