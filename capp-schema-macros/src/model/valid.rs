//! Checks a table model's typed tree as a whole, and settles what expansion needs that the
//! attributes alone do not give.

use syn::LitStr;

use super::ast::Table;
use super::column_type::ColumnType;
use crate::ctxt::Ctxt;

/// What the checks settled: the table's name and the type of each column, in order.
pub(crate) struct Checked<'t> {
    pub(crate) name: &'t LitStr,
    pub(crate) column_types: Vec<ColumnType<'t>>,
}

/// Reports every problem of the table; `None` if there was one.
pub(crate) fn check<'t>(cx: &Ctxt, table: &'t Table<'_>) -> Option<Checked<'t>> {
    let name = table.attrs.name.as_ref();
    if name.is_none() {
        cx.error_spanned_by(table.ident, "name the table: `#[table(name = \"users\")]`");
    }
    if table.attrs.primary_key.is_some()
        && let Some(column) = table.columns.iter().find(|c| c.attrs.primary_key)
    {
        cx.error_spanned_by(
            column.ident,
            "the table's `primary_key(...)` gives the key: drop `primary_key` from the column",
        );
    }
    if let Some(key) = &table.attrs.primary_key_name
        && table.attrs.primary_key.is_none()
        && !table.columns.iter().any(|c| c.attrs.primary_key)
    {
        cx.error_spanned_by(
            key,
            "`primary_key_name` names the primary key: give the table one (`primary_key` on a column, or `primary_key(...)` on the table)",
        );
    }
    for column in &table.columns {
        if column.attrs.deferrable.is_some() && column.attrs.references.is_none() {
            cx.error_spanned_by(
                column.ident,
                "`deferrable` is a foreign key's: give the column `references = \"table.column\"` too",
            );
        }
        if column.attrs.sequence.is_some() && column.attrs.identity.is_none() {
            cx.error_spanned_by(
                column.ident,
                "`sequence` sets an identity or serial column's sequence: give the column `identity = \"...\"` too",
            );
        }
    }
    let mut column_types = Vec::new();
    for column in &table.columns {
        match column.column_type() {
            Ok(ty) => column_types.push(ty),
            Err(unmapped) => cx.error_spanned_by(column.ty, unmapped.message()),
        }
    }
    if column_types.len() < table.columns.len() {
        return None;
    }
    Some(Checked {
        name: name?,
        column_types,
    })
}
