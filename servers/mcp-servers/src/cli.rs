//! The command line of both binaries, on clap: the flags they share ([`Flags`]), each with its
//! environment fallback where it has one, and help text completed from the generated manifest
//! (tool, resource and prompt counts; the toolsets `--toolsets` accepts), so no count or list in
//! `--help` is typed by hand. Each binary adds its API's own flags (see `inferior::Args`,
//! `inference::Args`).

use clap::builder::{PossibleValuesParser, TypedValueParser};
use mcp_runtime::Api;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Flags both servers take.
#[derive(Debug, Clone, clap::Args)]
pub struct Flags {
    /// Run on the embedded local backend (SQLite; no account or network needed), seeded with demo
    /// data on first use
    #[arg(long)]
    pub local: bool,
    /// Where --local keeps its data (the default is named in `parse`)
    #[arg(long, value_name = "DIR", requires = "local")]
    pub data_dir: Option<PathBuf>,
    /// Serve Streamable HTTP at http://ADDR/mcp instead of stdio, e.g. 127.0.0.1:8080
    #[arg(long, value_name = "ADDR")]
    pub http: Option<SocketAddr>,
    /// Also accept this Host header over HTTP (behind a proxy); repeatable
    #[arg(long = "allow-host", value_name = "HOST", requires = "http")]
    pub allowed_hosts: Vec<String>,
    /// Also accept browser requests from this origin, such as https://app.example.com (on a
    /// loopback bind, loopback origins pass; any other gets 403); repeatable
    #[arg(long = "allow-origin", value_name = "URL", requires = "http")]
    pub allowed_origins: Vec<String>,
    /// HTTP without sessions, so replicas can share one load balancer
    #[arg(long, requires = "http")]
    pub stateless: bool,
    /// Open HTTP sessions allowed at once (past it, a new one gets 503)
    #[arg(long, value_name = "N", default_value = "10000", requires = "http", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_sessions: u32,
    /// Open HTTP sessions allowed at once for one key (past it, a new one gets 429)
    #[arg(long, value_name = "N", default_value = "100", requires = "http", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_sessions_per_key: u32,
    /// Seconds without a request after which an HTTP session closes, giving back its place and
    /// its memory (the client then starts a new one)
    #[arg(long, value_name = "SECONDS", default_value = "300", requires = "http", value_parser = seconds)]
    pub session_idle: Duration,
    /// Hide the tools that change anything
    #[arg(long)]
    pub read_only: bool,
    /// Only the tools of these groups, comma-separated
    #[arg(long, value_name = "GROUPS", value_delimiter = ',')]
    pub toolsets: Vec<String>,
    /// Seconds before an API call is abandoned
    #[arg(long, value_name = "SECONDS", env = "MCP_HTTP_TIMEOUT", default_value = "15", value_parser = seconds)]
    pub timeout: Duration,
    /// Which clients get output schemas and structured results beside the text: auto leaves
    /// them out for hosts that would show the model the structure instead of the text (Claude
    /// Code)
    #[arg(
        long,
        value_name = "WHEN",
        env = "MCP_STRUCTURED_OUTPUT",
        default_value = "auto",
        value_parser = PossibleValuesParser::new(["auto", "always", "never"])
            .map(|s| s.parse::<mcp_runtime::StructuredOutput>().unwrap_or_default()),
    )]
    pub structured_output: mcp_runtime::StructuredOutput,
}

impl Flags {
    /// Which tools to expose (`per_request_key` is the server's to decide).
    pub fn options(&self) -> mcp_runtime::Options {
        mcp_runtime::Options {
            read_only: self.read_only,
            toolsets: self.toolsets.clone(),
            per_request_key: false,
            structured_output: self.structured_output,
        }
    }

    /// The HTTP transport's configuration, when `--http` was given.
    pub fn http_config(&self) -> Option<mcp_runtime::http::HttpConfig> {
        self.http.map(|addr| mcp_runtime::http::HttpConfig {
            addr,
            allowed_hosts: self.allowed_hosts.clone(),
            allowed_origins: self.allowed_origins.clone(),
            stateless: self.stateless,
            shared_key: false,
            session_caps: mcp_runtime::http::Caps {
                total: self.max_sessions as usize,
                per_key: self.max_sessions_per_key as usize,
                idle: self.session_idle,
            },
        })
    }
}

/// A positive number of seconds that a duration can hold.
fn seconds(v: &str) -> Result<Duration, String> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("`{v}` is not a positive number of seconds"))
}

/// Parses a binary's command line (`P`, which flattens [`Flags`]) with its help completed from
/// API `A`'s manifest: `about` gains the counts, `environment` follows the options, and
/// `--toolsets` accepts the manifest's groups only.
pub fn parse<A: Api, P: clap::Parser>(
    about: &str,
    environment: &str,
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
) -> Result<P, clap::Error> {
    let mut toolsets: Vec<&'static str> = A::TOOLS.iter().filter_map(|t| t.toolset).collect();
    toolsets.sort_unstable();
    toolsets.dedup();
    let counts = [
        (A::TOOLS.len(), "tool"),
        (A::RESOURCES.len(), "resource"),
        (A::PROMPT_COUNT, "prompt"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}{}", if n == 1 { "" } else { "s" }))
    .collect::<Vec<_>>()
    .join(", ");
    let mut command = P::command();
    // A variable set to nothing counts as unset: hosts' configurations often carry `"VAR": ""`.
    let blank: Vec<clap::Id> = command
        .get_arguments()
        .filter(|a| {
            a.get_env()
                .and_then(std::env::var_os)
                .is_some_and(|v| v.to_string_lossy().trim().is_empty())
        })
        .map(|a| a.get_id().clone())
        .collect();
    for id in blank {
        command = command.mut_arg(id, |a| a.env(None));
    }
    if let Some(data_dir) = crate::local::default_data_dir(command.get_name()) {
        let data_dir = data_dir.display().to_string();
        let data_dir = match crate::cli::env("HOME") {
            Some(home) => data_dir.replacen(&home, "~", 1),
            None => data_dir,
        };
        command = command.mut_arg("data_dir", |a| {
            a.help(format!("Where --local keeps its data [default: {data_dir}]"))
        });
    }
    let mut matches = command
        .about(format!("{about} ({counts})"))
        .after_help(environment.to_string())
        .mut_arg("toolsets", |a| a.value_parser(PossibleValuesParser::new(toolsets)))
        .try_get_matches_from(args)?;
    P::from_arg_matches_mut(&mut matches)
}

/// A binary's command line: the API's own flags around the shared [`Flags`].
pub trait Command: clap::Parser {
    fn flags(&self) -> &Flags;
}

/// The life of a server binary: logging, the command line (`--help` and `--version` print and
/// exit 0, a usage error exits 2), then `run` on the runtime the transport calls for, whose
/// error is one line on stderr and exit 1.
///
/// stdio serves one client, a request at a time: one thread does all of it (reading stdin,
/// the session, the API call, writing stdout), so a call costs no hand-off between threads, each
/// of which is a futex wake and a context switch (measured: they were most of a call's CPU).
/// HTTP serves many clients at once, on a worker per core.
pub fn main<A, P, F, Fut>(about: &str, environment: &str, run: F) -> ExitCode
where
    A: Api,
    P: Command,
    F: FnOnce(P) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    init_logging();
    let args = match parse::<A, P>(about, environment, std::env::args_os()) {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let runtime = match args.flags().http {
        Some(_) => tokio::runtime::Builder::new_multi_thread().enable_all().build(),
        None => tokio::runtime::Builder::new_current_thread().enable_all().build(),
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{}: cannot start the async runtime: {e}", P::command().get_name());
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", P::command().get_name());
            ExitCode::FAILURE
        }
    }
}

/// Where the live manifest is: `--manifest-url` (or its variable), else the API's own
/// `/v1/mcp/manifest.json`, which is always the one with `--local` (the embedded backend serves
/// it from its data directory).
pub fn manifest_url(flag: Option<&str>, api_url: &str, local: bool) -> String {
    flag.filter(|_| !local)
        .map_or_else(|| format!("{api_url}/v1/mcp/manifest.json"), str::to_string)
}

/// A non-empty environment variable.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// rmcp logs each new session's id at INFO; a session id is a credential for its session, so
/// it is shown at DEBUG only.
const SESSION_LOG: &str = "rmcp::transport::streamable_http_server::session";

/// Logs go to stderr (stdout carries JSON-RPC only), filtered by `RUST_LOG` (default `warn`).
pub fn init_logging() {
    let wanted = env("RUST_LOG").unwrap_or_else(|| "warn".into());
    let mut filter =
        tracing_subscriber::EnvFilter::try_new(&wanted).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let verbose = ["debug", "trace"]
        .iter()
        .any(|level| wanted.to_ascii_lowercase().contains(level));
    if !verbose && let Ok(cap) = format!("{SESSION_LOG}=warn").parse() {
        filter = filter.add_directive(cap);
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}
