//! The model of the server crate (`<api>-server`, rendered by `server_lib.rs.j2`): for every
//! operation of the (normalised) spec its route and the constraints of its path and query
//! parameters and of the lists in its JSON body, as the `spec-server` runtime checks them. The
//! backend implements the operations; the spec alone says what their requests may hold.

use crate::names::{self, Case};
use crate::pointer::deref;
use crate::walk::METHODS;
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
pub struct OperationModel {
    /// The `Operation` variant.
    pub variant: String,
    /// The `OperationSpec` static.
    pub constant: String,
    pub id: String,
    pub method: &'static str,
    pub path: String,
    pub params: Vec<ParamModel>,
    pub body: Vec<BodyModel>,
}

#[derive(Serialize)]
pub struct ParamModel {
    pub name: String,
    pub location: &'static str,
    pub required: bool,
    /// The `spec_server::Kind` as Rust source.
    pub kind: String,
    pub default: Option<String>,
}

#[derive(Serialize)]
pub struct BodyModel {
    pub path: Vec<String>,
    /// The `spec_server::Limit` as Rust source.
    pub limit: String,
}

/// How deep body lists are looked for (a recursive schema stops here).
const MAX_DEPTH: usize = 8;

/// Every operation with an `operationId`, in the spec's order.
pub fn operations(doc: &Value) -> Vec<OperationModel> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let Some(item) = deref(doc, item) else { continue };
        let shared = item.get("parameters").and_then(Value::as_array);
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let Some(method) = method_variant(method) else { continue };
            let mut params: Vec<ParamModel> = Vec::new();
            // An operation's parameter replaces a path item's of the same name and location.
            let own = op.get("parameters").and_then(Value::as_array);
            for p in own.into_iter().flatten().chain(shared.into_iter().flatten()) {
                let Some(param) = deref(doc, p).and_then(|p| param(doc, p)) else {
                    continue;
                };
                if !params
                    .iter()
                    .any(|q| q.name == param.name && q.location == param.location)
                {
                    params.push(param);
                }
            }
            let mut body = Vec::new();
            if let Some(schema) = op
                .get("requestBody")
                .and_then(|b| deref(doc, b))
                .and_then(|b| b.pointer("/content/application~1json/schema"))
            {
                limits(doc, schema, &mut Vec::new(), &mut body, 0);
            }
            let variant = names::progenitor(id, Case::Pascal);
            out.push(OperationModel {
                constant: names::progenitor(id, Case::Snake).to_uppercase(),
                variant,
                id: id.to_string(),
                method,
                path: path.clone(),
                params,
                body,
            });
        }
    }
    out
}

fn method_variant(method: &str) -> Option<&'static str> {
    Some(match method {
        "get" => "Get",
        "post" => "Post",
        "put" => "Put",
        "patch" => "Patch",
        "delete" => "Delete",
        "head" => "Head",
        _ => return None,
    })
}

/// `Some(v)` or `None` as Rust source.
fn opt(v: Option<String>) -> String {
    v.map_or_else(|| "None".to_string(), |v| format!("Some({v})"))
}

/// A path, query or header parameter; cookies are not checked.
fn param(doc: &Value, p: &Value) -> Option<ParamModel> {
    let name = p.get("name")?.as_str()?.to_string();
    let location = match p.get("in")?.as_str()? {
        "path" => "Path",
        "query" => "Query",
        "header" => "Header",
        _ => return None,
    };
    let schema = p.get("schema").and_then(|s| schema(doc, s));
    let default = schema.and_then(|s| s.get("default")).and_then(|d| match d {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    });
    Some(ParamModel {
        name,
        location,
        required: location == "Path" || p.get("required").and_then(Value::as_bool) == Some(true),
        kind: schema.map_or_else(|| "spec_server::Kind::Other".to_string(), kind),
        default: default.filter(|_| location == "Query"),
    })
}

/// A schema with its `$ref` (or a lone `allOf` member) followed.
fn schema<'a>(doc: &'a Value, s: &'a Value) -> Option<&'a Value> {
    let s = deref(doc, s)?;
    match s.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        Some([only]) => deref(doc, only),
        _ => Some(s),
    }
}

/// The `spec_server::Kind` of a parameter schema, as Rust source.
fn kind(s: &Value) -> String {
    let u = |k: &str| s.get(k).and_then(Value::as_u64);
    let exclusive = |k: &str| s.get(k).and_then(Value::as_bool) == Some(true);
    match s.get("type").and_then(Value::as_str) {
        Some("string") => {
            let values: Vec<String> = s
                .get("enum")
                .and_then(Value::as_array)
                .map(|v| v.iter().filter_map(Value::as_str).map(|v| format!("{v:?}")).collect())
                .unwrap_or_default();
            format!(
                "spec_server::Kind::String {{ min_length: {}, max_length: {}, pattern: {}, values: &[{}] }}",
                opt(u("minLength").map(|v| v.to_string())),
                opt(u("maxLength").map(|v| v.to_string())),
                opt(s.get("pattern").and_then(Value::as_str).map(|p| format!("{p:?}"))),
                values.join(", ")
            )
        }
        Some("integer") => {
            let bound = |k: &str, step: i64, ex: &str| {
                s.get(k)
                    .and_then(Value::as_f64)
                    .map(|v| (if step > 0 { v.ceil() } else { v.floor() }) as i64)
                    .map(|v| if exclusive(ex) { v + step } else { v })
                    .map(|v| v.to_string())
            };
            format!(
                "spec_server::Kind::Integer {{ minimum: {}, maximum: {} }}",
                opt(bound("minimum", 1, "exclusiveMinimum")),
                opt(bound("maximum", -1, "exclusiveMaximum"))
            )
        }
        Some("number") => {
            // An exclusive bound is checked as inclusive: close enough for a local backend.
            let bound = |k: &str| s.get(k).and_then(Value::as_f64).map(|v| format!("{v:?}"));
            format!(
                "spec_server::Kind::Number {{ minimum: {}, maximum: {} }}",
                opt(bound("minimum")),
                opt(bound("maximum"))
            )
        }
        Some("boolean") => "spec_server::Kind::Boolean".to_string(),
        _ => "spec_server::Kind::Other".to_string(),
    }
}

/// Collects the limits under `s` the SDK's types do not check (item counts of lists, ranges of
/// numbers), with their path from the body's root.
fn limits(doc: &Value, s: &Value, path: &mut Vec<String>, out: &mut Vec<BodyModel>, depth: usize) {
    let Some(s) = schema(doc, s) else { return };
    if depth > MAX_DEPTH {
        return;
    }
    if let Some(properties) = s.get("properties").and_then(Value::as_object) {
        for (name, p) in properties {
            path.push(name.clone());
            limits(doc, p, path, out, depth + 1);
            path.pop();
        }
    }
    let limit = match s.get("type").and_then(Value::as_str) {
        Some("array") => {
            if let Some(item) = s.get("items") {
                path.push("[]".to_string());
                limits(doc, item, path, out, depth + 1);
                path.pop();
            }
            let min = s.get("minItems").and_then(Value::as_u64).filter(|m| *m > 0);
            let max = s.get("maxItems").and_then(Value::as_u64);
            (min.is_some() || max.is_some()).then(|| {
                format!(
                    "spec_server::Limit::Items {{ min: {}, max: {} }}",
                    opt(min.map(|v| v.to_string())),
                    opt(max.map(|v| v.to_string()))
                )
            })
        }
        Some("integer" | "number") => {
            let bound = |k: &str| s.get(k).and_then(Value::as_f64).map(|v| format!("{v:?}"));
            let (min, max) = (bound("minimum"), bound("maximum"));
            (min.is_some() || max.is_some()).then(|| {
                format!(
                    "spec_server::Limit::Range {{ minimum: {}, maximum: {} }}",
                    opt(min),
                    opt(max)
                )
            })
        }
        _ => None,
    };
    if let Some(limit) = limit.filter(|_| !path.is_empty()) {
        out.push(BodyModel {
            path: path.clone(),
            limit,
        });
    }
}
