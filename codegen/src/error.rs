//! Codegen failures, each worded for the maintainer who has to fix the spec or manifest.

use std::fmt;
use std::path::PathBuf;

/// One problem found while generating. Problems in specs and manifests name the file and the
/// JSON pointer of the offending node, and say what to change.
#[derive(Debug)]
pub enum Error {
    /// A file could not be read or written.
    Io { path: PathBuf, message: String },
    /// A file is not valid YAML or JSON.
    Syntax { path: PathBuf, message: String },
    /// A node of a spec or manifest has a shape codegen cannot use.
    Invalid {
        path: PathBuf,
        pointer: String,
        message: String,
    },
    /// progenitor rejected the spec (or panicked on it) although validation passed.
    Progenitor { path: PathBuf, message: String },
    /// A template failed to render.
    Template { name: String, message: String },
    /// Generated Rust did not parse or format.
    Format { path: PathBuf, message: String },
    /// `--check` found files in the output that differ from what the specs generate.
    Stale { diff: String, files: usize },
}

impl Error {
    pub fn invalid(path: &std::path::Path, pointer: &str, message: impl Into<String>) -> Self {
        Error::Invalid {
            path: path.to_path_buf(),
            pointer: pointer.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, message } => write!(f, "{}: {message}", path.display()),
            Error::Syntax { path, message } => write!(f, "{}: not valid YAML/JSON: {message}", path.display()),
            Error::Invalid { path, pointer, message } => {
                let pointer = if pointer.is_empty() { "/" } else { pointer };
                write!(f, "{}#{pointer}: {message}", path.display())
            }
            Error::Progenitor { path, message } => {
                write!(f, "{}: the client generator failed: {message}", path.display())
            }
            Error::Template { name, message } => write!(f, "template {name}: {message}"),
            Error::Format { path, message } => {
                write!(f, "{}: generated Rust does not format: {message}", path.display())
            }
            Error::Stale { diff, files } => write!(
                f,
                "{diff}\ngenerated/ is stale: {files} file(s) differ from what specs/ generates. \
                 Run `cargo run -p codegen` and commit the result."
            ),
        }
    }
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Builds a JSON pointer from segments.
pub fn pointer<I, S>(segments: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    segments
        .into_iter()
        .map(|s| format!("/{}", escape(s.as_ref())))
        .collect()
}
