//! MCP servers for the Inferior and Inference (Catalyst) APIs.
//!
//! Most of each server is generated from its OpenAPI spec and MCP manifest (the `*-sdk` and
//! `*-tools` crates under `generated/`) and runs on `mcp-runtime`; this crate is the hand-written
//! rest: the hooks the generated tools declare (handlers, checks, resolvers in [`handlers`];
//! renderers in [`render`]), the two API bindings ([`inferior`], [`inference`]) and the command
//! line ([`cli`]).

pub mod cli;
pub mod handlers;
pub mod inference;
pub mod inferior;
pub mod local;
pub mod render;
