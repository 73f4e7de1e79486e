//! `check_query_safety`: what must not leave the machine in a search query.
//!
//! Three families, each switchable: secrets (cloud and SaaS API keys, tokens, private keys,
//! JWTs, passwords in URLs, `password=...` assignments), internal hosts (private, loopback and
//! link-local addresses, `localhost`, internal domain suffixes) and customer data (emails other
//! than example domains, phone numbers, card numbers that pass the Luhn check). Custom deny
//! patterns are regular expressions. Findings never repeat the secret: they show its first
//! characters only.

use regex::Regex;
use std::sync::LazyLock;

/// What to look for.
#[derive(Debug, Clone)]
pub struct Policy {
    pub block_secrets: bool,
    pub block_internal_hosts: bool,
    pub block_customer_data: bool,
    pub custom_deny_patterns: Vec<String>,
    pub max_length: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            block_secrets: true,
            block_internal_hosts: true,
            block_customer_data: true,
            custom_deny_patterns: Vec::new(),
            max_length: 2000,
        }
    }
}

/// One reason a query is unsafe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `secret`, `internal_host`, `customer_data`, `custom_pattern` or `too_long`.
    pub family: &'static str,
    pub what: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.family, self.what)
    }
}

/// A custom pattern that is not a valid regular expression.
#[derive(Debug)]
pub struct BadPattern {
    pub pattern: String,
    pub reason: String,
}

struct Rule {
    name: &'static str,
    regex: Regex,
}

fn rules(list: &[(&'static str, &str)]) -> Vec<Rule> {
    list.iter()
        .filter_map(|(name, re)| Regex::new(re).ok().map(|regex| Rule { name, regex }))
        .collect()
}

static SECRETS: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    rules(&[
        ("private key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
        ("AWS access key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
        (
            "GitHub token",
            r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})",
        ),
        ("Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
        ("Stripe key", r"\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}"),
        ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}"),
        (
            "Inferior API key",
            r"\bcw_(?:full|dep|read|search|admin)_[A-Za-z0-9]{8,}",
        ),
        ("Inference API key", r"\bsk-inference-[A-Za-z0-9_-]{8,}"),
        ("API secret key", r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}"),
        (
            "JWT",
            r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        ),
        ("password in URL", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:[^\s@/]+@"),
        ("bearer token", r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{20,}"),
        (
            "credential assignment",
            r#"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret)\s*[:=]\s*['"]?[^\s'"]{6,}"#,
        ),
    ])
});

static INTERNAL_HOSTS: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    rules(&[
        (
            "private IPv4 address",
            r"\b(?:10\.\d{1,3}|172\.(?:1[6-9]|2\d|3[01])|192\.168)\.\d{1,3}\.\d{1,3}\b",
        ),
        (
            "loopback or link-local address",
            r"\b(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|169\.254\.\d{1,3}\.\d{1,3})\b",
        ),
        (
            "private IPv6 address",
            r"(?i)(?:\[::1\]|\bfe80::[0-9a-f:]+|\bf[cd][0-9a-f]{2}:[0-9a-f:]+)",
        ),
        ("localhost", r"(?i)\blocalhost\b"),
        (
            "internal domain",
            r"(?i)\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:internal|local|localdomain|corp|lan|intranet|home\.arpa|svc\.cluster\.local)\b",
        ),
    ])
});

// Built-in patterns are constants covered by the tests below; one that failed to compile would
// be skipped (`None`), never a panic.
static EMAIL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b").ok());
static PHONE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?:\+\d{1,3}[\s.-]?)?\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b|\+\d{8,14}\b").ok());
static CARD: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\b\d(?:[ -]?\d){12,18}\b").ok());

/// Checks `query` against the policy. An invalid custom pattern is an error, not a pass.
pub fn check(query: &str, policy: &Policy) -> Result<Vec<Finding>, BadPattern> {
    let custom = policy
        .custom_deny_patterns
        .iter()
        .map(|p| {
            Regex::new(p).map(|r| (p.clone(), r)).map_err(|e| BadPattern {
                pattern: p.clone(),
                reason: e.to_string().lines().last().unwrap_or_default().trim().to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut findings = Vec::new();
    let length = query.chars().count();
    if length > policy.max_length {
        findings.push(Finding {
            family: "too_long",
            what: format!("{length} characters > {} allowed", policy.max_length),
        });
    }
    if policy.block_secrets {
        for rule in SECRETS.iter() {
            if let Some(m) = rule.regex.find(query) {
                findings.push(Finding {
                    family: "secret",
                    what: format!("{} ({})", rule.name, redact(m.as_str())),
                });
            }
        }
        dedupe_nested_secrets(&mut findings);
    }
    if policy.block_internal_hosts {
        for rule in INTERNAL_HOSTS.iter() {
            if let Some(m) = rule.regex.find(query) {
                findings.push(Finding {
                    family: "internal_host",
                    what: format!("{} ({})", rule.name, m.as_str()),
                });
            }
        }
    }
    if policy.block_customer_data {
        for caps in EMAIL.iter().flat_map(|re| re.captures_iter(query)) {
            let domain = caps.get(1).map_or("", |d| d.as_str()).to_ascii_lowercase();
            if !["example.com", "example.org", "example.net"].contains(&domain.as_str()) {
                findings.push(Finding {
                    family: "customer_data",
                    what: format!("email address (…@{domain})"),
                });
                break;
            }
        }
        if let Some(m) = CARD
            .iter()
            .flat_map(|re| re.find_iter(query))
            .find(|m| luhn(m.as_str()))
        {
            let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
            findings.push(Finding {
                family: "customer_data",
                what: format!("card number (ending {})", &digits[digits.len() - 4..]),
            });
        } else if PHONE.as_ref().is_some_and(|re| re.is_match(query)) {
            findings.push(Finding {
                family: "customer_data",
                what: "phone number".into(),
            });
        }
    }
    for (pattern, regex) in custom {
        if regex.is_match(query) {
            findings.push(Finding {
                family: "custom_pattern",
                what: format!("matches `{pattern}`"),
            });
        }
    }
    Ok(findings)
}

/// A generic `sk-` key also matches the more specific Inference key rule; keep the specific one.
fn dedupe_nested_secrets(findings: &mut Vec<Finding>) {
    if findings.iter().any(|f| f.what.starts_with("Inference API key")) {
        findings.retain(|f| !f.what.starts_with("API secret key"));
    }
}

/// The first four characters of a secret, then an ellipsis.
fn redact(secret: &str) -> String {
    let head: String = secret.chars().take(4).collect();
    format!("{head}…")
}

/// The Luhn checksum of the digits in `text` (13 to 19 of them).
pub fn luhn(text: &str) -> bool {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) || digits.iter().all(|&d| d == digits[0]) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The gate's answer: `is_safe: yes|no` and the reasons.
pub fn report(findings: &[Finding], length: usize, max_length: usize) -> String {
    if findings.is_empty() {
        return format!("is_safe: yes\nlength: {length} / {max_length} characters");
    }
    let mut out = format!("is_safe: no\n{} reason(s):", findings.len());
    for f in findings {
        out.push_str(&format!("\n- {f}"));
    }
    out.push_str("\nRemove or generalise these before searching.");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn families(query: &str) -> Vec<&'static str> {
        check(query, &Policy::default())
            .unwrap()
            .iter()
            .map(|f| f.family)
            .collect()
    }

    #[test]
    fn secrets_are_found_and_never_echoed() {
        let cases = [
            "aws says InvalidClientTokenId for AKIAIOSFODNN7EXAMPLE",
            "auth fails with ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "stripe error with sk_live_51HxxxxxxxxxxxxxxxxxxxxX",
            "-----BEGIN RSA PRIVATE KEY----- MIIEpAIBAAKCAQEA",
            "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
            "cannot connect to postgres://admin:hunter2pass@db.example.com/app",
            "config has password=SuperSecret123",
            "401 with key sk-inference-abc123def456",
            "Authorization: Bearer abcdefghijklmnopqrstuvwxyz123456",
        ];
        for case in cases {
            let findings = check(case, &Policy::default()).unwrap();
            assert!(findings.iter().any(|f| f.family == "secret"), "{case}: {findings:?}");
            for f in &findings {
                assert!(
                    !f.what.contains("hunter2") && !f.what.contains("SuperSecret") && !f.what.contains("IOSFODNN"),
                    "{f}"
                );
            }
        }
    }

    #[test]
    fn internal_hosts_are_found() {
        for case in [
            "timeout calling 10.0.3.7:8080",
            "refused on 192.168.1.20",
            "http://localhost:3000 404",
            "api.payments.internal returns 502",
            "redis.svc.cluster.local dns fails",
            "connect 127.0.0.1:5432",
        ] {
            assert!(families(case).contains(&"internal_host"), "{case}");
        }
    }

    #[test]
    fn customer_data_is_found() {
        assert!(families("user jane.doe@acme-corp.com cannot log in").contains(&"customer_data"));
        assert!(families("charge failed for card 4111 1111 1111 1111").contains(&"customer_data"));
        assert!(families("call +1 415-555-0132 for support").contains(&"customer_data"));
    }

    #[test]
    fn ordinary_queries_pass() {
        for case in [
            "stripe webhook signature fails on vercel edge",
            "TypeError: Cannot read properties of undefined (reading 'map') in next 14.1",
            "docs say to use test@example.com in fixtures",
            "version 1.2.3 build 20240101 fails with exit code 137",
            "order 1234567890123 not found", // 13 digits that fail Luhn
            "public ip 8.8.8.8 dns resolution slow",
        ] {
            assert!(families(case).is_empty(), "{case}: {:?}", families(case));
        }
    }

    #[test]
    fn switches_length_and_custom_patterns() {
        let policy = Policy {
            block_secrets: false,
            block_internal_hosts: false,
            block_customer_data: false,
            custom_deny_patterns: vec!["(?i)project-x".into()],
            max_length: 20,
        };
        let findings = check("AKIAIOSFODNN7EXAMPLE on Project-X at 10.0.0.1", &policy).unwrap();
        let families: Vec<_> = findings.iter().map(|f| f.family).collect();
        assert_eq!(families, ["too_long", "custom_pattern"]);
        let err = check(
            "x",
            &Policy {
                custom_deny_patterns: vec!["(".into()],
                ..Policy::default()
            },
        )
        .unwrap_err();
        assert_eq!(err.pattern, "(");
    }

    #[test]
    fn every_built_in_pattern_compiles() {
        assert_eq!(SECRETS.len(), 13);
        assert_eq!(INTERNAL_HOSTS.len(), 5);
        assert!(EMAIL.is_some() && PHONE.is_some() && CARD.is_some());
    }

    #[test]
    fn luhn_checks_card_numbers() {
        assert!(luhn("4111 1111 1111 1111"));
        assert!(luhn("5500-0000-0000-0004"));
        assert!(!luhn("4111 1111 1111 1112"));
        assert!(!luhn("0000 0000 0000 0000"));
    }
}
