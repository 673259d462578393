//! The entry points: parse or take the arguments, resolve the database URL and the runner's
//! configuration, execute the command, and turn the outcome into an exit code.

use std::path::Path;
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
    super::log::install(args.verbose, args.quiet, args.log_format);
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
        lock_timeout,
        lock_retry_budget,
        statement_timeout,
        lock_wait,
        verbose,
        quiet,
        command,
        ..
    } = args;
    let config = Config {
        version_table,
        version_schema,
        lock_timeout,
        lock_retry_budget,
        statement_timeout,
        lock_wait,
        ..Config::default()
    };
    let models = match project.models {
        Some(models) => Some(models()),
        None => Some(crate::Models::of::<C>()).filter(|m| !m.tables.is_empty()),
    };
    let context = Context {
        migrator: Migrator::new(chain, config),
        url,
        project,
        models,
        verbose: verbose > 0,
        quiet,
        lint_from: C::LINT_FROM,
    };
    command.execute(&context).await
}

/// `--database-url` or `DATABASE_URL` (clap reads both), else `DATABASE_URL` in `./.env`, else
/// the embedded default. Resolved here rather than by loading `.env` before parsing, so that an
/// application that parses [`Args`] itself gets the same order.
fn database_url(args: &Args) -> Result<DatabaseUrl, Error> {
    let url = match &args.database_url {
        Some(url) => Some(url.clone()),
        None => dot_env_url(Path::new(DOT_ENV))?,
    };
    Ok(DatabaseUrl::parse(url.as_deref().unwrap_or(DEFAULT_URL))?)
}

/// The one `.env` file read: in the working directory, never one of its parents.
const DOT_ENV: &str = ".env";

/// `DATABASE_URL` in the `.env` file at `path`, if the file exists. A line that does not parse is
/// an error naming the file and the line (never its text, which may hold a password): falling
/// back to the default database would migrate the wrong one.
pub(super) fn dot_env_url(path: &Path) -> Result<Option<String>, Error> {
    if !path.exists() {
        return Ok(None);
    }
    let unreadable = |line: Option<usize>, reason: String| Error::DotEnv {
        path: path.to_owned(),
        line,
        reason,
    };
    let entries = dotenvy::from_path_iter(path).map_err(|e| unreadable(None, e.to_string()))?;
    let mut url = None;
    for entry in entries {
        match entry {
            Ok((key, value)) if key == "DATABASE_URL" => url = Some(value),
            Ok(_) => {}
            Err(dotenvy::Error::LineParse(text, _)) => {
                // The text is the unparsed entry, which may run over several lines (an
                // unclosed quote): its first line is where it starts.
                let first = text.lines().next().unwrap_or_default().trim().to_owned();
                let number = std::fs::read_to_string(path)
                    .ok()
                    .and_then(|all| all.lines().position(|l| l.trim() == first))
                    .map(|i| i + 1);
                return Err(unreadable(
                    number,
                    "it does not parse (a quote that does not close, or a stray character)"
                        .to_owned(),
                ));
            }
            Err(e) => return Err(unreadable(None, e.to_string())),
        }
    }
    Ok(url)
}
