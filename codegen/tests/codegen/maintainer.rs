//! The maintainer's loop: add an endpoint to the Catalyst spec (a path-level `$ref` parameter,
//! an enum query parameter, nullable fields, a `oneOf` body, a new response type), scaffold its
//! tool, regenerate. The tool gets every parameter in its schema, the union body is built from
//! typed arguments, and the new response type answers through the generic renderer. (CI's
//! `.ci/maintainer-loop` does the same on a copy of the workspace, builds it and lists the tool
//! from the running server.)

use crate::support::{copy_tree, root, scratch};
use codegen::{Selection, generate, scaffold};
use serde_json::{Value, json};
use std::path::Path;

/// The endpoint, as a maintainer would add it.
pub fn add_annotation_endpoint(spec: &mut Value) {
    spec["paths"]["/v1/projects/{project_id}/annotations"] = json!({
        "parameters": [{"$ref": "#/components/parameters/ProjectId"}],
        "post": {
            "operationId": "createAnnotation",
            "tags": ["annotations"],
            "summary": "Annotate a trace or a span",
            "description": "Attach a label to a trace or to one of its spans; the label shows in the dashboard.",
            "parameters": [{
                "name": "severity", "in": "query", "description": "How much the annotation matters.",
                "schema": {"type": "string", "enum": ["info", "warning", "error"], "default": "info"}
            }],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "oneOf": [
                    {"$ref": "#/components/schemas/TraceAnnotation"},
                    {"$ref": "#/components/schemas/SpanAnnotation"}
                ],
                "discriminator": {"propertyName": "target"}
            }}}},
            "responses": {
                "201": {"description": "Created.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Annotation"}}}},
                "400": {"$ref": "#/components/responses/BadRequest"},
                "401": {"$ref": "#/components/responses/Unauthorized"}
            }
        }
    });
    let schemas = &mut spec["components"]["schemas"];
    schemas["TraceAnnotation"] = json!({
        "type": "object", "required": ["target", "trace_id", "label"],
        "properties": {
            "target": {"type": "string", "enum": ["trace"]},
            "trace_id": {"type": "string", "description": "The trace (`trc_...`)."},
            "label": {"type": "string", "maxLength": 200},
            "note": {"type": "string", "nullable": true}
        }
    });
    schemas["SpanAnnotation"] = json!({
        "type": "object", "required": ["target", "span_id", "label"],
        "properties": {
            "target": {"type": "string", "enum": ["span"]},
            "span_id": {"type": "string", "description": "The span (`spn_...`)."},
            "label": {"type": "string", "maxLength": 200},
            "note": {"type": "string", "nullable": true}
        }
    });
    schemas["Annotation"] = json!({
        "type": "object", "required": ["id", "label", "created_at"],
        "properties": {
            "id": {"type": "string"},
            "label": {"type": "string"},
            "note": {"type": "string", "nullable": true},
            "created_at": {"type": "string", "format": "date-time"}
        }
    });
}

#[test]
fn a_new_endpoint_and_its_scaffolded_tool_regenerate() {
    let dir = scratch("maintainer");
    copy_tree(&root().join("specs"), &dir);
    let spec_path = dir.join("inference/openapi.yaml");
    let mut spec: Value = serde_norway::from_str(&std::fs::read_to_string(&spec_path).unwrap()).unwrap();
    add_annotation_endpoint(&mut spec);
    std::fs::write(&spec_path, serde_norway::to_string(&spec).unwrap()).unwrap();

    // Before the tool exists, regeneration names the operation that has none.
    let (_, report) = generate(&dir);
    let untooled: Vec<String> = report.warnings.iter().map(|w| w.message.clone()).collect();
    assert_eq!(untooled.len(), 1, "{untooled:?}");
    assert!(untooled[0].contains("`createAnnotation` has no tool"));

    let summary = scaffold(
        &dir,
        "inference",
        &Selection::Operations(vec!["createAnnotation".into()]),
    )
    .unwrap_or_else(|r| panic!("{}", r.render(true, false, "")));
    assert!(summary.contains("createAnnotation → create_annotation"), "{summary}");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("inference/mcp_manifest.json")).unwrap()).unwrap();
    let tool = manifest["tools"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        tool,
        json!({
            "name": "create_annotation",
            "title": "Annotate a trace or a span",
            "description": "Attach a label to a trace or to one of its spans; the label shows in the dashboard.",
            "toolset": "annotations",
            "annotations": {"read_only": false, "open_world": true},
            "operation": "createAnnotation"
        })
    );

    let (files, report) = generate(&dir);
    let files = files.unwrap_or_else(|| panic!("{}", report.render(true, false, "")));
    assert!(report.warnings.is_empty(), "{}", report.render(true, false, ""));
    let wrappers = &files.out[Path::new("inference-tools/src/lib.rs")];
    let listed = wrappers
        .lines()
        .skip_while(|l| !l.contains("name: \"create_annotation\""))
        .find(|l| l.contains("input_schema"))
        .unwrap();
    let schema: Value = serde_json::from_str(
        listed
            .trim()
            .trim_start_matches("input_schema: r#\"")
            .trim_end_matches("\"#,"),
    )
    .unwrap();
    let properties: Vec<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        properties,
        [
            "project_id",
            "severity",
            "target",
            "trace_id",
            "label",
            "note",
            "span_id"
        ]
    );
    assert_eq!(schema["properties"]["target"]["enum"], json!(["trace", "span"]));
    assert_eq!(
        schema["properties"]["severity"]["enum"],
        json!(["info", "warning", "error"])
    );
    assert_eq!(schema["required"], json!(["project_id", "target", "label"]));
    assert!(
        wrappers.contains("mcp_runtime::body_from::<sdk::types::CreateAnnotationBody>(body)?"),
        "the union body is read from the typed arguments"
    );
    assert!(
        wrappers.contains("Ok(ctx.answer(render::answer(&value, \"create_annotation\"), &value))"),
        "a tool without a view answers through the generic renderer, its value beside the text"
    );
    assert!(
        wrappers.contains(r#""note":{"anyOf":[{"type":"string"},{"type":"null"}]}"#),
        "the new response type is its output schema, a nullable field a union with null"
    );
}
