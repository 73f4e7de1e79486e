//! Reading an OpenAPI document and making sure progenitor can take it.
//!
//! progenitor accepts OpenAPI 3.0 only and panics on several legal shapes. This module
//! downgrades 3.1 (what FastAPI publishes) to 3.0 and rejects every shape progenitor cannot take
//! with an error naming the file, the JSON pointer and the change to make, before progenitor
//! ever sees the document.

use crate::error::{Error, pointer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// A spec that passed validation: the raw (3.0) document and its parsed form.
pub struct Spec {
    pub doc: Value,
    pub openapi: openapiv3::OpenAPI,
}

/// Reads a YAML or JSON file into a JSON value.
pub fn read_document(path: &Path) -> Result<Value, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let is_json = path.extension().is_some_and(|e| e == "json");
    if is_json {
        serde_json::from_str(&text).map_err(|e| Error::Syntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    } else {
        serde_norway::from_str(&text).map_err(|e| Error::Syntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }
}

/// Loads, downgrades and validates one spec. All problems are reported, not just the first.
pub fn load(path: &Path) -> Result<Spec, Vec<Error>> {
    let mut doc = read_document(path).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        Some(v) if v.starts_with("3.1.") => downgrade(&mut doc, path, &mut errors),
        Some(v) => errors.push(Error::invalid(
            path,
            "/openapi",
            format!("OpenAPI {v} is not supported; use 3.0.x or 3.1.x"),
        )),
        None => errors.push(Error::invalid(
            path,
            "/openapi",
            "missing `openapi` version field (expected 3.0.x or 3.1.x)",
        )),
    }
    if errors.is_empty() {
        validate(&doc, path, &mut errors);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let openapi = serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(&doc).map_err(|e| {
        let ptr = path_to_pointer(&e.path().to_string());
        vec![Error::invalid(
            path,
            &ptr,
            format!("not a valid OpenAPI 3.0 document: {}", e.inner()),
        )]
    })?;
    Ok(Spec { doc, openapi })
}

/// Turns serde_path_to_error's `a.b[3].c` into `/a/b/3/c`.
pub fn path_to_pointer(path: &str) -> String {
    if path == "." {
        return String::new();
    }
    let mut segments = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        while let Some(open) = rest.find('[') {
            if open > 0 {
                segments.push(rest[..open].to_string());
            }
            let close = rest[open..].find(']').map_or(rest.len(), |c| open + c);
            segments.push(rest[open + 1..close].to_string());
            rest = rest.get(close + 1..).unwrap_or("");
        }
        if !rest.is_empty() {
            segments.push(rest.to_string());
        }
    }
    pointer(segments)
}

// ---------------------------------------------------------------------------------------------
// 3.1 → 3.0

/// Rewrites a 3.1 document as 3.0 in place. Constructs with no 3.0 equivalent are errors.
fn downgrade(doc: &mut Value, path: &Path, errors: &mut Vec<Error>) {
    let Some(root) = doc.as_object_mut() else { return };
    root.insert("openapi".into(), Value::String("3.0.3".into()));
    root.remove("jsonSchemaDialect");
    root.remove("webhooks");
    if let Some(license) = root
        .get_mut("info")
        .and_then(|i| i.get_mut("license"))
        .and_then(Value::as_object_mut)
    {
        license.remove("identifier");
    }
    root.entry("paths").or_insert_with(|| Value::Object(Map::new()));
    for_each_schema(doc, &mut |schema, ptr| downgrade_schema(schema, ptr, path, errors));
}

fn downgrade_schema(schema: &mut Value, ptr: &str, path: &Path, errors: &mut Vec<Error>) {
    let Some(obj) = schema.as_object_mut() else { return };
    for key in ["$schema", "$id", "$comment", "contentEncoding"] {
        obj.remove(key);
    }
    if obj.remove("contentMediaType").is_some() && !obj.contains_key("format") {
        obj.insert("format".into(), "binary".into());
    }
    for key in [
        "prefixItems",
        "if",
        "then",
        "else",
        "dependentSchemas",
        "dependentRequired",
        "unevaluatedProperties",
        "unevaluatedItems",
        "patternProperties",
        "$defs",
    ] {
        if obj.contains_key(key) {
            errors.push(Error::invalid(
                path,
                &format!("{ptr}/{key}"),
                format!("`{key}` has no OpenAPI 3.0 equivalent; remove it or restructure the schema"),
            ));
        }
    }
    if let Some(Value::Array(types)) = obj.get("type").cloned() {
        let non_null: Vec<&Value> = types.iter().filter(|t| t.as_str() != Some("null")).collect();
        match non_null.as_slice() {
            [one] => {
                obj.insert("type".into(), (*one).clone());
                if non_null.len() < types.len() {
                    obj.insert("nullable".into(), Value::Bool(true));
                }
            }
            _ => errors.push(Error::invalid(
                path,
                &format!("{ptr}/type"),
                "a type array with several non-null types has no 3.0 equivalent; use `oneOf` with one schema per type",
            )),
        }
    }
    if let Some(c) = obj.remove("const") {
        obj.insert("enum".into(), Value::Array(vec![c]));
    }
    if let Some(Value::Array(examples)) = obj.remove("examples")
        && let Some(first) = examples.into_iter().next()
    {
        obj.entry("example").or_insert(first);
    }
    for (exclusive, inclusive) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(n) = obj.get(exclusive).filter(|v| v.is_number()).cloned() {
            obj.insert(inclusive.into(), n);
            obj.insert(exclusive.into(), Value::Bool(true));
        }
    }
    for union in ["anyOf", "oneOf"] {
        let Some(Value::Array(members)) = obj.get(union) else {
            continue;
        };
        let is_null = |m: &Value| m.get("type").and_then(Value::as_str) == Some("null");
        if !members.iter().any(is_null) {
            continue;
        }
        let rest: Vec<Value> = members.iter().filter(|m| !is_null(m)).cloned().collect();
        obj.remove(union);
        obj.insert("nullable".into(), Value::Bool(true));
        match rest.len() {
            1 => {
                let member = rest.into_iter().next().unwrap_or_default();
                if member.get("$ref").is_some() {
                    obj.insert("allOf".into(), Value::Array(vec![member]));
                } else if let Value::Object(fields) = member {
                    for (k, v) in fields {
                        obj.entry(k).or_insert(v);
                    }
                }
            }
            _ => {
                obj.insert(union.into(), Value::Array(rest));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Walking

/// Calls `f` on every schema object of the document (components, parameters, bodies,
/// responses, headers, and every nested schema), outermost first, with its JSON pointer.
pub fn for_each_schema(doc: &mut Value, f: &mut dyn FnMut(&mut Value, &str)) {
    let mut sites: Vec<String> = Vec::new();
    collect_schema_sites(doc, &mut sites);
    for site in sites {
        if let Some(schema) = doc.pointer_mut(&site) {
            walk_schema(schema, &site, f);
        }
    }
}

fn collect_schema_sites(doc: &Value, sites: &mut Vec<String>) {
    let media = |content: Option<&Value>, base: &str, sites: &mut Vec<String>| {
        if let Some(Value::Object(types)) = content {
            for (mt, m) in types {
                if m.get("schema").is_some() {
                    sites.push(format!("{base}/content/{}/schema", crate::error::escape(mt)));
                }
            }
        }
    };
    let params = |list: Option<&Value>, base: &str, sites: &mut Vec<String>| {
        if let Some(Value::Array(items)) = list {
            for (i, p) in items.iter().enumerate() {
                if p.get("schema").is_some() {
                    sites.push(format!("{base}/parameters/{i}/schema"));
                }
            }
        }
    };
    let headers = |hs: Option<&Value>, base: &str, sites: &mut Vec<String>| {
        if let Some(Value::Object(hs)) = hs {
            for (name, h) in hs {
                if h.get("schema").is_some() {
                    sites.push(format!("{base}/headers/{}/schema", crate::error::escape(name)));
                }
            }
        }
    };
    if let Some(Value::Object(paths)) = doc.get("paths") {
        for (p, item) in paths {
            let base = pointer(["paths", p.as_str()]);
            params(item.get("parameters"), &base, sites);
            for m in METHODS {
                let Some(op) = item.get(m) else { continue };
                let ob = format!("{base}/{m}");
                params(op.get("parameters"), &ob, sites);
                if let Some(body) = op.get("requestBody") {
                    media(body.get("content"), &format!("{ob}/requestBody"), sites);
                }
                if let Some(Value::Object(responses)) = op.get("responses") {
                    for (code, r) in responses {
                        let rb = format!("{ob}/responses/{code}");
                        media(r.get("content"), &rb, sites);
                        headers(r.get("headers"), &rb, sites);
                    }
                }
            }
        }
    }
    if let Some(components) = doc.get("components") {
        if let Some(Value::Object(schemas)) = components.get("schemas") {
            for name in schemas.keys() {
                sites.push(pointer(["components", "schemas", name]));
            }
        }
        if let Some(Value::Object(ps)) = components.get("parameters") {
            for (name, p) in ps {
                if p.get("schema").is_some() {
                    sites.push(format!("{}/schema", pointer(["components", "parameters", name])));
                }
            }
        }
        for section in ["responses", "requestBodies"] {
            if let Some(Value::Object(items)) = components.get(section) {
                for (name, r) in items {
                    let base = pointer(["components", section, name]);
                    media(r.get("content"), &base, sites);
                    headers(r.get("headers"), &base, sites);
                }
            }
        }
        headers(components.get("headers"), "/components", sites);
    }
}

fn walk_schema(schema: &mut Value, ptr: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    f(schema, ptr);
    let Some(obj) = schema.as_object_mut() else { return };
    for key in ["items", "not", "additionalProperties"] {
        if let Some(sub) = obj.get_mut(key).filter(|v| v.is_object()) {
            walk_schema(sub, &format!("{ptr}/{key}"), f);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(members)) = obj.get_mut(key) {
            for (i, m) in members.iter_mut().enumerate() {
                walk_schema(m, &format!("{ptr}/{key}/{i}"), f);
            }
        }
    }
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        for (name, p) in props.iter_mut() {
            walk_schema(p, &format!("{ptr}/properties/{}", crate::error::escape(name)), f);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

/// Resolves a local `$ref` (`#/components/...`) against the document.
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    reference.strip_prefix('#').and_then(|p| doc.pointer(p))
}

/// Follows `$ref` chains (at most 16 hops) to the referenced node.
pub fn deref<'a>(doc: &'a Value, mut node: &'a Value) -> Option<&'a Value> {
    for _ in 0..16 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => node = resolve(doc, r)?,
            None => return Some(node),
        }
    }
    None
}

fn validate(doc: &Value, path: &Path, errors: &mut Vec<Error>) {
    // Every $ref must resolve.
    check_refs(doc, doc, "", path, errors);
    // Unions typify cannot generate well.
    let mut unions = Vec::new();
    let mut copy = doc.clone();
    for_each_schema(&mut copy, &mut |schema, ptr| {
        if schema.get("anyOf").is_some() {
            unions.push(format!("{ptr}/anyOf"));
        }
    });
    for u in unions {
        errors.push(Error::invalid(path, &u, "`anyOf` generates unusable Rust types; use `oneOf` with a `discriminator`, or a plain object with optional fields"));
    }
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        errors.push(Error::invalid(path, "/paths", "missing `paths` object"));
        return;
    };
    let mut operation_ids: BTreeMap<String, String> = BTreeMap::new();
    for (p, item) in paths {
        let base = pointer(["paths", p.as_str()]);
        if item.get("$ref").is_some() {
            errors.push(Error::invalid(
                path,
                &format!("{base}/$ref"),
                "a path item `$ref` is not supported; write the operations inline",
            ));
            continue;
        }
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            let ob = format!("{base}/{m}");
            match op.get("operationId").and_then(Value::as_str) {
                None => errors.push(Error::invalid(
                    path,
                    &ob,
                    format!(
                        "operation {} {p} has no `operationId`; add a unique one, such as `{}`",
                        m.to_uppercase(),
                        suggest_operation_id(m, p)
                    ),
                )),
                Some(id) => {
                    if let Some(first) = operation_ids.insert(id.to_string(), ob.clone()) {
                        errors.push(Error::invalid(
                            path,
                            &format!("{ob}/operationId"),
                            format!("operationId `{id}` is already used at {first}; operationIds must be unique"),
                        ));
                    }
                }
            }
            validate_parameters(doc, item.get("parameters"), &base, path, errors);
            validate_parameters(doc, op.get("parameters"), &ob, path, errors);
            if let Some(body) = op.get("requestBody") {
                let body = deref(doc, body).unwrap_or(body);
                validate_body(body, &format!("{ob}/requestBody"), path, errors);
            }
            validate_responses(doc, op.get("responses"), &ob, path, errors);
        }
    }
}

fn suggest_operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_string();
    for seg in path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{') && *s != "v1")
    {
        let mut chars = seg.chars().filter(|c| c.is_alphanumeric());
        if let Some(c) = chars.next() {
            id.push(c.to_ascii_uppercase());
            id.extend(chars);
        }
    }
    id
}

fn check_refs(doc: &Value, node: &Value, ptr: &str, path: &Path, errors: &mut Vec<Error>) {
    match node {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                if !r.starts_with("#/") {
                    errors.push(Error::invalid(
                        path,
                        &format!("{ptr}/$ref"),
                        format!("external reference `{r}` is not supported; bundle the spec into one file"),
                    ));
                } else if resolve(doc, r).is_none() {
                    errors.push(Error::invalid(
                        path,
                        &format!("{ptr}/$ref"),
                        format!("`{r}` does not resolve to anything in this document"),
                    ));
                }
            }
            for (k, v) in map {
                check_refs(doc, v, &format!("{ptr}/{}", crate::error::escape(k)), path, errors);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check_refs(doc, v, &format!("{ptr}/{i}"), path, errors);
            }
        }
        _ => {}
    }
}

fn validate_parameters(doc: &Value, list: Option<&Value>, base: &str, path: &Path, errors: &mut Vec<Error>) {
    let Some(Value::Array(items)) = list else { return };
    for (i, p) in items.iter().enumerate() {
        let Some(param) = deref(doc, p) else { continue };
        let ptr = format!("{base}/parameters/{i}");
        match param.get("in").and_then(Value::as_str) {
            Some("path" | "query" | "header") => {}
            Some(other) => errors.push(Error::invalid(
                path,
                &format!("{ptr}/in"),
                format!("parameters `in: {other}` are not supported; use a path, query or header parameter"),
            )),
            None => errors.push(Error::invalid(path, &ptr, "parameter has no `in`")),
        }
        if param.get("schema").is_none() {
            errors.push(Error::invalid(
                path,
                &ptr,
                "parameter has no `schema`; `content` parameters are not supported",
            ));
        }
    }
}

fn validate_body(body: &Value, ptr: &str, path: &Path, errors: &mut Vec<Error>) {
    let Some(content) = body.get("content").and_then(Value::as_object) else {
        errors.push(Error::invalid(path, ptr, "request body has no `content`"));
        return;
    };
    if content.len() > 1 {
        let types: Vec<&str> = content.keys().map(String::as_str).collect();
        errors.push(Error::invalid(
            path,
            &format!("{ptr}/content"),
            format!(
                "request body offers {} media types ({}); keep exactly one, `application/json`",
                types.len(),
                types.join(", ")
            ),
        ));
        return;
    }
    for media_type in content.keys() {
        let mp = format!("{ptr}/content/{}", crate::error::escape(media_type));
        if media_type.starts_with("multipart/") {
            errors.push(Error::invalid(path, &mp, format!("`{media_type}` request bodies are not supported by the client generator; send the file's content as a string field of an `application/json` body")));
        } else if media_type != "application/json" {
            errors.push(Error::invalid(
                path,
                &mp,
                format!("`{media_type}` request bodies are not supported; use `application/json`"),
            ));
        }
    }
}

fn validate_responses(doc: &Value, responses: Option<&Value>, base: &str, path: &Path, errors: &mut Vec<Error>) {
    let ptr = format!("{base}/responses");
    let Some(responses) = responses.and_then(Value::as_object) else {
        errors.push(Error::invalid(path, &ptr, "operation has no `responses`"));
        return;
    };
    let body_schema = |r: &Value| -> Option<Value> {
        let r = deref(doc, r)?;
        let content = r.get("content")?.as_object()?;
        content
            .get("application/json")
            .and_then(|m| m.get("schema"))
            .cloned()
            .or_else(|| content.values().next().and_then(|m| m.get("schema")).cloned())
    };
    let success: Vec<(&String, Option<Value>)> = responses
        .iter()
        .filter(|(c, _)| c.starts_with('2'))
        .map(|(c, r)| (c, body_schema(r)))
        .collect();
    if responses.contains_key("default") && !success.is_empty() {
        errors.push(Error::invalid(path, &format!("{ptr}/default"), "a `default` response beside a success response makes the client generator panic; replace `default` with explicit error statuses (400, 401, 403, 404, 409, 422, 429, 500) that share one Error schema"));
    }
    let success_bodies: Vec<&Value> = success.iter().filter_map(|(_, s)| s.as_ref()).collect();
    if success_bodies.windows(2).any(|w| w[0] != w[1]) {
        let codes: Vec<&str> = success.iter().map(|(c, _)| c.as_str()).collect();
        errors.push(Error::invalid(path, &ptr, format!("success responses {} have different body schemas; keep one success status, or give them the same schema", codes.join(", "))));
    }
    let error_bodies: Vec<(&String, Value)> = responses
        .iter()
        .filter(|(c, _)| c.starts_with('4') || c.starts_with('5'))
        .filter_map(|(c, r)| body_schema(r).map(|s| (c, s)))
        .collect();
    if let Some((first_code, first)) = error_bodies.first() {
        for (code, schema) in &error_bodies[1..] {
            if schema != first {
                errors.push(Error::invalid(path, &format!("{ptr}/{code}"), format!("error response {code} has a different body schema than {first_code}; all error statuses must share one Error schema")));
            }
        }
    }
    if success.is_empty() && !responses.contains_key("default") {
        errors.push(Error::invalid(path, &ptr, "operation has no success (2xx) response"));
    }
}
