//! The actual schema of a PostgreSQL database, read from `pg_catalog`.

use sqlx::PgConnection;

use crate::schema::{
    Action, Check, Column, ColumnType, Deferral, ForeignKey, Identity, Index, PartitionOf, Schema,
    Table, Unique,
};

/// The schema, read in one read-only transaction with unnamed statements: behind a
/// transaction-pooling proxy a transaction keeps one server connection, and unnamed statements
/// leave nothing on it for the next client.
pub(super) async fn schema(conn: &mut PgConnection) -> Result<Schema, sqlx::Error> {
    sqlx::raw_sql("BEGIN READ ONLY").execute(&mut *conn).await?;
    let read = read(conn).await;
    let end = if read.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = sqlx::raw_sql(end).execute(&mut *conn).await;
    let schema = read?;
    ended?;
    Ok(schema)
}

async fn read(conn: &mut PgConnection) -> Result<Schema, sqlx::Error> {
    let mut schema = Schema::default();
    // Extensions are database-wide; `plpgsql` is in every database.
    let extensions: Vec<String> =
        sqlx::query_scalar("SELECT extname::text FROM pg_extension WHERE extname <> 'plpgsql'")
            .persistent(false)
            .fetch_all(&mut *conn)
            .await?;
    schema.extensions.extend(extensions);
    enums(conn, &mut schema).await?;
    columns(conn, &mut schema).await?;
    partitions(conn, &mut schema).await?;
    storage(conn, &mut schema).await?;
    sequence_options(conn, &mut schema).await?;
    constraints(conn, &mut schema).await?;
    indexes(conn, &mut schema).await?;
    super::objects::read(conn, &mut schema).await?;
    Ok(schema)
}

/// Enum types and their values, in order.
async fn enums(conn: &mut PgConnection, schema: &mut Schema) -> Result<(), sqlx::Error> {
    let enums: Vec<(String, String)> = sqlx::query_as(
        "SELECT t.typname::text, e.enumlabel::text FROM pg_type t
         JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = current_schema() ORDER BY t.typname, e.enumsortorder",
    )
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for (name, value) in enums {
        schema.enums.entry(name).or_default().push(value);
    }
    Ok(())
}

/// Columns with their types, nullability and defaults.
async fn columns(conn: &mut PgConnection, schema: &mut Schema) -> Result<(), sqlx::Error> {
    type ColumnRow = (
        String,
        String,
        String,
        bool,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        bool,
        i32,
    );
    let columns: Vec<ColumnRow> = sqlx::query_as(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid), a.attidentity::text,
                cd.description, td.description,
                a.attgenerated = 's', a.attstattarget::int4
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
         LEFT JOIN pg_description cd ON cd.classoid = 'pg_class'::regclass AND cd.objoid = c.oid
              AND cd.objsubid = a.attnum
         LEFT JOIN pg_description td ON td.classoid = 'pg_class'::regclass AND td.objoid = c.oid
              AND td.objsubid = 0
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
         ORDER BY c.relname, a.attnum",
    )
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for (
        table,
        name,
        ty,
        nullable,
        default,
        identity,
        comment,
        table_comment,
        generated,
        statistics,
    ) in columns
    {
        // A generated column's expression is where a default would be. (Serial columns are
        // told by their sequences, in `sequence_options`.)
        let (default, generated) = if generated {
            (None, default)
        } else {
            (default, None)
        };
        let ty = ColumnType::from_sql(&ty, &schema.enums);
        let identity = match identity.as_str() {
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            _ => None,
        };
        schema.push_read_column(
            table.clone(),
            Column {
                name,
                ty,
                nullable,
                default,
                identity,
                comment,
                generated,
                sequence: None,
                // -1 is the server's default.
                statistics: (statistics >= 0).then_some(statistics),
            },
        );
        if let Some(t) = schema.tables.get_mut(&table) {
            t.comment = table_comment;
        }
    }
    Ok(())
}

/// Partitioned tables' keys, and partitions' parents and bounds. A partition's columns are its
/// parent's: it is kept without them.
async fn partitions(conn: &mut PgConnection, schema: &mut Schema) -> Result<(), sqlx::Error> {
    type PartitionRow = (String, Option<String>, Option<String>, Option<String>);
    let rows: Vec<PartitionRow> = sqlx::query_as(
        "SELECT c.relname::text,
                CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
                (SELECT p.relname::text FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                 WHERE i.inhrelid = c.oid),
                CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
           AND (c.relkind = 'p' OR c.relispartition)",
    )
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for (table, by, parent, bound) in rows {
        let t = schema
            .tables
            .entry(table.clone())
            .or_insert_with(|| Table::new(table));
        t.partition_by = by;
        if let (Some(parent), Some(bound)) = (parent, bound) {
            t.columns.clear();
            t.partition_of = Some(PartitionOf { parent, bound });
        }
    }
    Ok(())
}

/// Unlogged tables and storage parameters.
async fn storage(conn: &mut PgConnection, schema: &mut Schema) -> Result<(), sqlx::Error> {
    let rows: Vec<(String, bool, Vec<String>)> = sqlx::query_as(
        "SELECT c.relname::text, c.relpersistence = 'u', coalesce(c.reloptions, '{}')::text[]
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
           AND (c.relpersistence = 'u' OR c.reloptions IS NOT NULL)",
    )
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for (table, unlogged, storage) in rows {
        if let Some(t) = schema.tables.get_mut(&table) {
            t.unlogged = unlogged;
            t.storage = storage;
        }
    }
    Ok(())
}

/// Serial columns (a column that owns a sequence whose next value is its default; an identity
/// column owns one too, with no default), and the options of identity and serial columns'
/// sequences where they are not what `SERIAL` or `GENERATED ... AS IDENTITY` would make.
async fn sequence_options(conn: &mut PgConnection, schema: &mut Schema) -> Result<(), sqlx::Error> {
    type SequenceRow = (
        String,
        String,
        String,
        String,
        i64,
        i64,
        i64,
        i64,
        i64,
        bool,
        String,
    );
    let rows: Vec<SequenceRow> = sqlx::query_as(
        "SELECT t.relname::text, a.attname::text, format_type(a.atttypid, NULL),
                format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
                s.seqcache, s.seqcycle, d.deptype::text
         FROM pg_depend d JOIN pg_class seq ON seq.oid = d.objid
         JOIN pg_sequence s ON s.seqrelid = seq.oid JOIN pg_class t ON t.oid = d.refobjid
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = current_schema() AND d.classid = 'pg_class'::regclass
           AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')",
    )
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for (table, column, column_type, ty, start, increment, min, max, cache, cycle, dependency) in
        rows
    {
        let Some(c) = schema
            .tables
            .get_mut(&table)
            .and_then(|t| t.columns.iter_mut().find(|c| c.name == column))
        else {
            continue;
        };
        let serial = dependency == "a"
            && c.identity.is_none()
            && c.default
                .as_deref()
                .is_some_and(|d| d.starts_with("nextval("));
        if serial {
            // Its default takes the next value of the sequence it owns: part of being serial.
            c.identity = Some(Identity::Serial);
            c.default = None;
        }
        if c.identity.is_none() {
            continue;
        }
        let options = options_of_sequence(
            &column_type,
            &ty,
            [start, increment, min, max, cache],
            cycle,
        );
        c.sequence = (!options.is_empty()).then_some(options);
    }
    Ok(())
}

/// The options of a column's sequence that differ from what `SERIAL` or `GENERATED ... AS
/// IDENTITY` makes for a column of type `column_type`: a sequence of that type from 1 (or, going
/// down, from -1), by 1, over the type's range, one value cached, not cycling. `values` are the
/// start, increment, minimum, maximum and cache, as `pg_sequence` holds them.
fn options_of_sequence(column_type: &str, ty: &str, values: [i64; 5], cycle: bool) -> String {
    let [start, increment, min, max, cache] = values;
    let range = |ty: &str| match ty {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let (low, high) = range(ty);
    let (default_min, default_max) = if increment > 0 { (1, high) } else { (low, -1) };
    let default_start = if increment > 0 { min } else { max };
    let mut parts = Vec::new();
    if ty != column_type {
        parts.push(format!("AS {ty}"));
    }
    if increment != 1 {
        parts.push(format!("INCREMENT BY {increment}"));
    }
    if min != default_min {
        parts.push(format!("MINVALUE {min}"));
    }
    if max != default_max {
        parts.push(format!("MAXVALUE {max}"));
    }
    if start != default_start {
        parts.push(format!("START WITH {start}"));
    }
    if cache != 1 {
        parts.push(format!("CACHE {cache}"));
    }
    if cycle {
        parts.push("CYCLE".to_owned());
    }
    parts.join(" ")
}

/// Primary keys, unique, foreign-key and check constraints, without the ones a partition (or a
/// table referencing a partitioned table) gets from a constraint of another table.
async fn constraints(conn: &mut PgConnection, schema: &mut Schema) -> Result<(), sqlx::Error> {
    type ConstraintRow = (
        String,
        String,
        String,
        Vec<String>,
        Option<String>,
        Vec<String>,
        String,
        String,
        Option<String>,
        bool,
        bool,
        bool,
    );
    // The definition is deparsed for checks only, the costly part of this query.
    let constraints: Vec<ConstraintRow> = sqlx::query_as(
        "SELECT c.relname::text, con.conname::text, con.contype::text,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
            fc.relname::text,
            ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord),
            con.confdeltype::text, con.confupdtype::text,
            CASE WHEN con.contype = 'c' THEN pg_get_constraintdef(con.oid) END,
            con.condeferrable, con.condeferred, con.convalidated
         FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class fc ON fc.oid = con.confrelid
         WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f', 'c')
           AND con.conparentid = 0 AND (con.conislocal OR NOT c.relispartition)
         ORDER BY c.relname, con.conname",
    )
    .persistent(false)
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
        deferrable,
        deferred,
        validated,
    ) in constraints
    {
        let Some(t) = schema.tables.get_mut(&table) else {
            continue;
        };
        match kind.as_str() {
            "p" => _ = t.primary_key_named(&name, columns),
            "u" => t.uniques.push(Unique { name, columns }),
            "f" => t.foreign_keys.push(ForeignKey {
                name,
                columns,
                ref_table: ref_table.unwrap_or_default(),
                ref_columns,
                on_delete: Action::from_sql(&on_delete),
                on_update: Action::from_sql(&on_update),
                deferrable: match (deferrable, deferred) {
                    (true, true) => Some(Deferral::InitiallyDeferred),
                    (true, false) => Some(Deferral::InitiallyImmediate),
                    (false, _) => None,
                },
                not_valid: !validated,
            }),
            _ => t.checks.push(Check {
                name,
                expr: check_expression(definition.as_deref().unwrap_or_default()),
                not_valid: !validated,
            }),
        }
    }
    Ok(())
}

/// A check's expression from `CHECK (expr)` as the catalog writes it: without the keyword and the
/// validation state (a `NOT VALID` check is read as a check).
fn check_expression(definition: &str) -> String {
    definition
        .strip_prefix("CHECK ")
        .unwrap_or(definition)
        .trim_end_matches(" NOT VALID")
        .to_owned()
}

/// Indexes that back no constraint.
async fn indexes(conn: &mut PgConnection, schema: &mut Schema) -> Result<(), sqlx::Error> {
    type IndexRow = (
        String,
        String,
        bool,
        Vec<String>,
        Option<String>,
        String,
        String,
        Vec<String>,
        Vec<i32>,
        Vec<i32>,
    );
    let indexes: Vec<IndexRow> = sqlx::query_as(
        "SELECT t.relname::text, i.relname::text, ix.indisunique,
            ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                  WHERE k.ord <= ix.indnkeyatts ORDER BY k.ord),
            pg_get_expr(ix.indpred, ix.indrelid), am.amname::text, pg_get_indexdef(ix.indexrelid),
            ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                  WHERE k.ord > ix.indnkeyatts ORDER BY k.ord),
            ARRAY(SELECT a.attnum::int4 FROM pg_attribute a
                  WHERE a.attrelid = i.oid AND a.attnum > 0 AND a.attstattarget >= 0 ORDER BY a.attnum),
            ARRAY(SELECT a.attstattarget::int4 FROM pg_attribute a
                  WHERE a.attrelid = i.oid AND a.attnum > 0 AND a.attstattarget >= 0 ORDER BY a.attnum)
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_am am ON am.oid = i.relam
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = current_schema()
           AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x'))
         ORDER BY t.relname, i.relname",
    )
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for (table, name, unique, columns, predicate, method, definition, include, numbers, targets) in
        indexes
    {
        // More than plain columns (an expression, a sort order, an operator class): the
        // elements as the server writes them.
        let elements = index_elements(&definition);
        // (Quotes aside: the server quotes names only where it must, such as keywords.)
        let expression = elements.filter(|e| e.replace('"', "") != columns.join(", "));
        if let Some(t) = schema.tables.get_mut(&table) {
            t.indexes.push(Index {
                expression,
                include,
                name,
                table,
                columns,
                unique,
                predicate,
                method: (method != "btree").then_some(method),
                statistics: numbers
                    .iter()
                    .zip(&targets)
                    .filter_map(|(n, t)| Some((u16::try_from(*n).ok()?, *t)))
                    .collect(),
            });
        }
    }
    Ok(())
}

/// The element list of `CREATE INDEX ... USING method (elements) ...`, as `pg_get_indexdef`
/// writes it.
fn index_elements(definition: &str) -> Option<String> {
    let start = definition.find(" USING ")?;
    let open = start + definition[start..].find('(')?;
    let (mut depth, mut quoted) = (0usize, None::<char>);
    for (i, c) in definition[open..].char_indices() {
        match (quoted, c) {
            (Some(q), c) if c == q => quoted = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quoted = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(definition[open + 1..open + i].to_owned());
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::options_of_sequence as sequence_options;

    #[test]
    fn sequence_options_are_only_what_differs_from_the_defaults() {
        let max = i64::MAX;
        assert_eq!(
            sequence_options("bigint", "bigint", [1, 1, 1, max, 1], false),
            ""
        );
        assert_eq!(
            sequence_options("integer", "bigint", [1, 1, 1, max, 1], false),
            "AS bigint"
        );
        assert_eq!(
            sequence_options("bigint", "bigint", [10_000_000, 1, 1, max, 1], false),
            "START WITH 10000000"
        );
        assert_eq!(
            sequence_options(
                "integer",
                "integer",
                [-1, -1, i64::from(i32::MIN), -1, 20],
                true
            ),
            "INCREMENT BY -1 CACHE 20 CYCLE"
        );
    }
}
