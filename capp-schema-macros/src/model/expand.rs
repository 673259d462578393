//! Code generation for `#[derive(TableModel)]`: an `impl capp_schema::TableModel` that builds
//! the table with `capp_schema::Table`'s builder.

use proc_macro2::TokenStream;
use quote::quote;
use quote::quote_spanned;
use syn::spanned::Spanned;
use syn::{DeriveInput, LitStr};

use super::ast::{Column, Table};
use super::attr::{Action, ColumnDefault, TableConstraint};
use super::column_type::ColumnType;
use super::valid::Checked;

pub(crate) fn table_model(table: &Table<'_>, checked: &Checked<'_>) -> TokenStream {
    let ident = table.ident;
    let table_name = checked.name;
    let mut columns = Vec::new();
    let mut primary_key = Vec::new();
    let mut constraints = Vec::new();
    let mut renames = Vec::new();
    for (column, ty) in table.columns.iter().zip(&checked.column_types) {
        let name = column.name();
        columns.push(column_def(column, &name, ty));
        if column.attrs.primary_key {
            primary_key.push(name.clone());
        }
        constraints.push(column_constraints(column, &name, table_name));
        if let Some(old) = &column.attrs.renamed_from {
            renames.push(quote!((#old, #name)));
        }
    }
    // The table's `primary_key(...)` gives the key's order; the columns' flags, theirs.
    let primary_key = table.attrs.primary_key.clone().unwrap_or(primary_key);
    let pk = (!primary_key.is_empty()).then(|| match &table.attrs.primary_key_name {
        Some(key) => quote!(t.primary_key_named(#key, [#(#primary_key),*]);),
        None => quote!(t.primary_key([#(#primary_key),*]);),
    });
    let table_constraints = table.attrs.constraints.iter().map(table_constraint);
    let settings = table_settings(table);
    let registration = register(
        table.attrs.chain.as_ref(),
        quote! {
            ::capp_schema::__private::ModelRegistration {
                chain: ::core::any::TypeId::of::<__Chain>,
                model: ::capp_schema::__private::model_of::<#ident>,
            }
        },
    );
    quote! {
        #registration

        impl ::capp_schema::TableModel for #ident {
            fn table() -> ::capp_schema::Table {
                let mut t = ::capp_schema::Table::new(#table_name);
                #(#columns)*
                #pk
                #(#constraints)*
                #(#table_constraints)*
                #settings
                t
            }

            fn renamed_columns() -> &'static [(&'static str, &'static str)] {
                &[#(#renames),*]
            }
        }
    }
}

/// The `inventory` registration of a model or enum with its chain (`crate::Migrations` unless
/// the attribute names another), as `#[migration]` registers migrations.
pub(crate) fn register(chain: Option<&syn::Path>, registration: TokenStream) -> TokenStream {
    let chain = chain.map_or_else(|| quote!(crate::Migrations), |c| quote!(#c));
    quote! {
        const _: () = {
            #[allow(non_camel_case_types)]
            type __Chain = #chain;
            ::capp_schema::__private::inventory::submit! { #registration }
        };
    }
}

/// The table's comment, partitioning, logging, storage parameters and row-level security.
fn table_settings(table: &Table<'_>) -> TokenStream {
    let attrs = &table.attrs;
    let comment = attrs.comment.as_ref().map(|c| quote!(t.comment(#c);));
    let partition_by = attrs
        .partition_by
        .as_ref()
        .map(|by| quote!(t.partition_by(#by);));
    let partition_of = attrs
        .partition_of
        .as_ref()
        .map(|(parent, bound)| quote!(t.partition_of(#parent, #bound);));
    let unlogged = attrs.unlogged.then(|| quote!(t.unlogged();));
    let storage = attrs.storage.iter().map(|s| quote!(t.storage(#s);));
    let row_security = attrs.row_security.map(|variant| {
        let variant = proc_macro2::Ident::new(variant, proc_macro2::Span::call_site());
        quote!(t.row_security(::core::option::Option::Some(::capp_schema::RowSecurity::#variant));)
    });
    quote!(#comment #partition_by #partition_of #unlogged #(#storage)* #row_security)
}

/// `.deferrable(...)` for a `Deferral` variant.
fn deferral(variant: Option<&'static str>) -> Option<TokenStream> {
    variant.map(|variant| {
        let variant = proc_macro2::Ident::new(variant, proc_macro2::Span::call_site());
        quote!(.deferrable(::capp_schema::Deferral::#variant))
    })
}

/// `t.column(...)`, spanned on the field.
fn column_def(column: &Column<'_>, name: &LitStr, ty: &ColumnType<'_>) -> TokenStream {
    let span = column.original.span();
    let not_null = (!column.nullable).then(|| quote!(.not_null()));
    let default = column.attrs.default.as_ref().map(|default| match default {
        ColumnDefault::Sql(sql) => quote!(.default_sql(#sql)),
        ColumnDefault::Str(text) => quote!(.default_str(#text)),
    });
    let identity = column.attrs.identity.map(|variant| {
        let variant = proc_macro2::Ident::new(variant, span);
        quote!(.identity(::capp_schema::Identity::#variant))
    });
    let sequence = column
        .attrs
        .sequence
        .as_ref()
        .map(|s| quote!(.sequence(#s)));
    let generated = column
        .attrs
        .generated
        .as_ref()
        .map(|g| quote!(.generated(#g)));
    let statistics = column.attrs.statistics.map(|s| quote!(.statistics(#s)));
    let comment = column.attrs.comment.as_ref().map(|c| quote!(.comment(#c)));
    quote_spanned!(span=> t.column(#name, #ty) #not_null #default #identity #sequence #generated #statistics #comment;)
}

/// The column's own unique constraint, index and foreign key.
fn column_constraints(column: &Column<'_>, name: &LitStr, table_name: &LitStr) -> TokenStream {
    let attrs = &column.attrs;
    let unique = attrs
        .unique
        .as_ref()
        .map(|u| quote!(t.unique(#u, [#name]);));
    let index = attrs.index.as_ref().map(|i| quote!(t.index(#i, [#name]);));
    let foreign_key = attrs.references.as_ref().map(|r| {
        let fk_name = attrs.fk_name.clone().unwrap_or_else(|| {
            LitStr::new(
                &format!("fk_{}_{}", table_name.value(), name.value()),
                r.lit.span(),
            )
        });
        let (ref_table, ref_column) = (&r.table, &r.column);
        let on_delete = action(attrs.on_delete);
        let on_update = action(attrs.on_update);
        let deferrable = deferral(attrs.deferrable);
        quote! {
            t.foreign_key(#fk_name, [#name], #ref_table, [#ref_column]).on_delete(#on_delete).on_update(#on_update) #deferrable;
        }
    });
    quote!(#unique #index #foreign_key)
}

fn action(action: Option<Action>) -> TokenStream {
    let variant = action.unwrap_or(Action::DEFAULT).variant();
    quote!(::capp_schema::Action::#variant)
}

fn table_constraint(constraint: &TableConstraint) -> TokenStream {
    match constraint {
        TableConstraint::Check { name, expr } => quote!(t.check(#name, #expr);),
        TableConstraint::Index {
            name,
            columns,
            unique,
            predicate,
            method,
            expression,
            include,
            statistics,
        } => {
            let unique = unique.then(|| quote!(.unique()));
            let predicate = predicate.as_ref().map(|p| quote!(.predicate(#p)));
            let method = method.as_ref().map(|m| quote!(.method(#m)));
            let expression = expression.as_ref().map(|e| quote!(.expression(#e)));
            let include = (!include.is_empty()).then(|| quote!(.include([#(#include),*])));
            let statistics = statistics
                .iter()
                .map(|(column, target)| quote!(.statistics(#column, #target)));
            // An index of expressions only has no plain columns: `[]` alone would not infer.
            let columns = if columns.is_empty() {
                quote!(::core::iter::empty::<&str>())
            } else {
                quote!([#(#columns),*])
            };
            quote!(t.index(#name, #columns) #unique #method #expression #include #predicate #(#statistics)*;)
        }
        TableConstraint::Unique { name, columns } => quote!(t.unique(#name, [#(#columns),*]);),
        TableConstraint::ForeignKey {
            name,
            columns,
            references,
            ref_columns,
            on_delete,
            on_update,
            deferrable,
        } => {
            let (on_delete, on_update) = (action(*on_delete), action(*on_update));
            let deferrable = deferral(*deferrable);
            quote! {
                t.foreign_key(#name, [#(#columns),*], #references, [#(#ref_columns),*]).on_delete(#on_delete).on_update(#on_update) #deferrable;
            }
        }
    }
}

/// The errors, and an impl that is never run (the crate does not compile), so that uses of the
/// model do not add "`TableModel` is not implemented" errors to the real ones (thiserror's
/// `fallback.rs`).
pub(crate) fn fallback(input: &DeriveInput, errors: syn::Error) -> TokenStream {
    let errors = errors.into_compile_error();
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #errors
        impl #impl_generics ::capp_schema::TableModel for #ident #ty_generics #where_clause {
            fn table() -> ::capp_schema::Table {
                ::core::unreachable!()
            }
        }
    }
}
