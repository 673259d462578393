//! Targets: a database, or a schema of one, and the list a file or standard input gives.

use std::fmt;

use crate::runner::{DatabaseUrl, UrlError};

/// One target of a fleet: a database, or one schema of it (schema-per-tenant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: DatabaseUrl,
    /// The tenant's schema (PostgreSQL); `None`: the database's search path.
    pub schema: Option<String>,
}

impl Target {
    /// A whole database.
    pub fn database(url: DatabaseUrl) -> Target {
        Target { url, schema: None }
    }

    /// One schema of a database.
    pub fn schema(url: DatabaseUrl, schema: &str) -> Target {
        Target {
            url,
            schema: Some(schema.to_owned()),
        }
    }

    /// The server it lives on, which bounds how many targets run on it at once.
    pub fn server(&self) -> String {
        self.url.server()
    }
}

/// `host:5432/db`, or `host:5432/db#schema`: short, without user or password.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.url.database() {
            Some(db) => write!(f, "{}/{db}", self.url.server())?,
            None => write!(f, "{}", self.url)?,
        }
        if let Some(schema) = &self.schema {
            write!(f, "#{schema}")?;
        }
        Ok(())
    }
}

/// A target list that does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetListError {
    /// A line is not a database URL.
    #[error("line {line}: {source}")]
    Url {
        line: usize,
        #[source]
        source: UrlError,
    },
    /// A line names a target an earlier line named.
    #[error(
        "line {line}: {target} is listed already (line {first}); each target must be listed once"
    )]
    Duplicate {
        line: usize,
        first: usize,
        target: String,
    },
    /// A line has more than a URL and a schema.
    #[error(
        "line {line}: expected a database URL, optionally followed by a schema name, and nothing else"
    )]
    Extra { line: usize },
    /// A schema named for a database without schemas.
    #[error("line {line}: {url} has no schemas (a schema is a PostgreSQL target's)")]
    SchemaOnFile { line: usize, url: String },
}

/// Reads a target list: one database URL per line, optionally followed by a schema name;
/// blank lines and `#` comments (whole lines, or after the target) are skipped.
///
/// ```text
/// # EU shard
/// postgresql://capp@db-eu-1/capp_tenant_001
/// postgresql://capp@db-eu-1/capp_tenant_002
/// postgresql://capp@db-eu-1/capp_shared   tenant_17   # one schema of it
/// ```
pub fn parse_target_list(text: &str) -> Result<Vec<Target>, TargetListError> {
    let mut targets: Vec<(usize, Target)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_number = i + 1;
        let content = match line.find(" #").or_else(|| line.find("\t#")) {
            Some(at) => &line[..at],
            None => line,
        };
        let content = content.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let mut words = content.split_whitespace();
        let (Some(url), schema) = (words.next(), words.next()) else {
            continue;
        };
        if words.next().is_some() {
            return Err(TargetListError::Extra { line: line_number });
        }
        let url = DatabaseUrl::parse(url).map_err(|source| TargetListError::Url {
            line: line_number,
            source,
        })?;
        if schema.is_some() && url.database().is_none() {
            return Err(TargetListError::SchemaOnFile {
                line: line_number,
                url: url.to_string(),
            });
        }
        let target = Target {
            url,
            schema: schema.map(str::to_owned),
        };
        if let Some((first, _)) = targets.iter().find(|(_, t)| *t == target) {
            return Err(TargetListError::Duplicate {
                line: line_number,
                first: *first,
                target: target.to_string(),
            });
        }
        targets.push((line_number, target));
    }
    Ok(targets.into_iter().map(|(_, t)| t).collect())
}

#[cfg(all(test, feature = "postgres", feature = "sqlite"))]
mod tests {
    use super::*;

    #[test]
    fn a_list_has_urls_schemas_and_comments() {
        let list = "# shard 1\n\npostgresql://u:secret@db1/capp_a\npostgres://db2:6432/capp_b?sslmode=disable  # a comment\npostgresql://db1/shared tenant_7\nsqlite://x.db\n";
        let targets = parse_target_list(list).unwrap();
        let shown: Vec<String> = targets.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "db1:5432/capp_a",
                "db2:6432/capp_b",
                "db1:5432/shared#tenant_7",
                "sqlite://x.db"
            ]
        );
        assert_eq!(targets[0].server(), targets[2].server());
    }

    #[test]
    fn a_bad_list_names_its_line() {
        let twice = "postgresql://db1/a\npostgresql://db1/b\npostgresql://db1/a\n";
        assert_eq!(
            parse_target_list(twice).unwrap_err().to_string(),
            "line 3: db1:5432/a is listed already (line 1); each target must be listed once"
        );
        let bad = "postgresql://db1/a\nmysql://db1/b\n";
        assert!(
            parse_target_list(bad)
                .unwrap_err()
                .to_string()
                .starts_with("line 2: unsupported database URL `mysql://db1/b`")
        );
        let extra = "postgresql://db1/a s t\n";
        assert!(matches!(
            parse_target_list(extra),
            Err(TargetListError::Extra { line: 1 })
        ));
        let schema_on_file = "sqlite://x.db tenant\n";
        assert!(matches!(
            parse_target_list(schema_on_file),
            Err(TargetListError::SchemaOnFile { line: 1, .. })
        ));
    }
}
