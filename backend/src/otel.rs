//! Importing OpenTelemetry / OpenInference spans from JSONL (one span per line), the format HALO
//! reads: traces, spans, inferences (one per LLM span) and agents (from `agent.id` /
//! `agent.name`, inherited by every span of a trace).
//!
//! Both the OTLP JSON spelling (`traceId`, `startTimeUnixNano`, `status.code`, attributes as
//! `[{key, value: {stringValue}}]`) and the flat export spelling (`trace_id`, `start_time` as
//! RFC 3339, `status.status_code`, attributes as an object) are accepted.

use crate::seed::{SpanRow, write_trace};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

fn field<'a>(span: &'a Value, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| span.get(*n)).filter(|v| !v.is_null())
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// An OTLP `AnyValue` or a plain JSON value.
fn any_value(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            for key in ["stringValue", "boolValue", "doubleValue"] {
                if let Some(x) = o.get(key) {
                    return x.clone();
                }
            }
            if let Some(x) = o.get("intValue") {
                return x
                    .as_str()
                    .and_then(|s| s.parse::<i64>().ok())
                    .map_or_else(|| x.clone(), Value::from);
            }
            v.clone()
        }
        other => other.clone(),
    }
}

fn attributes(span: &Value) -> Map<String, Value> {
    match span.get("attributes") {
        Some(Value::Object(o)) => o.iter().map(|(k, v)| (k.clone(), any_value(v))).collect(),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|kv| Some((kv.get("key")?.as_str()?.to_string(), any_value(kv.get("value")?))))
            .collect(),
        _ => Map::new(),
    }
}

fn time(span: &Value, rfc: &[&str], nanos: &[&str]) -> Option<DateTime<Utc>> {
    if let Some(s) = text(field(span, rfc))
        && let Ok(t) = DateTime::parse_from_rfc3339(&s)
    {
        return Some(t.with_timezone(&Utc));
    }
    let n: i64 = text(field(span, nanos))?.parse().ok()?;
    Some(DateTime::from_timestamp_nanos(n))
}

/// One parsed span, before its trace's agent is known.
#[derive(Debug)]
struct Parsed {
    trace_id: String,
    row: SpanRow,
    agent: Option<(String, Option<String>)>,
}

fn parse_line(line: &str, n: usize) -> Result<Parsed, String> {
    let span: Value = serde_json::from_str(line).map_err(|e| format!("line {n}: not JSON: {e}"))?;
    let trace_id = text(field(&span, &["trace_id", "traceId"])).ok_or_else(|| format!("line {n}: no trace_id"))?;
    let id = text(field(&span, &["span_id", "spanId"])).ok_or_else(|| format!("line {n}: no span_id"))?;
    let start = time(
        &span,
        &["start_time", "startTime"],
        &["start_time_unix_nano", "startTimeUnixNano"],
    )
    .ok_or_else(|| format!("line {n}: no start time"))?;
    let end = time(
        &span,
        &["end_time", "endTime"],
        &["end_time_unix_nano", "endTimeUnixNano"],
    )
    .unwrap_or(start);
    let attrs = attributes(&span);
    let attr = |k: &str| attrs.get(k).and_then(|v| text(Some(v)));
    let num = |k: &str| {
        attrs
            .get(k)
            .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
    };
    let status = span.get("status");
    let code = status
        .and_then(|s| text(field(s, &["status_code", "code"])))
        .unwrap_or_default();
    let failed = code.eq_ignore_ascii_case("error") || code == "2" || code.eq_ignore_ascii_case("STATUS_CODE_ERROR");
    let message = status.and_then(|s| text(field(s, &["description", "message"])));
    let kind = match attr("openinference.span.kind")
        .unwrap_or_default()
        .to_uppercase()
        .as_str()
    {
        "LLM" => "LLM",
        "TOOL" => "TOOL",
        "AGENT" => "AGENT",
        "RETRIEVER" => "RETRIEVER",
        "EMBEDDING" => "EMBEDDING",
        "RERANKER" => "RERANKER",
        "GUARDRAIL" => "GUARDRAIL",
        _ => "CHAIN",
    };
    let prompt = num("llm.token_count.prompt");
    let completion = num("llm.token_count.completion");
    let tokens = match (prompt, completion, num("llm.token_count.total")) {
        (Some(p), Some(c), _) => Some((p, c)),
        (Some(p), None, total) => Some((p, total.unwrap_or(p) - p)),
        (None, _, Some(total)) => Some((total, 0)),
        _ => None,
    };
    let cost = attrs.get("llm.cost.total").and_then(Value::as_f64).unwrap_or(0.0);
    let agent = attr("agent.id")
        .or_else(|| attr("agent.name"))
        .map(|id| (id, attr("agent.name")));
    let name = text(field(&span, &["name"])).unwrap_or_else(|| "span".into());
    Ok(Parsed {
        trace_id,
        agent,
        row: SpanRow {
            id,
            parent: text(field(&span, &["parent_span_id", "parentSpanId", "parent_id"])).filter(|p| !p.is_empty()),
            tool: attr("tool.name").or_else(|| (kind == "TOOL").then(|| name.clone())),
            name,
            kind,
            start,
            ms: (end - start).num_milliseconds().max(0),
            error: failed.then(|| message.unwrap_or_else(|| "error".into())),
            model: attr("llm.model_name"),
            tokens: if kind == "LLM" { tokens } else { None },
            cost,
            input: attr("input.value"),
            output: attr("output.value"),
        },
    })
}

/// Imports JSONL text into `project` (optionally moved in time so the latest span ends now);
/// returns how many traces were added. Spans of a trace
/// without any `agent.id` / `agent.name` are stored under the agent `unknown`.
pub fn import(tx: &Connection, project: &str, jsonl: &str, shift_to_now: bool) -> Result<usize, String> {
    let mut parsed = Vec::new();
    for (i, line) in jsonl.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        parsed.push(parse_line(line, i + 1)?);
    }
    if shift_to_now {
        let latest = parsed
            .iter()
            .map(|p| p.row.start + chrono::Duration::milliseconds(p.row.ms))
            .max();
        if let Some(latest) = latest {
            let shift = Utc::now() - latest;
            for p in &mut parsed {
                p.row.start += shift;
            }
        }
    }
    let mut traces: BTreeMap<String, Vec<Parsed>> = BTreeMap::new();
    for p in parsed {
        traces.entry(p.trace_id.clone()).or_default().push(p);
    }
    let count = traces.len();
    for (trace_id, spans) in traces {
        let (agent_id, agent_name) = spans
            .iter()
            .find_map(|s| s.agent.clone())
            .unwrap_or_else(|| ("unknown".into(), None));
        let name = spans
            .iter()
            .find(|s| s.row.parent.is_none())
            .map_or_else(|| agent_id.clone(), |s| s.row.name.clone());
        tx.execute(
            "INSERT OR IGNORE INTO agents (project_id, id, name) VALUES (?1, ?2, ?3)",
            params![project, agent_id, agent_name.unwrap_or_else(|| agent_id.clone())],
        )
        .map_err(|e| e.to_string())?;
        let rows: Vec<SpanRow> = spans.into_iter().map(|s| s.row).collect();
        write_trace(tx, project, &trace_id, &name, &agent_id, &rows).map_err(|e| format!("trace {trace_id}: {e}"))?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_parse() {
        let flat = r#"{"trace_id":"t1","span_id":"s1","name":"lookup","start_time":"2026-11-21T09:00:00Z","end_time":"2026-11-21T09:00:02Z","status":{"status_code":"ERROR","description":"TimeoutError: slow"},"attributes":{"openinference.span.kind":"TOOL","tool.name":"lookup_order","agent.id":"a1"}}"#;
        let p = parse_line(flat, 1).unwrap();
        assert_eq!(
            (p.row.kind, p.row.ms, p.row.tool.as_deref(), p.row.error.as_deref()),
            ("TOOL", 2000, Some("lookup_order"), Some("TimeoutError: slow"))
        );
        assert_eq!(p.agent, Some(("a1".into(), None)));
        let otlp = r#"{"traceId":"t1","spanId":"s2","parentSpanId":"s1","name":"llm","startTimeUnixNano":"1763715600000000000","endTimeUnixNano":"1763715601500000000","status":{"code":1},"attributes":[{"key":"openinference.span.kind","value":{"stringValue":"LLM"}},{"key":"llm.token_count.prompt","value":{"intValue":"1200"}},{"key":"llm.token_count.completion","value":{"intValue":"80"}},{"key":"llm.model_name","value":{"stringValue":"gpt-4.1-mini"}}]}"#;
        let p = parse_line(otlp, 2).unwrap();
        assert_eq!(
            (p.row.kind, p.row.ms, p.row.tokens, p.row.error.is_none()),
            ("LLM", 1500, Some((1200, 80)), true)
        );
        assert!(parse_line("{}", 3).unwrap_err().contains("line 3: no trace_id"));
    }
}
