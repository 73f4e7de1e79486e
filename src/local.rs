//! `--local`: the embedded backend (both APIs on SQLite, see `backend/`) started in-process on a
//! free loopback port, seeded with the demo data on first use of its data directory.

use std::path::PathBuf;

/// The demo's local keys (backend/fixtures/demo.yaml), used when no key is configured.
pub const INFERIOR_KEY: &str = "cw_full_demo_local_key";
pub const INFERENCE_KEY: &str = "sk-inference-demo-multi-default";

/// Starts the embedded backend when `--local` was given; it stops when dropped.
pub async fn start_if(flags: &crate::cli::Flags, server: &str) -> Result<Option<backend::Running>, String> {
    if flags.local {
        start(server, flags.data_dir.clone()).await.map(Some)
    } else {
        Ok(None)
    }
}

/// Starts the embedded backend; it stops when the returned value is dropped.
pub async fn start(server: &str, data_dir: Option<PathBuf>) -> Result<backend::Running, String> {
    let dir = data_dir.unwrap_or_else(|| backend::default_data_dir(server));
    backend::start(backend::Config::new(&dir))
        .await
        .map_err(|e| format!("the local backend failed to start in {}: {e}", dir.display()))
}
