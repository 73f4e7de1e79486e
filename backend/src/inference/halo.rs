//! HALO: runs (queued → exporting → running → completed, moved by the worker), conversations
//! whose assistant messages are the reports, and schedules that fire on their cadence.

use super::{Page, Select, Table, caller, enum_str, enum_value, opt_ts};
use crate::error::{ApiError, ApiResult};
use crate::extract::Body;
use crate::server::AppState;
use crate::util::{new_id, now, parse_ts, ts};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::MethodRouter;
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Timelike, Utc};
use inference_sdk::types as t;
use inference_server::Operation;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Deserialize;

/// The handlers of HALO runs, conversations and schedules.
pub fn endpoint(op: Operation) -> Option<MethodRouter<AppState>> {
    use Operation as O;
    Some(match op {
        O::ListHaloRuns => op.handle(list_runs),
        O::CreateHaloRun => op.handle(create_run),
        O::GetHaloRun => op.handle(get_run),
        O::CancelHaloRun => op.handle(cancel_run),
        O::ListHaloConversations => op.handle(list_conversations),
        O::GetHaloConversation => op.handle(get_conversation),
        O::ListHaloSchedules => op.handle(list_schedules),
        O::CreateHaloSchedule => op.handle(create_schedule),
        O::GetHaloSchedule => op.handle(get_schedule),
        O::PauseHaloSchedule => op.handle(pause_schedule),
        O::ResumeHaloSchedule => op.handle(resume_schedule),
        O::ArchiveHaloSchedule => op.handle(archive_schedule),
        _ => return None,
    })
}

/// The model that writes local reports (a deterministic analysis, not a language model).
pub const LOCAL_MODEL: &str = "halo-local-analyzer";
pub const DEFAULT_PROMPT: &str =
    "Review this agent's reliability, latency, cost and tool use; rank the failures and recommend concrete fixes.";

// ---------------------------------------------------------------------------------------------
// Runs

const HALO_RUNS: Table<t::HaloRun> = Table {
    columns: "r.id, r.conversation_id, r.agent_id, a.name, r.status, r.prompt, r.window_start, r.window_end, r.model, r.span_limit, \
    r.spans_analyzed, r.created_at, r.started_at, r.finished_at, r.error, r.report_message_id",
    from: "FROM halo_runs r LEFT JOIN agents a ON a.project_id = r.project_id AND a.id = r.agent_id",
    alias: "r.",
    listed: "1",
    order: "r.created_at DESC, r.id",
    noun: "HALO run",
    row: run_row,
};

fn run_row(r: &Row<'_>) -> rusqlite::Result<t::HaloRun> {
    Ok(t::HaloRun {
        id: r.get("id")?,
        conversation_id: r.get("conversation_id")?,
        agent_id: r.get("agent_id")?,
        agent_name: r.get("name")?,
        status: enum_value(&r.get::<_, String>("status")?)?,
        prompt: r.get("prompt")?,
        window_start: parse_ts(&r.get::<_, String>("window_start")?),
        window_end: parse_ts(&r.get::<_, String>("window_end")?),
        model: r.get("model")?,
        span_limit: std::num::NonZeroU64::new(r.get::<_, i64>("span_limit")?.max(0) as u64)
            .unwrap_or(std::num::NonZeroU64::MIN),
        spans_analyzed: r.get("spans_analyzed")?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?),
        started_at: opt_ts(r.get("started_at")?),
        finished_at: opt_ts(r.get("finished_at")?),
        error: r.get("error")?,
        report_message_id: r.get("report_message_id")?,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunParams {
    cursor: Option<String>,
    limit: i64,
    agent_id: Option<String>,
    status: Option<t::HaloRunStatus>,
}

async fn list_runs(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::HaloRunPage>> {
    caller(&state, &headers, &project_id, false)?;
    let p: RunParams = crate::extract::query(raw.as_deref())?;
    let conn = state.db.lock();
    let page = Page {
        cursor: p.cursor,
        limit: p.limit,
    };
    let (items, next_cursor) = HALO_RUNS.list(&conn, &project_id, &page, |s| {
        s.and_opt("r.agent_id = ?", p.agent_id)
            .and_opt("r.status = ?", p.status.as_ref().map(enum_str))
    })?;
    Ok(Json(t::HaloRunPage { items, next_cursor }))
}

/// The agent's id and name, by id or name.
pub fn find_agent(conn: &Connection, project_id: &str, agent: &str) -> ApiResult<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT id, name FROM agents WHERE project_id = ?1 AND (id = ?2 OR name = ?2)",
            params![project_id, agent],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// What a run analyses.
pub struct RunSpec {
    pub agent_id: String,
    pub agent_name: String,
    pub prompt: String,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub span_limit: u64,
    pub conversation_id: Option<String>,
}

/// Queues a run (in a new conversation unless one is given) and returns its id.
pub fn queue_run(conn: &Connection, project_id: &str, spec: &RunSpec) -> ApiResult<String> {
    let stamp = ts(now());
    let conversation_id = match &spec.conversation_id {
        Some(id) => {
            let agent: Option<String> = conn
                .query_row(
                    "SELECT agent_id FROM halo_conversations WHERE project_id = ?1 AND id = ?2",
                    params![project_id, id],
                    |r| r.get(0),
                )
                .optional()?;
            match agent {
                Some(a) if a == spec.agent_id => {}
                Some(_) => {
                    return Err(ApiError::unprocessable(
                        "conversation_mismatch",
                        format!("conversation {id} is about another agent"),
                    )
                    .detail("field", "conversation_id"));
                }
                None => {
                    return Err(ApiError::unprocessable(
                        "unknown_reference",
                        format!("`conversation_id` names `{id}`, which this project does not have"),
                    )
                    .detail("field", "conversation_id"));
                }
            }
            conn.execute(
                "UPDATE halo_conversations SET updated_at = ?2 WHERE id = ?1",
                params![id, stamp],
            )?;
            id.clone()
        }
        None => {
            let id = new_id("hc");
            let title = format!(
                "HALO: {} — {}",
                spec.agent_name,
                spec.window_end.format("%Y-%m-%d %H:%M UTC")
            );
            conn.execute(
                "INSERT INTO halo_conversations (id, project_id, agent_id, title, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![id, project_id, spec.agent_id, title, stamp],
            )?;
            id
        }
    };
    let run_id = new_id("hr");
    conn.execute(
        "INSERT INTO halo_messages (id, conversation_id, role, content, run_id, created_at) VALUES (?1, ?2, 'user', ?3, ?4, ?5)",
        params![new_id("hm"), conversation_id, spec.prompt, run_id, stamp],
    )?;
    conn.execute(
        "INSERT INTO halo_runs (id, project_id, conversation_id, agent_id, status, prompt, window_start, window_end, model, span_limit, created_at) \
         VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6, ?7, ?8, ?9, ?10)",
        params![run_id, project_id, conversation_id, spec.agent_id, spec.prompt, ts(spec.window_start), ts(spec.window_end), LOCAL_MODEL, spec.span_limit as i64, stamp],
    )?;
    Ok(run_id)
}

async fn create_run(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<t::HaloRun>)> {
    caller(&state, &headers, &project_id, true)?;
    let r: t::CreateHaloRunRequest = crate::extract::json(&body)?;
    let end = r.window_end.unwrap_or_else(now);
    let start = r
        .window_start
        .unwrap_or_else(|| end - Duration::hours(i64::from(r.lookback_hours.get())));
    if start >= end {
        return Err(ApiError::bad_request(
            "window_start",
            "`window_start` must be before `window_end`",
        ));
    }
    let conn = state.db.lock();
    let (agent_id, agent_name) = find_agent(&conn, &project_id, &r.agent_id)?.ok_or_else(|| {
        ApiError::unprocessable(
            "unknown_reference",
            format!(
                "`agent_id` names `{}`, which has no traces in this project",
                *r.agent_id
            ),
        )
        .detail("field", "agent_id")
    })?;
    let spec = RunSpec {
        agent_id,
        agent_name,
        prompt: r
            .prompt
            .as_ref()
            .map_or_else(|| DEFAULT_PROMPT.to_string(), |p| p.to_string()),
        window_start: start,
        window_end: end,
        span_limit: u64::from(r.span_limit.get()),
        conversation_id: r.conversation_id.as_ref().map(|c| c.to_string()),
    };
    let id = queue_run(&conn, &project_id, &spec)?;
    state.wake.notify_one();
    Ok((StatusCode::ACCEPTED, Json(HALO_RUNS.get(&conn, &project_id, &id)?)))
}

async fn get_run(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, run_id)): Path<(String, String)>,
) -> ApiResult<Json<t::HaloRun>> {
    caller(&state, &headers, &project_id, false)?;
    Ok(Json(HALO_RUNS.get(&state.db.lock(), &project_id, &run_id)?))
}

async fn cancel_run(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, run_id)): Path<(String, String)>,
) -> ApiResult<Json<t::HaloRun>> {
    caller(&state, &headers, &project_id, true)?;
    let conn = state.db.lock();
    let run = HALO_RUNS.get(&conn, &project_id, &run_id)?;
    match run.status {
        t::HaloRunStatus::Queued | t::HaloRunStatus::Exporting | t::HaloRunStatus::Running => {
            conn.execute(
                "UPDATE halo_runs SET status = 'cancelled', finished_at = ?2 WHERE id = ?1",
                params![run_id, ts(now())],
            )?;
            Ok(Json(HALO_RUNS.get(&conn, &project_id, &run_id)?))
        }
        t::HaloRunStatus::Cancelled => Ok(Json(run)),
        other => Err(ApiError::conflict(
            "conflict",
            format!("HALO run {run_id} already ended ({other})"),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Conversations

const HALO_CONVERSATIONS: Table<t::HaloConversation> = Table {
    columns: "c.id, c.agent_id, a.name AS agent_name, c.title, c.created_at, c.updated_at, \
    (SELECT COUNT(*) FROM halo_messages m WHERE m.conversation_id = c.id) AS message_count, \
    (SELECT id FROM halo_runs r WHERE r.conversation_id = c.id ORDER BY r.created_at DESC LIMIT 1) AS latest_run_id, \
    (SELECT status FROM halo_runs r WHERE r.conversation_id = c.id ORDER BY r.created_at DESC LIMIT 1) AS latest_run_status",
    from: "FROM halo_conversations c LEFT JOIN agents a ON a.project_id = c.project_id AND a.id = c.agent_id",
    alias: "c.",
    listed: "1",
    order: "c.updated_at DESC, c.id",
    noun: "HALO conversation",
    row: conversation_row,
};

fn conversation_row(r: &Row<'_>) -> rusqlite::Result<t::HaloConversation> {
    Ok(t::HaloConversation {
        id: r.get("id")?,
        agent_id: r.get("agent_id")?,
        agent_name: r.get("agent_name")?,
        title: r.get("title")?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?),
        updated_at: parse_ts(&r.get::<_, String>("updated_at")?),
        message_count: r.get("message_count")?,
        latest_run_id: r.get("latest_run_id")?,
        latest_run_status: r
            .get::<_, Option<String>>("latest_run_status")?
            .map(|s| enum_value(&s))
            .transpose()?,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConversationParams {
    cursor: Option<String>,
    limit: i64,
    agent_id: Option<String>,
}

async fn list_conversations(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::HaloConversationPage>> {
    caller(&state, &headers, &project_id, false)?;
    let p: ConversationParams = crate::extract::query(raw.as_deref())?;
    let conn = state.db.lock();
    let page = Page {
        cursor: p.cursor,
        limit: p.limit,
    };
    let (items, next_cursor) =
        HALO_CONVERSATIONS.list(&conn, &project_id, &page, |s| s.and_opt("c.agent_id = ?", p.agent_id))?;
    Ok(Json(t::HaloConversationPage { items, next_cursor }))
}

async fn get_conversation(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, conversation_id)): Path<(String, String)>,
) -> ApiResult<Json<t::HaloConversationDetail>> {
    caller(&state, &headers, &project_id, false)?;
    let conn = state.db.lock();
    let conversation = HALO_CONVERSATIONS.get(&conn, &project_id, &conversation_id)?;
    let messages = Select::new("SELECT id, role, content, run_id, created_at FROM halo_messages WHERE 1")
        .and("conversation_id = ?", conversation_id)
        .all(&conn, "created_at, role DESC, id", 500, |r| {
            Ok(t::HaloMessage {
                id: r.get("id")?,
                role: enum_value(&r.get::<_, String>("role")?)?,
                content: r.get("content")?,
                run_id: r.get("run_id")?,
                created_at: parse_ts(&r.get::<_, String>("created_at")?),
            })
        })?;
    Ok(Json(t::HaloConversationDetail { conversation, messages }))
}

// ---------------------------------------------------------------------------------------------
// Schedules

const HALO_SCHEDULES: Table<t::HaloSchedule> = Table {
    columns: "s.id, s.agent_id, a.name, s.cadence, s.time_of_day, s.day_of_week, s.day_of_month, s.prompt, s.lookback_hours, s.status, \
    s.next_run_at, s.last_run_at, s.last_run_id, s.created_at",
    from: "FROM halo_schedules s LEFT JOIN agents a ON a.project_id = s.project_id AND a.id = s.agent_id",
    alias: "s.",
    listed: "1",
    order: "s.created_at DESC, s.id",
    noun: "HALO schedule",
    row: schedule_row,
};

fn schedule_row(r: &Row<'_>) -> rusqlite::Result<t::HaloSchedule> {
    Ok(t::HaloSchedule {
        id: r.get("id")?,
        agent_id: r.get("agent_id")?,
        agent_name: r.get("name")?,
        cadence: enum_value(&r.get::<_, String>("cadence")?)?,
        time_of_day: r.get("time_of_day")?,
        day_of_week: r.get("day_of_week")?,
        day_of_month: r
            .get::<_, Option<u32>>("day_of_month")?
            .and_then(std::num::NonZeroU32::new),
        prompt: r.get("prompt")?,
        lookback_hours: std::num::NonZeroU64::new(r.get::<_, i64>("lookback_hours")?.max(0) as u64)
            .unwrap_or(std::num::NonZeroU64::MIN),
        status: enum_value(&r.get::<_, String>("status")?)?,
        next_run_at: opt_ts(r.get("next_run_at")?),
        last_run_at: opt_ts(r.get("last_run_at")?),
        last_run_id: r.get("last_run_id")?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?),
    })
}

/// The first firing strictly after `after`: `time_of_day` is `HH:MM` UTC (for hourly schedules
/// only the minutes count); weekly on `day_of_week` (0 = Monday), monthly on `day_of_month`.
pub fn next_fire(
    cadence: &str,
    time_of_day: &str,
    day_of_week: Option<i32>,
    day_of_month: Option<u32>,
    after: DateTime<Utc>,
) -> DateTime<Utc> {
    let time = NaiveTime::parse_from_str(time_of_day, "%H:%M").unwrap_or_default();
    let at_day = |d: chrono::NaiveDate| Utc.from_utc_datetime(&d.and_time(time));
    match cadence {
        "hourly" => {
            let base = after
                .with_minute(time.minute())
                .and_then(|t| t.with_second(0))
                .and_then(|t| t.with_nanosecond(0))
                .unwrap_or(after);
            if base > after { base } else { base + Duration::hours(1) }
        }
        "weekly" => {
            let target = day_of_week.unwrap_or(0).rem_euclid(7) as u32;
            (0..=7)
                .map(|i| at_day(after.date_naive() + Duration::days(i)))
                .find(|t| *t > after && t.weekday().num_days_from_monday() == target)
                .unwrap_or(after + Duration::weeks(1))
        }
        "monthly" => {
            let day = day_of_month.unwrap_or(1).clamp(1, 28);
            let mut year = after.year();
            let mut month = after.month();
            loop {
                if let Some(date) = chrono::NaiveDate::from_ymd_opt(year, month, day) {
                    let t = at_day(date);
                    if t > after {
                        return t;
                    }
                }
                month += 1;
                if month > 12 {
                    month = 1;
                    year += 1;
                }
            }
        }
        _ => {
            let today = at_day(after.date_naive());
            if today > after {
                today
            } else {
                today + Duration::days(1)
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleParams {
    cursor: Option<String>,
    limit: i64,
    agent_id: Option<String>,
    status: Option<t::HaloScheduleStatus>,
}

async fn list_schedules(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::HaloSchedulePage>> {
    caller(&state, &headers, &project_id, false)?;
    let p: ScheduleParams = crate::extract::query(raw.as_deref())?;
    let conn = state.db.lock();
    let page = Page {
        cursor: p.cursor,
        limit: p.limit,
    };
    let (items, next_cursor) = HALO_SCHEDULES.list(&conn, &project_id, &page, |s| {
        s.and_opt("s.agent_id = ?", p.agent_id)
            .and_opt("s.status = ?", p.status.as_ref().map(enum_str))
    })?;
    Ok(Json(t::HaloSchedulePage { items, next_cursor }))
}

async fn create_schedule(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<t::HaloSchedule>)> {
    caller(&state, &headers, &project_id, true)?;
    let r: t::CreateHaloScheduleRequest = crate::extract::json(&body)?;
    let cadence = enum_str(&r.cadence);
    let lookback = r.lookback_hours.map_or(
        match r.cadence {
            t::HaloCadence::Hourly => 1,
            t::HaloCadence::Daily => 24,
            t::HaloCadence::Weekly => 168,
            t::HaloCadence::Monthly => 720,
        },
        |h| h.get(),
    );
    let conn = state.db.lock();
    let (agent_id, _) = find_agent(&conn, &project_id, &r.agent_id)?.ok_or_else(|| {
        ApiError::unprocessable(
            "unknown_reference",
            format!(
                "`agent_id` names `{}`, which has no traces in this project",
                *r.agent_id
            ),
        )
        .detail("field", "agent_id")
    })?;
    let next = next_fire(
        &cadence,
        &r.time_of_day,
        r.day_of_week,
        r.day_of_month.map(|d| d.get()),
        now(),
    );
    let id = new_id("hs");
    conn.execute(
        "INSERT INTO halo_schedules (id, project_id, agent_id, cadence, time_of_day, day_of_week, day_of_month, prompt, lookback_hours, status, next_run_at, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'active', ?10, ?11)",
        params![id, project_id, agent_id, cadence, r.time_of_day.to_string(), r.day_of_week, r.day_of_month.map(|d| d.get()), r.prompt.as_ref().map(|p| p.to_string()), lookback, ts(next), ts(now())],
    )?;
    Ok((StatusCode::CREATED, Json(HALO_SCHEDULES.get(&conn, &project_id, &id)?)))
}

async fn get_schedule(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, schedule_id)): Path<(String, String)>,
) -> ApiResult<Json<t::HaloSchedule>> {
    caller(&state, &headers, &project_id, false)?;
    Ok(Json(HALO_SCHEDULES.get(&state.db.lock(), &project_id, &schedule_id)?))
}

fn transition(
    state: &AppState,
    headers: &HeaderMap,
    project_id: &str,
    schedule_id: &str,
    to: &str,
) -> ApiResult<Json<t::HaloSchedule>> {
    caller(state, headers, project_id, true)?;
    let conn = state.db.lock();
    let s = HALO_SCHEDULES.get(&conn, project_id, schedule_id)?;
    let from = enum_str(&s.status);
    if from == to {
        return Ok(Json(s));
    }
    let next = match (from.as_str(), to) {
        ("archived", _) => {
            return Err(ApiError::conflict(
                "conflict",
                format!("HALO schedule {schedule_id} is archived; create a new one"),
            ));
        }
        (_, "active") => Some(ts(next_fire(
            &enum_str(&s.cadence),
            &s.time_of_day,
            s.day_of_week,
            s.day_of_month.map(|d| d.get()),
            now(),
        ))),
        _ => None,
    };
    conn.execute(
        "UPDATE halo_schedules SET status = ?2, next_run_at = ?3 WHERE id = ?1",
        params![schedule_id, to, next],
    )?;
    Ok(Json(HALO_SCHEDULES.get(&conn, project_id, schedule_id)?))
}

async fn pause_schedule(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, schedule_id)): Path<(String, String)>,
) -> ApiResult<Json<t::HaloSchedule>> {
    transition(&state, &headers, &project_id, &schedule_id, "paused")
}

async fn resume_schedule(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, schedule_id)): Path<(String, String)>,
) -> ApiResult<Json<t::HaloSchedule>> {
    transition(&state, &headers, &project_id, &schedule_id, "active")
}

async fn archive_schedule(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, schedule_id)): Path<(String, String)>,
) -> ApiResult<Json<t::HaloSchedule>> {
    transition(&state, &headers, &project_id, &schedule_id, "archived")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        crate::util::parse_ts(s)
    }

    #[test]
    fn schedules_fire_at_their_next_slot() {
        assert_eq!(
            next_fire("daily", "09:00", None, None, at("2026-11-21T08:00:00Z")),
            at("2026-11-21T09:00:00Z")
        );
        assert_eq!(
            next_fire("daily", "09:00", None, None, at("2026-11-21T09:00:00Z")),
            at("2026-11-22T09:00:00Z")
        );
        assert_eq!(
            next_fire("hourly", "00:15", None, None, at("2026-11-21T08:20:00Z")),
            at("2026-11-21T09:15:00Z")
        );
        // 2026-11-21 is a Saturday; weekly on Monday (0).
        assert_eq!(
            next_fire("weekly", "09:00", Some(0), None, at("2026-11-21T10:00:00Z")),
            at("2026-11-23T09:00:00Z")
        );
        assert_eq!(
            next_fire("monthly", "06:30", None, Some(1), at("2026-11-21T10:00:00Z")),
            at("2026-12-01T06:30:00Z")
        );
        assert_eq!(
            next_fire("monthly", "06:30", None, Some(1), at("2026-12-15T10:00:00Z")),
            at("2027-01-01T06:30:00Z")
        );
    }
}
