//! The wrappers codegen writes from `specs/<api>/mcp_manifest.json` (never edited by hand).

#[path = "../generated/mcp/inference.rs"]
pub mod inference;
#[path = "../generated/mcp/inferior.rs"]
pub mod inferior;
