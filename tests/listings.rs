//! What a host sees when it lists tools, prompts and resources: locked by snapshots.

use crate::common::*;
use rmcp::model::{CallToolRequestParams, GetPromptRequestParams};

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

/// The tools as a host shows them to the model (output schemas are the client's, and locked
/// apart: [`output_schemas`]).
fn model_facing(tools: &[rmcp::model::Tool]) -> serde_json::Value {
    let mut tools = json(&tools);
    for tool in tools.as_array_mut().unwrap() {
        tool.as_object_mut().unwrap().remove("outputSchema");
    }
    tools
}

/// Bytes of the model-facing tools/list (compact JSON) a server may send: hosts put all of it in
/// the model's context before the first question. Raising one is a decision, not a side effect.
const INFERENCE_BUDGET: usize = 23_500;
const INFERIOR_BUDGET: usize = 15_000;

/// How much more one tool may take than its snapshot says before the test asks for a decision.
const TOOL_GROWTH: f64 = 1.10;

/// Holds a server's model-facing tools/list to its budget: snapshots each tool's bytes (compact
/// JSON) and cl100k tokens, with the bytes its names, types and structure take before any prose
/// (`floor`), and fails when the total passes `limit` or a tool grows more than 10% over the
/// committed snapshot (`name`), which a change must then edit on purpose.
fn budget(name: &str, tools: &[rmcp::model::Tool], limit: usize) {
    /// The tool without prose: what every documented argument costs by its name and type alone.
    fn bare(schema: &serde_json::Value) -> serde_json::Value {
        match schema {
            serde_json::Value::Object(map) => map
                .iter()
                .filter(|(k, _)| !["description", "enum", "default", "minimum", "maximum"].contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), if k == "properties" { bare_each(v) } else { bare(v) }))
                .collect(),
            serde_json::Value::Array(items) => items.iter().map(bare).collect(),
            other => other.clone(),
        }
    }
    fn bare_each(properties: &serde_json::Value) -> serde_json::Value {
        let map = properties.as_object().unwrap();
        map.iter().map(|(k, v)| (k.clone(), bare(v))).collect()
    }
    let bpe = tiktoken_rs::cl100k_base().unwrap();
    let facing = model_facing(tools);
    let total = serde_json::to_string(&facing).unwrap();
    let mut table = format!("{:<36} {:>6} {:>6} {:>6}\n", "tool", "bytes", "tokens", "floor");
    let mut floor_total = 2 + tools.len().saturating_sub(1);
    let mut sizes = Vec::new();
    for tool in facing.as_array().unwrap() {
        let text = serde_json::to_string(tool).unwrap();
        let floor = serde_json::json!({"name": tool["name"], "inputSchema": bare(&tool["inputSchema"])});
        let floor = serde_json::to_string(&floor).unwrap().len() + r#","description":"""#.len();
        floor_total += floor;
        let tool_name = tool["name"].as_str().unwrap().to_string();
        table += &format!(
            "{tool_name:<36} {:>6} {:>6} {floor:>6}\n",
            text.len(),
            bpe.encode_ordinary(&text).len()
        );
        sizes.push((tool_name, text.len()));
    }
    table += &format!(
        "{:<36} {:>6} {:>6} {floor_total:>6}\n",
        "total",
        total.len(),
        bpe.encode_ordinary(&total).len()
    );
    assert!(
        total.len() <= limit,
        "{name}: tools/list takes {} bytes, over its budget of {limit}; say less, or raise the budget in tests/listings.rs on purpose",
        total.len()
    );
    let committed = std::fs::read_to_string(format!(
        "{}/tests/snapshots/main__listings__{name}.snap",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_default();
    for (tool, bytes) in &sizes {
        let before = committed.lines().find_map(|line| {
            let mut cells = line.split_whitespace();
            (cells.next() == Some(tool.as_str()))
                .then(|| cells.next()?.parse::<usize>().ok())
                .flatten()
        });
        if let Some(before) = before {
            assert!(
                *bytes as f64 <= before as f64 * TOOL_GROWTH,
                "{name}: `{tool}` grew from {before} to {bytes} bytes (more than 10%); if that is meant, edit its row in the snapshot first"
            );
        }
    }
    insta::assert_snapshot!(name, table);
}

/// Checks every output schema is portable (an object at the root, no `$ref`, no type arrays)
/// and snapshots those of `shown`, a few tools chosen to cover the shapes.
fn output_schemas(tools: &[rmcp::model::Tool], shown: &[&str]) -> serde_json::Value {
    fn portable(name: &str, schema: &serde_json::Value) {
        let o = schema
            .as_object()
            .unwrap_or_else(|| panic!("{name}: a schema that is not an object"));
        for key in ["$ref", "$defs", "definitions"] {
            assert!(!o.contains_key(key), "{name}: `{key}` in its output schema");
        }
        assert!(o.get("type").is_none_or(|t| t.is_string()), "{name}: a type array");
        let subschemas = ["items", "additionalProperties"].into_iter().filter_map(|k| o.get(k));
        let members = o.get("anyOf").and_then(|a| a.as_array()).into_iter().flatten();
        let properties = o
            .get("properties")
            .and_then(|p| p.as_object())
            .into_iter()
            .flat_map(|p| p.values());
        subschemas
            .chain(members)
            .chain(properties)
            .filter(|s| !s.is_boolean())
            .for_each(|s| portable(name, s));
    }
    let mut out = serde_json::Map::new();
    for tool in tools {
        let Some(schema) = &tool.output_schema else { continue };
        let schema = serde_json::Value::Object((**schema).clone());
        assert_eq!(
            schema["type"], "object",
            "{}: the root of an output schema is an object",
            tool.name
        );
        portable(&tool.name, &schema);
        if shown.contains(&&*tool.name) {
            out.insert(tool.name.to_string(), schema);
        }
    }
    assert_eq!(out.len(), shown.len(), "each shown tool has an output schema");
    serde_json::Value::Object(out)
}

#[tokio::test]
async fn inferior_tools_list() {
    let client = offline_inferior().await;
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 16, "the document's 16 tools");
    for tool in &tools {
        assert!(
            tool.name.len() <= 64
                && tool
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{}",
            tool.name
        );
        let schema = serde_json::to_string(&tool.input_schema).unwrap();
        assert!(
            !schema.contains("$ref") && !schema.contains("$defs"),
            "{} has a $ref",
            tool.name
        );
        assert!(tool.title.is_some(), "{} lacks a title", tool.name);
    }
    insta::assert_json_snapshot!(model_facing(&tools));
    budget("inferior_tools_budget", &tools, INFERIOR_BUDGET);
    insta::assert_json_snapshot!(
        "inferior_output_schemas",
        output_schemas(&tools, &["get_inferior_stats", "deposit_file_inferior_experience"])
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn inferior_prompts_and_resources() {
    let client = offline_inferior().await;
    let prompts = client.list_all_prompts().await.unwrap();
    insta::assert_json_snapshot!("inferior_prompts_list", json(&prompts));
    let resources = client.list_all_resources().await.unwrap();
    let templates = client.list_all_resource_templates().await.unwrap();
    insta::assert_json_snapshot!("inferior_resources_list", json(&(resources, templates)));
    let info = client.peer_info().unwrap();
    assert_eq!(info.server_info.as_ref().map(|s| s.name.as_str()), Some("inferior-mcp"));
    assert!(
        info.instructions
            .as_deref()
            .unwrap_or_default()
            .starts_with("Inferior is a shared memory"),
        "embedded instructions when the live manifest is unreachable"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn inference_tools_list_full_and_read_only() {
    let client = offline_inference(&[]).await;
    let tools = client.list_all_tools().await.unwrap();
    insta::assert_json_snapshot!("inference_tools_list", model_facing(&tools));
    budget("inference_tools_budget", &tools, INFERENCE_BUDGET);
    insta::assert_json_snapshot!(
        "inference_output_schemas",
        output_schemas(&tools, &["whoami", "list_agents", "get_halo_run"])
    );
    let prompts = client.list_all_prompts().await.unwrap();
    insta::assert_json_snapshot!("inference_prompts_list", json(&prompts));
    client.cancel().await.unwrap();

    let client = offline_inference(&["--read-only"]).await;
    let read_only: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    let expected: Vec<String> = tools
        .iter()
        .filter(|t| t.annotations.as_ref().and_then(|a| a.read_only_hint) == Some(true))
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(read_only, expected);
    assert!(
        !read_only
            .iter()
            .any(|n| n.starts_with("create_") || n.starts_with("delete_"))
    );
    insta::assert_snapshot!("inference_tools_list_read_only", read_only.join("\n"));
    client.cancel().await.unwrap();

    let client = offline_inference(&["--toolsets", "identity,halo"]).await;
    let picked: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(picked.contains(&"whoami".to_string()) && picked.contains(&"apply_halo_fixes".to_string()));
    assert!(
        !picked.iter().any(|n| n.contains("training") || n.contains("dataset")),
        "{picked:?}"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn local_gate_answers_without_network() {
    let client = offline_inferior().await;
    let args = serde_json::json!({"is_error_shaped": true, "failed_attempts": 2, "elapsed_minutes": 25});
    let result = client
        .call_tool(
            CallToolRequestParams::new("should_search_inferior").with_arguments(args.as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    assert_eq!(result.is_error, Some(false));
    assert_eq!(
        json(&result.content)[0]["text"],
        "yes triggers_fired=['error_shaped','failed_attempts','elapsed_minutes']"
    );
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn unreachable_api_is_an_error_result_not_a_protocol_error() {
    let client = offline_inferior().await;
    let result = client
        .call_tool(CallToolRequestParams::new("get_inferior_stats"))
        .await
        .unwrap();
    assert_eq!(result.is_error, Some(true));
    let text = json(&result.content)[0]["text"].as_str().unwrap().to_string();
    assert_eq!(
        text,
        "ERROR: cannot reach the API — no connection to http://127.0.0.1:1 (is it running, and is the URL right?)"
    );
    let unsafe_search = serde_json::json!({"query": "login fails with password=hunter2hunter2"});
    let result = client
        .call_tool(
            CallToolRequestParams::new("search_inferior_experiences")
                .with_arguments(unsafe_search.as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    let text = json(&result.content)[0]["text"].as_str().unwrap().to_string();
    assert!(
        text.starts_with(
            "ERROR: unsafe query refused, nothing was sent — `query` contains secret: credential assignment (pass…)"
        ),
        "{text}"
    );
    let unknown = client.call_tool(CallToolRequestParams::new("no_such_tool")).await;
    assert!(unknown.is_err(), "an unknown tool is a JSON-RPC error");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn prompts_render_and_enforce_required_arguments() {
    let client = offline_inferior().await;
    let args = serde_json::json!({"error": "TypeError: x is undefined", "tools": "next 14"});
    let prompt = client
        .get_prompt(
            GetPromptRequestParams::new("inferior-debug-stuck").with_arguments(args.as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    insta::assert_json_snapshot!("inferior_debug_stuck_rendered", json(&prompt));
    let missing = client
        .get_prompt(GetPromptRequestParams::new("inferior-debug-stuck"))
        .await;
    assert!(
        missing
            .unwrap_err()
            .to_string()
            .contains("missing required argument `error`")
    );
    client.cancel().await.unwrap();
}

/// The names a client lists.
async fn tool_names(client: &rmcp::service::RunningService<rmcp::RoleClient, ()>) -> Vec<String> {
    client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect()
}

#[tokio::test]
async fn inferior_read_only_and_toolsets() {
    let client = spawn(&INFERIOR, &["--read-only"], &[("INFERIOR_API_URL", CLOSED)]).await;
    let read_only = tool_names(&client).await;
    assert!(
        !read_only
            .iter()
            .any(|n| n.starts_with("deposit_") || n.contains("feedback")),
        "{read_only:?}"
    );
    insta::assert_snapshot!("inferior_tools_list_read_only", read_only.join("\n"));
    let hidden = client
        .call_tool(CallToolRequestParams::new("submit_inferior_feedback"))
        .await;
    assert!(
        hidden
            .unwrap_err()
            .to_string()
            .contains("unknown tool `submit_inferior_feedback`"),
        "a hidden tool cannot be called either"
    );
    client.cancel().await.unwrap();

    let client = spawn(&INFERIOR, &["--toolsets", "gates"], &[("INFERIOR_API_URL", CLOSED)]).await;
    insta::assert_snapshot!("inferior_tools_list_gates", tool_names(&client).await.join("\n"));
    client.cancel().await.unwrap();
}

#[test]
fn help_is_built_from_the_manifests() {
    let (code, inferior, _) = run(&INFERIOR, &["--help"]);
    assert_eq!(code, 0);
    assert!(inferior.contains("(16 tools, 4 resources, 5 prompts)"), "{inferior}");
    insta::assert_snapshot!("inferior_help", inferior);
    let (code, inference, _) = run(&INFERENCE, &["--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("inference_help", inference);

    let (code, _, err) = run(&INFERENCE, &["--toolsets", "identity,trainig"]);
    assert_eq!(code, 2, "a usage error");
    assert!(
        err.contains("invalid value 'trainig' for '--toolsets <GROUPS>'"),
        "{err}"
    );
    let (code, _, err) = run(&INFERIOR, &["--stateless"]);
    assert_eq!(code, 2);
    assert!(err.contains("--http <ADDR>"), "--stateless needs --http: {err}");
    let (code, _, err) = run(&INFERIOR, &["--timeout", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("`0` is not a positive number of seconds"), "{err}");
    let (code, _, err) = run(&INFERENCE, &["--http", "127.0.0.1:0", "--session-idle", "1e30"]);
    assert_eq!(code, 2, "too long for a duration: a usage error, not a panic");
    assert!(err.contains("`1e30` is not a positive number of seconds"), "{err}");
    let (code, out, _) = run(&INFERIOR, &["--version"]);
    assert_eq!(
        (code, out.trim()),
        (0, format!("inferior-mcp {}", inferior_tools::SERVER.version).as_str())
    );
}

/// Both servers read the live manifest once at start: instructions and a prompt placed in the
/// local backend's data directory reach the client without a rebuild.
#[tokio::test]
async fn a_prompt_added_to_the_live_manifest_appears_without_a_rebuild() {
    for (bin, api, embedded) in [
        (&INFERIOR, "inferior", inferior_tools::MANIFEST),
        (&INFERENCE, "inference", inference_tools::MANIFEST),
    ] {
        let dir = TempDir::new("live-manifest");
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("manifests")).unwrap();
        let mut manifest: serde_json::Value = serde_json::from_str(embedded).unwrap();
        manifest["instructions"] = serde_json::json!(format!("Live instructions from the {api} backend."));
        manifest["prompts"].as_array_mut().unwrap().push(serde_json::json!({
            "name": "weekly-review", "description": "Review this week's work.",
            "arguments": [], "messages": [{"role": "user", "template": "Summarize this week."}]
        }));
        std::fs::write(data.join(format!("manifests/{api}.json")), manifest.to_string()).unwrap();
        let client = spawn(bin, &["--local", "--data-dir", data.to_str().unwrap()], &[]).await;
        assert_eq!(
            client.peer_info().unwrap().instructions,
            Some(format!("Live instructions from the {api} backend."))
        );
        let prompts = client.list_all_prompts().await.unwrap();
        assert!(prompts.iter().any(|p| p.name == "weekly-review"), "{api}: {prompts:?}");
        client.cancel().await.unwrap();
    }
}

/// A host that shows the model structured content in place of the text (Claude Code) gets the
/// text alone under `--structured-output auto`; `never` leaves structure out for every client,
/// `always` gives it to every client.
#[tokio::test]
async fn structured_output_is_left_out_for_hosts_that_would_show_it_instead_of_the_text() {
    use rmcp::model::{ClientCapabilities, ClientConfig, Implementation};
    let dir = TempDir::new("structured-output");
    let data = dir.path().join("data");
    let local = ["--local", "--data-dir", data.to_str().unwrap()];
    let host = |name: &str| ClientConfig::new(ClientCapabilities::default(), Implementation::new(name, "2.1.280"));
    for (mode, claude, structured) in [
        ("auto", false, true),
        ("auto", true, false),
        ("never", false, false),
        ("always", true, true),
    ] {
        let args = [&local[..], &["--structured-output", mode]].concat();
        let name = if claude { "claude-code" } else { "another-host" };
        let client = spawn_as(host(name), &INFERIOR, &args, &[], None).await;
        let tools = client.list_all_tools().await.unwrap();
        let declared = tools.iter().filter(|t| t.output_schema.is_some()).count();
        assert_eq!(
            declared > 0,
            structured,
            "{mode}, claude-code {claude}: {declared} output schemas"
        );
        let result = call_result(&client, "get_inferior_stats", serde_json::json!({})).await;
        assert_eq!(
            result.structured_content.is_some(),
            structured,
            "{mode}, claude-code {claude}"
        );
        let text = json(&result.content)[0]["text"].as_str().unwrap().to_string();
        assert!(
            text.contains("experiences from"),
            "the text is the answer either way: {text}"
        );
        client.cancel().await.unwrap();
    }
}
