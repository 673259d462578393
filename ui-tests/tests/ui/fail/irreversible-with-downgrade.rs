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

#[migration(
    rev = "0002",
    down_rev = "0001",
    message = "hash emails",
    irreversible = "the original emails are gone"
)]
fn hash_emails(op: &mut Operations) {
    op.execute("UPDATE users SET email = md5(email)");
}

#[downgrade(rev = "0002")]
fn unhash_emails(op: &mut Operations) {
    op.execute("SELECT 1");
}

fn main() {}
