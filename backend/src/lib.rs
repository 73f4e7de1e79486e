//! A local implementation of both APIs of `specs/` on SQLite.
//!
//! It is the embedded backend behind `--local` (so both MCP servers run offline, and Inferior
//! becomes a private experience store) and the real server of every end-to-end test. Request
//! and response bodies are the SDK crates' generated types, so the backend cannot drift from
//! the spec without failing to compile; schemathesis checks it against the served specs.
//!
//! The Inferior API is served under `/inferior`, the Catalyst API under `/inference`; each
//! serves its spec at `{base}/openapi.json` and its live MCP manifest at
//! `{base}/v1/mcp/manifest.json`.

mod auth;
mod db;
mod error;
mod extract;
mod inference;
mod inferior;
pub mod otel;
pub mod seed;
mod server;
mod util;
mod worker;

pub use server::{Config, Running, default_data_dir, start};
