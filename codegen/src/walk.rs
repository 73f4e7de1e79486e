//! Where things are in an OpenAPI document: its `$ref`s and its schemas.
//!
//! Example values, defaults, enums, constants and `x-` extensions are data: a `$ref` key inside
//! them is not a reference (GitHub's SCIM examples carry `"$ref": "https://..."` as a field). The
//! walkers below only look at the document's structure, and know whether a node is a schema or
//! another OpenAPI object, which decides what a reference there may point at.

use crate::pointer;
use serde_json::Value;

/// Whether a node is a JSON Schema or another OpenAPI object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Schema,
    Other,
}

/// One `$ref` object of the document's structure.
#[derive(Debug, Clone)]
pub struct Ref {
    /// The object holding the `$ref` key.
    pub pointer: String,
    pub position: Position,
    pub target: String,
}

/// Schema keywords whose value is one schema.
const ONE_SCHEMA: [&str; 12] = [
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
    "contentSchema",
];
/// Schema keywords whose value is a list of schemas.
const SCHEMA_LISTS: [&str; 5] = ["allOf", "anyOf", "oneOf", "prefixItems", "items"];
/// Schema keywords whose value maps names to schemas.
const SCHEMA_MAPS: [&str; 5] = [
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// Every structural `$ref` in `node` (at `ptr`, in `position`), document order.
pub fn refs(node: &Value, ptr: &str, position: Position) -> Vec<Ref> {
    let mut out = Vec::new();
    collect_refs(node, ptr, position, &mut out);
    out
}

fn collect_refs(node: &Value, ptr: &str, position: Position, out: &mut Vec<Ref>) {
    match node {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                out.push(Ref {
                    pointer: ptr.to_string(),
                    position,
                    target: target.to_string(),
                });
                return;
            }
            for_each_child(map, ptr, position, &mut |child, child_ptr, child_position| {
                collect_refs(child, &child_ptr, child_position, out)
            });
        }
        Value::Array(items) if position == Position::Other => {
            for (i, v) in items.iter().enumerate() {
                collect_refs(v, &format!("{ptr}/{i}"), Position::Other, out);
            }
        }
        _ => {}
    }
}

/// Calls `f` on each structural child of an object with its pointer and position.
fn for_each_child(
    map: &serde_json::Map<String, Value>,
    ptr: &str,
    position: Position,
    f: &mut dyn FnMut(&Value, String, Position),
) {
    for (key, value) in map {
        if key.starts_with("x-") {
            continue;
        }
        let child = pointer::join(ptr, key);
        match position {
            Position::Other => match key.as_str() {
                "example" | "examples" => {}
                "schema" if !is_components_section(ptr) => f(value, child, Position::Schema),
                "schemas" if ptr == "/components" => {
                    for (name, s) in value.as_object().into_iter().flatten() {
                        f(s, pointer::join(&child, name), Position::Schema);
                    }
                }
                _ => f(value, child, Position::Other),
            },
            Position::Schema => {
                if SCHEMA_MAPS.contains(&key.as_str()) && value.get("$ref").is_some_and(Value::is_string) {
                    // The whole map included by reference (JSON Reference allows a `$ref`
                    // anywhere; DigitalOcean's spec writes `properties: {$ref: ...}`).
                    f(value, child, Position::Other);
                } else if SCHEMA_MAPS.contains(&key.as_str()) {
                    for (name, s) in value.as_object().into_iter().flatten() {
                        f(s, pointer::join(&child, name), Position::Schema);
                    }
                } else if let (true, Value::Array(list)) = (SCHEMA_LISTS.contains(&key.as_str()), value) {
                    for (i, s) in list.iter().enumerate() {
                        f(s, format!("{child}/{i}"), Position::Schema);
                    }
                } else if ONE_SCHEMA.contains(&key.as_str()) && value.is_object() {
                    f(value, child, Position::Schema);
                }
            }
        }
    }
}

/// `/components/parameters` and the like hold named objects; a parameter named `schema` is not
/// a schema.
fn is_components_section(ptr: &str) -> bool {
    ptr.strip_prefix("/components/").is_some_and(|rest| !rest.contains('/'))
}

/// `components/schemas` of a document, created if absent.
pub fn component_schemas(doc: &mut Value) -> Option<&mut serde_json::Map<String, Value>> {
    doc.as_object_mut()
        .map(|root| {
            root.entry("components")
                .or_insert_with(|| Value::Object(Default::default()))
        })
        .and_then(Value::as_object_mut)
        .map(|c| c.entry("schemas").or_insert_with(|| Value::Object(Default::default())))
        .and_then(Value::as_object_mut)
}

/// The HTTP methods of a path item, in the order OpenAPI lists them.
pub const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The pointer of every top-level schema of a document whose non-schema references are inlined:
/// parameters', media types' and headers' schemas in paths, and `components/schemas`.
pub fn schema_sites(doc: &Value) -> Vec<String> {
    let mut sites = Vec::new();
    let media = |content: Option<&Value>, base: &str, sites: &mut Vec<String>| {
        for (mt, m) in content.and_then(Value::as_object).into_iter().flatten() {
            if m.get("schema").is_some() {
                sites.push(format!("{}/schema", pointer::join(&format!("{base}/content"), mt)));
            }
        }
    };
    let params = |list: Option<&Value>, base: &str, sites: &mut Vec<String>| {
        for (i, p) in list.and_then(Value::as_array).into_iter().flatten().enumerate() {
            if p.get("schema").is_some() {
                sites.push(format!("{base}/parameters/{i}/schema"));
            }
            media(p.get("content"), &format!("{base}/parameters/{i}"), sites);
        }
    };
    let headers = |hs: Option<&Value>, base: &str, sites: &mut Vec<String>| {
        for (name, h) in hs.and_then(Value::as_object).into_iter().flatten() {
            if h.get("schema").is_some() {
                sites.push(format!("{}/schema", pointer::join(&format!("{base}/headers"), name)));
            }
        }
    };
    for (p, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
        let base = pointer::of(["paths", p.as_str()]);
        params(item.get("parameters"), &base, &mut sites);
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            let ob = format!("{base}/{m}");
            params(op.get("parameters"), &ob, &mut sites);
            if let Some(body) = op.get("requestBody") {
                media(body.get("content"), &format!("{ob}/requestBody"), &mut sites);
            }
            for (code, r) in op.get("responses").and_then(Value::as_object).into_iter().flatten() {
                let rb = pointer::join(&format!("{ob}/responses"), code);
                media(r.get("content"), &rb, &mut sites);
                headers(r.get("headers"), &rb, &mut sites);
            }
        }
    }
    for name in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
    {
        sites.push(pointer::of(["components", "schemas", name]));
    }
    sites
}

/// Calls `f` on a schema and then on each of its subschemas (after `f` may have rewritten the
/// parent), with their pointers.
pub fn each_schema(schema: &mut Value, ptr: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    f(schema, ptr);
    let Some(map) = schema.as_object_mut() else { return };
    for (key, value) in map.iter_mut() {
        let child = pointer::join(ptr, key);
        if SCHEMA_MAPS.contains(&key.as_str()) {
            for (name, s) in value.as_object_mut().into_iter().flatten() {
                each_schema(s, &pointer::join(&child, name), f);
            }
        } else if let (true, Value::Array(list)) = (SCHEMA_LISTS.contains(&key.as_str()), &mut *value) {
            for (i, s) in list.iter_mut().enumerate() {
                each_schema(s, &format!("{child}/{i}"), f);
            }
        } else if ONE_SCHEMA.contains(&key.as_str()) && value.is_object() {
            each_schema(value, &child, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refs_skip_data_and_know_their_position() {
        let doc = json!({
            "paths": {"/a": {"get": {
                "parameters": [{"$ref": "#/components/parameters/P"}],
                "responses": {"200": {"content": {"application/json": {
                    "schema": {"properties": {"x": {"$ref": "#/components/schemas/X"}}, "example": {"$ref": "not a ref"}},
                    "examples": {"e": {"value": {"$ref": "https://example.com"}}}
                }}}},
                "x-extra": {"$ref": "ignored"}
            }}},
            "components": {"schemas": {"X": {"enum": [{"$ref": "data"}], "items": {"$ref": "#/components/schemas/Y"}}}}
        });
        let found: Vec<(String, Position)> = refs(&doc, "", Position::Other)
            .into_iter()
            .map(|r| (r.pointer, r.position))
            .collect();
        assert_eq!(
            found,
            [
                ("/paths/~1a/get/parameters/0".to_string(), Position::Other),
                (
                    "/paths/~1a/get/responses/200/content/application~1json/schema/properties/x".to_string(),
                    Position::Schema
                ),
                ("/components/schemas/X/items".to_string(), Position::Schema),
            ]
        );
    }
}
