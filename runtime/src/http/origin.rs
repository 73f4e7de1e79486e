//! Where a request comes from, checked before anything else reads it (against DNS rebinding):
//! its `Host` must be loopback or an `--allow-host`, and a browser's `Origin`, when there is
//! one, must be a loopback origin on a loopback bind or an `--allow-origin` (MCP's Streamable
//! HTTP transport requires servers to check it). Otherwise 403. For allowed origins the CORS
//! preflight is answered and every response carries the headers a browser client needs
//! (`Mcp-Session-Id` exposed).

use super::json_error;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// What a browser client may send.
const ALLOW_HEADERS: &str = "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID";
const ALLOW_METHODS: &str = "GET, POST, DELETE, OPTIONS";
/// What a browser client may read.
const EXPOSE_HEADERS: &str = "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate";

/// An origin as compared: scheme, host and port (the scheme's default when not written).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    fn parse(text: &str) -> Option<Self> {
        let (scheme, rest) = text.trim().split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let default = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
            return None;
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => (host, port.parse().ok()?),
            _ => (authority, default),
        };
        Some(Self {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    fn is_loopback(&self) -> bool {
        matches!(self.host.as_str(), "localhost" | "127.0.0.1" | "[::1]")
    }
}

/// The hosts and origins a server accepts.
#[derive(Debug, Clone)]
pub struct Origins {
    allowed: Vec<Origin>,
    /// Loopback origins are accepted too (the server is bound to loopback).
    loopback: bool,
    /// `Host` values accepted (lowercase; loopback names and each `--allow-host`), with or
    /// without a port.
    hosts: Vec<String>,
}

/// Host names that are always accepted.
const LOOPBACK_HOSTS: [&str; 4] = ["localhost", "127.0.0.1", "::1", "[::1]"];

impl Origins {
    /// `allowed` as given to `--allow-origin` (an entry that is not `http(s)://host[:port]` is
    /// an error naming it) and `hosts` to `--allow-host`.
    pub fn new(allowed: &[String], loopback: bool, hosts: &[String]) -> Result<Self, String> {
        let allowed = allowed
            .iter()
            .map(|a| {
                Origin::parse(a).ok_or_else(|| {
                    format!("--allow-origin `{a}` is not an origin; write it as scheme://host[:port], e.g. https://app.example.com")
                })
            })
            .collect::<Result<_, _>>()?;
        let hosts = LOOPBACK_HOSTS
            .iter()
            .map(|h| h.to_string())
            .chain(hosts.iter().map(|h| h.trim().to_ascii_lowercase()))
            .collect();
        Ok(Self {
            allowed,
            loopback,
            hosts,
        })
    }

    fn accepts(&self, origin: &Origin) -> bool {
        (self.loopback && origin.is_loopback()) || self.allowed.contains(origin)
    }

    /// Whether a `Host` header names this server: an accepted name, with any port, or an
    /// accepted `host:port` exactly.
    fn accepts_host(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let name = match host.rsplit_once(':') {
            Some((name, port)) if !port.contains(']') && port.parse::<u16>().is_ok() => name,
            _ => host.as_str(),
        };
        self.hosts.iter().any(|h| *h == host || *h == name)
    }
}

fn cors(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// The middleware: 403 for a host or origin not accepted; the preflight and CORS headers
/// otherwise.
pub async fn check(origins: std::sync::Arc<Origins>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok());
    if !host.is_some_and(|h| origins.accepts_host(h)) {
        let shown: String = host.unwrap_or_default().chars().take(100).collect();
        return json_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            &format!(
                "requests for the host `{shown}` are not accepted; start the server with --allow-host {shown} to accept them"
            ),
        );
    }
    let Some(value) = request.headers().get(header::ORIGIN).cloned() else {
        return next.run(request).await;
    };
    let text = String::from_utf8_lossy(value.as_bytes()).to_string();
    if !Origin::parse(&text).is_some_and(|o| origins.accepts(&o)) {
        let shown: String = text.chars().take(100).collect();
        return json_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            &format!(
                "requests from the origin `{shown}` are not accepted; start the server with --allow-origin {shown} to accept them"
            ),
        );
    }
    if request.method() == Method::OPTIONS {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        cors(headers, value);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOW_METHODS),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOW_HEADERS),
        );
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        return response;
    }
    let mut response = next.run(request).await;
    cors(response.headers_mut(), value);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_by_scheme_host_and_port() {
        let origins = Origins::new(&["https://app.example.com".into()], true, &[]).unwrap();
        let accepts = |o: &str| Origin::parse(o).is_some_and(|o| origins.accepts(&o));
        assert!(accepts("https://app.example.com"));
        assert!(accepts("https://APP.example.com:443"));
        assert!(!accepts("http://app.example.com"));
        assert!(!accepts("https://app.example.com:8443"));
        assert!(!accepts("https://evil.example"));
        assert!(accepts("http://localhost:6274"));
        assert!(accepts("http://[::1]:3000"));
        assert!(!accepts("null"));
        let public = Origins::new(&[], false, &["MCP.example.com".into()]).unwrap();
        assert!(!Origin::parse("http://localhost:6274").is_some_and(|o| public.accepts(&o)));
        assert!(Origins::new(&["app.example.com".into()], true, &[]).is_err());
        for host in [
            "localhost:8080",
            "127.0.0.1",
            "[::1]:9000",
            "mcp.example.com",
            "mcp.example.com:443",
        ] {
            assert!(public.accepts_host(host), "{host}");
        }
        for host in ["evil.example", "localhost.evil.example", "mcp.example.com.evil", ""] {
            assert!(!public.accepts_host(host), "{host}");
        }
    }
}
