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

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    Data, DeriveInput, Expr, ExprLit, Fields, GenericArgument, Lit, LitStr, PathArguments, Type,
};

use crate::ctxt::Ctxt;

#[derive(Default)]
struct ColumnAttrs {
    name: Option<LitStr>,
    primary_key: bool,
    max_length: Option<u32>,
    precision: Option<u8>,
    scale: Option<u8>,
    sql_type: Option<LitStr>,
    enum_type: Option<LitStr>,
    pg_enum: bool,
    default: Option<LitStr>,
    default_str: Option<LitStr>,
    unique: Option<LitStr>,
    index: Option<LitStr>,
    references: Option<LitStr>,
    fk_name: Option<LitStr>,
    on_delete: Option<LitStr>,
    on_update: Option<LitStr>,
    renamed_from: Option<LitStr>,
    skip: bool,
}

fn int<T: std::str::FromStr<Err: std::fmt::Display>>(expr: &Expr) -> syn::Result<T> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse(),
        other => Err(syn::Error::new_spanned(other, "expected an integer")),
    }
}

fn string(expr: Expr) -> syn::Result<LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(s),
        other => Err(syn::Error::new_spanned(other, "expected a string literal")),
    }
}

fn parse_column(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> ColumnAttrs {
    let mut c = ColumnAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("column")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            match key.as_str() {
                "primary_key" => c.primary_key = true,
                "pg_enum" => c.pg_enum = true,
                "skip" => c.skip = true,
                _ => {
                    let value: Expr = meta.value()?.parse()?;
                    match key.as_str() {
                        "name" => c.name = Some(string(value)?),
                        "max_length" => c.max_length = Some(int(&value)?),
                        "precision" => c.precision = Some(int(&value)?),
                        "scale" => c.scale = Some(int(&value)?),
                        "sql_type" => c.sql_type = Some(string(value)?),
                        "enum_type" => c.enum_type = Some(string(value)?),
                        "default" => c.default = Some(string(value)?),
                        "default_str" => c.default_str = Some(string(value)?),
                        "unique" => c.unique = Some(string(value)?),
                        "index" => c.index = Some(string(value)?),
                        "references" => c.references = Some(string(value)?),
                        "fk_name" => c.fk_name = Some(string(value)?),
                        "on_delete" => c.on_delete = Some(string(value)?),
                        "on_update" => c.on_update = Some(string(value)?),
                        "renamed_from" => c.renamed_from = Some(string(value)?),
                        _ => {
                            return Err(meta.error(format!(
                                "unknown key `{key}`; expected one of `name`, `primary_key`, `max_length`, `precision`, `scale`, `sql_type`, `enum_type`, `pg_enum`, `default`, `default_str`, `unique`, `index`, `references`, `fk_name`, `on_delete`, `on_update`, `renamed_from`, `skip`"
                            )));
                        }
                    }
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.push(e);
        }
    }
    c
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

fn last_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn is_bytes(ty: &Type) -> bool {
    ty.to_token_stream().to_string().replace(' ', "") == "Vec<u8>"
}

fn column_type(cx: &mut Ctxt, ty: &Type, c: &ColumnAttrs) -> TokenStream {
    let ct = quote!(::capp_schema::ColumnType);
    if c.pg_enum {
        // The field's type is a `#[derive(PgEnum)]` enum: its name comes from the trait.
        return quote!(#ct::Enum(::std::string::String::from(<#ty as ::capp_schema::PgEnum>::NAME)));
    }
    if let Some(enum_type) = &c.enum_type {
        return quote!(#ct::Enum(::std::string::String::from(#enum_type)));
    }
    if let Some(sql) = &c.sql_type {
        return quote!(#ct::Other(::std::string::String::from(#sql)));
    }
    if is_bytes(ty) {
        return quote!(#ct::Bytes);
    }
    match last_ident(ty).as_deref() {
        Some("String") => match c.max_length {
            Some(n) => quote!(#ct::Varchar(#n)),
            None => quote!(#ct::Text),
        },
        Some("i16") => quote!(#ct::SmallInt),
        Some("i32") => quote!(#ct::Integer),
        Some("i64") => quote!(#ct::BigInt),
        Some("bool") => quote!(#ct::Boolean),
        Some("f64") => quote!(#ct::Double),
        Some("Uuid") => quote!(#ct::Uuid),
        Some("NaiveDate") => quote!(#ct::Date),
        Some("DateTime") => quote!(#ct::TimestampTz),
        Some("Value" | "JsonValue") => quote!(#ct::Jsonb),
        Some("Decimal") => match (c.precision, c.scale) {
            (Some(p), Some(s)) => quote!(#ct::Numeric { precision: #p, scale: #s }),
            _ => {
                cx.error_spanned_by(
                    ty,
                    "a Decimal column needs `#[column(precision = 20, scale = 8)]`",
                );
                quote!(#ct::Text)
            }
        },
        _ => {
            cx.error_spanned_by(
                ty,
                "no column type is known for this Rust type; give one with `#[column(sql_type = \"...\")]`, `#[column(enum_type = \"...\")]`, or `#[column(pg_enum)]` for a `#[derive(PgEnum)]` enum",
            );
            quote!(#ct::Text)
        }
    }
}

fn action(cx: &mut Ctxt, lit: &Option<LitStr>) -> TokenStream {
    let a = quote!(::capp_schema::Action);
    match lit
        .as_ref()
        .map(|l| (l, l.value().to_ascii_lowercase().replace('_', " ")))
    {
        None => quote!(#a::NoAction),
        Some((_, v)) if v == "no action" => quote!(#a::NoAction),
        Some((_, v)) if v == "restrict" => quote!(#a::Restrict),
        Some((_, v)) if v == "cascade" => quote!(#a::Cascade),
        Some((_, v)) if v == "set null" => quote!(#a::SetNull),
        Some((_, v)) if v == "set default" => quote!(#a::SetDefault),
        Some((l, _)) => {
            cx.error_spanned_by(l, "expected \"no action\", \"restrict\", \"cascade\", \"set null\" or \"set default\"");
            quote!(#a::NoAction)
        }
    }
}

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => input,
        Err(e) => return e.into_compile_error(),
    };
    let mut cx = Ctxt::default();
    let ident = &input.ident;
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => named.named.iter().collect::<Vec<_>>(),
            _ => {
                return syn::Error::new_spanned(
                    ident,
                    "a table model is a struct with named fields",
                )
                .into_compile_error();
            }
        },
        _ => {
            return syn::Error::new_spanned(ident, "a table model is a struct with named fields")
                .into_compile_error();
        }
    };
    let mut table_name: Option<LitStr> = None;
    let mut table_items = Vec::new();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("table")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("name") {
                table_name = Some(string(meta.value()?.parse()?)?);
            } else if meta.path.is_ident("check") {
                let (mut name, mut expr) = (None, None);
                meta.parse_nested_meta(|m| {
                    if m.path.is_ident("name") {
                        name = Some(string(m.value()?.parse()?)?);
                    } else if m.path.is_ident("expr") {
                        expr = Some(string(m.value()?.parse()?)?);
                    } else {
                        return Err(m.error("expected `name` or `expr`"));
                    }
                    Ok(())
                })?;
                match (name, expr) {
                    (Some(n), Some(e)) => table_items.push(quote!(t.check(#n, #e);)),
                    _ => {
                        return Err(
                            meta.error("a check needs `check(name = \"...\", expr = \"...\")`")
                        );
                    }
                }
            } else if meta.path.is_ident("index") || meta.path.is_ident("unique") {
                let is_index = meta.path.is_ident("index");
                let (mut name, mut columns, mut unique, mut predicate) =
                    (None, Vec::<LitStr>::new(), false, None);
                meta.parse_nested_meta(|m| {
                    if m.path.is_ident("name") {
                        name = Some(string(m.value()?.parse()?)?);
                    } else if m.path.is_ident("columns") {
                        m.parse_nested_meta(|c| {
                            columns.push(LitStr::new(
                                &c.path
                                    .get_ident()
                                    .map(ToString::to_string)
                                    .unwrap_or_default(),
                                c.path.span(),
                            ));
                            Ok(())
                        })?;
                    } else if m.path.is_ident("unique") {
                        unique = true;
                    } else if m.path.is_ident("predicate") {
                        predicate = Some(string(m.value()?.parse()?)?);
                    } else {
                        return Err(
                            m.error("expected `name`, `columns(...)`, `unique` or `predicate`")
                        );
                    }
                    Ok(())
                })?;
                let Some(name) = name else {
                    return Err(meta.error("give the constraint a `name = \"...\"`"));
                };
                if is_index {
                    let unique = unique.then(|| quote!(.unique()));
                    let predicate = predicate.map(|p| quote!(.predicate(#p)));
                    table_items.push(quote!(t.index(#name, [#(#columns),*]) #unique #predicate;));
                } else {
                    table_items.push(quote!(t.unique(#name, [#(#columns),*]);));
                }
            } else {
                return Err(
                    meta.error("expected `name`, `check(...)`, `index(...)` or `unique(...)`")
                );
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.push(e);
        }
    }
    let Some(table_name) = table_name else {
        return syn::Error::new_spanned(ident, "name the table: `#[table(name = \"users\")]`")
            .into_compile_error();
    };
    let mut columns = Vec::new();
    let mut primary_key = Vec::new();
    let mut constraints = Vec::new();
    let mut renames = Vec::new();
    for field in fields {
        let c = parse_column(&mut cx, &field.attrs);
        if c.skip {
            continue;
        }
        let field_ident = field.ident.as_ref().expect("named fields");
        let name = c
            .name
            .clone()
            .unwrap_or_else(|| LitStr::new(&field_ident.to_string(), field_ident.span()));
        let (inner, nullable) = unwrap_option(&field.ty);
        let ty = column_type(&mut cx, inner, &c);
        let span = field.span();
        let not_null = (!nullable).then(|| quote!(.not_null()));
        let default = match (&c.default, &c.default_str) {
            (Some(d), None) => Some(quote!(.default_sql(#d))),
            (None, Some(d)) => Some(quote!(.default_str(#d))),
            (Some(d), Some(_)) => {
                cx.error_spanned_by(
                    d,
                    "give either `default` (SQL) or `default_str` (a text value), not both",
                );
                None
            }
            (None, None) => None,
        };
        columns.push(quote_spanned!(span=> t.column(#name, #ty) #not_null #default;));
        if c.primary_key {
            primary_key.push(name.clone());
        }
        if let Some(u) = &c.unique {
            constraints.push(quote!(t.unique(#u, [#name]);));
        }
        if let Some(i) = &c.index {
            constraints.push(quote!(t.index(#i, [#name]);));
        }
        if let Some(r) = &c.references {
            let Some((ref_table, ref_column)) = r
                .value()
                .split_once('.')
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
            else {
                cx.error_spanned_by(r, "expected `references = \"table.column\"`");
                continue;
            };
            let fk_name = c.fk_name.clone().unwrap_or_else(|| {
                LitStr::new(
                    &format!("fk_{}_{}", table_name.value(), name.value()),
                    r.span(),
                )
            });
            let on_delete = action(&mut cx, &c.on_delete);
            let on_update = action(&mut cx, &c.on_update);
            constraints.push(quote! {
                t.foreign_key(#fk_name, [#name], #ref_table, [#ref_column]).on_delete(#on_delete).on_update(#on_update);
            });
        }
        if let Some(old) = &c.renamed_from {
            renames.push(quote!((#old, #name)));
        }
    }
    if let Err(errors) = cx.check() {
        return errors.into_compile_error();
    }
    let pk = (!primary_key.is_empty()).then(|| quote!(t.primary_key([#(#primary_key),*]);));
    quote! {
        impl ::capp_schema::TableModel for #ident {
            fn table() -> ::capp_schema::Table {
                let mut t = ::capp_schema::Table::new(#table_name);
                #(#columns)*
                #pk
                #(#constraints)*
                #(#table_items)*
                t
            }

            fn renamed_columns() -> &'static [(&'static str, &'static str)] {
                &[#(#renames),*]
            }
        }
    }
}

/// `#[derive(PgEnum)]`: a Rust enum as a PostgreSQL enum type. Values are the variant names in
/// snake_case unless renamed with `#[pg_enum(rename = "...")]`; the type's name is
/// `#[pg_enum(name = "...")]`, or the enum's name in snake_case.
pub(crate) fn derive_pg_enum(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => input,
        Err(e) => return e.into_compile_error(),
    };
    let ident = &input.ident;
    let Data::Enum(data) = &input.data else {
        return syn::Error::new_spanned(ident, "`PgEnum` is derived for enums with unit variants")
            .into_compile_error();
    };
    let mut cx = Ctxt::default();
    let rename = |cx: &mut Ctxt, attrs: &[syn::Attribute], key: &str| -> Option<LitStr> {
        let mut found = None;
        for attr in attrs.iter().filter(|a| a.path().is_ident("pg_enum")) {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident(key) {
                    found = Some(string(meta.value()?.parse()?)?);
                    Ok(())
                } else {
                    Err(meta.error(format!("expected `{key} = \"...\"`")))
                }
            });
            if let Err(e) = result {
                cx.push(e);
            }
        }
        found
    };
    let name = rename(&mut cx, &input.attrs, "name")
        .map_or_else(|| snake_case(&ident.to_string()), |l| l.value());
    let mut values = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(&variant.fields, "a PostgreSQL enum value has no fields");
        }
        let value = rename(&mut cx, &variant.attrs, "rename")
            .map_or_else(|| snake_case(&variant.ident.to_string()), |l| l.value());
        values.push(value);
    }
    if let Err(errors) = cx.check() {
        return errors.into_compile_error();
    }
    quote! {
        impl ::capp_schema::PgEnum for #ident {
            const NAME: &'static str = #name;
            const VALUES: &'static [&'static str] = &[#(#values),*];
        }
    }
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
