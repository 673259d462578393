//! Round-trip proofs for `cargo test`: every migration of a chain, on a real database.
//!
//! ```no_run
//! # #[derive(capp_schema::Chain)] pub struct Migrations;
//! use capp_schema::Chain;
//! use capp_schema::runner::DatabaseUrl;
//!
//! #[tokio::test]
//! async fn every_migration_round_trips() {
//!     let url = DatabaseUrl::parse("sqlite:///tmp/round_trip.db").unwrap();
//!     let chain = Migrations::load().unwrap();
//!     if let Err(e) = capp_schema::testing::round_trip(&chain, &url).await {
//!         panic!("{e}");
//!     }
//! }
//! ```

use std::fmt;

use crate::chain::MigrationChain;
use crate::compare::Difference;
use crate::render::Dialect;
use crate::runner::{Config, DatabaseUrl, Db, Migrator, RunError};
use crate::schema::Schema;

/// Why a chain does not round-trip.
#[derive(Debug)]
#[non_exhaustive]
pub enum RoundTripError {
    /// Running a step failed.
    Run {
        rev: String,
        step: &'static str,
        source: Box<RunError>,
    },
    /// The schema after a step is not the expected one.
    Differs {
        rev: String,
        what: &'static str,
        dialect: String,
        differences: Vec<Difference>,
    },
}

impl fmt::Display for RoundTripError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoundTripError::Run { rev, step, source } => {
                write!(f, "migration {rev}: {step} failed: {source}")
            }
            RoundTripError::Differs {
                rev,
                what,
                dialect,
                differences,
            } => {
                write!(
                    f,
                    "migration {rev} does not round-trip on {dialect}: {what}:"
                )?;
                for d in differences {
                    write!(f, "\n  {d}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for RoundTripError {}

fn run_err(rev: &str, step: &'static str) -> impl FnOnce(RunError) -> RoundTripError {
    let rev = rev.to_owned();
    move |source| RoundTripError::Run {
        rev,
        step,
        source: Box::new(source),
    }
}

/// The database's schema in canonical form.
async fn snapshot(
    db: &mut Db,
    config: &Config,
    dialect: Dialect,
    rev: &str,
) -> Result<Schema, RoundTripError> {
    Ok(db
        .introspect(config)
        .await
        .map_err(run_err(rev, "introspection"))?
        .canonical(dialect))
}

/// An error listing the differences, if there are any.
fn compare(
    both_live: bool,
    rev: &str,
    what: &'static str,
    dialect: Dialect,
    expected: &Schema,
    actual: &Schema,
) -> Result<(), RoundTripError> {
    // Two snapshots of the database compare by the catalog's own text; the fold against one
    // by name where the server rewrites SQL.
    let differences = if both_live {
        expected.diff_databases(actual)
    } else {
        expected.diff(actual)
    };
    if differences.is_empty() {
        Ok(())
    } else {
        Err(RoundTripError::Differs {
            rev: rev.to_owned(),
            what,
            dialect: dialect.to_string(),
            differences,
        })
    }
}

/// Upgrades an empty database through the whole chain one migration at a time. At each step it
/// checks that the introspected schema equals the history folded in memory, then downgrades one
/// step and checks the schema is the one before the upgrade, then upgrades again and checks it is
/// the one after. Irreversible migrations are checked going up only.
pub async fn round_trip(chain: &MigrationChain, url: &DatabaseUrl) -> Result<(), RoundTripError> {
    let config = Config::default();
    let migrator = Migrator::new(chain.clone(), config.clone());
    let dialect = url.dialect();
    let mut db = Db::connect(url)
        .await
        .map_err(|e| run_err("base", "connect")(e.into()))?;
    let mut folded = Schema::default();
    let mut before = snapshot(&mut db, &config, dialect, "base").await?;
    compare(
        false,
        "base",
        "the database is not empty before the first migration",
        dialect,
        &Schema::default(),
        &before,
    )?;
    for m in chain.migrations() {
        let rev = m.rev();
        migrator
            .upgrade(&mut db, "+1")
            .await
            .map_err(run_err(rev, "upgrade"))?;
        for op in m.upgrade().operations {
            folded.apply(&op).map_err(|source| {
                run_err(rev, "fold")(RunError::Fold {
                    rev: rev.to_owned(),
                    source,
                })
            })?;
        }
        let after = snapshot(&mut db, &config, dialect, rev).await?;
        let expected = folded.canonical(dialect);
        compare(
            false,
            rev,
            "after its upgrade the database differs from the history folded in memory",
            dialect,
            &expected,
            &after,
        )?;
        if m.irreversible_reason().is_none() {
            migrator
                .downgrade(&mut db, "-1")
                .await
                .map_err(run_err(rev, "downgrade"))?;
            let back = snapshot(&mut db, &config, dialect, rev).await?;
            compare(
                true,
                rev,
                "its downgrade does not restore the schema before its upgrade",
                dialect,
                &before,
                &back,
            )?;
            migrator
                .upgrade(&mut db, "+1")
                .await
                .map_err(run_err(rev, "upgrade after downgrade"))?;
            let again = snapshot(&mut db, &config, dialect, rev).await?;
            compare(
                true,
                rev,
                "upgrading again after its downgrade gives another schema",
                dialect,
                &after,
                &again,
            )?;
        }
        before = after;
    }
    let _ = db.close().await;
    Ok(())
}

/// Why a chain does not pass the lint.
#[cfg(feature = "lint")]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LintFailure {
    /// Statements that lock or rewrite a busy table, or allows no finding needs.
    #[error("the lint of the migrations' PostgreSQL SQL found:\n{0}")]
    Findings(crate::lint::LintReport),
    /// The chain does not load.
    #[error(transparent)]
    Chain(#[from] crate::ChainError),
    /// A migration does not fold.
    #[error(transparent)]
    Lint(#[from] crate::lint::LintError),
}

/// The lint in `cargo test`: every migration of chain `C` from its baseline
/// (`#[chain(lint_from = "...")]`) to head, with its `allow_lint` exceptions; an error listing
/// each finding with its file and line, rule, statement and the safe way.
///
/// ```no_run
/// # #[derive(capp_schema::Chain)] pub struct Migrations;
/// #[test]
/// fn migrations_cannot_hurt_a_busy_database() {
///     if let Err(e) = capp_schema::testing::lint::<Migrations>() {
///         panic!("{e}");
///     }
/// }
/// ```
#[cfg(feature = "lint")]
pub fn lint<C: crate::Chain>() -> Result<crate::lint::LintReport, LintFailure> {
    let chain = C::load()?;
    let report = crate::lint::lint(&chain, C::LINT_FROM, crate::lint::Scope::FromBaseline)?;
    if report.is_clean() {
        Ok(report)
    } else {
        Err(LintFailure::Findings(report))
    }
}
