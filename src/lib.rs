//! MCP servers for the Inferior and Inference (Catalyst) APIs.
//!
//! Most of each server is generated from its OpenAPI spec and MCP manifest (see `generated/`);
//! this crate is the hand-written rest: the MCP runtime ([`mcp`]), text rendering ([`render`]),
//! the hand-written tools ([`handlers`]) and the two API bindings ([`inferior`], [`inference`]).

pub mod cli;
pub mod generated;
pub mod handlers;
pub mod inference;
pub mod inferior;
pub mod local;
pub mod mcp;
pub mod render;
