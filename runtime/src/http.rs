//! Streamable HTTP at `/mcp`: loopback by default, `Host` checked against an allow-list, and,
//! for APIs that need it, every request authenticated with its own bearer key, which is
//! forwarded to the API for that request alone.
//!
//! A request without a well-formed `Authorization: Bearer <key>` gets HTTP 401 with
//! `WWW-Authenticate: Bearer`; a key the API rejects gets 401 too (checked once, then cached for
//! a minute by a hash of the key, so the key itself is never stored or logged).

use super::{Api, Server, TtlCache, key_hash};
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How to serve.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub addr: SocketAddr,
    /// Host values accepted besides loopback (a proxy's public name).
    pub allowed_hosts: Vec<String>,
    /// Browser origins accepted (`https://app.example.com`); when any is given, a request with
    /// another `Origin` is refused.
    pub allowed_origins: Vec<String>,
    /// No sessions: every request stands alone, so replicas need no affinity.
    pub stateless: bool,
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

fn unauthorized<A: Api>(why: &str) -> Response {
    let body = serde_json::json!({
        "error": "unauthorized",
        "message": format!("{why}; {}", A::UNAUTHORIZED),
    });
    let mut response = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
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
    let mut allowed_hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into(), "[::1]".into()];
    allowed_hosts.extend(config.allowed_hosts.iter().cloned());
    let rmcp_config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(allowed_hosts)
        .with_allowed_origins(config.allowed_origins.clone())
        .with_legacy_session_mode(!config.stateless)
        .with_json_response(config.stateless);
    let factory_server = server.clone();
    let factory = move || Ok(factory_server.clone());
    let mut router = if config.stateless {
        Router::new().route_service(
            "/mcp",
            StreamableHttpService::new(factory, Arc::new(NeverSessionManager::default()), rmcp_config),
        )
    } else {
        Router::new().route_service(
            "/mcp",
            StreamableHttpService::new(factory, Arc::new(LocalSessionManager::default()), rmcp_config),
        )
    };
    if A::REQUIRE_BEARER {
        let checks = Arc::new(KeyChecks::<A> {
            client: server.client().clone(),
            seen: TtlCache::new(KEY_CHECK_CAPACITY),
        });
        router = router.layer(axum::middleware::from_fn(move |request: Request, next: Next| {
            require_bearer(checks.clone(), request, next)
        }));
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!(
        "{}: serving MCP over Streamable HTTP at http://{addr}/mcp",
        A::SERVER.name
    );
    // Headers and the first event leave together only with TCP_NODELAY (no delayed-ACK stall).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("the HTTP server stopped: {e}"))
}
