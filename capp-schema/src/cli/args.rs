//! The arguments: [`Args`] (global flags and a [`Command`]), and [`Project`], what the
//! application tells the command line beyond its chain.

use crate::model::Models;

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

    /// How long a migration's DDL may wait for a table lock in one attempt, while the
    /// application's queries on that table queue behind it (PostgreSQL): 500ms, 1s, 2s.
    #[arg(long, global = true, default_value = "1s", value_parser = duration)]
    pub lock_timeout: std::time::Duration,

    /// How long a migration may keep trying when its table locks are not granted in time; each
    /// attempt is rolled back, and the pauses between them double, with jitter. 0s: one attempt.
    #[arg(long, global = true, default_value = "60s", value_parser = duration)]
    pub lock_retry_budget: std::time::Duration,

    /// How long one statement of a migration may run before PostgreSQL cancels it (default: the
    /// server's setting).
    #[arg(long, global = true, value_parser = duration)]
    pub statement_timeout: Option<std::time::Duration>,

    /// How long to wait for the migration lock while another runner holds it (saying who holds
    /// it as the wait starts and every 10 s after), before failing.
    #[arg(long, global = true, default_value = "10m", value_parser = duration)]
    pub lock_wait: std::time::Duration,

    /// More detail: `current` and `history` show each migration's message and file (as
    /// Alembic's --verbose); on stderr, `-v` adds each statement as it is sent, `-vv` everything
    /// the runner says. `RUST_LOG` (`capp_schema=debug`) overrides the level.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only warnings and errors on stderr (no line per migration).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// How stderr's lines are written: `plain` for people, `json` (one object per line) for log
    /// shippers.
    #[arg(long, global = true, value_enum, default_value = "plain")]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// How the command line writes its log lines on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One line per event, for people; a spinner with the elapsed time under a migration that
    /// runs for more than two seconds, on a terminal.
    Plain,
    /// One JSON object per event, with its fields and those of its run and migration.
    Json,
}

/// The commands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Show the revision the database is at (nothing at base, as Alembic).
    Current {
        /// Fail (exit 1) unless the database is at the head.
        #[arg(long)]
        check_heads: bool,
    },
    /// List the migrations, newest first.
    History {
        /// A range `start:end`, `start:` or `:end` (base, head, current, a revision).
        #[arg(short = 'r', long)]
        rev_range: Option<String>,
        /// Mark the revision the database is at with "(current)".
        #[arg(short = 'i', long)]
        indicate_current: bool,
    },
    /// Show the newest migration.
    Heads,
    /// Show one migration: parent, file, message, checksum (whether it is applied on stderr).
    Show {
        /// A revision or unique prefix, head, or current.
        rev: String,
        /// Also print the SQL of both directions.
        #[arg(long)]
        sql: bool,
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
        /// Undo all the migrations in one transaction: all or nothing.
        #[arg(long)]
        single_transaction: bool,
    },
    /// Mark the database as being at a revision without running migrations.
    Stamp {
        /// A revision, head or base.
        target: String,
    },
    /// Exit 0 if the database is at head, every applied migration unchanged and its schema what the
    /// history says (no drift); 3 if not.
    Check,
    /// Lint the migrations' PostgreSQL SQL for statements that lock or rewrite a busy table (an
    /// index built without CONCURRENTLY, a NOT NULL column added, a foreign key validated, a type
    /// changed, ...): from the chain's baseline (`#[chain(lint_from = "...")]`) to head, one
    /// revision, or `--all`. Each finding names the file and line, the rule, the statement and the
    /// safe way; exit 3 if there is any. Needs no database.
    Lint {
        /// One revision to lint.
        rev: Option<String>,
        /// Every revision, the baseline ignored.
        #[arg(long, conflicts_with = "rev")]
        all: bool,
    },
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
        /// Also write `drop_table` and `drop_column` for tables and columns the history has and
        /// no model declares (without it they are listed, not dropped).
        #[arg(long, requires = "autogenerate")]
        allow_drops: bool,
        /// The new revision id (by default the next one after the head).
        #[arg(long)]
        rev_id: Option<String>,
        /// Where to write the file (by default the project's versions folder).
        #[arg(long)]
        versions_dir: Option<std::path::PathBuf>,
    },
    /// Mark this database for development, so that `redo` may undo its head migration (and
    /// upgrades record each downgrade's SQL for it); `--off` clears the mark. Never on a shared
    /// database.
    Develop {
        /// Clear the mark.
        #[arg(long)]
        off: bool,
    },
    /// Undo the head migration with the downgrade recorded when it was applied, then apply its
    /// current upgrade: the loop for revising a migration that exists only on your database.
    Redo,
    /// Accept the edited checksum of an applied migration, after review.
    Accept { rev: String },
    /// Clear the failed state of a migration that failed outside a transaction, after repairing
    /// the database by hand.
    Repair { rev: String },
    /// Run a command on many databases, or on many schemas of one database: `current`, `check`,
    /// `upgrade`, `downgrade`, `stamp`, `history`, each target under its own migration lock, with
    /// bounded parallelism overall and per server, canaries and waves; a table (or JSON) of the
    /// results at the end. Exit 1 if a target failed, 3 if `check` found a problem on one.
    Fleet(FleetArgs),
}

/// The targets of `fleet` and how it runs.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target_source").required(true).args(["targets", "databases", "schemas"])))]
pub struct FleetArgs {
    /// A file of targets: a database URL per line, optionally followed by a schema name; `#`
    /// starts a comment. `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    pub targets: Option<std::path::PathBuf>,
    /// Every database on --database-url's server whose name matches this SQL LIKE pattern
    /// (`capp_tenant_%`).
    #[arg(long, value_name = "PATTERN")]
    pub databases: Option<String>,
    /// Every schema of --database-url's database whose name matches this SQL LIKE pattern
    /// (`tenant_%`): the version and history tables live in each, and every object the
    /// migrations name is qualified with it.
    #[arg(long, value_name = "PATTERN")]
    pub schemas: Option<String>,
    /// Targets worked on at once, over all servers.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallel: u16,
    /// Targets worked on at once on one server (each holds one connection to it; two while a
    /// step runs outside a transaction).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub per_server: u16,
    /// Run this many targets first; if one fails, touch no other.
    #[arg(long, default_value_t = 0)]
    pub canary: usize,
    /// After the canaries, run the targets in waves of this many, each finished before the next.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub wave: Option<u32>,
    /// Start no more targets once one has failed (otherwise every target is tried).
    #[arg(long)]
    pub fail_fast: bool,
    /// How the results are written on stdout.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    #[command(subcommand)]
    pub command: FleetCommandArg,
}

/// How `fleet` writes its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A table: target, from, to, time, result, error; then a summary line.
    Table,
    /// One JSON object: the results and the summary, for CI and dashboards.
    Json,
}

/// What `fleet` runs on each target.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum FleetCommandArg {
    /// The revision each target is at.
    Current,
    /// Check each target: at head, nothing edited or failed, no drift.
    Check,
    /// Upgrade each target: head, a revision, +N.
    Upgrade {
        #[arg(default_value = "head", allow_hyphen_values = true)]
        target: String,
    },
    /// Downgrade each target: a revision, -N, base.
    Downgrade {
        #[arg(allow_hyphen_values = true)]
        target: String,
        /// Confirm: a downgrade of a whole fleet asks nothing.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Stamp each target at a revision, without running migrations.
    Stamp { target: String },
    /// The history, each revision with the number of targets at it.
    History {
        /// Mark the revisions targets are at.
        #[arg(short = 'i', long)]
        indicate_current: bool,
    },
}

/// What the command line knows about the application beyond its chain.
#[derive(Debug, Clone, Copy, Default)]
pub struct Project {
    /// The folder new migration files are written to (`revision`).
    pub versions_dir: Option<&'static str>,
    /// The application's table models (`check`, `revision --autogenerate`); `None` takes every
    /// model registered with the chain (`#[derive(TableModel)]` registers each with
    /// `crate::Migrations`, or the chain its `#[table(chain = ...)]` names).
    pub models: Option<fn() -> Models>,
}

/// A duration as the flags take it: a whole number with `ms`, `s` or `m` (`500ms`, `2s`, `1m`).
fn duration(text: &str) -> Result<std::time::Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; write it as 500ms, 2s or 1m"))?;
    match unit {
        "ms" => Ok(std::time::Duration::from_millis(number)),
        "s" => Ok(std::time::Duration::from_secs(number)),
        "m" => Ok(std::time::Duration::from_secs(number * 60)),
        _ => Err(format!(
            "`{text}` has no unit this takes; write it as 500ms, 2s or 1m"
        )),
    }
}
