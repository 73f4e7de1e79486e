//! Protocol edges, by generated frames over stdio and HTTP: every frame with a readable `id` is
//! answered with that `id`, every unreadable one with one `id: null` error, notifications get no
//! answer, and the server neither crashes nor stops answering.

use crate::common::*;
use crate::http::start_http;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// What a frame should get back.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    /// An answer (result or error) with this id.
    Id(Value),
    /// An error answer with `id: null`.
    NullError,
    /// Nothing (a notification).
    Nothing,
}

/// A deterministic mix of valid and broken frames (a small linear congruential generator, so a
/// failure reproduces).
fn frames(count: usize, seed: u64) -> Vec<(String, Expect)> {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    (0..count)
        .map(|i| {
            let id = json!(i + 10);
            let call = |method: &str, params: Value| {
                json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string()
            };
            match next() % 11 {
                0 => (
                    json!({"jsonrpc": "2.0", "id": id, "method": "ping"}).to_string(),
                    Expect::Id(id),
                ),
                1 => {
                    let whole = call("ping", json!({}));
                    let cut = 1 + next() % (whole.len() - 1);
                    (whole[..cut].to_string(), Expect::NullError)
                }
                2 => (
                    json!({"jsonrpc": "1.0", "id": id, "method": "ping"}).to_string(),
                    Expect::Id(id),
                ),
                3 => (call("tools/call", json!("not an object")), Expect::Id(id)),
                4 => {
                    let depth = 130 + next() % 100;
                    (
                        format!(
                            r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"x":{}{}}}}}"#,
                            "[".repeat(depth),
                            "]".repeat(depth)
                        ),
                        Expect::NullError,
                    )
                }
                5 => (
                    format!(r#"{{"jsonrpc":"2.0","id":{i},"method":"ping","params":{{"s":"\ud83d"}}}}"#),
                    Expect::NullError,
                ),
                6 => (format!("[{}]", call("ping", json!({}))), Expect::NullError),
                7 => (
                    json!({"jsonrpc": "2.0", "method": "notifications/unknown"}).to_string(),
                    Expect::Nothing,
                ),
                8 => (
                    json!({"jsonrpc": "2.0", "id": "x".repeat(300 + next() % 1000), "method": "ping"}).to_string(),
                    Expect::NullError,
                ),
                9 => (call("no/such/method", json!({})), Expect::Id(id)),
                _ => (
                    call(
                        "tools/call",
                        json!({"name": "check_query_safety", "arguments": {"query": format!("error {i}")}}),
                    ),
                    Expect::Id(id),
                ),
            }
        })
        .collect()
}

/// Checks `answers` against what `sent` expects.
fn check(sent: &[(String, Expect)], answers: &[Value]) {
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut nulls = 0;
    for answer in answers {
        assert_eq!(answer["jsonrpc"], "2.0", "{answer}");
        match &answer["id"] {
            Value::Null => {
                assert!(answer["error"]["code"].is_i64(), "{answer}");
                nulls += 1;
            }
            id => *by_id.entry(id.to_string()).or_default() += 1,
        }
    }
    let mut expected_nulls = 0;
    for (frame, expect) in sent {
        match expect {
            Expect::Id(id) => assert_eq!(
                by_id.remove(&id.to_string()),
                Some(1),
                "one answer for {}",
                &frame[..frame.len().min(80)]
            ),
            Expect::NullError => expected_nulls += 1,
            Expect::Nothing => {}
        }
    }
    assert!(
        by_id.is_empty(),
        "answers to ids never sent: {:?}",
        by_id.keys().take(5).collect::<Vec<_>>()
    );
    assert_eq!(nulls, expected_nulls, "one null-id error per unreadable frame");
}

#[tokio::test]
async fn generated_frames_over_stdio_are_each_answered() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let mut child = tokio::process::Command::new(&INFERIOR)
        .env("INFERIOR_API_URL", CLOSED)
        .env("INFERIOR_MCP_MANIFEST_URL", CLOSED)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Before `initialize`: a notification is dropped, a request refused with its id.
    let before = [
        (
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
            Expect::Nothing,
        ),
        (
            json!({"jsonrpc": "2.0", "id": "early", "method": "tools/list"}).to_string(),
            Expect::Id(json!("early")),
        ),
    ];
    let initialize = json!({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "1"}}});
    let mut sent: Vec<(String, Expect)> = before.to_vec();
    sent.push((initialize.to_string(), Expect::Id(json!("init"))));
    sent.push((
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
        Expect::Nothing,
    ));
    sent.extend(frames(10_000, 7));
    sent.push((
        json!({"jsonrpc": "2.0", "id": "last", "method": "ping"}).to_string(),
        Expect::Id(json!("last")),
    ));
    let expected = sent.iter().filter(|(_, e)| *e != Expect::Nothing).count();
    let frames = sent.clone();
    let writer = tokio::spawn(async move {
        for (frame, _) in &frames {
            stdin.write_all(frame.as_bytes()).await.unwrap();
            stdin.write_all(b"\n").await.unwrap();
        }
        stdin.flush().await.unwrap();
        stdin
    });
    let mut answers = Vec::new();
    let read = async {
        while answers.len() < expected {
            let line = lines.next_line().await.unwrap().expect("the server keeps answering");
            answers.push(
                serde_json::from_str::<Value>(&line)
                    .unwrap_or_else(|e| panic!("stdout carries JSON-RPC only: {e}: {line}")),
            );
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("every frame answered within a minute");
    let stdin = writer.await.unwrap();
    check(&sent, &answers);
    drop(stdin);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "closing stdin ends the server cleanly: {status}");
}

#[tokio::test]
async fn generated_frames_over_http_are_each_answered() {
    let server = start_http(&INFERIOR, &["--stateless", "--shared-key"]).await;
    let http = reqwest::Client::new();
    let sent = frames(3_000, 11);
    let mut answers = Vec::new();
    for (frame, expect) in &sent {
        let response = http
            .post(&server.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-06-18")
            .body(frame.clone())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        match expect {
            Expect::Nothing => assert_eq!(status, 202, "a notification is accepted: {body}"),
            _ => {
                assert!(
                    status == 200 || status == 400,
                    "{status} for {}: {body}",
                    &frame[..frame.len().min(80)]
                );
                answers.push(serde_json::from_str::<Value>(&body).unwrap_or_else(|e| panic!("{e}: {body}")));
            }
        }
    }
    check(&sent, &answers);
}

/// Clients of each protocol version (2024-11-05 to 2026-07-28) get that version and can list and
/// call tools, over stdio and HTTP: up to 2025-11-25 through `initialize`, from 2026-07-28
/// through `server/discover` and per-request metadata (no `initialize`).
#[tokio::test]
async fn clients_of_each_protocol_version_are_served() {
    use rmcp::model::{CallToolRequestParams, ClientConfig, ProtocolVersion};
    use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
    use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
    use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
    let dir = TempDir::new("versions");
    let data = dir.path().to_str().unwrap().to_string();
    let server = start_http(&INFERENCE, &[]).await;
    for version in ProtocolVersion::KNOWN_VERSIONS {
        let config = ClientConfig::default().with_protocol_version(version.clone());
        let lifecycle = if version.has_initialize() {
            ClientLifecycleMode::Initialize
        } else {
            ClientLifecycleMode::Discover {
                preferred_versions: vec![version.clone()],
            }
        };
        let mut command = tokio::process::Command::new(&INFERENCE);
        command
            .args(["--local", "--data-dir", &data])
            .env_remove("INFERENCE_API_KEY")
            .env_remove("INFERENCE_API_URL");
        let (stdio, _) = TokioChildProcess::builder(command)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let http = StreamableHttpClientTransport::from_config(
            StreamableHttpClientTransportConfig::with_uri(server.url.as_str())
                .auth_header("sk-inference-demo-support-ro"),
        );
        let clients = [
            (
                "stdio",
                config.clone().serve_with_lifecycle(stdio, lifecycle.clone()).await,
            ),
            ("HTTP", config.clone().serve_with_lifecycle(http, lifecycle).await),
        ];
        for (transport, client) in clients {
            let client = client.unwrap_or_else(|e| panic!("{version} over {transport}: {e}"));
            let negotiated = client.peer_info().map(|p| p.protocol_version.clone());
            assert_eq!(negotiated, Some(version.clone()), "{version} over {transport}");
            let tools = client.list_all_tools().await.unwrap();
            assert_eq!(tools.len(), 45, "{version} over {transport}");
            let whoami = client
                .call_tool(CallToolRequestParams::new("whoami"))
                .await
                .unwrap_or_else(|e| panic!("{version} over {transport}: whoami: {e}"));
            let text = serde_json::to_value(&whoami.content).unwrap()[0]["text"].to_string();
            assert!(
                whoami.is_error != Some(true) && text.contains("support-bot"),
                "{version} over {transport}: {text}"
            );
            client.cancel().await.unwrap();
        }
    }
}
