//! `backend`: the local implementation of both APIs, standalone.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

const HELP: &str = "\
backend: the Inferior and Catalyst APIs on a local SQLite store

USAGE:
    cargo run -p backend -- [OPTIONS]

OPTIONS:
    --addr ADDR        Listen address (default 127.0.0.1:8787; loopback unless you say otherwise)
    --data-dir DIR     Where the store lives (default ~/.local/share/mcp-servers/backend)
    --seed FILE        Seed with FILE instead of the built-in demo (applied once per data dir)
    --empty            Start without any seed
    --tick-ms N        Background step interval (default 500)
    --rate-limit N     Requests per minute for every key, replacing each key's own limit
    -h, --help         Show this help

Serves the Inferior API under /inferior and the Catalyst API under /inference; each serves its
spec at {base}/openapi.json and its live MCP manifest at {base}/v1/mcp/manifest.json.
Logs go to stderr (RUST_LOG, default info).
";

fn parse() -> Result<Option<backend::Config>, String> {
    let mut config = backend::Config::new(backend::default_data_dir("backend"));
    config.addr = SocketAddr::from(([127, 0, 0, 1], 8787));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |what: &str| args.next().ok_or_else(|| format!("{arg} needs {what}"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--addr" => config.addr = value("an address")?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--data-dir" => config.data_dir = PathBuf::from(value("a directory")?),
            "--seed" => {
                let path = PathBuf::from(value("a file")?);
                let text = std::fs::read_to_string(&path).map_err(|e| format!("--seed {}: {e}", path.display()))?;
                let dir = path.parent().map(PathBuf::from).unwrap_or_default();
                config.seeds = vec![(text, path.display().to_string(), dir)];
            }
            "--empty" => config.seeds.clear(),
            "--rate-limit" => {
                config.rate_limit_override = Some(
                    value("requests per minute")?
                        .parse()
                        .map_err(|e| format!("--rate-limit: {e}"))?,
                )
            }
            "--tick-ms" => {
                config.tick = std::time::Duration::from_millis(
                    value("milliseconds")?.parse().map_err(|e| format!("--tick-ms: {e}"))?,
                )
            }
            other => return Err(format!("unknown argument `{other}` (see --help)")),
        }
    }
    Ok(Some(config))
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let config = match parse() {
        Ok(Some(c)) => c,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("backend: {e}");
            return ExitCode::from(2);
        }
    };
    match backend::start(config).await {
        Ok(running) => {
            eprintln!(
                "backend: listening on http://{} (Inferior at /inferior, Catalyst at /inference)",
                running.addr
            );
            tokio::select! {
                _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
                _ = running.wait() => ExitCode::FAILURE,
            }
        }
        Err(e) => {
            eprintln!("backend: {e}");
            ExitCode::FAILURE
        }
    }
}
