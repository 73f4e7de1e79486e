//! Serving one MCP session over stdin/stdout. Each line from stdin is triaged first
//! ([`crate::jsonrpc`]): a line rmcp cannot take is answered here, with its `id`, and never
//! reaches rmcp; until a message starts the session (`initialize`, or a 2026-07-28 request with
//! its `_meta`), probes (`ping`, `server/discover`) go through, a notification is dropped and
//! any other request is answered with an error. So no input leaves a request unanswered or ends
//! the process. stdout carries rmcp's answers and these, a whole line at a time, and nothing
//! else.

use super::{Api, Server};
use crate::jsonrpc::{INVALID_REQUEST, Opening, Refusal, triage};
use rmcp::ServiceExt;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::UnboundedSender;

/// The longest line read (as over HTTP).
const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// What a request that needs a session gets before one has started.
const NOT_STARTED: &str = "the session is not initialized: send `initialize` first, or (protocol 2026-07-28) give each request `_meta` with `io.modelcontextprotocol/protocolVersion` and `io.modelcontextprotocol/clientCapabilities`";

/// Serves until the client closes stdin (or Ctrl-C).
pub async fn serve<A: Api>(server: Server<A>) -> Result<(), String> {
    let (rmcp_in, to_rmcp) = tokio::io::duplex(64 * 1024);
    let (from_rmcp, rmcp_out) = tokio::io::duplex(64 * 1024);
    let (answers, refused) = tokio::sync::mpsc::unbounded_channel();
    let (stdin, _restore_stdin) = crate::stdio_fds::stdin();
    let (stdout, _restore_stdout) = crate::stdio_fds::stdout();
    tokio::spawn(read(stdin, to_rmcp, answers));
    let writer = tokio::spawn(write(from_rmcp, refused, stdout));
    let running = server
        .serve((rmcp_in, rmcp_out))
        .await
        .map_err(|e| format!("the MCP session failed to start: {e}"))?;
    let ended = tokio::select! {
        result = running.waiting() => result.map(|_| ()).map_err(|e| format!("the MCP session ended with an error: {e}")),
        _ = tokio::signal::ctrl_c() => Ok(()),
    };
    // rmcp's output is closed now; let the last answers out.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), writer).await;
    ended
}

/// stdin → rmcp, a triaged line at a time; refusals go to `answers`. Ends at end of input,
/// which closes rmcp's input and so ends the session.
async fn read(input: impl AsyncRead + Unpin, mut to_rmcp: impl AsyncWrite + Unpin, answers: UnboundedSender<String>) {
    let mut input = BufReader::new(input);
    let mut started = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        let limit = (MAX_LINE_BYTES + 1) as u64;
        match (&mut input).take(limit).read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line.len() > MAX_LINE_BYTES && line.last() != Some(&b'\n') {
            // Skip the rest of the line, then say why.
            let mut rest = Vec::new();
            while !matches!(input.read_until(b'\n', &mut rest).await, Ok(0) | Err(_)) && rest.last() != Some(&b'\n') {
                rest.clear();
            }
            let why = format!("the message is over {} MiB", MAX_LINE_BYTES / (1024 * 1024));
            let _ = answers.send(Refusal::new(Value::Null, INVALID_REQUEST, why).answer().to_string());
            continue;
        }
        let text = line.trim_ascii_end();
        if text.trim_ascii_start().is_empty() {
            continue;
        }
        match triage(text) {
            Err(refusal) => {
                let _ = answers.send(refusal.answer().to_string());
            }
            Ok(message) if !started && message.opening == Opening::Needs => {
                if message.is_request {
                    let refusal = Refusal::new(message.id, INVALID_REQUEST, NOT_STARTED);
                    let _ = answers.send(refusal.answer().to_string());
                }
            }
            Ok(message) => {
                started |= message.opening == Opening::Starts;
                if to_rmcp.write_all(text).await.is_err() || to_rmcp.write_all(b"\n").await.is_err() {
                    return;
                }
            }
        }
    }
}

/// rmcp's lines and the refusals → stdout, each whole, until rmcp's output ends.
async fn write(
    from_rmcp: impl AsyncRead + Unpin,
    mut refused: tokio::sync::mpsc::UnboundedReceiver<String>,
    mut output: impl AsyncWrite + Unpin,
) {
    let mut lines = BufReader::new(from_rmcp).lines();
    loop {
        let line = tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => line,
                _ => break,
            },
            Some(answer) = refused.recv() => answer,
        };
        let written = async {
            output.write_all(line.as_bytes()).await?;
            output.write_all(b"\n").await?;
            output.flush().await
        };
        if written.await.is_err() {
            break;
        }
    }
}
