use capp_schema::{ColumnType, Operations, downgrade, migration};

// The baseline must be a revision id.
#[derive(capp_schema::Chain)]
#[chain(lint_from = "first")]
pub struct Migrations;

// A rule the lint does not know, and an allow without a reason.
#[migration(
    rev = "0001",
    down_rev = None,
    message = "drop a column",
    allow_lint(ban_drop_colum = "typo of ban_drop_column", changing_column_type = "")
)]
fn drop_legacy(op: &mut Operations) {
    op.drop_column("accounts", "legacy");
}

#[downgrade(rev = "0001")]
fn restore_legacy(op: &mut Operations) {
    op.add_column("accounts", "legacy", ColumnType::Text);
}

fn main() {}
