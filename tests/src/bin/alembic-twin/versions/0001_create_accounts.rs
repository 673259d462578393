use capp_schema::{ColumnType, Operations, downgrade, migration};

#[migration(rev = "0001", down_rev = None, message = "create accounts", chain = crate::Twin)]
fn upgrade(op: &mut Operations) {
    op.create_table("accounts", |t| {
        t.column("id", ColumnType::BigInt);
        t.column("email", ColumnType::Varchar(255)).not_null();
        t.column("created_at", ColumnType::TimestampTz)
            .not_null()
            .default_sql("CURRENT_TIMESTAMP");
        t.primary_key(["id"]);
    });
}

#[downgrade(rev = "0001", chain = crate::Twin)]
fn downgrade(op: &mut Operations) {
    op.drop_table("accounts");
}
