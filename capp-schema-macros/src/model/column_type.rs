//! The one mapping of Rust types to `capp_schema::ColumnType` in this crate.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote};
use syn::{LitStr, Type};

use super::ast::Column;

/// Column types given by the last segment of the field's type alone, such as `chrono::DateTime`.
const BY_TYPE_NAME: [(&str, &str); 15] = [
    ("i16", "SmallInt"),
    ("i32", "Integer"),
    ("i64", "BigInt"),
    ("bool", "Boolean"),
    ("f32", "Real"),
    ("f64", "Double"),
    ("Uuid", "Uuid"),
    ("NaiveDate", "Date"),
    ("DateTime", "TimestampTz"),
    ("NaiveDateTime", "Timestamp"),
    ("NaiveTime", "Time"),
    ("IpAddr", "Inet"),
    ("PgInterval", "Interval"),
    ("Value", "Jsonb"),
    ("JsonValue", "Jsonb"),
];

/// A column's type, as the generated code names a `capp_schema::ColumnType`.
pub(crate) enum ColumnType<'a> {
    /// A variant without data, such as `BigInt`.
    Plain(&'static str),
    Varchar(u32),
    Numeric {
        precision: u8,
        scale: u8,
    },
    /// `#[column(pg_enum)]`: the enum's name comes from the field type's `PgEnum` impl.
    PgEnum(&'a Type),
    /// `#[column(enum_type = "...")]`.
    Enum(&'a LitStr),
    /// `#[column(sql_type = "...")]`.
    Other(&'a LitStr),
}

/// Why a column has no type.
pub(crate) enum Unmapped {
    DecimalWithoutScale,
    Unknown,
}

impl Unmapped {
    pub(crate) fn message(&self) -> &'static str {
        match self {
            Unmapped::DecimalWithoutScale => {
                "a Decimal column needs `#[column(precision = 20, scale = 8)]`"
            }
            Unmapped::Unknown => {
                "no column type is known for this Rust type; give one with `#[column(sql_type = \"...\")]`, `#[column(enum_type = \"...\")]`, or `#[column(pg_enum)]` for a `#[derive(PgEnum)]` enum"
            }
        }
    }
}

impl Column<'_> {
    /// The attributes' type if they give one, else the one of the field's Rust type.
    pub(crate) fn column_type(&self) -> Result<ColumnType<'_>, Unmapped> {
        let attrs = &self.attrs;
        if attrs.pg_enum {
            return Ok(ColumnType::PgEnum(self.ty));
        }
        if let Some(name) = &attrs.enum_type {
            return Ok(ColumnType::Enum(name));
        }
        if let Some(sql) = &attrs.sql_type {
            return Ok(ColumnType::Other(sql));
        }
        if is_bytes(self.ty) {
            return Ok(ColumnType::Plain("Bytes"));
        }
        let type_name = last_ident(self.ty);
        match type_name.as_deref() {
            Some("String") => Ok(match attrs.max_length {
                Some(n) => ColumnType::Varchar(n),
                None => ColumnType::Plain("Text"),
            }),
            Some("Decimal") => match (attrs.precision, attrs.scale) {
                (Some(precision), Some(scale)) => Ok(ColumnType::Numeric { precision, scale }),
                _ => Err(Unmapped::DecimalWithoutScale),
            },
            name => BY_TYPE_NAME
                .iter()
                .find(|(rust, _)| Some(*rust) == name)
                .map(|(_, variant)| ColumnType::Plain(variant))
                .ok_or(Unmapped::Unknown),
        }
    }
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

impl ToTokens for ColumnType<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ct = quote!(::capp_schema::ColumnType);
        tokens.extend(match self {
            ColumnType::Plain(variant) => {
                let variant = Ident::new(variant, Span::call_site());
                quote!(#ct::#variant)
            }
            ColumnType::Varchar(n) => quote!(#ct::Varchar(#n)),
            ColumnType::Numeric { precision, scale } => {
                quote!(#ct::Numeric { precision: #precision, scale: #scale })
            }
            ColumnType::PgEnum(ty) => {
                quote!(#ct::Enum(::std::string::String::from(<#ty as ::capp_schema::PgEnum>::NAME)))
            }
            ColumnType::Enum(name) => quote!(#ct::Enum(::std::string::String::from(#name))),
            // Read as the database spells types, so `integer[]` is an array of integers.
            ColumnType::Other(sql) => {
                quote!(#ct::from_sql(#sql, &::std::collections::BTreeMap::new()))
            }
        });
    }
}
