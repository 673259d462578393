//! Initial schema: CAPP's users and payments.

use capp_schema::{ColumnType, Operations, downgrade, migration};

#[migration(rev = "0001", down_rev = None, message = "initial schema")]
fn upgrade(op: &mut Operations) {
    op.create_table("users", |t| {
        t.column("id", ColumnType::Uuid);
        t.column("email", ColumnType::Varchar(255)).not_null();
        t.column("full_name", ColumnType::Varchar(255));
        t.column("is_active", ColumnType::Boolean).not_null().default_sql("true");
        t.column("created_at", ColumnType::TimestampTz).not_null().default_sql("CURRENT_TIMESTAMP");
        t.primary_key(["id"]);
    });
    op.create_table("payments", |t| {
        t.column("id", ColumnType::Uuid);
        t.column("user_id", ColumnType::Uuid).not_null();
        t.column("amount", ColumnType::Numeric { precision: 20, scale: 8 }).not_null();
        t.column("currency", ColumnType::Varchar(3)).not_null();
        t.column("status", ColumnType::Varchar(32)).not_null().default_sql("'pending'");
        t.column("created_at", ColumnType::TimestampTz).not_null().default_sql("CURRENT_TIMESTAMP");
        t.primary_key(["id"]);
    });
}

#[downgrade(rev = "0001")]
fn downgrade(op: &mut Operations) {
    op.drop_table("payments");
    op.drop_table("users");
}
