//! Schemas, rewritten into the OpenAPI 3.0 subset typify generates good types from.
//!
//! Each schema of the document, and each of its subschemas, goes through [`one`]: 3.1 forms are
//! translated (type arrays, `const`, numeric exclusive bounds, `examples`), keywords with no 3.0
//! form are dropped, unions lose their `null` members to `nullable`, an `anyOf` becomes a `oneOf`
//! (typify's `anyOf` struct of flattened options fails at run time on anything but objects),
//! tuples become arrays, and enums typify could not name become plain values.

use super::Cx;
use crate::diagnostics::Kind;
use crate::{names, walk};
use serde_json::{Map, Value, json};

pub(super) fn normalize(doc: &mut Value, cx: &mut Cx) {
    // Unions look up their members' targets; a snapshot keeps the borrow simple.
    let components = doc.pointer("/components/schemas").cloned().unwrap_or_else(|| json!({}));
    for site in walk::schema_sites(doc) {
        let Some(schema) = doc.pointer_mut(&site) else { continue };
        walk::each_schema(schema, &site, &mut |s, ptr| one(s, ptr, &components, cx));
    }
    nullable_components(doc);
}

/// typify makes a nullable component `X` a newtype `X(Option<X>)` around an inner type it also
/// names `X`, which does not compile. The same values: `X` not nullable, and each reference to
/// it nullable (`Option<X>` where it is used).
fn nullable_components(doc: &mut Value) {
    let Some(schemas) = crate::walk::component_schemas(doc) else {
        return;
    };
    let mut nullable = Vec::new();
    for (name, schema) in schemas.iter_mut() {
        if let Some(obj) = schema.as_object_mut()
            && obj.get("nullable") == Some(&json!(true))
        {
            obj.shift_remove("nullable");
            nullable.push(format!("#/components/schemas/{}", crate::pointer::escape(name)));
        }
    }
    if nullable.is_empty() {
        return;
    }
    for r in walk::refs(doc, "", walk::Position::Other) {
        // In an intersection, one member's null changes nothing.
        let in_all_of = r.pointer.rsplit('/').nth(1) == Some("allOf");
        if r.position != walk::Position::Schema || in_all_of || !nullable.contains(&r.target) {
            continue;
        }
        if let Some(node) = doc.pointer_mut(&r.pointer) {
            *node = json!({"allOf": [{"$ref": r.target}], "nullable": true});
        }
    }
}

/// Rewrites one schema node (its subschemas are visited after it).
fn one(schema: &mut Value, ptr: &str, components: &Value, cx: &mut Cx) {
    if *schema == Value::Bool(true) {
        *schema = json!({});
        return;
    }
    let Some(obj) = schema.as_object_mut() else { return };
    if obj.contains_key("$ref") {
        return;
    }
    annotations(obj);
    // First: a union's one non-null member merges into the schema, and the passes below apply
    // to what it brought (FastAPI's `Optional[tuple[float, float]]`).
    unions(obj, ptr, components, cx);
    types(obj);
    constants(obj);
    bounds(obj, ptr, cx);
    tuple(obj, ptr, cx);
    keywords(obj, ptr, cx);
    enums(obj, ptr, cx);
    default(obj, ptr, cx);
}

/// Keywords that only annotate, or that an earlier pass has made redundant.
fn annotations(obj: &mut Map<String, Value>) {
    for key in [
        "$schema",
        "$id",
        "$anchor",
        "$dynamicAnchor",
        "$dynamicRef",
        "$comment",
        "$vocabulary",
        // Their schemas were moved to `components/schemas` by the reference pass.
        "$defs",
        "definitions",
        "contentEncoding",
        "contentSchema",
    ] {
        obj.shift_remove(key);
    }
    if obj.shift_remove("contentMediaType").is_some() && obj.get("type") == Some(&json!("string")) {
        obj.entry("format").or_insert_with(|| json!("binary"));
    }
    // typify names a type after its `title` before its place in the document, so two schemas
    // titled alike (or one titled like another's name) become two Rust types of one name. The
    // names it derives from places are unique.
    if obj.get("title").is_some_and(Value::is_string) {
        obj.shift_remove("title");
    }
    // Formats qualify strings and numbers; on another type typify fails on them.
    if matches!(
        obj.get("type").and_then(Value::as_str),
        Some("object" | "array" | "boolean")
    ) {
        obj.shift_remove("format");
    }
    if let Some(examples) = obj.shift_remove("examples")
        && let Some(first) = examples.as_array().and_then(|a| a.first())
    {
        obj.entry("example").or_insert_with(|| first.clone());
    }
}

/// Keywords that belong to one JSON type, for splitting a type array into a union.
fn keywords_of(ty: &str) -> &'static [&'static str] {
    match ty {
        "string" => &["minLength", "maxLength", "pattern", "format"],
        "integer" | "number" => &[
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "format",
        ],
        "array" => &["items", "minItems", "maxItems", "uniqueItems", "prefixItems"],
        "object" => &[
            "properties",
            "required",
            "additionalProperties",
            "minProperties",
            "maxProperties",
            "patternProperties",
        ],
        _ => &[],
    }
}

fn json_type_matches(value: &Value, ty: &str) -> bool {
    match ty {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

/// 3.1 type arrays: `[T, "null"]` is a nullable `T`; several types are a union of one schema
/// per type, each with the keywords that apply to it.
fn types(obj: &mut Map<String, Value>) {
    match obj.get("type").cloned() {
        Some(Value::String(t)) if t == "null" => {
            obj.shift_remove("type");
            obj.insert("nullable".into(), json!(true));
        }
        Some(Value::Array(list)) => {
            let names: Vec<String> = list.iter().filter_map(Value::as_str).map(String::from).collect();
            if names.iter().any(|t| t == "null") {
                obj.insert("nullable".into(), json!(true));
            }
            let rest: Vec<String> = names.into_iter().filter(|t| t != "null").collect();
            match rest.as_slice() {
                [] => {
                    obj.shift_remove("type");
                }
                [one] => {
                    obj.insert("type".into(), json!(one));
                }
                several => {
                    obj.shift_remove("type");
                    let union_key = ["oneOf", "anyOf"].into_iter().find(|k| !obj.contains_key(*k));
                    let Some(union_key) = union_key else { return };
                    let members: Vec<Value> = several
                        .iter()
                        .map(|t| {
                            let mut member = Map::new();
                            member.insert("type".into(), json!(t));
                            for key in keywords_of(t) {
                                if let Some(v) = obj.get(*key) {
                                    member.insert((*key).into(), v.clone());
                                }
                            }
                            if let Some(Value::Array(values)) = obj.get("enum") {
                                let values: Vec<Value> =
                                    values.iter().filter(|v| json_type_matches(v, t)).cloned().collect();
                                if !values.is_empty() {
                                    member.insert("enum".into(), Value::Array(values));
                                }
                            }
                            Value::Object(member)
                        })
                        .collect();
                    for t in several {
                        for key in keywords_of(t) {
                            obj.shift_remove(*key);
                        }
                    }
                    obj.shift_remove("enum");
                    obj.insert(union_key.into(), Value::Array(members));
                }
            }
        }
        _ => {}
    }
}

/// `const` is a one-value enum; `null` among enum values is `nullable`.
fn constants(obj: &mut Map<String, Value>) {
    if let Some(c) = obj.shift_remove("const") {
        if c.is_null() {
            obj.insert("nullable".into(), json!(true));
        } else {
            obj.insert("enum".into(), json!([c]));
        }
    }
    if let Some(Value::Array(values)) = obj.get_mut("enum") {
        let before = values.len();
        values.retain(|v| !v.is_null());
        let mut unique: Vec<Value> = Vec::with_capacity(values.len());
        for v in values.drain(..) {
            if !unique.contains(&v) {
                unique.push(v);
            }
        }
        *values = unique;
        let had_null = values.len() < before && before > 0;
        if values.is_empty() {
            obj.shift_remove("enum");
        }
        if had_null {
            obj.insert("nullable".into(), json!(true));
        }
    }
}

/// Bounds in the forms openapiv3 and progenitor read.
fn bounds(obj: &mut Map<String, Value>, ptr: &str, cx: &mut Cx) {
    for (exclusive, inclusive) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        match obj.get(exclusive).cloned() {
            // 3.1: the bound itself.
            Some(n @ Value::Number(_)) => {
                obj.insert(inclusive.into(), n);
                obj.insert(exclusive.into(), json!(true));
            }
            // 3.0: a flag without its bound makes progenitor panic; alone it means nothing.
            Some(Value::Bool(true)) if obj.contains_key(inclusive) => {}
            Some(_) => {
                obj.shift_remove(exclusive);
            }
            None => {}
        }
    }
    // A lower bound of 0 bounds nothing (typify would check `len() < 0`).
    for key in ["minLength", "minItems", "minProperties"] {
        if obj.get(key).and_then(Value::as_f64) == Some(0.0) {
            obj.shift_remove(key);
        }
    }
    for key in [
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
    ] {
        if let Some(n) = obj.get(key).and_then(Value::as_f64).filter(|_| !obj[key].is_u64()) {
            if n >= 0.0 && n.fract() == 0.0 && n < u32::MAX as f64 {
                obj.insert(key.into(), json!(n as u64));
            } else {
                obj.shift_remove(key);
            }
        }
    }
    if obj.get("type") != Some(&json!("integer")) {
        return;
    }
    for key in ["minimum", "maximum"] {
        let Some(n) = obj.get(key).and_then(Value::as_f64) else {
            continue;
        };
        if obj[key].is_i64() {
            continue;
        }
        let rounded = if key == "minimum" { n.ceil() } else { n.floor() };
        let clamped = if rounded >= i64::MAX as f64 {
            i64::MAX
        } else if rounded <= i64::MIN as f64 {
            i64::MIN
        } else {
            rounded as i64
        };
        if (clamped as f64 - n).abs() >= 1.0 || n.fract() != 0.0 {
            cx.warn(
                Kind::Bound,
                &crate::pointer::join(ptr, key),
                format!(
                    "`{key}` {} does not fit a 64-bit integer; it became {clamped}",
                    obj[key]
                ),
            );
        }
        obj.insert(key.into(), json!(clamped));
    }
    if obj.get("multipleOf").is_some_and(|m| !m.is_i64()) {
        obj.shift_remove("multipleOf");
        cx.warn(
            Kind::Keyword,
            &crate::pointer::join(ptr, "multipleOf"),
            "a fractional `multipleOf` on an integer was dropped",
        );
    }
}

/// Tuples: 3.1's `prefixItems` (or `items` as a list) become an array of the members' union.
fn tuple(obj: &mut Map<String, Value>, ptr: &str, cx: &mut Cx) {
    let key = if obj.get("prefixItems").is_some_and(Value::is_array) {
        "prefixItems"
    } else if obj.get("items").is_some_and(Value::is_array) {
        "items"
    } else {
        return;
    };
    let Some(Value::Array(members)) = obj.shift_remove(key) else {
        return;
    };
    // After the members come no more items (`items: false`, or `maxItems` reached), items of
    // the `items` schema, or anything.
    let rest = obj.shift_remove("items");
    let closed = rest == Some(Value::Bool(false))
        || obj
            .get("maxItems")
            .and_then(Value::as_u64)
            .is_some_and(|max| max as usize <= members.len());
    let extra = (!closed).then(|| rest.filter(Value::is_object).unwrap_or_else(|| json!({})));
    let mut union: Vec<Value> = Vec::new();
    for m in members.iter().cloned().chain(extra) {
        if !union.contains(&m) {
            union.push(m);
        }
    }
    let items = match union.len() {
        _ if union.contains(&json!({})) => json!({}),
        0 => json!({}),
        1 => union.remove(0),
        _ => json!({"oneOf": union}),
    };
    let described = if items.get("oneOf").is_some() {
        "whose items are any of its item types"
    } else if items == json!({}) {
        "of any JSON values"
    } else {
        "of its one item type"
    };
    if closed {
        obj.entry("maxItems").or_insert_with(|| json!(members.len()));
    }
    obj.insert("items".into(), items);
    cx.warn(
        Kind::Tuple,
        &crate::pointer::join(ptr, key),
        format!(
            "a tuple of {} items has no OpenAPI 3.0 form; it became an array {described}",
            members.len()
        ),
    );
}

/// JSON Schema keywords with no 3.0 form: they validate, so dropping them leaves the types as
/// they were. `patternProperties` becomes `additionalProperties` (the pattern is not checked).
fn keywords(obj: &mut Map<String, Value>, ptr: &str, cx: &mut Cx) {
    let mut dropped: Vec<&str> = Vec::new();
    for key in [
        "if",
        "then",
        "else",
        "dependentSchemas",
        "dependentRequired",
        "dependencies",
        "unevaluatedProperties",
        "unevaluatedItems",
        "contains",
        "minContains",
        "maxContains",
        "propertyNames",
        "additionalItems",
    ] {
        if obj.shift_remove(key).is_some() {
            dropped.push(key);
        }
    }
    if !dropped.is_empty() {
        let list: Vec<String> = dropped.iter().map(|k| format!("`{k}`")).collect();
        cx.warn(
            Kind::Keyword,
            &crate::pointer::join(ptr, dropped[0]),
            if dropped.len() == 1 {
                format!(
                    "{} has no OpenAPI 3.0 form and was dropped (it only validates)",
                    list[0]
                )
            } else {
                format!(
                    "{} have no OpenAPI 3.0 form and were dropped (they only validate)",
                    list.join(", ")
                )
            },
        );
    }
    if let Some(Value::Object(patterns)) = obj.shift_remove("patternProperties") {
        let mut values: Vec<Value> = Vec::new();
        for v in patterns.values() {
            if !values.contains(v) {
                values.push(v.clone());
            }
        }
        if matches!(obj.get("additionalProperties"), None | Some(Value::Bool(true))) {
            let schema = match values.len() {
                0 => json!({}),
                1 => values.remove(0),
                _ => json!({"oneOf": values}),
            };
            obj.insert("additionalProperties".into(), schema);
        }
        cx.warn(
            Kind::Keyword,
            &crate::pointer::join(ptr, "patternProperties"),
            format!(
                "`patternProperties` ({}) became `additionalProperties`: keys are not checked against the pattern",
                patterns.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ),
        );
    }
}

fn is_null_schema(m: &Value) -> bool {
    let Some(o) = m.as_object() else { return false };
    match o.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => ts.iter().all(|t| t == "null"),
        _ => {
            o.get("enum") == Some(&json!([null]))
                || o.get("const") == Some(&Value::Null)
                || (o.get("nullable") == Some(&json!(true))
                    && o.keys()
                        .all(|k| matches!(k.as_str(), "nullable" | "description" | "title")))
        }
    }
}

/// Unions: `null` members make the schema `nullable`; one member left is the schema itself;
/// an `anyOf` becomes a `oneOf`, with a warning when a value could match several members.
fn unions(obj: &mut Map<String, Value>, ptr: &str, components: &Value, cx: &mut Cx) {
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(members)) = obj.get(key) else {
            continue;
        };
        let (nulls, rest): (Vec<&Value>, Vec<&Value>) = members.iter().partition(|m| is_null_schema(m));
        let rest: Vec<Value> = rest.into_iter().cloned().collect();
        if !nulls.is_empty() {
            obj.insert("nullable".into(), json!(true));
        }
        match rest.len() {
            0 => {
                obj.shift_remove(key);
            }
            1 => {
                obj.shift_remove(key);
                let member = rest.into_iter().next().unwrap_or_default();
                if member.get("$ref").is_some() {
                    match obj.get_mut("allOf") {
                        Some(Value::Array(all)) => all.push(member),
                        _ => {
                            obj.insert("allOf".into(), json!([member]));
                        }
                    }
                } else if let Value::Object(fields) = member {
                    for (k, v) in fields {
                        obj.entry(k).or_insert(v);
                    }
                }
            }
            _ => {
                let overlapping = !mutually_exclusive(&rest, components);
                obj.insert(key.into(), Value::Array(rest));
                if key == "anyOf" && !obj.contains_key("oneOf") {
                    if let Some(members) = obj.shift_remove("anyOf") {
                        obj.insert("oneOf".into(), members);
                    }
                    if overlapping {
                        cx.warn(
                            Kind::Union,
                            &crate::pointer::join(ptr, "anyOf"),
                            "`anyOf` members can match the same value; it became `oneOf`, read as the first member that matches",
                        );
                    }
                }
            }
        }
    }
}

/// The JSON type a member admits, when it admits one only.
fn kind_of<'a>(member: &'a Value, components: &'a Value, depth: usize) -> Option<&'a str> {
    if depth > 8 {
        return None;
    }
    if let Some(r) = member.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/components/schemas/")?;
        return kind_of(components.get(crate::pointer::unescape(name))?, components, depth + 1);
    }
    if let Some([only]) = member.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
        return kind_of(only, components, depth + 1);
    }
    match member.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => {
            let non_null: Vec<&str> = ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect();
            match non_null.as_slice() {
                [one] => Some(one),
                _ => None,
            }
        }
        _ if member.get("properties").is_some() => Some("object"),
        _ if member.get("items").is_some() => Some("array"),
        _ => None,
    }
}

/// The object a member is, after following references.
fn object_of<'a>(member: &'a Value, components: &'a Value) -> Option<&'a Map<String, Value>> {
    let mut node = member;
    for _ in 0..8 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => node = components.get(crate::pointer::unescape(r.strip_prefix("#/components/schemas/")?))?,
            None => return node.as_object(),
        }
    }
    None
}

/// Whether no value can match two members: they admit different JSON types, or they are
/// objects told apart by a property each requires with its own single value.
fn mutually_exclusive(members: &[Value], components: &Value) -> bool {
    let kinds: Option<Vec<&str>> = members.iter().map(|m| kind_of(m, components, 0)).collect();
    let Some(kinds) = kinds else { return false };
    let mut distinct = kinds.clone();
    distinct.sort();
    distinct.dedup();
    if distinct.len() == kinds.len() {
        return true;
    }
    if kinds.iter().any(|k| *k != "object") {
        return false;
    }
    let objects: Option<Vec<&Map<String, Value>>> = members.iter().map(|m| object_of(m, components)).collect();
    let Some(objects) = objects else { return false };
    let tag_value = |o: &Map<String, Value>, prop: &str| -> Option<Value> {
        let p = o.get("properties")?.get(prop)?;
        let values = p
            .get("enum")
            .and_then(Value::as_array)
            .cloned()
            .or_else(|| p.get("const").map(|c| vec![c.clone()]))?;
        let required = o.get("required")?.as_array()?.iter().any(|r| r == prop);
        (values.len() == 1 && required).then(|| values[0].clone())
    };
    let Some(first) = objects.first() else { return false };
    first
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .any(|(prop, _)| {
            let values: Option<Vec<Value>> = objects.iter().map(|o| tag_value(o, prop)).collect();
            values.is_some_and(|mut v| {
                let n = v.len();
                v.sort_by_key(|x| x.to_string());
                v.dedup();
                v.len() == n
            })
        })
}

/// A default must be a value of its schema (typify refuses the schema otherwise); one that is
/// not is a mistake of the spec, and only documents what the API assumes.
fn default(obj: &mut Map<String, Value>, ptr: &str, cx: &mut Cx) {
    let Some(value) = obj.get("default") else { return };
    let fits_type = match obj.get("type").and_then(Value::as_str) {
        _ if value.is_null() => obj.get("nullable") == Some(&json!(true)),
        Some(t) => json_type_matches(value, t),
        None => true,
    };
    let fits_enum = obj
        .get("enum")
        .and_then(Value::as_array)
        .is_none_or(|values| values.contains(value));
    if fits_type && fits_enum {
        return;
    }
    cx.warn(
        Kind::Default,
        &crate::pointer::join(ptr, "default"),
        format!("`default` {value} is not a value of this schema; it was dropped"),
    );
    obj.shift_remove("default");
}

/// Enums typify cannot make a Rust enum of become plain values; the allowed values move into
/// the description. An enum lists every value there is, so compositions beside it (`allOf` of
/// the type it narrows) say nothing more, and typify fails on them.
fn enums(obj: &mut Map<String, Value>, ptr: &str, cx: &mut Cx) {
    if !obj.contains_key("enum") {
        return;
    }
    for key in ["allOf", "anyOf", "oneOf", "not"] {
        obj.shift_remove(key);
    }
    let Some(Value::Array(values)) = obj.get("enum") else {
        return;
    };
    let strings: Option<Vec<&str>> = values.iter().map(Value::as_str).collect();
    let declared = obj.get("type").and_then(Value::as_str);
    // Values that contradict the declared type: the API's values are of neither for sure.
    let contradicts = declared.is_some_and(|t| !values.iter().all(|v| json_type_matches(v, t)));
    let reason = match (&strings, declared) {
        (_, Some(t)) if contradicts => format!("are not all of its type `{t}`"),
        (Some(s), _) if names::enum_variants_nameable(s) => return,
        (Some(_), _) => "cannot all be Rust variant names".into(),
        (None, _) if values.iter().all(Value::is_number) || values.iter().all(Value::is_boolean) => return,
        (None, _) => "mix JSON types".into(),
    };
    let becomes = match (contradicts, &strings) {
        (false, Some(_)) => "a plain string",
        _ => "untyped JSON",
    };
    let shown: Vec<String> = values
        .iter()
        .map(|v| match v {
            Value::String(s) => format!("`{s}`"),
            other => format!("`{other}`"),
        })
        .collect();
    let list = shown.join(", ");
    // A warning names a few; the description keeps them all.
    let named = match shown.len() {
        n if n > 6 => format!("{} and {} more", shown[..5].join(", "), n - 5),
        _ => list.clone(),
    };
    cx.warn(
        Kind::Enum,
        &crate::pointer::join(ptr, "enum"),
        format!("enum values {named} {reason}; the value is {becomes} (the values are listed in its description)"),
    );
    obj.shift_remove("enum");
    if contradicts {
        obj.shift_remove("type");
    }
    let description = obj
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim_end()
        .to_string();
    let sep = if description.is_empty() { "" } else { "\n\n" };
    obj.insert(
        "description".into(),
        json!(format!("{description}{sep}One of: {list}.")),
    );
}
