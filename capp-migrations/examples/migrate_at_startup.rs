//! An application that migrates its database at start-up, before it serves: one call, safe when
//! many replicas start at once and behind PgBouncer in transaction mode.
//!
//! ```sh
//! DATABASE_URL=postgresql://capp_user:pw@localhost/capp_db \
//!     cargo run -p capp-migrations --example migrate_at_startup
//! ```
//!
//! Without `DATABASE_URL` it uses the embedded default, `sqlite://capp.db`.

use capp_migrations::Migrations;
use capp_schema::Chain;
use capp_schema::runner::{Config, DEFAULT_URL, DatabaseUrl, Db, Migrator, RunError};

/// Brings the database to head: a database already there costs one query.
async fn migrate(pool: &sqlx::PgPool) -> Result<(), RunError> {
    // One connection out of the application's pool, for good (it closes when `db` is dropped).
    let mut db = Db::from_postgres_pool(pool).await?;
    let report = Migrator::new(Migrations::load()?, Config::default())
        .upgrade(&mut db, "head")
        .await?;
    for step in &report.applied {
        println!("migrated {} ({} ms)", step.rev, step.duration.as_millis());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let parsed = DatabaseUrl::parse(&url)?;
    if parsed.dialect() == capp_schema::Dialect::POSTGRES {
        let pool = sqlx::PgPool::connect(parsed.location()).await?;
        migrate(&pool).await?;
        // ... serve with `pool` ...
    } else {
        // SQLite, or any database without an application pool: the runner connects itself.
        let report = Migrator::new(Migrations::load()?, Config::default())
            .upgrade_url(&parsed, "head")
            .await?;
        println!("{parsed} is at {}", report.to.as_deref().unwrap_or("base"));
    }
    println!("serving");
    Ok(())
}
