//! `#[derive(Chain)]`: declares the marker type that one migration history is checked against.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::ctxt::Ctxt;
use crate::meta::{self, Attr};
use crate::revision::RevId;

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
    let cx = Ctxt::new();
    let mut lint_from = Attr::none(&cx, "lint_from");
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("chain")) {
        meta::parse_attr(&cx, attr, |m| match meta::key_of(m).as_str() {
            "lint_from" => lint_from.read(m, |m| {
                let lit: LitStr = meta::lit_str(m, "lint_from", "\"0004\"")?;
                RevId::parse(lit.clone())?;
                Ok(lit)
            }),
            _ => meta::unknown_key(&cx, m, "`lint_from`"),
        });
    }
    let lint_from = lint_from.get();
    let errors = cx.check().err().map(syn::Error::into_compile_error);
    let lint_from = lint_from.map(|rev| quote!(const LINT_FROM: ::core::option::Option<&'static str> = ::core::option::Option::Some(#rev);));
    quote! {
        #errors
        impl ::capp_schema::Chain for #ident {
            #lint_from
        }
    }
}
