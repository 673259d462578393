use capp_schema::{Operations, downgrade, migration};

#[migration(rev = "0004", down_rev = "0003", message = "seed system accounts", chain = crate::Twin)]
fn upgrade(op: &mut Operations) {
    op.execute(
        "INSERT INTO accounts (id, email, kind, created_at) VALUES (1, 'fees@capp.test', 'system', '2026-01-01 00:00:00+00'), (2, 'float@capp.test', 'system', '2026-01-01 00:00:00+00')",
    );
}

#[downgrade(rev = "0004", chain = crate::Twin)]
fn downgrade(op: &mut Operations) {
    op.execute("DELETE FROM accounts WHERE id IN (1, 2)");
}
