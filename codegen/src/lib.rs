//! Codegen: `specs/` → `generated/`.
//!
//! For each API directory under `specs/` (an OpenAPI document and an MCP manifest) it writes a
//! typed SDK crate (progenitor), the server crate a backend implements (routes and request
//! checks, [`server`]) and the MCP tools crate the MCP server builds on `mcp-runtime` (tool
//! definitions, typed arguments, calls, answer views and the hook traits hand-written code
//! implements; minijinja templates in `templates/`). A spec goes through normalisation first ([`normalize`]), so the
//! OpenAPI 3.0/3.1/3.2 documents real backends publish generate, with a warning for every
//! rewrite. Everything is generated in memory: nothing is written unless every spec and manifest
//! is usable (and, with `--strict`, warning-free), and `--check` only compares.

mod api_change;
mod bundle;
mod diagnostics;
mod document;
mod error;
mod generate;
mod listing;
mod manifest;
mod names;
mod normalize;
mod output;
mod package;
mod paging;
mod pointer;
mod result_schema;
mod scaffold;
mod schema;
mod sdk;
mod server;
mod spec;
mod walk;
mod wrappers;

pub use diagnostics::{Kind, Report, Warning};
pub use error::Error;
pub use generate::{Files, MANIFEST_SCHEMA, generate};
pub use manifest::json_schema as manifest_json_schema;
pub use scaffold::{Selection, scaffold};

use std::path::Path;

/// Write the files, or only compare them with what is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

/// What a run did: a one-line summary when it succeeded, every diagnostic, and how each SDK's
/// public API differs from the one on disk.
pub struct Outcome {
    pub summary: Option<String>,
    pub report: Report,
    pub api_changes: Vec<String>,
}

/// Generates from `specs` into `out` (the manifest schema goes into `specs`). With `strict`, a
/// warning fails the run like an error.
pub fn generate_all(specs: &Path, out: &Path, mode: Mode, strict: bool) -> Outcome {
    let (files, mut report) = generate(specs);
    let Some(files) = files.filter(|_| !strict || report.warnings.is_empty()) else {
        return Outcome {
            summary: None,
            report,
            api_changes: Vec::new(),
        };
    };
    let api_changes = api_changes(&files, out);
    let result = match mode {
        Mode::Write => output::write(&files, out, specs),
        Mode::Check => output::check(&files, out, specs),
    };
    match result {
        Ok(summary) => Outcome {
            summary: Some(summary),
            report,
            api_changes,
        },
        Err(e) => {
            report.error(e);
            Outcome {
                summary: None,
                report,
                api_changes,
            }
        }
    }
}

/// Each generated SDK whose public API differs from its client on disk under `out` (a new SDK,
/// with nothing on disk, is not a change).
fn api_changes(files: &Files, out: &Path) -> Vec<String> {
    files
        .out
        .iter()
        .filter_map(|(rel, text)| {
            let krate = rel.to_str()?.strip_suffix("/src/client.rs")?;
            let before = std::fs::read_to_string(out.join(rel)).ok()?;
            api_change::report(krate, &before, text)
        })
        .collect()
}
