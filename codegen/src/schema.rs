//! Portable JSON Schemas for tool inputs.
//!
//! MCP clients disagree on JSON Schema: Gemini rejects `$ref`/`$defs` and type arrays, OpenAI's
//! strict mode rejects arrays without `items`, Claude Code rejects top-level unions. Tool input
//! schemas are therefore emitted inlined and plain; this module turns an OpenAPI schema into that
//! form and checks a hand-written one.

use crate::error::Error;
use crate::pointer::{escape, resolve};
use serde_json::{Map, Value, json};
use std::path::Path;

/// Keys kept from an OpenAPI schema; everything else (`nullable`, `readOnly`, `example`,
/// `x-*`, number formats...) is noise to a model.
const KEPT: [&str; 16] = [
    "type",
    "description",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "items",
    "properties",
    "required",
];

/// Inlines `$ref`s and turns a spec schema into the portable subset. Every spec schema has a
/// portable form: a union becomes its members' type, a missing type is inferred, an array gets
/// `items`, and a recursive schema is cut where it recurs (the SDK's type still checks the whole
/// value when the tool runs).
pub fn portable(doc: &Value, schema: &Value, ptr: &str, path: &Path) -> Result<Value, Error> {
    let out = inline(doc, schema, ptr, path, &mut Vec::new())?;
    check(&out, ptr, path)?;
    Ok(out)
}

/// How deep a schema is inlined before the rest is described rather than spelled out.
const MAX_DEPTH: usize = 16;

/// `refs` are the references being inlined around this schema, to stop where one recurs.
fn inline(doc: &Value, schema: &Value, ptr: &str, path: &Path, refs: &mut Vec<String>) -> Result<Value, Error> {
    let Some(obj) = schema.as_object() else {
        return Ok(json!({"type": "string"}));
    };
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let target = resolve(doc, r).ok_or_else(|| Error::invalid(path, ptr, format!("`{r}` does not resolve")))?;
        let mut inlined = if refs.iter().any(|seen| seen == r) || refs.len() >= MAX_DEPTH {
            // The rest is the same schema again: say so instead of unrolling it.
            let mut stub = Map::new();
            let ty = target.get("type").filter(|t| t.is_string()).cloned();
            stub.insert("type".into(), ty.unwrap_or_else(|| json!("object")));
            stub.insert(
                "description".into(),
                json!(format!("A nested `{}`.", r.rsplit('/').next().unwrap_or(r))),
            );
            ensure_type(&mut stub);
            Value::Object(stub)
        } else {
            refs.push(r.to_string());
            let inlined = inline(doc, target, r.trim_start_matches('#'), path, refs)?;
            refs.pop();
            inlined
        };
        // Sibling keys of a `$ref` (a description, a default) win over the target's.
        if let Value::Object(m) = &mut inlined {
            for (k, v) in obj.iter().filter(|(k, _)| KEPT.contains(&k.as_str())) {
                m.insert(k.clone(), v.clone());
            }
        }
        return Ok(inlined);
    }
    let mut out = Map::new();
    if let Some(Value::Array(members)) = obj.get("allOf") {
        for (i, m) in members.iter().enumerate() {
            if let Value::Object(fields) = inline(doc, m, &format!("{ptr}/allOf/{i}"), path, refs)? {
                merge(&mut out, fields);
            }
        }
    }
    // Clients reject unions: a union argument is its members' type (the first member's when
    // they differ).
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(members)) = obj.get(key) {
            let mut inlined = Vec::new();
            for (i, m) in members.iter().enumerate() {
                inlined.push(inline(doc, m, &format!("{ptr}/{key}/{i}"), path, refs)?);
            }
            merge(&mut out, union_argument(inlined));
        }
    }
    for (k, v) in obj {
        if !KEPT.contains(&k.as_str()) {
            continue;
        }
        let v = match k.as_str() {
            "items" => inline(doc, v, &format!("{ptr}/items"), path, refs)?,
            "properties" => {
                let mut props = Map::new();
                for (name, p) in v.as_object().into_iter().flatten() {
                    let p = inline(doc, p, &format!("{ptr}/properties/{}", escape(name)), path, refs)?;
                    props.insert(name.clone(), p);
                }
                Value::Object(props)
            }
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    // OpenAPI 3.0's boolean `exclusiveMinimum` beside `minimum` is a number in JSON Schema.
    for (exclusive, inclusive) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        match out.get(exclusive) {
            Some(Value::Bool(true)) => {
                if let Some(bound) = out.remove(inclusive) {
                    out.insert(exclusive.into(), bound);
                } else {
                    out.remove(exclusive);
                }
            }
            Some(Value::Bool(false)) => {
                out.remove(exclusive);
            }
            _ => {}
        }
    }
    if let Some(additional) = obj.get("additionalProperties").filter(|v| v.is_object()) {
        let additional = inline(doc, additional, &format!("{ptr}/additionalProperties"), path, refs)?;
        out.insert("additionalProperties".into(), additional);
    }
    ensure_type(&mut out);
    Ok(Value::Object(out))
}

/// Gives a schema the `type` clients require (from what its keywords describe; a value of any
/// type is passed as text), and an array its `items`.
fn ensure_type(out: &mut Map<String, Value>) {
    if !out.contains_key("type") {
        let ty = if let Some(first) = out.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
            match first {
                Value::Bool(_) => "boolean",
                Value::Number(n) if n.is_f64() => "number",
                Value::Number(_) => "integer",
                _ => "string",
            }
        } else if out.contains_key("properties") || out.contains_key("additionalProperties") {
            "object"
        } else if out.contains_key("items") || out.contains_key("minItems") || out.contains_key("maxItems") {
            "array"
        } else if out.contains_key("minimum") || out.contains_key("maximum") {
            "number"
        } else {
            "string"
        };
        out.insert("type".into(), json!(ty));
    }
    if out.get("type") == Some(&json!("array")) && !out.contains_key("items") {
        out.insert("items".into(), json!({"type": "string"}));
    }
}

/// One plain schema for a union's (inlined) members.
fn union_argument(members: Vec<Value>) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(first) = members.first() else { return out };
    let ty = first.get("type").cloned();
    let same = members.iter().all(|m| m.get("type") == ty.as_ref());
    if let Some(ty) = ty {
        out.insert("type".into(), ty);
    }
    if same {
        let enums: Option<Vec<&Vec<Value>>> = members
            .iter()
            .map(|m| m.get("enum").and_then(Value::as_array))
            .collect();
        if let Some(enums) = enums {
            let mut values: Vec<Value> = Vec::new();
            for v in enums.into_iter().flatten() {
                if !values.contains(v) {
                    values.push(v.clone());
                }
            }
            out.insert("enum".into(), Value::Array(values));
        }
        for key in ["items", "properties"] {
            if let Some(v) = first.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
    }
    if let Some(d) = members.iter().find_map(|m| m.get("description")) {
        out.insert("description".into(), d.clone());
    }
    out
}

/// Merges `from` into `into` (as `allOf` members are): properties and required lists joined,
/// any other keyword replaced.
pub fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(Value::Object(a)), Value::Object(b)) if k == "properties" => a.extend(b),
            (Some(Value::Array(a)), Value::Array(b)) if k == "required" => a.extend(b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// Checks that a schema is portable: no `$ref`/`$defs`, no type arrays, arrays with `items`,
/// no unions.
pub fn check(schema: &Value, ptr: &str, path: &Path) -> Result<(), Error> {
    let Some(obj) = schema.as_object() else {
        return Err(Error::invalid(path, ptr, "a schema must be a JSON object"));
    };
    for key in ["$ref", "$defs", "definitions", "oneOf", "anyOf", "allOf"] {
        if obj.contains_key(key) {
            return Err(Error::invalid(
                path,
                &format!("{ptr}/{key}"),
                format!("`{key}` is not portable across MCP clients; write the schema inline as a plain object"),
            ));
        }
    }
    match obj.get("type") {
        Some(Value::String(t)) => {
            if t == "array" && !obj.contains_key("items") {
                return Err(Error::invalid(
                    path,
                    ptr,
                    "an array schema needs `items` (OpenAI's strict mode rejects it otherwise)",
                ));
            }
        }
        Some(Value::Array(_)) => {
            return Err(Error::invalid(
                path,
                &format!("{ptr}/type"),
                "type arrays are not portable; use one type",
            ));
        }
        Some(_) => return Err(Error::invalid(path, &format!("{ptr}/type"), "`type` must be a string")),
        None => return Err(Error::invalid(path, ptr, "every argument schema needs a `type`")),
    }
    if let Some(items) = obj.get("items") {
        check(items, &format!("{ptr}/items"), path)?;
    }
    for (name, p) in obj.get("properties").and_then(Value::as_object).into_iter().flatten() {
        check(p, &format!("{ptr}/properties/{}", escape(name)), path)?;
    }
    Ok(())
}

/// The Rust type a hand-written handler's argument gets for a portable schema.
pub fn rust_type(schema: &Value) -> String {
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => "String".into(),
        // The input schema's bounds are checked before the arguments are read, so a bound
        // the type can carry is carried: no handler re-checks it.
        Some("integer") => match (
            schema.get("minimum").and_then(Value::as_f64),
            schema.get("maximum").and_then(Value::as_f64),
        ) {
            (Some(min), Some(max)) if min >= 1.0 && max <= f64::from(u32::MAX) => "std::num::NonZeroU32".into(),
            (Some(min), Some(max)) if min >= 0.0 && max <= f64::from(u32::MAX) => "u32".into(),
            (Some(min), _) if min >= 0.0 => "u64".into(),
            _ => "i64".into(),
        },
        Some("number") => "f64".into(),
        Some("boolean") => "bool".into(),
        Some("array") => format!(
            "Vec<{}>",
            schema
                .get("items")
                .map_or_else(|| "serde_json::Value".into(), rust_type)
        ),
        _ => "serde_json::Value".into(),
    }
}
