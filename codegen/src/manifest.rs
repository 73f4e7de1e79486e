//! The MCP manifest format (`specs/<api>/mcp_manifest.json`).
//!
//! These types are the single source of truth for the format: codegen reads manifests with them
//! (unknown fields are errors), and `specs/mcp_manifest.schema.json` is generated from them so
//! editors can validate a manifest as it is written.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An MCP server's manifest: its instructions, tools, prompts and resources.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Path of this schema, for editors.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Who the server says it is in `initialize`.
    pub server: ServerInfo,
    /// Instructions sent to the client in `initialize`: when to use which tool.
    pub instructions: String,
    /// Arguments many tools take under one name (`project`, `cursor`), explained once in
    /// `instructions`, which must name each in backticks: their schemas in `tools/list` carry
    /// no description of their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_arguments: Vec<String>,
    /// The tools, in the order `tools/list` shows them.
    pub tools: Vec<Tool>,
    /// Prompts (slash commands), rendered with minijinja.
    #[serde(default)]
    pub prompts: Vec<Prompt>,
    /// Resources with a fixed URI.
    #[serde(default)]
    pub resources: Vec<Resource>,
    /// Resources addressed by a URI template (RFC 6570 level 1: `{name}` variables).
    #[serde(default)]
    pub resource_templates: Vec<ResourceTemplate>,
    /// OperationIds no tool or resource maps: served by a hand-written handler, used by the
    /// server itself, or deliberately not offered. Regeneration warns about every other
    /// operation without a tool, so leaving one out is a recorded choice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

/// The server's name, title and version.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerInfo {
    pub name: String,
    pub title: String,
    pub version: String,
}

/// One tool. Exactly one of `operation` and `handler` says what serves it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// `[a-z0-9_]`, at most 64 characters, unique in the manifest.
    pub name: String,
    /// Short human title.
    pub title: String,
    /// When to use the tool, then its non-obvious arguments.
    pub description: String,
    /// A group the server can enable or disable as a whole (`--toolsets`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toolset: Option<String>,
    pub annotations: Annotations,
    /// The OpenAPI `operationId` the tool calls. Its path, query and body parameters become the
    /// tool's arguments unless excluded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// A hand-written handler: a method of the tools crate's `Handlers` trait that takes the
    /// typed arguments and answers the tool's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// A hand-written check run on the typed arguments before the operation is called (a
    /// `Handlers` method); its error is the tool's answer and nothing is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// How the operation's answer is laid out; without a `view` or a `renderer` the generic
    /// renderer lays it out from the response's shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<View>,
    /// A hand-written renderer for what a `view` cannot say: a method of the tools crate's
    /// `Renderers` trait that takes the typed response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renderer: Option<String>,
    /// Another tool answering with the same type, whose `view` or `renderer` this one shares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render_as: Option<String>,
    /// For a handler whose answer has a shape: its JSON Schema, in the spec's terms (it may
    /// `$ref` the spec's components, such as `{"$ref": "#/components/schemas/Thing"}`). The tool
    /// then declares it as its output schema and the handler answers the value beside the text.
    /// An operation's output schema comes from its success response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")]
    pub output_schema: Option<serde_json::Value>,
    /// For a tool that consumes credits or changes what runs in production: what a call will
    /// do, as a minijinja template over its arguments (a handler's: over the values it passes
    /// `ctx.confirm`), with the `view` filters. The user is asked to confirm it before anything
    /// is sent (a form where the client shows one; otherwise the first answer says it and asks
    /// for the call again with the `confirm: true` argument the tool gains). A template that
    /// renders nothing for some arguments means those need no confirmation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<String>,
    /// Argument overrides (for an operation) or declarations (for a handler), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<Argument>,
    /// Operation parameters or body fields that are not exposed as arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

/// How a tool's answer is laid out, as data. `lead`, `empty` and `next` are minijinja templates
/// over the response's fields (and `count`, the list's length), with the filters `num(digits)`,
/// `words` (`a_b` → `a b`), `time`, `date`, `size` (bytes), `cut(chars)` and `table(columns)`
/// (a list as a markdown table in human units).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct View {
    /// The answer's first line(s). For a list, the default is the count (`3 agents`); for a
    /// detail, a lead alone is the whole answer unless `fields` are named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    /// The whole answer when the list is empty (default: `No <things> found.`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<String>,
    /// The response field holding the list (default: `items` when the response has it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// The columns of the list's table (default: chosen from the items' short fields).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// For a detail: the fields shown as `label: value` lines after the lead.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// The next step, shown as `Next: ...` when it renders to anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// MCP tool annotations: hints a client uses to decide what needs confirmation.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Annotations {
    /// The tool changes nothing.
    pub read_only: bool,
    /// A write that may destroy or overwrite data (only meaningful when not read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destructive: Option<bool>,
    /// Calling it twice with the same arguments has no further effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent: Option<bool>,
    /// The tool reaches outside the local machine (the network).
    pub open_world: bool,
}

/// One tool argument.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Argument {
    /// The argument's name in the tool's input schema.
    pub name: String,
    /// The operation parameter or top-level body field it fills (default: `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// Replaces the parameter's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Replaces the parameter's default; applied before the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Makes the argument optional and resolves it at run time (for example the project from the
    /// API key's scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolve: Option<Resolver>,
    /// For a handler's argument: its JSON Schema (plain, inlined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
    /// For a handler's argument: whether it must be given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

/// Run-time resolution of an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resolver {
    /// A project id or name, or none: the key's only or default project.
    Project,
}

/// One prompt: typed string arguments and minijinja message templates.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Prompt {
    /// Lowercase words joined by `-` or `_`.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub description: String,
    #[serde(default)]
    pub arguments: Vec<PromptArgument>,
    /// The messages, rendered with the arguments as template variables (absent optional
    /// arguments are undefined, so `{% if tools %}` works).
    pub messages: Vec<PromptMessage>,
}

/// One prompt argument (always a string in MCP).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromptArgument {
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub required: bool,
}

/// One message of a prompt.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromptMessage {
    pub role: Role,
    /// A minijinja template.
    pub template: String,
}

/// Who speaks a prompt message.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Assistant,
}

/// A resource with a fixed URI, served by an operation without parameters.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    pub uri: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub description: String,
    /// The operation whose rendered response is the resource's text.
    pub operation: String,
    /// The tool whose `view` or `renderer` lays the text out ; or give the resource its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render_as: Option<String>,
    /// The resource's own layout, as a tool's (see `Tool::view`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<View>,
    /// The resource's own hand-written renderer (see `Tool::renderer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renderer: Option<String>,
    /// How long a read may be served from cache; absent: always fresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_ttl_seconds: Option<u64>,
}

/// A resource addressed by a URI template; each `{variable}` fills the operation parameter of
/// the same name, or the one `bind` maps it to.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceTemplate {
    pub uri_template: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub description: String,
    pub operation: String,
    /// The tool whose `view` or `renderer` lays the text out ; or give the resource its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render_as: Option<String>,
    /// The resource's own layout, as a tool's (see `Tool::view`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<View>,
    /// The resource's own hand-written renderer (see `Tool::renderer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renderer: Option<String>,
    /// Template variable → operation parameter, where their names differ.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub bind: std::collections::BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_ttl_seconds: Option<u64>,
}

/// The JSON Schema of the format, as committed in `specs/mcp_manifest.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Manifest);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
