//! Named SQL objects read from `pg_catalog`, each as the SQL that creates it, in the text the
//! server gives back (`pg_get_viewdef`, `pg_get_functiondef`, `pg_get_triggerdef`, ...).
//! Objects an extension owns are the extension's, not the schema's: they are left out.

use std::fmt::Write as _;

use sqlx::PgConnection;

use crate::objects::{ObjectKind, RowSecurity, SqlObject};
use crate::render::ident;
use crate::schema::Schema;

/// `NOT EXISTS` an extension owning the object `$oid` of the catalog `$catalog`, as a literal.
macro_rules! not_an_extensions {
    ($catalog:literal, $oid:literal) => {
        concat!(
            "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '",
            $catalog,
            "'::regclass AND d.objid = ",
            $oid,
            " AND d.deptype = 'e')"
        )
    };
}

/// Every named object of the current schema, and which tables have row-level security.
pub(super) async fn read(conn: &mut PgConnection, schema: &mut Schema) -> Result<(), sqlx::Error> {
    let mut objects = Vec::new();
    views(conn, &mut objects).await?;
    routines(conn, &mut objects).await?;
    operators(conn, &mut objects).await?;
    triggers_and_view_indexes(conn, &mut objects).await?;
    for (name, definition) in sequences(conn).await? {
        objects.push(SqlObject::new(ObjectKind::Sequence, name, None, definition));
    }
    for (name, definition) in domains(conn).await? {
        objects.push(SqlObject::new(ObjectKind::Domain, name, None, definition));
    }
    for (name, table, definition) in policies(conn).await? {
        objects.push(SqlObject::new(
            ObjectKind::Policy,
            name,
            Some(table.as_str()),
            definition,
        ));
    }
    for object in objects {
        schema.objects.insert(object.id.clone(), object);
    }
    row_security(conn, schema).await
}

/// Views and materialized views, with their queries.
async fn views(conn: &mut PgConnection, out: &mut Vec<SqlObject>) -> Result<(), sqlx::Error> {
    // Views and materialized views: their queries.
    let views: Vec<(String, String, String)> = sqlx::query_as(concat!(
        "SELECT c.relname::text, c.relkind::text, pg_get_viewdef(c.oid)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm') AND ",
        not_an_extensions!("pg_class", "c.oid"),
        ""
    ))
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for (name, relkind, query) in views {
        let kind = if relkind == "m" {
            ObjectKind::MaterializedView
        } else {
            ObjectKind::View
        };
        out.push(SqlObject::new(kind, name, None, trimmed(&query)));
    }
    Ok(())
}

/// Functions, procedures and aggregates.
async fn routines(conn: &mut PgConnection, out: &mut Vec<SqlObject>) -> Result<(), sqlx::Error> {
    // Functions and procedures (aggregates have no `pg_get_functiondef`).
    let functions: Vec<(String, String)> = sqlx::query_as(concat!(
        "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
                pg_get_functiondef(p.oid)
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = current_schema() AND p.prokind IN ('f', 'p', 'w') AND ",
        not_an_extensions!("pg_proc", "p.oid"),
        ""
    ))
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for (signature, definition) in functions {
        out.push(SqlObject::new(
            ObjectKind::Function,
            signature,
            None,
            trimmed(&definition),
        ));
    }
    // Plain aggregates, as the `CREATE AGGREGATE` that makes each (ordered-set and moving-mode
    // options are not read).
    let aggregates: Vec<(String, String)> = sqlx::query_as(concat!(
        "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
                'CREATE AGGREGATE ' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid)
                || ') (SFUNC = ' || a.aggtransfn::regproc::text || ', STYPE = ' || format_type(a.aggtranstype, NULL)
                || CASE WHEN a.aggfinalfn <> 0 THEN ', FINALFUNC = ' || a.aggfinalfn::regproc::text ELSE '' END
                || CASE WHEN a.aggcombinefn <> 0 THEN ', COMBINEFUNC = ' || a.aggcombinefn::regproc::text ELSE '' END
                || CASE WHEN a.agginitval IS NOT NULL THEN ', INITCOND = ' || quote_literal(a.agginitval) ELSE '' END
                || ')'
         FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid
         JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = current_schema() AND p.prokind = 'a' AND a.aggkind = 'n' AND ",
        not_an_extensions!("pg_proc", "p.oid")
    ))
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for (signature, definition) in aggregates {
        out.push(SqlObject::new(
            ObjectKind::Function,
            signature,
            None,
            definition,
        ));
    }
    Ok(())
}

/// Operators.
async fn operators(conn: &mut PgConnection, out: &mut Vec<SqlObject>) -> Result<(), sqlx::Error> {
    // Operators, as the `CREATE OPERATOR` that makes each.
    let operators: Vec<(String, String)> = sqlx::query_as(concat!(
        "SELECT o.oprname || '(' || coalesce(format_type(NULLIF(o.oprleft, 0), NULL), 'NONE') || ', '
                || coalesce(format_type(NULLIF(o.oprright, 0), NULL), 'NONE') || ')',
                'CREATE OPERATOR ' || o.oprname || ' (FUNCTION = ' || o.oprcode::regproc::text
                || CASE WHEN o.oprleft <> 0 THEN ', LEFTARG = ' || format_type(o.oprleft, NULL) ELSE '' END
                || CASE WHEN o.oprright <> 0 THEN ', RIGHTARG = ' || format_type(o.oprright, NULL) ELSE '' END
                || CASE WHEN o.oprcom <> 0 THEN ', COMMUTATOR = OPERATOR(' || (SELECT c.oprname FROM pg_operator c WHERE c.oid = o.oprcom) || ')' ELSE '' END
                || CASE WHEN o.oprnegate <> 0 THEN ', NEGATOR = OPERATOR(' || (SELECT c.oprname FROM pg_operator c WHERE c.oid = o.oprnegate) || ')' ELSE '' END
                || CASE WHEN o.oprrest <> 0 THEN ', RESTRICT = ' || o.oprrest::regproc::text ELSE '' END
                || CASE WHEN o.oprjoin <> 0 THEN ', JOIN = ' || o.oprjoin::regproc::text ELSE '' END
                || CASE WHEN o.oprcanhash THEN ', HASHES' ELSE '' END
                || CASE WHEN o.oprcanmerge THEN ', MERGES' ELSE '' END || ')'
         FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
         WHERE n.nspname = current_schema() AND ",
        not_an_extensions!("pg_operator", "o.oid")
    ))
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for (signature, definition) in operators {
        out.push(SqlObject::new(
            ObjectKind::Operator,
            signature,
            None,
            definition,
        ));
    }
    Ok(())
}

/// Triggers, and indexes on materialized views.
async fn triggers_and_view_indexes(
    conn: &mut PgConnection,
    out: &mut Vec<SqlObject>,
) -> Result<(), sqlx::Error> {
    // Triggers a user made: not the ones behind foreign keys, nor the clones a partition gets
    // of its parent's.
    let triggers: Vec<(String, String, String)> = sqlx::query_as(concat!(
        "SELECT t.tgname::text, c.relname::text, pg_get_triggerdef(t.oid)
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND NOT t.tgisinternal AND t.tgparentid = 0 AND ",
        not_an_extensions!("pg_trigger", "t.oid"),
        ""
    ))
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for (name, table, definition) in triggers {
        out.push(SqlObject::new(
            ObjectKind::Trigger,
            name,
            Some(table.as_str()),
            definition,
        ));
    }
    // Indexes on materialized views.
    let view_indexes: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT i.relname::text, v.relname::text, pg_get_indexdef(ix.indexrelid)
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_class v ON v.oid = ix.indrelid JOIN pg_namespace n ON n.oid = v.relnamespace
         WHERE n.nspname = current_schema() AND v.relkind = 'm'",
    )
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for (name, view, definition) in view_indexes {
        out.push(SqlObject::new(
            ObjectKind::ViewIndex,
            name,
            Some(view.as_str()),
            definition,
        ));
    }
    Ok(())
}

/// The definition as the catalog gives it, without the surrounding blanks and the final `;`.
fn trimmed(definition: &str) -> String {
    definition
        .trim()
        .trim_end_matches(';')
        .trim_end()
        .to_owned()
}

/// Sequences no column owns (a serial or identity column's sequence is part of the column), with
/// their options.
async fn sequences(conn: &mut PgConnection) -> Result<Vec<(String, String)>, sqlx::Error> {
    type SequenceRow = (String, String, i64, i64, i64, i64, i64, bool);
    let rows: Vec<SequenceRow> = sqlx::query_as(concat!(
        "SELECT c.relname::text, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
                s.seqmin, s.seqmax, s.seqcache, s.seqcycle
         FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND ",
        not_an_extensions!("pg_class", "c.oid"),
        "
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                 AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                 AND d.deptype IN ('a', 'i'))
         ORDER BY c.relname"
    ))
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, ty, start, increment, min, max, cache, cycle)| {
            let mut definition = format!(
                "AS {ty} START WITH {start} INCREMENT BY {increment} MINVALUE {min} MAXVALUE {max} CACHE {cache}"
            );
            if cycle {
                definition.push_str(" CYCLE");
            }
            (name, definition)
        })
        .collect())
}

/// Domains: base type, collation, default, NOT NULL and named checks.
async fn domains(conn: &mut PgConnection) -> Result<Vec<(String, String)>, sqlx::Error> {
    type DomainRow = (
        String,
        String,
        Option<String>,
        Option<String>,
        bool,
        Vec<String>,
        Vec<String>,
    );
    let rows: Vec<DomainRow> = sqlx::query_as(concat!(
        "SELECT t.typname::text, format_type(t.typbasetype, t.typtypmod),
                CASE WHEN t.typcollation <> 0 AND t.typcollation <> b.typcollation
                     THEN (SELECT quote_ident(collname) FROM pg_collation WHERE oid = t.typcollation) END,
                t.typdefault, t.typnotnull,
                ARRAY(SELECT conname::text FROM pg_constraint WHERE contypid = t.oid ORDER BY conname),
                ARRAY(SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contypid = t.oid ORDER BY conname)
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         JOIN pg_type b ON b.oid = t.typbasetype
         WHERE n.nspname = current_schema() AND t.typtype = 'd' AND ",
        not_an_extensions!("pg_type", "t.oid"),
        "
         ORDER BY t.typname"
    ))
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(name, base, collation, default, not_null, names, checks)| {
                let mut definition = base;
                if let Some(collation) = collation {
                    let _ = write!(definition, " COLLATE {collation}");
                }
                if let Some(default) = default {
                    let _ = write!(definition, " DEFAULT {default}");
                }
                if not_null {
                    definition.push_str(" NOT NULL");
                }
                for (constraint, check) in names.iter().zip(&checks) {
                    let _ = write!(definition, " CONSTRAINT {} {check}", ident(constraint));
                }
                (name, definition)
            },
        )
        .collect())
}

/// Row-level-security policies, as the `CREATE POLICY` that makes each.
async fn policies(conn: &mut PgConnection) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    type PolicyRow = (
        String,
        String,
        String,
        Vec<String>,
        String,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<PolicyRow> = sqlx::query_as(
        "SELECT policyname::text, tablename::text, permissive, roles::text[], cmd, qual, with_check
         FROM pg_policies WHERE schemaname = current_schema() ORDER BY tablename, policyname",
    )
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, table, permissive, roles, cmd, using, check)| {
            let roles: Vec<String> = roles
                .iter()
                .map(|r| {
                    if r == "public" {
                        "PUBLIC".to_owned()
                    } else {
                        ident(r)
                    }
                })
                .collect();
            let mut sql = format!(
                "CREATE POLICY {} ON {} AS {permissive} FOR {cmd} TO {}",
                ident(&name),
                ident(&table),
                roles.join(", ")
            );
            if let Some(using) = using {
                let _ = write!(sql, " USING ({using})");
            }
            if let Some(check) = check {
                let _ = write!(sql, " WITH CHECK ({check})");
            }
            (name, table, sql)
        })
        .collect())
}

/// Which tables have row-level security on, and forced.
async fn row_security(conn: &mut PgConnection, schema: &mut Schema) -> Result<(), sqlx::Error> {
    let rows: Vec<(String, bool)> = sqlx::query_as(
        "SELECT c.relname::text, c.relforcerowsecurity FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relrowsecurity",
    )
    .persistent(false)
    .fetch_all(&mut *conn)
    .await?;
    for (table, forced) in rows {
        if let Some(t) = schema.tables.get_mut(&table) {
            t.row_security = Some(if forced {
                RowSecurity::Forced
            } else {
                RowSecurity::Enabled
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_definition_loses_its_blanks_and_final_semicolon() {
        assert_eq!(super::trimmed(" SELECT 1;\n"), "SELECT 1");
    }
}
