//! The local gates of the Inferior server (and the checks its local backend shares with them): decisions an agent can ask for without a network
//! call or any cost. Each is a pure function over its inputs with documented thresholds, so its
//! behaviour can be locked by tests with real examples.

pub mod safety;
pub mod search;
pub mod trace;
pub mod worthiness;

/// A Python-style list of names, as the gates' one-line verdicts show them: `['a','b']`.
pub fn name_list(names: &[&str]) -> String {
    format!(
        "[{}]",
        names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(",")
    )
}
