//! Spawning a server binary as an MCP host would, with rmcp's client.

use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use std::process::Stdio;

/// An address on loopback where nothing listens: API calls fail fast, nothing leaves the machine.
pub const CLOSED: &str = "http://127.0.0.1:1";

/// Starts `bin` with `env` (and nothing inherited that configures it) and initializes a session.
pub async fn spawn(bin: &str, args: &[&str], env: &[(&str, &str)]) -> RunningService<RoleClient, ()> {
    spawn_in(bin, args, env, None).await
}

/// [`spawn`] in a working directory.
pub async fn spawn_in(
    bin: &str,
    args: &[&str],
    env: &[(&str, &str)],
    cwd: Option<&std::path::Path>,
) -> RunningService<RoleClient, ()> {
    spawn_as((), bin, args, env, cwd).await
}

/// [`spawn_in`] with a client of its own (another `clientInfo`, other capabilities).
pub async fn spawn_as<H: rmcp::ClientHandler>(
    client: H,
    bin: &str,
    args: &[&str],
    env: &[(&str, &str)],
    cwd: Option<&std::path::Path>,
) -> RunningService<RoleClient, H> {
    let mut command = tokio::process::Command::new(bin);
    if let Some(dir) = cwd {
        command.current_dir(dir);
    }
    command.args(args);
    for var in [
        "INFERIOR_API_KEY",
        "INFERIOR_API_URL",
        "INFERIOR_MCP_MANIFEST_URL",
        "INFERENCE_API_KEY",
        "INFERENCE_API_URL",
        "INFERENCE_MCP_MANIFEST_URL",
        "MCP_HTTP_TIMEOUT",
        "MCP_STRUCTURED_OUTPUT",
        "RUST_LOG",
    ] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    let (transport, _stderr) = TokioChildProcess::builder(command)
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    tokio::time::timeout(std::time::Duration::from_secs(20), client.serve(transport))
        .await
        .expect("initialize within 20 s")
        .expect("initialize succeeds")
}

use crate::bin::Bin;

pub static INFERIOR: Bin = Bin::new("inferior-mcp");
pub static INFERENCE: Bin = Bin::new("inference-mcp");

/// An Inferior server whose API is unreachable (listings and local gates only).
pub async fn offline_inferior() -> RunningService<RoleClient, ()> {
    spawn(&INFERIOR, &[], &[("INFERIOR_API_URL", CLOSED)]).await
}

/// `inference-mcp --local` on a data directory in `dir`, with `key` (the demo's default
/// otherwise), for `host`.
pub async fn local_as<H: rmcp::ClientHandler>(
    host: H,
    dir: &TempDir,
    key: Option<&str>,
) -> RunningService<RoleClient, H> {
    let data = dir.path().join("data");
    let env: Vec<(&str, &str)> = key.map(|k| ("INFERENCE_API_KEY", k)).into_iter().collect();
    spawn_as(
        host,
        &INFERENCE,
        &["--local", "--data-dir", data.to_str().unwrap()],
        &env,
        None,
    )
    .await
}

/// An Inference server whose API is unreachable.
pub async fn offline_inference(args: &[&str]) -> RunningService<RoleClient, ()> {
    spawn(&INFERENCE, args, &[("INFERENCE_API_URL", CLOSED)]).await
}

/// A temporary directory, removed on drop.
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mcp-{prefix}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Calls a tool: (is_error, text). Its structured content is checked against its output schema
/// on the way ([`check_structured`]).
pub async fn call<H: rmcp::ClientHandler>(
    client: &RunningService<RoleClient, H>,
    tool: &str,
    args: serde_json::Value,
) -> (bool, String) {
    let result = call_result(client, tool, args).await;
    let text = serde_json::to_value(&result.content).unwrap()[0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (result.is_error == Some(true), text)
}

/// Calls a tool: the whole result, its structured content checked ([`check_structured`]).
pub async fn call_result<H: rmcp::ClientHandler>(
    client: &RunningService<RoleClient, H>,
    tool: &str,
    args: serde_json::Value,
) -> rmcp::model::CallToolResult {
    let params = rmcp::model::CallToolRequestParams::new(tool.to_string())
        .with_arguments(args.as_object().cloned().unwrap_or_default());
    let result = client.call_tool(params).await.unwrap_or_else(|e| panic!("{tool}: {e}"));
    check_structured(client, tool, &result).await;
    result
}

/// Text with what changes run to run replaced: generated ids, timestamps, dates and ages.
pub fn redact(text: &str) -> String {
    static RULES: std::sync::OnceLock<Vec<(regex::Regex, &'static str)>> = std::sync::OnceLock::new();
    let rules = RULES.get_or_init(|| {
        [
            (
                r"\b(exp|raw|fb|srch|hr|hc|hm|hs|ds|tj|dep|ev|mdl|rb|req)_[a-z0-9]{12}\b",
                "${1}_[id]",
            ),
            (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "[time]"),
            (r"\d{4}-\d{2}-\d{2}T[0-9:.]+Z", "[time]"),
            (r"\b\d{4}-\d{2}-\d{2}\b", "[date]"),
            (r"\b\d+ days old\b", "[n] days old"),
        ]
        .into_iter()
        .map(|(re, to)| (regex::Regex::new(re).unwrap(), to))
        .collect()
    });
    let mut out = text.to_string();
    for (re, to) in rules {
        out = re.replace_all(&out, *to).into_owned();
    }
    out
}

/// Checks a tool result as a client that takes structured output would: a tool that declares an
/// output schema answers, on success, structured content that validates against it (by an
/// independent validator); a tool that declares none answers none.
pub async fn check_structured<H: rmcp::ClientHandler>(
    client: &RunningService<RoleClient, H>,
    tool: &str,
    result: &rmcp::model::CallToolResult,
) {
    // The list is the client's cached copy (it keeps it for the server's cache hint).
    let tools = client.list_all_tools().await.expect("tools/list");
    let schema = tools
        .iter()
        .find(|t| t.name == tool)
        .and_then(|t| t.output_schema.clone());
    let Some(schema) = schema else {
        assert!(
            result.structured_content.is_none(),
            "{tool} answered structured content but declares no output schema"
        );
        return;
    };
    if result.is_error == Some(true) {
        return;
    }
    let value = result
        .structured_content
        .as_ref()
        .unwrap_or_else(|| panic!("{tool} declares an output schema but answered no structured content"));
    if let Err(e) = validate(&serde_json::Value::Object((*schema).clone()), value) {
        panic!("{tool}: structured content does not match the output schema: {e}\n{value:#}");
    }
}

/// Validates `value` against `schema` (compiled once per schema).
pub fn validate(schema: &serde_json::Value, value: &serde_json::Value) -> Result<(), String> {
    type Compiled = (boon::Schemas, boon::SchemaIndex);
    static COMPILED: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, Compiled>>> =
        std::sync::OnceLock::new();
    let key = schema.to_string();
    let mut compiled = COMPILED.get_or_init(Default::default).lock().unwrap();
    if !compiled.contains_key(&key) {
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler
            .add_resource("urn:output-schema", schema.clone())
            .map_err(|e| format!("{e}"))?;
        let index = compiler
            .compile("urn:output-schema", &mut schemas)
            .map_err(|e| format!("the schema does not compile: {e}"))?;
        compiled.insert(key.clone(), (schemas, index));
    }
    let (schemas, index) = &compiled[&key];
    schemas.validate(value, *index).map_err(|e| format!("{e:#}"))
}

/// A host that supports tasks (SEP-2663) and shows confirmation forms, which its user accepts.
pub fn tasks_host() -> Host {
    let mut host = Host::new(rmcp::model::ElicitationAction::Accept);
    host.config
        .capabilities
        .extensions
        .get_or_insert_with(Default::default)
        .insert(rmcp::model::TASKS_EXTENSION_ID.to_string(), serde_json::Map::new());
    host
}

/// A host that shows forms (elicitation, in form mode) and whose user answers each as
/// [`Host::answer`] says; it keeps what each form said.
#[derive(Clone)]
pub struct Host {
    config: rmcp::model::ClientConfig,
    answer: std::sync::Arc<std::sync::Mutex<rmcp::model::ElicitationAction>>,
    asked: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Host {
    pub fn new(answer: rmcp::model::ElicitationAction) -> Self {
        use rmcp::model::{
            ClientCapabilities, ClientConfig, ElicitationCapability, FormElicitationCapability, Implementation,
        };
        let mut elicitation = ElicitationCapability::new();
        elicitation.form = Some(FormElicitationCapability::new());
        let mut capabilities = ClientCapabilities::default();
        capabilities.elicitation = Some(elicitation);
        Self {
            config: ClientConfig::new(capabilities, Implementation::new("forms-host", "1.0.0")),
            answer: std::sync::Arc::new(std::sync::Mutex::new(answer)),
            asked: Default::default(),
        }
    }

    /// From now on, the user answers every form so.
    pub fn answer(&self, action: rmcp::model::ElicitationAction) {
        *self.answer.lock().unwrap() = action;
    }

    /// What the forms said, in order, since the last call.
    pub fn asked(&self) -> Vec<String> {
        std::mem::take(&mut *self.asked.lock().unwrap())
    }
}

impl rmcp::ClientHandler for Host {
    fn get_info(&self) -> rmcp::model::ClientConfig {
        self.config.clone()
    }

    async fn create_elicitation(
        &self,
        request: rmcp::model::ElicitRequestParams,
        _context: rmcp::service::RequestContext<rmcp::RoleClient>,
    ) -> Result<rmcp::model::ElicitResult, rmcp::ErrorData> {
        let rmcp::model::ElicitRequestParams::FormElicitationParams { message, .. } = request else {
            panic!("only forms are asked for: {request:?}")
        };
        self.asked.lock().unwrap().push(message);
        Ok(rmcp::model::ElicitResult::new(self.answer.lock().unwrap().clone()))
    }
}

/// Polls `tasks/get` at the task's interval until it ends (at most a minute): its last state.
pub async fn task_outcome<H: rmcp::ClientHandler>(
    client: &RunningService<RoleClient, H>,
    id: &str,
) -> rmcp::model::DetailedTask {
    for _ in 0..120 {
        let task = client
            .get_task(rmcp::model::GetTaskParams::new(id))
            .await
            .unwrap_or_else(|e| panic!("tasks/get {id}: {e}"))
            .task;
        if task.status().is_terminal() {
            return task;
        }
        let every = task.task.poll_interval_ms.unwrap_or(500).min(500);
        tokio::time::sleep(std::time::Duration::from_millis(every)).await;
    }
    panic!("task {id} did not end within a minute");
}

/// Runs a binary with `args` (no terminal, no `COLUMNS`): (exit code, stdout, stderr).
pub fn run(bin: &str, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(bin)
        .args(args)
        .env_remove("COLUMNS")
        .env_remove("MCP_HTTP_TIMEOUT")
        .env_remove("INFERIOR_API_URL")
        .env_remove("INFERENCE_API_URL")
        .env_remove("INFERIOR_MCP_MANIFEST_URL")
        .env("HOME", "/home/user")
        .env_remove("XDG_DATA_HOME")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}
