//! `detect_deposit_signals_from_trace` and `detect_search_signals_from_trace`: what a session
//! trace says about depositing or searching.
//!
//! Deposit signals: `error_recovered` (a tool failed, then the same tool succeeded),
//! `failures_then_success` (at least two failures and the task succeeded),
//! `long_struggle` (at least [`LONG_STRUGGLE_SECONDS`]), `user_confirmed` (the user said it
//! works), `searched_then_solved` (Inferior was searched, there were errors, the task
//! succeeded). Search signals: `error_state` (failed tool calls or error-shaped output),
//! `output_rejection_state` (the user rejected the result), `user_warning` (the user warned).

use regex::Regex;
use std::sync::LazyLock;

pub const LONG_STRUGGLE_SECONDS: f64 = 900.0;
const EVIDENCE_CHARS: usize = 100;

/// One tool call of the trace.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolCall {
    pub name: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub output: Option<String>,
}

impl ToolCall {
    fn failed(&self) -> bool {
        self.status.as_deref() == Some("error")
            || (self.status.is_none() && self.output.as_deref().is_some_and(looks_like_error))
    }
}

/// A session trace.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    pub tool_calls: Vec<ToolCall>,
    pub outputs: Vec<String>,
    pub user_messages: Vec<String>,
    pub searches_performed: u64,
    pub outcome: String,
    pub elapsed_seconds: f64,
}

/// One fired signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub kind: &'static str,
    pub count: usize,
    pub evidence: String,
}

static ERROR_TEXT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?m)(?:\b[A-Z][A-Za-z]*(?:Error|Exception)\b|^error(?:\[\w+\])?:|Traceback \(most recent call last\)|\bpanicked at\b|\bFAILED\b|\bfatal:|exit (?:code|status) [1-9])").ok()
});
static CONFIRMED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:it works|that worked|works now|fixed it|that fixed|that did it|solved|perfect,? thanks)\b")
        .ok()
});
static REJECTED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\b(?:doesn't|does not|didn't|did not) work\b|\bstill (?:failing|broken|fails|the same|getting)\b|\bthat's (?:not|wrong)\b|\bnot what I\b|\bwrong\b|\bsame error\b)").ok()
});
static WARNED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\bbe careful\b|\bcareful\b|\bdon't break\b|\bdo not break\b|\bmake sure\b|\bwarning\b|\bdon't touch\b|\bproduction\b)").ok()
});

fn matches(re: &LazyLock<Option<Regex>>, text: &str) -> bool {
    re.as_ref().is_some_and(|r| r.is_match(text))
}

fn looks_like_error(text: &str) -> bool {
    matches(&ERROR_TEXT, text)
}

/// The items that fired a signal, joined; past [`EVIDENCE_CHARS`] the rest is left out with `…`
/// (the trace itself holds it).
fn evidence(items: &[String]) -> String {
    let joined = items.join(" | ");
    match joined.char_indices().nth(EVIDENCE_CHARS) {
        Some((end, _)) => format!("{}…", &joined[..end]),
        None => joined,
    }
}

pub fn deposit_signals(t: &Trace) -> Vec<Signal> {
    let mut signals = Vec::new();
    let failures: Vec<&ToolCall> = t.tool_calls.iter().filter(|c| c.failed()).collect();
    let recovered: Vec<String> = t
        .tool_calls
        .iter()
        .enumerate()
        .filter(|(_, c)| c.failed())
        .filter(|(i, c)| {
            t.tool_calls[i + 1..]
                .iter()
                .any(|later| later.name == c.name && !later.failed())
        })
        .map(|(_, c)| c.name.clone())
        .collect();
    if !recovered.is_empty() {
        signals.push(Signal {
            kind: "error_recovered",
            count: recovered.len(),
            evidence: evidence(&recovered),
        });
    }
    if failures.len() >= 2 && t.outcome == "success" {
        let names: Vec<String> = failures.iter().map(|c| c.name.clone()).collect();
        signals.push(Signal {
            kind: "failures_then_success",
            count: failures.len(),
            evidence: evidence(&names),
        });
    }
    if t.elapsed_seconds >= LONG_STRUGGLE_SECONDS {
        signals.push(Signal {
            kind: "long_struggle",
            count: 1,
            evidence: format!("{:.0} min", t.elapsed_seconds / 60.0),
        });
    }
    let confirmations: Vec<String> = t
        .user_messages
        .iter()
        .filter(|m| matches(&CONFIRMED, m))
        .cloned()
        .collect();
    if !confirmations.is_empty() {
        signals.push(Signal {
            kind: "user_confirmed",
            count: confirmations.len(),
            evidence: evidence(&confirmations),
        });
    }
    if t.searches_performed > 0 && !failures.is_empty() && t.outcome == "success" {
        signals.push(Signal {
            kind: "searched_then_solved",
            count: t.searches_performed as usize,
            evidence: format!(
                "{} search(es), {} failure(s), outcome success",
                t.searches_performed,
                failures.len()
            ),
        });
    }
    signals
}

pub fn search_signals(t: &Trace) -> Vec<Signal> {
    let mut signals = Vec::new();
    let mut errors: Vec<String> = t
        .tool_calls
        .iter()
        .filter(|c| c.failed())
        .map(|c| {
            c.output.clone().map_or(c.name.clone(), |o| {
                format!("{}: {}", c.name, o.lines().next().unwrap_or_default())
            })
        })
        .collect();
    errors.extend(
        t.outputs
            .iter()
            .filter(|o| looks_like_error(o))
            .map(|o| o.lines().find(|l| looks_like_error(l)).unwrap_or_default().to_string()),
    );
    if !errors.is_empty() {
        signals.push(Signal {
            kind: "error_state",
            count: errors.len(),
            evidence: evidence(&errors),
        });
    }
    let rejected: Vec<String> = t
        .user_messages
        .iter()
        .filter(|m| matches(&REJECTED, m))
        .cloned()
        .collect();
    if !rejected.is_empty() {
        signals.push(Signal {
            kind: "output_rejection_state",
            count: rejected.len(),
            evidence: evidence(&rejected),
        });
    }
    let warned: Vec<String> = t
        .user_messages
        .iter()
        .filter(|m| matches(&WARNED, m))
        .cloned()
        .collect();
    if !warned.is_empty() {
        signals.push(Signal {
            kind: "user_warning",
            count: warned.len(),
            evidence: evidence(&warned),
        });
    }
    signals
}

/// The gates' answer: a count, then one line per signal.
pub fn report(signals: &[Signal], what: &str) -> String {
    if signals.is_empty() {
        return format!("No {what} signals fired.");
    }
    let mut out = format!("{} {what} signal(s) fired:", signals.len());
    for s in signals {
        out.push_str(&format!(
            "\n- type: {} count={} evidence: {}",
            s.kind, s.count, s.evidence
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, status: &str, output: &str) -> ToolCall {
        ToolCall {
            name: name.into(),
            status: Some(status.into()),
            output: Some(output.into()),
        }
    }

    fn struggle() -> Trace {
        Trace {
            tool_calls: vec![
                call(
                    "bash",
                    "error",
                    "Error: No signatures found matching the expected signature",
                ),
                call("edit", "ok", "patched route.ts"),
                call(
                    "bash",
                    "error",
                    "Error: No signatures found matching the expected signature",
                ),
                call("bash", "ok", "all 12 tests passed"),
            ],
            user_messages: vec!["still failing on vercel".into(), "it works now, thanks".into()],
            searches_performed: 1,
            outcome: "success".into(),
            elapsed_seconds: 1500.0,
            ..Trace::default()
        }
    }

    #[test]
    fn a_recovered_struggle_fires_deposit_signals() {
        let kinds: Vec<_> = deposit_signals(&struggle()).iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                "error_recovered",
                "failures_then_success",
                "long_struggle",
                "user_confirmed",
                "searched_then_solved"
            ]
        );
    }

    #[test]
    fn every_built_in_pattern_compiles() {
        assert!(ERROR_TEXT.is_some() && CONFIRMED.is_some() && REJECTED.is_some() && WARNED.is_some());
    }

    #[test]
    fn a_clean_session_fires_nothing() {
        let t = Trace {
            tool_calls: vec![call("bash", "ok", "ok")],
            user_messages: vec!["add a readme".into()],
            outcome: "success".into(),
            ..Trace::default()
        };
        assert!(deposit_signals(&t).is_empty());
        assert!(search_signals(&t).is_empty());
        assert_eq!(report(&[], "deposit"), "No deposit signals fired.");
    }

    #[test]
    fn errors_rejections_and_warnings_fire_search_signals() {
        let mut t = struggle();
        t.outputs = vec!["running tests\nTraceback (most recent call last):\n  File x".into()];
        t.user_messages.push("be careful, this is production".into());
        let kinds: Vec<_> = search_signals(&t).iter().map(|s| s.kind).collect();
        assert_eq!(kinds, ["error_state", "output_rejection_state", "user_warning"]);
        let text = report(&search_signals(&t), "search");
        assert!(
            text.starts_with(
                "3 search signal(s) fired:\n- type: error_state count=3 evidence: bash: Error: No signatures"
            ),
            "{text}"
        );
    }
}
