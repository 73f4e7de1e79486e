//! The SQLite store: one file per data directory, WAL journal, schema created on open.
//!
//! Durability: every acknowledged write is a committed transaction in the WAL, which survives
//! the process being killed (`synchronous = NORMAL` only risks the last transactions on a power
//! loss, not on a crash of the process).

use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// A shared connection. Queries are short; one writer at a time is what SQLite allows anyway.
#[derive(Clone)]
pub struct Db(Arc<Mutex<Connection>>);

impl Db {
    /// Opens (or creates) `dir/backend.sqlite3`.
    pub fn open(dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
        let path = dir.join("backend.sqlite3");
        let conn = Connection::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        // Two processes opening a fresh directory at once (two `--local` starts) wait for each
        // other: the busy timeout first, the WAL switch retried (SQLite answers it "locked"
        // without waiting), the schema in one transaction that takes the write lock up front.
        conn.execute_batch("PRAGMA busy_timeout = 5000;")
            .and_then(|_| retry_locked(|| conn.execute_batch("PRAGMA journal_mode = WAL;")))
            .and_then(|_| conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"))
            .and_then(|_| {
                retry_locked(|| {
                    conn.execute_batch(&format!("BEGIN IMMEDIATE; {SCHEMA} COMMIT;"))
                        .inspect_err(|_| drop(conn.execute_batch("ROLLBACK")))
                })
            })
            .map_err(|e| format!("cannot prepare {}: {e}", path.display()))?;
        Ok(Self(Arc::new(Mutex::new(conn))))
    }

    /// The connection (a poisoned lock is recovered: SQLite's own state stays consistent).
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Runs `f` until SQLite stops answering "busy" or "locked", for up to about five seconds.
pub fn retry_locked<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let mut tries = 0;
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if tries < 100
                    && matches!(
                        e.code,
                        rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                    ) =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

const SCHEMA: &str = r#"
-- Inference (Catalyst)
CREATE TABLE IF NOT EXISTS teams (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS projects (id TEXT PRIMARY KEY, team_id TEXT NOT NULL REFERENCES teams(id), name TEXT NOT NULL, description TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (key TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, team_id TEXT NOT NULL REFERENCES teams(id),
  default_project_id TEXT, rate_limit_per_minute INTEGER NOT NULL DEFAULT 600);
CREATE TABLE IF NOT EXISTS key_projects (key_id TEXT NOT NULL REFERENCES api_keys(id), project_id TEXT NOT NULL REFERENCES projects(id),
  can_read INTEGER NOT NULL, can_write INTEGER NOT NULL, PRIMARY KEY (key_id, project_id));
CREATE TABLE IF NOT EXISTS models (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, provider TEXT NOT NULL,
  base_model TEXT, training_job_id TEXT, context_window INTEGER, input_cost_per_mtok REAL, output_cost_per_mtok REAL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS datasets (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT, source TEXT NOT NULL,
  filter_json TEXT, row_count INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dataset_rows (dataset_id TEXT NOT NULL REFERENCES datasets(id), idx INTEGER NOT NULL, input TEXT NOT NULL, output TEXT,
  inference_id TEXT, PRIMARY KEY (dataset_id, idx));
CREATE TABLE IF NOT EXISTS rubrics (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT, criteria_json TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evals (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL, dataset_id TEXT NOT NULL,
  rubric_id TEXT NOT NULL, model_id TEXT NOT NULL, score REAL, criteria_scores_json TEXT, rows_evaluated INTEGER, created_at TEXT NOT NULL,
  completed_at TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS training_jobs (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL, base_model TEXT NOT NULL,
  dataset_id TEXT NOT NULL, hyperparameters_json TEXT NOT NULL, progress REAL, output_model_id TEXT, error TEXT, created_at TEXT NOT NULL,
  started_at TEXT, finished_at TEXT);
CREATE TABLE IF NOT EXISTS deployments (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, model_id TEXT NOT NULL, status TEXT NOT NULL,
  endpoint TEXT, min_replicas INTEGER NOT NULL, max_replicas INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT);
CREATE TABLE IF NOT EXISTS agents (project_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, PRIMARY KEY (project_id, id));
CREATE TABLE IF NOT EXISTS traces (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, agent_id TEXT, status TEXT NOT NULL,
  started_at TEXT NOT NULL, duration_ms INTEGER NOT NULL, span_count INTEGER NOT NULL, error_count INTEGER NOT NULL, total_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL);
CREATE INDEX IF NOT EXISTS traces_by_project ON traces (project_id, started_at);
CREATE TABLE IF NOT EXISTS spans (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, trace_id TEXT NOT NULL, parent_id TEXT, name TEXT NOT NULL,
  kind TEXT NOT NULL, status TEXT NOT NULL, status_message TEXT, start_time TEXT NOT NULL, duration_ns INTEGER NOT NULL, agent_id TEXT,
  tool_name TEXT, model TEXT, input_tokens INTEGER, output_tokens INTEGER, total_tokens INTEGER NOT NULL, cost_total REAL NOT NULL,
  input TEXT, output TEXT, attributes_json TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS spans_by_trace ON spans (trace_id, start_time);
CREATE INDEX IF NOT EXISTS spans_by_agent ON spans (project_id, agent_id, start_time);
CREATE TABLE IF NOT EXISTS inferences (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, model TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,
  latency_ms INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL, error_type TEXT,
  error_message TEXT, trace_id TEXT, span_id TEXT, agent_id TEXT, input TEXT, output TEXT);
CREATE INDEX IF NOT EXISTS inferences_by_project ON inferences (project_id, created_at);
CREATE TABLE IF NOT EXISTS halo_conversations (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, agent_id TEXT NOT NULL, title TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS halo_messages (id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,
  run_id TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS halo_runs (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, conversation_id TEXT NOT NULL, agent_id TEXT NOT NULL,
  status TEXT NOT NULL, prompt TEXT NOT NULL, window_start TEXT NOT NULL, window_end TEXT NOT NULL, model TEXT NOT NULL, span_limit INTEGER NOT NULL,
  spans_analyzed INTEGER, created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, error TEXT, report_message_id TEXT);
CREATE TABLE IF NOT EXISTS halo_schedules (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, agent_id TEXT NOT NULL, cadence TEXT NOT NULL,
  time_of_day TEXT NOT NULL, day_of_week INTEGER, day_of_month INTEGER, prompt TEXT, lookback_hours INTEGER NOT NULL, status TEXT NOT NULL,
  next_run_at TEXT, last_run_at TEXT, last_run_id TEXT, created_at TEXT NOT NULL);

-- Inferior
CREATE TABLE IF NOT EXISTS contributors (agent_id TEXT PRIMARY KEY, display_name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inferior_keys (key TEXT PRIMARY KEY, agent_id TEXT NOT NULL REFERENCES contributors(agent_id), scope TEXT NOT NULL,
  rate_limit_per_minute INTEGER NOT NULL DEFAULT 600);
CREATE TABLE IF NOT EXISTS experiences (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, agent_id TEXT NOT NULL, title TEXT NOT NULL, problem TEXT NOT NULL, root_cause TEXT NOT NULL,
  insight TEXT NOT NULL, solution_method TEXT NOT NULL, implementation TEXT, failed_attempt TEXT, why_failed TEXT, applies_when TEXT,
  does_not_apply_when TEXT, tags TEXT NOT NULL, error_message TEXT, env_versions_json TEXT NOT NULL DEFAULT '{}', evidence_class TEXT NOT NULL,
  visibility_scope TEXT NOT NULL, origin_type TEXT NOT NULL, creation_mode TEXT NOT NULL, causal_depth REAL NOT NULL, boundary_precision REAL NOT NULL,
  transferability REAL NOT NULL, worthiness REAL NOT NULL, validation_state TEXT NOT NULL, helpful_count INTEGER NOT NULL DEFAULT 0,
  unhelpful_count INTEGER NOT NULL DEFAULT 0, linked_procedure_id TEXT, content_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, updated_at TEXT);
CREATE VIRTUAL TABLE IF NOT EXISTS experiences_fts USING fts5(title, problem, root_cause, insight, solution_method, tags, error_message,
  content='experiences', content_rowid='seq', tokenize='porter unicode61');
CREATE TRIGGER IF NOT EXISTS experiences_ai AFTER INSERT ON experiences BEGIN
  INSERT INTO experiences_fts (rowid, title, problem, root_cause, insight, solution_method, tags, error_message)
  VALUES (new.seq, new.title, new.problem, new.root_cause, new.insight, new.solution_method, new.tags, new.error_message);
END;
CREATE TRIGGER IF NOT EXISTS experiences_ad AFTER DELETE ON experiences BEGIN
  INSERT INTO experiences_fts (experiences_fts, rowid, title, problem, root_cause, insight, solution_method, tags, error_message)
  VALUES ('delete', old.seq, old.title, old.problem, old.root_cause, old.insight, old.solution_method, old.tags, old.error_message);
END;
CREATE TABLE IF NOT EXISTS raw_deposits (id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, filename TEXT, content TEXT NOT NULL, tags TEXT NOT NULL,
  content_hash TEXT NOT NULL UNIQUE, status TEXT NOT NULL, normalization_status TEXT NOT NULL, bytes INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (id TEXT PRIMARY KEY, experience_id TEXT NOT NULL, agent_id TEXT NOT NULL, was_helpful INTEGER NOT NULL,
  detail TEXT NOT NULL, conditions TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS searches (id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, query TEXT NOT NULL, tags TEXT NOT NULL, best_score REAL NOT NULL,
  result_count INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS procedures (id TEXT PRIMARY KEY, title TEXT NOT NULL, summary TEXT NOT NULL, steps_json TEXT NOT NULL, applies_when TEXT,
  source_ids_json TEXT NOT NULL, updated_at TEXT NOT NULL);
"#;
