use capp_schema::{ColumnType, Operations, downgrade, migration};

#[migration(rev = "0002", down_rev = "0001", message = "add account kind", chain = crate::Twin)]
fn upgrade(op: &mut Operations) {
    op.create_enum("account_kind", ["customer", "merchant", "system"]);
    op.add_column(
        "accounts",
        "kind",
        ColumnType::Enum("account_kind".to_owned()),
    );
}

#[downgrade(rev = "0002", chain = crate::Twin)]
fn downgrade(op: &mut Operations) {
    op.drop_column("accounts", "kind");
    op.drop_enum("account_kind");
}
