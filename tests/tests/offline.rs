//! `--sql` scripts give the same schema as running the migrations, and a database that Alembic
//! manages today is taken over without a stamp.

use std::process::Command;

use capp_schema::render::render;
use capp_schema::runner::{Config, Db, Migrator, Position};
use capp_schema::{Chain, Dialect, Schema};
use capp_schema_tests::Migrations;
use capp_schema_tests::{PgDb, SqliteDb, execute, strings};

fn capp() -> Migrator {
    Migrator::new(
        Migrations::load().expect("CAPP's history at 0003"),
        Config::default(),
    )
}

fn pg_dump(db: &PgDb) -> String {
    let out = Command::new("pg_dump")
        .args([
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--dbname",
            &db.url,
        ])
        .output()
        .expect("pg_dump runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("--") && !l.starts_with('\\'))
        .collect::<Vec<_>>()
        .join("\n")
}

fn psql_file(db: &PgDb, script: &str) {
    let path = std::env::temp_dir().join(format!("{}.sql", db.name));
    std::fs::write(&path, script).unwrap();
    let out = Command::new("psql")
        .args([
            "--no-psqlrc",
            "-v",
            "ON_ERROR_STOP=1",
            "--dbname",
            &db.url,
            "-f",
        ])
        .arg(&path)
        .output()
        .expect("psql runs");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn the_postgres_script_builds_the_same_schema_as_upgrade() {
    let (Some(online), Some(offline)) = (PgDb::create().await, PgDb::create().await) else {
        return;
    };
    let m = capp();
    m.upgrade_url(&online.database_url(), "head").await.unwrap();
    let head = Position::head(m.chain());
    psql_file(
        &offline,
        &m.script(Dialect::POSTGRES, Position::BASE, head).unwrap(),
    );
    assert_eq!(pg_dump(&online), pg_dump(&offline));
    let url = offline.database_url();
    assert_eq!(
        strings(&url, "SELECT version_num FROM alembic_version").await,
        ["0003"]
    );
    // And the downgrade script takes it back to base.
    psql_file(
        &offline,
        &m.script(Dialect::POSTGRES, head, Position::BASE).unwrap(),
    );
    assert!(
        strings(&url, "SELECT version_num FROM alembic_version")
            .await
            .is_empty()
    );
    let tables = strings(
        &url,
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .await;
    assert_eq!(tables, ["alembic_version", "capp_schema_history"]);
}

#[tokio::test]
async fn the_sqlite_script_builds_the_same_schema_as_upgrade() {
    let (online, offline) = (SqliteDb::new(), SqliteDb::new());
    let m = capp();
    m.upgrade_url(&online.database_url(), "head").await.unwrap();
    let script = m
        .script(Dialect::SQLITE, Position::BASE, Position::head(m.chain()))
        .unwrap();
    let out = Command::new("sqlite3")
        .arg(&offline.path)
        .arg(&script)
        .output()
        .expect("sqlite3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let schema = "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name";
    let a = strings(&online.database_url(), schema).await;
    assert!(a.len() > 8);
    assert_eq!(a, strings(&offline.database_url(), schema).await);
}

#[tokio::test]
async fn an_alembic_managed_database_is_taken_over_without_a_stamp() {
    let Some(pg) = PgDb::create().await else {
        return;
    };
    let url = pg.database_url();
    // What Alembic leaves behind at 0001: its version table, exactly as it creates it, and
    // 0001's tables; no history table.
    let mut sql = String::from(
        "CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL,\n    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n);\nINSERT INTO alembic_version (version_num) VALUES ('0001');\n",
    );
    let m = capp();
    let mut schema = Schema::default();
    for op in m.chain().base().upgrade().operations {
        for statement in render(&op, Dialect::POSTGRES, &mut schema).unwrap() {
            sql.push_str(&statement);
            sql.push_str(";\n");
        }
    }
    execute(&url, &sql).await;

    let mut db = Db::connect(&url).await.unwrap();
    assert_eq!(
        m.status(&mut db).await.unwrap().current.as_deref(),
        Some("0001")
    );
    let report = m.upgrade(&mut db, "head").await.unwrap();
    let applied: Vec<_> = report.applied.iter().map(|a| a.rev.as_str()).collect();
    assert_eq!(applied, ["0002", "0003"]);
    assert_eq!(
        strings(&url, "SELECT version_num FROM alembic_version").await,
        ["0003"]
    );
}

mod evil {
    use capp_schema::{ColumnType, Operations, downgrade, migration};

    #[derive(capp_schema::Chain)]
    pub(crate) struct Chain;

    #[migration(rev = "0001", down_rev = None, message = "create victims\nDROP TABLE victims; --", chain = crate::evil::Chain)]
    fn up(op: &mut Operations) {
        op.create_table("victims", |t| {
            t.column("id", ColumnType::Integer);
        });
    }

    #[downgrade(rev = "0001", chain = crate::evil::Chain)]
    fn down(op: &mut Operations) {
        op.drop_table("victims");
    }
}

#[test]
fn no_message_can_turn_a_script_into_other_sql() {
    let m = Migrator::new(evil::Chain::load().unwrap(), Config::default());
    for dialect in [Dialect::POSTGRES, Dialect::SQLITE] {
        let script = m
            .script(dialect, Position::BASE, Position::head(m.chain()))
            .unwrap();
        let live: Vec<&str> = script
            .lines()
            .filter(|l| l.contains("DROP TABLE"))
            .collect();
        assert!(
            live.iter().all(|l| l.starts_with("--")),
            "a line break in the message became SQL: {live:?}"
        );
        assert!(script.contains("-- upgrade 0001: create victims DROP TABLE victims; --\n"));
    }
}
