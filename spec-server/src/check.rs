//! Checking one request against its operation's spec: parameter values, defaults, body lists.

use crate::{BodyLimit, Kind, Limit, Location, OperationSpec, Param};
use serde_json::Value;

/// Why a request was refused before its handler ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// HTTP 400: a parameter or a body field is not what the spec allows.
    Invalid { field: String, message: String },
    /// HTTP 501: the backend has no handler for the operation.
    NotImplemented { operation: &'static str },
}

impl Rejection {
    pub(crate) fn invalid(field: &str, message: String) -> Self {
        Rejection::Invalid {
            field: field.to_string(),
            message,
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Invalid { message, .. } => f.write_str(message),
            Rejection::NotImplemented { operation } => {
                write!(f, "`{operation}` is not implemented by the local backend")
            }
        }
    }
}

/// At most this many characters of a refused value are quoted back.
const QUOTE_MAX: usize = 60;

fn quote(value: &str) -> String {
    if value.chars().count() > QUOTE_MAX {
        format!("`{}…`", value.chars().take(QUOTE_MAX).collect::<String>())
    } else {
        format!("`{value}`")
    }
}

/// "1 to 20", "at least 1", "at most 20": how many characters or items.
fn count_range(min: Option<u64>, max: Option<u64>) -> String {
    match (min.filter(|m| *m > 0), max) {
        (Some(min), Some(max)) => format!("{min} to {max}"),
        (min, max) => bounds(min, max),
    }
}

/// "between 1 and 20", "at least 1", "at most 20".
fn bounds<T: std::fmt::Display>(min: Option<T>, max: Option<T>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("between {min} and {max}"),
        (Some(min), None) => format!("at least {min}"),
        (None, Some(max)) => format!("at most {max}"),
        (None, None) => String::new(),
    }
}

/// Checks one value of `param`.
pub(crate) fn value(param: &Param, raw: &str) -> Result<(), Rejection> {
    let name = param.name;
    match &param.kind {
        Kind::String {
            min_length,
            max_length,
            pattern,
            values,
        } => {
            if !values.is_empty() && !values.contains(&raw) {
                return Err(Rejection::invalid(
                    name,
                    format!("`{name}` must be one of: {} (got {})", values.join(", "), quote(raw)),
                ));
            }
            let n = raw.chars().count() as u64;
            if min_length.is_some_and(|m| n < m) || max_length.is_some_and(|m| n > m) {
                return Err(Rejection::invalid(
                    name,
                    format!(
                        "`{name}` must be {} characters (got {n})",
                        count_range(*min_length, *max_length)
                    ),
                ));
            }
            if let Some(pattern) = pattern
                && !crate::pattern::matches(pattern, raw)
            {
                return Err(Rejection::invalid(
                    name,
                    format!("`{name}` must match `{pattern}` (got {})", quote(raw)),
                ));
            }
        }
        Kind::Integer { minimum, maximum } => {
            let v: i64 = raw
                .trim()
                .parse()
                .map_err(|_| Rejection::invalid(name, format!("`{name}` must be an integer (got {})", quote(raw))))?;
            if minimum.is_some_and(|m| v < m) || maximum.is_some_and(|m| v > m) {
                return Err(Rejection::invalid(
                    name,
                    format!("`{name}` must be {} (got {v})", bounds(*minimum, *maximum)),
                ));
            }
        }
        Kind::Number { minimum, maximum } => {
            let v: f64 =
                raw.trim().parse().ok().filter(|v: &f64| v.is_finite()).ok_or_else(|| {
                    Rejection::invalid(name, format!("`{name}` must be a number (got {})", quote(raw)))
                })?;
            if minimum.is_some_and(|m| v < m) || maximum.is_some_and(|m| v > m) {
                return Err(Rejection::invalid(
                    name,
                    format!("`{name}` must be {} (got {v})", bounds(*minimum, *maximum)),
                ));
            }
        }
        Kind::Boolean => {
            if raw != "true" && raw != "false" {
                return Err(Rejection::invalid(
                    name,
                    format!("`{name}` must be true or false (got {})", quote(raw)),
                ));
            }
        }
        Kind::Other => {}
    }
    Ok(())
}

/// Checks the query string of a request for `spec`; returns the query to pass on when defaults
/// were added.
pub(crate) fn query(spec: &OperationSpec, raw: Option<&str>) -> Result<Option<String>, Rejection> {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let mut added = false;
    for param in spec.params.iter().filter(|p| p.location == Location::Query) {
        let mut present = false;
        for (_, v) in pairs.iter().filter(|(k, _)| k == param.name) {
            present = true;
            value(param, v)?;
        }
        if !present {
            if let Some(default) = param.default {
                pairs.push((param.name.to_string(), default.to_string()));
                added = true;
            } else if param.required {
                return Err(Rejection::invalid(param.name, format!("`{}` is required", param.name)));
            }
        }
    }
    Ok(added.then(|| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    }))
}

/// Checks the path parameters of a request for `spec`.
pub(crate) fn path(spec: &OperationSpec, params: &[(&str, &str)]) -> Result<(), Rejection> {
    for param in spec.params.iter().filter(|p| p.location == Location::Path) {
        if let Some((_, v)) = params.iter().find(|(k, _)| *k == param.name) {
            value(param, v)?;
        }
    }
    Ok(())
}

/// Checks the limits of a JSON body; a body that is not JSON is the handler's to refuse.
pub(crate) fn body(limits: &[BodyLimit], body: &[u8]) -> Result<(), Rejection> {
    let Ok(root) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    let mut found = None;
    for limit in limits {
        walk(&root, limit.path, String::new(), &mut |field, value| {
            if found.is_none() {
                found = outside(&limit.limit, value).map(|m| Rejection::invalid(field, format!("`{field}` must {m}")));
            }
        });
    }
    found.map_or(Ok(()), Err)
}

/// What `value` should be, when it is outside `limit`.
fn outside(limit: &Limit, value: &Value) -> Option<String> {
    match (limit, value) {
        (Limit::Items { min, max }, Value::Array(items)) => {
            let n = items.len() as u64;
            (min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m))
                .then(|| format!("hold {} items (got {n})", count_range(*min, *max)))
        }
        (Limit::Range { minimum, maximum }, Value::Number(n)) => {
            let v = n.as_f64()?;
            (minimum.is_some_and(|m| v < m) || maximum.is_some_and(|m| v > m))
                .then(|| format!("be {} (got {n})", bounds(*minimum, *maximum)))
        }
        _ => None,
    }
}

/// Calls `at` with the field name and value of each place `path` reaches in `value`.
fn walk(value: &Value, path: &[&str], field: String, at: &mut dyn FnMut(&str, &Value)) {
    match path.split_first() {
        None => at(&field, value),
        Some((&"[]", rest)) => {
            if let Value::Array(items) = value {
                for (i, item) in items.iter().enumerate() {
                    walk(item, rest, format!("{field}[{i}]"), at);
                }
            }
        }
        Some((name, rest)) => {
            if let Some(v) = value.get(name) {
                let field = if field.is_empty() {
                    name.to_string()
                } else {
                    format!("{field}.{name}")
                };
                walk(v, rest, field, at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Method;

    const LIMIT: Param = Param {
        name: "limit",
        location: Location::Query,
        required: false,
        kind: Kind::Integer {
            minimum: Some(1),
            maximum: Some(20),
        },
        default: Some("5"),
    };
    const CURSOR: Param = Param {
        name: "cursor",
        location: Location::Query,
        required: false,
        kind: Kind::String {
            min_length: None,
            max_length: Some(14),
            pattern: Some("^c_[0-9]{1,12}$"),
            values: &[],
        },
        default: None,
    };
    const SPEC: OperationSpec = OperationSpec {
        id: "listThings",
        method: Method::Get,
        path: "/things",
        params: &[LIMIT, CURSOR],
        body: &[],
    };

    fn message(r: Result<impl std::fmt::Debug, Rejection>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn parameters_are_held_to_the_spec() {
        assert_eq!(query(&SPEC, Some("limit=7")), Ok(None));
        assert_eq!(
            query(&SPEC, Some("cursor=c_1")),
            Ok(Some("cursor=c_1&limit=5".into())),
            "an absent parameter gets its default"
        );
        assert_eq!(
            message(query(&SPEC, Some("limit=21"))),
            "`limit` must be between 1 and 20 (got 21)"
        );
        assert_eq!(
            message(query(&SPEC, Some("limit=x"))),
            "`limit` must be an integer (got `x`)"
        );
        assert_eq!(
            message(query(&SPEC, Some("cursor=abc"))),
            "`cursor` must match `^c_[0-9]{1,12}$` (got `abc`)"
        );
        assert_eq!(
            message(query(&SPEC, Some("cursor=c_123456789012345"))),
            "`cursor` must be at most 14 characters (got 17)"
        );
        let enumerated = Param {
            name: "order",
            location: Location::Query,
            required: true,
            kind: Kind::String {
                min_length: None,
                max_length: None,
                pattern: None,
                values: &["asc", "desc"],
            },
            default: None,
        };
        assert_eq!(
            message(value(&enumerated, "up")),
            "`order` must be one of: asc, desc (got `up`)"
        );
        let long = "x".repeat(500);
        assert!(
            message(value(&enumerated, &long)).ends_with("…`)"),
            "a long value is cut"
        );
    }

    #[test]
    fn body_lists_are_held_to_their_counts() {
        let limits = [
            BodyLimit {
                path: &["queries", "[]", "tags"],
                limit: Limit::Items {
                    min: None,
                    max: Some(2),
                },
            },
            BodyLimit {
                path: &["queries", "[]", "limit"],
                limit: Limit::Range {
                    minimum: Some(1.0),
                    maximum: Some(20.0),
                },
            },
        ];
        let ok = br#"{"queries": [{"tags": ["a"]}, {"tags": ["a", "b"], "limit": 20}]}"#;
        assert_eq!(body(&limits, ok), Ok(()));
        let over = br#"{"queries": [{"limit": 21}]}"#;
        assert_eq!(
            body(&limits, over),
            Err(Rejection::invalid(
                "queries[0].limit",
                "`queries[0].limit` must be between 1 and 20 (got 21)".into()
            ))
        );
        let bad = br#"{"queries": [{"tags": ["a"]}, {"tags": ["a", "b", "c"]}]}"#;
        assert_eq!(
            body(&limits, bad),
            Err(Rejection::invalid(
                "queries[1].tags",
                "`queries[1].tags` must hold at most 2 items (got 3)".into()
            ))
        );
        assert_eq!(
            body(&limits, b"not json"),
            Ok(()),
            "the handler refuses what is not JSON"
        );
    }
}
