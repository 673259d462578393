//! `#[derive(PgEnum)]`: a Rust enum as a PostgreSQL enum type. Values are the variant names in
//! snake_case unless renamed with `#[pg_enum(rename = "...")]`; the type's name is
//! `#[pg_enum(name = "...")]`, or the enum's name in snake_case.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Data, DeriveInput, Fields, LitStr};

use crate::ctxt::Ctxt;
use crate::meta::{self, Attr};

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let ident = &input.ident;
    let (name, chain) = enum_keys(&cx, &input.attrs);
    let name = name.map_or_else(|| snake_case(&ident.to_string()), |l| l.value());
    let mut values = Vec::new();
    match &input.data {
        Data::Enum(data) => {
            for variant in &data.variants {
                if !matches!(variant.fields, Fields::Unit) {
                    cx.error_spanned_by(&variant.fields, "a PostgreSQL enum value has no fields");
                }
                let value = key(&cx, &variant.attrs, "rename", "\"in_review\"")
                    .map_or_else(|| snake_case(&variant.ident.to_string()), |l| l.value());
                values.push(value);
            }
        }
        _ => cx.error_spanned_by(ident, "`PgEnum` is derived for enums with unit variants"),
    }
    // With errors, the impl is still emitted, so that columns of this type do not add
    // "`PgEnum` is not implemented" errors to the real ones.
    let errors = cx.check().err().map(syn::Error::into_compile_error);
    let registration = crate::model::expand::register(
        chain.as_ref(),
        quote! {
            ::capp_schema::__private::EnumRegistration {
                chain: ::core::any::TypeId::of::<__Chain>,
                name: #name,
                values: &[#(#values),*],
            }
        },
    );
    quote! {
        #errors
        #registration
        impl ::capp_schema::PgEnum for #ident {
            const NAME: &'static str = #name;
            const VALUES: &'static [&'static str] = &[#(#values),*];
        }
    }
}

/// The keys of `#[pg_enum(...)]` on the enum: `name = "..."` and `chain = path`.
fn enum_keys(cx: &Ctxt, attrs: &[Attribute]) -> (Option<LitStr>, Option<syn::Path>) {
    let mut name = Attr::none(cx, "name");
    let mut chain = Attr::none(cx, "chain");
    for attr in attrs.iter().filter(|a| a.path().is_ident("pg_enum")) {
        meta::parse_attr(cx, attr, |meta| match meta::key_of(meta).as_str() {
            "name" => name.read(meta, |m| meta::lit_str(m, "name", "\"kyc_status\"")),
            "chain" => chain.read(meta, |m| m.value()?.parse::<syn::Path>()),
            _ => meta::unknown_key(cx, meta, "`name`, `chain`"),
        });
    }
    (name.get(), chain.get())
}

/// The one key `#[pg_enum(...)]` takes on this item: `name` on the enum, `rename` on a variant.
fn key(cx: &Ctxt, attrs: &[Attribute], key: &'static str, example: &str) -> Option<LitStr> {
    let mut value = Attr::none(cx, key);
    for attr in attrs.iter().filter(|a| a.path().is_ident("pg_enum")) {
        meta::parse_attr(cx, attr, |meta| {
            if meta.path.is_ident(key) {
                value.read(meta, |m| meta::lit_str(m, key, example));
            } else {
                cx.error_spanned_by(
                    &meta.path,
                    format!(
                        "unknown key `{}`; expected `{key} = {example}`",
                        meta::key_of(meta)
                    ),
                );
                meta::skip_value(meta);
            }
        });
    }
    value.get()
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
