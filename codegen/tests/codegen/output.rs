//! The committed output: current, warning-free, deterministic, the same from any directory, and
//! changed only where a spec change asks for it.

use crate::support::{copy_tree, root, scratch};
use codegen::{Mode, generate, generate_all};
use std::path::Path;

#[test]
fn committed_output_is_up_to_date_and_warning_free() {
    let outcome = generate_all(&root().join("specs"), &root().join("generated"), Mode::Check, true);
    assert!(outcome.summary.is_some(), "{}", outcome.report.render(true, true, ""));
    assert!(outcome.report.warnings.is_empty() && outcome.report.errors.is_empty());
}

#[test]
fn output_is_deterministic() {
    let (a, _) = generate(&root().join("specs"));
    let (b, _) = generate(&root().join("specs"));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.out, b.out);
    // JSON has no comments: the spec and manifest the server crate serves are data.
    assert!(
        a.out
            .iter()
            .filter(|(path, _)| path.extension().is_none_or(|e| e != "json"))
            .all(|(_, text)| text.lines().next().is_some_and(|l| l.contains("@generated"))),
        "every generated source file starts with the generated header"
    );
}

/// `--specs DIR --out DIR` from another working directory writes what is committed, byte for
/// byte: formatting does not depend on the rustfmt.toml rustfmt would find there.
#[test]
fn output_is_the_same_from_anywhere() {
    let dir = scratch("anywhere");
    copy_tree(&root().join("specs"), &dir.join("specs"));
    // A configuration rustfmt would pick up from the working directory.
    std::fs::write(dir.join("rustfmt.toml"), "max_width = 60\nhard_tabs = true\n").unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_codegen"))
        .args(["--specs", "specs", "--out", "out"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let (files, _) = generate(&root().join("specs"));
    for (rel, expected) in files.unwrap().out {
        let written = std::fs::read_to_string(dir.join("out").join(&rel)).unwrap();
        let committed = std::fs::read_to_string(root().join("generated").join(&rel)).unwrap();
        assert!(written == committed && written == expected, "{} differs", rel.display());
    }
}

#[test]
fn manifest_schema_is_current() {
    let committed = std::fs::read_to_string(root().join("specs").join(codegen::MANIFEST_SCHEMA)).unwrap();
    assert_eq!(committed, codegen::manifest_json_schema(), "run `cargo run -p codegen`");
}

#[test]
fn adding_an_operation_and_a_tool_only_adds_code() {
    let (before, _) = generate(&root().join("specs"));
    let before = before.unwrap();
    let dir = scratch("add");
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

    let (after, report) = generate(&dir);
    let after = after.unwrap_or_else(|| panic!("{}", report.render(true, false, "")));
    assert!(report.warnings.is_empty(), "{}", report.render(true, false, ""));
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
            "inferior-server/mcp_manifest.json",
            "inferior-server/openapi.json",
            "inferior-server/src/lib.rs",
            "inferior-tools/src/lib.rs"
        ]
    );
    let server = &after.out[Path::new("inferior-server/src/lib.rs")];
    assert_eq!(server.matches("    ListSimilarExperiences,").count(), 1);
    let client = &after.out[Path::new("inferior-sdk/src/client.rs")];
    assert_eq!(client.matches("pub fn list_similar_experiences(").count(), 1);
    let wrappers = &after.out[Path::new("inferior-tools/src/lib.rs")];
    assert_eq!(wrappers.matches("name: \"list_similar_experiences\"").count(), 1);
    assert!(
        wrappers.contains(r#""experience_id":{"description":"Experience id (`exp_...`).","type":"string"}"#),
        "the path-level $ref'd parameter reaches the listed tool schema"
    );
    assert!(
        wrappers.contains(r#""experience_id":{"type":"string","minLength":1,"maxLength":200}"#),
        "its $ref'd schema's bounds reach the schema arguments are held to"
    );
}
