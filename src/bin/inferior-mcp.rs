//! `inferior-mcp`: the Inferior MCP server (stdio).

use mcp_servers::cli;
use mcp_servers::inferior::{self, Config};
use std::process::ExitCode;

const HELP: &str = "\
inferior-mcp: the Inferior MCP server — 16 tools, 4 resources, 5 prompts

USAGE:
    inferior-mcp [OPTIONS]

Speaks MCP (JSON-RPC) over stdin/stdout, or Streamable HTTP with --http; logs go to stderr.

OPTIONS:
    --local            Run on the embedded local backend (SQLite; no account or network needed),
                       seeded with demo data on first use. Uses INFERIOR_API_KEY if set, else the
                       demo's local key.
    --data-dir DIR     Where --local keeps its data (default ~/.local/share/mcp-servers/inferior-mcp)
    --http ADDR        Serve Streamable HTTP at http://ADDR/mcp instead of stdio (e.g. 127.0.0.1:8080);
                       a request's `Authorization: Bearer <key>` replaces INFERIOR_API_KEY for it
    --allow-host HOST  Also accept this Host header over HTTP (behind a proxy); repeatable
    --allow-origin URL Accept browser requests only from the listed origins, such as
                       https://app.example.com; repeatable
    --stateless        HTTP without sessions, so replicas can share one load balancer
    -h, --help         Show this help
    -V, --version      Show the version

ENVIRONMENT:
    INFERIOR_API_KEY            API key (cw_full_..., cw_dep_..., cw_read_..., cw_search_...).
                                Without it the server still starts: network tools answer
                                `ERROR: authentication failed`, the six local gates work.
    INFERIOR_API_URL            API base URL (default https://api.inferior.ai)
    MCP_HTTP_TIMEOUT            Seconds before an API call is abandoned (default 15)
    INFERIOR_MCP_MANIFEST_URL   Live manifest URL (default {INFERIOR_API_URL}/v1/mcp/manifest.json);
                                fetched once at start (3 s, no auth), embedded copy on failure
    RUST_LOG                    Log filter for stderr (default warn)
";

#[tokio::main]
async fn main() -> ExitCode {
    cli::main("inferior-mcp", HELP, |flags| async move {
        let local = mcp_servers::local::start_if(&flags, "inferior-mcp").await?;
        let config = Config::from_env(local.as_ref().map(|l| l.inferior_url()))?;
        let server = inferior::server(&config, flags.http.is_some()).await?;
        mcp_servers::mcp::serve(server, &flags).await
    })
    .await
}
