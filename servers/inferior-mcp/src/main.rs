//! `inferior-mcp`: the Inferior MCP server, over stdio or Streamable HTTP (`--http`).

use mcp_servers::inferior::{self, Args, Config, Inferior};
use std::process::ExitCode;

fn main() -> ExitCode {
    mcp_servers::cli::main::<Inferior, Args, _, _>(inferior::ABOUT, inferior::ENVIRONMENT, |args| async move {
        let local = mcp_servers::local::start_if(&args.flags, "inferior-mcp").await?;
        let config = Config::new(&args, local.as_ref().map(|l| l.inferior_url()));
        let server = inferior::server(&config, args.flags.http.is_some()).await?;
        let http = args.flags.http_config().map(|http| mcp_runtime::http::HttpConfig {
            shared_key: args.shared_key,
            ..http
        });
        mcp_runtime::serve(server, http).await
    })
}
