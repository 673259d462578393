//! Operations: what a migration function records instead of executing SQL.
//!
//! Recording rather than executing is what makes offline `--sql` scripts, rendering for several
//! databases, `show` and an in-memory fold of the history possible.

use crate::backfill::Backfill;
use crate::objects::{ObjectId, ObjectKind, RowSecurity, SqlObject};
use crate::schema::{Check, Column, ColumnType, ForeignKey, Index, Table, Unique};

/// A change to a column's type, nullability or default; `None` leaves that part as it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ColumnChange {
    pub ty: Option<ColumnType>,
    pub nullable: Option<bool>,
    /// `Some(None)` drops the default.
    pub default: Option<Option<String>>,
    /// The planner's statistics target; `Some(None)` returns to the server's default.
    pub statistics: Option<Option<i32>>,
}

impl ColumnChange {
    /// Changes the type.
    pub fn ty(&mut self, ty: ColumnType) -> &mut ColumnChange {
        self.ty = Some(ty);
        self
    }
    /// Makes the column `NOT NULL`.
    pub fn not_null(&mut self) -> &mut ColumnChange {
        self.nullable = Some(false);
        self
    }
    /// Makes the column nullable.
    pub fn nullable(&mut self) -> &mut ColumnChange {
        self.nullable = Some(true);
        self
    }
    /// Sets the server default, as an SQL expression.
    pub fn default_sql(&mut self, expr: impl Into<String>) -> &mut ColumnChange {
        self.default = Some(Some(expr.into()));
        self
    }
    /// Drops the server default.
    pub fn drop_default(&mut self) -> &mut ColumnChange {
        self.default = Some(None);
        self
    }
    /// Sets the planner's statistics target (PostgreSQL; nothing on SQLite).
    pub fn statistics(&mut self, target: i32) -> &mut ColumnChange {
        self.statistics = Some(Some(target));
        self
    }
    /// Returns the statistics target to the server's default.
    pub fn reset_statistics(&mut self) -> &mut ColumnChange {
        self.statistics = Some(None);
        self
    }
}

/// One recorded schema or data change.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    CreateTable(Table),
    DropTable {
        name: String,
    },
    RenameTable {
        from: String,
        to: String,
    },
    AddColumn {
        table: String,
        column: Column,
    },
    DropColumn {
        table: String,
        column: String,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    AlterColumn {
        table: String,
        column: String,
        change: ColumnChange,
    },
    /// `concurrently` is only ever set through [`NonTransactionalOperations`].
    CreateIndex {
        index: Index,
        concurrently: bool,
    },
    DropIndex {
        name: String,
        concurrently: bool,
    },
    AddUnique {
        table: String,
        unique: Unique,
    },
    AddForeignKey {
        table: String,
        foreign_key: ForeignKey,
    },
    AddCheck {
        table: String,
        check: Check,
    },
    DropConstraint {
        table: String,
        name: String,
    },
    /// A unique constraint over an index built concurrently first (`CREATE UNIQUE INDEX
    /// CONCURRENTLY`, then `ADD CONSTRAINT ... UNIQUE USING INDEX`); only ever recorded through
    /// [`NonTransactionalOperations`].
    AddUniqueConcurrently {
        table: String,
        unique: Unique,
    },
    /// Makes a column NOT NULL without a scan under a lock that blocks writes; only ever
    /// recorded through [`NonTransactionalOperations`].
    MakeNotNull {
        table: String,
        column: String,
    },
    /// Validates a constraint added `NOT VALID`.
    ValidateConstraint {
        table: String,
        name: String,
    },
    CreateEnum {
        name: String,
        values: Vec<String>,
    },
    DropEnum {
        name: String,
    },
    AddEnumValue {
        name: String,
        value: String,
    },
    /// Replaces a table's primary key (an empty list removes it), under `name` (`None`: the
    /// default, `<table>_pkey`). The key's columns become NOT NULL, as PostgreSQL makes them.
    SetPrimaryKey {
        table: String,
        columns: Vec<String>,
        name: Option<String>,
    },
    /// Renames a constraint of `table`: its primary key, or a unique, foreign key or check
    /// constraint.
    RenameConstraint {
        table: String,
        from: String,
        to: String,
    },
    /// Removes a value from a PostgreSQL enum type by rebuilding the type (PostgreSQL has no
    /// `DROP VALUE`); fails if a row holds the value.
    DropEnumValue {
        name: String,
        value: String,
    },
    /// Sets (or with `None` removes) the comment of a table, or of one of its columns.
    Comment {
        table: String,
        column: Option<String>,
        comment: Option<String>,
    },
    /// `CREATE EXTENSION` (PostgreSQL; database-wide).
    CreateExtension {
        name: String,
    },
    /// `DROP EXTENSION` (PostgreSQL).
    DropExtension {
        name: String,
    },
    /// Creates a named SQL object: a view, function, trigger, sequence, domain, policy, ...
    CreateObject(SqlObject),
    /// Drops a named SQL object.
    DropObject(ObjectId),
    /// Turns a table's row-level security on (enabled, or forced on its owner too) or off.
    SetRowSecurity {
        table: String,
        to: Option<RowSecurity>,
    },
    /// A data change to an existing table in key-ordered batches, each its own transaction;
    /// only ever recorded through [`NonTransactionalOperations`].
    Backfill(Backfill),
    /// Raw SQL for data migrations; by contract it changes data, not the schema.
    Execute {
        sql: String,
    },
    /// A Rust data transform, run online on the migration's connection and inside its
    /// transaction; by contract it changes data, not the schema. It has no SQL form, so `--sql`
    /// refuses migrations that use one.
    #[cfg(feature = "runner")]
    RunRust {
        name: String,
        step: RustStep,
    },
}

/// A [`DataStep`] as an operation holds it; compared by function address.
#[cfg(feature = "runner")]
#[derive(Clone, Copy)]
pub struct RustStep(pub DataStep);

#[cfg(feature = "runner")]
impl PartialEq for RustStep {
    fn eq(&self, other: &RustStep) -> bool {
        std::ptr::fn_addr_eq(self.0, other.0)
    }
}

#[cfg(feature = "runner")]
impl Eq for RustStep {}

#[cfg(feature = "runner")]
impl std::hash::Hash for RustStep {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

#[cfg(feature = "runner")]
impl std::fmt::Debug for RustStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RustStep(..)")
    }
}

/// The function of a Rust data step: it gets the migration's connection, inside its transaction.
#[cfg(feature = "runner")]
pub type DataStep = for<'a> fn(
    &'a mut dyn DataConnection,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<(), sqlx::Error>> + Send + 'a>,
>;

/// The migration's connection, as a Rust data step gets it: [`DataConnection::execute`] runs
/// SQL on any database, and `postgres()` / `sqlite()` give the driver's connection for typed
/// queries (`None` on the other database).
#[cfg(feature = "runner")]
pub trait DataConnection: Send {
    /// Runs SQL (one or more statements) as it is.
    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), sqlx::Error>> + Send + 'a>>;

    /// The driver's connection, for the backends' typed accessors.
    #[doc(hidden)]
    fn driver_connection(&mut self) -> &mut (dyn std::any::Any + Send);
}

impl Operation {
    /// Whether the operation destroys data: a dropped table or column.
    pub fn is_destructive(&self) -> bool {
        matches!(
            self,
            Operation::DropTable { .. } | Operation::DropColumn { .. }
        )
    }
}

fn names<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

/// The recorder a transactional migration receives: `fn upgrade(op: &mut Operations)`.
#[derive(Debug, Default)]
pub struct Operations {
    ops: Vec<Operation>,
}

impl Operations {
    fn push(&mut self, op: Operation) -> &mut Operation {
        self.ops.push(op);
        self.ops.last_mut().expect("an operation was just pushed")
    }

    /// Creates a table; `define` adds its columns, keys, indexes and constraints.
    ///
    /// ```
    /// # use capp_schema::{Action, ColumnType, Operations};
    /// # let mut op = Operations::default();
    /// op.create_table("payments", |t| {
    ///     t.column("id", ColumnType::Uuid);
    ///     t.column("user_id", ColumnType::Uuid).not_null();
    ///     t.column("amount", ColumnType::Numeric { precision: 20, scale: 8 }).not_null();
    ///     t.primary_key(["id"]);
    ///     t.foreign_key("payments_user_id_fkey", ["user_id"], "users", ["id"]).on_delete(Action::Cascade);
    ///     t.index("ix_payments_user_id", ["user_id"]);
    ///     t.check("ck_payments_amount_positive", "amount > 0");
    /// });
    /// ```
    pub fn create_table(&mut self, name: &str, define: impl FnOnce(&mut Table)) {
        let mut table = Table::new(name);
        define(&mut table);
        self.push(Operation::CreateTable(table));
    }

    /// Drops a table and its data.
    pub fn drop_table(&mut self, name: &str) {
        self.push(Operation::DropTable {
            name: name.to_owned(),
        });
    }

    /// Renames a table.
    pub fn rename_table(&mut self, from: &str, to: &str) {
        self.push(Operation::RenameTable {
            from: from.to_owned(),
            to: to.to_owned(),
        });
    }

    /// Adds a column; returns it for further settings (`.not_null()`, `.default_sql(..)`).
    pub fn add_column(&mut self, table: &str, name: &str, ty: ColumnType) -> &mut Column {
        match self.push(Operation::AddColumn {
            table: table.to_owned(),
            column: Column::new(name, ty),
        }) {
            Operation::AddColumn { column, .. } => column,
            _ => unreachable!("an AddColumn was just pushed"),
        }
    }

    /// Drops a column and its data.
    pub fn drop_column(&mut self, table: &str, column: &str) {
        self.push(Operation::DropColumn {
            table: table.to_owned(),
            column: column.to_owned(),
        });
    }

    /// Renames a column, keeping its data.
    pub fn rename_column(&mut self, table: &str, from: &str, to: &str) {
        self.push(Operation::RenameColumn {
            table: table.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
        });
    }

    /// Changes a column's type, nullability or default; returns the change to fill in.
    pub fn alter_column(&mut self, table: &str, column: &str) -> &mut ColumnChange {
        let op = Operation::AlterColumn {
            table: table.to_owned(),
            column: column.to_owned(),
            change: ColumnChange::default(),
        };
        match self.push(op) {
            Operation::AlterColumn { change, .. } => change,
            _ => unreachable!("an AlterColumn was just pushed"),
        }
    }

    /// Creates an index; returns it for `.unique()` or `.predicate(..)`.
    pub fn create_index<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        name: &str,
        table: &str,
        columns: I,
    ) -> &mut Index {
        self.index(name, table, names(columns), false)
    }

    fn index(
        &mut self,
        name: &str,
        table: &str,
        columns: Vec<String>,
        concurrently: bool,
    ) -> &mut Index {
        let index = Index {
            name: name.to_owned(),
            table: table.to_owned(),
            columns,
            unique: false,
            predicate: None,
            method: None,
            expression: None,
            include: Vec::new(),
            statistics: Vec::new(),
        };
        match self.push(Operation::CreateIndex {
            index,
            concurrently,
        }) {
            Operation::CreateIndex { index, .. } => index,
            _ => unreachable!("a CreateIndex was just pushed"),
        }
    }

    /// Drops an index.
    pub fn drop_index(&mut self, name: &str) {
        self.push(Operation::DropIndex {
            name: name.to_owned(),
            concurrently: false,
        });
    }

    /// Adds a unique constraint.
    pub fn create_unique<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        name: &str,
        table: &str,
        columns: I,
    ) {
        self.push(Operation::AddUnique {
            table: table.to_owned(),
            unique: Unique {
                name: name.to_owned(),
                columns: names(columns),
            },
        });
    }

    /// Adds a foreign key; returns it for `.on_delete(..)` and `.on_update(..)`.
    pub fn create_foreign_key<I, S, J, T>(
        &mut self,
        name: &str,
        table: &str,
        columns: I,
        ref_table: &str,
        ref_columns: J,
    ) -> &mut ForeignKey
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        J: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let foreign_key = ForeignKey::new(name, columns, ref_table, ref_columns);
        match self.push(Operation::AddForeignKey {
            table: table.to_owned(),
            foreign_key,
        }) {
            Operation::AddForeignKey { foreign_key, .. } => foreign_key,
            _ => unreachable!("an AddForeignKey was just pushed"),
        }
    }

    /// Adds a check constraint over an SQL expression.
    pub fn create_check(&mut self, name: &str, table: &str, expr: &str) -> &mut Check {
        match self.push(Operation::AddCheck {
            table: table.to_owned(),
            check: Check {
                name: name.to_owned(),
                expr: expr.to_owned(),
                not_valid: false,
            },
        }) {
            Operation::AddCheck { check, .. } => check,
            _ => unreachable!("an AddCheck was just pushed"),
        }
    }

    /// Validates a constraint added `NOT VALID` (`ALTER TABLE ... VALIDATE CONSTRAINT`,
    /// PostgreSQL): scans the existing rows under a lock that blocks no reads or writes. Nothing
    /// on SQLite, which checks its constraints when they are added.
    pub fn validate_constraint(&mut self, name: &str, table: &str) {
        self.push(Operation::ValidateConstraint {
            table: table.to_owned(),
            name: name.to_owned(),
        });
    }

    /// Drops a unique, foreign key or check constraint.
    pub fn drop_constraint(&mut self, name: &str, table: &str) {
        self.push(Operation::DropConstraint {
            table: table.to_owned(),
            name: name.to_owned(),
        });
    }

    /// Creates a PostgreSQL enum type (nothing on SQLite, where enum columns are TEXT).
    pub fn create_enum<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        name: &str,
        values: I,
    ) {
        self.push(Operation::CreateEnum {
            name: name.to_owned(),
            values: names(values),
        });
    }

    /// Drops a PostgreSQL enum type.
    pub fn drop_enum(&mut self, name: &str) {
        self.push(Operation::DropEnum {
            name: name.to_owned(),
        });
    }

    /// Adds a value to a PostgreSQL enum type.
    pub fn add_enum_value(&mut self, name: &str, value: &str) {
        self.push(Operation::AddEnumValue {
            name: name.to_owned(),
            value: value.to_owned(),
        });
    }

    /// Replaces the primary key of `table` with one over `columns` (none: no primary key), named
    /// `<table>_pkey`. The key it replaces is dropped by its own name; SQLite rebuilds the table.
    pub fn set_primary_key<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        table: &str,
        columns: I,
    ) {
        self.push(Operation::SetPrimaryKey {
            table: table.to_owned(),
            columns: names(columns),
            name: None,
        });
    }

    /// [`Operations::set_primary_key`] under the constraint name `name` (`pk_users`).
    pub fn set_primary_key_named<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        name: &str,
        table: &str,
        columns: I,
    ) {
        self.push(Operation::SetPrimaryKey {
            table: table.to_owned(),
            columns: names(columns),
            name: Some(name.to_owned()),
        });
    }

    /// Renames a constraint of `table`: its primary key (`users_pkey` to `pk_users`), or a
    /// unique, foreign key or check constraint. PostgreSQL renames it in place (`ALTER TABLE ...
    /// RENAME CONSTRAINT`); SQLite rebuilds the table.
    pub fn rename_constraint(&mut self, table: &str, from: &str, to: &str) {
        self.push(Operation::RenameConstraint {
            table: table.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
        });
    }

    /// Removes a value from a PostgreSQL enum type. PostgreSQL cannot drop an enum value, so the
    /// type is rebuilt: renamed aside, created again without the value, every column using it
    /// converted, the old type dropped. It fails, and the migration rolls back, if a row still
    /// holds the value.
    pub fn drop_enum_value(&mut self, name: &str, value: &str) {
        self.push(Operation::DropEnumValue {
            name: name.to_owned(),
            value: value.to_owned(),
        });
    }

    /// Not available here: `CREATE INDEX CONCURRENTLY` cannot run inside a transaction. Declare
    /// the migration `transactional = false` and take `&mut NonTransactionalOperations`, whose
    /// method of this name builds the index.
    pub fn create_index_concurrently<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        name: &str,
        table: &str,
        columns: I,
    ) where
        Self: OutsideATransaction<I>,
    {
        let _ = (name, table, columns);
        unreachable!("`Operations` does not implement `OutsideATransaction`")
    }

    /// Not available here: `DROP INDEX CONCURRENTLY` cannot run inside a transaction (see
    /// [`Operations::create_index_concurrently`]).
    pub fn drop_index_concurrently<N: AsRef<str>>(&mut self, name: N)
    where
        Self: OutsideATransaction<N>,
    {
        let _ = name;
        unreachable!("`Operations` does not implement `OutsideATransaction`")
    }

    /// Not available here: a batched backfill commits each batch, so it cannot run inside the
    /// migration's transaction. Declare the migration `transactional = false` and take `&mut
    /// NonTransactionalOperations`, whose method of this name records it.
    pub fn backfill<T: AsRef<str>>(&mut self, table: T, set: &str)
    where
        Self: OutsideATransaction<T>,
    {
        let _ = (table, set);
        unreachable!("`Operations` does not implement `OutsideATransaction`")
    }

    /// Sets the comment of `table`, or of its `column`; `None` removes it. PostgreSQL keeps
    /// comments; SQLite has none, and a comment there is nothing.
    pub fn set_comment(&mut self, table: &str, column: Option<&str>, comment: Option<&str>) {
        self.push(Operation::Comment {
            table: table.to_owned(),
            column: column.map(str::to_owned),
            comment: comment.map(str::to_owned),
        });
    }

    /// Creates a PostgreSQL extension (`pgcrypto`, `pg_trgm`, `citext`, ...), database-wide.
    /// SQLite has none: a migration with one fails there, naming it.
    pub fn create_extension(&mut self, name: &str) {
        self.push(Operation::CreateExtension {
            name: name.to_owned(),
        });
    }

    /// Drops a PostgreSQL extension.
    pub fn drop_extension(&mut self, name: &str) {
        self.push(Operation::DropExtension {
            name: name.to_owned(),
        });
    }

    /// Creates a view: `query` is its `SELECT`.
    pub fn create_view(&mut self, name: &str, query: &str) {
        self.create_object(SqlObject::new(ObjectKind::View, name, None, query));
    }

    /// Creates a materialized view, filled at once: `query` is its `SELECT` (PostgreSQL).
    pub fn create_materialized_view(&mut self, name: &str, query: &str) {
        self.create_object(SqlObject::new(
            ObjectKind::MaterializedView,
            name,
            None,
            query,
        ));
    }

    /// Creates a function or procedure. `signature` names it with its argument types, as
    /// `DROP FUNCTION` wants it (`touch_updated_at()`, `fee(numeric, text)`); `create` is the
    /// whole `CREATE FUNCTION` statement (PostgreSQL). Bodies are not checked when created
    /// (`check_function_bodies = off`, as `pg_dump` does): a body may use a table created later.
    pub fn create_function(&mut self, signature: &str, create: &str) {
        self.create_object(SqlObject::new(
            ObjectKind::Function,
            signature,
            None,
            create,
        ));
    }

    /// Creates an operator: `signature` is its symbol with its argument types (`~<<(text,
    /// text)`), `create` the whole `CREATE OPERATOR` statement (PostgreSQL).
    pub fn create_operator(&mut self, signature: &str, create: &str) {
        self.create_object(SqlObject::new(
            ObjectKind::Operator,
            signature,
            None,
            create,
        ));
    }

    /// Creates a trigger on `table`: `create` is the whole `CREATE TRIGGER` statement.
    pub fn create_trigger(&mut self, name: &str, table: &str, create: &str) {
        self.create_object(SqlObject::new(
            ObjectKind::Trigger,
            name,
            Some(table),
            create,
        ));
    }

    /// Creates a sequence no column owns: `options` follow its name (`AS bigint START WITH 1
    /// INCREMENT BY 1`; empty for the defaults). PostgreSQL.
    pub fn create_sequence(&mut self, name: &str, options: &str) {
        self.create_object(SqlObject::new(ObjectKind::Sequence, name, None, options));
    }

    /// Creates a domain: `definition` follows `AS` (`integer CHECK (VALUE > 0)`). PostgreSQL.
    pub fn create_domain(&mut self, name: &str, definition: &str) {
        self.create_object(SqlObject::new(ObjectKind::Domain, name, None, definition));
    }

    /// Creates a row-level-security policy on `table`: `create` is the whole `CREATE POLICY`
    /// statement. It binds only once the table's row security is on
    /// ([`Operations::set_row_security`]). PostgreSQL.
    pub fn create_policy(&mut self, name: &str, table: &str, create: &str) {
        self.create_object(SqlObject::new(
            ObjectKind::Policy,
            name,
            Some(table),
            create,
        ));
    }

    /// Creates an index on a materialized view: `create` is the whole `CREATE INDEX` statement.
    pub fn create_view_index(&mut self, name: &str, view: &str, create: &str) {
        self.create_object(SqlObject::new(
            ObjectKind::ViewIndex,
            name,
            Some(view),
            create,
        ));
    }

    /// Creates any named SQL object.
    pub fn create_object(&mut self, object: SqlObject) {
        self.push(Operation::CreateObject(object));
    }

    /// Drops a named SQL object: `table` for triggers, policies and indexes on materialized
    /// views, `None` for the rest; a function by its signature.
    pub fn drop_object(&mut self, kind: ObjectKind, name: &str, table: Option<&str>) {
        self.push(Operation::DropObject(ObjectId {
            kind,
            table: table.map(str::to_owned),
            name: name.to_owned(),
        }));
    }

    /// Turns `table`'s row-level security on ([`RowSecurity::Enabled`], or
    /// [`RowSecurity::Forced`] on its owner too) or, with `None`, off. PostgreSQL.
    pub fn set_row_security(&mut self, table: &str, to: Option<RowSecurity>) {
        self.push(Operation::SetRowSecurity {
            table: table.to_owned(),
            to,
        });
    }

    /// Runs SQL as written, for data migrations. It must not change the schema: the schema model
    /// is folded from the other operations only.
    pub fn execute(&mut self, sql: &str) {
        self.push(Operation::Execute {
            sql: sql.to_owned(),
        });
    }

    /// Runs a Rust data transform online, inside the migration's transaction, for data changes
    /// SQL cannot express well. The migration's checksum covers this call, not the body of a
    /// function it names: keep the transform in the closure, or never edit the function.
    ///
    /// ```
    /// # use capp_schema::Operations;
    /// # let mut op = Operations::default();
    /// op.run_rust("normalise emails", |db| {
    ///     Box::pin(async move {
    ///         if let Some(conn) = db.postgres() {
    ///             sqlx::query("UPDATE users SET email = lower(email)").execute(conn).await?;
    ///         }
    ///         Ok(())
    ///     })
    /// });
    /// ```
    #[cfg(feature = "runner")]
    pub fn run_rust(&mut self, name: &str, step: DataStep) {
        self.push(Operation::RunRust {
            name: name.to_owned(),
            step: RustStep(step),
        });
    }

    /// The operations recorded so far.
    pub fn operations(&self) -> &[Operation] {
        &self.ops
    }
}

/// Implemented by no recorder: it turns a concurrent index operation in a transactional
/// migration into a compile error that says what to do.
#[diagnostic::on_unimplemented(
    message = "this operation cannot run inside a transaction",
    label = "only `transactional = false` migrations can do this",
    note = "declare `#[migration(..., transactional = false)]` and take `op: &mut NonTransactionalOperations` in both directions"
)]
pub trait OutsideATransaction<T> {}

/// The recorder a `transactional = false` migration receives. It offers everything
/// [`Operations`] does, plus the operations that cannot run inside a transaction.
#[derive(Debug, Default)]
pub struct NonTransactionalOperations {
    inner: Operations,
}

impl NonTransactionalOperations {
    /// `CREATE INDEX CONCURRENTLY` on PostgreSQL (a plain `CREATE INDEX` on SQLite): builds the
    /// index without blocking writes.
    pub fn create_index_concurrently<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        name: &str,
        table: &str,
        columns: I,
    ) -> &mut Index {
        self.inner.index(name, table, names(columns), true)
    }

    /// A unique constraint built without blocking writes (PostgreSQL): a unique index built
    /// `CONCURRENTLY`, then made the constraint (`ADD CONSTRAINT ... UNIQUE USING INDEX`, a short
    /// lock). Duplicates make the build fail. A plain unique constraint on SQLite.
    pub fn create_unique_concurrently<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        name: &str,
        table: &str,
        columns: I,
    ) {
        self.inner.push(Operation::AddUniqueConcurrently {
            table: table.to_owned(),
            unique: Unique {
                name: name.to_owned(),
                columns: names(columns),
            },
        });
    }

    /// Makes an existing column `NOT NULL` without scanning the table under a lock that blocks
    /// writes (PostgreSQL), in four short steps, each its own transaction: a `CHECK (column IS
    /// NOT NULL) NOT VALID`, its validation (a scan that blocks no writes), `SET NOT NULL` (which
    /// trusts the validated check and scans nothing), and the check dropped. A NULL fails the
    /// validation, before any lock is held for long. A plain `NOT NULL` on SQLite.
    pub fn make_not_null(&mut self, table: &str, column: &str) {
        self.inner.push(Operation::MakeNotNull {
            table: table.to_owned(),
            column: column.to_owned(),
        });
    }

    /// Changes the rows of an existing table in key-ordered batches, each its own short
    /// transaction, resumable after a crash from the last batch that committed (see
    /// [`Backfill`]): `set` is the `SET` list, as SQL. One plain `UPDATE` on SQLite.
    ///
    /// ```
    /// # use capp_schema::NonTransactionalOperations;
    /// # use std::time::Duration;
    /// # let mut op = NonTransactionalOperations::default();
    /// op.backfill("payments", "fee_cents = amount_cents / 100")
    ///     .only_where("fee_cents IS NULL")
    ///     .batch_rows(5_000)
    ///     .batch_time(Duration::from_millis(500));
    /// ```
    pub fn backfill(&mut self, table: &str, set: &str) -> &mut Backfill {
        match self
            .inner
            .push(Operation::Backfill(Backfill::new(table, set)))
        {
            Operation::Backfill(backfill) => backfill,
            _ => unreachable!("a Backfill was just pushed"),
        }
    }

    /// `DROP INDEX CONCURRENTLY` on PostgreSQL.
    pub fn drop_index_concurrently<N: AsRef<str>>(&mut self, name: N) {
        let name = name.as_ref();
        self.inner.push(Operation::DropIndex {
            name: name.to_owned(),
            concurrently: true,
        });
    }
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
