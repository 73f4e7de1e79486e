//! `evaluate_deposit_worthiness`: would this draft pass the deposit gates, and is it worth it?
//!
//! Nine dimensions, each scored 0–1 and weighted: completeness (0.20: title, problem,
//! root cause, insight and fix present), causal depth (0.15: the root cause has at least
//! [`MIN_ROOT_CAUSE`] characters and says why), transferability (0.15: an insight of at least
//! [`MIN_INSIGHT`] characters that is not the fix restated), specificity (0.10: a title of at
//! least [`MIN_TITLE`] characters and a tag), boundaries (0.10), verification (0.10),
//! non-triviality (0.10), and the self-reported novelty and recurrence (0.05 each). A draft
//! should be deposited when the score is at least [`THRESHOLD`], it is complete, it passes the
//! API's quality [`GATES`], and the fix is not trivial. A dimension below 0.5 is reported failed.

pub const THRESHOLD: f64 = 0.6;

/// One of the API's deposit quality gates: the least number of characters a field holds once
/// trimmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gate {
    pub number: u8,
    pub field: &'static str,
    pub min_chars: usize,
}

/// The API's quality gates, defined here once: the backend refuses a deposit that fails one,
/// and this evaluation says no to a draft that would. The spec's field descriptions state the
/// same minimums (a test holds the two together).
pub const GATES: [Gate; 3] = [
    Gate {
        number: 1,
        field: "root_cause",
        min_chars: 30,
    },
    Gate {
        number: 2,
        field: "insight",
        min_chars: 20,
    },
    Gate {
        number: 3,
        field: "title",
        min_chars: 10,
    },
];

/// Gate 1: the root cause's minimum length.
pub const MIN_ROOT_CAUSE: usize = GATES[0].min_chars;
/// Gate 2: the insight's minimum length.
pub const MIN_INSIGHT: usize = GATES[1].min_chars;
/// Gate 3: the title's minimum length.
pub const MIN_TITLE: usize = GATES[2].min_chars;

/// The first gate a deposit with these fields fails, and why, as the API says it.
pub fn first_failed_gate(root_cause: &str, insight: &str, title: &str) -> Option<(&'static Gate, String)> {
    GATES.iter().find_map(|g| {
        let value = match g.field {
            "root_cause" => root_cause,
            "insight" => insight,
            _ => title,
        };
        g.rejection(value).map(|why| (g, why))
    })
}

impl Gate {
    /// Why `value` fails this gate, as the API says it
    /// (`gate 1 rejection — root_cause too short (12 < 30 chars)`), if it does.
    pub fn rejection(&self, value: &str) -> Option<String> {
        let n = value.trim().chars().count();
        (n < self.min_chars).then(|| {
            format!(
                "gate {} rejection — {} too short ({n} < {} chars)",
                self.number, self.field, self.min_chars
            )
        })
    }
}

/// A draft deposit and the author's self-report.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub title: Option<String>,
    pub problem: Option<String>,
    pub root_cause: Option<String>,
    pub insight: Option<String>,
    pub successful_approach_method: Option<String>,
    pub tags: Vec<String>,
    pub failed_attempt: Option<String>,
    pub applies_when: Option<String>,
    pub does_not_apply_when: Option<String>,
    pub is_trivial_fix: bool,
    pub has_been_verified: bool,
    pub novelty_self_report: f64,
    pub recurrence_self_report: f64,
}

/// The evaluation.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub should_deposit: bool,
    pub score: f64,
    pub failed: Vec<(&'static str, String)>,
}

fn len(field: &Option<String>) -> usize {
    field.as_deref().map_or(0, |s| s.trim().chars().count())
}

const CAUSAL: [&str; 9] = [
    "because",
    "since",
    "due to",
    "caused",
    "so that",
    "which",
    "when",
    "therefore",
    "led to",
];

/// One scored dimension.
#[derive(Debug, Clone)]
pub struct Dimension {
    pub name: &'static str,
    pub weight: f64,
    pub score: f64,
    /// What to do when it fails.
    pub advice: String,
}

/// The nine dimensions of a draft.
pub fn dimensions(d: &Draft) -> Vec<Dimension> {
    let dim = |name, weight, score: f64, advice: String| Dimension {
        name,
        weight,
        score: score.clamp(0.0, 1.0),
        advice,
    };
    let required = [
        ("title", &d.title),
        ("problem", &d.problem),
        ("root_cause", &d.root_cause),
        ("insight", &d.insight),
        ("successful_approach_method", &d.successful_approach_method),
    ];
    let missing: Vec<&str> = required.iter().filter(|(_, v)| len(v) == 0).map(|(n, _)| *n).collect();
    let root = len(&d.root_cause);
    let says_why = d
        .root_cause
        .as_deref()
        .is_some_and(|r| CAUSAL.iter().any(|w| r.to_lowercase().contains(w)));
    let insight = len(&d.insight);
    let restates = d.insight.is_some()
        && d.insight.as_deref().map(str::trim) == d.successful_approach_method.as_deref().map(str::trim);
    let bounded = u8::from(len(&d.applies_when) > 0) + u8::from(len(&d.does_not_apply_when) > 0);
    vec![
        dim(
            "completeness",
            0.20,
            1.0 - missing.len() as f64 / required.len() as f64,
            format!("missing {}", missing.join(", ")),
        ),
        dim(
            "causal_depth",
            0.15,
            (root as f64 / MIN_ROOT_CAUSE as f64).min(1.0) * if says_why { 1.0 } else { 0.7 },
            format!("root_cause should say why it happened in at least {MIN_ROOT_CAUSE} characters (has {root})"),
        ),
        dim(
            "transferability",
            0.15,
            if restates {
                0.2
            } else {
                (insight as f64 / MIN_INSIGHT as f64).min(1.0)
            },
            format!(
                "insight should state the lesson for other projects in at least {MIN_INSIGHT} characters, not restate the fix"
            ),
        ),
        dim(
            "specificity",
            0.10,
            ((len(&d.title) as f64 / MIN_TITLE as f64).min(1.0) + if d.tags.is_empty() { 0.0 } else { 1.0 }) / 2.0,
            format!("a title of at least {MIN_TITLE} characters and at least one tag"),
        ),
        dim(
            "boundaries",
            0.10,
            f64::from(bounded) / 2.0,
            "say when the lesson applies and when it does not (applies_when, does_not_apply_when)".into(),
        ),
        dim(
            "verification",
            0.10,
            if d.has_been_verified { 1.0 } else { 0.0 },
            "verify the fix first (tests pass, the error is gone)".into(),
        ),
        dim(
            "non_trivial",
            0.10,
            if d.is_trivial_fix { 0.0 } else { 1.0 },
            "a typo-level fix is not worth a deposit".into(),
        ),
        dim(
            "novelty",
            0.05,
            d.novelty_self_report,
            "it seems well known already".into(),
        ),
        dim(
            "recurrence",
            0.05,
            d.recurrence_self_report,
            "others are unlikely to hit it".into(),
        ),
    ]
}

/// The weighted score of dimensions, rounded to two decimals.
pub fn score(dimensions: &[Dimension]) -> f64 {
    (dimensions.iter().map(|d| d.weight * d.score).sum::<f64>() * 100.0).round() / 100.0
}

pub fn evaluate(d: &Draft) -> Evaluation {
    let dims = dimensions(d);
    let score = score(&dims);
    let complete = dims.first().is_some_and(|c| c.score >= 1.0);
    let failed = dims
        .iter()
        .filter(|d| d.score < 0.5)
        .map(|d| (d.name, d.advice.clone()))
        .collect();
    let passes_gates = first_failed_gate(
        d.root_cause.as_deref().unwrap_or_default(),
        d.insight.as_deref().unwrap_or_default(),
        d.title.as_deref().unwrap_or_default(),
    )
    .is_none();
    let should_deposit = score >= THRESHOLD && complete && passes_gates && !d.is_trivial_fix;
    Evaluation {
        should_deposit,
        score,
        failed,
    }
}

impl std::fmt::Display for Evaluation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "should_deposit: {}\nscore: {:.2}",
            if self.should_deposit { "yes" } else { "no" },
            self.score
        )?;
        if self.failed.is_empty() {
            return f.write_str("\nfailed_dimensions: none");
        }
        write!(
            f,
            "\nfailed_dimensions: {}\nreasons:",
            self.failed.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
        )?;
        for (name, why) in &self.failed {
            write!(f, "\n- {name}: {why}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_states_the_gates() {
        let spec = include_str!("../../specs/inferior/openapi.yaml");
        for g in GATES {
            let prose = format!("; {}+ characters", g.min_chars);
            assert!(
                spec.lines()
                    .any(|l| l.trim_start().starts_with(&format!("{}:", g.field)) && l.contains(&prose)),
                "the spec's `{}` should say \"{prose}\"",
                g.field
            );
        }
        assert_eq!(
            GATES[0].rejection("  too short  "),
            Some("gate 1 rejection — root_cause too short (9 < 30 chars)".into())
        );
    }

    fn good() -> Draft {
        Draft {
            title: Some("Stripe signature fails on Vercel edge".into()),
            problem: Some("Intermittent 400s from the Stripe webhook verifier".into()),
            root_cause: Some("The edge runtime re-encoded the request body before the handler read the raw bytes, so the HMAC no longer matched".into()),
            insight: Some("Routes that verify signatures over raw bodies must run on the Node.js runtime".into()),
            successful_approach_method: Some("export const runtime = 'nodejs' in the route file".into()),
            tags: vec!["stripe".into(), "vercel".into()],
            applies_when: Some("Next.js app router on Vercel".into()),
            has_been_verified: true,
            novelty_self_report: 0.7,
            recurrence_self_report: 0.8,
            ..Draft::default()
        }
    }

    #[test]
    fn a_complete_verified_draft_passes() {
        let e = evaluate(&good());
        assert!(e.should_deposit, "{e}");
        assert!(e.score >= 0.85, "{e}");
        assert_eq!(e.to_string().lines().next(), Some("should_deposit: yes"));
    }

    #[test]
    fn a_short_root_cause_fails_like_gate_one() {
        let e = evaluate(&Draft {
            root_cause: Some("edge runtime".into()),
            ..good()
        });
        assert!(!e.should_deposit, "{e}");
        assert!(
            e.failed
                .iter()
                .any(|(n, why)| *n == "causal_depth" && why.contains("has 12")),
            "{e}"
        );
    }

    #[test]
    fn trivial_or_incomplete_drafts_fail() {
        assert!(
            !evaluate(&Draft {
                is_trivial_fix: true,
                ..good()
            })
            .should_deposit
        );
        let e = evaluate(&Draft {
            insight: None,
            successful_approach_method: None,
            ..good()
        });
        assert!(!e.should_deposit);
        assert!(
            e.to_string()
                .contains("- completeness: missing insight, successful_approach_method")
                || e.failed.iter().any(|(n, _)| *n == "transferability"),
            "{e}"
        );
    }
}
