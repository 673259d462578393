//! Compile-time checked database migrations for PostgreSQL and SQLite.
//!
//! Migrations are plain functions that record operations. Their attributes link them into one
//! chain, and `cargo build` fails, pointing at the offending attribute, when the chain is broken
//! (see [`rules`]).
//!
//! - [`Operations`] records schema and data changes; [`render`] turns them into SQL per
//!   [`Dialect`]; [`Schema`] folds them into the schema they build.
//! - [`runner`] (features `postgres`, `sqlite`) applies a chain: Alembic's version table, a
//!   history table, one transaction per migration, an advisory lock, introspection.
//! - [`testing::round_trip`] proves in `cargo test` that every migration round-trips.
//! - [`TableModel`] describes row structs as tables; [`autogen`] (feature `cli`) writes the
//!   migration from the history's head to the models.
//! - [`cli`] (feature `cli`) is the Alembic-style command line, standalone or embedded;
//!   [`rebase`] (feature `cli`) renumbers one of two branches after the other.
//!
//! ```
//! use capp_schema::{migration, downgrade, ColumnType, Operations};
//!
//! #[derive(capp_schema::Chain)]
//! pub struct Migrations;
//!
//! #[migration(rev = "0001", down_rev = None, message = "create users")]
//! fn create_users(op: &mut Operations) {
//!     op.create_table("users", |t| {
//!         t.column("id", ColumnType::Uuid);
//!         t.column("email", ColumnType::Varchar(255)).not_null();
//!         t.primary_key(["id"]);
//!     });
//! }
//!
//! #[downgrade(rev = "0001")]
//! fn drop_users(op: &mut Operations) {
//!     op.drop_table("users");
//! }
//!
//! #[migration(rev = "0002", down_rev = "0001", message = "add kyc_verified_at timestamp to users")]
//! fn add_kyc_verified_at(op: &mut Operations) {
//!     op.add_column("users", "kyc_verified_at", ColumnType::TimestampTz);
//! }
//!
//! #[downgrade(rev = "0002")]
//! fn remove_kyc_verified_at(op: &mut Operations) {
//!     op.drop_column("users", "kyc_verified_at");
//! }
//!
//! # fn main() {
//! use capp_schema::Chain;
//! let chain = Migrations::load().unwrap();
//! assert_eq!(chain.head().rev(), "0002");
//! # }
//! ```
//!
//! A second migration revising `0001` does not compile:
//!
//! ```compile_fail,E0119
//! # use capp_schema::{migration, downgrade, Operations};
//! # #[derive(capp_schema::Chain)] pub struct Migrations;
//! # #[migration(rev = "0001", down_rev = None, message = "a")] fn a(op: &mut Operations) {}
//! # #[downgrade(rev = "0001")] fn a_down(op: &mut Operations) {}
//! #[migration(rev = "0002", down_rev = "0001", message = "b")]
//! fn b(op: &mut Operations) {}
//! # #[downgrade(rev = "0002")] fn b_down(op: &mut Operations) {}
//! #[migration(rev = "0003", down_rev = "0001", message = "c")] // a branch
//! fn c(op: &mut Operations) {}
//! # #[downgrade(rev = "0003")] fn c_down(op: &mut Operations) {}
//! # fn main() {}
//! ```

#[cfg(feature = "cli")]
pub mod adopt;
#[cfg(feature = "cli")]
pub mod autogen;
#[cfg(feature = "runner")]
mod backend;
mod backfill;
mod chain;
#[cfg(feature = "cli")]
pub mod cli;
mod compare;
mod error;
#[cfg(feature = "runner")]
pub mod fleet;
mod fold;
#[cfg(feature = "lint")]
pub mod lint;
mod model;
pub mod objects;
mod ops;
#[cfg(feature = "cli")]
pub mod rebase;
mod registration;
pub mod render;
pub mod rules;
#[cfg(feature = "runner")]
pub mod runner;
mod schema;
#[cfg(feature = "runner")]
pub mod testing;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use backfill::Backfill;
pub use capp_schema_macros::{Chain, PgEnum, TableModel, downgrade, migration};
pub use chain::{Chain, Checksum, Location, Migration, MigrationChain, Recording};
pub use compare::Difference;
pub use error::ChainError;
pub use model::{Model, Models, PgEnum, TableModel};
pub use objects::{ObjectId, ObjectKind, RowSecurity, SqlObject};
pub use ops::{
    ColumnChange, NonTransactionalOperations, Operation, Operations, OutsideATransaction, Recorder,
};
#[cfg(feature = "runner")]
pub use ops::{DataConnection, DataStep, RustStep};
pub use registration::MigrationTimeouts;
pub use render::Dialect;
pub use schema::{
    Action, Check, Column, ColumnType, Deferral, FoldError, ForeignKey, Identity, Index,
    PartitionOf, Schema, Table, Unique,
};
/// The database driver the runner uses, for typed queries in Rust data steps
/// (`db.postgres()`, `db.sqlite()`) without a dependency of the application's own.
#[cfg(feature = "runner")]
pub use sqlx;
