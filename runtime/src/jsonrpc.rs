//! Every incoming JSON-RPC message triaged before rmcp reads it, over stdio and HTTP alike:
//! what rmcp would drop or answer without an `id` (malformed JSON, nesting past serde's limit, a
//! lone surrogate, a batch, a message of the wrong shape, parameters a method cannot take) is
//! answered here instead, with the JSON-RPC error the spec names and the request's `id` when one
//! could be read. An `id` longer than [`MAX_ID_CHARS`] is refused rather than echoed back.
//! Each message also says what it is to a session that has not started ([`Opening`]).

use rmcp::model::{ClientJsonRpcMessage, ClientRequest, GetMeta, ProtocolVersion};
use serde_json::{Value, json};

/// The longest request `id` accepted.
pub const MAX_ID_CHARS: usize = 256;

/// JSON-RPC error codes.
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const INVALID_PARAMS: i64 = -32602;

/// A message refused, and the error answer it gets.
#[derive(Debug, PartialEq)]
pub struct Refusal {
    pub id: Value,
    pub code: i64,
    pub message: String,
}

impl Refusal {
    pub fn new(id: Value, code: i64, message: impl Into<String>) -> Self {
        Self {
            id,
            code,
            message: message.into(),
        }
    }

    /// The JSON-RPC error answer.
    pub fn answer(&self) -> Value {
        json!({"jsonrpc": "2.0", "id": self.id, "error": {"code": self.code, "message": self.message}})
    }
}

/// A message rmcp can read.
#[derive(Debug)]
pub struct Message {
    /// Its `id` (`null` for a notification).
    pub id: Value,
    /// Its `method`, for a request or notification.
    pub method: Option<String>,
    /// Whether it expects an answer (it has an `id` and a `method`).
    pub is_request: bool,
    /// What it is to a session that has not started yet.
    pub opening: Opening,
}

/// What a message is to a session that has not started: rmcp takes requests only until one
/// starts it, and ends the session on anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// It starts the session: `initialize` (up to 2025-11-25), or a request whose `_meta`
    /// carries a known protocol version and the client's capabilities (2026-07-28 and later,
    /// which have no `initialize`).
    Starts,
    /// It is answered before a session starts: `ping`, `server/discover`.
    Probe,
    /// It needs a started session.
    Needs,
}

impl Opening {
    fn of(message: &ClientJsonRpcMessage) -> Self {
        let ClientJsonRpcMessage::Request(request) = message else {
            return Self::Needs;
        };
        match &request.request {
            ClientRequest::InitializeRequest(_) => Self::Starts,
            ClientRequest::PingRequest(_) | ClientRequest::DiscoverRequest(_) => Self::Probe,
            other => {
                // rmcp's own test for a request that starts a 2026-07-28 session.
                let meta = other.get_meta();
                let complete = meta.missing_required_keys(&ProtocolVersion::V_2026_07_28).is_empty();
                let known = meta
                    .protocol_version()
                    .is_some_and(|v| ProtocolVersion::KNOWN_VERSIONS.contains(&v));
                if complete && known { Self::Starts } else { Self::Needs }
            }
        }
    }
}

/// Reads one message.
pub fn triage(bytes: &[u8]) -> Result<Message, Refusal> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| Refusal::new(Value::Null, PARSE_ERROR, format!("parse error: {e}")))?;
    if value.is_array() {
        return Err(Refusal::new(
            Value::Null,
            INVALID_REQUEST,
            "batches are not supported: send one JSON-RPC message at a time (MCP 2025-06-18 and later)",
        ));
    }
    let Some(object) = value.as_object() else {
        return Err(Refusal::new(
            Value::Null,
            INVALID_REQUEST,
            "invalid request: a JSON-RPC message must be an object",
        ));
    };
    let id = object.get("id").cloned();
    match &id {
        Some(Value::String(s)) if s.chars().count() > MAX_ID_CHARS => {
            return Err(Refusal::new(
                Value::Null,
                INVALID_REQUEST,
                format!("invalid request: the `id` is longer than {MAX_ID_CHARS} characters"),
            ));
        }
        None | Some(Value::Null | Value::String(_) | Value::Number(_)) => {}
        Some(_) => {
            return Err(Refusal::new(
                Value::Null,
                INVALID_REQUEST,
                "invalid request: the `id` must be a string or a number",
            ));
        }
    }
    let id = id.unwrap_or(Value::Null);
    let invalid = |why: &str| Refusal::new(id.clone(), INVALID_REQUEST, format!("invalid request: {why}"));
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid("`jsonrpc` must be \"2.0\""));
    }
    let method = object.get("method").map(|m| m.as_str().map(String::from));
    let is_answer = object.contains_key("result") || object.contains_key("error");
    let method = match method {
        Some(Some(m)) => Some(m),
        Some(None) => return Err(invalid("`method` must be a string")),
        None if is_answer => None,
        None => return Err(invalid("a request needs a `method`")),
    };
    // Read from the bytes again rather than from a copy of `value`: a body may be megabytes.
    let message = serde_json::from_slice::<ClientJsonRpcMessage>(bytes).map_err(|e| {
        let what = method
            .as_deref()
            .map_or("the message".to_string(), |m| format!("`{m}`"));
        Refusal::new(id.clone(), INVALID_PARAMS, format!("invalid params for {what}: {e}"))
    })?;
    Ok(Message {
        is_request: method.is_some() && !id.is_null(),
        opening: Opening::of(&message),
        method,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> Refusal {
        triage(text.as_bytes()).unwrap_err()
    }

    #[test]
    fn well_formed_messages_pass() {
        let ping = triage(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).unwrap();
        assert!(ping.is_request && ping.method.as_deref() == Some("ping"));
        let note = triage(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap();
        assert!(!note.is_request);
        assert!(triage(br#"{"jsonrpc":"2.0","id":3,"result":{}}"#).is_ok());
    }

    #[test]
    fn what_starts_a_session() {
        let opening = |text: &str| triage(text.as_bytes()).unwrap().opening;
        let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
        assert_eq!(opening(init), Opening::Starts);
        assert_eq!(opening(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#), Opening::Probe);
        assert_eq!(
            opening(
                r#"{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#
            ),
            Opening::Probe
        );
        let meta = |version: &str| {
            format!(
                r#"{{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{{"_meta":{{"io.modelcontextprotocol/protocolVersion":"{version}","io.modelcontextprotocol/clientCapabilities":{{}}}}}}}}"#
            )
        };
        assert_eq!(opening(&meta("2026-07-28")), Opening::Starts);
        assert_eq!(opening(&meta("2031-01-01")), Opening::Needs, "an unknown version");
        assert_eq!(
            opening(
                r#"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#
            ),
            Opening::Needs,
            "no client capabilities"
        );
        assert_eq!(
            opening(r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#),
            Opening::Needs
        );
        assert_eq!(
            opening(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Opening::Needs
        );
    }

    #[test]
    fn malformed_messages_are_refused_with_their_id() {
        assert_eq!(refused("{not json").code, PARSE_ERROR);
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(refused(&deep).code, PARSE_ERROR, "nesting past serde's limit");
        assert_eq!(
            refused(r#"{"jsonrpc":"2.0","id":1,"method":"ping","x":"\ud800"}"#).code,
            PARSE_ERROR
        );
        assert_eq!(
            refused(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#).code,
            INVALID_REQUEST
        );
        assert_eq!(refused(r#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#).id, json!(7));
        assert_eq!(refused(r#"{"jsonrpc":"2.0","id":"a","params":{}}"#).id, json!("a"));
        let long = refused(&format!(
            r#"{{"jsonrpc":"2.0","id":"{}","method":"ping"}}"#,
            "x".repeat(300)
        ));
        assert_eq!(long.id, Value::Null);
        assert!(long.message.contains("longer than 256"));
        let params = refused(r#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":"not an object"}"#);
        assert_eq!((params.id, params.code), (json!(9), INVALID_PARAMS));
        assert!(
            params.message.starts_with("invalid params for `tools/call`"),
            "{}",
            params.message
        );
        assert_eq!(
            refused(r#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#).code,
            INVALID_REQUEST
        );
    }
}
