//! From `specs/` to the set of generated files, entirely in memory.

use crate::error::Error;
use crate::manifest::{self, Manifest};
use crate::{sdk, spec, wrappers};
use minijinja::{Environment, Value as J};
use serde_json::{Value, json};
use std::collections::BTreeMap;
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

/// Generates everything for every API directory under `specs` (one with an `openapi.yaml`,
/// `openapi.yml` or `openapi.json`). Errors of all APIs are collected.
pub fn generate(specs: &Path, rustfmt_dir: &Path) -> Result<Files, Vec<Error>> {
    let mut files = Files::default();
    files
        .specs
        .insert(PathBuf::from(MANIFEST_SCHEMA), manifest::json_schema());
    let mut errors = Vec::new();
    let apis = api_dirs(specs).map_err(|e| vec![e])?;
    if apis.is_empty() {
        return Err(vec![Error::Io {
            path: specs.to_path_buf(),
            message: "no API directories (each needs an openapi.yaml and an mcp_manifest.json)".into(),
        }]);
    }
    let env = environment()?;
    for (api, spec_path) in apis {
        match generate_api(&env, specs, &api, &spec_path, rustfmt_dir) {
            Ok(out) => files.out.extend(out),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() { Ok(files) } else { Err(errors) }
}

fn api_dirs(specs: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
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
        let Some(spec) = ["openapi.yaml", "openapi.yml", "openapi.json"]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.exists())
        else {
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
    specs: &Path,
    api: &str,
    spec_path: &Path,
    rustfmt_dir: &Path,
) -> Result<BTreeMap<PathBuf, String>, Vec<Error>> {
    let manifest_path = specs.join(api).join("mcp_manifest.json");
    let spec = spec::load(spec_path)?;
    let manifest = load_manifest(&manifest_path).map_err(|e| vec![e])?;
    let client = sdk::generate(&spec, spec_path).map_err(|e| vec![e])?;
    let model = wrappers::build(&manifest, &spec.doc, &client.shape, spec_path, &manifest_path)?;

    let crate_name = format!("{api}-sdk");
    let crate_ident = crate_name.replace('-', "_");
    let info = &spec.openapi.info;
    let operations: Vec<Value> = spec
        .openapi
        .operations()
        .filter_map(|(path, method, op)| {
            let id = op.operation_id.as_ref()?;
            Some(json!({"method": sdk::progenitor_case(id, false), "http": format!("{} {path}", method.to_uppercase()), "summary": op.summary.clone().unwrap_or_default()}))
        })
        .collect();
    let example = client
        .shape
        .operations
        .values()
        .find(|o| o.body.is_none() && o.params.iter().all(|p| !p.required))
        .map(|o| json!({"method": o.method}))
        .ok_or_else(|| {
            vec![Error::invalid(
                spec_path,
                "/paths",
                "no operation without required parameters to show in the crate's example",
            )]
        })?;
    let ctx = json!({
        "api": api,
        "crate_name": crate_name,
        "crate_ident": crate_ident,
        "crate_version": "0.1.0",
        "title": info.title,
        "version": info.version,
        "description_lines": info.description.as_deref().unwrap_or_default().trim_end().lines().collect::<Vec<_>>(),
        "base_url": spec.openapi.servers.first().map_or("http://localhost", |s| s.url.as_str()),
        "key_env": format!("{}_API_KEY", api.to_uppercase().replace('-', "_")),
        "timeout_seconds": 15,
        "version_header": spec.doc.pointer("/info/x-version-header").and_then(Value::as_str),
        "operations": operations,
        "example": example,
        "server": manifest.server,
        "manifest_json": serde_json::to_string(&json!({"instructions": manifest.instructions, "prompts": manifest.prompts})).unwrap_or_default(),
        "tools": model.tools,
        "resources": model.resources,
        "templates": model.templates,
        "prompts": model.prompts,
    });
    let render = |name: &str| -> Result<String, Vec<Error>> {
        env.get_template(name)
            .and_then(|t| t.render(minijinja::value::Serde(&ctx)))
            .map(|mut text| {
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                text
            })
            .map_err(|e| {
                vec![Error::Template {
                    name: name.to_string(),
                    message: format!("{e:#}"),
                }]
            })
    };
    let sdk_dir = PathBuf::from(&crate_name);
    let mut out = BTreeMap::new();
    out.insert(sdk_dir.join("Cargo.toml"), render("sdk_cargo.toml.j2")?);
    out.insert(sdk_dir.join("README.md"), render("sdk_readme.md.j2")?);
    out.insert(
        sdk_dir.join("src/lib.rs"),
        rustfmt(&render("sdk_lib.rs.j2")?, &sdk_dir.join("src/lib.rs"), rustfmt_dir)?,
    );
    let client_rs = format!(
        "// @generated by `cargo run -p codegen` (progenitor) from specs/{api}/openapi.yaml. Do not edit by hand.\n\n{}",
        client.source
    );
    out.insert(
        sdk_dir.join("src/client.rs"),
        rustfmt(&client_rs, &sdk_dir.join("src/client.rs"), rustfmt_dir)?,
    );
    let wrappers_path = PathBuf::from("mcp").join(format!("{}.rs", api.replace('-', "_")));
    out.insert(
        wrappers_path.clone(),
        rustfmt(&render("wrappers.rs.j2")?, &wrappers_path, rustfmt_dir)?,
    );
    Ok(out)
}

/// Reads a manifest; an unknown or mistyped field is an error at its JSON pointer.
pub fn load_manifest(path: &Path) -> Result<Manifest, Error> {
    let value = spec::read_document(path)?;
    serde_path_to_error::deserialize::<_, Manifest>(&value).map_err(|e| {
        let ptr = spec::path_to_pointer(&e.path().to_string());
        Error::invalid(path, &ptr, e.inner().to_string())
    })
}

fn environment() -> Result<Environment<'static>, Vec<Error>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in [
        ("sdk_cargo.toml.j2", include_str!("../templates/sdk_cargo.toml.j2")),
        ("sdk_readme.md.j2", include_str!("../templates/sdk_readme.md.j2")),
        ("sdk_lib.rs.j2", include_str!("../templates/sdk_lib.rs.j2")),
        ("wrappers.rs.j2", include_str!("../templates/wrappers.rs.j2")),
    ] {
        env.add_template(name, source).map_err(|e| {
            vec![Error::Template {
                name: name.to_string(),
                message: format!("{e:#}"),
            }]
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

/// Formats Rust source with the toolchain's rustfmt, using the workspace's configuration, so
/// generated files pass `cargo fmt --check` as they are.
fn rustfmt(source: &str, path: &Path, dir: &Path) -> Result<String, Vec<Error>> {
    let fail = |message: String| {
        vec![Error::Format {
            path: path.to_path_buf(),
            message,
        }]
    };
    let mut child = Command::new(std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into()))
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .current_dir(dir)
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
