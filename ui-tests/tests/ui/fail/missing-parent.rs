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

#[migration(rev = "0003", down_rev = "0002", message = "add phone")]
fn add_phone(op: &mut Operations) {
    op.execute("ALTER TABLE users ADD phone text");
}

#[downgrade(rev = "0003")]
fn drop_phone(op: &mut Operations) {
    op.drop_column("users", "phone");
}

fn main() {}
