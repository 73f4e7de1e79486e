//! Tool answers as text (RESPONSES.md): compact markdown that leads with the answer, bounded,
//! with human units and the ids the next call needs.
//!
//! A response type whose answer needs more than its JSON shape implements [`Render`]; every other
//! type answers through the generic renderer ([`generic::render`]), which works from the JSON
//! shape and key names. Generated wrappers write `(&Answer(&value)).text(view)`: for a concrete
//! type that resolves to [`Dedicated`] when the type implements [`Render`] and to [`Fallback`]
//! otherwise (method resolution tries `Answer<T>` before `&Answer<T>`), so a tool on a new
//! response type answers well with no edit here.

pub mod format;
pub mod generic;
mod inference;
mod inferior;

use crate::mcp::ToolError;

/// Renders an API response for the tool (or resource URI) that asked for it.
pub trait Render {
    fn render(&self, view: &str) -> String;
}

/// A response on its way to becoming an answer; see the module docs.
pub struct Answer<'a, T>(pub &'a T);

/// The answer of a type with its own [`Render`].
pub trait Dedicated {
    fn text(&self, view: &str) -> String;
}

impl<T: Render> Dedicated for Answer<'_, T> {
    fn text(&self, view: &str) -> String {
        self.0.render(view)
    }
}

/// The generic answer of any other serializable type.
pub trait Fallback {
    fn text(&self, view: &str) -> String;
}

impl<T: serde::Serialize> Fallback for &Answer<'_, T> {
    fn text(&self, view: &str) -> String {
        generic::render(&serde_json::to_value(self.0).unwrap_or_default(), view)
    }
}

/// A success without a body.
impl Render for () {
    fn render(&self, _view: &str) -> String {
        "Done (the API answered with no content).".into()
    }
}

/// A body that is not typed JSON (an operation whose spec gives it several shapes): read whole,
/// rendered as JSON when it is, else as text; bounded like every answer.
pub async fn raw(body: progenitor_client::ByteStream, view: &str) -> Result<String, ToolError> {
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
        return Ok(().render(view));
    }
    Ok(match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(value) => generic::render(&value, view),
        Err(_) => format::cut(&String::from_utf8_lossy(&bytes), generic::MAX_CHARS),
    })
}
