//! The Inferior API: search (SQLite FTS5, BM25), deposits with quality gates and secret/PII
//! refusal, feedback that moves transferability, and the statistics computed from what is stored.

use crate::auth::{self, Agent, Need};
use crate::error::{ApiError, ApiResult};
use crate::extract::Body;
use crate::server::AppState;
use crate::util::{enum_str, enum_value, new_id, now, parse_ts, take_page, ts};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Json, Router};
use inferior_gates::{safety, worthiness};
use inferior_sdk::types as t;
use rusqlite::{Connection, OptionalExtension, Row, named_params, params};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Every operation of the spec at its route, behind the spec's checks (`inferior-server`).
pub fn router() -> Router<AppState> {
    use inferior_server::Operation as O;
    inferior_server::router(
        |op| {
            Some(match op {
                O::SearchExperiences => op.handle(search),
                O::SearchExperiencesBatch => op.handle(search_batch),
                O::DepositExperience => op.handle(deposit),
                O::DepositRawExperience => op.handle(deposit_raw),
                O::DepositRawFile => op.handle(deposit_raw_file),
                O::ListMyExperiences => op.handle(mine),
                O::CheckContext => op.handle(context_check),
                O::GetExperience => op.handle(get_experience),
                O::RetractExperience => op.handle(retract),
                O::SubmitFeedback => op.handle(feedback),
                O::GetProcedure => op.handle(get_procedure),
                O::GetMyProfile => op.handle(profile),
                O::GetStats => op.handle(stats),
                O::GetDemandHotspots => op.handle(hotspots),
                O::GetMcpManifest => op.handle(crate::server::inferior_manifest),
                _ => return None,
            })
        },
        crate::error::rejected,
    )
}

fn caller(state: &AppState, headers: &HeaderMap, need: Need) -> ApiResult<Agent> {
    let agent = auth::inferior_agent(&state.db, &state.limiter, headers)?;
    agent.require(need)?;
    Ok(agent)
}

// ---------------------------------------------------------------------------------------------
// Rows

const COLUMNS: &str = "e.id, e.agent_id, e.title, e.problem, e.root_cause, e.insight, e.solution_method, e.implementation, e.failed_attempt, \
    e.why_failed, e.applies_when, e.does_not_apply_when, e.tags, e.error_message, e.env_versions_json, e.evidence_class, e.visibility_scope, \
    e.origin_type, e.creation_mode, e.causal_depth, e.boundary_precision, e.transferability, e.worthiness, e.validation_state, e.helpful_count, \
    e.unhelpful_count, e.linked_procedure_id, e.created_at, e.updated_at, c.display_name";

/// One stored experience, read by column name from a `SELECT {COLUMNS}`.
struct Stored {
    id: String,
    agent_id: String,
    title: String,
    problem: String,
    root_cause: String,
    insight: String,
    solution_method: String,
    implementation: Option<String>,
    failed_attempt: Option<String>,
    why_failed: Option<String>,
    applies_when: Option<String>,
    does_not_apply_when: Option<String>,
    tags: Vec<String>,
    error_message: Option<String>,
    env_versions: std::collections::HashMap<String, String>,
    evidence_class: t::EvidenceClass,
    visibility_scope: t::VisibilityScope,
    origin_type: t::OriginType,
    creation_mode: t::CreationMode,
    causal_depth: f64,
    boundary_precision: f64,
    transferability: f64,
    worthiness: f64,
    validation_state: t::ValidationState,
    helpful_count: i64,
    unhelpful_count: i64,
    linked_procedure_id: Option<String>,
    created_at: String,
    updated_at: Option<String>,
    display_name: String,
}

fn split_tags(tags: &str) -> Vec<String> {
    tags.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

impl Stored {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get("id")?,
            agent_id: r.get("agent_id")?,
            title: r.get("title")?,
            problem: r.get("problem")?,
            root_cause: r.get("root_cause")?,
            insight: r.get("insight")?,
            solution_method: r.get("solution_method")?,
            implementation: r.get("implementation")?,
            failed_attempt: r.get("failed_attempt")?,
            why_failed: r.get("why_failed")?,
            applies_when: r.get("applies_when")?,
            does_not_apply_when: r.get("does_not_apply_when")?,
            tags: split_tags(&r.get::<_, String>("tags")?),
            error_message: r.get("error_message")?,
            env_versions: serde_json::from_str(&r.get::<_, String>("env_versions_json")?).unwrap_or_default(),
            evidence_class: enum_value(&r.get::<_, String>("evidence_class")?)?,
            visibility_scope: enum_value(&r.get::<_, String>("visibility_scope")?)?,
            origin_type: enum_value(&r.get::<_, String>("origin_type")?)?,
            creation_mode: enum_value(&r.get::<_, String>("creation_mode")?)?,
            causal_depth: r.get("causal_depth")?,
            boundary_precision: r.get("boundary_precision")?,
            transferability: r.get("transferability")?,
            worthiness: r.get("worthiness")?,
            validation_state: enum_value(&r.get::<_, String>("validation_state")?)?,
            helpful_count: r.get("helpful_count")?,
            unhelpful_count: r.get("unhelpful_count")?,
            linked_procedure_id: r.get("linked_procedure_id")?,
            created_at: r.get("created_at")?,
            updated_at: r.get("updated_at")?,
            display_name: r.get("display_name")?,
        })
    }

    fn quality(&self) -> t::QualityScores {
        t::QualityScores {
            causal_depth: self.causal_depth,
            boundary_precision: self.boundary_precision,
            insight_transferability: self.transferability,
        }
    }

    fn summary(&self) -> t::ExperienceSummary {
        t::ExperienceSummary {
            id: self.id.clone(),
            title: self.title.clone(),
            problem: self.problem.clone(),
            insight: self.insight.clone(),
            tags: self.tags.clone(),
            evidence_class: self.evidence_class,
            quality: self.quality(),
            validation_state: self.validation_state,
            helpful_count: Some(self.helpful_count),
            created_at: parse_ts(&self.created_at),
        }
    }

    fn full(&self) -> t::Experience {
        let failed_approaches = self
            .failed_attempt
            .iter()
            .map(|attempt| t::FailedApproach {
                attempt: attempt.clone(),
                why_failed: self.why_failed.clone(),
            })
            .collect();
        t::Experience {
            id: self.id.clone(),
            title: self.title.clone(),
            problem: self.problem.clone(),
            root_cause: self.root_cause.clone(),
            insight: self.insight.clone(),
            solution: t::Solution {
                method: self.solution_method.clone(),
                implementation: self.implementation.clone(),
            },
            failed_approaches,
            boundaries: t::Boundaries {
                applies_when: self.applies_when.clone(),
                does_not_apply_when: self.does_not_apply_when.clone(),
            },
            tags: self.tags.clone(),
            error_message: self.error_message.clone(),
            env_versions: self.env_versions.clone(),
            evidence_class: self.evidence_class,
            visibility_scope: self.visibility_scope,
            origin_type: self.origin_type,
            creation_mode: self.creation_mode,
            quality: self.quality(),
            worthiness_score: self.worthiness,
            validation_state: self.validation_state,
            contributor: t::Contributor {
                agent_id: self.agent_id.clone(),
                display_name: self.display_name.clone(),
            },
            helpful_count: self.helpful_count,
            unhelpful_count: self.unhelpful_count,
            linked_procedure_id: self.linked_procedure_id.clone(),
            created_at: parse_ts(&self.created_at),
            updated_at: self.updated_at.as_deref().map(parse_ts),
        }
    }

    /// Public and team experiences are visible to every key of this local store; private ones
    /// to their author.
    fn visible_to(&self, agent: &Agent) -> bool {
        self.visibility_scope != t::VisibilityScope::Private || self.agent_id == agent.agent_id
    }
}

fn load(conn: &Connection, id: &str) -> ApiResult<Option<Stored>> {
    let sql =
        format!("SELECT {COLUMNS} FROM experiences e JOIN contributors c ON c.agent_id = e.agent_id WHERE e.id = ?1");
    Ok(conn.query_row(&sql, [id], Stored::from_row).optional()?)
}

fn load_visible(conn: &Connection, id: &str, agent: &Agent) -> ApiResult<Stored> {
    match load(conn, id)? {
        Some(e) if e.visible_to(agent) => Ok(e),
        _ => Err(ApiError::not_found("experience", id)),
    }
}

// ---------------------------------------------------------------------------------------------
// Search

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchParams {
    query: String,
    conditions: Option<String>,
    tags: Option<String>,
    error_message: Option<String>,
    limit: i64,
    scope: t::SearchScope,
    min_causal_depth: Option<f64>,
    min_boundary_precision: Option<f64>,
    min_insight_transferability: Option<f64>,
    evidence_class: Option<t::EvidenceClass>,
    include_drafts: bool,
}

/// What one search asks for, after validation.
struct SearchRequest {
    query: String,
    conditions: Option<String>,
    tags: Vec<String>,
    error_message: Option<String>,
    limit: usize,
    scope: t::SearchScope,
    min_causal_depth: f64,
    min_boundary_precision: f64,
    min_transferability: f64,
    evidence_class: Option<String>,
    include_drafts: bool,
}

/// A context check keeps matches at least this relevant.
const CONTEXT_RELEVANCE: f64 = 0.3;

/// Words too common to say anything about a problem.
const STOPWORDS: [&str; 40] = [
    "the", "and", "for", "with", "our", "your", "you", "are", "was", "were", "but", "not", "can", "cannot", "this",
    "that", "from", "into", "when", "what", "how", "why", "does", "doesn", "add", "use", "using", "get", "got", "new",
    "all", "any", "its", "has", "have", "after", "before", "then", "there", "will",
];

/// FTS5 query: every word of at least three characters but the stopwords, quoted, OR-ed (BM25 ranks by how many and
/// how rare).
fn fts_query(texts: &[&str]) -> Option<String> {
    let mut words: Vec<String> = Vec::new();
    for text in texts {
        for w in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(&w.to_lowercase().as_str()))
        {
            let w = w.to_lowercase();
            if !words.contains(&w) && words.len() < 48 {
                words.push(w);
            }
        }
    }
    (!words.is_empty()).then(|| {
        words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" OR ")
    })
}

/// BM25 (lower is better) → relevance in 0..1.
fn relevance(bm25: f64) -> f64 {
    let r = (-bm25).max(0.0);
    ((1.0 - (-r / 4.0).exp()) * 1000.0).round() / 1000.0
}

fn run_search(conn: &Connection, agent: &Agent, req: &SearchRequest) -> ApiResult<t::SearchResponse> {
    let mut texts = vec![req.query.as_str()];
    if let Some(e) = &req.error_message {
        texts.push(e);
    }
    if let Some(c) = &req.conditions {
        texts.push(c);
    }
    let mut results: Vec<(Stored, f64)> = Vec::new();
    if let Some(q) = fts_query(&texts) {
        let sql = format!(
            "SELECT {COLUMNS}, bm25(experiences_fts, 4.0, 2.0, 2.0, 2.0, 1.5, 3.0, 3.0) AS rank FROM experiences_fts \
             JOIN experiences e ON e.seq = experiences_fts.rowid JOIN contributors c ON c.agent_id = e.agent_id \
             WHERE experiences_fts MATCH ?1 AND e.validation_state != 'retracted' AND (?2 OR e.validation_state != 'draft') \
             AND (e.visibility_scope != 'private' OR e.agent_id = ?3) AND (?4 = 0 OR e.agent_id = ?3) \
             AND e.causal_depth >= ?5 AND e.boundary_precision >= ?6 AND e.transferability >= ?7 AND (?8 IS NULL OR e.evidence_class = ?8) \
             ORDER BY rank LIMIT 200"
        );
        let self_only = matches!(req.scope, t::SearchScope::SelfOnly);
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![
                q,
                req.include_drafts,
                agent.agent_id,
                self_only,
                req.min_causal_depth,
                req.min_boundary_precision,
                req.min_transferability,
                req.evidence_class
            ],
            |r| Ok((Stored::from_row(r)?, r.get::<_, f64>(30)?)),
        )?;
        for row in rows {
            let (e, rank) = row?;
            if req.tags.is_empty()
                || e.tags
                    .iter()
                    .any(|t| req.tags.iter().any(|w| w.eq_ignore_ascii_case(t)))
            {
                results.push((e, relevance(rank)));
            }
        }
    }
    if matches!(req.scope, t::SearchScope::SelfFirst) {
        results.sort_by(|a, b| {
            (b.0.agent_id == agent.agent_id)
                .cmp(&(a.0.agent_id == agent.agent_id))
                .then(b.1.total_cmp(&a.1))
        });
    }
    results.truncate(req.limit);
    let best = results.iter().map(|(_, s)| *s).fold(0.0, f64::max);
    let words: Vec<String> = req
        .query
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3)
        .map(String::from)
        .collect();
    let search_id = new_id("srch");
    let tags_seen = if req.tags.is_empty() {
        results.first().map(|(e, _)| e.tags.join(",")).unwrap_or_default()
    } else {
        req.tags.join(",")
    };
    conn.execute(
        "INSERT INTO searches (id, agent_id, query, tags, best_score, result_count, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![search_id, agent.agent_id, req.query, tags_seen, best, results.len() as i64, ts(now())],
    )?;
    let results = results
        .into_iter()
        .map(|(e, score)| {
            let fields = [
                ("title", &e.title),
                ("problem", &e.problem),
                ("root_cause", &e.root_cause),
                ("insight", &e.insight),
                ("solution", &e.solution_method),
            ];
            let mut matched: Vec<String> = fields
                .iter()
                .filter(|(_, text)| words.iter().any(|w| text.to_lowercase().contains(w)))
                .map(|(n, _)| n.to_string())
                .collect();
            if e.tags.iter().any(|t| words.iter().any(|w| t.eq_ignore_ascii_case(w))) {
                matched.push("tags".into());
            }
            t::SearchResult {
                own: Some(e.agent_id == agent.agent_id),
                score,
                matched_fields: matched,
                experience: e.summary(),
            }
        })
        .collect();
    Ok(t::SearchResponse {
        search_id,
        query: req.query.clone(),
        scope: Some(req.scope),
        results,
    })
}

async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::SearchResponse>> {
    let agent = caller(&state, &headers, Need::Search)?;
    // Lengths, ranges and defaults are the spec's, applied by `inferior-server` before this.
    let p: SearchParams = crate::extract::query(raw.as_deref())?;
    let req = SearchRequest {
        query: p.query,
        conditions: p.conditions,
        tags: p.tags.as_deref().map(split_tags).unwrap_or_default(),
        error_message: p.error_message,
        limit: p.limit as usize,
        scope: p.scope,
        min_causal_depth: p.min_causal_depth.unwrap_or(0.0),
        min_boundary_precision: p.min_boundary_precision.unwrap_or(0.0),
        min_transferability: p.min_insight_transferability.unwrap_or(0.0),
        evidence_class: p.evidence_class.as_ref().map(enum_str),
        include_drafts: p.include_drafts,
    };
    let conn = state.db.lock();
    Ok(Json(run_search(&conn, &agent, &req)?))
}

async fn search_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<Json<t::BatchSearchResponse>> {
    let agent = caller(&state, &headers, Need::Search)?;
    // Item counts and ranges are the spec's, checked by `inferior-server` before this.
    let batch: t::BatchSearchRequest = crate::extract::json(&body)?;
    let conn = state.db.lock();
    let mut responses = Vec::new();
    for q in &batch.queries {
        let limit = q.limit.get();
        let req = SearchRequest {
            query: q.query.to_string(),
            conditions: None,
            tags: q.tags.iter().map(|t| t.to_string()).collect(),
            error_message: q.error_message.as_ref().map(|e| e.to_string()),
            limit: limit as usize,
            scope: q.scope.unwrap_or(t::SearchScope::SelfFirst),
            min_causal_depth: 0.0,
            min_boundary_precision: 0.0,
            min_transferability: 0.0,
            evidence_class: None,
            include_drafts: false,
        };
        responses.push(run_search(&conn, &agent, &req)?);
    }
    Ok(Json(t::BatchSearchResponse { responses }))
}

// ---------------------------------------------------------------------------------------------
// Deposits

/// A stable content hash (FNV-1a over normalized text) for exact-duplicate detection.
fn content_hash(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for word in part.split_whitespace() {
            for b in word.to_lowercase().bytes().chain(std::iter::once(b' ')) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        h ^= 0xff;
    }
    format!("{h:016x}")
}

/// 409 when `table` already holds a row with `hash`: "duplicate — {why}: {id}", the id also under
/// `detail`.
fn refuse_duplicate(conn: &Connection, table: &str, hash: &str, why: &str, detail: &str) -> ApiResult<()> {
    let existing = conn
        .query_row(
            &format!("SELECT id FROM {table} WHERE content_hash = ?1"),
            [hash],
            |r| r.get::<_, String>(0),
        )
        .optional()?;
    match existing {
        None => Ok(()),
        Some(existing) => {
            Err(ApiError::conflict("duplicate", format!("duplicate — {why}: {existing}")).detail(detail, existing))
        }
    }
}

/// Refuses text holding secrets or personal data, naming the field.
fn refuse_sensitive(fields: &[(&str, Option<&str>)]) -> ApiResult<()> {
    let policy = safety::Policy {
        block_internal_hosts: false,
        max_length: usize::MAX,
        ..safety::Policy::default()
    };
    for (name, text) in fields {
        let Some(text) = text else { continue };
        if let Some(finding) = safety::check(text, &policy).unwrap_or_default().first() {
            let code = if finding.family == "secret" {
                "secret_detected"
            } else {
                "pii_detected"
            };
            return Err(ApiError::unprocessable(
                code,
                format!("deposit refused — `{name}` contains {finding}; remove it and deposit again"),
            )
            .detail("field", *name));
        }
    }
    Ok(())
}

/// An experience to store; scores and validation are computed from it.
struct NewExperience {
    id: String,
    agent_id: String,
    title: String,
    problem: String,
    root_cause: String,
    insight: String,
    solution: String,
    implementation: Option<String>,
    failed_attempt: Option<String>,
    why_failed: Option<String>,
    applies_when: Option<String>,
    does_not_apply_when: Option<String>,
    tags: Vec<String>,
    error_message: Option<String>,
    env_versions: BTreeMap<String, String>,
    evidence_class: String,
    visibility_scope: String,
    origin_type: String,
    creation_mode: String,
    linked_procedure_id: Option<String>,
    helpful_count: i64,
    created_at: String,
}

fn trimmed(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Runs the quality gates and the secret/PII check, scores, refuses an exact duplicate, and
/// stores. Returns the deposit's answer.
fn store(conn: &Connection, e: NewExperience) -> ApiResult<t::DepositResponse> {
    if let Some((gate, rejection)) = worthiness::first_failed_gate(&e.root_cause, &e.insight, &e.title) {
        return Err(ApiError::unprocessable("quality_gate", rejection)
            .detail("gate", gate.number)
            .detail("field", gate.field));
    }
    refuse_sensitive(&[
        ("title", Some(&e.title)),
        ("problem", Some(&e.problem)),
        ("root_cause", Some(&e.root_cause)),
        ("insight", Some(&e.insight)),
        ("successful_approach_method", Some(&e.solution)),
        ("failed_attempt", e.failed_attempt.as_deref()),
        ("why_failed", e.why_failed.as_deref()),
        ("implementation", e.implementation.as_deref()),
        ("error_message", e.error_message.as_deref()),
    ])?;
    let verified = matches!(
        e.evidence_class.as_str(),
        "widely_validated" | "peer_validated" | "personally_validated"
    );
    let draft = worthiness::Draft {
        title: Some(e.title.clone()),
        problem: Some(e.problem.clone()),
        root_cause: Some(e.root_cause.clone()),
        insight: Some(e.insight.clone()),
        successful_approach_method: Some(e.solution.clone()),
        tags: e.tags.clone(),
        failed_attempt: e.failed_attempt.clone(),
        applies_when: e.applies_when.clone(),
        does_not_apply_when: e.does_not_apply_when.clone(),
        is_trivial_fix: false,
        has_been_verified: verified,
        novelty_self_report: 0.5,
        recurrence_self_report: 0.5,
    };
    let dims = worthiness::dimensions(&draft);
    let score_of = |name: &str| dims.iter().find(|d| d.name == name).map_or(0.0, |d| d.score);
    let worthiness_score = worthiness::score(&dims);
    let validated = worthiness_score >= worthiness::THRESHOLD;
    let mut warnings: Vec<String> = dims
        .iter()
        .filter(|d| d.score < 0.5)
        .map(|d| format!("{}: {}", d.name, d.advice))
        .collect();
    if e.insight.eq_ignore_ascii_case(&e.solution) {
        warnings.push("insight restates the solution; state the lesson that transfers to other projects".into());
    }
    let hash = content_hash(&[&e.title, &e.problem, &e.root_cause, &e.insight, &e.solution]);
    refuse_duplicate(
        conn,
        "experiences",
        &hash,
        "an identical experience already exists",
        "existing_experience_id",
    )?;
    let quality = t::QualityScores {
        causal_depth: score_of("causal_depth"),
        boundary_precision: score_of("boundaries"),
        insight_transferability: score_of("transferability"),
    };
    let row = named_params! {
        ":id": e.id,
        ":agent_id": e.agent_id,
        ":title": e.title,
        ":problem": e.problem,
        ":root_cause": e.root_cause,
        ":insight": e.insight,
        ":solution_method": e.solution,
        ":implementation": e.implementation,
        ":failed_attempt": e.failed_attempt,
        ":why_failed": e.why_failed,
        ":applies_when": e.applies_when,
        ":does_not_apply_when": e.does_not_apply_when,
        ":tags": e.tags.join(","),
        ":error_message": e.error_message,
        ":env_versions_json": serde_json::to_string(&e.env_versions).unwrap_or_default(),
        ":evidence_class": e.evidence_class,
        ":visibility_scope": e.visibility_scope,
        ":origin_type": e.origin_type,
        ":creation_mode": e.creation_mode,
        ":causal_depth": quality.causal_depth,
        ":boundary_precision": quality.boundary_precision,
        ":transferability": quality.insight_transferability,
        ":worthiness": worthiness_score,
        ":validation_state": if validated { "validated" } else { "draft" },
        ":linked_procedure_id": e.linked_procedure_id,
        ":helpful_count": e.helpful_count,
        ":content_hash": hash,
        ":created_at": e.created_at,
    };
    // The columns are the parameters' names: one list, bound by name.
    let columns: Vec<&str> = row.iter().map(|(name, _)| &name[1..]).collect();
    let names: Vec<&str> = row.iter().map(|(name, _)| *name).collect();
    conn.execute(
        &format!(
            "INSERT INTO experiences ({}) VALUES ({})",
            columns.join(", "),
            names.join(", ")
        ),
        row,
    )?;
    Ok(t::DepositResponse {
        experience_id: e.id,
        worthiness_score,
        validation_state: if validated {
            t::ValidationState::Validated
        } else {
            t::ValidationState::Draft
        },
        quality,
        warnings,
    })
}

async fn deposit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<t::DepositResponse>)> {
    let agent = caller(&state, &headers, Need::Deposit)?;
    let d: t::DepositRequest = crate::extract::json(&body)?;
    let new = NewExperience {
        id: new_id("exp"),
        agent_id: agent.agent_id,
        title: d.title.trim().to_string(),
        problem: d.problem.trim().to_string(),
        root_cause: d.root_cause.trim().to_string(),
        insight: d.insight.trim().to_string(),
        solution: d.successful_approach_method.trim().to_string(),
        implementation: trimmed(d.implementation.map(|s| s.to_string())),
        failed_attempt: trimmed(d.failed_attempt.map(|s| s.to_string())),
        why_failed: trimmed(d.why_failed.map(|s| s.to_string())),
        applies_when: trimmed(d.applies_when.map(|s| s.to_string())),
        does_not_apply_when: trimmed(d.does_not_apply_when.map(|s| s.to_string())),
        tags: d
            .tags
            .iter()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty())
            .collect(),
        error_message: trimmed(d.error_message.map(|s| s.to_string())),
        env_versions: d.env_versions.iter().map(|(k, v)| (k.clone(), v.to_string())).collect(),
        evidence_class: d.evidence_class.map_or("self_reported".to_string(), |e| enum_str(&e)),
        visibility_scope: d.visibility_scope.map_or("public".to_string(), |v| enum_str(&v)),
        origin_type: d.origin_type.map_or("agent_session".to_string(), |v| enum_str(&v)),
        creation_mode: d.creation_mode.map_or("structured".to_string(), |v| enum_str(&v)),
        linked_procedure_id: None,
        helpful_count: 0,
        created_at: ts(now()),
    };
    let conn = state.db.lock();
    Ok((StatusCode::CREATED, Json(store(&conn, new)?)))
}

/// Stores a seeded experience through the same gates and scoring as a deposit.
pub fn insert_seeded(conn: &Connection, e: &crate::seed::Experience) -> ApiResult<()> {
    let new = NewExperience {
        id: e.id.clone(),
        agent_id: e.agent_id.clone(),
        title: e.title.clone(),
        problem: e.problem.clone(),
        root_cause: e.root_cause.clone(),
        insight: e.insight.clone(),
        solution: e.solution.clone(),
        implementation: e.implementation.clone(),
        failed_attempt: e.failed_attempt.clone(),
        why_failed: e.why_failed.clone(),
        applies_when: e.applies_when.clone(),
        does_not_apply_when: e.does_not_apply_when.clone(),
        tags: e.tags.clone(),
        error_message: e.error_message.clone(),
        env_versions: BTreeMap::new(),
        evidence_class: e.evidence_class.clone(),
        visibility_scope: e.visibility_scope.clone(),
        origin_type: "human_authored".into(),
        creation_mode: "structured".into(),
        linked_procedure_id: e.linked_procedure.clone(),
        helpful_count: e.helpful,
        created_at: ts(now() - chrono::Duration::days(e.days_ago)),
    };
    store(conn, new).map(|_| ())
}

fn store_raw(
    state: &AppState,
    agent: &Agent,
    filename: Option<String>,
    content: &str,
    tags: Vec<String>,
) -> ApiResult<(StatusCode, Json<t::RawDepositResponse>)> {
    refuse_sensitive(&[("content", Some(content))])?;
    let hash = content_hash(&[content]);
    let conn = state.db.lock();
    refuse_duplicate(
        &conn,
        "raw_deposits",
        &hash,
        "the same text was already deposited",
        "existing_raw_deposit_id",
    )?;
    let id = new_id("raw");
    let bytes = content.len() as i64;
    conn.execute(
        "INSERT INTO raw_deposits (id, agent_id, filename, content, tags, content_hash, status, normalization_status, bytes, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'accepted', 'pending', ?7, ?8)",
        params![id, agent.agent_id, filename, content, tags.join(","), hash, bytes, ts(now())],
    )?;
    Ok((
        StatusCode::CREATED,
        Json(t::RawDepositResponse {
            raw_deposit_id: id,
            status: t::RawDepositResponseStatus::Accepted,
            normalization_status: t::RawDepositResponseNormalizationStatus::Pending,
            filename,
            bytes: Some(bytes),
        }),
    ))
}

async fn deposit_raw(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<t::RawDepositResponse>)> {
    let agent = caller(&state, &headers, Need::Deposit)?;
    let d: t::RawDepositRequest = crate::extract::json(&body)?;
    if d.content.trim().is_empty() {
        return Err(ApiError::bad_request("content", "`content` is empty"));
    }
    store_raw(
        &state,
        &agent,
        None,
        &d.content,
        d.tags.iter().map(|t| t.to_string()).collect(),
    )
}

/// The API's limit on a file deposit.
pub const MAX_FILE_BYTES: usize = 512 * 1024;

async fn deposit_raw_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<t::RawDepositResponse>)> {
    let agent = caller(&state, &headers, Need::Deposit)?;
    let d: t::RawFileDepositRequest = crate::extract::json(&body)?;
    if d.filename.contains(['/', '\\'])
        || d.filename.trim().is_empty()
        || d.filename.starts_with('.') && d.filename.len() < 3
    {
        return Err(ApiError::bad_request(
            "filename",
            "`filename` must be a file name without directories",
        ));
    }
    if d.content.len() > MAX_FILE_BYTES {
        return Err(ApiError::bad_request(
            "content",
            format!(
                "`content` is {} KiB; the limit is 512 KiB",
                d.content.len().div_ceil(1024)
            ),
        ));
    }
    if d.content.trim().is_empty() {
        return Err(ApiError::bad_request("content", "`content` is empty"));
    }
    store_raw(
        &state,
        &agent,
        Some(d.filename.to_string()),
        &d.content,
        d.tags.iter().map(|t| t.to_string()).collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Reading

async fn mine(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::ExperiencePage>> {
    let agent = caller(&state, &headers, Need::Read)?;
    let (offset, limit) = crate::extract::query::<crate::util::Page>(raw.as_deref())?.resolve()?;
    let conn = state.db.lock();
    let sql = format!(
        "SELECT {COLUMNS} FROM experiences e JOIN contributors c ON c.agent_id = e.agent_id WHERE e.agent_id = ?1 ORDER BY e.created_at DESC, e.id LIMIT ?2 OFFSET ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows: Vec<t::ExperienceSummary> = stmt
        .query_map(params![agent.agent_id, limit + 1, offset], Stored::from_row)?
        .map(|r| r.map(|e| e.summary()))
        .collect::<Result<_, _>>()?;
    let (items, next_cursor) = take_page(rows, offset, limit);
    Ok(Json(t::ExperiencePage { items, next_cursor }))
}

async fn get_experience(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<t::Experience>> {
    let agent = caller(&state, &headers, Need::Read)?;
    let conn = state.db.lock();
    let e = load_visible(&conn, &id, &agent)?;
    if agent.scope == auth::Scope::Deposit && e.agent_id != agent.agent_id {
        return Err(ApiError::forbidden("read", "deposit"));
    }
    Ok(Json(e.full()))
}

async fn retract(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<Json<t::Experience>> {
    let agent = caller(&state, &headers, Need::Deposit)?;
    let _request: t::RetractRequest = crate::extract::json(&body)?;
    let conn = state.db.lock();
    let e = load_visible(&conn, &id, &agent)?;
    if e.agent_id != agent.agent_id && agent.scope != auth::Scope::Admin {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("{id} was deposited by another agent; only its author can retract it"),
        )
        .detail("required_scope", "author")
        .detail("actual_scope", agent.scope.name()));
    }
    conn.execute(
        "UPDATE experiences SET validation_state = 'retracted', updated_at = ?2 WHERE id = ?1",
        params![id, ts(now())],
    )?;
    Ok(Json(load_visible(&conn, &id, &agent)?.full()))
}

/// How much one piece of feedback is worth, by its detail.
fn feedback_weight(detail: &str, helpful: bool) -> f64 {
    match (helpful, detail) {
        (true, "solved_directly") => 1.0,
        (true, "partially_helped") => 0.75,
        (true, "pointed_right_direction") => 0.6,
        (true, _) => 0.7,
        (false, "not_applicable") => 0.4,
        (false, "misleading") => 0.0,
        (false, _) => 0.2,
    }
}

async fn feedback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<t::FeedbackResponse>)> {
    let agent = caller(&state, &headers, Need::Feedback)?;
    let f: t::FeedbackRequest = crate::extract::json(&body)?;
    let detail = f.helpfulness_detail.map_or_else(
        || {
            if f.was_helpful {
                "solved_directly".to_string()
            } else {
                "not_applicable".to_string()
            }
        },
        |d| enum_str(&d),
    );
    let conn = state.db.lock();
    let e = load_visible(&conn, &id, &agent)?;
    let previous = e.transferability;
    let updated = ((previous * 0.8 + feedback_weight(&detail, f.was_helpful) * 0.2) * 1000.0).round() / 1000.0;
    let feedback_id = new_id("fb");
    conn.execute(
        "INSERT INTO feedback (id, experience_id, agent_id, was_helpful, detail, conditions, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![feedback_id, id, agent.agent_id, f.was_helpful, detail, f.conditions.as_ref().map(|c| c.to_string()), ts(now())],
    )?;
    let counter = if f.was_helpful {
        "helpful_count"
    } else {
        "unhelpful_count"
    };
    conn.execute(
        &format!(
            "UPDATE experiences SET transferability = ?2, {counter} = {counter} + 1, updated_at = ?3 WHERE id = ?1"
        ),
        params![id, updated, ts(now())],
    )?;
    Ok((
        StatusCode::CREATED,
        Json(t::FeedbackResponse {
            feedback_id,
            experience_id: id,
            transferability_score: updated,
            previous_transferability_score: Some(previous),
        }),
    ))
}

async fn context_check(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<Json<t::ContextCheckResponse>> {
    let agent = caller(&state, &headers, Need::Search)?;
    let c: t::ContextCheckRequest = crate::extract::json(&body)?;
    let tools: Vec<String> = c.tools.iter().map(|t| t.to_string()).collect();
    let query = format!(
        "{} {} {}",
        *c.task_description,
        tools.join(" "),
        c.environment.as_ref().map(|e| e.to_string()).unwrap_or_default()
    );
    let conn = state.db.lock();
    let Some(q) = fts_query(&[&query]) else {
        return Ok(Json(t::ContextCheckResponse {
            domain: "general".into(),
            anti_patterns: vec![],
            recommended: vec![],
            procedure_ids: vec![],
        }));
    };
    let sql = format!(
        "SELECT {COLUMNS}, bm25(experiences_fts, 4.0, 2.0, 2.0, 2.0, 1.5, 3.0, 3.0) AS rank FROM experiences_fts \
         JOIN experiences e ON e.seq = experiences_fts.rowid JOIN contributors c ON c.agent_id = e.agent_id \
         WHERE experiences_fts MATCH ?1 AND e.validation_state = 'validated' AND (e.visibility_scope != 'private' OR e.agent_id = ?2) \
         ORDER BY rank LIMIT 10"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    // Only matches that are really about the task (relevance at least CONTEXT_RELEVANCE).
    let matches: Vec<Stored> = stmt
        .query_map(params![q, agent.agent_id], |r| {
            Ok((Stored::from_row(r)?, r.get::<_, f64>(30)?))
        })?
        .filter_map(|row| match row {
            Ok((e, rank)) if relevance(rank) >= CONTEXT_RELEVANCE => Some(Ok(e)),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()?;
    // The domain: the tag that the best matches share most, ties to the better-ranked.
    let mut tag_weight: Vec<(&str, f64)> = Vec::new();
    for (i, e) in matches.iter().take(3).enumerate() {
        for tag in &e.tags {
            let w = 1.0 / (i + 1) as f64;
            match tag_weight.iter_mut().find(|(t, _)| t == tag) {
                Some((_, total)) => *total += w,
                None => tag_weight.push((tag, w)),
            }
        }
    }
    let domain = tag_weight
        .iter()
        .fold(None::<(&str, f64)>, |best, &(tag, w)| match best {
            Some((_, bw)) if bw >= w => best,
            _ => Some((tag, w)),
        })
        .map_or("general".to_string(), |(t, _)| t.to_string());
    let anti_patterns = matches
        .iter()
        .filter_map(|e| {
            e.failed_attempt.as_ref().map(|attempt| t::AntiPattern {
                experience_id: e.id.clone(),
                title: e.title.clone(),
                warning: match &e.why_failed {
                    Some(why) => format!("Avoid: {attempt} — {why}"),
                    None => format!("Avoid: {attempt}"),
                },
            })
        })
        .take(5)
        .collect();
    let mut procedure_ids: Vec<String> = matches.iter().filter_map(|e| e.linked_procedure_id.clone()).collect();
    procedure_ids.dedup();
    Ok(Json(t::ContextCheckResponse {
        domain,
        anti_patterns,
        recommended: matches.iter().take(5).map(Stored::summary).collect(),
        procedure_ids,
    }))
}

async fn get_procedure(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<t::Procedure>> {
    caller(&state, &headers, Need::Read)?;
    let conn = state.db.lock();
    let p = conn
        .query_row("SELECT id, title, summary, steps_json, applies_when, source_ids_json, updated_at FROM procedures WHERE id = ?1", [&id], |r| {
            Ok(t::Procedure {
                id: r.get("id")?,
                title: r.get("title")?,
                summary: r.get("summary")?,
                steps: serde_json::from_str(&r.get::<_, String>("steps_json")?).unwrap_or_default(),
                applies_when: r.get("applies_when")?,
                source_experience_ids: serde_json::from_str(&r.get::<_, String>("source_ids_json")?).unwrap_or_default(),
                updated_at: parse_ts(&r.get::<_, String>("updated_at")?),
            })
        })
        .optional()?;
    p.map(Json).ok_or_else(|| ApiError::not_found("procedure", &id))
}

/// A search whose best score is at most this left its agent struggling.
const STRUGGLE_SCORE: f64 = 0.3;

async fn profile(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<t::AgentProfile>> {
    let agent = caller(&state, &headers, Need::Search)?;
    let conn = state.db.lock();
    let count = |sql: &str| conn.query_row(sql, [&agent.agent_id], |r| r.get::<_, i64>(0));
    let display_name: String = conn.query_row(
        "SELECT display_name FROM contributors WHERE agent_id = ?1",
        [&agent.agent_id],
        |r| r.get(0),
    )?;
    let deposits = count("SELECT COUNT(*) FROM experiences WHERE agent_id = ?1")?;
    let searches = count("SELECT COUNT(*) FROM searches WHERE agent_id = ?1")?;
    let feedback_given = count("SELECT COUNT(*) FROM feedback WHERE agent_id = ?1")?;
    let mut struggles: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut stmt = conn.prepare_cached("SELECT tags, best_score FROM searches WHERE agent_id = ?1")?;
    for row in stmt.query_map([&agent.agent_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?)))? {
        let (tags, best) = row?;
        for tag in split_tags(&tags) {
            let entry = struggles.entry(tag).or_default();
            entry.0 += 1;
            entry.1 += i64::from(best <= STRUGGLE_SCORE);
        }
    }
    let mut struggles: Vec<t::StruggleArea> = struggles
        .into_iter()
        .filter(|(_, (_, u))| *u > 0)
        .map(|(tag, (s, u))| t::StruggleArea {
            tag,
            searches: s,
            unresolved: u,
        })
        .collect();
    struggles.sort_by(|a, b| b.unresolved.cmp(&a.unresolved).then(a.tag.cmp(&b.tag)));
    struggles.truncate(5);
    let mut expertise: BTreeMap<String, (i64, f64)> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT tags, transferability FROM experiences WHERE agent_id = ?1 AND validation_state != 'retracted'",
    )?;
    for row in stmt.query_map([&agent.agent_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?)))? {
        let (tags, transfer) = row?;
        for tag in split_tags(&tags) {
            let entry = expertise.entry(tag).or_default();
            entry.0 += 1;
            entry.1 += transfer;
        }
    }
    let mut expertise: Vec<t::ExpertiseArea> = expertise
        .into_iter()
        .map(|(tag, (n, sum))| t::ExpertiseArea {
            tag,
            deposits: n,
            mean_transferability: ((sum / n as f64) * 1000.0).round() / 1000.0,
        })
        .collect();
    expertise.sort_by(|a, b| {
        b.deposits
            .cmp(&a.deposits)
            .then(b.mean_transferability.total_cmp(&a.mean_transferability))
    });
    expertise.truncate(5);
    // Calibration: how well the author's worthiness scores predicted peers' verdicts.
    let calibration: Option<(f64, f64)> = conn
        .query_row(
            "SELECT AVG(e.worthiness), AVG(f.was_helpful) FROM feedback f JOIN experiences e ON e.id = f.experience_id WHERE e.agent_id = ?1",
            [&agent.agent_id],
            |r| Ok(r.get::<_, Option<f64>>(0)?.zip(r.get::<_, Option<f64>>(1)?)),
        )?;
    let calibration_score = calibration.map(|(w, h)| ((1.0 - (w - h).abs()) * 1000.0).round() / 1000.0);
    let key_scope = match agent.scope {
        auth::Scope::Full => t::AgentProfileKeyScope::Full,
        auth::Scope::Deposit => t::AgentProfileKeyScope::Deposit,
        auth::Scope::Read => t::AgentProfileKeyScope::Read,
        auth::Scope::Search => t::AgentProfileKeyScope::Search,
        auth::Scope::Admin => t::AgentProfileKeyScope::Admin,
    };
    Ok(Json(t::AgentProfile {
        agent_id: agent.agent_id,
        display_name,
        key_scope,
        deposits,
        searches,
        feedback_given,
        struggles,
        expertise,
        calibration_score,
    }))
}

async fn stats(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<t::Stats>> {
    caller(&state, &headers, Need::Search)?;
    let conn = state.db.lock();
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
    let live = "validation_state != 'retracted' AND visibility_scope != 'private'";
    let week_ago = ts(now() - chrono::Duration::days(7));
    let searches_last_7_days = conn.query_row(
        "SELECT COUNT(*) FROM searches WHERE created_at >= ?1",
        [&week_ago],
        |r| r.get(0),
    )?;
    let quality_distribution = t::QualityDistribution {
        high: count(&format!(
            "SELECT COUNT(*) FROM experiences WHERE {live} AND worthiness >= 0.7"
        ))?,
        medium: count(&format!(
            "SELECT COUNT(*) FROM experiences WHERE {live} AND worthiness >= 0.4 AND worthiness < 0.7"
        ))?,
        low: count(&format!(
            "SELECT COUNT(*) FROM experiences WHERE {live} AND worthiness < 0.4"
        ))?,
    };
    let mut stmt = conn.prepare_cached(&format!("SELECT evidence_class, COUNT(*) AS count FROM experiences WHERE {live} GROUP BY evidence_class ORDER BY count DESC, evidence_class"))?;
    let trust_distribution = stmt
        .query_map([], |r| {
            Ok(t::EvidenceCount {
                evidence_class: enum_value(&r.get::<_, String>("evidence_class")?)?,
                count: r.get("count")?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut tags: BTreeMap<String, i64> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(&format!("SELECT tags FROM experiences WHERE {live}"))?;
    for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
        for tag in split_tags(&row?) {
            *tags.entry(tag).or_default() += 1;
        }
    }
    let mut top_tags: Vec<t::TagCount> = tags
        .into_iter()
        .map(|(tag, count)| t::TagCount { tag, count })
        .collect();
    top_tags.sort_by(|a, b| b.count.cmp(&a.count).then(a.tag.cmp(&b.tag)));
    top_tags.truncate(10);
    Ok(Json(t::Stats {
        experiences: count(&format!("SELECT COUNT(*) FROM experiences WHERE {live}"))?,
        contributors: count(&format!(
            "SELECT COUNT(DISTINCT agent_id) FROM experiences WHERE {live}"
        ))?,
        searches_last_7_days,
        feedback: count("SELECT COUNT(*) FROM feedback")?,
        quality_distribution,
        trust_distribution,
        top_tags,
    }))
}

/// Searches whose words overlap at least this much (Jaccard) are one hotspot.
const CLUSTER_SIMILARITY: f64 = 0.4;

/// A query's distinct words of three letters or more, lowercased, with a plural `s` dropped.
fn query_words(query: &str) -> std::collections::BTreeSet<String> {
    query
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3)
        .map(|w| {
            if w.len() > 4 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_string()
            } else {
                w.to_string()
            }
        })
        .collect()
}

fn jaccard(a: &std::collections::BTreeSet<String>, b: &std::collections::BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        0.0
    } else {
        a.intersection(b).count() as f64 / union as f64
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HotspotParams {
    domain: Option<String>,
    days: i64,
    max_top_score: f64,
    limit: i64,
}

async fn hotspots(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<t::DemandHotspots>> {
    caller(&state, &headers, Need::Admin)?;
    let p: HotspotParams = crate::extract::query(raw.as_deref())?;
    let (days, max_top_score, limit) = (p.days, p.max_top_score, p.limit);
    let since = ts(now() - chrono::Duration::days(days));
    let conn = state.db.lock();
    let mut stmt = conn.prepare_cached("SELECT query, tags, best_score, created_at FROM searches WHERE created_at >= ?1 AND best_score <= ?2 ORDER BY created_at DESC")?;
    // Greedy clustering, newest first: a search joins the first cluster whose words overlap
    // its own by at least CLUSTER_SIMILARITY (Jaccard), else starts one.
    struct Cluster {
        words: std::collections::BTreeSet<String>,
        query: String,
        domain: Option<String>,
        searches: u64,
        best: f64,
        last: String,
    }
    let mut clusters: Vec<Cluster> = Vec::new();
    let rows = stmt.query_map(params![since, max_top_score], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, f64>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (query, tags, best, at) = row?;
        let words = query_words(&query);
        let domain = split_tags(&tags).into_iter().next();
        if let Some(wanted) = &p.domain
            && !domain.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(wanted))
        {
            continue;
        }
        match clusters
            .iter_mut()
            .find(|c| jaccard(&c.words, &words) >= CLUSTER_SIMILARITY)
        {
            Some(c) => {
                c.searches += 1;
                c.best = c.best.max(best);
            }
            None => clusters.push(Cluster {
                words,
                query,
                domain,
                searches: 1,
                best,
                last: at,
            }),
        }
    }
    let clusters = clusters
        .into_iter()
        .map(|c| (c.query, c.domain, c.searches, c.best, c.last));
    let mut hotspots: Vec<t::Hotspot> = clusters
        .filter_map(|(query, domain, n, best, at)| {
            Some(t::Hotspot {
                query,
                domain,
                searches: std::num::NonZeroU64::new(n)?,
                best_score: best,
                last_searched_at: parse_ts(&at),
            })
        })
        .collect();
    hotspots.sort_by(|a, b| {
        b.searches
            .cmp(&a.searches)
            .then(b.last_searched_at.cmp(&a.last_searched_at))
    });
    hotspots.truncate(limit as usize);
    Ok(Json(t::DemandHotspots {
        days: days as i32,
        max_top_score,
        hotspots,
    }))
}
