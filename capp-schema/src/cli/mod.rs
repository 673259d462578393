//! The Alembic-style command line: `current`, `history`, `heads`, `show`, `upgrade`,
//! `downgrade`, `stamp`, `check`, `test`, `revision`, `accept`, `repair`, with offline `--sql`.
//!
//! A standalone binary is one line of `main`:
//!
//! ```no_run
//! # #[derive(capp_schema::Chain)] pub struct Migrations;
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     capp_schema::cli::main::<Migrations>(capp_schema::cli::Project::default()).await
//! }
//! ```
//!
//! An application embeds the same command line as a subcommand of its own binary:
//!
//! ```no_run
//! # #[derive(capp_schema::Chain)] pub struct Migrations;
//! use capp_schema::cli::Project;
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
//!         App::Migrate(args) => capp_schema::cli::run::<Migrations>(args, Project::default()).await,
//!     }
//! }
//! ```
//!
//! [`Project`] tells the command line where the application's migration files are
//! (`revision`) and what its table models are (`check`, `revision --autogenerate`).
//!
//! Layout: [`Args`] and [`Command`] are parsed in `args.rs`; `run.rs` resolves the database
//! URL and the runner's configuration and calls `Command::execute`, which hands each command to
//! its own function in `command/`; `output.rs` prints; `error.rs` holds every way the command
//! line fails and the exit code of each.

/// `println!` that returns [`error::Error::Stdout`] instead of panicking when standard output
/// is closed (`capp-migrate history | head -1`).
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that returns [`error::Error::Stdout`] instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::output::write_stdout(format_args!($($arg)*))
    };
}

mod args;
mod command;
mod error;
mod log;
mod output;
mod rebase;
mod run;
mod tool;

pub use args::{Args, Command, FleetArgs, FleetCommandArg, LogFormat, Project, ReportFormat};
pub use error::exit;
pub use run::{main, run};
pub use tool::{ToolArgs, tool_main};
