//! What a generated crate's `Cargo.toml` says about itself for crates.io: its version, taken from
//! the document it is generated from (the spec's `info.version`, the manifest's
//! `server.version`), and where its documentation and home page are (docs.rs; the spec's
//! `info.contact.url` or `externalDocs.url`).
//!
//! APIs version themselves in ways Cargo does not accept: by date (`2026-11-01`, Stripe's
//! `2023-08-16`), with a `v` (`v1.2`), with two parts (`1.0`). A version is kept when it is
//! semver, completed when it lacks parts, and a date becomes `YEAR.MONTH.DAY`, which orders as the
//! dates do; the original stays in the crate's docs.

use serde_json::Value;

/// The Cargo version for a document's version, `0.1.0` when it says nothing usable.
pub fn version(document_version: &str) -> String {
    let v = document_version.trim();
    date(v)
        .or_else(|| semver(v.strip_prefix(['v', 'V']).unwrap_or(v)))
        .unwrap_or_else(|| "0.1.0".to_string())
}

/// `YYYY-MM-DD`, with anything after it (Stripe's `2024-06-20.acacia`) left out.
fn date(v: &str) -> Option<String> {
    let mut parts = v.get(..10)?.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(year, 4) && digits(month, 2) && digits(day, 2)) {
        return None;
    }
    let number = |s: &str| s.parse::<u32>().ok();
    let (year, month, day) = (number(year)?, number(month)?, number(day)?);
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then(|| format!("{year}.{month}.{day}"))
}

/// One to three numbers, then an optional pre-release; build metadata is dropped (crates.io
/// ignores it). Leading zeros, which semver forbids, are read as numbers.
fn semver(v: &str) -> Option<String> {
    let v = v.split('+').next()?;
    let (core, pre) = match v.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (v, None),
    };
    let numbers = core
        .split('.')
        .map(|n| n.parse::<u64>().ok().filter(|_| n.bytes().all(|b| b.is_ascii_digit())))
        .collect::<Option<Vec<_>>>()?;
    if numbers.is_empty() || numbers.len() > 3 {
        return None;
    }
    let mut version = (0..3)
        .map(|i| numbers.get(i).copied().unwrap_or(0).to_string())
        .collect::<Vec<_>>()
        .join(".");
    if let Some(pre) = pre {
        let identifiers = pre
            .split('.')
            .map(|id| {
                let valid = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
                match id.parse::<u64>() {
                    Ok(n) if id.bytes().all(|b| b.is_ascii_digit()) => Some(n.to_string()),
                    _ => valid.then(|| id.to_string()),
                }
            })
            .collect::<Option<Vec<_>>>()?;
        version = format!("{version}-{}", identifiers.join("."));
    }
    Some(version)
}

/// The spec's own home page, when it names one over HTTP(S).
pub fn homepage(doc: &Value) -> Option<&str> {
    ["/info/contact/url", "/externalDocs/url"]
        .iter()
        .filter_map(|pointer| doc.pointer(pointer).and_then(Value::as_str))
        .find(|url| url.starts_with("https://") || url.starts_with("http://"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_become_cargo_versions() {
        for (given, cargo) in [
            ("2026-11-01", "2026.11.1"),
            ("2024-06-20.acacia", "2024.6.20"),
            ("1.2.3", "1.2.3"),
            ("v1.2", "1.2.0"),
            ("1", "1.0.0"),
            ("2.0.0-beta.01+build.7", "2.0.0-beta.1"),
            ("1.1.4", "1.1.4"),
            ("01.02.03", "1.2.3"),
            ("", "0.1.0"),
            ("latest", "0.1.0"),
            ("1.2.3.4", "0.1.0"),
            ("1.0-", "0.1.0"),
        ] {
            assert_eq!(version(given), cargo, "{given}");
        }
    }

    #[test]
    fn the_home_page_is_the_contact_url_or_the_external_docs() {
        assert_eq!(
            homepage(&json!({"info": {"contact": {"url": "https://example.com"}}})),
            Some("https://example.com")
        );
        assert_eq!(
            homepage(
                &json!({"info": {"contact": {"url": "mailto:x@y"}}, "externalDocs": {"url": "http://docs.example.com"}})
            ),
            Some("http://docs.example.com")
        );
        assert_eq!(homepage(&json!({"info": {}})), None);
    }
}
