//! `inference-mcp --local` end to end: the document's acceptance questions, each answered in one
//! or two tool calls on the demo data, and the errors of project resolution and scopes.

use crate::common::*;
use serde_json::json;

async fn local(dir: &TempDir, key: Option<&str>) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    local_as((), dir, key).await
}

fn id(text: &str, prefix: &str) -> String {
    regex::Regex::new(&format!(r"\b{prefix}_[a-z0-9]{{12}}\b"))
        .unwrap()
        .find(text)
        .unwrap_or_else(|| panic!("no {prefix} id in {text}"))
        .as_str()
        .to_string()
}

#[tokio::test]
async fn the_acceptance_questions() {
    let dir = TempDir::new("inference-e2e");
    // A host that shows confirmation forms, whose user accepts what they say.
    let host = Host::new(rmcp::model::ElicitationAction::Accept);
    let client = local_as(host.clone(), &dir, None).await;
    let mut transcript = String::new();
    let mut log = |name: &str, (error, text): (bool, String)| {
        for form in host.asked() {
            transcript.push_str(&format!("## {name}: the form asks\n{form}\n\n"));
        }
        transcript.push_str(&format!(
            "## {name}{}\n{}\n\n",
            if error { " (isError)" } else { "" },
            redact(&text)
        ));
        (error, text)
    };

    // What project is this key scoped to?
    log("whoami", call(&client, "whoami", json!({})).await);
    // List the agents in this project and their execution counts.
    let (_, agents) = log("list_agents", call(&client, "list_agents", json!({})).await);
    assert!(
        agents.contains("| customer-support-agent | Customer Support Agent | 80 |"),
        "{agents}"
    );
    // Show me the latest HALO runs.
    log("list_halo_runs", call(&client, "list_halo_runs", json!({})).await);
    // Summarize the errors in the last 50 inferences.
    log(
        "list_inferences",
        call(&client, "list_inferences", json!({"limit": 50})).await,
    );
    // Find the slowest traces from today.
    let today = chrono::Utc::now().format("%Y-%m-%dT00:00:00Z").to_string();
    let (error, slow) = call(
        &client,
        "list_traces",
        json!({"since": today, "sort": "duration", "limit": 5}),
    )
    .await;
    assert!(!error && slow.contains("| duration ms |"), "{slow}");
    // List my training jobs and their status.
    let (error, jobs) = call(&client, "list_training_jobs", json!({})).await;
    assert!(
        !error && jobs.contains("support-v2") && jobs.contains("succeeded") && jobs.contains("loss diverged"),
        "{jobs}"
    );
    // Create an eval dataset from successful traffic over the last week.
    log("create_dataset", call(&client, "create_dataset", json!({"name": "eval-last-week", "source": "inferences", "filter": {"status": "success", "lookback_hours": 168}})).await);
    // Run HALO on an agent over the last 24 hours, then apply the fixes.
    let (error, report) = call(
        &client,
        "run_halo",
        json!({"agent": "customer support", "lookback_hours": 24}),
    )
    .await;
    assert!(!error, "{report}");
    let forms = host.asked();
    assert!(
        forms.len() == 1 && forms[0].starts_with("Run HALO on Customer Support Agent (`customer-support-agent`)"),
        "the user is asked once, before the run: {forms:?}"
    );
    assert!(
        report.contains("has finished.\n\nLatest HALO report for Customer Support Agent (`customer-support-agent`)"),
        "{report}"
    );
    assert!(
        report.contains("# HALO report: Customer Support Agent")
            && report.contains("## 1. `lookup_order` fails")
            && report.contains("## Applying these fixes"),
        "{report}"
    );
    let (error, applied) = call(&client, "apply_halo_fixes", json!({"agent": "customer-support-agent"})).await;
    assert!(!error && applied.contains("**Recommendation:**"), "{applied}");
    // "Apply the latest HALO fixes" without an agent: list and ask.
    log(
        "apply_halo_fixes_without_agent",
        call(&client, "apply_halo_fixes", json!({})).await,
    );
    let (error, unknown) = log(
        "apply_halo_fixes_unknown_agent",
        call(&client, "apply_halo_fixes", json!({"agent": "payments bot"})).await,
    );
    assert!(
        error && unknown.starts_with("ERROR: no agent matches \"payments bot\""),
        "{unknown}"
    );
    // Create a daily HALO schedule at 9am UTC; pause it.
    let (_, created) = log(
        "create_halo_schedule",
        call(
            &client,
            "create_halo_schedule",
            json!({"agent_id": "customer-support-agent", "cadence": "daily", "time_of_day": "09:00"}),
        )
        .await,
    );
    log(
        "pause_halo_schedule",
        call(
            &client,
            "pause_halo_schedule",
            json!({"schedule_id": id(&created, "hs")}),
        )
        .await,
    );
    assert_eq!(
        transcript.matches("(isError)").count(),
        1,
        "only the unknown agent is an error:\n{transcript}"
    );
    insta::assert_snapshot!("inference_acceptance", transcript);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn project_resolution_and_scope_errors() {
    let dir = TempDir::new("inference-errors");
    let mut transcript = String::new();
    for (key, tool, args) in [
        ("sk-inference-demo-multi-nodefault", "list_agents", json!({})),
        (
            "sk-inference-demo-multi-nodefault",
            "list_agents",
            json!({"project": "support-bot"}),
        ),
        (
            "sk-inference-demo-multi-nodefault",
            "list_agents",
            json!({"project": "billing"}),
        ),
        (
            "sk-inference-demo-support-ro",
            "create_dataset",
            json!({"name": "x", "source": "inferences"}),
        ),
        (
            "sk-inference-demo-support-ro",
            "run_halo",
            json!({"agent": "customer-support-agent"}),
        ),
        (
            "sk-inference-demo-support-ro",
            "get_trace",
            json!({"trace_id": "tr_nope"}),
        ),
        ("sk-inference-not-a-key", "whoami", json!({})),
    ] {
        let client = local(&dir, Some(key)).await;
        let (error, text) = call(&client, tool, args.clone()).await;
        transcript.push_str(&format!(
            "## {tool} {args} with {key}{}\n{}\n\n",
            if error { " (isError)" } else { "" },
            redact(&text)
        ));
        assert!(!text.contains("not-a-key"), "the key never appears in output");
        client.cancel().await.unwrap();
    }
    insta::assert_snapshot!("inference_errors", transcript);
}

/// Records the progress notifications a server sends.
#[derive(Clone, Default)]
struct ProgressLog(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl rmcp::ClientHandler for ProgressLog {
    async fn on_progress(
        &self,
        params: rmcp::model::ProgressNotificationParam,
        _context: rmcp::service::NotificationContext<rmcp::RoleClient>,
    ) {
        self.0.lock().unwrap().push(params.message.unwrap_or_default());
    }
}

#[tokio::test]
async fn run_halo_reports_progress_while_it_waits() {
    use rmcp::ServiceExt;
    let dir = TempDir::new("inference-progress");
    let data = dir.path().join("data");
    let mut command = tokio::process::Command::new(&INFERENCE);
    command
        .args(["--local", "--data-dir", data.to_str().unwrap()])
        .env_remove("INFERENCE_API_KEY");
    let (transport, _) = rmcp::transport::TokioChildProcess::builder(command)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let log = ProgressLog::default();
    let client = log.clone().serve(transport).await.unwrap();
    let mut params = rmcp::model::CallToolRequestParams::new("run_halo").with_arguments(
        // A host without forms, whose user agreed in the conversation.
        json!({"agent": "customer support", "lookback_hours": 6, "confirm": true})
            .as_object()
            .cloned()
            .unwrap(),
    );
    params.meta = Some(rmcp::model::RequestMetaObject::with_progress_token(
        rmcp::model::ProgressToken(rmcp::model::NumberOrString::Number(7)),
    ));
    let result = client.call_tool(params).await.unwrap();
    let text = serde_json::to_value(&result.content).unwrap()[0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    let run = regex::Regex::new(
        r"^HALO run (hr_[a-z0-9]{12}) has finished\.\n\nLatest HALO report for Customer Support Agent",
    )
    .unwrap()
    .captures(&text)
    .unwrap_or_else(|| panic!("the answer names the run, then the report: {text}"))[1]
        .to_string();
    let messages = log.0.lock().unwrap().clone();
    assert!(
        messages
            .first()
            .is_some_and(|m| m.starts_with(&format!("HALO run {run} for")) && m.ends_with("is queued")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.ends_with("is completed")), "{messages:?}");
    client.cancel().await.unwrap();
}

/// Arguments past the spec's limits are refused before any call, by name, and never echoed
/// whole: a 10,000-character id, a project name as long, a window of 2^31 hours.
#[tokio::test]
async fn runaway_arguments_are_refused_by_name() {
    let dir = TempDir::new("inference-limits");
    let client = local(&dir, Some("sk-inference-demo-support-rw")).await;
    let long = "x".repeat(10_000);
    for (tool, args, expected) in [
        (
            "get_model",
            json!({"model_id": long}),
            "ERROR: invalid argument `model_id` — must be 1 to 200 characters (got 10000)",
        ),
        (
            "list_agents",
            json!({"project": long}),
            "ERROR: invalid argument `project` — must be 1 to 200 characters (got 10000)",
        ),
        (
            "run_halo",
            json!({"agent": "customer support", "lookback_hours": 2_147_483_648u64}),
            "ERROR: invalid argument `lookback_hours` — must be between 1 and 720 (got 2147483648)",
        ),
        (
            "list_traces",
            json!({"status": long}),
            "ERROR: invalid argument `status` — must be one of",
        ),
    ] {
        let (error, text) = call(&client, tool, args).await;
        assert!(error && text.starts_with(expected), "{tool}: {text}");
        assert!(text.len() < 300, "{tool} echoed the value: {} chars", text.len());
    }
    client.cancel().await.unwrap();
}

/// The prompts' `agent` argument completes to the default project's agent names, by a prefix of
/// the name or the id; the capability is declared, and an argument without values gets none.
#[tokio::test]
async fn prompt_arguments_complete_to_agent_names() {
    use rmcp::model::{ArgumentInfo, CompleteRequestParams, Reference};
    let dir = TempDir::new("inference-complete");
    let client = local(&dir, None).await;
    assert!(client.peer_info().unwrap().capabilities.completions.is_some());
    let complete = async |argument: &str, typed: &str| {
        client
            .complete(CompleteRequestParams::new(
                Reference::for_prompt("run-halo"),
                ArgumentInfo::new(argument, typed),
            ))
            .await
            .unwrap()
            .completion
            .values
    };
    assert_eq!(complete("agent", "cust").await, ["Customer Support Agent"]);
    assert_eq!(
        complete("agent", "customer-s").await,
        ["Customer Support Agent"],
        "by id"
    );
    assert_eq!(
        complete("agent", "").await,
        ["Customer Support Agent"],
        "support-bot's agents only (the search reranker is another project's)"
    );
    assert!(complete("agent", "zzz").await.is_empty());
    assert!(complete("lookback_hours", "2").await.is_empty());
    client.cancel().await.unwrap();
}

/// Every tool with an output schema, called on the demo data in the order a user would reach
/// its ids (each read from the structured content of the call before): each answer validates
/// against its tool's output schema ([`call_result`]).
#[tokio::test]
async fn every_tool_answers_structured_content_its_schema_accepts() {
    let dir = TempDir::new("inference-structured");
    let host = Host::new(rmcp::model::ElicitationAction::Accept);
    let client = local_as(host.clone(), &dir, None).await;
    let mut called = std::collections::BTreeSet::new();
    let mut value = async |tool: &str, args: serde_json::Value| {
        called.insert(tool.to_string());
        let result = call_result(&client, tool, args).await;
        assert_ne!(result.is_error, Some(true), "{tool}: {:?}", result.content);
        result
            .structured_content
            .unwrap_or_else(|| panic!("{tool}: no structured content"))
    };
    let first = |v: &serde_json::Value, field: &str| -> String {
        v["items"][0][field]
            .as_str()
            .unwrap_or_else(|| panic!("no items[0].{field} in {v}"))
            .to_string()
    };
    let mut whoami = value("whoami", json!({})).await;
    // The check can fail: an answer without a required field does not validate.
    whoami.as_object_mut().unwrap().remove("team");
    let tools = client.list_all_tools().await.unwrap();
    let schema = tools
        .iter()
        .find(|t| t.name == "whoami")
        .and_then(|t| t.output_schema.clone())
        .unwrap();
    let refused = validate(&serde_json::Value::Object((*schema).clone()), &whoami).unwrap_err();
    assert!(refused.contains("team"), "{refused}");
    let projects = value("list_projects", json!({})).await;
    value("get_project", json!({"project": first(&projects, "id")})).await;
    let models = value("list_models", json!({})).await;
    let model = first(&models, "id");
    value("get_model", json!({"model_id": model})).await;
    let datasets = value("list_datasets", json!({})).await;
    let dataset = first(&datasets, "id");
    value("get_dataset", json!({"dataset_id": dataset})).await;
    value(
        "create_dataset",
        json!({"name": "tour", "source": "inferences", "filter": {"lookback_hours": 24}}),
    )
    .await;
    let rubrics = value("list_rubrics", json!({})).await;
    let rubric = first(&rubrics, "id");
    value("get_rubric", json!({"rubric_id": rubric})).await;
    let criteria = json!([{"name": "correct", "description": "Answers the question.", "weight": 1.0}]);
    value("create_rubric", json!({"name": "tour", "criteria": criteria})).await;
    let evals = value("list_evals", json!({})).await;
    value("get_eval", json!({"eval_id": first(&evals, "id")})).await;
    value(
        "run_eval",
        json!({"dataset_id": dataset, "rubric_id": rubric, "model_id": model}),
    )
    .await;
    let jobs = value("list_training_jobs", json!({})).await;
    value("get_training_job", json!({"job_id": first(&jobs, "id")})).await;
    let job = value(
        "create_training_job",
        json!({"base_model": model, "dataset_id": dataset}),
    )
    .await;
    value("cancel_training_job", json!({"job_id": job["id"]})).await;
    let deployments = value("list_deployments", json!({})).await;
    value("get_deployment", json!({"deployment_id": first(&deployments, "id")})).await;
    let deployment = value("create_deployment", json!({"name": "tour", "model_id": model})).await;
    value(
        "update_deployment",
        json!({"deployment_id": deployment["id"], "max_replicas": 2}),
    )
    .await;
    value("delete_deployment", json!({"deployment_id": deployment["id"]})).await;
    let inferences = value("list_inferences", json!({})).await;
    value("get_inference", json!({"inference_id": first(&inferences, "id")})).await;
    let traces = value("list_traces", json!({})).await;
    value("get_trace", json!({"trace_id": first(&traces, "id")})).await;
    let spans = value("list_spans", json!({})).await;
    value("get_span", json!({"span_id": first(&spans, "id")})).await;
    let agents = value("list_agents", json!({})).await;
    let agent = first(&agents, "id");
    value("get_agent", json!({"agent_id": agent})).await;
    let runs = value("list_halo_runs", json!({})).await;
    value("get_halo_run", json!({"run_id": first(&runs, "id")})).await;
    let run = value("create_halo_run", json!({"agent_id": agent})).await;
    value("cancel_halo_run", json!({"run_id": run["id"]})).await;
    let conversations = value("list_halo_conversations", json!({})).await;
    value(
        "get_halo_report",
        json!({"conversation_id": first(&conversations, "id")}),
    )
    .await;
    value("list_halo_schedules", json!({})).await;
    let schedule = value("create_halo_schedule", json!({"agent_id": agent, "cadence": "daily"})).await;
    value("get_halo_schedule", json!({"schedule_id": schedule["id"]})).await;
    value("pause_halo_schedule", json!({"schedule_id": schedule["id"]})).await;
    value("resume_halo_schedule", json!({"schedule_id": schedule["id"]})).await;
    value("archive_halo_schedule", json!({"schedule_id": schedule["id"]})).await;
    let declared: std::collections::BTreeSet<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.output_schema.is_some())
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(
        called, declared,
        "the tour calls every tool that declares an output schema"
    );
    assert_eq!(
        host.asked().len(),
        9,
        "the user confirmed each of the nine calls that spend or change production (run_halo, the tenth, has no output schema)"
    );
    client.cancel().await.unwrap();
}

/// `run_halo` for a client that supports tasks: a task at once, polled to the report; another
/// cancelled, its run with it; `create_halo_run` a task to the report too; an agent that is not there answered at once (no run, no task);
/// an id that names no run is no task.
#[tokio::test]
async fn run_halo_runs_as_a_task_for_a_client_that_supports_them() {
    use rmcp::model::{
        CallToolRequestParams, CallToolResponse, CancelTaskParams, GetTaskParams, TaskPayload, TaskStatus,
    };
    let dir = TempDir::new("inference-tasks");
    let data = dir.path().join("data");
    let client = spawn_as(
        tasks_host(),
        &INFERENCE,
        &["--local", "--data-dir", data.to_str().unwrap()],
        &[],
        None,
    )
    .await;
    let start = async |agent: &str| {
        let params = CallToolRequestParams::new("run_halo").with_arguments(
            json!({"agent": agent, "lookback_hours": 24})
                .as_object()
                .cloned()
                .unwrap(),
        );
        client.call_tool_once(params).await.unwrap()
    };

    let CallToolResponse::Task(created) = start("customer support").await else {
        panic!("a task for a client that supports them")
    };
    let id = created.task.task_id.clone();
    assert!(id.starts_with("halo:prj_support:hr_"), "{id}");
    assert_eq!(created.task.status, TaskStatus::Working);
    let message = created.task.status_message.clone().unwrap_or_default();
    assert!(message.contains("for Customer Support Agent is queued"), "{message}");
    let done = task_outcome(&client, &id).await;
    let TaskPayload::Completed { result } = done.payload else {
        panic!("completed: {done:?}")
    };
    let report = result["content"][0]["text"].as_str().unwrap_or_default();
    assert!(result.get("isError") != Some(&json!(true)), "{report}");
    assert!(
        report.starts_with(&format!("HALO run {} has finished.", &id[id.rfind(':').unwrap() + 1..]))
            && report.contains("# HALO report: Customer Support Agent"),
        "{report}"
    );

    let CallToolResponse::Task(created) = start("customer-support-agent").await else {
        panic!("a second task")
    };
    let id = created.task.task_id;
    client.cancel_task(CancelTaskParams::new(&id)).await.unwrap();
    let cancelled = task_outcome(&client, &id).await;
    assert_eq!(cancelled.status(), TaskStatus::Cancelled, "{cancelled:?}");
    let run = &id[id.rfind(':').unwrap() + 1..];
    let (error, shown) = call(&client, "get_halo_run", json!({"run_id": run})).await;
    assert!(!error && shown.contains(": cancelled"), "{shown}");

    let params = CallToolRequestParams::new("create_halo_run").with_arguments(
        json!({"agent_id": "customer-support-agent"})
            .as_object()
            .cloned()
            .unwrap(),
    );
    let CallToolResponse::Task(created) = client.call_tool_once(params).await.unwrap() else {
        panic!("create_halo_run is a task too")
    };
    let TaskPayload::Completed { result } = task_outcome(&client, &created.task.task_id).await.payload else {
        panic!("create_halo_run's task completes")
    };
    let report = result["content"][0]["text"].as_str().unwrap_or_default();
    assert!(report.contains("# HALO report: Customer Support Agent"), "{report}");

    let CallToolResponse::Complete(refused) = start("payments bot").await else {
        panic!("an agent that is not there is an answer, not a task")
    };
    let refused = serde_json::to_value(&refused.content).unwrap()[0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        refused.starts_with("ERROR: no agent matches \"payments bot\""),
        "{refused}"
    );

    for unknown in ["halo:prj_support:hr_000000000000", "nothing"] {
        let refused = client.get_task(GetTaskParams::new(unknown)).await.unwrap_err();
        assert!(refused.to_string().contains("no task"), "{unknown}: {refused}");
    }
    client.cancel().await.unwrap();
}
