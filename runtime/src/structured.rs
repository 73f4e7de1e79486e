//! Structured tool results (MCP `outputSchema` / `structuredContent`, since 2025-06-18): a tool
//! whose answer has a shape declares it, and its result carries the value beside the text.
//!
//! The text stays the answer (RESPONSES.md). Some hosts show the model the structured value in
//! its place, losing the layout, the next steps and the brevity of the text: Claude Code passes
//! the model `JSON.stringify(structuredContent)` and drops the text whenever a result has both
//! (anthropics/claude-code#79944, open, seen up to 2.1.280). [`StructuredOutput::Auto`] therefore
//! leaves structure out for those hosts, by the name they give in `clientInfo`.

use rmcp::RoleServer;
use rmcp::service::RequestContext;
use serde_json::Value;

/// When tools/list carries output schemas and tool results their structured content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StructuredOutput {
    /// For every client but those known to show the model structured content instead of the
    /// text ([`TEXT_ONLY_CLIENTS`]).
    #[default]
    Auto,
    /// For every client.
    Always,
    /// For none: text only.
    Never,
}

impl std::str::FromStr for StructuredOutput {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "always" => Ok(Self::Always),
            "never" => Ok(Self::Never),
            other => Err(format!("`{other}` is not one of auto, always, never")),
        }
    }
}

/// The `clientInfo` names of hosts that show the model `structuredContent` in place of the text.
const TEXT_ONLY_CLIENTS: &[&str] = &["claude-code"];

impl StructuredOutput {
    /// Whether the client of this request gets structured output.
    pub(crate) fn for_request(self, context: &RequestContext<RoleServer>) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => {
                // A session's client said who it is at initialize; a 2026-07-28 client says it
                // in each request's `_meta`.
                let name = context
                    .peer
                    .peer_info()
                    .map(|info| info.client_info.name.clone())
                    .or_else(|| context.meta.client_info().map(|info| info.name));
                !name.is_some_and(|name| TEXT_ONLY_CLIENTS.contains(&name.as_str()))
            }
        }
    }
}

/// What a tool answers: the text, and its value when the tool declares an output schema and the
/// client takes structured output.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub text: String,
    pub structured: Option<Value>,
}

impl Answer {
    /// An answer of text alone.
    pub fn text(text: String) -> Self {
        Self { text, structured: None }
    }

    /// The answer with its structured value wrapped as `{property: value}`: an output schema's
    /// root is an object, so codegen wraps an answer that is not one.
    pub fn wrapped(mut self, property: &str) -> Self {
        self.structured = self.structured.map(|value| {
            let mut object = serde_json::Map::new();
            object.insert(property.to_string(), value);
            Value::Object(object)
        });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapped_answer_keeps_its_text_and_wraps_its_value_only() {
        let answer = Answer {
            text: "2 items".into(),
            structured: Some(serde_json::json!([1, 2])),
        };
        let wrapped = answer.wrapped("result");
        assert_eq!(wrapped.text, "2 items");
        assert_eq!(wrapped.structured, Some(serde_json::json!({"result": [1, 2]})));
        assert_eq!(Answer::text("t".into()).wrapped("result").structured, None);
    }

    #[test]
    fn modes_parse_from_their_names() {
        assert_eq!("never".parse::<StructuredOutput>(), Ok(StructuredOutput::Never));
        assert!("sometimes".parse::<StructuredOutput>().is_err());
    }
}
