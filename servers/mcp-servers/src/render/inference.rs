//! The Catalyst answers a manifest `view` cannot say: inferences with a summary of their errors
//! by type, and a HALO report (the latest report whole, with the question that asked for it).

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
}
