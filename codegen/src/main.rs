//! `cargo run -p codegen [-- --check] [--specs DIR] [--out DIR]`
//!
//! Regenerates `generated/` (the SDK crates and the MCP wrappers) and
//! `specs/mcp_manifest.schema.json` from `specs/`. With `--check` nothing is written: it exits 1
//! with a unified diff when the committed output is stale.

use codegen::{Mode, generate_all};
use std::path::PathBuf;
use std::process::ExitCode;

const HELP: &str = "\
codegen: regenerate the SDK crates and MCP wrappers from the specs

USAGE:
    cargo run -p codegen [-- OPTIONS]

OPTIONS:
    --check        Regenerate in memory; exit 1 with a unified diff if the output is stale
    --specs DIR    Read specs from DIR (default: <workspace>/specs)
    --out DIR      Write generated code to DIR (default: <workspace>/generated)
    -h, --help     Show this help

Each directory under the specs directory with an openapi.yaml (OpenAPI 3.0 or 3.1) and an
mcp_manifest.json becomes <out>/<name>-sdk (a progenitor client crate) and <out>/mcp/<name>.rs
(tool, resource and prompt wrappers). Problems are reported with the file and JSON pointer.
";

struct Options {
    check: bool,
    specs: PathBuf,
    out: PathBuf,
}

fn parse_args() -> Result<Option<Options>, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut options = Options {
        check: false,
        specs: root.join("specs"),
        out: root.join("generated"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => options.check = true,
            "--specs" => options.specs = args.next().ok_or("--specs needs a directory")?.into(),
            "--out" => options.out = args.next().ok_or("--out needs a directory")?.into(),
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Some(options))
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(Some(o)) => o,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    let mode = if options.check { Mode::Check } else { Mode::Write };
    let result = generate_all(&options.specs, &options.out, mode);
    match result {
        Ok(summary) => {
            eprintln!("codegen: {summary}");
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            if errors.len() > 1 || !matches!(errors.first(), Some(codegen::Error::Stale { .. })) {
                eprintln!("codegen: {} problem(s); nothing was written", errors.len());
            }
            ExitCode::FAILURE
        }
    }
}
