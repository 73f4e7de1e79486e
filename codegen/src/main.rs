//! `cargo run -p codegen [-- --check] [--specs DIR] [--out DIR]`
//!
//! Regenerates `generated/` (the SDK crates and the MCP wrappers) and
//! `specs/mcp_manifest.schema.json` from `specs/`. With `--check` nothing is written: it exits 1
//! with a unified diff when the committed output is stale.

mod error;
mod generate;
mod manifest;
mod output;
mod schema;
mod sdk;
mod spec;
mod wrappers;

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
    let mut options = Options { check: false, specs: root.join("specs"), out: root.join("generated") };
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
    let rustfmt_dir = options.specs.parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    let files = match generate::generate(&options.specs, &rustfmt_dir) {
        Ok(files) => files,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            eprintln!("codegen: {} problem(s); nothing was written", errors.len());
            return ExitCode::FAILURE;
        }
    };
    let result = if options.check {
        output::check(&files, &options.out, &options.specs)
    } else {
        output::write(&files, &options.out, &options.specs)
    };
    match result {
        Ok(summary) => {
            eprintln!("codegen: {summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
