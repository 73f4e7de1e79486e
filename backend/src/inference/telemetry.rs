//! Telemetry: inferences, traces, spans and agents (grouped by the `agent.id` span attribute),
//! with their filters, sorts and cursors.

use super::{Page, Select, caller, enum_str, enum_value};
use crate::error::{ApiError, ApiResult};
use crate::server::AppState;
use crate::util::{cut_chars, parse_ts, ts};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::MethodRouter;
use chrono::{DateTime, Utc};
use inference_sdk::types as t;
use inference_server::Operation;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Deserialize;

/// The handlers of inferences, traces, spans and agents.
pub fn endpoint(op: Operation) -> Option<MethodRouter<AppState>> {
    use Operation as O;
    Some(match op {
        O::ListInferences => op.handle(list_inferences),
        O::GetInference => op.handle(get_inference),
        O::ListTraces => op.handle(list_traces),
        O::GetTrace => op.handle(get_trace),
        O::ListSpans => op.handle(list_spans),
        O::GetSpan => op.handle(get_span),
        O::ListAgents => op.handle(list_agents),
        O::GetAgent => op.handle(get_agent),
        _ => return None,
    })
}

fn check_window(
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> ApiResult<(Option<String>, Option<String>)> {
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        return Err(ApiError::bad_request("since", "`since` is after `until`"));
    }
    Ok((since.map(ts), until.map(ts)))
}

fn order(o: Option<t::SortOrder>) -> &'static str {
    match o {
        Some(t::SortOrder::Asc) => "ASC",
        _ => "DESC",
    }
}

// ---------------------------------------------------------------------------------------------
// Inferences

const INFERENCE_COLUMNS: &str = "id, model, status, created_at, latency_ms, input_tokens, output_tokens, cost_usd, error_type, error_message, trace_id, span_id, agent_id";

fn inference_row(r: &Row<'_>) -> rusqlite::Result<t::Inference> {
    let error = match (
        r.get::<_, Option<String>>("error_type")?,
        r.get::<_, Option<String>>("error_message")?,
    ) {
        (Some(type_), message) => Some(t::InferenceError {
            type_,
            message: message.unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(t::Inference {
        id: r.get("id")?,
        model: r.get("model")?,
        status: enum_value(&r.get::<_, String>("status")?)?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?),
        latency_ms: r.get("latency_ms")?,
        input_tokens: r.get("input_tokens")?,
        output_tokens: r.get("output_tokens")?,
        cost_usd: r.get("cost_usd")?,
        error,
        trace_id: r.get("trace_id")?,
        span_id: r.get("span_id")?,
        agent_id: r.get("agent_id")?,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InferenceParams {
    cursor: Option<String>,
    limit: i64,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    status: Option<t::InferenceStatus>,
    model: Option<String>,
}

async fn list_inferences(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::InferencePage>> {
    caller(&state, &headers, &project_id, false)?;
    let p: InferenceParams = crate::extract::query(raw.as_deref())?;
    let (since, until) = check_window(p.since, p.until)?;
    let conn = state.db.lock();
    let (items, next_cursor) = Select::new(&format!("SELECT {INFERENCE_COLUMNS} FROM inferences WHERE 1"))
        .and("project_id = ?", project_id)
        .and_opt("status = ?", p.status.as_ref().map(enum_str))
        .and_opt("model = ?", p.model)
        .and_opt("created_at >= ?", since)
        .and_opt("created_at < ?", until)
        .page(
            &conn,
            "created_at DESC, id",
            &Page {
                cursor: p.cursor,
                limit: p.limit,
            },
            inference_row,
        )?;
    Ok(Json(t::InferencePage { items, next_cursor }))
}

async fn get_inference(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, inference_id)): Path<(String, String)>,
) -> ApiResult<Json<t::InferenceDetail>> {
    caller(&state, &headers, &project_id, false)?;
    let conn = state.db.lock();
    conn.query_row(
        &format!("SELECT {INFERENCE_COLUMNS}, input, output FROM inferences WHERE project_id = ?1 AND id = ?2"),
        params![project_id, inference_id],
        |r| {
            Ok(t::InferenceDetail {
                inference: inference_row(r)?,
                input: r.get("input")?,
                output: r.get("output")?,
            })
        },
    )
    .optional()?
    .map(Json)
    .ok_or_else(|| ApiError::not_found("inference", &inference_id))
}

// ---------------------------------------------------------------------------------------------
// Traces

const TRACE_COLUMNS: &str = "tr.id, tr.name, tr.agent_id, a.name AS agent_name, tr.status, tr.started_at, tr.duration_ms, tr.span_count, tr.error_count, tr.total_tokens, tr.cost_usd";
const TRACE_FROM: &str = "FROM traces tr LEFT JOIN agents a ON a.project_id = tr.project_id AND a.id = tr.agent_id";

fn trace_row(r: &Row<'_>) -> rusqlite::Result<t::Trace> {
    Ok(t::Trace {
        id: r.get("id")?,
        name: r.get("name")?,
        agent_id: r.get("agent_id")?,
        agent_name: r.get("agent_name")?,
        status: enum_value(&r.get::<_, String>("status")?)?,
        started_at: parse_ts(&r.get::<_, String>("started_at")?),
        duration_ms: r.get("duration_ms")?,
        span_count: r.get("span_count")?,
        error_count: r.get("error_count")?,
        total_tokens: r.get("total_tokens")?,
        cost_usd: r.get("cost_usd")?,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TraceParams {
    cursor: Option<String>,
    limit: i64,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    agent_id: Option<String>,
    status: Option<t::TraceStatus>,
    sort: Option<t::TraceSort>,
    order: Option<t::SortOrder>,
}

async fn list_traces(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::TracePage>> {
    caller(&state, &headers, &project_id, false)?;
    let p: TraceParams = crate::extract::query(raw.as_deref())?;
    let (since, until) = check_window(p.since, p.until)?;
    let column = match p.sort {
        Some(t::TraceSort::Duration) => "tr.duration_ms",
        Some(t::TraceSort::Cost) => "tr.cost_usd",
        Some(t::TraceSort::Tokens) => "tr.total_tokens",
        _ => "tr.started_at",
    };
    let conn = state.db.lock();
    let (items, next_cursor) = Select::new(&format!("SELECT {TRACE_COLUMNS} {TRACE_FROM} WHERE 1"))
        .and("tr.project_id = ?", project_id)
        .and_opt("tr.agent_id = ?", p.agent_id)
        .and_opt("tr.status = ?", p.status.as_ref().map(enum_str))
        .and_opt("tr.started_at >= ?", since)
        .and_opt("tr.started_at < ?", until)
        .page(
            &conn,
            &format!("{column} {}, tr.id", order(p.order)),
            &Page {
                cursor: p.cursor,
                limit: p.limit,
            },
            trace_row,
        )?;
    Ok(Json(t::TracePage { items, next_cursor }))
}

async fn get_trace(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, trace_id)): Path<(String, String)>,
) -> ApiResult<Json<t::TraceDetail>> {
    caller(&state, &headers, &project_id, false)?;
    let conn = state.db.lock();
    let trace = conn
        .query_row(
            &format!("SELECT {TRACE_COLUMNS} {TRACE_FROM} WHERE tr.project_id = ?1 AND tr.id = ?2"),
            params![project_id, trace_id],
            trace_row,
        )
        .optional()?
        .ok_or_else(|| ApiError::not_found("trace", &trace_id))?;
    let spans = Select::new(&format!("SELECT {SPAN_COLUMNS} FROM spans WHERE 1"))
        .and("project_id = ?", project_id)
        .and("trace_id = ?", trace_id)
        .all(&conn, "start_time, id", 1000, |r| span_row(r, LIST_TEXT))?;
    Ok(Json(t::TraceDetail { trace, spans }))
}

// ---------------------------------------------------------------------------------------------
// Spans

pub const SPAN_COLUMNS: &str = "id, trace_id, parent_id, name, kind, status, status_message, start_time, duration_ns, agent_id, tool_name, model, \
    input_tokens, output_tokens, total_tokens, cost_total, input, output, attributes_json";

/// Span inputs and outputs are cut at this many characters in lists.
const LIST_TEXT: usize = 2000;

pub fn span_row(r: &Row<'_>, max_text: usize) -> rusqlite::Result<t::Span> {
    Ok(t::Span {
        id: r.get("id")?,
        trace_id: r.get("trace_id")?,
        parent_id: r.get("parent_id")?,
        name: r.get("name")?,
        kind: r.get("kind")?,
        status: enum_value(&r.get::<_, String>("status")?)?,
        status_message: r.get("status_message")?,
        start_time: parse_ts(&r.get::<_, String>("start_time")?),
        duration_ns: r.get("duration_ns")?,
        agent_id: r.get("agent_id")?,
        tool_name: r.get("tool_name")?,
        model: r.get("model")?,
        input_tokens: r.get("input_tokens")?,
        output_tokens: r.get("output_tokens")?,
        total_tokens: r.get("total_tokens")?,
        cost_total: r.get("cost_total")?,
        input: r.get::<_, Option<String>>("input")?.map(|s| cut_chars(s, max_text)),
        output: r.get::<_, Option<String>>("output")?.map(|s| cut_chars(s, max_text)),
        attributes: serde_json::from_str(&r.get::<_, String>("attributes_json")?).unwrap_or_default(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpanParams {
    cursor: Option<String>,
    limit: i64,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    trace_id: Option<String>,
    text: Option<String>,
    scope: Option<t::SpanScope>,
    sort: Option<t::SpanSort>,
    order: Option<t::SortOrder>,
}

async fn list_spans(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::SpanPage>> {
    caller(&state, &headers, &project_id, false)?;
    let p: SpanParams = crate::extract::query(raw.as_deref())?;
    let (since, until) = check_window(p.since, p.until)?;
    let column = match p.sort {
        Some(t::SpanSort::DurationNs) => "s.duration_ns",
        Some(t::SpanSort::CostTotal) => "s.cost_total",
        Some(t::SpanSort::TotalTokens) => "s.total_tokens",
        _ => "s.start_time",
    };
    let scope = match p.scope {
        Some(t::SpanScope::Root) => "s.parent_id IS NULL",
        // The first span of each agent execution: the trace's root span.
        Some(t::SpanScope::Entrypoint) => "s.parent_id IS NULL AND s.agent_id IS NOT NULL",
        _ => "1",
    };
    let like = p
        .text
        .map(|t| format!("%{}%", t.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    let conn = state.db.lock();
    let columns = SPAN_COLUMNS
        .split(", ")
        .map(|c| format!("s.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let (items, next_cursor) = Select::new(&format!("SELECT {columns} FROM spans s WHERE {scope}"))
        .and("s.project_id = ?", project_id)
        .and_opt("s.trace_id = ?", p.trace_id)
        .and_opt("s.start_time >= ?", since)
        .and_opt("s.start_time < ?", until)
        .and_opt(
            "(s.name LIKE ? ESCAPE '\\' OR s.tool_name LIKE ? ESCAPE '\\' OR s.status_message LIKE ? ESCAPE '\\' OR s.input LIKE ? ESCAPE '\\' OR s.output LIKE ? ESCAPE '\\')",
            like,
        )
        .page(&conn, &format!("{column} {}, s.id", order(p.order)), &Page { cursor: p.cursor, limit: p.limit }, |r| span_row(r, LIST_TEXT))?;
    Ok(Json(t::SpanPage { items, next_cursor }))
}

async fn get_span(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, span_id)): Path<(String, String)>,
) -> ApiResult<Json<t::Span>> {
    caller(&state, &headers, &project_id, false)?;
    let conn = state.db.lock();
    conn.query_row(
        &format!("SELECT {SPAN_COLUMNS} FROM spans WHERE project_id = ?1 AND id = ?2"),
        params![project_id, span_id],
        |r| span_row(r, 20_000),
    )
    .optional()?
    .map(Json)
    .ok_or_else(|| ApiError::not_found("span", &span_id))
}

// ---------------------------------------------------------------------------------------------
// Agents

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentParams {
    cursor: Option<String>,
    limit: i64,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

/// Agents with their executions (traces) in the window; an agent without traces in the
/// window still appears, with zero.
fn agents(
    conn: &Connection,
    project_id: &str,
    agent_id: Option<&str>,
    since: Option<String>,
    until: Option<String>,
    page: &Page,
) -> ApiResult<(Vec<t::Agent>, Option<String>)> {
    let since = since.unwrap_or_default();
    let until = until.unwrap_or_else(|| "9999".into());
    Select::new(
        "SELECT a.id, a.name, \
           (SELECT COUNT(*) FROM traces tr WHERE tr.project_id = a.project_id AND tr.agent_id = a.id AND tr.started_at >= ?1 AND tr.started_at < ?2) AS executions, \
           (SELECT COUNT(*) FROM traces tr WHERE tr.project_id = a.project_id AND tr.agent_id = a.id AND tr.status = 'error' AND tr.started_at >= ?1 AND tr.started_at < ?2) AS error_executions, \
           (SELECT COALESCE(SUM(span_count), 0) FROM traces tr WHERE tr.project_id = a.project_id AND tr.agent_id = a.id AND tr.started_at >= ?1 AND tr.started_at < ?2) AS span_count, \
           (SELECT MIN(started_at) FROM traces tr WHERE tr.project_id = a.project_id AND tr.agent_id = a.id) AS first_seen_at, \
           (SELECT MAX(started_at) FROM traces tr WHERE tr.project_id = a.project_id AND tr.agent_id = a.id) AS last_seen_at, \
           (SELECT id FROM halo_conversations c WHERE c.project_id = a.project_id AND c.agent_id = a.id ORDER BY updated_at DESC LIMIT 1) AS latest_halo_conversation_id \
         FROM agents a WHERE 1",
    )
    .with_args([since.into(), until.into()])
    .and("a.project_id = ?", project_id.to_string())
    .and_opt("(a.id = ? OR a.name = ?)", agent_id.map(String::from))
    .page(conn, "executions DESC, a.id", page, |r| {
        let first: Option<String> = r.get("first_seen_at")?;
        let last: Option<String> = r.get("last_seen_at")?;
        Ok(t::Agent {
            id: r.get("id")?,
            name: r.get("name")?,
            executions: r.get("executions")?,
            error_executions: r.get("error_executions")?,
            span_count: Some(r.get("span_count")?),
            first_seen_at: first.as_deref().map(parse_ts).unwrap_or_default(),
            last_seen_at: last.as_deref().map(parse_ts).unwrap_or_default(),
            latest_halo_conversation_id: r.get("latest_halo_conversation_id")?,
        })
    })
}

async fn list_agents(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::AgentPage>> {
    caller(&state, &headers, &project_id, false)?;
    let p: AgentParams = crate::extract::query(raw.as_deref())?;
    let (since, until) = check_window(p.since, p.until)?;
    let conn = state.db.lock();
    let (items, next_cursor) = agents(
        &conn,
        &project_id,
        None,
        since,
        until,
        &Page {
            cursor: p.cursor,
            limit: p.limit,
        },
    )?;
    Ok(Json(t::AgentPage { items, next_cursor }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowParams {
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
}

async fn get_agent(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, agent_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::Agent>> {
    caller(&state, &headers, &project_id, false)?;
    let p: WindowParams = crate::extract::query(raw.as_deref())?;
    let (since, until) = check_window(p.since, p.until)?;
    let conn = state.db.lock();
    let (items, _) = agents(
        &conn,
        &project_id,
        Some(&agent_id),
        since,
        until,
        &Page { cursor: None, limit: 1 },
    )?;
    items
        .into_iter()
        .next()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("agent", &agent_id))
}
