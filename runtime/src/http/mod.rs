//! Streamable HTTP at `/mcp` for a team: loopback by default, `Host` checked against an
//! allow-list, browser `Origin`s checked ([`origin`]), and every request authenticated with its
//! own bearer key, which is forwarded to the API for that request alone; a session answers only
//! the key that opened it ([`sessions`]).
//!
//! A request without a well-formed `Authorization: Bearer <key>` gets HTTP 401 with
//! `WWW-Authenticate: Bearer error="invalid_token", error_description="..."` and a JSON-RPC
//! error saying which key to send; a key the API rejects gets 401 too (checked once, then cached for
//! a minute by a hash of the key, so the key itself is never stored or logged). The OAuth
//! discovery paths answer 404 with the same advice, so a client that probes them shows it
//! instead of starting an OAuth flow this server does not offer.

mod jsonrpc;
mod memory;
mod origin;
mod sessions;

pub use sessions::Caps;

use super::{Api, Server, TtlCache, key_hash};
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How to serve.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub addr: SocketAddr,
    /// Host values accepted besides loopback (a proxy's public name, with or without a port).
    pub allowed_hosts: Vec<String>,
    /// Browser origins accepted (`https://app.example.com`); when any is given, a request with
    /// another `Origin` is refused.
    pub allowed_origins: Vec<String>,
    /// No sessions: every request stands alone, so replicas need no affinity.
    pub stateless: bool,
    /// Requests without a key run with the server's own key: one user's loopback server only.
    /// Otherwise every request must carry `Authorization: Bearer <key>`.
    pub shared_key: bool,
    /// Open sessions allowed at once, in total and per key, and their idle time.
    pub session_caps: sessions::Caps,
}

/// The bearer key of a request, if it carries a well-formed one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty() && !key.contains(char::is_whitespace)).then_some(key)
}

/// What an authenticated call says of its key: valid, rejected (401), or unknown (no answer).
pub fn key_verdict<E>(result: Result<(), progenitor_client::Error<E>>) -> Option<bool> {
    match result {
        Ok(()) => Some(true),
        Err(e) => e.status().map(|s| s.as_u16() != 401),
    }
}

/// How long a key the API accepted (or rejected) is remembered.
const KEY_CHECK_TTL: Duration = Duration::from_secs(60);
/// At most this many remembered keys.
const KEY_CHECK_CAPACITY: usize = 10_000;

/// Validity of recently seen keys, by [`key_hash`].
struct KeyChecks<A: Api> {
    /// The configured client, from which a client per key is derived.
    client: A::Client,
    seen: TtlCache<u64, bool>,
}

impl<A: Api> KeyChecks<A> {
    async fn valid(&self, key: &str) -> bool {
        let id = key_hash(key);
        if let Some(valid) = self.seen.get(&id) {
            return valid;
        }
        let Ok(client) = A::with_key(&self.client, key) else {
            return false;
        };
        match A::check_key(&client).await {
            Some(valid) => {
                self.seen.insert(id, valid, KEY_CHECK_TTL);
                valid
            }
            // The API cannot tell now: let the request through; its tools will say why they fail.
            None => true,
        }
    }
}

/// JSON-RPC's code for an error the server defines (the HTTP layer's refusals).
const REFUSED: i64 = -32000;

/// A refusal at `/mcp`, as a JSON-RPC error (`data.error` names it): clients such as the Python
/// SDK show a JSON-RPC error's message at any HTTP status, and only a generic one otherwise. The
/// body was not read, so the id is null.
fn json_error(status: StatusCode, error: &str, message: &str) -> Response {
    let mut answer = crate::jsonrpc::Refusal::new(serde_json::Value::Null, REFUSED, message).answer();
    answer["error"]["data"] = serde_json::json!({"error": error});
    (status, axum::Json(answer)).into_response()
}

fn unauthorized<A: Api>(why: &str) -> Response {
    let mut response = json_error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        &format!("{why}; {}", A::UNAUTHORIZED),
    );
    // RFC 6750: `why` is ASCII without quotes, so it is a valid quoted string.
    let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{why}\"");
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// What the OAuth discovery paths answer (plain JSON, as they are not JSON-RPC): this server
/// takes API keys, not OAuth.
fn no_oauth<A: Api>() -> Response {
    let message = format!("this server does not use OAuth; {}", A::UNAUTHORIZED);
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({"error": "not_found", "message": message})),
    )
        .into_response()
}

async fn require_bearer<A: Api>(checks: Arc<KeyChecks<A>>, request: Request, next: Next) -> Response {
    let Some(key) = bearer(request.headers()) else {
        let why = if request.headers().contains_key(header::AUTHORIZATION) {
            "malformed Authorization header"
        } else {
            "missing Authorization header"
        };
        return unauthorized::<A>(why);
    };
    if !checks.valid(key).await {
        return unauthorized::<A>("the API key was rejected");
    }
    next.run(request).await
}

/// Serves until Ctrl-C.
pub async fn serve<A: Api>(server: Server<A>, config: HttpConfig) -> Result<(), String> {
    let loopback = config.addr.ip().is_loopback();
    if config.shared_key && !loopback {
        return Err(format!(
            "--shared-key serves every caller with this server's own key, so it is refused on {}, which is not a loopback address; have each client send its own key instead",
            config.addr
        ));
    }
    if !loopback && config.allowed_hosts.is_empty() {
        eprintln!(
            "{}: warning: listening on {}, but only loopback Host headers are accepted; add --allow-host with the name clients use",
            A::SERVER.name,
            config.addr
        );
    }
    let origins = Arc::new(origin::Origins::new(
        &config.allowed_origins,
        loopback,
        &config.allowed_hosts,
    )?);
    // Hosts and origins are checked (and CORS answered) in front of everything, by `origin`.
    let rmcp_config = StreamableHttpServerConfig::default()
        .disable_allowed_hosts()
        .disable_allowed_origins()
        .with_legacy_session_mode(!config.stateless)
        .with_json_response(config.stateless);
    let factory_server = if config.stateless {
        server.clone().without_sessions()
    } else {
        server.clone()
    };
    let factory = move || Ok(factory_server.clone());
    // From the inside out: rmcp, the JSON-RPC check, the session binding, the key check, then
    // (around the OAuth paths too) the Origin check.
    let owners = Arc::new(sessions::Owners::new(config.session_caps));
    let mut router = if config.stateless {
        Router::new().route_service(
            "/mcp",
            StreamableHttpService::new(factory, Arc::new(NeverSessionManager::default()), rmcp_config),
        )
    } else {
        let sessions = Arc::new(sessions::Sessions::new(owners.clone()));
        Router::new().route_service("/mcp", StreamableHttpService::new(factory, sessions, rmcp_config))
    }
    .layer(axum::middleware::from_fn(jsonrpc::check));
    if !config.stateless {
        router = router.layer(axum::middleware::from_fn(move |request: Request, next: Next| {
            sessions::bind(owners.clone(), request, next)
        }));
    }
    if !config.shared_key {
        let checks = Arc::new(KeyChecks::<A> {
            client: server.client().clone(),
            seen: TtlCache::new(KEY_CHECK_CAPACITY),
        });
        router = router.layer(axum::middleware::from_fn(move |request: Request, next: Next| {
            require_bearer(checks.clone(), request, next)
        }));
    }
    let router = router
        .route("/.well-known/{*path}", axum::routing::any(|| async { no_oauth::<A>() }))
        .layer(axum::middleware::from_fn(move |request: Request, next: Next| {
            origin::check(origins.clone(), request, next)
        }));
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!(
        "{}: serving MCP over Streamable HTTP at http://{addr}/mcp",
        A::SERVER.name
    );
    accept(listener, router).await
}

/// How long a client may take to send a request's headers (a slow client holds a connection,
/// not the server).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves each connection over HTTP/1.1 with [`HEADER_TIMEOUT`] (which `axum::serve` does not
/// set), until Ctrl-C.
async fn accept(listener: tokio::net::TcpListener, router: Router) -> Result<(), String> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        let (tcp, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                // Out of file descriptors, say: the listener stays, the client retries.
                Err(e) => {
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => return Ok(()),
        };
        // Headers and the first event leave together only with TCP_NODELAY (no delayed-ACK stall).
        let _ = tcp.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            router.clone().oneshot(request.map(axum::body::Body::new))
        });
        tokio::spawn(async move {
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(tcp), service)
                .with_upgrades()
                .await;
            if let Err(e) = served {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
}
