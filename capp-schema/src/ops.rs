//! Operations: what a migration function records instead of executing SQL.
//!
//! Recording rather than executing is what makes offline `--sql` scripts, rendering for several
//! databases, `show` and an in-memory fold of the history possible.

use crate::schema::{Column, ColumnType, Table};

/// One recorded schema or data change.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    CreateTable(Table),
    DropTable {
        name: String,
    },
    AddColumn {
        table: String,
        column: Column,
    },
    DropColumn {
        table: String,
        column: String,
    },
    /// Raw SQL for data migrations; by contract it changes data, not the schema.
    Execute {
        sql: String,
    },
}

/// The recorder a transactional migration receives: `fn upgrade(op: &mut Operations)`.
#[derive(Debug, Default)]
pub struct Operations {
    ops: Vec<Operation>,
}

impl Operations {
    /// Creates a table; `define` adds its columns and keys.
    ///
    /// ```
    /// # use capp_schema::{Operations, ColumnType};
    /// # let mut op = Operations::default();
    /// op.create_table("users", |t| {
    ///     t.column("id", ColumnType::Uuid);
    ///     t.column("email", ColumnType::Varchar(255)).not_null();
    ///     t.primary_key(["id"]);
    /// });
    /// ```
    pub fn create_table(&mut self, name: &str, define: impl FnOnce(&mut Table)) {
        let mut table = Table::new(name);
        define(&mut table);
        self.ops.push(Operation::CreateTable(table));
    }

    /// Drops a table and its data.
    pub fn drop_table(&mut self, name: &str) {
        self.ops.push(Operation::DropTable {
            name: name.to_owned(),
        });
    }

    /// Adds a column; returns it for further settings (`.not_null()`, `.default_sql(..)`).
    pub fn add_column(&mut self, table: &str, name: &str, ty: ColumnType) -> &mut Column {
        self.ops.push(Operation::AddColumn {
            table: table.to_owned(),
            column: Column::new(name, ty),
        });
        match self.ops.last_mut() {
            Some(Operation::AddColumn { column, .. }) => column,
            _ => unreachable!("an AddColumn was just pushed"),
        }
    }

    /// Drops a column and its data.
    pub fn drop_column(&mut self, table: &str, column: &str) {
        self.ops.push(Operation::DropColumn {
            table: table.to_owned(),
            column: column.to_owned(),
        });
    }

    /// Runs SQL as written, for data migrations. It must not change the schema: the schema model
    /// is folded from the other operations only.
    pub fn execute(&mut self, sql: &str) {
        self.ops.push(Operation::Execute {
            sql: sql.to_owned(),
        });
    }

    /// The operations recorded so far.
    pub fn operations(&self) -> &[Operation] {
        &self.ops
    }
}

/// The recorder a `transactional = false` migration receives. It offers everything
/// [`Operations`] does, plus the operations that cannot run inside a transaction.
#[derive(Debug, Default)]
pub struct NonTransactionalOperations {
    inner: Operations,
}

impl std::ops::Deref for NonTransactionalOperations {
    type Target = Operations;
    fn deref(&self) -> &Operations {
        &self.inner
    }
}

impl std::ops::DerefMut for NonTransactionalOperations {
    fn deref_mut(&mut self) -> &mut Operations {
        &mut self.inner
    }
}

/// A recorder type a migration function can take. Sealed: implemented by [`Operations`] and
/// [`NonTransactionalOperations`] only.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an operations recorder",
    label = "a migration function takes `&mut Operations`",
    note = "write `fn downgrade(op: &mut Operations)`, or `&mut NonTransactionalOperations` for a `transactional = false` migration"
)]
pub trait Recorder: Default + sealed::Sealed {
    /// Whether the recorded operations run inside a transaction.
    const TRANSACTIONAL: bool;
    #[doc(hidden)]
    fn into_operations(self) -> Vec<Operation>;
}

impl Recorder for Operations {
    const TRANSACTIONAL: bool = true;
    fn into_operations(self) -> Vec<Operation> {
        self.ops
    }
}

impl Recorder for NonTransactionalOperations {
    const TRANSACTIONAL: bool = false;
    fn into_operations(self) -> Vec<Operation> {
        self.inner.ops
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Operations {}
    impl Sealed for super::NonTransactionalOperations {}
}
