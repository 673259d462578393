//! `#[derive(TableModel)]`: a Rust struct the application uses for its rows, described as a
//! table of the schema model.
//!
//! ```ignore
//! #[derive(TableModel)]
//! #[table(name = "users", check(name = "ck_users_kyc_level", expr = "kyc_level BETWEEN 0 AND 3"))]
//! pub struct User {
//!     #[column(primary_key)]
//!     pub id: Uuid,
//!     #[column(max_length = 255, unique = "uq_users_email")]
//!     pub email: String,
//!     #[column(precision = 5, scale = 2)]
//!     pub risk_score: Option<Decimal>,
//! }
//! ```
//!
//! In stages: `ast` reads the struct and its attributes (`attr`) into a typed tree, `valid`
//! checks it as a whole, `expand` generates the impl; every error of the item is reported.

mod ast;
mod attr;
mod column_type;
mod expand;
mod valid;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::ctxt::Ctxt;

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let table = ast::Table::from_syn(&cx, input);
    let checked = table.as_ref().and_then(|table| valid::check(&cx, table));
    match (cx.check(), &table, checked) {
        (Ok(()), Some(table), Some(checked)) => expand::table_model(table, &checked),
        (Err(errors), _, _) => expand::fallback(input, errors),
        // Neither is `None` without an error reported.
        (Ok(()), _, _) => TokenStream::new(),
    }
}
