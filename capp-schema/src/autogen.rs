//! `revision --autogenerate`: the operations that take the history's head to the models, both
//! ways, written as a migration file a person would write.
//!
//! Unlike Alembic, it needs no database (the head is folded in memory), it detects enum types and
//! their values, and it never turns a declared rename (`#[column(renamed_from = "old")]`) into a
//! drop and an add.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use crate::compare::Equality;
use crate::model::Models;
use crate::objects::{ObjectKind, RowSecurity, SqlObject};
use crate::ops::{ColumnChange, Operation};
use crate::schema::{
    Action, Check, Column, ColumnType, Deferral, ForeignKey, Identity, Index, Schema, Table, Unique,
};

/// What autogenerate found.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub upgrade: Vec<Operation>,
    pub downgrade: Vec<Operation>,
    /// Steps a person must review: drops, type changes, NOT NULL without a default, ...
    pub warnings: Vec<String>,
    /// Tables and columns the history has and no model declares, not dropped because
    /// [`Options::drops`] was off: each a sentence saying what to do.
    pub withheld: Vec<String>,
    /// What the next migration does, `transactional = false`, on tables the head already has
    /// (they may hold rows): indexes and unique constraints built concurrently, columns made NOT
    /// NULL through a validated check, and the validation of the constraints this one adds NOT
    /// VALID. Empty when there is none of it.
    pub follow_up: Vec<Operation>,
    /// The downgrade of [`Plan::follow_up`].
    pub follow_up_downgrade: Vec<Operation>,
}

/// How autogenerate plans.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Write `drop_table` and `drop_column` for tables and columns the history has and no model
    /// declares. Off, they are listed in [`Plan::withheld`] instead: a column added by a
    /// migration whose model was not updated must not be dropped by the next autogenerate.
    pub drops: bool,
    /// Compare with a live database's introspected schema instead of the history's head (see
    /// [`plan_against_database`]).
    pub against_database: bool,
}

impl Plan {
    /// Nothing to change.
    pub fn is_empty(&self) -> bool {
        self.upgrade.is_empty() && self.follow_up.is_empty()
    }
}

/// The operations from `head` (the schema the history builds, folded in memory) to `models`,
/// drops included.
pub fn plan(head: &Schema, models: &Models) -> Plan {
    plan_with(
        head,
        models,
        Options {
            drops: true,
            against_database: false,
        },
    )
}

/// The operations from a live database's introspected schema to `models`, drops included.
/// Databases rewrite check expressions and partial-index predicates, so those are matched by name
/// and presence only.
pub fn plan_against_database(live: &Schema, models: &Models) -> Plan {
    plan_with(
        live,
        models,
        Options {
            drops: true,
            against_database: true,
        },
    )
}

/// The operations from `from` (the history's head, or a live database's schema) to `models`.
pub fn plan_with(from: &Schema, models: &Models, options: Options) -> Plan {
    if !options.against_database {
        return plan_from(from, models, Equality::AS_WRITTEN, options.drops);
    }
    // A database spells defaults its own way (`'pending'::character varying`): the file gets
    // them as the models would write them, which every database takes.
    let mut live = from.clone();
    for table in live.tables.values_mut() {
        for column in &mut table.columns {
            if let Some(default) = &mut column.default {
                *default = crate::compare::normalize_default(default);
            }
        }
    }
    plan_from(&live, models, Equality::AGAINST_DATABASE, options.drops)
}

/// `rules`: how check expressions and index predicates compare (see [`Equality`]).
fn plan_from(head: &Schema, models: &Models, rules: Equality, drops: bool) -> Plan {
    let target = models.schema();
    let mut plan = Plan::default();
    // Extensions first (their types and functions may be used below), then enum types, so that
    // new columns can use them.
    for name in target.extensions.difference(&head.extensions) {
        plan.upgrade
            .push(Operation::CreateExtension { name: name.clone() });
    }
    enum_changes(head, &target, &mut plan);
    // Tables the models add, in the models' order.
    for model in &models.tables {
        if !head.tables.contains_key(&model.table.name) {
            plan.upgrade
                .push(Operation::CreateTable(model.table.clone()));
        }
    }
    for model in &models.tables {
        if let Some(old) = head.tables.get(&model.table.name) {
            table_changes(
                old,
                &model.table,
                model.renamed_columns,
                rules,
                drops,
                &mut plan,
            );
        }
    }
    // Tables the models no longer have.
    for name in head.tables.keys() {
        if !target.tables.contains_key(name) {
            if !drops {
                plan.withheld.push(format!(
                    "table {name} is in the history's head and no model declares it: not dropped. If it stays, add its model; to drop it, run again with --allow-drops"
                ));
                continue;
            }
            plan.upgrade
                .push(Operation::DropTable { name: name.clone() });
            plan.warnings.push(format!(
                "table {name} is dropped with its data; its downgrade recreates it empty"
            ));
        }
    }
    for name in head.extensions.difference(&target.extensions) {
        if drops {
            plan.upgrade
                .push(Operation::DropExtension { name: name.clone() });
        } else {
            plan.withheld.push(format!(
                "extension {name} is in the history's head and the models do not name it (`Models::extension`): not dropped. If it stays, add it to the models; to drop it, run again with --allow-drops"
            ));
        }
    }
    for name in head.enums.keys() {
        if !target.enums.contains_key(name) {
            plan.upgrade
                .push(Operation::DropEnum { name: name.clone() });
        }
    }
    safe_forms(head, &mut plan);
    // The downgrade undoes the upgrade in reverse order: dropped enum types and tables come back
    // first, created ones go last.
    plan.downgrade = plan
        .upgrade
        .iter()
        .rev()
        .filter_map(|op| undo(op, head))
        .collect();
    plan.follow_up_downgrade = plan
        .follow_up
        .iter()
        .rev()
        .filter_map(|op| undo(op, head))
        .map(|op| match op {
            Operation::DropIndex { name, .. } => Operation::DropIndex {
                name,
                concurrently: true,
            },
            op => op,
        })
        .collect();
    plan
}

/// On a table the history's head already has (it may hold rows), the safe form of what would
/// lock it for a scan, and a warning in the file saying so: a foreign key or check is added
/// `NOT VALID` and validated by the next migration; an index, a unique constraint and a NOT NULL
/// move to the next migration, `transactional = false`, as the operations that do them without
/// blocking writes (a unique constraint that a foreign key of this migration needs stays).
fn safe_forms(head: &Schema, plan: &mut Plan) {
    let upgrade = std::mem::take(&mut plan.upgrade);
    for op in &upgrade {
        let (keep, follow) = safe_form(head, op, &upgrade, &mut plan.warnings);
        plan.upgrade.extend(keep);
        plan.follow_up.extend(follow);
    }
}

/// What [`safe_forms`] makes of `op`: what stays in the migration, and what goes to the
/// `transactional = false` one after it.
fn safe_form(
    head: &Schema,
    op: &Operation,
    upgrade: &[Operation],
    warnings: &mut Vec<String>,
) -> (Option<Operation>, Option<Operation>) {
    const WITH_THIS: &str = "the `transactional = false` migration written with this one";
    let existing = |table: &str| head.tables.contains_key(table);
    let validate = |table: &str, name: &str| Operation::ValidateConstraint {
        table: table.to_owned(),
        name: name.to_owned(),
    };
    match op {
        Operation::AddForeignKey { table, foreign_key } if existing(table) => {
            warnings.push(format!(
                "foreign key {} is added NOT VALID, since {table} may hold rows; {WITH_THIS} validates it (`op.validate_constraint`), which scans without blocking writes",
                foreign_key.name
            ));
            let mut foreign_key = foreign_key.clone();
            foreign_key.not_valid = true;
            let follow = validate(table, &foreign_key.name);
            let table = table.clone();
            (
                Some(Operation::AddForeignKey { table, foreign_key }),
                Some(follow),
            )
        }
        Operation::AddCheck { table, check } if existing(table) => {
            warnings.push(format!(
                "check {} is added NOT VALID, since {table} may hold rows; {WITH_THIS} validates it (`op.validate_constraint`)",
                check.name
            ));
            let mut check = check.clone();
            check.not_valid = true;
            let follow = validate(table, &check.name);
            let table = table.clone();
            (Some(Operation::AddCheck { table, check }), Some(follow))
        }
        Operation::CreateIndex { index, .. } if existing(&index.table) => {
            warnings.push(format!(
                "index {} on {} is built by {WITH_THIS}, with `op.create_index_concurrently`: a plain CREATE INDEX blocks writes while it builds, and the table may hold rows",
                index.name, index.table
            ));
            let index = index.clone();
            (
                None,
                Some(Operation::CreateIndex {
                    index,
                    concurrently: true,
                }),
            )
        }
        // A unique constraint that a foreign key of this migration needs stays with it.
        Operation::AddUnique { table, unique }
            if existing(table)
                && !upgrade.iter().any(|op| {
                    matches!(op, Operation::AddForeignKey { foreign_key: f, .. }
                        if f.ref_table == *table && f.ref_columns == unique.columns)
                }) =>
        {
            warnings.push(format!(
                "unique constraint {} on {table} is added by {WITH_THIS}, over an index built concurrently (`op.create_unique_concurrently`); duplicates make it fail, before any lock that blocks writes",
                unique.name
            ));
            let (table, unique) = (table.clone(), unique.clone());
            (
                None,
                Some(Operation::AddUniqueConcurrently { table, unique }),
            )
        }
        Operation::AlterColumn {
            table,
            column,
            change,
        } if existing(table)
            && change.nullable == Some(false)
            && !upgrade.iter().any(|op| {
                matches!(op, Operation::SetPrimaryKey { table: t, columns, .. } if t == table && columns.contains(column))
            }) =>
        {
            warnings.push(format!(
                "column {table}.{column} is made NOT NULL by {WITH_THIS}, with `op.make_not_null` (a validated check, then SET NOT NULL without a scan under a lock that blocks writes); it fails if a row holds NULL: fill them first"
            ));
            not_null_later(table, column, change)
        }
        op => (Some(op.clone()), None),
    }
}

/// A change of an existing column that makes it NOT NULL, split: the rest of the change stays (if
/// any), and `make_not_null` goes to the migration after it.
fn not_null_later(
    table: &str,
    column: &str,
    change: &ColumnChange,
) -> (Option<Operation>, Option<Operation>) {
    let rest = ColumnChange {
        nullable: None,
        ..change.clone()
    };
    let keep = (rest != ColumnChange::default()).then(|| Operation::AlterColumn {
        table: table.to_owned(),
        column: column.to_owned(),
        change: rest,
    });
    let follow = Operation::MakeNotNull {
        table: table.to_owned(),
        column: column.to_owned(),
    };
    (keep, Some(follow))
}

/// Enum types created, and values added and dropped; whole enum types are dropped after the tables.
fn enum_changes(head: &Schema, target: &Schema, plan: &mut Plan) {
    for (name, values) in &target.enums {
        let Some(old) = head.enums.get(name) else {
            plan.upgrade.push(Operation::CreateEnum {
                name: name.clone(),
                values: values.clone(),
            });
            continue;
        };
        if Equality::AS_WRITTEN.same_enum_values(old, values) {
            continue;
        }
        for value in values.iter().filter(|v| !old.contains(v)) {
            plan.upgrade.push(Operation::AddEnumValue {
                name: name.clone(),
                value: value.clone(),
            });
            plan.warnings.push(format!(
                "enum type {name} gains the value '{value}'; the downgrade rebuilds the type without it and fails if a row holds it"
            ));
        }
        for value in old.iter().filter(|v| !values.contains(v)) {
            plan.upgrade.push(Operation::DropEnumValue {
                name: name.clone(),
                value: value.clone(),
            });
            plan.warnings.push(format!(
                "enum type {name} loses the value '{value}': the type is rebuilt, and the migration fails if a row holds it"
            ));
        }
        // The fold keeps the old values in their order and appends the added ones.
        let kept = old.iter().filter(|v| values.contains(v));
        let folded = kept.chain(values.iter().filter(|v| !old.contains(v)));
        if !folded.eq(values.iter()) {
            plan.warnings.push(format!(
                "enum type {name} orders its values ({}) otherwise than the history ({}); autogenerate adds values at the end and cannot reorder them: reorder the model's values, or rebuild the type in a migration of your own",
                values.join(", "),
                old.join(", ")
            ));
        }
    }
}

/// The operation that undoes `op`, given the schema before the upgrade.
fn undo(op: &Operation, head: &Schema) -> Option<Operation> {
    Some(match op {
        Operation::CreateTable(t) => Operation::DropTable {
            name: t.name.clone(),
        },
        Operation::DropTable { name } => Operation::CreateTable(head.tables.get(name)?.clone()),
        Operation::RenameColumn { table, from, to } => Operation::RenameColumn {
            table: table.clone(),
            from: to.clone(),
            to: from.clone(),
        },
        Operation::AddColumn { table, column } => Operation::DropColumn {
            table: table.clone(),
            column: column.name.clone(),
        },
        Operation::DropColumn { table, column } => Operation::AddColumn {
            table: table.clone(),
            column: head.tables.get(table)?.get_column(column)?.clone(),
        },
        Operation::AlterColumn {
            table,
            column,
            change,
        } => restore_column(head, table, column, change)?,
        Operation::CreateIndex { index, .. } => Operation::DropIndex {
            name: index.name.clone(),
            concurrently: false,
        },
        Operation::DropIndex { name, .. } => restore_index(head, name)?,
        Operation::AddUnique { table, unique }
        | Operation::AddUniqueConcurrently { table, unique } => Operation::DropConstraint {
            table: table.clone(),
            name: unique.name.clone(),
        },
        Operation::AddForeignKey { table, foreign_key } => Operation::DropConstraint {
            table: table.clone(),
            name: foreign_key.name.clone(),
        },
        Operation::AddCheck { table, check } => Operation::DropConstraint {
            table: table.clone(),
            name: check.name.clone(),
        },
        Operation::DropConstraint { table, name } => restore_constraint(head, table, name)?,
        Operation::CreateEnum { name, .. } => Operation::DropEnum { name: name.clone() },
        Operation::CreateExtension { name } => Operation::DropExtension { name: name.clone() },
        Operation::Comment { table, column, .. } => {
            let t = head.tables.get(table)?;
            Operation::Comment {
                table: table.clone(),
                column: column.clone(),
                comment: match column {
                    None => t.comment.clone(),
                    Some(c) => t.get_column(c)?.comment.clone(),
                },
            }
        }
        Operation::DropExtension { name } => Operation::CreateExtension { name: name.clone() },
        Operation::AddEnumValue { name, value } => Operation::DropEnumValue {
            name: name.clone(),
            value: value.clone(),
        },
        Operation::DropEnumValue { name, value } => Operation::AddEnumValue {
            name: name.clone(),
            value: value.clone(),
        },
        Operation::DropEnum { name } => Operation::CreateEnum {
            name: name.clone(),
            values: head.enums.get(name)?.clone(),
        },
        other => return undo_later(other, head),
    })
}

/// [`undo`] of the operations added after the first set; renamed tables and data steps are
/// nothing autogenerate writes.
fn undo_later(op: &Operation, head: &Schema) -> Option<Operation> {
    Some(match op {
        Operation::MakeNotNull { table, column } => Operation::AlterColumn {
            table: table.clone(),
            column: column.clone(),
            change: ColumnChange {
                nullable: Some(true),
                ..ColumnChange::default()
            },
        },
        Operation::CreateObject(object) => Operation::DropObject(object.id.clone()),
        Operation::DropObject(id) => Operation::CreateObject(head.objects.get(id)?.clone()),
        Operation::SetRowSecurity { table, .. } => Operation::SetRowSecurity {
            table: table.clone(),
            to: head.tables.get(table)?.row_security,
        },
        Operation::SetPrimaryKey { table, .. } => {
            let old = head.tables.get(table)?;
            Operation::SetPrimaryKey {
                table: table.clone(),
                columns: old.primary_key.clone(),
                name: old.primary_key_name.clone(),
            }
        }
        Operation::RenameConstraint { table, from, to } => Operation::RenameConstraint {
            table: table.clone(),
            from: to.clone(),
            to: from.clone(),
        },
        _ => return None,
    })
}

/// The `alter_column` that gives a column back its type, nullability and default in `head`.
fn restore_column(
    head: &Schema,
    table: &str,
    column: &str,
    change: &ColumnChange,
) -> Option<Operation> {
    let old = head.tables.get(table)?.get_column(column)?;
    Some(Operation::AlterColumn {
        table: table.to_owned(),
        column: column.to_owned(),
        change: ColumnChange {
            ty: Some(old.ty.clone()),
            nullable: Some(old.nullable),
            default: Some(old.default.clone()),
            // (The statistics target only where the upgrade changed it.)
            statistics: change.statistics.map(|_| old.statistics),
        },
    })
}

/// The `create_index` that recreates an index of `head`.
fn restore_index(head: &Schema, name: &str) -> Option<Operation> {
    let index = head
        .tables
        .values()
        .flat_map(|t| &t.indexes)
        .find(|i| i.name == name)?;
    Some(Operation::CreateIndex {
        index: index.clone(),
        concurrently: false,
    })
}

/// The operation that recreates a unique, foreign-key or check constraint of `head`.
fn restore_constraint(head: &Schema, table: &str, name: &str) -> Option<Operation> {
    let t = head.tables.get(table)?;
    let table = table.to_owned();
    Some(if let Some(u) = t.uniques.iter().find(|u| u.name == name) {
        Operation::AddUnique {
            table,
            unique: u.clone(),
        }
    } else if let Some(f) = t.foreign_keys.iter().find(|f| f.name == name) {
        Operation::AddForeignKey {
            table,
            foreign_key: f.clone(),
        }
    } else {
        let c = t.checks.iter().find(|c| c.name == name)?;
        Operation::AddCheck {
            table,
            check: c.clone(),
        }
    })
}

fn table_changes(
    old: &Table,
    new: &Table,
    renames: &[(&str, &str)],
    rules: Equality,
    drops: bool,
    plan: &mut Plan,
) {
    let renamed_old = column_renames(old, new, renames, plan);
    let old_name_of = |new_name: &str| -> String {
        renames
            .iter()
            .find(|(f, n)| *n == new_name && renamed_old.contains(f))
            .map_or(new_name.to_owned(), |(f, _)| (*f).to_owned())
    };
    let t = &new.name;
    // Columns: added, changed, dropped.
    for column in &new.columns {
        match old.get_column(&old_name_of(&column.name)) {
            None => {
                if !column.nullable && column.default.is_none() {
                    plan.warnings.push(format!(
                        "column {t}.{} is NOT NULL without a default: adding it fails on a table that has rows; give it a default or fill it in a data step",
                        column.name
                    ));
                }
                plan.upgrade.push(Operation::AddColumn {
                    table: t.clone(),
                    column: column.clone(),
                });
            }
            Some(before) => {
                column_change(t, before, column, rules, plan);
                if before.comment != column.comment {
                    plan.upgrade.push(Operation::Comment {
                        table: t.clone(),
                        column: Some(column.name.clone()),
                        comment: column.comment.clone(),
                    });
                }
            }
        }
    }
    for column in &old.columns {
        let kept =
            new.get_column(&column.name).is_some() || renamed_old.contains(column.name.as_str());
        if !kept && !drops {
            plan.withheld.push(format!(
                "column {t}.{} is in the history's head and the model of {t} does not declare it: not dropped. If it stays, add the field to the model; to drop it, run again with --allow-drops",
                column.name
            ));
        } else if !kept {
            plan.upgrade.push(Operation::DropColumn {
                table: t.clone(),
                column: column.name.clone(),
            });
            plan.warnings.push(format!(
                "column {t}.{} is dropped with its data; if it was renamed, declare `#[column(renamed_from = \"{}\")]` on the new field",
                column.name, column.name
            ));
        }
    }
    primary_key_change(old, new, rules, plan);
    constraint_and_index_changes(old, new, rules, plan);
    if old.comment != new.comment {
        plan.upgrade.push(Operation::Comment {
            table: new.name.clone(),
            column: None,
            comment: new.comment.clone(),
        });
    }
}

/// The declared renames that apply (the old column exists, the new one does not yet): renamed, not
/// dropped and added. Returns the old names of the renamed columns.
fn column_renames<'a>(
    old: &Table,
    new: &Table,
    renames: &[(&'a str, &str)],
    plan: &mut Plan,
) -> BTreeSet<&'a str> {
    let mut renamed_old = BTreeSet::new();
    for (from, to) in renames {
        if old.get_column(from).is_some()
            && old.get_column(to).is_none()
            && new.get_column(to).is_some()
        {
            plan.upgrade.push(Operation::RenameColumn {
                table: new.name.clone(),
                from: (*from).to_owned(),
                to: (*to).to_owned(),
            });
            renamed_old.insert(*from);
        }
    }
    renamed_old
}

/// A key over other columns replaces the old one; a key over the same columns under another
/// name is renamed.
fn primary_key_change(old: &Table, new: &Table, rules: Equality, plan: &mut Plan) {
    let t = &new.name;
    if rules.same_primary_key(&old.primary_key, &new.primary_key) {
        if let (Some(from), Some(to)) = (old.primary_key_constraint(), new.primary_key_constraint())
            && from != to
        {
            plan.upgrade.push(Operation::RenameConstraint {
                table: t.clone(),
                from,
                to,
            });
        }
        return;
    }
    plan.upgrade.push(Operation::SetPrimaryKey {
        table: t.clone(),
        columns: new.primary_key.clone(),
        name: new.primary_key_name.clone(),
    });
    plan.warnings.push(format!(
        "the primary key of {t} changes from ({}) to ({}): its index is rebuilt, and the migration fails on duplicate keys",
        old.primary_key.join(", "),
        new.primary_key.join(", ")
    ));
}

/// The items of `items` that `others` has no same one of.
fn unmatched<'a, T>(
    items: &'a [T],
    others: &'a [T],
    same: impl Fn(&T, &T) -> bool + 'a,
) -> impl Iterator<Item = &'a T> + 'a {
    items
        .iter()
        .filter(move |i| !others.iter().any(|o| same(i, o)))
}

/// Constraints and indexes, by name: dropped ones first, then added ones. A changed one is dropped
/// and added again.
fn constraint_and_index_changes(old: &Table, new: &Table, rules: Equality, plan: &mut Plan) {
    let t = &new.name;
    let drop = |name: &String| Operation::DropConstraint {
        table: t.clone(),
        name: name.clone(),
    };
    let same_unique = move |a: &Unique, b: &Unique| rules.same_unique(a, b);
    let same_fk = move |a: &ForeignKey, b: &ForeignKey| rules.same_foreign_key(a, b);
    let same_check = move |a: &Check, b: &Check| rules.same_check(a, b);
    let same_index = move |a: &Index, b: &Index| rules.same_index(a, b);
    let up = &mut plan.upgrade;
    up.extend(unmatched(&old.uniques, &new.uniques, same_unique).map(|u| drop(&u.name)));
    up.extend(unmatched(&old.foreign_keys, &new.foreign_keys, same_fk).map(|f| drop(&f.name)));
    up.extend(unmatched(&old.checks, &new.checks, same_check).map(|c| drop(&c.name)));
    up.extend(
        unmatched(&old.indexes, &new.indexes, same_index).map(|i| Operation::DropIndex {
            name: i.name.clone(),
            concurrently: false,
        }),
    );
    up.extend(
        unmatched(&new.uniques, &old.uniques, same_unique).map(|u| Operation::AddUnique {
            table: t.clone(),
            unique: u.clone(),
        }),
    );
    up.extend(
        unmatched(&new.foreign_keys, &old.foreign_keys, same_fk).map(|f| {
            Operation::AddForeignKey {
                table: t.clone(),
                foreign_key: f.clone(),
            }
        }),
    );
    up.extend(
        unmatched(&new.checks, &old.checks, same_check).map(|c| Operation::AddCheck {
            table: t.clone(),
            check: c.clone(),
        }),
    );
    up.extend(
        unmatched(&new.indexes, &old.indexes, same_index).map(|i| Operation::CreateIndex {
            index: i.clone(),
            concurrently: false,
        }),
    );
}

fn column_change(t: &str, before: &Column, after: &Column, rules: Equality, plan: &mut Plan) {
    let mut change = ColumnChange::default();
    if !rules.same_type(&before.ty, &after.ty) {
        change.ty = Some(after.ty.clone());
        plan.warnings.push(format!(
            "column {t}.{} changes type from {} to {}: the table may be rewritten and values that do not convert make the migration fail",
            after.name, before.ty.sql_name(), after.ty.sql_name()
        ));
    }
    if before.nullable != after.nullable {
        change.nullable = Some(after.nullable);
    }
    if !rules.same_default(before.default.as_deref(), after.default.as_deref()) {
        change.default = Some(after.default.clone());
    }
    if before.statistics != after.statistics {
        change.statistics = Some(after.statistics);
    }
    if change != ColumnChange::default() {
        plan.upgrade.push(Operation::AlterColumn {
            table: t.to_owned(),
            column: after.name.clone(),
            change,
        });
    }
}

// Code generation: each operation as the recorder call a person would write.

fn strs(items: &[String]) -> TokenStream {
    quote!([#(#items),*])
}

/// An index's plain columns; none (an index of expressions only) as a list that infers.
fn index_columns(columns: &[String]) -> TokenStream {
    if columns.is_empty() {
        quote!(Vec::<&str>::new())
    } else {
        strs(columns)
    }
}

/// A column type as the Rust expression that builds it.
fn column_type_tokens(ty: &ColumnType) -> TokenStream {
    let n = |v: u32| proc_macro2::Literal::u32_unsuffixed(v);
    match ty {
        ColumnType::SmallInt => quote!(ColumnType::SmallInt),
        ColumnType::Integer => quote!(ColumnType::Integer),
        ColumnType::BigInt => quote!(ColumnType::BigInt),
        ColumnType::Numeric { precision, scale } => {
            let (p, s) = (n(u32::from(*precision)), n(u32::from(*scale)));
            quote!(ColumnType::Numeric { precision: #p, scale: #s })
        }
        ColumnType::NumericUnbounded => quote!(ColumnType::NumericUnbounded),
        ColumnType::Real => quote!(ColumnType::Real),
        ColumnType::Double => quote!(ColumnType::Double),
        ColumnType::Boolean => quote!(ColumnType::Boolean),
        ColumnType::Text => quote!(ColumnType::Text),
        ColumnType::Varchar(len) => {
            let len = n(*len);
            quote!(ColumnType::Varchar(#len))
        }
        ColumnType::Char(len) => {
            let len = n(*len);
            quote!(ColumnType::Char(#len))
        }
        ColumnType::Uuid => quote!(ColumnType::Uuid),
        ColumnType::Date => quote!(ColumnType::Date),
        ColumnType::TimestampTz => quote!(ColumnType::TimestampTz),
        ColumnType::Timestamp => quote!(ColumnType::Timestamp),
        ColumnType::Time => quote!(ColumnType::Time),
        ColumnType::Interval => quote!(ColumnType::Interval),
        ColumnType::Jsonb => quote!(ColumnType::Jsonb),
        ColumnType::Json => quote!(ColumnType::Json),
        ColumnType::Inet => quote!(ColumnType::Inet),
        ColumnType::Array(element) => {
            let element = column_type_tokens(element);
            quote!(ColumnType::Array(Box::new(#element)))
        }
        ColumnType::Bytes => quote!(ColumnType::Bytes),
        ColumnType::Enum(name) => quote!(ColumnType::Enum(#name.into())),
        ColumnType::Other(name) => quote!(ColumnType::Other(#name.into())),
    }
}

fn column_settings(column: &Column) -> TokenStream {
    // `identity` makes the column NOT NULL itself.
    let not_null = (!column.nullable && column.identity.is_none()).then(|| quote!(.not_null()));
    let default = column.default.as_ref().map(|d| quote!(.default_sql(#d)));
    let identity = column.identity.map(|identity| match identity {
        Identity::Always => quote!(.identity(Identity::Always)),
        Identity::ByDefault => quote!(.identity(Identity::ByDefault)),
        Identity::Serial => quote!(.identity(Identity::Serial)),
    });
    let comment = column.comment.as_ref().map(|c| quote!(.comment(#c)));
    let generated = column.generated.as_ref().map(|g| quote!(.generated(#g)));
    let sequence = column.sequence.as_ref().map(|s| quote!(.sequence(#s)));
    let statistics = column.statistics.map(|s| {
        let s = proc_macro2::Literal::i32_unsuffixed(s);
        quote!(.statistics(#s))
    });
    quote!(#not_null #default #identity #sequence #generated #statistics #comment)
}

/// A foreign-key action as the Rust expression that names it.
fn action_tokens(a: Action) -> TokenStream {
    match a {
        Action::NoAction => quote!(Action::NoAction),
        Action::Restrict => quote!(Action::Restrict),
        Action::Cascade => quote!(Action::Cascade),
        Action::SetNull => quote!(Action::SetNull),
        Action::SetDefault => quote!(Action::SetDefault),
    }
}

fn fk_actions(fk: &ForeignKey) -> TokenStream {
    let on_delete = (fk.on_delete != Action::NoAction).then(|| {
        let a = action_tokens(fk.on_delete);
        quote!(.on_delete(#a))
    });
    let on_update = (fk.on_update != Action::NoAction).then(|| {
        let a = action_tokens(fk.on_update);
        quote!(.on_update(#a))
    });
    let deferrable = fk.deferrable.map(|d| match d {
        Deferral::InitiallyImmediate => quote!(.deferrable(Deferral::InitiallyImmediate)),
        Deferral::InitiallyDeferred => quote!(.deferrable(Deferral::InitiallyDeferred)),
    });
    let not_valid = fk.not_valid.then(|| quote!(.not_valid()));
    quote!(#on_delete #on_update #deferrable #not_valid)
}

fn index_settings(index: &Index) -> TokenStream {
    let expression = index.expression.iter();
    let unique = index.unique.then(|| quote!(.unique()));
    let method = index.method.as_ref().map(|m| quote!(.method(#m)));
    let include = (!index.include.is_empty()).then(|| {
        let columns = strs(&index.include);
        quote!(.include(#columns))
    });
    let method = quote!(#method #(.expression(#expression))* #include);
    let predicate = index.predicate.as_ref().map(|p| quote!(.predicate(#p)));
    let statistics = index.statistics.iter().map(|(column, target)| {
        let column = proc_macro2::Literal::u16_unsuffixed(*column);
        let target = proc_macro2::Literal::i32_unsuffixed(*target);
        quote!(.statistics(#column, #target))
    });
    quote!(#unique #method #predicate #(#statistics)*)
}

/// `op.create_table(...)` with the table's columns, keys, constraints and indexes.
fn create_table_tokens(table: &Table) -> TokenStream {
    let name = &table.name;
    let columns = table.columns.iter().map(|c| {
        let (n, ty, settings) = (&c.name, column_type_tokens(&c.ty), column_settings(c));
        quote!(t.column(#n, #ty) #settings;)
    });
    let pk = (!table.primary_key.is_empty()).then(|| {
        let cols = strs(&table.primary_key);
        match &table.primary_key_name {
            Some(name) => quote!(t.primary_key_named(#name, #cols);),
            None => quote!(t.primary_key(#cols);),
        }
    });
    let uniques = table.uniques.iter().map(|u| {
        let (n, cols) = (&u.name, strs(&u.columns));
        quote!(t.unique(#n, #cols);)
    });
    let fks = table.foreign_keys.iter().map(|f| {
        let (n, cols, rt, rcols, actions) = (
            &f.name,
            strs(&f.columns),
            &f.ref_table,
            strs(&f.ref_columns),
            fk_actions(f),
        );
        quote!(t.foreign_key(#n, #cols, #rt, #rcols) #actions;)
    });
    let checks = table.checks.iter().map(|c| {
        let (n, e) = (&c.name, &c.expr);
        quote!(t.check(#n, #e);)
    });
    let indexes = table.indexes.iter().map(|i| {
        let (n, cols, settings) = (&i.name, index_columns(&i.columns), index_settings(i));
        quote!(t.index(#n, #cols) #settings;)
    });
    let comment = table.comment.as_ref().map(|c| quote!(t.comment(#c);));
    let row_security = table.row_security.map(|r| {
        let r = row_security_tokens(Some(r));
        quote!(t.row_security(#r);)
    });
    let partition_by = table
        .partition_by
        .as_ref()
        .map(|by| quote!(t.partition_by(#by);));
    let partition_of = table.partition_of.as_ref().map(|of| {
        let (parent, bound) = (&of.parent, &of.bound);
        quote!(t.partition_of(#parent, #bound);)
    });
    let unlogged = table.unlogged.then(|| quote!(t.unlogged();));
    let storage = table.storage.iter().map(|s| quote!(t.storage(#s);));
    quote!(op.create_table(#name, |t| { #unlogged #(#storage)* #partition_of #partition_by #(#columns)* #pk #(#uniques)* #(#fks)* #(#checks)* #(#indexes)* #comment #row_security });)
}

/// `op.alter_column(...)` with what changes.
fn alter_column_tokens(table: &str, column: &str, change: &ColumnChange) -> TokenStream {
    let ty = change.ty.as_ref().map(|t| {
        let t = column_type_tokens(t);
        quote!(.ty(#t))
    });
    let nullable = change.nullable.map(|n| {
        if n {
            quote!(.nullable())
        } else {
            quote!(.not_null())
        }
    });
    let default = change.default.as_ref().map(|d| match d {
        Some(d) => quote!(.default_sql(#d)),
        None => quote!(.drop_default()),
    });
    let statistics = change.statistics.map(|s| match s {
        Some(s) => {
            let s = proc_macro2::Literal::i32_unsuffixed(s);
            quote!(.statistics(#s))
        }
        None => quote!(.reset_statistics()),
    });
    quote!(op.alter_column(#table, #column) #ty #nullable #default #statistics;)
}

/// `op.create_index(...)` or `op.drop_index(...)`, concurrently or not.
fn index_op_tokens(op: &Operation) -> TokenStream {
    match op {
        Operation::CreateIndex {
            index,
            concurrently,
        } => {
            let (n, t, cols, settings) = (
                &index.name,
                &index.table,
                index_columns(&index.columns),
                index_settings(index),
            );
            if *concurrently {
                quote!(op.create_index_concurrently(#n, #t, #cols) #settings;)
            } else {
                quote!(op.create_index(#n, #t, #cols) #settings;)
            }
        }
        Operation::DropIndex {
            name,
            concurrently: true,
        } => quote!(op.drop_index_concurrently(#name);),
        Operation::DropIndex { name, .. } => quote!(op.drop_index(#name);),
        _ => quote!(),
    }
}

fn op_tokens(op: &Operation) -> TokenStream {
    match op {
        Operation::CreateTable(table) => create_table_tokens(table),
        Operation::DropTable { name } => quote!(op.drop_table(#name);),
        Operation::RenameTable { from, to } => quote!(op.rename_table(#from, #to);),
        Operation::AddColumn { table, column } => {
            let (n, ty, settings) = (
                &column.name,
                column_type_tokens(&column.ty),
                column_settings(column),
            );
            quote!(op.add_column(#table, #n, #ty) #settings;)
        }
        Operation::DropColumn { table, column } => quote!(op.drop_column(#table, #column);),
        Operation::RenameColumn { table, from, to } => {
            quote!(op.rename_column(#table, #from, #to);)
        }
        Operation::AlterColumn {
            table,
            column,
            change,
        } => alter_column_tokens(table, column, change),
        Operation::CreateIndex { .. } | Operation::DropIndex { .. } => index_op_tokens(op),
        Operation::AddUnique { table, unique } => {
            let (n, cols) = (&unique.name, strs(&unique.columns));
            quote!(op.create_unique(#n, #table, #cols);)
        }
        Operation::AddForeignKey { table, foreign_key } => {
            add_foreign_key_tokens(table, foreign_key)
        }
        Operation::AddCheck { table, check } => {
            let (n, e) = (&check.name, &check.expr);
            let not_valid = check.not_valid.then(|| quote!(.not_valid()));
            quote!(op.create_check(#n, #table, #e) #not_valid;)
        }
        Operation::DropConstraint { table, name } => quote!(op.drop_constraint(#name, #table);),
        Operation::ValidateConstraint { table, name } => {
            quote!(op.validate_constraint(#name, #table);)
        }
        Operation::MakeNotNull { table, column } => quote!(op.make_not_null(#table, #column);),
        Operation::AddUniqueConcurrently { table, unique } => {
            let (n, cols) = (&unique.name, strs(&unique.columns));
            quote!(op.create_unique_concurrently(#n, #table, #cols);)
        }
        Operation::CreateEnum { name, values } => {
            let values = strs(values);
            quote!(op.create_enum(#name, #values);)
        }
        Operation::DropEnum { name } => quote!(op.drop_enum(#name);),
        Operation::CreateExtension { name } => quote!(op.create_extension(#name);),
        Operation::Comment {
            table,
            column,
            comment,
        } => comment_tokens(table, column.as_deref(), comment.as_deref()),
        Operation::DropExtension { name } => quote!(op.drop_extension(#name);),
        Operation::AddEnumValue { name, value } => quote!(op.add_enum_value(#name, #value);),
        Operation::DropEnumValue { name, value } => quote!(op.drop_enum_value(#name, #value);),
        Operation::SetPrimaryKey {
            table,
            columns,
            name,
        } => {
            let columns = strs(columns);
            match name {
                Some(name) => quote!(op.set_primary_key_named(#name, #table, #columns);),
                None => quote!(op.set_primary_key(#table, #columns);),
            }
        }
        Operation::RenameConstraint { table, from, to } => {
            quote!(op.rename_constraint(#table, #from, #to);)
        }
        other => later_op_tokens(other),
    }
}

/// The operations added after the first set, as recorder calls.
fn later_op_tokens(op: &Operation) -> TokenStream {
    match op {
        Operation::Execute { sql } => {
            let sql = sql_literal(sql);
            quote!(op.execute(#sql);)
        }
        Operation::CreateObject(object) => create_object_tokens(object),
        Operation::DropObject(id) => drop_object_tokens(id),
        Operation::SetRowSecurity { table, to } => {
            let to = row_security_tokens(*to);
            quote!(op.set_row_security(#table, #to);)
        }
        _ => quote!(),
    }
}

/// `op.create_foreign_key(...)` with its actions.
fn add_foreign_key_tokens(table: &str, f: &ForeignKey) -> TokenStream {
    let (n, cols, rt, rcols, actions) = (
        &f.name,
        strs(&f.columns),
        &f.ref_table,
        strs(&f.ref_columns),
        fk_actions(f),
    );
    quote!(op.create_foreign_key(#n, #table, #cols, #rt, #rcols) #actions;)
}

/// `op.drop_object(ObjectKind::..., name, table)`.
fn drop_object_tokens(id: &crate::objects::ObjectId) -> TokenStream {
    let (kind, name) = (object_kind_tokens(id.kind), &id.name);
    let table = id
        .table
        .as_ref()
        .map_or_else(|| quote!(None), |t| quote!(Some(#t)));
    quote!(op.drop_object(#kind, #name, #table);)
}

/// SQL as a string literal: a raw string when it spans lines or holds quotes, so that a
/// function's body reads as it was written.
fn sql_literal(sql: &str) -> TokenStream {
    if !sql.contains(['\n', '"', '\\']) {
        return quote!(#sql);
    }
    let hashes = (1..)
        .map(|n| "#".repeat(n))
        .find(|h| !sql.contains(&format!("\"{h}")))
        .unwrap_or_default();
    match format!("r{hashes}\"{sql}\"{hashes}").parse() {
        Ok(tokens) => tokens,
        Err(_) => quote!(#sql),
    }
}

fn object_kind_tokens(kind: ObjectKind) -> TokenStream {
    match kind {
        ObjectKind::Sequence => quote!(ObjectKind::Sequence),
        ObjectKind::Domain => quote!(ObjectKind::Domain),
        ObjectKind::Function => quote!(ObjectKind::Function),
        ObjectKind::Operator => quote!(ObjectKind::Operator),
        ObjectKind::View => quote!(ObjectKind::View),
        ObjectKind::MaterializedView => quote!(ObjectKind::MaterializedView),
        ObjectKind::ViewIndex => quote!(ObjectKind::ViewIndex),
        ObjectKind::Trigger => quote!(ObjectKind::Trigger),
        ObjectKind::Policy => quote!(ObjectKind::Policy),
    }
}

fn row_security_tokens(to: Option<RowSecurity>) -> TokenStream {
    match to {
        None => quote!(None),
        Some(RowSecurity::Enabled) => quote!(Some(RowSecurity::Enabled)),
        Some(RowSecurity::Forced) => quote!(Some(RowSecurity::Forced)),
    }
}

/// `op.create_view(...)`, `op.create_function(...)`, ...: the recorder call of its kind.
fn create_object_tokens(object: &SqlObject) -> TokenStream {
    let (name, def) = (&object.id.name, sql_literal(&object.definition));
    let table = object.id.table.as_deref().unwrap_or_default();
    match object.id.kind {
        ObjectKind::Sequence => quote!(op.create_sequence(#name, #def);),
        ObjectKind::Domain => quote!(op.create_domain(#name, #def);),
        ObjectKind::Function => quote!(op.create_function(#name, #def);),
        ObjectKind::Operator => quote!(op.create_operator(#name, #def);),
        ObjectKind::View => quote!(op.create_view(#name, #def);),
        ObjectKind::MaterializedView => quote!(op.create_materialized_view(#name, #def);),
        ObjectKind::ViewIndex => quote!(op.create_view_index(#name, #table, #def);),
        ObjectKind::Trigger => quote!(op.create_trigger(#name, #table, #def);),
        ObjectKind::Policy => quote!(op.create_policy(#name, #table, #def);),
    }
}

/// `op.set_comment(table, column, comment)`.
fn comment_tokens(table: &str, column: Option<&str>, comment: Option<&str>) -> TokenStream {
    let some = |text: Option<&str>| text.map_or_else(|| quote!(None), |t| quote!(Some(#t)));
    let (column, comment) = (some(column), some(comment));
    quote!(op.set_comment(#table, #column, #comment);)
}

/// An operation as the migration file writes it, on one line: `op.drop_index("ix_by_hand")`.
pub fn describe(op: &Operation) -> String {
    let text = op_tokens(op).to_string();
    let mut out = String::with_capacity(text.len());
    for part in text.split(' ') {
        let glue = part.starts_with(['.', '(', ')', ',', ';', ']', ':'])
            || out.ends_with(['.', '(', '[', ':'])
            || out.is_empty();
        if !glue {
            out.push(' ');
        }
        out.push_str(part);
    }
    out.trim_end_matches(';').to_owned()
}

/// The migration file: formatted, with the warnings at the top.
pub fn migration_file(rev: &str, down_rev: Option<&str>, message: &str, plan: &Plan) -> String {
    written_file(
        rev,
        down_rev,
        message,
        plan,
        "Written by `capp-migrate revision --autogenerate`: review it before applying.",
    )
}

/// The file of [`Plan::follow_up`]: a `transactional = false` migration after the one of
/// [`migration_file`] (or, when that has nothing, instead of it); `None` when there is nothing to
/// do outside a transaction.
pub fn follow_up_file(
    rev: &str,
    down_rev: Option<&str>,
    message: &str,
    plan: &Plan,
) -> Option<String> {
    if plan.follow_up.is_empty() {
        return None;
    }
    let docs = vec![
        message.to_owned(),
        String::new(),
        "Written by `capp-migrate revision --autogenerate`: review it before applying.".to_owned(),
        String::new(),
        "Outside a transaction: each statement is its own, and none blocks the writes to a table"
            .to_owned(),
        "that may hold rows for longer than a short lock. A runner stopped part way leaves the"
            .to_owned(),
        "migration marked running: see docs/safety.md.".to_owned(),
    ];
    Some(file_text(
        rev,
        down_rev,
        message,
        &docs,
        (&plan.follow_up, &plan.follow_up_downgrade),
        false,
    ))
}

/// [`migration_file`] with its own line on what wrote it.
pub(crate) fn written_file(
    rev: &str,
    down_rev: Option<&str>,
    message: &str,
    plan: &Plan,
    written_by: &str,
) -> String {
    let mut docs = vec![message.to_owned(), String::new(), written_by.to_owned()];
    if !plan.warnings.is_empty() {
        docs.push(String::new());
        docs.extend(plan.warnings.iter().map(|w| format!("WARNING: {w}")));
    }
    file_text(
        rev,
        down_rev,
        message,
        &docs,
        (&plan.upgrade, &plan.downgrade),
        true,
    )
}

/// A migration file of `up` and `down`, formatted, `docs` as its module's doc comment.
fn file_text(
    rev: &str,
    down_rev: Option<&str>,
    message: &str,
    docs: &[String],
    (up, down): (&[Operation], &[Operation]),
    transactional: bool,
) -> String {
    let up: Vec<TokenStream> = up.iter().map(op_tokens).collect();
    let mut down: Vec<TokenStream> = down.iter().map(op_tokens).collect();
    if down.is_empty() {
        // Nothing to undo (a validation stays done).
        down.push(quote!(let _ = op;));
    }
    let all = quote!(#(#up)* #(#down)*).to_string();
    // The types the calls name, imported.
    let imports = [
        "Action",
        "ColumnType",
        "Identity",
        "Deferral",
        "ObjectKind",
        "RowSecurity",
    ]
    .into_iter()
    .filter(|name| all.contains(&format!("{name} ::")))
    .map(|name| proc_macro2::Ident::new(name, proc_macro2::Span::call_site()));
    let down_rev = match down_rev {
        Some(d) => quote!(#d),
        None => quote!(None),
    };
    let docs = docs.iter().map(|d| {
        let d = if d.is_empty() {
            String::new()
        } else {
            format!(" {d}")
        };
        quote!(#![doc = #d])
    });
    let (recorder, flag) = if transactional {
        (quote!(Operations), quote!())
    } else {
        (
            quote!(NonTransactionalOperations),
            quote!(, transactional = false),
        )
    };
    let file = quote! {
        #(#docs)*
        use capp_schema::{#(#imports,)* #recorder, downgrade, migration};

        #[migration(rev = #rev, down_rev = #down_rev, message = #message #flag)]
        fn upgrade(op: &mut #recorder) {
            #(#up)*
        }

        #[downgrade(rev = #rev)]
        fn downgrade(op: &mut #recorder) {
            #(#down)*
        }
    };
    let text = match syn::parse2::<syn::File>(file) {
        Ok(parsed) => prettyplease::unparse(&parsed),
        Err(e) => unreachable!("generated code always parses: {e}"),
    };
    // A blank line between items, as a person writes them.
    text.replace("\nuse ", "\n\nuse ")
        .replace("\n#[migration", "\n\n#[migration")
        .replace("\n#[downgrade", "\n\n#[downgrade")
}

/// A blank migration file, for changes autogenerate cannot express (data migrations).
pub fn blank_file(rev: &str, down_rev: Option<&str>, message: &str) -> String {
    let down = match down_rev {
        Some(d) => format!("\"{d}\""),
        None => "None".to_owned(),
    };
    let message_lit = format!("{message:?}");
    // Every line of the message stays in the module's doc comment.
    let doc = message.lines().collect::<Vec<_>>().join("\n//! ");
    format!(
        r#"//! {doc}

use capp_schema::{{Operations, downgrade, migration}};

#[migration(rev = "{rev}", down_rev = {down}, message = {message_lit})]
fn upgrade(op: &mut Operations) {{
    // Record the changes, for example:
    // op.add_column("users", "preferences", capp_schema::ColumnType::Jsonb);
    // op.execute("UPDATE users SET preferences = '{{}}'");
    let _ = op; // remove once the migration records something
}}

#[downgrade(rev = "{rev}")]
fn downgrade(op: &mut Operations) {{
    // Undo exactly what upgrade does, in reverse order, for example:
    // op.drop_column("users", "preferences");
    let _ = op; // remove once the downgrade records something
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    fn models(check: &str) -> Models {
        let mut table = Table::new("payments");
        table.column("amount", ColumnType::Integer).not_null();
        table.check("ck_payments_amount", check);
        Models {
            tables: vec![Model {
                table,
                renamed_columns: &[],
            }],
            ..Models::default()
        }
    }

    #[test]
    fn a_changed_primary_key_is_replaced_both_ways() {
        let table = |pk: &[&str]| {
            let mut t = Table::new("tags");
            t.column("name", ColumnType::Text);
            t.column("kind", ColumnType::Text);
            t.primary_key(pk.iter().copied());
            Models {
                tables: vec![Model {
                    table: t,
                    renamed_columns: &[],
                }],
                ..Models::default()
            }
        };
        let plan = plan(&table(&["name"]).schema(), &table(&["name", "kind"]));
        let set = |cols: &[&str]| Operation::SetPrimaryKey {
            table: "tags".into(),
            columns: cols.iter().map(|c| c.to_string()).collect(),
            name: None,
        };
        let nullable = |op: &Operation| match op {
            Operation::AlterColumn { column, change, .. } if column == "kind" => change.nullable,
            _ => None,
        };
        // The key's new column becomes NOT NULL first, and nullable again on the way back.
        assert_eq!(nullable(&plan.upgrade[0]), Some(false));
        assert_eq!(plan.upgrade[1], set(&["name", "kind"]));
        assert_eq!(plan.downgrade[0], set(&["name"]));
        assert_eq!(nullable(&plan.downgrade[1]), Some(true));
        assert_eq!((plan.upgrade.len(), plan.downgrade.len()), (2, 2));
        assert!(
            plan.warnings
                .iter()
                .any(|w| w.contains("primary key of tags changes"))
        );
    }

    #[test]
    fn a_changed_check_expression_is_replaced_both_ways() {
        let head = models("amount > 0").schema();
        let plan = plan(&head, &models("amount >= 0"));
        let drop = Operation::DropConstraint {
            table: "payments".into(),
            name: "ck_payments_amount".into(),
        };
        let add = |expr: &str| Operation::AddCheck {
            table: "payments".into(),
            check: crate::schema::Check {
                name: "ck_payments_amount".into(),
                expr: expr.into(),
                not_valid: false,
            },
        };
        let mut added = add("amount >= 0");
        if let Operation::AddCheck { check, .. } = &mut added {
            // On a table that may hold rows, added NOT VALID: validated in the next migration.
            check.not_valid = true;
        }
        assert_eq!(plan.upgrade, [drop.clone(), added]);
        assert_eq!(plan.downgrade, [drop, add("amount > 0")]);
        // Against a database, whose rewritten expressions cannot be compared, names decide.
        assert!(plan_against_database(&head, &models("amount >= 0")).is_empty());
    }

    #[test]
    fn enum_values_autogenerate_cannot_reorder_are_a_warning() {
        let models = |values: &[&str]| Models::default().enum_type("kyc", values);
        let head = models(&["pending", "verified"]).schema();
        let appended = plan(&head, &models(&["pending", "verified", "rejected"]));
        assert_eq!(appended.upgrade.len(), 1);
        assert!(
            !appended
                .warnings
                .iter()
                .any(|w| w.contains("cannot reorder"))
        );
        let inserted = plan(&head, &models(&["pending", "rejected", "verified"]));
        assert_eq!(inserted.upgrade.len(), 1);
        assert!(
            inserted
                .warnings
                .iter()
                .any(|w| w.contains("cannot reorder"))
        );
        let reordered = plan(&head, &models(&["verified", "pending"]));
        assert!(reordered.is_empty());
        assert!(
            reordered
                .warnings
                .iter()
                .any(|w| w.contains("cannot reorder"))
        );
    }

    #[test]
    fn autogenerate_finds_changes_exactly_when_the_diff_does() {
        let head = models("amount > 0").schema();
        for target in [models("amount > 0"), models("amount >= 0")] {
            assert_eq!(
                plan(&head, &target).is_empty(),
                head.diff_as_written(&target.schema()).is_empty()
            );
            assert_eq!(
                plan_against_database(&head, &target).is_empty(),
                head.diff(&target.schema()).is_empty()
            );
        }
    }
}
