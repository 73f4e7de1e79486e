//! References, made the two kinds progenitor follows.
//!
//! progenitor (through typify) resolves schema references of the form
//! `#/components/schemas/Name` only, and panics on a path item reference. After this pass a
//! schema reference is either that form (a reference elsewhere, such as 3.1's
//! `#/components/schemas/A/$defs/B`, has its target copied into `components/schemas`) or gone;
//! every other reference (parameters, responses, request bodies, headers, path items) is replaced
//! by a copy of its target, so later passes can rewrite one operation without touching another.
//! The component sections that are then unused are removed.

use super::Cx;
use crate::bundle::is_remote;
use crate::pointer;
use crate::walk::{self, Position};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Inlining rounds: each follows references brought in by the previous one.
const MAX_ROUNDS: usize = 16;

/// Component sections whose references are all inlined by this pass.
const INLINED_SECTIONS: [&str; 8] = [
    "parameters",
    "responses",
    "requestBodies",
    "headers",
    "pathItems",
    "examples",
    "links",
    "callbacks",
];

pub(super) fn localize(doc: &mut Value, cx: &mut Cx) {
    let mut hoisted: BTreeMap<String, String> = BTreeMap::new();
    let mut settled = false;
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        for r in walk::refs(doc, "", Position::Other) {
            let Some(replacement) = replacement(doc, &r, &mut hoisted, cx) else {
                continue;
            };
            if let Some(node) = doc.pointer_mut(&r.pointer) {
                *node = replacement;
                changed = true;
            }
        }
        if !changed {
            settled = true;
            break;
        }
    }
    if !settled {
        cx.error(
            "",
            format!(
                "references still bring in references after {MAX_ROUNDS} rounds; is there a cycle outside schemas?"
            ),
        );
    }
    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        for section in INLINED_SECTIONS {
            components.shift_remove(section);
        }
    }
}

/// What a reference is replaced with, if anything.
fn replacement(doc: &mut Value, r: &walk::Ref, hoisted: &mut BTreeMap<String, String>, cx: &mut Cx) -> Option<Value> {
    if is_remote(&r.target) {
        return Some(match r.position {
            Position::Schema => {
                cx.warn(
                    crate::diagnostics::Kind::RemoteRef,
                    &r.pointer,
                    format!(
                        "`{}` was not fetched; the value is untyped JSON (download it next to the spec and \
                         reference it by relative path to keep its type)",
                        r.target
                    ),
                );
                json!({"description": format!("`{}` (not fetched)", r.target)})
            }
            Position::Other => {
                cx.unresolved(
                    &r.pointer,
                    &r.target,
                    "is remote and codegen runs offline; download it next to the spec and reference it by relative path",
                );
                json!({})
            }
        });
    }
    let Some(target_ptr) = r.target.strip_prefix('#') else {
        // A file reference the bundler could not follow; it has been reported.
        return Some(json!({}));
    };
    let Some(target) = doc.pointer(target_ptr) else {
        cx.unresolved(&r.pointer, &r.target, "does not resolve to anything in this document");
        return Some(json!({}));
    };
    match r.position {
        Position::Schema if is_component_schema(target_ptr) => None,
        Position::Schema => {
            let name = match hoisted.get(&r.target) {
                Some(name) => name.clone(),
                None => {
                    let target = target.clone();
                    let name = hoist(doc, target_ptr, target);
                    hoisted.insert(r.target.clone(), name.clone());
                    name
                }
            };
            Some(json!({"$ref": format!("#/components/schemas/{}", pointer::escape(&name))}))
        }
        Position::Other => {
            if r.pointer == target_ptr || r.pointer.starts_with(&format!("{target_ptr}/")) {
                cx.unresolved(&r.pointer, &r.target, "refers to an object that contains it");
                return Some(json!({}));
            }
            let mut inlined = target.clone();
            // 3.1 lets a reference's siblings (a summary, a description) override the target's.
            if let (Value::Object(into), Some(Value::Object(here))) = (&mut inlined, doc.pointer(&r.pointer)) {
                for (k, v) in here.iter().filter(|(k, _)| *k != "$ref") {
                    into.insert(k.clone(), v.clone());
                }
            }
            Some(inlined)
        }
    }
}

/// `/components/schemas/Name`, the only schema reference typify follows.
fn is_component_schema(ptr: &str) -> bool {
    ptr.strip_prefix("/components/schemas/")
        .is_some_and(|name| !name.is_empty() && !name.contains('/'))
}

/// Copies a schema found elsewhere into `components/schemas`; its new name.
fn hoist(doc: &mut Value, target_ptr: &str, target: Value) -> String {
    let segments = pointer::segments(target_ptr);
    let wanted = match segments.iter().rposition(|s| s == "$defs" || s == "definitions") {
        Some(i) if i + 1 < segments.len() => segments[i + 1..].join("_"),
        _ => {
            let meaningful: Vec<&str> = segments
                .iter()
                .map(String::as_str)
                .filter(|s| {
                    !matches!(
                        *s,
                        "components" | "schemas" | "properties" | "content" | "schema" | "paths"
                    )
                })
                .collect();
            meaningful[meaningful.len().saturating_sub(2)..].join("_")
        }
    };
    let wanted: String = wanted
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    let wanted = if wanted.is_empty() {
        "Schema".to_string()
    } else {
        wanted
    };
    let Some(schemas) = walk::component_schemas(doc) else {
        return wanted;
    };
    let mut name = wanted.clone();
    let mut n = 2;
    while schemas.contains_key(&name) {
        name = format!("{wanted}{n}");
        n += 1;
    }
    schemas.insert(name.clone(), target);
    name
}
