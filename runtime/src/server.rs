//! The rmcp handler both servers run: tools, prompts and resources from the generated wrappers
//! and the (live or embedded) manifest, answers as text per RESPONSES.md.

use super::confirm::{Channel, Confirmation};
use super::manifest::{Manifest, Role};
use super::tasks::{Started, TaskState};
use super::{Answer, Ctx, JsonObject, ResourceSpec, ServerSpec, StructuredOutput, ToolError, ToolSpec, TtlCache};
use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, CancelTaskParams, CompleteRequestParams,
    CompleteResult, CompletionInfo, ContentBlock, CreateTaskResult, GetPromptRequestParams, GetPromptResponse,
    GetPromptResult, GetTaskParams, GetTaskResult, Implementation, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, ListToolsResult, PaginatedRequestParams, Prompt, PromptArgument, PromptMessage,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource, ResourceContents, ResourceTemplate,
    Role as McpRole, ServerCapabilities, ServerConfig, TASKS_EXTENSION_ID, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// One API's generated wrappers, as the server sees them.
pub trait Api: Send + Sync + 'static {
    type Client: Clone + Send + Sync + 'static;
    const SERVER: ServerSpec;
    const TOOLS: &'static [ToolSpec<Self::Client>];
    const RESOURCES: &'static [ResourceSpec];
    /// The embedded manifest (JSON: instructions and prompts).
    const MANIFEST: &'static str;
    /// How many prompts [`Api::MANIFEST`] has.
    const PROMPT_COUNT: usize;
    /// What to do about a missing or invalid key, in this API's terms.
    const UNAUTHORIZED: &'static str;

    /// A client for the same API that sends `key` (shares the connection pool).
    fn with_key(client: &Self::Client, key: &str) -> Result<Self::Client, String>;
    /// Whether the client's key is valid: `Some(false)` when the API says it is not, `None`
    /// when that cannot be told (the API is unreachable).
    fn check_key(client: &Self::Client) -> impl Future<Output = Option<bool>> + Send;

    fn read_resource(
        ctx: &Ctx<Self::Client>,
        uri: &str,
    ) -> impl Future<Output = Option<Result<String, ToolError>>> + Send;

    /// The prompt and resource-template arguments [`Api::complete`] offers values for (the
    /// same name means the same thing in every prompt and template of an API).
    const COMPLETES: &'static [&'static str] = &[];

    /// Values of `argument` (one of [`Api::COMPLETES`]) that start with `prefix`, as the user
    /// types it; at most [`CompletionInfo::MAX_VALUES`].
    fn complete(
        _ctx: &Ctx<Self::Client>,
        _argument: &str,
        _prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, ToolError>> + Send {
        async { Ok(Vec::new()) }
    }

    /// The tools whose calls run as tasks for a client that supports them ([`super::tasks`]);
    /// the server declares the tasks extension when there is one.
    const TASKS: &'static [&'static str] = &[];

    /// Starts `tool` (one of [`Api::TASKS`]) as a task, with arguments already checked against
    /// its input schema.
    fn start_task(
        _ctx: &Ctx<Self::Client>,
        tool: &str,
        _arguments: JsonObject,
    ) -> impl Future<Output = Result<Started, ToolError>> + Send {
        let tool = tool.to_string();
        async move { Err(ToolError::Refused(format!("`{tool}` does not run as a task"))) }
    }

    /// Where the task `id` (as [`Api::start_task`] made it) is; a 404 means there is no such task.
    fn task(_ctx: &Ctx<Self::Client>, id: &str) -> impl Future<Output = Result<TaskState, ToolError>> + Send {
        std::future::ready(Err(super::tasks::unknown(id)))
    }

    /// Cancels the task `id`'s work.
    fn cancel_task(_ctx: &Ctx<Self::Client>, id: &str) -> impl Future<Output = Result<(), ToolError>> + Send {
        std::future::ready(Err(super::tasks::unknown(id)))
    }

    /// Whether the key may make the change of a tool that asks first (one with a manifest
    /// `confirm`), with these arguments: checked before the user is asked, so a key that may not
    /// is told so, as the API would, instead of the user being asked for nothing.
    fn may_change(
        _ctx: &Ctx<Self::Client>,
        _arguments: &JsonObject,
    ) -> impl Future<Output = Result<(), ToolError>> + Send {
        std::future::ready(Ok(()))
    }
}

/// Which tools a server exposes, and whose key it uses.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Hide tools that are not read-only.
    pub read_only: bool,
    /// Only tools of these toolsets (all when empty).
    pub toolsets: Vec<String>,
    /// Use each HTTP request's bearer key instead of the configured one.
    pub per_request_key: bool,
    /// Which clients get output schemas and structured results.
    pub structured_output: StructuredOutput,
}

impl Options {
    fn exposes<C>(&self, tool: &ToolSpec<C>) -> bool {
        (!self.read_only || tool.annotations.read_only)
            && (self.toolsets.is_empty() || tool.toolset.is_some_and(|t| self.toolsets.iter().any(|s| s == t)))
    }
}

/// Resource reads kept for their TTL: (caller scope, URI) → text.
type ResourceCache = TtlCache<(u64, String), String>;

/// At most this many resource reads are kept.
const RESOURCE_CACHE_CAPACITY: usize = 10_000;

/// An MCP server over one API.
pub struct Server<A: Api> {
    ctx: Ctx<A::Client>,
    manifest: Arc<Manifest>,
    /// The exposed tools as tools/list shows them, with their output schemas.
    tools: Arc<Vec<Tool>>,
    /// An exposed tool's name → (its index in [`Api::TOOLS`], its place in `tools`): one lookup
    /// per call.
    by_name: Arc<HashMap<&'static str, (usize, usize)>>,
    /// Each exposed tool's [`ToolSpec::constraints`], parsed on its first call.
    constraints: Arc<Vec<OnceLock<JsonObject>>>,
    cache: Arc<ResourceCache>,
    /// Use each HTTP request's bearer key (see [`Options::per_request_key`]).
    per_request_key: bool,
    structured_output: StructuredOutput,
    /// Whether the transport keeps sessions, so a request can go to the client mid-call (stdio,
    /// stateful HTTP); a stateless server cannot ask a session client for confirmation.
    sessions: bool,
}

impl<A: Api> Clone for Server<A> {
    fn clone(&self) -> Self {
        Self {
            ctx: self.ctx.clone(),
            manifest: self.manifest.clone(),
            tools: self.tools.clone(),
            by_name: self.by_name.clone(),
            constraints: self.constraints.clone(),
            cache: self.cache.clone(),
            per_request_key: self.per_request_key,
            structured_output: self.structured_output,
            sessions: self.sessions,
        }
    }
}

impl<A: Api> Server<A> {
    /// A server over `ctx` with the given manifest (live or [`Server::embedded_manifest`]).
    pub fn new(ctx: Ctx<A::Client>, manifest: Manifest, options: Options) -> Self {
        let exposed: Vec<(usize, &ToolSpec<A::Client>)> = A::TOOLS
            .iter()
            .enumerate()
            .filter(|(_, t)| options.exposes(t))
            .collect();
        let tools: Vec<Tool> = exposed.iter().map(|(_, t)| tool_definition(t)).collect();
        let constraints = tools.iter().map(|_| OnceLock::new()).collect();
        let by_name = exposed
            .iter()
            .enumerate()
            .map(|(place, (index, t))| (t.name, (*index, place)))
            .collect();
        Self {
            ctx,
            manifest: Arc::new(manifest),
            tools: Arc::new(tools),
            by_name: Arc::new(by_name),
            constraints: Arc::new(constraints),
            cache: Arc::new(TtlCache::new(RESOURCE_CACHE_CAPACITY)),
            per_request_key: options.per_request_key,
            structured_output: options.structured_output,
            sessions: true,
        }
    }

    /// The same server behind a transport without sessions (stateless HTTP).
    pub(crate) fn without_sessions(mut self) -> Self {
        self.sessions = false;
        self
    }

    /// The live manifest at `url`, fetched once (within [`super::manifest::TIMEOUT`], no key), or
    /// the embedded one when it cannot be had, with a warning on stderr. `http` is the API
    /// client's own connection pool: a client of its own would cost the start a second TLS
    /// setup (about 4 ms, measured).
    pub async fn live_manifest(http: &reqwest::Client, url: &str) -> Manifest {
        match super::manifest::fetch(http, url).await {
            Ok(manifest) => manifest,
            Err(e) => {
                tracing::warn!("live manifest unavailable ({e}); using the embedded copy");
                Self::embedded_manifest()
            }
        }
    }

    /// The manifest compiled into the binary.
    pub fn embedded_manifest() -> Manifest {
        // The embedded copy is generated from a manifest codegen validated; a test parses it.
        Manifest::parse(A::MANIFEST).unwrap_or_else(|_| Manifest {
            instructions: String::new(),
            prompts: Vec::new(),
        })
    }

    /// The configured API client.
    pub fn client(&self) -> &A::Client {
        self.ctx.client()
    }

    /// The context of one request: over HTTP with per-request keys, a client that sends the
    /// request's own bearer key (the key is never stored beyond the request).
    fn ctx_for(&self, extensions: &rmcp::model::Extensions) -> Result<Ctx<A::Client>, McpError> {
        if !self.per_request_key {
            return Ok(self.ctx.clone());
        }
        match extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| super::http::bearer(&parts.headers))
        {
            Some(key) => A::with_key(self.ctx.client(), key)
                .map(|client| Ctx::new(client, self.ctx.workdir().to_path_buf()).with_scope(key))
                .map_err(|e| McpError::invalid_request(e, None)),
            None => Ok(self.ctx.clone()),
        }
    }

    /// Runs a tool and renders its answer as a tool result (`isError` on failure), with its
    /// structured value when `structured` (the client takes structured output); as a task when
    /// `tasks` (the client supports them) and the API runs this tool as one. A tool that asks
    /// first asks the client of `ctx`'s request ([`super::confirm`]), with the answers this call
    /// carries.
    async fn call(
        &self,
        ctx: Ctx<A::Client>,
        request: CallToolRequestParams,
        structured: bool,
        tasks: bool,
    ) -> Result<CallToolResponse, McpError> {
        let name = request.name.as_ref();
        let Some(&(index, place)) = self.by_name.get(name) else {
            return Err(McpError::invalid_params(format!("unknown tool `{name}`"), None));
        };
        let spec = &A::TOOLS[index];
        let mut arguments = request.arguments.unwrap_or_default();
        let constraints =
            self.constraints[place].get_or_init(|| serde_json::from_str(spec.constraints).unwrap_or_default());
        if let Err(e) = super::arguments::prepare(constraints, &mut arguments) {
            return Ok(self.respond(Err(e)));
        }
        let mut ctx = ctx.with_structured(structured && spec.output_schema.is_some());
        if let Some(template) = spec.confirm {
            let confirmed = arguments.remove("confirm") == Some(serde_json::Value::Bool(true));
            if let Err(e) = A::may_change(&ctx, &arguments).await {
                return Ok(self.respond(Err(e)));
            }
            let channel = Channel::of(ctx.request(), request.input_responses, confirmed, self.sessions);
            ctx = ctx.with_confirmation(Confirmation {
                tool: spec.name,
                template,
                channel,
            });
        }
        if tasks && A::TASKS.contains(&name) {
            return Ok(match A::start_task(&ctx, name, arguments).await {
                Ok(Started::Task(state)) => CreateTaskResult::new(state.task()).into(),
                Ok(Started::Now(answer)) => self.respond(Ok(answer)),
                Err(e) => self.respond(Err(e)),
            });
        }
        Ok(self.respond((spec.call)(&ctx, arguments).await))
    }

    /// A tool's answer as the call's response: a tool result, or the question a confirmation
    /// asks a client that takes input-required results.
    fn respond(&self, answer: Result<Answer, ToolError>) -> CallToolResponse {
        if let Err(ToolError::Unconfirmed(unconfirmed)) = &answer
            && let Some(asked) = unconfirmed.input_required()
        {
            return asked.into();
        }
        self.result(answer).into()
    }

    /// A tool's answer as a tool result: the text (and its structured value), or on failure
    /// the error's text with `isError`.
    fn result(&self, answer: Result<Answer, ToolError>) -> CallToolResult {
        match answer {
            Ok(answer) => {
                let mut result = CallToolResult::success(vec![ContentBlock::text(answer.text)]);
                result.structured_content = answer.structured;
                result
            }
            Err(e) => CallToolResult::error(vec![ContentBlock::text(self.error_text(&e))]),
        }
    }

    /// A `tasks/get` or `tasks/cancel` failure: no such task (for this key), or the API's error.
    fn task_error(&self, id: &str, error: &ToolError) -> McpError {
        match error {
            ToolError::Api { status: 403 | 404, .. } => {
                McpError::invalid_params(format!("no task `{id}` for this key"), None)
            }
            other => McpError::internal_error(self.error_text(other), None),
        }
    }

    fn error_text(&self, error: &ToolError) -> String {
        match error {
            ToolError::Unauthorized => format!("ERROR: authentication failed — {}", A::UNAUTHORIZED),
            other => other.to_string(),
        }
    }

    /// Reads a resource, from cache when its TTL allows, with the time it stays fresh. The cache
    /// is per caller (by a hash of the key), since with per-request keys callers see different
    /// data.
    async fn read(&self, ctx: &Ctx<A::Client>, uri: &str) -> Result<(String, Option<Duration>), McpError> {
        let ttl = A::RESOURCES
            .iter()
            .find(|r| {
                if r.template {
                    super::match_uri_template(r.uri, uri).is_some()
                } else {
                    r.uri == uri
                }
            })
            .ok_or_else(|| McpError::resource_not_found(format!("no resource `{uri}`"), None))?
            .cache_ttl_seconds
            .map(Duration::from_secs);
        let key = (ctx.scope(), uri.to_string());
        if ttl.is_some()
            && let Some((text, left)) = self.cache.get_fresh(&key)
        {
            return Ok((text, Some(left)));
        }
        let text = match A::read_resource(ctx, uri).await {
            Some(Ok(text)) => text,
            Some(Err(ToolError::Api { status: 404, message })) => {
                return Err(McpError::resource_not_found(message, None));
            }
            Some(Err(e)) => return Err(McpError::internal_error(self.error_text(&e), None)),
            None => return Err(McpError::resource_not_found(format!("no resource `{uri}`"), None)),
        };
        if let Some(ttl) = ttl {
            self.cache.insert(key, text.clone(), ttl);
        }
        Ok((text, ttl))
    }
}

fn tool_definition<C>(spec: &ToolSpec<C>) -> Tool {
    let schema: JsonObject = serde_json::from_str(spec.input_schema).unwrap_or_default();
    // Only the hints that differ from the protocol's defaults (not read-only, destructive, not
    // idempotent, open world): every host reads an absent hint as its default, and each listed
    // byte is in the model's context. The title is the tool's own, not repeated here.
    let a = spec.annotations;
    let annotations = ToolAnnotations::from_raw(
        None,
        a.read_only.then_some(true),
        a.destructive.filter(|d| !a.read_only && !d),
        a.idempotent.filter(|i| !a.read_only && *i),
        (!a.open_world).then_some(false),
    );
    let mut tool = Tool::new(spec.name, spec.description, Arc::new(schema)).with_title(spec.title);
    if annotations != ToolAnnotations::default() {
        tool = tool.with_annotations(annotations);
    }
    if let Some(output) = spec.output_schema {
        tool = tool.with_raw_output_schema(Arc::new(serde_json::from_str(output).unwrap_or_default()));
    }
    tool
}

impl<A: Api> ServerHandler for Server<A> {
    fn get_info(&self) -> ServerConfig {
        let mut capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_prompts()
            .enable_resources()
            .build();
        if !A::COMPLETES.is_empty() {
            capabilities.completions = Some(JsonObject::new());
        }
        if !A::TASKS.is_empty() {
            capabilities
                .extensions
                .get_or_insert_with(Default::default)
                .insert(TASKS_EXTENSION_ID.to_string(), JsonObject::new());
        }
        let mut info = Implementation::new(A::SERVER.name, A::SERVER.version);
        info.title = Some(A::SERVER.title.to_string());
        ServerConfig::new(capabilities)
            .with_server_info(info)
            .with_instructions(self.manifest.instructions.clone())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        // The list is copied for every answer anyway; a client that gets text only gets it
        // without output schemas.
        let mut tools = self.tools.to_vec();
        if !self.structured_output.for_request(&context) {
            tools.iter_mut().for_each(|tool| tool.output_schema = None);
        }
        Ok(ListToolsResult::with_all_items(tools)
            .with_ttl_ms(LIST_TTL_MS)
            .with_cache_scope(CacheScope::Public))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        let &(_, place) = self.by_name.get(name)?;
        self.tools.get(place).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let structured = self.structured_output.for_request(&context);
        let tasks = context.client_capabilities().is_some_and(|c| c.supports_tasks());
        let ctx = self.ctx_for(&context.extensions)?.with_request(context);
        self.call(ctx, request, structured, tasks).await
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        let ctx = self.ctx_for(&context.extensions)?;
        let state = A::task(&ctx, &request.task_id)
            .await
            .map_err(|e| self.task_error(&request.task_id, &e))?;
        Ok(GetTaskResult::new(state.detailed(|answer| self.result(answer))))
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let ctx = self.ctx_for(&context.extensions)?;
        A::cancel_task(&ctx, &request.task_id)
            .await
            .map_err(|e| self.task_error(&request.task_id, &e))
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(ListPromptsResult::with_all_items(prompt_definitions(&self.manifest))
            .with_ttl_ms(LIST_TTL_MS)
            .with_cache_scope(CacheScope::Public))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let arguments = request.arguments.unwrap_or_default();
        let messages = self
            .manifest
            .render(&request.name, &arguments)
            .map_err(|e| McpError::invalid_params(e.to_string(), None))?;
        let description = self
            .manifest
            .prompt(&request.name)
            .map(|p| p.description.clone())
            .unwrap_or_default();
        let messages = messages
            .into_iter()
            .map(|(role, text)| {
                PromptMessage::new_text(
                    if role == Role::User {
                        McpRole::User
                    } else {
                        McpRole::Assistant
                    },
                    text,
                )
            })
            .collect();
        Ok(GetPromptResult::new(messages).with_description(description).into())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, McpError> {
        let argument = request.argument;
        let mut values = Vec::new();
        if A::COMPLETES.contains(&argument.name.as_str()) {
            let ctx = self.ctx_for(&context.extensions)?;
            values = A::complete(&ctx, &argument.name, &argument.value)
                .await
                .map_err(|e| McpError::internal_error(self.error_text(&e), None))?;
            values.truncate(CompletionInfo::MAX_VALUES);
        }
        let completion = CompletionInfo::with_all_values(values).map_err(|e| McpError::internal_error(e, None))?;
        Ok(CompleteResult::new(completion))
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let resources = A::RESOURCES
            .iter()
            .filter(|r| !r.template)
            .map(|r| {
                let mut raw = Resource::new(r.uri, r.name)
                    .with_description(r.description)
                    .with_mime_type("text/markdown");
                if let Some(title) = r.title {
                    raw = raw.with_title(title);
                }
                raw
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(resources)
            .with_ttl_ms(LIST_TTL_MS)
            .with_cache_scope(CacheScope::Public))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        let templates = A::RESOURCES
            .iter()
            .filter(|r| r.template)
            .map(|r| {
                let mut raw = ResourceTemplate::new(r.uri, r.name)
                    .with_description(r.description)
                    .with_mime_type("text/markdown");
                if let Some(title) = r.title {
                    raw = raw.with_title(title);
                }
                raw
            })
            .collect();
        Ok(ListResourceTemplatesResult::with_all_items(templates)
            .with_ttl_ms(LIST_TTL_MS)
            .with_cache_scope(CacheScope::Public))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let ctx = self.ctx_for(&context.extensions)?;
        let (text, ttl) = self.read(&ctx, &request.uri).await?;
        let mut result = ReadResourceResult::new(vec![
            ResourceContents::text(text, request.uri).with_mime_type("text/markdown"),
        ]);
        // What one key reads is that key's: only its own client may keep it.
        if let Some(ttl) = ttl {
            result = result
                .with_ttl_ms(ttl.as_millis().try_into().unwrap_or(u64::MAX))
                .with_cache_scope(CacheScope::Private);
        }
        Ok(result.into())
    }
}

/// How long a client may keep the tool, prompt and resource lists (SEP-2549 cache hints, with
/// [`CacheScope::Public`]): they are fixed for the server's life (the manifest is read once, at
/// start) and the same for every key.
const LIST_TTL_MS: u64 = 60 * 60 * 1000;

/// The `prompts/list` entries of a manifest.
pub fn prompt_definitions(manifest: &Manifest) -> Vec<Prompt> {
    manifest
        .prompts
        .iter()
        .map(|p| {
            let arguments = p
                .arguments
                .iter()
                .map(|a| {
                    PromptArgument::new(&a.name)
                        .with_description(&a.description)
                        .with_required(a.required)
                })
                .collect();
            let mut prompt = Prompt::new(&p.name, Some(&p.description), Some(arguments));
            if let Some(title) = &p.title {
                prompt = prompt.with_title(title);
            }
            prompt
        })
        .collect()
}
