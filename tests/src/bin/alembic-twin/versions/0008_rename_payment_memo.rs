use capp_schema::{Operations, downgrade, migration};

#[migration(rev = "0008", down_rev = "0007", message = "rename payment note to memo", chain = crate::Twin)]
fn upgrade(op: &mut Operations) {
    op.rename_column("payments", "note", "memo");
}

#[downgrade(rev = "0008", chain = crate::Twin)]
fn downgrade(op: &mut Operations) {
    op.rename_column("payments", "memo", "note");
}
