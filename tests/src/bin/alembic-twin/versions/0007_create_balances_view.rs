use capp_schema::{Operations, downgrade, migration};

#[migration(rev = "0007", down_rev = "0006", message = "create balances view", chain = crate::Twin)]
fn upgrade(op: &mut Operations) {
    op.execute(
        "CREATE VIEW account_balances AS SELECT account_id, sum(amount) AS balance FROM payments GROUP BY account_id",
    );
}

#[downgrade(rev = "0007", chain = crate::Twin)]
fn downgrade(op: &mut Operations) {
    op.execute("DROP VIEW account_balances");
}
