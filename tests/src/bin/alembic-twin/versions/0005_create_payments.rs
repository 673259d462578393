use capp_schema::{Action, ColumnType, Operations, downgrade, migration};

#[migration(rev = "0005", down_rev = "0004", message = "create payments", chain = crate::Twin)]
fn upgrade(op: &mut Operations) {
    op.create_table("payments", |t| {
        t.column("id", ColumnType::BigInt);
        t.column("account_id", ColumnType::BigInt).not_null();
        t.column(
            "amount",
            ColumnType::Numeric {
                precision: 20,
                scale: 8,
            },
        )
        .not_null();
        t.column("note", ColumnType::Text);
        t.primary_key(["id"]);
        t.foreign_key("fk_payments_account_id", ["account_id"], "accounts", ["id"])
            .on_delete(Action::Restrict);
    });
}

#[downgrade(rev = "0005", chain = crate::Twin)]
fn downgrade(op: &mut Operations) {
    op.drop_table("payments");
}
