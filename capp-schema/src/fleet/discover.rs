//! Targets found on a server: its databases whose names match a pattern, or the schemas of one
//! database whose names match one.

use super::Target;
use crate::runner::{ConnectError, DatabaseUrl, Db};

/// Finding targets failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoverError {
    /// A database with no server or schemas to list (a SQLite file).
    #[error("{url} has no {what} to list (a PostgreSQL server has)")]
    Unsupported { what: &'static str, url: String },
    /// The server could not be reached.
    #[error(transparent)]
    Connect(#[from] ConnectError),
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
    let names = names(server, "databases", pattern).await?;
    Ok(names
        .iter()
        .filter_map(|name| server.with_database(name).map(Target::database))
        .collect())
}

/// Every schema of `database` whose name matches `pattern` (SQL `LIKE`: `tenant\_%`), the system
/// schemas left out, in name order.
pub async fn schemas_matching(
    database: &DatabaseUrl,
    pattern: &str,
) -> Result<Vec<Target>, DiscoverError> {
    let names = names(database, "schemas", pattern).await?;
    Ok(names
        .iter()
        .map(|name| Target::schema(database.clone(), name))
        .collect())
}

/// The names of `what` (`databases` or `schemas`) that `url`'s server lists for `pattern`; at
/// least one.
async fn names(
    url: &DatabaseUrl,
    what: &'static str,
    pattern: &str,
) -> Result<Vec<String>, DiscoverError> {
    let mut db = Db::connect(url).await?;
    let listed = match what {
        "databases" => db.databases_matching(pattern).await,
        _ => db.schemas_matching(pattern).await,
    };
    let _ = db.close().await;
    let names = listed
        .map_err(|source| DiscoverError::Query {
            what,
            url: url.to_string(),
            source,
        })?
        .ok_or_else(|| DiscoverError::Unsupported {
            what,
            url: url.to_string(),
        })?;
    if names.is_empty() {
        return Err(DiscoverError::NoMatch {
            what: what.trim_end_matches('s'),
            url: url.to_string(),
            pattern: pattern.to_owned(),
        });
    }
    Ok(names)
}
