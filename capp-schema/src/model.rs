//! Table models: the Rust structs an application uses for its rows, described as tables.

use crate::schema::{Schema, Table};

/// A row struct described as a table; implemented with `#[derive(TableModel)]`.
pub trait TableModel {
    /// The table, as the schema model describes it.
    fn table() -> Table;

    /// Columns declared `#[column(renamed_from = "old")]`: (old name, new name).
    fn renamed_columns() -> &'static [(&'static str, &'static str)] {
        &[]
    }
}

/// The schema of a set of models: `schema_of(&[User::table(), Payment::table()])`.
pub fn schema_of(tables: impl IntoIterator<Item = Table>, enums: &[(&str, &[&str])]) -> Schema {
    let mut schema = Schema::default();
    for table in tables {
        schema.tables.insert(table.name.clone(), table);
    }
    for (name, values) in enums {
        schema.enums.insert(
            (*name).to_owned(),
            values.iter().map(|v| (*v).to_owned()).collect(),
        );
    }
    schema
}
