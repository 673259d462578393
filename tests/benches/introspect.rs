//! Introspecting a 500-table PostgreSQL schema and diffing it against the expected model.
//! `cargo bench -p capp-schema-tests --bench introspect`; results go into docs/benchmarks.md.

use std::time::{Duration, Instant};

use capp_schema::runner::{Config, Db};
use capp_schema::{Action, ColumnType, Dialect, Operations, Schema, render::render};
use capp_schema_tests::{PgDb, execute};

const TABLES: usize = 500;
const RUNS: usize = 20;

#[tokio::main]
async fn main() {
    let mut op = Operations::default();
    for i in 0..TABLES {
        op.create_table(&format!("t{i}"), |t| {
            t.column("id", ColumnType::BigInt);
            t.column("parent_id", ColumnType::BigInt);
            t.column("name", ColumnType::Varchar(100)).not_null();
            t.column(
                "amount",
                ColumnType::Numeric {
                    precision: 20,
                    scale: 8,
                },
            )
            .not_null()
            .default_sql("0");
            t.column("status", ColumnType::Varchar(32))
                .not_null()
                .default_str("new");
            t.column("data", ColumnType::Jsonb);
            t.column("created_at", ColumnType::TimestampTz)
                .not_null()
                .default_sql("CURRENT_TIMESTAMP");
            t.column("flag", ColumnType::Boolean)
                .not_null()
                .default_sql("false");
            t.primary_key(["id"]);
            t.unique(&format!("uq_t{i}_name"), ["name"]);
            t.check(&format!("ck_t{i}_amount"), "amount >= 0");
            t.index(&format!("ix_t{i}_status"), ["status", "created_at"]);
            if i > 0 {
                t.foreign_key(
                    &format!("fk_t{i}_parent"),
                    ["parent_id"],
                    &format!("t{}", i - 1),
                    ["id"],
                )
                .on_delete(Action::Cascade);
            }
        });
    }
    let mut expected = Schema::default();
    let mut sql = String::new();
    for o in op.operations() {
        for s in render(o, Dialect::POSTGRES, &mut expected).unwrap() {
            sql.push_str(&s);
            sql.push_str(";\n");
        }
    }
    let pg = PgDb::create()
        .await
        .expect("PostgreSQL is needed for this benchmark");
    execute(&pg.database_url(), &sql).await;
    let config = Config::default();
    let mut db = Db::connect(&pg.database_url()).await.unwrap();
    let expected = expected.canonical(Dialect::POSTGRES);
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let actual = db
            .introspect(&config)
            .await
            .unwrap()
            .canonical(Dialect::POSTGRES);
        let differences = expected.diff(&actual);
        times.push(start.elapsed());
        assert!(differences.is_empty(), "{differences:?}");
        assert_eq!(actual.tables.len(), TABLES);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "introspect + canonical + diff, {TABLES} tables (8 columns, pk, unique, check, index, fk each): median {:.1} ms, min {:.1} ms, max {:.1} ms over {RUNS} runs",
        ms(times[RUNS / 2]),
        ms(times[0]),
        ms(times[RUNS - 1])
    );
}
