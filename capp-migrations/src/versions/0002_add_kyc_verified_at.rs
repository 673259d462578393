//! The guide's example: "add kyc_verified_at timestamp to users".

use capp_schema::{ColumnType, Operations, downgrade, migration};

#[migration(
    rev = "0002",
    down_rev = "0001",
    message = "add kyc_verified_at timestamp to users"
)]
fn upgrade(op: &mut Operations) {
    op.add_column("users", "kyc_verified_at", ColumnType::TimestampTz);
}

#[downgrade(rev = "0002")]
fn downgrade(op: &mut Operations) {
    op.drop_column("users", "kyc_verified_at");
}
