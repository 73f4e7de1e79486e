//! Identity, projects, and the catalog: models, datasets, rubrics, evals, training jobs and
//! deployments. Training, eval grading and deployment are local records whose status moves in
//! the background (see `worker`); nothing is trained, graded by a model, or deployed locally.

use super::{Page, Select, Table, caller, enum_str, enum_value, opt_ts};
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::extract::Body;
use crate::server::AppState;
use crate::util::{cut_chars, new_id, now, parse_ts, ts};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::MethodRouter;
use inference_sdk::types as t;
use inference_server::Operation;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Deserialize;

/// The handlers of identity, projects and the catalog.
pub fn endpoint(op: Operation) -> Option<MethodRouter<AppState>> {
    use Operation as O;
    Some(match op {
        O::Whoami => op.handle(whoami),
        O::ListProjects => op.handle(list_projects),
        O::GetProject => op.handle(get_project),
        O::ListModels => op.handle(list_models),
        O::GetModel => op.handle(get_model),
        O::ListDatasets => op.handle(list_datasets),
        O::CreateDataset => op.handle(create_dataset),
        O::GetDataset => op.handle(get_dataset),
        O::ListRubrics => op.handle(list_rubrics),
        O::CreateRubric => op.handle(create_rubric),
        O::GetRubric => op.handle(get_rubric),
        O::ListEvals => op.handle(list_evals),
        O::RunEval => op.handle(run_eval),
        O::GetEval => op.handle(get_eval),
        O::ListTrainingJobs => op.handle(list_training_jobs),
        O::CreateTrainingJob => op.handle(create_training_job),
        O::GetTrainingJob => op.handle(get_training_job),
        O::CancelTrainingJob => op.handle(cancel_training_job),
        O::ListDeployments => op.handle(list_deployments),
        O::CreateDeployment => op.handle(create_deployment),
        O::GetDeployment => op.handle(get_deployment),
        O::UpdateDeployment => op.handle(update_deployment),
        O::DeleteDeployment => op.handle(delete_deployment),
        O::GetMcpManifest => op.handle(crate::server::inference_manifest),
        _ => return None,
    })
}

/// Set on training jobs and deployments: what a local record is.
pub const LOCAL_TRAINING_NOTE: &str =
    "Local record: the local backend trains nothing; the job only moves through its statuses.";
pub const LOCAL_DEPLOYMENT_NOTE: &str = "Local record: the local backend deploys nothing; the endpoint does not serve.";
pub const LOCAL_EVAL_NOTE: &str = "Graded locally by a heuristic (a row passes when its source inference succeeded and has an output), not by a model.";

// ---------------------------------------------------------------------------------------------
// Identity and projects

async fn whoami(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<t::WhoAmI>> {
    let c = auth::inference_caller(&state.db, &state.limiter, &headers)?;
    let projects = c
        .projects
        .iter()
        .map(|p| t::ProjectAccess {
            id: p.id.clone(),
            name: p.name.clone(),
            scopes: [(p.read, t::Scope::Read), (p.write, t::Scope::Write)]
                .into_iter()
                .filter(|(on, _)| *on)
                .map(|(_, s)| s)
                .collect(),
        })
        .collect();
    Ok(Json(t::WhoAmI {
        team: t::Team {
            id: c.team_id,
            name: c.team_name,
        },
        key: t::KeyInfo {
            id: c.key_id,
            name: c.key_name,
            prefix: c.key_prefix,
        },
        projects,
        default_project_id: c.default_project_id,
    }))
}

fn project_row(conn: &Connection, r: &Row<'_>) -> rusqlite::Result<t::Project> {
    let id: String = r.get("id")?;
    let count = |table: &str| {
        conn.query_row(
            &format!("SELECT COUNT(*) FROM {table} WHERE project_id = ?1"),
            [&id],
            |r| r.get::<_, i64>(0),
        )
        .ok()
    };
    let counts = t::ProjectCounts {
        models: count("models"),
        datasets: count("datasets"),
        agents: count("agents"),
        traces: count("traces"),
        inferences: count("inferences"),
    };
    Ok(t::Project {
        name: r.get("name")?,
        team_id: r.get("team_id")?,
        description: r.get("description")?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?),
        counts: Some(counts),
        id,
    })
}

async fn list_projects(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::ProjectPage>> {
    let c = auth::inference_caller(&state.db, &state.limiter, &headers)?;
    let page: Page = crate::extract::query(raw.as_deref())?;
    let conn = state.db.lock();
    let (items, next_cursor) = Select::new("SELECT p.id, p.name, p.team_id, p.description, p.created_at FROM projects p JOIN key_projects kp ON kp.project_id = p.id WHERE 1")
        .and("kp.key_id = ?", c.key_id)
        .page(&conn, "p.name, p.id", &page, |r| project_row(&conn, r))?;
    Ok(Json(t::ProjectPage { items, next_cursor }))
}

async fn get_project(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
) -> ApiResult<Json<t::Project>> {
    caller(&state, &headers, &project_id, false)?;
    let conn = state.db.lock();
    let p = conn.query_row(
        "SELECT id, name, team_id, description, created_at FROM projects WHERE id = ?1",
        [&project_id],
        |r| project_row(&conn, r),
    )?;
    Ok(Json(p))
}

// ---------------------------------------------------------------------------------------------
// Models

const MODEL_COLUMNS: &str = "id, name, kind, provider, base_model, training_job_id, context_window, input_cost_per_mtok, output_cost_per_mtok, created_at";

fn model_row(r: &Row<'_>) -> rusqlite::Result<t::Model> {
    Ok(t::Model {
        id: r.get("id")?,
        name: r.get("name")?,
        kind: enum_value(&r.get::<_, String>("kind")?)?,
        provider: r.get("provider")?,
        base_model: r.get("base_model")?,
        training_job_id: r.get("training_job_id")?,
        context_window: r.get("context_window")?,
        input_cost_per_mtok: r.get("input_cost_per_mtok")?,
        output_cost_per_mtok: r.get("output_cost_per_mtok")?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelParams {
    cursor: Option<String>,
    limit: i64,
    kind: Option<t::ModelKind>,
}

async fn list_models(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::ModelPage>> {
    caller(&state, &headers, &project_id, false)?;
    let p: ModelParams = crate::extract::query(raw.as_deref())?;
    let conn = state.db.lock();
    let (items, next_cursor) = Select::new(&format!("SELECT {MODEL_COLUMNS} FROM models WHERE 1"))
        .and("project_id = ?", project_id)
        .and_opt("kind = ?", p.kind.as_ref().map(enum_str))
        .page(
            &conn,
            "created_at DESC, id",
            &Page {
                cursor: p.cursor,
                limit: p.limit,
            },
            model_row,
        )?;
    Ok(Json(t::ModelPage { items, next_cursor }))
}

/// A model of the project by id or name.
pub fn find_model(conn: &Connection, project_id: &str, id_or_name: &str) -> ApiResult<Option<t::Model>> {
    Ok(conn
        .query_row(
            &format!("SELECT {MODEL_COLUMNS} FROM models WHERE project_id = ?1 AND (id = ?2 OR name = ?2)"),
            params![project_id, id_or_name],
            model_row,
        )
        .optional()?)
}

async fn get_model(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, model_id)): Path<(String, String)>,
) -> ApiResult<Json<t::Model>> {
    caller(&state, &headers, &project_id, false)?;
    let conn = state.db.lock();
    find_model(&conn, &project_id, &model_id)?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("model", &model_id))
}

// ---------------------------------------------------------------------------------------------
// Datasets

const DATASETS: Table<t::Dataset> = Table {
    columns: "id, name, description, source, filter_json, row_count, created_at",
    from: "FROM datasets",
    alias: "",
    listed: "1",
    order: "created_at DESC, id",
    noun: "dataset",
    row: dataset_row,
};

fn dataset_row(r: &Row<'_>) -> rusqlite::Result<t::Dataset> {
    Ok(t::Dataset {
        id: r.get("id")?,
        name: r.get("name")?,
        description: r.get("description")?,
        source: enum_value(&r.get::<_, String>("source")?)?,
        filter: r
            .get::<_, Option<String>>(4)?
            .and_then(|f| serde_json::from_str(&f).ok()),
        row_count: r.get("row_count")?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?),
    })
}

async fn list_datasets(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::DatasetPage>> {
    caller(&state, &headers, &project_id, false)?;
    let page: Page = crate::extract::query(raw.as_deref())?;
    let conn = state.db.lock();
    let (items, next_cursor) = DATASETS.list(&conn, &project_id, &page, |s| s)?;
    Ok(Json(t::DatasetPage { items, next_cursor }))
}

async fn get_dataset(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, dataset_id)): Path<(String, String)>,
) -> ApiResult<Json<t::DatasetDetail>> {
    caller(&state, &headers, &project_id, false)?;
    let conn = state.db.lock();
    let dataset = DATASETS.get(&conn, &project_id, &dataset_id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT input, output, inference_id FROM dataset_rows WHERE dataset_id = ?1 ORDER BY idx LIMIT 5",
    )?;
    let sample_rows = stmt
        .query_map([&dataset_id], |r| {
            Ok(t::DatasetRow {
                input: cut_chars(r.get("input")?, SAMPLE_TEXT),
                output: r.get::<_, Option<String>>("output")?.map(|o| cut_chars(o, SAMPLE_TEXT)),
                inference_id: r.get("inference_id")?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Json(t::DatasetDetail { dataset, sample_rows }))
}

/// Sample rows are cut at this many characters.
const SAMPLE_TEXT: usize = 2000;

/// The window of an inference filter: `since`/`until`, or `lookback_hours` before now.
pub fn filter_window(f: &t::InferenceFilter) -> (Option<String>, Option<String>) {
    let since = f.since.map(ts).or_else(|| {
        f.lookback_hours
            .map(|h| ts(now() - chrono::Duration::hours(i64::from(h.get()))))
    });
    (since, f.until.map(ts))
}

async fn create_dataset(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<t::Dataset>)> {
    caller(&state, &headers, &project_id, true)?;
    let d: t::CreateDatasetRequest = crate::extract::json(&body)?;
    let id = new_id("ds");
    let mut conn = state.db.lock();
    let tx = conn.transaction()?;
    let rows: Vec<(String, Option<String>, Option<String>)> = match d.source {
        t::DatasetSource::Rows => {
            if d.rows.is_empty() {
                return Err(ApiError::bad_request(
                    "rows",
                    "`rows` is required when `source` is `rows`",
                ));
            }
            d.rows
                .iter()
                .map(|r| (r.input.clone(), r.output.clone(), r.inference_id.clone()))
                .collect()
        }
        t::DatasetSource::Inferences => {
            let filter = d.filter.clone().unwrap_or(t::InferenceFilter {
                lookback_hours: None,
                model: None,
                since: None,
                status: None,
                until: None,
            });
            let (since, until) = filter_window(&filter);
            let select = Select::new("SELECT COALESCE(input, ''), output, id FROM inferences WHERE 1")
                .and("project_id = ?", project_id.clone())
                .and_opt("status = ?", filter.status.as_ref().map(enum_str))
                .and_opt("model = ?", filter.model.as_ref().map(|m| m.to_string()))
                .and_opt("created_at >= ?", since)
                .and_opt("created_at < ?", until);
            let mut all = select.all(&tx, "created_at DESC, id", d.max_rows.get() as usize, |r| {
                Ok((r.get(0)?, r.get(1)?, r.get::<_, Option<String>>(2)?))
            })?;
            all.truncate(d.max_rows.get() as usize);
            if all.is_empty() {
                return Err(ApiError::unprocessable(
                    "empty_dataset",
                    "no inferences match the filter; widen the window or drop the status/model filter",
                ));
            }
            all
        }
    };
    let filter_json = d.filter.as_ref().map(|f| serde_json::to_string(f).unwrap_or_default());
    tx.execute(
        "INSERT INTO datasets (id, project_id, name, description, source, filter_json, row_count, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, project_id, d.name.to_string(), d.description.as_ref().map(|s| s.to_string()), enum_str(&d.source), filter_json, rows.len() as i64, ts(now())],
    )?;
    for (i, (input, output, inference_id)) in rows.iter().enumerate() {
        tx.execute(
            "INSERT INTO dataset_rows (dataset_id, idx, input, output, inference_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, i as i64, input, output, inference_id],
        )?;
    }
    let dataset = DATASETS.get(&tx, &project_id, &id)?;
    tx.commit()?;
    Ok((StatusCode::CREATED, Json(dataset)))
}

// ---------------------------------------------------------------------------------------------
// Rubrics

const RUBRICS: Table<t::Rubric> = Table {
    columns: "id, name, description, criteria_json, created_at",
    from: "FROM rubrics",
    alias: "",
    listed: "1",
    order: "created_at DESC, id",
    noun: "rubric",
    row: rubric_row,
};

fn rubric_row(r: &Row<'_>) -> rusqlite::Result<t::Rubric> {
    Ok(t::Rubric {
        id: r.get("id")?,
        name: r.get("name")?,
        description: r.get("description")?,
        criteria: serde_json::from_str(&r.get::<_, String>("criteria_json")?).unwrap_or_default(),
        created_at: parse_ts(&r.get::<_, String>("created_at")?),
    })
}

async fn list_rubrics(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::RubricPage>> {
    caller(&state, &headers, &project_id, false)?;
    let page: Page = crate::extract::query(raw.as_deref())?;
    let conn = state.db.lock();
    let (items, next_cursor) = RUBRICS.list(&conn, &project_id, &page, |s| s)?;
    Ok(Json(t::RubricPage { items, next_cursor }))
}

async fn get_rubric(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, rubric_id)): Path<(String, String)>,
) -> ApiResult<Json<t::Rubric>> {
    caller(&state, &headers, &project_id, false)?;
    Ok(Json(RUBRICS.get(&state.db.lock(), &project_id, &rubric_id)?))
}

async fn create_rubric(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<t::Rubric>)> {
    caller(&state, &headers, &project_id, true)?;
    let r: t::CreateRubricRequest = crate::extract::json(&body)?;
    let id = new_id("rb");
    let conn = state.db.lock();
    conn.execute(
        "INSERT INTO rubrics (id, project_id, name, description, criteria_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, project_id, r.name.to_string(), r.description.as_ref().map(|d| d.to_string()), serde_json::to_string(&r.criteria).unwrap_or_default(), ts(now())],
    )?;
    Ok((StatusCode::CREATED, Json(RUBRICS.get(&conn, &project_id, &id)?)))
}

// ---------------------------------------------------------------------------------------------
// Evals

const EVALS: Table<t::Eval> = Table {
    columns: "id, name, status, dataset_id, rubric_id, model_id, score, criteria_scores_json, rows_evaluated, created_at, completed_at, error",
    from: "FROM evals",
    alias: "",
    listed: "1",
    order: "created_at DESC, id",
    noun: "eval",
    row: eval_row,
};

fn eval_row(r: &Row<'_>) -> rusqlite::Result<t::Eval> {
    Ok(t::Eval {
        id: r.get("id")?,
        name: r.get("name")?,
        status: enum_value(&r.get::<_, String>("status")?)?,
        dataset_id: r.get("dataset_id")?,
        rubric_id: r.get("rubric_id")?,
        model_id: r.get("model_id")?,
        score: r.get("score")?,
        criteria_scores: r
            .get::<_, Option<String>>(7)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
        rows_evaluated: r.get("rows_evaluated")?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?),
        completed_at: opt_ts(r.get("completed_at")?),
        error: r.get("error")?,
        note: Some(LOCAL_EVAL_NOTE.to_string()),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EvalParams {
    cursor: Option<String>,
    limit: i64,
    status: Option<t::EvalStatus>,
}

async fn list_evals(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::EvalPage>> {
    caller(&state, &headers, &project_id, false)?;
    let p: EvalParams = crate::extract::query(raw.as_deref())?;
    let conn = state.db.lock();
    let page = Page {
        cursor: p.cursor,
        limit: p.limit,
    };
    let (items, next_cursor) = EVALS.list(&conn, &project_id, &page, |s| {
        s.and_opt("status = ?", p.status.as_ref().map(enum_str))
    })?;
    Ok(Json(t::EvalPage { items, next_cursor }))
}

async fn get_eval(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, eval_id)): Path<(String, String)>,
) -> ApiResult<Json<t::Eval>> {
    caller(&state, &headers, &project_id, false)?;
    Ok(Json(EVALS.get(&state.db.lock(), &project_id, &eval_id)?))
}

async fn run_eval(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<t::Eval>)> {
    caller(&state, &headers, &project_id, true)?;
    let r: t::RunEvalRequest = crate::extract::json(&body)?;
    let conn = state.db.lock();
    let dataset = DATASETS
        .get(&conn, &project_id, &r.dataset_id)
        .map_err(|_| unknown("dataset_id", &r.dataset_id))?;
    RUBRICS
        .get(&conn, &project_id, &r.rubric_id)
        .map_err(|_| unknown("rubric_id", &r.rubric_id))?;
    let model = find_model(&conn, &project_id, &r.model_id)?.ok_or_else(|| unknown("model_id", &r.model_id))?;
    let id = new_id("ev");
    let name = r
        .name
        .as_ref()
        .map_or_else(|| format!("{} on {}", model.name, dataset.name), |n| n.to_string());
    conn.execute(
        "INSERT INTO evals (id, project_id, name, status, dataset_id, rubric_id, model_id, created_at) VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?6, ?7)",
        params![id, project_id, name, dataset.id, r.rubric_id.to_string(), model.id, ts(now())],
    )?;
    state.wake.notify_one();
    Ok((StatusCode::CREATED, Json(EVALS.get(&conn, &project_id, &id)?)))
}

/// A request naming something the project does not have: 422, naming the field.
fn unknown(field: &str, id: &str) -> ApiError {
    ApiError::unprocessable(
        "unknown_reference",
        format!("`{field}` names `{id}`, which this project does not have"),
    )
    .detail("field", field)
}

// ---------------------------------------------------------------------------------------------
// Training jobs

const TRAINING_JOBS: Table<t::TrainingJob> = Table {
    columns: "id, name, status, base_model, dataset_id, hyperparameters_json, progress, output_model_id, error, created_at, started_at, finished_at",
    from: "FROM training_jobs",
    alias: "",
    listed: "1",
    order: "created_at DESC, id",
    noun: "training job",
    row: job_row,
};

fn job_row(r: &Row<'_>) -> rusqlite::Result<t::TrainingJob> {
    let hyper: t::Hyperparameters = serde_json::from_str(&r.get::<_, String>("hyperparameters_json")?)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(t::TrainingJob {
        id: r.get("id")?,
        name: r.get("name")?,
        status: enum_value(&r.get::<_, String>("status")?)?,
        base_model: r.get("base_model")?,
        dataset_id: r.get("dataset_id")?,
        hyperparameters: hyper,
        progress: r.get("progress")?,
        output_model_id: r.get("output_model_id")?,
        error: r.get("error")?,
        created_at: parse_ts(&r.get::<_, String>("created_at")?),
        started_at: opt_ts(r.get("started_at")?),
        finished_at: opt_ts(r.get("finished_at")?),
        note: Some(LOCAL_TRAINING_NOTE.to_string()),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobParams {
    cursor: Option<String>,
    limit: i64,
    status: Option<t::TrainingStatus>,
}

async fn list_training_jobs(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::TrainingJobPage>> {
    caller(&state, &headers, &project_id, false)?;
    let p: JobParams = crate::extract::query(raw.as_deref())?;
    let conn = state.db.lock();
    let page = Page {
        cursor: p.cursor,
        limit: p.limit,
    };
    let (items, next_cursor) = TRAINING_JOBS.list(&conn, &project_id, &page, |s| {
        s.and_opt("status = ?", p.status.as_ref().map(enum_str))
    })?;
    Ok(Json(t::TrainingJobPage { items, next_cursor }))
}

async fn get_training_job(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, job_id)): Path<(String, String)>,
) -> ApiResult<Json<t::TrainingJob>> {
    caller(&state, &headers, &project_id, false)?;
    Ok(Json(TRAINING_JOBS.get(&state.db.lock(), &project_id, &job_id)?))
}

async fn create_training_job(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<t::TrainingJob>)> {
    caller(&state, &headers, &project_id, true)?;
    let r: t::CreateTrainingJobRequest = crate::extract::json(&body)?;
    let conn = state.db.lock();
    let base = find_model(&conn, &project_id, &r.base_model)?.ok_or_else(|| unknown("base_model", &r.base_model))?;
    let dataset = DATASETS
        .get(&conn, &project_id, &r.dataset_id)
        .map_err(|_| unknown("dataset_id", &r.dataset_id))?;
    let hyper = r.hyperparameters.clone().unwrap_or(t::Hyperparameters {
        batch_size: None,
        epochs: std::num::NonZeroU32::MIN.saturating_add(2),
        learning_rate: None,
    });
    let id = new_id("tj");
    let name = r
        .name
        .as_ref()
        .map_or_else(|| format!("{}-{}", base.name, dataset.name), |n| n.to_string());
    conn.execute(
        "INSERT INTO training_jobs (id, project_id, name, status, base_model, dataset_id, hyperparameters_json, progress, created_at) \
         VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?6, 0, ?7)",
        params![id, project_id, name, base.name, dataset.id, serde_json::to_string(&hyper).unwrap_or_default(), ts(now())],
    )?;
    state.wake.notify_one();
    Ok((StatusCode::CREATED, Json(TRAINING_JOBS.get(&conn, &project_id, &id)?)))
}

async fn cancel_training_job(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, job_id)): Path<(String, String)>,
) -> ApiResult<Json<t::TrainingJob>> {
    caller(&state, &headers, &project_id, true)?;
    let conn = state.db.lock();
    let job = TRAINING_JOBS.get(&conn, &project_id, &job_id)?;
    match job.status {
        t::TrainingStatus::Queued | t::TrainingStatus::Running => {
            conn.execute(
                "UPDATE training_jobs SET status = 'cancelled', finished_at = ?2 WHERE id = ?1",
                params![job_id, ts(now())],
            )?;
            Ok(Json(TRAINING_JOBS.get(&conn, &project_id, &job_id)?))
        }
        t::TrainingStatus::Cancelled => Ok(Json(job)),
        other => Err(ApiError::conflict(
            "conflict",
            format!("training job {job_id} already ended ({other}); only queued or running jobs can be cancelled"),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Deployments

const DEPLOYMENTS: Table<t::Deployment> = Table {
    columns: "id, name, model_id, status, endpoint, min_replicas, max_replicas, created_at, updated_at",
    from: "FROM deployments",
    alias: "",
    listed: "status != 'deleted'",
    order: "created_at DESC, id",
    noun: "deployment",
    row: deployment_row,
};

fn deployment_row(r: &Row<'_>) -> rusqlite::Result<t::Deployment> {
    Ok(t::Deployment {
        id: r.get("id")?,
        name: r.get("name")?,
        model_id: r.get("model_id")?,
        status: enum_value(&r.get::<_, String>("status")?)?,
        endpoint: r.get("endpoint")?,
        min_replicas: r.get("min_replicas")?,
        max_replicas: std::num::NonZeroU32::new(r.get("max_replicas")?).unwrap_or(std::num::NonZeroU32::MIN),
        created_at: parse_ts(&r.get::<_, String>("created_at")?),
        updated_at: opt_ts(r.get("updated_at")?),
        note: Some(LOCAL_DEPLOYMENT_NOTE.to_string()),
    })
}

async fn list_deployments(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::DeploymentPage>> {
    caller(&state, &headers, &project_id, false)?;
    let page: Page = crate::extract::query(raw.as_deref())?;
    let conn = state.db.lock();
    let (items, next_cursor) = DEPLOYMENTS.list(&conn, &project_id, &page, |s| s)?;
    Ok(Json(t::DeploymentPage { items, next_cursor }))
}

fn check_replicas(min: i32, max: u32) -> ApiResult<()> {
    if min < 0 || min as u32 > max {
        return Err(ApiError::bad_request(
            "min_replicas",
            format!("`min_replicas` ({min}) must be between 0 and `max_replicas` ({max})"),
        ));
    }
    Ok(())
}

async fn get_deployment(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, deployment_id)): Path<(String, String)>,
) -> ApiResult<Json<t::Deployment>> {
    caller(&state, &headers, &project_id, false)?;
    Ok(Json(DEPLOYMENTS.get(&state.db.lock(), &project_id, &deployment_id)?))
}

async fn create_deployment(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<t::Deployment>)> {
    caller(&state, &headers, &project_id, true)?;
    let r: t::CreateDeploymentRequest = crate::extract::json(&body)?;
    check_replicas(r.min_replicas, r.max_replicas.get())?;
    let conn = state.db.lock();
    let model = find_model(&conn, &project_id, &r.model_id)?.ok_or_else(|| unknown("model_id", &r.model_id))?;
    let id = new_id("dep");
    conn.execute(
        "INSERT INTO deployments (id, project_id, name, model_id, status, endpoint, min_replicas, max_replicas, created_at) VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, ?8)",
        params![id, project_id, r.name.to_string(), model.id, format!("http://localhost/deployments/{id}/v1"), r.min_replicas, r.max_replicas.get(), ts(now())],
    )?;
    state.wake.notify_one();
    Ok((StatusCode::CREATED, Json(DEPLOYMENTS.get(&conn, &project_id, &id)?)))
}

async fn update_deployment(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, deployment_id)): Path<(String, String)>,
    Body(body): Body,
) -> ApiResult<Json<t::Deployment>> {
    caller(&state, &headers, &project_id, true)?;
    let r: t::UpdateDeploymentRequest = crate::extract::json(&body)?;
    let conn = state.db.lock();
    let current = DEPLOYMENTS.get(&conn, &project_id, &deployment_id)?;
    if current.status == t::DeploymentStatus::Deleted {
        return Err(ApiError::conflict(
            "conflict",
            format!("deployment {deployment_id} was deleted"),
        ));
    }
    let model_id = match &r.model_id {
        Some(m) => {
            find_model(&conn, &project_id, m)?
                .ok_or_else(|| unknown("model_id", m))?
                .id
        }
        None => current.model_id.clone(),
    };
    let min = r.min_replicas.unwrap_or(current.min_replicas);
    let max = r.max_replicas.map_or(current.max_replicas.get(), |m| m.get());
    check_replicas(min, max)?;
    conn.execute(
        "UPDATE deployments SET model_id = ?2, min_replicas = ?3, max_replicas = ?4, status = 'updating', updated_at = ?5 WHERE id = ?1",
        params![deployment_id, model_id, min, max, ts(now())],
    )?;
    state.wake.notify_one();
    Ok(Json(DEPLOYMENTS.get(&conn, &project_id, &deployment_id)?))
}

async fn delete_deployment(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((project_id, deployment_id)): Path<(String, String)>,
) -> ApiResult<Json<t::Deployment>> {
    caller(&state, &headers, &project_id, true)?;
    let conn = state.db.lock();
    DEPLOYMENTS.get(&conn, &project_id, &deployment_id)?;
    conn.execute(
        "UPDATE deployments SET status = 'deleted', updated_at = ?2 WHERE id = ?1",
        params![deployment_id, ts(now())],
    )?;
    Ok(Json(DEPLOYMENTS.get(&conn, &project_id, &deployment_id)?))
}
