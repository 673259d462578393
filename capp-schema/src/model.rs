//! Table models: the Rust structs an application uses for its rows, described as tables.

use std::any::TypeId;

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

/// A Rust enum as a PostgreSQL enum type; implemented with `#[derive(PgEnum)]`.
pub trait PgEnum {
    /// The type's name in the database.
    const NAME: &'static str;
    /// Its values, in order.
    const VALUES: &'static [&'static str];
}

/// A model's table and the column renames it declares.
#[derive(Debug, Clone)]
pub struct Model {
    pub table: Table,
    /// (old name, new name) for each `#[column(renamed_from = "old")]`.
    pub renamed_columns: &'static [(&'static str, &'static str)],
}

/// An application's models: its tables and its PostgreSQL enum types, as `check` and
/// `revision --autogenerate` compare them with the history.
#[derive(Debug, Clone, Default)]
pub struct Models {
    pub tables: Vec<Model>,
    /// Enum types by name, with their values in order.
    pub enums: Vec<(String, Vec<String>)>,
    /// PostgreSQL extensions the application needs (`pgcrypto`, `pg_trgm`).
    pub extensions: Vec<String>,
}

/// What `#[derive(TableModel)]` registers with `inventory`: the model, and the chain it belongs
/// to (`#[table(chain = ...)]`, `crate::Migrations` by default).
#[derive(Debug)]
pub struct ModelRegistration {
    pub chain: fn() -> TypeId,
    pub model: fn() -> Model,
}

/// What `#[derive(PgEnum)]` registers with `inventory`.
#[derive(Debug)]
pub struct EnumRegistration {
    pub chain: fn() -> TypeId,
    pub name: &'static str,
    pub values: &'static [&'static str],
}

inventory::collect!(ModelRegistration);
inventory::collect!(EnumRegistration);

/// The model of `M`, as a registration builds it.
pub fn model_of<M: TableModel>() -> Model {
    Model {
        table: M::table(),
        renamed_columns: M::renamed_columns(),
    }
}

impl Models {
    /// Every table model and enum type declared for chain `C` (with `#[derive(TableModel)]` and
    /// `#[derive(PgEnum)]`, wherever they are in the program), in the order of their names. No
    /// list to keep: a model is part of its chain's models where it is declared.
    pub fn of<C: 'static>() -> Models {
        let chain = TypeId::of::<C>();
        let mut tables: Vec<Model> = inventory::iter::<ModelRegistration>
            .into_iter()
            .filter(|r| (r.chain)() == chain)
            .map(|r| (r.model)())
            .collect();
        tables.sort_by(|a, b| a.table.name.cmp(&b.table.name));
        let mut enums: Vec<(String, Vec<String>)> = inventory::iter::<EnumRegistration>
            .into_iter()
            .filter(|r| (r.chain)() == chain)
            .map(|r| {
                (
                    r.name.to_owned(),
                    r.values.iter().map(|v| (*v).to_owned()).collect(),
                )
            })
            .collect();
        enums.sort();
        Models {
            tables,
            enums,
            extensions: Vec::new(),
        }
    }

    /// Adds a table model.
    pub fn table<M: TableModel>(mut self) -> Models {
        self.tables.push(Model {
            table: M::table(),
            renamed_columns: M::renamed_columns(),
        });
        self
    }

    /// Adds the enum type of a `#[derive(PgEnum)]` enum.
    pub fn pg_enum<E: PgEnum>(self) -> Models {
        self.enum_type(E::NAME, E::VALUES)
    }

    /// Adds an enum type.
    pub fn enum_type(mut self, name: &str, values: &[&str]) -> Models {
        self.enums.push((
            name.to_owned(),
            values.iter().map(|v| (*v).to_owned()).collect(),
        ));
        self
    }

    /// Adds a PostgreSQL extension the application needs.
    pub fn extension(mut self, name: &str) -> Models {
        self.extensions.push(name.to_owned());
        self
    }

    /// The schema these models describe.
    pub fn schema(&self) -> Schema {
        let mut schema = Schema::default();
        for model in &self.tables {
            schema
                .tables
                .insert(model.table.name.clone(), model.table.clone());
        }
        schema.enums.extend(self.enums.iter().cloned());
        schema.extensions.extend(self.extensions.iter().cloned());
        // A type given as SQL (`sql_type = "kyc_status[]"`) that names one of the enum types is
        // that enum type.
        use crate::schema::ColumnType;
        let given_as_sql = |ty: &ColumnType| match ty {
            ColumnType::Other(_) => true,
            ColumnType::Array(element) => matches!(**element, ColumnType::Other(_)),
            _ => false,
        };
        for table in schema.tables.values_mut() {
            for column in table.columns.iter_mut().filter(|c| given_as_sql(&c.ty)) {
                column.ty = ColumnType::from_sql(&column.ty.sql_name(), &schema.enums);
            }
        }
        schema
    }
}
