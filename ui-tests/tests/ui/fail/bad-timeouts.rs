use capp_schema::{NonTransactionalOperations, Operations, downgrade, migration};

#[derive(capp_schema::Chain)]
pub struct Migrations;

#[migration(
    rev = "0001",
    down_rev = None,
    message = "create users",
    lock_timeout = "2 seconds",
    statement_timeout = "0s",
    lock_retry_budget = 30
)]
fn create_users(op: &mut Operations) {
    op.execute("CREATE TABLE users (id uuid)");
}

#[downgrade(rev = "0001")]
fn drop_users(op: &mut Operations) {
    op.drop_table("users");
}

#[migration(
    rev = "0002",
    down_rev = "0001",
    message = "index users",
    transactional = false,
    lock_timeout = "2s"
)]
fn index_users(op: &mut NonTransactionalOperations) {
    op.create_index_concurrently("ix_users_id", "users", ["id"]);
}

#[downgrade(rev = "0002")]
fn unindex_users(op: &mut NonTransactionalOperations) {
    op.drop_index_concurrently("ix_users_id");
}

fn main() {}
