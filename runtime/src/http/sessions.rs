//! Sessions bound to the key that opened them. A session id is a bearer of the conversation it
//! names (its in-flight results, resumption with `Last-Event-ID`, its `DELETE`), so a request
//! that names a session must carry the key that opened it: any other key, or none, gets the
//! same 404 an unknown session gets, and learns nothing. Keys are remembered as [`key_hash`]es
//! and session ids as hashes too, so neither is kept in memory or logged.
//!
//! Sessions are capped per key and in total, so one caller cannot exhaust the server: past a
//! cap a new session gets 429 (per key) or 503 (in total) until one is closed or expires.

use super::{bearer, json_error};
use crate::key_hash;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The header that names a session.
const SESSION_HEADER: &str = "mcp-session-id";

/// How long a binding outlives its session's last request (the session itself is closed
/// after 5 idle minutes).
const IDLE: Duration = Duration::from_secs(10 * 60);

/// How many sessions may be open at once.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    pub total: usize,
    pub per_key: usize,
}

/// Who opened each live session: session hash → (key hash, or `None` for no key; last use).
pub struct Owners {
    sessions: Mutex<HashMap<u64, (Option<u64>, Instant)>>,
    caps: Caps,
}

impl Owners {
    pub fn new(caps: Caps) -> Self {
        Self {
            sessions: Mutex::default(),
            caps,
        }
    }

    /// Why `owner` may not open another session now, if a cap says so.
    fn refusal(&self, owner: Option<u64>) -> Option<Response> {
        let now = Instant::now();
        let mut sessions = self.lock();
        sessions.retain(|_, (_, last)| now.duration_since(*last) < IDLE);
        let theirs = sessions.values().filter(|(o, _)| *o == owner).count();
        if theirs >= self.caps.per_key {
            return Some(json_error(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_sessions",
                &format!(
                    "this key already has {theirs} open sessions (the limit is {}); close one (DELETE /mcp with its Mcp-Session-Id) or wait for an idle one to expire",
                    self.caps.per_key
                ),
            ));
        }
        (sessions.len() >= self.caps.total).then(|| {
            json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "too_many_sessions",
                &format!(
                    "the server has {} open sessions, its limit; try again in a few minutes",
                    sessions.len()
                ),
            )
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (Option<u64>, Instant)>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `owner` opened `session` (refreshing its binding when it did).
    fn owns(&self, session: u64, owner: Option<u64>) -> bool {
        match self.lock().get_mut(&session) {
            Some((opener, last)) if *opener == owner => {
                *last = Instant::now();
                true
            }
            _ => false,
        }
    }

    fn open(&self, session: u64, owner: Option<u64>) {
        self.lock().insert(session, (owner, Instant::now()));
    }

    fn close(&self, session: u64) {
        self.lock().remove(&session);
    }
}

/// The middleware: binds a session to its opener's key, and answers 404 to any other.
pub async fn bind(owners: std::sync::Arc<Owners>, request: Request, next: Next) -> Response {
    let owner = bearer(request.headers()).map(key_hash);
    let session = request
        .headers()
        .get(SESSION_HEADER)
        .map(|v| key_hash(&String::from_utf8_lossy(v.as_bytes())));
    let Some(session) = session else {
        // Only a POST without a session opens one (an `initialize`).
        if request.method() == Method::POST
            && let Some(refused) = owners.refusal(owner)
        {
            return refused;
        }
        let response = next.run(request).await;
        if let Some(id) = response.headers().get(SESSION_HEADER) {
            owners.open(key_hash(&String::from_utf8_lossy(id.as_bytes())), owner);
        }
        return response;
    };
    if !owners.owns(session, owner) {
        return json_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "session not found: it ended, or it was opened with another key; initialize a new session",
        );
    }
    let closing = request.method() == Method::DELETE;
    let response = next.run(request).await;
    if closing && response.status().is_success() {
        owners.close(session);
    }
    response
}
