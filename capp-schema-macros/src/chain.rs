//! `#[derive(Chain)]`: declares the marker type that one migration history is checked against.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => input,
        Err(e) => return e.into_compile_error(),
    };
    let is_unit = matches!(&input.data, Data::Struct(s) if matches!(s.fields, Fields::Unit));
    if !is_unit || !input.generics.params.is_empty() {
        return syn::Error::new_spanned(
            &input.ident,
            "a migration chain is a unit struct without generics: `#[derive(Chain)] pub struct Migrations;`",
        )
        .into_compile_error();
    }
    let ident = &input.ident;
    quote! {
        impl ::capp_schema::Chain for #ident {}
    }
}
