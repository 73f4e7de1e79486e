//! A spec, from its file to the OpenAPI 3.0 document progenitor takes: read
//! ([`crate::document`]), normalised ([`crate::normalize`]), then parsed. A node the parser still
//! refuses costs its operation (left out) or its schema (untyped), not the whole spec.

use crate::diagnostics::{Kind, Report};
use crate::error::Error;
use crate::normalize::{self, LeftOut, Normalized};
use crate::pointer;
use crate::walk::METHODS;
use serde_json::{Value, json};
use std::path::Path;

/// Parse failures recovered from before giving up (each removes one node).
const MAX_RECOVERIES: usize = 200;

/// A spec progenitor can take: the (3.0) document, its parsed form, and what was left out.
pub struct Spec {
    pub doc: Value,
    pub openapi: openapiv3::OpenAPI,
    pub left_out: Vec<LeftOut>,
}

/// Loads one spec; `None` when it cannot be generated at all (the reasons are in `report`).
pub fn load(path: &Path, report: &mut Report) -> Option<Spec> {
    let doc = match crate::document::read(path) {
        Ok(doc) => doc,
        Err(e) => {
            report.error(e);
            return None;
        }
    };
    let errors_before = report.errors.len();
    let Normalized { mut doc, mut left_out } = normalize::normalize(doc, path, report)?;
    // Parse errors after normalisation errors would mostly be their echo.
    if report.errors.len() > errors_before {
        return None;
    }
    for _ in 0..MAX_RECOVERIES {
        let error = match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(&doc) {
            Ok(openapi) => return Some(Spec { doc, openapi, left_out }),
            Err(e) => e,
        };
        let ptr = serde_pointer(error.path());
        let message = error.inner().to_string();
        let segments = pointer::segments(&ptr);
        match segments.as_slice() {
            [paths, p, method, ..] if paths == "paths" && METHODS.contains(&method.as_str()) => {
                let op_ptr = pointer::of(["paths", p, method]);
                let operation_id = doc
                    .pointer(&format!("{op_ptr}/operationId"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let reason = format!("it is not valid OpenAPI 3.0 at {ptr}: {message}");
                left_out.push(LeftOut::record(report, path, &op_ptr, &operation_id, reason));
                if let Some(item) = doc
                    .pointer_mut(&pointer::of(["paths", p]))
                    .and_then(Value::as_object_mut)
                {
                    item.shift_remove(method);
                }
            }
            [components, schemas, name, ..] if components == "components" && schemas == "schemas" => {
                report.warn(
                    Kind::Schema,
                    path,
                    &ptr,
                    format!("schema `{name}` is not valid OpenAPI 3.0 ({message}); it is untyped JSON in the SDK"),
                );
                if let Some(schema) = doc.pointer_mut(&pointer::of(["components", "schemas", name])) {
                    *schema = json!({"description": format!("Untyped: the spec's schema is not valid OpenAPI 3.0 ({message}).")});
                }
            }
            _ => {
                report.error(Error::invalid(
                    path,
                    &ptr,
                    format!("not a valid OpenAPI 3.0 document: {message}"),
                ));
                return None;
            }
        }
    }
    report.error(Error::invalid(
        path,
        "",
        format!("more than {MAX_RECOVERIES} nodes are not valid OpenAPI 3.0"),
    ));
    None
}

/// The JSON pointer of a serde_path_to_error path.
pub fn serde_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let segments: Vec<String> = path
        .iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect();
    pointer::of(segments)
}
