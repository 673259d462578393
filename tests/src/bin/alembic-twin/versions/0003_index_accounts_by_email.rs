use capp_schema::{Operations, downgrade, migration};

#[migration(rev = "0003", down_rev = "0002", message = "index accounts by email", chain = crate::Twin)]
fn upgrade(op: &mut Operations) {
    op.create_index("ix_accounts_email", "accounts", ["email"]);
}

#[downgrade(rev = "0003", chain = crate::Twin)]
fn downgrade(op: &mut Operations) {
    op.drop_index("ix_accounts_email");
}
