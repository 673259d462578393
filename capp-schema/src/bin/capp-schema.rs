//! `capp-schema`: the commands that need no compiled migration chain (`capp-schema adopt --help`,
//! `capp-schema rebase --help`).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    capp_schema::cli::tool_main().await
}
