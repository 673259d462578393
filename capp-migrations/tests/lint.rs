//! CAPP's history cannot hurt a busy database: the lint of every migration's PostgreSQL SQL,
//! from the first revision, finds nothing (or only what a migration allows, with its reason).

use capp_migrations::Migrations;
use capp_schema::Chain;

#[test]
fn capps_migrations_pass_the_lint_from_the_first_revision() {
    let report = match capp_schema::testing::lint::<Migrations>() {
        Ok(report) => report,
        Err(e) => panic!("{e}"),
    };
    // Every revision, the first included.
    assert_eq!(Migrations::LINT_FROM, Some("0001"));
    assert_eq!(report.linted, Migrations::load().unwrap().len());
}
