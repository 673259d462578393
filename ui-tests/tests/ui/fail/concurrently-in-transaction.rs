use capp_schema::{Operations, downgrade, migration};

#[derive(capp_schema::Chain)]
pub struct Migrations;

#[migration(rev = "0001", down_rev = None, message = "create users")]
fn create_users(op: &mut Operations) {
    op.execute("CREATE TABLE users (id uuid, email text)");
}

#[downgrade(rev = "0001")]
fn drop_users(op: &mut Operations) {
    op.drop_table("users");
}

// CREATE INDEX CONCURRENTLY cannot run inside a transaction: it exists only on the recorder of
// `transactional = false` migrations.
#[migration(rev = "0002", down_rev = "0001", message = "index emails")]
fn index_emails(op: &mut Operations) {
    op.create_index_concurrently("ix_users_email", "users", ["email"]);
}

#[downgrade(rev = "0002")]
fn drop_email_index(op: &mut Operations) {
    op.drop_index("ix_users_email");
}

fn main() {}
