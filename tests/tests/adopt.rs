//! Adoption of three real schemas from public repositories (`tests/fixtures/adopt/*`, each with
//! its source, commit and licence): each is loaded into a database, adopted into a crate, the
//! crates are built, and each baseline is applied to an empty database. The two databases are
//! then compared with PostgreSQL's own text, not with this tool's introspection: the catalog,
//! object by object (`pg_get_*def`, `format_type`, `pg_sequence`, ...), and `pg_dump
//! --schema-only`, statement by statement. `check` against the source, stamped at the baseline,
//! finds no drift; the baseline's downgrade leaves the new database empty.
//!
//! The fidelity of each schema is printed (`cargo test --test adopt -- --nocapture`) and written
//! in docs/adopt.md; the differences PostgreSQL's text still shows are listed here, so that any
//! new one fails the test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use capp_schema::adopt::{AdoptOptions, write_crate};
use capp_schema::runner::{Config, Db};
use capp_schema_tests::PgDb;
use sqlx::{Connection, PgConnection};

/// The differences left, per schema: `pg_dump` statements only in the source, then only in the
/// adopted database.
const KNOWN: [(&str, &[&str], &[&str]); 3] = [
    ("pagila", &[], &[]),
    ("hatchet", &[], &[]),
    (
        "danbooru",
        &[
            // The serial sequence of a table made UNLOGGED after it was created stays logged in
            // the source; `CREATE UNLOGGED TABLE` makes it unlogged.
            "CREATE SEQUENCE public.rate_limits_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;",
        ],
        &[
            "CREATE UNLOGGED SEQUENCE public.rate_limits_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;",
        ],
    ),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is in the workspace")
        .to_owned()
}

fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn three_real_schemas_are_adopted_object_for_object() {
    let names = KNOWN.map(|(name, _, _)| name);
    let mut sources = Vec::new();
    for name in names {
        let Some(pg) = PgDb::create().await else {
            return;
        };
        let file = repo()
            .join("tests/fixtures/adopt")
            .join(name)
            .join("schema.sql");
        run(Command::new("psql")
            .args(["-q", "-v", "ON_ERROR_STOP=1", "-d", &pg.url, "-f"])
            .arg(&file));
        sources.push(pg);
    }
    let workspace = std::env::temp_dir().join(format!("capp_adopt_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&workspace);
    let mut adopt_ms = Vec::new();
    for (name, pg) in names.iter().zip(&sources) {
        let started = Instant::now();
        let mut db = Db::connect(&pg.database_url()).await.unwrap();
        let schema = db.introspect(&Config::default()).await.unwrap();
        let _ = db.close().await;
        write_crate(
            &schema,
            &AdoptOptions {
                dir: workspace.join(name),
                crate_name: (*name).to_owned(),
                rev: "0001".to_owned(),
                message: "baseline".to_owned(),
                capp_schema_path: Some(repo().join("capp-schema")),
            },
        )
        .unwrap();
        adopt_ms.push(started.elapsed().as_millis());
    }
    let members = names.map(|n| format!("{n:?}")).join(", ");
    std::fs::write(
        workspace.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"3\"\nmembers = [{members}]\n"),
    )
    .unwrap();
    std::fs::copy(repo().join("Cargo.lock"), workspace.join("Cargo.lock")).unwrap();
    // A target directory of its own: the one of this test run is locked while it runs.
    let target = repo().join("target/adopt");
    let started = Instant::now();
    run(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--quiet", "--manifest-path"])
            .arg(workspace.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target),
    );
    eprintln!("built the three adopted crates in {:?}", started.elapsed());
    for ((name, only_source, only_adopted), (pg, ms)) in
        KNOWN.iter().zip(sources.iter().zip(adopt_ms))
    {
        let binary = target.join("debug").join(name);
        fidelity(name, pg, &binary, only_source, only_adopted, ms).await;
    }
    let _ = std::fs::remove_dir_all(&workspace);
}

async fn fidelity(
    name: &str,
    source: &PgDb,
    binary: &Path,
    only_source: &[&str],
    only_adopted: &[&str],
    adopt_ms: u128,
) {
    let Some(adopted) = PgDb::create().await else {
        return;
    };
    let migrate = |url: &str, args: &[&str]| {
        let mut command = Command::new(binary);
        command.args(["--database-url", url]).args(args);
        run(&mut command)
    };
    let started = Instant::now();
    migrate(&adopted.url, &["upgrade", "head"]);
    let apply = started.elapsed();
    // PostgreSQL's catalog, object by object.
    let mut report = Vec::new();
    let (a, b) = (catalog(&source.url).await, catalog(&adopted.url).await);
    let mut total = (0, 0);
    for (kind, objects) in &a {
        let theirs = b.get(kind).cloned().unwrap_or_default();
        let same = objects
            .iter()
            .filter(|(k, v)| theirs.get(*k) == Some(v))
            .count();
        let extra = theirs.keys().filter(|k| !objects.contains_key(*k)).count();
        total.0 += objects.len();
        total.1 += same;
        report.push(format!(
            "{kind} {same}/{}{}",
            objects.len(),
            if extra > 0 {
                format!(" (+{extra} extra)")
            } else {
                String::new()
            }
        ));
        for (key, text) in objects {
            if theirs.get(key) != Some(text) {
                eprintln!(
                    "  {name}: {kind} {key}: source {text:?}, adopted {:?}",
                    theirs.get(key)
                );
            }
        }
    }
    // pg_dump, statement by statement.
    let (dump_a, dump_b) = (dump(&source.url), dump(&adopted.url));
    let missing: Vec<&String> = dump_a.iter().filter(|s| !dump_b.contains(s)).collect();
    let added: Vec<&String> = dump_b.iter().filter(|s| !dump_a.contains(s)).collect();
    eprintln!(
        "{name}: catalog {}/{} objects identical [{}]; pg_dump {}/{} statements identical; adopted in {adopt_ms} ms, baseline applied in {} ms",
        total.1,
        total.0,
        report.join(", "),
        dump_a.len() - missing.len(),
        dump_a.len(),
        apply.as_millis()
    );
    assert_eq!(
        missing, only_source,
        "{name}: statements only in the source"
    );
    assert_eq!(
        added, only_adopted,
        "{name}: statements only in the adopted database"
    );
    // `check` against the source, stamped at the baseline: no drift.
    migrate(&source.url, &["stamp", "0001"]);
    let check = migrate(&source.url, &["check"]);
    assert!(check.starts_with("OK: "), "{name}: {check}");
    // The baseline's downgrade removes everything it made.
    migrate(&adopted.url, &["downgrade", "base", "--yes"]);
    let left: Vec<String> = dump(&adopted.url);
    assert!(
        left.is_empty(),
        "{name}: left after the downgrade: {left:?}"
    );
}

/// `pg_dump --schema-only` as a sorted list of statements, without comments, settings, owners,
/// grants and the version and history tables; white space made single.
fn dump(url: &str) -> Vec<String> {
    let text = run(Command::new("pg_dump").args([
        "--schema-only",
        "--no-owner",
        "--no-privileges",
        "--exclude-table=alembic_version",
        "--exclude-table=capp_schema_history*",
        url,
    ]));
    let mut statements = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let skipped = line.starts_with("--")
            || line.starts_with("SET ")
            || line.starts_with("SELECT pg_catalog.set_config")
            || line.starts_with('\\')
            || line.trim().is_empty();
        if skipped && current.is_empty() {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        // A statement ends at a `;` outside a dollar-quoted body.
        if line.trim_end().ends_with(';')
            && current.matches("$$").count().is_multiple_of(2)
            && current.matches("$function$").count().is_multiple_of(2)
        {
            statements.push(current.split_whitespace().collect::<Vec<_>>().join(" "));
            current.clear();
        }
    }
    statements.sort();
    statements
}

/// Every object of the `public` schema, by kind and name, as PostgreSQL's catalog writes it.
async fn catalog(url: &str) -> BTreeMap<&'static str, BTreeMap<String, String>> {
    let mut conn = PgConnection::connect(url).await.unwrap();
    let mut out = BTreeMap::new();
    for (kind, sql) in CATALOG {
        let sql: &'static str = sql;
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap();
        out.insert(
            kind,
            rows.into_iter()
                .map(|(k, v)| (k, v.unwrap_or_default()))
                .collect(),
        );
    }
    let _ = conn.close().await;
    out
}

const CATALOG: [(&str, &str); 13] = [
    (
        "tables",
        "SELECT c.relname::text, concat_ws(' ', c.relkind, c.relpersistence, c.reloptions::text, pg_get_partkeydef(c.oid), pg_get_expr(c.relpartbound, c.oid), c.relrowsecurity, c.relforcerowsecurity, obj_description(c.oid, 'pg_class')) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname NOT IN ('alembic_version') AND c.relname NOT LIKE 'capp_schema_history%'",
    ),
    (
        "columns",
        "SELECT c.relname || '.' || a.attname, concat_ws(' ', format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, a.attstattarget, col_description(c.oid, a.attnum), (SELECT count(*) FROM pg_attribute b WHERE b.attrelid = a.attrelid AND b.attnum > 0 AND NOT b.attisdropped AND b.attnum <= a.attnum)) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'i', 'I') AND a.attnum > 0 AND NOT a.attisdropped AND c.relname NOT LIKE 'alembic_version%' AND c.relname NOT LIKE 'capp_schema_history%'",
    ),
    (
        "constraints",
        "SELECT c.relname || '.' || con.conname, concat_ws(' ', pg_get_constraintdef(con.oid), con.condeferrable, con.condeferred, con.convalidated, con.conparentid <> 0) FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT IN ('alembic_version') AND c.relname NOT LIKE 'capp_schema_history%'",
    ),
    (
        "indexes",
        "SELECT i.relname::text, concat_ws(' ', pg_get_indexdef(i.oid), (SELECT p.relname FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent WHERE h.inhrelid = i.oid)) FROM pg_class i JOIN pg_index x ON x.indexrelid = i.oid JOIN pg_class t ON t.oid = x.indrelid WHERE i.relnamespace = 'public'::regnamespace AND t.relname NOT IN ('alembic_version') AND t.relname NOT LIKE 'capp_schema_history%'",
    ),
    (
        "sequences",
        "SELECT c.relname::text, concat_ws(' ', format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, c.relpersistence, (SELECT t.relname || '.' || a.attname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))) FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT LIKE 'capp_schema_history%'",
    ),
    (
        "enum types",
        "SELECT t.typname::text, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typnamespace = 'public'::regnamespace GROUP BY t.typname",
    ),
    (
        "domains",
        "SELECT t.typname::text, concat_ws(' ', format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault, (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ', ' ORDER BY conname) FROM pg_constraint WHERE contypid = t.oid)) FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace AND t.typtype = 'd'",
    ),
    (
        "views",
        "SELECT c.relname::text, concat_ws(' ', c.relkind, pg_get_viewdef(c.oid)) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm')",
    ),
    (
        "functions",
        "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', CASE WHEN p.prokind = 'a' THEN (SELECT concat_ws(' ', a.aggtransfn, a.aggtranstype::regtype, a.aggfinalfn, a.agginitval) FROM pg_aggregate a WHERE a.aggfnoid = p.oid) ELSE pg_get_functiondef(p.oid) END FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')",
    ),
    (
        "triggers",
        "SELECT c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal",
    ),
    (
        "operators",
        "SELECT o.oprname || '(' || o.oprleft::regtype || ',' || o.oprright::regtype || ')', concat_ws(' ', o.oprcode, o.oprcom::regoperator, o.oprnegate::regoperator, o.oprrest, o.oprjoin) FROM pg_operator o WHERE o.oprnamespace = 'public'::regnamespace AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = o.oid AND d.deptype = 'e')",
    ),
    (
        "extensions",
        "SELECT extname::text, extversion FROM pg_extension",
    ),
    (
        "policies",
        "SELECT tablename || '.' || policyname, concat_ws(' ', permissive, roles::text, cmd, qual, with_check) FROM pg_policies WHERE schemaname = 'public'",
    ),
];
