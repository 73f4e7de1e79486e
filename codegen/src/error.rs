//! Codegen failures, each worded for the maintainer who has to fix the spec or manifest.

use std::fmt;
use std::path::{Path, PathBuf};

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
    /// A `$ref` that cannot be followed.
    Unresolved {
        path: PathBuf,
        pointer: String,
        reference: String,
        reason: String,
    },
    /// A Swagger 2.0 document: it needs converting to OpenAPI 3 first.
    Swagger2 { path: PathBuf },
    /// A template failed to render.
    Template { name: String, message: String },
    /// Generated Rust did not parse or format.
    Format { path: PathBuf, message: String },
    /// `--check` found files in the output that differ from what the specs generate.
    Stale { diff: String, files: usize },
}

impl Error {
    pub fn invalid(path: &Path, pointer: &str, message: impl Into<String>) -> Self {
        Error::Invalid {
            path: path.to_path_buf(),
            pointer: pointer.to_string(),
            message: message.into(),
        }
    }

    /// The group (and file) a large number of these errors is shown as, if they come in numbers.
    pub fn group(&self) -> Option<(&'static str, &Path)> {
        match self {
            Error::Unresolved { path, .. } => Some(("unresolved", path)),
            _ => None,
        }
    }

    /// What a group says after its count.
    pub fn group_summary(group: &str) -> &'static str {
        match group {
            "unresolved" => "references cannot be followed",
            _ => "problems",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |pointer: &str| {
            if pointer.is_empty() {
                "/".to_string()
            } else {
                pointer.to_string()
            }
        };
        match self {
            Error::Io { path, message } => write!(f, "{}: {message}", path.display()),
            Error::Syntax { path, message } => write!(f, "{}: not valid YAML or JSON: {message}", path.display()),
            Error::Invalid { path, pointer, message } => write!(f, "{}#{}: {message}", path.display(), at(pointer)),
            Error::Unresolved {
                path,
                pointer,
                reference,
                reason,
            } => write!(f, "{}#{}/$ref: `{reference}` {reason}", path.display(), at(pointer)),
            Error::Swagger2 { path } => {
                let file = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
                write!(
                    f,
                    "{}#/swagger: this is a Swagger 2.0 document; codegen reads OpenAPI 3.0, 3.1 and 3.2. Convert it \
                     first and commit the result, for example with `npx swagger2openapi --yaml --outfile {file} {file}` \
                     in its directory (or paste it into https://converter.swagger.io)",
                    path.display()
                )
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
