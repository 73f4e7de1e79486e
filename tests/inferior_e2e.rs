//! `inferior-mcp --local` end to end: every tool, resource and prompt through rmcp's client
//! against the embedded backend, with the answers locked by snapshots; then the error paths.

use crate::common::*;
use rmcp::model::{GetPromptRequestParams, ReadResourceRequestParams};
use serde_json::json;

async fn local(dir: &TempDir, env: &[(&str, &str)]) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let data = dir.path().join("data");
    spawn_in(
        &INFERIOR,
        &["--local", "--data-dir", data.to_str().unwrap()],
        env,
        Some(dir.path()),
    )
    .await
}

#[tokio::test]
async fn every_tool_resource_and_prompt() {
    let dir = TempDir::new("inferior-e2e");
    std::fs::write(
        dir.path().join("postmortem.md"),
        "# Postmortem\n\nThe queue consumer acknowledged messages before processing them, so a crash lost work.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("leak.md"),
        "deploy used password=hunter2hunter2 in the URL\n",
    )
    .unwrap();
    let client = local(&dir, &[]).await;
    let mut answers: Vec<(&str, bool, String)> = Vec::new();
    let mut ask = async |name: &'static str, tool: &str, args: serde_json::Value| {
        let (error, text) = call(&client, tool, args).await;
        answers.push((name, error, redact(&text)));
    };

    // Retrieval
    ask(
        "search",
        "search_inferior_experiences",
        json!({"query": "stripe webhook signature fails on vercel edge", "limit": 3, "scope": "collective"}),
    )
    .await;
    ask(
        "search_none",
        "search_inferior_experiences",
        json!({"query": "zxqv quantum flux capacitor"}),
    )
    .await;
    ask(
        "search_unsafe",
        "search_inferior_experiences",
        json!({"query": "401 from 10.0.3.7 with sk-inference-abcdef123456"}),
    )
    .await;
    ask(
        "search_bad_limit",
        "search_inferior_experiences",
        json!({"query": "stripe", "limit": 0}),
    )
    .await;
    ask(
        "get",
        "get_inferior_experience",
        json!({"experience_id": "exp_stripe_edge"}),
    )
    .await;
    ask(
        "get_missing",
        "get_inferior_experience",
        json!({"experience_id": "exp_missing"}),
    )
    .await;
    ask("context", "check_inferior_context", json!({"task_description": "Add a Stripe webhook route to our Next.js app on Vercel", "tools": ["nextjs", "stripe"]})).await;
    ask("stats", "get_inferior_stats", json!({})).await;
    ask("profile", "get_my_profile", json!({})).await;
    ask("hotspots_forbidden", "inferior_demand_hotspots", json!({})).await;
    // Deposit and feedback
    let deposit = json!({
        "title": "Vite dev server 404s deep links behind nginx",
        "problem": "Refreshing any client-side route returns 404 from nginx in the staging container.",
        "successful_approach_method": "Add try_files $uri /index.html to the nginx location block",
        "root_cause": "nginx looked for a file at the route path and had no fallback to the single-page app's index.html",
        "insight": "Single-page apps need the web server to fall back to index.html for unknown paths",
        "tags": ["nginx", "vite", "spa"],
        "env_versions": {"nginx": "1.25"}
    });
    ask("deposit", "deposit_inferior_experience", deposit.clone()).await;
    ask("deposit_duplicate", "deposit_inferior_experience", deposit.clone()).await;
    let mut short = deposit.clone();
    short["root_cause"] = json!("nginx config");
    ask("deposit_gate_1", "deposit_inferior_experience", short).await;
    ask(
        "deposit_raw",
        "deposit_raw_inferior_experience",
        json!({"content": "Our cron ran twice after the DST switch because it used local time.", "tags": ["cron"]}),
    )
    .await;
    ask(
        "deposit_file",
        "deposit_file_inferior_experience",
        json!({"file_path": "postmortem.md", "tags": ["queues"]}),
    )
    .await;
    ask(
        "deposit_file_secret",
        "deposit_file_inferior_experience",
        json!({"file_path": "leak.md"}),
    )
    .await;
    ask(
        "deposit_file_outside",
        "deposit_file_inferior_experience",
        json!({"file_path": "../../etc/passwd"}),
    )
    .await;
    ask(
        "feedback",
        "submit_inferior_feedback",
        json!({"experience_id": "exp_stripe_edge", "was_helpful": true}),
    )
    .await;
    // Local gates
    ask(
        "should_search",
        "should_search_inferior",
        json!({"is_error_shaped": true, "failed_attempts": 2, "elapsed_minutes": 25}),
    )
    .await;
    ask(
        "should_not_search",
        "should_search_inferior",
        json!({"is_error_shaped": true, "is_trivial": true}),
    )
    .await;
    ask("worthiness", "evaluate_deposit_worthiness", json!({"title": "Stripe signature fails on Vercel edge", "problem": "Intermittent 400s from the webhook verifier", "root_cause": "edge runtime", "insight": "use node", "successful_approach_method": "use node", "tags": ["stripe"]})).await;
    ask("query_safety_unsafe", "check_query_safety", json!({"query": "user jane@acme-corp.com gets 500 from api.billing.internal", "custom_deny_patterns": ["(?i)acme"]})).await;
    ask(
        "query_safety_safe",
        "check_query_safety",
        json!({"query": "TypeError: Cannot read properties of undefined (reading 'map')"}),
    )
    .await;
    let trace = json!({
        "tool_calls": [
            {"name": "bash", "status": "error", "output": "Error: No signatures found matching the expected signature"},
            {"name": "bash", "status": "ok", "output": "12 tests passed"}
        ],
        "user_messages": ["still failing", "it works now, thanks"],
        "outcome": "success", "elapsed_seconds": 1500, "searches_performed": 1
    });
    ask("deposit_signals", "detect_deposit_signals_from_trace", trace.clone()).await;
    ask("search_signals", "detect_search_signals_from_trace", trace).await;
    ask("form_query", "form_search_query", json!({"draft_query": "how do I fix stripe webhook signature failing?", "tech_stack": ["nextjs", "stripe"], "versions": "next 14.1", "environment": "vercel edge", "error_message": "Error: No signatures found matching the expected signature for payload"})).await;

    for (name, error, text) in &answers {
        let expected_error = [
            "search_unsafe",
            "search_bad_limit",
            "get_missing",
            "hotspots_forbidden",
            "deposit_duplicate",
            "deposit_gate_1",
            "deposit_file_secret",
            "deposit_file_outside",
        ]
        .contains(name);
        assert_eq!(*error, expected_error, "{name}: {text}");
        if *error {
            assert!(text.starts_with("ERROR: "), "{name}: {text}");
        }
    }
    let transcript: String = answers
        .iter()
        .map(|(name, error, text)| format!("## {name}{}\n{text}\n\n", if *error { " (isError)" } else { "" }))
        .collect();
    insta::assert_snapshot!("inferior_tool_answers", transcript);

    // Resources
    let read_text = async |uri: &str| {
        let read = client
            .read_resource(ReadResourceRequestParams::new(uri))
            .await
            .unwrap_or_else(|e| panic!("{uri}: {e}"));
        serde_json::to_value(&read.contents).unwrap()[0]["text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mut resources = String::new();
    for uri in [
        "inferior://my-profile",
        "inferior://stats",
        "inferior://experience/exp_pg_pool",
        "inferior://procedures/proc_raw_body_webhooks",
    ] {
        resources.push_str(&format!("## {uri}\n{}\n\n", redact(&read_text(uri).await)));
    }
    insta::assert_snapshot!("inferior_resources_read", resources);
    // Cache hints (SEP-2549): a resource with a TTL says how long it stays fresh (what is left of
    // the TTL of the server's copy, read above), for its reader only; one without says nothing;
    // the lists are the same for every key for the server's life. rmcp's client caches by these
    // hints, so each check first empties it: the answers below are the server's.
    use rmcp::model::CacheScope;
    client.clear_response_cache().await;
    let fresh_for = async |uri: &str, ttl_ms: u64| {
        let read = client.read_resource(ReadResourceRequestParams::new(uri)).await.unwrap();
        assert_eq!(read.cache_scope, Some(CacheScope::Private), "{uri}");
        let left = read.ttl_ms.unwrap_or_else(|| panic!("{uri}: no ttlMs"));
        assert!(left < ttl_ms && left > ttl_ms - 60_000, "{uri}: ttlMs {left}");
    };
    fresh_for("inferior://stats", 300_000).await;
    fresh_for("inferior://procedures/proc_raw_body_webhooks", 3_600_000).await;
    let profile = client
        .read_resource(ReadResourceRequestParams::new("inferior://my-profile"))
        .await
        .unwrap();
    assert_eq!((profile.ttl_ms, profile.cache_scope), (None, None));
    let tools = client.list_tools(None).await.unwrap();
    assert_eq!(
        (tools.ttl_ms, tools.cache_scope),
        (Some(3_600_000), Some(CacheScope::Public))
    );
    client.clear_response_cache().await;
    let again = client.list_tools(None).await.unwrap();
    let names = |list: &rmcp::model::ListToolsResult| list.tools.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&tools), names(&again), "tools keep their order between calls");
    // inferior://stats is kept for its 5-minute TTL: a new deposit shows in the tool, not yet in
    // the resource.
    let stats = read_text("inferior://stats").await;
    assert!(stats.starts_with("10 experiences"), "{stats}");
    let mut another = deposit.clone();
    another["title"] = json!("Nginx returns 404 for client-side routes of a Vite build");
    another["root_cause"] =
        json!("The location block served files only, with no fallback to the app's index.html page");
    assert!(!call(&client, "deposit_inferior_experience", another).await.0);
    assert!(
        call(&client, "get_inferior_stats", json!({}))
            .await
            .1
            .starts_with("11 experiences")
    );
    client.clear_response_cache().await;
    assert_eq!(read_text("inferior://stats").await, stats);
    assert!(
        client
            .read_resource(ReadResourceRequestParams::new("inferior://experience/exp_missing"))
            .await
            .is_err()
    );

    // Prompts
    let mut prompts = String::new();
    for (name, args) in [
        ("inferior-debug-stuck", json!({"error": "TypeError: x is undefined"})),
        ("inferior-postmortem", json!({})),
        (
            "inferior-pre-task-scan",
            json!({"task": "Add SSO login", "tools": "nextjs, auth.js"}),
        ),
        ("inferior-find-anti-patterns", json!({"subject": "React useEffect"})),
        ("inferior-explain", json!({"experience_id": "exp_stripe_edge"})),
    ] {
        let prompt = client
            .get_prompt(GetPromptRequestParams::new(name).with_arguments(args.as_object().cloned().unwrap()))
            .await
            .unwrap();
        let text = serde_json::to_value(&prompt.messages).unwrap()[0]["content"]["text"]
            .as_str()
            .unwrap()
            .to_string();
        prompts.push_str(&format!("## {name}\n{text}\n\n"));
    }
    insta::assert_snapshot!("inferior_prompts_rendered", prompts);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_bad_key_a_timeout_and_a_rate_limit_are_error_results() {
    let dir = TempDir::new("inferior-errors");
    let bad = local(&dir, &[("INFERIOR_API_KEY", "cw_full_not_a_real_key")]).await;
    let (error, text) = call(&bad, "get_inferior_stats", json!({})).await;
    assert!(error);
    assert_eq!(
        text,
        "ERROR: authentication failed — invalid or missing INFERIOR_API_KEY (over HTTP: the header `Authorization: Bearer <your-api-key>`)"
    );
    let (error, text) = call(&bad, "should_search_inferior", json!({"is_unfamiliar": true})).await;
    assert!(!error, "local gates work without a valid key: {text}");
    bad.cancel().await.unwrap();

    let admin = local(&dir, &[("INFERIOR_API_KEY", "cw_admin_demo_local_key")]).await;
    let (error, hot) = call(&admin, "inferior_demand_hotspots", json!({})).await;
    assert!(
        !error && hot.starts_with("2 topic(s) searched without a good match in the last 7 days"),
        "{hot}"
    );
    assert!(
        hot.contains("| 3 | rust tokio runtime panics cannot start a runtime from within a runtime | rust |"),
        "{hot}"
    );
    admin.cancel().await.unwrap();

    let throttled = local(&dir, &[("INFERIOR_API_KEY", "cw_full_throttled_local_key")]).await;
    let mut last = String::new();
    for _ in 0..4 {
        last = call(&throttled, "get_inferior_stats", json!({})).await.1;
    }
    assert!(
        regex::Regex::new(r"^ERROR: rate limit exceeded — retry after \d+ s$")
            .unwrap()
            .is_match(&last),
        "{last}"
    );
    throttled.cancel().await.unwrap();

    // An API that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let started = std::time::Instant::now();
    let slow = spawn(
        &INFERIOR,
        &[],
        &[
            ("INFERIOR_API_URL", &url),
            ("MCP_HTTP_TIMEOUT", "1"),
            ("INFERIOR_MCP_MANIFEST_URL", CLOSED),
        ],
    )
    .await;
    let (error, text) = call(&slow, "get_inferior_stats", json!({})).await;
    assert!(error);
    assert_eq!(
        text,
        "ERROR: the API did not answer in time — try again, or raise MCP_HTTP_TIMEOUT"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "bounded by the timeout"
    );
    slow.cancel().await.unwrap();
    drop(silent);
}
