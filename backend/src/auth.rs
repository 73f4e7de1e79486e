//! Who is calling, what their key may do, and how often: bearer keys of both APIs, scopes,
//! and a per-key rate limit (a fixed window, one minute unless [`crate::Config::rate_window`]
//! shortens it).

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use axum::http::HeaderMap;
use rusqlite::OptionalExtension;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Requests per key in the current window; `override_limit` replaces every key's own limit
/// (for load tests and fuzzing).
pub struct Limiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
    override_limit: Option<u32>,
    window: Duration,
}

impl Limiter {
    pub fn new(override_limit: Option<u32>, window: Duration) -> Self {
        Self {
            windows: Mutex::default(),
            override_limit,
            window,
        }
    }

    /// Counts one request; over `limit` in the window is a 429 saying when to retry.
    pub fn check(&self, key: &str, limit: u32) -> ApiResult<()> {
        let limit = self.override_limit.unwrap_or(limit);
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let entry = windows.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > limit {
            let retry = self
                .window
                .saturating_sub(now.duration_since(entry.0))
                .as_secs_f64()
                .ceil()
                .max(1.0) as u64;
            return Err(ApiError::rate_limited(retry));
        }
        Ok(())
    }
}

/// The bearer key of a request.
fn bearer(headers: &HeaderMap) -> ApiResult<&str> {
    let value = headers
        .get("authorization")
        .ok_or_else(|| ApiError::unauthorized("missing Authorization header; send `Authorization: Bearer <key>`"))?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::unauthorized("malformed Authorization header; send `Authorization: Bearer <key>`"))
}

// ---------------------------------------------------------------------------------------------
// Inferior

/// An Inferior key's scope, from its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Full,
    Deposit,
    Read,
    Search,
    Admin,
}

impl Scope {
    pub fn from_key(key: &str) -> Option<Self> {
        [
            ("cw_full_", Scope::Full),
            ("cw_dep_", Scope::Deposit),
            ("cw_read_", Scope::Read),
            ("cw_search_", Scope::Search),
            ("cw_admin_", Scope::Admin),
        ]
        .into_iter()
        .find(|(prefix, _)| key.starts_with(prefix))
        .map(|(_, s)| s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Scope::Full => "full",
            Scope::Deposit => "deposit",
            Scope::Read => "read",
            Scope::Search => "search",
            Scope::Admin => "admin",
        }
    }
}

/// What an Inferior operation needs.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    Search,
    Read,
    Deposit,
    Feedback,
    Admin,
}

/// An authenticated Inferior caller.
#[derive(Debug, Clone)]
pub struct Agent {
    pub agent_id: String,
    pub scope: Scope,
}

impl Agent {
    /// `cw_full_` everything but admin; `cw_dep_` deposit and read (own); `cw_read_` read and
    /// feedback; `cw_search_` search only; `cw_admin_` everything.
    pub fn require(&self, need: Need) -> ApiResult<()> {
        use Scope::*;
        let allowed = match need {
            Need::Search => true,
            Need::Read => matches!(self.scope, Full | Deposit | Read | Admin),
            Need::Deposit => matches!(self.scope, Full | Deposit | Admin),
            Need::Feedback => matches!(self.scope, Full | Read | Admin),
            Need::Admin => self.scope == Admin,
        };
        let required = match need {
            Need::Search => "search",
            Need::Read => "read",
            Need::Deposit => "deposit",
            Need::Feedback => "read",
            Need::Admin => "admin",
        };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::forbidden(required, self.scope.name()))
        }
    }
}

pub fn inferior_agent(db: &Db, limiter: &Limiter, headers: &HeaderMap) -> ApiResult<Agent> {
    let key = bearer(headers)?;
    let row: Option<(String, u32)> = db
        .lock()
        .query_row(
            "SELECT agent_id, rate_limit_per_minute FROM inferior_keys WHERE key = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (agent_id, limit) = row.ok_or_else(|| ApiError::unauthorized("invalid API key"))?;
    let scope = Scope::from_key(key).ok_or_else(|| ApiError::unauthorized("invalid API key"))?;
    limiter.check(key, limit)?;
    Ok(Agent { agent_id, scope })
}

// ---------------------------------------------------------------------------------------------
// Inference (Catalyst)

/// One project a key reaches.
#[derive(Debug, Clone)]
pub struct Access {
    pub id: String,
    pub name: String,
    pub read: bool,
    pub write: bool,
}

/// An authenticated Catalyst caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: String,
    pub key_name: String,
    pub key_prefix: String,
    pub team_id: String,
    pub team_name: String,
    pub default_project_id: Option<String>,
    pub projects: Vec<Access>,
}

impl Caller {
    /// The project, if the key reaches it with the needed scope: a project outside the key is
    /// `project_not_found` (404), a missing write scope is 403.
    pub fn project(&self, project_id: &str, write: bool) -> ApiResult<&Access> {
        let access = self.projects.iter().find(|p| p.id == project_id).ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "project_not_found",
                format!("Project not found — `{project_id}` is outside this key's scope"),
            )
            .detail(
                "projects",
                self.projects.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
            )
        })?;
        if write && !access.write {
            return Err(ApiError::forbidden("write", if access.read { "read" } else { "none" }));
        }
        if !write && !access.read {
            return Err(ApiError::forbidden("read", "write"));
        }
        Ok(access)
    }
}

pub fn inference_caller(db: &Db, limiter: &Limiter, headers: &HeaderMap) -> ApiResult<Caller> {
    let key = bearer(headers)?;
    let conn = db.lock();
    let row = conn
        .query_row(
            "SELECT k.id, k.name, k.team_id, t.name, k.default_project_id, k.rate_limit_per_minute FROM api_keys k JOIN teams t ON t.id = k.team_id WHERE k.key = ?1",
            [key],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, Option<String>>(4)?, r.get::<_, u32>(5)?)),
        )
        .optional()?;
    let (key_id, key_name, team_id, team_name, default_project_id, limit) =
        row.ok_or_else(|| ApiError::unauthorized("invalid API key; project keys start with `sk-inference-`"))?;
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.name, kp.can_read, kp.can_write FROM key_projects kp JOIN projects p ON p.id = kp.project_id WHERE kp.key_id = ?1 ORDER BY p.name",
    )?;
    let projects = stmt
        .query_map([&key_id], |r| {
            Ok(Access {
                id: r.get("id")?,
                name: r.get("name")?,
                read: r.get("can_read")?,
                write: r.get("can_write")?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    drop(stmt);
    drop(conn);
    limiter.check(key, limit)?;
    let visible: String = key.chars().take("sk-inference-".len() + 4).collect();
    Ok(Caller {
        key_id,
        key_name,
        key_prefix: format!("{visible}…"),
        team_id,
        team_name,
        default_project_id,
        projects,
    })
}
