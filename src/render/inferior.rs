//! Inferior's answers: search results ranked and separated by `---`, an experience in full,
//! deposits, feedback, context checks and procedures.

use super::format::{cut, trim_float};
use super::{Render, generic};
use inferior_sdk::types::*;

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

impl Render for SearchResponse {
    fn render(&self, _view: &str) -> String {
        if self.results.is_empty() {
            return "No relevant experiences found.".into();
        }
        let mut out = format!(
            "{} experience(s) found for \"{}\", best first",
            self.results.len(),
            self.query
        );
        for (i, r) in self.results.iter().enumerate() {
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

impl Render for Experience {
    fn render(&self, _view: &str) -> String {
        let q = &self.quality;
        let mut out = format!(
            "# {} ({})\n{} · {} · {} · {} helpful, {} not · worthiness {} (causal depth {}, boundaries {}, transferability {})\n",
            self.title,
            self.id,
            words(&self.validation_state.to_string()),
            words(&self.evidence_class.to_string()),
            self.visibility_scope,
            self.helpful_count,
            self.unhelpful_count,
            trim_float(self.worthiness_score, 2),
            trim_float(q.causal_depth, 2),
            trim_float(q.boundary_precision, 2),
            trim_float(q.insight_transferability, 2),
        );
        out.push_str(&format!(
            "\n**Problem:** {}\n\n**Root cause:** {}\n\n**Insight:** {}\n\n**Solution:** {}\n",
            self.problem, self.root_cause, self.insight, self.solution.method
        ));
        if let Some(code) = &self.solution.implementation {
            out.push_str(&format!("\n```\n{}\n```\n", cut(code, 4000)));
        }
        if !self.failed_approaches.is_empty() {
            out.push_str("\n**Failed approaches:**\n");
            for f in &self.failed_approaches {
                match &f.why_failed {
                    Some(why) => out.push_str(&format!("- {} — {why}\n", f.attempt)),
                    None => out.push_str(&format!("- {}\n", f.attempt)),
                }
            }
        }
        let b = &self.boundaries;
        if b.applies_when.is_some() || b.does_not_apply_when.is_some() {
            out.push_str("\n**Boundaries:**\n");
            if let Some(a) = &b.applies_when {
                out.push_str(&format!("- Applies when: {a}\n"));
            }
            if let Some(n) = &b.does_not_apply_when {
                out.push_str(&format!("- Does not apply when: {n}\n"));
            }
        }
        if let Some(error) = &self.error_message {
            out.push_str(&format!("\n**Error message:** `{error}`\n"));
        }
        if !self.env_versions.is_empty() {
            let mut versions: Vec<String> = self.env_versions.iter().map(|(k, v)| format!("{k} {v}")).collect();
            versions.sort();
            out.push_str(&format!("\n**Environment:** {}\n", versions.join(", ")));
        }
        out.push_str(&format!("\n**Tags:** {}\n", self.tags.join(", ")));
        out.push_str(&format!(
            "Contributed by {} on {}",
            self.contributor.display_name,
            self.created_at.format("%Y-%m-%d")
        ));
        if let Some(p) = &self.linked_procedure_id {
            out.push_str(&format!("\nProcedure: {p} (resource inferior://procedures/{p})"));
        }
        out
    }
}

impl Render for DepositResponse {
    fn render(&self, _view: &str) -> String {
        let q = &self.quality;
        let mut out = format!(
            "Deposited {} — worthiness {}, {}\nQuality: causal depth {}, boundary precision {}, transferability {}",
            self.experience_id,
            trim_float(self.worthiness_score, 2),
            words(&self.validation_state.to_string()),
            trim_float(q.causal_depth, 2),
            trim_float(q.boundary_precision, 2),
            trim_float(q.insight_transferability, 2),
        );
        if !self.warnings.is_empty() {
            out.push_str("\nTo improve it:");
            for w in &self.warnings {
                out.push_str(&format!("\n- {w}"));
            }
        }
        out
    }
}

impl Render for RawDepositResponse {
    fn render(&self, _view: &str) -> String {
        let file = match (&self.filename, self.bytes) {
            (Some(name), Some(bytes)) => format!(" from {name} ({})", size(bytes)),
            (Some(name), None) => format!(" from {name}"),
            _ => String::new(),
        };
        format!(
            "Raw deposit {} {}{file} — normalization {}",
            self.raw_deposit_id, self.status, self.normalization_status
        )
    }
}

fn size(bytes: i64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else {
        format!("{} KiB", trim_float(bytes as f64 / 1024.0, 1))
    }
}

impl Render for FeedbackResponse {
    fn render(&self, _view: &str) -> String {
        let was = self
            .previous_transferability_score
            .map(|p| format!(" (was {})", trim_float(p, 3)))
            .unwrap_or_default();
        format!(
            "Feedback {} recorded for {} — transferability now {}{was}",
            self.feedback_id,
            self.experience_id,
            trim_float(self.transferability_score, 3)
        )
    }
}

impl Render for ContextCheckResponse {
    fn render(&self, _view: &str) -> String {
        let mut out = format!("Domain: {}", self.domain);
        if self.anti_patterns.is_empty() && self.recommended.is_empty() {
            out.push_str("\nNo known anti-patterns or experiences for this task.");
            return out;
        }
        if !self.anti_patterns.is_empty() {
            out.push_str(&format!("\n\nAnti-patterns to avoid ({}):", self.anti_patterns.len()));
            for a in &self.anti_patterns {
                out.push_str(&format!(
                    "\n- {} — from \"{}\" ({})",
                    a.warning, a.title, a.experience_id
                ));
            }
        }
        if !self.recommended.is_empty() {
            out.push_str(&format!(
                "\n\nRecommended experiences ({}):\n\n{}",
                self.recommended.len(),
                table(&self.recommended, &["id", "title", "evidence_class", "tags"])
            ));
        }
        if !self.procedure_ids.is_empty() {
            out.push_str(&format!(
                "\n\nProcedures: {} (resource inferior://procedures/{{id}})",
                self.procedure_ids.join(", ")
            ));
        }
        out
    }
}

impl Render for Procedure {
    fn render(&self, _view: &str) -> String {
        let mut out = format!("# {} ({})\n{}\n", self.title, self.id, self.summary);
        if let Some(a) = &self.applies_when {
            out.push_str(&format!("\nApplies when: {a}\n"));
        }
        out.push('\n');
        for (i, step) in self.steps.iter().enumerate() {
            out.push_str(&format!("{}. {step}\n", i + 1));
        }
        out.push_str(&format!(
            "\nDistilled from: {} · updated {}",
            self.source_experience_ids.join(", "),
            self.updated_at.format("%Y-%m-%d")
        ));
        out
    }
}

impl Render for AgentProfile {
    fn render(&self, _view: &str) -> String {
        let calibration = self.calibration_score.map_or_else(
            || "no calibration yet (it needs feedback on your deposits)".to_string(),
            |c| format!("calibration {}", trim_float(c, 2)),
        );
        let mut out = format!(
            "{} ({}, {} key): {} deposit(s), {} search(es), {} feedback given; {calibration}",
            self.display_name, self.agent_id, self.key_scope, self.deposits, self.searches, self.feedback_given
        );
        if !self.struggles.is_empty() {
            out.push_str("\nStruggles (searches that found little): ");
            let items: Vec<String> = self
                .struggles
                .iter()
                .map(|s| format!("{} ({} of {} unresolved)", s.tag, s.unresolved, s.searches))
                .collect();
            out.push_str(&items.join(", "));
        }
        if !self.expertise.is_empty() {
            out.push_str("\nExpertise (your deposits): ");
            let items: Vec<String> = self
                .expertise
                .iter()
                .map(|e| {
                    format!(
                        "{} ({}, transferability {})",
                        e.tag,
                        e.deposits,
                        trim_float(e.mean_transferability, 2)
                    )
                })
                .collect();
            out.push_str(&items.join(", "));
        }
        out
    }
}

impl Render for Stats {
    fn render(&self, _view: &str) -> String {
        let q = &self.quality_distribution;
        let trust: Vec<String> = self
            .trust_distribution
            .iter()
            .map(|t| format!("{} {}", words(&t.evidence_class.to_string()), t.count))
            .collect();
        let tags: Vec<String> = self
            .top_tags
            .iter()
            .map(|t| format!("{} ({})", t.tag, t.count))
            .collect();
        format!(
            "{} experiences from {} contributors; {} searches in the last 7 days; {} feedback\nQuality (worthiness): {} high, {} medium, {} low\nEvidence: {}\nTop tags: {}",
            self.experiences,
            self.contributors,
            self.searches_last_7_days,
            self.feedback,
            q.high,
            q.medium,
            q.low,
            trust.join(", "),
            tags.join(", ")
        )
    }
}

impl Render for DemandHotspots {
    fn render(&self, _view: &str) -> String {
        if self.hotspots.is_empty() {
            return format!(
                "No unmet demand in the last {} days (no search whose best match scored {} or less).",
                self.days,
                trim_float(self.max_top_score, 2)
            );
        }
        format!(
            "{} topic(s) searched without a good match in the last {} days (best score ≤ {}), most searched first\n\n{}\n\nNext: deposit what you know about one of them.",
            self.hotspots.len(),
            self.days,
            trim_float(self.max_top_score, 2),
            table(
                &self.hotspots,
                &["searches", "query", "domain", "best_score", "last_searched_at"]
            )
        )
    }
}
