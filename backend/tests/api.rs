//! Every operation of both specs, called through the generated SDKs against the running backend:
//! a success and at least one error path each. Then durability: a restart keeps the data, and a
//! kill -9 during a burst of deposits loses none that were acknowledged.

use inference_sdk::types as c;
use inferior_sdk::types as i;
use std::path::PathBuf;
use std::time::Duration;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("backend-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn start(name: &str) -> mcp_local_backend::Running {
    let mut config = mcp_local_backend::Config::new(temp_dir(name));
    config.tick = Duration::from_millis(30);
    mcp_local_backend::start(config).await.expect("backend starts")
}

fn inferior(b: &mcp_local_backend::Running, key: Option<&str>) -> inferior_sdk::Client {
    let mut config = inferior_sdk::ClientConfig::new(b.inferior_url());
    if let Some(k) = key {
        config = config.api_key(k);
    }
    config.build().unwrap()
}

fn inference(b: &mcp_local_backend::Running, key: &str) -> inference_sdk::Client {
    inference_sdk::ClientConfig::new(b.inference_url())
        .api_key(key)
        .build()
        .unwrap()
}

/// The HTTP status of a failed call, and the error body's code.
fn status<T: std::fmt::Debug, E: serde::Serialize + std::fmt::Debug>(
    result: Result<T, progenitor_client::Error<E>>,
) -> (u16, String) {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(progenitor_client::Error::ErrorResponse(r)) => {
            let code = serde_json::to_value(r.as_ref())
                .ok()
                .and_then(|v| v["error"].as_str().map(String::from))
                .unwrap_or_default();
            (r.status().as_u16(), code)
        }
        Err(e) => panic!("expected an API error, got {e}"),
    }
}

const FULL: &str = "cw_full_demo_local_key";

/// A GET the SDK would refuse to send (it validates first): status and body.
async fn raw_get(url: &str, key: &str) -> (u16, String) {
    let response = reqwest::Client::new().get(url).bearer_auth(key).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A request the SDK would refuse to send (it validates first): status and body.
async fn raw_post(url: &str, key: &str, body: serde_json::Value) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn inferior_operations() {
    let b = start("inferior").await;
    let full = inferior(&b, Some(FULL));
    let search_only = inferior(&b, Some("cw_search_demo_local_key"));
    let anonymous = inferior(&b, None);

    // The specs are served as JSON (what schemathesis reads), without a key.
    for (url, title) in [(b.inferior_url(), "Inferior API"), (b.inference_url(), "Catalyst API")] {
        let (code, text) = raw_get(&format!("{url}/openapi.json"), "").await;
        let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!((code, spec["info"]["title"].as_str()), (200, Some(title)), "{url}");
    }

    // searchExperiences
    let found = full
        .search_experiences()
        .query("stripe webhook signature vercel edge")
        .limit(3u32)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.results[0].experience.id, "exp_stripe_edge");
    assert!(found.results[0].score > 0.5);
    assert_eq!(
        status(anonymous.search_experiences().query("x").send().await),
        (401, "unauthorized".into())
    );
    assert_eq!(
        status(full.search_experiences().query("x").limit(50u32).send().await).0,
        400
    );

    // searchExperiencesBatch
    let batch = i::BatchSearchRequest {
        queries: vec![
            serde_json::from_value(serde_json::json!({"query": "postgres too many clients"})).unwrap(),
            serde_json::from_value(serde_json::json!({"query": "docker cache"})).unwrap(),
        ],
    };
    let responses = full
        .search_experiences_batch()
        .body(batch)
        .send()
        .await
        .unwrap()
        .into_inner()
        .responses;
    assert_eq!(responses[0].results[0].experience.id, "exp_pg_pool");
    let eleven: Vec<serde_json::Value> = (0..11).map(|n| serde_json::json!({"query": format!("q{n}")})).collect();
    let too_many: i::BatchSearchRequest = serde_json::from_value(serde_json::json!({"queries": eleven})).unwrap();
    assert_eq!(
        status(full.search_experiences_batch().body(too_many).send().await).0,
        400
    );

    // depositExperience: success, gate 1, secret, duplicate, scope
    let deposit = serde_json::json!({
        "title": "Vite dev server 404s deep links behind nginx",
        "problem": "Refreshing any client-side route returns 404 from nginx in the staging container.",
        "successful_approach_method": "Add try_files $uri /index.html to the nginx location block",
        "root_cause": "nginx looked for a file at the route path and had no fallback to the single-page app's index.html",
        "insight": "Single-page apps need the web server to fall back to index.html for unknown paths",
        "tags": ["nginx", "vite", "spa"]
    });
    let req: i::DepositRequest = serde_json::from_value(deposit.clone()).unwrap();
    let stored = full.deposit_experience().body(req.clone()).send().await.unwrap();
    assert_eq!(stored.status().as_u16(), 201);
    let stored = stored.into_inner();
    assert!(stored.worthiness_score > 0.0);
    assert_eq!(
        status(full.deposit_experience().body(req.clone()).send().await),
        (409, "duplicate".into())
    );
    let mut short = deposit.clone();
    short["root_cause"] = "nginx config".into();
    short["title"] = "Another nginx deep link issue".into();
    match full
        .deposit_experience()
        .body(serde_json::from_value::<i::DepositRequest>(short).unwrap())
        .send()
        .await
    {
        Err(progenitor_client::Error::ErrorResponse(r)) => {
            assert_eq!(r.status().as_u16(), 422);
            assert_eq!(r.message, "gate 1 rejection — root_cause too short (12 < 30 chars)");
        }
        other => panic!("{other:?}"),
    }
    let mut secret = deposit.clone();
    secret["title"] = "Deep links 404 with AKIAIOSFODNN7EXAMPLE creds".into();
    assert_eq!(
        status(
            full.deposit_experience()
                .body(serde_json::from_value::<i::DepositRequest>(secret).unwrap())
                .send()
                .await
        ),
        (422, "secret_detected".into())
    );
    assert_eq!(
        status(search_only.deposit_experience().body(req).send().await),
        (403, "insufficient_scope".into())
    );

    // depositRawExperience / depositRawFile
    let raw = full
        .deposit_raw_experience()
        .body(
            i::RawDepositRequest::builder()
                .content("Our cron ran twice after the DST switch because it used local time.")
                .tags(vec!["cron".try_into().unwrap()]),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(raw.raw_deposit_id.starts_with("raw_"));
    match full
        .deposit_raw_experience()
        .body(
            i::RawDepositRequest::builder()
                .content("Our cron ran twice after the DST switch because it used local time."),
        )
        .send()
        .await
    {
        Err(progenitor_client::Error::ErrorResponse(r)) => {
            assert_eq!(r.status().as_u16(), 409);
            assert_eq!(
                r.message,
                format!(
                    "duplicate — the same text was already deposited: {}",
                    raw.raw_deposit_id
                )
            );
            assert_eq!(r.details["existing_raw_deposit_id"], raw.raw_deposit_id.as_str());
        }
        other => panic!("{other:?}"),
    }
    let file = full
        .deposit_raw_file()
        .body(
            i::RawFileDepositRequest::builder()
                .filename("postmortem.md")
                .content("# Postmortem\nThe queue consumer acked before processing."),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(file.filename.as_deref(), Some("postmortem.md"));
    assert_eq!(
        status(
            full.deposit_raw_file()
                .body(
                    i::RawFileDepositRequest::builder()
                        .filename("../etc/passwd")
                        .content("x")
                )
                .send()
                .await
        )
        .0,
        400
    );

    // listMyExperiences
    let mine = full
        .list_my_experiences()
        .limit(1u32)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(mine.items.len(), 1);
    assert!(mine.next_cursor.is_some());
    assert_eq!(
        raw_get(
            &format!("{}/v1/experiences/mine?cursor=nonsense", b.inferior_url()),
            FULL
        )
        .await
        .0,
        400
    );

    // checkContext
    let ctx = full
        .check_context()
        .body(
            i::ContextCheckRequest::builder()
                .task_description("Add a Stripe webhook route to our Next.js app on Vercel"),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(ctx.recommended.iter().any(|e| e.id == "exp_stripe_edge"));
    assert!(
        ctx.anti_patterns
            .iter()
            .any(|a| a.warning.starts_with("Avoid: Parsing the body"))
    );
    assert_eq!(ctx.procedure_ids, ["proc_raw_body_webhooks"]);
    assert_eq!(
        status(
            anonymous
                .check_context()
                .body(i::ContextCheckRequest::builder().task_description("x"))
                .send()
                .await
        )
        .0,
        401
    );

    // getExperience
    let e = full
        .get_experience()
        .experience_id("exp_stripe_edge")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(e.failed_approaches.len(), 1);
    assert_eq!(
        status(full.get_experience().experience_id("exp_missing").send().await),
        (404, "not_found".into())
    );

    // submitFeedback
    let fb = full
        .submit_feedback()
        .experience_id("exp_stripe_edge")
        .body(i::FeedbackRequest::builder().was_helpful(true))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(fb.transferability_score >= fb.previous_transferability_score.unwrap());
    assert_eq!(
        status(
            search_only
                .submit_feedback()
                .experience_id("exp_stripe_edge")
                .body(i::FeedbackRequest::builder().was_helpful(true))
                .send()
                .await
        )
        .0,
        403
    );

    // retractExperience: own only
    let retracted = full
        .retract_experience()
        .experience_id(stored.experience_id.as_str())
        .body(i::RetractRequest::builder())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retracted.validation_state, i::ValidationState::Retracted);
    assert_eq!(
        status(
            full.retract_experience()
                .experience_id("exp_pg_pool")
                .body(i::RetractRequest::builder())
                .send()
                .await
        )
        .0,
        403
    );

    // getProcedure
    assert_eq!(
        full.get_procedure()
            .procedure_id("proc_raw_body_webhooks")
            .send()
            .await
            .unwrap()
            .into_inner()
            .steps
            .len(),
        4
    );
    assert_eq!(
        status(full.get_procedure().procedure_id("proc_nope").send().await).0,
        404
    );

    // getMyProfile
    let profile = full.get_my_profile().send().await.unwrap().into_inner();
    assert_eq!(profile.agent_id, "agt_demo");
    assert!(profile.struggles.iter().any(|s| s.tag == "rust"));
    assert_eq!(status(anonymous.get_my_profile().send().await).0, 401);

    // getStats
    let stats = full.get_stats().send().await.unwrap().into_inner();
    assert!(stats.experiences >= 9 && stats.top_tags.iter().any(|t| t.tag == "webhook"));
    assert_eq!(
        status(inferior(&b, Some("cw_full_unknown_key")).get_stats().send().await).0,
        401
    );

    // getDemandHotspots: admin only
    let hot = inferior(&b, Some("cw_admin_demo_local_key"))
        .get_demand_hotspots()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        hot.hotspots[0].searches.get(),
        3,
        "the three tokio runtime searches cluster: {:?}",
        hot.hotspots
    );
    assert_eq!(
        status(full.get_demand_hotspots().send().await),
        (403, "insufficient_scope".into())
    );

    // getMcpManifest: no auth
    let manifest = anonymous.get_mcp_manifest().send().await.unwrap().into_inner();
    assert_eq!(manifest.prompts.len(), 5);
    let missing = reqwest::get(format!("{}/v1/nothing", b.inferior_url())).await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);

    // 429 with Retry-After
    let throttled = inferior(&b, Some("cw_full_throttled_local_key"));
    for _ in 0..3 {
        throttled.get_stats().send().await.unwrap();
    }
    match throttled.get_stats().send().await {
        Err(progenitor_client::Error::ErrorResponse(r)) => {
            assert_eq!(r.status().as_u16(), 429);
            assert!(r.headers().get("retry-after").is_some());
            assert!(r.details.get("retry_after_seconds").and_then(|v| v.as_u64()).is_some());
        }
        other => panic!("{other:?}"),
    }
}

const RW: &str = "sk-inference-demo-support-rw";
const RO: &str = "sk-inference-demo-support-ro";
const P: &str = "prj_support";

/// Polls until `done` or 5 s.
async fn eventually<T, F: std::future::Future<Output = T>>(mut f: impl FnMut() -> F, done: impl Fn(&T) -> bool) -> T {
    for _ in 0..100 {
        let v = f().await;
        if done(&v) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    f().await
}

#[tokio::test]
async fn inference_identity_catalog_and_telemetry() {
    let b = start("catalog").await;
    let rw = inference(&b, RW);
    let ro = inference(&b, RO);

    let me = rw.whoami().send().await.unwrap().into_inner();
    assert_eq!(me.projects.len(), 1);
    assert_eq!(
        status(inference(&b, "sk-inference-nope").whoami().send().await),
        (401, "unauthorized".into())
    );
    let multi = inference(&b, "sk-inference-demo-multi-default")
        .whoami()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(multi.default_project_id.as_deref(), Some(P));

    let projects = inference(&b, "sk-inference-demo-multi-default")
        .list_projects()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(projects.items.len(), 3);
    assert_eq!(
        raw_get(&format!("{}/v1/projects?cursor=c_-1", b.inference_url()), RW)
            .await
            .0,
        400
    );
    assert_eq!(
        rw.get_project().project_id(P).send().await.unwrap().into_inner().name,
        "support-bot"
    );
    assert_eq!(
        status(rw.get_project().project_id("prj_other").send().await),
        (404, "project_not_found".into())
    );

    let models = rw.list_models().project_id(P).send().await.unwrap().into_inner();
    assert!(
        models
            .items
            .iter()
            .any(|m| m.id == "mdl_ft_support" && m.kind == c::ModelKind::FineTuned)
    );
    assert_eq!(status(rw.list_models().project_id("prj_other").send().await).0, 404);
    assert_eq!(
        rw.get_model()
            .project_id(P)
            .model_id("gpt-4.1-mini")
            .send()
            .await
            .unwrap()
            .into_inner()
            .id,
        "mdl_gpt41mini"
    );
    assert_eq!(
        status(rw.get_model().project_id(P).model_id("nope").send().await).0,
        404
    );

    // Datasets: from successful traffic over the last week.
    let filter = c::InferenceFilter {
        status: Some(c::InferenceStatus::Success),
        lookback_hours: std::num::NonZeroU32::new(168),
        model: None,
        since: None,
        until: None,
    };
    let ds = rw
        .create_dataset()
        .project_id(P)
        .body(
            c::CreateDatasetRequest::builder()
                .name("eval-last-week")
                .source(c::DatasetSource::Inferences)
                .filter(filter.clone()),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(ds.row_count > 50, "{}", ds.row_count);
    assert_eq!(
        status(
            ro.create_dataset()
                .project_id(P)
                .body(
                    c::CreateDatasetRequest::builder()
                        .name("x")
                        .source(c::DatasetSource::Inferences)
                )
                .send()
                .await
        ),
        (403, "insufficient_scope".into())
    );
    assert_eq!(
        rw.list_datasets()
            .project_id(P)
            .send()
            .await
            .unwrap()
            .into_inner()
            .items
            .len(),
        2
    );
    assert_eq!(
        raw_get(
            &format!("{}/v1/projects/{P}/datasets?cursor=c_x", b.inference_url()),
            RW
        )
        .await
        .0,
        400
    );
    assert_eq!(
        rw.get_dataset()
            .project_id(P)
            .dataset_id(ds.id.as_str())
            .send()
            .await
            .unwrap()
            .into_inner()
            .sample_rows
            .len(),
        5
    );
    assert_eq!(
        status(rw.get_dataset().project_id(P).dataset_id("ds_nope").send().await).0,
        404
    );

    // Rubrics
    let criterion: c::RubricCriterion = serde_json::from_value(
        serde_json::json!({"name": "helpful", "description": "Answers the question", "weight": 1.0}),
    )
    .unwrap();
    let rubric = rw
        .create_rubric()
        .project_id(P)
        .body(
            c::CreateRubricRequest::builder()
                .name("helpfulness")
                .criteria(vec![criterion]),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        status(
            rw.create_rubric()
                .project_id(P)
                .body(c::CreateRubricRequest::builder().name("empty").criteria(vec![]))
                .send()
                .await
        )
        .0,
        400
    );
    assert_eq!(
        rw.list_rubrics()
            .project_id(P)
            .send()
            .await
            .unwrap()
            .into_inner()
            .items
            .len(),
        2
    );
    assert_eq!(status(ro.list_rubrics().project_id("prj_search").send().await).0, 404);
    assert_eq!(
        rw.get_rubric()
            .project_id(P)
            .rubric_id(rubric.id.as_str())
            .send()
            .await
            .unwrap()
            .into_inner()
            .criteria
            .len(),
        1
    );
    assert_eq!(
        status(rw.get_rubric().project_id(P).rubric_id("rb_nope").send().await).0,
        404
    );

    // Evals run in the background.
    let ev = rw
        .run_eval()
        .project_id(P)
        .body(
            c::RunEvalRequest::builder()
                .dataset_id(ds.id.as_str())
                .rubric_id(rubric.id.as_str())
                .model_id("mdl_gpt41mini"),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ev.status, c::EvalStatus::Queued);
    assert_eq!(
        status(
            rw.run_eval()
                .project_id(P)
                .body(
                    c::RunEvalRequest::builder()
                        .dataset_id("ds_nope")
                        .rubric_id(rubric.id.as_str())
                        .model_id("mdl_gpt41mini")
                )
                .send()
                .await
        )
        .0,
        422
    );
    let done = eventually(
        || async {
            rw.get_eval()
                .project_id(P)
                .eval_id(ev.id.as_str())
                .send()
                .await
                .unwrap()
                .into_inner()
        },
        |e| e.status == c::EvalStatus::Completed,
    )
    .await;
    assert_eq!(done.score, Some(1.0), "successful traffic passes the local heuristic");
    assert_eq!(
        status(rw.get_eval().project_id(P).eval_id("ev_nope").send().await).0,
        404
    );
    assert!(
        rw.list_evals()
            .project_id(P)
            .status(c::EvalStatus::Completed)
            .send()
            .await
            .unwrap()
            .into_inner()
            .items
            .len()
            >= 3
    );
    assert_eq!(status(rw.list_evals().project_id(P).limit(101u32).send().await).0, 400);

    // Training jobs
    let jobs = rw.list_training_jobs().project_id(P).send().await.unwrap().into_inner();
    assert_eq!(jobs.items.len(), 3);
    assert_eq!(
        status(rw.list_training_jobs().project_id("prj_nope").send().await).0,
        404
    );
    let job = rw
        .create_training_job()
        .project_id(P)
        .body(
            c::CreateTrainingJobRequest::builder()
                .base_model("llama-3.3-70b-instruct")
                .dataset_id(ds.id.as_str()),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(job.note.as_deref().unwrap().starts_with("Local record"));
    assert_eq!(
        status(
            rw.create_training_job()
                .project_id(P)
                .body(
                    c::CreateTrainingJobRequest::builder()
                        .base_model("nope")
                        .dataset_id(ds.id.as_str())
                )
                .send()
                .await
        )
        .0,
        422
    );
    let finished = eventually(
        || async {
            rw.get_training_job()
                .project_id(P)
                .job_id(job.id.as_str())
                .send()
                .await
                .unwrap()
                .into_inner()
        },
        |j| j.status == c::TrainingStatus::Succeeded,
    )
    .await;
    assert!(finished.output_model_id.is_some());
    assert_eq!(
        status(rw.get_training_job().project_id(P).job_id("tj_nope").send().await).0,
        404
    );
    assert_eq!(
        status(
            rw.cancel_training_job()
                .project_id(P)
                .job_id(job.id.as_str())
                .send()
                .await
        )
        .0,
        409
    );
    // Cancelling a job that has not ended: on a backend whose worker does not move it meanwhile.
    let mut frozen = mcp_local_backend::Config::new(temp_dir("frozen"));
    frozen.tick = Duration::from_secs(3600);
    let frozen = mcp_local_backend::start(frozen).await.unwrap();
    let cancelled = inference(&frozen, RW)
        .cancel_training_job()
        .project_id(P)
        .job_id("tj_support_v3")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (cancelled.status, cancelled.finished_at.is_some()),
        (c::TrainingStatus::Cancelled, true)
    );

    // Deployments
    let dep = rw
        .create_deployment()
        .project_id(P)
        .body(
            c::CreateDeploymentRequest::builder()
                .name("canary")
                .model_id("mdl_gpt41mini"),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(dep.status, c::DeploymentStatus::Pending);
    assert_eq!(
        status(
            rw.create_deployment()
                .project_id(P)
                .body(c::CreateDeploymentRequest::builder().name("x").model_id("nope"))
                .send()
                .await
        )
        .0,
        422
    );
    assert_eq!(
        rw.list_deployments()
            .project_id(P)
            .send()
            .await
            .unwrap()
            .into_inner()
            .items
            .len(),
        2
    );
    assert_eq!(
        status(ro.list_deployments().project_id("prj_billing").send().await).0,
        404
    );
    let active = eventually(
        || async {
            rw.get_deployment()
                .project_id(P)
                .deployment_id(dep.id.as_str())
                .send()
                .await
                .unwrap()
                .into_inner()
        },
        |d| d.status == c::DeploymentStatus::Active,
    )
    .await;
    assert_eq!(active.status, c::DeploymentStatus::Active);
    assert_eq!(
        status(rw.get_deployment().project_id(P).deployment_id("dep_nope").send().await).0,
        404
    );
    let updated = rw
        .update_deployment()
        .project_id(P)
        .deployment_id(dep.id.as_str())
        .body(c::UpdateDeploymentRequest::builder().max_replicas(std::num::NonZeroU32::new(3)))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.max_replicas.get(), 3);
    assert_eq!(
        status(
            rw.update_deployment()
                .project_id(P)
                .deployment_id(dep.id.as_str())
                .body(c::UpdateDeploymentRequest::builder().min_replicas(Some(9)))
                .send()
                .await
        )
        .0,
        400
    );
    assert_eq!(
        rw.delete_deployment()
            .project_id(P)
            .deployment_id(dep.id.as_str())
            .send()
            .await
            .unwrap()
            .into_inner()
            .status,
        c::DeploymentStatus::Deleted
    );
    assert_eq!(
        status(
            ro.delete_deployment()
                .project_id(P)
                .deployment_id("dep_support_prod")
                .send()
                .await
        )
        .0,
        403
    );

    // Inferences: the last 50, errors summarized by the caller.
    let last = rw
        .list_inferences()
        .project_id(P)
        .limit(50u32)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(last.items.len(), 50);
    assert!(last.next_cursor.is_some());
    let errors = rw
        .list_inferences()
        .project_id(P)
        .status(c::InferenceStatus::Error)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(
        errors
            .items
            .iter()
            .all(|i| i.error.as_ref().is_some_and(|e| e.type_ == "RateLimitError"))
    );
    assert_eq!(
        status(
            rw.list_inferences()
                .project_id(P)
                .since(chrono::Utc::now())
                .until(chrono::Utc::now() - chrono::Duration::hours(1))
                .send()
                .await
        )
        .0,
        400
    );
    let one = rw
        .get_inference()
        .project_id(P)
        .inference_id(last.items[0].id.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(one.input.is_some());
    assert_eq!(
        status(rw.get_inference().project_id(P).inference_id("inf_nope").send().await).0,
        404
    );

    // Traces: slowest today.
    let today = chrono::Utc::now().date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let slow = rw
        .list_traces()
        .project_id(P)
        .since(today)
        .sort(c::TraceSort::Duration)
        .limit(5u32)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(slow.items.windows(2).all(|w| w[0].duration_ms >= w[1].duration_ms));
    assert_eq!(status(rw.list_traces().project_id(P).limit(500u32).send().await).0, 400);
    let trace = rw
        .get_trace()
        .project_id(P)
        .trace_id(slow.items[0].id.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(trace.spans.len() as i64, trace.trace.span_count);
    assert_eq!(
        status(rw.get_trace().project_id(P).trace_id("tr_nope").send().await).0,
        404
    );

    // Spans: the CLI's filters.
    let roots = rw
        .list_spans()
        .project_id(P)
        .scope(c::SpanScope::Root)
        .sort(c::SpanSort::DurationNs)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(roots.items.iter().all(|s| s.parent_id.is_none()));
    let timeouts = rw
        .list_spans()
        .project_id(P)
        .text("TimeoutError")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(
        !timeouts.items.is_empty()
            && timeouts
                .items
                .iter()
                .all(|s| s.status_message.as_deref().is_some_and(|m| m.contains("TimeoutError")))
    );
    assert_eq!(
        raw_get(&format!("{}/v1/projects/{P}/spans?cursor=bad", b.inference_url()), RW)
            .await
            .0,
        400
    );
    assert_eq!(
        rw.get_span()
            .project_id(P)
            .span_id(trace.spans[0].id.as_str())
            .send()
            .await
            .unwrap()
            .into_inner()
            .trace_id,
        trace.trace.id
    );
    assert_eq!(
        status(rw.get_span().project_id(P).span_id("sp_nope").send().await).0,
        404
    );

    // Agents with execution counts.
    let agents = rw.list_agents().project_id(P).send().await.unwrap().into_inner();
    assert_eq!(agents.items[0].id, "customer-support-agent");
    assert_eq!(agents.items[0].executions, 80);
    assert_eq!(
        status(
            inference(&b, "sk-inference-demo-multi-nodefault")
                .list_agents()
                .project_id(P)
                .send()
                .await
        )
        .0,
        404
    );
    let billing = inference(&b, "sk-inference-demo-multi-default")
        .get_agent()
        .project_id("prj_billing")
        .agent_id("billing-assistant")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(billing.executions, 14, "imported from the OTel JSONL sample");
    assert_eq!(
        status(rw.get_agent().project_id(P).agent_id("nope").send().await).0,
        404
    );
}

#[tokio::test]
async fn inference_halo() {
    let b = start("halo").await;
    let rw = inference(&b, RW);
    let ro = inference(&b, RO);
    let agent = "customer-support-agent";

    // The seeded report.
    let conversations = ro
        .list_halo_conversations()
        .project_id(P)
        .agent_id(agent)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(conversations.items.len(), 1);
    assert_eq!(
        status(ro.list_halo_conversations().project_id("prj_other").send().await).0,
        404
    );
    let detail = ro
        .get_halo_conversation()
        .project_id(P)
        .conversation_id(conversations.items[0].id.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    let report = &detail.messages.last().unwrap().content;
    assert!(report.starts_with("# HALO report: Customer Support Agent"), "{report}");
    assert!(report.contains("## 1. `lookup_order` fails"), "{report}");
    assert_eq!(
        status(
            ro.get_halo_conversation()
                .project_id(P)
                .conversation_id("hc_nope")
                .send()
                .await
        )
        .0,
        404
    );

    // A new run: queued → exporting → running → completed, then a follow-up in the same conversation.
    let run = rw
        .create_halo_run()
        .project_id(P)
        .body(c::CreateHaloRunRequest::builder().agent_id(agent))
        .send()
        .await
        .unwrap();
    assert_eq!(run.status().as_u16(), 202);
    let run = run.into_inner();
    assert_eq!(run.status, c::HaloRunStatus::Queued);
    assert_eq!(
        status(
            ro.create_halo_run()
                .project_id(P)
                .body(c::CreateHaloRunRequest::builder().agent_id(agent))
                .send()
                .await
        )
        .0,
        403
    );
    assert_eq!(
        status(
            rw.create_halo_run()
                .project_id(P)
                .body(c::CreateHaloRunRequest::builder().agent_id("nobody"))
                .send()
                .await
        )
        .0,
        422
    );
    let done = eventually(
        || async {
            rw.get_halo_run()
                .project_id(P)
                .run_id(run.id.as_str())
                .send()
                .await
                .unwrap()
                .into_inner()
        },
        |r| r.status == c::HaloRunStatus::Completed,
    )
    .await;
    assert!(done.report_message_id.is_some() && done.spans_analyzed.unwrap() > 100);
    assert_eq!(
        status(rw.get_halo_run().project_id(P).run_id("hr_nope").send().await).0,
        404
    );
    assert_eq!(
        status(rw.cancel_halo_run().project_id(P).run_id(run.id.as_str()).send().await).0,
        409
    );
    let follow = rw
        .create_halo_run()
        .project_id(P)
        .body(
            c::CreateHaloRunRequest::builder()
                .agent_id(agent)
                .conversation_id(Some(run.conversation_id.clone().try_into().unwrap()))
                .prompt(Some("Focus on refunds".try_into().unwrap())),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    let cancelled = rw
        .cancel_halo_run()
        .project_id(P)
        .run_id(follow.id.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cancelled.status, c::HaloRunStatus::Cancelled);
    let runs = rw
        .list_halo_runs()
        .project_id(P)
        .agent_id(agent)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(runs.items.len(), 3);
    assert_eq!(
        raw_get(
            &format!("{}/v1/projects/{P}/halo/runs?cursor=zzz", b.inference_url()),
            RW
        )
        .await
        .0,
        400
    );
    // An empty window fails plainly.
    let old = chrono::Utc::now() - chrono::Duration::days(30);
    let empty = rw
        .create_halo_run()
        .project_id(P)
        .body(
            c::CreateHaloRunRequest::builder()
                .agent_id(agent)
                .window_start(Some(old))
                .window_end(Some(old + chrono::Duration::hours(1))),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    let failed = eventually(
        || async {
            rw.get_halo_run()
                .project_id(P)
                .run_id(empty.id.as_str())
                .send()
                .await
                .unwrap()
                .into_inner()
        },
        |r| r.status == c::HaloRunStatus::Failed,
    )
    .await;
    assert!(failed.error.unwrap().starts_with("no spans of agent"));

    // Schedules: daily at 9am UTC, pause, resume, archive.
    let daily = rw
        .create_halo_schedule()
        .project_id(P)
        .body(
            c::CreateHaloScheduleRequest::builder()
                .agent_id(agent)
                .cadence(c::HaloCadence::Daily)
                .time_of_day("09:00"),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (daily.status, daily.lookback_hours.get()),
        (c::HaloScheduleStatus::Active, 24)
    );
    assert!(daily.next_run_at.unwrap().format("%H:%M").to_string() == "09:00");
    let bad_time = raw_post(
        &format!("{}/v1/projects/{P}/halo/schedules", b.inference_url()),
        RW,
        serde_json::json!({"agent_id": agent, "cadence": "daily", "time_of_day": "25:00"}),
    )
    .await;
    assert_eq!(bad_time.0, 400);
    assert!(
        bad_time.1.contains("time_of_day"),
        "the error names the field: {}",
        bad_time.1
    );
    assert_eq!(
        rw.get_halo_schedule()
            .project_id(P)
            .schedule_id(daily.id.as_str())
            .send()
            .await
            .unwrap()
            .into_inner()
            .id,
        daily.id
    );
    assert_eq!(
        status(rw.get_halo_schedule().project_id(P).schedule_id("hs_nope").send().await).0,
        404
    );
    let paused = rw
        .pause_halo_schedule()
        .project_id(P)
        .schedule_id(daily.id.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (paused.status, paused.next_run_at),
        (c::HaloScheduleStatus::Paused, None)
    );
    assert_eq!(
        status(
            ro.pause_halo_schedule()
                .project_id(P)
                .schedule_id(daily.id.as_str())
                .send()
                .await
        )
        .0,
        403
    );
    let resumed = rw
        .resume_halo_schedule()
        .project_id(P)
        .schedule_id(daily.id.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(resumed.next_run_at.is_some());
    assert_eq!(
        status(
            rw.resume_halo_schedule()
                .project_id(P)
                .schedule_id("hs_nope")
                .send()
                .await
        )
        .0,
        404
    );
    assert_eq!(
        rw.archive_halo_schedule()
            .project_id(P)
            .schedule_id(daily.id.as_str())
            .send()
            .await
            .unwrap()
            .into_inner()
            .status,
        c::HaloScheduleStatus::Archived
    );
    assert_eq!(
        status(
            rw.resume_halo_schedule()
                .project_id(P)
                .schedule_id(daily.id.as_str())
                .send()
                .await
        )
        .0,
        409
    );
    assert_eq!(
        status(
            rw.archive_halo_schedule()
                .project_id(P)
                .schedule_id("hs_nope")
                .send()
                .await
        )
        .0,
        404
    );
    assert_eq!(
        rw.list_halo_schedules()
            .project_id(P)
            .status(c::HaloScheduleStatus::Archived)
            .send()
            .await
            .unwrap()
            .into_inner()
            .items
            .len(),
        1
    );
    assert_eq!(
        status(rw.list_halo_schedules().project_id("prj_search").send().await).0,
        404
    );

    // An hourly schedule due now fires while the backend runs.
    let hourly = rw
        .create_halo_schedule()
        .project_id(P)
        .body(
            c::CreateHaloScheduleRequest::builder()
                .agent_id(agent)
                .cadence(c::HaloCadence::Hourly)
                .time_of_day("00:00"),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(hourly.next_run_at.unwrap() > chrono::Utc::now());

    assert_eq!(
        inference(&b, RO)
            .get_mcp_manifest()
            .send()
            .await
            .unwrap()
            .into_inner()
            .prompts
            .len(),
        2
    );
}

#[tokio::test]
async fn data_survives_a_restart() {
    let dir = temp_dir("restart");
    let mut config = mcp_local_backend::Config::new(&dir);
    config.tick = Duration::from_millis(30);
    let b = mcp_local_backend::start(config.clone()).await.unwrap();
    let req: i::DepositRequest = serde_json::from_value(serde_json::json!({
        "title": "Restart survivor experience title", "problem": "A problem described at some length.",
        "successful_approach_method": "The method that fixed it", "root_cause": "A root cause explained with enough detail to pass",
        "insight": "An insight that transfers elsewhere", "tags": ["restart"]
    }))
    .unwrap();
    let id = inferior(&b, Some(FULL))
        .deposit_experience()
        .body(req)
        .send()
        .await
        .unwrap()
        .into_inner()
        .experience_id;
    drop(b);
    let b = mcp_local_backend::start(config).await.unwrap();
    assert_eq!(
        inferior(&b, Some(FULL))
            .get_experience()
            .experience_id(id.as_str())
            .send()
            .await
            .unwrap()
            .into_inner()
            .title,
        "Restart survivor experience title"
    );
    // The seed is not applied twice.
    assert_eq!(
        inference(&b, RW)
            .list_agents()
            .project_id(P)
            .send()
            .await
            .unwrap()
            .into_inner()
            .items[0]
            .executions,
        80
    );
}

#[tokio::test]
async fn kill_9_during_a_burst_loses_no_acknowledged_deposit() {
    let dir = temp_dir("kill9");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_backend"))
            .args([
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
                dir.to_str().unwrap(),
            ])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let url = format!("http://127.0.0.1:{port}/inferior");
    let client = inferior_sdk::ClientConfig::new(&url)
        .api_key(FULL)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let ready = |client: inferior_sdk::Client| async move {
        for _ in 0..200 {
            if client.get_stats().send().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the backend did not come up");
    };
    let mut child = spawn();
    ready(client.clone()).await;
    let mut acknowledged = Vec::new();
    let burst = async {
        for n in 0..10_000 {
            let req: i::DepositRequest = serde_json::from_value(serde_json::json!({
                "title": format!("Burst deposit number {n} title"), "problem": format!("Problem {n} described at some length."),
                "successful_approach_method": "The method that fixed it", "root_cause": format!("Root cause {n} explained with enough detail"),
                "insight": "An insight that transfers elsewhere", "tags": ["burst"]
            }))
            .unwrap();
            match client.deposit_experience().body(req).send().await {
                Ok(r) => acknowledged.push(r.into_inner().experience_id),
                Err(_) => break,
            }
        }
    };
    tokio::select! {
        _ = burst => {}
        _ = tokio::time::sleep(Duration::from_millis(1500)) => {}
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        acknowledged.len() > 10,
        "the burst got going ({} deposits)",
        acknowledged.len()
    );
    let mut child = spawn();
    ready(client.clone()).await;
    for id in &acknowledged {
        assert!(
            client.get_experience().experience_id(id.as_str()).send().await.is_ok(),
            "{id} was acknowledged but is gone"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// The error body of a refused request: (status, `error`, `details.field`, `message`).
fn refusal((status, body): (u16, String)) -> (u16, String, String, String) {
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("a JSON error body: {body}"));
    let s = |p: &str| v.pointer(p).and_then(|x| x.as_str()).unwrap_or_default().to_string();
    (status, s("/error"), s("/details/field"), s("/message"))
}

#[tokio::test]
async fn requests_are_held_to_the_spec_before_a_handler_runs() {
    let b = start("spec-checks").await;
    let (inferior, inference) = (b.inferior_url(), b.inference_url());
    let bad = |field: &str, message: &str| {
        (
            400,
            "invalid_request".to_string(),
            field.to_string(),
            message.to_string(),
        )
    };

    // Inferior: a query parameter's range, length and pattern, a missing one, an enum, a body's
    // list and number.
    let search = format!("{inferior}/v1/experiences/search");
    assert_eq!(
        refusal(raw_get(&format!("{search}?query=cors&limit=21"), FULL).await),
        bad("limit", "`limit` must be between 1 and 20 (got 21)")
    );
    let long = "x".repeat(1001);
    assert_eq!(
        refusal(raw_get(&format!("{search}?query={long}"), FULL).await),
        bad("query", "`query` must be 1 to 1000 characters (got 1001)")
    );
    assert_eq!(
        refusal(raw_get(&format!("{search}?query=cors&scope=everyone"), FULL).await).2,
        "scope"
    );
    assert_eq!(
        refusal(raw_get(&search, FULL).await),
        bad("query", "`query` is required")
    );
    assert_eq!(
        refusal(raw_get(&format!("{inferior}/v1/experiences/mine?cursor=c_x"), FULL).await),
        bad("cursor", "`cursor` must match `^c_[0-9]{1,12}$` (got `c_x`)")
    );
    let batch = serde_json::json!({"queries": [{"query": "cors", "limit": 21}]});
    assert_eq!(
        refusal(raw_post(&format!("{search}/batch"), FULL, batch).await),
        bad(
            "queries[0].limit",
            "`queries[0].limit` must be between 1 and 20 (got 21)"
        )
    );
    let tags: Vec<String> = (0..21).map(|n| format!("t{n}")).collect();
    let raw = serde_json::json!({"content": "a raw note about a build failure", "tags": tags});
    assert_eq!(
        refusal(raw_post(&format!("{inferior}/v1/experiences/raw"), FULL, raw).await),
        bad("tags", "`tags` must hold at most 20 items (got 21)")
    );

    // Catalyst: a page size, a body's numbers (the window of a HALO run, replicas).
    assert_eq!(
        refusal(raw_get(&format!("{inference}/v1/projects/{P}/models?limit=101"), RW).await),
        bad("limit", "`limit` must be between 1 and 100 (got 101)")
    );
    let run = serde_json::json!({"agent_id": "agt_support", "lookback_hours": 2147483648u64});
    let (status, code, field, _) = refusal(raw_post(&format!("{inference}/v1/projects/{P}/halo/runs"), RW, run).await);
    assert_eq!(
        (status, code.as_str(), field.as_str()),
        (400, "invalid_request", "lookback_hours")
    );
    let deployment = serde_json::json!({"name": "d", "model_id": "mdl_x", "max_replicas": 101});
    let (status, _, field, message) =
        refusal(raw_post(&format!("{inference}/v1/projects/{P}/deployments"), RW, deployment).await);
    assert_eq!((status, field.as_str()), (400, "max_replicas"), "{message}");
}

/// Two servers opening one fresh data directory at the same moment (two `--local` starts) both
/// come up, and the demo data is applied once.
#[test]
fn concurrent_first_starts_both_come_up() {
    for round in 0..4 {
        let dir = temp_dir(&format!("race-{round}"));
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let starts: Vec<_> = (0..2)
            .map(|_| {
                let (dir, barrier) = (dir.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    barrier.wait();
                    runtime
                        .block_on(mcp_local_backend::start(mcp_local_backend::Config::new(dir)))
                        .map(drop)
                })
            })
            .collect();
        for start in starts {
            start.join().unwrap().unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
        let conn = rusqlite::Connection::open(dir.join("backend.sqlite3")).unwrap();
        let seeds: i64 = conn.query_row("SELECT COUNT(*) FROM seeds", [], |r| r.get(0)).unwrap();
        assert_eq!(seeds, 1, "round {round}: the demo seed is applied once");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
