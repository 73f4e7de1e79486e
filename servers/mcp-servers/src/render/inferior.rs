//! The Inferior answer a manifest `view` cannot say: search results ranked and separated by
//! `---`, each cut to a summary, with a marker for the caller's own experiences.

use crate::handlers::inferior::Hooks;
use inferior_sdk::types::*;
use inferior_tools::Renderers;
use mcp_runtime::render::format::{cut, trim_float};

/// Text fields of a search result are cut to this many characters (the full text is one
/// `get_inferior_experience` away).
const SUMMARY_CHARS: usize = 400;

fn words(s: &str) -> String {
    s.replace('_', " ")
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
}
