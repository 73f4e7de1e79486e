//! The Inferior API binding: its generated tools (with this crate's hooks) as an [`Api`], and
//! the server's configuration.

use crate::handlers::inferior::Hooks;
use inferior_tools as tools;
use mcp_runtime::{Api, Ctx, ResourceSpec, ServerSpec, ToolError, ToolSpec};

/// The Inferior MCP server's API.
pub struct Inferior;

impl Api for Inferior {
    type Client = inferior_sdk::Client;
    const SERVER: ServerSpec = tools::SERVER;
    const TOOLS: &'static [ToolSpec<Self::Client>] = tools::Tools::<Hooks>::ALL;
    const RESOURCES: &'static [ResourceSpec] = tools::RESOURCES;
    const MANIFEST: &'static str = tools::MANIFEST;
    const PROMPT_COUNT: usize = tools::PROMPT_COUNT;
    const UNAUTHORIZED: &'static str =
        "invalid or missing INFERIOR_API_KEY (over HTTP: the header `Authorization: Bearer <your-api-key>`)";

    fn with_key(client: &Self::Client, key: &str) -> Result<Self::Client, String> {
        client.with_api_key(key).map_err(|e| e.to_string())
    }

    async fn check_key(client: &Self::Client) -> Option<bool> {
        mcp_runtime::http::key_verdict(client.get_my_profile().send().await.map(|_| ()))
    }

    async fn read_resource(ctx: &Ctx<Self::Client>, uri: &str) -> Option<Result<String, ToolError>> {
        tools::read_resource::<Hooks>(ctx, uri).await
    }
}

/// The command line of `inferior-mcp`.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "inferior-mcp", version = tools::SERVER.version)]
pub struct Args {
    #[command(flatten)]
    pub flags: crate::cli::Flags,
    /// The API's base URL
    #[arg(long, value_name = "URL", env = "INFERIOR_API_URL", default_value = DEFAULT_API_URL)]
    pub api_url: String,
    /// The live manifest, fetched once at start (3 s, no auth; the embedded copy when it fails)
    /// [default: <api-url>/v1/mcp/manifest.json]
    #[arg(long, value_name = "URL", env = "INFERIOR_MCP_MANIFEST_URL")]
    pub manifest_url: Option<String>,
    /// Over HTTP, run requests that carry no key with INFERIOR_API_KEY (a loopback bind only:
    /// every caller then acts as you)
    #[arg(long, requires = "http")]
    pub shared_key: bool,
}

impl crate::cli::Command for Args {
    fn flags(&self) -> &crate::cli::Flags {
        &self.flags
    }
}

/// What `--help` says of the server; the counts are added from the manifest.
pub const ABOUT: &str = "inferior-mcp: the Inferior MCP server. Speaks MCP (JSON-RPC) over stdin/stdout, or \
Streamable HTTP with --http; logs go to stderr";

/// The environment `--help` lists after the options.
pub const ENVIRONMENT: &str = "\
Environment:
  INFERIOR_API_KEY  API key (cw_full_..., cw_dep_..., cw_read_..., cw_search_...). Without it the
                    server still starts: network tools answer `ERROR: authentication failed`, the
                    six local gates work. With --local, the demo's local key is the default. Over
                    HTTP every request must carry `Authorization: Bearer <key>`, used for that
                    request alone (401 otherwise); --shared-key lets keyless requests use this one
  RUST_LOG          Log filter for stderr (default warn)";

/// The server's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub api_url: String,
    pub api_key: Option<String>,
    pub timeout: std::time::Duration,
    pub manifest_url: String,
    pub options: mcp_runtime::Options,
}

/// The documented default API.
pub const DEFAULT_API_URL: &str = "https://api.inferior.ai";

impl Config {
    /// From the command line and `INFERIOR_API_KEY`; `local_url` (the embedded backend's, with
    /// `--local`) replaces the API and manifest URLs and supplies the local key when
    /// `INFERIOR_API_KEY` is unset.
    pub fn new(args: &Args, local_url: Option<String>) -> Self {
        let api_url = local_url
            .clone()
            .unwrap_or_else(|| args.api_url.clone())
            .trim_end_matches('/')
            .to_string();
        let manifest_url = crate::cli::manifest_url(args.manifest_url.as_deref(), &api_url, local_url.is_some());
        let api_key =
            crate::cli::env("INFERIOR_API_KEY").or_else(|| local_url.map(|_| crate::local::INFERIOR_KEY.to_string()));
        Self {
            api_url,
            api_key,
            timeout: args.flags.timeout,
            manifest_url,
            options: args.flags.options(),
        }
    }
}

/// Builds the server: the API client, and the live manifest (or the embedded one, with a
/// warning on stderr).
pub async fn server(config: &Config, per_request_key: bool) -> Result<mcp_runtime::Server<Inferior>, String> {
    // A tool answers a throttled or failed call at once, with the wait the API asks for in its
    // text: the host decides whether to wait, rather than a tool that sleeps through its turn.
    let mut client = inferior_sdk::ClientConfig::new(&config.api_url)
        .retry(inferior_sdk::Retry::OFF)
        .user_agent(format!("inferior-mcp/{}", tools::SERVER.version));
    if let Some(key) = &config.api_key {
        client = client.api_key(key);
    }
    // Its timeout bounds each request; root certificates load on the first TLS handshake.
    let http = mcp_runtime::http_client(config.timeout)?;
    let client = client
        .build_with(http)
        .map_err(|e| format!("cannot configure the API client: {e}"))?;
    let manifest =
        mcp_runtime::Server::<Inferior>::live_manifest(inferior_sdk::ClientInfo::client(&client), &config.manifest_url)
            .await;
    let workdir = std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    Ok(mcp_runtime::Server::new(
        Ctx::new(client, workdir),
        manifest,
        mcp_runtime::Options {
            per_request_key,
            ..config.options.clone()
        },
    ))
}
