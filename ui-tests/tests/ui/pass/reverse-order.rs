//! Newest first, downgrades before their migrations, and a chain marker that is not
//! `crate::Migrations`.

use capp_schema::{Chain, Operations, downgrade, migration};

mod history {
    #[derive(capp_schema::Chain)]
    pub struct Ledger;
}

#[downgrade(rev = "20261124120300", chain = crate::history::Ledger)]
fn drop_c(op: &mut Operations) {
    op.drop_table("c");
}

#[migration(rev = "20261124120300", down_rev = "20261124120200", message = "c", chain = crate::history::Ledger)]
fn create_c(op: &mut Operations) {
    op.execute("CREATE TABLE c (id integer)");
}

#[migration(rev = "20261124120200", down_rev = "20261124120100", message = "b", chain = crate::history::Ledger)]
fn create_b(op: &mut Operations) {
    op.execute("CREATE TABLE b (id integer)");
}

#[downgrade(rev = "20261124120200", chain = crate::history::Ledger)]
fn drop_b(op: &mut Operations) {
    op.drop_table("b");
}

#[downgrade(rev = "20261124120100", chain = crate::history::Ledger)]
fn drop_a(op: &mut Operations) {
    op.drop_table("a");
}

#[migration(rev = "20261124120100", down_rev = None, message = "a", chain = crate::history::Ledger)]
fn create_a(op: &mut Operations) {
    op.execute("CREATE TABLE a (id integer)");
}

fn main() {
    let chain = history::Ledger::load().expect("a valid chain");
    let revs: Vec<_> = chain.migrations().iter().map(|m| m.rev()).collect();
    assert_eq!(revs, ["20261124120100", "20261124120200", "20261124120300"]);
}
