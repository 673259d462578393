use capp_schema::{Operations, downgrade, migration};

#[migration(rev = "0001", down_rev = None, message = "step 1")]
fn upgrade(op: &mut Operations) {
    op.execute("CREATE TABLE t1 (id integer)");
}

#[downgrade(rev = "0001")]
fn downgrade(op: &mut Operations) {
    op.drop_table("t1");
}
