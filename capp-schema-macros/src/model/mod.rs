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
pub(crate) mod expand;
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

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::{ast, derive, valid};
    use crate::ctxt::Ctxt;

    /// The errors of the parse and validation stages, in order.
    fn errors(input: &syn::DeriveInput) -> Vec<String> {
        let cx = Ctxt::new();
        let table = ast::Table::from_syn(&cx, input);
        if let Some(table) = &table {
            valid::check(&cx, table);
        }
        cx.messages()
    }

    #[test]
    fn every_error_of_an_item_is_reported() {
        let input = parse_quote! {
            #[table(check(name = "ck"))]
            struct Account {
                #[column(max_length = 1, max_length = 2)]
                name: String,
                money: Money,
                #[column(on_delete = "explode")]
                owner_id: i64,
            }
        };
        assert_eq!(
            errors(&input),
            [
                "a check needs `check(name = \"...\", expr = \"...\")`",
                "duplicate `max_length` key; give each key once",
                "expected \"no action\", \"restrict\", \"cascade\", \"set null\" or \"set default\"",
                "name the table: `#[table(name = \"users\")]`",
                "no column type is known for this Rust type; give one with `#[column(sql_type = \"...\")]`, `#[column(enum_type = \"...\")]`, or `#[column(pg_enum)]` for a `#[derive(PgEnum)]` enum",
            ]
        );
        assert!(
            derive(&input)
                .to_string()
                .contains("TableModel for Account")
        );
    }

    #[test]
    fn a_valid_model_expands_without_errors() {
        let input = parse_quote! {
            #[table(name = "accounts")]
            struct Account {
                #[column(primary_key)]
                id: i64,
                #[column(precision = 20, scale = 8, references = "users.id", on_delete = "SET_NULL")]
                balance: Option<Decimal>,
            }
        };
        assert!(errors(&input).is_empty());
        let tokens = derive(&input).to_string();
        assert!(
            tokens.contains("Numeric { precision : 20u8 , scale : 8u8 }"),
            "{tokens}"
        );
        assert!(
            tokens.contains("on_delete (:: capp_schema :: Action :: SetNull)"),
            "{tokens}"
        );
        assert!(
            tokens.contains("on_update (:: capp_schema :: Action :: NoAction)"),
            "{tokens}"
        );
    }
}
