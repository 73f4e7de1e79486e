//! Every incoming JSON-RPC message triaged before rmcp reads it, over stdio and HTTP alike:
//! what rmcp would drop or answer without an `id` (malformed JSON, nesting past serde's limit, a
//! lone surrogate, a batch, a message of the wrong shape, parameters a method cannot take) is
//! answered here instead, with the JSON-RPC error the spec names and the request's `id` when one
//! could be read. An `id` longer than [`MAX_ID_CHARS`] is refused rather than echoed back.

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
    if let Err(e) = serde_json::from_slice::<rmcp::model::ClientJsonRpcMessage>(bytes) {
        let what = method
            .as_deref()
            .map_or("the message".to_string(), |m| format!("`{m}`"));
        return Err(Refusal::new(
            id,
            INVALID_PARAMS,
            format!("invalid params for {what}: {e}"),
        ));
    }
    Ok(Message {
        is_request: method.is_some() && !id.is_null(),
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
