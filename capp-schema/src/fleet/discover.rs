//! Targets found on a PostgreSQL server: its databases whose names match a pattern, or the
//! schemas of one database whose names match one.

use sqlx::{AssertSqlSafe, Connection};

use super::Target;
use crate::render::Dialect;
use crate::runner::DatabaseUrl;
use crate::schema::sql_string;

/// Finding targets failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoverError {
    /// Not a PostgreSQL URL.
    #[error("{url} is not a PostgreSQL server: only PostgreSQL has databases and schemas to list")]
    NotPostgres { url: String },
    /// The server could not be asked.
    #[error("cannot list the {what} of {url}")]
    Query {
        what: &'static str,
        url: String,
        #[source]
        source: sqlx::Error,
    },
    /// Nothing matched.
    #[error("no {what} of {url} matches `{pattern}`")]
    NoMatch {
        what: &'static str,
        url: String,
        pattern: String,
    },
}

/// Every database on `server`'s server whose name matches `pattern` (SQL `LIKE`: `capp_%`),
/// templates and databases that refuse connections left out, in name order; each reached with
/// `server`'s URL and settings.
pub async fn databases_matching(
    server: &DatabaseUrl,
    pattern: &str,
) -> Result<Vec<Target>, DiscoverError> {
    let sql = format!(
        "SELECT datname::text FROM pg_database WHERE datallowconn AND NOT datistemplate AND datname LIKE {} ORDER BY datname",
        sql_string(pattern)
    );
    let names = names(server, "databases", &sql).await?;
    let targets: Vec<Target> = names
        .iter()
        .filter_map(|name| server.with_database(name).map(Target::database))
        .collect();
    if targets.is_empty() {
        return Err(DiscoverError::NoMatch {
            what: "database",
            url: server.to_string(),
            pattern: pattern.to_owned(),
        });
    }
    Ok(targets)
}

/// Every schema of `database` whose name matches `pattern` (SQL `LIKE`: `tenant_%`), the system
/// schemas left out, in name order.
pub async fn schemas_matching(
    database: &DatabaseUrl,
    pattern: &str,
) -> Result<Vec<Target>, DiscoverError> {
    let sql = format!(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE {} AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY nspname",
        sql_string(pattern)
    );
    let names = names(database, "schemas", &sql).await?;
    if names.is_empty() {
        return Err(DiscoverError::NoMatch {
            what: "schema",
            url: database.to_string(),
            pattern: pattern.to_owned(),
        });
    }
    Ok(names
        .iter()
        .map(|name| Target::schema(database.clone(), name))
        .collect())
}

/// The first column of `sql`'s rows on `url`.
async fn names(
    url: &DatabaseUrl,
    what: &'static str,
    sql: &str,
) -> Result<Vec<String>, DiscoverError> {
    if url.dialect() != Dialect::POSTGRES {
        return Err(DiscoverError::NotPostgres {
            url: url.to_string(),
        });
    }
    let failed = |source| DiscoverError::Query {
        what,
        url: url.to_string(),
        source,
    };
    let mut conn = sqlx::PgConnection::connect(url.location())
        .await
        .map_err(failed)?;
    let names = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql.to_owned()))
        .fetch_all(&mut conn)
        .await
        .map_err(failed)?;
    let _ = conn.close().await;
    Ok(names)
}
