use std::time::Duration;

use capp_schema::{Chain, Operations, downgrade, migration};

#[derive(capp_schema::Chain)]
pub struct Migrations;

#[migration(
    rev = "0001",
    down_rev = None,
    message = "add a column to a busy table",
    lock_timeout = "500ms",
    lock_retry_budget = "5m",
    statement_timeout = "30s"
)]
fn add_note(op: &mut Operations) {
    op.execute("ALTER TABLE accounts ADD COLUMN note text");
}

#[downgrade(rev = "0001")]
fn drop_note(op: &mut Operations) {
    op.execute("ALTER TABLE accounts DROP COLUMN note");
}

fn main() {
    let chain = Migrations::load().unwrap();
    let timeouts = chain.migrations()[0].timeouts();
    assert_eq!(timeouts.lock_timeout, Some(Duration::from_millis(500)));
    assert_eq!(timeouts.lock_retry_budget, Some(Duration::from_secs(300)));
    assert_eq!(timeouts.statement_timeout, Some(Duration::from_secs(30)));
}
