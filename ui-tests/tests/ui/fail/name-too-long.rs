use capp_schema::{ColumnType, Operations, downgrade, migration};

#[derive(capp_schema::Chain)]
pub struct Migrations;

#[migration(rev = "0001", down_rev = None, message = "create payments")]
fn create_payments(op: &mut Operations) {
    op.create_table("payments", |t| {
        t.column("id", ColumnType::Uuid);
        t.column("settlement_reference_assigned_by_the_acquiring_bank_at_capture_time", ColumnType::Text);
        t.primary_key_named("pk_payments_keyed_by_the_identifier_the_acquiring_bank_assigned_", ["id"]);
    });
    op.rename_constraint("payments", "pk_payments", "pk_payments_renamed_after_the_acquiring_bank_assigned_identifier");
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
