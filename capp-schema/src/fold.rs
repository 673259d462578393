//! The fold: [`Schema::apply`] advances the schema model by one operation, checking that it fits.
//! Folding a history in memory gives the schema it builds, without a database.

use crate::objects::{ObjectId, ObjectKind, SqlObject};
use crate::ops::{ColumnChange, Operation};
use crate::schema::{Column, FoldError, Index, MAX_NAME_BYTES, Schema, Table};

/// Refuses a name `op` gives to anything, or that the renderer derives from one (the default
/// `<table>_pkey` of a primary key), when PostgreSQL would cut it: the same history must build the same schema on every
/// database.
fn check_names(op: &Operation) -> Result<(), FoldError> {
    let mut names: Vec<String> = Vec::new();
    let table = |t: &Table, names: &mut Vec<String>| {
        names.push(t.name.clone());
        names.extend(t.primary_key_constraint());
        names.extend(t.columns.iter().map(|c| c.name.clone()));
        names.extend(t.indexes.iter().map(|i| i.name.clone()));
        names.extend(t.uniques.iter().map(|u| u.name.clone()));
        names.extend(t.foreign_keys.iter().map(|f| f.name.clone()));
        names.extend(t.checks.iter().map(|c| c.name.clone()));
    };
    match op {
        Operation::CreateTable(t) => table(t, &mut names),
        Operation::RenameTable { to, .. } => names.extend([to.clone(), format!("{to}_pkey")]),
        Operation::AddColumn { column, .. } => names.push(column.name.clone()),
        Operation::RenameColumn { to, .. } => names.push(to.clone()),
        Operation::CreateIndex { index, .. } => names.push(index.name.clone()),
        Operation::AddUnique { unique, .. } | Operation::AddUniqueConcurrently { unique, .. } => {
            names.push(unique.name.clone());
        }
        Operation::AddForeignKey { foreign_key, .. } => names.push(foreign_key.name.clone()),
        Operation::AddCheck { check, .. } => names.push(check.name.clone()),
        Operation::SetPrimaryKey { table, name, .. } => {
            names.push(name.clone().unwrap_or_else(|| format!("{table}_pkey")));
        }
        Operation::RenameConstraint { to, .. } => names.push(to.clone()),
        Operation::CreateEnum { name, values } => {
            names.push(name.clone());
            names.extend(values.iter().cloned());
        }
        Operation::AddEnumValue { value, .. } => names.push(value.clone()),
        // A function's name is its signature: its name is the part before the arguments.
        Operation::CreateObject(object) => names.push(
            object
                .id
                .name
                .split('(')
                .next()
                .unwrap_or_default()
                .to_owned(),
        ),
        _ => {}
    }
    match names.into_iter().find(|n| n.len() > MAX_NAME_BYTES) {
        Some(name) => Err(FoldError::NameTooLong {
            bytes: name.len(),
            name,
        }),
        None => Ok(()),
    }
}

/// Whether two indexes have the same shape (all but their names and tables): PostgreSQL's test
/// for a partition's index to serve as part of its parent's.
fn same_shape(a: &Index, b: &Index) -> bool {
    (
        a.unique,
        &a.columns,
        &a.method,
        &a.expression,
        &a.predicate,
        &a.include,
    ) == (
        b.unique,
        &b.columns,
        &b.method,
        &b.expression,
        &b.predicate,
        &b.include,
    )
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, the longer of the two names cut until it
/// fits in a name (63 bytes).
pub(crate) fn object_name(name1: &str, name2: &str, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(!name2.is_empty());
    let available = MAX_NAME_BYTES.saturating_sub(overhead);
    let (mut n1, mut n2) = (name1.len(), name2.len());
    while n1 + n2 > available {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let cut = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_owned()
    };
    let mut name = cut(name1, n1);
    if !name2.is_empty() {
        name.push('_');
        name.push_str(&cut(name2, n2));
    }
    name.push('_');
    name.push_str(label);
    name
}

impl Schema {
    /// The table with this name.
    pub fn table(&self, name: &str) -> Result<&Table, FoldError> {
        self.tables
            .get(name)
            .ok_or_else(|| FoldError::NoTable(name.to_owned()))
    }

    fn table_mut(&mut self, name: &str) -> Result<&mut Table, FoldError> {
        self.tables
            .get_mut(name)
            .ok_or_else(|| FoldError::NoTable(name.to_owned()))
    }

    fn index_exists(&self, name: &str) -> bool {
        self.tables
            .values()
            .any(|t| t.indexes.iter().any(|i| i.name == name))
    }

    /// Applies one operation. `execute` changes data only, by contract, so it leaves the model as
    /// it is.
    pub fn apply(&mut self, op: &Operation) -> Result<(), FoldError> {
        check_names(op)?;
        use Operation as Op;
        match op {
            Op::CreateTable(table) => self.create_table(table),
            Op::DropTable { name } => self.drop_table(name),
            Op::RenameTable { from, to } => self.rename_table(from, to),
            Op::AddColumn { table, column } => self.add_column(table, column),
            Op::DropColumn { table, column } => self.drop_column(table, column),
            Op::RenameColumn { table, from, to } => self.rename_column(table, from, to),
            Op::AlterColumn {
                table,
                column,
                change,
            } => self.alter_column(table, column, change),
            Op::SetPrimaryKey {
                table,
                columns,
                name,
            } => self.set_primary_key(table, columns, name.as_deref()),
            Op::RenameConstraint { table, from, to } => self.rename_constraint(table, from, to),
            Op::CreateIndex { index, .. } => self.create_index(index),
            Op::DropIndex { name, .. } => self.drop_index(name),
            Op::AddUnique { table, unique } | Op::AddUniqueConcurrently { table, unique } => {
                let t = self.constraint_slot(table, &unique.name)?;
                t.uniques.push(unique.clone());
                Ok(())
            }
            Op::AddForeignKey { table, foreign_key } => {
                let t = self.constraint_slot(table, &foreign_key.name)?;
                t.foreign_keys.push(foreign_key.clone());
                Ok(())
            }
            Op::AddCheck { table, check } => {
                let t = self.constraint_slot(table, &check.name)?;
                t.checks.push(check.clone());
                Ok(())
            }
            Op::DropConstraint { table, name } => self.drop_constraint(table, name),
            Op::ValidateConstraint { table, name } => self.validate_constraint(table, name),
            Op::MakeNotNull { table, column } => {
                self.table_mut(table)?.column_mut(table, column)?.nullable = false;
                Ok(())
            }
            Op::Comment {
                table,
                column,
                comment,
            } => self.set_comment(table, column.as_deref(), comment.as_ref()),
            Op::CreateExtension { name } => self.set_extension(name, true),
            Op::DropExtension { name } => self.set_extension(name, false),
            Op::CreateEnum { name, values } => self.create_enum(name, values),
            Op::DropEnum { name } => self.drop_enum(name),
            Op::AddEnumValue { name, value } => self.add_enum_value(name, value),
            Op::DropEnumValue { name, value } => self.drop_enum_value(name, value),
            Op::CreateObject(object) => self.create_object(object),
            Op::DropObject(id) => self
                .objects
                .remove(id)
                .map(drop)
                .ok_or_else(|| FoldError::NoObject(id.clone())),
            Op::SetRowSecurity { table, to } => {
                self.table_mut(table)?.row_security = *to;
                Ok(())
            }
            Op::Backfill(backfill) => crate::backfill::key_columns(backfill, self).map(drop),
            Op::Execute { .. } => Ok(()),
            #[cfg(feature = "runner")]
            Op::RunRust { .. } => Ok(()),
        }
    }

    /// Creates (`create`) or drops extension `name`.
    fn set_extension(&mut self, name: &str, create: bool) -> Result<(), FoldError> {
        match create {
            true if !self.extensions.insert(name.to_owned()) => {
                Err(FoldError::ExtensionExists(name.to_owned()))
            }
            false if !self.extensions.remove(name) => Err(FoldError::NoExtension(name.to_owned())),
            _ => Ok(()),
        }
    }

    // Tables.

    fn create_table(&mut self, table: &Table) -> Result<(), FoldError> {
        if self.tables.contains_key(&table.name) {
            return Err(FoldError::TableExists(table.name.clone()));
        }
        if let Some(of) = &table.partition_of
            && !self.tables.contains_key(&of.parent)
        {
            return Err(FoldError::NoTable(of.parent.clone()));
        }
        for index in &table.indexes {
            if self.index_exists(&index.name) {
                return Err(FoldError::IndexExists(index.name.clone()));
            }
        }
        self.tables.insert(table.name.clone(), table.clone());
        // A new partition gets an index for each of its parent's (its own come after).
        if let Some(of) = &table.partition_of {
            let parent_indexes = self.table(&of.parent)?.indexes.clone();
            for index in &parent_indexes {
                self.add_partition_index(&table.name, index);
            }
            // Its own indexes were rendered after those: keep them last, as created.
            if let Some(t) = self.tables.get_mut(&table.name) {
                let own = t.indexes.len() - parent_indexes.len();
                t.indexes.rotate_left(own);
            }
        }
        Ok(())
    }

    /// Drops a table with its triggers and policies, as the databases do.
    fn drop_table(&mut self, name: &str) -> Result<(), FoldError> {
        self.tables
            .remove(name)
            .ok_or_else(|| FoldError::NoTable(name.to_owned()))?;
        self.objects
            .retain(|id, _| id.table.as_deref() != Some(name));
        Ok(())
    }

    /// Sets (or removes) the comment of a table, or of one of its columns.
    fn set_comment(
        &mut self,
        table: &str,
        column: Option<&str>,
        comment: Option<&String>,
    ) -> Result<(), FoldError> {
        let t = self.table_mut(table)?;
        match column {
            None => t.comment = comment.cloned(),
            Some(name) => t.column_mut(table, name)?.comment = comment.cloned(),
        }
        Ok(())
    }

    // Named SQL objects.

    /// Adds a named object; one on a table needs the table (or, for an index, the materialized
    /// view).
    fn create_object(&mut self, object: &SqlObject) -> Result<(), FoldError> {
        let id = &object.id;
        if self.objects.contains_key(id) {
            return Err(FoldError::ObjectExists(id.clone()));
        }
        if let Some(table) = &id.table {
            let view = ObjectId {
                kind: ObjectKind::MaterializedView,
                table: None,
                name: table.clone(),
            };
            let exists = match id.kind {
                ObjectKind::ViewIndex => self.objects.contains_key(&view),
                _ => self.tables.contains_key(table),
            };
            if !exists {
                return Err(match id.kind {
                    ObjectKind::ViewIndex => FoldError::NoObject(view),
                    _ => FoldError::NoTable(table.clone()),
                });
            }
        }
        self.objects.insert(id.clone(), object.clone());
        Ok(())
    }

    /// Renames a table; its indexes and the foreign keys that reference it follow.
    fn rename_table(&mut self, from: &str, to: &str) -> Result<(), FoldError> {
        if self.tables.contains_key(to) {
            return Err(FoldError::TableExists(to.to_owned()));
        }
        let mut table = self
            .tables
            .remove(from)
            .ok_or_else(|| FoldError::NoTable(from.to_owned()))?;
        // The databases keep the primary key's name: a default one is the old table's.
        if table.primary_key_name.is_none() {
            table.primary_key_name = table.primary_key_constraint();
        }
        table.name = to.to_owned();
        for index in &mut table.indexes {
            index.table = to.to_owned();
        }
        self.tables.insert(to.to_owned(), table);
        // Its triggers and policies follow it (their SQL keeps the name it was created with).
        let moved: Vec<ObjectId> = self
            .objects
            .keys()
            .filter(|id| id.table.as_deref() == Some(from) && id.kind != ObjectKind::ViewIndex)
            .cloned()
            .collect();
        for id in moved {
            if let Some(mut object) = self.objects.remove(&id) {
                object.id.table = Some(to.to_owned());
                self.objects.insert(object.id.clone(), object);
            }
        }
        for t in self.tables.values_mut() {
            for fk in &mut t.foreign_keys {
                if fk.ref_table == from {
                    fk.ref_table = to.to_owned();
                }
            }
        }
        Ok(())
    }

    // Columns.

    fn add_column(&mut self, table: &str, column: &Column) -> Result<(), FoldError> {
        let t = self.table_mut(table)?;
        if t.get_column(&column.name).is_some() {
            return Err(FoldError::ColumnExists {
                table: table.to_owned(),
                column: column.name.clone(),
            });
        }
        t.columns.push(column.clone());
        Ok(())
    }

    fn drop_column(&mut self, table: &str, column: &str) -> Result<(), FoldError> {
        let t = self.table_mut(table)?;
        let before = t.columns.len();
        t.columns.retain(|c| c.name != column);
        if t.columns.len() == before {
            return Err(FoldError::NoColumn {
                table: table.to_owned(),
                column: column.to_owned(),
            });
        }
        // Like the databases: indexes and constraints over the column go with it.
        let over = |columns: &Vec<String>| columns.iter().any(|c| c == column);
        t.indexes.retain(|i| !over(&i.columns));
        t.uniques.retain(|u| !over(&u.columns));
        t.foreign_keys.retain(|f| !over(&f.columns));
        t.primary_key.retain(|c| c != column);
        if t.primary_key.is_empty() {
            t.primary_key_name = None;
        }
        Ok(())
    }

    /// Renames a column; the keys, indexes and constraints over it, and the foreign keys that
    /// reference it, follow.
    fn rename_column(&mut self, table: &str, from: &str, to: &str) -> Result<(), FoldError> {
        let t = self.table_mut(table)?;
        if t.get_column(to).is_some() {
            return Err(FoldError::ColumnExists {
                table: table.to_owned(),
                column: to.to_owned(),
            });
        }
        t.column_mut(table, from)?.name = to.to_owned();
        let rename = |cols: &mut Vec<String>| {
            for c in cols.iter_mut().filter(|c| *c == from) {
                *c = to.to_owned();
            }
        };
        rename(&mut t.primary_key);
        t.indexes.iter_mut().for_each(|i| rename(&mut i.columns));
        t.uniques.iter_mut().for_each(|u| rename(&mut u.columns));
        t.foreign_keys
            .iter_mut()
            .for_each(|f| rename(&mut f.columns));
        for t in self.tables.values_mut() {
            for fk in t.foreign_keys.iter_mut().filter(|f| f.ref_table == table) {
                rename(&mut fk.ref_columns);
            }
        }
        Ok(())
    }

    fn alter_column(
        &mut self,
        table: &str,
        column: &str,
        change: &ColumnChange,
    ) -> Result<(), FoldError> {
        let c = self.table_mut(table)?.column_mut(table, column)?;
        if let Some(ty) = &change.ty {
            c.ty = ty.clone();
        }
        if let Some(nullable) = change.nullable {
            c.nullable = nullable;
        }
        if let Some(default) = &change.default {
            c.default = default.clone();
        }
        if let Some(statistics) = change.statistics {
            c.statistics = statistics;
        }
        Ok(())
    }

    fn set_primary_key(
        &mut self,
        table: &str,
        columns: &[String],
        name: Option<&str>,
    ) -> Result<(), FoldError> {
        let t = self.table_mut(table)?;
        for column in columns {
            if t.get_column(column).is_none() {
                return Err(FoldError::NoColumn {
                    table: table.to_owned(),
                    column: column.clone(),
                });
            }
        }
        // The old key is dropped first, so the new one may take a name it had.
        let old = t.primary_key_constraint();
        if let Some(name) = name
            && old.as_deref() != Some(name)
            && t.has_constraint(name)
        {
            return Err(FoldError::ConstraintExists {
                table: table.to_owned(),
                constraint: name.to_owned(),
            });
        }
        match name {
            Some(name) if !columns.is_empty() => t.primary_key_named(name, columns.iter().cloned()),
            _ => t.primary_key(columns.iter().cloned()),
        };
        Ok(())
    }

    /// Renames the primary key or a unique, foreign key or check constraint of `table`.
    fn rename_constraint(&mut self, table: &str, from: &str, to: &str) -> Result<(), FoldError> {
        let t = self.table_mut(table)?;
        let exists = |name: &str| {
            t.has_constraint(name) || t.primary_key_constraint().as_deref() == Some(name)
        };
        if !exists(from) {
            return Err(FoldError::NoConstraint {
                table: table.to_owned(),
                constraint: from.to_owned(),
            });
        }
        if from != to && exists(to) {
            return Err(FoldError::ConstraintExists {
                table: table.to_owned(),
                constraint: to.to_owned(),
            });
        }
        if t.primary_key_constraint().as_deref() == Some(from) {
            t.set_primary_key_name(to);
        }
        let rename = |name: &mut String| {
            if name == from {
                *name = to.to_owned();
            }
        };
        t.uniques.iter_mut().for_each(|u| rename(&mut u.name));
        t.foreign_keys.iter_mut().for_each(|f| rename(&mut f.name));
        t.checks.iter_mut().for_each(|c| rename(&mut c.name));
        Ok(())
    }

    // Indexes and constraints.

    fn create_index(&mut self, index: &Index) -> Result<(), FoldError> {
        if self.index_exists(&index.name) {
            return Err(FoldError::IndexExists(index.name.clone()));
        }
        self.table_mut(&index.table)?.indexes.push(index.clone());
        // On a partitioned table, PostgreSQL gives each partition the index too: the partition's
        // own index of the same shape if it has one, else a new one it names.
        for partition in self.partitions_of(&index.table) {
            let has_one = self.tables[&partition]
                .indexes
                .iter()
                .any(|i| same_shape(i, index));
            if !has_one {
                self.add_partition_index(&partition, index);
            }
        }
        Ok(())
    }

    /// Drops an index; on a partitioned table, the partitions' indexes that are its parts go
    /// with it (one of the same shape per partition).
    fn drop_index(&mut self, name: &str) -> Result<(), FoldError> {
        let table = self
            .tables
            .values_mut()
            .find(|t| t.indexes.iter().any(|i| i.name == name))
            .ok_or_else(|| FoldError::NoIndex(name.to_owned()))?;
        let dropped = table.indexes.iter().find(|i| i.name == name).cloned();
        table.indexes.retain(|i| i.name != name);
        let table = table.name.clone();
        if let Some(dropped) = dropped {
            for partition in self.partitions_of(&table) {
                let indexes = &mut self.table_mut(&partition)?.indexes;
                if let Some(at) = indexes.iter().position(|i| same_shape(i, &dropped)) {
                    indexes.remove(at);
                }
            }
        }
        Ok(())
    }

    /// The partitions of `table`.
    fn partitions_of(&self, table: &str) -> Vec<String> {
        self.tables
            .values()
            .filter(|t| t.partition_of.as_ref().is_some_and(|of| of.parent == table))
            .map(|t| t.name.clone())
            .collect()
    }

    /// The index PostgreSQL makes on `partition` for the parent's `index`, under the name it
    /// chooses: `<partition>_<columns>_idx` (`expr` for expressions), cut to fit and numbered
    /// past names in use.
    fn add_partition_index(&mut self, partition: &str, index: &Index) {
        let columns = if index.expression.is_some() {
            "expr".to_owned()
        } else {
            index.columns.join("_")
        };
        let taken = |name: &str| {
            self.tables.contains_key(name)
                || self.index_exists(name)
                || self.tables.values().any(|t| {
                    t.primary_key_constraint().as_deref() == Some(name) || t.has_constraint(name)
                })
                || self.objects.keys().any(|id| id.name == name)
        };
        let name = (0..)
            .map(|pass| {
                let label = if pass == 0 {
                    "idx".to_owned()
                } else {
                    format!("idx{pass}")
                };
                object_name(partition, &columns, &label)
            })
            .find(|name| !taken(name))
            .unwrap_or_default();
        let mut own = index.clone();
        own.name = name;
        own.table = partition.to_owned();
        if let Some(t) = self.tables.get_mut(partition) {
            t.indexes.push(own);
        }
    }

    /// Marks a foreign key or check validated.
    fn validate_constraint(&mut self, table: &str, name: &str) -> Result<(), FoldError> {
        let t = self.table_mut(table)?;
        if let Some(fk) = t.foreign_keys.iter_mut().find(|f| f.name == name) {
            fk.not_valid = false;
        } else if let Some(check) = t.checks.iter_mut().find(|c| c.name == name) {
            check.not_valid = false;
        } else {
            return Err(FoldError::NoConstraint {
                table: table.to_owned(),
                constraint: name.to_owned(),
            });
        }
        Ok(())
    }

    fn constraint_slot(&mut self, table: &str, name: &str) -> Result<&mut Table, FoldError> {
        let t = self.table_mut(table)?;
        if t.has_constraint(name) || t.primary_key_constraint().as_deref() == Some(name) {
            return Err(FoldError::ConstraintExists {
                table: table.to_owned(),
                constraint: name.to_owned(),
            });
        }
        Ok(t)
    }

    fn drop_constraint(&mut self, table: &str, name: &str) -> Result<(), FoldError> {
        let t = self.table_mut(table)?;
        if !t.has_constraint(name) {
            return Err(FoldError::NoConstraint {
                table: table.to_owned(),
                constraint: name.to_owned(),
            });
        }
        t.uniques.retain(|u| u.name != name);
        t.foreign_keys.retain(|f| f.name != name);
        t.checks.retain(|c| c.name != name);
        Ok(())
    }

    // Enum types.

    fn create_enum(&mut self, name: &str, values: &[String]) -> Result<(), FoldError> {
        if self.enums.contains_key(name) {
            return Err(FoldError::EnumExists(name.to_owned()));
        }
        self.enums.insert(name.to_owned(), values.to_vec());
        Ok(())
    }

    fn drop_enum(&mut self, name: &str) -> Result<(), FoldError> {
        self.enums
            .remove(name)
            .map(drop)
            .ok_or_else(|| FoldError::NoEnum(name.to_owned()))
    }

    fn enum_values_mut(&mut self, name: &str) -> Result<&mut Vec<String>, FoldError> {
        self.enums
            .get_mut(name)
            .ok_or_else(|| FoldError::NoEnum(name.to_owned()))
    }

    fn add_enum_value(&mut self, name: &str, value: &str) -> Result<(), FoldError> {
        let values = self.enum_values_mut(name)?;
        if values.iter().any(|v| v == value) {
            return Err(FoldError::EnumValueExists {
                name: name.to_owned(),
                value: value.to_owned(),
            });
        }
        values.push(value.to_owned());
        Ok(())
    }

    fn drop_enum_value(&mut self, name: &str, value: &str) -> Result<(), FoldError> {
        let values = self.enum_values_mut(name)?;
        let before = values.len();
        values.retain(|v| v != value);
        if values.len() == before {
            return Err(FoldError::NoEnumValue {
                name: name.to_owned(),
                value: value.to_owned(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{ColumnType, FoldError, Operations, Schema};

    fn fold(op: &Operations) -> Result<Schema, FoldError> {
        let mut schema = Schema::default();
        for o in op.operations() {
            schema.apply(o)?;
        }
        Ok(schema)
    }

    #[test]
    fn a_primary_key_keeps_its_name_through_renames() {
        let mut op = Operations::default();
        op.create_table("users", |t| {
            t.column("id", ColumnType::Integer);
            t.column("email", ColumnType::Text);
            t.primary_key(["id"]);
            t.unique("uq_users_email", ["email"]);
        });
        let key = |s: &Schema, t: &str| s.tables[t].primary_key_constraint();
        assert_eq!(
            key(&fold(&op).unwrap(), "users").as_deref(),
            Some("users_pkey")
        );
        op.rename_table("users", "people");
        assert_eq!(
            key(&fold(&op).unwrap(), "people").as_deref(),
            Some("users_pkey")
        );
        op.rename_constraint("people", "users_pkey", "pk_people");
        assert_eq!(
            key(&fold(&op).unwrap(), "people").as_deref(),
            Some("pk_people")
        );
        // Back to the default name: kept as no name.
        op.rename_constraint("people", "pk_people", "people_pkey");
        assert_eq!(fold(&op).unwrap().tables["people"].primary_key_name, None);

        let mut taken = Operations::default();
        taken.create_table("users", |t| {
            t.column("id", ColumnType::Integer);
            t.column("email", ColumnType::Text);
            t.primary_key_named("pk_users", ["id"]);
            t.unique("uq_users_email", ["email"]);
        });
        let mut clash = Operations::default();
        clash.rename_constraint("users", "uq_users_email", "pk_users");
        let mut missing = Operations::default();
        missing.rename_constraint("users", "users_pkey", "pk");
        let mut unique = Operations::default();
        unique.create_unique("pk_users", "users", ["email"]);
        for (ops, expected) in [
            (
                clash,
                FoldError::ConstraintExists {
                    table: "users".into(),
                    constraint: "pk_users".into(),
                },
            ),
            (
                missing,
                FoldError::NoConstraint {
                    table: "users".into(),
                    constraint: "users_pkey".into(),
                },
            ),
            (
                unique,
                FoldError::ConstraintExists {
                    table: "users".into(),
                    constraint: "pk_users".into(),
                },
            ),
        ] {
            let mut schema = fold(&taken).unwrap();
            let err = ops
                .operations()
                .iter()
                .try_for_each(|o| schema.apply(o))
                .unwrap_err();
            assert_eq!(err, expected);
        }
    }

    #[test]
    fn names_postgresql_would_cut_are_refused_with_their_length() {
        let longest = "a".repeat(58); // `_pkey` makes 63
        let mut op = Operations::default();
        op.create_table(&longest, |t| {
            t.column("id", ColumnType::Integer);
            t.primary_key(["id"]);
        });
        assert!(fold(&op).is_ok());

        let mut op = Operations::default();
        op.create_table(&"a".repeat(59), |t| {
            t.column("id", ColumnType::Integer);
            t.primary_key(["id"]);
        });
        assert_eq!(
            fold(&op).unwrap_err(),
            FoldError::NameTooLong {
                name: format!("{}_pkey", "a".repeat(59)),
                bytes: 64
            }
        );

        let mut op = Operations::default();
        op.create_table("t", |t| {
            t.column("id", ColumnType::Integer);
        });
        op.add_column("t", &"é".repeat(32), ColumnType::Text);
        let err = fold(&op).unwrap_err();
        assert!(
            matches!(&err, FoldError::NameTooLong { bytes: 64, .. }),
            "bytes, not characters: {err}"
        );
        assert!(err.to_string().contains("63 bytes"), "{err}");
    }
}
