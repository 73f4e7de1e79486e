//! The part of a manifest that may change without a rebuild: instructions and prompts.
//!
//! Each server embeds a copy (generated from `specs/<api>/mcp_manifest.json`); a server whose
//! API publishes a live manifest fetches it once at start and uses it instead, so a prompt
//! added to the live manifest appears without a new release.

use serde::Deserialize;

/// Instructions and prompts.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub instructions: String,
    #[serde(default)]
    pub prompts: Vec<Prompt>,
}

/// One prompt: string arguments and minijinja message templates.
#[derive(Debug, Clone, Deserialize)]
pub struct Prompt {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    pub description: String,
    #[serde(default)]
    pub arguments: Vec<PromptArgument>,
    pub messages: Vec<PromptMessage>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PromptArgument {
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PromptMessage {
    pub role: Role,
    pub template: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Assistant,
}

/// Why a prompt could not be rendered.
#[derive(Debug, PartialEq, Eq)]
pub enum PromptError {
    Unknown(String),
    MissingArgument(String),
    UnknownArgument(String),
    Template(String),
}

impl std::fmt::Display for PromptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PromptError::Unknown(name) => write!(f, "unknown prompt `{name}`"),
            PromptError::MissingArgument(name) => write!(f, "missing required argument `{name}`"),
            PromptError::UnknownArgument(name) => write!(f, "unknown argument `{name}`"),
            PromptError::Template(reason) => write!(f, "the prompt template failed: {reason}"),
        }
    }
}

impl Manifest {
    /// Parses a manifest from JSON.
    pub fn parse(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    pub fn prompt(&self, name: &str) -> Option<&Prompt> {
        self.prompts.iter().find(|p| p.name == name)
    }

    /// Renders a prompt's messages with its arguments. Required arguments must be present and
    /// non-empty; absent optional ones are undefined in the template (`{% if x %}` is false).
    pub fn render(
        &self,
        name: &str,
        arguments: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Vec<(Role, String)>, PromptError> {
        let prompt = self
            .prompt(name)
            .ok_or_else(|| PromptError::Unknown(name.to_string()))?;
        for key in arguments.keys() {
            if !prompt.arguments.iter().any(|a| &a.name == key) {
                return Err(PromptError::UnknownArgument(key.clone()));
            }
        }
        let mut context = std::collections::BTreeMap::new();
        for argument in &prompt.arguments {
            let value = arguments.get(&argument.name).and_then(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Null => None,
                other => Some(other.to_string()),
            });
            match value {
                Some(v) if !v.trim().is_empty() => {
                    context.insert(argument.name.clone(), v);
                }
                _ if argument.required => return Err(PromptError::MissingArgument(argument.name.clone())),
                _ => {}
            }
        }
        let env = minijinja::Environment::new();
        prompt
            .messages
            .iter()
            .map(|m| {
                env.render_str(&m.template, &context)
                    .map(|text| (m.role, text))
                    .map_err(|e| PromptError::Template(e.to_string()))
            })
            .collect()
    }
}

/// How long the live manifest may take at start.
pub const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Fetches a live manifest on `http` (no authentication) within [`TIMEOUT`].
pub async fn fetch(http: &reqwest::Client, url: &str) -> Result<Manifest, String> {
    let response = http
        .get(url)
        .timeout(TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("{url}: {}", e.without_url()))?;
    if !response.status().is_success() {
        return Err(format!("{url} answered HTTP {}", response.status().as_u16()));
    }
    let body = response.text().await.map_err(|e| e.without_url().to_string())?;
    Manifest::parse(&body).map_err(|e| format!("{url} is not a manifest: {e}"))
}
