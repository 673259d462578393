use capp_schema::{Operations, downgrade, migration};

#[derive(capp_schema::Chain)]
pub struct Migrations;

#[migration(rev = "0001", down_rev = None, message = "create users")]
fn create_users(op: &mut Operations) {
    op.execute("CREATE TABLE users (id uuid)");
}

#[downgrade(rev = "0001")]
fn drop_users(op: &mut Operations) {
    op.drop_table("users");
}

#[migration(rev = "0002", down_rev = "0001", message = "add email")]
fn add_email(op: &mut String) {
    op.push_str("ALTER TABLE users ADD email text");
}

#[downgrade(rev = "0002")]
fn drop_email(op: &mut Operations) {
    op.drop_column("users", "email");
}

fn main() {}
