//! `inference-mcp`: the Inference (Catalyst) MCP server (stdio).

use mcp_servers::cli;
use mcp_servers::inference::{self, Config};
use std::process::ExitCode;

const HELP: &str = "\
inference-mcp: the Inference (Catalyst) MCP server — projects, models, datasets, rubrics, evals,
training jobs, deployments, inferences, traces, spans, agents and HALO reports

USAGE:
    inference-mcp [OPTIONS]

Speaks MCP (JSON-RPC) over stdin/stdout, or Streamable HTTP with --http; logs go to stderr.

OPTIONS:
    --local              Run on the embedded local backend (SQLite; no account or network needed),
                         seeded with demo data on first use. Uses INFERENCE_API_KEY if set, else the
                         demo's local key (three projects, default support-bot).
    --data-dir DIR       Where --local keeps its data (default ~/.local/share/mcp-servers/inference-mcp)
    --http ADDR          Serve Streamable HTTP at http://ADDR/mcp instead of stdio (e.g. 127.0.0.1:8080).
                         Every request must carry `Authorization: Bearer <project-api-key>`, which
                         is forwarded to the API for that request alone (401 otherwise)
    --allow-host HOST    Also accept this Host header over HTTP (behind a proxy); repeatable
    --allow-origin URL   Accept browser requests only from the listed origins, such as
                         https://app.example.com; repeatable
    --stateless          HTTP without sessions, so replicas can share one load balancer
    --read-only          Hide tools that change anything
    --toolsets a,b       Only these tool groups: identity, projects, models, datasets, rubrics,
                         evals, training, deployments, inferences, traces, spans, agents, halo
    -h, --help           Show this help
    -V, --version        Show the version

ENVIRONMENT:
    INFERENCE_API_KEY    Project API key (sk-inference-...); a read-only key is the safer default
    INFERENCE_API_URL    API base URL (default https://api.inference.net)
    MCP_HTTP_TIMEOUT     Seconds before an API call is abandoned (default 15)
    RUST_LOG             Log filter for stderr (default warn)
";

#[tokio::main]
async fn main() -> ExitCode {
    cli::main("inference-mcp", HELP, |flags| async move {
        let local = mcp_servers::local::start_if(&flags, "inference-mcp").await?;
        let config = Config::from_env(&flags, local.as_ref().map(|l| l.inference_url()))?;
        let server = inference::server(&config, flags.http.is_some())?;
        mcp_servers::mcp::serve(server, &flags).await
    })
    .await
}
