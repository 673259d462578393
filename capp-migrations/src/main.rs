//! `capp-migrate`: CAPP's migration command (`capp-migrate --help`).

use capp_schema::cli::Project;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    capp_schema::cli::main::<capp_migrations::Migrations>(Project {
        versions_dir: Some(capp_migrations::VERSIONS_DIR),
        models: Some(capp_migrations::models::all),
    })
    .await
}
