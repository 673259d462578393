use capp_schema::{Chain, NonTransactionalOperations, Operations, downgrade, migration};

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

#[downgrade(rev = "0002")]
fn drop_email_index(op: &mut NonTransactionalOperations) {
    op.execute("DROP INDEX CONCURRENTLY users_email");
}

fn main() {
    let chain = Migrations::load().expect("a valid chain");
    let m = &chain.migrations()[1];
    assert!(!m.is_transactional());
    assert!(!m.upgrade().transactional);
    assert!(!m.downgrade().expect("reversible").transactional);
    assert!(chain.migrations()[0].is_transactional());
}
