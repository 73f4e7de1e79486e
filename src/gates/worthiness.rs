//! `evaluate_deposit_worthiness`: would this draft pass the deposit gates, and is it worth it?
//!
//! Nine dimensions, each scored 0–1 and weighted: completeness (0.20: title, problem,
//! root cause, insight and fix present), causal depth (0.15: the root cause has at least
//! [`MIN_ROOT_CAUSE`] characters and says why), transferability (0.15: an insight of at least
//! [`MIN_INSIGHT`] characters that is not the fix restated), specificity (0.10: a title of at
//! least [`MIN_TITLE`] characters and a tag), boundaries (0.10), verification (0.10),
//! non-triviality (0.10), and the self-reported novelty and recurrence (0.05 each). A draft
//! should be deposited when the score is at least [`THRESHOLD`], it is complete, its root cause
//! passes the API's gate 1, and the fix is not trivial. A dimension below 0.5 is reported failed.

pub const THRESHOLD: f64 = 0.6;
pub const MIN_ROOT_CAUSE: usize = 30;
pub const MIN_INSIGHT: usize = 30;
pub const MIN_TITLE: usize = 15;

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

pub fn evaluate(d: &Draft) -> Evaluation {
    let mut dims: Vec<(&'static str, f64, f64, String)> = Vec::new();
    let required = [
        ("title", &d.title),
        ("problem", &d.problem),
        ("root_cause", &d.root_cause),
        ("insight", &d.insight),
        ("successful_approach_method", &d.successful_approach_method),
    ];
    let missing: Vec<&str> = required.iter().filter(|(_, v)| len(v) == 0).map(|(n, _)| *n).collect();
    dims.push((
        "completeness",
        0.20,
        1.0 - missing.len() as f64 / required.len() as f64,
        format!("missing {}", missing.join(", ")),
    ));
    let root = len(&d.root_cause);
    let says_why = d
        .root_cause
        .as_deref()
        .is_some_and(|r| CAUSAL.iter().any(|w| r.to_lowercase().contains(w)));
    let depth = (root as f64 / MIN_ROOT_CAUSE as f64).min(1.0) * if says_why { 1.0 } else { 0.7 };
    dims.push((
        "causal_depth",
        0.15,
        depth,
        format!("root_cause should say why it happened in at least {MIN_ROOT_CAUSE} characters (has {root})"),
    ));
    let insight = len(&d.insight);
    let restates = d.insight.is_some()
        && d.insight.as_deref().map(str::trim) == d.successful_approach_method.as_deref().map(str::trim);
    let transfer = if restates {
        0.2
    } else {
        (insight as f64 / MIN_INSIGHT as f64).min(1.0)
    };
    dims.push(("transferability", 0.15, transfer, format!("insight should state the lesson for other projects in at least {MIN_INSIGHT} characters, not restate the fix")));
    let specific =
        ((len(&d.title) as f64 / MIN_TITLE as f64).min(1.0) + if d.tags.is_empty() { 0.0 } else { 1.0 }) / 2.0;
    dims.push((
        "specificity",
        0.10,
        specific,
        format!("a title of at least {MIN_TITLE} characters and at least one tag"),
    ));
    let bounded = (len(&d.applies_when) > 0) as u8 + (len(&d.does_not_apply_when) > 0) as u8;
    dims.push((
        "boundaries",
        0.10,
        bounded as f64 / 2.0,
        "say when the lesson applies and when it does not (applies_when, does_not_apply_when)".into(),
    ));
    dims.push((
        "verification",
        0.10,
        if d.has_been_verified { 1.0 } else { 0.0 },
        "verify the fix first (tests pass, the error is gone)".into(),
    ));
    dims.push((
        "non_trivial",
        0.10,
        if d.is_trivial_fix { 0.0 } else { 1.0 },
        "a typo-level fix is not worth a deposit".into(),
    ));
    dims.push((
        "novelty",
        0.05,
        d.novelty_self_report.clamp(0.0, 1.0),
        "it seems well known already".into(),
    ));
    dims.push((
        "recurrence",
        0.05,
        d.recurrence_self_report.clamp(0.0, 1.0),
        "others are unlikely to hit it".into(),
    ));
    let score = (dims.iter().map(|(_, w, s, _)| w * s).sum::<f64>() * 100.0).round() / 100.0;
    let failed: Vec<(&'static str, String)> = dims
        .iter()
        .filter(|(_, _, s, _)| *s < 0.5)
        .map(|(n, _, _, why)| (*n, why.clone()))
        .collect();
    let should_deposit = score >= THRESHOLD && missing.is_empty() && root >= MIN_ROOT_CAUSE && !d.is_trivial_fix;
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
