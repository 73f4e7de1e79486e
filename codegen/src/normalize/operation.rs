//! Operations, rewritten into what progenitor generates a method for.
//!
//! progenitor needs a unique operationId, path/query/header parameters in their default styles,
//! at most one request body media type among JSON, form, octet-stream and plain text, and one
//! type for all success responses and one for all error responses (it panics otherwise). This
//! pass gives every operation that shape, or leaves it out of the SDK with the reason, so one
//! operation never blocks the rest.

use super::Cx;
use crate::diagnostics::{Kind, Report};
use crate::names::{self, Case};
use crate::pointer;
use crate::walk::METHODS;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// An operation that is not in the SDK, and why.
#[derive(Debug, Clone)]
pub struct LeftOut {
    pub operation_id: String,
    pub pointer: String,
    pub reason: String,
}

impl LeftOut {
    /// Reports an operation of `path` (at `pointer`) as left out, and returns the record.
    pub fn record(report: &mut Report, path: &Path, pointer: &str, operation_id: &str, reason: String) -> LeftOut {
        report.warn(
            Kind::Operation,
            path,
            pointer,
            format!("`{operation_id}` is left out of the SDK: {reason}"),
        );
        LeftOut {
            operation_id: operation_id.to_string(),
            pointer: pointer.to_string(),
            reason,
        }
    }
}

pub(super) fn normalize(doc: &mut Value, cx: &mut Cx) -> Vec<LeftOut> {
    operation_ids(doc, cx);
    let components = doc.pointer("/components/schemas").cloned().unwrap_or_else(|| json!({}));
    let mut left_out = Vec::new();
    let paths: Vec<String> = doc
        .get("paths")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    for path in paths {
        let item_ptr = pointer::of(["paths", path.as_str()]);
        let Some(item) = doc.pointer_mut(&item_ptr).and_then(Value::as_object_mut) else {
            cx.error(&item_ptr, "a path item must be an object");
            continue;
        };
        let mut shared = take_parameters(item);
        parameters(&mut shared, &item_ptr, &components, cx);
        for method in METHODS {
            let op_ptr = format!("{item_ptr}/{method}");
            let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else {
                continue;
            };
            let result = if matches!(method, "options" | "trace") {
                // progenitor calls `reqwest::Client::options`/`trace`, which reqwest lacks.
                Err(format!(
                    "its method is {}, which the client generator cannot send",
                    method.to_uppercase()
                ))
            } else {
                operation(op, &path, &shared, &op_ptr, &components, cx)
            };
            if let Err(reason) = result {
                let operation_id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                left_out.push(LeftOut::record(cx.report, cx.path, &op_ptr, &operation_id, reason));
                item.shift_remove(method);
            }
        }
        if !shared.is_empty() {
            item.insert("parameters".into(), Value::Array(shared));
        }
    }
    left_out
}

/// Methods the generated `Client` has besides the operations (progenitor's, its hooks', and the
/// SDK layer's).
const CLIENT_METHODS: [&str; 11] = [
    "new",
    "new_with_client",
    "baseurl",
    "client",
    "api_version",
    "inner",
    "pre",
    "post",
    "exec",
    "with_api_key",
    "builder",
];

/// `get` + `/v1/notes/{id}` → `getNotes`, the id suggested for an operation without one.
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

/// Every operation gets an operationId that is unique, also as the snake-case method name
/// progenitor derives from it.
fn operation_ids(doc: &mut Value, cx: &mut Cx) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    // (original id or method name) → where it was first used. The client's own methods are
    // taken from the start.
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut methods: BTreeMap<String, String> = CLIENT_METHODS
        .iter()
        .map(|m| (m.to_string(), "the client itself".to_string()))
        .collect();
    // Ids the spec gives are kept before any made-up one takes them.
    let given: BTreeSet<String> = paths
        .values()
        .flat_map(|item| METHODS.iter().filter_map(move |m| item.get(*m)))
        .filter_map(|op| op.get("operationId").and_then(Value::as_str).map(String::from))
        .collect();
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) else {
                continue;
            };
            let ptr = format!("{}/{method}", pointer::of(["paths", path.as_str()]));
            let given_id = op
                .get("operationId")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(String::from);
            let wanted = given_id.clone().unwrap_or_else(|| suggest_operation_id(method, path));
            let mut id = wanted.clone();
            let mut n = 2;
            let taken = |id: &str, ids: &BTreeMap<String, String>, methods: &BTreeMap<String, String>| {
                ids.contains_key(id)
                    || methods.contains_key(&names::progenitor(id, Case::Snake))
                    || (given_id.as_deref() != Some(id) && given.contains(id))
            };
            while taken(&id, &ids, &methods) {
                id = format!("{wanted}{n}");
                n += 1;
            }
            match &given_id {
                None => cx.warn(
                    Kind::OperationId,
                    &ptr,
                    format!(
                        "operation {} {path} has no `operationId`; the SDK calls it `{id}` (add one to choose the name)",
                        method.to_uppercase()
                    ),
                ),
                Some(given) if *given != id => {
                    let method = names::progenitor(given, Case::Snake);
                    let clash = match (ids.get(given), methods.get(&method)) {
                        (Some(first), _) => format!("is already used at {first}"),
                        (None, Some(first)) if CLIENT_METHODS.contains(&method.as_str()) && first == "the client itself" => {
                            format!("would be the SDK method `{method}`, which the client already has")
                        }
                        (None, Some(first)) => format!("makes the SDK method `{method}`, as the operation at {first} does"),
                        (None, None) => "is the id of another operation".to_string(),
                    };
                    cx.warn(
                        Kind::OperationId,
                        &format!("{ptr}/operationId"),
                        format!("operationId `{given}` {clash}; this one is `{id}` in the SDK"),
                    );
                }
                Some(_) => {}
            }
            ids.insert(id.clone(), ptr.clone());
            methods.insert(names::progenitor(&id, Case::Snake), ptr);
            op.insert("operationId".into(), Value::String(id));
        }
    }
}

fn take_parameters(item: &mut Map<String, Value>) -> Vec<Value> {
    match item.shift_remove("parameters") {
        Some(Value::Array(list)) => list,
        _ => Vec::new(),
    }
}

/// One operation. `Err` is why it cannot be generated.
fn operation(
    op: &mut Map<String, Value>,
    path: &str,
    shared: &[Value],
    ptr: &str,
    components: &Value,
    cx: &mut Cx,
) -> Result<(), String> {
    let mut own = take_parameters(op);
    let unsendable = parameters(&mut own, ptr, components, cx);
    if let Some(required) = unsendable {
        return Err(required);
    }
    path_parameters(&mut own, shared, path, ptr, cx);
    unique_parameter_names(&mut own, shared, op.contains_key("requestBody"), ptr, cx)?;
    if !own.is_empty() {
        op.insert("parameters".into(), Value::Array(own));
    }
    request_body(op, ptr, cx)?;
    let id = op
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    responses(op, &id, ptr, cx);
    Ok(())
}

fn param_name(p: &Value) -> &str {
    p.get("name").and_then(Value::as_str).unwrap_or_default()
}

fn param_in(p: &Value) -> &str {
    p.get("in").and_then(Value::as_str).unwrap_or_default()
}

/// Parameters progenitor cannot send are left out of `list` (at `base/parameters`). `Some`
/// when one of them is required: then the operation cannot be called, and this is why.
fn parameters(list: &mut Vec<Value>, base: &str, components: &Value, cx: &mut Cx) -> Option<String> {
    let mut required_unsendable = None;
    let mut kept = Vec::with_capacity(list.len());
    for (i, mut p) in std::mem::take(list).into_iter().enumerate() {
        let ptr = format!("{base}/parameters/{i}");
        let name = param_name(&p).to_string();
        let location = param_in(&p).to_string();
        if name.is_empty() || location.is_empty() {
            cx.error(&ptr, "a parameter needs a `name` and an `in`");
            continue;
        }
        // OpenAPI says these headers are ignored as parameters; the client sets them.
        if location == "header" && ["accept", "content-type", "authorization"].contains(&name.to_lowercase().as_str()) {
            continue;
        }
        let required = location == "path" || p.get("required") == Some(&json!(true));
        match unsendable(&mut p, &location, required, components) {
            None => {
                if location == "path" {
                    p["required"] = json!(true);
                }
                kept.push(p);
            }
            Some(why) if required => {
                required_unsendable.get_or_insert(format!("its required {location} parameter `{name}` {why}"));
            }
            Some(why) => cx.warn(
                Kind::Parameter,
                &ptr,
                format!("{location} parameter `{name}` {why}; it is left out of the SDK"),
            ),
        }
    }
    *list = kept;
    required_unsendable
}

/// Why a parameter cannot be sent as progenitor sends parameters, after giving it the schema
/// form progenitor reads.
fn unsendable(p: &mut Value, location: &str, required: bool, components: &Value) -> Option<String> {
    if location == "cookie" {
        return Some("cannot be sent: the client generator sends no cookies".into());
    }
    if !["path", "query", "header"].contains(&location) {
        return Some(format!("is `in: {location}`, which is not an OpenAPI location"));
    }
    if p.get("schema").is_none() {
        match p
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.values().next())
        {
            Some(media) => {
                let schema = media.get("schema").cloned().unwrap_or_else(|| json!({}));
                let plain = matches!(
                    schema.get("type").and_then(Value::as_str),
                    Some("string" | "integer" | "number" | "boolean")
                );
                if !plain {
                    return Some("is a serialized document (`content`), which the client generator cannot send".into());
                }
                p["schema"] = schema;
            }
            None => p["schema"] = json!({"type": "string"}),
        }
    }
    if let Some(o) = p.as_object_mut() {
        o.shift_remove("content");
    }
    // A parameter is sent or not; null has no form on the wire (and progenitor would make an
    // optional nullable header an `Option<Option<T>>`).
    if let Some(schema) = p.get_mut("schema").and_then(Value::as_object_mut) {
        schema.shift_remove("nullable");
    }
    let style = p.get("style").and_then(Value::as_str);
    let supported = match location {
        "path" | "header" => style.is_none_or(|s| s == "simple"),
        _ => style.is_none_or(|s| s == "form"),
    };
    if !supported {
        return Some(format!(
            "uses `style: {}`, which the client generator cannot send",
            style.unwrap_or_default()
        ));
    }
    let composite_type = matches!(schema_type(p.get("schema"), components), Some("array" | "object"));
    if location == "header" && composite_type {
        return Some("is a list or an object, and the client generator sends header values as text".into());
    }
    if location == "path" && composite_type {
        return Some("is a list or an object, and the client generator fills path segments with single values".into());
    }
    // progenitor gives a struct parameter a builder, and has no optional form of one.
    if !required && p.get("schema").is_some_and(|s| is_struct(s, components)) {
        return Some("is an optional object, which the client generator cannot take".into());
    }
    let composite = matches!(
        p.pointer("/schema/type").and_then(Value::as_str),
        Some("array" | "object")
    );
    if location == "query" && composite && p.get("explode") == Some(&json!(false)) {
        return Some("uses `explode: false` (`a,b`), but the client generator sends `name=a&name=b`".into());
    }
    None
}

/// A schema's JSON type, following references and a single `allOf`.
fn schema_type<'a>(schema: Option<&'a Value>, components: &'a Value) -> Option<&'a str> {
    let mut node = schema?;
    for _ in 0..8 {
        if let Some(name) = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            node = components.get(pointer::unescape(name))?;
        } else if let Some([only]) = node.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
            node = only;
        } else {
            break;
        }
    }
    node.get("type").and_then(Value::as_str)
}

/// Whether typify makes a struct of a schema (an object with properties), following references.
fn is_struct(schema: &Value, components: &Value) -> bool {
    let mut node = schema;
    for _ in 0..8 {
        match node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            Some(name) => match components.get(pointer::unescape(name)) {
                Some(target) => node = target,
                None => return false,
            },
            None => break,
        }
    }
    node.get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty())
        || node
            .get("allOf")
            .and_then(Value::as_array)
            .is_some_and(|all| all.iter().any(|m| is_struct(m, components)))
}

/// Path parameters match the path template: undeclared ones are added as strings, ones the
/// path does not use are dropped (progenitor panics on either).
fn path_parameters(own: &mut Vec<Value>, shared: &[Value], path: &str, ptr: &str, cx: &mut Cx) {
    let in_template: Vec<&str> = path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect();
    let declared = |name: &str, list: &[Value]| list.iter().any(|p| param_in(p) == "path" && param_name(p) == name);
    for name in &in_template {
        if !declared(name, own) && !declared(name, shared) {
            cx.warn(
                Kind::Parameter,
                ptr,
                format!("path parameter `{name}` is in the path but not declared; it was added as a string"),
            );
            own.push(json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}));
        }
    }
    own.retain(|p| {
        let keep = param_in(p) != "path" || in_template.contains(&param_name(p));
        if !keep {
            cx.warn(
                Kind::Parameter,
                ptr,
                format!(
                    "path parameter `{}` is declared but not in the path `{path}`; it was dropped",
                    param_name(p)
                ),
            );
        }
        keep
    });
}

/// Builder methods are named after parameters; two that would get the same name (`id` in the
/// path and in the query, or `page[size]` and `page_size`) cannot both be sent.
fn unique_parameter_names(
    own: &mut Vec<Value>,
    shared: &[Value],
    has_body: bool,
    ptr: &str,
    cx: &mut Cx,
) -> Result<(), String> {
    let overridden = |p: &Value| {
        own.iter()
            .any(|o| param_name(o) == param_name(p) && param_in(o) == param_in(p))
    };
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    if has_body {
        seen.insert("body".into(), "the request body".into());
    }
    seen.insert("client".into(), "the builder's client".into());
    for p in shared.iter().filter(|p| !overridden(p)) {
        seen.insert(
            names::progenitor(param_name(p), Case::Snake),
            format!("`{}`", param_name(p)),
        );
    }
    let mut result = Ok(());
    own.retain(|p| {
        let method = names::progenitor(param_name(p), Case::Snake);
        match seen.get(&method) {
            None => {
                seen.insert(method, format!("`{}`", param_name(p)));
                true
            }
            Some(other) => {
                let why = format!(
                    "{} parameter `{}` would be the builder method `{method}`, like {other}",
                    param_in(p),
                    param_name(p)
                );
                if param_in(p) == "path" || p.get("required") == Some(&json!(true)) {
                    result = Err(why);
                } else {
                    cx.warn(Kind::Parameter, ptr, format!("{why}; it is left out of the SDK"));
                }
                false
            }
        }
    });
    result
}

/// What progenitor does with a media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Media {
    Json,
    Form,
    Octet,
    Text,
    Multipart,
    Other,
}

fn media_kind(media_type: &str) -> Media {
    let base = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match base.as_str() {
        "application/json" | "text/json" => Media::Json,
        b if b.starts_with("application/") && b.ends_with("+json") => Media::Json,
        "application/x-www-form-urlencoded" => Media::Form,
        "application/octet-stream" | "*/*" | "application/*" => Media::Octet,
        "text/plain" | "text/x-markdown" => Media::Text,
        b if b.starts_with("multipart/") => Media::Multipart,
        _ => Media::Other,
    }
}

/// The request body: one media type progenitor sends, with the schema form it reads.
fn request_body(op: &mut Map<String, Value>, ptr: &str, cx: &mut Cx) -> Result<(), String> {
    let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let body_ptr = format!("{ptr}/requestBody");
    let content = body
        .get("content")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let Some((chosen, media)) = content.iter().min_by_key(|(mt, _)| media_kind(mt)) else {
        op.shift_remove("requestBody");
        return Ok(());
    };
    let kind = media_kind(chosen);
    match kind {
        Media::Multipart => {
            return Err(format!(
                "its request body is `{chosen}`, and progenitor 0.15 has no multipart support"
            ));
        }
        Media::Other => {
            return Err(format!(
                "its request body is `{chosen}`, which the client generator cannot send"
            ));
        }
        _ => {}
    }
    let mut media = media.as_object().cloned().unwrap_or_default();
    media.shift_remove("encoding");
    let name = match kind {
        Media::Json => "application/json",
        Media::Octet => "application/octet-stream",
        _ => chosen.split(';').next().unwrap_or_default().trim(),
    };
    if content.len() > 1 {
        let others: Vec<String> = content
            .keys()
            .filter(|k| *k != chosen)
            .map(|k| format!("`{k}`"))
            .collect();
        cx.warn(
            Kind::MediaType,
            &format!("{body_ptr}/content"),
            format!(
                "the request body offers {} media types; the SDK sends `{name}` (not {})",
                content.len(),
                others.join(", ")
            ),
        );
    } else if kind == Media::Json && !chosen.starts_with("application/json") {
        cx.warn(
            Kind::MediaType,
            &pointer::join(&format!("{body_ptr}/content"), chosen),
            format!("the request body is `{chosen}`; the SDK sends it as `application/json`"),
        );
    }
    match kind {
        Media::Octet => {
            media.insert("schema".into(), json!({"type": "string", "format": "binary"}));
        }
        Media::Text => {
            media.insert("schema".into(), json!({"type": "string"}));
        }
        _ if !media.contains_key("schema") => {
            cx.warn(
                Kind::MediaType,
                &pointer::join(&format!("{body_ptr}/content"), chosen),
                "the request body has no schema; the SDK takes any JSON value",
            );
            media.insert(
                "schema".into(),
                if kind == Media::Form {
                    json!({"type": "object"})
                } else {
                    json!({})
                },
            );
        }
        _ => {}
    }
    let mut only = Map::new();
    only.insert(name.to_string(), Value::Object(media));
    body.insert("content".into(), Value::Object(only));
    Ok(())
}

/// What a response gives the client: a typed JSON body, some other body, or none.
#[derive(Debug, Clone, PartialEq)]
enum Body {
    Typed(Value),
    Raw,
    Empty,
}

fn body_of(response: &Value) -> Body {
    let Some(content) = response
        .get("content")
        .and_then(Value::as_object)
        .filter(|c| !c.is_empty())
    else {
        return Body::Empty;
    };
    match content.get("application/json").or_else(|| {
        content
            .iter()
            .find(|(k, _)| k.starts_with("application/json;"))
            .map(|(_, v)| v)
    }) {
        Some(media) => Body::Typed(media.get("schema").cloned().unwrap_or_else(|| json!({}))),
        None => Body::Raw,
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

fn is_success(code: &str) -> bool {
    code.starts_with('2') || code == "101"
}

fn is_error(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5')
}

/// Responses: JSON-like media types read as JSON, `default` beside a success as the error for
/// the statuses not listed, and one body type per group (success, error).
fn responses(op: &mut Map<String, Value>, id: &str, ptr: &str, cx: &mut Cx) {
    let responses_ptr = format!("{ptr}/responses");
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        op.insert("responses".into(), json!({}));
        return;
    };
    for (code, response) in responses.iter_mut() {
        media_types(response, &pointer::join(&responses_ptr, code), cx);
    }
    let has_success = responses.keys().any(|c| is_success(c));
    // Beside a success, `default` is the other errors; beside errors only, too (progenitor reads
    // it so, and adds a raw success); alone it is the answer.
    let has_errors = responses.keys().any(|c| is_error(c));
    if (has_success || has_errors)
        && let Some(default) = responses.shift_remove("default")
    {
        let mut filled = Vec::new();
        for range in ["4XX", "5XX"] {
            if !responses.contains_key(range) {
                responses.insert(range.into(), default.clone());
                filled.push(range);
            }
        }
        if has_success {
            cx.warn(
                Kind::Responses,
                &format!("{responses_ptr}/default"),
                format!(
                    "`default` beside a success response is read as the error response of {}",
                    if filled.is_empty() {
                        "no status (4XX and 5XX are listed)".to_string()
                    } else {
                        format!("the other {} statuses", filled.join(" and "))
                    }
                ),
            );
        }
    }
    let success: Vec<String> = responses
        .keys()
        .filter(|c| is_success(c) || (!has_success && *c == "default"))
        .cloned()
        .collect();
    let errors: Vec<String> = responses.keys().filter(|c| is_error(c)).cloned().collect();
    one_type(responses, &success, Group::Success, id, &responses_ptr, cx);
    one_type(responses, &errors, Group::Error, id, &responses_ptr, cx);
    // A status its range already answers the same way is an arm the client never reaches.
    let covered: Vec<String> = responses
        .keys()
        .filter(|code| {
            code.len() == 3
                && code.chars().all(|c| c.is_ascii_digit())
                && responses
                    .get(&format!("{}XX", &code[..1]))
                    .is_some_and(|range| body_of(range) == body_of(&responses[code.as_str()]))
        })
        .cloned()
        .collect();
    for code in covered {
        responses.shift_remove(&code);
    }
}

/// A response's media types: JSON-like ones become `application/json` (what progenitor reads
/// as JSON), a JSON one without a schema gets the any-value schema, and `encoding` goes.
fn media_types(response: &mut Value, ptr: &str, cx: &mut Cx) {
    let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    for media in content.values_mut().filter_map(Value::as_object_mut) {
        media.shift_remove("encoding");
    }
    let has_json = content
        .keys()
        .any(|k| k == "application/json" || k.starts_with("application/json;"));
    if !has_json && let Some(like) = content.keys().find(|k| media_kind(k) == Media::Json).cloned() {
        let media = content.shift_remove(&like).unwrap_or_default();
        content.insert("application/json".into(), media);
        cx.warn(
            Kind::MediaType,
            &pointer::join(&format!("{ptr}/content"), &like),
            format!("the response is `{like}`; the SDK reads it as `application/json`"),
        );
    }
    if let Some(media) = content.get_mut("application/json").and_then(Value::as_object_mut)
        && !media.contains_key("schema")
    {
        media.insert("schema".into(), json!({}));
        cx.warn(
            Kind::MediaType,
            &format!("{ptr}/content/application~1json"),
            "the response has no schema; the SDK reads any JSON value",
        );
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Group {
    Success,
    Error,
}

/// Gives every response of a group the same body type, as progenitor requires.
fn one_type(responses: &mut Map<String, Value>, codes: &[String], group: Group, id: &str, ptr: &str, cx: &mut Cx) {
    let bodies: Vec<(String, Body)> = codes.iter().map(|c| (c.clone(), body_of(&responses[c]))).collect();
    let mut typed: Vec<Value> = Vec::new();
    for (_, b) in &bodies {
        if let Body::Typed(s) = b
            && !typed.contains(s)
        {
            typed.push(s.clone());
        }
    }
    let untyped: Vec<&str> = bodies
        .iter()
        .filter(|(_, b)| !matches!(b, Body::Typed(_)))
        .map(|(c, _)| c.as_str())
        .collect();
    let describe = |codes: &[&str]| codes.join(", ");
    if typed.is_empty() {
        // Only raw and empty bodies: progenitor needs them all of one kind.
        let raw = bodies.iter().any(|(_, b)| *b == Body::Raw);
        let empty = bodies.iter().any(|(_, b)| *b == Body::Empty);
        if raw && empty {
            for (code, _) in bodies.iter().filter(|(_, b)| *b == Body::Empty) {
                responses[code]["content"] =
                    json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}});
            }
        }
        return;
    }
    if !untyped.is_empty() {
        match group {
            Group::Success => {
                let typed_codes: Vec<&str> = bodies
                    .iter()
                    .filter(|(_, b)| matches!(b, Body::Typed(_)))
                    .map(|(c, _)| c.as_str())
                    .collect();
                cx.warn(
                    Kind::Responses,
                    ptr,
                    format!(
                        "success {} {} {} a JSON body and {} {} not; the SDK returns the raw body of all of them",
                        plural(typed_codes.len(), "response", "responses"),
                        describe(&typed_codes),
                        plural(typed_codes.len(), "has", "have"),
                        describe(&untyped),
                        plural(untyped.len(), "does", "do"),
                    ),
                );
                for (code, _) in &bodies {
                    responses[code]["content"] =
                        json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}});
                }
                return;
            }
            Group::Error => {
                let n = untyped.len();
                cx.warn(
                    Kind::Responses,
                    ptr,
                    format!(
                        "error {} {} {} no JSON body, unlike the others; the SDK reports {}",
                        plural(n, "response", "responses"),
                        describe(&untyped),
                        plural(n, "has", "have"),
                        plural(n, "it as an unexpected response", "them as unexpected responses"),
                    ),
                );
                for code in &untyped {
                    responses.shift_remove(*code);
                }
            }
        }
    }
    let typed_codes: Vec<String> = bodies
        .iter()
        .filter(|(_, b)| matches!(b, Body::Typed(_)))
        .map(|(c, _)| c.clone())
        .collect();
    let all_one_ref = typed.len() == 1 && typed[0].get("$ref").is_some();
    if typed_codes.len() < 2 || all_one_ref {
        return;
    }
    // One schema for all: a named component, so that each status gets the very same type.
    let schema = if typed.len() == 1 {
        typed.remove(0)
    } else {
        cx.warn(
            Kind::Responses,
            ptr,
            format!(
                "{} responses {} have different bodies; the SDK reads them as one union (`oneOf`)",
                if group == Group::Success { "success" } else { "error" },
                typed_codes.join(", ")
            ),
        );
        json!({"oneOf": typed})
    };
    let suffix = if group == Group::Success { "response" } else { "error" };
    let name = cx.add_schema(&names::progenitor(&format!("{id}-{suffix}"), Case::Pascal), schema);
    let reference = json!({"$ref": format!("#/components/schemas/{}", pointer::escape(&name))});
    for code in &typed_codes {
        if let Some(content) = responses[code].get_mut("content").and_then(Value::as_object_mut)
            && let Some(media) = content
                .iter_mut()
                .find(|(k, _)| *k == "application/json" || k.starts_with("application/json;"))
                .map(|(_, v)| v)
        {
            media["schema"] = reference.clone();
        }
    }
}
