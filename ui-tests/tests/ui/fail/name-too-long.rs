use capp_schema::{ColumnType, Operations, downgrade, migration};

#[derive(capp_schema::Chain)]
pub struct Migrations;

#[migration(rev = "0001", down_rev = None, message = "create payments")]
fn create_payments(op: &mut Operations) {
    op.create_table("payments", |t| {
        t.column("id", ColumnType::Uuid);
        t.column("settlement_reference_assigned_by_the_acquiring_bank_at_capture_time", ColumnType::Text);
    });
    op.create_index(
        "ix_payments_settlement_reference_assigned_by_the_acquiring_bank_at",
        "payments",
        ["id"],
    );
    op.create_check("ck_short", "payments", "length('this SQL string is long but it is an expression and not a name at all') > 0");
}

#[downgrade(rev = "0001")]
fn drop_payments(op: &mut Operations) {
    op.drop_table("payments");
}

fn main() {}
