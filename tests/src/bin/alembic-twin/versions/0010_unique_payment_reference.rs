use capp_schema::{ColumnType, Operations, downgrade, migration};

#[migration(rev = "0010", down_rev = "0009", message = "add unique payment reference", chain = crate::Twin)]
fn upgrade(op: &mut Operations) {
    op.add_column("payments", "reference", ColumnType::Varchar(64));
    op.create_unique("uq_payments_reference", "payments", ["reference"]);
}

#[downgrade(rev = "0010", chain = crate::Twin)]
fn downgrade(op: &mut Operations) {
    op.drop_constraint("uq_payments_reference", "payments");
    op.drop_column("payments", "reference");
}
