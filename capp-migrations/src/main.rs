//! `capp-migrate`: CAPP's migration command (`capp-migrate --help`).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    capp_schema::cli::main::<capp_migrations::Migrations>().await
}
