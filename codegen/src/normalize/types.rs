//! Rust type names, made unique before typify gives them.
//!
//! typify names a component after its key and an inline schema after its place: the parent's
//! name and the property (`SetupIntentPaymentMethodOptions` + `us_bank_account`), an array's
//! items `…Item`, a map's values `…Value`; progenitor names an operation's inline parameter, body
//! and response types `{OperationId}{Parameter}`, `…Body`, `…Response`. Neither checks a derived
//! name against the others, so Stripe's spec, where a component is called what another one's
//! property derives, yields two Rust types of one name. This pass derives every name the way
//! they do and moves an inline schema whose name is taken to `components/schemas` under a free
//! one; names that are free stay exactly what typify would have chosen.

use super::Cx;
use crate::diagnostics::Kind;
use crate::names::{self, Case};
use crate::pointer;
use crate::walk::METHODS;
use heck::ToSnakeCase;
use serde_json::{Value, json};
use std::collections::BTreeSet;

pub(super) fn unique_type_names(doc: &mut Value, cx: &mut Cx) {
    let keys: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut names = Names {
        used: keys.iter().map(|k| names::typify(k, Case::Pascal)).collect(),
        keys: keys.iter().cloned().collect(),
        cx,
    };
    for key in &keys {
        let name = names::typify(key, Case::Pascal);
        names.inside(doc, &pointer::of(["components", "schemas", key]), &name);
    }
    for (ptr, id) in operations(doc) {
        let params: Vec<(usize, String)> = doc
            .pointer(&format!("{ptr}/parameters"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, p)| Some((i, p.get("name")?.as_str()?.to_string())))
            .collect();
        for (i, param) in params {
            let name = names::progenitor(&format!("{id}-{param}"), Case::Pascal);
            names.place(doc, &format!("{ptr}/parameters/{i}/schema"), &name);
        }
        for (site, suffix) in [("requestBody", "body"), ("responses", "response")] {
            let name = names::progenitor(&format!("{id}-{suffix}"), Case::Pascal);
            for media in media_schemas(doc, &format!("{ptr}/{site}")) {
                names.place(doc, &media, &name);
            }
        }
    }
}

/// Every operation's pointer and operationId.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (p, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for m in METHODS {
            if let Some(id) = item.get(m).and_then(|op| op.get("operationId")).and_then(Value::as_str) {
                out.push((pointer::of(["paths", p, m]), id.to_string()));
            }
        }
    }
    out
}

/// The JSON schemas of a request body (`…/requestBody`) or of every response (`…/responses`).
fn media_schemas(doc: &Value, ptr: &str) -> Vec<String> {
    let Some(node) = doc.pointer(ptr) else {
        return Vec::new();
    };
    let bodies: Vec<(String, &Value)> = if ptr.ends_with("/responses") {
        node.as_object()
            .into_iter()
            .flatten()
            .map(|(code, r)| (pointer::join(ptr, code), r))
            .collect()
    } else {
        vec![(ptr.to_string(), node)]
    };
    bodies
        .into_iter()
        .filter(|(_, b)| b.pointer("/content/application~1json/schema").is_some())
        .map(|(p, _)| format!("{p}/content/application~1json/schema"))
        .collect()
}

/// Whether typify makes a named type of a schema (rather than a reference, a primitive, or a
/// container of others).
fn is_named(schema: &Value) -> bool {
    let Some(o) = schema.as_object() else { return false };
    if o.contains_key("$ref") {
        return false;
    }
    let has = |k: &str| o.get(k).and_then(Value::as_array).map_or(0, Vec::len);
    o.get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty())
        || has("enum") > 0
        || has("oneOf") > 1
        || has("anyOf") > 1
        || has("allOf") > 1
        || o.get("allOf")
            .and_then(Value::as_array)
            .is_some_and(|m| m.iter().any(|s| s.get("$ref").is_none()))
        || (o.get("type") == Some(&json!("string"))
            && ["pattern", "minLength", "maxLength"].iter().any(|k| o.contains_key(*k)))
}

struct Names<'a, 'b> {
    /// Rust type names given so far.
    used: BTreeSet<String>,
    /// Keys of `components/schemas`.
    keys: BTreeSet<String>,
    cx: &'a mut Cx<'b>,
}

impl Names<'_, '_> {
    /// The schema at `ptr` would be named `name`: keep it there, or move it when the name is
    /// taken; then name what is inside it.
    fn place(&mut self, doc: &mut Value, ptr: &str, name: &str) {
        let Some(schema) = doc.pointer(ptr) else { return };
        if !is_named(schema) {
            self.inside(doc, ptr, name);
            return;
        }
        if self.used.insert(name.to_string()) {
            self.inside(doc, ptr, name);
            return;
        }
        let mut key = format!("{name}2");
        let mut n = 3;
        while self.used.contains(&names::typify(&key, Case::Pascal)) || self.keys.contains(&key) {
            key = format!("{name}{n}");
            n += 1;
        }
        let reference = json!({"$ref": format!("#/components/schemas/{}", pointer::escape(&key))});
        let Some(slot) = doc.pointer_mut(ptr) else { return };
        let mut moved = std::mem::replace(slot, reference.clone());
        // As for every component, null stays where the schema is used (see `schema`).
        if moved.as_object_mut().and_then(|o| o.shift_remove("nullable")) == Some(json!(true)) {
            *slot = json!({"allOf": [reference], "nullable": true});
        }
        let Some(schemas) = crate::walk::component_schemas(doc) else {
            return;
        };
        schemas.insert(key.clone(), moved);
        self.cx.warn(
            Kind::Name,
            ptr,
            format!("its Rust type would be `{name}`, a name another type has; it is `components/schemas/{key}`"),
        );
        self.keys.insert(key.clone());
        let name = names::typify(&key, Case::Pascal);
        self.used.insert(name.clone());
        self.inside(doc, &pointer::of(["components", "schemas", &key]), &name);
    }

    /// Names the inline schemas inside the one at `ptr`, whose type is `name`.
    fn inside(&mut self, doc: &mut Value, ptr: &str, name: &str) {
        let Some(schema) = doc.pointer(ptr) else { return };
        let properties: Vec<String> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let items = schema.get("items").is_some_and(Value::is_object);
        let values = schema.get("additionalProperties").is_some_and(Value::is_object);
        // typify merges an intersection into one type: its inline members' properties are the
        // type's own.
        let merged: Vec<usize> = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(|m| (0..m.len()).filter(|i| m[*i].get("$ref").is_none()).collect())
            .unwrap_or_default();
        for i in merged {
            self.inside(doc, &format!("{ptr}/allOf/{i}"), name);
        }
        for property in properties {
            let derived = names::typify(&format!("{name}_{}", property.to_snake_case()), Case::Pascal);
            self.place(doc, &pointer::join(&format!("{ptr}/properties"), &property), &derived);
        }
        if items {
            self.place(
                doc,
                &format!("{ptr}/items"),
                &names::typify(&format!("{name}Item"), Case::Pascal),
            );
        }
        if values {
            self.place(
                doc,
                &format!("{ptr}/additionalProperties"),
                &names::typify(&format!("{name}Value"), Case::Pascal),
            );
        }
    }
}
