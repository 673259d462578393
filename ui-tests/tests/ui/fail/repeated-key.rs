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

#[migration(rev = "0002", down_rev = "0001", message = "add email", rev = "0003")]
fn add_email(op: &mut Operations) {
    op.execute("ALTER TABLE users ADD email text");
}

#[downgrade(rev = "0002", chain = crate::Migrations, chain = crate::Migrations)]
fn drop_email(op: &mut Operations) {
    op.drop_column("users", "email");
}

fn main() {}
