use capp_schema::{ColumnType, Operations, downgrade, migration};

#[migration(rev = "0009", down_rev = "0008", message = "add payment status", chain = crate::Twin)]
fn upgrade(op: &mut Operations) {
    op.add_column("payments", "status", ColumnType::Varchar(32))
        .not_null()
        .default_str("pending");
}

#[downgrade(rev = "0009", chain = crate::Twin)]
fn downgrade(op: &mut Operations) {
    op.drop_column("payments", "status");
}
