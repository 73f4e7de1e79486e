//! Spawning a server binary as an MCP host would, with rmcp's client.

use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use std::process::Stdio;

/// An address on loopback where nothing listens: API calls fail fast, nothing leaves the machine.
pub const CLOSED: &str = "http://127.0.0.1:1";

/// Starts `bin` with `env` (and nothing inherited that configures it) and initializes a session.
pub async fn spawn(bin: &str, args: &[&str], env: &[(&str, &str)]) -> RunningService<RoleClient, ()> {
    let mut command = tokio::process::Command::new(bin);
    command.args(args);
    for var in [
        "INFERIOR_API_KEY",
        "INFERIOR_API_URL",
        "INFERIOR_MCP_MANIFEST_URL",
        "INFERENCE_API_KEY",
        "INFERENCE_API_URL",
        "MCP_HTTP_TIMEOUT",
        "RUST_LOG",
    ] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    let (transport, _stderr) = TokioChildProcess::builder(command)
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    tokio::time::timeout(std::time::Duration::from_secs(20), ().serve(transport))
        .await
        .expect("initialize within 20 s")
        .expect("initialize succeeds")
}

pub const INFERIOR: &str = env!("CARGO_BIN_EXE_inferior-mcp");
pub const INFERENCE: &str = env!("CARGO_BIN_EXE_inference-mcp");

/// An Inferior server whose API is unreachable (listings and local gates only).
pub async fn offline_inferior() -> RunningService<RoleClient, ()> {
    spawn(INFERIOR, &[], &[("INFERIOR_API_URL", CLOSED)]).await
}

/// An Inference server whose API is unreachable.
pub async fn offline_inference(args: &[&str]) -> RunningService<RoleClient, ()> {
    spawn(INFERENCE, args, &[("INFERENCE_API_URL", CLOSED)]).await
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
