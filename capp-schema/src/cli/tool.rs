//! `capp-schema`: the commands that need no compiled migration chain, because they make one
//! (`adopt`) or mend one that does not compile (`rebase`). The chain's own commands are in the
//! binary each application builds ([`crate::cli::main`]).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::adopt::{AdoptOptions, write_crate};
use crate::runner::{Config, DatabaseUrl, Db};

use super::error::{Error, exit};

/// `capp-schema`'s arguments.
#[derive(Debug, clap::Parser)]
#[command(
    name = "capp-schema",
    version,
    about = "Commands that need no compiled migration chain: adopt an existing database, rebase a branch of migrations"
)]
pub struct ToolArgs {
    #[command(subcommand)]
    command: ToolCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ToolCommand {
    /// Writes a new crate whose one migration (a baseline) builds a live PostgreSQL database's
    /// schema from nothing, with table models and a migration binary; `--stamp` then records
    /// the database as at that baseline.
    Adopt(AdoptArgs),
    /// Moves a migration file, and the ones after it on its branch, after the head of the other
    /// branch: when two branches each added a migration after the same head (a duplicate
    /// revision or a branch, which `cargo build` refuses), renumbers this one's files and their
    /// `rev`/`down_rev`, and says how to put right a database that applied them under the old ids.
    Rebase(super::rebase::RebaseArgs),
}

#[derive(Debug, clap::Args)]
struct AdoptArgs {
    /// The database to adopt (else `DATABASE_URL`, from the environment or `./.env`).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// The new crate's directory (it must not exist, or be empty).
    #[arg(long)]
    into: PathBuf,
    /// The crate's name [default: the directory's name].
    #[arg(long)]
    name: Option<String>,
    /// The baseline's revision id [default: the database's Alembic revision if it is a decimal
    /// id, else 0001].
    #[arg(long)]
    rev: Option<String>,
    /// The baseline's message.
    #[arg(long, default_value = "baseline")]
    message: String,
    /// Depend on capp-schema at this path rather than by version alone.
    #[arg(long)]
    capp_schema_path: Option<PathBuf>,
    /// The version table Alembic (and capp-schema) keep the revision in.
    #[arg(long, default_value = "alembic_version")]
    version_table: String,
    /// After writing the crate, build it and stamp the database at the baseline (`cargo run --
    /// stamp REV`), so that the next migration is an ordinary one.
    #[arg(long)]
    stamp: bool,
}

/// The whole `main` of the `capp-schema` binary.
pub async fn tool_main() -> ExitCode {
    let args = <ToolArgs as clap::Parser>::parse();
    super::log::install(0, false, super::LogFormat::Plain);
    let outcome = match args.command {
        ToolCommand::Adopt(adopt) => run_adopt(adopt).await,
        ToolCommand::Rebase(rebase) => super::rebase::run(rebase),
    };
    match outcome {
        Ok(()) => ExitCode::from(exit::OK),
        Err(error) => {
            error.print();
            ExitCode::from(error.code())
        }
    }
}

async fn run_adopt(args: AdoptArgs) -> Result<(), Error> {
    let url = match &args.database_url {
        Some(url) => url.clone(),
        None => super::run::dot_env_url(Path::new(".env"))?.ok_or(Error::NoDatabaseUrl)?,
    };
    let url = DatabaseUrl::parse(&url)?;
    if !url.dialect().adoptable() {
        return Err(Error::AdoptNeedsPostgres);
    }
    let config = Config {
        version_table: args.version_table.clone(),
        ..Config::default()
    };
    let mut db = Db::connect(&url)
        .await
        .map_err(crate::runner::RunError::from)?;
    let schema = db.introspect(&config).await?;
    let alembic = db
        .state(&config.tables(url.dialect()))
        .await
        .map_err(crate::runner::RunError::read(
            "cannot read the version table",
        ))?
        .versions;
    let _ = db.close().await;
    let rev = baseline_rev(&args, &alembic)?;
    let name = match &args.name {
        Some(name) => name.clone(),
        None => crate_name(&args.into)?,
    };
    let options = AdoptOptions {
        dir: args.into.clone(),
        crate_name: name,
        rev: rev.clone(),
        message: args.message.clone(),
        capp_schema_path: args.capp_schema_path.clone(),
    };
    let written = write_crate(&schema, &options).map_err(|error| Error::Write {
        path: args.into.clone(),
        error,
    })?;
    outln!(
        "Adopted {} tables, {} enum types, {} extensions and {} named objects as revision {rev} ({} operations):",
        schema.tables.len(),
        schema.enums.len(),
        schema.extensions.len(),
        schema.objects.len(),
        written.operations
    )?;
    for file in &written.files {
        outln!("  {}", file.display())?;
    }
    if let Some(workspace) = crate::adopt::enclosing_workspace(&args.into) {
        eprintln!(
            "note: {} is inside the workspace of {}: add it to that workspace's members",
            args.into.display(),
            workspace.display()
        );
    }
    if args.stamp {
        stamp(&args.into, args.database_url.as_deref(), &rev)?;
    } else {
        outln!(
            "Next: cd {} && cargo run -- stamp {rev}   (records the database as at the baseline)",
            args.into.display()
        )?;
    }
    Ok(())
}

/// The baseline's revision: `--rev`, else the decimal revision Alembic reports, else `0001`
/// (saying why when Alembic's is not decimal).
fn baseline_rev(args: &AdoptArgs, alembic: &[String]) -> Result<String, Error> {
    let rev = match (&args.rev, alembic) {
        (Some(rev), _) => rev.clone(),
        (None, [one]) if one.bytes().all(|b| b.is_ascii_digit()) => one.clone(),
        (None, [one]) => {
            eprintln!(
                "note: the database is at Alembic revision {one}, which is not a decimal id (Alembic's default ids are hexadecimal): the baseline is 0001. Stamping it replaces Alembic's revision in {}; keep Alembic's migration files until every database is adopted.",
                args.version_table
            );
            "0001".to_owned()
        }
        (None, _) => "0001".to_owned(),
    };
    if rev.is_empty() || !rev.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::BadRev(rev));
    }
    Ok(rev)
}

/// Builds the new crate and runs its `stamp REV` against the adopted database.
fn stamp(dir: &Path, url: Option<&str>, rev: &str) -> Result<(), Error> {
    let mut command =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .arg("run")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .arg("--")
        .arg("stamp")
        .arg(rev);
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    let status = command.status().map_err(|error| Error::Write {
        path: dir.to_owned(),
        error,
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::StampFailed {
            dir: dir.to_owned(),
            status: status.to_string(),
        })
    }
}

/// The directory's name, as a crate name.
fn crate_name(dir: &Path) -> Result<String, Error> {
    dir.file_name()
        .and_then(|n| n.to_str())
        .map(|n| {
            n.replace(
                |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_',
                "-",
            )
        })
        .filter(|n| n.starts_with(|c: char| c.is_ascii_alphabetic()))
        .ok_or_else(|| Error::BadCrateName(dir.to_owned()))
}
