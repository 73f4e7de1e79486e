//! The Inference (Catalyst) API binding: its generated wrappers as an [`Api`], project resolution
//! from the key, and the server's configuration.

use crate::handlers::inference::{self as halo, Hooks};
use inference_tools as tools;
use mcp_runtime::tasks::{Started, TaskState};
use mcp_runtime::{Api, Ctx, JsonObject, ResourceSpec, ServerSpec, ToolError, ToolSpec};

/// The Inference MCP server's API.
pub struct Inference;

impl Api for Inference {
    type Client = inference_sdk::Client;
    const SERVER: ServerSpec = tools::SERVER;
    const TOOLS: &'static [ToolSpec<Self::Client>] = tools::Tools::<Hooks>::ALL;
    const RESOURCES: &'static [ResourceSpec] = tools::RESOURCES;
    const MANIFEST: &'static str = tools::MANIFEST;
    const PROMPT_COUNT: usize = tools::PROMPT_COUNT;

    fn with_key(client: &Self::Client, key: &str) -> Result<Self::Client, String> {
        client.with_api_key(key).map_err(|e| e.to_string())
    }

    async fn check_key(client: &Self::Client) -> Option<bool> {
        mcp_runtime::http::key_verdict(client.whoami().send().await.map(|_| ()))
    }

    const UNAUTHORIZED: &'static str = "check that INFERENCE_API_KEY (over HTTP: the header `Authorization: Bearer <your-project-api-key>`) holds a project API key, which starts with `sk-inference-`";

    async fn read_resource(ctx: &Ctx<Self::Client>, uri: &str) -> Option<Result<String, ToolError>> {
        tools::read_resource::<Hooks>(ctx, uri).await
    }

    /// The prompts' `agent`: the names of the default project's agents whose name or id starts
    /// with what the user typed (either works as the argument).
    const COMPLETES: &'static [&'static str] = &["agent"];

    async fn complete(ctx: &Ctx<Self::Client>, _argument: &str, prefix: &str) -> Result<Vec<String>, ToolError> {
        let Some(project) = whoami(ctx).await?.default_project_id else {
            return Ok(Vec::new());
        };
        let prefix = prefix.to_lowercase();
        let mut names: Vec<String> = project_agents(ctx, &project)
            .await?
            .into_iter()
            .filter(|agent| {
                [&agent.name, &agent.id]
                    .iter()
                    .any(|v| v.to_lowercase().starts_with(&prefix))
            })
            .map(|agent| agent.name)
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// A key without the `write` scope on the project is told so before the user is asked to
    /// confirm a change it could not make (the words of the API's own 403).
    async fn may_change(ctx: &Ctx<Self::Client>, arguments: &JsonObject) -> Result<(), ToolError> {
        let project = resolve_project(ctx, arguments.get("project").and_then(|p| p.as_str())).await?;
        let who = whoami(ctx).await?;
        let scopes = who
            .projects
            .iter()
            .find(|p| p.id == project)
            .map_or(&[][..], |p| p.scopes.as_slice());
        if scopes.contains(&inference_sdk::types::Scope::Write) {
            return Ok(());
        }
        Err(ToolError::Forbidden {
            message: String::new(),
            required: Some("write".into()),
            actual: Some(if scopes.is_empty() {
                "none".into()
            } else {
                scopes.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            }),
        })
    }

    /// A HALO run outlives any one request: a client that supports tasks gets one at once.
    const TASKS: &'static [&'static str] = &["run_halo", "create_halo_run"];

    async fn start_task(ctx: &Ctx<Self::Client>, tool: &str, arguments: JsonObject) -> Result<Started, ToolError> {
        if tool == "create_halo_run" {
            halo::create_halo_task(ctx, arguments).await
        } else {
            halo::start_halo_task(ctx, arguments).await
        }
    }

    async fn task(ctx: &Ctx<Self::Client>, id: &str) -> Result<TaskState, ToolError> {
        halo::halo_task(ctx, id).await
    }

    async fn cancel_task(ctx: &Ctx<Self::Client>, id: &str) -> Result<(), ToolError> {
        halo::cancel_halo_task(ctx, id).await
    }
}

/// The project's agents (the first 100, the most a page holds), for resolving or completing
/// an agent the user names.
pub async fn project_agents(
    ctx: &Ctx<inference_sdk::Client>,
    project: &str,
) -> Result<Vec<inference_sdk::types::Agent>, ToolError> {
    Ok(ctx
        .client()
        .list_agents()
        .project_id(project)
        .limit(100u32)
        .send()
        .await?
        .into_inner()
        .items)
}

/// Whether a HALO run has yet to end.
pub fn in_flight(status: inference_sdk::types::HaloRunStatus) -> bool {
    use inference_sdk::types::HaloRunStatus::{Exporting, Queued, Running};
    matches!(status, Queued | Exporting | Running)
}

/// How long a key's `whoami` is reused for project resolution.
const WHOAMI_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// Recent `whoami` answers by caller scope (a hash of the key, never the key).
static WHOAMI: std::sync::LazyLock<mcp_runtime::TtlCache<u64, inference_sdk::types::WhoAmI>> =
    std::sync::LazyLock::new(|| mcp_runtime::TtlCache::new(10_000));

/// The key's identity, reused for [`WHOAMI_TTL`] (project resolution needs it on every call).
async fn whoami(ctx: &Ctx<inference_sdk::Client>) -> Result<inference_sdk::types::WhoAmI, ToolError> {
    let scope = ctx.scope();
    if scope != 0
        && let Some(who) = WHOAMI.get(&scope)
    {
        return Ok(who);
    }
    let who = ctx.client().whoami().send().await?.into_inner();
    if scope != 0 {
        WHOAMI.insert(scope, who.clone(), WHOAMI_TTL);
    }
    Ok(who)
}

/// Resolves an optional project (id or name) against the key's scope: the named project if
/// the key reaches it, else the key's only project, else its default.
pub async fn resolve_project(ctx: &Ctx<inference_sdk::Client>, project: Option<&str>) -> Result<String, ToolError> {
    let whoami = whoami(ctx).await?;
    let names = || {
        whoami
            .projects
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match project.map(str::trim).filter(|p| !p.is_empty()) {
            Some(wanted) => whoami
                .projects
                .iter()
                .find(|p| p.id == wanted || p.name.eq_ignore_ascii_case(wanted))
                .map(|p| p.id.clone())
                .ok_or_else(|| ToolError::Refused(format!("Project not found — `{wanted}` is outside this key's scope (it reaches: {}); use a key scoped to that project", names()))),
            None => match (whoami.projects.as_slice(), &whoami.default_project_id) {
                ([only], _) => Ok(only.id.clone()),
                (_, Some(default)) => Ok(default.clone()),
                ([], None) => Err(ToolError::Refused("Project ID is required — this key reaches no project; use a key scoped to a project".into())),
                (many, None) => Err(ToolError::Refused(format!(
                    "Project ID is required — this key reaches {} projects and has no default; name one of: {}",
                    many.len(),
                    names()
                ))),
            },
        }
}

/// The command line of `inference-mcp`.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "inference-mcp", version = tools::SERVER.version)]
pub struct Args {
    #[command(flatten)]
    pub flags: crate::cli::Flags,
    /// The API's base URL
    #[arg(long, value_name = "URL", env = "INFERENCE_API_URL", default_value = DEFAULT_API_URL)]
    pub api_url: String,
    /// The live manifest, fetched once at start (3 s, no auth; the embedded copy when it fails)
    /// [default: <api-url>/v1/mcp/manifest.json]
    #[arg(long, value_name = "URL", env = "INFERENCE_MCP_MANIFEST_URL")]
    pub manifest_url: Option<String>,
}

impl crate::cli::Command for Args {
    fn flags(&self) -> &crate::cli::Flags {
        &self.flags
    }
}

/// What `--help` says of the server; the counts are added from the manifest.
pub const ABOUT: &str = "inference-mcp: the Inference (Catalyst) MCP server for projects, models, datasets, \
rubrics, evals, training jobs, deployments, inferences, traces, spans, agents and HALO reports. Speaks MCP \
(JSON-RPC) over stdin/stdout, or Streamable HTTP with --http; logs go to stderr";

/// The environment `--help` lists after the options.
pub const ENVIRONMENT: &str = "\
Environment:
  INFERENCE_API_KEY  Project API key (sk-inference-...); a read-only key is the safer default. With
                     --local, the demo's local key (three projects, default support-bot) is the
                     default. Over HTTP every request must carry `Authorization: Bearer <key>`,
                     which is forwarded to the API for that request alone (401 otherwise)
  RUST_LOG           Log filter for stderr (default warn)";

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
pub const DEFAULT_API_URL: &str = "https://api.inference.net";

impl Config {
    /// From the command line and `INFERENCE_API_KEY`; `local_url` (the embedded backend's, with
    /// `--local`) replaces the API and manifest URLs and supplies the local key when
    /// `INFERENCE_API_KEY` is unset.
    pub fn new(args: &Args, local_url: Option<String>) -> Self {
        let api_key = crate::cli::env("INFERENCE_API_KEY")
            .or_else(|| local_url.as_ref().map(|_| crate::local::INFERENCE_KEY.to_string()));
        let local = local_url.is_some();
        let api_url = local_url
            .unwrap_or_else(|| args.api_url.clone())
            .trim_end_matches('/')
            .to_string();
        Self {
            manifest_url: crate::cli::manifest_url(args.manifest_url.as_deref(), &api_url, local),
            api_url,
            api_key,
            timeout: args.flags.timeout,
            options: args.flags.options(),
        }
    }
}

/// Builds the server: the configured key's client (over HTTP, each request's key replaces it),
/// and the live manifest (or the embedded one, with a warning on stderr).
pub async fn server(config: &Config, per_request_key: bool) -> Result<mcp_runtime::Server<Inference>, String> {
    // A tool answers a throttled or failed call at once, with the wait the API asks for in its
    // text: the host decides whether to wait, rather than a tool that sleeps through its turn.
    let mut client = inference_sdk::ClientConfig::new(&config.api_url)
        .retry(inference_sdk::Retry::OFF)
        .user_agent(format!("inference-mcp/{}", tools::SERVER.version));
    if let Some(key) = &config.api_key {
        client = client.api_key(key);
    }
    // Its timeout bounds each request; root certificates load on the first TLS handshake.
    let http = mcp_runtime::http_client(config.timeout)?;
    let client = client
        .build_with(http)
        .map_err(|e| format!("cannot configure the API client: {e}"))?;
    let manifest = mcp_runtime::Server::<Inference>::live_manifest(
        inference_sdk::ClientInfo::client(&client),
        &config.manifest_url,
    )
    .await;
    let workdir = std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let ctx = match &config.api_key {
        Some(key) => Ctx::new(client, workdir).with_scope(key),
        None => Ctx::new(client, workdir),
    };
    Ok(mcp_runtime::Server::new(
        ctx,
        manifest,
        mcp_runtime::Options {
            per_request_key,
            ..config.options.clone()
        },
    ))
}
