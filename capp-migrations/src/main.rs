//! `capp-migrate`: CAPP's migration command.
//!
//! The commands that read only the chain compiled into this binary are here; the commands that
//! touch a database (`current`, `upgrade`, `downgrade`, `stamp`, ...) come with the runner.

use std::process::ExitCode;

use capp_schema::{Chain, ChainError, Migration, MigrationChain};
use clap::{Parser, Subcommand};

/// Exit code for a problem with the migration chain or the arguments.
const EXIT_FAILURE: u8 = 1;

#[derive(Parser)]
#[command(name = "capp-migrate", version, about = "CAPP's database migrations")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the migrations from newest to oldest.
    History {
        /// Also show each migration's file, flags and checksum.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Show the newest migration.
    Heads,
    /// Show one migration: message, parent, checksum and the operations of both directions.
    Show {
        /// A revision id, e.g. 0002.
        rev: String,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn run(cli: Cli) -> Result<(), ChainError> {
    let chain = capp_migrations::Migrations::load()?;
    match cli.command {
        Command::History { verbose } => history(&chain, verbose),
        Command::Heads => println!("{} (head)", line(chain.head())),
        Command::Show { rev } => show(chain.get(&rev)?),
    }
    Ok(())
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

fn history(chain: &MigrationChain, verbose: bool) {
    let head = chain.head().rev();
    for m in chain.migrations().iter().rev() {
        let marker = if m.rev() == head { " (head)" } else { "" };
        println!("{}{marker}", line(m));
        if verbose {
            println!("    file: {}", m.location());
            println!("    checksum: {}", m.checksum());
            if !m.is_transactional() {
                println!("    runs outside a transaction");
            }
            if let Some(reason) = m.irreversible_reason() {
                println!("    irreversible: {reason}");
            }
        }
    }
}

fn show(m: &Migration) {
    println!("Rev: {}", m.rev());
    println!("Parent: {}", m.down_rev().unwrap_or("<base>"));
    println!("Path: {}", m.location());
    println!("Checksum: {}", m.checksum());
    println!(
        "Transactional: {}",
        if m.is_transactional() { "yes" } else { "no" }
    );
    println!();
    println!("    {}", m.message());
    println!();
    println!("Upgrade operations:");
    for op in m.upgrade().operations {
        println!("    {op:?}");
    }
    match m.downgrade() {
        Some(recording) => {
            println!("Downgrade operations:");
            for op in recording.operations {
                println!("    {op:?}");
            }
        }
        None => println!(
            "Downgrade: irreversible ({})",
            m.irreversible_reason().unwrap_or_default()
        ),
    }
}
