//! Catalyst's answers: who the key is, lists as tables with the columns that answer the usual
//! question (and an error summary for inferences), HALO runs, reports and schedules.

use super::format::{cut, time};
use super::{Render, generic};
use inference_sdk::types::*;
use std::collections::BTreeMap;

/// A HALO report is shown whole up to this many characters.
const REPORT_CHARS: usize = 24_000;

fn page(value: &impl serde::Serialize, view: &str, lead: Option<String>, columns: &[&str]) -> String {
    let value = serde_json::to_value(value).unwrap_or_default();
    generic::page_with(
        value.as_object().unwrap_or(&serde_json::Map::new()),
        view,
        lead,
        columns,
    )
}

impl Render for WhoAmI {
    fn render(&self, _view: &str) -> String {
        let default = self
            .default_project_id
            .as_ref()
            .and_then(|d| self.projects.iter().find(|p| &p.id == d));
        let resolves = match (self.projects.as_slice(), default) {
            ([only], _) => format!("Tools use {} ({}), the key's only project.", only.name, only.id),
            (_, Some(d)) => format!("Tools use {} ({}) unless you name another.", d.name, d.id),
            ([], None) => "The key reaches no project.".to_string(),
            (_, None) => "No default project: name one (by name or id) in each request.".to_string(),
        };
        let mut out = format!(
            "Key \"{}\" ({}) of team {} ({}) reaches {} project(s). {resolves}\n\n| project | id | scopes |\n|---|---|---|",
            self.key.name,
            self.key.prefix,
            self.team.name,
            self.team.id,
            self.projects.len()
        );
        for p in &self.projects {
            let scopes: Vec<String> = p.scopes.iter().map(ToString::to_string).collect();
            out.push_str(&format!("\n| {} | {} | {} |", p.name, p.id, scopes.join(", ")));
        }
        out
    }
}

impl Render for InferencePage {
    fn render(&self, view: &str) -> String {
        let errors: Vec<&Inference> = self
            .items
            .iter()
            .filter(|i| i.status == InferenceStatus::Error)
            .collect();
        let mut lead = format!("{} inference(s), newest first", self.items.len());
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
        } else if !self.items.is_empty() {
            lead.push_str(" — no errors");
        }
        page(
            self,
            view,
            Some(lead),
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
}

/// Lists whose answer is their page with these columns.
macro_rules! table_render {
    ($($ty:ty => [$($column:literal),* $(,)?]),* $(,)?) => {
        $(impl Render for $ty {
            fn render(&self, view: &str) -> String {
                page(self, view, None, &[$($column),*])
            }
        })*
    };
}

table_render!(
    TracePage => ["id", "agent_name", "status", "started_at", "duration_ms", "span_count", "error_count", "total_tokens", "cost_usd"],
    SpanPage => ["id", "trace_id", "name", "kind", "status", "start_time", "duration_ns", "total_tokens", "status_message"],
    AgentPage => ["id", "name", "executions", "error_executions", "last_seen_at", "latest_halo_conversation_id"],
    TrainingJobPage => ["id", "name", "status", "base_model", "progress", "output_model_id", "created_at", "error"],
    HaloRunPage => ["id", "agent_name", "status", "created_at", "window_start", "window_end", "spans_analyzed", "conversation_id"],
    HaloSchedulePage => ["id", "agent_name", "cadence", "time_of_day", "status", "next_run_at", "last_run_at"],
);

impl Render for HaloConversationPage {
    fn render(&self, view: &str) -> String {
        let lead = (!self.items.is_empty()).then(|| format!("{} HALO report(s), most recent first", self.items.len()));
        page(
            self,
            view,
            lead,
            &[
                "id",
                "agent_name",
                "title",
                "updated_at",
                "latest_run_status",
                "message_count",
            ],
        )
    }
}

impl Render for HaloRun {
    fn render(&self, _view: &str) -> String {
        let agent = self.agent_name.as_deref().unwrap_or(&self.agent_id);
        let mut out = format!(
            "HALO run {} for {agent}: {} — window {} → {}",
            self.id,
            self.status,
            time(&self.window_start),
            time(&self.window_end)
        );
        if let Some(n) = self.spans_analyzed {
            out.push_str(&format!(", {n} spans analysed"));
        }
        if let Some(error) = &self.error {
            out.push_str(&format!("\nError: {error}"));
        }
        match self.status {
            HaloRunStatus::Completed | HaloRunStatus::Incomplete => out.push_str(&format!(
                "\nNext: get_halo_report with conversation_id=\"{}\"",
                self.conversation_id
            )),
            status if crate::inference::in_flight(status) => out.push_str(&format!(
                "\nNext: get_halo_run with run_id=\"{}\" until it ends",
                self.id
            )),
            _ => {}
        }
        out
    }
}

impl Render for HaloConversationDetail {
    fn render(&self, _view: &str) -> String {
        let c = &self.conversation;
        let agent = c.agent_name.as_deref().unwrap_or(&c.agent_id);
        let reports = self
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
        match self
            .messages
            .iter()
            .rev()
            .find(|m| m.role == HaloMessageRole::Assistant)
        {
            Some(report) => {
                let asked = self
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

impl Render for HaloSchedule {
    fn render(&self, _view: &str) -> String {
        let agent = self.agent_name.as_deref().unwrap_or(&self.agent_id);
        let at = match self.cadence {
            HaloCadence::Hourly => format!(
                "hourly at minute {}",
                self.time_of_day.split(':').nth(1).unwrap_or("00")
            ),
            HaloCadence::Daily => format!("daily at {} UTC", self.time_of_day),
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
                .get(self.day_of_week.unwrap_or(0).clamp(0, 6) as usize)
                .copied()
                .unwrap_or("Monday");
                format!("weekly on {day} at {} UTC", self.time_of_day)
            }
            HaloCadence::Monthly => format!(
                "monthly on day {} at {} UTC",
                self.day_of_month.map_or(1, |d| d.get()),
                self.time_of_day
            ),
        };
        let mut out = format!(
            "HALO schedule {} for {agent}: {at}, over the last {} h — {}",
            self.id, self.lookback_hours, self.status
        );
        if let Some(next) = &self.next_run_at {
            out.push_str(&format!("\nNext run: {}", time(next)));
        }
        if let Some(last) = &self.last_run_at {
            out.push_str(&format!(
                "\nLast run: {}{}",
                time(last),
                self.last_run_id.as_ref().map(|r| format!(" ({r})")).unwrap_or_default()
            ));
        }
        out
    }
}

impl Render for Dataset {
    fn render(&self, view: &str) -> String {
        let from = match (&self.source, &self.filter) {
            (DatasetSource::Inferences, Some(f)) => {
                let mut what = vec![];
                match f.status {
                    Some(InferenceStatus::Success) => what.push("successful"),
                    Some(InferenceStatus::Error) => what.push("failed"),
                    None => {}
                }
                let mut out = format!(
                    "{} {}inferences",
                    self.row_count,
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
            (DatasetSource::Inferences, None) => format!("{} inferences", self.row_count),
            (DatasetSource::Rows, _) => format!("{} rows", self.row_count),
        };
        let verb = if view.starts_with("create_") {
            "created from"
        } else {
            "holds"
        };
        let mut out = format!("Dataset {} \"{}\" {verb} {from}", self.id, self.name);
        if let Some(d) = &self.description {
            out.push_str(&format!("\n{d}"));
        }
        out.push_str(&format!("\nCreated {}", time(&self.created_at)));
        if view.starts_with("create_") {
            out.push_str(&format!(
                "\nNext: run_eval with dataset_id=\"{}\", a rubric and a model",
                self.id
            ));
        }
        out
    }
}
