//! The runner: applies a chain to PostgreSQL or SQLite, and keeps Alembic's version table.
//!
//! ```no_run
//! # async fn start() -> Result<(), capp_schema::runner::RunError> {
//! # #[derive(capp_schema::Chain)] pub struct Migrations;
//! use capp_schema::Chain;
//! use capp_schema::runner::{Config, DatabaseUrl, Migrator};
//!
//! // At application start-up, before serving: safe when many replicas start at once.
//! let url = DatabaseUrl::parse("postgresql+asyncpg://capp_user:pw@localhost/capp_db")?;
//! let report = Migrator::new(Migrations::load()?, Config::default()).upgrade_url(&url, "head").await?;
//! for step in &report.applied {
//!     println!("applied {} ({:?})", step.rev, step.duration);
//! }
//! # Ok(()) }
//! ```
//!
//! With an application's pool, [`Db::from_postgres_pool`] takes one connection out of it for
//! good, so nothing the runner sets on it can go back to the pool with it.
//!
//! The runner is generic over databases: [`Migrator`] resolves a target and makes a plan (pure,
//! in `plan`), which the executor (`execute`) runs online or the script writer (`script`) writes
//! as SQL; everything that differs between databases is behind the backend seam
//! (`crate::backend`).

mod backfill;
mod check;
mod config;
mod error;
mod execute;
mod introspect;
mod migrator;
mod plan;
mod redo;
mod retry;
mod script;
mod state;
mod target;
mod upgrade;
mod wait;

pub use crate::backend::{
    BatchStalled, ConnectError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_URL, DatabaseUrl, Db, DbError,
    ExecError, LockHolder, UnreadableRow, UrlError,
};
pub use check::{CheckProblem, CheckReport};
pub use config::{Config, TransactionMode};
pub use error::{LockNotFree, LockNotGranted, RunError, StateError, TargetError};
pub use migrator::{Applied, Migrator, Report, Status};
pub use plan::Direction;
pub use redo::Redo;
pub(crate) use target::Index;
pub use target::Position;
