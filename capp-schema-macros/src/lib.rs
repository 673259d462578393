//! Procedural macros of [capp-schema](https://docs.rs/capp-schema).
//!
//! Use them through `capp_schema`, which re-exports them: `#[capp_schema::migration]`,
//! `#[capp_schema::downgrade]` and `#[derive(capp_schema::Chain)]`. The generated code names the
//! runtime crate by absolute path (`::capp_schema::...`), so the runtime crate must be a direct
//! dependency of the crate that declares migrations.
//!
//! Each attribute sees only its own function. The checks that span several migrations (duplicate
//! revisions, missing parents, branches, second bases, missing downgrades) are delegated to the
//! type checker: see `expand.rs` and `capp_schema::rules`.

mod attr;
mod chain;
mod checksum;
mod ctxt;
mod expand;
mod meta;
mod model;
mod names;
mod pg_enum;
mod revision;
mod signature;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Declares a migration: `#[migration(rev = "0002", down_rev = "0001", message = "...")]`.
#[proc_macro_attribute]
pub fn migration(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::migration(args.into(), item.into()).into()
}

/// Declares the downgrade of a migration: `#[downgrade(rev = "0002")]`.
#[proc_macro_attribute]
pub fn downgrade(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::downgrade(args.into(), item.into()).into()
}

/// Declares the marker type of a migration chain: `#[derive(Chain)] pub struct Migrations;`,
/// with `#[chain(lint_from = "0004")]` for the first revision the lint checks.
#[proc_macro_derive(Chain, attributes(chain))]
pub fn derive_chain(input: TokenStream) -> TokenStream {
    chain::derive(input.into()).into()
}

/// Describes a row struct as a table of the schema model: `#[derive(TableModel)]` with
/// `#[table(name = "...")]` and `#[column(...)]` attributes.
#[proc_macro_derive(TableModel, attributes(table, column))]
pub fn derive_table_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    model::derive(&input).into()
}

/// Describes a Rust enum as a PostgreSQL enum type: `#[derive(PgEnum)]`, with
/// `#[pg_enum(name = "...")]` on the enum and `#[pg_enum(rename = "...")]` on variants.
#[proc_macro_derive(PgEnum, attributes(pg_enum))]
pub fn derive_pg_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    pg_enum::derive(&input).into()
}
