//! Background work, one step per tick: training jobs, evals and deployments move through their
//! statuses; HALO runs go queued → exporting → running → completed (or failed) with the analysis
//! written as the conversation's assistant message; active schedules fire when due. State lives
//! in the database, so work resumes after a restart.

use crate::db::Db;
use crate::inference::report::{self, SpanFacts};
use crate::util::{new_id, now, parse_ts, ts};
use rusqlite::{Connection, params};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Runs until the task is dropped.
pub async fn run(db: Db, wake: Arc<Notify>, tick: Duration) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = wake.notified() => tokio::time::sleep(tick / 4).await,
        }
        let conn = db.lock();
        if let Err(e) = step(&conn) {
            tracing::error!("background step failed: {e}");
        }
    }
}

/// One step of every piece of pending work.
pub fn step(conn: &Connection) -> rusqlite::Result<()> {
    let stamp = ts(now());
    // Deployments become active.
    conn.execute(
        "UPDATE deployments SET status = 'active', updated_at = ?1 WHERE status IN ('pending', 'updating')",
        [&stamp],
    )?;
    // Training: queued → running → progress → succeeded with an output model.
    conn.execute(
        "UPDATE training_jobs SET progress = MIN(1.0, progress + 0.25) WHERE status = 'running'",
        [],
    )?;
    conn.execute(
        "UPDATE training_jobs SET status = 'running', started_at = ?1, progress = 0 WHERE status = 'queued'",
        [&stamp],
    )?;
    let finished: Vec<(String, String, String, String)> = {
        let mut stmt = conn.prepare(
            "SELECT id, project_id, name, base_model FROM training_jobs WHERE status = 'running' AND progress >= 1.0",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?
    };
    for (id, project, name, base) in finished {
        let model_id = new_id("mdl");
        conn.execute(
            "INSERT INTO models (id, project_id, name, kind, provider, base_model, training_job_id, context_window, created_at) \
             SELECT ?1, ?2, ?3, 'fine_tuned', provider, ?4, ?5, context_window, ?6 FROM models WHERE project_id = ?2 AND name = ?4 LIMIT 1",
            params![model_id, project, format!("ft:{base}:{name}"), base, id, stamp],
        )?;
        conn.execute(
            "UPDATE training_jobs SET status = 'succeeded', output_model_id = ?2, finished_at = ?3 WHERE id = ?1",
            params![id, model_id, stamp],
        )?;
    }
    // Evals: queued → running → completed, graded by the local heuristic.
    let running: Vec<(String, String, String)> = {
        let mut stmt = conn.prepare("SELECT id, dataset_id, rubric_id FROM evals WHERE status = 'running'")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?
    };
    for (id, dataset, rubric) in running {
        grade(conn, &id, &dataset, &rubric, &stamp)?;
    }
    conn.execute("UPDATE evals SET status = 'running' WHERE status = 'queued'", [])?;
    step_halo_runs(conn, &stamp)?;
    fire_schedules(conn)?;
    Ok(())
}

/// One step of every HALO run that has not ended.
pub fn step_halo_runs(conn: &Connection, stamp: &str) -> rusqlite::Result<()> {
    let runs: Vec<(String, String)> = {
        let mut stmt =
            conn.prepare("SELECT id, status FROM halo_runs WHERE status IN ('queued', 'exporting', 'running')")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    for (id, status) in runs {
        match status.as_str() {
            "queued" => conn.execute(
                "UPDATE halo_runs SET status = 'exporting', started_at = ?2 WHERE id = ?1",
                params![id, stamp],
            )?,
            "exporting" => conn.execute("UPDATE halo_runs SET status = 'running' WHERE id = ?1", [&id])?,
            _ => {
                analyse(conn, &id, stamp)?;
                0
            }
        };
    }
    Ok(())
}

/// A row passes when it has an output and its source inference (if any) succeeded.
fn grade(conn: &Connection, id: &str, dataset: &str, rubric: &str, stamp: &str) -> rusqlite::Result<()> {
    let (total, passed): (i64, i64) = conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN COALESCE(r.output, '') != '' AND COALESCE(i.status, 'success') = 'success' THEN 1 ELSE 0 END), 0) \
         FROM dataset_rows r LEFT JOIN inferences i ON i.id = r.inference_id WHERE r.dataset_id = ?1",
        [dataset],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if total == 0 {
        conn.execute(
            "UPDATE evals SET status = 'failed', error = 'the dataset has no rows', completed_at = ?2 WHERE id = ?1",
            params![id, stamp],
        )?;
        return Ok(());
    }
    let score = ((passed as f64 / total as f64) * 1000.0).round() / 1000.0;
    let criteria: Vec<serde_json::Value> = conn
        .query_row("SELECT criteria_json FROM rubrics WHERE id = ?1", [rubric], |r| {
            r.get::<_, String>(0)
        })
        .ok()
        .and_then(|c| serde_json::from_str::<Vec<serde_json::Value>>(&c).ok())
        .unwrap_or_default();
    let scores: Vec<serde_json::Value> = criteria
        .iter()
        .filter_map(|c| c.get("name"))
        .map(|n| serde_json::json!({"criterion": n, "score": score}))
        .collect();
    conn.execute(
        "UPDATE evals SET status = 'completed', score = ?2, criteria_scores_json = ?3, rows_evaluated = ?4, completed_at = ?5 WHERE id = ?1",
        params![id, score, serde_json::Value::Array(scores).to_string(), total, stamp],
    )?;
    Ok(())
}

/// Runs the analysis of one HALO run and writes its report.
fn analyse(conn: &Connection, run_id: &str, stamp: &str) -> rusqlite::Result<()> {
    let (project, conversation, agent, prompt, start, end, limit): (String, String, String, String, String, String, i64) = conn.query_row(
        "SELECT project_id, conversation_id, agent_id, prompt, window_start, window_end, span_limit FROM halo_runs WHERE id = ?1",
        [run_id],
        |r| {
            Ok((
                r.get("project_id")?,
                r.get("conversation_id")?,
                r.get("agent_id")?,
                r.get("prompt")?,
                r.get("window_start")?,
                r.get("window_end")?,
                r.get("span_limit")?,
            ))
        },
    )?;
    let agent_name: String = conn
        .query_row(
            "SELECT name FROM agents WHERE project_id = ?1 AND id = ?2",
            params![project, agent],
            |r| r.get(0),
        )
        .unwrap_or_else(|_| agent.clone());
    let spans: Vec<SpanFacts> = {
        let mut stmt = conn.prepare(
            "SELECT s.id, s.trace_id, s.name, s.kind, s.status, s.status_message, s.start_time, s.duration_ns, s.tool_name, s.model, \
             COALESCE(s.input_tokens, 0) AS input_tokens, s.total_tokens, s.cost_total FROM spans s JOIN traces tr ON tr.id = s.trace_id \
             WHERE s.project_id = ?1 AND tr.agent_id = ?2 AND s.start_time >= ?3 AND s.start_time < ?4 ORDER BY s.start_time, s.id LIMIT ?5",
        )?;
        stmt.query_map(params![project, agent, start, end, limit + 1], |r| {
            Ok(SpanFacts {
                id: r.get("id")?,
                trace_id: r.get("trace_id")?,
                name: r.get("name")?,
                kind: r.get("kind")?,
                error: r.get::<_, String>("status")? == "error",
                status_message: r.get("status_message")?,
                start_time: r.get("start_time")?,
                duration_ns: r.get("duration_ns")?,
                tool_name: r.get("tool_name")?,
                model: r.get("model")?,
                input_tokens: r.get("input_tokens")?,
                total_tokens: r.get("total_tokens")?,
                cost: r.get("cost_total")?,
            })
        })?
        .collect::<Result<_, _>>()?
    };
    if spans.is_empty() {
        conn.execute(
            "UPDATE halo_runs SET status = 'failed', spans_analyzed = 0, finished_at = ?2, error = ?3 WHERE id = ?1",
            params![
                run_id,
                stamp,
                format!("no spans of agent `{agent}` between {start} and {end}; widen the window")
            ],
        )?;
        return Ok(());
    }
    let truncated = spans.len() as i64 > limit;
    let spans = &spans[..spans.len().min(limit as usize)];
    let findings = report::analyze(spans);
    let human = |s: &str| parse_ts(s).format("%Y-%m-%d %H:%M UTC").to_string();
    let text = report::markdown(
        &agent_name,
        &agent,
        (&human(&start), &human(&end)),
        &prompt,
        spans,
        &findings,
        truncated,
    );
    let message_id = new_id("hm");
    conn.execute(
        "INSERT INTO halo_messages (id, conversation_id, role, content, run_id, created_at) VALUES (?1, ?2, 'assistant', ?3, ?4, ?5)",
        params![message_id, conversation, text, run_id, stamp],
    )?;
    conn.execute(
        "UPDATE halo_conversations SET updated_at = ?2 WHERE id = ?1",
        params![conversation, stamp],
    )?;
    conn.execute(
        "UPDATE halo_runs SET status = ?2, spans_analyzed = ?3, finished_at = ?4, report_message_id = ?5 WHERE id = ?1",
        params![
            run_id,
            if truncated { "incomplete" } else { "completed" },
            spans.len() as i64,
            stamp,
            message_id
        ],
    )?;
    Ok(())
}

/// An active schedule whose time has come.
struct DueSchedule {
    id: String,
    project: String,
    agent: String,
    cadence: String,
    time: String,
    day_of_week: Option<i32>,
    day_of_month: Option<u32>,
    prompt: Option<String>,
    lookback_hours: i64,
}

/// Fires every active schedule whose time has come, then moves it to its next slot.
fn fire_schedules(conn: &Connection) -> rusqlite::Result<()> {
    let current = now();
    let due: Vec<DueSchedule> = {
        let mut stmt = conn.prepare(
            "SELECT s.id, s.project_id, s.agent_id, s.cadence, s.time_of_day, s.day_of_week, s.day_of_month, s.prompt, s.lookback_hours \
             FROM halo_schedules s WHERE s.status = 'active' AND s.next_run_at <= ?1",
        )?;
        stmt.query_map([ts(current)], |r| {
            Ok(DueSchedule {
                id: r.get("id")?,
                project: r.get("project_id")?,
                agent: r.get("agent_id")?,
                cadence: r.get("cadence")?,
                time: r.get("time_of_day")?,
                day_of_week: r.get("day_of_week")?,
                day_of_month: r.get("day_of_month")?,
                prompt: r.get("prompt")?,
                lookback_hours: r.get("lookback_hours")?,
            })
        })?
        .collect::<Result<_, _>>()?
    };
    for DueSchedule {
        id,
        project,
        agent,
        cadence,
        time,
        day_of_week: dow,
        day_of_month: dom,
        prompt,
        lookback_hours: lookback,
    } in due
    {
        let agent_name: String = conn
            .query_row(
                "SELECT name FROM agents WHERE project_id = ?1 AND id = ?2",
                params![project, agent],
                |r| r.get(0),
            )
            .unwrap_or_else(|_| agent.clone());
        let spec = crate::inference::halo_spec(agent, agent_name, prompt, current, lookback);
        let run_id = match crate::inference::queue_scheduled_run(conn, &project, &spec) {
            Ok(run) => Some(run),
            Err(e) => {
                tracing::warn!("schedule {id} could not start a run: {}", e.message);
                None
            }
        };
        let next = crate::inference::next_fire(&cadence, &time, dow, dom, current);
        conn.execute(
            "UPDATE halo_schedules SET last_run_at = ?2, last_run_id = COALESCE(?3, last_run_id), next_run_at = ?4 WHERE id = ?1",
            params![id, ts(current), run_id, ts(next)],
        )?;
    }
    Ok(())
}
