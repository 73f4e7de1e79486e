//! Turning a tool call's JSON arguments into the tool's typed argument struct.

use super::{JsonObject, ToolError};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;

/// Fills in the defaults of absent arguments and holds the given ones to the constraints of
/// the tool's input schema (generated from the spec: ranges, lengths, patterns, enums, item
/// counts), so a bad argument is named before anything is sent and no handler re-checks it.
/// A null argument means "not given".
pub fn prepare(schema: &JsonObject, arguments: &mut JsonObject) -> Result<(), ToolError> {
    arguments.retain(|_, v| !v.is_null());
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Ok(());
    };
    for (name, property) in properties {
        match arguments.get(name) {
            Some(value) => {
                if let Some(reason) = violation(property, value) {
                    return Err(ToolError::InvalidArgument {
                        name: name.clone(),
                        reason,
                    });
                }
            }
            None => {
                if let Some(default) = property.get("default") {
                    arguments.insert(name.clone(), default.clone());
                }
            }
        }
    }
    Ok(())
}

/// What `value` should be, when it breaks a constraint of `schema`.
fn violation(schema: &Value, value: &Value) -> Option<String> {
    let number = |k: &str| schema.get(k).and_then(Value::as_f64);
    let count = |k: &str| schema.get(k).and_then(Value::as_u64);
    let range = |min: Option<u64>, max: Option<u64>, unit: &str| match (min, max) {
        (Some(min), Some(max)) => format!("{min} to {max}{unit}"),
        (Some(min), None) => format!("at least {min}{unit}"),
        (None, Some(max)) => format!("at most {max}{unit}"),
        (None, None) => String::new(),
    };
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        let list: Vec<String> = allowed.iter().map(|v| v.to_string()).collect();
        return Some(format!(
            "must be one of {} (got {})",
            list.join(", "),
            shown(&value.to_string())
        ));
    }
    match value {
        Value::Number(n) => {
            let v = n.as_f64()?;
            let (min, max) = (number("minimum"), number("maximum"));
            (min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m)).then(|| match (min, max) {
                (Some(min), Some(max)) => format!("must be between {min} and {max} (got {n})"),
                (Some(min), None) => format!("must be at least {min} (got {n})"),
                (_, max) => format!("must be at most {} (got {n})", max.unwrap_or_default()),
            })
        }
        Value::String(text) => {
            let n = text.chars().count() as u64;
            let (min, max) = (count("minLength").filter(|m| *m > 0), count("maxLength"));
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                let bounds = range(min, max, " characters");
                return Some(format!("must be {bounds} (got {n})"));
            }
            let pattern = schema.get("pattern").and_then(Value::as_str)?;
            (!spec_server::pattern_matches(pattern, text)).then(|| format!("must match `{pattern}`"))
        }
        Value::Array(items) => {
            let n = items.len() as u64;
            let (min, max) = (count("minItems").filter(|m| *m > 0), count("maxItems"));
            (min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m)).then(|| {
                let bounds = range(min, max, " items");
                format!("must hold {bounds} (got {n})")
            })
        }
        _ => None,
    }
}

/// Deserializes a tool's arguments (after [`prepare`]) into its argument struct; a wrong, missing
/// or unknown argument is an error naming it.
pub fn parse_arguments<T: DeserializeOwned>(arguments: JsonObject) -> Result<T, ToolError> {
    serde_path_to_error::deserialize(Value::Object(arguments)).map_err(|e| {
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

/// A value quoted back to the caller, cut short: it may be megabytes.
fn shown(value: &str) -> String {
    crate::render::format::cut(value, 60)
}

/// `reason` with each quoted run (`"..."` or `` `...` ``) cut to what [`shown`] keeps.
fn shown_values(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len().min(512));
    let mut rest = reason;
    while let Some(start) = rest.find(['"', '`']) {
        let quote = &rest[start..start + 1];
        let Some(len) = rest[start + 1..].find(quote) else {
            break;
        };
        out.push_str(&rest[..=start]);
        out.push_str(&shown(&rest[start + 1..start + 1 + len]));
        out.push_str(quote);
        rest = &rest[start + 2 + len..];
    }
    out.push_str(rest);
    out
}

/// serde's messages, minus Rust type names, and the values they quote cut short.
fn humanize(reason: &str) -> String {
    let reason = shown_values(reason);
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

    fn schema() -> JsonObject {
        object(serde_json::json!({"type": "object", "properties": {
            "query": {"type": "string", "minLength": 1, "maxLength": 10},
            "limit": {"type": "integer", "minimum": 1, "maximum": 20, "default": 5},
            "scope": {"type": "string", "enum": ["mine", "all"]},
            "cursor": {"type": "string", "pattern": "^c_[0-9]+$"},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2}
        }}))
    }

    fn prepared(v: serde_json::Value) -> Result<JsonObject, String> {
        let mut arguments = object(v);
        prepare(&schema(), &mut arguments)
            .map(|()| arguments)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_fill_absent_and_null_arguments() {
        let arguments = prepared(serde_json::json!({"query": "q", "scope": null})).unwrap();
        let args: Args = parse_arguments(arguments).unwrap();
        assert_eq!((args.query.as_str(), args.limit.get()), ("q", 5));
        assert_eq!(args.scope, None);
    }

    #[test]
    fn arguments_are_held_to_the_schema() {
        let refused = |v| prepared(v).unwrap_err();
        assert_eq!(
            refused(serde_json::json!({"query": "q", "limit": 21})),
            "ERROR: invalid argument `limit` — must be between 1 and 20 (got 21)"
        );
        assert_eq!(
            refused(serde_json::json!({"query": "far too long a query"})),
            "ERROR: invalid argument `query` — must be 1 to 10 characters (got 20)"
        );
        assert_eq!(
            refused(serde_json::json!({"scope": "everyone"})),
            "ERROR: invalid argument `scope` — must be one of \"mine\", \"all\" (got \"everyone\")"
        );
        assert_eq!(
            refused(serde_json::json!({"cursor": "abc"})),
            "ERROR: invalid argument `cursor` — must match `^c_[0-9]+$`"
        );
        assert_eq!(
            refused(serde_json::json!({"tags": ["a", "b", "c"]})),
            "ERROR: invalid argument `tags` — must hold at most 2 items (got 3)"
        );
        assert!(prepared(serde_json::json!({"query": "ok", "limit": 20, "cursor": "c_1"})).is_ok());
    }

    #[test]
    fn long_values_are_not_echoed_whole() {
        let long = "y".repeat(100_000);
        let refused = prepared(serde_json::json!({"scope": long})).unwrap_err();
        assert!(refused.starts_with("ERROR: invalid argument `scope` — must be one of \"mine\", \"all\" (got \"yyy"));
        assert!(refused.ends_with("… [cut, 99942 more chars])"), "{refused}");
        let err = parse_arguments::<Args>(object(serde_json::json!({"query": "q", "limit": long}))).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "ERROR: invalid argument `limit` — wrong type: string \"{}… [cut, 99940 more chars]\", expected a positive integer",
                "y".repeat(60)
            )
        );
    }

    #[test]
    fn wrong_argument_is_named() {
        let err = parse_arguments::<Args>(object(serde_json::json!({"query": "q", "limit": 0}))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ERROR: invalid argument `limit` — invalid value: integer `0`, expected a positive integer"
        );
        let err = parse_arguments::<Args>(object(serde_json::json!({"query": 3, "limit": 1}))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ERROR: invalid argument `query` — wrong type: integer `3`, expected a string"
        );
    }

    #[test]
    fn missing_and_unknown_arguments_are_named() {
        let err = parse_arguments::<Args>(object(serde_json::json!({"limit": 1}))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ERROR: invalid arguments — missing required argument `query`"
        );
        let err =
            parse_arguments::<Args>(object(serde_json::json!({"query": "q", "limit": 1, "extra": 1}))).unwrap_err();
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
