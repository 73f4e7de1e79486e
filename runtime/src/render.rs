//! Tool answers as text (RESPONSES.md): compact markdown that leads with the answer, bounded,
//! with human units and the ids the next call needs.
//!
//! A generated wrapper answers in one of three ways, as its manifest entry says: through a
//! [`View`] (the manifest's `view`: lead line, list columns, detail fields, next step), through a
//! hand-written renderer (the manifest's `renderer`, for what a view cannot say), or, with
//! neither, through the generic renderer ([`answer`]), which works from the JSON shape and key
//! names. So a tool on a new response type answers well with no Rust written.

pub mod format;
pub mod generic;
mod view;

pub use view::{View, template_with as template};

use crate::ToolError;

/// What a success without a body answers.
const NO_CONTENT: &str = "Done (the API answered with no content).";

/// The generic answer of any response, `tool` being the tool (or resource URI) that asked.
pub fn answer<T: serde::Serialize>(value: &T, tool: &str) -> String {
    match serde_json::to_value(value).unwrap_or_default() {
        serde_json::Value::Null => NO_CONTENT.into(),
        value => generic::render(&value, tool),
    }
}

/// A response rendered through its manifest [`View`].
pub fn with_view<T: serde::Serialize>(value: &T, tool: &str, view: &View) -> String {
    match serde_json::to_value(value).unwrap_or_default() {
        serde_json::Value::Null => NO_CONTENT.into(),
        value => view.render(&value, tool),
    }
}

/// A body that is not typed JSON (an operation whose spec gives it several shapes): read whole,
/// rendered as JSON when it is, else as text; bounded like every answer.
pub async fn raw(body: progenitor_client::ByteStream, tool: &str) -> Result<String, ToolError> {
    use futures_util::TryStreamExt;
    let mut bytes = Vec::new();
    let mut stream = body.into_inner();
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(|e| ToolError::BadResponse(format!("the body could not be read: {e}")))?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > 4 * generic::MAX_CHARS {
            break;
        }
    }
    if bytes.is_empty() {
        return Ok(NO_CONTENT.into());
    }
    Ok(match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(value) => generic::render(&value, tool),
        Err(_) => format::cut(&String::from_utf8_lossy(&bytes), generic::MAX_CHARS),
    })
}
