//! Portable JSON Schemas for tool inputs.
//!
//! MCP clients disagree on JSON Schema: Gemini rejects `$ref`/`$defs` and type arrays, OpenAI's
//! strict mode rejects arrays without `items`, Claude Code rejects top-level unions. Tool input
//! schemas are therefore emitted inlined and plain; this module turns an OpenAPI schema into that
//! form and checks a hand-written one.

use crate::error::Error;
use crate::spec::resolve;
use serde_json::{Map, Value};
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

/// Inlines `$ref`s and strips a spec schema to the portable subset.
pub fn portable(doc: &Value, schema: &Value, ptr: &str, path: &Path) -> Result<Value, Error> {
    inline(doc, schema, ptr, path, 0)
}

fn inline(doc: &Value, schema: &Value, ptr: &str, path: &Path, depth: usize) -> Result<Value, Error> {
    if depth > 32 {
        return Err(Error::invalid(
            path,
            ptr,
            "schema nests more than 32 levels (a recursive `$ref`?); tool arguments must be finite, plain objects",
        ));
    }
    let Some(obj) = schema.as_object() else {
        return Ok(schema.clone());
    };
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let target = resolve(doc, r).ok_or_else(|| Error::invalid(path, ptr, format!("`{r}` does not resolve")))?;
        let mut inlined = inline(doc, target, r.trim_start_matches('#'), path, depth + 1)?;
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
            if let Value::Object(fields) = inline(doc, m, &format!("{ptr}/allOf/{i}"), path, depth + 1)? {
                merge(&mut out, fields);
            }
        }
    }
    for key in ["oneOf", "anyOf"] {
        if obj.contains_key(key) {
            return Err(Error::invalid(
                path,
                &format!("{ptr}/{key}"),
                format!(
                    "`{key}` cannot be a tool argument (clients reject unions); use a plain object or a string enum"
                ),
            ));
        }
    }
    for (k, v) in obj {
        if !KEPT.contains(&k.as_str()) {
            continue;
        }
        let v = match k.as_str() {
            "items" => inline(doc, v, &format!("{ptr}/items"), path, depth + 1)?,
            "properties" => {
                let mut props = Map::new();
                for (name, p) in v.as_object().into_iter().flatten() {
                    props.insert(
                        name.clone(),
                        inline(
                            doc,
                            p,
                            &format!("{ptr}/properties/{}", crate::error::escape(name)),
                            path,
                            depth + 1,
                        )?,
                    );
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
        out.insert(
            "additionalProperties".into(),
            inline(doc, additional, &format!("{ptr}/additionalProperties"), path, depth + 1)?,
        );
    }
    check(&Value::Object(out.clone()), ptr, path)?;
    Ok(Value::Object(out))
}

fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
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
        check(p, &format!("{ptr}/properties/{}", crate::error::escape(name)), path)?;
    }
    Ok(())
}

/// The Rust type a hand-written handler's argument gets for a portable schema.
pub fn rust_type(schema: &Value) -> String {
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => "String".into(),
        Some("integer") => "i64".into(),
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
