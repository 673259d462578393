//! Adopting an existing database: its schema, read from the catalog, as a baseline migration
//! that builds it from nothing (with an exact downgrade), as table models, and as a crate to
//! hold both (`capp-schema adopt`).
//!
//! The baseline creates objects in an order PostgreSQL accepts: extensions, enum types, domains
//! and sequences, the functions tables may use (in defaults, checks, index expressions), tables
//! without their foreign keys (partitioned tables' indexes after their partitions, so that
//! PostgreSQL adopts the partitions' own indexes under their names), the foreign keys, then
//! views, materialized views and the functions whose signatures name tables (each after what
//! its SQL names), indexes on materialized views, triggers and policies. Its downgrade undoes
//! each step in reverse.

mod crate_files;
mod models;

use std::collections::{BTreeMap, BTreeSet};

pub(crate) use crate_files::enclosing_workspace;
pub use crate_files::{AdoptOptions, Written, write_crate};
pub use models::models_file;

use crate::autogen::Plan;
use crate::objects::{ObjectId, ObjectKind, SqlObject};
use crate::ops::Operation;
use crate::schema::{Schema, Table};

/// The baseline: every object of `schema`, created in dependency order, and its downgrade.
pub fn baseline(schema: &Schema) -> Plan {
    let mut up: Vec<Operation> = Vec::new();
    for name in &schema.extensions {
        up.push(Operation::CreateExtension { name: name.clone() });
    }
    for (name, values) in &schema.enums {
        up.push(Operation::CreateEnum {
            name: name.clone(),
            values: values.clone(),
        });
    }
    let of_kind = |kind: ObjectKind| {
        schema
            .objects
            .values()
            .filter(move |o| o.id.kind == kind)
            .cloned()
    };
    up.extend(of_kind(ObjectKind::Domain).map(Operation::CreateObject));
    up.extend(of_kind(ObjectKind::Sequence).map(Operation::CreateObject));
    // Functions whose signatures name no table or view come before the tables, which may use
    // them; the others after the tables, in the order of what they name.
    let relations: Vec<&str> = schema
        .tables
        .keys()
        .map(String::as_str)
        .chain(schema.objects.values().filter_map(|o| {
            matches!(o.id.kind, ObjectKind::View | ObjectKind::MaterializedView)
                .then_some(o.id.name.as_str())
        }))
        .collect();
    let (late, early): (Vec<SqlObject>, Vec<SqlObject>) =
        of_kind(ObjectKind::Function).partition(|f| {
            let header = signature_part(&f.definition);
            relations.iter().any(|r| mentions(header, r))
        });
    // (An aggregate after its state function, a function after one its body calls.)
    up.extend(
        in_dependency_order(early)
            .into_iter()
            .map(Operation::CreateObject),
    );
    // Operators, on those functions; tables' indexes and checks may use them.
    up.extend(of_kind(ObjectKind::Operator).map(Operation::CreateObject));
    tables(schema, &mut up);
    // Views, materialized views and late functions, each after what it names.
    let mut dependent: Vec<SqlObject> = of_kind(ObjectKind::View)
        .chain(of_kind(ObjectKind::MaterializedView))
        .chain(late)
        .collect();
    dependent = in_dependency_order(dependent);
    up.extend(dependent.into_iter().map(Operation::CreateObject));
    for kind in [
        ObjectKind::ViewIndex,
        ObjectKind::Trigger,
        ObjectKind::Policy,
    ] {
        up.extend(of_kind(kind).map(Operation::CreateObject));
    }
    let down = up.iter().rev().filter_map(undo).collect();
    Plan {
        upgrade: up,
        downgrade: down,
        ..Plan::default()
    }
}

/// Tables without their foreign keys (added once every table exists), partitions after their
/// parents, and a partitioned table's indexes after its partitions.
fn tables(schema: &Schema, up: &mut Vec<Operation>) {
    let mut foreign_keys = Vec::new();
    let mut parent_indexes = Vec::new();
    let mut created: BTreeSet<&str> = BTreeSet::new();
    let mut waiting: Vec<&Table> = schema.tables.values().collect();
    while !waiting.is_empty() {
        // A partition waits for its parent (one missing from the schema is not waited for: the
        // partition then fails with PostgreSQL's error naming it).
        let (ready, next): (Vec<&Table>, Vec<&Table>) =
            waiting.iter().partition(|t| match &t.partition_of {
                Some(of) if schema.tables.contains_key(&of.parent) => {
                    created.contains(of.parent.as_str())
                }
                _ => true,
            });
        // Nothing ready: a cycle of parents, which PostgreSQL cannot have; placed as they are.
        let ready = if ready.is_empty() {
            next.clone()
        } else {
            ready
        };
        for table in &ready {
            let mut bare = (*table).clone();
            foreign_keys.extend(
                bare.foreign_keys
                    .drain(..)
                    .map(|fk| Operation::AddForeignKey {
                        table: table.name.clone(),
                        foreign_key: fk,
                    }),
            );
            // A check created with the table is valid: one that is not is added after it.
            let (not_valid, valid): (Vec<_>, Vec<_>) =
                bare.checks.drain(..).partition(|c| c.not_valid);
            bare.checks = valid;
            foreign_keys.extend(not_valid.into_iter().map(|check| Operation::AddCheck {
                table: table.name.clone(),
                check,
            }));
            if bare.partition_by.is_some() {
                parent_indexes.extend(bare.indexes.drain(..).map(|index| Operation::CreateIndex {
                    index,
                    concurrently: false,
                }));
            }
            created.insert(&table.name);
            up.push(Operation::CreateTable(bare));
        }
        waiting = next
            .into_iter()
            .filter(|t| !created.contains(t.name.as_str()))
            .collect();
    }
    up.extend(parent_indexes);
    up.extend(foreign_keys);
}

/// The part of a `CREATE FUNCTION` statement before its body: name, arguments, result.
fn signature_part(definition: &str) -> &str {
    let end = [
        "\nAS ",
        "\n AS ",
        " AS $",
        "\nBEGIN ATOMIC",
        " BEGIN ATOMIC",
        "\n RETURN ",
    ]
    .iter()
    .filter_map(|m| definition.find(m))
    .min()
    .unwrap_or(definition.len());
    &definition[..end]
}

/// The name an object's SQL would use for it: a function's without its arguments.
fn referred_name(id: &ObjectId) -> &str {
    id.name.split('(').next().unwrap_or_default()
}

/// `objects` ordered so that each comes after the others its SQL names (by name, sorted where
/// nothing decides); a cycle (a name in a string, say) is broken in name order.
fn in_dependency_order(objects: Vec<SqlObject>) -> Vec<SqlObject> {
    let mut remaining: BTreeMap<ObjectId, SqlObject> =
        objects.into_iter().map(|o| (o.id.clone(), o)).collect();
    let mut out = Vec::with_capacity(remaining.len());
    while !remaining.is_empty() {
        let ready: Vec<ObjectId> = remaining
            .values()
            .filter(|o| {
                !remaining
                    .keys()
                    .any(|other| *other != o.id && mentions(&o.definition, referred_name(other)))
            })
            .map(|o| o.id.clone())
            .collect();
        let take = if ready.is_empty() {
            remaining.keys().next().cloned().into_iter().collect()
        } else {
            ready
        };
        for id in take {
            if let Some(object) = remaining.remove(&id) {
                out.push(object);
            }
        }
    }
    out
}

/// Whether `text` names `name` as a whole word (an identifier in SQL), quoted or not.
fn mentions(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// The step that undoes one baseline step.
fn undo(op: &Operation) -> Option<Operation> {
    Some(match op {
        Operation::CreateExtension { name } => Operation::DropExtension { name: name.clone() },
        Operation::CreateEnum { name, .. } => Operation::DropEnum { name: name.clone() },
        Operation::CreateObject(object) => Operation::DropObject(object.id.clone()),
        Operation::CreateTable(table) => Operation::DropTable {
            name: table.name.clone(),
        },
        Operation::CreateIndex { index, .. } => Operation::DropIndex {
            name: index.name.clone(),
            concurrently: false,
        },
        Operation::AddForeignKey { table, foreign_key } => Operation::DropConstraint {
            table: table.clone(),
            name: foreign_key.name.clone(),
        },
        Operation::AddCheck { table, check } => Operation::DropConstraint {
            table: table.clone(),
            name: check.name.clone(),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
