//! Seed fixtures: a YAML file declaring teams, projects, API keys of both APIs, models,
//! datasets, rubrics, evals, training jobs, deployments, agents, traces (generated, or imported
//! from OpenTelemetry/OpenInference JSONL), Inferior experiences and procedures, and HALO runs to
//! analyse at seeding. `backend/fixtures/demo.yaml` is the demo; README.md documents its keys.
//!
//! A seed is applied once per data directory (its name is recorded), so restarting on the same
//! data keeps what users added. Times of generated traces are relative to the moment of seeding.

use crate::db::Db;
use crate::util::{new_id, now, ts};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, params};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The built-in demo, used by `--local`.
pub const DEMO: &str = include_str!("../fixtures/demo.yaml");
const DEMO_OTEL: &str = include_str!("../fixtures/billing-assistant.jsonl");

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Seed {
    pub name: String,
    pub teams: Vec<Team>,
    pub projects: Vec<Project>,
    pub inference_keys: Vec<InferenceKey>,
    pub models: Vec<Model>,
    pub datasets: Vec<Dataset>,
    pub rubrics: Vec<Rubric>,
    pub evals: Vec<Eval>,
    pub training_jobs: Vec<TrainingJob>,
    pub deployments: Vec<Deployment>,
    pub synthetic: Vec<Synthetic>,
    pub otel: Vec<OtelFile>,
    pub halo_runs: Vec<HaloRun>,
    pub inferior: Inferior,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub id: String,
    pub team: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InferenceKey {
    pub key: String,
    pub id: String,
    pub name: String,
    pub team: String,
    /// Project id → scopes (`read`, `write`).
    pub projects: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub default_project: Option<String>,
    #[serde(default)]
    pub rate_limit_per_minute: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub id: String,
    pub project: String,
    pub name: String,
    #[serde(default = "base")]
    pub kind: String,
    pub provider: String,
    #[serde(default)]
    pub base_model: Option<String>,
    #[serde(default)]
    pub context_window: Option<i64>,
    #[serde(default)]
    pub input_cost_per_mtok: Option<f64>,
    #[serde(default)]
    pub output_cost_per_mtok: Option<f64>,
}

fn base() -> String {
    "base".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub input: String,
    #[serde(default)]
    pub output: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    pub id: String,
    pub project: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub name: String,
    pub description: String,
    pub weight: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    pub id: String,
    pub project: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eval {
    pub id: String,
    pub project: String,
    pub name: String,
    pub dataset: String,
    pub rubric: String,
    pub model: String,
    /// `queued`, `running`, `completed` or `failed`; a completed eval needs `score`.
    pub status: String,
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(default)]
    pub days_ago: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingJob {
    pub id: String,
    pub project: String,
    pub name: String,
    pub base_model: String,
    pub dataset: String,
    /// `queued`, `running`, `succeeded`, `failed` or `cancelled`.
    pub status: String,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub days_ago: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    pub id: String,
    pub project: String,
    pub name: String,
    pub model: String,
    #[serde(default = "one")]
    pub min_replicas: i64,
    #[serde(default = "one")]
    pub max_replicas: i64,
}

fn one() -> i64 {
    1
}

/// Generated traces of one agent: each trace is a plan step (LLM), one to three tool calls
/// (failing ones retried when `retry` is set), and a reply step (LLM); LLM steps also become
/// inferences. Deterministic for a given `seed`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Synthetic {
    pub project: String,
    pub agent_id: String,
    pub agent_name: String,
    pub traces: usize,
    /// Spread over the last this many hours.
    pub hours: i64,
    pub seed: u64,
    pub model: String,
    pub input_cost_per_mtok: f64,
    pub output_cost_per_mtok: f64,
    pub tools: Vec<SyntheticTool>,
    /// Share of LLM calls that fail (as `RateLimitError`).
    #[serde(default)]
    pub llm_error_rate: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticTool {
    pub name: String,
    pub p50_ms: i64,
    #[serde(default)]
    pub error_rate: f64,
    #[serde(default)]
    pub error: Option<String>,
    /// Latency of a failing call (a timeout), if different.
    #[serde(default)]
    pub error_ms: Option<i64>,
    #[serde(default)]
    pub retry: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtelFile {
    pub project: String,
    /// Relative to the seed file; `builtin:billing-assistant` is the demo's sample.
    pub path: String,
    /// Move the spans in time so the latest ends now (sample files are old).
    #[serde(default)]
    pub shift_to_now: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HaloRun {
    pub project: String,
    pub agent: String,
    #[serde(default = "day")]
    pub lookback_hours: i64,
    #[serde(default)]
    pub prompt: Option<String>,
}

fn day() -> i64 {
    24
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Inferior {
    pub contributors: Vec<Contributor>,
    /// Scope comes from the prefix: `cw_full_`, `cw_dep_`, `cw_read_`, `cw_search_`, `cw_admin_`.
    pub keys: Vec<InferiorKey>,
    pub experiences: Vec<Experience>,
    pub procedures: Vec<Procedure>,
    pub searches: Vec<Search>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contributor {
    pub agent_id: String,
    pub display_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InferiorKey {
    pub key: String,
    pub agent_id: String,
    #[serde(default)]
    pub rate_limit_per_minute: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experience {
    pub id: String,
    pub agent_id: String,
    pub title: String,
    pub problem: String,
    pub root_cause: String,
    pub insight: String,
    pub solution: String,
    #[serde(default)]
    pub implementation: Option<String>,
    pub tags: Vec<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(default)]
    pub failed_attempt: Option<String>,
    #[serde(default)]
    pub why_failed: Option<String>,
    #[serde(default)]
    pub applies_when: Option<String>,
    #[serde(default)]
    pub does_not_apply_when: Option<String>,
    #[serde(default = "peer")]
    pub evidence_class: String,
    #[serde(default = "public")]
    pub visibility_scope: String,
    #[serde(default)]
    pub linked_procedure: Option<String>,
    #[serde(default)]
    pub helpful: i64,
    #[serde(default)]
    pub days_ago: i64,
}

fn peer() -> String {
    "peer_validated".into()
}

fn public() -> String {
    "public".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub steps: Vec<String>,
    #[serde(default)]
    pub applies_when: Option<String>,
    pub source_experience_ids: Vec<String>,
}

/// A past search (for demand hotspots and struggle areas).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    pub agent_id: String,
    pub query: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub best_score: f64,
    #[serde(default)]
    pub hours_ago: i64,
}

/// Parses a seed file; an unknown or mistyped field is named.
pub fn parse(text: &str, origin: &str) -> Result<Seed, String> {
    let de = serde_norway::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| format!("{origin}: {}: {}", e.path(), e.inner()))
}

/// Applies a seed unless one of the same name was applied to this data directory before.
/// Returns whether it was applied. All or nothing: one transaction, which takes the write lock
/// before it looks, so two processes seeding a fresh directory at once apply it once.
pub fn apply(db: &Db, seed: &Seed, base_dir: &Path) -> Result<bool, String> {
    let mut conn = db.lock();
    // BEGIN IMMEDIATE waits for the write lock (the busy timeout), then looks.
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| e.to_string())?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS seeds (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        .map_err(|e| e.to_string())?;
    let applied: bool = tx
        .query_row("SELECT COUNT(*) > 0 FROM seeds WHERE name = ?1", [&seed.name], |r| {
            r.get(0)
        })
        .map_err(|e| e.to_string())?;
    if applied {
        return Ok(false);
    }
    insert(&tx, seed, base_dir).map_err(|e| format!("seed `{}`: {e}", seed.name))?;
    tx.execute(
        "INSERT INTO seeds (name, applied_at) VALUES (?1, ?2)",
        params![seed.name, ts(now())],
    )
    .map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())?;
    // Analyse the seeded HALO runs now, so their reports exist from the first request (only
    // those: the seeded training jobs and evals keep their declared statuses).
    let stamp = ts(now());
    for _ in 0..3 {
        crate::worker::step_halo_runs(&conn, &stamp).map_err(|e| e.to_string())?;
    }
    Ok(true)
}

fn insert(tx: &Connection, s: &Seed, base_dir: &Path) -> Result<(), String> {
    let stamp = ts(now());
    let sql = |r: rusqlite::Result<usize>| r.map(|_| ()).map_err(|e| e.to_string());
    for t in &s.teams {
        sql(tx.execute("INSERT INTO teams (id, name) VALUES (?1, ?2)", params![t.id, t.name]))?;
    }
    for p in &s.projects {
        sql(tx.execute(
            "INSERT INTO projects (id, team_id, name, description, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![p.id, p.team, p.name, p.description, stamp],
        ))?;
    }
    for k in &s.inference_keys {
        if !k.key.starts_with("sk-inference-") {
            return Err(format!("key `{}` must start with sk-inference-", k.id));
        }
        sql(tx.execute(
            "INSERT INTO api_keys (key, id, name, team_id, default_project_id, rate_limit_per_minute) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![k.key, k.id, k.name, k.team, k.default_project, k.rate_limit_per_minute.unwrap_or(600)],
        ))?;
        for (project, scopes) in &k.projects {
            let has = |s: &str| scopes.iter().any(|x| x == s);
            sql(tx.execute(
                "INSERT INTO key_projects (key_id, project_id, can_read, can_write) VALUES (?1, ?2, ?3, ?4)",
                params![k.id, project, has("read"), has("write")],
            ))?;
        }
    }
    for m in &s.models {
        sql(tx.execute(
            "INSERT INTO models (id, project_id, name, kind, provider, base_model, context_window, input_cost_per_mtok, output_cost_per_mtok, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![m.id, m.project, m.name, m.kind, m.provider, m.base_model, m.context_window, m.input_cost_per_mtok, m.output_cost_per_mtok, stamp],
        ))?;
    }
    for d in &s.datasets {
        sql(tx.execute(
            "INSERT INTO datasets (id, project_id, name, description, source, row_count, created_at) VALUES (?1, ?2, ?3, ?4, 'rows', ?5, ?6)",
            params![d.id, d.project, d.name, d.description, d.rows.len() as i64, stamp],
        ))?;
        for (i, r) in d.rows.iter().enumerate() {
            sql(tx.execute(
                "INSERT INTO dataset_rows (dataset_id, idx, input, output) VALUES (?1, ?2, ?3, ?4)",
                params![d.id, i as i64, r.input, r.output],
            ))?;
        }
    }
    for r in &s.rubrics {
        sql(tx.execute(
            "INSERT INTO rubrics (id, project_id, name, description, criteria_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![r.id, r.project, r.name, r.description, serde_json::to_string(&r.criteria).unwrap_or_default(), stamp],
        ))?;
    }
    for e in &s.evals {
        let created = ts(now() - Duration::days(e.days_ago));
        let done = matches!(e.status.as_str(), "completed" | "failed").then(|| created.clone());
        sql(tx.execute(
            "INSERT INTO evals (id, project_id, name, status, dataset_id, rubric_id, model_id, score, rows_evaluated, created_at, completed_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT row_count FROM datasets WHERE id = ?5), ?9, ?10)",
            params![e.id, e.project, e.name, e.status, e.dataset, e.rubric, e.model, e.score, created, done],
        ))?;
    }
    for j in &s.training_jobs {
        let created = ts(now() - Duration::days(j.days_ago));
        let (progress, finished) = match j.status.as_str() {
            "succeeded" => (1.0, Some(created.clone())),
            "failed" | "cancelled" => (0.5, Some(created.clone())),
            "running" => (0.5, None),
            _ => (0.0, None),
        };
        sql(tx.execute(
            "INSERT INTO training_jobs (id, project_id, name, status, base_model, dataset_id, hyperparameters_json, progress, error, created_at, started_at, finished_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, '{\"epochs\":3}', ?7, ?8, ?9, ?9, ?10)",
            params![j.id, j.project, j.name, j.status, j.base_model, j.dataset, progress, j.error, created, finished],
        ))?;
    }
    for d in &s.deployments {
        sql(tx.execute(
            "INSERT INTO deployments (id, project_id, name, model_id, status, endpoint, min_replicas, max_replicas, created_at) VALUES (?1, ?2, ?3, ?4, 'active', ?5, ?6, ?7, ?8)",
            params![d.id, d.project, d.name, d.model, format!("http://localhost/deployments/{}/v1", d.id), d.min_replicas, d.max_replicas, stamp],
        ))?;
    }
    for g in &s.synthetic {
        generate(tx, g).map_err(|e| e.to_string())?;
    }
    for f in &s.otel {
        let text = if f.path == "builtin:billing-assistant" {
            DEMO_OTEL.to_string()
        } else {
            let path = base_dir.join(&f.path);
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?
        };
        crate::otel::import(tx, &f.project, &text, f.shift_to_now)?;
    }
    for r in &s.halo_runs {
        let (agent_id, agent_name): (String, String) = tx
            .query_row(
                "SELECT id, name FROM agents WHERE project_id = ?1 AND (id = ?2 OR name = ?2)",
                params![r.project, r.agent],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(|_| format!("halo run: no agent `{}` in {}", r.agent, r.project))?;
        let spec = crate::inference::halo_spec(agent_id, agent_name, r.prompt.clone(), now(), r.lookback_hours);
        crate::inference::queue_scheduled_run(tx, &r.project, &spec).map_err(|e| e.message)?;
    }
    let inf = &s.inferior;
    for c in &inf.contributors {
        sql(tx.execute(
            "INSERT INTO contributors (agent_id, display_name) VALUES (?1, ?2)",
            params![c.agent_id, c.display_name],
        ))?;
    }
    for k in &inf.keys {
        if crate::auth::Scope::from_key(&k.key).is_none() {
            return Err(format!(
                "Inferior key for `{}` has no known prefix (cw_full_, cw_dep_, cw_read_, cw_search_, cw_admin_)",
                k.agent_id
            ));
        }
        sql(tx.execute(
            "INSERT INTO inferior_keys (key, agent_id, scope, rate_limit_per_minute) VALUES (?1, ?2, ?3, ?4)",
            params![
                k.key,
                k.agent_id,
                crate::auth::Scope::from_key(&k.key)
                    .map(|s| s.name())
                    .unwrap_or_default(),
                k.rate_limit_per_minute.unwrap_or(600)
            ],
        ))?;
    }
    for p in &inf.procedures {
        sql(tx.execute(
            "INSERT INTO procedures (id, title, summary, steps_json, applies_when, source_ids_json, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![p.id, p.title, p.summary, serde_json::to_string(&p.steps).unwrap_or_default(), p.applies_when, serde_json::to_string(&p.source_experience_ids).unwrap_or_default(), stamp],
        ))?;
    }
    for e in &inf.experiences {
        crate::inferior::insert_seeded(tx, e).map_err(|err| format!("experience {}: {}", e.id, err.message))?;
    }
    for q in &inf.searches {
        sql(tx.execute(
            "INSERT INTO searches (id, agent_id, query, tags, best_score, result_count, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)",
            params![new_id("srch"), q.agent_id, q.query, q.tags.join(","), q.best_score, ts(now() - Duration::hours(q.hours_ago))],
        ))?;
    }
    Ok(())
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }

    /// A latency around `p50` (log-normal-ish spread).
    fn latency(&mut self, p50: i64) -> i64 {
        let factor = (0.5 + self.unit()) * if self.unit() < 0.1 { 2.5 } else { 1.0 };
        ((p50 as f64) * factor) as i64
    }
}

const QUESTIONS: [&str; 8] = [
    "Where is my order #48213? It was due yesterday.",
    "I was charged twice for the same subscription.",
    "Can I change the delivery address on my order?",
    "The discount code SPRING10 does not work at checkout.",
    "I want a refund for the damaged headphones.",
    "How do I reset my password? The email never arrives.",
    "Do you ship to Canada, and how long does it take?",
    "My invoice shows the wrong company name.",
];

fn generate(tx: &Connection, g: &Synthetic) -> rusqlite::Result<()> {
    let mut rng = Rng(g.seed.max(1));
    let end = now();
    tx.execute(
        "INSERT OR IGNORE INTO agents (project_id, id, name) VALUES (?1, ?2, ?3)",
        params![g.project, g.agent_id, g.agent_name],
    )?;
    for i in 0..g.traces {
        let offset = Duration::seconds(rng.range(60, g.hours * 3600));
        let start = end - offset;
        let trace_id = format!("tr_{}_{:04}", g.seed, i);
        let question = QUESTIONS[rng.range(0, QUESTIONS.len() as i64 - 1) as usize];
        let mut t = start;
        let root = format!("sp_{}_{:04}_root", g.seed, i);
        let mut spans: Vec<SpanRow> = Vec::new();
        let llm = |rng: &mut Rng, name: &str, t: &mut DateTime<Utc>, n: usize, spans: &mut Vec<SpanRow>| {
            let input_tokens = rng.range(1200, 4200);
            let output_tokens = rng.range(80, 600);
            let failed = rng.unit() < g.llm_error_rate;
            let ms = rng.latency(1400);
            let cost =
                (input_tokens as f64 * g.input_cost_per_mtok + output_tokens as f64 * g.output_cost_per_mtok) / 1e6;
            spans.push(SpanRow {
                id: format!("sp_{}_{:04}_{n:02}", g.seed, i),
                parent: Some(root.clone()),
                name: name.to_string(),
                kind: "LLM",
                start: *t,
                ms,
                error: failed.then(|| "RateLimitError: rate limit reached for requests".to_string()),
                tool: None,
                model: Some(g.model.clone()),
                tokens: Some((input_tokens, output_tokens)),
                cost,
                input: Some(question.to_string()),
                output: (!failed).then(|| "I looked into it: here is what I found and what happens next.".to_string()),
            });
            *t += Duration::milliseconds(ms);
        };
        llm(&mut rng, "plan", &mut t, 0, &mut spans);
        let calls = rng.range(1, 3) as usize;
        let mut n = 1;
        for _ in 0..calls {
            let tool = &g.tools[rng.range(0, g.tools.len() as i64 - 1) as usize];
            let attempts = if tool.retry { 4 } else { 1 };
            for _ in 0..attempts {
                let failed = rng.unit() < tool.error_rate;
                let ms = if failed {
                    tool.error_ms.unwrap_or_else(|| rng.latency(tool.p50_ms))
                } else {
                    rng.latency(tool.p50_ms)
                };
                spans.push(SpanRow {
                    id: format!("sp_{}_{:04}_{n:02}", g.seed, i),
                    parent: Some(root.clone()),
                    name: format!("tool.{}", tool.name),
                    kind: "TOOL",
                    start: t,
                    ms,
                    error: failed.then(|| tool.error.clone().unwrap_or_else(|| format!("{} failed", tool.name))),
                    tool: Some(tool.name.clone()),
                    model: None,
                    tokens: None,
                    cost: 0.0,
                    input: Some(format!(
                        "{{\"query\": \"{}\"}}",
                        question.split(' ').take(4).collect::<Vec<_>>().join(" ")
                    )),
                    output: (!failed).then(|| "{\"ok\": true}".to_string()),
                });
                t += Duration::milliseconds(ms);
                n += 1;
                if !failed {
                    break;
                }
            }
        }
        llm(&mut rng, "respond", &mut t, n, &mut spans);
        let total_ms = (t - start).num_milliseconds();
        let last_tool_failed = spans
            .iter()
            .rev()
            .find(|s| s.kind == "TOOL")
            .is_some_and(|s| s.error.is_some());
        let error = spans.iter().any(|s| s.error.is_some()) && last_tool_failed;
        spans.insert(
            0,
            SpanRow {
                id: root.clone(),
                parent: None,
                name: format!("{}.run", g.agent_id),
                kind: "AGENT",
                start,
                ms: total_ms,
                error: error.then(|| "the agent could not complete the request".to_string()),
                tool: None,
                model: None,
                tokens: None,
                cost: 0.0,
                input: Some(question.to_string()),
                output: None,
            },
        );
        write_trace(
            tx,
            &g.project,
            &trace_id,
            &format!("{} · {}", g.agent_name, question.split('?').next().unwrap_or(question)),
            &g.agent_id,
            &spans,
        )?;
    }
    Ok(())
}

/// A span to store (shared with the OTel importer).
#[derive(Debug)]
pub struct SpanRow {
    pub id: String,
    pub parent: Option<String>,
    pub name: String,
    pub kind: &'static str,
    pub start: DateTime<Utc>,
    pub ms: i64,
    pub error: Option<String>,
    pub tool: Option<String>,
    pub model: Option<String>,
    pub tokens: Option<(i64, i64)>,
    pub cost: f64,
    pub input: Option<String>,
    pub output: Option<String>,
}

/// Stores a trace, its spans, and an inference per LLM span.
pub fn write_trace(
    tx: &Connection,
    project: &str,
    trace_id: &str,
    name: &str,
    agent_id: &str,
    spans: &[SpanRow],
) -> rusqlite::Result<()> {
    let start = spans.iter().map(|s| s.start).min().unwrap_or_else(now);
    let end = spans
        .iter()
        .map(|s| s.start + Duration::milliseconds(s.ms))
        .max()
        .unwrap_or(start);
    let tokens: i64 = spans.iter().filter_map(|s| s.tokens).map(|(i, o)| i + o).sum();
    let cost: f64 = spans.iter().map(|s| s.cost).sum();
    let errors = spans.iter().filter(|s| s.error.is_some()).count() as i64;
    let status = if errors > 0 { "error" } else { "ok" };
    tx.execute(
        "INSERT INTO traces (id, project_id, name, agent_id, status, started_at, duration_ms, span_count, error_count, total_tokens, cost_usd) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![trace_id, project, name, agent_id, status, ts(start), (end - start).num_milliseconds(), spans.len() as i64, errors, tokens, cost],
    )?;
    for s in spans {
        let (input_tokens, output_tokens) = s.tokens.map_or((None, None), |(i, o)| (Some(i), Some(o)));
        let attributes = serde_json::json!({"agent.id": agent_id, "openinference.span.kind": s.kind});
        tx.execute(
            "INSERT INTO spans (id, project_id, trace_id, parent_id, name, kind, status, status_message, start_time, duration_ns, agent_id, tool_name, model, \
             input_tokens, output_tokens, total_tokens, cost_total, input, output, attributes_json) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
            params![
                s.id,
                project,
                trace_id,
                s.parent,
                s.name,
                s.kind,
                if s.error.is_some() { "error" } else { "ok" },
                s.error,
                ts(s.start),
                s.ms * 1_000_000,
                agent_id,
                s.tool,
                s.model,
                input_tokens,
                output_tokens,
                input_tokens.unwrap_or(0) + output_tokens.unwrap_or(0),
                s.cost,
                s.input,
                s.output,
                attributes.to_string()
            ],
        )?;
        if let (Some(model), Some((i, o))) = (&s.model, s.tokens) {
            let (error_type, error_message) = match &s.error {
                Some(e) => {
                    let (ty, msg) = e.split_once(": ").unwrap_or(("Error", e));
                    (Some(ty.to_string()), Some(msg.to_string()))
                }
                None => (None, None),
            };
            tx.execute(
                "INSERT INTO inferences (id, project_id, model, status, created_at, latency_ms, input_tokens, output_tokens, cost_usd, error_type, error_message, \
                 trace_id, span_id, agent_id, input, output) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                params![
                    format!("inf_{}", s.id.trim_start_matches("sp_")),
                    project,
                    model,
                    if s.error.is_some() { "error" } else { "success" },
                    ts(s.start),
                    s.ms,
                    i,
                    o,
                    s.cost,
                    error_type,
                    error_message,
                    trace_id,
                    s.id,
                    agent_id,
                    s.input,
                    s.output
                ],
            )?;
        }
    }
    Ok(())
}
