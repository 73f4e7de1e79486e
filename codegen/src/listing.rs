//! A tool's input schema in two forms: what `tools/list` shows the model, and what the server
//! holds arguments to.
//!
//! Hosts put every listed schema in the model's context before the first question, so the listed
//! form carries only what a model needs to choose and call a tool: types, enums, defaults, numeric
//! ranges, required names and descriptions. Lengths, patterns and item counts stay in the checked
//! form: the server still refuses a value that breaks one, naming the argument, before anything is
//! sent. Arguments the manifest marks shared are explained once in the instructions, so their
//! listed schemas carry no description of their own.

use serde_json::{Map, Value};

/// Keywords the server checks but the model need not read.
const CHECK_ONLY: [&str; 6] = [
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
];

/// The schema `tools/list` shows: `input` without check-only keywords, and without the
/// description of a top-level property named in `shared`.
pub fn listed(input: &Value, shared: &[String]) -> Value {
    let mut out = without(input, &CHECK_ONLY);
    if let Some(properties) = out.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, property) in properties.iter_mut() {
            if shared.contains(name)
                && let Some(p) = property.as_object_mut()
            {
                p.remove("description");
            }
        }
    }
    out
}

/// The schema arguments are held to: `input` without descriptions, which no check reads.
pub fn checked(input: &Value) -> Value {
    without(input, &["description"])
}

/// `schema` with the given keywords removed at every level. Names inside `properties` are
/// property names, not keywords: a property called `description` stays.
fn without(schema: &Value, keywords: &[&str]) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, value) in map {
                if keywords.contains(&key.as_str()) {
                    continue;
                }
                let value = match (key.as_str(), value) {
                    ("properties", Value::Object(properties)) => Value::Object(
                        properties
                            .iter()
                            .map(|(name, p)| (name.clone(), without(p, keywords)))
                            .collect(),
                    ),
                    _ => without(value, keywords),
                };
                out.insert(key.clone(), value);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| without(v, keywords)).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input() -> Value {
        json!({
            "type": "object",
            "properties": {
                "project": {"type": "string", "description": "Project id or name.", "maxLength": 200},
                "description": {"type": "string", "description": "What it is for.", "maxLength": 2000},
                "rows": {"type": "array", "maxItems": 10, "items": {
                    "type": "object",
                    "properties": {"input": {"type": "string", "minLength": 1, "description": "Prompt."}}
                }},
                "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25},
                "cursor": {"type": "string", "pattern": "^c_[0-9]+$", "enum": ["c_1"]}
            },
            "required": ["description"]
        })
    }

    #[test]
    fn the_listing_keeps_what_a_model_reads() {
        let listed = listed(&input(), &["project".to_string()]);
        assert_eq!(
            listed,
            json!({
                "type": "object",
                "properties": {
                    "project": {"type": "string"},
                    "description": {"type": "string", "description": "What it is for."},
                    "rows": {"type": "array", "items": {
                        "type": "object",
                        "properties": {"input": {"type": "string", "description": "Prompt."}}
                    }},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25},
                    "cursor": {"type": "string", "enum": ["c_1"]}
                },
                "required": ["description"]
            })
        );
    }

    #[test]
    fn the_checks_keep_every_constraint_and_no_prose() {
        let checked = checked(&input());
        let properties = &checked["properties"];
        assert_eq!(properties["description"], json!({"type": "string", "maxLength": 2000}));
        assert_eq!(properties["rows"]["maxItems"], 10);
        assert_eq!(
            properties["rows"]["items"]["properties"]["input"],
            json!({"type": "string", "minLength": 1})
        );
        assert_eq!(properties["cursor"]["pattern"], "^c_[0-9]+$");
    }
}
