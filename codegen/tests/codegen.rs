//! Codegen end to end: the committed output is current and deterministic, every bad spec in
//! `tests/fixtures/` yields its clear error (never a panic), a 3.1 spec is downgraded, and
//! adding an operation plus a tool only adds code.

use codegen::{Mode, generate, generate_all};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixtures() -> PathBuf {
    root().join("tests/fixtures")
}

/// Error text with the machine-specific fixture path removed.
fn errors_text(dir: &Path, errors: &[codegen::Error]) -> String {
    let prefix = format!("{}/", dir.display());
    errors
        .iter()
        .map(|e| e.to_string().replace(&prefix, ""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn committed_output_is_up_to_date() {
    let result = generate_all(&root().join("specs"), &root().join("generated"), Mode::Check);
    if let Err(errors) = result {
        panic!(
            "{}",
            errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        );
    }
}

#[test]
fn output_is_deterministic() {
    let a = generate(&root().join("specs"), &root()).map_err(|e| e.len()).unwrap();
    let b = generate(&root().join("specs"), &root()).map_err(|e| e.len()).unwrap();
    assert_eq!(a.out, b.out);
    assert!(
        a.out
            .values()
            .all(|text| text.lines().next().is_some_and(|l| l.contains("@generated"))),
        "every generated file starts with the generated header"
    );
}

#[test]
fn every_bad_fixture_yields_its_error() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !p.ends_with("openapi31"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "fixtures went missing: {cases:?}");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let errors = match generate(&case, &root()) {
            Ok(_) => panic!("{name}: expected an error"),
            Err(errors) => errors,
        };
        insta::assert_snapshot!(name, errors_text(&case, &errors));
    }
}

#[test]
fn openapi_31_is_downgraded_and_generated() {
    let case = fixtures().join("openapi31");
    let files = match generate(&case, &root()) {
        Ok(files) => files,
        Err(errors) => panic!("{}", errors_text(&case, &errors)),
    };
    let client = &files.out[Path::new("notes-sdk/src/client.rs")];
    assert!(client.contains("pub struct Note {"), "the Note type is generated");
    assert!(
        client.contains("pub text: ::std::option::Option<::std::string::String>"),
        "`type: [string, null]` became an optional string"
    );
    let wrappers = &files.out[Path::new("mcp/notes.rs")];
    let schema = wrappers.lines().find(|l| l.contains("input_schema")).unwrap().trim();
    insta::assert_snapshot!(schema);
}

/// Copies a directory tree (specs only: small text files).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn adding_an_operation_and_a_tool_only_adds_code() {
    let before = generate(&root().join("specs"), &root()).map_err(|e| e.len()).unwrap();
    let dir = std::env::temp_dir().join(format!("codegen-add-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(&root().join("specs"), &dir);

    let spec_path = dir.join("inferior/openapi.yaml");
    let mut spec: serde_json::Value = serde_norway::from_str(&std::fs::read_to_string(&spec_path).unwrap()).unwrap();
    spec["paths"]["/v1/experiences/{experience_id}/similar"] = serde_json::json!({
        "parameters": [{"$ref": "#/components/parameters/ExperienceId"}],
        "get": {
            "operationId": "listSimilarExperiences",
            "tags": ["experiences"],
            "summary": "Experiences similar to one",
            "parameters": [{"$ref": "#/components/parameters/Limit"}],
            "responses": {
                "200": {"description": "Similar experiences.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExperiencePage"}}}},
                "404": {"$ref": "#/components/responses/NotFound"}
            }
        }
    });
    std::fs::write(&spec_path, serde_norway::to_string(&spec).unwrap()).unwrap();
    let manifest_path = dir.join("inferior/mcp_manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    manifest["tools"].as_array_mut().unwrap().insert(2, serde_json::json!({
        "name": "list_similar_experiences", "title": "Similar experiences", "description": "Experiences similar to one you found.",
        "annotations": {"read_only": true, "open_world": true}, "operation": "listSimilarExperiences"
    }));
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();

    let after = match generate(&dir, &root()) {
        Ok(files) => files,
        Err(errors) => panic!("{}", errors_text(&dir, &errors)),
    };
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        before.out.keys().collect::<Vec<_>>(),
        after.out.keys().collect::<Vec<_>>(),
        "no file appears or disappears"
    );
    let mut changed = Vec::new();
    for (path, old) in &before.out {
        let new = &after.out[path];
        if old == new {
            continue;
        }
        changed.push(path.display().to_string());
        let diff = similar::TextDiff::from_lines(old, new);
        let removed: Vec<String> = diff
            .iter_all_changes()
            .filter(|c| c.tag() == similar::ChangeTag::Delete)
            .map(|c| c.to_string())
            .collect();
        assert!(
            removed.is_empty(),
            "{}: lines removed or changed:\n{}",
            path.display(),
            removed.join("")
        );
    }
    assert_eq!(
        changed,
        [
            "inferior-sdk/README.md",
            "inferior-sdk/src/client.rs",
            "mcp/inferior.rs"
        ]
    );
    let client = &after.out[Path::new("inferior-sdk/src/client.rs")];
    assert_eq!(client.matches("pub fn list_similar_experiences(").count(), 1);
    let wrappers = &after.out[Path::new("mcp/inferior.rs")];
    assert_eq!(wrappers.matches("name: \"list_similar_experiences\"").count(), 1);
    assert!(
        wrappers.contains("\"experience_id\":{\"type\":\"string\""),
        "the path-level $ref'd parameter reaches the tool schema"
    );
}

#[test]
fn manifest_schema_is_current() {
    let committed = std::fs::read_to_string(root().join("specs").join(codegen::MANIFEST_SCHEMA)).unwrap();
    assert_eq!(committed, codegen::manifest_json_schema(), "run `cargo run -p codegen`");
}
