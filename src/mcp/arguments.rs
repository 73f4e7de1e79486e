//! Turning a tool call's JSON arguments into the tool's typed argument struct.

use super::{JsonObject, ToolError};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Fills absent arguments with their defaults (JSON text, from the manifest or spec), then
/// deserializes. A wrong argument is reported by name.
pub fn parse_arguments<T: DeserializeOwned>(
    mut arguments: JsonObject,
    defaults: &[(&str, &str)],
) -> Result<T, ToolError> {
    for (name, default) in defaults {
        if arguments.get(*name).is_none_or(serde_json::Value::is_null) {
            let value = serde_json::from_str(default).map_err(|e| ToolError::InvalidArgument {
                name: (*name).to_string(),
                reason: format!("its default does not parse: {e}"),
            })?;
            arguments.insert((*name).to_string(), value);
        }
    }
    // A null optional argument means "not given".
    arguments.retain(|_, v| !v.is_null());
    serde_path_to_error::deserialize(serde_json::Value::Object(arguments)).map_err(|e| {
        let path = e.path().to_string();
        let reason = e.inner().to_string();
        if path == "." {
            // A missing or unknown field: serde names it in the message.
            ToolError::InvalidArguments(humanize(&reason))
        } else {
            let name = path.split(['.', '[']).next().unwrap_or(&path).to_string();
            ToolError::InvalidArgument {
                name,
                reason: humanize(&reason),
            }
        }
    })
}

/// serde's messages, minus Rust type names.
fn humanize(reason: &str) -> String {
    let reason = reason
        .replace("invalid type: ", "wrong type: ")
        .replace("a nonzero u64", "a positive integer")
        .replace("a nonzero u32", "a positive integer")
        .replace("missing field", "missing required argument");
    let reason = match (reason.strip_prefix("unknown field `"), reason.split_once(", expected ")) {
        (Some(_), Some((_, expected))) => format!(
            "no such argument; the tool takes {}",
            expected.trim_start_matches("one of ")
        ),
        _ => reason,
    };
    match reason.find(" at line ") {
        Some(i) => reason[..i].to_string(),
        None => reason,
    }
}

/// Matches `uri` against a level-1 URI template (`scheme://path/{var}`); returns the variables.
pub fn match_uri_template(template: &str, uri: &str) -> Option<BTreeMap<String, String>> {
    let mut vars = BTreeMap::new();
    let mut rest = uri;
    let mut parts = template.split('{');
    let literal = parts.next()?;
    rest = rest.strip_prefix(literal)?;
    for part in parts {
        let (name, literal) = part.split_once('}')?;
        let end = if literal.is_empty() {
            rest.len()
        } else {
            rest.find(literal)?
        };
        let value = &rest[..end];
        if value.is_empty() || value.contains('/') {
            return None;
        }
        vars.insert(name.to_string(), value.to_string());
        rest = rest[end..].strip_prefix(literal)?;
    }
    rest.is_empty().then_some(vars)
}

/// A request body the SDK types as a union (`oneOf`), read from the body arguments given.
pub fn body_from<T: DeserializeOwned>(body: JsonObject) -> Result<T, ToolError> {
    serde_json::from_value(serde_json::Value::Object(body)).map_err(|e| {
        ToolError::InvalidArguments(format!(
            "the arguments fit none of the forms the request body takes ({})",
            humanize(&e.to_string())
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Args {
        query: String,
        limit: std::num::NonZeroU32,
        scope: Option<String>,
    }

    fn object(v: serde_json::Value) -> JsonObject {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn defaults_fill_absent_and_null_arguments() {
        let args: Args = parse_arguments(
            object(serde_json::json!({"query": "q", "scope": null})),
            &[("limit", "5")],
        )
        .unwrap();
        assert_eq!((args.query.as_str(), args.limit.get()), ("q", 5));
        assert_eq!(args.scope, None);
    }

    #[test]
    fn wrong_argument_is_named() {
        let err = parse_arguments::<Args>(object(serde_json::json!({"query": "q", "limit": 0})), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ERROR: invalid argument `limit` — invalid value: integer `0`, expected a positive integer"
        );
        let err = parse_arguments::<Args>(object(serde_json::json!({"query": 3, "limit": 1})), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ERROR: invalid argument `query` — wrong type: integer `3`, expected a string"
        );
    }

    #[test]
    fn missing_and_unknown_arguments_are_named() {
        let err = parse_arguments::<Args>(object(serde_json::json!({"limit": 1})), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ERROR: invalid arguments — missing required argument `query`"
        );
        let err = parse_arguments::<Args>(object(serde_json::json!({"query": "q", "limit": 1, "extra": 1})), &[])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "ERROR: invalid argument `extra` — no such argument; the tool takes `query`, `limit`, `scope`"
        );
    }

    #[test]
    fn union_bodies_are_read_from_the_arguments() {
        #[derive(Debug, PartialEq, serde::Deserialize)]
        #[serde(tag = "target", rename_all = "snake_case", deny_unknown_fields)]
        enum Body {
            Trace { trace_id: String },
            Span { span_id: String },
        }
        let body: Body = body_from(object(serde_json::json!({"target": "span", "span_id": "spn_1"}))).unwrap();
        assert_eq!(
            body,
            Body::Span {
                span_id: "spn_1".into()
            }
        );
        let error = body_from::<Body>(object(serde_json::json!({"target": "trace"}))).unwrap_err();
        assert_eq!(
            error.to_string(),
            "ERROR: invalid arguments — the arguments fit none of the forms the request body takes (missing required argument `trace_id`)"
        );
    }

    #[test]
    fn uri_templates_match_whole_segments() {
        let vars = match_uri_template("inferior://experience/{id}", "inferior://experience/exp_1").unwrap();
        assert_eq!(vars["id"], "exp_1");
        assert!(match_uri_template("inferior://experience/{id}", "inferior://experience/").is_none());
        assert!(match_uri_template("inferior://experience/{id}", "inferior://experience/a/b").is_none());
        assert!(match_uri_template("inferior://experience/{id}", "inferior://stats").is_none());
    }
}
