//! `capp-migrate`: CAPP's migration command (`capp-migrate --help`).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    capp_schema::cli::main_with_models::<capp_migrations::Migrations>(
        capp_migrations::models::tables,
    )
    .await
}
