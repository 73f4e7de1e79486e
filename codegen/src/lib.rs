//! Codegen: `specs/` → `generated/`.
//!
//! For each API directory under `specs/` (an OpenAPI document and an MCP manifest) it writes a
//! typed SDK crate (progenitor) and the MCP wrappers the server crate compiles (minijinja
//! templates in `templates/`). Everything is generated in memory first: nothing is written
//! unless every spec and manifest is valid, and `--check` only compares.

mod error;
mod generate;
mod manifest;
mod output;
mod schema;
mod sdk;
mod spec;
mod wrappers;

pub use error::Error;
pub use generate::{Files, MANIFEST_SCHEMA, generate};
pub use manifest::json_schema as manifest_json_schema;

use std::path::Path;

/// Write the files, or only compare them with what is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

/// Generates from `specs` into `out` (the manifest schema goes into `specs`). Returns a one-line
/// summary, or every problem found.
pub fn generate_all(specs: &Path, out: &Path, mode: Mode) -> Result<String, Vec<Error>> {
    let rustfmt_dir = specs
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let files = generate(specs, rustfmt_dir)?;
    match mode {
        Mode::Write => output::write(&files, out, specs),
        Mode::Check => output::check(&files, out, specs),
    }
    .map_err(|e| vec![e])
}
