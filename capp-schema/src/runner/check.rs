//! `check`: is the database where its history says, unedited and without drift, and does the
//! history still build what the models describe?

use std::fmt;

use crate::compare::Difference;
use crate::schema::Schema;

use super::{Db, Migrator, Position, RunError};

/// What [`Migrator::check`] found: every problem, in the order it looks for them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckReport {
    /// The revision the database is at; `None` at base.
    pub current: Option<String>,
    /// The head of the history.
    pub head: String,
    /// Failed, then edited migrations, then models against the head, then drift, then not at
    /// head; empty when all is well.
    pub problems: Vec<CheckProblem>,
}

impl CheckReport {
    /// True when the database is at head, every applied migration is unchanged, its schema is
    /// what the history builds, and (if given) the models are what the head builds.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One thing [`Migrator::check`] found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckProblem {
    /// The migration failed outside a transaction and is marked failed: repair the database by
    /// hand, then [`Migrator::repair`].
    Failed { rev: String },
    /// The applied migration was edited after it was applied: revert the edit, or
    /// [`Migrator::accept`] it after review.
    Edited { rev: String },
    /// The models differ from the schema the history builds at its head: write a migration.
    ModelsDiffer(Difference),
    /// The live schema differs from the schema the history builds up to the database's revision
    /// (`at`; `None` is base): someone changed the database by hand.
    Drift {
        at: Option<String>,
        difference: Difference,
    },
    /// The database is behind the head of the history.
    NotAtHead {
        current: Option<String>,
        head: String,
    },
}

impl fmt::Display for CheckProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckProblem::Failed { rev } => write!(
                f,
                "migration {rev} failed outside a transaction (see `repair`)"
            ),
            CheckProblem::Edited { rev } => {
                write!(f, "migration {rev} was edited after it was applied")
            }
            CheckProblem::ModelsDiffer(difference) => {
                let fix = match difference {
                    Difference::Extra(_) => {
                        "write a migration for it: `capp-migrate revision --autogenerate -m \"...\"`"
                    }
                    Difference::Missing(_) => {
                        "add it to the models if it stays, or write a migration that drops it"
                    }
                    Difference::Changed { .. } => {
                        "change the model, or write a migration that changes the database"
                    }
                };
                write!(
                    f,
                    "the models and the history differ: {}: {fix}",
                    difference.between("the history's head", "the models")
                )
            }
            CheckProblem::Drift { at, difference } => {
                let at = at.as_deref().unwrap_or("base");
                let fix = match difference {
                    Difference::Missing(_) => {
                        "removed by hand or by a migration's `execute`? Restore it, or write a migration that drops it"
                    }
                    Difference::Extra(_) => {
                        "made by hand? Drop it, or write a migration that creates it"
                    }
                    Difference::Changed { .. } => {
                        "changed by hand? Change it back, or write a migration that changes it"
                    }
                };
                write!(
                    f,
                    "schema drift at {at}: {}; {fix}",
                    difference.between(&format!("the history up to {at}"), "the database")
                )
            }
            CheckProblem::NotAtHead { current, head } => write!(
                f,
                "the database is at {}, not at head {head}",
                current.as_deref().unwrap_or("base")
            ),
        }
    }
}

/// `FAILED: <problem>`, one line each, as `capp-migrate check` prints them; or one `OK: ...`
/// line (the command line's own OK line names the database URL instead of "the database").
impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ok() {
            return write!(
                f,
                "OK: the database is at head ({}) and every applied migration is unchanged",
                self.head
            );
        }
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "FAILED: {problem}")?;
        }
        Ok(())
    }
}

impl Migrator {
    /// Checks a database without changing it: a migration marked failed, applied migrations
    /// edited since, `models` (the application's table models, if given) against the schema
    /// the history builds at its head, the live schema against the schema the history builds up
    /// to the database's revision (drift), and whether the database is at head.
    ///
    /// Problems are reported, not returned as errors; an error means the check could not run
    /// (no connection, a database ahead of this build, a history that does not fold).
    ///
    /// ```no_run
    /// # async fn deploy() -> Result<(), capp_schema::runner::RunError> {
    /// # #[derive(capp_schema::Chain)] pub struct Migrations;
    /// use capp_schema::Chain;
    /// use capp_schema::runner::{Config, DatabaseUrl, Db, Migrator};
    ///
    /// let migrator = Migrator::new(Migrations::load()?, Config::default());
    /// let mut db = Db::connect(&DatabaseUrl::parse("sqlite://capp.db")?).await?;
    /// let report = migrator.check(&mut db, None).await?;
    /// if !report.is_ok() {
    ///     eprintln!("{report}"); // FAILED: schema drift at 0003: + index ix_by_hand on users ...
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn check(
        &self,
        db: &mut Db,
        models: Option<&Schema>,
    ) -> Result<CheckReport, RunError> {
        let status = self.status(db).await?;
        let head = self.chain().head().rev().to_owned();
        let dialect = db.dialect();
        let mut problems: Vec<CheckProblem> = Vec::new();
        let failed = status.failed.iter().cloned();
        problems.extend(failed.map(|rev| CheckProblem::Failed { rev }));
        let edited = status.edited.iter().cloned();
        problems.extend(edited.map(|rev| CheckProblem::Edited { rev }));
        if let Some(models) = models {
            let at_head = self.expected_schema(Position::head(&self.chain))?;
            // Both sides are written by people: expressions compare as written, as autogenerate
            // compares them.
            let differences = at_head
                .canonical(dialect)
                .diff_as_written(&models.canonical(dialect));
            problems.extend(differences.into_iter().map(CheckProblem::ModelsDiffer));
        }
        let at = status.current.as_deref().unwrap_or("base");
        let expected = self.expected_schema(self.resolve(at, Position::BASE)?)?;
        let actual = db.introspect(self.config()).await?;
        let differences = expected.canonical(dialect).diff(&actual.canonical(dialect));
        problems.extend(
            differences
                .into_iter()
                .map(|difference| CheckProblem::Drift {
                    at: status.current.clone(),
                    difference,
                }),
        );
        if !status.is_head {
            problems.push(CheckProblem::NotAtHead {
                current: status.current.clone(),
                head: head.clone(),
            });
        }
        Ok(CheckReport {
            current: status.current,
            head,
            problems,
        })
    }
}
