//! The HALO workflow: "apply the HALO suggested fixes for the customer-support-agent".
//!
//! An agent named in plain words is resolved against the project's agents (id, name, or part of
//! either); its most recent HALO conversation's latest report is returned with step-by-step
//! guidance for applying it. Without an agent, the recent reports are listed to choose from;
//! without a report, the answer says how to run HALO and to confirm first. `run_halo` starts a
//! run, polls until it ends (with progress notifications, honouring cancellation), then answers
//! like `apply_halo_fixes`, naming the run. For a client that supports tasks, `run_halo` and
//! `create_halo_run` answer a task at once instead, whose id names the project and the run.

use crate::inference::{in_flight, project_agents, resolve_project};
use inference_tools::{Handlers, args, views};
use mcp_runtime::tasks::{Progress, Started, TaskState};
use mcp_runtime::{Answer, Ctx, JsonObject, ToolError, render};

/// The hooks the Inference tools call: these handlers, project resolution, and the renderers
/// in `crate::render::inference`.
pub struct Hooks;
use inference_sdk::Client;
use inference_sdk::types::{self as t, HaloMessageRole, HaloRunStatus};
use std::time::Duration;

/// How often a HALO run is polled, and for how long at most.
pub const POLL_EVERY: Duration = Duration::from_secs(1);
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

/// A report older than this is called out as stale.
const STALE_DAYS: i64 = 7;

const GUIDANCE: &str = "## Applying these fixes

1. Work through the findings in the report's order (they are ranked by impact).
2. For each finding, locate the code of the tool or step it names (search the repository for the tool name or span name) and read the evidence it cites.
3. Make the change the recommendation describes, keeping it as small as the fix allows.
4. Add or update a test that reproduces the cited failure (a timeout, a retry loop, a validation error) and passes after the change.
5. Say which finding and evidence ids each change addresses; skip, with a reason, any finding that does not apply to this codebase.
6. After deploying, ask for a new HALO run over the same window length to confirm the findings are gone.";

/// Agents whose id or name matches the words the user gave.
fn matching<'a>(agents: &'a [t::Agent], wanted: &str) -> Vec<&'a t::Agent> {
    let norm = |s: &str| {
        s.to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
    };
    let wanted_norm = norm(wanted);
    if let Some(exact) = agents.iter().find(|a| {
        a.id == wanted
            || a.name.eq_ignore_ascii_case(wanted)
            || norm(&a.id) == wanted_norm
            || norm(&a.name) == wanted_norm
    }) {
        return vec![exact];
    }
    agents
        .iter()
        .filter(|a| {
            !wanted_norm.is_empty() && (norm(&a.id).contains(&wanted_norm) || norm(&a.name).contains(&wanted_norm))
        })
        .collect()
}

/// Resolves an agent in plain words: one match, or an answer that lists the candidates.
async fn resolve_agent(ctx: &Ctx<Client>, project: &str, wanted: &str) -> Result<Result<t::Agent, String>, ToolError> {
    let agents = project_agents(ctx, project).await?;
    let found = matching(&agents, wanted);
    match found.as_slice() {
        [one] => Ok(Ok((*one).clone())),
        [] => Err(ToolError::Refused(format!(
            "no agent matches \"{wanted}\" in this project — its agents are: {}",
            agents
                .iter()
                .map(|a| format!("{} ({})", a.name, a.id))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        many => Ok(Err(format!(
            "\"{wanted}\" matches {} agents; ask the user which one, then call again with its id:\n{}",
            many.len(),
            many.iter()
                .map(|a| format!("- {} (`{}`), {} executions in the window", a.name, a.id, a.executions))
                .collect::<Vec<_>>()
                .join("\n")
        ))),
    }
}

/// An agent as the HALO answers name it.
#[derive(Clone, Copy)]
struct Named<'a> {
    id: &'a str,
    name: &'a str,
}

impl<'a> From<&'a t::Agent> for Named<'a> {
    fn from(agent: &'a t::Agent) -> Self {
        Self {
            id: &agent.id,
            name: &agent.name,
        }
    }
}

fn how_to_run_halo(agent: Option<Named<'_>>) -> String {
    let who = agent.map_or_else(|| "the agent".to_string(), |a| format!("{} (`{}`)", a.name, a.id));
    format!(
        "To create a report, run HALO on {who} with run_halo. A run consumes credits and compute and needs a write-scoped key, so first confirm with the user: the agent, the time window (default: the last 24 hours) and the prompt (default: a general reliability, latency, cost and tool-use review)."
    )
}

/// The latest report of an agent, with guidance; or what to do when there is none.
async fn report_for(ctx: &Ctx<Client>, project: &str, agent: Named<'_>) -> Result<String, ToolError> {
    let conversations = ctx
        .client()
        .list_halo_conversations()
        .project_id(project)
        .agent_id(agent.id)
        .limit(5u32)
        .send()
        .await?
        .into_inner()
        .items;
    for conversation in &conversations {
        let detail = ctx
            .client()
            .get_halo_conversation()
            .project_id(project)
            .conversation_id(conversation.id.as_str())
            .send()
            .await?
            .into_inner();
        let Some(report) = detail
            .messages
            .iter()
            .rev()
            .find(|m| m.role == HaloMessageRole::Assistant)
        else {
            continue;
        };
        let age = chrono::Utc::now() - report.created_at;
        let stale = if age.num_days() >= STALE_DAYS {
            format!(
                "\nThis report is {} days old; consider running HALO again first (confirm with the user: it costs credits).",
                age.num_days()
            )
        } else {
            String::new()
        };
        return Ok(format!(
            "Latest HALO report for {} (`{}`), written {} in conversation {}.{stale}\n\n{}\n\n{GUIDANCE}",
            agent.name,
            agent.id,
            render::format::time(&report.created_at),
            conversation.id,
            render::format::cut(&report.content, 24_000)
        ));
    }
    let pending = conversations
        .iter()
        .find_map(|c| c.latest_run_status.filter(|s| in_flight(*s)).map(|s| (c, s)));
    Ok(match pending {
        Some((c, status)) => format!(
            "No finished HALO report for {} yet: a run is {status} in conversation {}. Check it with get_halo_run, or call apply_halo_fixes again shortly.",
            agent.name, c.id
        ),
        None => format!(
            "No recent HALO report for {} (`{}`).\n\n{}",
            agent.name,
            agent.id,
            how_to_run_halo(Some(agent))
        ),
    })
}

/// Resolves the project and the agent and, once the user confirmed, starts a HALO run:
/// (project, agent, run), or the question to ask when the words match several agents.
async fn start_run(
    ctx: &Ctx<Client>,
    args: args::RunHaloArgs,
) -> Result<Result<(String, t::Agent, t::HaloRun), String>, ToolError> {
    let project = resolve_project(ctx, args.project.as_deref()).await?;
    let agent = match resolve_agent(ctx, &project, &args.agent).await? {
        Ok(agent) => agent,
        Err(ask) => return Ok(Err(ask)),
    };
    let asked = serde_json::json!({
        "agent": agent.name,
        "agent_id": agent.id,
        "project": project,
        "lookback_hours": args.lookback_hours,
        "prompt": args.prompt.as_deref().map(str::trim).filter(|p| !p.is_empty()),
    });
    ctx.confirm(&asked).await?;
    let mut body = t::CreateHaloRunRequest::builder()
        .agent_id(agent.id.as_str())
        .lookback_hours(args.lookback_hours);
    if let Some(prompt) = args.prompt.as_deref().filter(|p| !p.trim().is_empty()) {
        body = body.prompt(Some(prompt.try_into().map_err(|e| ToolError::InvalidArgument {
            name: "prompt".into(),
            reason: format!("{e}"),
        })?));
    }
    let run = ctx
        .client()
        .create_halo_run()
        .project_id(project.as_str())
        .body(body)
        .send()
        .await?
        .into_inner();
    Ok(Ok((project, agent, run)))
}

/// The answer of a finished run: it names the run (a wait cut short continues with
/// get_halo_run), then the agent's latest report.
async fn finished(ctx: &Ctx<Client>, project: &str, run: &str, agent: Named<'_>) -> Result<String, ToolError> {
    let report = report_for(ctx, project, agent).await?;
    Ok(format!("HALO run {run} has finished.\n\n{report}"))
}

/// `run_halo` as a task (SEP-2663): the run starts, and the task's id names it
/// (`halo:<project>:<run>`), so `tasks/get` on any replica finds it again with the caller's key.
pub async fn start_halo_task(ctx: &Ctx<Client>, arguments: JsonObject) -> Result<Started, ToolError> {
    let args: args::RunHaloArgs = mcp_runtime::parse_arguments(arguments)?;
    let (project, agent, run) = match start_run(ctx, args).await? {
        Ok(started) => started,
        Err(ask) => return Ok(Started::Now(Answer::text(ask))),
    };
    Ok(Started::Task(started_task(&project, &run, &agent.name)))
}

/// `create_halo_run` as a task: the generated tool creates the run (read back from its
/// structured answer), then the task is `run_halo`'s.
pub async fn create_halo_task(ctx: &Ctx<Client>, arguments: JsonObject) -> Result<Started, ToolError> {
    let project = resolve_project(ctx, arguments.get("project").and_then(|p| p.as_str())).await?;
    let create = inference_tools::Tools::<Hooks>::ALL
        .iter()
        .find(|tool| tool.name == "create_halo_run")
        .ok_or_else(|| ToolError::Refused("create_halo_run is not in this build".into()))?;
    let answer = (create.call)(&ctx.clone().with_structured(true), arguments).await?;
    let run: t::HaloRun = answer
        .structured
        .and_then(|value| serde_json::from_value(value).ok())
        .ok_or_else(|| ToolError::Refused("the created HALO run could not be read back".into()))?;
    let name = run.agent_name.clone().unwrap_or_else(|| run.agent_id.clone());
    Ok(Started::Task(started_task(&project, &run, &name)))
}

/// The task of a run just started.
fn started_task(project: &str, run: &t::HaloRun, agent: &str) -> TaskState {
    TaskState {
        id: format!("{TASK_PREFIX}{project}:{}", run.id),
        progress: Progress::Working(format!("HALO run {} for {agent} is {}", run.id, run.status)),
        created_at: run.created_at,
        updated_at: run.created_at,
    }
}

/// Where a HALO task is: its run's status, and when the run has finished, the report.
pub async fn halo_task(ctx: &Ctx<Client>, id: &str) -> Result<TaskState, ToolError> {
    let (project, run_id) = task_run(id)?;
    let run = ctx
        .client()
        .get_halo_run()
        .project_id(project)
        .run_id(run_id)
        .send()
        .await?
        .into_inner();
    let name = run.agent_name.as_deref().unwrap_or(&run.agent_id);
    let progress = match run.status {
        status if in_flight(status) => Progress::Working(format!("HALO run {} for {name} is {status}", run.id)),
        HaloRunStatus::Completed | HaloRunStatus::Incomplete => {
            let agent = Named {
                id: &run.agent_id,
                name,
            };
            Progress::Done(finished(ctx, project, &run.id, agent).await.map(Answer::text))
        }
        HaloRunStatus::Cancelled => Progress::Cancelled(format!(
            "HALO run {} for {name} was cancelled; nothing more is charged for it.",
            run.id
        )),
        _ => Progress::Done(Err(ToolError::Refused(format!(
            "HALO run {} failed — {}",
            run.id,
            run.error.as_deref().unwrap_or("no reason given")
        )))),
    };
    Ok(TaskState {
        id: id.to_string(),
        progress,
        created_at: run.created_at,
        updated_at: run.finished_at.or(run.started_at).unwrap_or(run.created_at),
    })
}

/// Cancels a HALO task's run.
pub async fn cancel_halo_task(ctx: &Ctx<Client>, id: &str) -> Result<(), ToolError> {
    let (project, run_id) = task_run(id)?;
    ctx.client()
        .cancel_halo_run()
        .project_id(project)
        .run_id(run_id)
        .send()
        .await?;
    Ok(())
}

/// What a HALO task's id starts with.
const TASK_PREFIX: &str = "halo:";

/// The (project, run) a HALO task's id names; a 404 for anything else.
fn task_run(id: &str) -> Result<(&str, &str), ToolError> {
    id.strip_prefix(TASK_PREFIX)
        .and_then(|rest| rest.rsplit_once(':'))
        .filter(|(project, run)| !project.is_empty() && !run.is_empty())
        .ok_or_else(|| mcp_runtime::tasks::unknown(id))
}

impl Handlers for Hooks {
    async fn apply_halo_fixes(ctx: &Ctx<Client>, args: args::ApplyHaloFixesArgs) -> Result<String, ToolError> {
        let project = resolve_project(ctx, args.project.as_deref()).await?;
        let Some(wanted) = args.agent.as_deref().map(str::trim).filter(|a| !a.is_empty()) else {
            let recent = ctx
                .client()
                .list_halo_conversations()
                .project_id(project.as_str())
                .limit(10u32)
                .send()
                .await?
                .into_inner();
            if recent.items.is_empty() {
                return Ok(format!(
                    "No HALO reports in this project yet.\n\n{}",
                    how_to_run_halo(None)
                ));
            }
            return Ok(format!(
                "{}\n\nAsk the user which report (which agent) to apply, then call apply_halo_fixes with that agent.",
                render::with_view(&recent, "list_halo_conversations", &views::LIST_HALO_CONVERSATIONS)
            ));
        };
        match resolve_agent(ctx, &project, wanted).await? {
            Ok(agent) => report_for(ctx, &project, (&agent).into()).await,
            Err(ask) => Ok(ask),
        }
    }

    async fn run_halo(ctx: &Ctx<Client>, args: args::RunHaloArgs) -> Result<String, ToolError> {
        let (project, agent, run) = match start_run(ctx, args).await? {
            Ok(started) => started,
            Err(ask) => return Ok(ask),
        };
        let started = std::time::Instant::now();
        let mut status = run.status;
        let mut step = 0.0;
        ctx.progress(
            step,
            None,
            &format!("HALO run {} for {} is {status}", run.id, agent.name),
        )
        .await;
        while in_flight(status) {
            if ctx.cancelled() {
                ctx.client()
                    .cancel_halo_run()
                    .project_id(project.as_str())
                    .run_id(run.id.as_str())
                    .send()
                    .await?;
                return Ok(format!(
                    "Cancelled HALO run {} for {} at the user's request; nothing more will be charged for it.",
                    run.id, agent.name
                ));
            }
            if started.elapsed() > MAX_WAIT {
                return Ok(format!(
                    "HALO run {} for {} is still {status} after {} minutes; check it later with get_halo_run, then call apply_halo_fixes.",
                    run.id,
                    agent.name,
                    MAX_WAIT.as_secs() / 60
                ));
            }
            tokio::time::sleep(POLL_EVERY).await;
            let current = ctx
                .client()
                .get_halo_run()
                .project_id(project.as_str())
                .run_id(run.id.as_str())
                .send()
                .await?
                .into_inner();
            if current.status != status {
                step += 1.0;
                status = current.status;
                ctx.progress(step, None, &format!("HALO run {} is {status}", run.id))
                    .await;
            }
            if status == HaloRunStatus::Failed
                && let Some(error) = current.error
            {
                return Err(ToolError::Refused(format!("HALO run {} failed — {error}", run.id)));
            }
        }
        match status {
            HaloRunStatus::Completed | HaloRunStatus::Incomplete => {
                finished(ctx, &project, &run.id, (&agent).into()).await
            }
            other => Err(ToolError::Refused(format!(
                "HALO run {} ended {other} without a report",
                run.id
            ))),
        }
    }

    async fn resolve_project(ctx: &Ctx<Client>, given: Option<&str>) -> Result<String, ToolError> {
        resolve_project(ctx, given).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: &str, name: &str) -> t::Agent {
        serde_json::from_value(
            serde_json::json!({"id": id, "name": name, "executions": 1, "error_executions": 0,
            "first_seen_at": "2026-11-21T00:00:00Z", "last_seen_at": "2026-11-21T00:00:00Z"}),
        )
        .unwrap()
    }

    #[test]
    fn agents_match_by_id_name_or_part() {
        let agents = [
            agent("customer-support-agent", "Customer Support Agent"),
            agent("billing-assistant", "Billing Assistant"),
            agent("support-triage", "Support Triage"),
        ];
        let ids = |w: &str| matching(&agents, w).iter().map(|a| a.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids("customer-support-agent"), ["customer-support-agent"]);
        assert_eq!(ids("customer support agent"), ["customer-support-agent"]);
        assert_eq!(ids("billing"), ["billing-assistant"]);
        assert_eq!(ids("support"), ["customer-support-agent", "support-triage"]);
        assert!(ids("payments").is_empty());
    }
}
