//! `should_search_inferior` and `form_search_query`: when a search is worth it, and what to send.
//!
//! Triggers (any fires): the problem is error-shaped; it is high-stakes; the stack is
//! unfamiliar; at least [`MIN_FAILED_ATTEMPTS`] fixes failed; at least [`MIN_ELAPSED_MINUTES`]
//! minutes went by. Anti-triggers: the fix is trivial (outweighs a single trigger), Inferior was
//! already searched for this (outweighs fewer than three triggers), the user forbade external
//! searches (always wins). A query is usable with [`MIN_WORDS`] to [`MAX_WORDS`] words, two of
//! them content words, and nothing `check_query_safety` would refuse.

use super::{name_list, safety};

pub const MIN_FAILED_ATTEMPTS: u64 = 2;
pub const MIN_ELAPSED_MINUTES: f64 = 15.0;
pub const MIN_WORDS: usize = 4;
pub const MAX_WORDS: usize = 60;
/// The search API's query limit.
pub const MAX_QUERY_CHARS: usize = 1000;

/// What the agent reports about its task.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    pub is_error_shaped: bool,
    pub is_high_stakes: bool,
    pub is_unfamiliar: bool,
    pub failed_attempts: u64,
    pub elapsed_minutes: f64,
    pub is_trivial: bool,
    pub already_searched: bool,
    pub user_forbids_search: bool,
}

/// The verdict and what fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub search: bool,
    pub triggers: Vec<&'static str>,
    pub anti_triggers: Vec<&'static str>,
}

pub fn should_search(s: &Signals) -> Verdict {
    let mut triggers = Vec::new();
    if s.is_error_shaped {
        triggers.push("error_shaped");
    }
    if s.is_high_stakes {
        triggers.push("high_stakes");
    }
    if s.is_unfamiliar {
        triggers.push("unfamiliar");
    }
    if s.failed_attempts >= MIN_FAILED_ATTEMPTS {
        triggers.push("failed_attempts");
    }
    if s.elapsed_minutes >= MIN_ELAPSED_MINUTES {
        triggers.push("elapsed_minutes");
    }
    let mut anti_triggers = Vec::new();
    if s.is_trivial {
        anti_triggers.push("trivial");
    }
    if s.already_searched {
        anti_triggers.push("already_searched");
    }
    if s.user_forbids_search {
        anti_triggers.push("user_forbids_search");
    }
    let outweighed =
        s.user_forbids_search || (s.is_trivial && triggers.len() < 2) || (s.already_searched && triggers.len() < 3);
    let search = !triggers.is_empty() && !outweighed;
    Verdict {
        search,
        triggers,
        anti_triggers,
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} triggers_fired={}",
            if self.search { "yes" } else { "no" },
            name_list(&self.triggers)
        )?;
        if !self.anti_triggers.is_empty() {
            write!(f, " anti_triggers_fired={}", name_list(&self.anti_triggers))?;
        }
        Ok(())
    }
}

/// The pieces of a query.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub draft_query: String,
    pub tech_stack: Vec<String>,
    pub versions: Option<String>,
    pub environment: Option<String>,
    pub constraints: Option<String>,
    pub error_message: Option<String>,
}

/// A formed query and whether it can be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Formed {
    pub query: String,
    pub words: usize,
    pub problems: Vec<String>,
}

const FILLER: [&str; 14] = [
    "how do i",
    "how to",
    "can you",
    "please",
    "help me",
    "i need to",
    "i'm getting",
    "i am getting",
    "i get",
    "why does",
    "why is",
    "there is",
    "is there",
    "any idea",
];
const STOP: [&str; 16] = [
    "the", "a", "an", "on", "in", "of", "to", "for", "with", "and", "or", "is", "it", "my", "when", "at",
];

pub fn form_query(d: &Draft) -> Formed {
    let mut core = format!(" {} ", d.draft_query.to_lowercase());
    for filler in FILLER {
        core = core.replace(&format!(" {filler} "), " ");
    }
    let mut parts = vec![squash(
        core.trim_matches(|c: char| c.is_whitespace() || c == '?' || c == '.'),
    )];
    if let Some(error) = d
        .error_message
        .as_deref()
        .map(first_error_line)
        .filter(|e| !e.is_empty())
    {
        parts.push(error);
    }
    if !d.tech_stack.is_empty() {
        parts.push(format!("stack: {}", d.tech_stack.join(", ")));
    }
    for (label, value) in [
        ("versions", &d.versions),
        ("env", &d.environment),
        ("constraints", &d.constraints),
    ] {
        if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            parts.push(format!("{label}: {}", squash(v)));
        }
    }
    let mut query = parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" — ");
    if query.chars().count() > MAX_QUERY_CHARS {
        query = query.chars().take(MAX_QUERY_CHARS).collect();
    }
    let words = query
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    let content = query
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphanumeric()).count() > 2 && !STOP.contains(&w.to_lowercase().as_str()))
        .count();
    let mut problems = Vec::new();
    if words < MIN_WORDS {
        problems.push(format!(
            "too short: {words} words (at least {MIN_WORDS}); add the error message, the stack or the symptom"
        ));
    } else if words > MAX_WORDS {
        problems.push(format!(
            "too long: {words} words (at most {MAX_WORDS}); keep the error and the stack, drop the narrative"
        ));
    }
    if content < 2 {
        problems.push("too vague: name the library, the error or the symptom".into());
    }
    if let Ok(findings) = safety::check(
        &query,
        &safety::Policy {
            max_length: MAX_QUERY_CHARS,
            ..safety::Policy::default()
        },
    ) {
        problems.extend(findings.iter().map(|f| format!("unsafe: {f}")));
    }
    Formed { query, words, problems }
}

impl std::fmt::Display for Formed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "query: {}\nstatus: {}\nword_count: {}",
            self.query,
            if self.problems.is_empty() {
                "USABLE"
            } else {
                "NOT USABLE"
            },
            self.words
        )?;
        for p in &self.problems {
            write!(f, "\n- {p}")?;
        }
        Ok(())
    }
}

/// The first line of an error, without file paths, line numbers, hex addresses or ids that
/// would make it match nothing else.
fn first_error_line(error: &str) -> String {
    let line = error.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    let words: Vec<String> = line
        .split_whitespace()
        .map(|w| {
            if w.contains('/') && w.len() > 1 {
                // A path: keep the file name.
                w.rsplit('/')
                    .next()
                    .unwrap_or(w)
                    .split(':')
                    .next()
                    .unwrap_or(w)
                    .to_string()
            } else if w.starts_with("0x") || (w.len() >= 16 && w.chars().all(|c| c.is_ascii_hexdigit() || c == '-')) {
                String::new()
            } else {
                w.to_string()
            }
        })
        .filter(|w| !w.is_empty())
        .collect();
    words.join(" ")
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_says_yes() {
        let v = should_search(&Signals {
            is_error_shaped: true,
            failed_attempts: 2,
            elapsed_minutes: 25.0,
            ..Signals::default()
        });
        assert_eq!(
            v.to_string(),
            "yes triggers_fired=['error_shaped','failed_attempts','elapsed_minutes']"
        );
    }

    #[test]
    fn no_trigger_means_no() {
        let v = should_search(&Signals {
            failed_attempts: 1,
            elapsed_minutes: 14.9,
            ..Signals::default()
        });
        assert_eq!(v.to_string(), "no triggers_fired=[]");
    }

    #[test]
    fn anti_triggers_outweigh_weak_evidence() {
        let trivial = should_search(&Signals {
            is_error_shaped: true,
            is_trivial: true,
            ..Signals::default()
        });
        assert_eq!(
            trivial.to_string(),
            "no triggers_fired=['error_shaped'] anti_triggers_fired=['trivial']"
        );
        let trivial_but_stuck = should_search(&Signals {
            is_error_shaped: true,
            is_trivial: true,
            failed_attempts: 3,
            ..Signals::default()
        });
        assert!(trivial_but_stuck.search);
        let searched = should_search(&Signals {
            is_error_shaped: true,
            failed_attempts: 2,
            already_searched: true,
            ..Signals::default()
        });
        assert!(!searched.search);
        let forbidden = should_search(&Signals {
            is_error_shaped: true,
            is_high_stakes: true,
            is_unfamiliar: true,
            failed_attempts: 5,
            elapsed_minutes: 90.0,
            user_forbids_search: true,
            ..Signals::default()
        });
        assert!(!forbidden.search);
    }

    #[test]
    fn forms_a_usable_query() {
        let f = form_query(&Draft {
            draft_query: "How do I fix stripe webhook signature failing?".into(),
            tech_stack: vec!["nextjs".into(), "stripe".into()],
            versions: Some("next 14.1".into()),
            environment: Some("vercel edge".into()),
            error_message: Some(
                "Error: No signatures found matching the expected signature for payload at /app/src/route.ts:42".into(),
            ),
            ..Draft::default()
        });
        assert_eq!(
            f.query,
            "fix stripe webhook signature failing — Error: No signatures found matching the expected signature for payload at route.ts — stack: nextjs, stripe — versions: next 14.1 — env: vercel edge"
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert!(f.to_string().contains("status: USABLE\nword_count: 26"), "{f}");
    }

    #[test]
    fn vague_or_unsafe_queries_are_not_usable() {
        let f = form_query(&Draft {
            draft_query: "it broke".into(),
            ..Draft::default()
        });
        assert!(f.to_string().contains("status: NOT USABLE"));
        assert!(f.problems[0].starts_with("too short"));
        let f = form_query(&Draft {
            draft_query: "postgres refuses connections from 10.0.3.7 after upgrade".into(),
            ..Draft::default()
        });
        assert!(
            f.problems.iter().any(|p| p.starts_with("unsafe: internal_host")),
            "{:?}",
            f.problems
        );
    }
}
