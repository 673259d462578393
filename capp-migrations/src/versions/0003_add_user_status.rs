//! The guide's data migration: add `users.status` and fill it from `is_active`.

use capp_schema::{ColumnType, Operations, downgrade, migration};

#[migration(
    rev = "0003",
    down_rev = "0002",
    message = "add status to users, filled from is_active",
    allow_lint(
        unbatched_data_change = "the guide's data migration, applied once when users was small; a backfill of a large table is written in batches"
    )
)]
fn upgrade(op: &mut Operations) {
    // Schema change
    op.add_column("users", "status", ColumnType::Varchar(50));
    // Data migration
    op.execute("UPDATE users SET status = 'active' WHERE is_active = true");
    op.execute("UPDATE users SET status = 'inactive' WHERE is_active = false");
}

#[downgrade(rev = "0003")]
fn downgrade(op: &mut Operations) {
    op.drop_column("users", "status");
}
