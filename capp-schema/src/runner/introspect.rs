//! Reads the actual schema of a database into the model: PostgreSQL from `pg_catalog`, SQLite
//! from its table-valued pragmas. The runner's own tables are left out.

use std::collections::BTreeMap;

use sqlx::AssertSqlSafe;

use super::{Config, Db, RunError};
use crate::schema::{Action, Check, Column, ColumnType, ForeignKey, Index, Schema, Table, Unique};

fn action(code: &str) -> Action {
    match code.trim().to_ascii_lowercase().as_str() {
        "r" | "restrict" => Action::Restrict,
        "c" | "cascade" => Action::Cascade,
        "n" | "set null" => Action::SetNull,
        "d" | "set default" => Action::SetDefault,
        _ => Action::NoAction,
    }
}

/// A type as PostgreSQL's `format_type` or SQLite's declaration spells it.
fn column_type(spelled: &str, enums: &BTreeMap<String, Vec<String>>) -> ColumnType {
    let lower = spelled.trim().to_ascii_lowercase();
    let args = |s: &str| -> Vec<u32> {
        s.split_once('(')
            .and_then(|(_, rest)| rest.strip_suffix(')'))
            .map(|a| a.split(',').filter_map(|n| n.trim().parse().ok()).collect())
            .unwrap_or_default()
    };
    let base = lower.split('(').next().unwrap_or("").trim();
    match base {
        "smallint" | "int2" => ColumnType::SmallInt,
        "integer" | "int" | "int4" => ColumnType::Integer,
        "bigint" | "int8" => ColumnType::BigInt,
        "numeric" | "decimal" => match args(&lower)[..] {
            [p, s] => ColumnType::Numeric {
                precision: p as u8,
                scale: s as u8,
            },
            [p] => ColumnType::Numeric {
                precision: p as u8,
                scale: 0,
            },
            _ => ColumnType::Other(spelled.to_owned()),
        },
        "double precision" | "float8" => ColumnType::Double,
        "boolean" | "bool" => ColumnType::Boolean,
        "text" => ColumnType::Text,
        "character varying" | "varchar" => match args(&lower)[..] {
            [n] => ColumnType::Varchar(n),
            _ => ColumnType::Other(spelled.to_owned()),
        },
        "uuid" => ColumnType::Uuid,
        "date" => ColumnType::Date,
        "timestamp with time zone" | "timestamptz" => ColumnType::TimestampTz,
        "jsonb" => ColumnType::Jsonb,
        "bytea" | "blob" => ColumnType::Bytes,
        _ => {
            let name = spelled.trim().trim_matches('"');
            if enums.contains_key(name) {
                ColumnType::Enum(name.to_owned())
            } else {
                ColumnType::Other(spelled.to_owned())
            }
        }
    }
}

impl Db {
    /// The schema of the database, without the runner's version and history tables.
    pub async fn introspect(&mut self, config: &Config) -> Result<Schema, RunError> {
        let mut schema = if self.postgres().is_some() {
            self.introspect_postgres().await
        } else {
            self.introspect_sqlite().await
        }
        .map_err(RunError::db("cannot read the database's schema"))?;
        schema.tables.remove(&config.version_table);
        schema.tables.remove(&config.history_table);
        Ok(schema)
    }

    async fn introspect_postgres(&mut self) -> Result<Schema, sqlx::Error> {
        let conn = self.postgres().expect("checked by the caller");
        let mut schema = Schema::default();
        let enums: Vec<(String, String)> = sqlx::query_as(
            "SELECT t.typname::text, e.enumlabel::text FROM pg_type t
             JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = current_schema() ORDER BY t.typname, e.enumsortorder",
        )
        .fetch_all(&mut *conn)
        .await?;
        for (name, value) in enums {
            schema.enums.entry(name).or_default().push(value);
        }
        let columns: Vec<(String, String, String, bool, Option<String>)> = sqlx::query_as(
            "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
                    pg_get_expr(d.adbin, d.adrelid)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
             WHERE n.nspname = current_schema() AND c.relkind = 'r'
             ORDER BY c.relname, a.attnum",
        )
        .fetch_all(&mut *conn)
        .await?;
        for (table, name, ty, nullable, default) in columns {
            let ty = column_type(&ty, &schema.enums);
            let t = schema
                .tables
                .entry(table.clone())
                .or_insert_with(|| Table::new(table));
            t.columns.push(Column {
                name,
                ty,
                nullable,
                default,
            });
        }
        type ConstraintRow = (
            String,
            String,
            String,
            Vec<String>,
            Option<String>,
            Vec<String>,
            String,
            String,
            String,
        );
        let constraints: Vec<ConstraintRow> = sqlx::query_as(
            "SELECT c.relname::text, con.conname::text, con.contype::text,
                ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
                fc.relname::text,
                ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord),
                con.confdeltype::text, con.confupdtype::text, pg_get_constraintdef(con.oid)
             FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class fc ON fc.oid = con.confrelid
             WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f', 'c')
             ORDER BY c.relname, con.conname",
        )
        .fetch_all(&mut *conn)
        .await?;
        for (
            table,
            name,
            kind,
            columns,
            ref_table,
            ref_columns,
            on_delete,
            on_update,
            definition,
        ) in constraints
        {
            let Some(t) = schema.tables.get_mut(&table) else {
                continue;
            };
            match kind.as_str() {
                "p" => t.primary_key = columns,
                "u" => t.uniques.push(Unique { name, columns }),
                "f" => t.foreign_keys.push(ForeignKey {
                    name,
                    columns,
                    ref_table: ref_table.unwrap_or_default(),
                    ref_columns,
                    on_delete: action(&on_delete),
                    on_update: action(&on_update),
                }),
                _ => t.checks.push(Check {
                    name,
                    expr: definition,
                }),
            }
        }
        type IndexRow = (String, String, bool, Vec<String>, Option<String>);
        let indexes: Vec<IndexRow> = sqlx::query_as(
            "SELECT t.relname::text, i.relname::text, ix.indisunique,
                ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord),
                pg_get_expr(ix.indpred, ix.indrelid)
             FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE n.nspname = current_schema()
               AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x'))
             ORDER BY t.relname, i.relname",
        )
        .fetch_all(&mut *conn)
        .await?;
        for (table, name, unique, columns, predicate) in indexes {
            if let Some(t) = schema.tables.get_mut(&table) {
                t.indexes.push(Index {
                    name,
                    table,
                    columns,
                    unique,
                    predicate,
                });
            }
        }
        Ok(schema)
    }

    async fn introspect_sqlite(&mut self) -> Result<Schema, sqlx::Error> {
        let conn = self.sqlite().expect("checked by the caller");
        let mut schema = Schema::default();
        const TABLES: &str =
            "sqlite_master m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'";
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
            let ty = column_type(&ty, &schema.enums);
            if pk_position > 0 {
                pk.entry(table.clone())
                    .or_default()
                    .push((pk_position, name.clone()));
            }
            let t = schema
                .tables
                .entry(table.clone())
                .or_insert_with(|| Table::new(table));
            t.columns.push(Column {
                name,
                ty,
                nullable: !not_null,
                default,
            });
        }
        for (table, mut columns) in pk {
            columns.sort();
            if let Some(t) = schema.tables.get_mut(&table) {
                t.primary_key = columns.into_iter().map(|(_, c)| c).collect();
            }
        }
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
                on_delete: action(&on_delete),
                on_update: action(&on_update),
            });
            fk.columns.push(from);
            fk.ref_columns.push(to);
        }
        for ((table, _), fk) in grouped {
            if let Some(t) = schema.tables.get_mut(&table) {
                t.foreign_keys.push(fk);
            }
        }
        let indexes: Vec<(String, String, bool, String, bool, String)> =
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
        type IndexParts = (bool, String, bool, Vec<String>);
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
                    columns,
                }),
                "c" => t.indexes.push(Index {
                    name,
                    table,
                    columns,
                    unique,
                    predicate: partial.then(String::new),
                }),
                _ => {}
            }
        }
        Ok(schema)
    }
}
