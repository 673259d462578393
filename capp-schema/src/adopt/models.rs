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

use crate::objects::RowSecurity;
use crate::schema::{Action, ColumnType, Deferral, Identity, Index, Schema, Table};

/// The models file: every table (a partition as a struct without fields) and enum type.
pub fn models_file(schema: &Schema) -> String {
    let chain = quote!(crate::Migrations);
    let enums = schema.enums.iter().map(|(name, values)| {
        let enum_ident = ident(&camel(name));
        let doc = format!(" The enum type `{name}`.");
        let variants = unique_idents(values.iter().map(|v| camel(v)));
        let variants = variants.iter().zip(values).map(|(v, value)| {
            let v = ident(v);
            quote!(#[pg_enum(rename = #value)] #v,)
        });
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, PgEnum)]
            #[pg_enum(name = #name, chain = #chain)]
            pub enum #enum_ident { #(#variants)* }
        }
    });
    let enum_names = enum_names(schema);
    let structs: Vec<TokenStream> = schema
        .tables
        .values()
        .map(|t| table_model(t, &enum_names, &chain))
        .collect();
    let header = [
        "The tables of the database as Rust structs, and its enum types as Rust enums.".to_owned(),
        String::new(),
        "Written by `capp-schema adopt`. Named SQL objects (views, functions, triggers, ...) are not models: they live in the migrations.".to_owned(),
    ];
    let pg_enum = (!schema.enums.is_empty()).then(|| quote!(PgEnum,));
    let extensions = schema.extensions.iter();
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

        #(#enums)*
        #(#structs)*

        /// Every model, and the extensions the schema uses: what the history must build.
        pub fn all() -> Models {
            Models::of::<#chain>() #(.extension(#extensions))*
        }
    };
    let text = match syn::parse2::<syn::File>(file) {
        Ok(parsed) => prettyplease::unparse(&parsed),
        Err(e) => unreachable!("generated code always parses: {e}"),
    };
    // A blank line between items, and after the header, as a person writes them.
    text.replace("}\n///", "}\n\n///")
        .replace("#![allow(dead_code)]\n", "#![allow(dead_code)]\n\n")
        .replace("TableModel};\n", "TableModel};\n\n")
}

/// One table's struct (a partition's has no fields: its columns are its parent's).
fn table_model(table: &Table, enum_names: &[String], chain: &TokenStream) -> TokenStream {
    let t = &table.name;
    let mut table_level = table_settings(table);
    // The key's order is the columns' unless the table says otherwise.
    let in_order: Vec<&String> = table
        .columns
        .iter()
        .map(|c| &c.name)
        .filter(|c| table.primary_key.contains(c))
        .collect();
    let key_on_table = in_order.iter().copied().ne(table.primary_key.iter());
    if key_on_table {
        let columns = names(&table.primary_key);
        table_level.push(quote!(primary_key(#columns)));
    }
    if let Some(key) = &table.primary_key_name
        && !table.primary_key.is_empty()
    {
        table_level.push(quote!(primary_key_name = #key));
    }
    for fk in table
        .foreign_keys
        .iter()
        .filter(|fk| !foreign_key_on_column(table, fk))
    {
        table_level.push(foreign_key_tokens(fk));
    }
    for check in &table.checks {
        let (name, expr) = (&check.name, &check.expr);
        table_level.push(quote!(check(name = #name, expr = #expr)));
    }
    for unique in table
        .uniques
        .iter()
        .filter(|u| !on_a_column(table, &u.columns))
    {
        let (name, columns) = (&unique.name, names(&unique.columns));
        table_level.push(quote!(unique(name = #name, columns(#columns))));
    }
    for index in table.indexes.iter().filter(|i| !index_on_column(table, i)) {
        table_level.push(index_tokens(index));
    }
    let fields = table
        .columns
        .iter()
        .map(|c| field_tokens(table, c, enum_names, key_on_table));
    let mut struct_name = camel(t);
    if enum_names.contains(&struct_name) {
        struct_name.push_str("Row");
    }
    let struct_ident = ident(&struct_name);
    let doc = if table.partition_of.is_some() {
        format!(" The partition `{t}`: its rows are its parent's.")
    } else {
        format!(" A row of `{t}`.")
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, TableModel)]
        #[table(name = #t, chain = #chain #(, #table_level)*)]
        pub struct #struct_ident { #(#fields)* }
    }
}

/// Whether `columns` are one of the struct's fields: a foreign key, unique constraint or plain
/// index over it is said on the field; others (and a partition's, which has no fields) on the
/// table.
fn on_a_column(table: &Table, columns: &[String]) -> bool {
    matches!(columns, [one] if table.columns.iter().any(|c| c.name == *one))
}

/// A foreign key said on its column's field: one column referencing one.
fn foreign_key_on_column(table: &Table, fk: &crate::schema::ForeignKey) -> bool {
    fk.ref_columns.len() == 1 && on_a_column(table, &fk.columns)
}

/// An index said on its column's field (`index = "..."`).
fn index_on_column(table: &Table, index: &Index) -> bool {
    column_index(index) && on_a_column(table, &index.columns)
}

/// One column's field with its `#[column(...)]` keys.
fn field_tokens(
    table: &Table,
    c: &crate::schema::Column,
    enum_names: &[String],
    key_on_table: bool,
) -> TokenStream {
    let mut keys: Vec<TokenStream> = Vec::new();
    let field = field_name(&c.name);
    if field != c.name {
        let name = &c.name;
        keys.push(quote!(name = #name));
    }
    if !key_on_table && table.primary_key.contains(&c.name) {
        keys.push(quote!(primary_key));
    }
    let (rust, type_keys) = rust_type(&c.ty, enum_names);
    keys.extend(type_keys);
    keys.extend(column_settings(c));
    if let Some(u) = table.uniques.iter().find(|u| u.columns == [c.name.clone()]) {
        let name = &u.name;
        keys.push(quote!(unique = #name));
    }
    if let Some(i) = table
        .indexes
        .iter()
        .find(|i| index_on_column(table, i) && i.columns == [c.name.clone()])
    {
        let name = &i.name;
        keys.push(quote!(index = #name));
    }
    if let Some(fk) = table
        .foreign_keys
        .iter()
        .find(|fk| foreign_key_on_column(table, fk) && fk.columns == [c.name.clone()])
    {
        keys.extend(column_foreign_key(fk));
    }
    let rust = if c.nullable {
        quote!(Option<#rust>)
    } else {
        rust
    };
    let field = ident(&field);
    let attr = (!keys.is_empty()).then(|| quote!(#[column(#(#keys),*)]));
    quote!(#attr pub #field: #rust,)
}

/// The table's own keys: comment, partitioning, logging, storage, row-level security.
fn table_settings(table: &Table) -> Vec<TokenStream> {
    let mut keys = Vec::new();
    if let Some(comment) = &table.comment {
        keys.push(quote!(comment = #comment));
    }
    if let Some(by) = &table.partition_by {
        keys.push(quote!(partition_by = #by));
    }
    if let Some(of) = &table.partition_of {
        let (parent, bound) = (&of.parent, &of.bound);
        keys.push(quote!(partition_of = #parent, bound = #bound));
    }
    if table.unlogged {
        keys.push(quote!(unlogged));
    }
    if !table.storage.is_empty() {
        let storage = &table.storage;
        keys.push(quote!(storage(#(#storage),*)));
    }
    match table.row_security {
        Some(RowSecurity::Enabled) => keys.push(quote!(row_security = "enabled")),
        Some(RowSecurity::Forced) => keys.push(quote!(row_security = "forced")),
        None => {}
    }
    keys
}

/// A column's identity, sequence, default, generated expression and comment.
fn column_settings(c: &crate::schema::Column) -> Vec<TokenStream> {
    let mut keys = Vec::new();
    if let Some(identity) = c.identity {
        let identity = match identity {
            Identity::Always => "always",
            Identity::ByDefault => "by default",
            Identity::Serial => "serial",
        };
        keys.push(quote!(identity = #identity));
    }
    if let Some(sequence) = &c.sequence {
        keys.push(quote!(sequence = #sequence));
    }
    if let Some(default) = &c.default {
        keys.push(quote!(default = #default));
    }
    if let Some(generated) = &c.generated {
        keys.push(quote!(generated = #generated));
    }
    if let Some(statistics) = c.statistics {
        let statistics = proc_macro2::Literal::i32_unsuffixed(statistics);
        keys.push(quote!(statistics = #statistics));
    }
    if let Some(comment) = &c.comment {
        keys.push(quote!(comment = #comment));
    }
    keys
}

/// `references = "t.c", fk_name = ..., on_delete = ..., on_update = ..., deferrable = ...`.
fn column_foreign_key(fk: &crate::schema::ForeignKey) -> Vec<TokenStream> {
    let references = format!("{}.{}", fk.ref_table, fk.ref_columns.join(""));
    let name = &fk.name;
    let mut keys = vec![quote!(references = #references, fk_name = #name)];
    keys.extend(fk_options(fk));
    keys
}

fn fk_options(fk: &crate::schema::ForeignKey) -> Vec<TokenStream> {
    let mut keys = Vec::new();
    if fk.on_delete != Action::NoAction {
        let a = action(fk.on_delete);
        keys.push(quote!(on_delete = #a));
    }
    if fk.on_update != Action::NoAction {
        let a = action(fk.on_update);
        keys.push(quote!(on_update = #a));
    }
    match fk.deferrable {
        Some(Deferral::InitiallyDeferred) => keys.push(quote!(deferrable = "initially deferred")),
        Some(Deferral::InitiallyImmediate) => {
            keys.push(quote!(deferrable = "initially immediate"));
        }
        None => {}
    }
    keys
}

/// `foreign_key(name = ..., columns(...), references = ..., ref_columns(...), ...)`.
fn foreign_key_tokens(fk: &crate::schema::ForeignKey) -> TokenStream {
    let (name, columns, references, ref_columns) = (
        &fk.name,
        names(&fk.columns),
        &fk.ref_table,
        names(&fk.ref_columns),
    );
    let options = fk_options(fk);
    quote!(foreign_key(name = #name, columns(#columns), references = #references, ref_columns(#ref_columns) #(, #options)*))
}

/// Column names for `columns(...)`: identifiers where they are, strings where not.
fn names(columns: &[String]) -> TokenStream {
    let names = columns.iter().map(|c| {
        if plain_ident(c) {
            let c = ident(c);
            quote!(#c)
        } else {
            quote!(#c)
        }
    });
    quote!(#(#names),*)
}

/// The Rust names of the schema's enum types.
fn enum_names(schema: &Schema) -> Vec<String> {
    schema.enums.keys().map(|n| camel(n)).collect()
}

/// An index a column's own `index = "..."` says: one plain column, nothing else.
fn column_index(i: &Index) -> bool {
    i.statistics.is_empty()
        && i.columns.len() == 1
        && !i.unique
        && i.predicate.is_none()
        && i.method.is_none()
        && i.expression.is_none()
        && i.include.is_empty()
}

fn index_tokens(index: &Index) -> TokenStream {
    let name = &index.name;
    let mut keys = vec![quote!(name = #name)];
    if !index.columns.is_empty() {
        let columns = names(&index.columns);
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
        let include = names(&index.include);
        keys.push(quote!(include(#include)));
    }
    if let Some(predicate) = &index.predicate {
        keys.push(quote!(predicate = #predicate));
    }
    if !index.statistics.is_empty() {
        let statistics = index
            .statistics
            .iter()
            .map(|(column, target)| format!("{column}={target}"))
            .collect::<Vec<_>>()
            .join(", ");
        keys.push(quote!(statistics = #statistics));
    }
    quote!(index(#(#keys),*))
}

/// The Rust type of a column type, and the attribute keys that complete it.
fn rust_type(ty: &ColumnType, enum_names: &[String]) -> (TokenStream, Vec<TokenStream>) {
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
            crate::backend::INTERVAL_RUST_TYPE
                .parse()
                .unwrap_or_else(|_| quote!(String)),
            vec![],
        ),
        ColumnType::Jsonb => (quote!(serde_json::Value), vec![]),
        ColumnType::Json => (quote!(serde_json::Value), vec![sql(ty)]),
        ColumnType::Inet => (quote!(std::net::IpAddr), vec![]),
        ColumnType::Bytes => (quote!(Vec<u8>), vec![]),
        ColumnType::Enum(name) if enum_names.contains(&camel(name)) => {
            let rust = ident(&camel(name));
            (quote!(#rust), vec![quote!(pg_enum)])
        }
        ColumnType::Enum(name) => (quote!(String), vec![quote!(enum_type = #name)]),
        ColumnType::Array(element) => {
            let (inner, _) = rust_type(element, enum_names);
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

/// `film_actor` is `FilmActor`, `PG-13` is `Pg13`, `CANCEL_IN_PROGRESS` is `CancelInProgress`,
/// `WorkerSDKS` stays; a name that starts with a digit gets a `V`.
fn camel(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let shouting = !word.chars().any(|c| c.is_ascii_lowercase());
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            for c in chars {
                out.push(if shouting { c.to_ascii_lowercase() } else { c });
            }
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
    // `createdAt` is `created_at`.
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in column.chars() {
        if c.is_ascii_uppercase()
            && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
        {
            out.push('_');
        }
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        });
        previous = Some(c);
    }
    if !out.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') || !plain_ident(&out) {
        out.insert_str(0, "col_");
    }
    out
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}
