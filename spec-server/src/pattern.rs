//! The spec's `pattern`s (ECMAScript regular expressions, as typify checks them in the SDK),
//! compiled once per process: a check runs on every request, a compile costs far more.

use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

/// Compiled patterns by source; `None` for one that does not compile.
static COMPILED: LazyLock<RwLock<HashMap<String, Option<regress::Regex>>>> = LazyLock::new(Default::default);

/// Whether `text` matches `pattern`. A pattern that does not compile holds nothing back (the
/// SDK's types are the stricter check).
pub fn matches(pattern: &str, text: &str) -> bool {
    let found = |compiled: &HashMap<String, Option<regress::Regex>>| {
        compiled
            .get(pattern)
            .map(|re| re.as_ref().is_none_or(|re| re.find(text).is_some()))
    };
    if let Some(answer) = found(&COMPILED.read().unwrap_or_else(|e| e.into_inner())) {
        return answer;
    }
    let mut compiled = COMPILED.write().unwrap_or_else(|e| e.into_inner());
    compiled
        .entry(pattern.to_string())
        .or_insert_with(|| regress::Regex::new(pattern).ok());
    found(&compiled).unwrap_or(true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn patterns_match_and_a_broken_one_holds_nothing_back() {
        assert!(super::matches("^c_[0-9]{1,12}$", "c_12"));
        assert!(!super::matches("^c_[0-9]{1,12}$", "c_x"));
        assert!(
            !super::matches("^c_[0-9]{1,12}$", "c_"),
            "the second use takes the compiled one"
        );
        assert!(super::matches("(", "anything"));
    }
}
