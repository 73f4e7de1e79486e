//! Starting the backend: the router of both APIs, their specs and manifests, the background
//! worker, on a loopback port by default.

use crate::auth::Limiter;
use crate::db::Db;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub limiter: Arc<Limiter>,
    /// Wakes the worker when work was queued.
    pub wake: Arc<Notify>,
    manifests: Arc<Manifests>,
}

/// How to start the backend.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// One background step per tick.
    pub tick: Duration,
    /// Seed files applied at start (each once per data directory): (contents, origin, directory
    /// its relative paths resolve against).
    pub seeds: Vec<(String, String, PathBuf)>,
    /// Replaces every key's rate limit (requests per window).
    pub rate_limit_override: Option<u32>,
    /// The window each key's rate limit counts in: a minute, as the specs say; tests of
    /// clients that wait out a 429 shorten it.
    pub rate_window: Duration,
}

impl Config {
    /// A loopback server on a free port, with the demo data.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.into(),
            tick: Duration::from_millis(500),
            seeds: vec![(
                crate::seed::DEMO.to_string(),
                "demo.yaml".to_string(),
                PathBuf::from("."),
            )],
            rate_limit_override: None,
            rate_window: Duration::from_secs(60),
        }
    }
}

/// Where local data lives by default: `$XDG_DATA_HOME/mcp-servers/<name>`, else
/// `~/.local/share/mcp-servers/<name>`, else `./.mcp-servers/<name>`.
pub fn default_data_dir(name: &str) -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/share"))
        })
        .unwrap_or_else(|| PathBuf::from(".mcp-servers"));
    base.join("mcp-servers").join(name)
}

/// A running backend; dropping it stops the server and the worker.
pub struct Running {
    pub addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
    worker: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `http://ADDR/inferior`.
    pub fn inferior_url(&self) -> String {
        format!("http://{}/inferior", self.addr)
    }

    /// `http://ADDR/inference`.
    pub fn inference_url(&self) -> String {
        format!("http://{}/inference", self.addr)
    }

    /// Waits for the server (it only ends on an error).
    pub async fn wait(mut self) {
        let _ = (&mut self.server).await;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.server.abort();
        self.worker.abort();
    }
}

/// The live MCP manifests: one in `{data_dir}/manifests/{api}.json` replaces the built-in one,
/// re-read on every request, so a live change needs no rebuild.
struct Manifests {
    dir: PathBuf,
}

fn json(bytes: impl IntoResponse) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        bytes,
    )
        .into_response()
}

impl Manifests {
    fn manifest(&self, api: &str, built_in: &str) -> Response {
        let text =
            std::fs::read_to_string(self.dir.join(format!("{api}.json"))).unwrap_or_else(|_| built_in.to_string());
        json(text)
    }
}

async fn not_found() -> Response {
    crate::error::ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; see {base}/openapi.json",
    )
    .into_response()
}

/// `getMcpManifest` of the Inferior API.
pub async fn inferior_manifest(State(state): State<AppState>) -> Response {
    state.manifests.manifest("inferior", inferior_server::MCP_MANIFEST_JSON)
}

/// `getMcpManifest` of the Catalyst API.
pub async fn inference_manifest(State(state): State<AppState>) -> Response {
    state
        .manifests
        .manifest("inference", inference_server::MCP_MANIFEST_JSON)
}

pub fn router(state: AppState) -> Router {
    let inferior =
        crate::inferior::router().route("/openapi.json", get(|| async { json(inferior_server::OPENAPI_JSON) }));
    let inference =
        crate::inference::router().route("/openapi.json", get(|| async { json(inference_server::OPENAPI_JSON) }));
    Router::new()
        .nest("/inferior", inferior)
        .nest("/inference", inference)
        .fallback(not_found)
        .with_state(state)
}

/// Opens the store and starts serving; returns once the port is bound.
pub async fn start(config: Config) -> Result<Running, String> {
    let db = Db::open(&config.data_dir)?;
    for (text, origin, base_dir) in &config.seeds {
        let seed = crate::seed::parse(text, origin)?;
        if crate::seed::apply(&db, &seed, base_dir)? {
            tracing::info!("applied seed `{}` to {}", seed.name, config.data_dir.display());
        }
    }
    let manifests = Manifests {
        dir: config.data_dir.join("manifests"),
    };
    let state = AppState {
        db: db.clone(),
        limiter: Arc::new(Limiter::new(config.rate_limit_override, config.rate_window)),
        wake: Arc::default(),
        manifests: Arc::new(manifests),
    };
    let wake = state.wake.clone();
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let app = router(state);
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(
            listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            }),
            app,
        )
        .await
        {
            tracing::error!("the backend stopped: {e}");
        }
    });
    let worker = tokio::spawn(crate::worker::run(db, wake, config.tick));
    Ok(Running { addr, server, worker })
}
