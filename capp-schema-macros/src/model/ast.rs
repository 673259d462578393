//! The typed tree of a `#[derive(TableModel)]` struct: its attributes read, its fields as
//! columns, each keeping the syntax node it came from for spans.

use proc_macro2::Ident;
use syn::{Data, DataStruct, DeriveInput, Fields, GenericArgument, LitStr, PathArguments, Type};

use super::attr::{self, ColumnAttrs, TableAttrs};
use crate::ctxt::Ctxt;

pub(crate) struct Table<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) attrs: TableAttrs,
    /// The fields that are columns: all but the `#[column(skip)]` ones.
    pub(crate) columns: Vec<Column<'a>>,
}

pub(crate) struct Column<'a> {
    pub(crate) original: &'a syn::Field,
    pub(crate) ident: &'a Ident,
    /// The field's type without its `Option`.
    pub(crate) ty: &'a Type,
    /// Whether the field is an `Option`.
    pub(crate) nullable: bool,
    pub(crate) attrs: ColumnAttrs,
}

impl<'a> Table<'a> {
    /// `None` if the input is not a struct with named fields, which is reported.
    pub(crate) fn from_syn(cx: &Ctxt, input: &'a DeriveInput) -> Option<Table<'a>> {
        let Data::Struct(DataStruct {
            fields: Fields::Named(fields),
            ..
        }) = &input.data
        else {
            cx.error_spanned_by(&input.ident, "a table model is a struct with named fields");
            return None;
        };
        Some(Table {
            ident: &input.ident,
            attrs: attr::table(cx, &input.attrs),
            columns: fields
                .named
                .iter()
                .filter_map(|field| Column::from_syn(cx, field))
                .collect(),
        })
    }
}

impl<'a> Column<'a> {
    /// `None` for a skipped field, or one without a name (not in a struct with named fields).
    fn from_syn(cx: &Ctxt, field: &'a syn::Field) -> Option<Column<'a>> {
        let attrs = attr::column(cx, &field.attrs);
        if attrs.skip {
            return None;
        }
        let (ty, nullable) = unwrap_option(&field.ty);
        Some(Column {
            original: field,
            ident: field.ident.as_ref()?,
            ty,
            nullable,
            attrs,
        })
    }

    /// `#[column(name = "...")]`, or the field's name.
    pub(crate) fn name(&self) -> LitStr {
        self.attrs
            .name
            .clone()
            .unwrap_or_else(|| LitStr::new(&self.ident.to_string(), self.ident.span()))
    }
}

/// `Option<T>` gives `(T, true)`.
fn unwrap_option(ty: &Type) -> (&Type, bool) {
    if let Type::Path(p) = ty
        && let Some(last) = p.path.segments.last()
        && last.ident == "Option"
        && let PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(GenericArgument::Type(inner)) = args.args.first()
    {
        return (inner, true);
    }
    (ty, false)
}
