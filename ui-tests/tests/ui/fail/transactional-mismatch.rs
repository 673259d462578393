use capp_schema::{NonTransactionalOperations, Operations, downgrade, migration};

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

#[migration(rev = "0002", down_rev = "0001", message = "index emails", transactional = false)]
fn index_emails(op: &mut NonTransactionalOperations) {
    op.execute("CREATE INDEX CONCURRENTLY users_email ON users (email)");
}

// Takes the transactional recorder although its migration is `transactional = false`.
#[downgrade(rev = "0002")]
fn drop_email_index(op: &mut Operations) {
    op.execute("DROP INDEX CONCURRENTLY users_email");
}

#[migration(rev = "0003", down_rev = "0002", message = "wrong recorder for a transactional migration")]
fn transactional(op: &mut NonTransactionalOperations) {
    op.execute("SELECT 1");
}

#[downgrade(rev = "0003")]
fn transactional_down(op: &mut Operations) {
    op.execute("SELECT 1");
}

fn main() {}
