//! The helper attributes of `#[derive(TableModel)]`, read into typed values that keep their
//! literals for spans: `#[table(...)]` on the struct, `#[column(...)]` on its fields.

use proc_macro2::{Ident, Span};
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr};

use crate::ctxt::Ctxt;
use crate::meta::{self, Attr, Flag};

const TABLE_KEYS: &str = "`name`, `check(...)`, `index(...)`, `unique(...)`, `foreign_key(...)`, `primary_key(...)`, `primary_key_name`, `comment`, `partition_by`, `partition_of`, `bound`, `unlogged`, `storage(...)`, `row_security`, `chain`";
const FOREIGN_KEY_KEYS: &str = "`name`, `columns(...)`, `references`, `ref_columns(...)`, `on_delete`, `on_update`, `deferrable`";
const CHECK_KEYS: &str = "`name`, `expr`";
const INDEX_KEYS: &str = "`name`, `columns(...)`, `unique`, `predicate`, `method`, `expression`, `include(...)`, `statistics`";
const COLUMN_KEYS: &str = "`name`, `primary_key`, `max_length`, `precision`, `scale`, `sql_type`, `enum_type`, `pg_enum`, `default`, `default_str`, `unique`, `index`, `references`, `fk_name`, `on_delete`, `on_update`, `deferrable`, `renamed_from`, `identity`, `sequence`, `generated`, `statistics`, `comment`, `skip`";

/// `#[table(...)]`, from all the struct's `table` attributes.
pub(crate) struct TableAttrs {
    /// `name = "users"`; required, which the validation checks.
    pub(crate) name: Option<LitStr>,
    /// `chain = crate::Migrations`: the chain whose models this table belongs to (the default).
    pub(crate) chain: Option<syn::Path>,
    /// `check(...)`, `index(...)`, `unique(...)` and `foreign_key(...)`, in the order written.
    pub(crate) constraints: Vec<TableConstraint>,
    /// `primary_key(a, b)`: the key's columns in the key's order.
    pub(crate) primary_key: Option<Vec<LitStr>>,
    /// `primary_key_name = "pk_users"`: the key constraint's name (else `<table>_pkey`).
    pub(crate) primary_key_name: Option<LitStr>,
    pub(crate) comment: Option<LitStr>,
    pub(crate) partition_by: Option<LitStr>,
    /// `partition_of = "payments", bound = "FOR VALUES ..."`.
    pub(crate) partition_of: Option<(LitStr, LitStr)>,
    pub(crate) unlogged: bool,
    pub(crate) storage: Vec<LitStr>,
    /// `row_security = "enabled"` or `"forced"`: the variant of `capp_schema::RowSecurity`.
    pub(crate) row_security: Option<&'static str>,
}

pub(crate) enum TableConstraint {
    /// `check(name = "...", expr = "...")`.
    Check { name: LitStr, expr: LitStr },
    /// `index(name = "...", columns(a, b), unique, predicate = "...")`.
    Index {
        name: LitStr,
        columns: Vec<LitStr>,
        unique: bool,
        predicate: Option<LitStr>,
        /// `method = "gin"`, `expression = "lower(email)"`, `include(a, b)`.
        method: Option<LitStr>,
        expression: Option<LitStr>,
        include: Vec<LitStr>,
        /// `statistics = "1=3000"`: (expression column from 1, target) pairs.
        statistics: Vec<(u16, i32)>,
    },
    /// `unique(name = "...", columns(a, b))`.
    Unique { name: LitStr, columns: Vec<LitStr> },
    /// `foreign_key(name = "...", columns(a, b), references = "t", ref_columns(x, y), ...)`.
    ForeignKey {
        name: LitStr,
        columns: Vec<LitStr>,
        references: LitStr,
        ref_columns: Vec<LitStr>,
        on_delete: Option<Action>,
        on_update: Option<Action>,
        deferrable: Option<&'static str>,
    },
}

/// `#[column(...)]`, from all the field's `column` attributes.
pub(crate) struct ColumnAttrs {
    pub(crate) name: Option<LitStr>,
    pub(crate) primary_key: bool,
    pub(crate) max_length: Option<u32>,
    pub(crate) precision: Option<u8>,
    pub(crate) scale: Option<u8>,
    pub(crate) sql_type: Option<LitStr>,
    pub(crate) enum_type: Option<LitStr>,
    pub(crate) pg_enum: bool,
    pub(crate) default: Option<ColumnDefault>,
    pub(crate) unique: Option<LitStr>,
    pub(crate) index: Option<LitStr>,
    pub(crate) references: Option<References>,
    pub(crate) fk_name: Option<LitStr>,
    pub(crate) on_delete: Option<Action>,
    pub(crate) on_update: Option<Action>,
    /// `deferrable = "initially deferred"`: the variant of `capp_schema::Deferral`.
    pub(crate) deferrable: Option<&'static str>,
    pub(crate) renamed_from: Option<LitStr>,
    pub(crate) sequence: Option<LitStr>,
    pub(crate) generated: Option<LitStr>,
    /// `statistics = 1000`: the planner's statistics target.
    pub(crate) statistics: Option<i32>,
    pub(crate) comment: Option<LitStr>,
    /// `identity = "by default"` or `identity = "always"`: the variant of `capp_schema::Identity`.
    pub(crate) identity: Option<&'static str>,
    pub(crate) skip: bool,
}

/// `default = "..."` or `default_str = "..."`, never both.
pub(crate) enum ColumnDefault {
    /// An SQL expression.
    Sql(LitStr),
    /// A text value, quoted by the runtime crate.
    Str(LitStr),
}

/// `references = "table.column"`.
pub(crate) struct References {
    pub(crate) lit: LitStr,
    pub(crate) table: String,
    pub(crate) column: String,
}

/// The one mapping of `on_delete` / `on_update` values to `capp_schema::Action` variants.
const ACTIONS: [(&str, &str); 5] = [
    ("no action", "NoAction"),
    ("restrict", "Restrict"),
    ("cascade", "Cascade"),
    ("set null", "SetNull"),
    ("set default", "SetDefault"),
];

/// A foreign-key action: the name of a `capp_schema::Action` variant.
#[derive(Clone, Copy)]
pub(crate) struct Action(&'static str);

impl Action {
    /// What a foreign key does when `on_delete` or `on_update` is not given.
    pub(crate) const DEFAULT: Action = Action(ACTIONS[0].1);

    /// `"cascade"`, `"SET NULL"` and `"set_null"` alike: case and `_` for space do not matter.
    fn parse(lit: &LitStr) -> syn::Result<Action> {
        let value = lit.value().to_ascii_lowercase().replace('_', " ");
        if let Some((_, variant)) = ACTIONS.iter().find(|(sql, _)| *sql == value) {
            return Ok(Action(variant));
        }
        let mut expected = String::from("expected ");
        for (i, (sql, _)) in ACTIONS.iter().enumerate() {
            if i > 0 {
                expected.push_str(if i + 1 == ACTIONS.len() { " or " } else { ", " });
            }
            expected.push('"');
            expected.push_str(sql);
            expected.push('"');
        }
        Err(syn::Error::new_spanned(lit, expected))
    }

    /// The variant's name, for `::capp_schema::Action::#ident`.
    pub(crate) fn variant(self) -> Ident {
        Ident::new(self.0, Span::call_site())
    }
}

pub(crate) fn table(cx: &Ctxt, attrs: &[Attribute]) -> TableAttrs {
    let mut name = Attr::none(cx, "name");
    let mut chain = Attr::none(cx, "chain");
    let mut primary_key = Attr::none(cx, "primary_key");
    let mut primary_key_name = Attr::none(cx, "primary_key_name");
    let mut comment = Attr::none(cx, "comment");
    let mut partition_by = Attr::none(cx, "partition_by");
    let mut partition_of = Attr::none(cx, "partition_of");
    let mut bound = Attr::none(cx, "bound");
    let mut unlogged = Flag::none(cx, "unlogged");
    let mut storage = Attr::none(cx, "storage");
    let mut row_security = Attr::none(cx, "row_security");
    let mut constraints = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("table")) {
        meta::parse_attr(cx, attr, |meta| match meta::key_of(meta).as_str() {
            "name" => name.read(meta, |m| meta::lit_str(m, "name", "\"users\"")),
            "chain" => chain.read(meta, |m| m.value()?.parse::<syn::Path>()),
            "check" => constraints.extend(check(cx, meta)),
            "index" => constraints.extend(index(cx, meta, true)),
            "unique" => constraints.extend(index(cx, meta, false)),
            "foreign_key" => constraints.extend(foreign_key(cx, meta)),
            "primary_key" => primary_key.read(meta, column_list),
            "primary_key_name" => primary_key_name.read(meta, |m| {
                meta::lit_str(m, "primary_key_name", "\"pk_users\"")
            }),
            "comment" => comment.read(meta, |m| meta::lit_str(m, "comment", "\"what it holds\"")),
            "partition_by" => partition_by.read(meta, |m| {
                meta::lit_str(m, "partition_by", "\"RANGE (created_at)\"")
            }),
            "partition_of" => {
                partition_of.read(meta, |m| meta::lit_str(m, "partition_of", "\"payments\""))
            }
            "bound" => bound.read(meta, |m| meta::lit_str(m, "bound", "\"DEFAULT\"")),
            "unlogged" => unlogged.set(meta),
            "storage" => storage.read(meta, column_list),
            "row_security" => row_security.read(meta, |m| {
                let lit = meta::lit_str(m, "row_security", "\"enabled\"")?;
                match lit.value().as_str() {
                    "enabled" => Ok("Enabled"),
                    "forced" => Ok("Forced"),
                    _ => Err(syn::Error::new_spanned(
                        &lit,
                        "expected `row_security = \"enabled\"` or `row_security = \"forced\"`",
                    )),
                }
            }),
            _ => meta::unknown_key(cx, meta, TABLE_KEYS),
        });
    }
    let partition_of = match (partition_of.get(), bound.get()) {
        (Some(parent), Some(bound)) => Some((parent, bound)),
        (None, None) => None,
        (Some(lit), None) | (None, Some(lit)) => {
            cx.error_spanned_by(
                &lit,
                "a partition needs both `partition_of = \"parent\"` and `bound = \"FOR VALUES ...\"`",
            );
            None
        }
    };
    TableAttrs {
        name: name.get(),
        chain: chain.get(),
        constraints,
        primary_key: primary_key.get(),
        primary_key_name: primary_key_name.get(),
        comment: comment.get(),
        partition_by: partition_by.get(),
        partition_of,
        unlogged: unlogged.get(),
        storage: storage.get().unwrap_or_default(),
        row_security: row_security.get(),
    }
}

/// `deferrable = "initially deferred"` or `"initially immediate"`: a `Deferral` variant.
fn deferral(m: &ParseNestedMeta<'_>) -> syn::Result<&'static str> {
    let lit = meta::lit_str(m, "deferrable", "\"initially deferred\"")?;
    match lit.value().to_ascii_lowercase().as_str() {
        "initially deferred" => Ok("InitiallyDeferred"),
        "initially immediate" => Ok("InitiallyImmediate"),
        _ => Err(syn::Error::new_spanned(
            &lit,
            "expected `deferrable = \"initially deferred\"` or `deferrable = \"initially immediate\"`",
        )),
    }
}

/// `foreign_key(name = "...", columns(a, b), references = "table", ref_columns(x, y), ...)`.
fn foreign_key(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> Option<TableConstraint> {
    let mut name = Attr::none(cx, "name");
    let mut columns = Attr::none(cx, "columns");
    let mut references = Attr::none(cx, "references");
    let mut ref_columns = Attr::none(cx, "ref_columns");
    let mut on_delete = Attr::none(cx, "on_delete");
    let mut on_update = Attr::none(cx, "on_update");
    let mut deferrable = Attr::none(cx, "deferrable");
    meta::parse_list(cx, meta, |m| match meta::key_of(m).as_str() {
        "name" => name.read(m, |m| meta::lit_str(m, "name", "\"fk_orders_customer\"")),
        "columns" => columns.read(m, column_list),
        "references" => references.read(m, |m| meta::lit_str(m, "references", "\"customers\"")),
        "ref_columns" => ref_columns.read(m, column_list),
        "on_delete" => on_delete.read(m, |m| {
            Action::parse(&meta::lit_str(m, "on_delete", "\"cascade\"")?)
        }),
        "on_update" => on_update.read(m, |m| {
            Action::parse(&meta::lit_str(m, "on_update", "\"cascade\"")?)
        }),
        "deferrable" => deferrable.read(m, deferral),
        _ => meta::unknown_key(cx, m, FOREIGN_KEY_KEYS),
    });
    if !name.given() || !columns.given() || !references.given() || !ref_columns.given() {
        cx.push(meta.error(
            "a foreign key needs `foreign_key(name = \"...\", columns(...), references = \"table\", ref_columns(...))`",
        ));
    }
    Some(TableConstraint::ForeignKey {
        name: name.get()?,
        columns: columns.get()?,
        references: references.get()?,
        ref_columns: ref_columns.get()?,
        on_delete: on_delete.get(),
        on_update: on_update.get(),
        deferrable: deferrable.get(),
    })
}

/// `check(name = "...", expr = "...")`.
fn check(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> Option<TableConstraint> {
    let mut name = Attr::none(cx, "name");
    let mut expr = Attr::none(cx, "expr");
    meta::parse_list(cx, meta, |m| match meta::key_of(m).as_str() {
        "name" => name.read(m, |m| meta::lit_str(m, "name", "\"ck_users_kyc_level\"")),
        "expr" => expr.read(m, |m| {
            meta::lit_str(m, "expr", "\"kyc_level BETWEEN 0 AND 3\"")
        }),
        _ => meta::unknown_key(cx, m, CHECK_KEYS),
    });
    if !name.given() || !expr.given() {
        cx.push(meta.error("a check needs `check(name = \"...\", expr = \"...\")`"));
    }
    Some(TableConstraint::Check {
        name: name.get()?,
        expr: expr.get()?,
    })
}

/// `index(...)` or, with `is_index` false, `unique(...)`; both read the same keys.
fn index(cx: &Ctxt, meta: &ParseNestedMeta<'_>, is_index: bool) -> Option<TableConstraint> {
    let mut name = Attr::none(cx, "name");
    let mut columns = Attr::none(cx, "columns");
    let mut unique = Flag::none(cx, "unique");
    let mut predicate = Attr::none(cx, "predicate");
    let mut method = Attr::none(cx, "method");
    let mut expression = Attr::none(cx, "expression");
    let mut include = Attr::none(cx, "include");
    let mut statistics = Attr::none(cx, "statistics");
    meta::parse_list(cx, meta, |m| match meta::key_of(m).as_str() {
        "statistics" if is_index => statistics.read(m, index_statistics),
        "method" if is_index => method.read(m, |m| meta::lit_str(m, "method", "\"gin\"")),
        "expression" if is_index => {
            expression.read(m, |m| meta::lit_str(m, "expression", "\"lower(email)\""))
        }
        "include" if is_index => include.read(m, column_list),
        "name" => name.read(m, |m| meta::lit_str(m, "name", "\"ix_users_email\"")),
        "columns" => columns.read(m, column_list),
        "unique" => unique.set(m),
        "predicate" => predicate.read(m, |m| {
            meta::lit_str(m, "predicate", "\"deleted_at IS NULL\"")
        }),
        _ => meta::unknown_key(cx, m, INDEX_KEYS),
    });
    if !name.given() {
        cx.push(meta.error("give the constraint a `name = \"...\"`"));
    }
    let (name, columns) = (name.get()?, columns.get().unwrap_or_default());
    Some(if is_index {
        TableConstraint::Index {
            name,
            columns,
            unique: unique.get(),
            predicate: predicate.get(),
            method: method.get(),
            expression: expression.get(),
            include: include.get().unwrap_or_default(),
            statistics: statistics.get().unwrap_or_default(),
        }
    } else {
        TableConstraint::Unique { name, columns }
    })
}

/// `statistics = "1=3000, 2=100"`: an index's expression columns (from 1) and their targets.
fn index_statistics(m: &ParseNestedMeta<'_>) -> syn::Result<Vec<(u16, i32)>> {
    let lit = meta::lit_str(m, "statistics", "\"1=3000\"")?;
    let bad = || {
        syn::Error::new_spanned(
            &lit,
            "expected `statistics = \"1=3000\"`: an expression column's number (from 1), `=`, its statistics target; several separated by commas",
        )
    };
    lit.value()
        .split(',')
        .map(|pair| {
            let (column, target) = pair.split_once('=').ok_or_else(bad)?;
            let column = column.trim().parse::<u16>().map_err(|_| bad())?;
            let target = target.trim().parse::<i32>().map_err(|_| bad())?;
            Ok((column, target))
        })
        .collect()
}

/// `columns(a, b)` or `columns("tenantId", type)`: the names, as identifiers (keywords
/// included) or as strings for names that are not identifiers, spanned on what the user wrote.
fn column_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<LitStr>> {
    use syn::ext::IdentExt as _;
    let content;
    syn::parenthesized!(content in meta.input);
    let mut columns = Vec::new();
    while !content.is_empty() {
        if content.peek(LitStr) {
            columns.push(content.parse::<LitStr>()?);
        } else {
            let ident = content.call(Ident::parse_any)?;
            columns.push(LitStr::new(&ident.to_string(), ident.span()));
        }
        if content.is_empty() {
            break;
        }
        content.parse::<syn::Token![,]>()?;
    }
    Ok(columns)
}

pub(crate) fn column(cx: &Ctxt, attrs: &[Attribute]) -> ColumnAttrs {
    let mut keys = ColumnKeys::new(cx);
    for attr in attrs.iter().filter(|a| a.path().is_ident("column")) {
        meta::parse_attr(cx, attr, |meta| keys.read(meta));
    }
    keys.finish()
}

/// The keys of `#[column(...)]`, as read.
struct ColumnKeys<'c> {
    cx: &'c Ctxt,
    name: Attr<'c, LitStr>,
    primary_key: Flag<'c>,
    max_length: Attr<'c, u32>,
    precision: Attr<'c, u8>,
    scale: Attr<'c, u8>,
    sql_type: Attr<'c, LitStr>,
    enum_type: Attr<'c, LitStr>,
    pg_enum: Flag<'c>,
    default: Attr<'c, LitStr>,
    default_str: Attr<'c, LitStr>,
    unique: Attr<'c, LitStr>,
    index: Attr<'c, LitStr>,
    references: Attr<'c, References>,
    fk_name: Attr<'c, LitStr>,
    on_delete: Attr<'c, Action>,
    on_update: Attr<'c, Action>,
    deferrable: Attr<'c, &'static str>,
    renamed_from: Attr<'c, LitStr>,
    sequence: Attr<'c, LitStr>,
    generated: Attr<'c, LitStr>,
    statistics: Attr<'c, i32>,
    comment: Attr<'c, LitStr>,
    identity: Attr<'c, &'static str>,
    skip: Flag<'c>,
}

impl<'c> ColumnKeys<'c> {
    fn new(cx: &'c Ctxt) -> Self {
        ColumnKeys {
            cx,
            name: Attr::none(cx, "name"),
            primary_key: Flag::none(cx, "primary_key"),
            max_length: Attr::none(cx, "max_length"),
            precision: Attr::none(cx, "precision"),
            scale: Attr::none(cx, "scale"),
            sql_type: Attr::none(cx, "sql_type"),
            enum_type: Attr::none(cx, "enum_type"),
            pg_enum: Flag::none(cx, "pg_enum"),
            default: Attr::none(cx, "default"),
            default_str: Attr::none(cx, "default_str"),
            unique: Attr::none(cx, "unique"),
            index: Attr::none(cx, "index"),
            references: Attr::none(cx, "references"),
            fk_name: Attr::none(cx, "fk_name"),
            on_delete: Attr::none(cx, "on_delete"),
            on_update: Attr::none(cx, "on_update"),
            deferrable: Attr::none(cx, "deferrable"),
            renamed_from: Attr::none(cx, "renamed_from"),
            sequence: Attr::none(cx, "sequence"),
            generated: Attr::none(cx, "generated"),
            statistics: Attr::none(cx, "statistics"),
            comment: Attr::none(cx, "comment"),
            identity: Attr::none(cx, "identity"),
            skip: Flag::none(cx, "skip"),
        }
    }

    fn read(&mut self, meta: &ParseNestedMeta<'_>) {
        use meta::{lit_int, lit_str};
        match meta::key_of(meta).as_str() {
            "name" => self.name.read(meta, |m| lit_str(m, "name", "\"email\"")),
            "primary_key" => self.primary_key.set(meta),
            "max_length" => self
                .max_length
                .read(meta, |m| lit_int(m, "max_length", "255")),
            "precision" => self.precision.read(meta, |m| lit_int(m, "precision", "20")),
            "scale" => self.scale.read(meta, |m| lit_int(m, "scale", "8")),
            "sql_type" => self
                .sql_type
                .read(meta, |m| lit_str(m, "sql_type", "\"inet\"")),
            "enum_type" => self
                .enum_type
                .read(meta, |m| lit_str(m, "enum_type", "\"kyc_status\"")),
            "pg_enum" => self.pg_enum.set(meta),
            "default" => self
                .default
                .read(meta, |m| lit_str(m, "default", "\"now()\"")),
            "default_str" => self
                .default_str
                .read(meta, |m| lit_str(m, "default_str", "\"pending\"")),
            "unique" => self
                .unique
                .read(meta, |m| lit_str(m, "unique", "\"uq_users_email\"")),
            "index" => self
                .index
                .read(meta, |m| lit_str(m, "index", "\"ix_users_email\"")),
            "references" => self.references.read(meta, references),
            "fk_name" => self
                .fk_name
                .read(meta, |m| lit_str(m, "fk_name", "\"fk_users_org_id\"")),
            "on_delete" => self.on_delete.read(meta, |m| {
                Action::parse(&lit_str(m, "on_delete", "\"cascade\"")?)
            }),
            "on_update" => self.on_update.read(meta, |m| {
                Action::parse(&lit_str(m, "on_update", "\"cascade\"")?)
            }),
            "deferrable" => self.deferrable.read(meta, deferral),
            "sequence" => self
                .sequence
                .read(meta, |m| lit_str(m, "sequence", "\"START WITH 1000\"")),
            "generated" => self
                .generated
                .read(meta, |m| lit_str(m, "generated", "\"price * quantity\"")),
            "statistics" => self
                .statistics
                .read(meta, |m| lit_int(m, "statistics", "1000")),
            "comment" => self
                .comment
                .read(meta, |m| lit_str(m, "comment", "\"what it holds\"")),
            "renamed_from" => self
                .renamed_from
                .read(meta, |m| lit_str(m, "renamed_from", "\"mail\"")),
            "identity" => self.identity.read(meta, |m| {
                let lit = lit_str(m, "identity", "\"by default\"")?;
                match lit.value().as_str() {
                    "by default" => Ok("ByDefault"),
                    "always" => Ok("Always"),
                    "serial" => Ok("Serial"),
                    _ => Err(syn::Error::new_spanned(
                        &lit,
                        "expected `identity = \"by default\"`, `identity = \"always\"` or `identity = \"serial\"`",
                    )),
                }
            }),
            "skip" => self.skip.set(meta),
            _ => meta::unknown_key(self.cx, meta, COLUMN_KEYS),
        }
    }

    fn finish(self) -> ColumnAttrs {
        let default = match (self.default.get(), self.default_str.get()) {
            (Some(sql), None) => Some(ColumnDefault::Sql(sql)),
            (None, Some(text)) => Some(ColumnDefault::Str(text)),
            (Some(sql), Some(_)) => {
                self.cx.error_spanned_by(
                    sql,
                    "give either `default` (SQL) or `default_str` (a text value), not both",
                );
                None
            }
            (None, None) => None,
        };
        ColumnAttrs {
            name: self.name.get(),
            primary_key: self.primary_key.get(),
            max_length: self.max_length.get(),
            precision: self.precision.get(),
            scale: self.scale.get(),
            sql_type: self.sql_type.get(),
            enum_type: self.enum_type.get(),
            pg_enum: self.pg_enum.get(),
            default,
            unique: self.unique.get(),
            index: self.index.get(),
            references: self.references.get(),
            fk_name: self.fk_name.get(),
            on_delete: self.on_delete.get(),
            on_update: self.on_update.get(),
            deferrable: self.deferrable.get(),
            renamed_from: self.renamed_from.get(),
            sequence: self.sequence.get(),
            generated: self.generated.get(),
            statistics: self.statistics.get(),
            comment: self.comment.get(),
            identity: self.identity.get(),
            skip: self.skip.get(),
        }
    }
}

/// `references = "table.column"`.
fn references(meta: &ParseNestedMeta<'_>) -> syn::Result<References> {
    let lit = meta::lit_str(meta, "references", "\"users.id\"")?;
    let value = lit.value();
    let Some((table, column)) = value.split_once('.') else {
        return Err(syn::Error::new_spanned(
            &lit,
            "expected `references = \"table.column\"`",
        ));
    };
    Ok(References {
        table: table.to_owned(),
        column: column.to_owned(),
        lit,
    })
}
