//! Fleets on the local PostgreSQL server: 50 databases and 20 schemas of one database taken to
//! head together (each schema's objects in that schema, nothing in `public`); a broken target
//! failing alone; a failing canary that touches no other target; a run killed (SIGKILL) while
//! targets are in the middle of a statement, resumed with every revision applied exactly once per
//! target; and a role whose `CONNECTION LIMIT` is the per-server bound, below the number of
//! targets, so that one connection too many fails the run.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use capp_schema::fleet::{Fleet, FleetCommand, FleetOptions, Outcome, Target, parse_target_list};
use capp_schema::runner::{Config, DatabaseUrl};
use capp_schema::{
    Chain, ColumnType, NonTransactionalOperations, Operations, downgrade, migration,
};
use capp_schema_tests::{PgDb, admin_url, execute, one, strings};
use sqlx::{AssertSqlSafe, Connection};

/// A history that names every kind of relation the runner qualifies: an enum type, tables with a
/// foreign key, an index, a check, a view, data written by hand, an index built concurrently and
/// a backfill outside a transaction.
mod tenant {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "accounts", chain = crate::tenant::Chain)]
    fn up1(op: &mut Operations) {
        op.create_enum("plan", ["free", "pro"]);
        op.create_table("accounts", |t| {
            t.column("id", ColumnType::BigInt).not_null();
            t.column("email", ColumnType::Text).not_null();
            t.column("plan", ColumnType::Enum("plan".into()))
                .not_null()
                .default_str("free");
            t.primary_key(["id"]);
        });
        op.create_table("invoices", |t| {
            t.column("id", ColumnType::BigInt).not_null();
            t.column("account_id", ColumnType::BigInt).not_null();
            t.column("amount", ColumnType::BigInt).not_null();
            t.primary_key(["id"]);
            t.foreign_key("fk_invoices_account", ["account_id"], "accounts", ["id"]);
            t.index("ix_invoices_account", ["account_id"]);
        });
        op.create_view(
            "account_totals",
            "SELECT a.id, coalesce(sum(i.amount), 0) AS total FROM accounts a LEFT JOIN invoices i ON i.account_id = a.id GROUP BY a.id",
        );
        // By hand: it must find the tenant's tables, not public's.
        op.execute("INSERT INTO accounts (id, email) VALUES (1, 'first@example.com')");
    }
    #[downgrade(rev = "0001", chain = crate::tenant::Chain)]
    fn down1(op: &mut Operations) {
        op.drop_object(capp_schema::ObjectKind::View, "account_totals", None);
        op.drop_table("invoices");
        op.drop_table("accounts");
        op.drop_enum("plan");
    }

    #[migration(rev = "0002", down_rev = "0001", message = "notes", chain = crate::tenant::Chain)]
    fn up2(op: &mut Operations) {
        op.add_enum_value("plan", "team");
        op.add_column("accounts", "note", ColumnType::Text);
        op.create_check("ck_invoices_amount", "invoices", "amount >= 0");
    }
    #[downgrade(rev = "0002", chain = crate::tenant::Chain)]
    fn down2(op: &mut Operations) {
        op.drop_constraint("ck_invoices_amount", "invoices");
        op.drop_column("accounts", "note");
        op.drop_enum_value("plan", "team");
    }

    #[migration(rev = "0003", down_rev = "0002", message = "email index, notes filled", transactional = false, chain = crate::tenant::Chain)]
    fn up3(op: &mut NonTransactionalOperations) {
        op.create_index_concurrently("ix_accounts_email", "accounts", ["email"]);
        op.backfill("accounts", "note = 'filled'")
            .only_where("note IS NULL");
    }
    #[downgrade(rev = "0003", chain = crate::tenant::Chain)]
    fn down3(op: &mut NonTransactionalOperations) {
        op.drop_index_concurrently("ix_accounts_email");
    }
}

/// A history whose second migration sleeps in the middle of its statements, each migration
/// logging itself in the same transaction: a row per revision applied.
mod slow {
    use super::*;

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "log", chain = crate::slow::Chain)]
    fn up1(op: &mut Operations) {
        op.create_table("applied_log", |t| {
            t.column("rev", ColumnType::Text).not_null();
        });
        op.execute("INSERT INTO applied_log VALUES ('0001')");
    }
    #[downgrade(rev = "0001", chain = crate::slow::Chain)]
    fn down1(op: &mut Operations) {
        op.drop_table("applied_log");
    }

    #[migration(rev = "0002", down_rev = "0001", message = "slow", chain = crate::slow::Chain)]
    fn up2(op: &mut Operations) {
        op.execute("INSERT INTO applied_log VALUES ('0002')");
        op.execute("SELECT pg_sleep(1.5)");
        op.add_column("applied_log", "at", ColumnType::Text);
    }
    #[downgrade(rev = "0002", chain = crate::slow::Chain)]
    fn down2(op: &mut Operations) {
        op.drop_column("applied_log", "at");
    }

    #[migration(rev = "0003", down_rev = "0002", message = "last", chain = crate::slow::Chain)]
    fn up3(op: &mut Operations) {
        op.execute("INSERT INTO applied_log VALUES ('0003')");
    }
    #[downgrade(rev = "0003", chain = crate::slow::Chain)]
    fn down3(op: &mut Operations) {
        op.execute("DELETE FROM applied_log WHERE rev = '0003'");
    }
}

fn fleet<C: Chain>(targets: Vec<Target>, options: FleetOptions) -> Fleet {
    Fleet::new(
        C::load().expect("chain"),
        Config::default(),
        targets,
        options,
    )
}

async fn databases(n: usize) -> Vec<PgDb> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        match PgDb::create().await {
            Some(db) => out.push(db),
            None => return Vec::new(),
        }
    }
    out
}

fn targets(dbs: &[PgDb]) -> Vec<Target> {
    dbs.iter()
        .map(|d| Target::database(d.database_url()))
        .collect()
}

/// The revision a database is at (`base` without a version table).
async fn version(url: &DatabaseUrl) -> String {
    let exists = one(
        url,
        "SELECT (to_regclass('alembic_version') IS NOT NULL)::text",
    )
    .await;
    let version = if exists == "true" {
        one(url, "SELECT version_num FROM alembic_version").await
    } else {
        String::new()
    };
    if version.is_empty() {
        "base".into()
    } else {
        version
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_databases_and_twenty_schemas_go_to_head_together() {
    let dbs = databases(50).await;
    let Some(shared) = PgDb::create().await else {
        return;
    };
    let shared_url = shared.database_url();
    let schemas: Vec<String> = (1..=20).map(|i| format!("tenant_{i:02}")).collect();
    for schema in &schemas {
        execute(&shared_url, &format!("CREATE SCHEMA {schema}")).await;
    }
    // A public table of the same name: a statement that fell through to public would touch it.
    execute(
        &shared_url,
        "CREATE TABLE public.accounts (id bigint, email text)",
    )
    .await;
    let found = capp_schema::fleet::schemas_matching(&shared_url, "tenant\\_%")
        .await
        .expect("the schemas");
    assert_eq!(found.len(), 20);
    let mut all = targets(&dbs);
    all.extend(found);
    let started = Instant::now();
    let report = fleet::<tenant::Chain>(all, FleetOptions::default())
        .run(&FleetCommand::Upgrade("head".into()), |_| {})
        .await;
    assert_eq!(report.failed(), 0, "{report}");
    assert!(
        report
            .results
            .iter()
            .all(|r| r.to.as_deref() == Some("0003") && r.outcome == Outcome::Done { applied: 3 }),
        "{report}"
    );
    eprintln!("70 targets to head in {:?}", started.elapsed());
    for schema in &schemas {
        let notes = one(
            &shared_url,
            &format!("SELECT string_agg(note, ',') FROM {schema}.accounts"),
        )
        .await;
        assert_eq!(notes, "filled", "{schema}");
        let plans = one(
            &shared_url,
            &format!("SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = '{schema}' AND t.typname = 'plan'"),
        )
        .await;
        assert_eq!(plans, "free,pro,team", "{schema}");
    }
    assert_eq!(
        one(&shared_url, "SELECT count(*)::text FROM public.accounts").await,
        "0",
        "nothing fell through to public"
    );
    assert_eq!(
        strings(&shared_url, "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1").await,
        ["accounts"],
        "no relation of the history in public"
    );
    // Every target checks clean (introspected in its own schema), and a second run is one query
    // per target.
    let all = {
        let mut all = targets(&dbs);
        all.extend(
            schemas
                .iter()
                .map(|s| Target::schema(shared_url.clone(), s)),
        );
        all
    };
    let checked = fleet::<tenant::Chain>(all.clone(), FleetOptions::default())
        .run(&FleetCommand::Check, |_| {})
        .await;
    assert_eq!((checked.failed(), checked.drifted()), (0, 0), "{checked}");
    let again = fleet::<tenant::Chain>(all, FleetOptions::default())
        .run(&FleetCommand::Upgrade("head".into()), |_| {})
        .await;
    assert!(
        again
            .results
            .iter()
            .all(|r| r.outcome == Outcome::AlreadyThere),
        "{again}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_target_fails_alone_and_a_failing_canary_touches_no_other() {
    let dbs = databases(8).await;
    if dbs.is_empty() {
        return;
    }
    // Broken on purpose: tables, but no version table (it needs `stamp`).
    execute(&dbs[2].database_url(), "CREATE TABLE stray (id int)").await;
    let report = fleet::<tenant::Chain>(targets(&dbs), FleetOptions::default())
        .run(&FleetCommand::Upgrade("head".into()), |_| {})
        .await;
    assert_eq!(report.failed(), 1, "{report}");
    let broken = &report.results[2];
    assert!(broken.outcome.is_failure());
    assert!(
        broken.outcome.detail().unwrap().contains("stamp"),
        "the error says what to do: {report}"
    );
    let text = report.to_string();
    let line = text
        .lines()
        .find(|l| l.starts_with(&broken.target.to_string()))
        .expect("a line per target");
    let cells: Vec<&str> = line.split_whitespace().take(5).collect();
    assert_eq!(cells[1..], ["base", "base", cells[3], "failed"], "{text}");
    assert!(text.contains(": 7 done, 1 failed"), "{text}");

    // The broken one first, as the canary: nothing else is touched.
    let fresh = databases(5).await;
    execute(&fresh[0].database_url(), "CREATE TABLE stray (id int)").await;
    let options = FleetOptions {
        canary: 1,
        ..FleetOptions::default()
    };
    let report = fleet::<tenant::Chain>(targets(&fresh), options)
        .run(&FleetCommand::Upgrade("head".into()), |_| {})
        .await;
    assert_eq!((report.failed(), report.skipped()), (1, 4), "{report}");
    for db in &fresh[1..] {
        assert_eq!(
            one(
                &db.database_url(),
                "SELECT count(*)::text FROM pg_class WHERE relname = 'alembic_version'"
            )
            .await,
            "0",
            "{} was touched",
            db.name
        );
    }
    assert!(
        report.results[1]
            .outcome
            .detail()
            .unwrap()
            .contains("canary")
    );
}

/// The environment variable that makes `fleet_child` run, with the target list.
const CHILD_TARGETS: &str = "CAPP_FLEET_CHILD_TARGETS";

/// Not a test of its own: the fleet run the kill test starts in a child process and kills.
#[tokio::test]
async fn fleet_child() {
    let Ok(list) = std::env::var(CHILD_TARGETS) else {
        return;
    };
    let targets = parse_target_list(&list).expect("targets");
    let report = fleet::<slow::Chain>(targets, FleetOptions::default())
        .run(&FleetCommand::Upgrade("head".into()), |_| {})
        .await;
    eprintln!("child finished: {report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_mid_statement_resumes_and_applies_each_revision_once() {
    let dbs = databases(10).await;
    if dbs.is_empty() {
        return;
    }
    let list: String = dbs.iter().map(|d| format!("{}\n", d.url)).collect();
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "fleet_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_TARGETS, &list)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the fleet");
    // Killed while targets sleep in the middle of 0002's statements.
    let mut admin = sqlx::PgConnection::connect(&admin_url())
        .await
        .expect("admin");
    let names: Vec<String> = dbs.iter().map(|d| format!("'{}'", d.name)).collect();
    let sleeping = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname IN ({}) AND wait_event = 'PgSleep' AND state = 'active'",
        names.join(", ")
    );
    let waiting_since = Instant::now();
    let in_flight = loop {
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(sleeping.clone()))
            .fetch_one(&mut admin)
            .await
            .expect("activity");
        if n >= 2 {
            break n;
        }
        capp_schema_tests::assert_still_running(&mut child, "the fleet");
        assert!(
            waiting_since.elapsed() < Duration::from_secs(60),
            "no target reached 0002"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    child.kill().expect("SIGKILL the fleet");
    let _ = child.wait();
    eprintln!("killed with {in_flight} targets in the middle of 0002's statements");
    let mut at = Vec::new();
    for db in &dbs {
        at.push(version(&db.database_url()).await);
    }
    assert!(
        at.iter().any(|v| v != "0003"),
        "the kill left targets behind: {at:?}"
    );
    // Run again: every target to head, each revision applied exactly once.
    let report = fleet::<slow::Chain>(targets(&dbs), FleetOptions::default())
        .run(&FleetCommand::Upgrade("head".into()), |_| {})
        .await;
    assert_eq!(report.failed(), 0, "{report}");
    for db in &dbs {
        assert_eq!(
            strings(
                &db.database_url(),
                "SELECT rev || ':' || count(*) FROM applied_log GROUP BY rev ORDER BY rev"
            )
            .await,
            ["0001:1", "0002:1", "0003:1"],
            "{}",
            db.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_server_bound_holds_under_a_role_connection_limit() {
    let Some(_probe) = PgDb::create().await else {
        return;
    };
    const BOUND: usize = 3;
    let role = format!("capp_fleet_{}", std::process::id());
    execute(
        &DatabaseUrl::parse(&admin_url()).unwrap(),
        &format!("DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN CONNECTION LIMIT {BOUND}"),
    )
    .await;
    let dbs = databases(12).await;
    let admin = DatabaseUrl::parse(&admin_url()).unwrap();
    for db in &dbs {
        execute(
            &admin,
            &format!("ALTER DATABASE \"{}\" OWNER TO {role}", db.name),
        )
        .await;
        execute(
            &db.database_url(),
            &format!("ALTER SCHEMA public OWNER TO {role}"),
        )
        .await;
    }
    let as_role: Vec<Target> = dbs
        .iter()
        .map(|d| {
            let url = d.url.replacen("postgres@", &format!("{role}@"), 1);
            assert_ne!(url, d.url, "the admin URL names the user postgres");
            Target::database(DatabaseUrl::parse(&url).unwrap())
        })
        .collect();
    // A monitor of the role's sessions.
    let stop = Arc::new(AtomicBool::new(false));
    let most = Arc::new(AtomicUsize::new(0));
    let monitor = {
        let (stop, most, role) = (stop.clone(), most.clone(), role.clone());
        tokio::spawn(async move {
            let mut c = sqlx::PgConnection::connect(&admin_url())
                .await
                .expect("admin");
            let sql = format!("SELECT count(*) FROM pg_stat_activity WHERE usename = '{role}'");
            while !stop.load(Ordering::Relaxed) {
                let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql.clone()))
                    .fetch_one(&mut c)
                    .await
                    .expect("monitor");
                most.fetch_max(n as usize, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let options = FleetOptions {
        parallel: 16,
        per_server: BOUND,
        ..FleetOptions::default()
    };
    let report = Fleet::new(
        capp_migrations::Migrations::load().expect("CAPP's chain"),
        Config::default(),
        as_role,
        options,
    )
    .run(&FleetCommand::Upgrade("head".into()), |_| {})
    .await;
    stop.store(true, Ordering::Relaxed);
    monitor.await.expect("monitor");
    let most = most.load(Ordering::Relaxed);
    drop(dbs);
    execute(&admin, &format!("DROP ROLE IF EXISTS {role}")).await;
    assert_eq!(
        report.failed(),
        0,
        "a connection over the role's limit fails: {report}"
    );
    assert!(most <= BOUND, "{most} sessions at once, over {BOUND}");
    assert!(
        most >= 2,
        "the targets ran in parallel: at most {most} at once"
    );
    eprintln!("12 targets, bound {BOUND}: at most {most} sessions of the role seen at once");
}

#[test]
fn a_tenants_script_qualifies_every_relation_and_sets_its_search_path() {
    let m = capp_schema::runner::Migrator::new(
        tenant::Chain::load().expect("chain"),
        Config {
            schema: Some("tenant_07".into()),
            ..Config::default()
        },
    );
    let head = capp_schema::runner::Position::head(m.chain());
    let script = m
        .script(
            capp_schema::Dialect::POSTGRES,
            capp_schema::runner::Position::BASE,
            head,
        )
        .expect("script");
    for expected in [
        "CREATE TABLE IF NOT EXISTS \"tenant_07\".\"alembic_version\"",
        "SET LOCAL search_path TO \"tenant_07\";",
        "CREATE TYPE \"tenant_07\".\"plan\" AS ENUM",
        "CREATE TABLE \"tenant_07\".\"accounts\"",
        "\"plan\" \"tenant_07\".\"plan\" NOT NULL",
        "REFERENCES \"tenant_07\".\"accounts\"",
        "CREATE INDEX \"ix_invoices_account\" ON \"tenant_07\".\"invoices\"",
        "CREATE VIEW \"tenant_07\".\"account_totals\" AS",
        "ALTER TYPE \"tenant_07\".\"plan\" ADD VALUE 'team'",
        "ALTER TABLE \"tenant_07\".\"accounts\" ADD COLUMN \"note\"",
        "CREATE INDEX CONCURRENTLY \"ix_accounts_email\" ON \"tenant_07\".\"accounts\"",
        "-- backfill of \"tenant_07\".\"accounts\"",
    ] {
        assert!(script.contains(expected), "{expected}\n{script}");
    }
    for unqualified in ["TABLE \"accounts\"", "ON \"accounts\"", "TYPE \"plan\""] {
        assert!(!script.contains(unqualified), "{unqualified}\n{script}");
    }
}
