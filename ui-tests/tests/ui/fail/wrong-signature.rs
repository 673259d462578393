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

#[migration(rev = "0002", down_rev = "0001", message = "async")]
async fn is_async(op: &mut Operations) {
    op.execute("SELECT 1");
}

#[migration(rev = "0003", down_rev = "0002", message = "two arguments")]
fn two_arguments(op: &mut Operations, extra: u32) {
    op.execute("SELECT 1");
}

#[migration(rev = "0004", down_rev = "0003", message = "returns")]
fn returns(op: &mut Operations) -> Result<(), String> {
    op.execute("SELECT 1");
    Ok(())
}

#[migration(rev = "0005", down_rev = "0004", message = "by value")]
fn by_value(op: Operations) {
    let _ = op;
}

#[migration(rev = "0006", down_rev = "0005", message = "generic")]
fn generic<T>(op: &mut Operations) {
    op.execute("SELECT 1");
}

#[downgrade(rev = "0001")]
fn no_arguments() {}

fn main() {}
