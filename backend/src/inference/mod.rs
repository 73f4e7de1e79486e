//! The Catalyst API: identity and project scope, the catalog (models, datasets, rubrics, evals,
//! training jobs, deployments), telemetry (inferences, traces, spans, agents) and HALO.

mod catalog;
mod halo;
pub mod report;
mod telemetry;

use crate::auth::{self, Caller};
use crate::error::ApiResult;
use crate::server::AppState;
pub use crate::util::Page;
use crate::util::take_page;
pub use crate::util::{enum_str, enum_value, opt_ts};
use axum::Router;
use axum::http::HeaderMap;
use rusqlite::types::Value;

/// Every operation of the spec at its route, behind the spec's checks (`inference-server`).
pub fn router() -> Router<AppState> {
    inference_server::router(
        |op| {
            catalog::endpoint(op)
                .or_else(|| telemetry::endpoint(op))
                .or_else(|| halo::endpoint(op))
        },
        crate::error::rejected,
    )
}

/// The caller, checked for `project_id` with read (or write) scope.
pub fn caller(state: &AppState, headers: &HeaderMap, project_id: &str, write: bool) -> ApiResult<Caller> {
    let caller = auth::inference_caller(&state.db, &state.limiter, headers)?;
    caller.project(project_id, write)?;
    Ok(caller)
}

/// A `SELECT` with optional filters, ordering and a page.
pub struct Select {
    sql: String,
    args: Vec<Value>,
}

impl Select {
    /// `base` ends in a `WHERE` clause (use `WHERE 1` when there is none).
    pub fn new(base: &str) -> Self {
        Self {
            sql: base.to_string(),
            args: Vec::new(),
        }
    }

    /// Binds leading positional arguments (`?1`, `?2`, ...) used by the base query.
    pub fn with_args(mut self, args: impl IntoIterator<Item = Value>) -> Self {
        self.args.extend(args);
        self
    }

    /// Adds `AND <condition>`; each bare `?` in the condition is bound to `value`.
    pub fn and(mut self, condition: &str, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        let n = self.args.len();
        // Replace bare `?` (not `?<digits>`) with this argument's index.
        let mut out = String::new();
        let mut chars = condition.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            if c == '?' && !chars.peek().is_some_and(char::is_ascii_digit) {
                out.push_str(&n.to_string());
            }
        }
        self.sql.push_str(&format!(" AND {out}"));
        self
    }

    /// Adds `AND <condition>` when `value` is given.
    pub fn and_opt<V: Into<Value>>(self, condition: &str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.and(condition, v),
            None => self,
        }
    }

    /// Runs the query for at most `max` rows in `order`.
    pub fn all<T>(
        mut self,
        conn: &rusqlite::Connection,
        order: &str,
        max: usize,
        map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> ApiResult<Vec<T>> {
        self.sql.push_str(&format!(" ORDER BY {order} LIMIT {max}"));
        let mut stmt = conn.prepare(&self.sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(self.args.iter()), map)?
            .collect::<Result<Vec<T>, _>>()?;
        Ok(rows)
    }

    /// Runs the query for one page (fetching one more row to know whether there is a next).
    pub fn page<T>(
        mut self,
        conn: &rusqlite::Connection,
        order: &str,
        page: &Page,
        map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> ApiResult<(Vec<T>, Option<String>)> {
        let (offset, limit) = page.resolve()?;
        self.sql
            .push_str(&format!(" ORDER BY {order} LIMIT {} OFFSET {offset}", limit + 1));
        let mut stmt = conn.prepare(&self.sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(self.args.iter()), map)?
            .collect::<Result<Vec<T>, _>>()?;
        Ok(take_page(rows, offset, limit))
    }
}

/// How one project-scoped resource is read: the same `SELECT`, scope, order and row mapping
/// for its list and its get, so the two cannot drift apart.
pub struct Table<T> {
    /// The columns after `SELECT` (joined ones aliased to their field names).
    pub columns: &'static str,
    /// `FROM <table> [<alias> JOIN ...]`.
    pub from: &'static str,
    /// The table's alias with its dot (`r.`), or empty.
    pub alias: &'static str,
    /// Which rows a list shows (`1`: all).
    pub listed: &'static str,
    /// A list's order, with a unique last key (`created_at DESC, id`).
    pub order: &'static str,
    /// What a 404 calls one row.
    pub noun: &'static str,
    pub row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
}

impl<T> Table<T> {
    /// One page of `project_id`'s rows, narrowed by the filters `narrow` adds.
    pub fn list(
        &self,
        conn: &rusqlite::Connection,
        project_id: &str,
        page: &Page,
        narrow: impl FnOnce(Select) -> Select,
    ) -> ApiResult<(Vec<T>, Option<String>)> {
        let select = Select::new(&format!("SELECT {} {} WHERE {}", self.columns, self.from, self.listed))
            .and(&format!("{}project_id = ?", self.alias), project_id.to_string());
        narrow(select).page(conn, self.order, page, self.row)
    }

    /// The row `id` of `project_id` (a 404 naming [`Table::noun`] when there is none).
    pub fn get(&self, conn: &rusqlite::Connection, project_id: &str, id: &str) -> ApiResult<T> {
        use rusqlite::OptionalExtension;
        let a = self.alias;
        conn.query_row(
            &format!(
                "SELECT {} {} WHERE {a}project_id = ?1 AND {a}id = ?2",
                self.columns, self.from
            ),
            rusqlite::params![project_id, id],
            self.row,
        )
        .optional()?
        .ok_or_else(|| crate::error::ApiError::not_found(self.noun, id))
    }
}

pub use halo::next_fire;

/// What a scheduled run analyses: the `lookback` hours before `at`.
pub fn halo_spec(
    agent_id: String,
    agent_name: String,
    prompt: Option<String>,
    at: chrono::DateTime<chrono::Utc>,
    lookback_hours: i64,
) -> halo::RunSpec {
    halo::RunSpec {
        agent_id,
        agent_name,
        prompt: prompt.unwrap_or_else(|| halo::DEFAULT_PROMPT.to_string()),
        window_start: at - chrono::Duration::hours(lookback_hours),
        window_end: at,
        span_limit: 10_000,
        conversation_id: None,
    }
}

/// Queues a run for a schedule.
pub fn queue_scheduled_run(conn: &rusqlite::Connection, project_id: &str, spec: &halo::RunSpec) -> ApiResult<String> {
    halo::queue_run(conn, project_id, spec)
}
