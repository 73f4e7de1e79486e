//! `inferior-mcp`: the Inferior MCP server (stdio).

use mcp_servers::cli;
use mcp_servers::inferior::{self, Config};
use std::process::ExitCode;

const HELP: &str = "\
inferior-mcp: the Inferior MCP server — 16 tools, 4 resources, 5 prompts

USAGE:
    inferior-mcp [OPTIONS]

Speaks MCP (JSON-RPC) over stdin/stdout; logs go to stderr.

OPTIONS:
    --local            Run on the embedded local backend (SQLite; no account or network needed),
                       seeded with demo data on first use. Uses INFERIOR_API_KEY if set, else the
                       demo's local key.
    --data-dir DIR     Where --local keeps its data (default ~/.local/share/mcp-servers/inferior-mcp)
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
    cli::init_logging();
    let flags = match cli::parse(std::env::args().skip(1)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("inferior-mcp: {e}");
            return ExitCode::from(2);
        }
    };
    if flags.help {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    if flags.version {
        println!("inferior-mcp {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let result = async {
        let local = if flags.local {
            Some(mcp_servers::local::start("inferior-mcp", flags.data_dir.clone()).await?)
        } else {
            None
        };
        let config = Config::from_env(local.as_ref().map(|l| l.inferior_url()))?;
        let server = inferior::server(&config).await?;
        mcp_servers::mcp::stdio::serve(server).await
    };
    match result.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("inferior-mcp: {e}");
            ExitCode::FAILURE
        }
    }
}
