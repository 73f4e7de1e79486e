//! What a host sees when it lists tools, prompts and resources: locked by snapshots.

use crate::common::*;
use rmcp::model::{CallToolRequestParams, GetPromptRequestParams};

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
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
        assert!(
            tool.annotations
                .as_ref()
                .is_some_and(|a| a.title.is_some() && a.read_only_hint.is_some()),
            "{} lacks annotations",
            tool.name
        );
    }
    insta::assert_json_snapshot!(json(&tools));
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
    insta::assert_json_snapshot!("inference_tools_list", json(&tools));
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
