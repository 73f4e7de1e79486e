//! `scaffold`: manifest tool entries written from the spec, for a maintainer to review.
//!
//! A tool is about twenty lines of manifest that mostly restate the spec: the name is the
//! operationId in snake case, the title and description come from the summary and description,
//! the annotations from the HTTP method (GET reads, DELETE destroys, PUT is idempotent), the
//! toolset from the first tag. Scaffolding appends those entries (creating the manifest if the
//! API has none) and leaves the wording to the maintainer.

use crate::diagnostics::Report;
use crate::error::Error;
use crate::generate::{SPEC_FILES, load_manifest};
use crate::names::{self, Case};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// Which operations get a tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Operations(Vec<String>),
    Tag(String),
    All,
}

/// Longest tool name clients accept everywhere (Cursor cuts at 60).
const MAX_NAME: usize = 60;
/// A scaffolded description is at most this long; the spec's full text is in the SDK docs.
const MAX_DESCRIPTION: usize = 400;

/// Appends tool entries for the selected operations of `specs/<api>` to its manifest. Returns
/// what was done, one line per tool, or the errors (nothing is written then).
pub fn scaffold(specs: &Path, api: &str, selection: &Selection) -> Result<String, Report> {
    let dir = specs.join(api);
    let mut report = Report::default();
    let Some(spec_path) = SPEC_FILES.iter().map(|f| dir.join(f)).find(|p| p.exists()) else {
        report.error(Error::Io {
            path: dir.clone(),
            message: format!(
                "no {} here; `--api` names a directory of the specs directory",
                SPEC_FILES.join(", ")
            ),
        });
        return Err(report);
    };
    let Some(spec) = crate::spec::load(&spec_path, &mut report) else {
        return Err(report);
    };
    let manifest_path = dir.join("mcp_manifest.json");
    let created = !manifest_path.exists();
    let mut manifest = if !created {
        if let Err(e) = load_manifest(&manifest_path) {
            report.error(e);
            return Err(report);
        }
        match crate::document::read(&manifest_path) {
            Ok(v) => v,
            Err(e) => {
                report.error(e);
                return Err(report);
            }
        }
    } else {
        new_manifest(api, &spec.openapi.info)
    };

    let tooled: BTreeSet<String> = manifest["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("operation").and_then(Value::as_str).map(String::from))
        .collect();
    let excluded: BTreeSet<String> = manifest
        .get("exclude")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_str().map(String::from))
        .collect();
    let mut names: BTreeSet<String> = manifest["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(Value::as_str).map(String::from))
        .collect();
    let operations: Vec<(&str, &str, &openapiv3::Operation)> = spec.openapi.operations().collect();
    let mut selected: Vec<(&str, &str, &openapiv3::Operation)> = Vec::new();
    match selection {
        Selection::All => selected = operations.clone(),
        Selection::Tag(tag) => {
            selected = operations
                .iter()
                .filter(|(_, _, op)| op.tags.contains(tag))
                .cloned()
                .collect();
            if selected.is_empty() {
                let tags: BTreeSet<&String> = operations.iter().flat_map(|(_, _, op)| &op.tags).collect();
                report.error(Error::invalid(
                    &spec_path,
                    "/paths",
                    format!(
                        "no operation has the tag `{tag}` (the tags are: {})",
                        tags.into_iter()
                            .map(|t| format!("`{t}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        Selection::Operations(ids) => {
            for id in ids {
                match operations
                    .iter()
                    .find(|(_, _, op)| op.operation_id.as_deref() == Some(id.as_str()))
                {
                    Some(found) => selected.push(*found),
                    None => report.error(Error::invalid(
                        &spec_path,
                        "/paths",
                        match spec.left_out.iter().find(|l| &l.operation_id == id) {
                            Some(l) => format!(
                                "operation `{id}` is left out of the SDK ({}), so it cannot have a tool",
                                l.reason
                            ),
                            None => format!("no operation has the operationId `{id}`"),
                        },
                    )),
                }
            }
        }
    }
    if !report.errors.is_empty() {
        return Err(report);
    }
    let mut lines = Vec::new();
    let mut added = 0;
    for (path, method, op) in selected {
        let id = op.operation_id.clone().unwrap_or_default();
        if tooled.contains(&id) {
            lines.push(format!("  {id}: already has a tool"));
            continue;
        }
        if excluded.contains(&id) {
            lines.push(format!("  {id}: in `exclude`; remove it there to give it a tool"));
            continue;
        }
        let name = tool_name(&id, &names);
        names.insert(name.clone());
        lines.push(format!("  {id} → {name} ({} {path})", method.to_uppercase()));
        if let Some(tools) = manifest.get_mut("tools").and_then(Value::as_array_mut) {
            tools.push(entry(&name, &id, method, path, op));
        }
        added += 1;
    }
    if added > 0 || created {
        let mut text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
        text.push('\n');
        if let Err(e) = std::fs::write(&manifest_path, text) {
            report.error(Error::Io {
                path: manifest_path,
                message: e.to_string(),
            });
            return Err(report);
        }
    }
    Ok(format!(
        "{added} tool(s) added to {}:\n{}\nReview their titles and descriptions, then run `cargo run -p codegen`.",
        manifest_path.display(),
        lines.join("\n")
    ))
}

fn new_manifest(api: &str, info: &openapiv3::Info) -> Value {
    let instructions = info
        .description
        .as_deref()
        .and_then(|d| d.split("\n\n").next())
        .map(|d| d.trim().replace('\n', " "))
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format!("Tools over the {}.", info.title));
    json!({
        "$schema": "../mcp_manifest.schema.json",
        "server": {"name": format!("{api}-mcp"), "title": info.title, "version": info.version},
        "instructions": instructions,
        "tools": [],
    })
}

/// `listHALORuns` → `list_halo_runs`, unique among `taken`, within [`MAX_NAME`].
fn tool_name(operation_id: &str, taken: &BTreeSet<String>) -> String {
    let snake = names::lower_ascii(&names::progenitor(operation_id, Case::Snake));
    let mut base = snake.trim_matches('_').to_string();
    if base.len() > MAX_NAME {
        base.truncate(MAX_NAME);
        if let Some(i) = base.rfind('_') {
            base.truncate(i);
        }
    }
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

/// One manifest tool entry.
fn entry(name: &str, operation_id: &str, method: &str, path: &str, op: &openapiv3::Operation) -> Value {
    let summary = op.summary.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let title = summary.map(|s| s.trim_end_matches('.').to_string()).unwrap_or_else(|| {
        let words = names::progenitor(operation_id, Case::Snake).replace('_', " ");
        let mut cs = words.trim().chars();
        cs.next()
            .map(|c| c.to_uppercase().chain(cs).collect())
            .unwrap_or_default()
    });
    let paragraph = op
        .description
        .as_deref()
        .and_then(|d| d.split("\n\n").map(str::trim).find(|p| !p.is_empty()))
        .map(|d| d.replace('\n', " "));
    let description = paragraph
        .or_else(|| summary.map(String::from))
        .unwrap_or_else(|| format!("{title} ({} {path}).", method.to_uppercase()));
    let mut annotations = Map::new();
    annotations.insert("read_only".into(), json!(matches!(method, "get" | "head" | "options")));
    if method == "delete" {
        annotations.insert("destructive".into(), json!(true));
    }
    if method == "put" || method == "delete" {
        annotations.insert("idempotent".into(), json!(true));
    }
    annotations.insert("open_world".into(), json!(true));
    let mut tool = Map::new();
    tool.insert("name".into(), json!(name));
    tool.insert("title".into(), json!(title));
    tool.insert("description".into(), json!(cut_sentence(&description, MAX_DESCRIPTION)));
    if let Some(tag) = op.tags.first() {
        tool.insert("toolset".into(), json!(names::lower_ascii(tag).trim_matches('_')));
    }
    tool.insert("annotations".into(), Value::Object(annotations));
    tool.insert("operation".into(), json!(operation_id));
    Value::Object(tool)
}

/// `text` within `max` characters, cut after a sentence when it has to be cut.
fn cut_sentence(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max).collect();
    match head.rfind(". ") {
        Some(i) => head[..=i].to_string(),
        None => format!("{}…", head.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions() {
        let taken: BTreeSet<String> = ["list_pets".to_string()].into();
        assert_eq!(tool_name("listPets", &taken), "list_pets_2");
        assert_eq!(tool_name("listHALORuns", &BTreeSet::new()), "list_halo_runs");
        assert_eq!(tool_name("Get-Note", &BTreeSet::new()), "get_note");
        assert_eq!(tool_name("type", &BTreeSet::new()), "type");
        assert_eq!(cut_sentence("One. Two three four.", 12), "One.");
        assert_eq!(cut_sentence("abcdefghij", 5), "abcde…");
    }
}
