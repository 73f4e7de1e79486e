//! Output schemas for tool results (MCP `outputSchema`), from the spec's success response.
//!
//! An input schema ([`crate::schema`]) only guides a model, so it may be simplified: a union
//! becomes one type, `nullable` is dropped. An output schema is what a client validates the
//! result's `structuredContent` against, so it must accept every value the API answers: unions
//! stay unions (`anyOf`), `nullable` becomes a union with `null`, nothing is narrowed. It is
//! portable all the same: `$ref`s inlined (a recursion cut to "any value" where it recurs), no
//! type arrays, and an object at the root (clients before 2026-07-28 require one: any other
//! answer is wrapped as `{"result": ...}`). Formats and bounds are left out: they describe what
//! an API accepts more than what it answers, and a client that asserts formats would refuse a
//! valid answer on a difference of notation.

use crate::error::Error;
use crate::pointer::{deref, escape, of as pointer, resolve};
use crate::schema::merge;
use serde_json::{Map, Value, json};
use std::path::Path;

/// The property a non-object answer is wrapped in (the generated wrapper wraps its value so).
pub const WRAPPED: &str = "result";

/// A tool's output schema.
pub struct Output {
    /// The schema, an object at the root.
    pub schema: Value,
    /// Whether the answer is wrapped as `{"result": answer}`.
    pub wrapped: bool,
}

/// The output schema of an operation's JSON success answer: the first 2xx response with a JSON
/// body, as the SDK types it. `None` when the operation answers no JSON.
pub fn of_operation(doc: &Value, operation_id: &str, path: &Path) -> Result<Option<Output>, Error> {
    for (p, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if op.get("operationId").and_then(Value::as_str) != Some(operation_id) {
                continue;
            }
            let responses = op.get("responses").and_then(Value::as_object);
            let mut success: Vec<(&String, &Value)> = responses
                .into_iter()
                .flatten()
                .filter(|(status, _)| status.starts_with('2'))
                .collect();
            success.sort_by(|a, b| a.0.cmp(b.0));
            for (status, response) in success {
                let Some(response) = deref(doc, response) else { continue };
                let json = response
                    .get("content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .find(|(media, _)| media.split(';').next().is_some_and(|m| m.trim().ends_with("json")));
                if let Some((media, content)) = json
                    && let Some(schema) = content.get("schema")
                {
                    let ptr = pointer([
                        "paths",
                        p.as_str(),
                        method.as_str(),
                        "responses",
                        status,
                        "content",
                        media,
                        "schema",
                    ]);
                    return of_schema(doc, schema, &ptr, path).map(Some);
                }
            }
            return Ok(None);
        }
    }
    Ok(None)
}

/// The output schema of an answer described by `schema` (in `doc`'s terms: it may `$ref` the
/// spec's components). A spec whose types all reach each other (Stripe's) would inline to
/// megabytes, so references are inlined to a depth that keeps the schema under [`MAX_BYTES`]:
/// deeper ones accept any value (a cut never refuses a valid answer).
pub fn of_schema(doc: &Value, schema: &Value, ptr: &str, path: &Path) -> Result<Output, Error> {
    let mut converted = Value::Null;
    for max_depth in DEPTHS {
        let mut inliner = Inliner {
            doc,
            path,
            refs: Vec::new(),
            max_depth,
            nodes_left: MAX_NODES,
        };
        match inliner.convert(schema, ptr) {
            Ok(value) => {
                converted = value;
                if serde_json::to_string(&converted).map_or(0, |s| s.len()) <= MAX_BYTES {
                    break;
                }
            }
            Err(Stop::Invalid(e)) => return Err(e),
            Err(Stop::TooBig) => converted = json!({}),
        }
    }
    if converted.get("type").and_then(Value::as_str) == Some("object") {
        return Ok(Output {
            schema: converted,
            wrapped: false,
        });
    }
    Ok(Output {
        schema: json!({"type": "object", "properties": {WRAPPED: converted}, "required": [WRAPPED]}),
        wrapped: true,
    })
}

/// How deep references are inlined, tried in turn until the schema is small enough (the last
/// keeps only the answer's own type).
const DEPTHS: [usize; 4] = [8, 4, 2, 1];

/// The largest output schema worth sending (bytes of JSON); the largest of our own APIs' is 2 KB.
const MAX_BYTES: usize = 32 * 1024;

/// Schema nodes one attempt may build before it is abandoned for a shallower one.
const MAX_NODES: usize = 5_000;

/// Why an attempt stopped.
enum Stop {
    Invalid(Error),
    /// Past [`MAX_NODES`].
    TooBig,
}

/// One attempt at inlining a schema.
struct Inliner<'a> {
    doc: &'a Value,
    path: &'a Path,
    /// The references being inlined around the current node, to stop where one recurs.
    refs: Vec<String>,
    max_depth: usize,
    nodes_left: usize,
}

impl Inliner<'_> {
    fn convert(&mut self, schema: &Value, ptr: &str) -> Result<Value, Stop> {
        self.nodes_left = self.nodes_left.checked_sub(1).ok_or(Stop::TooBig)?;
        let Some(obj) = schema.as_object() else {
            // `true` (or anything that is not a schema object) accepts any value.
            return Ok(json!({}));
        };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            let target = resolve(self.doc, r).ok_or_else(|| {
                Stop::Invalid(Error::invalid(
                    self.path,
                    ptr,
                    format!("`{r}` does not resolve in the spec"),
                ))
            })?;
            let mut converted = if self.refs.iter().any(|seen| seen == r) || self.refs.len() >= self.max_depth {
                json!({"description": format!("A nested `{}`.", r.rsplit('/').next().unwrap_or(r))})
            } else {
                self.refs.push(r.to_string());
                let converted = self.convert(target, r.trim_start_matches('#'));
                self.refs.pop();
                converted?
            };
            if let (Some(description), Value::Object(m)) = (obj.get("description"), &mut converted) {
                m.insert("description".into(), description.clone());
            }
            return Ok(converted);
        }
        let mut out = Map::new();
        if let Some(Value::Array(members)) = obj.get("allOf") {
            for (i, m) in members.iter().enumerate() {
                if let Value::Object(fields) = self.convert(m, &format!("{ptr}/allOf/{i}"))? {
                    merge(&mut out, fields);
                }
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(members)) = obj.get(key) {
                let mut converted = Vec::new();
                for (i, m) in members.iter().enumerate() {
                    converted.push(self.convert(m, &format!("{ptr}/{key}/{i}"))?);
                }
                out.insert("anyOf".into(), Value::Array(converted));
            }
        }
        let mut own = Map::new();
        for (k, v) in obj {
            let v = match k.as_str() {
                "description" | "enum" | "const" | "required" => v.clone(),
                "type" => match v {
                    Value::Array(types) => {
                        // A type array is a union of types.
                        let members = types.iter().map(|t| json!({"type": t})).collect();
                        out.insert("anyOf".into(), Value::Array(members));
                        continue;
                    }
                    _ => v.clone(),
                },
                "items" => self.convert(v, &format!("{ptr}/items"))?,
                "additionalProperties" if v.is_object() => self.convert(v, &format!("{ptr}/additionalProperties"))?,
                "properties" => {
                    let mut props = Map::new();
                    for (name, p) in v.as_object().into_iter().flatten() {
                        let p = self.convert(p, &format!("{ptr}/properties/{}", escape(name)))?;
                        props.insert(name.clone(), p);
                    }
                    Value::Object(props)
                }
                _ => continue,
            };
            own.insert(k.clone(), v);
        }
        merge(&mut out, own);
        if obj.get("nullable") == Some(&Value::Bool(true)) {
            let description = out.remove("description");
            let mut nullable = Map::new();
            nullable.insert("anyOf".into(), json!([Value::Object(out), {"type": "null"}]));
            if let Some(description) = description {
                nullable.insert("description".into(), description);
            }
            return Ok(Value::Object(nullable));
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "paths": {"/things/{id}": {"get": {"operationId": "getThing", "responses": {
                "404": {"description": "no"},
                "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}
            }}}, "/things": {"get": {"operationId": "listThings", "responses": {
                "200": {"description": "ok", "content": {"application/json; charset=utf-8": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}}}}
            }}, "delete": {"operationId": "clear", "responses": {"204": {"description": "gone"}}}}},
            "components": {"schemas": {
                "Thing": {"type": "object", "required": ["id"], "properties": {
                    "id": {"type": "string", "format": "uuid", "maxLength": 40},
                    "note": {"type": "string", "nullable": true, "description": "Free text."},
                    "state": {"type": "string", "enum": ["on", "off"], "nullable": true},
                    "parent": {"$ref": "#/components/schemas/Thing"},
                    "size": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}}
                }}
            }}
        })
    }

    #[test]
    fn a_response_schema_is_inlined_and_accepts_what_the_api_answers() {
        let out = of_operation(&doc(), "getThing", Path::new("spec.yaml"))
            .unwrap()
            .unwrap();
        assert!(!out.wrapped);
        assert_eq!(
            out.schema,
            json!({"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string"},
                "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "Free text."},
                "state": {"anyOf": [{"type": "string", "enum": ["on", "off"]}, {"type": "null"}]},
                "parent": {"description": "A nested `Thing`."},
                "size": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}}
            }})
        );
    }

    #[test]
    fn a_type_array_becomes_a_union() {
        let schema = json!({"type": "object", "properties": {"a": {"type": ["string", "null"]}}});
        let out = of_schema(&json!({}), &schema, "", Path::new("spec.yaml")).unwrap();
        assert_eq!(
            out.schema["properties"]["a"],
            json!({"anyOf": [{"type": "string"}, {"type": "null"}]})
        );
    }

    #[test]
    fn a_list_answer_is_wrapped_and_an_empty_one_has_no_schema() {
        let out = of_operation(&doc(), "listThings", Path::new("spec.yaml"))
            .unwrap()
            .unwrap();
        assert!(out.wrapped);
        assert_eq!(out.schema["required"], json!([WRAPPED]));
        assert_eq!(out.schema["properties"][WRAPPED]["type"], "array");
        assert!(of_operation(&doc(), "clear", Path::new("spec.yaml")).unwrap().is_none());
    }

    #[test]
    fn types_that_all_reach_each_other_stay_small() {
        // Ten types, each with two properties of every other type: inlined whole, 10^depth.
        let mut schemas = Map::new();
        for i in 0..10 {
            let properties: Map<String, Value> = (0..10)
                .flat_map(|j| {
                    let target = json!({"$ref": format!("#/components/schemas/T{j}")});
                    [(format!("a{j}"), target.clone()), (format!("b{j}"), target)]
                })
                .collect();
            schemas.insert(format!("T{i}"), json!({"type": "object", "properties": properties}));
        }
        let doc = json!({"components": {"schemas": schemas}});
        let root = json!({"$ref": "#/components/schemas/T0"});
        let out = of_schema(&doc, &root, "", Path::new("spec.yaml")).unwrap();
        let bytes = serde_json::to_string(&out.schema).unwrap().len();
        assert!(bytes <= MAX_BYTES, "{bytes} bytes");
        assert_eq!(out.schema["type"], "object");
        // The answer's own type and the next level stay; the level past them is cut.
        assert_eq!(out.schema["properties"]["a0"]["description"], "A nested `T0`.");
        assert_eq!(out.schema["properties"]["a1"]["type"], "object");
        assert_eq!(
            out.schema["properties"]["a1"]["properties"]["a2"]["description"],
            "A nested `T2`."
        );
    }
}
