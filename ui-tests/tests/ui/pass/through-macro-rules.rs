//! Migrations written by a `macro_rules!` macro: its literal fragments (`$rev:literal`) arrive
//! in invisible groups, which the attributes see through.

use capp_schema::{ColumnType, Operations, downgrade, migration};

#[derive(capp_schema::Chain)]
pub struct Migrations;

macro_rules! add_column {
    ($rev:literal, $down:literal, $name:ident, $undo:ident, $column:literal) => {
        #[migration(rev = $rev, down_rev = $down, message = "add a column")]
        fn $name(op: &mut Operations) {
            op.add_column("accounts", $column, ColumnType::Text);
        }

        #[downgrade(rev = $rev)]
        fn $undo(op: &mut Operations) {
            op.drop_column("accounts", $column);
        }
    };
}

#[migration(rev = "0001", down_rev = None, message = "accounts")]
fn accounts(op: &mut Operations) {
    op.create_table("accounts", |t| {
        t.column("id", ColumnType::BigInt).not_null();
    });
}

#[downgrade(rev = "0001")]
fn no_accounts(op: &mut Operations) {
    op.drop_table("accounts");
}

add_column!("0002", "0001", add_email, drop_email, "email");
add_column!("0003", "0002", add_phone, drop_phone, "phone");

fn main() {
    use capp_schema::Chain;
    assert_eq!(Migrations::load().unwrap().len(), 3);
}
