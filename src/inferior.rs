//! The Inferior API binding: its generated wrappers as an [`Api`], and its error body.

use crate::generated::inferior as wrappers;
use crate::mcp::{Api, Ctx, JsonObject, ResourceSpec, ServerSpec, ToolError, ToolSpec};

/// The Inferior MCP server's API.
pub struct Inferior;

impl Api for Inferior {
    type Client = inferior_sdk::Client;
    const SERVER: ServerSpec = wrappers::SERVER;
    const TOOLS: &'static [ToolSpec] = wrappers::TOOLS;
    const RESOURCES: &'static [ResourceSpec] = wrappers::RESOURCES;
    const MANIFEST: &'static str = wrappers::MANIFEST;
    const UNAUTHORIZED: &'static str = "invalid or missing INFERIOR_API_KEY";

    async fn call_tool(ctx: &Ctx<Self::Client>, name: &str, arguments: JsonObject) -> Option<Result<String, ToolError>> {
        wrappers::call_tool(ctx, name, arguments).await
    }

    async fn read_resource(ctx: &Ctx<Self::Client>, uri: &str) -> Option<Result<String, ToolError>> {
        wrappers::read_resource(ctx, uri).await
    }
}

impl crate::mcp::ApiErrorBody for inferior_sdk::types::Error {
    fn message(&self) -> &str {
        &self.message
    }
    fn details(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.details
    }
}
