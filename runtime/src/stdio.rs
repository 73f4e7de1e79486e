//! Serving one MCP session over stdin/stdout.

use super::{Api, Server};
use rmcp::ServiceExt;

/// Serves until the client closes stdin (or Ctrl-C).
pub async fn serve<A: Api>(server: Server<A>) -> Result<(), String> {
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| format!("the MCP session failed to start: {e}"))?;
    tokio::select! {
        result = running.waiting() => result.map(|_| ()).map_err(|e| format!("the MCP session ended with an error: {e}")),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
