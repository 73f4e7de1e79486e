//! `inference-mcp`: the Inference (Catalyst) MCP server, over stdio or Streamable HTTP (`--http`).

use mcp_servers::inference::{self, Args, Config, Inference};
use std::process::ExitCode;

fn main() -> ExitCode {
    mcp_servers::cli::main::<Inference, Args, _, _>(inference::ABOUT, inference::ENVIRONMENT, |args| async move {
        let local = mcp_servers::local::start_if(&args.flags, "inference-mcp").await?;
        let config = Config::new(&args, local.as_ref().map(|l| l.inference_url()));
        let server = inference::server(&config, args.flags.http.is_some()).await?;
        mcp_runtime::serve(server, args.flags.http_config()).await
    })
}
