//! Runner benchmark against the local PostgreSQL server (`CAPP_TEST_POSTGRES_URL`):
//!
//! - `upgrade head` of 1,000 small migrations (a CREATE TABLE with a primary key and an INSERT
//!   each), in one transaction and one transaction per migration, against `psql -1 -f` running
//!   the same statements (the floor);
//! - `downgrade base` of the same 1,000 (a DROP TABLE each), the same three ways;
//! - an application start at head: connect, lock, read the version, unlock.
//!
//! Run with `cargo bench -p capp-schema-tests --bench runner`; with `SQLX_CLI=/path/to/sqlx`,
//! sqlx-cli's `migrate run` of the same statements (one file per migration) is timed too.
//! Results go into docs/benchmarks.md by hand.

use std::process::Command;
use std::time::{Duration, Instant};

use capp_schema::runner::{Config, Db, Migrator, TransactionMode};
use capp_schema::{Chain, ColumnType, Dialect, Operations, Schema, downgrade, migration};
use capp_schema_tests::PgDb;

#[derive(capp_schema::Chain)]
pub(crate) struct Bench;

include!(concat!(env!("OUT_DIR"), "/bench_chain.rs"));

const RUNS: usize = 5;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Appends the PostgreSQL statements of `op`, each ended by `;`, to `sql`.
fn push_rendered(op: &capp_schema::Operation, schema: &mut Schema, sql: &mut String) {
    for statement in capp_schema::render::render(op, Dialect::POSTGRES, schema).unwrap() {
        sql.push_str(&statement);
        sql.push_str(";\n");
    }
}

/// The migrations' own statements, without the runner's bookkeeping, as psql gets them: the
/// upgrades oldest first, and the downgrades newest first.
fn plain_scripts(migrator: &Migrator) -> (String, String) {
    let mut schema = Schema::default();
    let migrations = migrator.chain().migrations();
    let (mut up, mut down) = (String::new(), String::new());
    for m in migrations {
        for op in m.upgrade().operations {
            push_rendered(&op, &mut schema, &mut up);
        }
    }
    for m in migrations.iter().rev() {
        for op in m.downgrade().expect("reversible").operations {
            push_rendered(&op, &mut schema, &mut down);
        }
    }
    (up, down)
}

/// `downgrade base` from head, on a database `at_head` (the runner, per migration) brought
/// there.
async fn timed_downgrade(migrator: &Migrator, at_head: &Migrator) -> Duration {
    let db = PgDb::create()
        .await
        .expect("PostgreSQL is needed for this benchmark");
    let mut conn = Db::connect(&db.database_url()).await.unwrap();
    at_head.upgrade(&mut conn, "head").await.unwrap();
    let start = Instant::now();
    let report = migrator.downgrade(&mut conn, "base").await.unwrap();
    let elapsed = start.elapsed();
    assert_eq!(report.applied.len(), migrator.chain().len());
    elapsed
}

async fn timed_upgrade(migrator: &Migrator) -> Duration {
    let db = PgDb::create()
        .await
        .expect("PostgreSQL is needed for this benchmark");
    let mut conn = Db::connect(&db.database_url()).await.unwrap();
    let start = Instant::now();
    let report = migrator.upgrade(&mut conn, "head").await.unwrap();
    let elapsed = start.elapsed();
    assert_eq!(report.applied.len(), migrator.chain().len());
    elapsed
}

/// `psql -1 -f` on the plain statements: the floor. With `before`, that script is run first,
/// untimed (the upgrades, before the downgrades are timed).
async fn timed_psql(script_sql: &str, before: Option<&str>) -> Vec<Duration> {
    let script = std::env::temp_dir().join("capp_bench_plain.sql");
    let setup = std::env::temp_dir().join("capp_bench_plain_setup.sql");
    std::fs::write(&script, script_sql).unwrap();
    if let Some(before) = before {
        std::fs::write(&setup, before).unwrap();
    }
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let db = PgDb::create()
            .await
            .expect("PostgreSQL is needed for this benchmark");
        if before.is_some() {
            psql_file(&db.url, &setup);
        }
        let start = Instant::now();
        psql_file(&db.url, &script);
        times.push(start.elapsed());
    }
    times
}

fn psql_file(url: &str, file: &std::path::Path) {
    let out = Command::new("psql")
        .args([
            "--no-psqlrc",
            "-q",
            "-1",
            "-v",
            "ON_ERROR_STOP=1",
            "--dbname",
            url,
            "-f",
        ])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// sqlx-cli's `migrate run` on the same statements, one file per migration.
async fn timed_sqlx_cli(cli: &str, migrator: &Migrator) -> Vec<Duration> {
    let dir = std::env::temp_dir().join("capp_bench_sqlx_migrations");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut schema = Schema::default();
    for (i, m) in migrator.chain().migrations().iter().enumerate() {
        let mut sql = String::new();
        for op in m.upgrade().operations {
            push_rendered(&op, &mut schema, &mut sql);
        }
        std::fs::write(dir.join(format!("{:04}_create_t{}.sql", i + 1, i + 1)), sql).unwrap();
    }
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let db = PgDb::create().await.unwrap();
        let start = Instant::now();
        let out = Command::new(cli)
            .args(["migrate", "run", "--source"])
            .arg(&dir)
            .args(["--database-url", &db.url])
            .output()
            .unwrap();
        times.push(start.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    times
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// An application start at head, on a database already at head: with and without connecting.
async fn start_at_head(migrator: &Migrator) -> (Duration, Duration) {
    let db = PgDb::create().await.unwrap();
    migrator
        .upgrade_url(&db.database_url(), "head")
        .await
        .unwrap();
    let mut with_connect = Vec::new();
    let mut without = Vec::new();
    let mut conn = Db::connect(&db.database_url()).await.unwrap();
    for _ in 0..50 {
        let start = Instant::now();
        let report = migrator
            .upgrade_url(&db.database_url(), "head")
            .await
            .unwrap();
        assert!(report.applied.is_empty());
        with_connect.push(start.elapsed());
        let start = Instant::now();
        assert!(
            migrator
                .upgrade(&mut conn, "head")
                .await
                .unwrap()
                .applied
                .is_empty()
        );
        without.push(start.elapsed());
    }
    (median(with_connect), median(without))
}

#[tokio::main]
async fn main() {
    let chain = Bench::load().unwrap();
    let n = chain.len();
    let per = Migrator::new(chain.clone(), Config::default());
    let single = Migrator::new(
        chain,
        Config {
            transaction_mode: TransactionMode::Single,
            ..Config::default()
        },
    );
    let (up_sql, down_sql) = plain_scripts(&per);
    let psql = median(timed_psql(&up_sql, None).await);
    let mut one = Vec::new();
    let mut each = Vec::new();
    for _ in 0..RUNS {
        one.push(timed_upgrade(&single).await);
        each.push(timed_upgrade(&per).await);
    }
    let (one, each) = (median(one), median(each));
    print_against_floor(&format!("upgrade head, {n} migrations"), psql, one, each);
    if let Ok(cli) = std::env::var("SQLX_CLI") {
        let sqlx = median(timed_sqlx_cli(&cli, &per).await);
        println!(
            "  sqlx-cli migrate run            {:>8.1} ms  ({:.2}x the floor; capp-schema per migration is {:.2}x of it)",
            ms(sqlx),
            ms(sqlx) / ms(psql),
            ms(each) / ms(sqlx)
        );
    }
    downgrade_base(&per, &single, &up_sql, &down_sql).await;
    let (with_connect, without) = start_at_head(&per).await;
    println!("start at head ({n} migrations applied), median of 50:");
    println!(
        "  connect + lock + read + unlock {:>8.2} ms",
        ms(with_connect)
    );
    println!("  lock + read + unlock           {:>8.2} ms", ms(without));
}

/// `downgrade base` of the whole history: one transaction, one per migration, and psql (given
/// the plain upgrade script to reach head, and the downgrade script it times).
async fn downgrade_base(per: &Migrator, single: &Migrator, up_sql: &str, down_sql: &str) {
    let n = per.chain().len();
    let psql = median(timed_psql(down_sql, Some(up_sql)).await);
    let mut one = Vec::new();
    let mut each = Vec::new();
    for _ in 0..RUNS {
        one.push(timed_downgrade(single, per).await);
        each.push(timed_downgrade(per, per).await);
    }
    let (one, each) = (median(one), median(each));
    print_against_floor(&format!("downgrade base, {n} migrations"), psql, one, each);
}

/// The floor and both transaction modes, each against the floor.
fn print_against_floor(what: &str, psql: Duration, one: Duration, each: Duration) {
    println!("{what}, median of {RUNS}:");
    println!("  psql -1 -f (floor)             {:>8.1} ms", ms(psql));
    println!(
        "  capp-schema, one transaction   {:>8.1} ms  ({:.2}x the floor)",
        ms(one),
        ms(one) / ms(psql)
    );
    println!(
        "  capp-schema, per migration     {:>8.1} ms  ({:.2}x the floor)",
        ms(each),
        ms(each) / ms(psql)
    );
}
