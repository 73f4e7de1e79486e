//! `cargo build --release --bins && cargo bench --bench servers`: cold start, idle memory and
//! per-call overhead of both servers, tool calls per second over HTTP with 50 concurrent sessions,
//! and the memory that 10,000 open sessions hold and give back when closed.
//!
//! Everything runs on loopback against an in-process local backend; loops are bounded in count.
//! Figures are medians (p95 and p99 in brackets) of wall-clock time on this machine.

#[path = "../tests/bin.rs"]
mod bin;

use bin::Bin;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const COLD_STARTS: usize = 20;
const CALLS: usize = 300;
const SESSIONS: usize = 50;
const CALLS_PER_SESSION: usize = 40;
/// Sessions opened (then closed) by one key for the memory figure.
const MANY_SESSIONS: usize = 10_000;

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn stats(samples: &mut [Duration]) -> String {
    format!(
        "{} [p95 {}, p99 {}]",
        ms(percentile(samples, 0.5)),
        ms(percentile(samples, 0.95)),
        ms(percentile(samples, 0.99))
    )
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time (user + system) a process has used so far; `self` for this one.
fn cpu_time(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) end with `)`.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    // The kernel's USER_HZ, 100 on every Linux this runs on.
    Duration::from_millis(ticks * 10)
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// Bytes and cl100k tokens of the tools/list a host puts in the model's context: each tool's
/// name, title, description, input schema and annotations, as compact JSON.
fn model_facing_size(listed: &str) -> (usize, usize) {
    let answer: serde_json::Value = serde_json::from_str(listed).expect("a JSON answer");
    let mut tools = answer["result"]["tools"].clone();
    for tool in tools.as_array_mut().expect("tools") {
        tool.as_object_mut().unwrap().remove("outputSchema");
    }
    let text = serde_json::to_string(&tools).unwrap();
    let tokens = tiktoken_rs::cl100k_base().unwrap().encode_ordinary(&text).len();
    (text.len(), tokens)
}

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#;
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

/// A stdio server driven with raw JSON-RPC lines (no client library in the measurement).
struct Stdio_ {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
    next_id: u64,
}

impl Stdio_ {
    fn spawn(bin: &str, args: &[&str], env: &[(&str, String)]) -> Self {
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("server starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
            next_id: 10,
        }
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    fn recv(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line
    }

    fn request(&mut self, method: &str, params: &str) -> String {
        self.next_id += 1;
        self.send(&format!(
            r#"{{"jsonrpc":"2.0","id":{},"method":"{method}","params":{params}}}"#,
            self.next_id
        ));
        self.recv()
    }
}

impl Drop for Stdio_ {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Time to the first tools/list answer, RSS after it, and the answer.
fn cold_start(bin: &str, args: &[&str], env: &[(&str, String)]) -> (Duration, u64, String) {
    let started = Instant::now();
    let mut server = Stdio_::spawn(bin, args, env);
    server.send(INIT);
    server.recv();
    server.send(INITIALIZED);
    let listed = server.request("tools/list", "{}");
    assert!(listed.contains("\"tools\""), "{listed}");
    let elapsed = started.elapsed();
    std::thread::sleep(Duration::from_millis(200));
    (elapsed, rss_kib(server.child.id()), listed)
}

/// Times [`CALLS`] sequential `tools/call`s with `params` on a new inferior-mcp over stdio,
/// checking that each answer contains `expect`; with the server's CPU time per call.
fn stdio_calls(env: &[(&str, String)], params: &str, expect: &str) -> (Vec<Duration>, Duration) {
    let mut server = Stdio_::spawn(&INFERIOR, &[], env);
    server.send(INIT);
    server.recv();
    server.send(INITIALIZED);
    let pid = server.child.id().to_string();
    let cpu = cpu_time(&pid);
    let latencies = (0..CALLS)
        .map(|_| {
            let t = Instant::now();
            let answer = server.request("tools/call", params);
            let elapsed = t.elapsed();
            assert!(answer.contains(expect), "{answer}");
            elapsed
        })
        .collect();
    (latencies, (cpu_time(&pid) - cpu) / CALLS as u32)
}

static INFERIOR: Bin = Bin::new("inferior-mcp");
static INFERENCE: Bin = Bin::new("inference-mcp");

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("mcp-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = backend::Config::new(&dir);
    config.rate_limit_override = Some(u32::MAX);
    let backend = runtime.block_on(backend::start(config)).expect("backend starts");
    let inferior_env = vec![
        ("INFERIOR_API_URL", backend.inferior_url()),
        ("INFERIOR_API_KEY", "cw_full_demo_local_key".to_string()),
        (
            "INFERIOR_MCP_MANIFEST_URL",
            format!("{}/v1/mcp/manifest.json", backend.inferior_url()),
        ),
    ];
    let inference_env = vec![
        ("INFERENCE_API_URL", backend.inference_url()),
        ("INFERENCE_API_KEY", "sk-inference-demo-multi-default".to_string()),
    ];

    println!("# Benchmarks (cargo bench --bench servers), loopback, in-process local backend\n");
    let local_dir = dir.join("local");
    let local_args = ["--local", "--data-dir", local_dir.to_str().unwrap()];
    for (name, bin, args, env) in [
        ("inferior-mcp", &INFERIOR, &[][..], &inferior_env[..]),
        ("inference-mcp", &INFERENCE, &[], &inference_env),
        // The README's command: the embedded backend on an already seeded data directory.
        ("inferior-mcp --local", &INFERIOR, &local_args, &[]),
        ("inference-mcp --local", &INFERENCE, &local_args, &[]),
    ] {
        let (_, _, listed) = cold_start(bin, args, env);
        let mut starts = Vec::new();
        let mut rss = Vec::new();
        for _ in 0..COLD_STARTS {
            let (d, kib, _) = cold_start(bin, args, env);
            starts.push(d);
            rss.push(kib);
        }
        rss.sort();
        let (bytes, tokens) = model_facing_size(&listed);
        println!(
            "{name}: cold start to first tools/list {} over {COLD_STARTS} starts; idle RSS {:.1} MiB; model-facing tools/list {bytes} bytes, {tokens} cl100k tokens",
            stats(&mut starts),
            rss[rss.len() / 2] as f64 / 1024.0
        );
    }
    // The floor under any cold start on this machine: a process that does nothing.
    let mut floor: Vec<Duration> = (0..COLD_STARTS)
        .map(|_| {
            let t = Instant::now();
            Command::new("true").status().expect("`true` runs");
            t.elapsed()
        })
        .collect();
    println!("`true` (spawn and exit, nothing else): {}", stats(&mut floor));

    // Per-call overhead: the same read through MCP (stdio) and straight through the SDK.
    let inferior = inferior_sdk::ClientConfig::new(backend.inferior_url())
        .api_key("cw_full_demo_local_key")
        .build()
        .unwrap();
    let mut direct = Vec::new();
    // The backend runs in this process: its CPU per request here includes the SDK client's.
    let cpu = cpu_time("self");
    for _ in 0..CALLS {
        let t = Instant::now();
        runtime.block_on(inferior.get_stats().send()).unwrap();
        direct.push(t.elapsed());
    }
    let direct_cpu = (cpu_time("self") - cpu) / CALLS as u32;
    let stats_call = r#"{"name":"get_inferior_stats","arguments":{}}"#;
    let gate_call = r#"{"name":"should_search_inferior","arguments":{"is_error_shaped":true,"failed_attempts":2}}"#;
    let (mut via_mcp, mcp_cpu) = stdio_calls(&inferior_env, stats_call, "\"structuredContent\"");
    let (mut local_gate, gate_cpu) = stdio_calls(&inferior_env, gate_call, "\"isError\":false");
    // The same call answered as text alone: what the structured content costs.
    let text_env = [&inferior_env[..], &[("MCP_STRUCTURED_OUTPUT", "never".to_string())]].concat();
    let (mut text_only, text_cpu) = stdio_calls(&text_env, stats_call, "\"isError\":false");
    let overhead = percentile(&mut via_mcp, 0.5).saturating_sub(percentile(&mut direct, 0.5));
    let text_overhead = percentile(&mut text_only, 0.5).saturating_sub(percentile(&mut direct, 0.5));
    println!(
        "inferior-mcp: get_inferior_stats via MCP {} (server CPU {} per call), as text alone {} (CPU {}); the API directly {} (backend and client CPU {} per request) → per-call overhead {} (text alone {}, median); a local gate round trip {} (CPU {})",
        stats(&mut via_mcp),
        us(mcp_cpu),
        stats(&mut text_only),
        us(text_cpu),
        stats(&mut direct),
        us(direct_cpu),
        ms(overhead),
        ms(text_overhead),
        stats(&mut local_gate),
        us(gate_cpu)
    );

    // The backend alone, the same load: 50 concurrent clients, each with its key.
    let backend_rate = runtime.block_on(async {
        let keys = ["sk-inference-demo-multi-default", "sk-inference-demo-support-rw", "sk-inference-demo-support-ro"];
        let cpu = cpu_time("self");
        let started = Instant::now();
        let mut tasks = Vec::new();
        for i in 0..SESSIONS {
            let sdk = inference_sdk::ClientConfig::new(backend.inference_url()).api_key(keys[i % keys.len()]).build().unwrap();
            tasks.push(tokio::spawn(async move {
                let projects = sdk.list_projects().send().await.expect("projects").into_inner();
                let project = projects.items[0].id.clone();
                let mut latencies = Vec::new();
                for _ in 0..CALLS_PER_SESSION {
                    let t = Instant::now();
                    sdk.list_agents().project_id(project.clone()).send().await.expect("agents");
                    latencies.push(t.elapsed());
                }
                latencies
            }));
        }
        let mut latencies = Vec::new();
        for t in tasks {
            latencies.extend(t.await.unwrap());
        }
        let rate = latencies.len() as f64 / started.elapsed().as_secs_f64();
        let cpu = (cpu_time("self") - cpu) / latencies.len() as u32;
        println!(
            "the backend directly: {SESSIONS} concurrent clients × {CALLS_PER_SESSION} list_agents requests (plus one list_projects each): {rate:.0} requests/s, latency {}, backend and client CPU {} per request",
            stats(&mut latencies),
            us(cpu)
        );
        rate
    });

    // HTTP: 50 concurrent sessions of inference-mcp, each with the key in its bearer header.
    let (mut http, url) = runtime.block_on(start_http(&backend.inference_url(), &[]));
    runtime.block_on(async {
        let keys = ["sk-inference-demo-multi-default", "sk-inference-demo-support-rw", "sk-inference-demo-support-ro"];
        let mut clients = Vec::new();
        for i in 0..SESSIONS {
            let transport = StreamableHttpClientTransport::from_config(StreamableHttpClientTransportConfig::with_uri(url.as_str()).auth_header(keys[i % keys.len()]));
            clients.push(().serve(transport).await.expect("session starts"));
        }
        let server_cpu = cpu_time(&http.id().to_string());
        let rest_cpu = cpu_time("self");
        let started = Instant::now();
        let mut tasks = Vec::new();
        for client in clients {
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                for _ in 0..CALLS_PER_SESSION {
                    let t = Instant::now();
                    let result = client.call_tool(CallToolRequestParams::new("list_agents")).await.expect("call");
                    assert_eq!(result.is_error, Some(false));
                    latencies.push(t.elapsed());
                }
                let _ = client.cancel().await;
                latencies
            }));
        }
        let mut latencies = Vec::new();
        for t in tasks {
            latencies.extend(t.await.unwrap());
        }
        let elapsed = started.elapsed();
        let rate = latencies.len() as f64 / elapsed.as_secs_f64();
        let server_cpu = (cpu_time(&http.id().to_string()) - server_cpu) / latencies.len() as u32;
        let rest_cpu = (cpu_time("self") - rest_cpu) / latencies.len() as u32;
        println!(
            "inference-mcp --http: {SESSIONS} concurrent sessions × {CALLS_PER_SESSION} list_agents calls: {rate:.0} tool calls/s ({:.0}% of the backend's own), latency {}, server CPU {} per call (backend and MCP clients {}); server RSS under load {:.1} MiB",
            100.0 * rate / backend_rate,
            stats(&mut latencies),
            us(server_cpu),
            us(rest_cpu),
            rss_kib(http.id()) as f64 / 1024.0
        );
    });
    let _ = http.kill();
    let _ = http.wait();
    runtime.block_on(session_memory(&backend.inference_url()));
    drop(backend);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts `inference-mcp --http` on a free loopback port against `api`, once it listens.
async fn start_http(api: &str, extra: &[&str]) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&INFERENCE)
        .args(["--http", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("INFERENCE_API_URL", api)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    (child, format!("http://127.0.0.1:{port}/mcp"))
}

/// RSS of a server that one key makes open [`MANY_SESSIONS`] sessions (caps raised to allow
/// it), after it closes them all with DELETE, twice, and what the default per-key cap answers.
async fn session_memory(api: &str) {
    let many = MANY_SESSIONS.to_string();
    let (mut server, url) = start_http(api, &["--max-sessions", &many, "--max-sessions-per-key", &many]).await;
    let http = reqwest::Client::new();
    let key = "Bearer sk-inference-demo-support-ro";
    let open = |http: reqwest::Client, url: String| async move {
        let response = http
            .post(&url)
            .header("authorization", key)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(INIT)
            .send()
            .await
            .expect("initialize");
        let status = response.status().as_u16();
        let id = response
            .headers()
            .get("mcp-session-id")
            .map(|v| v.to_str().unwrap().to_string());
        let _ = response.bytes().await;
        (status, id)
    };
    let idle = rss_kib(server.id());
    // Two waves, each opened then closed: memory is given back after each, and the second wave
    // takes no more than the first.
    let mut figures = Vec::new();
    for _ in 0..2 {
        let started = Instant::now();
        let mut ids = Vec::new();
        for _ in 0..MANY_SESSIONS / 50 {
            let mut batch = tokio::task::JoinSet::new();
            for _ in 0..50 {
                batch.spawn(open(http.clone(), url.clone()));
            }
            ids.extend(batch.join_all().await.into_iter().filter_map(|(_, id)| id));
        }
        let opened = started.elapsed();
        let full = rss_kib(server.id());
        for chunk in ids.chunks(50) {
            let mut batch = tokio::task::JoinSet::new();
            for id in chunk {
                let (http, url, id) = (http.clone(), url.clone(), id.clone());
                batch.spawn(async move {
                    http.delete(&url)
                        .header("authorization", key)
                        .header("mcp-session-id", id)
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                });
            }
            batch.join_all().await;
        }
        // The server trims its heap within a second of the last close.
        tokio::time::sleep(Duration::from_secs(2)).await;
        figures.push((ids.len(), opened, full, rss_kib(server.id())));
    }
    let mib = |kib: u64| kib as f64 / 1024.0;
    for (wave, (count, opened, full, closed)) in figures.into_iter().enumerate() {
        println!(
            "inference-mcp --http: wave {} of {count} sessions opened by one key in {:.1} s: RSS {:.1} → {:.1} MiB; after DELETE of all {:.1} MiB",
            wave + 1,
            opened.as_secs_f64(),
            mib(idle),
            mib(full),
            mib(closed)
        );
    }
    let _ = server.kill();
    let _ = server.wait();

    let (mut server, url) = start_http(api, &[]).await;
    let mut statuses = std::collections::BTreeMap::new();
    for _ in 0..150 {
        *statuses.entry(open(http.clone(), url.clone()).await.0).or_insert(0) += 1;
    }
    println!(
        "inference-mcp --http: 150 sessions tried by one key under the default caps: {statuses:?} (status: count)"
    );
    let _ = server.kill();
    let _ = server.wait();
}
