//! The offline script writer: a plan as an SQL script for review or for psql/sqlite3, with the
//! same transaction envelope and bookkeeping as the online executor. Nothing is executed.

use std::fmt::Write as _;

use super::plan::{Piece, Plan, Renderer};
use super::{Migrator, Position, RunError};
use crate::render::Dialect;

impl Migrator {
    /// The SQL script of an upgrade or downgrade between two positions, for review or for running
    /// with psql/sqlite3: nothing is executed.
    pub fn script(
        &self,
        dialect: Dialect,
        from: Position,
        to: Position,
    ) -> Result<String, RunError> {
        let (from, to) = (from.index(), to.index());
        let plan = Plan::between(&self.chain, from, to)?;
        let tables = self.config.tables(dialect);
        let mut renderer =
            Renderer::new(&self.chain, dialect, from)?.in_schema(self.config.schema.as_deref());
        let mut out = String::new();
        if from.is_none() {
            out.push_str(&tables.create_sql());
            out.push('\n');
        }
        for &step in &plan.steps {
            let m = self.chain.migrations()[step.index];
            let rendered = renderer.render(step)?;
            let _ = writeln!(
                out,
                "-- {} {}: {}",
                step.direction.as_str(),
                m.rev(),
                one_line(m.message())
            );
            if rendered.in_transaction {
                let _ = writeln!(out, "{};", dialect.begin());
                // SQL written by hand sees the tenant's schema only, as when run online.
                if let Some(set) = self
                    .config
                    .schema
                    .as_deref()
                    .and_then(|s| dialect.search_path(s))
                {
                    let _ = writeln!(out, "{set};");
                }
            }
            for piece in rendered.pieces {
                match piece {
                    Piece::Sql(statement)
                    | Piece::Backfill {
                        script: statement, ..
                    } => {
                        let _ = writeln!(out, "{statement};");
                    }
                    Piece::Rust(name, _) => {
                        return Err(RunError::OnlineOnly {
                            rev: m.rev().to_owned(),
                            name,
                        });
                    }
                }
            }
            out.push_str(&tables.version_sql(
                self.rev_at(step.before()).as_deref(),
                self.rev_at(step.after()).as_deref(),
            ));
            out.push_str(&tables.history_sql(&step.history_row(&m), "NULL"));
            if rendered.in_transaction {
                out.push_str("COMMIT;\n");
            }
            out.push('\n');
        }
        Ok(out)
    }
}

/// Text for an SQL comment line: a line break would end the comment and make the rest live SQL.
fn one_line(text: &str) -> String {
    text.split(['\n', '\r']).collect::<Vec<_>>().join(" ")
}
