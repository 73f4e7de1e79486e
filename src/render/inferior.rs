//! The Inferior answers a manifest `view` cannot say: search results ranked and separated by
//! `---`, an experience in full, and a context check's anti-patterns and recommendations.

use crate::handlers::inferior::Hooks;
use inferior_sdk::types::*;
use inferior_tools::Renderers;
use mcp_runtime::render::format::{cut, trim_float};
use mcp_runtime::render::generic;

/// Text fields of a search result are cut to this many characters (the full text is one
/// `get_inferior_experience` away).
const SUMMARY_CHARS: usize = 400;

fn words(s: &str) -> String {
    s.replace('_', " ")
}

/// A table of `columns` of typed rows.
fn table<T: serde::Serialize>(rows: &[T], columns: &[&str]) -> String {
    match serde_json::to_value(rows) {
        Ok(serde_json::Value::Array(rows)) => generic::table(&rows, columns),
        _ => String::new(),
    }
}

impl Renderers for Hooks {
    fn search_results(value: &SearchResponse, _tool: &str) -> String {
        if value.results.is_empty() {
            return "No relevant experiences found.".into();
        }
        let mut out = format!(
            "{} experience(s) found for \"{}\", best first",
            value.results.len(),
            value.query
        );
        for (i, r) in value.results.iter().enumerate() {
            let e = &r.experience;
            out.push_str(&format!(
                "\n\n---\n\n{}. **{}** ({}) — score {}, {}{}{}\nProblem: {}\nInsight: {}\nTags: {}",
                i + 1,
                e.title,
                e.id,
                trim_float(r.score, 2),
                words(&e.evidence_class.to_string()),
                e.helpful_count
                    .filter(|n| *n > 0)
                    .map(|n| format!(", {n} helpful"))
                    .unwrap_or_default(),
                if r.own == Some(true) { ", yours" } else { "" },
                cut(&e.problem, SUMMARY_CHARS),
                cut(&e.insight, SUMMARY_CHARS),
                e.tags.join(", ")
            ));
        }
        out.push_str(
            "\n\n---\n\nNext: get_inferior_experience for the full fix; submit_inferior_feedback once you tried it.",
        );
        out
    }

    fn experience(value: &Experience, _tool: &str) -> String {
        let q = &value.quality;
        let mut out = format!(
            "# {} ({})\n{} · {} · {} · {} helpful, {} not · worthiness {} (causal depth {}, boundaries {}, transferability {})\n",
            value.title,
            value.id,
            words(&value.validation_state.to_string()),
            words(&value.evidence_class.to_string()),
            value.visibility_scope,
            value.helpful_count,
            value.unhelpful_count,
            trim_float(value.worthiness_score, 2),
            trim_float(q.causal_depth, 2),
            trim_float(q.boundary_precision, 2),
            trim_float(q.insight_transferability, 2),
        );
        out.push_str(&format!(
            "\n**Problem:** {}\n\n**Root cause:** {}\n\n**Insight:** {}\n\n**Solution:** {}\n",
            value.problem, value.root_cause, value.insight, value.solution.method
        ));
        if let Some(code) = &value.solution.implementation {
            out.push_str(&format!("\n```\n{}\n```\n", cut(code, 4000)));
        }
        if !value.failed_approaches.is_empty() {
            out.push_str("\n**Failed approaches:**\n");
            for f in &value.failed_approaches {
                match &f.why_failed {
                    Some(why) => out.push_str(&format!("- {} — {why}\n", f.attempt)),
                    None => out.push_str(&format!("- {}\n", f.attempt)),
                }
            }
        }
        let b = &value.boundaries;
        if b.applies_when.is_some() || b.does_not_apply_when.is_some() {
            out.push_str("\n**Boundaries:**\n");
            if let Some(a) = &b.applies_when {
                out.push_str(&format!("- Applies when: {a}\n"));
            }
            if let Some(n) = &b.does_not_apply_when {
                out.push_str(&format!("- Does not apply when: {n}\n"));
            }
        }
        if let Some(error) = &value.error_message {
            out.push_str(&format!("\n**Error message:** `{error}`\n"));
        }
        if !value.env_versions.is_empty() {
            let mut versions: Vec<String> = value.env_versions.iter().map(|(k, v)| format!("{k} {v}")).collect();
            versions.sort();
            out.push_str(&format!("\n**Environment:** {}\n", versions.join(", ")));
        }
        out.push_str(&format!("\n**Tags:** {}\n", value.tags.join(", ")));
        out.push_str(&format!(
            "Contributed by {} on {}",
            value.contributor.display_name,
            value.created_at.format("%Y-%m-%d")
        ));
        if let Some(p) = &value.linked_procedure_id {
            out.push_str(&format!("\nProcedure: {p} (resource inferior://procedures/{p})"));
        }
        out
    }

    fn context_check(value: &ContextCheckResponse, _tool: &str) -> String {
        let mut out = format!("Domain: {}", value.domain);
        if value.anti_patterns.is_empty() && value.recommended.is_empty() {
            out.push_str("\nNo known anti-patterns or experiences for this task.");
            return out;
        }
        if !value.anti_patterns.is_empty() {
            out.push_str(&format!("\n\nAnti-patterns to avoid ({}):", value.anti_patterns.len()));
            for a in &value.anti_patterns {
                out.push_str(&format!(
                    "\n- {} — from \"{}\" ({})",
                    a.warning, a.title, a.experience_id
                ));
            }
        }
        if !value.recommended.is_empty() {
            out.push_str(&format!(
                "\n\nRecommended experiences ({}):\n\n{}",
                value.recommended.len(),
                table(&value.recommended, &["id", "title", "evidence_class", "tags"])
            ));
        }
        if !value.procedure_ids.is_empty() {
            out.push_str(&format!(
                "\n\nProcedures: {} (resource inferior://procedures/{{id}})",
                value.procedure_ids.join(", ")
            ));
        }
        out
    }
}
