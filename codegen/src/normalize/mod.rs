//! Normalisation: every shape progenitor 0.15 and typify 0.8 cannot take is rewritten, before
//! they see the document, into one they can, keeping the wire contract.
//!
//! The passes run in order, each on the whole document, and none stops at the first problem, so
//! one run reports everything:
//! 1. the version: Swagger 2.0 is refused with the converter to use; 3.1 and 3.2 are read as
//!    3.0 (document-level parts a client does not use, such as webhooks, are dropped);
//! 2. references ([`crate::bundle`] first): files are bundled, non-schema references inlined,
//!    schema references pointed at `components/schemas` ([`refs`]);
//! 3. schemas ([`schema`]): 3.1 keywords, unions, enums, bounds;
//! 4. operations ([`operation`]): operationIds, parameters, bodies, media types, responses;
//! 5. Rust type names ([`types`]): no two types of one name.
//!
//! Exact translations (3.1's `type: [T, "null"]` to `nullable`, `const` to a one-value enum) are
//! silent; every rewrite that changes what the SDK can express is a [`Warning`] naming the node's
//! pointer and what was done.
//!
//! [`Warning`]: crate::diagnostics::Warning

mod operation;
mod refs;
mod schema;
mod types;

pub use operation::LeftOut;

use crate::diagnostics::{Kind, Report};
use crate::error::Error;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// A document progenitor can take, and the operations that had to be left out of it.
pub struct Normalized {
    pub doc: Value,
    pub left_out: Vec<LeftOut>,
}

/// Where diagnostics of one document go, and the schemas a pass adds to `components/schemas`.
pub(crate) struct Cx<'a> {
    path: &'a Path,
    report: &'a mut Report,
    schema_names: BTreeSet<String>,
    new_schemas: Vec<(String, Value)>,
}

impl Cx<'_> {
    /// Adds a schema to `components/schemas` under `wanted` or, if taken, `wanted2`...; its name.
    fn add_schema(&mut self, wanted: &str, schema: Value) -> String {
        let mut name = wanted.to_string();
        let mut n = 2;
        while self.schema_names.contains(&name) {
            name = format!("{wanted}{n}");
            n += 1;
        }
        self.schema_names.insert(name.clone());
        self.new_schemas.push((name.clone(), schema));
        name
    }

    fn warn(&mut self, kind: Kind, pointer: &str, message: impl Into<String>) {
        self.report.warn(kind, self.path, pointer, message);
    }

    fn error(&mut self, pointer: &str, message: impl Into<String>) {
        self.report.error(Error::invalid(self.path, pointer, message));
    }

    fn unresolved(&mut self, pointer: &str, reference: &str, reason: impl Into<String>) {
        self.report.error(Error::Unresolved {
            path: self.path.to_path_buf(),
            pointer: pointer.to_string(),
            reference: reference.to_string(),
            reason: reason.into(),
        });
    }
}

/// The OpenAPI versions codegen reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Version {
    V30,
    V31,
    V32,
}

/// Rewrites a document read from `path` into the OpenAPI 3.0 that progenitor takes. `None` when
/// it is not a document codegen can read at all (the reason is in `report`).
pub fn normalize(mut doc: Value, path: &Path, report: &mut Report) -> Option<Normalized> {
    let version = version(&doc, path, report)?;
    let errors_before = report.errors.len();
    crate::bundle::bundle(&mut doc, path, report);
    let mut cx = Cx {
        path,
        report,
        schema_names: BTreeSet::new(),
        new_schemas: Vec::new(),
    };
    refs::localize(&mut doc, &mut cx);
    // What follows would only report the holes references that cannot be followed leave.
    if cx.report.errors.len() > errors_before {
        return None;
    }
    downgrade_document(&mut doc, version, &mut cx);
    schema::normalize(&mut doc, &mut cx);
    cx.schema_names = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let left_out = operation::normalize(&mut doc, &mut cx);
    if !cx.new_schemas.is_empty()
        && let Some(schemas) = crate::walk::component_schemas(&mut doc)
    {
        schemas.extend(std::mem::take(&mut cx.new_schemas));
    }
    types::unique_type_names(&mut doc, &mut cx);
    Some(Normalized { doc, left_out })
}

fn version(doc: &Value, path: &Path, report: &mut Report) -> Option<Version> {
    if !doc.is_object() {
        report.error(Error::invalid(path, "", "an OpenAPI document must be an object"));
        return None;
    }
    if doc.get("swagger").is_some() {
        report.error(Error::Swagger2 {
            path: path.to_path_buf(),
        });
        return None;
    }
    // YAML reads an unquoted `openapi: 3.0` as a number.
    let text = match doc.get("openapi") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            report.error(Error::invalid(
                path,
                "/openapi",
                "missing `openapi` version field (expected 3.0.x, 3.1.x or 3.2.x)",
            ));
            return None;
        }
    };
    let version = match text.trim() {
        v if v == "3" || v.starts_with("3.0") => Version::V30,
        v if v.starts_with("3.1") => Version::V31,
        v if v.starts_with("3.2") => Version::V32,
        v => {
            report.error(Error::invalid(
                path,
                "/openapi",
                format!("OpenAPI {v} is not supported; codegen reads 3.0.x, 3.1.x and 3.2.x"),
            ));
            return None;
        }
    };
    Some(version)
}

/// Document-level parts: what a client SDK does not use is dropped (webhooks and callbacks are
/// requests the API makes, not ones it serves), and 3.1/3.2 fields with no 3.0 form go.
fn downgrade_document(doc: &mut Value, version: Version, cx: &mut Cx) {
    let Some(root) = doc.as_object_mut() else { return };
    root.insert("openapi".into(), Value::String("3.0.3".into()));
    root.entry("paths").or_insert_with(|| json!({}));
    root.entry("info")
        .or_insert_with(|| json!({"title": "API", "version": "0"}));
    for key in ["jsonSchemaDialect", "webhooks", "$self"] {
        root.shift_remove(key);
    }
    // The SDK takes its key from `ClientConfig`, not from security schemes: one openapiv3 cannot
    // read (3.1's `mutualTLS`) is dropped.
    if let Some(schemes) = root
        .get_mut("components")
        .and_then(|c| c.get_mut("securitySchemes"))
        .and_then(Value::as_object_mut)
    {
        schemes.retain(|_, s| {
            matches!(
                s.get("type").and_then(Value::as_str),
                Some("apiKey" | "http" | "oauth2" | "openIdConnect")
            ) || s.get("$ref").is_some()
        });
    }
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        info.shift_remove("summary");
        if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut) {
            license.shift_remove("identifier");
        }
    }
    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for (p, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            let base = crate::pointer::of(["paths", p.as_str()]);
            if version >= Version::V32 {
                for key in ["query", "additionalOperations"] {
                    if item.shift_remove(key).is_some() {
                        cx.warn(
                            Kind::Operation,
                            &crate::pointer::join(&base, key),
                            format!("`{key}` (OpenAPI 3.2) has no 3.0 form; its operations are left out of the SDK"),
                        );
                    }
                }
            }
            for m in crate::walk::METHODS {
                if let Some(op) = item.get_mut(m).and_then(Value::as_object_mut) {
                    op.shift_remove("callbacks");
                }
            }
        }
    }
}
