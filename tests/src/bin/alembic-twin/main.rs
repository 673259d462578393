//! `alembic-twin`: a ten-revision history written with this crate's operations, whose twin in
//! Alembic's form (`tests/fixtures/alembic/versions/`, the same SQL through `op.execute`) the
//! Alembic compatibility test (`tests/tests/alembic_compat.rs`) drives side by side with it.

/// The twin history's chain.
#[derive(capp_schema::Chain, Debug)]
pub struct Twin;

#[path = "versions/0001_create_accounts.rs"]
mod v0001;
#[path = "versions/0002_add_account_kind.rs"]
mod v0002;
#[path = "versions/0003_index_accounts_by_email.rs"]
mod v0003;
#[path = "versions/0004_seed_system_accounts.rs"]
mod v0004;
#[path = "versions/0005_create_payments.rs"]
mod v0005;
#[path = "versions/0006_check_payment_amounts.rs"]
mod v0006;
#[path = "versions/0007_create_balances_view.rs"]
mod v0007;
#[path = "versions/0008_rename_payment_memo.rs"]
mod v0008;
#[path = "versions/0009_add_payment_status.rs"]
mod v0009;
#[path = "versions/0010_unique_payment_reference.rs"]
mod v0010;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    capp_schema::cli::main::<Twin>(capp_schema::cli::Project::default()).await
}
