//! Database URLs, including the SQLAlchemy spellings CAPP's configuration already uses. Which
//! backend a URL names is looked up in the registry ([`super::DRIVERS`]).

use std::fmt;

use super::{DRIVERS, Driver};
use crate::render::Dialect;

/// Where the database is, and which backend serves it.
#[derive(Clone)]
pub struct DatabaseUrl {
    driver: &'static Driver,
    location: String,
}

/// The embedded default: a SQLite file in the working directory.
pub const DEFAULT_URL: &str = "sqlite://capp.db";

/// A URL that names no database this build can migrate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// A URL of no backend this build has.
    #[error("unsupported database URL `{url}`; expected {expected}")]
    Unsupported { url: String, expected: String },
    /// A database that cannot be migrated: `sqlite://:memory:` would vanish with its
    /// connection, after reporting success.
    #[error("cannot migrate `{url}`: {reason}")]
    Refused { url: String, reason: &'static str },
}

impl UrlError {
    fn new(url: &str) -> UrlError {
        let expected: Vec<&str> = DRIVERS.iter().map(|d| d.example).collect();
        UrlError::Unsupported {
            url: redact(url),
            expected: if expected.is_empty() {
                "a database this build supports (it was built without the `postgres` and `sqlite` features)".to_owned()
            } else {
                expected.join(" or ")
            },
        }
    }

    /// The URL if its driver refuses what follows the scheme (`sqlite::memory:` is read as
    /// `sqlite://:memory:`, as sqlx reads it).
    fn refused(url: &str, scheme: &str, rest: &str) -> Option<UrlError> {
        let driver = DRIVERS.iter().find(|d| d.schemes.contains(&scheme))?;
        (driver.refused)(rest).map(|reason| UrlError::Refused {
            url: redact(url),
            reason,
        })
    }
}

impl DatabaseUrl {
    /// Parses a URL. SQLAlchemy driver suffixes (`postgresql+asyncpg://`,
    /// `postgresql+psycopg2://`, `sqlite+aiosqlite://`) are accepted and dropped.
    /// An in-memory SQLite database (`sqlite://:memory:`, `sqlite::memory:`) is refused: it
    /// would vanish with the connection after the migration reported success.
    pub fn parse(url: &str) -> Result<DatabaseUrl, UrlError> {
        let url = url.trim();
        let base = |scheme: &str| {
            scheme
                .split('+')
                .next()
                .unwrap_or(scheme)
                .to_ascii_lowercase()
        };
        let Some((scheme, rest)) = url.split_once("://") else {
            let (scheme, rest) = url.split_once(':').ok_or_else(|| UrlError::new(url))?;
            return Err(
                UrlError::refused(url, &base(scheme), rest).unwrap_or_else(|| UrlError::new(url))
            );
        };
        let base = base(scheme);
        if let Some(refused) = UrlError::refused(url, &base, rest) {
            return Err(refused);
        }
        let driver = DRIVERS
            .iter()
            .find(|d| d.schemes.contains(&base.as_str()))
            .ok_or_else(|| UrlError::new(url))?;
        let location = (driver.location)(rest).ok_or_else(|| UrlError::new(url))?;
        Ok(DatabaseUrl { driver, location })
    }

    /// The SQL dialect of this database.
    pub fn dialect(&self) -> Dialect {
        self.driver.dialect
    }

    /// What the driver connects to: the server URL (with its password), or the file path.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The URL's `connect_timeout` parameter, in seconds as libpq reads it.
    pub fn connect_timeout(&self) -> Option<std::time::Duration> {
        let (_, query) = self.location.split_once('?')?;
        query
            .split('&')
            .filter_map(|parameter| parameter.split_once('='))
            .find(|(key, _)| *key == "connect_timeout")
            .and_then(|(_, value)| value.parse().ok())
            .map(std::time::Duration::from_secs)
    }

    /// Whether the database is a file that does not exist yet (read-only commands report base
    /// instead of creating it).
    pub fn is_missing_file(&self) -> bool {
        (self.driver.missing)(&self.location)
    }

    /// The server this database lives on, as fleets bound their connections per server:
    /// `host:port` of a server URL (5432 when the URL names no port), the path of a file.
    pub fn server(&self) -> String {
        match server_parts(&self.location) {
            Some((authority, _)) => {
                let host = authority
                    .rsplit_once('@')
                    .map_or(authority, |(_, host)| host);
                let has_port = host
                    .rsplit_once(':')
                    .is_some_and(|(_, port)| port.parse::<u16>().is_ok() && !host.ends_with(']'));
                if has_port || host.is_empty() {
                    host.to_owned()
                } else {
                    format!("{host}:5432")
                }
            }
            None => self.location.clone(),
        }
    }

    /// The database this URL names on its server (`None` for a file).
    pub fn database(&self) -> Option<&str> {
        let (_, path) = server_parts(&self.location)?;
        Some(path.split('?').next().unwrap_or_default())
    }

    /// The same server and settings, another database on it (`None` for a file).
    pub fn with_database(&self, name: &str) -> Option<DatabaseUrl> {
        let (authority, path) = server_parts(&self.location)?;
        let scheme = &self.location[..self.location.find("://")? + 3];
        let query = path
            .split_once('?')
            .map(|(_, q)| format!("?{q}"))
            .unwrap_or_default();
        let encoded: String = name
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect();
        Some(DatabaseUrl {
            driver: self.driver,
            location: format!("{scheme}{authority}/{encoded}{query}"),
        })
    }

    /// A URL for a location a backend already holds (a pool's host or file).
    pub(crate) fn from_parts(driver: &'static Driver, location: String) -> DatabaseUrl {
        DatabaseUrl { driver, location }
    }

    pub(crate) fn driver(&self) -> &'static Driver {
        self.driver
    }
}

impl PartialEq for DatabaseUrl {
    fn eq(&self, other: &DatabaseUrl) -> bool {
        self.dialect() == other.dialect() && self.location == other.location
    }
}

impl Eq for DatabaseUrl {}

/// A server location's authority (`user:pass@host:port`) and path after it (`db?query`);
/// `None` for a file.
fn server_parts(location: &str) -> Option<(&str, &str)> {
    let rest = &location[location.find("://")? + 3..];
    Some(match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash + 1..]),
        None => match rest.find('?') {
            Some(q) => (&rest[..q], &rest[q..]),
            None => (rest, ""),
        },
    })
}

/// The URL without its passwords, for messages and logs: the one in the user information and
/// any query parameter whose name contains `password` (`password`, `sslpassword`).
pub(crate) fn redact(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let mut out = redact_user_info(head);
    if let Some(query) = query {
        let parameters: Vec<String> = query
            .split('&')
            .map(|parameter| match parameter.split_once('=') {
                Some((key, _)) if key.to_ascii_lowercase().contains("password") => {
                    format!("{key}=***")
                }
                _ => parameter.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&parameters.join("&"));
    }
    out
}

/// `scheme://user:***@host/path` for `scheme://user:password@host/path`.
fn redact_user_info(head: &str) -> String {
    let Some(start) = head.find("://").map(|i| i + 3) else {
        return head.to_owned();
    };
    let rest = &head[start..];
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!(
                "{}{user}:***@{host}{}",
                &head[..start],
                &rest[authority.len()..]
            ),
            None => head.to_owned(),
        },
        None => head.to_owned(),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&(self.driver.display)(&self.location))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(all(test, feature = "postgres", feature = "sqlite"))]
mod tests {
    use super::*;

    fn parsed(url: &str) -> (Dialect, String) {
        let url = DatabaseUrl::parse(url).unwrap();
        (url.dialect(), url.location().to_owned())
    }

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
                parsed(given),
                (Dialect::POSTGRES, expected.into()),
                "{given}"
            );
        }
        assert_eq!(
            parsed("sqlite://capp.db"),
            (Dialect::SQLITE, "capp.db".into())
        );
        assert_eq!(
            parsed("sqlite:///var/capp.db"),
            (Dialect::SQLITE, "/var/capp.db".into())
        );
        assert_eq!(
            parsed("sqlite:////tmp/x.db"),
            (Dialect::SQLITE, "/tmp/x.db".into())
        );
    }

    #[test]
    fn rejects_others_without_showing_the_password() {
        let err = DatabaseUrl::parse("mysql://root:secret@localhost/db").unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(DatabaseUrl::parse("capp.db").is_err());
        let url = DatabaseUrl::parse("postgresql://u:secret@h/d").unwrap();
        assert_eq!(url.to_string(), "postgres://u:***@h/d");
        for (given, shown) in [
            (
                "postgresql://u@h/d?sslmode=require&password=secret",
                "postgres://u@h/d?sslmode=require&password=***",
            ),
            (
                "postgresql://u:se@cret@h:5433/d?sslpassword=secret",
                "postgres://u:***@h:5433/d?sslpassword=***",
            ),
            (
                "postgresql://h/d?application_name=a@b",
                "postgres://h/d?application_name=a@b",
            ),
        ] {
            let url = DatabaseUrl::parse(given).unwrap();
            assert_eq!(url.to_string(), shown, "{given}");
            let err = DatabaseUrl::parse(&given.replace("postgresql", "mysql")).unwrap_err();
            assert!(!err.to_string().contains("secret"), "{err}");
        }
    }
}
