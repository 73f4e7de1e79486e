//! What installs the servers says what the servers are: each `server.json` (the MCP Registry) and
//! MCPB manifest (Claude Desktop) is valid against its format's schema (copies in
//! `tests/fixtures`, see SOURCES.md) and agrees with the crate, the MCP manifest and `--help`.

use crate::common::{INFERENCE, INFERIOR, run, validate};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A file of `server` read and validated against a schema of `tests/fixtures`, which must refuse
/// the same file spoiled by `spoil` (so a schema that accepts anything fails the test).
fn checked(server: &str, file: &str, schema: &str, spoil: fn(&mut Value)) -> Value {
    let path = root().join("servers").join(server).join(file);
    let doc = json(&path);
    let schema_doc = json(&root().join("tests/fixtures").join(schema));
    if let Err(e) = validate(&schema_doc, &doc) {
        panic!("{}: not valid against {schema}: {e}", path.display());
    }
    let mut spoiled = doc.clone();
    spoil(&mut spoiled);
    assert!(
        validate(&schema_doc, &spoiled).is_err(),
        "{schema} accepts a spoiled {file}"
    );
    doc
}

/// An API's MCP manifest.
fn mcp_manifest(api: &str) -> Value {
    json(&root().join("specs").join(api).join("mcp_manifest.json"))
}

/// A server's crate version, from its Cargo.toml.
fn crate_version(server: &str) -> String {
    let path = root().join("servers").join(server).join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{}: no version line", path.display()))
        .to_string()
}

/// Each server with the variables its `--help` documents.
fn servers() -> [(&'static str, &'static str, String); 2] {
    let help = |bin: &str| {
        let (code, out, err) = run(bin, &["--help"]);
        assert_eq!(code, 0, "{err}");
        out
    };
    [
        ("inferior-mcp", "inferior", help(&INFERIOR)),
        ("inference-mcp", "inference", help(&INFERENCE)),
    ]
}

#[test]
fn server_json_is_valid_for_the_mcp_registry_and_names_what_is_published() {
    for (server, api, help) in servers() {
        let doc = checked(server, "server.json", "mcp-registry-server.schema.json", |d| {
            d["name"] = "no namespace".into();
        });
        let version = crate_version(server);
        assert_eq!(
            doc["version"],
            mcp_manifest(api)["server"]["version"],
            "{server}: the MCP manifest's version"
        );
        assert_eq!(doc["version"], version.as_str(), "{server}: the crate's version");

        let name = doc["name"].as_str().unwrap();
        // The registry's ownership check reads the crate's README as crates.io renders it, which
        // drops HTML comments: the name must be visible text.
        let readme = std::fs::read_to_string(root().join("servers").join(server).join("README.md")).unwrap();
        let marker = format!("mcp-name: {name}");
        let line = readme.lines().find(|l| l.contains(&marker));
        assert!(
            line.is_some_and(|l| !l.contains("<!--")),
            "{server}: README.md shows `{marker}` outside a comment"
        );

        let packages = doc["packages"].as_array().unwrap();
        let cargo = packages
            .iter()
            .find(|p| p["registryType"] == "cargo")
            .expect("a cargo package");
        assert_eq!(cargo["identifier"], server);
        assert_eq!(cargo["version"], version.as_str());
        assert_eq!(cargo["registryBaseUrl"], "https://crates.io");
        for variable in cargo["environmentVariables"].as_array().unwrap() {
            let variable = variable["name"].as_str().unwrap();
            assert!(
                help.contains(variable),
                "{server}: `{variable}` is not in --help:\n{help}"
            );
        }
        let oci = packages
            .iter()
            .find(|p| p["registryType"] == "oci")
            .expect("an OCI package");
        let image = oci["identifier"].as_str().unwrap();
        assert!(
            image.ends_with(&format!("/{server}:{version}")),
            "{server}: image {image}"
        );
        // The image serves HTTP on 8080 (deploy/Dockerfile), published on loopback.
        assert_eq!(oci["transport"]["url"], "http://127.0.0.1:8080/mcp");
    }
}

#[test]
fn the_dockerfile_labels_the_image_with_the_registry_name() {
    let dockerfile = std::fs::read_to_string(root().join("deploy/Dockerfile")).unwrap();
    let inference = json(&root().join("servers/inference-mcp/server.json"));
    let default = format!("ARG MCP_NAME={}", inference["name"].as_str().unwrap());
    assert!(
        dockerfile.contains(&default),
        "the default image is inference-mcp's: {default}"
    );
    assert!(dockerfile.contains("LABEL io.modelcontextprotocol.server.name=\"$MCP_NAME\""));
    assert!(dockerfile.contains("USER nonroot"));
}

#[test]
fn mcpb_manifests_are_valid_and_pass_what_the_server_reads() {
    for (server, api, help) in servers() {
        let doc = checked(server, "mcpb/manifest.json", "mcpb-manifest-v0.3.schema.json", |d| {
            d["server"]["type"] = "jar".into();
        });
        assert_eq!(doc["name"], server);
        assert_eq!(
            doc["version"],
            crate_version(server).as_str(),
            "{server}: the crate's version"
        );
        assert_eq!(doc["display_name"], mcp_manifest(api)["server"]["title"]);
        let config = &doc["server"]["mcp_config"];
        assert_eq!(config["command"], format!("${{__dirname}}/server/{server}"));
        let user_config = doc["user_config"].as_object().unwrap();
        for (variable, value) in config["env"].as_object().unwrap() {
            assert!(
                help.contains(variable),
                "{server}: `{variable}` is not in --help:\n{help}"
            );
            let key = value
                .as_str()
                .and_then(|v| v.strip_prefix("${user_config."))
                .and_then(|v| v.strip_suffix('}'))
                .unwrap_or_else(|| panic!("{server}: {variable} is not a user_config value"));
            assert!(user_config.contains_key(key), "{server}: user_config has no `{key}`");
        }
    }
}
