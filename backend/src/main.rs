//! `backend`: the local implementation of both APIs, standalone.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// The Inferior and Catalyst APIs on a local SQLite store.
///
/// Serves the Inferior API under /inferior and the Catalyst API under /inference; each serves its
/// spec at {base}/openapi.json and its live MCP manifest at {base}/v1/mcp/manifest.json. Logs go
/// to stderr (RUST_LOG, default info).
#[derive(clap::Parser)]
#[command(name = "backend", version)]
struct Args {
    /// Listen address (loopback unless you say otherwise)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    addr: SocketAddr,
    /// Where the store lives [default: ~/.local/share/mcp-servers/backend]
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Seed with FILE instead of the built-in demo (applied once per data directory)
    #[arg(long, value_name = "FILE", conflicts_with = "empty")]
    seed: Option<PathBuf>,
    /// Start without any seed
    #[arg(long)]
    empty: bool,
    /// Background step interval in milliseconds
    #[arg(long, value_name = "N", default_value_t = 500)]
    tick_ms: u64,
    /// Requests per minute for every key, replacing each key's own limit
    #[arg(long, value_name = "N")]
    rate_limit: Option<u32>,
}

fn config(args: Args) -> Result<mcp_local_backend::Config, String> {
    let mut config = mcp_local_backend::Config::new(
        args.data_dir
            .unwrap_or_else(|| mcp_local_backend::default_data_dir("backend")),
    );
    config.addr = args.addr;
    config.tick = std::time::Duration::from_millis(args.tick_ms);
    config.rate_limit_override = args.rate_limit;
    if args.empty {
        config.seeds.clear();
    }
    if let Some(path) = args.seed {
        let text = std::fs::read_to_string(&path).map_err(|e| format!("--seed {}: {e}", path.display()))?;
        let dir = path.parent().map(PathBuf::from).unwrap_or_default();
        config.seeds = vec![(text, path.display().to_string(), dir)];
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let config = match config(<Args as clap::Parser>::parse()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("backend: {e}");
            return ExitCode::from(2);
        }
    };
    match mcp_local_backend::start(config).await {
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
