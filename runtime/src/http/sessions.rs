//! Sessions bound to the key that opened them. A session id is a bearer of the conversation it
//! names (its in-flight results, resumption with `Last-Event-ID`, its `DELETE`), so a request
//! that names a session must carry the key that opened it: any other key, or none, gets the
//! same 404 an unknown session gets, and learns nothing. Keys are remembered as [`key_hash`]es
//! and session ids as hashes too, so neither is kept in memory or logged.
//!
//! Sessions are capped per key and in total, so one caller cannot exhaust the server: past a
//! cap a new session gets 429 (per key) or 503 (in total) until one is closed or expires. A
//! session expires after its idle time without a request ([`Sessions`]); either way its place,
//! its binding and its memory are given back.

use super::memory::Trim;
use super::{bearer, json_error};
use crate::key_hash;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::Stream;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::WorkerTransport;
use rmcp::transport::streamable_http_server::SessionManager;
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError, LocalSessionWorker,
};
use rmcp::transport::streamable_http_server::session::{ServerSseMessage, SessionId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The header that names a session.
const SESSION_HEADER: &str = "mcp-session-id";
/// The header that names a request's method (from 2026-07-28).
const METHOD_HEADER: &str = "mcp-method";

/// How many sessions may be open at once, and for how long without a request.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    pub total: usize,
    pub per_key: usize,
    /// A session closes after this long without a request.
    pub idle: Duration,
}

/// Who opened each live session, and the sessions being opened.
pub struct Owners {
    state: Mutex<State>,
    caps: Caps,
}

#[derive(Default)]
struct State {
    /// Session hash → (key hash, or `None` for no key; last use).
    open: HashMap<u64, (Option<u64>, Instant)>,
    /// Sessions whose `initialize` is in flight, per key hash: they count against the caps, so
    /// concurrent initializes cannot pass a cap together.
    opening: HashMap<Option<u64>, usize>,
}

/// A place held for a session being opened, given back when dropped.
struct Opening<'a> {
    owners: &'a Owners,
    owner: Option<u64>,
}

impl Opening<'_> {
    /// The session opened: it takes the place.
    fn opened(self, session: u64) {
        self.owners.lock().open.insert(session, (self.owner, Instant::now()));
    }
}

impl Drop for Opening<'_> {
    fn drop(&mut self) {
        let mut state = self.owners.lock();
        if let Some(n) = state.opening.get_mut(&self.owner) {
            *n -= 1;
            if *n == 0 {
                state.opening.remove(&self.owner);
            }
        }
    }
}

impl Owners {
    pub fn new(caps: Caps) -> Self {
        Self {
            state: Mutex::default(),
            caps,
        }
    }

    /// Holds a place for a session `owner` opens, or says which cap refuses it.
    fn reserve(&self, owner: Option<u64>) -> Result<Opening<'_>, Box<Response>> {
        // Every close ends a binding (see [`Sessions`]); one whose close was missed goes once it
        // is twice as old as any live session can be.
        let now = Instant::now();
        let stale = self.caps.idle.saturating_mul(2);
        let mut state = self.lock();
        state.open.retain(|_, (_, last)| now.duration_since(*last) < stale);
        let opening = state.opening.get(&owner).copied().unwrap_or(0);
        let theirs = opening + state.open.values().filter(|(o, _)| *o == owner).count();
        if theirs >= self.caps.per_key {
            return Err(Box::new(json_error(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_sessions",
                &format!(
                    "this key already has {theirs} open sessions (the limit is {}); close one (DELETE /mcp with its Mcp-Session-Id) or wait for an idle one to expire",
                    self.caps.per_key
                ),
            )));
        }
        let all = state.open.len() + state.opening.values().sum::<usize>();
        if all >= self.caps.total {
            return Err(Box::new(json_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "too_many_sessions",
                &format!("the server has {all} open sessions, its limit; try again in a few minutes"),
            )));
        }
        *state.opening.entry(owner).or_default() += 1;
        Ok(Opening { owners: self, owner })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `owner` opened `session` (refreshing its binding when it did).
    fn owns(&self, session: u64, owner: Option<u64>) -> bool {
        match self.lock().open.get_mut(&session) {
            Some((opener, last)) if *opener == owner => {
                *last = Instant::now();
                true
            }
            _ => false,
        }
    }

    fn close(&self, session: u64) {
        self.lock().open.remove(&session);
    }
}

/// rmcp's in-memory sessions, each closed after [`Caps::idle`] without a request; every close
/// (a `DELETE`, an expiry, a client gone) also ends the session's binding and gives its memory
/// back ([`Trim`]).
pub struct Sessions {
    inner: LocalSessionManager,
    owners: Arc<Owners>,
    trim: Arc<Trim>,
}

impl Sessions {
    pub fn new(owners: Arc<Owners>) -> Self {
        let mut inner = LocalSessionManager::default();
        inner.session_config.keep_alive = Some(owners.caps.idle);
        Self {
            inner,
            owners,
            trim: Arc::default(),
        }
    }
}

/// Everything but closing is rmcp's.
impl SessionManager for Sessions {
    type Error = LocalSessionManagerError;
    type Transport = WorkerTransport<LocalSessionWorker>;

    fn create_session(&self) -> impl Future<Output = Result<(SessionId, Self::Transport), Self::Error>> + Send {
        self.inner.create_session()
    }

    fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> impl Future<Output = Result<ServerJsonRpcMessage, Self::Error>> + Send {
        self.inner.initialize_session(id, message)
    }

    fn has_session(&self, id: &SessionId) -> impl Future<Output = Result<bool, Self::Error>> + Send {
        self.inner.has_session(id)
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        let closed = self.inner.close_session(id).await;
        self.owners.close(key_hash(id));
        self.trim.soon();
        closed
    }

    fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> impl Future<Output = Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error>> + Send
    {
        self.inner.create_stream(id, message)
    }

    fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.accept_message(id, message)
    }

    fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> impl Future<Output = Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error>> + Send
    {
        self.inner.create_standalone_stream(id)
    }

    fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> impl Future<Output = Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error>> + Send
    {
        self.inner.resume(id, last_event_id)
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
        // Only a POST without a session opens one (an `initialize`); a request whose
        // `Mcp-Method` names another method (2026-07-28, which has no sessions) holds no place.
        let opens = request.method() == Method::POST
            && request
                .headers()
                .get(METHOD_HEADER)
                .is_none_or(|method| method.as_bytes() == b"initialize");
        if !opens {
            return next.run(request).await;
        }
        let place = match owners.reserve(owner) {
            Ok(place) => place,
            Err(refused) => return *refused,
        };
        let response = next.run(request).await;
        if let Some(id) = response.headers().get(SESSION_HEADER) {
            place.opened(key_hash(&String::from_utf8_lossy(id.as_bytes())));
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
    let mut response = next.run(request).await;
    // The binding itself ends with the session, in [`Sessions::close_session`].
    if closing && response.status().is_success() {
        // rmcp answers 202, which the Python SDK reports as "Session termination failed": the
        // session is gone, so say 204 as the other SDKs' servers do.
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(owners: &Owners, owner: u64) -> u16 {
        owners.reserve(Some(owner)).err().map_or(0, |r| r.status().as_u16())
    }

    #[test]
    fn sessions_being_opened_count_against_the_caps() {
        let owners = Owners::new(Caps {
            total: 3,
            per_key: 2,
            idle: Duration::from_secs(60),
        });
        let first = owners.reserve(Some(1)).unwrap();
        let second = owners.reserve(Some(1)).unwrap();
        assert_eq!(refused(&owners, 1), 429, "two initializes in flight fill the key's cap");
        drop(second);
        let second = owners.reserve(Some(1)).unwrap();
        assert_eq!(
            refused(&owners, 1),
            429,
            "a failed initialize gave its place back, once"
        );
        first.opened(10);
        second.opened(11);
        assert_eq!(refused(&owners, 1), 429, "opened sessions keep their places");
        let other = owners.reserve(Some(2)).unwrap();
        assert_eq!(refused(&owners, 3), 503, "the total cap counts every key");
        drop(other);
        owners.close(10);
        assert_eq!(refused(&owners, 1), 0, "a closed session frees its place");
        assert!(owners.owns(11, Some(1)) && !owners.owns(11, Some(2)));
    }
}
