//! The runner's bookkeeping: Alembic's version table, the history table, their SQL and their rows.
//!
//! The SQL here is the same on every database (standard statements over quoted names); what
//! differs (the history table's column types, how a duration is measured) comes from the
//! dialect and the backend.

use std::fmt;

use crate::render::{Dialect, ident};
use crate::schema::{sql_string, sql_string_or_null};

/// The runner's tables, resolved from the configuration.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    /// The version table's name, unqualified.
    pub(crate) version_name: String,
    /// The history table's name, unqualified.
    pub(crate) history_name: String,
    /// Their schema (PostgreSQL); `None` is the search path's.
    pub(crate) schema: Option<String>,
    /// The database's dialect, for what the bookkeeping SQL spells differently.
    pub(crate) dialect: Dialect,
    /// The program writing the history, with its version: `capp-migrate 0.1.0`.
    pub(crate) tool: String,
}

/// The name of the lease table beside the history table `history`.
pub(crate) fn lease_table(history: &str) -> String {
    format!("{history}_lease")
}

/// The name of the progress table beside the history table `history`: where each piece of a
/// step outside a transaction got to (a backfill's last key), for resuming it.
pub(crate) fn progress_table(history: &str) -> String {
    format!("{history}_progress")
}

/// The name of the table whose presence marks a database as a development database (`redo`).
pub(crate) fn development_table(history: &str) -> String {
    format!("{history}_development")
}

/// The columns of the history table added after its first version, added to history tables of
/// earlier versions when they are missing: who ran a step, and the downgrade SQL recorded for
/// `redo` on a development database.
pub(crate) const AUDIT_COLUMNS: [(&str, &str); 5] = [
    ("run_by", "VARCHAR(128)"),
    ("client_addr", "VARCHAR(64)"),
    ("tool", "VARCHAR(128)"),
    ("application", "VARCHAR(128)"),
    ("downgrade_sql", "TEXT"),
];

impl Tables {
    fn qualified(&self, table: &str) -> String {
        match &self.schema {
            Some(schema) => format!("{}.{}", ident(schema), ident(table)),
            None => ident(table),
        }
    }

    /// The version table, quoted and qualified.
    pub(crate) fn version(&self) -> String {
        self.qualified(&self.version_name)
    }

    /// The history table, quoted and qualified.
    pub(crate) fn history(&self) -> String {
        self.qualified(&self.history_name)
    }

    /// The lease table's name, unqualified: the history table's, with `_lease` (PostgreSQL's
    /// lock for steps outside a transaction).
    pub(crate) fn lease_name(&self) -> String {
        lease_table(&self.history_name)
    }

    /// The lease table, quoted and qualified.
    pub(crate) fn lease(&self) -> String {
        self.qualified(&self.lease_name())
    }

    /// The progress table, quoted and qualified.
    pub(crate) fn progress(&self) -> String {
        self.qualified(&progress_table(&self.history_name))
    }

    /// The development marker's table, quoted and qualified.
    pub(crate) fn development(&self) -> String {
        self.qualified(&development_table(&self.history_name))
    }

    /// Whether `table`, of the application's schema `schema` (`None`: the search path's), is one
    /// of the runner's.
    pub(crate) fn is_ours(&self, schema: Option<&str>, table: &str) -> bool {
        self.schema.as_deref() == schema
            && (table == self.version_name
                || table == self.history_name
                || table == self.lease_name()
                || table == progress_table(&self.history_name)
                || table == development_table(&self.history_name))
    }

    /// Marks the database for development (`redo`), or clears the mark.
    pub(crate) fn development_sql(&self, marked: bool) -> String {
        if marked {
            format!(
                "CREATE TABLE IF NOT EXISTS {} (marked_at VARCHAR(64) NOT NULL, note VARCHAR(255));\nDELETE FROM {0};\nINSERT INTO {0} (marked_at, note) VALUES (CURRENT_TIMESTAMP, 'redo may undo the head migration with the downgrade recorded when it was applied');\n",
                self.development()
            )
        } else {
            format!("DROP TABLE IF EXISTS {};\n", self.development())
        }
    }

    /// The newest upgrade row of `rev`, as a bookkeeping row: kind `d`, rev, its recorded
    /// downgrade SQL, its checksum, its status.
    pub(crate) fn recorded_downgrade_sql(&self, rev: &str) -> String {
        format!(
            "SELECT 'd', rev, downgrade_sql, checksum, status FROM {h} WHERE id = (SELECT max(id) FROM {h} WHERE rev = {} AND direction = 'upgrade')",
            sql_string(rev),
            h = self.history()
        )
    }

    /// `CREATE TABLE IF NOT EXISTS` for the version table (exactly as Alembic creates it) and the
    /// history table.
    pub(crate) fn create_sql(&self) -> String {
        let (id, applied_at) = self.dialect.0.history_columns();
        format!(
            "CREATE TABLE IF NOT EXISTS {v} (\n    version_num VARCHAR(32) NOT NULL,\n    CONSTRAINT {pk} PRIMARY KEY (version_num)\n);\n\
             CREATE TABLE IF NOT EXISTS {h} (\n    id {id},\n    rev VARCHAR(32) NOT NULL,\n    direction VARCHAR(16) NOT NULL,\n    checksum VARCHAR(64),\n    status VARCHAR(16) NOT NULL,\n    applied_at {applied_at},\n    duration_ms BIGINT,\n    run_by VARCHAR(128),\n    client_addr VARCHAR(64),\n    tool VARCHAR(128),\n    application VARCHAR(128),\n    downgrade_sql TEXT\n);\n",
            v = self.version(),
            pk = ident(&format!("{}_pkc", self.version_name)),
            h = self.history(),
        )
    }

    /// The version-table statement for moving from `from` to `to`, written so that it touches
    /// exactly one row: an update or delete names the row it expects, an insert happens only
    /// into an empty table. The dialect makes the database refuse it when no row was touched
    /// (PostgreSQL); a backend without that checks the count itself (SQLite).
    pub(crate) fn version_sql(&self, from: Option<&str>, to: Option<&str>) -> String {
        let table = self.version();
        let (statement, expected) = match (from, to) {
            (None, None) => return String::new(),
            (None, Some(to)) => (
                format!(
                    "INSERT INTO {table} (version_num) SELECT {} WHERE NOT EXISTS (SELECT 1 FROM {table})",
                    sql_string(to)
                ),
                "to be empty".to_owned(),
            ),
            (Some(from), None) => (
                format!(
                    "DELETE FROM {table} WHERE version_num = {}",
                    sql_string(from)
                ),
                format!("to hold {from}"),
            ),
            (Some(from), Some(to)) => (
                format!(
                    "UPDATE {table} SET version_num = {} WHERE version_num = {}",
                    sql_string(to),
                    sql_string(from)
                ),
                format!("to hold {from}"),
            ),
        };
        let refusal = format!(
            "capp-schema: the version table {} was expected {expected}; another process or a hand edit changed it, and nothing of this step was applied",
            self.version_name
        );
        format!("{};\n", self.dialect.0.one_row(&statement, &refusal))
    }

    /// The statement that empties the version table and sets it to `to`.
    pub(crate) fn stamp_sql(&self, to: Option<&str>) -> String {
        let mut sql = format!("DELETE FROM {};\n", self.version());
        if let Some(to) = to {
            sql.push_str(&format!(
                "INSERT INTO {} (version_num) VALUES ({});\n",
                self.version(),
                sql_string(to)
            ));
        }
        sql
    }

    /// The statement recording `row` (`duration_ms` is SQL: a number, an expression or `NULL`),
    /// with who ran it: the database user, the client's address
    /// and the application name as the server sees them (where the database has them), and
    /// this program and its version.
    pub(crate) fn history_sql(&self, row: &HistoryRow, duration_ms: &str) -> String {
        let (columns, values) = self.history_parts(row, duration_ms);
        format!(
            "INSERT INTO {} ({columns}) VALUES ({values});\n",
            self.history()
        )
    }

    /// The `verified` row `row`, unless the newest history row already is that row (the same
    /// revision and digest): of runners that find the database at their target together, only
    /// one records it. Run under the migration lock, so that they take turns.
    pub(crate) fn verified_sql(&self, row: &HistoryRow) -> String {
        let (columns, values) = self.history_parts(row, "NULL");
        let h = self.history();
        format!(
            "INSERT INTO {h} ({columns}) SELECT {values} WHERE NOT EXISTS (SELECT 1 FROM {h} WHERE id = (SELECT max(id) FROM {h}) AND direction = {} AND rev = {} AND checksum = {});\n",
            sql_string(row.event.as_str()),
            sql_string(&row.rev),
            sql_string_or_null(row.checksum.as_deref()),
        )
    }

    /// The columns of a history row and their values, as two lists.
    fn history_parts(&self, row: &HistoryRow, duration_ms: &str) -> (String, String) {
        let (run_by, client_addr, application) = self.dialect.0.audit_sql();
        let columns = format!(
            "rev, direction, checksum, status, duration_ms, run_by, client_addr, tool, application{}",
            if row.downgrade_sql.is_some() {
                ", downgrade_sql"
            } else {
                ""
            }
        );
        let values = format!(
            "{}, {}, {}, {}, {duration_ms}, {run_by}, {client_addr}, {}, {application}{}",
            sql_string(&row.rev),
            sql_string(row.event.as_str()),
            sql_string_or_null(row.checksum.as_deref()),
            sql_string(row.outcome.as_str()),
            sql_string(&self.tool),
            row.downgrade_sql
                .as_deref()
                .map_or_else(String::new, |sql| format!(", {}", sql_string(sql))),
        );
        (columns, values)
    }

    /// `ALTER TABLE` adding the audit columns a history table of an earlier version lacks.
    pub(crate) fn add_audit_columns_sql(&self, present: &[String]) -> String {
        AUDIT_COLUMNS
            .iter()
            .filter(|(name, _)| !present.iter().any(|p| p == name))
            .map(|(name, ty)| format!("ALTER TABLE {} ADD COLUMN {name} {ty};\n", self.history()))
            .collect()
    }

    /// The versions.
    pub(crate) fn versions_sql(&self) -> String {
        format!(
            "SELECT 'v', version_num, NULL, NULL, NULL FROM {}",
            self.version()
        )
    }

    /// The versions and the newest history row of each revision (verifications aside).
    pub(crate) fn state_sql(&self, history_exists: bool) -> String {
        let mut sql = self.versions_sql();
        if history_exists {
            sql.push_str(&format!(
                " UNION ALL SELECT 'h', rev, direction, checksum, status FROM {h} WHERE id IN (SELECT max(id) FROM {h} WHERE direction <> 'verified' GROUP BY rev)",
                h = self.history()
            ));
        }
        sql
    }

    /// The versions and the newest history row of all, assuming both tables exist.
    pub(crate) fn newest_sql(&self) -> String {
        format!(
            "{} UNION ALL SELECT 'h', rev, direction, checksum, status FROM {h} WHERE id = (SELECT max(id) FROM {h})",
            self.versions_sql(),
            h = self.history()
        )
    }
}

/// A row of a bookkeeping read: kind (`v` version, `h` history), rev, direction, checksum,
/// status.
pub(crate) type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// What a history row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    Upgrade,
    Downgrade,
    /// The version was set without running anything.
    Stamp,
    /// An edited migration's new checksum was accepted.
    Accept,
    /// A failed migration's state was cleared.
    Repair,
    /// An upgrade verified every applied migration; the checksum column holds their digest.
    Verified,
}

impl Event {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Event::Upgrade => "upgrade",
            Event::Downgrade => "downgrade",
            Event::Stamp => "stamp",
            Event::Accept => "accept",
            Event::Repair => "repair",
            Event::Verified => "verified",
        }
    }

    fn parse(text: &str) -> Option<Event> {
        [
            Event::Upgrade,
            Event::Downgrade,
            Event::Stamp,
            Event::Accept,
            Event::Repair,
            Event::Verified,
        ]
        .into_iter()
        .find(|e| e.as_str() == text)
    }

    /// Whether the row's checksum is the one the database now holds for its revision.
    pub(crate) fn records_checksum(self) -> bool {
        matches!(self, Event::Upgrade | Event::Stamp | Event::Accept)
    }
}

/// How a recorded step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ok,
    /// Started outside a transaction and not finished (or the process died).
    Running,
    /// Failed outside a transaction; the database may be partly changed.
    Failed,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Running => "running",
            Outcome::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<Outcome> {
        [Outcome::Ok, Outcome::Running, Outcome::Failed]
            .into_iter()
            .find(|o| o.as_str() == text)
    }
}

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HistoryRow {
    pub(crate) rev: String,
    pub(crate) event: Event,
    pub(crate) checksum: Option<String>,
    pub(crate) outcome: Outcome,
    /// For an upgrade on a development database: the SQL of its downgrade, for `redo`.
    pub(crate) downgrade_sql: Option<String>,
}

impl HistoryRow {
    pub(crate) fn new(rev: &str, event: Event, checksum: Option<String>) -> HistoryRow {
        HistoryRow {
            rev: rev.to_owned(),
            event,
            checksum,
            outcome: Outcome::Ok,
            downgrade_sql: None,
        }
    }

    pub(crate) fn with_outcome(mut self, outcome: Outcome) -> HistoryRow {
        self.outcome = outcome;
        self
    }
}

/// A history row the runner cannot read: written by hand or by another tool.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the history table has a row for {rev} with {column} `{value}`, which this version does not write; fix or delete the row"
)]
pub struct UnreadableRow {
    rev: String,
    column: &'static str,
    value: String,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the version and history tables say.
#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    pub(crate) version_table_exists: bool,
    pub(crate) history_table_exists: bool,
    pub(crate) versions: Vec<String>,
    /// The newest history row per revision (or, from `newest_sql`, the newest of all).
    pub(crate) latest: Vec<HistoryRow>,
}

impl State {
    /// Reads the rows of `state_sql` or `newest_sql`.
    pub(crate) fn from_rows(rows: Vec<Row>) -> Result<State, UnreadableRow> {
        let mut state = State {
            version_table_exists: true,
            ..State::default()
        };
        for (kind, rev, direction, checksum, status) in rows {
            if kind == "v" {
                state.versions.push(rev);
                continue;
            }
            let direction = direction.unwrap_or_default();
            let status = status.unwrap_or_default();
            let unreadable = |column, value: &str| UnreadableRow {
                rev: rev.clone(),
                column,
                value: value.to_owned(),
            };
            let event =
                Event::parse(&direction).ok_or_else(|| unreadable("direction", &direction))?;
            let outcome = Outcome::parse(&status).ok_or_else(|| unreadable("status", &status))?;
            state.latest.push(HistoryRow {
                rev,
                event,
                checksum,
                outcome,
                downgrade_sql: None,
            });
        }
        Ok(state)
    }
}
