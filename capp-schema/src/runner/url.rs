//! Database URLs, including the SQLAlchemy spellings CAPP's configuration already uses.

use std::fmt;

use crate::render::Dialect;

/// Where the database is.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A `postgres://` URL, as the driver takes it.
    Postgres(String),
    /// A SQLite file (created on first use) or `:memory:`.
    Sqlite(String),
}

/// The embedded default: a SQLite file in the working directory.
pub const DEFAULT_URL: &str = "sqlite://capp.db";

/// A URL that names no supported database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unsupported database URL `{0}`; expected postgresql://user:pass@host/db (also postgres://, postgresql+asyncpg://, postgresql+psycopg2://) or sqlite://path/to/file.db"
)]
pub struct UrlError(pub String);

impl DatabaseUrl {
    /// Parses a URL. SQLAlchemy driver suffixes (`postgresql+asyncpg://`,
    /// `postgresql+psycopg2://`, `sqlite+aiosqlite://`) are accepted and dropped.
    pub fn parse(url: &str) -> Result<DatabaseUrl, UrlError> {
        let url = url.trim();
        let (scheme, rest) = url.split_once("://").ok_or_else(|| UrlError(redact(url)))?;
        let base = scheme
            .split('+')
            .next()
            .unwrap_or(scheme)
            .to_ascii_lowercase();
        match base.as_str() {
            "postgres" | "postgresql" => Ok(DatabaseUrl::Postgres(format!("postgres://{rest}"))),
            "sqlite" => {
                // sqlx's reading: `sqlite://capp.db` is relative, `sqlite:///tmp/capp.db`
                // absolute. SQLAlchemy's absolute form `sqlite:////tmp/capp.db` names the same
                // file. (SQLAlchemy reads `sqlite:///capp.db` as relative; here it is absolute.)
                let path = rest.split('?').next().unwrap_or(rest);
                let path = if path.starts_with("//") {
                    path[1..].to_owned()
                } else {
                    path.to_owned()
                };
                if path.is_empty() {
                    return Err(UrlError(url.to_owned()));
                }
                Ok(DatabaseUrl::Sqlite(path))
            }
            _ => Err(UrlError(redact(url))),
        }
    }

    /// The SQL dialect of this database.
    pub fn dialect(&self) -> Dialect {
        match self {
            DatabaseUrl::Postgres(_) => Dialect::Postgres,
            DatabaseUrl::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// A SQLite file that does not exist yet (connecting would create it), so that read-only
    /// commands can report base instead.
    pub fn is_missing_file(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(path) if path != ":memory:" && !std::path::Path::new(path).exists())
    }
}

/// The URL without its password, for messages and logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Postgres(url) => f.write_str(&redact(url)),
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{path}"),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_guides_urls_as_they_are() {
        for (given, expected) in [
            (
                "postgresql://capp_user:capp_password@localhost/capp_db",
                "postgres://capp_user:capp_password@localhost/capp_db",
            ),
            (
                "postgresql+asyncpg://capp_user:pw@localhost/capp_db",
                "postgres://capp_user:pw@localhost/capp_db",
            ),
            ("postgresql+psycopg2://u@h:5433/d", "postgres://u@h:5433/d"),
            ("postgres://u@h/d", "postgres://u@h/d"),
        ] {
            assert_eq!(
                DatabaseUrl::parse(given),
                Ok(DatabaseUrl::Postgres(expected.into())),
                "{given}"
            );
        }
        assert_eq!(
            DatabaseUrl::parse("sqlite://capp.db"),
            Ok(DatabaseUrl::Sqlite("capp.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/capp.db"),
            Ok(DatabaseUrl::Sqlite("/var/capp.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:////tmp/x.db"),
            Ok(DatabaseUrl::Sqlite("/tmp/x.db".into()))
        );
    }

    #[test]
    fn rejects_others_without_showing_the_password() {
        let err = DatabaseUrl::parse("mysql://root:secret@localhost/db").unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(DatabaseUrl::parse("capp.db").is_err());
        let url = DatabaseUrl::parse("postgresql://u:secret@h/d").unwrap();
        assert_eq!(url.to_string(), "postgres://u:***@h/d");
    }
}
