//! The HALO analysis: an agent's spans in a window → a markdown report of ranked findings
//! (errors by tool, retry loops, the slowest steps, token and cost hot spots), each with evidence
//! ids and a concrete recommendation, written to be pasted into a coding agent.

use std::collections::BTreeMap;

/// What the analysis reads of a span.
#[derive(Debug, Clone)]
pub struct SpanFacts {
    pub id: String,
    pub trace_id: String,
    pub name: String,
    pub kind: String,
    pub error: bool,
    pub status_message: Option<String>,
    pub start_time: String,
    pub duration_ns: i64,
    pub tool_name: Option<String>,
    pub model: Option<String>,
    pub input_tokens: i64,
    pub total_tokens: i64,
    pub cost: f64,
}

impl SpanFacts {
    /// A tool call is named by its tool; other steps by their span name.
    fn step(&self) -> &str {
        self.tool_name.as_deref().unwrap_or(&self.name)
    }
}

/// One ranked finding.
#[derive(Debug, Clone)]
pub struct Finding {
    pub area: &'static str,
    pub title: String,
    pub impact: f64,
    pub detail: String,
    pub evidence: Vec<String>,
    pub recommendation: String,
}

/// A retry loop: this many consecutive calls of the same tool in one trace.
pub const RETRY_LOOP_CALLS: usize = 3;
/// A step is slow when its p95 exceeds this (seconds) and it is at least a tenth of all time.
pub const SLOW_P95_SECONDS: f64 = 2.0;
/// A token hot spot holds more than this share of all tokens.
pub const HOT_SPOT_SHARE: f64 = 0.5;
/// An error finding needs this many failures, or this share of the step's calls.
pub const MIN_ERRORS: usize = 2;
pub const MIN_ERROR_SHARE: f64 = 0.1;
/// The report keeps this many findings, highest impact first.
pub const MAX_FINDINGS: usize = 8;

const EVIDENCE_IDS: usize = 5;

pub fn analyze(spans: &[SpanFacts]) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(errors(spans));
    findings.extend(retry_loops(spans));
    findings.extend(slow_steps(spans));
    findings.extend(hot_spots(spans));
    findings.sort_by(|a, b| b.impact.total_cmp(&a.impact).then(a.title.cmp(&b.title)));
    findings.truncate(MAX_FINDINGS);
    findings
}

/// Findings rank by area first (failures, then retry loops, then latency, then cost), then by
/// magnitude within the area.
fn rank(area: &str, magnitude: f64) -> f64 {
    let base = match area {
        "reliability" => 3000.0,
        "tool use" => 2000.0,
        "latency" => 1000.0,
        _ => 0.0,
    };
    base + magnitude.clamp(0.0, 999.0)
}

fn errors(spans: &[SpanFacts]) -> Vec<Finding> {
    let mut by_step: BTreeMap<&str, (usize, Vec<&SpanFacts>)> = BTreeMap::new();
    for s in spans {
        let entry = by_step.entry(s.step()).or_default();
        entry.0 += 1;
        if s.error {
            entry.1.push(s);
        }
    }
    by_step
        .into_iter()
        .filter(|(_, (calls, failed))| {
            failed.len() >= MIN_ERRORS || !failed.is_empty() && failed.len() as f64 / *calls as f64 >= MIN_ERROR_SHARE
        })
        .map(|(step, (calls, failed))| {
            let mut messages: BTreeMap<&str, usize> = BTreeMap::new();
            for s in &failed {
                *messages
                    .entry(s.status_message.as_deref().unwrap_or("(no message)"))
                    .or_default() += 1;
            }
            let (message, _) = messages
                .iter()
                .max_by_key(|(m, n)| (**n, std::cmp::Reverse(**m)))
                .map(|(m, n)| (*m, *n))
                .unwrap_or(("(no message)", 0));
            let share = failed.len() as f64 / calls as f64;
            Finding {
                area: "reliability",
                title: format!(
                    "`{step}` fails: {} of {calls} calls ({:.0}%)",
                    failed.len(),
                    share * 100.0
                ),
                impact: rank("reliability", failed.len() as f64 * (0.5 + share)),
                detail: format!("Most common error: \"{}\"", one_line(message)),
                evidence: evidence(failed.iter().copied()),
                recommendation: recommend_for_error(step, message),
            }
        })
        .collect()
}

fn recommend_for_error(step: &str, message: &str) -> String {
    let m = message.to_lowercase();
    if m.contains("timeout") || m.contains("timed out") || m.contains("deadline") {
        format!(
            "Wrap `{step}` in a timeout-aware retry (at most 2 retries, exponential backoff with jitter), raise its timeout to fit its observed latency, and tell the user when it still fails instead of answering without the data."
        )
    } else if m.contains("rate limit") || m.contains("429") || m.contains("too many requests") {
        format!(
            "Throttle `{step}` on the client (a token bucket below the provider's limit) and honour `Retry-After` with backoff; batch calls where the API allows it."
        )
    } else if m.contains("not found") || m.contains("404") || m.contains("unknown") {
        format!(
            "Validate the identifier before calling `{step}` (ask the user to confirm it when it does not match the expected format) and handle not-found as an answer, not a failure to retry."
        )
    } else if m.contains("invalid") || m.contains("validation") || m.contains("schema") || m.contains("argument") {
        format!(
            "Tighten `{step}`'s argument schema (enums, formats, required fields) and validate arguments before the call; add an example of a valid call to the tool's description."
        )
    } else if m.contains("permission") || m.contains("forbidden") || m.contains("401") || m.contains("403") {
        format!(
            "Check the credentials `{step}` uses and their scopes at start-up, and fail fast with a clear message instead of calling it per request."
        )
    } else {
        format!(
            "Catch \"{}\" from `{step}` explicitly: surface a clear message to the user and do not retry blindly; add a test that reproduces it.",
            one_line(message)
        )
    }
}

fn retry_loops(spans: &[SpanFacts]) -> Vec<Finding> {
    let mut by_trace: BTreeMap<&str, Vec<&SpanFacts>> = BTreeMap::new();
    for s in spans.iter().filter(|s| s.tool_name.is_some()) {
        by_trace.entry(&s.trace_id).or_default().push(s);
    }
    let mut loops: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
    for (trace, mut calls) in by_trace {
        calls.sort_by(|a, b| a.start_time.cmp(&b.start_time));
        let mut run = 1;
        for i in 1..=calls.len() {
            // A retry continues a run: the same tool again after a failed call.
            if i < calls.len() && calls[i].step() == calls[i - 1].step() && calls[i - 1].error {
                run += 1;
                continue;
            }
            if run >= RETRY_LOOP_CALLS {
                loops.entry(calls[i - 1].step()).or_default().push((trace, run));
            }
            run = 1;
        }
    }
    loops
        .into_iter()
        .map(|(step, traces)| {
            let longest = traces.iter().map(|(_, n)| *n).max().unwrap_or(0);
            Finding {
                area: "tool use",
                title: format!("`{step}` is retried in a loop in {} trace(s) (up to {longest} calls in a row)", traces.len()),
                impact: rank("tool use", traces.len() as f64 + longest as f64 / 2.0),
                detail: format!("The agent called `{step}` {RETRY_LOOP_CALLS} or more times in a row instead of changing approach."),
                evidence: traces.iter().take(EVIDENCE_IDS).map(|(t, _)| format!("trace {t}")).collect(),
                recommendation: format!(
                    "Cap consecutive `{step}` calls at 2: after the second failure, stop, report the error to the user and suggest the next step. Say so in the system prompt and enforce it in the tool loop."
                ),
            }
        })
        .collect()
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Slow steps, judged on successful calls (failures, timeouts included, are error findings).
fn slow_steps(spans: &[SpanFacts]) -> Vec<Finding> {
    let steps = || {
        spans
            .iter()
            .filter(|s| s.kind != "AGENT" && s.kind != "CHAIN" && !s.error)
    };
    let total: i64 = steps().map(|s| s.duration_ns).sum();
    let mut by_step: BTreeMap<&str, Vec<&SpanFacts>> = BTreeMap::new();
    for s in steps() {
        by_step.entry(s.step()).or_default().push(s);
    }
    by_step
        .into_iter()
        .filter_map(|(step, mut group)| {
            group.sort_by_key(|s| s.duration_ns);
            let durations: Vec<i64> = group.iter().map(|s| s.duration_ns).collect();
            let p95 = percentile(&durations, 0.95) as f64 / 1e9;
            let p50 = percentile(&durations, 0.5) as f64 / 1e9;
            let share = durations.iter().sum::<i64>() as f64 / total.max(1) as f64;
            (p95 >= SLOW_P95_SECONDS && share >= 0.1).then(|| Finding {
                area: "latency",
                title: format!("`{step}` is slow: p95 {p95:.1} s, p50 {p50:.1} s ({:.0}% of all step time)", share * 100.0),
                impact: rank("latency", share * 10.0 + p95),
                detail: format!("{} calls; the slowest took {:.1} s.", group.len(), *durations.last().unwrap_or(&0) as f64 / 1e9),
                evidence: evidence(group.iter().rev().copied()),
                recommendation: format!(
                    "Cut `{step}`'s latency: cache results that repeat within a session, run independent calls in parallel, stream partial results, and set a timeout near its p50 × 3 ({:.1} s).",
                    p50 * 3.0
                ),
            })
        })
        .collect()
}

fn hot_spots(spans: &[SpanFacts]) -> Vec<Finding> {
    let llm: Vec<&SpanFacts> = spans.iter().filter(|s| s.total_tokens > 0).collect();
    let total_tokens: i64 = llm.iter().map(|s| s.total_tokens).sum();
    let total_cost: f64 = llm.iter().map(|s| s.cost).sum();
    if total_tokens == 0 {
        return Vec::new();
    }
    let mut by_step: BTreeMap<(String, String), Vec<&SpanFacts>> = BTreeMap::new();
    for s in &llm {
        by_step
            .entry((s.name.clone(), s.model.clone().unwrap_or_default()))
            .or_default()
            .push(s);
    }
    by_step
        .into_iter()
        .filter_map(|((name, model), group)| {
            let tokens: i64 = group.iter().map(|s| s.total_tokens).sum();
            let cost: f64 = group.iter().map(|s| s.cost).sum();
            let share = tokens as f64 / total_tokens as f64;
            let mean_input = group.iter().map(|s| s.input_tokens).sum::<i64>() / group.len() as i64;
            let model = if model.is_empty() { String::new() } else { format!(" on {model}") };
            (share > HOT_SPOT_SHARE).then(|| Finding {
                area: "cost",
                title: format!("`{name}`{model} uses {:.0}% of tokens (${cost:.2} of ${total_cost:.2})", share * 100.0),
                impact: rank("cost", share * 10.0),
                detail: format!("{} calls, {} tokens, {mean_input} input tokens per call on average.", group.len(), tokens),
                evidence: evidence(group.iter().copied()),
                recommendation: format!(
                    "Shrink `{name}`'s prompt: summarize the conversation history past the last few turns, send only the tool schemas this step can use, and try a smaller model for it; compare quality on an eval before switching."
                ),
            })
        })
        .collect()
}

fn evidence<'a>(spans: impl Iterator<Item = &'a SpanFacts>) -> Vec<String> {
    spans
        .take(EVIDENCE_IDS)
        .map(|s| format!("span {} (trace {})", s.id, s.trace_id))
        .collect()
}

fn one_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or_default();
    if line.chars().count() > 160 {
        format!("{}…", line.chars().take(160).collect::<String>())
    } else {
        line.to_string()
    }
}

/// The report as the conversation's assistant message.
pub fn markdown(
    agent_name: &str,
    agent_id: &str,
    window: (&str, &str),
    prompt: &str,
    spans: &[SpanFacts],
    findings: &[Finding],
    truncated: bool,
) -> String {
    let traces: std::collections::BTreeSet<&str> = spans.iter().map(|s| s.trace_id.as_str()).collect();
    let errors = spans.iter().filter(|s| s.error).count();
    let mut out = format!(
        "# HALO report: {agent_name}\n\nAgent `{agent_id}` · {} → {} · {} spans in {} traces · {errors} errors{}\n\nFocus: {prompt}\n\n",
        window.0,
        window.1,
        spans.len(),
        traces.len(),
        if truncated {
            " · span limit reached, later spans not analysed"
        } else {
            ""
        }
    );
    if findings.is_empty() {
        out.push_str("## Summary\n\nNo failures, retry loops, slow steps or token hot spots stood out in this window. Nothing to fix.\n");
        return out;
    }
    // Areas in the order of their first (highest-ranked) finding.
    let mut areas: Vec<(&str, usize)> = Vec::new();
    for f in findings {
        match areas.iter_mut().find(|(a, _)| *a == f.area) {
            Some((_, n)) => *n += 1,
            None => areas.push((f.area, 1)),
        }
    }
    out.push_str(&format!(
        "## Summary\n\n{} finding(s), ranked by impact: {}.\n",
        findings.len(),
        areas
            .iter()
            .map(|(a, n)| format!("{n} {a}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for (i, f) in findings.iter().enumerate() {
        out.push_str(&format!(
            "\n## {}. {} — {}\n\n{}\n\nEvidence: {}\n\n**Recommendation:** {}\n",
            i + 1,
            f.title,
            f.area,
            f.detail,
            f.evidence.join(", "),
            f.recommendation
        ));
    }
    out.push_str("\n## Applying these fixes\n\nWork through the findings in order. For each, find the code that implements the named tool or step, make the recommended change, and add a test that reproduces the evidence before and passes after.\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(id: &str, trace: &str, tool: &str, start: &str, ms: i64, error: Option<&str>) -> SpanFacts {
        SpanFacts {
            id: id.into(),
            trace_id: trace.into(),
            name: format!("tool.{tool}"),
            kind: "TOOL".into(),
            error: error.is_some(),
            status_message: error.map(String::from),
            start_time: start.into(),
            duration_ns: ms * 1_000_000,
            tool_name: Some(tool.into()),
            model: None,
            input_tokens: 0,
            total_tokens: 0,
            cost: 0.0,
        }
    }

    #[test]
    fn errors_and_retry_loops_are_ranked_with_evidence() {
        let timeout = Some("TimeoutError: order service did not answer in 10 s");
        let spans = vec![
            span("s1", "t1", "lookup_order", "2026-11-21T09:00:00.000Z", 10_000, timeout),
            span("s2", "t1", "lookup_order", "2026-11-21T09:00:10.000Z", 10_000, timeout),
            span("s3", "t1", "lookup_order", "2026-11-21T09:00:20.000Z", 10_000, timeout),
            span("s4", "t2", "lookup_order", "2026-11-21T10:00:00.000Z", 300, None),
            span("s5", "t2", "send_email", "2026-11-21T10:00:01.000Z", 200, None),
            span("s6", "t3", "render_pdf", "2026-11-21T11:00:00.000Z", 6000, None),
        ];
        let findings = analyze(&spans);
        assert_eq!(findings[0].area, "reliability");
        assert_eq!(findings[0].title, "`lookup_order` fails: 3 of 4 calls (75%)");
        assert!(findings[0].recommendation.contains("timeout-aware retry"));
        assert_eq!(findings[0].evidence[0], "span s1 (trace t1)");
        assert!(
            findings
                .iter()
                .any(|f| f.area == "tool use" && f.title.contains("3 calls in a row")),
            "{findings:?}"
        );
        assert!(
            findings
                .iter()
                .any(|f| f.area == "latency" && f.title.starts_with("`render_pdf` is slow: p95 6.0 s")),
            "{findings:?}"
        );
        assert!(
            !findings
                .iter()
                .any(|f| f.area == "latency" && f.title.contains("lookup_order")),
            "timeouts are errors, not slowness: {findings:?}"
        );
        let report = markdown("Support", "support", ("a", "b"), "p", &spans, &findings, false);
        assert!(report.contains("## 1. `lookup_order` fails"), "{report}");
        assert!(report.contains("**Recommendation:**"));
    }

    #[test]
    fn a_clean_window_says_nothing_to_fix() {
        let spans = vec![
            span("s1", "t1", "search", "2026-11-21T09:00:00.000Z", 100, None),
            span("s2", "t1", "search", "2026-11-21T09:00:01.000Z", 100, None),
            span("s3", "t1", "search", "2026-11-21T09:00:02.000Z", 100, None),
        ];
        let findings = analyze(&spans);
        assert!(findings.is_empty());
        assert!(markdown("A", "a", ("x", "y"), "p", &spans, &findings, false).contains("Nothing to fix."));
    }
}
