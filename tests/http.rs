//! Streamable HTTP: bearer keys are required and forwarded per request, and concurrent sessions
//! with different keys never see each other's key or data.

use crate::common::*;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt, service::RunningService};
use std::time::Duration;

/// A server process on a free loopback port, stopped on drop.
pub struct HttpServer {
    child: std::process::Child,
    pub url: String,
    _dir: TempDir,
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `bin --local --http 127.0.0.1:PORT` and waits until it answers.
pub async fn start_http(bin: &str, extra: &[&str]) -> HttpServer {
    let dir = TempDir::new("http");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = std::process::Command::new(bin)
        .args(["--local", "--data-dir", dir.path().to_str().unwrap(), "--http", &addr])
        .args(extra)
        .env_remove("INFERENCE_API_KEY")
        .env_remove("INFERIOR_API_KEY")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let server = HttpServer {
        child,
        url: format!("http://{addr}/mcp"),
        _dir: dir,
    };
    // Bounded: 15 s covers a debug build seeding its demo data on a loaded 2-core machine.
    for _ in 0..600 {
        if tokio::net::TcpStream::connect(&addr).await.is_ok() {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{bin} did not listen on {addr}");
}

pub async fn http_client(url: &str, key: &str) -> RunningService<RoleClient, ()> {
    let transport =
        StreamableHttpClientTransport::from_config(StreamableHttpClientTransportConfig::with_uri(url).auth_header(key));
    ().serve(transport).await.expect("initialize over HTTP")
}

pub async fn text(client: &RunningService<RoleClient, ()>, tool: &str, args: serde_json::Value) -> (bool, String) {
    let result = client
        .call_tool(
            CallToolRequestParams::new(tool.to_string()).with_arguments(args.as_object().cloned().unwrap_or_default()),
        )
        .await
        .unwrap();
    let text = serde_json::to_value(&result.content).unwrap()[0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (result.is_error == Some(true), text)
}

#[tokio::test]
async fn requests_without_a_valid_bearer_get_401() {
    let server = start_http(INFERENCE, &[]).await;
    let init = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let post = |auth: Option<&str>| {
        let mut request = reqwest::Client::new()
            .post(&server.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(init.to_string());
        if let Some(a) = auth {
            request = request.header("authorization", a);
        }
        request.send()
    };
    for auth in [
        None,
        Some("Basic abc"),
        Some("Bearer"),
        Some("Bearer sk-inference-not-a-key"),
    ] {
        let response = post(auth).await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{auth:?}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body = response.text().await.unwrap();
        assert!(
            body.contains("Authorization: Bearer <your-project-api-key>") && body.contains("sk-inference-"),
            "{body}"
        );
        assert!(!body.contains("not-a-key"), "the key is never echoed");
    }
    assert_eq!(
        post(Some("Bearer sk-inference-demo-support-ro"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn a_host_outside_the_allow_list_is_refused() {
    let server = start_http(INFERENCE, &[]).await;
    let response = reqwest::Client::new()
        .post(&server.url)
        .header("host", "evil.example")
        .header("authorization", "Bearer sk-inference-demo-support-ro")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

/// Sessions with three keys of three scopes, interleaved: each sees only what its key reaches.
#[tokio::test]
async fn concurrent_sessions_never_see_each_others_data() {
    let server = start_http(INFERENCE, &[]).await;
    let keys = [
        (
            "sk-inference-demo-support-rw",
            "prj_support",
            ["prj_other", "prj_search"],
        ),
        (
            "sk-inference-demo-other-team",
            "prj_other",
            ["prj_support", "prj_billing"],
        ),
        (
            "sk-inference-demo-multi-nodefault",
            "prj_search",
            ["prj_support", "prj_other"],
        ),
    ];
    let mut tasks = Vec::new();
    for session in 0..24 {
        let (key, own, foreign) = keys[session % keys.len()];
        let url = server.url.clone();
        tasks.push(tokio::spawn(async move {
            let client = http_client(&url, key).await;
            for round in 0..5 {
                let (error, who) = text(&client, "whoami", serde_json::json!({})).await;
                assert!(!error && who.contains(own), "session {session} round {round}: {who}");
                let (_, projects) = text(&client, "list_projects", serde_json::json!({})).await;
                for other in foreign {
                    assert!(
                        !who.contains(other) && !projects.contains(other),
                        "session {session} saw {other}: {who}\n{projects}"
                    );
                }
                for (other_key, _, _) in keys.iter().filter(|(k, _, _)| *k != key) {
                    assert!(
                        !who.contains(&other_key[13..]) && !projects.contains(&other_key[13..]),
                        "another key leaked"
                    );
                }
            }
            client.cancel().await.unwrap();
        }));
    }
    for t in tasks {
        tokio::time::timeout(Duration::from_secs(60), t)
            .await
            .expect("sessions finish")
            .unwrap();
    }
}

#[tokio::test]
async fn stateless_mode_answers_without_sessions() {
    let server = start_http(INFERENCE, &["--stateless"]).await;
    let client = http_client(&server.url, "sk-inference-demo-support-ro").await;
    let (error, who) = text(&client, "whoami", serde_json::json!({})).await;
    assert!(!error && who.contains("prj_support"), "{who}");
    client.cancel().await.unwrap();
}

/// The key kinds over HTTP: a multi-project key without a default must name a project, a
/// read-only key cannot write, a single-project key just works.
#[tokio::test]
async fn each_kind_of_key_over_http() {
    let server = start_http(INFERENCE, &[]).await;
    let single = http_client(&server.url, "sk-inference-demo-support-rw").await;
    let (error, agents) = text(&single, "list_agents", serde_json::json!({})).await;
    assert!(!error && agents.contains("customer-support-agent"), "{agents}");
    let multi = http_client(&server.url, "sk-inference-demo-multi-nodefault").await;
    let (error, answer) = text(&multi, "list_agents", serde_json::json!({})).await;
    assert!(error && answer.starts_with("ERROR: Project ID is required — this key reaches 2 projects and has no default; name one of: billing, search"), "{answer}");
    let (error, answer) = text(&multi, "list_agents", serde_json::json!({"project": "billing"})).await;
    assert!(!error && answer.contains("billing-assistant"), "{answer}");
    let read_only = http_client(&server.url, "sk-inference-demo-support-ro").await;
    let (error, answer) = text(
        &read_only,
        "create_halo_schedule",
        serde_json::json!({"agent_id": "customer-support-agent", "cadence": "daily"}),
    )
    .await;
    assert!(error && answer.contains("needs the `write` scope"), "{answer}");
    for client in [single, multi, read_only] {
        client.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn origins_outside_the_allow_list_are_refused() {
    let server = start_http(INFERENCE, &["--allow-origin", "https://app.example.com"]).await;
    let post = |origin: &str| {
        reqwest::Client::new()
            .post(&server.url)
            .header("origin", origin)
            .header("authorization", "Bearer sk-inference-demo-support-ro")
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#)
            .send()
    };
    assert_eq!(post("https://evil.example").await.unwrap().status().as_u16(), 403);
    assert_eq!(post("https://app.example.com").await.unwrap().status().as_u16(), 200);
}
