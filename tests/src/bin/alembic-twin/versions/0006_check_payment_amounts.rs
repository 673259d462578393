use capp_schema::{Operations, downgrade, migration};

#[migration(rev = "0006", down_rev = "0005", message = "check payment amounts", chain = crate::Twin)]
fn upgrade(op: &mut Operations) {
    op.create_check("ck_payments_amount_positive", "payments", "amount > 0");
}

#[downgrade(rev = "0006", chain = crate::Twin)]
fn downgrade(op: &mut Operations) {
    op.drop_constraint("ck_payments_amount_positive", "payments");
}
