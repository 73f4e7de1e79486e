//! From `specs/` to the set of generated files, entirely in memory.

use crate::diagnostics::{Kind, Report};
use crate::error::Error;
use crate::manifest::{self, Manifest};
use crate::{pointer, sdk, server, spec, wrappers};
use minijinja::{Environment, Value as J};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Generated files: path (relative to the output root or to the specs root) → content.
#[derive(Default)]
pub struct Files {
    pub out: BTreeMap<PathBuf, String>,
    pub specs: BTreeMap<PathBuf, String>,
}

/// Where the manifest format's JSON Schema lives, relative to the specs directory.
pub const MANIFEST_SCHEMA: &str = "mcp_manifest.schema.json";

/// The file names an API directory's spec may have.
pub const SPEC_FILES: [&str; 3] = ["openapi.yaml", "openapi.yml", "openapi.json"];

/// Generates everything for every API directory under `specs` (one with an `openapi.yaml`,
/// `openapi.yml` or `openapi.json`). The files come back only when no API has an error; the
/// report holds every error and warning of every API either way.
pub fn generate(specs: &Path) -> (Option<Files>, Report) {
    let mut report = Report::default();
    let mut files = Files::default();
    files
        .specs
        .insert(PathBuf::from(MANIFEST_SCHEMA), manifest::json_schema());
    let apis = match api_dirs(specs) {
        Ok(apis) => apis,
        Err(e) => {
            report.error(e);
            return (None, report);
        }
    };
    if apis.is_empty() {
        report.error(Error::Io {
            path: specs.to_path_buf(),
            message: "no API directories (each needs an openapi.yaml and an mcp_manifest.json)".into(),
        });
        return (None, report);
    }
    let env = match environment() {
        Ok(env) => env,
        Err(e) => {
            report.error(e);
            return (None, report);
        }
    };
    let rustfmt = match Rustfmt::new() {
        Ok(r) => r,
        Err(e) => {
            report.error(e);
            return (None, report);
        }
    };
    for (api, spec_path) in apis {
        if let Some(out) = generate_api(&env, &rustfmt, specs, &api, &spec_path, &mut report) {
            files.out.extend(out);
        }
    }
    let ok = report.errors.is_empty();
    (ok.then_some(files), report)
}

/// Each directory of `specs` that holds a spec, with its spec file.
pub fn api_dirs(specs: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
    let entries = std::fs::read_dir(specs).map_err(|e| Error::Io {
        path: specs.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut apis = Vec::new();
    for entry in entries.flatten() {
        let dir = entry.path();
        if !dir.is_dir() {
            continue;
        }
        let Some(spec) = SPEC_FILES.iter().map(|f| dir.join(f)).find(|p| p.exists()) else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().to_string();
        apis.push((name, spec));
    }
    apis.sort();
    Ok(apis)
}

fn generate_api(
    env: &Environment,
    rustfmt: &Rustfmt,
    specs: &Path,
    api: &str,
    spec_path: &Path,
    report: &mut Report,
) -> Option<BTreeMap<PathBuf, String>> {
    let manifest_path = specs.join(api).join("mcp_manifest.json");
    let manifest = match load_manifest(&manifest_path) {
        Ok(m) => Some(m),
        Err(e) => {
            report.error(e);
            None
        }
    };
    let mut spec = spec::load(spec_path, report)?;
    let client = sdk::generate(&mut spec, spec_path, report)?;
    let manifest = manifest?;
    let model = match wrappers::build(&manifest, &spec, &client.shape, spec_path, &manifest_path) {
        Ok(model) => model,
        Err(errors) => {
            errors.into_iter().for_each(|e| report.error(e));
            return None;
        }
    };
    untooled(&manifest, &spec, api, spec_path, &manifest_path, report);

    let crate_name = format!("{api}-sdk");
    let crate_ident = crate_name.replace('-', "_");
    let info = &spec.openapi.info;
    let operations: Vec<Value> = spec
        .openapi
        .operations()
        .filter_map(|(path, method, op)| {
            let id = op.operation_id.as_ref()?;
            let summary = op.summary.clone().unwrap_or_default().replace('|', "\\|");
            Some(json!({"method": client.shape.operations.get(id)?.method, "http": format!("{} {path}", method.to_uppercase()), "summary": summary.lines().next().unwrap_or_default()}))
        })
        .collect();
    // The crate example calls an operation that needs nothing; a spec may have none.
    let example = client
        .shape
        .operations
        .values()
        .find(|o| o.body.is_none() && o.params.iter().all(|p| !p.required))
        .map(|o| json!({"method": o.method}));
    let ctx = json!({
        "api": api,
        "spec_file": spec_path.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default(),
        "crate_name": crate_name,
        "crate_ident": crate_ident,
        "crate_version": crate::package::version(&info.version),
        "tools_version": crate::package::version(&manifest.server.version),
        "homepage": crate::package::homepage(&spec.doc),
        "title": info.title,
        "version": info.version,
        "description_lines": info.description.as_deref().unwrap_or_default().trim_end().lines().collect::<Vec<_>>(),
        "base_url": spec.openapi.servers.first().map_or("http://localhost", |s| s.url.as_str()),
        "key_env": format!("{}_API_KEY", api.to_uppercase().replace('-', "_")),
        "timeout_seconds": 15,
        "version_header": spec.doc.pointer("/info/x-version-header").and_then(Value::as_str),
        "operations": operations,
        "example": example,
        "paged": crate::paging::paged(&client.shape),
        "dependencies": client.dependencies,
        "server": manifest.server,
        "prompt_count": manifest.prompts.len(),
        "manifest_json": serde_json::to_string(&json!({"instructions": manifest.instructions, "prompts": manifest.prompts})).unwrap_or_default(),
        "tools": model.tools,
        "handlers": model.handlers,
        "renderers": model.renderers,
        "resources": model.resources,
        "templates": model.templates,
        "server_operations": server::operations(&spec.doc),
    });
    let mut failed = false;
    let mut render = |name: &str| -> String {
        match env
            .get_template(name)
            .and_then(|t| t.render(minijinja::value::Serde(&ctx)))
        {
            Ok(mut text) => {
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                text
            }
            Err(e) => {
                report.error(Error::Template {
                    name: name.to_string(),
                    message: format!("{e:#}"),
                });
                failed = true;
                String::new()
            }
        }
    };
    let sdk_dir = PathBuf::from(&crate_name);
    let cargo = render("sdk_cargo.toml.j2");
    let readme = render("sdk_readme.md.j2");
    let lib = render("sdk_lib.rs.j2");
    let tools_cargo = render("tools_cargo.toml.j2");
    let tools_lib = render("tools_lib.rs.j2");
    let server_cargo = render("server_cargo.toml.j2");
    let server_lib = render("server_lib.rs.j2");
    if failed {
        return None;
    }
    let client_rs = format!(
        "// @generated by `cargo run -p codegen` (progenitor) from specs/{api}/{}. Do not edit by hand.\n\n{}",
        spec_path.file_name().map(|f| f.to_string_lossy()).unwrap_or_default(),
        client.source
    );
    let mut out = BTreeMap::new();
    out.insert(sdk_dir.join("Cargo.toml"), cargo);
    out.insert(sdk_dir.join("README.md"), readme);
    // The client is as prettyplease prints it (lib.rs tells rustfmt to skip it): formatting
    // megabytes again would take seconds and depend on the toolchain's rustfmt.
    out.insert(sdk_dir.join("src/client.rs"), client_rs);
    let server_dir = PathBuf::from(format!("{api}-server"));
    out.insert(server_dir.join("Cargo.toml"), server_cargo);
    // What the API serves besides its operations: the spec (as JSON, the form clients fetch)
    // and the MCP manifest, carried by the server crate so that it builds from its package alone.
    out.insert(server_dir.join("openapi.json"), served(spec_path, report)?);
    out.insert(server_dir.join("mcp_manifest.json"), served(&manifest_path, report)?);
    let tools_dir = PathBuf::from(format!("{api}-tools"));
    out.insert(tools_dir.join("Cargo.toml"), tools_cargo);
    for (path, source) in [
        (sdk_dir.join("src/lib.rs"), lib),
        (tools_dir.join("src/lib.rs"), tools_lib),
        (server_dir.join("src/lib.rs"), server_lib),
    ] {
        match rustfmt.format(&source, &path) {
            Ok(text) => {
                out.insert(path, text);
            }
            Err(e) => {
                report.error(e);
                return None;
            }
        }
    }
    Some(out)
}

/// Operations that no tool or resource calls and the manifest does not `exclude`: each is a
/// warning, so leaving one out is a recorded choice. An `exclude` entry that names no operation
/// is an error.
fn untooled(
    manifest: &Manifest,
    spec: &spec::Spec,
    api: &str,
    spec_path: &Path,
    manifest_path: &Path,
    report: &mut Report,
) {
    let mut used: BTreeSet<&str> = manifest.tools.iter().filter_map(|t| t.operation.as_deref()).collect();
    used.extend(manifest.resources.iter().map(|r| r.operation.as_str()));
    used.extend(manifest.resource_templates.iter().map(|r| r.operation.as_str()));
    let ids: BTreeSet<String> = spec
        .openapi
        .operations()
        .filter_map(|(_, _, op)| op.operation_id.clone())
        .collect();
    let left_out: BTreeSet<&str> = spec.left_out.iter().map(|l| l.operation_id.as_str()).collect();
    for (i, id) in manifest.exclude.iter().enumerate() {
        if !ids.contains(id) && !left_out.contains(id.as_str()) {
            let known: Vec<String> = ids
                .iter()
                .cloned()
                .chain(left_out.iter().map(|l| l.to_string()))
                .collect();
            let hint = wrappers::closest(id, known.iter())
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            report.error(Error::invalid(
                manifest_path,
                &pointer::of(["exclude", &i.to_string()]),
                format!("`{id}` is not an operation of {}{hint}", spec_path.display()),
            ));
        }
    }
    for (path, method, op) in spec.openapi.operations() {
        let Some(id) = op.operation_id.as_deref() else { continue };
        if used.contains(id) || manifest.exclude.iter().any(|e| e == id) {
            continue;
        }
        report.warn(
            Kind::Untooled,
            spec_path,
            &pointer::of(["paths", path, method]),
            format!(
                "`{id}` has no tool: add one with `cargo run -p codegen -- scaffold --api {api} --operation {id}`, or list it in the manifest's `exclude`"
            ),
        );
    }
}

/// A document as the API serves it: as written (the spec not as normalised for progenitor), as
/// indented JSON, so that a change of the document reads as the same change here.
fn served(path: &Path, report: &mut Report) -> Option<String> {
    match crate::document::read(path) {
        Ok(doc) => Some(format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default())),
        Err(e) => {
            report.error(e);
            None
        }
    }
}

/// Reads a manifest; an unknown or mistyped field is an error at its JSON pointer.
pub fn load_manifest(path: &Path) -> Result<Manifest, Error> {
    let value = crate::document::read(path)?;
    serde_path_to_error::deserialize::<_, Manifest>(&value).map_err(|e| {
        let ptr = spec::serde_pointer(e.path());
        Error::invalid(path, &ptr, e.inner().to_string())
    })
}

fn environment() -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in [
        ("sdk_cargo.toml.j2", include_str!("../templates/sdk_cargo.toml.j2")),
        ("sdk_readme.md.j2", include_str!("../templates/sdk_readme.md.j2")),
        ("sdk_lib.rs.j2", include_str!("../templates/sdk_lib.rs.j2")),
        ("tools_cargo.toml.j2", include_str!("../templates/tools_cargo.toml.j2")),
        ("tools_lib.rs.j2", include_str!("../templates/tools_lib.rs.j2")),
        (
            "server_cargo.toml.j2",
            include_str!("../templates/server_cargo.toml.j2"),
        ),
        ("server_lib.rs.j2", include_str!("../templates/server_lib.rs.j2")),
    ] {
        env.add_template(name, source).map_err(|e| Error::Template {
            name: name.to_string(),
            message: format!("{e:#}"),
        })?;
    }
    env.add_filter("rust_str", |s: String| format!("{s:?}"));
    env.add_filter("raw_str", |s: String| {
        let mut hashes = String::from("#");
        while s.contains(&format!("\"{hashes}")) {
            hashes.push('#');
        }
        format!("r{hashes}\"{s}\"{hashes}")
    });
    env.add_filter("rust", rust_literal);
    env.add_filter("opt", |v: J| {
        if v.is_none() || v.is_undefined() {
            "None".to_string()
        } else {
            format!("Some({})", rust_literal(v))
        }
    });
    env.add_filter("opt_str", |v: J| match v.as_str() {
        Some(s) => format!("Some({s:?})"),
        None => "None".to_string(),
    });
    env.add_filter("first_line", |s: String| {
        s.lines().next().unwrap_or_default().to_string()
    });
    Ok(env)
}

/// A number or boolean as a Rust literal (minijinja prints booleans Python-style).
fn rust_literal(v: J) -> String {
    match v.kind() {
        minijinja::value::ValueKind::Bool => v.is_true().to_string(),
        _ => v.to_string(),
    }
}

/// The workspace's rustfmt configuration, compiled in: generated files are formatted the same
/// from any working directory, and pass `cargo fmt --check` as they are.
const RUSTFMT_TOML: &str = include_str!("../../rustfmt.toml");

/// The toolchain's rustfmt, run with [`RUSTFMT_TOML`] and nothing found on disk.
struct Rustfmt {
    /// A private directory holding the configuration; rustfmt runs in it.
    dir: PathBuf,
}

impl Rustfmt {
    fn new() -> Result<Self, Error> {
        let dir = std::env::temp_dir().join(format!(
            "codegen-rustfmt-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let io = |e: std::io::Error| Error::Io {
            path: dir.clone(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        std::fs::write(dir.join("rustfmt.toml"), RUSTFMT_TOML).map_err(io)?;
        Ok(Self { dir })
    }

    fn format(&self, source: &str, path: &Path) -> Result<String, Error> {
        let fail = |message: String| Error::Format {
            path: path.to_path_buf(),
            message,
        };
        let mut child = Command::new(std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into()))
            .args(["--edition", "2024", "--emit", "stdout", "--quiet", "--config-path"])
            .arg(self.dir.join("rustfmt.toml"))
            .current_dir(&self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                fail(format!(
                    "cannot run rustfmt ({e}); install it with `rustup component add rustfmt`"
                ))
            })?;
        let mut stdin = child.stdin.take().ok_or_else(|| fail("rustfmt has no stdin".into()))?;
        let input = source.to_string();
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let output = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
        let _ = writer.join();
        if !output.status.success() {
            return Err(fail(
                String::from_utf8_lossy(&output.stderr)
                    .lines()
                    .take(20)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ));
        }
        String::from_utf8(output.stdout).map_err(|e| fail(e.to_string()))
    }
}

impl Drop for Rustfmt {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
