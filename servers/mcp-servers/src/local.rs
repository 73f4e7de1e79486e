//! `--local`: the embedded backend (both APIs on SQLite, see `backend/`) started in-process on a
//! free loopback port, seeded with the demo data on first use of its data directory.
//!
//! It is the `local` feature (on by default): a server built without it is smaller, talks to the
//! real APIs only, and answers `--local` with an error that says how to get it.

use std::path::PathBuf;

/// The demo's local keys (backend/fixtures/demo.yaml), used when no key is configured.
pub const INFERIOR_KEY: &str = "cw_full_demo_local_key";
pub const INFERENCE_KEY: &str = "sk-inference-demo-multi-default";

/// The embedded backend while it runs; it stops when dropped.
#[cfg(feature = "local")]
pub use backend::Running as Backend;

/// A build without the local backend has none to run.
#[cfg(not(feature = "local"))]
pub enum Backend {}

#[cfg(not(feature = "local"))]
impl Backend {
    pub fn inferior_url(&self) -> String {
        match *self {}
    }

    pub fn inference_url(&self) -> String {
        match *self {}
    }
}

/// Starts the embedded backend when `--local` was given; it stops when dropped.
pub async fn start_if(flags: &crate::cli::Flags, server: &str) -> Result<Option<Backend>, String> {
    if flags.local {
        start(server, flags.data_dir.clone()).await.map(Some)
    } else {
        Ok(None)
    }
}

/// Starts the embedded backend; it stops when the returned value is dropped.
#[cfg(feature = "local")]
pub async fn start(server: &str, data_dir: Option<PathBuf>) -> Result<Backend, String> {
    let dir = data_dir.unwrap_or_else(|| backend::default_data_dir(server));
    backend::start(backend::Config::new(&dir))
        .await
        .map_err(|e| format!("the local backend failed to start in {}: {e}", dir.display()))
}

#[cfg(not(feature = "local"))]
pub async fn start(server: &str, _: Option<PathBuf>) -> Result<Backend, String> {
    Err(format!(
        "--local needs the embedded backend, which this build leaves out: `cargo install {server}` \
         (its default features) includes it"
    ))
}

/// Where `--local` keeps its data unless `--data-dir` says otherwise (none without the feature).
#[cfg(feature = "local")]
pub fn default_data_dir(server: &str) -> Option<PathBuf> {
    Some(backend::default_data_dir(server))
}

#[cfg(not(feature = "local"))]
pub fn default_data_dir(_server: &str) -> Option<PathBuf> {
    None
}
