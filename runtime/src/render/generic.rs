//! The generic renderer: any JSON response as compact markdown.
//!
//! A page (`{items, next_cursor}`) becomes a count, a table of its items' short fields and a
//! `More:` line with the cursor. An object becomes its short fields as `key: value` lines, then
//! its long text fields as blocks and its lists as tables. Nulls and empty values are left out;
//! times, durations, costs and token counts are shown in human units by their key names; long
//! text is cut with a marker; the whole answer is bounded.

use super::format;
use serde_json::{Map, Value};

/// The whole answer's bound (about 15k tokens).
pub const MAX_CHARS: usize = 60_000;
/// A text field longer than this is shown as a block rather than inline.
const INLINE_CHARS: usize = 120;
/// A text block's bound.
const BLOCK_CHARS: usize = 4_000;
/// A table cell's bound.
const CELL_CHARS: usize = 80;
/// Columns in a table.
const MAX_COLUMNS: usize = 7;

pub fn render(value: &Value, view: &str) -> String {
    bounded(match value {
        Value::Object(map) => match map.get("items").and_then(Value::as_array) {
            Some(items) => page_with(map, items, view, None, &[]),
            None => object(map),
        },
        Value::Array(items) => auto_table(items).unwrap_or_else(|| "No results.".into()),
        other => scalar("value", other).unwrap_or_default(),
    })
}

/// An answer held to [`MAX_CHARS`], marked when cut.
pub(crate) fn bounded(out: String) -> String {
    if out.chars().count() > MAX_CHARS {
        format!(
            "{}\n(answer cut to stay within the client's limits; narrow the request)",
            format::cut(&out, MAX_CHARS)
        )
    } else {
        out
    }
}

/// `list_halo_runs` → `HALO runs`; other views → `results`.
pub(crate) fn noun(view: &str) -> String {
    view.strip_prefix("list_")
        .map(|n| n.replace('_', " ").replace("halo", "HALO"))
        .unwrap_or_else(|| "results".into())
}

/// `agents` for many, `agent` for one.
fn counted(n: usize, plural: &str) -> String {
    match plural.strip_suffix('s') {
        Some(one) if n == 1 && !one.ends_with('s') => one.to_string(),
        _ => plural.to_string(),
    }
}

/// A list of `items` (a field of `map`): its count (or `lead`), a table of `columns` (chosen
/// automatically when empty), and `map`'s cursor.
pub fn page_with(
    map: &Map<String, Value>,
    items: &[Value],
    view: &str,
    lead: Option<String>,
    columns: &[&str],
) -> String {
    let mut out = lead.unwrap_or_else(|| {
        if items.is_empty() {
            format!("No {} found.", noun(view))
        } else {
            format!("{} {}", items.len(), counted(items.len(), &noun(view)))
        }
    });
    let table = if columns.is_empty() {
        auto_table(items)
    } else {
        (!items.is_empty()).then(|| table(items, columns))
    };
    if let Some(t) = table {
        out.push_str("\n\n");
        out.push_str(&t);
    }
    if let Some(cursor) = map.get("next_cursor").and_then(Value::as_str).filter(|c| !c.is_empty()) {
        out.push_str(&format!("\n\nMore: call {view} with cursor=\"{cursor}\""));
    }
    out
}

pub(crate) fn object(map: &Map<String, Value>) -> String {
    let mut lines = Vec::new();
    let mut blocks = Vec::new();
    for (key, value) in map {
        match value {
            Value::Array(items) if items.iter().any(Value::is_object) => {
                if let Some(t) = auto_table(items) {
                    blocks.push(format!("### {} ({})\n\n{t}", label(key), items.len()));
                }
            }
            Value::Object(inner)
                if inner
                    .values()
                    .any(|v| v.is_object() || v.is_array() && !v.as_array().is_some_and(Vec::is_empty)) =>
            {
                let nested = object(inner);
                if !nested.is_empty() {
                    blocks.push(format!("### {}\n\n{nested}", label(key)));
                }
            }
            Value::Object(inner) => {
                let parts: Vec<String> = inner
                    .iter()
                    .filter_map(|(k, v)| scalar(k, v).map(|s| format!("{} {s}", label(k))))
                    .collect();
                if !parts.is_empty() {
                    lines.push(format!("{}: {}", label(key), parts.join(" · ")));
                }
            }
            Value::String(s) if s.chars().count() > INLINE_CHARS || s.contains('\n') => {
                blocks.push(format!("### {}\n\n{}", label(key), format::cut(s.trim(), BLOCK_CHARS)));
            }
            other => {
                if let Some(s) = scalar(key, other) {
                    lines.push(format!("{}: {s}", label(key)));
                }
            }
        }
    }
    let mut out = lines.join("\n");
    for b in blocks {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&b);
    }
    out
}

/// A table of objects' scalar fields (at most [`MAX_COLUMNS`], in first-seen order); `None`
/// when there is nothing to show.
fn auto_table(items: &[Value]) -> Option<String> {
    let rows: Vec<&Map<String, Value>> = items.iter().filter_map(Value::as_object).collect();
    if rows.is_empty() {
        let scalars: Vec<String> = items.iter().filter_map(|v| scalar("", v)).collect();
        return (!scalars.is_empty()).then(|| scalars.join(", "));
    }
    let mut columns: Vec<&str> = Vec::new();
    for row in &rows {
        for (k, v) in row.iter() {
            let short = match v {
                Value::String(s) => {
                    s.chars().count() <= INLINE_CHARS * 2 && !s.contains('\n') || k.ends_with("message") || k == "error"
                }
                Value::Array(a) => a.iter().all(|x| !x.is_object()),
                Value::Object(_) => k == "error" || k == "experience",
                Value::Null => false,
                _ => true,
            };
            if short && !columns.contains(&k.as_str()) && columns.len() < MAX_COLUMNS {
                columns.push(k);
            }
        }
    }
    (!columns.is_empty()).then(|| table(items, &columns))
}

/// A markdown table of `columns` of each object in `items`, values in human units.
pub fn table(items: &[Value], columns: &[&str]) -> String {
    let mut out = format!(
        "| {} |\n|{}|",
        columns.iter().map(|c| label(c)).collect::<Vec<_>>().join(" | "),
        columns.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    );
    for row in items.iter().filter_map(Value::as_object) {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| row.get(*c).and_then(|v| cell(c, v)).unwrap_or_default())
            .collect();
        out.push_str(&format!("\n| {} |", cells.join(" | ")));
    }
    out
}

fn cell(key: &str, value: &Value) -> Option<String> {
    let text = match value {
        Value::Object(inner) => inner
            .get("message")
            .or_else(|| inner.get("title"))
            .or_else(|| inner.get("id"))
            .and_then(|v| scalar(key, v))?,
        other => scalar(key, other)?,
    };
    Some(format::cut(&text.replace('\n', " ").replace('|', "\\|"), CELL_CHARS))
}

/// A scalar (or list of scalars) in human units; `None` for null and empty values.
pub(crate) fn scalar(key: &str, value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.into()),
        Value::Number(n) => {
            let x = n.as_f64()?;
            Some(if key.ends_with("_ms") {
                format::duration_ms(x)
            } else if key.ends_with("_ns") {
                format::duration_ms(x / 1e6)
            } else if key.contains("cost") || key.ends_with("_usd") {
                format::money(x)
            } else if key.contains("tokens") {
                format::count(x)
            } else if n.is_f64() {
                format::trim_float(x, 3)
            } else {
                n.to_string()
            })
        }
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(
            if key.ends_with("_at")
                || key.ends_with("_time")
                || key.starts_with("window_")
                || key == "since"
                || key == "until"
            {
                format::timestamp(s).unwrap_or_else(|| s.clone())
            } else {
                format::cut(s, BLOCK_CHARS)
            },
        ),
        Value::Array(items) if items.is_empty() => None,
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(|v| scalar(key, v)).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Value::Object(map) if map.is_empty() => None,
        Value::Object(map) => Some(
            map.iter()
                .filter_map(|(k, v)| scalar(k, v).map(|s| format!("{k}={s}")))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    }
}

pub(crate) fn label(key: &str) -> String {
    key.replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_show_count_table_and_cursor() {
        let page = json!({"items": [
            {"id": "tr_2", "name": "checkout", "duration_ms": 1800, "cost_usd": 0.031, "total_tokens": 12400, "started_at": "2026-11-21T09:00:00Z", "agent_id": null},
            {"id": "tr_1", "name": "refund", "duration_ms": 640, "cost_usd": 0.0042, "total_tokens": 950, "started_at": "2026-11-21T08:59:00Z"}
        ], "next_cursor": "c_7f"});
        assert_eq!(
            render(&page, "list_traces"),
            "2 traces\n\n| id | name | duration ms | cost usd | total tokens | started at |\n|---|---|---|---|---|---|\n| tr_2 | checkout | 1.8 s | $0.031 | 12.4k | 2026-11-21 09:00 UTC |\n| tr_1 | refund | 640 ms | $0.0042 | 950 | 2026-11-21 08:59 UTC |\n\nMore: call list_traces with cursor=\"c_7f\""
        );
        assert_eq!(render(&json!({"items": []}), "list_halo_runs"), "No HALO runs found.");
    }

    #[test]
    fn objects_omit_nulls_and_cut_long_text() {
        let long = "x".repeat(5000);
        let text = render(
            &json!({"id": "exp_1", "title": "T", "empty": "", "missing": null, "quality": {"causal_depth": 0.8}, "body": long}),
            "get_inferior_experience",
        );
        assert!(
            text.starts_with("id: exp_1\ntitle: T\nquality: causal depth 0.8\n\n### body\n\nxxxx"),
            "{text}"
        );
        assert!(text.ends_with("… [cut, 1000 more chars]"), "{text}");
        assert!(!text.contains("missing") && !text.contains("empty"));
    }
}
