//! A migration with a Rust data step, as docs/migrations.md shows it ("Handle data migrations
//! carefully"), run against a SQLite file: `cargo run -p capp-migrations --example data_step`.
//! A test keeps the doc's copy of the migration the same as this file's.

use capp_schema::Chain;
use capp_schema::runner::{Config, DatabaseUrl, Migrator};

/// This example's own history.
#[derive(capp_schema::Chain, Debug)]
pub struct Migrations;

#[migration(rev = "0001", down_rev = None, message = "create users")]
fn create(op: &mut Operations) {
    op.create_table("users", |t| {
        t.column("id", ColumnType::Integer);
        t.column("email", ColumnType::Text).not_null();
        t.primary_key(["id"]);
    });
    op.execute(
        "INSERT INTO users (id, email) VALUES (1, 'Ada@Example.com'), (2, 'bob@example.com')",
    );
}

#[downgrade(rev = "0001")]
fn drop(op: &mut Operations) {
    op.drop_table("users");
}

// docs/migrations.md: begin
use capp_schema::sqlx::{self, Row};
use capp_schema::{ColumnType, DataConnection, Operations, downgrade, migration};

#[migration(
    rev = "0002",
    down_rev = "0001",
    message = "lower-case user emails",
    irreversible = "the original spelling is gone"
)]
fn upgrade(op: &mut Operations) {
    op.run_rust("lower-case emails", |db| Box::pin(lower_case_emails(db)));
}

/// Runs inside the migration's transaction, on its connection: a failure rolls back the whole
/// migration. Plain SQL works on every database; `db.postgres()` and `db.sqlite()` give the
/// driver's connection for typed queries.
async fn lower_case_emails(db: &mut dyn DataConnection) -> Result<(), sqlx::Error> {
    if let Some(conn) = db.sqlite() {
        let rows = sqlx::query("SELECT id, email FROM users")
            .fetch_all(&mut *conn)
            .await?;
        for row in rows {
            let (id, email): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
            sqlx::query("UPDATE users SET email = ?1 WHERE id = ?2")
                .bind(email.to_lowercase())
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        return Ok(());
    }
    db.execute("UPDATE users SET email = lower(email)").await
}
// docs/migrations.md: end

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("capp_data_step_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.join("example.db").display()))?;
    let report = Migrator::new(Migrations::load()?, Config::default())
        .upgrade_url(&url, "head")
        .await?;
    for step in &report.applied {
        println!("applied {} ({:?})", step.rev, step.duration);
    }
    use capp_schema::sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(url.location()).await?;
    let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM users ORDER BY id")
        .fetch_all(&mut conn)
        .await?;
    println!("emails: {}", emails.join(", "));
    assert_eq!(emails, ["ada@example.com", "bob@example.com"]);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
