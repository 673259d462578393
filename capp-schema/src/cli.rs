//! The Alembic-style command line: `current`, `history`, `heads`, `show`, `upgrade`,
//! `downgrade`, `stamp`, `check`, `test`, `accept`, `repair`, with offline `--sql`.
//!
//! Run it standalone (one line of `main`), or embed it as a subcommand of an application's own
//! binary:
//!
//! ```no_run
//! # #[derive(capp_schema::Chain)] pub struct Migrations;
//! use clap::Parser;
//!
//! #[derive(Parser)]
//! enum App {
//!     /// Serve requests.
//!     Serve,
//!     /// Database migrations.
//!     Migrate(capp_schema::cli::Args),
//! }
//!
//! # async fn serve() {}
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     match App::parse() {
//!         App::Serve => { serve().await; std::process::ExitCode::SUCCESS }
//!         App::Migrate(args) => capp_schema::cli::run::<Migrations>(args).await,
//!     }
//! }
//! ```

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crate::chain::{Chain, Migration};
use crate::model::Models;
use crate::render::Dialect;
use crate::runner::{
    Config, DEFAULT_URL, DatabaseUrl, Db, Direction, Migrator, Position, Report, RunError,
    TransactionMode,
};

/// Exit codes, as documented in `--help`.
pub mod exit {
    /// Success; for `check`, the database is at head with intact checksums.
    pub const OK: u8 = 0;
    /// An error: the message says what went wrong.
    pub const ERROR: u8 = 1;
    /// `check` found the database behind head, edited migrations, or a failed migration.
    pub const CHECK_FAILED: u8 = 3;
}

/// Database migrations.
#[derive(Debug, clap::Parser)]
#[command(
    version,
    after_help = "Database URL: --database-url, else DATABASE_URL, else DATABASE_URL in ./.env, else sqlite://capp.db.\nExit codes: 0 success, 1 error, 2 bad arguments, 3 `check` failed."
)]
pub struct Args {
    /// The database (postgresql://, postgresql+asyncpg://, sqlite://...).
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// The version table (Alembic's by default).
    #[arg(long, global = true, default_value = "alembic_version")]
    pub version_table: String,

    /// The PostgreSQL schema of the version and history tables (default: the search path's).
    #[arg(long, global = true)]
    pub version_schema: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Show the revision the database is at.
    Current {
        /// Also show the migration's message and file.
        #[arg(short, long)]
        verbose: bool,
    },
    /// List the migrations, newest first.
    History {
        /// A range `start:end` (either side may be left out).
        #[arg(short = 'r', long)]
        rev_range: Option<String>,
        /// Also show each migration's file, flags and checksum.
        #[arg(short, long)]
        verbose: bool,
        /// Mark the revision the database is at with "(current)".
        #[arg(short = 'i', long)]
        indicate_current: bool,
    },
    /// Show the newest migration.
    Heads,
    /// Show one migration: message, parent, checksum, whether it is applied, the SQL both ways.
    Show {
        /// A revision or unique prefix, or head.
        rev: String,
    },
    /// Apply migrations up to a target: head, a revision, +N, REV+N.
    Upgrade {
        /// head, 0002, +2, 0001+1.
        #[arg(default_value = "head", allow_hyphen_values = true)]
        target: String,
        /// Print the SQL script instead of running it; `FROM:TO` starts at FROM (default base).
        #[arg(long)]
        sql: bool,
        /// Apply all pending migrations in one transaction: all or nothing.
        #[arg(long)]
        single_transaction: bool,
    },
    /// Undo migrations down to a target: -1, -N, a revision, base.
    Downgrade {
        /// -1, -2, 0001, base.
        #[arg(allow_hyphen_values = true)]
        target: String,
        /// Print the SQL script instead of running it; the target must be `FROM:TO`.
        #[arg(long)]
        sql: bool,
        /// Do not ask before a downgrade that drops tables or columns.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Mark the database as being at a revision without running migrations.
    Stamp {
        /// A revision, head or base.
        target: String,
    },
    /// Exit 0 if the database is at head, every applied migration unchanged and its schema what the
    /// history says (no drift); 3 if not.
    Check,
    /// What the guide's test_migration.sh does: connect, show current, upgrade head, downgrade
    /// -1, upgrade head.
    Test {
        /// Do not ask before the downgrade step.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Write a new migration file for the next revision: blank, or `--autogenerate`d from the
    /// table models.
    Revision {
        /// What the migration does: "add user preferences table".
        #[arg(short, long)]
        message: String,
        /// Write the operations that take the history's head to the models, both ways.
        #[arg(long)]
        autogenerate: bool,
        /// Compare the models with the live database instead of the history's head.
        #[arg(long, requires = "autogenerate")]
        against_database: bool,
        /// The new revision id (by default the next one after the head).
        #[arg(long)]
        rev_id: Option<String>,
        /// Where to write the file (by default the project's versions folder).
        #[arg(long)]
        versions_dir: Option<std::path::PathBuf>,
    },
    /// Accept the edited checksum of an applied migration, after review.
    Accept { rev: String },
    /// Clear the failed state of a migration that failed outside a transaction, after repairing
    /// the database by hand.
    Repair { rev: String },
}

/// What the command line knows about the application beyond its chain.
#[derive(Debug, Clone, Copy, Default)]
pub struct Project {
    /// The folder new migration files are written to (`revision`).
    pub versions_dir: Option<&'static str>,
    /// The application's table models (`check`, `revision --autogenerate`).
    pub models: Option<fn() -> Models>,
}

/// Parses the process's arguments and runs: the whole `main` of a standalone binary.
pub async fn main<C: Chain>() -> ExitCode {
    main_with::<C>(Project::default()).await
}

/// [`main`], with the application's versions folder and models.
pub async fn main_with<C: Chain>(project: Project) -> ExitCode {
    run_with::<C>(<Args as clap::Parser>::parse(), project).await
}

/// Runs parsed arguments against chain `C`; prints `error: ...` with its causes on failure.
pub async fn run<C: Chain>(args: Args) -> ExitCode {
    run_with::<C>(args, Project::default()).await
}

/// [`run`], with the application's versions folder and models.
pub async fn run_with<C: Chain>(args: Args, project: Project) -> ExitCode {
    match execute::<C>(args, project).await {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            let mut message = format!("error: {error}");
            let mut source = std::error::Error::source(&*error);
            while let Some(cause) = source {
                message.push_str(&format!("\n  caused by: {cause}"));
                source = cause.source();
            }
            eprintln!("{message}");
            ExitCode::from(exit::ERROR)
        }
    }
}

/// `--database-url` or `DATABASE_URL` (clap reads both), else `DATABASE_URL` in `./.env`, else
/// the embedded default. Resolved here rather than by loading `.env` before parsing, so that an
/// application that parses [`Args`] itself gets the same order.
fn database_url(args: &Args) -> Result<DatabaseUrl, RunError> {
    let from_dot_env = || dotenvy::var("DATABASE_URL").ok();
    let url = args.database_url.clone().or_else(from_dot_env);
    Ok(DatabaseUrl::parse(url.as_deref().unwrap_or(DEFAULT_URL))?)
}

async fn execute<C: Chain>(args: Args, project: Project) -> Result<u8, Box<dyn std::error::Error>> {
    let chain = C::load()?;
    let config = Config {
        version_table: args.version_table.clone(),
        version_schema: args.version_schema.clone(),
        ..Config::default()
    };
    let url = database_url(&args)?;
    let migrator = Migrator::new(chain, config);
    let chain = migrator.chain();
    match args.command {
        Command::History {
            rev_range,
            verbose,
            indicate_current,
        } => {
            let current = if indicate_current && !not_created_yet(&url) {
                let mut db = Db::connect(&url).await?;
                migrator.status(&mut db).await?.current
            } else {
                None
            };
            history(&migrator, rev_range.as_deref(), verbose, current.as_deref())?;
        }
        Command::Heads => println!("{} (head)", line(chain.head())),
        Command::Show { rev } => show(&migrator, &url, &rev).await?,
        Command::Current { verbose } => {
            if not_created_yet(&url) {
                println!("(base: no migration applied; {url} does not exist yet)");
                return Ok(exit::OK);
            }
            let mut db = Db::connect(&url).await?;
            current(&migrator, &mut db, verbose).await?;
        }
        Command::Upgrade {
            target, sql: true, ..
        } => print_script(&migrator, url.dialect(), &target, Direction::Upgrade)?,
        Command::Downgrade {
            target, sql: true, ..
        } => print_script(&migrator, url.dialect(), &target, Direction::Downgrade)?,
        Command::Upgrade {
            target,
            single_transaction,
            ..
        } => {
            let migrator = if single_transaction {
                Migrator::new(
                    chain.clone(),
                    Config {
                        transaction_mode: TransactionMode::Single,
                        ..migrator.config().clone()
                    },
                )
            } else {
                migrator.clone()
            };
            let mut db = Db::connect(&url).await?;
            let report = migrator.upgrade(&mut db, &target).await?;
            print_report(&migrator, &report, &url);
        }
        Command::Downgrade { target, yes, .. } => {
            let mut db = Db::connect(&url).await?;
            confirm_downgrade(&migrator, &mut db, &target, yes).await?;
            let report = migrator.downgrade(&mut db, &target).await?;
            print_report(&migrator, &report, &url);
        }
        Command::Stamp { target } => {
            let mut db = Db::connect(&url).await?;
            let report = migrator.stamp(&mut db, &target).await?;
            println!(
                "Stamped {url} from {} to {}",
                report.from.as_deref().unwrap_or("base"),
                report.to.as_deref().unwrap_or("base")
            );
        }
        Command::Check => {
            if not_created_yet(&url) {
                println!(
                    "FAILED: {url} does not exist yet; `capp-migrate upgrade head` creates it"
                );
                return Ok(exit::CHECK_FAILED);
            }
            let mut db = Db::connect(&url).await?;
            let status = migrator.status(&mut db).await?;
            let mut problems = Vec::new();
            if let Some(rev) = &status.failed {
                problems.push(format!(
                    "migration {rev} failed outside a transaction (see `repair`)"
                ));
            }
            for rev in &status.edited {
                problems.push(format!("migration {rev} was edited after it was applied"));
            }
            // Models changed without a migration: the models against the history's head.
            if let Some(models) = project.models {
                let head = migrator.expected_schema(Some(chain.len() - 1))?;
                let dialect = url.dialect();
                let models = models().schema().canonical(dialect);
                for difference in head.canonical(dialect).diff(&models) {
                    problems.push(format!("models differ from the head of the history (write a migration): {difference}"));
                }
            }
            // Drift: the live schema against the history folded up to the database's revision.
            let position = status.current.as_deref().and_then(|r| chain.position(r));
            let dialect = url.dialect();
            let expected = migrator.expected_schema(position)?.canonical(dialect);
            let actual = db.introspect(migrator.config()).await?.canonical(dialect);
            for difference in expected.diff(&actual) {
                problems.push(format!(
                    "schema drift at {}: {difference}",
                    status.current.as_deref().unwrap_or("base")
                ));
            }
            if !status.is_head {
                problems.push(format!(
                    "the database is at {}, not at head {}",
                    status.current.as_deref().unwrap_or("base"),
                    chain.head().rev()
                ));
            }
            if problems.is_empty() {
                println!(
                    "OK: {url} is at head ({}) and every applied migration is unchanged",
                    chain.head().rev()
                );
            } else {
                for p in &problems {
                    println!("FAILED: {p}");
                }
                return Ok(exit::CHECK_FAILED);
            }
        }
        Command::Test { yes } => {
            println!("1. Checking database connectivity: {url}");
            let mut db = Db::connect(&url).await?;
            println!("   connected");
            println!("2. Current migration status:");
            current(&migrator, &mut db, false).await?;
            println!("3. Applying all migrations:");
            print_report(&migrator, &migrator.upgrade(&mut db, "head").await?, &url);
            println!("4. Testing rollback (downgrade -1):");
            confirm_downgrade(&migrator, &mut db, "-1", yes).await?;
            print_report(&migrator, &migrator.downgrade(&mut db, "-1").await?, &url);
            println!("5. Re-applying migrations:");
            print_report(&migrator, &migrator.upgrade(&mut db, "head").await?, &url);
            println!("Migration test passed");
        }
        Command::Revision {
            message,
            autogenerate,
            against_database,
            rev_id,
            versions_dir,
        } => {
            let dir = versions_dir
                .or_else(|| project.versions_dir.map(Into::into))
                .ok_or("this binary does not know its versions folder: pass --versions-dir")?;
            let head = chain.head();
            let rev = match rev_id {
                Some(rev) => rev,
                None => next_rev(head.rev()),
            };
            if chain.position(&rev).is_some() {
                return Err(
                    format!("revision {rev} exists already; pick another with --rev-id").into(),
                );
            }
            if crate::chain::rev_value(&rev).is_none_or(|v| v <= head.rev_value()) {
                return Err(format!(
                    "revision id `{rev}` must be digits and after the head {}",
                    head.rev()
                )
                .into());
            }
            let contents = if autogenerate {
                let models = project.models.ok_or(
                    "this binary has no table models to compare (see capp_schema::cli::Project)",
                )?;
                let current = if against_database {
                    let mut db = Db::connect(&url).await?;
                    db.introspect(migrator.config()).await?
                } else {
                    migrator.expected_schema(Some(chain.len() - 1))?
                };
                let plan = if against_database {
                    crate::autogen::plan_against_database(&current, &models())
                } else {
                    crate::autogen::plan(&current, &models())
                };
                if plan.is_empty() {
                    println!("No changes in schema detected; nothing written");
                    return Ok(exit::OK);
                }
                for warning in &plan.warnings {
                    eprintln!("WARNING: {warning}");
                }
                crate::autogen::migration_file(&rev, Some(head.rev()), &message, &plan)
            } else {
                crate::autogen::blank_file(&rev, Some(head.rev()), &message)
            };
            let path = dir.join(format!("{rev}_{}.rs", slug(&message)));
            if path.exists() {
                return Err(format!("{} exists already", path.display()).into());
            }
            std::fs::write(&path, contents)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            println!("Generating {} ... done", path.display());
            println!(
                "Review it, then `cargo build` checks the chain and `capp-migrate upgrade head` applies it"
            );
        }
        Command::Accept { rev } => {
            let mut db = Db::connect(&url).await?;
            migrator.accept(&mut db, &rev).await?;
            println!("Accepted the current checksum of {rev}");
        }
        Command::Repair { rev } => {
            let mut db = Db::connect(&url).await?;
            migrator.repair(&mut db, &rev).await?;
            println!(
                "Cleared the failed state of {rev}; check `current`, and `stamp` if the version is not where the database is"
            );
        }
    }
    Ok(exit::OK)
}

/// The revision after `head`: the next number with the same width (`0003` -> `0004`), or for
/// timestamp ids (14 digits or more) the current UTC time as `YYYYMMDDHHMMSS`.
fn next_rev(head: &str) -> String {
    if head.len() >= 14 {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        // Days to civil date (Howard Hinnant's algorithm): no date crate for one timestamp.
        let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        return format!(
            "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        );
    }
    let next = head.parse::<u64>().map_or(1, |v| v + 1);
    format!("{next:0width$}", width = head.len())
}

/// A file-name slug of a message: `add user preferences table` -> `add_user_preferences_table`.
fn slug(message: &str) -> String {
    let mut out = String::new();
    for c in message.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let mut out: String = out.trim_end_matches('_').chars().take(60).collect();
    while out.ends_with('_') {
        out.pop();
    }
    if out.is_empty() {
        "migration".to_owned()
    } else {
        out
    }
}

/// A SQLite file that does not exist yet: read-only commands report base instead of creating it.
fn not_created_yet(url: &DatabaseUrl) -> bool {
    url.is_missing_file()
}

/// `0001 -> 0002, add kyc_verified_at timestamp to users`, as Alembic prints it.
fn line(m: &Migration) -> String {
    format!(
        "{} -> {}, {}",
        m.down_rev().unwrap_or("<base>"),
        m.rev(),
        m.message()
    )
}

fn history(
    migrator: &Migrator,
    range: Option<&str>,
    verbose: bool,
    current: Option<&str>,
) -> Result<(), RunError> {
    let chain = migrator.chain();
    let (start, end) = match range {
        None => (0, chain.len() - 1),
        Some(range) => {
            let (a, b) = range.split_once(':').unwrap_or((range, range));
            let at = |rev: &str, default: usize| -> Result<usize, RunError> {
                match rev {
                    "" => Ok(default),
                    "base" => Ok(0),
                    rev => Ok(migrator.resolve(rev, None)?.unwrap_or(0)),
                }
            };
            (at(a, 0)?, at(b, chain.len() - 1)?)
        }
    };
    let head = chain.head().rev();
    for m in chain.migrations()[start..=end.max(start)].iter().rev() {
        let head = if m.rev() == head { " (head)" } else { "" };
        let current = if Some(m.rev()) == current {
            " (current)"
        } else {
            ""
        };
        println!("{}{head}{current}", line(m));
        if verbose {
            println!("    Path: {}", m.location());
            println!("    Checksum: {}", m.checksum());
            if !m.is_transactional() {
                println!("    Runs outside a transaction");
            }
            if let Some(reason) = m.irreversible_reason() {
                println!("    Irreversible: {reason}");
            }
        }
    }
    Ok(())
}

async fn current(migrator: &Migrator, db: &mut Db, verbose: bool) -> Result<(), RunError> {
    let status = migrator.status(db).await?;
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

async fn show(migrator: &Migrator, url: &DatabaseUrl, rev: &str) -> Result<(), RunError> {
    let chain = migrator.chain();
    let position = migrator
        .resolve(rev, None)?
        .ok_or_else(|| RunError::RelativeOutOfRange {
            target: rev.to_owned(),
            len: chain.len(),
        })?;
    let m = chain.migrations()[position];
    println!(
        "Rev: {}{}",
        m.rev(),
        if position == chain.len() - 1 {
            " (head)"
        } else {
            ""
        }
    );
    println!("Parent: {}", m.down_rev().unwrap_or("<base>"));
    println!("Path: {}", m.location());
    println!("Checksum: {}", m.checksum());
    println!(
        "Transactional: {}",
        if m.is_transactional() { "yes" } else { "no" }
    );
    let applied = if not_created_yet(url) {
        "no (the database does not exist yet)".to_owned()
    } else {
        applied_status(migrator, url, position).await
    };
    println!("Applied to {url}: {applied}");
    show_sql(migrator, url, position, &m)
}

/// Whether the migration at `position` is applied, as a word for `show`.
async fn applied_status(migrator: &Migrator, url: &DatabaseUrl, position: usize) -> String {
    let chain = migrator.chain();
    match Db::connect(url).await {
        Ok(mut db) => match migrator.status(&mut db).await {
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
    url: &DatabaseUrl,
    position: usize,
    m: &Migration,
) -> Result<(), RunError> {
    println!("\n    {}\n", m.message());
    let dialect = url.dialect();
    println!("-- Upgrade ({dialect}):");
    print!(
        "{}",
        script_or_note(migrator, dialect, position.checked_sub(1), Some(position))?
    );
    match m.irreversible_reason() {
        Some(reason) => println!("-- Downgrade: irreversible ({reason})"),
        None => {
            println!("-- Downgrade ({dialect}):");
            print!(
                "{}",
                script_or_note(migrator, dialect, Some(position), position.checked_sub(1))?
            );
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
            "-- (runs a Rust data step, \"{name}\", which has no SQL form)\n"
        )),
        other => other,
    }
}

/// `--sql`: `[FROM:]TO`; FROM defaults to base for an upgrade and is required for a downgrade.
fn print_script(
    migrator: &Migrator,
    dialect: Dialect,
    target: &str,
    direction: Direction,
) -> Result<(), RunError> {
    let (from, to) = match target.split_once(':') {
        Some((from, to)) => (migrator.resolve(from, None)?, to),
        None if direction == Direction::Upgrade => (None, target),
        None => {
            return Err(RunError::RelativeOutOfRange {
                target: format!("{target} (offline downgrade needs FROM:TO, e.g. 0003:0001)"),
                len: migrator.chain().len(),
            });
        }
    };
    let to: Position = migrator.resolve(to, from)?;
    match direction {
        Direction::Upgrade if to < from => {
            return Err(RunError::TargetBehind {
                target: target.to_owned(),
                current: format!("{from:?}"),
            });
        }
        Direction::Downgrade if to > from => {
            return Err(RunError::TargetAhead {
                target: target.to_owned(),
                current: format!("{from:?}"),
            });
        }
        _ => {}
    }
    print!("{}", migrator.script(dialect, from, to)?);
    Ok(())
}

async fn confirm_downgrade(
    migrator: &Migrator,
    db: &mut Db,
    target: &str,
    yes: bool,
) -> Result<(), RunError> {
    let (migrations, destructive) = migrator.downgrade_preview(db, target).await?;
    if !destructive || yes || migrations.is_empty() {
        return Ok(());
    }
    let revs: Vec<&str> = migrations.iter().map(|m| m.rev()).collect();
    let what = format!(
        "downgrading {} drops tables or columns and their data",
        revs.join(", ")
    );
    if !std::io::stdin().is_terminal() {
        return Err(RunError::NotConfirmed(what));
    }
    eprint!("WARNING: {what}. Back up first (pg_dump). Continue? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(RunError::NotConfirmed(what))
    }
}

fn print_report(migrator: &Migrator, report: &Report, url: &DatabaseUrl) {
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
        println!(
            "Running {verb} {arrow}, {} ({} ms)",
            step.message,
            step.duration.as_millis()
        );
    }
    println!("{url} is now at {}", report.to.as_deref().unwrap_or("base"));
}
