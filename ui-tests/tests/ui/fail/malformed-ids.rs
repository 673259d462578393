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

#[migration(rev = "00a2", down_rev = "0001", message = "letters")]
fn letters(op: &mut Operations) {
    op.execute("SELECT 1");
}

#[migration(rev = "0000", down_rev = "0001", message = "zero")]
fn zero(op: &mut Operations) {
    op.execute("SELECT 1");
}

#[migration(rev = "", down_rev = "0001", message = "empty")]
fn empty(op: &mut Operations) {
    op.execute("SELECT 1");
}

#[migration(rev = "12345678901234567890", down_rev = "0001", message = "too long")]
fn too_long(op: &mut Operations) {
    op.execute("SELECT 1");
}

#[migration(rev = 2, down_rev = "0001", message = "not a string")]
fn number(op: &mut Operations) {
    op.execute("SELECT 1");
}

#[migration(rev = "0006", down_rev = 1, message = "parent not a string")]
fn parent_number(op: &mut Operations) {
    op.execute("SELECT 1");
}

fn main() {}
