use capp_schema::{Operations, downgrade, migration};

#[migration(rev = "0003", down_rev = "0002", message = "step 3")]
fn upgrade(op: &mut Operations) {
    op.execute("CREATE TABLE t3 (id integer)");
}

#[downgrade(rev = "0003")]
fn downgrade(op: &mut Operations) {
    op.drop_table("t3");
}
