use capp_schema::{Chain, ColumnType, Operations, downgrade, migration};

#[derive(capp_schema::Chain)]
pub struct Migrations;

#[migration(rev = "0001", down_rev = None, message = "create users")]
fn create_users(op: &mut Operations) {
    op.create_table("users", |t| {
        t.column("id", ColumnType::Uuid);
        t.primary_key(["id"]);
    });
}

#[downgrade(rev = "0001")]
fn drop_users(op: &mut Operations) {
    op.drop_table("users");
}

#[migration(rev = "0002", down_rev = "0001", message = "add email")]
fn add_email(op: &mut Operations) {
    op.add_column("users", "email", ColumnType::Text);
}

#[downgrade(rev = "0002")]
fn drop_email(op: &mut Operations) {
    op.drop_column("users", "email");
}

#[migration(rev = "0003", down_rev = "0002", message = "hash emails", irreversible = "hashing loses the address")]
fn hash_emails(op: &mut Operations) {
    op.execute("UPDATE users SET email = md5(email)");
}

fn main() {
    let chain = Migrations::load().expect("a valid chain");
    let revs: Vec<_> = chain.migrations().iter().map(|m| m.rev()).collect();
    assert_eq!(revs, ["0001", "0002", "0003"]);
    assert_eq!(chain.head().irreversible_reason(), Some("hashing loses the address"));
    assert!(chain.migrations()[1].downgrade().is_some());
}
