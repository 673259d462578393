use capp_schema::{Operations, downgrade, migration};

#[migration(rev = "0002", down_rev = "0001", message = "step 2")]
fn upgrade(op: &mut Operations) {
    op.execute("CREATE TABLE t2 (id integer)");
}

#[downgrade(rev = "0002")]
fn downgrade(op: &mut Operations) {
    op.drop_table("t2");
}
