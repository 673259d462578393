//! `capp-schema`: the commands that need no migration chain (`capp-schema adopt --help`).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    capp_schema::cli::tool_main().await
}
