//! `cargo run -p codegen [-- --check] [--strict] [--specs DIR] [--out DIR]`
//! `cargo run -p codegen -- scaffold --api NAME (--operation ID... | --tag TAG | --all)`
//!
//! Regenerates `generated/` (the SDK, server and MCP tools crates) and
//! `specs/mcp_manifest.schema.json` from `specs/`, or appends scaffolded tools to a manifest.

use codegen::{Mode, Selection, generate_all, scaffold};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const HELP: &str = "\
codegen: regenerate the SDK, server and MCP tools crates from the specs

USAGE:
    cargo run -p codegen [-- OPTIONS]
    cargo run -p codegen -- scaffold --api NAME (--operation ID... | --tag TAG | --all) [--specs DIR]

OPTIONS:
    --check        Regenerate in memory; exit 1 with a unified diff if the output is stale
    --strict       Treat warnings (rewrites of the spec, operations left out or without a tool) as errors
    --verbose      List every warning instead of grouping large numbers of one kind
    --specs DIR    Read specs from DIR (default: <workspace>/specs)
    --out DIR      Write generated code to DIR (default: <workspace>/generated)
    -h, --help     Show this help

SCAFFOLD:
    Appends a tool entry for each selected operation to DIR/NAME/mcp_manifest.json (created if
    missing): name from the operationId, title and description from the summary and description,
    annotations from the method, toolset from the first tag. Review them, then regenerate.
    --api NAME         The API directory under the specs directory
    --operation ID     An operationId (repeatable)
    --tag TAG          Every operation with this tag
    --all              Every operation

Each directory under the specs directory with an openapi.yaml, .yml or .json (OpenAPI 3.0, 3.1 or
3.2) and an mcp_manifest.json becomes <out>/<name>-sdk (a progenitor client crate),
<out>/<name>-server (routes and request checks for a backend) and <out>/<name>-tools (the MCP
tools, resources and answer views, on mcp-runtime). Shapes the client generator cannot take
are rewritten, each with a warning naming the file and JSON pointer; problems that stop generation
are errors, and nothing is written then.
";

enum Command {
    Generate {
        check: bool,
        strict: bool,
        verbose: bool,
        out: PathBuf,
    },
    Scaffold {
        api: String,
        selection: Selection,
    },
}

struct Options {
    specs: PathBuf,
    command: Command,
}

fn parse_args(root: &Path) -> Result<Option<Options>, String> {
    let mut args = std::env::args().skip(1).peekable();
    let scaffolding = args.peek().is_some_and(|a| a == "scaffold");
    if scaffolding {
        args.next();
    }
    let (mut check, mut strict, mut verbose) = (false, false, false);
    let mut specs = root.join("specs");
    let mut out = root.join("generated");
    let mut api = None;
    let mut operations = Vec::new();
    let mut tag = None;
    let mut all = false;
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match (arg.as_str(), scaffolding) {
            ("-h" | "--help", _) => return Ok(None),
            ("--specs", _) => specs = value("--specs")?.into(),
            ("--check", false) => check = true,
            ("--strict", false) => strict = true,
            ("--verbose", false) => verbose = true,
            ("--out", false) => out = value("--out")?.into(),
            ("--api", true) => api = Some(value("--api")?),
            ("--operation", true) => operations.push(value("--operation")?),
            ("--tag", true) => tag = Some(value("--tag")?),
            ("--all", true) => all = true,
            (other, _) => return Err(format!("unknown argument `{other}`")),
        }
    }
    let command = if scaffolding {
        let api = api.ok_or("scaffold needs --api NAME")?;
        let selection = match (operations.is_empty(), tag, all) {
            (false, None, false) => Selection::Operations(operations),
            (true, Some(tag), false) => Selection::Tag(tag),
            (true, None, true) => Selection::All,
            _ => return Err("scaffold needs exactly one of --operation ID..., --tag TAG or --all".into()),
        };
        Command::Scaffold { api, selection }
    } else {
        Command::Generate {
            check,
            strict,
            verbose,
            out,
        }
    };
    Ok(Some(Options { specs, command }))
}

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = root.canonicalize().unwrap_or(root);
    let options = match parse_args(&root) {
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
    // Paths are shown relative to where codegen was run.
    let strip = std::env::current_dir()
        .map(|d| format!("{}/", d.display()))
        .unwrap_or_default();
    match options.command {
        Command::Scaffold { api, selection } => match scaffold(&options.specs, &api, &selection) {
            Ok(summary) => {
                eprintln!("codegen: {}", summary.replace(&strip, ""));
                ExitCode::SUCCESS
            }
            Err(report) => {
                eprint!("{}", report.render(false, false, &strip));
                eprintln!("codegen: nothing was written");
                ExitCode::FAILURE
            }
        },
        Command::Generate {
            check,
            strict,
            verbose,
            out,
        } => {
            let mode = if check { Mode::Check } else { Mode::Write };
            let outcome = generate_all(&options.specs, &out, mode, strict);
            eprint!("{}", outcome.report.render(verbose, strict, &strip));
            outcome.api_changes.iter().for_each(|change| eprint!("{change}"));
            let (errors, warnings) = (outcome.report.errors.len(), outcome.report.warnings.len());
            match outcome.summary {
                Some(summary) => {
                    let warned = if warnings > 0 {
                        format!(" ({warnings} warning(s))")
                    } else {
                        String::new()
                    };
                    eprintln!("codegen: {summary}{warned}");
                    ExitCode::SUCCESS
                }
                None => {
                    let stale =
                        errors == 1 && matches!(outcome.report.errors.first(), Some(codegen::Error::Stale { .. }));
                    if !stale {
                        let counted = if strict { errors + warnings } else { errors };
                        eprintln!("codegen: {counted} problem(s); nothing was written");
                    }
                    ExitCode::FAILURE
                }
            }
        }
    }
}
