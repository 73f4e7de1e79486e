//! Confirmation before spend, over stdio: every tool that consumes credits or changes what runs
//! in production asks the user first (a form for a host that shows one, else a first answer that
//! says what would happen); declined, nothing is created; a read-only key is told so before
//! anyone is asked. Over HTTP (input-required results, stateless replicas): `http.rs`.

use crate::common::*;
use rmcp::model::ElicitationAction::{Accept, Decline};
use serde_json::{Value, json};

/// The ids of everything the spending tools create or change, from the listings.
async fn state<H: rmcp::ClientHandler>(client: &rmcp::service::RunningService<rmcp::RoleClient, H>) -> Value {
    let mut state = serde_json::Map::new();
    for list in [
        "list_datasets",
        "list_evals",
        "list_training_jobs",
        "list_deployments",
        "list_halo_runs",
        "list_halo_schedules",
    ] {
        let result = call_result(client, list, json!({"limit": 100})).await;
        let items = &result.structured_content.unwrap()["items"];
        let summary: Vec<Value> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|item| json!([item["id"], item["status"], item["min_replicas"], item["max_replicas"]]))
            .collect();
        state.insert(list.into(), summary.into());
    }
    state.into()
}

/// A host whose user declines every form: each spending tool asks once, answers that nothing was
/// done, and nothing is; the forms say what each call would have done (snapshot).
#[tokio::test]
async fn every_spending_tool_asks_first_and_a_declined_call_changes_nothing() {
    let dir = TempDir::new("confirm-declined");
    let host = Host::new(Decline);
    let client = local_as(host.clone(), &dir, None).await;
    let first = async |tool: &str, field: &str| -> String {
        let result = call_result(&client, tool, json!({})).await;
        result.structured_content.unwrap()["items"][0][field]
            .as_str()
            .unwrap_or_else(|| panic!("{tool}: no items[0].{field}"))
            .to_string()
    };
    let model = first("list_models", "id").await;
    let dataset = first("list_datasets", "id").await;
    let rubric = first("list_rubrics", "id").await;
    let deployment = first("list_deployments", "id").await;
    let agent = first("list_agents", "id").await;
    let before = state(&client).await;

    let calls = [
        (
            "run_halo",
            json!({"agent": "customer support", "lookback_hours": 48, "prompt": "Why do refunds fail?"}),
        ),
        (
            "create_halo_run",
            json!({"agent_id": agent, "window_start": "2026-12-01T00:00:00Z", "window_end": "2026-12-02T00:00:00Z", "model": "halo-large"}),
        ),
        (
            "create_halo_schedule",
            json!({"agent_id": agent, "cadence": "weekly", "day_of_week": 2, "time_of_day": "07:30", "lookback_hours": 168}),
        ),
        ("resume_halo_schedule", json!({"schedule_id": "hs_000000000001"})),
        (
            "create_training_job",
            json!({"base_model": model, "dataset_id": dataset, "name": "support-v3", "hyperparameters": {"epochs": 5, "learning_rate": 0.0002}}),
        ),
        (
            "run_eval",
            json!({"dataset_id": dataset, "rubric_id": rubric, "model_id": model}),
        ),
        (
            "create_deployment",
            json!({"name": "support-canary", "model_id": model, "min_replicas": 1, "max_replicas": 4}),
        ),
        (
            "update_deployment",
            json!({"deployment_id": deployment, "min_replicas": 0, "max_replicas": 8}),
        ),
        ("delete_deployment", json!({"deployment_id": deployment})),
        (
            "create_dataset",
            json!({"name": "refund-failures", "source": "inferences", "filter": {"status": "error", "model": "support-v2", "since": "2026-12-01T00:00:00Z"}, "max_rows": 500}),
        ),
    ];
    let mut transcript = String::new();
    for (tool, arguments) in &calls {
        let (error, text) = call(&client, tool, arguments.clone()).await;
        let forms = host.asked();
        assert_eq!(forms.len(), 1, "{tool} asks once: {forms:?}");
        assert!(
            error && text.starts_with("ERROR: not confirmed — the user declined: "),
            "{tool}: {text}"
        );
        assert!(text.ends_with("\nNothing was done."), "{tool}: {text}");
        transcript.push_str(&format!("## {tool}: the form\n{}\n\n", redact(&forms[0])));
    }
    insta::assert_snapshot!("confirmation_forms", transcript);
    assert_eq!(state(&client).await, before, "nothing was created or changed");

    // A dataset from given rows spends nothing: no question.
    let rows = json!({"name": "hand-made", "source": "rows", "rows": [{"input": "hi", "output": "hello"}]});
    let (error, text) = call(&client, "create_dataset", rows).await;
    assert!(!error && text.contains("\"hand-made\" created"), "{text}");
    assert!(host.asked().is_empty(), "rows are not asked about");

    // The same user, now accepting: the call goes through.
    host.answer(Accept);
    let (error, text) = call(&client, "delete_deployment", json!({"deployment_id": deployment})).await;
    assert!(!error, "{text}");
    assert_eq!(host.asked().len(), 1);
    client.cancel().await.unwrap();
}

/// A host without forms: the first answer says what would happen and how to go ahead; nothing
/// is created until the call says `confirm: true` (`false` asks again).
#[tokio::test]
async fn a_host_without_forms_is_told_what_would_happen_and_goes_ahead_with_confirm_true() {
    let dir = TempDir::new("confirm-fallback");
    let client = local_as((), &dir, None).await;
    let before = state(&client).await;
    let models = call_result(&client, "list_models", json!({}))
        .await
        .structured_content
        .unwrap();
    let deploy = json!({"name": "support-canary", "model_id": models["items"][0]["id"], "max_replicas": 2});
    let mut answers = Vec::new();
    for confirm in [None, Some(false)] {
        let mut arguments = deploy.clone();
        if let Some(confirm) = confirm {
            arguments["confirm"] = confirm.into();
        }
        let (error, text) = call(&client, "create_deployment", arguments).await;
        assert!(error, "{text}");
        answers.push(text);
    }
    assert_eq!(answers[0], answers[1], "`confirm: false` is no confirmation");
    insta::assert_snapshot!("confirmation_without_forms", redact(&answers[0]));
    assert_eq!(state(&client).await, before, "nothing was created");
    let mut confirmed = deploy.clone();
    confirmed["confirm"] = true.into();
    let (error, text) = call(&client, "create_deployment", confirmed).await;
    assert!(!error && text.contains("support-canary"), "{text}");
    assert_ne!(state(&client).await, before, "the deployment was created");
    client.cancel().await.unwrap();
}

/// A read-only key gets the scope guidance at once: its user is never asked to confirm a change
/// the key could not make.
#[tokio::test]
async fn a_read_only_key_is_refused_before_anyone_is_asked() {
    let dir = TempDir::new("confirm-read-only");
    let host = Host::new(Accept);
    let client = local_as(host.clone(), &dir, Some("sk-inference-demo-support-ro")).await;
    for (tool, arguments) in [
        ("run_halo", json!({"agent": "customer-support-agent"})),
        ("create_deployment", json!({"name": "x", "model_id": "mdl_x"})),
    ] {
        let (error, text) = call(&client, tool, arguments).await;
        assert!(
            error
                && text.starts_with(
                    "ERROR: insufficient scope — this action needs the `write` scope and the key has `read`"
                ),
            "{tool}: {text}"
        );
    }
    assert!(host.asked().is_empty(), "nobody was asked");
    client.cancel().await.unwrap();
}
