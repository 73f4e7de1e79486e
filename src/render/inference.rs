//! The Catalyst answers a manifest `view` cannot say: who the key is and which project tools
//! use, inferences with an error summary, a HALO report, a schedule's cadence in words and a
//! dataset's origin.

use crate::handlers::inference::Hooks;
use inference_sdk::types::*;
use inference_tools::Renderers;
use mcp_runtime::render::format::{cut, time};
use mcp_runtime::render::generic;
use std::collections::BTreeMap;

/// A HALO report is shown whole up to this many characters.
const REPORT_CHARS: usize = 24_000;

/// A page's count line replaced by `lead`, then its table of `columns` and cursor.
fn page(value: &impl serde::Serialize, tool: &str, lead: String, columns: &[&str]) -> String {
    let value = serde_json::to_value(value).unwrap_or_default();
    let empty = serde_json::Map::new();
    let map = value.as_object().unwrap_or(&empty);
    let items = map
        .get("items")
        .and_then(|i| i.as_array())
        .map_or(&[][..], Vec::as_slice);
    generic::page_with(map, items, tool, Some(lead), columns)
}

impl Renderers for Hooks {
    fn whoami(value: &WhoAmI, _tool: &str) -> String {
        let default = value
            .default_project_id
            .as_ref()
            .and_then(|d| value.projects.iter().find(|p| &p.id == d));
        let resolves = match (value.projects.as_slice(), default) {
            ([only], _) => format!("Tools use {} ({}), the key's only project.", only.name, only.id),
            (_, Some(d)) => format!("Tools use {} ({}) unless you name another.", d.name, d.id),
            ([], None) => "The key reaches no project.".to_string(),
            (_, None) => "No default project: name one (by name or id) in each request.".to_string(),
        };
        let mut out = format!(
            "Key \"{}\" ({}) of team {} ({}) reaches {} project(s). {resolves}\n\n| project | id | scopes |\n|---|---|---|",
            value.key.name,
            value.key.prefix,
            value.team.name,
            value.team.id,
            value.projects.len()
        );
        for p in &value.projects {
            let scopes: Vec<String> = p.scopes.iter().map(ToString::to_string).collect();
            out.push_str(&format!("\n| {} | {} | {} |", p.name, p.id, scopes.join(", ")));
        }
        out
    }

    fn inference_page(value: &InferencePage, tool: &str) -> String {
        let errors: Vec<&Inference> = value
            .items
            .iter()
            .filter(|i| i.status == InferenceStatus::Error)
            .collect();
        let mut lead = format!("{} inference(s), newest first", value.items.len());
        if !errors.is_empty() {
            let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
            for e in &errors {
                *by_type
                    .entry(e.error.as_ref().map_or("unknown", |x| x.type_.as_str()))
                    .or_default() += 1;
            }
            let mut types: Vec<(&str, usize)> = by_type.into_iter().collect();
            types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            lead.push_str(&format!(
                " — {} error(s): {}",
                errors.len(),
                types
                    .iter()
                    .map(|(t, n)| format!("{t} ×{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            if let Some(sample) = errors.iter().find_map(|e| e.error.as_ref()) {
                lead.push_str(&format!(
                    "\nMost recent error: {}: {}",
                    sample.type_,
                    cut(&sample.message, 200)
                ));
            }
        } else if !value.items.is_empty() {
            lead.push_str(" — no errors");
        }
        page(
            value,
            tool,
            lead,
            &[
                "id",
                "created_at",
                "model",
                "status",
                "latency_ms",
                "input_tokens",
                "output_tokens",
                "cost_usd",
                "error",
            ],
        )
    }

    fn halo_report(value: &HaloConversationDetail, _tool: &str) -> String {
        let c = &value.conversation;
        let agent = c.agent_name.as_deref().unwrap_or(&c.agent_id);
        let reports = value
            .messages
            .iter()
            .filter(|m| m.role == HaloMessageRole::Assistant)
            .count();
        let mut out = format!(
            "{} ({}) — agent {agent}, {reports} report(s), updated {}",
            c.title,
            c.id,
            time(&c.updated_at)
        );
        match value
            .messages
            .iter()
            .rev()
            .find(|m| m.role == HaloMessageRole::Assistant)
        {
            Some(report) => {
                let asked = value
                    .messages
                    .iter()
                    .rev()
                    .find(|m| m.role == HaloMessageRole::User && m.run_id == report.run_id);
                if let Some(q) = asked {
                    out.push_str(&format!("\nAsked: {}", cut(&q.content, 300)));
                }
                out.push_str(&format!("\n\n{}", cut(&report.content, REPORT_CHARS)));
            }
            None => out.push_str(&format!(
                "\n\nNo report yet{}.",
                c.latest_run_status
                    .map(|s| format!(": the latest run is {s}"))
                    .unwrap_or_default()
            )),
        }
        out
    }

    fn halo_schedule(value: &HaloSchedule, _tool: &str) -> String {
        let agent = value.agent_name.as_deref().unwrap_or(&value.agent_id);
        let at = match value.cadence {
            HaloCadence::Hourly => format!(
                "hourly at minute {}",
                value.time_of_day.split(':').nth(1).unwrap_or("00")
            ),
            HaloCadence::Daily => format!("daily at {} UTC", value.time_of_day),
            HaloCadence::Weekly => {
                let day = [
                    "Monday",
                    "Tuesday",
                    "Wednesday",
                    "Thursday",
                    "Friday",
                    "Saturday",
                    "Sunday",
                ]
                .get(value.day_of_week.unwrap_or(0).clamp(0, 6) as usize)
                .copied()
                .unwrap_or("Monday");
                format!("weekly on {day} at {} UTC", value.time_of_day)
            }
            HaloCadence::Monthly => format!(
                "monthly on day {} at {} UTC",
                value.day_of_month.map_or(1, |d| d.get()),
                value.time_of_day
            ),
        };
        let mut out = format!(
            "HALO schedule {} for {agent}: {at}, over the last {} h — {}",
            value.id, value.lookback_hours, value.status
        );
        if let Some(next) = &value.next_run_at {
            out.push_str(&format!("\nNext run: {}", time(next)));
        }
        if let Some(last) = &value.last_run_at {
            out.push_str(&format!(
                "\nLast run: {}{}",
                time(last),
                value
                    .last_run_id
                    .as_ref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ));
        }
        out
    }

    fn dataset(value: &Dataset, tool: &str) -> String {
        let from = match (&value.source, &value.filter) {
            (DatasetSource::Inferences, Some(f)) => {
                let mut what = vec![];
                match f.status {
                    Some(InferenceStatus::Success) => what.push("successful"),
                    Some(InferenceStatus::Error) => what.push("failed"),
                    None => {}
                }
                let mut out = format!(
                    "{} {}inferences",
                    value.row_count,
                    what.iter().map(|w| format!("{w} ")).collect::<String>()
                );
                if let Some(m) = &f.model {
                    out.push_str(&format!(" of {}", **m));
                }
                match (f.lookback_hours, &f.since) {
                    (_, Some(since)) => out.push_str(&format!(" since {}", time(since))),
                    (Some(h), None) if h.get() % 24 == 0 => out.push_str(&format!(" (last {} days)", h.get() / 24)),
                    (Some(h), None) => out.push_str(&format!(" (last {h} h)")),
                    _ => {}
                }
                out
            }
            (DatasetSource::Inferences, None) => format!("{} inferences", value.row_count),
            (DatasetSource::Rows, _) => format!("{} rows", value.row_count),
        };
        let verb = if tool.starts_with("create_") {
            "created from"
        } else {
            "holds"
        };
        let mut out = format!("Dataset {} \"{}\" {verb} {from}", value.id, value.name);
        if let Some(d) = &value.description {
            out.push_str(&format!("\n{d}"));
        }
        out.push_str(&format!("\nCreated {}", time(&value.created_at)));
        if tool.starts_with("create_") {
            out.push_str(&format!(
                "\nNext: run_eval with dataset_id=\"{}\", a rubric and a model",
                value.id
            ));
        }
        out
    }
}
