//! Streamable HTTP: bearer keys are required and forwarded per request, a session answers only
//! the key that opened it, browser origins are checked (with CORS for the allowed ones), and
//! concurrent sessions with different keys never see each other's key or data.

use crate::common::*;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt, service::RunningService};
use std::time::Duration;

/// A server process on a free loopback port, stopped on drop.
pub struct HttpServer {
    pub child: std::process::Child,
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
    let data = dir.path().to_str().unwrap().to_string();
    let mut args = vec!["--local", "--data-dir", &data];
    args.extend_from_slice(extra);
    serve_http(bin, &args, &[], dir).await
}

/// Starts `bin ARGS --http 127.0.0.1:PORT` with `env`, and waits until it answers.
async fn serve_http(bin: &str, args: &[&str], env: &[(&str, &str)], dir: TempDir) -> HttpServer {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = std::process::Command::new(bin)
        .args(args)
        .args(["--http", &addr])
        .env_remove("INFERENCE_API_KEY")
        .env_remove("INFERIOR_API_KEY")
        .envs(env.iter().copied())
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
    http_client_as((), url, key).await
}

/// [`http_client`] for a host of its own.
async fn http_client_as<H: rmcp::ClientHandler>(host: H, url: &str, key: &str) -> RunningService<RoleClient, H> {
    let transport =
        StreamableHttpClientTransport::from_config(StreamableHttpClientTransportConfig::with_uri(url).auth_header(key));
    host.serve(transport).await.expect("initialize over HTTP")
}

/// A 2026-07-28 client (server/discover, no session) of `url`.
async fn latest_client<H: rmcp::ClientHandler>(host: H, url: &str, key: &str) -> RunningService<RoleClient, H> {
    use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
    let latest = rmcp::model::ProtocolVersion::KNOWN_VERSIONS.last().unwrap().clone();
    let transport =
        StreamableHttpClientTransport::from_config(StreamableHttpClientTransportConfig::with_uri(url).auth_header(key));
    let lifecycle = ClientLifecycleMode::Discover {
        preferred_versions: vec![latest],
    };
    host.serve_with_lifecycle(transport, lifecycle)
        .await
        .expect("a 2026-07-28 client connects")
}

#[tokio::test]
async fn requests_without_a_valid_bearer_get_401() {
    let server = start_http(&INFERENCE, &[]).await;
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
        let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_string();
        assert!(
            challenge.starts_with(r#"Bearer error="invalid_token", error_description=""#),
            "{challenge}"
        );
        let text = response.text().await.unwrap();
        assert!(!text.contains("not-a-key"), "the key is never echoed");
        // A JSON-RPC error, whose message clients show whatever the HTTP status.
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            (&body["jsonrpc"], &body["error"]["data"]["error"]),
            (&"2.0".into(), &"unauthorized".into())
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("Authorization: Bearer <your-project-api-key>") && message.contains("sk-inference-"),
            "{body}"
        );
    }
    assert_eq!(
        post(Some("Bearer sk-inference-demo-support-ro"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    // A client that probes for OAuth learns it takes API keys instead.
    let base = server.url.trim_end_matches("/mcp");
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-authorization-server",
    ] {
        let response = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(response.status().as_u16(), 404, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("this server does not use OAuth; check that INFERENCE_API_KEY"),
            "{body}"
        );
    }
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;

/// One raw Streamable HTTP request: `key` as the bearer, in `session` when given.
fn raw(
    url: &str,
    method: reqwest::Method,
    key: &str,
    session: Option<&str>,
    body: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .header("authorization", key)
        .header("accept", "application/json, text/event-stream");
    if let Some(session) = session {
        request = request
            .header("mcp-session-id", session)
            .header("mcp-protocol-version", "2025-06-18");
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    request
}

/// An `initialize` without a key.
fn anonymous_initialize(url: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(INITIALIZE)
}

/// A session id is not enough: another key gets 404 for the owner's session on POST, GET (the
/// resumption stream) and DELETE, as for a session that does not exist.
#[tokio::test]
async fn a_session_answers_only_the_key_that_opened_it() {
    use reqwest::Method;
    let server = start_http(&INFERENCE, &[]).await;
    let (owner, other) = (
        "Bearer sk-inference-demo-support-ro",
        "Bearer sk-inference-demo-other-team",
    );
    let init = raw(&server.url, Method::POST, owner, None, Some(INITIALIZE))
        .send()
        .await
        .unwrap();
    assert_eq!(init.status().as_u16(), 200);
    let session = init.headers()["mcp-session-id"].to_str().unwrap().to_string();
    drop(init);
    let initialized = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
    let ack = raw(&server.url, Method::POST, owner, Some(&session), Some(initialized))
        .send()
        .await
        .unwrap();
    assert_eq!(ack.status().as_u16(), 202);
    let list = r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#;
    for (method, body) in [(Method::POST, Some(list)), (Method::GET, None), (Method::DELETE, None)] {
        let response = raw(&server.url, method.clone(), other, Some(&session), body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 404, "{method} with another key");
        let text = response.text().await.unwrap();
        assert!(text.contains("session not found") && !text.contains(&session), "{text}");
    }
    let listed = raw(&server.url, Method::POST, owner, Some(&session), Some(list))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status().as_u16(), 200);
    assert!(
        listed.text().await.unwrap().contains("whoami"),
        "the owner keeps the session"
    );
    let closed = raw(&server.url, Method::DELETE, owner, Some(&session), None)
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status().as_u16(), 204, "a closed session answers 204 No Content");
    let after = raw(&server.url, Method::POST, owner, Some(&session), Some(list))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status().as_u16(), 404, "a closed session is gone");
}

#[tokio::test]
async fn a_host_outside_the_allow_list_is_refused() {
    let server = start_http(&INFERENCE, &[]).await;
    let key = "Bearer sk-inference-demo-support-ro";
    let response = raw(&server.url, reqwest::Method::POST, key, None, Some("{}"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}

/// Sessions with three keys of three scopes, interleaved: each sees only what its key reaches.
#[tokio::test]
async fn concurrent_sessions_never_see_each_others_data() {
    let server = start_http(&INFERENCE, &[]).await;
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
                let (error, who) = call(&client, "whoami", serde_json::json!({})).await;
                assert!(!error && who.contains(own), "session {session} round {round}: {who}");
                let (_, projects) = call(&client, "list_projects", serde_json::json!({})).await;
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

/// A seed with `tenants` teams, each with one project, one model and its own read/write key.
fn tenants_seed(tenants: usize) -> String {
    let mut seed = String::from("name: tenants\nteams:\n");
    for t in 0..tenants {
        seed += &format!("  - {{id: team_t{t:02}, name: Tenant {t:02}}}\n");
    }
    seed += "projects:\n";
    for t in 0..tenants {
        seed += &format!("  - {{id: prj_t{t:02}, team: team_t{t:02}, name: tenant-{t:02}-app}}\n");
    }
    seed += "inference_keys:\n";
    for t in 0..tenants {
        seed += &format!(
            "  - {{key: sk-inference-tenant-{t:02}, id: key_t{t:02}, name: tenant-{t:02}-key, team: team_t{t:02}, projects: {{prj_t{t:02}: [read, write]}}}}\n"
        );
    }
    seed += "models:\n";
    for t in 0..tenants {
        seed +=
            &format!("  - {{id: mdl_t{t:02}, project: prj_t{t:02}, name: tenant-{t:02}-model, provider: inference}}\n");
    }
    seed
}

/// Fifty tenants, each with its own key, calling at once through one server (with sessions and
/// stateless), against the standalone backend: every answer names the caller's own tenant and no
/// other, and a neighbour's model is not found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_tenants_see_only_their_own_data() {
    const TENANTS: usize = 50;
    let data = TempDir::new("tenants");
    let mut config = backend::Config::new(data.path());
    config.seeds = vec![(tenants_seed(TENANTS), "tenants.yaml".into(), data.path().into())];
    config.rate_limit_override = Some(1_000_000);
    let api = backend::start(config).await.unwrap();
    let api_url = api.inference_url();
    let marker = regex::Regex::new(r"tenant-(\d\d)").unwrap();
    for mode in [&[][..], &["--stateless"][..]] {
        let server = serve_http(
            &INFERENCE,
            mode,
            &[("INFERENCE_API_URL", &api_url)],
            TempDir::new("http"),
        )
        .await;
        let mut tasks = Vec::new();
        for t in 0..TENANTS {
            let (url, marker) = (server.url.clone(), marker.clone());
            tasks.push(tokio::spawn(async move {
                let own = format!("{t:02}");
                let neighbour = (t + 1) % TENANTS;
                let client = http_client(&url, &format!("sk-inference-tenant-{own}")).await;
                for round in 0..3 {
                    for (tool, args) in [
                        ("whoami", serde_json::json!({})),
                        ("list_projects", serde_json::json!({})),
                        ("list_models", serde_json::json!({})),
                        ("get_model", serde_json::json!({"model_id": format!("mdl_t{own}")})),
                    ] {
                        let (error, answer) = call(&client, tool, args).await;
                        assert!(!error, "tenant {own} {tool}: {answer}");
                        let named: Vec<&str> = marker
                            .captures_iter(&answer)
                            .map(|c| c.get(1).unwrap().as_str())
                            .collect();
                        assert!(
                            !named.is_empty() && named.iter().all(|n| *n == own),
                            "tenant {own}, round {round}, {tool} named {named:?}: {answer}"
                        );
                    }
                    let (error, answer) = call(
                        &client,
                        "get_model",
                        serde_json::json!({"model_id": format!("mdl_t{neighbour:02}")}),
                    )
                    .await;
                    assert!(
                        error && !marker.is_match(&answer),
                        "tenant {own} reached its neighbour's model: {answer}"
                    );
                }
                client.cancel().await.unwrap();
            }));
        }
        for task in tasks {
            tokio::time::timeout(Duration::from_secs(120), task)
                .await
                .expect("each tenant finishes within 2 minutes")
                .unwrap();
        }
    }
}

#[tokio::test]
async fn stateless_mode_answers_without_sessions() {
    let server = start_http(&INFERENCE, &["--stateless"]).await;
    let client = http_client(&server.url, "sk-inference-demo-support-ro").await;
    let (error, who) = call(&client, "whoami", serde_json::json!({})).await;
    assert!(!error && who.contains("prj_support"), "{who}");
    client.cancel().await.unwrap();
}

/// The key kinds over HTTP: a multi-project key without a default must name a project, a
/// read-only key cannot write, a single-project key just works.
#[tokio::test]
async fn each_kind_of_key_over_http() {
    let server = start_http(&INFERENCE, &[]).await;
    let single = http_client(&server.url, "sk-inference-demo-support-rw").await;
    let (error, agents) = call(&single, "list_agents", serde_json::json!({})).await;
    assert!(!error && agents.contains("customer-support-agent"), "{agents}");
    let multi = http_client(&server.url, "sk-inference-demo-multi-nodefault").await;
    let (error, answer) = call(&multi, "list_agents", serde_json::json!({})).await;
    assert!(error && answer.starts_with("ERROR: Project ID is required — this key reaches 2 projects and has no default; name one of: billing, search"), "{answer}");
    let (error, answer) = call(&multi, "list_agents", serde_json::json!({"project": "billing"})).await;
    assert!(!error && answer.contains("billing-assistant"), "{answer}");
    let read_only = http_client(&server.url, "sk-inference-demo-support-ro").await;
    let (error, answer) = call(
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

/// Origins are checked by default: loopback origins pass on a loopback bind, others get 403;
/// `--allow-origin` adds one, whose preflight is answered and whose answers carry CORS headers.
#[tokio::test]
async fn origins_are_checked_and_allowed_ones_get_cors() {
    use reqwest::Method;
    let key = "Bearer sk-inference-demo-support-ro";
    let post = |url: &str, origin: &str| {
        raw(url, Method::POST, key, None, Some(INITIALIZE))
            .header("origin", origin)
            .send()
    };
    let plain = start_http(&INFERENCE, &[]).await;
    assert_eq!(
        post(&plain.url, "http://evil.example").await.unwrap().status().as_u16(),
        403
    );
    assert_eq!(
        post(&plain.url, "http://localhost:6274")
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );

    let server = start_http(&INFERENCE, &["--allow-origin", "https://app.example.com"]).await;
    let refused = post(&server.url, "https://evil.example").await.unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    let body = refused.text().await.unwrap();
    assert!(body.contains("--allow-origin https://evil.example"), "{body}");
    let allowed = post(&server.url, "https://app.example.com").await.unwrap();
    assert_eq!(allowed.status().as_u16(), 200);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert!(
        allowed.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("Mcp-Session-Id")
    );
    let preflight = reqwest::Client::new()
        .request(Method::OPTIONS, &server.url)
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, mcp-session-id")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status().as_u16(), 204, "a preflight needs no key");
    let allow = preflight.headers()["access-control-allow-headers"].to_str().unwrap();
    for h in ["Authorization", "Mcp-Session-Id", "MCP-Protocol-Version"] {
        assert!(allow.contains(h), "{allow}");
    }
}

/// `inferior-mcp --http` needs a key on every request unless `--shared-key`, which a
/// non-loopback bind refuses before listening.
#[tokio::test]
async fn inferior_over_http_needs_a_key_unless_shared() {
    use reqwest::Method;
    let server = start_http(&INFERIOR, &[]).await;
    let anonymous = anonymous_initialize(&server.url).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert!(
        anonymous
            .text()
            .await
            .unwrap()
            .contains("Authorization: Bearer <your-api-key>")
    );
    let keyed = raw(
        &server.url,
        Method::POST,
        "Bearer cw_full_demo_local_key",
        None,
        Some(INITIALIZE),
    );
    assert_eq!(keyed.send().await.unwrap().status().as_u16(), 200);

    let shared = start_http(&INFERIOR, &["--shared-key"]).await;
    let anonymous = anonymous_initialize(&shared.url).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 200);

    let refused = std::process::Command::new(&INFERIOR)
        .args(["--http", "0.0.0.0:0", "--shared-key"])
        .env("INFERIOR_API_URL", CLOSED)
        .env("INFERIOR_MCP_MANIFEST_URL", CLOSED)
        .output()
        .unwrap();
    assert_ne!(refused.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("--shared-key") && stderr.contains("not a loopback address"),
        "{stderr}"
    );
}

/// A malformed body gets HTTP 400 with a JSON-RPC error (keeping the request's id when it could
/// be read, never echoing an oversized one), and the session is still usable after it.
#[tokio::test]
async fn malformed_requests_get_json_rpc_errors() {
    use reqwest::Method;
    use serde_json::{Value, json};
    let server = start_http(&INFERENCE, &["--stateless"]).await;
    let key = "Bearer sk-inference-demo-support-ro";
    let long_id = format!(r#"{{"jsonrpc":"2.0","id":"{}","method":"ping"}}"#, "x".repeat(10_000));
    let cases = [
        ("{not json", -32700, Value::Null),
        (r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, -32600, Value::Null),
        (r#"{"jsonrpc":"1.0","id":9,"method":"ping"}"#, -32600, json!(9)),
        (r#"{"jsonrpc":"2.0","id":"q","params":{}}"#, -32600, json!("q")),
        (long_id.as_str(), -32600, Value::Null),
    ];
    for (body, code, id) in cases {
        let response = raw(&server.url, Method::POST, key, None, Some(body))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{}", &body[..body.len().min(60)]);
        let text = response.text().await.unwrap();
        assert!(text.len() < 1_000, "the answer stays small: {} bytes", text.len());
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            (answer["error"]["code"].as_i64(), &answer["id"]),
            (Some(code), &id),
            "{answer}"
        );
    }
    let fine = raw(&server.url, Method::POST, key, None, Some(INITIALIZE))
        .send()
        .await
        .unwrap();
    assert_eq!(fine.status().as_u16(), 200);
}

/// One key cannot open unbounded sessions: past `--max-sessions-per-key` it gets 429 until it
/// closes one; other keys are unaffected.
#[tokio::test]
async fn sessions_are_capped_per_key() {
    use reqwest::Method;
    let server = start_http(&INFERENCE, &["--max-sessions-per-key", "2"]).await;
    let (key, other) = (
        "Bearer sk-inference-demo-support-ro",
        "Bearer sk-inference-demo-other-team",
    );
    let open = |key: &'static str| {
        let url = server.url.clone();
        async move {
            raw(&url, Method::POST, key, None, Some(INITIALIZE))
                .send()
                .await
                .unwrap()
        }
    };
    let first = open(key).await;
    assert_eq!(first.status().as_u16(), 200);
    let session = first.headers()["mcp-session-id"].to_str().unwrap().to_string();
    drop(first);
    assert_eq!(open(key).await.status().as_u16(), 200);
    let refused = open(key).await;
    assert_eq!(refused.status().as_u16(), 429);
    let body = refused.text().await.unwrap();
    assert!(body.contains("the limit is 2") && body.contains("DELETE"), "{body}");
    assert_eq!(open(other).await.status().as_u16(), 200, "another key is not affected");
    let modern = r#"{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#;
    let sessionless = raw(&server.url, Method::POST, key, None, Some(modern))
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/list")
        .send()
        .await
        .unwrap();
    assert_eq!(
        sessionless.status().as_u16(),
        200,
        "a 2026-07-28 request opens no session, so the cap does not apply"
    );
    assert!(sessionless.text().await.unwrap().contains("whoami"));
    let closed = raw(&server.url, Method::DELETE, key, Some(&session), None)
        .send()
        .await
        .unwrap();
    assert!(closed.status().is_success());
    assert_eq!(
        open(key).await.status().as_u16(),
        200,
        "a closed session frees its place"
    );
}

/// Clients that send their headers a byte at a time hold only their own connections: a real
/// client is still answered while 200 of them dribble.
#[tokio::test]
async fn slow_clients_do_not_starve_others() {
    use tokio::io::AsyncWriteExt;
    let server = start_http(&INFERENCE, &["--stateless"]).await;
    let addr = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_string();
    let mut slow = Vec::new();
    for _ in 0..200 {
        let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        tcp.write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .await
            .unwrap();
        slow.push(tcp);
    }
    let dribble = tokio::spawn(async move {
        for _ in 0..20 {
            for tcp in &mut slow {
                let _ = tcp.write_all(b"X").await;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
    let started = std::time::Instant::now();
    let key = "Bearer sk-inference-demo-support-ro";
    let answered = raw(&server.url, reqwest::Method::POST, key, None, Some(INITIALIZE))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status().as_u16(), 200);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    dribble.abort();
}

/// A session left idle closes after `--session-idle`, and its place under the key's cap is
/// given back: the key can open a new one, and the old id is gone.
#[tokio::test]
async fn an_idle_session_expires_and_frees_its_place() {
    use reqwest::Method;
    let server = start_http(&INFERENCE, &["--max-sessions-per-key", "1", "--session-idle", "3"]).await;
    let key = "Bearer sk-inference-demo-support-ro";
    let open = || async {
        raw(&server.url, Method::POST, key, None, Some(INITIALIZE))
            .send()
            .await
            .unwrap()
    };
    let first = open().await;
    assert_eq!(first.status().as_u16(), 200);
    let session = first.headers()["mcp-session-id"].to_str().unwrap().to_string();
    drop(first);
    assert_eq!(open().await.status().as_u16(), 429, "the key's one place is taken");
    // Bounded: the session closes 3 s after its initialize (new initializes do not touch it).
    let mut reopened = None;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let attempt = open().await;
        if attempt.status().as_u16() == 200 {
            reopened = Some(attempt);
            break;
        }
    }
    assert!(reopened.is_some(), "the idle session never gave its place back");
    let list = r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#;
    let old = raw(&server.url, Method::POST, key, Some(&session), Some(list))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status().as_u16(), 404, "the expired session is gone");
}

/// The resident memory of a server process, in MiB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap();
    kib / 1024.0
}

/// Sessions closed with DELETE or by expiry give their memory back to the system (glibc keeps
/// freed pages unless trimmed): RSS returns near where it was before they opened, and a second
/// wave of sessions takes no more than the first.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[tokio::test]
async fn closed_and_expired_sessions_give_their_memory_back() {
    const WAVE: usize = 500;
    let server = start_http(&INFERENCE, &["--max-sessions-per-key", "1000", "--session-idle", "8"]).await;
    let pid = server.child.id();
    let http = reqwest::Client::new();
    let key = "Bearer sk-inference-demo-support-ro";
    let open_wave = || async {
        let mut ids = Vec::new();
        for _ in 0..WAVE / 25 {
            let mut batch = tokio::task::JoinSet::new();
            for _ in 0..25 {
                let request = http
                    .post(&server.url)
                    .header("authorization", key)
                    .header("content-type", "application/json")
                    .header("accept", "application/json, text/event-stream")
                    .body(INITIALIZE);
                batch.spawn(async move {
                    let response = request.send().await.unwrap();
                    assert_eq!(response.status().as_u16(), 200);
                    response.headers()["mcp-session-id"].to_str().unwrap().to_string()
                });
            }
            ids.extend(batch.join_all().await);
        }
        ids
    };
    // Bounded: the unclosed sessions expire 8 s after they opened, and a trim follows within 1 s.
    let settle = |ceiling: f64| async move {
        let mut rss = rss_mib(pid);
        for _ in 0..80 {
            if rss <= ceiling {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
            rss = rss_mib(pid);
        }
        rss
    };
    let close = |ids: Vec<String>| async {
        let mut batch = tokio::task::JoinSet::new();
        for id in ids {
            let request = http
                .delete(&server.url)
                .header("authorization", key)
                .header("mcp-session-id", id);
            batch.spawn(async move { request.send().await.unwrap().status().as_u16() });
        }
        // 404: a session of a slow wave that expired before its DELETE (gone all the same).
        let statuses = batch.join_all().await;
        assert!(statuses.iter().all(|s| [204, 404].contains(s)), "{statuses:?}");
    };
    // What the first sessions allocate for good (the key check, pools, maps) is in the base;
    // measured before the trim, the base is only higher and the check more lenient.
    close(open_wave().await).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let base = rss_mib(pid);
    let mut ids = open_wave().await;
    let full = rss_mib(pid);
    ids.truncate(WAVE / 2);
    close(ids).await;
    let ceiling = base + (full - base) / 4.0;
    let after = settle(ceiling).await;
    assert!(
        after <= ceiling,
        "{WAVE} sessions took RSS from {base:.1} to {full:.1} MiB; after half were closed and half expired it stayed at {after:.1} MiB"
    );
    open_wave().await;
    let again = rss_mib(pid);
    assert!(
        again - base <= (full - base) * 1.25,
        "a second wave of {WAVE} sessions took RSS to {again:.1} MiB, the first to {full:.1} MiB (base {base:.1})"
    );
}

/// The issue's "done when", across replicas: two stateless replicas over one backend; a
/// 2026-07-28 client that supports tasks starts "run HALO on the customer-support-agent over
/// the last 24 hours" on one and polls it to the report on the other (no task state lives in a
/// replica), then another team's key asks the second replica for the same task and is told there
/// is none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_halo_task_started_on_one_stateless_replica_is_answered_by_another() {
    use rmcp::model::{CallToolRequestParams, CallToolResponse, GetTaskParams, TaskPayload};
    let data = TempDir::new("replicas");
    let api = backend::start(backend::Config::new(data.path())).await.unwrap();
    let api_url = api.inference_url();
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let env = [("INFERENCE_API_URL", api_url.as_str())];
        replicas.push(serve_http(&INFERENCE, &["--stateless"], &env, TempDir::new("http")).await);
    }
    let first = latest_client(tasks_host(), &replicas[0].url, "sk-inference-demo-support-rw").await;
    let second = latest_client(tasks_host(), &replicas[1].url, "sk-inference-demo-support-rw").await;
    let params = CallToolRequestParams::new("run_halo").with_arguments(
        serde_json::json!({"agent": "customer-support-agent", "lookback_hours": 24})
            .as_object()
            .cloned()
            .unwrap(),
    );
    // The first replica asks for confirmation; the user's answer reaches the second, which
    // starts the run.
    let CallToolResponse::InputRequired(asked) = first.call_tool_once(params.clone()).await.unwrap() else {
        panic!("run_halo asks first")
    };
    let requests = asked.input_requests.unwrap_or_default();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let accepted = requests
        .keys()
        .map(|key| (key.clone(), serde_json::json!({"action": "accept"})))
        .collect();
    let params = params.with_input_responses(accepted);
    let CallToolResponse::Task(created) = second.call_tool_once(params).await.unwrap() else {
        panic!("run_halo is a task for a 2026-07-28 client that supports them")
    };
    let id = created.task.task_id;
    let done = task_outcome(&second, &id).await;
    let TaskPayload::Completed { result } = done.payload else {
        panic!("completed on the other replica: {done:?}")
    };
    let report = result["content"][0]["text"].as_str().unwrap_or_default();
    assert!(report.contains("# HALO report: Customer Support Agent"), "{report}");

    let stranger = latest_client(tasks_host(), &replicas[1].url, "sk-inference-demo-other-team").await;
    let refused = stranger.get_task(GetTaskParams::new(&id)).await.unwrap_err();
    assert!(refused.to_string().contains("no task"), "{refused}");
    for client in [first, second, stranger] {
        client.cancel().await.unwrap();
    }
}

/// Confirmation over HTTP: a 2026-07-28 client is asked with an input-required result (its
/// user declines: nothing is created); a session client of stateful HTTP is asked with
/// `elicitation/create` mid-call; a stateless server, which cannot ask a session client
/// mid-call, answers it with what would happen instead.
#[tokio::test]
async fn spending_tools_ask_over_http_as_each_client_can() {
    use rmcp::model::ElicitationAction::{Accept, Decline};
    let key = "sk-inference-demo-support-rw";
    let schedule =
        serde_json::json!({"agent_id": "customer-support-agent", "cadence": "hourly", "time_of_day": "00:15"});
    let stateless = start_http(&INFERENCE, &["--stateless"]).await;
    let declining = Host::new(Decline);
    let latest = latest_client(declining.clone(), &stateless.url, key).await;
    let (error, text) = call(&latest, "create_halo_schedule", schedule.clone()).await;
    assert!(error && text.starts_with("ERROR: not confirmed — the user declined: Schedule HALO on agent `customer-support-agent` in project prj_support every hour at minute 15"), "{text}");
    assert_eq!(declining.asked().len(), 1);
    let (_, schedules) = call(&latest, "list_halo_schedules", serde_json::json!({})).await;
    assert!(!schedules.contains("hourly"), "{schedules}");

    let session_host = Host::new(Accept);
    let legacy = http_client_as(session_host.clone(), &stateless.url, key).await;
    let (error, text) = call(&legacy, "create_halo_schedule", schedule.clone()).await;
    assert!(
        error && text.starts_with("ERROR: confirmation needed — Schedule HALO"),
        "{text}"
    );
    assert!(
        session_host.asked().is_empty(),
        "a stateless server does not ask mid-call"
    );

    let stateful = start_http(&INFERENCE, &[]).await;
    let session = http_client_as(session_host.clone(), &stateful.url, key).await;
    let (error, text) = call(&session, "create_halo_schedule", schedule).await;
    assert!(!error && text.contains("hourly at minute 15"), "{text}");
    assert_eq!(session_host.asked().len(), 1);
    for client in [latest.cancel(), legacy.cancel(), session.cancel()] {
        client.await.unwrap();
    }
}
