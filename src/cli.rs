//! Command-line and environment configuration shared by both binaries.

use std::path::PathBuf;
use std::time::Duration;

/// Flags both servers take.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub help: bool,
    pub version: bool,
    /// Run on the embedded local backend.
    pub local: bool,
    pub data_dir: Option<PathBuf>,
    /// Serve Streamable HTTP on this address instead of stdio.
    pub http: Option<String>,
    pub read_only: bool,
    pub toolsets: Vec<String>,
    /// Further Host values accepted over HTTP (behind a proxy).
    pub allowed_hosts: Vec<String>,
    /// Browser origins accepted over HTTP; when any is given, other origins are refused.
    pub allowed_origins: Vec<String>,
    /// No MCP sessions over HTTP: any replica can answer any request.
    pub stateless: bool,
}

/// Parses flags; an unknown flag or a missing value is an error naming it.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Flags, String> {
    let mut flags = Flags::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs {what}"))
        };
        match name.as_str() {
            "-h" | "--help" => flags.help = true,
            "-V" | "--version" => flags.version = true,
            "--local" => flags.local = true,
            "--data-dir" => flags.data_dir = Some(value("a directory")?.into()),
            "--http" => flags.http = Some(value("an address such as 127.0.0.1:8080")?),
            "--allow-host" => flags.allowed_hosts.push(value("a host name")?),
            "--allow-origin" => flags
                .allowed_origins
                .push(value("an origin such as https://app.example.com")?),
            "--stateless" => flags.stateless = true,
            "--read-only" => flags.read_only = true,
            "--toolsets" => {
                flags.toolsets = value("a comma-separated list")?
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            }
            other => return Err(format!("unknown argument `{other}` (see --help)")),
        }
    }
    Ok(flags)
}

/// The life of a server binary: logging, flags, `--help` and `--version`, then `run`. Any error
/// is one line on stderr and a failing exit code (2 for bad flags).
pub async fn main<F, Fut>(name: &str, help: &str, run: F) -> std::process::ExitCode
where
    F: FnOnce(Flags) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    init_logging();
    let flags = match parse(std::env::args().skip(1)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{name}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    if flags.help {
        print!("{help}");
        return std::process::ExitCode::SUCCESS;
    }
    if flags.version {
        println!("{name} {}", env!("CARGO_PKG_VERSION"));
        return std::process::ExitCode::SUCCESS;
    }
    match run(flags).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The HTTP transport's configuration, when `--http` was given. `--allow-host` and
/// `--stateless` only make sense with it.
pub fn http_config(flags: &Flags) -> Result<Option<crate::mcp::http::HttpConfig>, String> {
    let Some(addr) = &flags.http else {
        if flags.stateless || !flags.allowed_hosts.is_empty() || !flags.allowed_origins.is_empty() {
            return Err("--allow-host, --allow-origin and --stateless apply to --http only".into());
        }
        return Ok(None);
    };
    let addr = addr
        .parse()
        .map_err(|_| format!("--http: `{addr}` is not an address such as 127.0.0.1:8080"))?;
    Ok(Some(crate::mcp::http::HttpConfig {
        addr,
        allowed_hosts: flags.allowed_hosts.clone(),
        allowed_origins: flags.allowed_origins.clone(),
        stateless: flags.stateless,
    }))
}

/// `MCP_HTTP_TIMEOUT` (seconds, default 15).
pub fn timeout() -> Result<Duration, String> {
    match std::env::var("MCP_HTTP_TIMEOUT") {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| *s > 0.0 && s.is_finite())
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("MCP_HTTP_TIMEOUT must be a positive number of seconds, got `{v}`")),
        _ => Ok(Duration::from_secs(15)),
    }
}

/// A non-empty environment variable.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Logs go to stderr (stdout carries JSON-RPC only), filtered by `RUST_LOG` (default `warn`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Flags, String> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags_parse_with_and_without_equals() {
        let f = p(&[
            "--local",
            "--data-dir",
            "/tmp/x",
            "--toolsets=halo,traces",
            "--read-only",
        ])
        .unwrap();
        assert!(f.local && f.read_only);
        assert_eq!(f.data_dir, Some(PathBuf::from("/tmp/x")));
        assert_eq!(f.toolsets, ["halo", "traces"]);
        assert_eq!(
            p(&["--http"]).unwrap_err(),
            "--http needs an address such as 127.0.0.1:8080"
        );
        assert_eq!(p(&["--bogus"]).unwrap_err(), "unknown argument `--bogus` (see --help)");
    }
}
