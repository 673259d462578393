//! The actual schema of a SQLite database, read from its table-valued pragmas.

use std::collections::BTreeMap;

use sqlx::{AssertSqlSafe, SqliteConnection};

use crate::schema::{Action, Column, ColumnType, ForeignKey, Index, Schema, Unique};

/// The application's tables (joined with a pragma by replacing ` WHERE`).
const TABLES: &str = "sqlite_master m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'";

pub(super) async fn schema(conn: &mut SqliteConnection) -> Result<Schema, sqlx::Error> {
    let mut schema = Schema::default();
    columns(conn, &mut schema).await?;
    foreign_keys(conn, &mut schema).await?;
    indexes(conn, &mut schema).await?;
    Ok(schema)
}

/// Columns with their types, nullability, defaults, and the primary key.
async fn columns(conn: &mut SqliteConnection, schema: &mut Schema) -> Result<(), sqlx::Error> {
    let columns: Vec<(String, String, String, bool, Option<String>, i64)> =
        sqlx::query_as(AssertSqlSafe(format!(
            "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk
         FROM {TABLES_JOIN} ORDER BY m.name, p.cid",
            TABLES_JOIN = TABLES.replace(" WHERE", ", pragma_table_info(m.name) p WHERE")
        )))
        .fetch_all(&mut *conn)
        .await?;
    let mut pk: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for (table, name, ty, not_null, default, pk_position) in columns {
        let ty = ColumnType::from_sql(&ty, &schema.enums);
        if pk_position > 0 {
            pk.entry(table.clone())
                .or_default()
                .push((pk_position, name.clone()));
        }
        schema.push_read_column(
            table,
            Column {
                name,
                ty,
                nullable: !not_null,
                default,
                identity: None,
                comment: None,
                generated: None,
                sequence: None,
                statistics: None,
            },
        );
    }
    for (table, mut columns) in pk {
        columns.sort();
        if let Some(t) = schema.tables.get_mut(&table) {
            t.primary_key = columns.into_iter().map(|(_, c)| c).collect();
        }
    }
    Ok(())
}

/// Foreign keys (SQLite keeps no names for them).
async fn foreign_keys(conn: &mut SqliteConnection, schema: &mut Schema) -> Result<(), sqlx::Error> {
    let fks: Vec<(String, i64, String, String, String, String, String)> =
        sqlx::query_as(AssertSqlSafe(format!(
            "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete
         FROM {} ORDER BY m.name, f.id, f.seq",
            TABLES.replace(" WHERE", ", pragma_foreign_key_list(m.name) f WHERE")
        )))
        .fetch_all(&mut *conn)
        .await?;
    let mut grouped: BTreeMap<(String, i64), ForeignKey> = BTreeMap::new();
    for (table, id, ref_table, from, to, on_update, on_delete) in fks {
        let fk = grouped.entry((table, id)).or_insert_with(|| ForeignKey {
            name: String::new(),
            columns: Vec::new(),
            ref_table,
            ref_columns: Vec::new(),
            on_delete: Action::from_sql(&on_delete),
            on_update: Action::from_sql(&on_update),
            // SQLite keeps the clause but its pragmas do not show it (see the canonical form).
            deferrable: None,
            not_valid: false,
        });
        fk.columns.push(from);
        fk.ref_columns.push(to);
    }
    for ((table, _), fk) in grouped {
        if let Some(t) = schema.tables.get_mut(&table) {
            t.foreign_keys.push(fk);
        }
    }
    Ok(())
}

/// Indexes, and the unique constraints SQLite keeps as indexes.
async fn indexes(conn: &mut SqliteConnection, schema: &mut Schema) -> Result<(), sqlx::Error> {
    let indexes: Vec<(String, String, bool, String, bool, Option<String>)> =
        sqlx::query_as(AssertSqlSafe(format!(
            "SELECT m.name, il.name, il.\"unique\", il.origin, il.partial, ii.name
         FROM {} ORDER BY m.name, il.name, ii.seqno",
            TABLES.replace(
                " WHERE",
                ", pragma_index_list(m.name) il, pragma_index_info(il.name) ii WHERE"
            )
        )))
        .fetch_all(&mut *conn)
        .await?;
    type IndexParts = (bool, String, bool, Vec<Option<String>>);
    let mut grouped: BTreeMap<(String, String), IndexParts> = BTreeMap::new();
    for (table, name, unique, origin, partial, column) in indexes {
        grouped
            .entry((table, name))
            .or_insert_with(|| (unique, origin, partial, Vec::new()))
            .3
            .push(column);
    }
    for ((table, name), (unique, origin, partial, columns)) in grouped {
        let Some(t) = schema.tables.get_mut(&table) else {
            continue;
        };
        match origin.as_str() {
            "u" => t.uniques.push(Unique {
                name: String::new(),
                columns: columns.into_iter().flatten().collect(),
            }),
            // An expression element has no name; SQLite's pragmas do not give its text, so
            // the expression is known by its presence only (as a predicate is).
            "c" => t.indexes.push(Index {
                name,
                table,
                expression: columns.iter().any(Option::is_none).then(String::new),
                columns: columns.into_iter().flatten().collect(),
                unique,
                predicate: partial.then(String::new),
                method: None,
                include: Vec::new(),
                statistics: Vec::new(),
            }),
            _ => {}
        }
    }
    Ok(())
}
