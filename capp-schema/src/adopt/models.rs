//! The table models of an adopted schema: a `#[derive(TableModel)]` struct per table and a
//! `#[derive(PgEnum)]` enum per enum type, as an application reads and writes its rows.
//!
//! The model attributes describe columns, keys, single-column foreign keys, uniques, indexes
//! and checks. What they cannot say (comments, generated columns, composite or deferrable
//! foreign keys, a primary key whose order is not the columns', partitions, row-level security)
//! is listed at the top of the file; the models are then not handed to `check` and
//! `revision --autogenerate`, which would otherwise take the difference for a change to make.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::schema::{Action, ColumnType, Identity, Index, Schema, Table};

/// The models file, and whether the models say everything the schema's tables hold.
pub fn models_file(schema: &Schema) -> (String, bool) {
    let mut missing: Vec<String> = Vec::new();
    // A first pass finds what the models cannot say.
    let tables = || schema.tables.values().filter(|t| t.partition_of.is_none());
    for table in tables() {
        table_model(table, &enum_names(schema), &quote!(), &mut missing);
    }
    for table in schema.tables.values().filter(|t| t.partition_of.is_some()) {
        missing.push(format!(
            "table {} is a partition (kept in the migrations only)",
            table.name
        ));
    }
    // Incomplete models are their own chain's, so that `check` and autogenerate, which take a
    // chain's models, do not compare them with the history.
    let complete = missing.is_empty();
    let chain = if complete {
        quote!(crate::Migrations)
    } else {
        quote!(Unchecked)
    };
    let enums = schema.enums.iter().map(|(name, values)| {
        let enum_ident = ident(&camel(name));
        let variants = unique_idents(values.iter().map(|v| camel(v)));
        let variants = variants.iter().zip(values).map(|(v, value)| {
            let v = ident(v);
            quote!(#[pg_enum(rename = #value)] #v,)
        });
        quote! {
            #[doc = concat!("The enum type `", #name, "`.")]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, PgEnum)]
            #[pg_enum(name = #name, chain = #chain)]
            pub enum #enum_ident { #(#variants)* }
        }
    });
    let enum_names = enum_names(schema);
    let structs: Vec<TokenStream> = tables()
        .map(|t| table_model(t, &enum_names, &chain, &mut Vec::new()))
        .collect();
    let mut header = vec![
        "The tables of the database as Rust structs, and its enum types as Rust enums.".to_owned(),
        String::new(),
        "Written by `capp-schema adopt`.".to_owned(),
    ];
    if !complete {
        header.push(String::new());
        header.push("NOTE: the models cannot say everything these tables hold, so they are declared for the chain `Unchecked`, not `crate::Migrations`: `check` and `revision --autogenerate` do not compare them with the history (they would take the difference for a change to make). Not in the models:".to_owned());
        header.extend(missing.iter().map(|m| format!("- {m}")));
    }
    let pg_enum = (!schema.enums.is_empty()).then(|| quote!(PgEnum,));
    let unchecked = (!complete).then(|| {
        quote! {
            /// The chain these models are declared for while they are incomplete (see above).
            #[derive(Debug)]
            pub struct Unchecked;
        }
    });
    let header = header.iter().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#![doc = #line])
    });
    let file = quote! {
        #(#header)*
        #![allow(dead_code)]

        use capp_schema::{Models, #pg_enum TableModel};

        #unchecked
        #(#enums)*
        #(#structs)*

        /// Every model: the schema the history must build.
        pub fn all() -> Models {
            Models::of::<#chain>()
        }
    };
    let text = match syn::parse2::<syn::File>(file) {
        Ok(parsed) => prettyplease::unparse(&parsed),
        Err(e) => unreachable!("generated code always parses: {e}"),
    };
    (
        text.replace("\n#[derive", "\n\n#[derive")
            .replace("\n///", "\n\n///")
            .replace("\n\n\n", "\n\n"),
        complete,
    )
}

/// One table's struct.
fn table_model(
    table: &Table,
    enum_names: &[String],
    chain: &TokenStream,
    missing: &mut Vec<String>,
) -> TokenStream {
    let t = &table.name;
    let mut say = |what: String| missing.push(format!("{what} ({t})"));
    if table.comment.is_some() || table.columns.iter().any(|c| c.comment.is_some()) {
        say("comments".to_owned());
    }
    if table.row_security.is_some() {
        say("row-level security".to_owned());
    }
    if table.unlogged || !table.storage.is_empty() {
        say("UNLOGGED and storage parameters".to_owned());
    }
    if table.partition_by.is_some() {
        say("the partition key".to_owned());
    }
    let in_order: Vec<&String> = table
        .columns
        .iter()
        .map(|c| &c.name)
        .filter(|c| table.primary_key.contains(c))
        .collect();
    if in_order.iter().copied().ne(table.primary_key.iter()) {
        say(format!(
            "the primary key's order ({})",
            table.primary_key.join(", ")
        ));
    }
    let single_fks: Vec<_> = table
        .foreign_keys
        .iter()
        .filter(|fk| {
            let simple = fk.columns.len() == 1 && fk.deferrable.is_none();
            if !simple {
                say(format!("foreign key {}", fk.name));
            }
            simple
        })
        .collect();
    let mut table_level = Vec::new();
    for check in &table.checks {
        let (name, expr) = (&check.name, &check.expr);
        let expr = expr.strip_prefix("CHECK ").map_or(expr.as_str(), str::trim);
        table_level.push(quote!(check(name = #name, expr = #expr)));
    }
    let listed = |columns: &[String], say: &mut dyn FnMut(String), what: &str| {
        if columns.iter().all(|c| plain_ident(c)) {
            let idents = columns.iter().map(|c| ident(c));
            Some(quote!(#(#idents),*))
        } else {
            say(format!(
                "{what}: a column whose name is not a Rust identifier"
            ));
            None
        }
    };
    for unique in table.uniques.iter().filter(|u| u.columns.len() > 1) {
        if let Some(columns) = listed(&unique.columns, &mut say, &unique.name) {
            let name = &unique.name;
            table_level.push(quote!(unique(name = #name, columns(#columns))));
        }
    }
    for index in table.indexes.iter().filter(|i| !column_index(i)) {
        if let Some(tokens) = index_tokens(index, &mut say, &listed) {
            table_level.push(tokens);
        }
    }
    let fields = table.columns.iter().map(|c| {
        let mut keys: Vec<TokenStream> = Vec::new();
        let field = field_name(&c.name);
        if field != c.name {
            let name = &c.name;
            keys.push(quote!(name = #name));
        }
        if table.primary_key.contains(&c.name) {
            keys.push(quote!(primary_key));
        }
        let (rust, type_keys) = rust_type(&c.ty, enum_names, &mut say);
        keys.extend(type_keys);
        if let Some(identity) = c.identity {
            let identity = match identity {
                Identity::Always => "always",
                Identity::ByDefault => "by default",
                Identity::Serial => "serial",
            };
            keys.push(quote!(identity = #identity));
        }
        if let Some(default) = &c.default {
            keys.push(quote!(default = #default));
        }
        if c.generated.is_some() {
            say(format!("generated column {}", c.name));
        }
        if c.sequence.is_some() {
            say(format!("the sequence options of column {}", c.name));
        }
        if let Some(u) = table.uniques.iter().find(|u| u.columns == [c.name.clone()]) {
            let name = &u.name;
            keys.push(quote!(unique = #name));
        }
        if let Some(i) = table
            .indexes
            .iter()
            .find(|i| column_index(i) && i.columns == [c.name.clone()])
        {
            let name = &i.name;
            keys.push(quote!(index = #name));
        }
        if let Some(fk) = single_fks.iter().find(|fk| fk.columns == [c.name.clone()]) {
            let references = format!("{}.{}", fk.ref_table, fk.ref_columns.join(""));
            let name = &fk.name;
            keys.push(quote!(references = #references, fk_name = #name));
            if fk.on_delete != Action::NoAction {
                let a = action(fk.on_delete);
                keys.push(quote!(on_delete = #a));
            }
            if fk.on_update != Action::NoAction {
                let a = action(fk.on_update);
                keys.push(quote!(on_update = #a));
            }
        }
        let rust = if c.nullable {
            quote!(Option<#rust>)
        } else {
            rust
        };
        let field = ident(&field);
        let attr = (!keys.is_empty()).then(|| quote!(#[column(#(#keys),*)]));
        quote!(#attr pub #field: #rust,)
    });
    let mut struct_name = camel(t);
    if enum_names.contains(&struct_name) {
        struct_name.push_str("Row");
    }
    let struct_ident = ident(&struct_name);
    let doc = format!("A row of `{t}`.");
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, TableModel)]
        #[table(name = #t, chain = #chain #(, #table_level)*)]
        pub struct #struct_ident { #(#fields)* }
    }
}

/// The Rust names of the schema's enum types.
fn enum_names(schema: &Schema) -> Vec<String> {
    schema.enums.keys().map(|n| camel(n)).collect()
}

/// An index a column's own `index = "..."` says: one plain column, nothing else.
fn column_index(i: &Index) -> bool {
    i.columns.len() == 1
        && !i.unique
        && i.predicate.is_none()
        && i.method.is_none()
        && i.expression.is_none()
        && i.include.is_empty()
}

fn index_tokens(
    index: &Index,
    say: &mut dyn FnMut(String),
    listed: &dyn Fn(&[String], &mut dyn FnMut(String), &str) -> Option<TokenStream>,
) -> Option<TokenStream> {
    let name = &index.name;
    let mut keys = vec![quote!(name = #name)];
    if !index.columns.is_empty() {
        let columns = listed(&index.columns, say, name)?;
        keys.push(quote!(columns(#columns)));
    }
    if index.unique {
        keys.push(quote!(unique));
    }
    if let Some(method) = &index.method {
        keys.push(quote!(method = #method));
    }
    if let Some(expression) = &index.expression {
        keys.push(quote!(expression = #expression));
    }
    if !index.include.is_empty() {
        let include = listed(&index.include, say, name)?;
        keys.push(quote!(include(#include)));
    }
    if let Some(predicate) = &index.predicate {
        keys.push(quote!(predicate = #predicate));
    }
    Some(quote!(index(#(#keys),*)))
}

/// The Rust type of a column type, and the attribute keys that complete it.
fn rust_type(
    ty: &ColumnType,
    enum_names: &[String],
    say: &mut dyn FnMut(String),
) -> (TokenStream, Vec<TokenStream>) {
    let sql = |ty: &ColumnType| {
        let spelled = ty.sql_name();
        quote!(sql_type = #spelled)
    };
    match ty {
        ColumnType::SmallInt => (quote!(i16), vec![]),
        ColumnType::Integer => (quote!(i32), vec![]),
        ColumnType::BigInt => (quote!(i64), vec![]),
        ColumnType::Real => (quote!(f32), vec![]),
        ColumnType::Double => (quote!(f64), vec![]),
        ColumnType::Boolean => (quote!(bool), vec![]),
        ColumnType::Text => (quote!(String), vec![]),
        ColumnType::Varchar(n) => {
            let n = proc_macro2::Literal::u32_unsuffixed(*n);
            (quote!(String), vec![quote!(max_length = #n)])
        }
        ColumnType::Numeric { precision, scale } => {
            let (p, s) = (
                proc_macro2::Literal::u8_unsuffixed(*precision),
                proc_macro2::Literal::u8_unsuffixed(*scale),
            );
            (
                quote!(rust_decimal::Decimal),
                vec![quote!(precision = #p, scale = #s)],
            )
        }
        ColumnType::NumericUnbounded => (quote!(rust_decimal::Decimal), vec![sql(ty)]),
        ColumnType::Uuid => (quote!(uuid::Uuid), vec![]),
        ColumnType::Date => (quote!(chrono::NaiveDate), vec![]),
        ColumnType::TimestampTz => (quote!(chrono::DateTime<chrono::Utc>), vec![]),
        ColumnType::Timestamp => (quote!(chrono::NaiveDateTime), vec![]),
        ColumnType::Time => (quote!(chrono::NaiveTime), vec![]),
        ColumnType::Interval => (
            quote!(capp_schema::sqlx::postgres::types::PgInterval),
            vec![],
        ),
        ColumnType::Jsonb => (quote!(serde_json::Value), vec![]),
        ColumnType::Json => (quote!(serde_json::Value), vec![sql(ty)]),
        ColumnType::Inet => (quote!(std::net::IpAddr), vec![]),
        ColumnType::Bytes => (quote!(Vec<u8>), vec![]),
        ColumnType::Enum(name) => {
            let mut rust = camel(name);
            if !enum_names.contains(&rust) {
                rust = "String".to_owned();
            }
            let rust = ident(&rust);
            (quote!(#rust), vec![quote!(pg_enum)])
        }
        ColumnType::Array(element) => {
            if matches!(**element, ColumnType::Enum(_)) {
                say(format!("an array of enum values ({})", ty.sql_name()));
            }
            let (inner, _) = rust_type(element, enum_names, say);
            (quote!(Vec<#inner>), vec![sql(ty)])
        }
        ColumnType::Char(_) | ColumnType::Other(_) => (quote!(String), vec![sql(ty)]),
    }
}

fn action(a: Action) -> &'static str {
    match a {
        Action::NoAction => "no action",
        Action::Restrict => "restrict",
        Action::Cascade => "cascade",
        Action::SetNull => "set null",
        Action::SetDefault => "set default",
    }
}

/// `film_actor` is `FilmActor`; `PG-13` is `Pg13`; a name that starts with a digit gets a `V`.
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c.to_ascii_lowercase());
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// Names made distinct by a number where two are alike.
fn unique_idents(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let mut candidate = name.clone();
        let mut n = 2;
        while out.contains(&candidate) {
            candidate = format!("{name}{n}");
            n += 1;
        }
        out.push(candidate);
    }
    out
}

const KEYWORDS: [&str; 51] = [
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// A column name that is a Rust identifier as it is.
fn plain_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !KEYWORDS.contains(&name)
        && name != "gen"
        && name != "_"
}

/// The field for a column: its name if that is an identifier, else a snake-case form (the
/// column then names itself with `name = "..."`).
fn field_name(column: &str) -> String {
    if plain_ident(column) {
        return column.to_owned();
    }
    let mut out: String = column
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') || !plain_ident(&out) {
        out.insert_str(0, "col_");
    }
    out
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}
