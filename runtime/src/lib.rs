//! The MCP runtime shared by both servers, and the only thing generated tool crates and
//! hand-written code meet through: static tool and resource definitions, the call context,
//! argument parsing, tool errors, text rendering ([`render`]) and the rmcp handler that serves
//! them over stdio or Streamable HTTP.

mod arguments;
mod confirm;
mod error;
pub mod http;
pub mod jsonrpc;
pub mod manifest;
pub mod render;
mod server;
pub mod stdio;
mod stdio_fds;
mod structured;
pub mod tasks;
mod tls;
mod ttl_cache;

pub use arguments::{body_from, match_uri_template, parse_arguments};
pub use confirm::Unconfirmed;
pub use error::ToolError;
pub use server::{Api, Options, Server};
pub use structured::{Answer, StructuredOutput};
pub use tls::http_client;
pub use ttl_cache::{TtlCache, key_hash};

/// Serves over Streamable HTTP when given its configuration, else over stdio.
pub async fn serve<A: Api>(server: Server<A>, http: Option<http::HttpConfig>) -> Result<(), String> {
    match http {
        Some(config) => http::serve(server, config).await,
        None => stdio::serve(server).await,
    }
}

/// A JSON object, as tool arguments arrive.
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// Who the server says it is.
#[derive(Debug, Clone, Copy)]
pub struct ServerSpec {
    pub name: &'static str,
    pub title: &'static str,
    pub version: &'static str,
}

/// MCP tool annotations.
#[derive(Debug, Clone, Copy)]
pub struct Annotations {
    pub read_only: bool,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: bool,
}

/// A tool's generated wrapper: typed arguments, the SDK call (or a handler), the rendered answer.
pub type ToolFn<C> = for<'a> fn(&'a Ctx<C>, JsonObject) -> BoxFuture<'a, Result<Answer, ToolError>>;

/// A future a [`ToolFn`] returns.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One tool as the manifest declares it, with the wrapper that runs it (a call is one lookup of
/// the name, then this).
pub struct ToolSpec<C: 'static> {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// The group `--toolsets` selects by.
    pub toolset: Option<&'static str>,
    pub annotations: Annotations,
    /// The input schema `tools/list` shows, as JSON: what a model reads to call the tool.
    pub input_schema: &'static str,
    /// The input schema arguments are held to, as JSON: the listed one with the lengths,
    /// patterns and item counts a model need not read, and no descriptions.
    pub constraints: &'static str,
    /// The portable output schema, as JSON, when the answer has a shape.
    pub output_schema: Option<&'static str>,
    /// For a tool that asks the user first: the template saying what a call will do
    /// ([`Ctx::confirm`]).
    pub confirm: Option<&'static str>,
    pub call: ToolFn<C>,
}

/// One resource or resource template.
#[derive(Debug, Clone, Copy)]
pub struct ResourceSpec {
    /// The URI, or the URI template when `template` is set.
    pub uri: &'static str,
    pub name: &'static str,
    pub title: Option<&'static str>,
    pub description: &'static str,
    /// How long a read may be served from cache; `None`: always fresh.
    pub cache_ttl_seconds: Option<u64>,
    pub template: bool,
}

/// The path of a `file://` URI (percent-escapes decoded), if it is one.
fn file_uri_path(uri: &str) -> Option<std::path::PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    Some(std::path::PathBuf::from(String::from_utf8(out).ok()?))
}

/// What a tool call runs with: the API client (carrying the caller's key) and where local
/// files may be read from.
#[derive(Debug, Clone)]
pub struct Ctx<C> {
    client: C,
    workdir: std::path::PathBuf,
    /// Who the caller is, for per-caller caches: the [`key_hash`] of the key the client sends,
    /// 0 when it was not told one.
    scope: u64,
    /// The MCP request being served (progress notifications, cancellation), when there is one.
    request: Option<rmcp::service::RequestContext<rmcp::RoleServer>>,
    /// Whether the answer carries its structured value (see [`Ctx::answer`]).
    structured: bool,
    /// How the user is asked before a tool that asks first spends (see [`Ctx::confirm`]).
    confirmation: Option<std::sync::Arc<confirm::Confirmation>>,
}

impl<C> Ctx<C> {
    pub fn new(client: C, workdir: std::path::PathBuf) -> Self {
        Self {
            client,
            workdir,
            scope: 0,
            request: None,
            structured: false,
            confirmation: None,
        }
    }

    /// Asks for answers with their structured value (the server does when the tool declares an
    /// output schema and the client takes structured output; hand-written code may, to read a
    /// generated tool's answer as data).
    pub fn with_structured(mut self, structured: bool) -> Self {
        self.structured = structured;
        self
    }

    /// The answer `text` with `value` as its structured content, when it is asked for (the value
    /// is serialized only then).
    pub fn answer<T: serde::Serialize>(&self, text: String, value: &T) -> Answer {
        let structured = if self.structured {
            serde_json::to_value(value)
                .inspect_err(|e| tracing::warn!("a structured answer did not serialize: {e}"))
                .ok()
        } else {
            None
        };
        Answer { text, structured }
    }

    /// Asks the user to confirm what this call is about to do, in the words of the tool's
    /// manifest `confirm` template over `values` (its arguments, or what a handler resolved them
    /// to). Ok when the user did, when the template renders nothing for these values, or when
    /// the tool does not ask; otherwise the error is the answer and nothing may be sent.
    pub async fn confirm<T: serde::Serialize>(&self, values: &T) -> Result<(), ToolError> {
        match &self.confirmation {
            Some(confirmation) => confirmation.ask(values).await,
            None => Ok(()),
        }
    }

    pub(crate) fn with_confirmation(mut self, confirmation: confirm::Confirmation) -> Self {
        self.confirmation = Some(std::sync::Arc::new(confirmation));
        self
    }

    /// Attaches the MCP request being served.
    pub fn with_request(mut self, request: rmcp::service::RequestContext<rmcp::RoleServer>) -> Self {
        self.request = Some(request);
        self
    }

    /// The MCP request being served, if any.
    pub(crate) fn request(&self) -> Option<&rmcp::service::RequestContext<rmcp::RoleServer>> {
        self.request.as_ref()
    }

    /// Sends a progress notification, if the client asked for progress.
    pub async fn progress(&self, progress: f64, total: Option<f64>, message: &str) {
        let Some(request) = &self.request else { return };
        let Some(token) = request.meta.get_progress_token() else {
            return;
        };
        let mut param = rmcp::model::ProgressNotificationParam::new(token, progress).with_message(message);
        if let Some(total) = total {
            param = param.with_total(total);
        }
        if let Err(e) = request.peer.notify_progress(param).await {
            tracing::debug!("progress notification not delivered: {e}");
        }
    }

    /// The directories the client declared as its roots (`file://` URIs), if it supports roots;
    /// asked once per call, bounded by two seconds. Roots are deprecated from protocol 2026-07-28
    /// (SEP-2577), but the clients of earlier versions in use today still declare them.
    #[allow(deprecated)]
    pub async fn client_roots(&self) -> Vec<std::path::PathBuf> {
        let Some(request) = &self.request else {
            return Vec::new();
        };
        let supports_roots = request
            .peer
            .peer_info()
            .is_some_and(|info| info.capabilities.roots.is_some());
        if !supports_roots {
            return Vec::new();
        }
        match tokio::time::timeout(std::time::Duration::from_secs(2), request.peer.list_roots()).await {
            Ok(Ok(result)) => result.roots.iter().filter_map(|r| file_uri_path(&r.uri)).collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the client cancelled the request.
    pub fn cancelled(&self) -> bool {
        self.request.as_ref().is_some_and(|r| r.ct.is_cancelled())
    }

    /// Marks the context as one caller's (by a hash of their key; the key is not kept).
    pub fn with_scope(mut self, key: &str) -> Self {
        self.scope = key_hash(key);
        self
    }

    /// The caller's cache scope.
    pub fn scope(&self) -> u64 {
        self.scope
    }

    /// The API client.
    pub fn client(&self) -> &C {
        &self.client
    }

    /// The directory local files are resolved against (the server's working directory).
    pub fn workdir(&self) -> &std::path::Path {
        &self.workdir
    }
}
