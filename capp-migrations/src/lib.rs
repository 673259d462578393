//! CAPP's database migration history.
//!
//! Each revision is one file in `src/versions/`, named `NNNN_what_it_does.rs`; `build.rs` turns
//! every file there into a module, so none can be left out of the build.

pub mod models;

/// The marker type of CAPP's migration chain. Every revision is linted (`cargo test`,
/// `capp-migrate lint`).
#[derive(capp_schema::Chain, Debug)]
#[chain(lint_from = "0001")]
pub struct Migrations;

/// The migration files, one module each (see `build.rs`). A migration is as long as the change
/// it records: the workspace's function-length limit does not apply to history.
#[allow(clippy::too_many_lines)]
mod versions {
    include!(concat!(env!("OUT_DIR"), "/versions.rs"));
}

/// The versions folder, for tools that write new migration files into it.
pub const VERSIONS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/versions");
